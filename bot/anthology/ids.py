"""Anthology IDs: parsing what people type, and the canonical form.

Every volume and paper in the ACL Anthology has an *Anthology ID*. Two schemes
exist side by side:

* New style (2020 on, and older material ingested since): ``<year>.<venue>-<volume>.<paper>``,
  e.g. ``2024.acl-long.4``. The collection is ``2024.acl`` (one file,
  ``data/xml/2024.acl.xml``), the volume ``long``, the paper ``4``.
* Old style: a letter and two digits name the collection (``P18``), then digits
  encode volume and paper with fixed widths: one digit of volume and three of
  paper (``P18-1217`` is volume ``1``, paper ``217``). Collections starting with
  ``W``, the collection ``C69`` and the ``D19`` volumes from 50 on use two digits
  each instead (``W11-1101`` is volume ``11``, paper ``1``; ``D19-5702`` is
  volume ``57``, paper ``2``).

In the XML, volume and paper ids carry no leading zeros (``<volume id="1">``,
``<paper id="5">`` for ``P18-1005``). Paper ``0`` is a volume's front matter (the
``<frontmatter>`` element). A volume on its own is written without the paper part:
``2024.acl-long``, ``P18-1``, ``W11-11``.

People refer to papers in many ways: the bare id, the paper page
``https://aclanthology.org/<id>/``, the PDF or BibTeX link, a revision
(``2024.acl-long.4v2``), a DOI (``10.18653/v1/<id>``), a preview-site link, or an
old ``aclweb.org/anthology/...`` link. :func:`anthology_id_from_reference` and
:func:`find_anthology_ids` accept all of these; :func:`parse_anthology_id` accepts
the bare canonical id only. Bibkeys are not resolved here: that needs the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

ANTHOLOGY_URL = "https://aclanthology.org"

_EXAMPLES = "such as 2024.acl-long.4, P18-1217 or W11-1101"

# Building blocks of the grammar. New-style collections and item ids are lowercase
# ASCII letters and digits (as the acl-anthology library requires); paper ids are
# numbers without leading zeros.
_NEW_COLLECTION = r"[0-9]{4}\.[a-z0-9]+"
_ITEM = r"[a-z0-9]+"
_OLD_COLLECTION = r"[A-Z][0-9]{2}"
_NUMBER = r"(?:0|[1-9][0-9]*)"

_NEW_COLLECTION_RE = re.compile(_NEW_COLLECTION)
_ITEM_RE = re.compile(_ITEM)
_OLD_COLLECTION_RE = re.compile(_OLD_COLLECTION)
_NUMBER_RE = re.compile(_NUMBER)

# A bare canonical id (strict parsing).
_STRICT_NEW_RE = re.compile(rf"({_NEW_COLLECTION})-({_ITEM})(?:\.([0-9]+))?")
_STRICT_OLD_RE = re.compile(rf"({_OLD_COLLECTION})-([0-9]+)")

# A revision ("v2") or erratum ("e1") suffix, and the file extensions the Anthology
# serves for an id (paper PDF, BibTeX, MODS XML, EndNote, RIS, talk video).
_REVISION = r"(?:[ve][0-9]+)"
_EXTENSION = r"(?:\.(?:pdf|bib|xml|endf|ris|mp4))"

# One id as it may appear in a reference: with a revision and/or an extension. The
# venue must start with a letter (all real ones do; ``2024.10-12`` is a date range).
_HUMAN_NEW_COLLECTION = r"[0-9]{4}\.[a-z][a-z0-9]*"
_LENIENT_RE = re.compile(
    rf"(?:(?P<ncoll>{_HUMAN_NEW_COLLECTION})-(?P<nvol>{_ITEM})"
    rf"(?:\.(?P<npaper>[0-9]+){_REVISION}?)?"
    rf"|(?P<ocoll>{_OLD_COLLECTION})-(?P<orest>[0-9]+){_REVISION}?)"
    rf"{_EXTENSION}?"
)

# An id inside running text. Stricter than the above to avoid false hits:
# old-style ids must name a paper (four digits), since ``A12-3`` is too common a
# pattern for a bare old-style volume, and neighbouring letters, digits, dots and
# hyphens must not continue the token.
_TEXT_ID_RE = re.compile(
    r"(?<![A-Za-z0-9_.\-])"
    rf"(?:(?P<ncoll>{_HUMAN_NEW_COLLECTION})-(?P<nvol>{_ITEM})"
    rf"(?:\.(?P<npaper>[0-9]+){_REVISION}?)?"
    rf"|(?P<ocoll>{_OLD_COLLECTION})-(?P<orest>[0-9]{{4}}){_REVISION}?)"
    rf"{_EXTENSION}?"
    r"(?![A-Za-z0-9_\-])(?!\.[A-Za-z0-9])"
)

# A token that clearly means to be an id, even if it is not a valid one.
# (Old-style attempts must be upper case: ``x86-64`` is not an attempt.)
_ATTEMPT_RE = re.compile(r"[0-9]{4}\.[A-Za-z][A-Za-z0-9]*-\S*|[A-Z][0-9]{2}-[0-9]\S*")
_COLLECTION_ONLY_RE = re.compile(r"[0-9]{4}\.[a-z][a-z0-9]*|[A-Z][0-9]{2}", re.IGNORECASE)

# URLs in running text: any http(s) URL, plus scheme-less links to Anthology hosts.
_URL_RE = re.compile(
    r"(?:https?://|\bwww\.|(?<![\w.\-/])(?:[a-z0-9\-]+\.)*(?:aclanthology\.org|aclweb\.org)/)"
    r"[^\s<>\"'`()\[\]{}|\\^]*",
    re.IGNORECASE,
)
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*://", re.IGNORECASE)

# Hosts serving Anthology pages. Preview hosts put a branch name before the id.
_ANTHOLOGY_HOSTS = ("aclanthology.org", "aclweb.org")
_DOI_HOSTS = ("doi.org", "dx.doi.org", "www.doi.org")
_ACL_DOI_PREFIX = "10.18653"
_BARE_HOST_RE = re.compile(
    r"www\.|(?:[a-z0-9\-]+\.)*(?:aclanthology\.org|aclweb\.org|doi\.org)/", re.IGNORECASE
)

# Characters people wrap references in, and punctuation that ends a sentence.
_LEADING_JUNK = "<`\"'“‘([{*"
_TRAILING_JUNK = ">`\"'”’)]}*.,;:!?"


class InvalidIDError(ValueError):
    """Raised for text that is meant as an Anthology ID but is not a valid one."""


def _two_digit_scheme(collection: str, volume: int) -> bool:
    """Whether an old-style collection writes this volume (and its papers) with two digits."""
    return (
        collection.startswith("W") or collection == "C69" or (collection == "D19" and volume >= 5)
    )


def _written_with_two_digits(collection: str, first_digit: str) -> bool:
    """Whether the digits after an old-style collection's hyphen use the two-digit scheme.

    Decided by the first of those digits: ``D19-5702`` is volume 57, ``D19-1001`` volume 1.
    """
    if collection == "D19":
        return int(first_digit) >= 5
    return collection.startswith("W") or collection == "C69"


@dataclass(frozen=True)
class AnthologyID:
    """The id of an Anthology volume (``paper`` is None) or paper.

    The parts are as in the XML: ``collection`` is the file name stem
    (``2024.acl``, ``P18``), ``volume`` the ``<volume id=...>`` and ``paper`` the
    ``<paper id=...>`` (``"0"`` for the front matter). Construction checks that the
    parts can be written as a canonical id.
    """

    collection: str
    volume: str
    paper: str | None = None

    def __post_init__(self) -> None:
        if problem := _problem_with_parts(self.collection, self.volume, self.paper):
            raise InvalidIDError(
                f"Not an Anthology ID (collection {self.collection!r}, volume {self.volume!r}, "
                f"paper {self.paper!r}): {problem}"
            )

    @property
    def is_old_style(self) -> bool:
        """Whether this is a pre-2020 id such as ``P18-1217``."""
        return not self.collection[0].isdigit()

    @property
    def is_volume(self) -> bool:
        """Whether this id names a whole volume rather than a paper."""
        return self.paper is None

    @property
    def is_frontmatter(self) -> bool:
        """Whether this id names a volume's front matter (paper ``0``)."""
        return self.paper == "0"

    @property
    def volume_id(self) -> AnthologyID:
        """The id of the volume this paper (or volume) belongs to."""
        return AnthologyID(self.collection, self.volume)

    @property
    def collection_file(self) -> str:
        """The collection's XML file, relative to the ``data/`` directory."""
        return f"xml/{self.collection}.xml"

    @property
    def url(self) -> str:
        """The page of this paper or volume on the Anthology website (as in the XML comments)."""
        return f"{ANTHOLOGY_URL}/{self}/"

    def __str__(self) -> str:
        if not self.is_old_style:
            paper = f".{self.paper}" if self.paper is not None else ""
            return f"{self.collection}-{self.volume}{paper}"
        volume = int(self.volume)
        if _two_digit_scheme(self.collection, volume):
            paper = f"{int(self.paper):02d}" if self.paper is not None else ""
            return f"{self.collection}-{volume:02d}{paper}"
        paper = f"{int(self.paper):03d}" if self.paper is not None else ""
        return f"{self.collection}-{volume}{paper}"


