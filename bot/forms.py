"""Reading "Fix paper assignment" issues: issue body -> Request + problems.

An issue filed with a GitHub issue form arrives as markdown: each field is a
``### <label>`` heading, a blank line and the answer. Field ids never appear, so
the labels are mapped back to ids through the template file itself
(``issue_templates/fix-paper-assignment.yml``) plus an alias table for label
texts that earlier versions of the form used (old issues keep old labels).

Two kinds of issue are understood:

* ``assignment``: the "Fix paper assignment" form (the website's *Fixing paper
  assignments* dialog pre-fills it): a source author page, a list of papers, and
  whom they belong to (an existing page, a new page, or nobody).
* ``legacy``: the older "Correction to Author Page" form (2025 and 2026
  variants), mostly prose. It becomes the same Request when the text names a
  source page, the papers and a target; otherwise the result lists precisely
  what is missing, as questions for the person who filed it.

The parser is pure: besides reading the template it does no I/O. Checking
against the Anthology data (do the papers exist, which papers are on a page,
who holds an ORCID iD, titles and bibkeys) goes through a
:class:`bot.lookup.DataLookup`; without one, the text is read as it stands.

Every problem is a :class:`bot.request.Problem` whose ``field`` is a form field
id (legacy sections are mapped onto the same ids where they mean the same; see
``LEGACY_LABELS``), whose ``message`` tells the person what to do, and whose
``code`` is a stable tag (see ``PROBLEM_CODES``). A result carries a Request only
when there is no problem: questions go back to the user instead of guesses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.anthology.ids import (
    AnthologyID,
    InvalidIDError,
    anthology_id_from_reference,
    find_anthology_ids,
)
from bot.anthology.names import Name
from bot.anthology.pages import (
    BARE_PAGE_PATTERN,
    PAGE_URL_PATTERN,
    find_author_pages,
    page_id,
    page_url,
)
from bot.anthology.people import OrcidError, is_valid_person_id, normalize_orcid
from bot.lookup import DataLookup, TitleMatch
from bot.request import Problem, Request, Target

FormKind = Literal["assignment", "legacy", "unknown"]

TEMPLATE_PATH = (
    Path(__file__).resolve().parent.parent / "issue_templates" / "fix-paper-assignment.yml"
)

#: Earlier label texts of the assignment form (and the labels of the website
#: dialog's drafts), mapped to field ids. The template's current labels are read
#: from the template file; these only add to them.
ASSIGNMENT_LABEL_ALIASES: dict[str, str] = {
    "Author page": "author_page",
    "Current author page": "author_page",
    "Author page (URL or id)": "author_page",
    "Papers": "papers",
    "Selected papers": "papers",
    "Papers that belong to the same person": "papers",
    "Assign to": "assign_to",
    "Which author should they be assigned to?": "assign_to",
    "Target author page": "target_page",
    "Existing author page (URL or id)": "target_page",
    "Name on the papers": "name",
    "ORCID": "orcid",
    "Notes": "notes",
    "Confirm": "confirm",
}

#: Section labels of the older "Correction to Author Page" form, in all the
#: variants seen from 2025 to 2026, mapped to field ids. Sections that mean the
#: same as a field of the assignment form share its id; the others get ids of
#: their own (``correction_type``, ``script_name``, ``rtl``, ``confirm_published``,
#: ``openreview``).
LEGACY_LABELS: dict[str, str] = {
    "Author Pages": "author_page",
    "Author Pages in the Anthology": "author_page",
    "Author ORCID": "orcid",
    "Institution of highest (anticipated) degree": "institution",
    "Your papers (if required, see comment below)": "papers",
    "Type of Author Metadata Correction": "correction_type",
    "Supporting Information": "notes",
    "Preferred author name": "name",
    "Author Name (only if published in another script)": "script_name",
    "Is the authors name read right to left? (only if published in another script)": "rtl",
    "Confirming that Paper Metadata is Correct": "confirm",
    "Confirming that Author is Published in the Anthology": "confirm_published",
    "OpenReview profile page URL": "openreview",
}

#: Where a problem can point besides a form field.
SPECIAL_FIELDS = ("title", "body")

#: The problem codes, with what each means. Renderers and tests rely on them.
PROBLEM_CODES: dict[str, str] = {
    "unknown_form": "the body is not one of the known issue forms",
    "missing_page": "no author page the papers are on now",
    "invalid_page": "an author page could not be read (search link, paper link, name)",
    "unknown_page": "the author page does not exist in the data",
    "ambiguous_pages": "several author pages and no way to tell source from target",
    "several_sources": "papers would move from more than one page",
    "missing_papers": "no list of papers",
    "invalid_paper": "a line of the paper list is not a paper reference",
    "unknown_paper": "a paper id that is not in the Anthology",
    "not_on_page": "a paper that is not on the source page",
    "unknown_title": "a title that matches no paper",
    "ambiguous_title": "a title that matches several papers, or only loosely",
    "unknown_bibkey": "a bibkey that no paper has",
    "needs_data": "the reference can only be resolved with the Anthology data",
    "missing_choice": "no choice of whom the papers belong to",
    "invalid_choice": "a choice that is not one of the form's options",
    "missing_target": "no existing page, or ORCID iD for a new page, to move the papers to",
    "invalid_target": "the target page cannot receive the papers",
    "same_page": "the papers would move to the page they are on",
    "missing_orcid": "a new page needs an ORCID iD",
    "invalid_orcid": "the ORCID iD is malformed or has a wrong check digit",
    "conflicting_orcid": "the ORCID iD belongs to a different page than the one named",
    "not_confirmed": "the confirmation box is not ticked",
    "unsupported": "a request this bot does not carry out (staff do)",
    "keep_list": "only the papers that stay on a verified page were listed",
    "too_many_papers": "more papers than one request may move",
}

ASSIGN_EXISTING = "existing"
ASSIGN_NEW = "new"
ASSIGN_UNVERIFIED = "unverified"

#: Title matches scoring at least this are "near-exact" and accepted.
NEAR_EXACT_TITLE = 0.9

#: Bodies longer than this are cut before parsing (GitHub allows 65,536 characters).
MAX_BODY_CHARS = 200_000
#: No reference is longer than this; longer lines of a paper list are cut.
MAX_LINE_CHARS = 4_000
MAX_PAPER_REFS = 200
"""Papers one request may list (the planner's limit too): more is refused at once."""
MAX_PAPER_PROBLEMS = 20
"""Problems about single papers spelled out; the others are summed up in one more."""

ANTHOLOGY_HOST = "https://aclanthology.org"


# --------------------------------------------------------------------------- #
# The template
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class FormField:
    """One field of an issue form, as declared in the template."""

    id: str
    type: str
    label: str
    options: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class FormSpec:
    """The fields of the assignment form, read from its template file."""

    name: str
    title: str
    labels: tuple[str, ...]
    fields: tuple[FormField, ...]

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def label_map(self) -> dict[str, str]:
        """Normalized label text -> field id: the current labels, then the aliases."""
        out = {normalize_label(a): i for a, i in ASSIGNMENT_LABEL_ALIASES.items()}
        out.update({normalize_label(f.label): f.id for f in self.fields})
        return out


def load_form_spec(path: Path | None = None) -> FormSpec:
    """Read the assignment form's template (cached while the file is unchanged)."""
    path = (path or TEMPLATE_PATH).resolve()
    return _load_form_spec(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_form_spec(path: str, _mtime_ns: int) -> FormSpec:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    fields = []
    for element in data.get("body", []):
        if element.get("type") == "markdown" or "id" not in element:
            continue
        attributes = element.get("attributes", {})
        options = tuple(
            o["label"] if isinstance(o, dict) else str(o) for o in attributes.get("options", [])
        )
        required = bool(element.get("validations", {}).get("required", False)) or any(
            isinstance(o, dict) and o.get("required") for o in attributes.get("options", [])
        )
        fields.append(
            FormField(element["id"], element["type"], attributes["label"], options, required)
        )
    return FormSpec(
        data.get("name", ""), data.get("title", ""), tuple(data.get("labels", [])), tuple(fields)
    )


def known_fields(spec: FormSpec | None = None) -> frozenset[str]:
    """Every value a Problem's ``field`` can take."""
    spec = spec or load_form_spec()
    ids = {f.id for f in spec.fields} | set(LEGACY_LABELS.values())
    return frozenset(ids | set(SPECIAL_FIELDS))


def normalize_label(text: str) -> str:
    """A label as compared: emphasis and trailing colons gone, case and spaces folded."""
    text = text.replace("*", "").replace("`", "").strip().rstrip(":").strip()
    return " ".join(text.split()).casefold()


# --------------------------------------------------------------------------- #
# The body: sections and answers
# --------------------------------------------------------------------------- #

_HEADING_RE = re.compile(r"^ {0,3}###[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_NO_RESPONSE = {"_no response_", "no response", "none", "_none_"}
_EMPTY_ANSWERS = _NO_RESPONSE | {"n/a", "na", "nil", "null", "-", "--", "/", "."}
_PLACEHOLDER_RE = re.compile(r"^-[^\n]*\bhere-$", re.IGNORECASE)  # "-Add ORCID here-"
_CHECKBOX_RE = re.compile(r"^\s*[-*+]\s*\[([ xX])\]\s*(.*?)\s*$")


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _closed_fence_lines(lines: Sequence[str]) -> set[int]:
    """Indices of lines inside (or opening/closing) fences that are closed again.

    An unclosed fence hides nothing, so a stray ``` typed in an answer cannot
    swallow the rest of the form.
    """
    inside: set[int] = set()
    start: int | None = None
    marker = ""
    for i, line in enumerate(lines):
        m = _FENCE_RE.match(line)
        if not m:
            continue
        if start is None:
            start, marker = i, m[1][0] * 3
        elif m[1].startswith(marker) and not line.strip()[len(m[1]) :].strip():
            inside.update(range(start, i + 1))
            start = None
    return inside


def split_sections(body: str, label_map: dict[str, str]) -> dict[str, str]:
    """Field id -> raw answer text, for every known ``### label`` in the body.

    A ``###`` line whose text is not a known label, or that repeats a field
    already seen, is part of the answer it stands in. Lines before the first
    known heading are kept under ``body``.
    """
    lines = normalize_newlines(body).split("\n")
    fenced = _closed_fence_lines(lines)
    sections: dict[str, list[str]] = {"body": []}
    current = "body"
    for i, line in enumerate(lines):
        m = _HEADING_RE.match(line) if i not in fenced else None
        field_id = label_map.get(normalize_label(m[1])) if m else None
        if field_id is not None and field_id not in sections:
            current = field_id
            sections[current] = []
            continue
        sections[current].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def _unfence(text: str) -> str:
    """The content of a value that is one fenced block (``render:`` fields), else the text."""
    lines = text.strip("\n").split("\n")
    if len(lines) >= 2 and _FENCE_RE.match(lines[0]) and _FENCE_RE.match(lines[-1]):
        return "\n".join(lines[1:-1])
    return text


def clean_answer(raw: str, *, strict_empty: bool = False) -> str:
    """An answer as the person meant it: "" for no answer.

    Removes HTML comments, a surrounding fence, trailing spaces, GitHub's
    ``_No response_`` and ``None`` (empty dropdown), the old form's
    ``-Add ... here-`` placeholders and, unless ``strict_empty``, answers such as
    ``N/A``.
    """
    text = _unfence(_COMMENT_RE.sub("", normalize_newlines(raw)))
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    text = text.strip()
    empty = _NO_RESPONSE if strict_empty else _EMPTY_ANSWERS
    if text.casefold() in empty or _PLACEHOLDER_RE.match(text):
        return ""
    return text


def parse_checkboxes(text: str) -> list[tuple[bool, str]]:
    """``- [x] label`` lines -> (ticked, label); ``x`` and ``X`` both tick."""
    out = []
    for line in normalize_newlines(text).split("\n"):
        if m := _CHECKBOX_RE.match(line):
            out.append((m[1] in "xX", m[2]))
    return out


def _count_labels(body: str, label_map: dict[str, str], ignore: set[str]) -> int:
    found = set()
    for line in normalize_newlines(body).split("\n"):
        m = _HEADING_RE.match(line)
        if m and (key := normalize_label(m[1])) in label_map and key not in ignore:
            found.add(label_map[key])
    return len(found)


def detect_form(title: str, body: str, spec: FormSpec | None = None) -> FormKind:
    """Which form an issue was filed with, judged by the section headings it has."""
    spec = spec or load_form_spec()
    assignment = spec.label_map()
    legacy = {normalize_label(k): v for k, v in LEGACY_LABELS.items()}
    shared = set(assignment) & set(legacy)
    n_assignment = _count_labels(body, assignment, shared)
    n_legacy = _count_labels(body, legacy, shared)
    if n_assignment == 0 and n_legacy == 0:
        return "unknown"
    if n_assignment > n_legacy:
        return "assignment"
    if n_legacy > n_assignment:
        return "legacy"
    return "assignment" if title.strip().lower().startswith("paper assignment") else "legacy"


# --------------------------------------------------------------------------- #
# Author pages
# --------------------------------------------------------------------------- #

_SEARCH_URL_RE = re.compile(r"aclanthology\.org/search/?\?", re.IGNORECASE)
_URL_IN_TEXT_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`()\[\]]+", re.IGNORECASE)
_WRAPPERS = " \t<>`\"'“”‘’()[]{}*_.,;:!?#"


_SEARCH_LINK_MESSAGE = (
    "This is a link to search results, not an author page. Please open the author page "
    "(click the name on one of the papers) and copy its address, which starts with "
    f"{ANTHOLOGY_HOST}/people/."
)


class PageError(ValueError):
    """Text that should name an author page but does not; the message says why."""

    def __init__(self, message: str, code: str = "invalid_page") -> None:
        super().__init__(message)
        self.code = code


def parse_author_page(text: str) -> str:
    """The page id (``jane-doe`` or ``jane-doe/unverified``) named by one answer.

    Accepts page URLs (new ``/people/jane-doe/``, old ``/people/j/jane-doe/``,
    ``/people/jane-doe/unverified/``, preview hosts, with or without a trailing
    slash), markdown links to them and bare ids. Raises PageError otherwise.
    """
    value = text.strip()
    if not value:
        raise PageError("Please give the author page: its link or its id.", "missing_page")
    pages = find_author_pages(value)
    if len(pages) == 1:
        return pages[0]
    if len(pages) > 1:
        raise PageError(
            f"This names {len(pages)} author pages ({', '.join(pages)}); please give only one."
        )
    if _SEARCH_URL_RE.search(value):
        raise PageError(_SEARCH_LINK_MESSAGE)
    try:
        paper = anthology_id_from_reference(value)
    except InvalidIDError:
        paper = None
    if paper is not None:
        raise PageError(
            f"{value} is a paper, not an author page. Please give the author page: its "
            f"address starts with {ANTHOLOGY_HOST}/people/."
        )
    bare = value.strip(_WRAPPERS).rstrip("/").lower()
    if BARE_PAGE_PATTERN.fullmatch(bare) and is_valid_person_id(bare.split("/")[0]):
        return bare
    raise PageError(
        f"We could not read an author page in {_shorten(value)!r}. Please give its address "
        f"(for example {ANTHOLOGY_HOST}/people/jane-doe/) or its id (jane-doe)."
    )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- #
# ORCID iDs and names
# --------------------------------------------------------------------------- #

_ORCID_IN_TEXT_RE = re.compile(r"(?<![\d-])\d{4}-\d{4}-\d{4}-\d{3}[\dXx](?![\d-])")


def parse_orcid_answer(text: str) -> str:
    """The ORCID iD in an answer, normalized; raises OrcidError when it is not one.

    Accepts every form seen in issues: bare, ``https://orcid.org/...``, lowercase
    ``x``, the form's ``my-orcid?orcid=...`` placeholder, ``orcid: ...`` and an
    iD inside a sentence (when it is the only one).
    """
    value = text.strip()
    try:
        return normalize_orcid(value)
    except OrcidError:
        found = {m.upper() for m in _ORCID_IN_TEXT_RE.findall(value)}
        if len(found) != 1:
            raise
        return normalize_orcid(found.pop())


def find_orcids(text: str) -> list[str]:
    """Every well-formed ORCID iD in free text, normalized, in order, deduplicated."""
    out: list[str] = []
    for m in _ORCID_IN_TEXT_RE.findall(text):
        try:
            orcid = normalize_orcid(m)
        except OrcidError:
            continue
        if orcid not in out:
            out.append(orcid)
    return out


def parse_person_name(text: str) -> Name | None:
    """A name typed in a form: ``Last, First`` is explicit; otherwise the last word is
    taken as the last name (``Jane van Doe`` -> first ``Jane van``, last ``Doe``;
    write ``van Doe, Jane`` to say otherwise). A single word is a mononym."""
    value = " ".join(text.replace("*", "").strip().strip("\"'“”").split())
    if not value:
        return None
    if "," in value:
        last, _, first = value.partition(",")
        if last.strip():
            return Name(first.strip() or None, last.strip())
    first, _, last = value.rpartition(" ")
    return Name(first or None, last)


# --------------------------------------------------------------------------- #
# Paper references
# --------------------------------------------------------------------------- #

RefKind = Literal["paper", "bibkey", "title", "all", "invalid"]


@dataclass(frozen=True)
class PaperRef:
    """One paper reference as written. ``value`` is the canonical id for ``paper``,
    the bibkey, the title, or the reason for ``invalid``; ``text`` is what was typed.
    ``polarity`` is used for prose: +1 "mine", -1 "not mine", 0 neutral."""

    kind: RefKind
    value: str
    text: str
    polarity: int = 0


_BULLET_RE = re.compile(r"^\s*(?:[-*+•·▪‣◦]|\d{1,3}[.)]|\(\d{1,3}\)|\[[ xX]\])\s*")
# A markdown link [text](url); lengths are bounded so that junk cannot make
# matching slow (one level of brackets inside the text is allowed).
_MD_LINK_RE = re.compile(
    r"\[([^\[\]\n]{0,400}(?:\[[^\[\]\n]{0,100}\][^\[\]\n]{0,400})?)\]"
    r"\(\s{0,5}<?([^()\s<>\[\]]{1,1000})>?(?:\s{1,5}\"[^\"\n]{0,200}\")?\s{0,5}\)"
)
_BIBKEY_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?:1[89]|20)\d{2}(?:-[a-z0-9]+)*")
_ALL_RE = re.compile(
    r"^(?:all|everything|all\s+(?:of\s+)?(?:my|the|these|his|her|their|its)?\s*"
    r"(?:papers?|publications?|articles?|works?)(?:\s+on\s+(?:this|the)\s+page)?)[.!]?$",
    re.IGNORECASE,
)
_YEAR_LINE_RE = re.compile(r"^(?:19|20)\d{2}[:.]?$")
_VENUE_SUFFIX_RE = re.compile(r"\s*[\(\[][A-Za-z\- ]*\d{4}[\)\]]\s*\.?$")
_ANNOTATION_RE = re.compile(r"\s+(?:--|—|–)\s+.*$")
_QUOTES = "\"'“”‘’„«»"


def _strip_line(line: str) -> str:
    """A list line without its bullet, number, checkbox, emphasis and quotes."""
    text = line.strip()
    previous = None
    for _ in range(8):  # "- 1. `x`" needs a few rounds; junk must not need thousands
        if text == previous:
            break
        previous = text
        text = _BULLET_RE.sub("", text).strip()
        text = text.strip("`").strip()
        if text.startswith("**") and text.endswith("**") and len(text) > 4:
            text = text[2:-2].strip()
        if len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
            text = text[1:-1].strip()
    return text


def _paper_from_token(token: str) -> AnthologyID | None:
    try:
        return anthology_id_from_reference(token)
    except InvalidIDError:
        return None


def _clean_title(text: str) -> str:
    """A typed title without venue notes ``(EMNLP 2023)``, quotes and final period."""
    text = _ANNOTATION_RE.sub("", " ".join(text.split()))
    text = _VENUE_SUFFIX_RE.sub("", text).strip()
    text = re.sub(r"^\*\*title:\*\*\s*|^title:\s*", "", text, flags=re.IGNORECASE)
    text = text.strip().strip(_QUOTES).strip()
    text = text.replace("**", "")
    return text.rstrip(".").strip() if not text.endswith("..") else text


def _id_ref(anthology_id: AnthologyID, text: str, polarity: int = 0) -> PaperRef:
    if anthology_id.is_volume:
        return PaperRef(
            "invalid",
            f"{text} is a whole volume ({anthology_id}), not a paper; please give the "
            "paper's own link or id.",
            text,
            polarity,
        )
    return PaperRef("paper", str(anthology_id), text, polarity)


def _refs_in_link(label: str, url: str, text: str) -> list[PaperRef]:
    """A markdown link ``[title](url)``: the url's paper, else its text as id or title."""
    try:
        found = anthology_id_from_reference(url)
    except InvalidIDError as exc:
        return [PaperRef("invalid", str(exc), text)]
    if found is not None:
        return [_id_ref(found, text)]
    if (inner := _paper_from_token(label)) is not None:
        return [_id_ref(inner, text)]
    if find_author_pages(url):
        return [PaperRef("invalid", f"{url} is an author page, not a paper.", text)]
    title = _clean_title(label)
    return [PaperRef("title", title, text)] if title else []


def parse_paper_line(line: str) -> list[PaperRef]:
    """The paper references on one line of a paper list.

    A line may hold ids, Anthology URLs, markdown links, several references
    separated by commas, a bibkey, a title, or "all my papers". Intro lines
    ending in ``:``, year headings and empty lines hold none.
    """
    text = _strip_line(line[:MAX_LINE_CHARS])
    heading = re.match(r"^#{1,6}\s+", text)
    if heading:  # a heading typed in the list: only an id in it counts
        text = text[heading.end() :]
        if not find_anthology_ids(text):
            return []
    if not text or text.endswith(":") or _YEAR_LINE_RE.match(text):
        return []
    if _ALL_RE.match(text):
        return [PaperRef("all", "all", line.strip())]
    links = list(_MD_LINK_RE.finditer(text))
    if links:
        refs: list[PaperRef] = []
        for m in links:
            refs.extend(_refs_in_link(m[1], m[2], m[0]))
        rest = _MD_LINK_RE.sub(" ", text)
        refs.extend(_id_ref(i, str(i)) for i in find_anthology_ids(rest))
        return refs
    ids = find_anthology_ids(text)
    if ids:
        return [_id_ref(i, str(i)) for i in ids]
    return [_ref_without_id(text, line)]


def _ref_without_id(text: str, line: str) -> PaperRef:
    """A line with no Anthology id: a malformed id, a foreign URL, a bibkey or a title."""
    token = text.strip(_WRAPPERS + _QUOTES)
    try:
        anthology_id_from_reference(text)
    except InvalidIDError as exc:
        return PaperRef("invalid", str(exc), line.strip())
    if _BIBKEY_RE.fullmatch(token):
        return PaperRef("bibkey", token, line.strip())
    if find_author_pages(text):
        return PaperRef(
            "invalid",
            f"{_shorten(text)} is an author page, not a paper. Please list the papers themselves.",
            line.strip(),
        )
    if _URL_IN_TEXT_RE.fullmatch(token) or _URL_IN_TEXT_RE.fullmatch(text.strip()):
        return PaperRef(
            "invalid",
            f"{_shorten(text)} is not a link to a paper in the ACL Anthology. Please give "
            f"the paper's Anthology link ({ANTHOLOGY_HOST}/...) or its Anthology ID.",
            line.strip(),
        )
    title = _clean_title(text)
    if len(title) < 3:
        return PaperRef(
            "invalid",
            f"{text!r} is not a paper link, Anthology ID or title.",
            line.strip(),
        )
    return PaperRef("title", title, line.strip())


def parse_paper_list(text: str) -> list[PaperRef]:
    """Every reference in a paper-list answer, one or more per line, in order."""
    joined = re.sub(r"\]\(\s*\n\s*", "](", normalize_newlines(text))
    refs: list[PaperRef] = []
    for line in joined.split("\n"):
        refs.extend(parse_paper_line(line))
    return refs


# Phrases that say whether the papers mentioned near them are the writer's own.
_NEGATIVE_CUES = re.compile(
    r"\bnot\s+(?:mine|me|by\s+me|(?:written|authored)\s+by\s+me|affiliated\s+with\s+me"
    r"|my\s+(?:papers?|publications?|work))\b"
    r"|\b(?:do|does|did)(?:\s+not|n['’]t)\s+belong\s+to\s+me\b"
    r"|\bbelong(?:s|ing)?\s+to\s+(?:a\s+|an\s+|the\s+)?(?:different|another|other)\b"
    r"|\bby\s+(?:a\s+|an\s+)?(?:different|another|other)\s+"
    r"(?:authors?|persons?|people|researchers?|individuals?)\b"
    r"|\b(?:authored|written)\s+by\s+(?:others|someone\s+else)\b"
    r"|\bother\s+people['’]?s?\b|\bremove\b|\bsplit\s+out\b"
    r"|\b(?:mistakenly|wrongly)\s+(?:added|assigned|attributed|listed)\b"
    r"|\b(?:is|are)(?:\s+not|n['’]t)\s+mine\b|\bnot\s+(?:be\s+)?(?:on|in)\s+my\b",
    re.IGNORECASE,
)
_POSITIVE_CUES = re.compile(
    r"\bmine\b|\bbelong(?:s|ing)?\s+to\s+me\b"
    r"|\bmy\s+(?:own\s+)?(?:papers?|publications?|articles?|works?|paper\s+links)\b"
    r"|\b(?:written|authored)\s+by\s+me\b"
    r"|\bshould\s+(?:only\s+)?(?:include|contain|be\s+related\s+to)\b|\bshould\s+only\b"
    r"|\bfor\s+me\b|\bi\s+(?:have|wrote|authored|published)\b|\bmy\s+correct\b"
    r"|\bunder\s+my\b|\badded\s+to\s+(?:this|my)\b",
    re.IGNORECASE,
)
_KEEP_CUES = re.compile(r"\b(?:keep|remain|stay)\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[“\"(*])")


#: Polarities of a paper mention in prose.
NOT_MINE, NEUTRAL, MINE, KEEP = -1, 0, 1, 2


def cue_polarity(sentence: str) -> int:
    """What a sentence says about the papers it introduces or names.

    NOT_MINE ("are by another author", "please remove"), KEEP ("should remain on
    my page": the writer's, and where they are now), MINE ("the following papers
    are mine"), else NEUTRAL.
    """
    if _NEGATIVE_CUES.search(sentence):
        return NOT_MINE
    if _KEEP_CUES.search(sentence):
        return KEEP
    if _POSITIVE_CUES.search(sentence):
        return MINE
    return NEUTRAL


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in normalize_newlines(text).split("\n"):
        out.extend(s for s in _SENTENCE_END_RE.split(line) if s.strip())
    return out


def find_paper_refs_in_prose(text: str) -> list[PaperRef]:
    """Paper ids mentioned in prose, each with the polarity of its context.

    The polarity of a sentence comes from its own cue ("are not mine"), else from
    the last sentence with a cue before it ("The following papers are mine:"
    followed by a list). Volume ids (often truncated links) are skipped.
    """
    text = re.sub(r"\]\(\s*\n\s*", "](", normalize_newlines(text))
    refs: list[PaperRef] = []
    seen: set[str] = set()
    lead = 0
    for sentence in _sentences(text):
        own = cue_polarity(sentence)
        polarity = own if own else lead
        lead = own or lead
        for anthology_id in find_anthology_ids(sentence):
            if anthology_id.is_volume or str(anthology_id) in seen:
                continue
            seen.add(str(anthology_id))
            refs.append(PaperRef("paper", str(anthology_id), str(anthology_id), polarity))
    return refs


_TITLE_FIELD_RE = re.compile(
    r"^\s*(?:(?:[-*+•]|\d{1,3}[.)])\s*)?\*\*\s*(\w[\w ]*?)\s*:?\s*\*\*\s*:?\s*(.*)$"
)
_QUOTED_RE = re.compile(r"[“\"]([^”\"\n]{12,300})[”\"]")


def looks_like_title(text: str) -> bool:
    """Whether a phrase reads like a paper title rather than a name or a remark.

    Titles have at least three words and a colon, a question mark or a word in
    lower case ("for", "with", "on"); names ("Kasu Sai Kartheek Reddy") do not.
    """
    words = text.split()
    if len(words) < 3 or text.endswith(":") or _URL_IN_TEXT_RE.search(text):
        return False
    return ":" in text or "?" in text or any(w[:1].islower() for w in words[1:])


def find_titles_in_prose(text: str) -> list[PaperRef]:
    """Paper titles written without a link: list items and quoted phrases.

    Used for old-form issues only when no paper id was found at all. List items
    that look like labels (``**Authors:** ...``) are skipped except ``Title``.
    """
    out: list[PaperRef] = []
    lead = 0
    for sentence_line in normalize_newlines(text).split("\n"):
        own = cue_polarity(sentence_line)
        lead = own or lead
        candidates: list[str] = []
        if m := _TITLE_FIELD_RE.match(sentence_line):
            if m[1].strip().lower() == "title":
                candidates.append(m[2])
        elif _BULLET_RE.match(sentence_line) and not _URL_IN_TEXT_RE.search(sentence_line):
            candidates.append(_strip_line(sentence_line))
        else:
            candidates.extend(q for q in _QUOTED_RE.findall(sentence_line))
        for candidate in candidates:
            title = _clean_title(candidate)
            if looks_like_title(title):
                out.append(PaperRef("title", title, candidate.strip(), own or lead))
    return out


def has_all_papers_phrase(text: str) -> bool:
    """Whether prose says that all papers (of a page, or of the writer) are meant.

    "All papers belong to the same person", "all of my ACL Anthology papers";
    not "not all my papers".
    """
    return bool(
        re.search(
            r"(?<!\bnot\s)\ball\s+(?:of\s+)?(?:(?:my|the|these|its|their)\s+)?"
            r"(?:[\w-]+\s+){0,2}?(?:papers|publications|articles)\b",
            text,
            re.IGNORECASE,
        )
    )


# --------------------------------------------------------------------------- #
# Checking against the data
# --------------------------------------------------------------------------- #


class _Collector:
    """Problems and human-readable notes gathered while reading one issue."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.resolved: list[str] = []

    def add(self, field_id: str, code: str, message: str) -> None:
        problem = Problem(field_id, message, code)
        if problem not in self.problems:
            self.problems.append(problem)

    def note(self, text: str) -> None:
        if text not in self.resolved:
            self.resolved.append(text)


def resolve_page(
    page: str, lookup: DataLookup | None, out: _Collector, field_id: str
) -> str | None:
    """Check that a page exists; an old-style verified-looking id that is only an
    unverified page now (``/people/j/jane-doe/``) becomes ``jane-doe/unverified``."""
    if lookup is None:
        return page
    slug, _, rest = page.partition("/")
    if rest:
        if lookup.page_papers(page) is not None:
            return page
        out.add(
            field_id,
            "unknown_page",
            f"There is no unverified author page {page_url(page)} in the Anthology data. "
            "Please check the link.",
        )
        return None
    if lookup.person_exists(slug):
        return page
    if lookup.page_papers(f"{slug}/unverified") is not None:
        out.note(f"{page_url(slug)} is the unverified page {page_url(slug + '/unverified')}.")
        return f"{slug}/unverified"
    out.add(
        field_id,
        "unknown_page",
        f"There is no author page {page_url(page)} in the Anthology data. Please check the "
        "link; it should open a page that lists papers.",
    )
    return None


@dataclass
class _PaperContext:
    """What paper resolution needs to know about the source (and target) page."""

    source: str | None
    source_papers: list[str] | None
    target_papers: list[str] | None = None
    field_id: str = "papers"


def _resolve_title(
    ref: PaperRef, lookup: DataLookup, ctx: _PaperContext, out: _Collector
) -> str | None:
    matches: list[TitleMatch] = []
    if ctx.source_papers:
        matches = lookup.find_title(ref.value, among=list(ctx.source_papers))
    if not any(m.score >= NEAR_EXACT_TITLE for m in matches):
        matches = lookup.find_title(ref.value)
    good = [m for m in matches if m.score >= NEAR_EXACT_TITLE]
    exact = [m for m in good if m.score >= 1.0]
    chosen = exact if exact else good
    if len({m.paper_id for m in chosen}) == 1:
        match = chosen[0]
        if match.score < 1.0 or match.title.strip() != ref.value.strip():
            out.note(f"The title {ref.value!r} was read as {match.paper_id} ({match.title}).")
        return match.paper_id
    if chosen or matches:
        options = "; ".join(f"{m.paper_id} ({m.title})" for m in (chosen or matches)[:5])
        out.add(
            ctx.field_id,
            "ambiguous_title",
            f"We are not sure which paper {ref.value!r} is. It could be: {options}. Please "
            "give the paper's link or Anthology ID instead of its title.",
        )
        return None
    out.add(
        ctx.field_id,
        "unknown_title",
        f"We found no paper titled {ref.value!r} in the Anthology. Please give the paper's "
        "link or Anthology ID.",
    )
    return None


def _resolve_ref(
    ref: PaperRef, lookup: DataLookup | None, ctx: _PaperContext, out: _Collector
) -> list[str]:
    """The paper ids one reference stands for (none, with a problem, if it cannot be read)."""
    if ref.kind == "invalid":
        out.add(ctx.field_id, "invalid_paper", ref.value)
        return []
    if ref.kind == "paper":
        return [ref.value]
    if lookup is None:
        out.add(ctx.field_id, "needs_data", _needs_data_message(ref))
        return []
    if ref.kind == "bibkey":
        found = lookup.paper_by_bibkey(ref.value)
        if found is None:
            out.add(
                ctx.field_id,
                "unknown_bibkey",
                f"No paper has the bibkey {ref.value!r}. Please give the paper's link or "
                "Anthology ID.",
            )
            return []
        out.note(f"The bibkey {ref.value} is the paper {found}.")
        return [found]
    if ref.kind == "all":
        if ctx.source_papers is None:
            out.add(
                ctx.field_id,
                "missing_papers",
                "We could not tell which page's papers you mean by 'all'. Please list the "
                "papers, one per line.",
            )
            return []
        out.note(f"'All papers' of {ctx.source} are its {len(ctx.source_papers)} papers now.")
        return list(ctx.source_papers)
    found_title = _resolve_title(ref, lookup, ctx, out)
    return [found_title] if found_title else []


def _needs_data_message(ref: PaperRef) -> str:
    if ref.kind == "all":
        what = "The list of all papers on a page can only be read"
    else:
        what = f"The {ref.kind} {ref.value!r} can only be looked up"
    return (
        f"{what} with the Anthology data, which was not available here. Paper links or "
        "Anthology IDs, one per line, avoid any doubt."
    )


def resolve_papers(
    refs: Iterable[PaperRef], lookup: DataLookup | None, ctx: _PaperContext, out: _Collector
) -> list[str]:
    """Paper ids for the references, checked against the data when there is a lookup.

    With a lookup, unknown ids and papers that are not on the source page become
    problems; papers already on the target page are dropped with a note.
    """
    refs = list(dict.fromkeys(refs))
    if len(refs) > MAX_PAPER_REFS:
        out.add(
            ctx.field_id,
            "too_many_papers",
            f"{len(refs)} papers are listed; one request can move at most {MAX_PAPER_REFS}. "
            "Please split them over several issues.",
        )
        return []
    papers: list[str] = []
    reading = _Collector()
    for ref in refs:
        for paper in _resolve_ref(ref, lookup, ctx, reading):
            if paper not in papers:
                papers.append(paper)
    for text in reading.resolved:
        out.note(text)
    for problem in reading.problems[:MAX_PAPER_PROBLEMS]:
        out.add(problem.field, problem.code, problem.message)
    unread = reading.problems[MAX_PAPER_PROBLEMS:]
    if unread:
        out.add(
            ctx.field_id,
            unread[0].code,
            f"{len(unread)} more lines of the list could not be matched to a paper either. "
            "Please give each paper's link or Anthology ID.",
        )
    if lookup is None:
        return papers
    checked: list[str] = []
    wrong: list[tuple[str, str]] = []  # (paper, problem code), in the order listed
    for paper in papers:
        if lookup.paper_title(paper) is None:
            wrong.append((paper, "unknown_paper"))
        elif ctx.source_papers is not None and paper not in ctx.source_papers:
            if ctx.target_papers is not None and paper in ctx.target_papers:
                out.note(f"{paper} is already on the target page; it is left as it is.")
            else:
                wrong.append((paper, "not_on_page"))
        else:
            checked.append(paper)
    _paper_problems(wrong, ctx, out)
    return checked


def _paper_problems(wrong: list[tuple[str, str]], ctx: _PaperContext, out: _Collector) -> None:
    """One problem per unknown or misplaced paper, the first few of them; then a summary."""
    for paper, code in wrong[:MAX_PAPER_PROBLEMS]:
        if code == "unknown_paper":
            out.add(
                ctx.field_id,
                code,
                f"There is no paper {paper} in the Anthology. Please check the link or id.",
            )
        else:
            out.add(
                ctx.field_id,
                code,
                f"The paper {ANTHOLOGY_HOST}/{paper}/ is not on the author page "
                f"{page_url(ctx.source or '')} now. Please list only papers from that "
                "page, or tell us which page it is on.",
            )
    rest = wrong[MAX_PAPER_PROBLEMS:]
    if rest:
        codes = {code for _, code in rest}
        out.add(
            ctx.field_id,
            "unknown_paper" if "unknown_paper" in codes else "not_on_page",
            f"{len(rest)} more papers are not in the Anthology or not on the author page "
            f"{page_url(ctx.source or '')}: {', '.join(paper for paper, _ in rest)}.",
        )


def _page_papers(page: str | None, lookup: DataLookup | None) -> list[str] | None:
    if page is None or lookup is None:
        return None
    return lookup.page_papers(page)


# --------------------------------------------------------------------------- #
# The result
# --------------------------------------------------------------------------- #


@dataclass
class ParseResult:
    """What an issue asks for: a Request when it is complete, else the problems.

    ``understood`` holds what could be read even when the request is incomplete
    (source, papers, target), so that a reply can show it.
    """

    request: Request | None
    problems: list[Problem]
    form: FormKind
    understood: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.request is not None

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "request": self.request.to_json() if self.request else None,
            "problems": [p.to_json() for p in self.problems],
            "understood": self.understood,
        }


def _finish(
    form: FormKind,
    out: _Collector,
    source: str | None,
    papers: list[str],
    target: Target | None,
    sections: dict[str, str],
    notes: str = "",
    extra: dict[str, Any] | None = None,
) -> ParseResult:
    understood: dict[str, Any] = {"source": source, "papers": papers}
    if target is not None:
        understood["target"] = target.to_json()
    if out.resolved:
        understood["resolved"] = list(out.resolved)
    if extra:
        understood.update(extra)
    request = None
    if not out.problems:
        if source is None or target is None or not papers:  # pragma: no cover - guarded
            out.add("body", "missing_papers", "Please list the papers that should move.")
        else:
            request_extra: dict[str, Any] = {"form": form, **(extra or {})}
            if out.resolved:
                request_extra["resolved"] = list(out.resolved)
            request = Request(source, tuple(papers), target, notes, request_extra)
    return ParseResult(request, list(out.problems), form, understood, sections)


# --------------------------------------------------------------------------- #
# The assignment form
# --------------------------------------------------------------------------- #

_TITLE_PREFIX_RE = re.compile(r"^\s*(?:paper\s+assignment|author\s+page)\s*:\s*", re.IGNORECASE)


def page_from_title(title: str) -> str | None:
    """The author page named in an issue title, if any (``Paper assignment: jane-doe``,
    ``Author Page: jane-doe/unverified``, a page URL anywhere in the title)."""
    pages = find_author_pages(title)
    if pages:
        return pages[0]
    parts = re.split(r"(?:paper\s+assignment|author\s+page)\s*:\s*", title, flags=re.IGNORECASE)
    for part in reversed(parts[1:]):
        raw = part.strip().split(" ")[0] if part.strip() else ""
        if raw.startswith(("<", "{")):  # the template's placeholder, or "{Jane Doe}"
            continue
        token = raw.strip(_WRAPPERS).rstrip("/")
        if token and token == token.lower() and BARE_PAGE_PATTERN.fullmatch(token):
            if is_valid_person_id(token.split("/")[0]):
                return token
    return None


def choice_kind(answer: str, options: Sequence[str]) -> str | None:
    """The target kind a dropdown answer means (the option text, or words from it)."""
    value = answer.strip().casefold()
    if not value:
        return None
    kinds = (ASSIGN_EXISTING, ASSIGN_NEW, ASSIGN_UNVERIFIED)
    for option, kind in zip(options, kinds, strict=False):
        if value == option.casefold():
            return kind
    if "unverified" in value or value.startswith("no "):
        return ASSIGN_UNVERIFIED
    if "new" in value:
        return ASSIGN_NEW
    if "existing" in value:
        return ASSIGN_EXISTING
    return "invalid"


def _answer(sections: dict[str, str], field_id: str, *, strict: bool = False) -> str:
    return clean_answer(sections.get(field_id, ""), strict_empty=strict)


def _read_source(
    sections: dict[str, str], title: str, lookup: DataLookup | None, out: _Collector
) -> str | None:
    raw = _answer(sections, "author_page")
    if not raw:
        page = page_from_title(title)
        if page is None:
            out.add(
                "author_page",
                "missing_page",
                "Please give the author page the papers are on now: its link (for example "
                f"{ANTHOLOGY_HOST}/people/jane-doe/unverified/) or its id.",
            )
            return None
        out.note(f"The author page was taken from the title: {page}.")
        return resolve_page(page, lookup, out, "author_page")
    try:
        page = parse_author_page(raw)
    except PageError as exc:
        out.add("author_page", exc.code, str(exc))
        return None
    return resolve_page(page, lookup, out, "author_page")


def _read_orcid(sections: dict[str, str], out: _Collector, *, required: bool) -> str | None:
    raw = _answer(sections, "orcid")
    if not raw:
        if required:
            out.add(
                "orcid",
                "missing_orcid",
                "A new author page needs the person's ORCID iD (for example "
                "0000-0002-1825-0097). Please add it; you can get one for free at "
                "https://orcid.org.",
            )
        return None
    try:
        return parse_orcid_answer(raw)
    except OrcidError as exc:
        out.add(
            "orcid",
            "invalid_orcid",
            f"{_shorten(raw)!r} is not a valid ORCID iD ({exc}). Please copy it from your "
            "ORCID record; it looks like 0000-0002-1825-0097.",
        )
        return None


def _existing_target(
    sections: dict[str, str],
    source: str | None,
    lookup: DataLookup | None,
    out: _Collector,
) -> Target | None:
    raw = _answer(sections, "target_page")
    if not raw:
        orcid = _read_orcid(sections, _Collector(), required=False)
        holder = lookup.person_by_orcid(orcid) if (lookup and orcid) else None
        if holder:
            out.note(f"The ORCID iD {orcid} belongs to the existing page {holder}.")
            return _check_existing(holder, source, lookup, out)
        out.add(
            "target_page",
            "missing_target",
            "You chose an existing author page: please give its link or id in "
            "'Existing author page'.",
        )
        return None
    try:
        page = parse_author_page(raw)
    except PageError as exc:
        out.add("target_page", "invalid_page", str(exc))
        return None
    target = _check_existing(page, source, lookup, out)
    orcid = _read_orcid(sections, _Collector(), required=False)
    holder = lookup.person_by_orcid(orcid) if (lookup and orcid and target) else None
    if holder and holder != page:
        out.add(
            "orcid",
            "conflicting_orcid",
            f"The ORCID iD {orcid} belongs to {page_url(holder)}, not to {page_url(page)}. "
            "Please check which page the papers should go to.",
        )
        return None
    return target


def _check_existing(
    page: str, source: str | None, lookup: DataLookup | None, out: _Collector
) -> Target | None:
    if page.endswith("/unverified"):
        out.add(
            "target_page",
            "invalid_target",
            f"{page_url(page)} is an unverified page, which only collects papers nobody has "
            "claimed. To take papers off a page, choose 'No author page (unverified)'; to "
            "give them to a person, give that person's verified page or an ORCID iD for a "
            "new page.",
        )
        return None
    if lookup is not None and not lookup.person_exists(page):
        out.add(
            "target_page",
            "unknown_page",
            f"There is no verified author page {page_url(page)}. Please check the link, or "
            "choose 'A new author page for this person'.",
        )
        return None
    if page == source:
        out.add(
            "target_page",
            "same_page",
            f"The papers are already on {page_url(page)}. Please give the page they should "
            "move to.",
        )
        return None
    return Target(kind="existing", id=page)


def _new_target(
    sections: dict[str, str], source: str | None, lookup: DataLookup | None, out: _Collector
) -> Target | None:
    orcid = _read_orcid(sections, out, required=True)
    if orcid is None:
        return None
    holder = lookup.person_by_orcid(orcid) if lookup else None
    if holder:
        out.note(
            f"The ORCID iD {orcid} already has an author page, {page_url(holder)}; the papers "
            "go there instead of to a new page."
        )
        return _check_existing(holder, source, lookup, out)
    degree = " ".join(_answer(sections, "institution").split()) or None
    name = parse_person_name(_answer(sections, "name", strict=True))
    return Target(kind="new", orcid=orcid, degree=degree, name=name)


def _read_target(
    sections: dict[str, str],
    source: str | None,
    spec: FormSpec,
    lookup: DataLookup | None,
    out: _Collector,
) -> Target | None:
    dropdown = spec.field("assign_to")
    kind = choice_kind(_answer(sections, "assign_to"), dropdown.options if dropdown else ())
    if kind is None:
        if _answer(sections, "target_page"):
            kind = ASSIGN_EXISTING
        elif _answer(sections, "orcid"):
            kind = ASSIGN_NEW
    if kind is None or kind == "invalid":
        options = ", ".join(f"'{o}'" for o in (dropdown.options if dropdown else ()))
        out.add(
            "assign_to",
            "missing_choice" if kind is None else "invalid_choice",
            f"Please choose whom these papers belong to: one of {options}.",
        )
        return None
    if kind == ASSIGN_EXISTING:
        return _existing_target(sections, source, lookup, out)
    if kind == ASSIGN_NEW:
        return _new_target(sections, source, lookup, out)
    if source is not None and source.endswith("/unverified"):
        out.add(
            "assign_to",
            "same_page",
            f"{page_url(source)} is already an unverified page, so 'No author page' would "
            "change nothing. Please choose an existing or a new author page.",
        )
        return None
    return Target(kind="unverified")


def _check_confirmed(sections: dict[str, str], out: _Collector) -> None:
    if "confirm" not in sections:
        out.add(
            "confirm",
            "not_confirmed",
            "Please tick the box confirming that the names on these papers match the PDFs.",
        )
        return
    boxes = parse_checkboxes(sections["confirm"])
    if not boxes or not all(ticked for ticked, _ in boxes):
        out.add(
            "confirm",
            "not_confirmed",
            "Please tick the box confirming that the names on these papers match the PDFs. "
            "If a name on the website differs from the PDF, use 'Fix data' on that paper "
            "first.",
        )


def _parse_assignment(
    title: str, body: str, spec: FormSpec, lookup: DataLookup | None
) -> ParseResult:
    sections = split_sections(body, spec.label_map())
    out = _Collector()
    source = _read_source(sections, title, lookup, out)
    target = _read_target(sections, source, spec, lookup, out)
    refs = parse_paper_list(_answer(sections, "papers"))
    if not refs:
        out.add(
            "papers",
            "missing_papers",
            "Please list the papers that should move, one per line, as links or Anthology "
            "IDs (for example https://aclanthology.org/2024.acl-long.4/).",
        )
    target_page = target.id if target is not None and target.kind == "existing" else None
    ctx = _PaperContext(source, _page_papers(source, lookup), _page_papers(target_page, lookup))
    papers = resolve_papers(refs, lookup, ctx, out) if source or lookup is None else []
    _check_confirmed(sections, out)
    notes = _answer(sections, "notes")
    return _finish("assignment", out, source, papers, target, sections, notes)


# --------------------------------------------------------------------------- #
# The legacy "Correction to Author Page" form
# --------------------------------------------------------------------------- #

CorrectionKind = Literal["verify", "split", "merge", "name_change"]

_KIND_PATTERNS: tuple[tuple[CorrectionKind, re.Pattern[str]], ...] = (
    ("verify", re.compile(r"verification|add an orcid", re.IGNORECASE)),
    ("split", re.compile(r"split|conflates|two or more different people", re.IGNORECASE)),
    ("merge", re.compile(r"merge|multiple (?:pages|profiles)", re.IGNORECASE)),
    ("name_change", re.compile(r"name change|changed their name", re.IGNORECASE)),
)
# Words that may stand between "into"/"to" and the page it names as the destination.
_INTO_RE = re.compile(
    r"\b(?:into|to|onto|under)\s*:?\s*"
    r"(?:(?:the|a|an|one|single|my|main|official|verified|correct|author|page|profile"
    r"|account|at|this|acl|anthology|new|existing)\b\s*:?\s*)*[(\[]?\s*$",
    re.IGNORECASE,
)
_SCHOLAR_RE = re.compile(r"scholar\.google|semanticscholar|dblp\.org|openreview\.net", re.I)
_MD_LINK_TEXT_RE = re.compile(r"\[([^\[\]\n]{0,400})\]\(\s{0,5}([^()\s\[\]]{0,1000})\s{0,5}\)")
_URL_IN_PARENS_RE = re.compile(r"\s*\((?:https?://|www\.)[^)]*\)")
# Problems after which asking for a paper list would only confuse.
_STRUCTURAL = {"ambiguous_pages", "several_sources", "unsupported", "keep_list"}


def correction_kinds(text: str) -> list[CorrectionKind]:
    """The kinds of correction ticked in the old form's checkbox list."""
    kinds: list[CorrectionKind] = []
    for ticked, label in parse_checkboxes(text):
        if not ticked:
            continue
        for kind, pattern in _KIND_PATTERNS:
            if pattern.search(label) and kind not in kinds:
                kinds.append(kind)
                break
    return kinds


@dataclass
class LegacyFacts:
    """What an old-form issue says, before deciding what it asks for."""

    kinds: list[CorrectionKind]
    pages: list[str]
    into: str | None
    refs: list[PaperRef]
    titles: list[PaperRef]
    orcid: str | None
    orcid_raw: str
    degree: str | None
    preferred_name: str
    all_papers: bool
    profile_links_only: bool
    search_link: bool


def _explicit_target(text: str, pages: Sequence[str]) -> str | None:
    """The page named as the destination ("merge them into <url>", "map the papers
    from <url> to <url>", "move this paper to jin-liu-4161"), if any.

    Each mention of a known page, as URL or bare id, is checked for a preceding
    "into"/"to" with only filler words between; the last such mention wins.
    """
    text = _MD_LINK_TEXT_RE.sub(r"\1 \2", re.sub(r"\]\(\s*\n\s*", "](", text))
    mentions: list[tuple[int, str]] = []
    for m in PAGE_URL_PATTERN.finditer(text):
        mentions.append((m.start(), page_id(m["id"], bool(m["unverified"]))))
    for page in pages:
        bare = re.compile(rf"(?<![\w/.-]){re.escape(page)}(?![\w-])")
        mentions.extend((m.start(), page) for m in bare.finditer(text))
    chosen: str | None = None
    for start, page in sorted(mentions):
        before = text[max(0, start - 100) : start]
        if page in pages and _INTO_RE.search(before):
            chosen = page
    return chosen


def _legacy_pages(answers: dict[str, str], title_page: str | None) -> list[str]:
    """The author pages named in the issue: the Author Pages answer first, then the rest.

    The 2026 website fills the title with the page the button was pressed on; a bare
    ``jane-doe`` answer next to a ``jane-doe/unverified`` title means that page.
    """
    pages = find_author_pages(answers.get("author_page", ""))
    for page in find_author_pages(answers.get("notes", "")):
        if page not in pages:
            pages.append(page)
    if title_page and title_page.endswith("/unverified"):
        slug = title_page.split("/")[0]
        if slug in pages and title_page not in pages:
            pages[pages.index(slug)] = title_page
    if not pages and title_page:
        pages.append(title_page)
    return pages


def _legacy_refs(answers: dict[str, str]) -> list[PaperRef]:
    """Paper ids from the paper list (the writer's) and from the prose (with polarity)."""
    refs = [
        PaperRef(r.kind, r.value, r.text, max(r.polarity, MINE))
        for r in find_paper_refs_in_prose(answers.get("papers", ""))
    ]
    for key in ("author_page", "notes", "body"):
        for ref in find_paper_refs_in_prose(answers.get(key, "")):
            if all(r.value != ref.value for r in refs):
                refs.append(ref)
    return refs


def read_legacy_facts(title: str, sections: dict[str, str]) -> LegacyFacts:
    """Collect pages, papers, ORCID iD and the rest from an old-form issue."""
    answers = {k: clean_answer(v) for k, v in sections.items()}
    prose = "\n\n".join(answers.get(k, "") for k in ("author_page", "papers", "notes", "body"))
    kinds = correction_kinds(sections.get("correction_type", ""))
    pages = _legacy_pages(answers, page_from_title(title))
    into = _explicit_target(prose, pages)
    refs = _legacy_refs(answers)
    titles: list[PaperRef] = []
    only_merge = set(kinds) <= {"merge", "name_change"} and bool(kinds)
    if not refs and not (only_merge and not any(p.endswith("/unverified") for p in pages)):
        titles = find_titles_in_prose(answers.get("notes", ""))
    orcid_raw = answers.get("orcid", "")
    orcids = find_orcids(orcid_raw) or find_orcids(prose) or find_orcids(title)
    degree = _URL_IN_PARENS_RE.sub("", "; ".join(answers.get("institution", "").split("\n")))
    return LegacyFacts(
        kinds=kinds,
        pages=pages,
        into=into,
        refs=refs,
        titles=titles,
        orcid=orcids[0] if orcids else None,
        orcid_raw=orcid_raw,
        degree=" ".join(degree.split()) or None,
        preferred_name=answers.get("name", ""),
        all_papers=has_all_papers_phrase(prose),
        profile_links_only=_SCHOLAR_RE.search(prose) is not None,
        search_link=_SEARCH_URL_RE.search(answers.get("author_page", "")) is not None,
    )


@dataclass
class _LegacyPlan:
    source: str | None = None
    target: Target | None = None


def _own_page(pages: Sequence[str], orcid: str | None) -> str | None:
    """The verified page whose id ends in the ORCID iD's last four characters.

    New ids for a name that is taken are ``<slug>-<last 4 of the ORCID>``
    (``eugene-jang-2384``), so such a page is the ORCID holder's own.
    """
    if orcid is None:
        return None
    suffix = "-" + orcid[-4:].lower()
    owned = [p for p in pages if not p.endswith("/unverified") and p.endswith(suffix)]
    return owned[0] if len(owned) == 1 else None


def _legacy_source_and_target(
    facts: LegacyFacts, lookup: DataLookup | None, out: _Collector
) -> _LegacyPlan:
    """Decide which page the papers leave and which they join, from the pages named.

    A destination named in the text ("into <page>"), or the writer's own verified
    page (its id ends in their ORCID iD), is the target and the other page the
    source. Otherwise an unverified page is the source and a verified page named
    beside it the target; a single page is the source.
    """
    pages = [p for p in (resolve_page(p, lookup, out, "author_page") for p in facts.pages) if p]
    into = facts.into if facts.into in pages else None
    if into is not None and into.endswith("/unverified"):
        into = None
    target_page = into or _own_page(pages, facts.orcid)
    if target_page is not None:
        return _plan_with_target(target_page, [p for p in pages if p != target_page], out)
    unverified = [p for p in pages if p.endswith("/unverified")]
    verified = [p for p in pages if not p.endswith("/unverified")]
    if len(unverified) > 1:
        listed = " and ".join(page_url(p) for p in unverified)
        out.add(
            "author_page",
            "several_sources",
            f"Papers would move from {len(unverified)} pages ({listed}). The bot moves papers "
            "from one page at a time: please use the 'Fix paper assignments' button on each "
            "page, or list here, for one of these pages, the papers on it that are yours.",
        )
        return _LegacyPlan()
    if unverified:
        if len(verified) > 1:
            _ask_which(verified, "target_page", out)
            return _LegacyPlan(source=unverified[0])
        target = Target(kind="existing", id=verified[0]) if verified else None
        return _LegacyPlan(source=unverified[0], target=target)
    if len(verified) > 1:
        _ask_which(verified, "author_page", out)
        return _LegacyPlan()
    return _LegacyPlan(source=verified[0] if verified else None)


def _plan_with_target(target_page: str, rest: list[str], out: _Collector) -> _LegacyPlan:
    plan = _LegacyPlan(target=Target(kind="existing", id=target_page))
    unverified = [p for p in rest if p.endswith("/unverified")]
    if len(rest) == 1:
        plan.source = rest[0]
    elif len(unverified) == 1:
        plan.source = unverified[0]
    elif rest:
        _ask_which(rest, "author_page", out)
    return plan


def _ask_which(pages: list[str], field_id: str, out: _Collector) -> None:
    listed = ", ".join(page_url(p) for p in pages)
    if field_id == "target_page":
        message = (
            f"You named {len(pages)} verified author pages ({listed}). Please say which one "
            "the papers should move to."
        )
    else:
        message = (
            f"You named {len(pages)} author pages ({listed}). Please say which page the "
            "papers are on now and which page they should move to."
        )
    out.add(field_id, "ambiguous_pages", message)


def _infer_source_from_target(
    target_id: str, papers: list[str], lookup: DataLookup | None
) -> str | None:
    """With the data: ``jin-liu-4161`` named, papers on ``jin-liu/unverified`` -> that page."""
    if lookup is None or not papers:
        return None
    slug = re.sub(r"-[0-9]{3}[0-9x]$|-[a-z]+$", "", target_id)
    for candidate in dict.fromkeys((f"{slug}/unverified", f"{target_id}/unverified")):
        on_page = lookup.page_papers(candidate)
        if on_page and all(p in on_page for p in papers):
            return candidate
    return None


def _target_from_orcid(
    facts: LegacyFacts, source: str | None, lookup: DataLookup | None, out: _Collector
) -> Target | None:
    """An existing page that holds the ORCID iD, else a new page with it."""
    if facts.orcid is None:
        return None
    holder = lookup.person_by_orcid(facts.orcid) if lookup else None
    if holder:
        if holder != source:
            out.note(f"The ORCID iD {facts.orcid} belongs to the existing page {holder}.")
        return Target(kind="existing", id=holder)
    return Target(kind="new", orcid=facts.orcid, degree=facts.degree)


def _check_orcid_holder(
    facts: LegacyFacts, plan: _LegacyPlan, lookup: DataLookup | None, out: _Collector
) -> None:
    """With the data: an ORCID iD held by another page than the target named is a conflict."""
    if lookup is None or facts.orcid is None or plan.target is None:
        return
    holder = lookup.person_by_orcid(facts.orcid)
    if plan.target.kind == "existing" and holder and holder != plan.target.id:
        out.add(
            "orcid",
            "conflicting_orcid",
            f"The ORCID iD {facts.orcid} belongs to {page_url(holder)}, not to "
            f"{page_url(plan.target.id or '')}. Please check which page is yours.",
        )


def _missing_papers_message(facts: LegacyFacts, source: str | None) -> str:
    where = f" on {page_url(source)}" if source else ""
    text = (
        f"Please list the papers{where} that should move, one per line, as links or "
        "Anthology IDs (for example https://aclanthology.org/2024.acl-long.4/)."
    )
    if source and source.endswith("/unverified"):
        text = (
            f"The page {page_url(source)} collects the papers of everyone with this name "
            "who has no verified page. Please list the papers on it that are yours, one per "
            "line, as links or Anthology IDs (for example "
            "https://aclanthology.org/2024.acl-long.4/)."
        )
    if facts.profile_links_only:
        text += (
            " A Google Scholar, Semantic Scholar, DBLP or OpenReview profile is not enough: "
            "we need the Anthology papers themselves."
        )
    return text


def _choose_legacy_papers(facts: LegacyFacts, plan: _LegacyPlan, out: _Collector) -> list[PaperRef]:
    """Which references move: the writer's own papers, or those they say are not theirs.

    The writer's papers go to the target. Papers they say are not theirs leave a
    verified page for "no author page" (unverified). A list of papers that should
    *stay* on a verified page says nothing about which papers leave it: ask.
    """
    own = [r for r in facts.refs if r.polarity >= NEUTRAL]
    others = [r for r in facts.refs if r.polarity == NOT_MINE]
    source = plan.source
    source_verified = source is not None and not source.endswith("/unverified")
    target_is_source = plan.target is not None and plan.target.id == source
    if own and plan.target is not None and not target_is_source:
        if source_verified and all(r.polarity == KEEP for r in own) and not others:
            out.add(
                "papers",
                "keep_list",
                f"You listed the papers that should stay on {page_url(source or '')}. The "
                "bot needs the papers that should leave it: please list those, one per line, "
                "as links or Anthology IDs.",
            )
            return []
        return own
    if others and source_verified:
        plan.target = Target(kind="unverified")
        out.note(
            "The papers said not to be the author's are taken off the page: they go to "
            "no author page (unverified)."
        )
        return others
    if own:
        return own
    titles = [t for t in facts.titles if t.polarity >= NEUTRAL]
    if titles:
        return titles
    moves_all = facts.all_papers and not (
        source_verified and plan.target is not None and plan.target.kind == "new"
    )
    merges = bool({"merge", "name_change"} & set(facts.kinds)) and facts.into is not None
    if source is not None and (moves_all or (merges and source_verified)):
        return [PaperRef("all", "all", "all papers")]
    return []


def _legacy_unsupported(facts: LegacyFacts, out: _Collector) -> bool:
    """Requests with nothing to move: a name change or adding an ORCID iD to a verified page."""
    if facts.refs or facts.titles or len(facts.pages) > 1:
        return False
    if facts.kinds == ["name_change"]:
        out.add(
            "correction_type",
            "unsupported",
            "Changing the name shown on an author page is done by Anthology staff; this bot "
            "only moves papers between pages. Staff will read this issue.",
        )
        return True
    page = facts.pages[0] if facts.pages else None
    if facts.kinds == ["verify"] and page and not page.endswith("/unverified"):
        out.add(
            "correction_type",
            "unsupported",
            f"{page_url(page)} is already a verified page: adding an ORCID iD to it is done "
            "by Anthology staff, not by this bot. If papers on it are not yours, list them "
            "here.",
        )
        return True
    return False


def _parse_legacy(title: str, body: str, lookup: DataLookup | None) -> ParseResult:
    sections = split_sections(body, {normalize_label(k): v for k, v in LEGACY_LABELS.items()})
    facts = read_legacy_facts(title, sections)
    out = _Collector()
    extra = _legacy_extra(facts)
    _check_legacy_confirmation(sections, out)
    if _legacy_unsupported(facts, out):
        return _finish("legacy", out, None, [], None, sections, extra=extra)
    if facts.search_link and (not facts.pages or ("merge" in facts.kinds and len(facts.pages) < 2)):
        out.add("author_page", "invalid_page", _SEARCH_LINK_MESSAGE)
    plan = _legacy_source_and_target(facts, lookup, out)
    if plan.target is None and not _has(out, "ambiguous_pages", "several_sources"):
        plan.target = _target_from_orcid(facts, plan.source, lookup, out)
    refs = _choose_legacy_papers(facts, plan, out)
    papers = _resolve_legacy_papers(refs, plan, lookup, out)
    _check_orcid_holder(facts, plan, lookup, out)
    _legacy_target_checks(facts, plan, out)
    if not refs and not _has(out, *_STRUCTURAL):
        out.add("papers", "missing_papers", _missing_papers_message(facts, plan.source))
    notes = clean_answer(sections.get("notes", ""))
    return _finish("legacy", out, plan.source, papers, plan.target, sections, notes, extra)


def _has(out: _Collector, *codes: str) -> bool:
    return any(p.code in codes for p in out.problems)


def _resolve_legacy_papers(
    refs: list[PaperRef], plan: _LegacyPlan, lookup: DataLookup | None, out: _Collector
) -> list[str]:
    if plan.source is None and plan.target is not None and plan.target.id:
        direct = [r.value for r in refs if r.kind == "paper"]
        plan.source = _infer_source_from_target(plan.target.id, direct, lookup)
        if plan.source:
            out.note(f"The papers are on {page_url(plan.source)} now.")
    if plan.source is None:
        if not any(p.field == "author_page" for p in out.problems):
            out.add(
                "author_page",
                "missing_page",
                "Please give the link of the author page the papers are on now (it starts "
                f"with {ANTHOLOGY_HOST}/people/).",
            )
        return [r.value for r in refs if r.kind == "paper"]
    target_page = plan.target.id if plan.target and plan.target.kind == "existing" else None
    ctx = _PaperContext(
        plan.source, _page_papers(plan.source, lookup), _page_papers(target_page, lookup)
    )
    return resolve_papers(refs, lookup, ctx, out)


def _legacy_target_checks(facts: LegacyFacts, plan: _LegacyPlan, out: _Collector) -> None:
    if _has(out, "ambiguous_pages", "several_sources", "keep_list"):
        return
    if plan.target is None:
        _check_orcid_answer(facts, out)
        out.add(
            "orcid",
            "missing_target",
            "Please tell us whose page these papers should go to: the link of your verified "
            "author page if you have one, or your ORCID iD (for example "
            "0000-0002-1825-0097) so that a new page can be made for you.",
        )
        return
    if plan.target.kind == "existing" and plan.target.id == plan.source:
        out.add(
            "author_page",
            "same_page",
            f"The papers you listed are already on {page_url(plan.source or '')}. Please "
            "list the papers on it that are not yours, or the page your papers are on now.",
        )


def _check_orcid_answer(facts: LegacyFacts, out: _Collector) -> None:
    if facts.orcid_raw and not find_orcids(facts.orcid_raw):
        try:
            parse_orcid_answer(facts.orcid_raw)
        except OrcidError as exc:
            out.add(
                "orcid",
                "invalid_orcid",
                f"{_shorten(facts.orcid_raw)!r} is not a valid ORCID iD ({exc}). Please copy "
                "it from your ORCID record; it looks like 0000-0002-1825-0097.",
            )


def _check_legacy_confirmation(sections: dict[str, str], out: _Collector) -> None:
    for field_id in ("confirm", "confirm_published"):
        boxes = parse_checkboxes(sections.get(field_id, ""))
        if boxes and not all(ticked for ticked, _ in boxes):
            out.add(
                field_id,
                "not_confirmed",
                "Please tick the confirmation box: " + boxes[0][1],
            )


def _legacy_extra(facts: LegacyFacts) -> dict[str, Any]:
    extra: dict[str, Any] = {"kinds": list(facts.kinds)}
    if facts.preferred_name:
        extra["preferred_name"] = facts.preferred_name
    if facts.orcid:
        extra["orcid"] = facts.orcid
    return extra


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


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


def is_bot_issue(title: str, body: str, labels: Sequence[str]) -> bool:
    """Whether the bot should act on an issue.

    Issues filed with the assignment form always; issues filed with the old form
    only once staff have labelled them ``meta:move`` (a move of papers).
    """
    try:
        form = detect_form(_clean_text(title or ""), _clean_text(body or "", MAX_BODY_CHARS))
    except OSError:  # the template is missing: act on nothing
        return False
    if form == "assignment":
        return True
    return form == "legacy" and "meta:move" in {label.strip().lower() for label in labels}


# --------------------------------------------------------------------------- #
# Issue files (the CLI's input)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class IssueFile:
    """An issue stored as markdown: optional front matter, the body, then comments."""

    title: str
    body: str
    labels: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    comments: str = ""


_COMMENTS_MARKER = "<!-- comments -->"


def _front_matter_labels(value: str) -> tuple[str, ...]:
    inner = value.strip().removeprefix("[").removesuffix("]")
    return tuple(p.strip().strip("'\"") for p in inner.split(",") if p.strip())


def read_issue_text(text: str) -> IssueFile:
    """Split a stored issue into title, body, labels and comments.

    Two formats: a front matter block between ``---`` lines with ``key: value``
    lines (split on the first ``: ``; ``labels: [a, b]``), then the body; or a
    plain body whose first line may be ``# <title>``. Everything after a
    ``<!-- comments -->`` line is the thread's comments, not the body.
    """
    text = normalize_newlines(text).lstrip("\ufeff")
    meta: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, sep, value = line.partition(": ")
                if not sep and line.rstrip().endswith(":"):
                    key, value = line.rstrip()[:-1], ""
                elif not sep:
                    continue
                meta[key.strip()] = value.strip()
            lines = lines[end + 1 :]
    title = meta.get("title", "")
    if not title:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and re.match(r"^#\s+\S", lines[first]):
            title = lines[first].lstrip("#").strip()
            lines = lines[first + 1 :]
    rest = "\n".join(lines)
    body, _, comments = rest.partition(_COMMENTS_MARKER)
    return IssueFile(
        title=title,
        body=body.strip("\n"),
        labels=_front_matter_labels(meta.get("labels", "")),
        meta=meta,
        comments=comments.strip("\n"),
    )


def parse_issue_file(
    path: Path, lookup: DataLookup | None = None, template_path: Path | None = None
) -> ParseResult:
    """Parse an issue stored as a markdown file (see :func:`read_issue_text`)."""
    issue = read_issue_text(Path(path).read_text(encoding="utf-8"))
    return parse_issue(issue.title, issue.body, lookup, template_path)
