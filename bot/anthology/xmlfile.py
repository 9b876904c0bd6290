"""Collection XML files: reading author slots, and byte-exact edits of one element.

The Anthology's XML is written by the ``acl-anthology`` library in a canonical
format, one ``<author>``/``<editor>`` per line, but old files carry historic quirks
(``<last>`` before ``<first>``, unusual attribute order, comments). The bot never
re-serialises a file: it parses it only to *find* an element, then rewrites the
attributes of that element's start tag in the original bytes. Every other byte
of the file stays as it was.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from bot.anthology.ids import AnthologyID, InvalidIDError, anthology_id_from_reference
from bot.anthology.names import Name

# The order in which the library writes person attributes; a new attribute goes here.
ATTRIBUTE_ORDER = ("id", "orcid", "openreview")

_START_TAG = re.compile(rb"<(author|editor)(\s[^>]*?)?(/?)>", re.DOTALL)
_ATTRIBUTE = re.compile(rb"""\s+([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*')""")


class XMLEditError(Exception):
    """An element to edit could not be found, or the edit would be unsafe."""


@dataclass(frozen=True)
class SlotRef:
    """Where an author slot lives: the item, whether author or editor, and its position.

    ``item_id`` is a full Anthology id: a paper (``2024.acl-long.4``) or, for the
    editors of a volume, the volume (``2024.acl-long``). ``position`` counts from 0
    among the item's elements of the same ``role``.
    """

    item_id: str
    role: str  # "author" | "editor"
    position: int


@dataclass(frozen=True)
class XMLSlot:
    """One ``<author>``/``<editor>`` element as read from a collection file."""

    ref: SlotRef
    name: Name
    person_id: str | None
    orcid: str | None
    affiliation: str | None


@dataclass(frozen=True)
class XMLItem:
    """A paper, frontmatter or volume with the text people recognise it by."""

    item_id: str
    title: str
    bibkey: str | None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext())


def _person(element: etree._Element) -> tuple[Name, str | None]:
    first = last = affiliation = None
    for child in element:
        if child.tag == "first":
            first = child.text
        elif child.tag == "last":
            last = child.text
        elif child.tag == "affiliation":
            affiliation = _text(child)
    return Name(first, last or ""), affiliation


def _slots(item_id: str, element: etree._Element, role: str) -> Iterator[XMLSlot]:
    for position, person in enumerate(element.iterchildren(role)):
        name, affiliation = _person(person)
        yield XMLSlot(
            SlotRef(item_id, role, position),
            name,
            person.get("id"),
            person.get("orcid"),
            affiliation,
        )


def volume_full_id(collection_id: str, volume_id: str) -> str:
    """``2024.acl`` + ``long`` -> ``2024.acl-long``; ``W11`` + ``1`` -> ``W11-01``."""
    return str(AnthologyID(collection_id, volume_id))


def paper_full_id(collection_id: str, volume_id: str, paper_id: str) -> str:
    """The full id of a paper; old-style ids pad the numbers (``P18-1005``)."""
    return str(AnthologyID(collection_id, volume_id, paper_id))


def read_collection(data: bytes) -> tuple[list[XMLItem], list[XMLSlot]]:
    """All items and author slots of one collection file.

    Volume editors are slots of the volume item; the volume's frontmatter, which is
    attributed to those editors, is listed as an item of its own.
    """
    root = etree.fromstring(data, parser=_PARSER)
    collection_id = root.get("id")
    items: list[XMLItem] = []
    slots: list[XMLSlot] = []
    for volume in root.iterchildren("volume"):
        volume_id = volume_full_id(collection_id, volume.get("id"))
        meta = volume.find("meta")
        if meta is not None:
            items.append(XMLItem(volume_id, _text(meta.find("booktitle")) or "", None))
            slots.extend(_slots(volume_id, meta, "editor"))
        for paper in volume.iterchildren("paper", "frontmatter"):
            number = "0" if paper.tag == "frontmatter" else paper.get("id")
            paper_id = paper_full_id(collection_id, volume.get("id"), number)
            title = _text(paper.find("title"))
            if title is None and meta is not None:
                title = _text(meta.find("booktitle"))
            items.append(XMLItem(paper_id, title or "", _text(paper.find("bibkey"))))
            if paper.tag == "paper":
                slots.extend(_slots(paper_id, paper, "author"))
                slots.extend(_slots(paper_id, paper, "editor"))
    return items, slots


_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False, huge_tree=True)