def _problem_with_parts(collection: str, volume: str, paper: str | None) -> str | None:
    """Why the parts cannot form a canonical id, in plain words; None if they can."""
    if paper is not None and not _NUMBER_RE.fullmatch(paper):
        return "the paper must be a number without leading zeros"
    if _NEW_COLLECTION_RE.fullmatch(collection):
        if not _ITEM_RE.fullmatch(volume):
            return "the volume must consist of lowercase letters and digits"
        return None
    if not _OLD_COLLECTION_RE.fullmatch(collection):
        return "a collection looks like 2024.acl or P18"
    if not _NUMBER_RE.fullmatch(volume) or volume == "0":
        return "old-style volumes are numbers from 1, without leading zeros"
    number = int(volume)
    if collection == "D19" and 5 <= number <= 49:
        return "D19 has volumes 1 to 4 and 50 to 99 only"
    max_volume, max_paper = (99, 99) if _two_digit_scheme(collection, number) else (9, 999)
    if number > max_volume or (paper is not None and int(paper) > max_paper):
        return f"in {collection} volumes go up to {max_volume} and papers up to {max_paper}"
    return None


def _make(collection: str, volume: str, paper: str | None, text: str) -> AnthologyID:
    """Build an id parsed from ``text``; errors name ``text``."""
    if problem := _problem_with_parts(collection, volume, paper):
        raise InvalidIDError(f"{text!r} is not a valid Anthology ID: {problem}")
    return AnthologyID(collection, volume, paper)


