"""The request: which papers move from which author pages to whom, and edits of the person.

A request is what a person asks for, before it is checked against the data.
It is produced by the issue-form parser (``bot.forms``) or read from JSON, and
turned into a plan by ``bot.engine.planner``. Its JSON form is a documented contract
shared by the forms side and the engine. The original form stays valid::

    {"source": "tingfeng-hui/unverified",
     "papers": ["2025.acl-long.123", "2023.findings-emnlp.456"],
     "target": {"kind": "existing", "id": "tingfeng-hui"}}

``target`` may also be ``{"kind": "new", "orcid": ..., "degree": ...,
"name": {"first": ..., "last": ...}, "id": "optional-explicit-id"}`` or
``{"kind": "unverified"}``.

The extended form (every key but ``target`` optional, defaults shown)::

    {"sources": ["x/unverified", "x-y/unverified"],   # or "source": "x/unverified"
     "papers": [...] | "all",          # "all": every paper now on the source pages ...
     "except": [...],                  # ... except these (only with "all")
     "target": {...},                  # as above
     "edits": {"orcid": "...", "degree": "...",
               "canonical_name": {"first": ..., "last": ...},
               "disable_name_matching": true,
               "name_confirmed": {"first": ..., "last": ...}},  # staff: this name need
                                                               # not be printed on a paper
     "merge": ["other-verified-id"],   # verified persons merged INTO an existing target
     "notes": "..."}

Meaning of each part (``Request`` fields of the same names):

* ``sources``: author pages (ids or URLs), de-duplicated by canonical page id, so
  ``x/unverified`` and ``https://aclanthology.org/people/x/unverified/`` are one.
  May be empty when the request only edits or merges persons.
* ``papers`` / ``all_papers`` / ``except_papers``: the explicit list, or "all papers
  on the source pages except ..."; "only these are mine" on a page is
  ``all_papers=True, except_papers=<keep list>`` moved to the appropriate target,
  or, for a verify request on an unverified page, the keep list moved to the new
  person (the forms side chooses).
* ``target``: who gets the papers; existing (``id``), new (``orcid``, ``degree``,
  ``name``, optional ``id``) or unverified (the papers leave a verified page).
* ``edits``: changes to the target person's people.json entry (for ``existing``; a
  new person takes ORCID/degree from ``target``, an ``edits.orcid``/``degree`` there
  is used when ``target`` lacks it). ``canonical_name`` becomes ``names[0]`` and must
  be one of the person's names or a name printed on their papers (printed names
  are never rewritten).
* ``merge``: verified person ids merged into the existing target: the survivor takes
  their names, ORCID, degree, comment and ``similar``; every explicit id (and every
  slot carrying the merged ORCID) is re-pointed; their entries are removed.
* A request may move no papers when it carries ``edits`` or ``merge`` (e.g. "add my
  ORCID to my verified page": ``sources=[]``, ``papers=[]``, target existing,
  ``edits.orcid``).

``to_json()`` writes the extended form, except that a request with one source, a
list of papers and nothing else serializes to exactly the original keys.

Bounds: ``request_from_json`` refuses a shape that is wrong and values beyond the
limits below (``RequestFormatError``); the planner turns values that are of the
right shape but wrong for the data (a name not printed on the papers, a taken
ORCID, an invalid id) into ``Problem`` s for the person.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.anthology.names import Name
from bot.anthology.pages import PageReferenceError, parse_page_reference

TargetKind = Literal["existing", "new", "unverified"]
TARGET_KINDS: tuple[TargetKind, ...] = ("existing", "new", "unverified")

MAX_PAPERS = 200
"""Papers one request may move: the parser and the planner refuse more at once."""

MAX_SOURCES = 20
"""Author pages one request may name (the largest real merges name a handful)."""
MAX_MERGE = 10
"""Verified persons one request may merge into its target."""
MAX_NAME_PART = 100
"""Characters in a first or last name (the longest printed name parts are ~60)."""
MAX_INSTITUTION = 200
"""Characters in an institution (``degree``)."""
MAX_PERSON_ID = 80
"""Characters in a person id (the longest ids in people.json are ~50)."""
MAX_REFERENCE = 300
"""Characters in one page or paper reference (ids and URLs)."""
MAX_NOTES = 20000
"""Characters of free-text notes kept with the request."""

# Characters that never occur in a personal name as the Anthology prints it: markup,
# shell and template syntax, digits. Apostrophes, hyphens, periods, commas and spaces do.
_NAME_FORBIDDEN = re.compile(r"[0-9<>{}\[\]|\\`$;@#*_~=^\"/:?!&%+]")


@dataclass(frozen=True)
class Problem:
    """Something wrong with a request, worded for the person who filed it.

    ``field`` names where the problem is (a form field id such as ``papers``, or a
    paper id); ``code`` is a stable machine-readable tag used by tests and renderers.
    """

    field: str
    message: str
    code: str = "invalid"

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass(frozen=True)
class Target:
    """Whom the papers should be assigned to."""

    kind: TargetKind
    id: str | None = None  # existing: the person id; new: an optional explicit id
    orcid: str | None = None  # new only
    degree: str | None = None  # new only: institution of highest (anticipated) degree
    name: Name | None = None  # new only; defaults to the name on the papers

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.id:
            out["id"] = self.id
        if self.kind == "new":
            if self.orcid:
                out["orcid"] = self.orcid
            if self.degree:
                out["degree"] = self.degree
            if self.name:
                out["name"] = self.name.to_json()
        return out


@dataclass(frozen=True)
class PersonEdits:
    """Edits of the target person's people.json entry."""

    orcid: str | None = None  # add/set the ORCID (must not belong to anyone else)
    degree: str | None = None  # add/set the institution of highest degree
    canonical_name: Name | None = None  # becomes names[0]
    disable_name_matching: bool = False
    name_confirmed: Name | None = None
    """The name Anthology staff confirmed as the canonical name (or the new person's name)
    although no paper prints it, e.g. after a permanent name change (``/request canonical
    name: ...``): the rule that a page's name is one printed on its papers is waived for
    exactly this name."""

    def __bool__(self) -> bool:
        return bool(self.orcid or self.degree or self.canonical_name or self.disable_name_matching)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.orcid:
            out["orcid"] = self.orcid
        if self.degree:
            out["degree"] = self.degree
        if self.canonical_name is not None:
            out["canonical_name"] = self.canonical_name.to_json()
        if self.disable_name_matching:
            out["disable_name_matching"] = True
        if self.name_confirmed is not None:
            out["name_confirmed"] = self.name_confirmed.to_json()
        return out