def _find_parent(root: etree._Element, collection_id: str, item_id: str) -> etree._Element | None:
    """The ``<meta>`` of a volume or the ``<paper>`` with this full id: by the id's parts
    first (the XML ids are the unpadded parts), else by comparing every full id."""
    try:
        parsed = anthology_id_from_reference(item_id)
    except InvalidIDError:
        parsed = None
    if parsed is not None and parsed.collection == collection_id:
        for volume in root.iterchildren("volume"):
            if volume.get("id") != parsed.volume:
                continue
            if parsed.paper is None:
                return volume.find("meta")
            for paper in volume.iterchildren("paper"):
                if paper.get("id") == parsed.paper:
                    return paper
    return None


def _find_element(root: etree._Element, collection_id: str, ref: SlotRef) -> etree._Element:
    parent = _find_parent(root, collection_id, ref.item_id)
    if parent is not None:
        elements = list(parent.iterchildren(ref.role))
        if ref.position >= len(elements):
            raise XMLEditError(f"{ref.item_id} has no {ref.role} number {ref.position + 1}")
        return elements[ref.position]
    for volume in root.iterchildren("volume"):
        volume_id = volume.get("id")
        if ref.item_id == volume_full_id(collection_id, volume_id):
            parent = volume.find("meta")
        else:
            parent = None
            for paper in volume.iterchildren("paper"):
                if paper_full_id(collection_id, volume_id, paper.get("id")) == ref.item_id:
                    parent = paper
                    break
        if parent is None:
            continue
        elements = list(parent.iterchildren(ref.role))
        if ref.position >= len(elements):
            raise XMLEditError(f"{ref.item_id} has no {ref.role} number {ref.position + 1}")
        return elements[ref.position]
    raise XMLEditError(f"{ref.item_id} is not in collection {collection_id}")


@dataclass(frozen=True)
class AttributeEdit:
    """Set (or, with ``None``, remove) attributes on the element at ``ref``."""

    ref: SlotRef
    attributes: dict[str, str | None]


def _line_starts(data: bytes) -> list[int]:
    """Offsets of the lines' first bytes (line breaks are ``\\n`` in the data files).

    Line ``i`` (from 0) starts after the ``i`` lines before it and their ``i`` line
    breaks; ``map``/``accumulate`` keep the per-line work out of the interpreter.
    """
    lengths = itertools.accumulate(map(len, data.split(b"\n")[:-1]))
    return [0, *map(operator.add, lengths, itertools.count(1))]


def _rewrite_start_tag(tag: bytes, changes: dict[str, str | None]) -> bytes:
    """Rewrite the attributes of one start tag, keeping every untouched byte."""
    match = _START_TAG.fullmatch(tag)
    if match is None:  # pragma: no cover - guarded by the caller's regex
        raise XMLEditError(f"not a start tag: {tag!r}")
    name, attributes, self_closing = match.group(1), match.group(2) or b"", match.group(3)
    present = [(m.group(1).decode(), m) for m in _ATTRIBUTE.finditer(attributes)]
    rebuilt = attributes
    # Change or drop attributes in place, from the end so offsets stay valid.
    for key, m in reversed(present):
        if key in changes:
            value = changes[key]
            replacement = b"" if value is None else f' {key}="{_escape(value)}"'.encode()
            rebuilt = rebuilt[: m.start()] + replacement + rebuilt[m.end() :]
    # Insert new attributes at their canonical place relative to the existing ones.
    existing = {key for key, _ in present}
    for key, value in changes.items():
        if key in existing or value is None:
            continue
        rebuilt = _insert_attribute(rebuilt, key, value)
    return b"<" + name + rebuilt + self_closing + b">"