def _old_style_from_digits(collection: str, digits: str, text: str) -> AnthologyID:
    """Split the digits after an old-style collection into volume and paper."""
    if _written_with_two_digits(collection, digits[0]):
        sample = "57" if collection == "D19" else "11"
        volume_width, example = 2, f"{collection}-{sample} or {collection}-{sample}01"
    else:
        volume_width, example = 1, f"{collection}-1 or {collection}-1217"
    if len(digits) == volume_width:
        return _make(collection, str(int(digits)), None, text)
    if len(digits) == 4:
        volume, paper = str(int(digits[:volume_width])), str(int(digits[volume_width:]))
        return _make(collection, volume, paper, text)
    raise InvalidIDError(
        f"{text!r} is not a valid Anthology ID: in {collection}, the hyphen is followed by "
        f"{volume_width} digit{'s' if volume_width > 1 else ''} for a volume or 4 digits "
        f"for a paper (e.g. {example})"
    )


def _new_style(collection: str, volume: str, paper: str | None, text: str) -> AnthologyID:
    if paper is not None and not _NUMBER_RE.fullmatch(paper):
        raise InvalidIDError(
            f"{text!r} is not a valid Anthology ID: the paper number {paper!r} has leading zeros"
        )
    return _make(collection, volume, paper, text)


