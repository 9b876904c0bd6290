"""Maintainers' decisions: ``/request`` with ``key: value`` lines, as overrides (pure).

In the real issues maintainers restate their decision in a comment ("So the
following 6 papers: ..."). A maintainer states or corrects the request the
same way, with a command the bot reads::

    /request
    papers: 2025.acl-long.5, 2025.acl-long.12
    id suffix: bupt

Keys (case and spaces do not matter; one per line, a value may continue on
the following lines, e.g. as a list):

==================================  ===========================================
key                                 what it sets
==================================  ===========================================
``papers``                          the papers that move (ids or links)
``all``                             every paper of the source pages (``yes``)
``except``                          every paper of the source pages except these
``pages`` / ``source``              the pages the papers are on now
``target``                          an existing verified page, ``new`` or ``unverified``
``new person`` / ``name``           a new verified person with this name
``orcid``                           the ORCID iD (of the new person, or added to the target)
``institution``                     the institution of highest degree
``canonical name``                  the name shown on the page (``names[0]``)
``id``                              the new person's id
``id suffix``                       the new person's id is ``<name>-<suffix>``
==================================  ===========================================

A decision is applied *after* the issue (and the filer's answers in the
thread, ``bot.forms.thread``) has been read: the maintainer's fields win, so a
later edit of the issue by the filer does not silently undo them; the status
comment says who decided what. Several decisions apply oldest first, so the
latest per field wins. Unknown keys and bad values raise :class:`DecisionError`
with a precise message (the bot answers it, ``command_error_reply``).

A decision is not an approval: approval stays bound to the plan a maintainer
saw (``bot.workflow.state``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.anthology.names import slugify_text
from bot.anthology.pages import page_slug
from bot.anthology.people import OrcidError, is_valid_person_id
from bot.engine.request import (
    MAX_PAPERS,
    Problem,
    Request,
    RequestFormatError,
    institution_problem,
    name_problem,
    request_from_json,
)
from bot.forms.references import (
    PageError,
    parse_author_page,
    parse_orcid_answer,
    parse_paper_line,
    parse_person_name,
)
from bot.forms.result import ParseResult
from bot.forms.thread import asked_fields

#: Key as written (normalized) -> the key it means.
KEYS: dict[str, str] = {
    "papers": "papers",
    "paper": "papers",
    "all": "all",
    "all papers": "all",
    "except": "except",
    "all except": "except",
    "pages": "pages",
    "page": "pages",
    "source": "pages",
    "sources": "pages",
    "target": "target",
    "new person": "name",
    "name": "name",
    "orcid": "orcid",
    "institution": "institution",
    "degree": "institution",
    "canonical name": "canonical_name",
    "id": "id",
    "new id": "id",
    "id suffix": "id_suffix",
    "suffix": "id_suffix",
}
#: Keys whose value is a list that may continue on the following lines.
LIST_KEYS = frozenset({"papers", "except", "pages"})
#: The keys as a maintainer writes them, for messages and ``/help``.
KEY_NAMES = (
    "papers, all, except, pages (or source), target, new person (or name), orcid, "
    "institution, canonical name, id, id suffix"
)
#: The fields (``bot.forms.thread.ANSWER_FIELDS``) whose questions a key settles.
_SETTLES: dict[str, tuple[str, ...]] = {
    "papers": ("papers",),
    "all": ("papers",),
    "except": ("papers",),
    "pages": ("author_page",),
    "target": ("target_page",),
    "name": ("target_page", "name"),
    "orcid": ("orcid",),
    "institution": ("institution",),
    "canonical_name": ("name",),
    "id": ("target_page",),
    "id_suffix": ("target_page",),
}
#: Questions no single field answers ("which of these pages ... and where to?"): settled
#: only when the decisions state all of these fields.
_SETTLED_BY_ALL: dict[str, frozenset[str]] = {
    "several_sources": frozenset({"author_page", "target_page"}),
    "ambiguous_pages": frozenset({"author_page", "target_page"}),
}
_KEY_LINE = re.compile(r"^\s*[-*]?\s*([A-Za-z][A-Za-z _-]{0,30}?)\s*[:=]\s*(.*)$")
_SPLIT = re.compile(r"[\s,;]+")
_YES = {"yes", "true", "y", "1", "all"}


class DecisionError(ValueError):
    """A ``/request`` that cannot be read; the message (markdown) says what is wrong."""


@dataclass(frozen=True)
class Decision:
    """One maintainer's ``/request``: the values (key -> JSON value), who, which comment."""

    values: dict[str, Any]
    by: str
    comment: int
    url: str = ""

    def describe(self) -> str:
        """``papers, orcid decided by @maria in comment <link>``."""
        keys = ", ".join(k.replace("_", " ") for k in self.values)
        where = self.url or f"#{self.comment}"
        return f"{keys} decided by @{self.by} in comment {where}"


