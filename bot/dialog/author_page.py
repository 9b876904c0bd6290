"""The data an author page hands to the "Fixing paper assignments" dialog.

The dialog (``bot/dialog/static/assignment-dialog.js``) is fed with one JSON object
embedded in the page as ``<script type="application/json" id="author-page-data">``.
This module builds that object from an :class:`~bot.engine.dataset.AnthologyData`
and a page id (``jane-doe`` or ``jane-doe/unverified``); the demo pages
(``bot.dialog.demo_pages``) serve it, and the Anthology's Hugo build can produce the
same object for every author page. The format (version 1)::

    {
      "version": 1,
      "page": "tingfeng-hui/unverified",
      "page_url": "https://aclanthology.org/people/tingfeng-hui/unverified/",
      "verified": false,
      "person": {"name": "Tingfeng Hui", "first": "Tingfeng", "last": "Hui"},
      "papers": [
        {"id": "2025.acl-long.5", "title": "HFT: Half Fine-Tuning ...",
         "venue": "ACL", "year": "2025", "volume": "Proceedings of the 63rd ...",
         "url": "https://aclanthology.org/2025.acl-long.5/",
         "role": "author", "authors": ["Tingfeng Hui", "Weiran Xu", ...], "slot": 0}
      ],
      "repo": "acl-org/acl-anthology",
      "issue_form": {"base": "https://github.com", "template": "fix-paper-assignment.yml",
                     "title": "Paper assignment: {page}", "labels": ["correction", ...],
                     "max_url_length": 8000, "max_papers": 200},
      "existing_pages": [{"id": "kai-hui", "name": "Kai Hui", "note": "..."}],
      "suggest_url": "/demo/people/suggest"
    }

``authors`` are the names as printed on the item (its authors, or its editors
when this page's person is an editor there, ``role``); ``slot`` is the index of
this page's person among them. ``existing_pages`` is a bounded list of verified
pages with a similar name for the typeahead; ``suggest_url`` (optional, may be
``null``) answers ``GET <suggest_url>?q=<text>`` with ``[{"id", "name", "note"}]``
from all verified persons.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from bot.anthology.ids import ANTHOLOGY_URL, AnthologyID, InvalidIDError, parse_anthology_id
from bot.anthology.index import IndexedSlot
from bot.anthology.names import Name
from bot.anthology.pages import (
    PageReferenceError,
    is_unverified_page,
    page_url,
    parse_page_reference,
)
from bot.anthology.people import People, Person
from bot.engine.dataset import AnthologyData
from bot.engine.planner import MAX_PAPERS, World
from bot.forms import load_form_spec

FORMAT_VERSION = 1
DEFAULT_REPO = "acl-org/acl-anthology"
DEFAULT_ISSUE_BASE = "https://github.com"
TEMPLATE_FILE = "fix-paper-assignment.yml"
ISSUE_TITLE = "Paper assignment: {page}"
#: GitHub refuses "new issue" links much longer than this (about 8 KB).
MAX_URL_LENGTH = 8000
#: Bounds of the typeahead lists: embedded in the page, and per server answer.
MAX_EMBEDDED_PAGES = 50
MAX_SUGGESTIONS = 20

_VOLUME_TAG_RE = re.compile(rb"<volume\b[^>]*>")
_VOLUME_ID_RE = re.compile(rb'\bid="([^"]*)"')
_META_RE = re.compile(rb"<meta>(.*?)</meta>", re.DOTALL)
_WORD_RE = re.compile(r"\w+")


class UnknownPageError(LookupError):
    """No author page by that id (or the text is no page reference at all)."""


@dataclass(frozen=True)
class VolumeInfo:
    """What an author page shows of a volume: its title, year and venue ids."""

    title: str
    year: str
    venues: tuple[str, ...]


# --------------------------------------------------------------------------- #
# Volumes and venues
# --------------------------------------------------------------------------- #


def _meta_text(meta: etree._Element, tag: str) -> str:
    element = meta.find(tag)
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _parse_meta(block: bytes) -> VolumeInfo | None:
    """The volume's ``<meta>`` contents -> VolumeInfo; None if the XML is broken."""
    try:
        meta = etree.fromstring(b"<meta>" + block + b"</meta>")
    except etree.XMLSyntaxError:
        return None
    venues = tuple(v.text.strip() for v in meta.iterfind("venue") if v.text and v.text.strip())
    return VolumeInfo(_meta_text(meta, "booktitle"), _meta_text(meta, "year"), venues)