@dataclass(frozen=True, init=False)
class Request:
    """Move papers from the author pages ``sources`` to ``target``; edit or merge persons.

    A source is a page id: a verified person id (``jane-doe``) or an unverified
    page (``jane-doe/unverified``); page URLs are accepted too. Old callers keep
    working: a single string as the first argument, or ``source=`` by keyword, is
    one source. See the module docstring for every field.
    """

    sources: tuple[str, ...]
    papers: tuple[str, ...]
    target: Target
    notes: str
    extra: dict[str, Any] = field(compare=False)
    all_papers: bool
    except_papers: tuple[str, ...]
    edits: PersonEdits
    merge: tuple[str, ...]

    def __init__(  # noqa: PLR0913 - the documented fields, with the old spellings
        self,
        sources: tuple[str, ...] | list[str] | str = (),
        papers: tuple[str, ...] | list[str] = (),
        target: Target | None = None,
        notes: str = "",
        extra: dict[str, Any] | None = None,
        *,
        source: str | None = None,
        all_papers: bool = False,
        except_papers: tuple[str, ...] | list[str] = (),
        edits: PersonEdits | None = None,
        merge: tuple[str, ...] | list[str] = (),
    ) -> None:
        if target is None:
            raise TypeError("Request needs a target")
        raw = (sources,) if isinstance(sources, str) else tuple(sources)
        if source is not None:
            raw = (source, *raw)
        values = {
            "sources": dedupe_pages(raw),
            "papers": tuple(papers),
            "target": target,
            "notes": notes,
            "extra": dict(extra) if extra else {},
            "all_papers": all_papers,
            "except_papers": tuple(except_papers),
            "edits": edits if edits is not None else PersonEdits(),
            "merge": tuple(dict.fromkeys(merge)),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @property
    def source(self) -> str:
        """The first source page ('' when there is none), for callers of one page."""
        return self.sources[0] if self.sources else ""

    def is_simple(self) -> bool:
        """One page, a list of papers, nothing else: the original request shape."""
        return (
            len(self.sources) == 1
            and not self.all_papers
            and not self.except_papers
            and not self.edits
            and not self.merge
        )

    def to_json(self) -> dict[str, Any]:
        if self.is_simple():
            return {
                "source": self.source,
                "papers": list(self.papers),
                "target": self.target.to_json(),
            }
        out: dict[str, Any] = {
            "sources": list(self.sources),
            "papers": "all" if self.all_papers else list(self.papers),
        }
        if self.except_papers:
            out["except"] = list(self.except_papers)
        out["target"] = self.target.to_json()
        if self.edits or self.edits.name_confirmed is not None:
            out["edits"] = self.edits.to_json()
        if self.merge:
            out["merge"] = list(self.merge)
        return out


def dedupe_pages(pages: tuple[str, ...]) -> tuple[str, ...]:
    """Canonical page ids in order, without blanks or a page written twice in two ways."""
    out: list[str] = []
    seen: set[str] = set()
    for page in pages:
        page = page.strip()
        if not page:
            continue
        try:
            key = parse_page_reference(page)
        except PageReferenceError:
            key = page  # not a page: kept as written, the planner reports it
        if key not in seen:
            seen.add(key)
            out.append(key)
    return tuple(out)


class RequestFormatError(ValueError):
    """The request JSON is not of the documented shape; the message says what is wrong."""


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text)