def parse_anthology_id(text: str) -> AnthologyID:
    """Parse a bare canonical Anthology ID (surrounding whitespace is ignored).

    Raises InvalidIDError for anything else, including URLs, revisions
    (``2024.acl-long.4v2``) and non-canonical widths (``P18-12``).
    """
    stripped = text.strip()
    if m := _STRICT_NEW_RE.fullmatch(stripped):
        return _new_style(m[1], m[2], m[3], text)
    if m := _STRICT_OLD_RE.fullmatch(stripped):
        return _old_style_from_digits(m[1], m[2], text)
    if _COLLECTION_ONLY_RE.fullmatch(stripped):
        raise InvalidIDError(
            f"{text!r} names a whole collection; give the id of a volume or paper, {_EXAMPLES}"
        )
    if _looks_like_url(stripped):
        raise InvalidIDError(f"{text!r} is a link, not a bare Anthology ID")
    if m := _LENIENT_RE.fullmatch(stripped):
        bare = _from_lenient_match(m, text)
        raise InvalidIDError(
            f"{text!r} names a revision or a file, not a bare Anthology ID; the id is {bare}"
        )
    raise InvalidIDError(f"{text!r} is not an Anthology ID; expected an id {_EXAMPLES}")


def _from_lenient_match(m: re.Match[str], shown: str) -> AnthologyID:
    """Turn a match of _LENIENT_RE or _TEXT_ID_RE into an id (may raise, naming ``shown``)."""
    if m["ncoll"] is not None:
        return _new_style(m["ncoll"], m["nvol"], m["npaper"], shown)
    return _old_style_from_digits(m["ocoll"], m["orest"], shown)


def _normalize_case(token: str) -> str:
    """Fix the letter case of an id typed carelessly (``p18-1217``, ``2024.ACL-Long.4``)."""
    if token[:1].isalpha():
        return token[0].upper() + token[1:].lower()
    return token.lower()


def _id_from_token(token: str, shown: str, *, fold_case: bool = True) -> AnthologyID | None:
    """An id written as one token, maybe with revision/extension; None if it is none.

    Raises InvalidIDError (naming ``shown``) if the token has the shape of an id but
    impossible digits, such as ``P18-12``. With ``fold_case``, a wrongly cased id
    (``p18-1217``) is accepted too.
    """
    for candidate in (token, _normalize_case(token)) if fold_case else (token,):
        if m := _LENIENT_RE.fullmatch(candidate):
            return _from_lenient_match(m, shown)
    return None


def _strip_wrapping(text: str) -> str:
    """Remove whitespace, brackets, quotes and trailing punctuation around a reference."""
    previous = None
    while text != previous:
        previous = text
        text = text.strip().lstrip(_LEADING_JUNK).rstrip(_TRAILING_JUNK)
    return text


def _is_anthology_host(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in _ANTHOLOGY_HOSTS)


def _looks_like_url(token: str) -> bool:
    return bool(_SCHEME_RE.match(token) or _BARE_HOST_RE.match(token))