def _insert_attribute(attributes: bytes, key: str, value: str) -> bytes:
    new = f' {key}="{_escape(value)}"'.encode()
    rank = ATTRIBUTE_ORDER.index(key) if key in ATTRIBUTE_ORDER else len(ATTRIBUTE_ORDER)
    for m in _ATTRIBUTE.finditer(attributes):
        other = m.group(1).decode()
        other_rank = (
            ATTRIBUTE_ORDER.index(other) if other in ATTRIBUTE_ORDER else len(ATTRIBUTE_ORDER)
        )
        if other_rank > rank:
            return attributes[: m.start()] + new + attributes[m.start() :]
    # Keep any trailing whitespace before '>' where it was.
    stripped = attributes.rstrip()
    return stripped + new + attributes[len(stripped) :]


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _start_tag_span(
    data: bytes, line_starts: list[int], element: etree._Element
) -> tuple[int, int]:
    """Byte span of an element's start tag in the file text.

    libxml2 reports the line on which a start tag *ends*. Several tags may end on
    one line in non-canonical files, so count the earlier ones that end there too.
    """
    line = element.sourceline
    earlier = 0
    for other in element.itersiblings(preceding=True):
        if other.sourceline != line:
            break
        if other.tag in ("author", "editor"):
            earlier += 1
    line_start = line_starts[line - 1]
    line_end = line_starts[line] if line < len(line_starts) else len(data)
    # No start tag spans more than a few lines; start looking a little before.
    search_from = line_starts[max(0, line - 11)]
    ending_here = [
        m
        for m in _START_TAG.finditer(data, search_from, line_end)
        if line_start <= m.end() - 1 < line_end
    ]
    if len(ending_here) <= earlier or ending_here[earlier].group(1).decode() != element.tag:
        raise XMLEditError(f"cannot locate the <{element.tag}> on line {line} in the file text")
    match = ending_here[earlier]
    return match.start(), match.end()


_COLLECTION_ID = re.compile(rb'<collection id="([^"]+)"')
_PERSON_TAG = re.compile(rb"<(author|editor)[\s/>]")


# What may follow the first attribute of a start tag: whitespace (``\s``) or ``>``.
_TAG_END = frozenset(bytes([c]) for c in b" \t\n\r\f\v>")


def _find_start_tag(data: bytes, prefix: bytes, start: int) -> int:
    """Offset of the first ``prefix`` (``<paper id="4"``) from ``start`` that ends its
    attribute (whitespace or ``>`` follows), or -1. ``bytes.find`` rather than a regex:
    a collection file is up to megabytes, and it is searched once per edit."""
    at = data.find(prefix, start)
    while at >= 0 and data[at + len(prefix) : at + len(prefix) + 1] not in _TAG_END:
        at = data.find(prefix, at + 1)
    return at


def _item_span(
    data: bytes, collection_id: str, item_id: str, volumes: dict[str, list[int]] | None = None
) -> tuple[int, int] | None:
    """Byte span of the ``<paper>`` (or a volume's ``<meta>``) of ``item_id``, found
    in the text by its id's parts; None when the text does not give it plainly.

    The element must lie inside its volume: no ``</volume>`` between the volume's
    start tag and the element's end. ``volumes`` remembers, for several edits in one
    file, where each volume's start tag ends and how far it has no ``</volume>``.
    """
    try:
        parsed = anthology_id_from_reference(item_id)
    except InvalidIDError:
        return None
    if parsed is None or parsed.collection != collection_id:
        return None
    volumes = {} if volumes is None else volumes
    volume = volumes.get(parsed.volume)
    if volume is None:
        prefix = b'<volume id="%s"' % parsed.volume.encode()
        at = _find_start_tag(data, prefix, 0)
        if at < 0:
            return None
        volume = volumes[parsed.volume] = [at + len(prefix) + 1] * 2
    body, open_to = volume
    if parsed.paper is None:
        start, close = data.find(b"<meta>", body), b"</meta>"
    else:
        prefix = b'<paper id="%s"' % parsed.paper.encode()
        start, close = _find_start_tag(data, prefix, body), b"</paper>"
    if start < 0:
        return None
    end = data.find(close, start)
    if end < 0:
        return None
    if end > open_to:
        if data.find(b"</volume>", open_to, end) >= 0:
            return None  # beyond the end of its volume: not this volume's element
        volume[1] = end
    return start, end + len(close)


def _fragment_persons(fragment: bytes) -> list[tuple[str, dict[str, str]]] | None:
    """The author/editor children of one paper or meta element, or None if it does not
    parse on its own or its text has person tags lxml does not see (comments)."""
    try:
        element = etree.fromstring(fragment, parser=_PARSER)
    except etree.XMLSyntaxError:
        return None
    persons = [(e.tag, dict(e.attrib)) for e in element if e.tag in ("author", "editor")]
    if len(persons) != len(_PERSON_TAG.findall(fragment)):
        return None
    return persons