def name_problem(name: Name, what: str = "the name") -> str | None:
    """Why ``name`` cannot be a person's name in people.json, or None if it can.

    A name is letters (any script) with the punctuation real names use; markup,
    digits, shell syntax, control characters and the word "unverified" (a page
    label, not a name) are refused, and each part is at most MAX_NAME_PART long.
    """
    parts = [("first name", name.first), ("last name", name.last)]
    for label, part in parts:
        if part is None:
            continue
        if len(part) > MAX_NAME_PART:
            return f"the {label} of {what} is {len(part)} characters long; at most {MAX_NAME_PART}"
        if part != part.strip() or "  " in part:
            return f"the {label} of {what} has extra spaces"
        if _has_control(part):
            return f"the {label} of {what} contains control characters"
        if (bad := _NAME_FORBIDDEN.search(part)) is not None:
            return f"the {label} of {what} contains “{bad.group()}”, which names do not contain"
        if not any(ch.isalpha() for ch in part):
            return f"the {label} of {what} has no letters"
    if not name.last.strip():
        return f"{what} has no last name"
    if "unverified" in name.as_first_last().lower():
        return f"“unverified” is part of a page address, not of {what}"
    return None


def institution_problem(text: str) -> str | None:
    """Why ``text`` cannot be an institution of highest degree, or None."""
    if len(text) > MAX_INSTITUTION:
        return f"the institution is {len(text)} characters long; at most {MAX_INSTITUTION}"
    if _has_control(text.replace("\n", " ")) or "\n" in text:
        return "the institution must be one line of text"
    if re.search(r"[<>{}`$|\\]", text):
        return "the institution contains markup or special characters"
    if not any(ch.isalpha() for ch in text):
        return "the institution has no letters"
    return None


def _opt_str(obj: dict[str, Any], key: str, where: str, limit: int) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestFormatError(f"{where}.{key} must be a string, got {type(value).__name__}")
    value = value.strip()
    if len(value) > limit:
        raise RequestFormatError(f"{where}.{key} is {len(value)} characters long; at most {limit}")
    return value or None


def _name(raw: Any, where: str) -> Name | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raise RequestFormatError(f'{where} must be {{"first": ..., "last": ...}}')
    if not isinstance(raw, dict) or not isinstance(raw.get("last"), str):
        raise RequestFormatError(f"{where} needs at least a 'last' string")
    first = raw.get("first")
    if first is not None and not isinstance(first, str):
        raise RequestFormatError(f"{where}.first must be a string")
    for part in (first or "", raw["last"]):
        if len(part) > MAX_NAME_PART:
            raise RequestFormatError(
                f"{where} has a part of {len(part)} characters; at most {MAX_NAME_PART}"
            )
    last = raw["last"].strip()
    if not last:
        raise RequestFormatError(f"{where}.last must not be empty")
    return Name(first.strip() if first and first.strip() else None, last)


