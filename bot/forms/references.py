"""Reading references typed in one answer: author pages, ORCID iDs, names, papers.

Owns the readers of a single answer as the person typed it: an author page (a
link, an old-style link or an id; also in an issue title), an ORCID iD in any of
the forms seen, a person's name, and a list of papers (ids, links, markdown
links, bibkeys, titles, "all my papers"), each read into a :class:`PaperRef`.
Nothing here looks at the Anthology data; ``bot.forms.resolve`` does that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.anthology.ids import (
    AnthologyID,
    InvalidIDError,
    anthology_id_from_reference,
    find_anthology_ids,
)
from bot.anthology.names import Name
from bot.anthology.pages import bare_page, find_author_pages
from bot.anthology.people import OrcidError, normalize_orcid
from bot.engine.request import MAX_PERSON_ID
from bot.forms.template import normalize_newlines

ANTHOLOGY_HOST = "https://aclanthology.org"


#: No reference is longer than this; longer lines of a paper list are cut.
MAX_LINE_CHARS = 4_000


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


def check_page_length(page: str) -> None:
    """Raise PageError for a page id longer than any person id may be (``MAX_PERSON_ID``)."""
    slug = page.removesuffix("/unverified")
    if len(slug) > MAX_PERSON_ID:
        raise PageError(
            f"{_shorten(slug)!r} is not an author page: page ids are at most {MAX_PERSON_ID} "
            f"characters, this one has {len(slug)}. Please copy the page's address from "
            f"{ANTHOLOGY_HOST}/people/."
        )


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
        check_page_length(pages[0])
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
    bare = bare_page(value.strip(_WRAPPERS).lower())
    if bare is not None:
        check_page_length(bare)
        return bare
    raise PageError(
        f"We could not read an author page in {_shorten(value)!r}. Please give its address "
        f"(for example {ANTHOLOGY_HOST}/people/jane-doe/) or its id (jane-doe)."
    )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        token = raw.strip(_WRAPPERS)
        if token == token.lower() and (page := bare_page(token)) is not None:
            return page
    return None


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