def _edit_fragments(data: bytes, edits: list[AttributeEdit]) -> bytes | None:
    """The edits made by parsing only the papers they touch; None to take the long way.

    Each touched ``<paper>`` (or ``<meta>``) is parsed on its own before and after;
    its author and editor start tags are found in its text in order, and checked
    against what lxml sees. Outside the touched elements every byte is copied.
    """
    head = _COLLECTION_ID.search(data, 0, 4096)
    if head is None:
        return None
    collection_id = head.group(1).decode()
    groups: dict[tuple[int, int], list[AttributeEdit]] = {}
    volumes: dict[str, list[int]] = {}
    for edit in edits:
        span = _item_span(data, collection_id, edit.ref.item_id, volumes)
        if span is None:
            return None
        groups.setdefault(span, []).append(edit)
    spans = sorted(groups)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            return None
    # The file as pieces: the bytes between touched elements are copied once, at the end.
    pieces: list[bytes] = []
    copied = 0
    for start, end in spans:
        fragment = data[start:end]
        persons = _fragment_persons(fragment)
        if persons is None:
            return None
        tags = list(_PERSON_TAG.finditer(fragment))
        expected = [dict(attributes) for _, attributes in persons]
        rewrites: dict[int, dict[str, str | None]] = {}
        for edit in groups[(start, end)]:
            of_role = [i for i, (tag, _) in enumerate(persons) if tag == edit.ref.role]
            if edit.ref.position >= len(of_role):
                raise XMLEditError(
                    f"{edit.ref.item_id} has no {edit.ref.role} number {edit.ref.position + 1}"
                )
            index = of_role[edit.ref.position]
            if index in rewrites:
                raise XMLEditError("two edits touch the same element")
            rewrites[index] = edit.attributes
            for key, value in edit.attributes.items():
                if value is None:
                    expected[index].pop(key, None)
                else:
                    expected[index][key] = value
        new = bytearray(fragment)
        for index in sorted(rewrites, reverse=True):
            tag = _START_TAG.match(fragment, tags[index].start())
            if tag is None:
                return None
            new[tag.start() : tag.end()] = _rewrite_start_tag(tag.group(0), rewrites[index])
        after = _fragment_persons(bytes(new))
        if after is None or [a for _, a in after] != expected:
            raise XMLEditError(f"the edit of {collection_id} did not come out as planned")
        pieces += (data[copied:start], bytes(new))
        copied = end
    pieces.append(data[copied:])
    return b"".join(pieces)


def edit_attributes(data: bytes, edits: list[AttributeEdit]) -> bytes:
    """Apply attribute edits to a collection file's bytes; only those start tags change.

    The result is parsed again and checked: every byte outside the rewritten start
    tags is copied, so the other elements are unchanged as long as the result has as
    many author and editor elements as before; each edited one must carry exactly
    the requested attributes.

    Usually only the touched papers are parsed (``_edit_fragments``); a file whose
    text does not give them plainly (comments, unusual markup) is parsed whole.
    """
    fast = _edit_fragments(data, edits)
    return fast if fast is not None else _edit_whole_file(data, edits)


def _edit_whole_file(data: bytes, edits: list[AttributeEdit]) -> bytes:
    """``edit_attributes`` by parsing the whole file before and after."""
    root = etree.fromstring(data, parser=_PARSER)
    collection_id = root.get("id")
    line_starts = _line_starts(data)
    spans: list[tuple[int, int, dict[str, str | None]]] = []
    expected: list[dict[str, str]] = []
    for edit in edits:
        element = _find_element(root, collection_id, edit.ref)
        start, end = _start_tag_span(data, line_starts, element)
        spans.append((start, end, edit.attributes))
        attributes = dict(element.attrib)
        for key, value in edit.attributes.items():
            if value is None:
                attributes.pop(key, None)
            else:
                attributes[key] = value
        expected.append(attributes)
    spans.sort()
    for (_, end, _), (start, _, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise XMLEditError("two edits touch the same element")
    out = bytearray(data)
    for start, end, changes in reversed(spans):
        out[start:end] = _rewrite_start_tag(bytes(data[start:end]), changes)
    result = bytes(out)
    new_root = etree.fromstring(result, parser=_PARSER)
    if _count_persons(new_root) != _count_persons(root) or any(
        dict(_find_element(new_root, collection_id, edit.ref).attrib) != attributes
        for edit, attributes in zip(edits, expected, strict=True)
    ):
        raise XMLEditError(f"the edit of {collection_id} did not come out as planned")
    return result


def _count_persons(root: etree._Element) -> int:
    return int(root.xpath("count(//author|//editor)"))