def _key(text: str) -> str | None:
    return KEYS.get(" ".join(text.replace("_", " ").replace("-", " ").lower().split()))


def parse_decision(lines: Sequence[str]) -> dict[str, Any]:
    """The values of a ``/request`` block (the visible lines after the command)."""
    raw: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        text = line.strip()
        if not text:
            continue
        match = _KEY_LINE.match(text)
        key = _key(match.group(1)) if match else None
        if match and key is None and not match.group(1).strip().lower().startswith("http"):
            raise DecisionError(
                f"I do not know the key `{_code(match.group(1))}`. The keys are: {KEY_NAMES}."
            )
        if key is not None and match is not None:
            current = key
            raw.setdefault(key, [])
            if match.group(2).strip():
                raw[key].append(match.group(2).strip())
            continue
        if current in LIST_KEYS:
            raw[current].append(text.lstrip("-*+ ").strip())
            continue
        raise DecisionError(
            f"the line `{_code(text)}` is not `key: value`. The keys are: {KEY_NAMES}."
        )
    if not raw:
        raise DecisionError(
            "it says nothing to decide. Write one `key: value` per line after `/request`, "
            f"for example `papers: 2025.acl-long.5, 2025.acl-long.12`. The keys are: {KEY_NAMES}."
        )
    values = {
        key: _value(key, " ".join(parts) if key not in LIST_KEYS else parts)
        for key, parts in raw.items()
    }
    person_keys = [k for k in _PERSON_KEYS if k in values]
    if values.get("target") == "unverified" and person_keys:
        named = ", ".join(f"`{k.replace('_', ' ')}`" for k in person_keys)
        raise DecisionError(
            "`target: unverified` takes the papers off a verified page to nobody, so "
            f"{named} has no person to go to. Name a target (`target: new` or a verified "
            "page), or leave them out."
        )
    return values


#: Keys that describe the person who gets the papers (not possible with ``target: unverified``).
_PERSON_KEYS = ("name", "orcid", "institution", "id", "id_suffix")


def _code(text: str) -> str:
    return text.replace("`", "'")[:80]


def _items(parts: list[str]) -> list[str]:
    return [item for part in parts for item in _SPLIT.split(part) if item]