def _str_list(value: Any, key: str, limit: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise RequestFormatError(f"'{key}' must be a list of strings")
    if len(value) > limit:
        raise RequestFormatError(f"'{key}' has {len(value)} entries; at most {limit}")
    for item in value:
        if len(item.strip()) > MAX_REFERENCE:
            raise RequestFormatError(
                f"an entry of '{key}' is {len(item.strip())} characters long; "
                f"at most {MAX_REFERENCE}"
            )
    return tuple(p.strip() for p in value if p.strip())


def _sources(data: dict[str, Any]) -> tuple[str, ...]:
    if "sources" in data and "source" in data:
        raise RequestFormatError("give either 'source' or 'sources', not both")
    if "sources" in data:
        return _str_list(data["sources"], "sources", MAX_SOURCES)
    source = data.get("source")
    if source is None:
        return ()
    if not isinstance(source, str) or not source.strip():
        raise RequestFormatError("'source' must be a non-empty string (an author page id or URL)")
    return _str_list([source], "source", 1)


def _edits(raw: Any) -> PersonEdits:
    if raw is None:
        return PersonEdits()
    if not isinstance(raw, dict):
        raise RequestFormatError("'edits' must be an object")
    known = {"orcid", "degree", "canonical_name", "disable_name_matching", "name_confirmed"}
    unknown = set(raw) - known
    if unknown:
        raise RequestFormatError(f"'edits' has unknown keys: {', '.join(sorted(unknown))}")
    dnm = raw.get("disable_name_matching", False)
    if not isinstance(dnm, bool):
        raise RequestFormatError("edits.disable_name_matching must be true or false")
    confirmed = _name(raw.get("name_confirmed"), "edits.name_confirmed")
    return PersonEdits(
        orcid=_opt_str(raw, "orcid", "edits", MAX_REFERENCE),
        degree=_opt_str(raw, "degree", "edits", MAX_INSTITUTION),
        canonical_name=_name(raw.get("canonical_name"), "edits.canonical_name"),
        disable_name_matching=dnm,
        name_confirmed=confirmed,
    )


def request_from_json(data: Any) -> Request:
    """Build a Request from its JSON form (old or extended), raising RequestFormatError.

    Shape and length limits are checked here; whether the values fit the data
    (pages exist, the name is printed on the papers, the ORCID is free) is the
    planner's business and becomes a Problem there.
    """
    if not isinstance(data, dict):
        raise RequestFormatError("the request must be a JSON object")
    sources = _sources(data)
    papers_raw = data.get("papers", [])
    all_papers = papers_raw == "all"
    papers = () if all_papers else _str_list(papers_raw, "papers", MAX_PAPERS)
    except_papers = _str_list(data.get("except", []), "except", MAX_PAPERS)
    if except_papers and not all_papers:
        raise RequestFormatError('\'except\' only goes with "papers": "all"')
    target = data.get("target")
    if not isinstance(target, dict):
        raise RequestFormatError("'target' must be an object with a 'kind'")
    kind = target.get("kind")
    if kind not in TARGET_KINDS:
        raise RequestFormatError(f"target.kind must be one of {', '.join(TARGET_KINDS)}")
    edits = _edits(data.get("edits"))
    merge = _str_list(data.get("merge", []), "merge", MAX_MERGE)
    if not sources and not edits and not merge:
        raise RequestFormatError(
            "'source' (or 'sources') is needed unless the request carries 'edits' or 'merge'"
        )
    notes = data.get("notes", "")
    return Request(
        sources,
        papers,
        Target(
            kind=kind,
            id=_opt_str(target, "id", "target", MAX_REFERENCE),
            orcid=_opt_str(target, "orcid", "target", MAX_REFERENCE),
            degree=_opt_str(target, "degree", "target", MAX_INSTITUTION),
            name=_name(target.get("name"), "target.name"),
        ),
        notes[:MAX_NOTES] if isinstance(notes, str) else "",
        all_papers=all_papers,
        except_papers=except_papers,
        edits=edits,
        merge=merge,
    )


def request_from_text(text: str) -> Request:
    """Parse a request from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestFormatError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    _refuse_lone_surrogates(data)
    return request_from_json(data)


def _refuse_lone_surrogates(value: object) -> None:
    """JSON's ``\\ud800`` escapes decode to half of a UTF-16 pair, which is not a character:
    no file, commit or comment can hold it, so it is refused here, once, with its place."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RequestFormatError(
                f"the text {value[: exc.start]!r}… holds a lone surrogate "
                f"({value[exc.start]!r}), which is not a character"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)