def _id_from_url(url: str, *, raise_malformed: bool) -> AnthologyID | None:
    """The id an Anthology (or ACL DOI) URL points to.

    None for URLs of other sites and for Anthology pages that are not about a
    volume or paper (author pages, events, the home page). The id is the last
    path segment; on preview hosts the first segment names a branch and is
    skipped. With ``raise_malformed``, a URL whose id segment clearly tries to be
    an id but is not a valid one raises InvalidIDError.
    """
    try:
        parts = urlsplit(url if _SCHEME_RE.match(url) else "https://" + url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. unbalanced brackets in the host
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host in _DOI_HOSTS:
        if segments[:1] != [_ACL_DOI_PREFIX]:
            return None
        segments = segments[1:]
    elif not _is_anthology_host(host):
        return None
    elif host.startswith("preview."):
        segments = segments[1:]
    if not segments or "people" in segments:
        return None
    last = segments[-1]
    try:
        found = _id_from_token(last, url)
    except InvalidIDError:
        if raise_malformed:
            raise
        return None
    if found is None and raise_malformed and _ATTEMPT_RE.fullmatch(last):
        raise InvalidIDError(
            f"{url!r} points to {last!r}, which is not a valid Anthology ID; expected an id "
            f"{_EXAMPLES}"
        )
    return found


def anthology_id_from_reference(text: str) -> AnthologyID | None:
    """The Anthology ID a person meant by ``text``, leniently.

    Accepts a bare id (any letter case), a revision or file name
    (``2024.acl-long.4v2.pdf``), a URL of the Anthology, its preview site or the
    old aclweb.org site, an ACL DOI, wrapped in ``<>``, backticks, quotes or
    brackets, followed by punctuation, or embedded in a short phrase.

    Returns None when the text holds no Anthology ID (including URLs of other
    sites and Anthology pages about people or events). Raises InvalidIDError when
    it clearly tries to be one but is malformed (``P18-12``, ``2024.acl-long.4x``),
    names a whole collection (``2024.acl``), or holds several different ids.
    """
    stripped = _strip_wrapping(text)
    if not stripped:
        return None
    if not any(c.isspace() for c in stripped):
        if _looks_like_url(stripped):
            return _id_from_url(stripped, raise_malformed=True)
        if (found := _id_from_token(stripped, text)) is not None:
            return found
        if _COLLECTION_ONLY_RE.fullmatch(stripped) and stripped[0].isdigit():
            raise InvalidIDError(
                f"{text!r} names a whole collection; give the id of a volume or paper, {_EXAMPLES}"
            )
    ids = find_anthology_ids(stripped)
    # A phrase: also take bare old-style volume ids (too vague for find_anthology_ids),
    # and complain about malformed ids unless a valid one was found.
    for token in (_strip_wrapping(t) for t in stripped.split()):
        if _looks_like_url(token):
            continue
        try:
            found = _id_from_token(token, text, fold_case=False)
        except InvalidIDError:
            if ids:
                continue
            raise
        if found is not None and found not in ids:
            ids.append(found)
        elif found is None and not ids and _ATTEMPT_RE.fullmatch(token):
            raise InvalidIDError(
                f"{text!r} does not hold a valid Anthology ID: {token!r} is malformed; "
                f"expected an id {_EXAMPLES}"
            )
    if len(ids) > 1:
        listed = ", ".join(str(i) for i in ids)
        raise InvalidIDError(f"{text!r} holds several Anthology IDs ({listed}); give one")
    return ids[0] if ids else None


def find_anthology_ids(text: str) -> list[AnthologyID]:
    """Every Anthology ID mentioned in free text, in order of first mention, deduplicated.

    Finds ids in Anthology, preview and ACL DOI URLs, and bare ids in the text
    (revisions and file extensions allowed, letter case exact). Bare old-style
    volume ids (``P18-1``) are not picked up from prose, since the pattern is too
    common; their URLs are. Malformed ids, and ids inside URLs of other sites,
    are skipped silently.
    """
    found: list[tuple[int, AnthologyID]] = []
    blanked = list(text)
    for m in _URL_RE.finditer(text):
        anthology_id = _id_from_url(m.group(0).rstrip(_TRAILING_JUNK), raise_malformed=False)
        if anthology_id is not None:
            found.append((m.start(), anthology_id))
        blanked[m.start() : m.end()] = " " * (m.end() - m.start())
    for m in _TEXT_ID_RE.finditer("".join(blanked)):
        try:
            found.append((m.start(), _from_lenient_match(m, m.group(0))))
        except InvalidIDError:
            continue
    result: list[AnthologyID] = []
    for _, anthology_id in sorted(found, key=lambda item: item[0]):
        if anthology_id not in result:
            result.append(anthology_id)
    return result