def _value(key: str, value: Any) -> Any:  # noqa: PLR0911, PLR0912 - one branch per key
    if key in ("papers", "except"):
        items = _items(value)
        if not items:
            raise DecisionError(f"`{key}` needs at least one paper.")
        if len(items) > MAX_PAPERS:
            raise DecisionError(f"`{key}` lists {len(items)} papers; at most {MAX_PAPERS}.")
        papers = []
        for item in items:
            refs = parse_paper_line(item)
            if len(refs) != 1 or refs[0].kind != "paper":
                raise DecisionError(f"`{_code(item)}` is not an Anthology paper id or link.")
            papers.append(refs[0].value)
        return list(dict.fromkeys(papers))
    if key == "pages":
        items = _items(value)
        if not items:
            raise DecisionError("`pages` needs at least one author page.")
        return [_page(item) for item in items]
    text = str(value).strip()
    if not text:
        raise DecisionError(f"`{key.replace('_', ' ')}` has no value.")
    if key == "all":
        if text.lower().strip(".!") not in _YES:
            raise DecisionError("`all` takes `yes` (every paper of the source pages).")
        return True
    if key == "target":
        if text.lower() in ("new", "unverified"):
            return text.lower()
        page = _page(text)
        if page.endswith("/unverified"):
            raise DecisionError(
                f"the target `{_code(text)}` is an unverified page; write `target: unverified` "
                "to take the papers off a verified page, or name a verified page."
            )
        return page
    if key in ("name", "canonical_name"):
        name = parse_person_name(text)
        problem = name_problem(name) if name is not None else "no name was given"
        if name is None or problem:
            raise DecisionError(f"`{_code(text)}` cannot be a name: {problem}.")
        return name.to_json()
    if key == "orcid":
        try:
            return parse_orcid_answer(text)
        except OrcidError as exc:
            raise DecisionError(f"`{_code(text)}` is not a usable ORCID iD: {exc}") from None
    if key == "institution":
        problem = institution_problem(text)
        if problem:
            raise DecisionError(f"{problem}.")
        return text
    if key == "id":
        if not is_valid_person_id(text.lower()):
            raise DecisionError(
                f"`{_code(text)}` is not a valid person id (lowercase letters, digits and "
                "hyphens, starting with a letter)."
            )
        return text.lower()
    suffix = slugify_text(text)
    if not suffix:
        raise DecisionError(f"`{_code(text)}` gives no id suffix (letters or digits).")
    return suffix


def _page(text: str) -> str:
    try:
        return parse_author_page(text)
    except PageError as exc:
        raise DecisionError(f"`{_code(text)}` is not an author page: {exc}") from None


# -- applying decisions to what the issue says ------------------------------------------------


def _request_json(parsed: ParseResult) -> dict[str, Any]:
    """What the issue asks for so far, as request JSON (complete or not)."""
    if parsed.request is not None:
        data = parsed.request.to_json()
        if "source" in data:
            data["sources"] = [data.pop("source")]
        return data
    seen = parsed.understood
    sources = seen.get("sources") or ([seen["source"]] if seen.get("source") else [])
    data: dict[str, Any] = {
        "sources": list(sources),
        "papers": "all" if seen.get("all_papers") else list(seen.get("papers") or []),
    }
    for key in ("except", "target", "edits", "merge"):
        if seen.get(key):
            data[key] = seen[key]
    return data


def _set(data: dict[str, Any], key: str, value: Any) -> None:  # noqa: PLR0912
    target = dict(data.get("target") or {})
    edits = dict(data.get("edits") or {})
    kind = target.get("kind")
    if key == "papers":
        data["papers"] = list(value)
        data.pop("except", None)
    elif key == "all":
        data["papers"] = "all"
        data.pop("except", None)  # every paper: the filer's exceptions do not survive it
    elif key == "except":
        data["papers"] = "all"
        data["except"] = list(value)
    elif key == "pages":
        data["sources"] = list(value)
    elif key == "target":
        if value == "new":
            target = {k: v for k, v in target.items() if k != "id"} if kind == "new" else {}
            target["kind"] = "new"
            for edit, field_name in (("orcid", "orcid"), ("degree", "degree")):
                if edits.get(edit) and not target.get(field_name):
                    target[field_name] = edits.pop(edit)
        elif value == "unverified":
            target = {"kind": "unverified"}
        else:
            target = {"kind": "existing", "id": value}
    elif key == "name":
        if kind != "new":
            target = {"kind": "new"}
        target["name"] = value
        edits.pop("canonical_name", None)  # the filer's preferred name gives way to staff's
        edits["name_confirmed"] = value  # staff chose it: it need not be printed on a paper
    elif key in ("orcid", "institution"):
        field_name = "orcid" if key == "orcid" else "degree"
        if kind == "existing":
            edits[field_name] = value
        else:
            target = target if kind == "new" else {"kind": "new"}
            target[field_name] = value
    elif key == "canonical_name":
        if kind == "new":
            target["name"] = value
            edits.pop("canonical_name", None)  # the filer's preferred name gives way
        else:
            edits["canonical_name"] = value
        edits["name_confirmed"] = value  # staff chose it: it need not be printed on a paper
    elif key == "id":
        target = target if kind == "new" else {"kind": "new"}
        target["id"] = value
    elif key == "id_suffix":
        target = target if kind == "new" else {"kind": "new"}
        name = target.get("name")
        if isinstance(name, dict) and name.get("last"):
            base = slugify_text(" ".join(filter(None, (name.get("first"), name["last"]))))
        else:
            sources = data.get("sources") or []
            base = page_slug(sources[0]) if sources else ""
        if base:
            target["id"] = f"{base}-{value}"
    data["target"] = target
    if edits:
        data["edits"] = edits
    else:
        data.pop("edits", None)


