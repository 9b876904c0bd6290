"""The entry points: read an issue, and tell whether the bot should act on it.

Owns :func:`parse_issue` (clean the title and body, detect the form, hand over
to ``bot.forms.assignment`` or ``bot.forms.legacy``) and :func:`is_bot_issue`,
and the input limits that make any title or body safe to read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from bot.anthology.lookup import DataLookup
from bot.config import IssueScope
from bot.forms.assignment import _parse_assignment
from bot.forms.legacy import _parse_legacy
from bot.forms.result import ParseResult, _Collector
from bot.forms.template import detect_form, load_form_spec, normalize_newlines

#: Bodies longer than this are cut before parsing (GitHub allows 65,536 characters).
MAX_BODY_CHARS = 200_000


def parse_issue(
    title: str,
    body: str,
    lookup: DataLookup | None = None,
    template_path: Path | None = None,
) -> ParseResult:
    """Read an issue (title and markdown body) into a Request, or the problems with it.

    Never raises for any title or body; raises OSError only when the template
    file cannot be read.
    """
    title = _clean_text(title or "", 1000)
    body = _clean_text(body or "", MAX_BODY_CHARS)
    spec = load_form_spec(template_path)
    form = detect_form(title, body, spec)
    if form == "assignment":
        return _parse_assignment(title, body, spec, lookup)
    if form == "legacy":
        return _parse_legacy(title, body, lookup)
    out = _Collector()
    out.add(
        "body",
        "unknown_form",
        "This issue was not filed with the 'Fix paper assignment' form, so the bot cannot "
        "read it. Please use the 'Fix paper assignments' button on the author page, or open "
        "a new issue with that form.",
    )
    return ParseResult(None, out.problems, "unknown", {}, {})


def _clean_text(text: str, limit: int | None = None) -> str:
    """Text as parsed: newlines unified, NUL and other control characters dropped.

    With ``limit``, only about the first ``limit`` characters are read (the
    result is at most that long), so that a huge input costs no more than a
    large one.
    """
    if limit is not None:
        text = text[: 2 * limit]
    lines = normalize_newlines(text).split("\n")
    # A printable line (tabs aside) has no character of a "C" category: keep it as it is.
    cleaned = "\n".join(
        line if line.replace("\t", " ").isprintable() else _drop_controls(line) for line in lines
    )
    return cleaned if limit is None else cleaned[:limit]


def _drop_controls(line: str) -> str:
    return "".join(c for c in line if c == "\t" or unicodedata.category(c)[0] != "C")


def is_bot_issue(
    title: str, body: str, labels: Sequence[str], scope: IssueScope | None = None
) -> bool:
    """Whether the bot should act on an issue.

    Issues filed with the assignment form always; issues filed with the Anthology's old
    "Correction to Author Page" form as ``scope`` says (``bot.config.IssueScope``; by
    default when labelled ``author-page`` or the staff label, or not labelled at all).
    Under ``OLD_FORM_ISSUES=staff-labelled`` the labels given here are taken as they
    are: the issue job checks who added them.
    """
    scope = scope or IssueScope()
    try:
        form = detect_form(_clean_text(title or ""), _clean_text(body or "", MAX_BODY_CHARS))
    except OSError:  # the template is missing: act on nothing
        return False
    if form == "assignment":
        return True
    if form != "legacy":
        return False
    names = {label.strip().lower() for label in labels}
    if scope.staff_labelled:
        return scope.staff_label.lower() in names
    return bool(names & scope.trigger_labels()) or not (names - scope.ignored_labels())