def read_volume_infos(path: Path) -> dict[str, VolumeInfo]:
    """Volume id (as in ``<volume id>``) -> VolumeInfo for one collection file.

    Only the ``<meta>`` block after each ``<volume>`` tag is parsed, so this is
    fast even for the largest collections.
    """
    return dict(_cached_volume_infos(str(path), *_file_key(path)))


def _file_key(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=512)
def _cached_volume_infos(
    path: str, _mtime_ns: int, _size: int
) -> tuple[tuple[str, VolumeInfo], ...]:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return ()
    tags = list(_VOLUME_TAG_RE.finditer(data))
    out: list[tuple[str, VolumeInfo]] = []
    for i, tag in enumerate(tags):
        end = tags[i + 1].start() if i + 1 < len(tags) else len(data)
        volume_id = _VOLUME_ID_RE.search(tag.group(0))
        meta = _META_RE.search(data, tag.end(), end)
        info = _parse_meta(meta.group(1)) if meta else None
        if volume_id and info:
            out.append((volume_id.group(1).decode("utf-8"), info))
    return tuple(out)


@lru_cache(maxsize=8)
def _cached_venues(path: str, _mtime_ns: int, _size: int) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return raw if isinstance(raw, dict) else {}


def load_venues(data_dir: Path) -> dict[str, dict[str, Any]]:
    """``json/venues.json`` of a data directory (empty if absent)."""
    path = Path(data_dir) / "json" / "venues.json"
    return _cached_venues(str(path), *_file_key(path))


def venue_acronym(venue_id: str, venues: dict[str, dict[str, Any]]) -> str:
    """The short name the website shows for a venue id (``acl`` -> ``ACL``)."""
    entry = venues.get(venue_id)
    acronym = entry.get("acronym") if isinstance(entry, dict) else None
    return acronym if isinstance(acronym, str) and acronym else venue_id.upper()


def year_from_id(anthology_id: AnthologyID) -> str:
    """The year an Anthology id implies (``2024.acl`` -> 2024, ``P18`` -> 2018, ``C65`` -> 1965)."""
    if not anthology_id.is_old_style:
        return anthology_id.collection[:4]
    two_digits = int(anthology_id.collection[1:3])
    return str((1900 if two_digits >= 50 else 2000) + two_digits)


def venue_ids_from_id(anthology_id: AnthologyID, venues: dict[str, dict[str, Any]]) -> list[str]:
    """The venue an id implies when the volume names none: ``2023.findings`` -> findings,
    ``P18`` -> the venue whose ``oldstyle_letter`` is P."""
    if not anthology_id.is_old_style:
        return [anthology_id.collection.split(".", 1)[1]]
    letter = anthology_id.collection[0]
    return [
        vid
        for vid, v in venues.items()
        if isinstance(v, dict) and v.get("oldstyle_letter") == letter
    ]


# --------------------------------------------------------------------------- #
# Papers on the page
# --------------------------------------------------------------------------- #


def _page_slot(slots: list[IndexedSlot], page: str, world: World) -> IndexedSlot | None:
    """The author (or editor) slot of an item that is on ``page``."""
    return next((s for s in slots if world.page_of(s.name, s.person_id) == page), None)


def _venue_and_year(
    data: AnthologyData, anthology_id: AnthologyID, venues: dict[str, dict[str, Any]]
) -> tuple[str, str, str]:
    """(venue acronyms, year, volume title) of the volume an item belongs to."""
    file = data.index.item_file(str(anthology_id))
    infos = read_volume_infos(data.data_dir / "xml" / file) if file else {}
    info = infos.get(anthology_id.volume)
    venue_ids = list(info.venues) if info and info.venues else []
    venue_ids = venue_ids or venue_ids_from_id(anthology_id, venues)
    venue = ", ".join(venue_acronym(v, venues) for v in venue_ids)
    year = info.year if info and info.year else year_from_id(anthology_id)
    return venue, year, info.title if info else ""