def _is_settled(problem: Problem, settled: set[str]) -> bool:
    """Whether the decisions (``settled``: the fields they state) answer this question."""
    needs = _SETTLED_BY_ALL.get(problem.code)
    if needs is not None:
        return needs <= settled
    return bool(settled & set(asked_fields([problem])))


@dataclass
class Decided:
    """The issue's reading after the maintainers' decisions, and what they decided."""

    parsed: ParseResult
    notes: list[str] = field(default_factory=list)


def apply_decisions(parsed: ParseResult, decisions: Sequence[Decision]) -> Decided:
    """``parsed`` with the decisions applied, oldest first (the latest per key wins).

    The questions about what a decision settles are dropped; when none is left
    and the request has a target, it becomes a Request (checked against the
    data later by the planner, like any request). Values of the wrong shape for
    the request become a question for the maintainer, never an exception.
    """
    if not decisions:
        return Decided(parsed)
    data = _request_json(parsed)
    settled: set[str] = set()
    # The id suffix last: it is appended to the name, whichever line or decision names it.
    ordered = [(k, v) for d in decisions for k, v in d.values.items() if k != "id_suffix"]
    suffix = [(k, v) for d in decisions for k, v in d.values.items() if k == "id_suffix"]
    for key, value in [*ordered, *suffix[-1:]]:
        _set(data, key, value)
        settled.update(_SETTLES.get(key, ()))
    notes = [f"{d.describe()}." for d in decisions]
    problems = [p for p in parsed.problems if not _is_settled(p, settled)]
    understood = {**parsed.understood, **data, "decided": notes}
    request = None
    if not problems and data.get("target"):
        try:
            request = request_from_json(data)
        except RequestFormatError as exc:
            problems.append(
                Problem("body", f"The request as decided cannot be used: {exc}.", "unsupported")
            )
        else:
            extra = (
                dict(parsed.request.extra) if parsed.request is not None else {"form": parsed.form}
            )
            request = Request(
                request.sources,
                request.papers,
                request.target,
                request.notes or (parsed.request.notes if parsed.request else ""),
                extra,
                all_papers=request.all_papers,
                except_papers=request.except_papers,
                edits=request.edits,
                merge=request.merge,
            )
            if not (request.sources and (request.papers or request.all_papers)) and not (
                request.edits or request.merge
            ):
                problems.append(
                    Problem(
                        "papers",
                        "The request as decided moves no papers and edits no person: please "
                        "add `papers:` or `all: yes` (and `pages:` if the issue names none).",
                        "missing_papers",
                    )
                )
                request = None
    elif not problems:
        problems.append(
            Problem(
                "target_page",
                "The request as decided has no target: please add `target:` (a verified page, "
                "`new` or `unverified`) or `new person:`.",
                "missing_target",
            )
        )
    result = ParseResult(request, problems, parsed.form, understood, parsed.fields)
    return Decided(result, notes)
