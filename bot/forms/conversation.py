"""The request as the whole conversation gives it: body, filer's answers, decisions (pure).

The issue job and the batch job read an issue the same way:

1. the body, with :func:`bot.forms.parse_issue`;
2. when the bot has asked something, the filer's answers in later comments,
   written into the body as an edit would (``bot.forms.thread``), and the body
   read again;
3. the maintainers' ``/request`` decisions on top (``bot.forms.decision``): they
   win over both.

The result carries notes for the status comment: which comment was read for
what, which was not used, and who decided what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.anthology.lookup import DataLookup
from bot.forms.decision import Decision, apply_decisions
from bot.forms.parse import parse_issue
from bot.forms.result import ParseResult
from bot.forms.thread import ThreadComment, read_thread


@dataclass(frozen=True)
class Conversation:
    """The issue's reading, and the notes on how the thread changed it."""

    parsed: ParseResult
    notes: tuple[str, ...] = ()


def read_conversation(  # noqa: PLR0913 - the parts of a conversation, by name
    title: str,
    body: str,
    lookup: DataLookup | None,
    *,
    comments: Sequence[ThreadComment] = (),
    filer: str = "",
    asked: Sequence[str] = (),
    asked_since: int | None = None,
    asked_until: int | None = None,
    asked_gaps: Sequence[tuple[int, int]] = (),
    offered: Mapping[str, Sequence[str]] | None = None,
    decisions: Sequence[Decision] = (),
) -> Conversation:
    """The request of an issue, read from its body, the filer's answers and the decisions."""
    parsed = parse_issue(title, body, lookup=lookup)
    thread = read_thread(
        body, parsed.form, asked, comments, filer, asked_since, asked_until, offered, asked_gaps
    )
    if thread.answers:
        parsed = parse_issue(title, thread.body, lookup=lookup)
    decided = apply_decisions(parsed, decisions)
    # A comment that answered nothing is worth a word only while there are questions.
    notes = thread.notes(with_ignored=bool(decided.parsed.problems))
    return Conversation(decided.parsed, (*notes, *decided.notes))