def paper_entry(
    data: AnthologyData, item_id: str, page: str, world: World, venues: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """One entry of ``papers``: the item, its printed names and this page's slot among them."""
    item = data.index.item(item_id)
    slots = data.index.slots_of_item(item_id)
    own = _page_slot(slots, page, world)
    role = own.ref.role if own else "author"
    names = [s for s in slots if s.ref.role == role]
    try:
        anthology_id = parse_anthology_id(item_id)
        venue, year, volume = _venue_and_year(data, anthology_id, venues)
    except InvalidIDError:
        venue, year, volume = "", "", ""
    return {
        "id": item_id,
        "title": item.title if item else item_id,
        "venue": venue,
        "year": year,
        "volume": volume,
        "url": f"{ANTHOLOGY_URL}/{item_id}/",
        "role": role,
        "authors": [s.name.as_first_last() for s in names],
        "slot": names.index(own) if own in names else None,
    }


def _sort_key(entry: dict[str, Any]) -> tuple[int, list[str | int]]:
    """Newest year first, as on the website; then by id, numbers compared as numbers."""
    year = entry["year"]
    parts = re.split(r"(\d+)", entry["id"])
    natural = [int(p) if p.isdigit() else p for p in parts]
    return (-int(year) if year.isdigit() else 0, natural)


def _page_name(page: str, data: AnthologyData, papers: list[dict[str, Any]]) -> Name | None:
    """The name the page is shown under: the canonical name of a verified person,
    otherwise the name printed most often on the page's papers."""
    if not is_unverified_page(page):
        return data.people[page].canonical_name
    printed = [p["authors"][p["slot"]] for p in papers if p["slot"] is not None]
    if not printed:
        return None
    most = max(printed, key=printed.count)
    for entry in papers:
        slot = entry["slot"]
        if slot is not None and entry["authors"][slot] == most:
            return _slot_name(data, entry["id"], entry["role"], slot)
    return None


def _slot_name(data: AnthologyData, item_id: str, role: str, position: int) -> Name | None:
    for slot in data.index.slots_of_item(item_id):
        if slot.ref.role == role and slot.ref.position == position:
            return slot.name
    return None


# --------------------------------------------------------------------------- #
# Existing pages for the typeahead
# --------------------------------------------------------------------------- #


def fold(text: str) -> str:
    """Lowercase without accents: how names are compared when people type them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def page_choice(person: Person) -> dict[str, str]:
    """A typeahead entry: id, canonical name and what tells namesakes apart."""
    note = person.comment or person.degree or ""
    entry = {"id": person.id, "name": person.canonical_name.as_first_last()}
    if note:
        entry["note"] = note
    return entry


def similar_pages(
    people: People, page: str, names: list[Name], limit: int = MAX_EMBEDDED_PAGES
) -> list[dict[str, str]]:
    """Verified pages the papers plausibly belong to: the same name slug first, then the
    same last name, then the persons listed as ``similar``; at most ``limit``."""
    slugs = {n.slug() for n in names}
    lasts = {fold(n.last) for n in names}
    listed = set(people[page].similar) if page in people else set()
    ranked: list[tuple[int, str, str]] = []
    for pid in people:
        if pid == page:
            continue
        person = people[pid]
        if any(n.slug() in slugs for n in person.names):
            rank = 0
        elif any(fold(n.last) in lasts for n in person.names):
            rank = 1
        elif pid in listed:
            rank = 2
        else:
            continue
        ranked.append((rank, fold(person.canonical_name.as_first_last()), pid))
    ranked.sort()
    return [page_choice(people[pid]) for _, _, pid in ranked[:limit]]


def _name_words(person: Person) -> list[set[str]]:
    return [set(_WORD_RE.findall(fold(n.as_first_last()))) for n in person.names]


def _match_rank(person: Person, query: str, words: list[str]) -> int | None:
    """0 exact name, 1 every word starts a word of one name, 2 id contains the query."""
    folded_names = [fold(n.as_first_last()) for n in person.names]
    if query in folded_names or query == person.id:
        return 0
    for name_words in _name_words(person):
        if all(any(w.startswith(q) for w in name_words) for q in words):
            return 1
    slug = "-".join(words)
    return 2 if slug and slug in person.id else None


def search_people(
    people: People, query: str, limit: int = MAX_SUGGESTIONS, exclude: str | None = None
) -> list[dict[str, str]]:
    """Verified persons whose name (any variant) or id matches what someone typed."""
    folded = " ".join(fold(query).split())
    words = _WORD_RE.findall(folded)
    if not words:
        return []
    ranked: list[tuple[int, str, str]] = []
    for pid in people:
        if pid == exclude:
            continue
        person = people[pid]
        rank = _match_rank(person, folded, words)
        if rank is not None:
            ranked.append((rank, fold(person.canonical_name.as_first_last()), pid))
    ranked.sort()
    return [page_choice(people[pid]) for _, _, pid in ranked[:limit]]


# --------------------------------------------------------------------------- #
# The whole object
# --------------------------------------------------------------------------- #


def issue_labels() -> list[str]:
    """The labels of the issue form's template (package data, like the form itself)."""
    return list(load_form_spec().labels)


def resolve_page(data: AnthologyData, text: str) -> tuple[str, list[str]]:
    """The page id and its items; raises UnknownPageError if there is no such page."""
    try:
        page = parse_page_reference(text)
    except PageReferenceError as exc:
        raise UnknownPageError(str(exc)) from None
    items = data.page_papers(page)
    if items is None:
        raise UnknownPageError(f"There is no author page {page!r}.")
    return page, items


def _person_json(name: Name | None) -> dict[str, str | None]:
    if name is None:
        return {"name": "", "first": None, "last": ""}
    return {"name": name.as_first_last(), "first": name.first, "last": name.last}


def build_page_data(
    data: AnthologyData,
    page: str,
    *,
    repo: str = DEFAULT_REPO,
    issue_base: str = DEFAULT_ISSUE_BASE,
    suggest_url: str | None = None,
) -> dict[str, Any]:
    """The dialog's JSON object for an author page (see the module docstring).

    ``page`` may be an id or a page URL. Raises UnknownPageError for unknown pages.
    """
    page, items = resolve_page(data, page)
    world = World(data.people, data.index.verified_holders)
    venues = load_venues(data.data_dir)
    papers = sorted((paper_entry(data, i, page, world, venues) for i in items), key=_sort_key)
    name = _page_name(page, data, papers)
    names = list(data.people[page].names) if page in data.people else [name] if name else []
    return {
        "version": FORMAT_VERSION,
        "page": page,
        "page_url": page_url(page, ANTHOLOGY_URL),
        "verified": not is_unverified_page(page),
        "person": _person_json(name),
        "papers": papers,
        "repo": repo,
        "issue_form": {
            "base": issue_base.rstrip("/"),
            "template": TEMPLATE_FILE,
            "title": ISSUE_TITLE,
            "labels": issue_labels(),
            "max_url_length": MAX_URL_LENGTH,
            "max_papers": MAX_PAPERS,
        },
        "existing_pages": similar_pages(data.people, page, names),
        "suggest_url": suggest_url,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.dialog.author_page DATA_DIR PAGE``: print a page's dialog JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data_dir", type=Path, help="the Anthology data directory")
    parser.add_argument("page", help="an author page id or URL")
    parser.add_argument("--repo", default=DEFAULT_REPO)
    parser.add_argument("--index", type=Path, default=None, help="the name index file")
    args = parser.parse_args(argv)
    data = AnthologyData(args.data_dir, args.index)
    try:
        print(json.dumps(build_page_data(data, args.page, repo=args.repo), ensure_ascii=False))
    except UnknownPageError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        data.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
