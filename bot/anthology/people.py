"""The registry of verified persons (``data/json/people.json``), ORCID iDs and person ids.

A *verified* person has an entry in people.json, keyed by a person id such as
``aaron-galiano-jimenez``. Their first listed name is the canonical one; the
others are variants that also belong to them. A paper author without an explicit
``id`` attribute lands on the page of the one verified person whose name has the
same slug (unless that person has ``disable_name_matching``), so the names here
decide more than their own papers.

The file is rewritten by tools of the Anthology (the ``acl-anthology`` library),
so the bot writes it in exactly the same canonical format: keys sorted,
two-space indent, each name object on one line, optional keys in the order
comment, degree, disable_name_matching, orcid, similar, empty values omitted,
literal UTF-8, and a trailing newline. An unmodified file loads and dumps
byte-identically.

ORCID iDs are ``dddd-dddd-dddd-dddX``; the last character is an ISO 7064
mod 11-2 check digit (``X`` stands for 10). No two persons may share one, and
nobody may have ORCID's documented example iD.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.anthology.names import Name, slugify_text

NO_PERSON_ID = "__NO_PERSON_ID__"
"""What the library uses internally for "deliberately no person"; never a real id."""

EXAMPLE_ORCID = "0000-0002-1825-0097"
"""ORCID's documented example iD (the fictional Josiah Carberry's), also the issue form's
placeholder: people copy it, so it is refused wherever a person gives an ORCID."""

ORCID_HOME = "https://orcid.org/"
"""Where a person finds their own ORCID record (and so their iD) to copy."""

_PERSON_ID_RE = re.compile(r"[a-z][-a-z0-9]+")
_ALL_IDS_RE = re.compile(r"[a-z][-a-z0-9]+(?:\n[a-z][-a-z0-9]+)*")  # ids joined by newlines
_ORCID_RE = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")

# What people paste: groups separated by hyphens, Unicode dashes or spaces, or not at all.
_ORCID_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_LOOSE_ORCID_RE = re.compile(r"([0-9]{4})-?([0-9]{4})-?([0-9]{4})-?([0-9]{3}[0-9X])")
_ORCID_LABEL_RE = re.compile(r"orcid(?:\s*id)?(?:\s*:\s*|\s+)", re.IGNORECASE)
_ORCID_URL_RE = re.compile(r"(?:https?://)?(?:www\.)?orcid\.org/", re.IGNORECASE)
_ORCID_QUERY_RE = re.compile(r"[^?#]*\?(?:[^#]*&)?orcid=([^&#]*)", re.IGNORECASE)

_OPTIONAL_KEYS = ("comment", "degree", "disable_name_matching", "orcid", "similar")
_KNOWN_KEYS = frozenset(("names", *_OPTIONAL_KEYS))


class OrcidError(ValueError):
    """Raised for text that is not a well-formed ORCID iD with a correct check digit."""


def _orcid_check_digit(digits: str) -> str:
    """The ISO 7064 mod 11-2 check character for the first 15 digits of an ORCID iD."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_checksum_ok(orcid: str) -> bool:
    """Whether ``orcid`` is in canonical form ``dddd-dddd-dddd-dddX`` with a correct check digit."""
    if not _ORCID_RE.fullmatch(orcid):
        return False
    digits = orcid.replace("-", "")
    return _orcid_check_digit(digits[:15]) == digits[15]


def normalize_orcid(text: str) -> str:
    """The canonical form of an ORCID iD as people paste it.

    Accepts the bare iD, with or without dashes or with spaces, a lowercase
    ``x``, an ``orcid.org`` URL (http or https, with or without ``www.``), the
    placeholder link of the correction form
    (``https://orcid.org/my-orcid?orcid=0000-...``) and an ``ORCID:`` label.
    Raises OrcidError, naming the input, if the shape or the check digit is wrong,
    or for ORCID's documented example iD (:data:`EXAMPLE_ORCID`).
    """
    value = text.strip().strip("<>`\"'")
    if label := _ORCID_LABEL_RE.match(value):
        value = value[label.end() :]
    if url := _ORCID_URL_RE.match(value):
        value = value[url.end() :]
        if query := _ORCID_QUERY_RE.match(value):
            value = query[1]
        value = value.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    value = _ORCID_SEPARATORS_RE.sub("-", value.strip()).upper()
    m = _LOOSE_ORCID_RE.fullmatch(value) if value.isascii() else None
    shown = repr(text if len(text) <= 60 else text[:57] + "...")  # a pasted paragraph
    if m is None:
        raise OrcidError(
            f"{shown} is not an ORCID iD: an ORCID iD has 16 digits in four groups of four "
            f"(the last may be X). Please copy it from your ORCID record ({ORCID_HOME})."
        )
    orcid = "-".join(m.groups())
    if orcid[-1] != _orcid_check_digit(orcid.replace("-", "")[:15]):
        # Which digit is wrong cannot be known: naming the check digit to type would
        # turn a mistyped iD into someone else's valid one.
        raise OrcidError(
            f"{shown} is not a valid ORCID iD: a digit is mistyped or missing. Please copy "
            f"your iD from your ORCID record ({ORCID_HOME}) rather than typing it."
        )
    if orcid == EXAMPLE_ORCID:
        raise OrcidError(
            f"{orcid} is the example iD from ORCID's documentation, not a person's own. "
            f"Please copy your own iD from your ORCID record ({ORCID_HOME})."
        )
    return orcid


def is_valid_person_id(pid: str) -> bool:
    """Whether ``pid`` can be the id of a verified person in people.json and the XML.

    Unverified pages (``<slug>/unverified``) and the library's internal
    ``__NO_PERSON_ID__`` are not.
    """
    return (
        pid != NO_PERSON_ID
        and "/unverified" not in pid
        and _PERSON_ID_RE.fullmatch(pid) is not None
    )


@dataclass
class Person:
    """A verified person, as in one entry of people.json.

    ``names[0]`` is the canonical name. ``degree`` is the institution of the
    highest degree, ``comment`` a note that tells persons with similar names
    apart, ``similar`` lists ids of persons with easily confused names, and
    ``disable_name_matching`` stops papers without an explicit id from being
    matched to this person by name.
    """

    id: str
    names: list[Name]
    comment: str | None = None
    degree: str | None = None
    disable_name_matching: bool = False
    orcid: str | None = None
    similar: list[str] = field(default_factory=list)

    @property
    def canonical_name(self) -> Name:
        return self.names[0]

    def has_name(self, name: Name) -> bool:
        """Whether ``name`` (first and last exactly; script ignored) is one of this person's."""
        return name in self.names

    def to_json(self) -> dict[str, Any]:
        """The people.json entry: the keys in canonical order, empty values left out."""
        entry: dict[str, Any] = {
            "names": [name.to_json() for name in self.names],
            "comment": self.comment,
            "degree": self.degree,
            "disable_name_matching": self.disable_name_matching,
            "orcid": self.orcid,
            "similar": list(self.similar),
        }
        return {key: value for key, value in entry.items() if value}

    @classmethod
    def from_json(cls, pid: str, entry: dict[str, Any]) -> Person:
        """Read one people.json entry, refusing anything the bot could not write back."""
        if not isinstance(entry, dict):
            raise ValueError(f"people.json: the entry for {pid!r} is not an object")
        unknown = set(entry) - _KNOWN_KEYS
        if unknown:
            raise ValueError(
                f"people.json: the entry for {pid!r} has keys this bot does not know "
                f"({', '.join(sorted(unknown))}); the bot would drop them when saving"
            )
        names = entry.get("names")
        if not isinstance(names, list) or not all(_is_name_json(n) for n in names):
            raise ValueError(
                f"people.json: {pid!r} needs a list of names, each with a 'last' and optionally "
                "a non-empty 'first' and a 'script'"
            )
        for key in ("comment", "degree", "orcid"):
            if not isinstance(entry.get(key, ""), str):
                raise ValueError(f"people.json: {key} of {pid!r} must be a string")
        if not isinstance(entry.get("disable_name_matching", False), bool):
            raise ValueError(f"people.json: disable_name_matching of {pid!r} must be true/false")
        similar = entry.get("similar", [])
        if not isinstance(similar, list) or not all(isinstance(s, str) for s in similar):
            raise ValueError(f"people.json: similar of {pid!r} must be a list of ids")
        return cls(
            id=pid,
            names=[Name.from_json(n) for n in names],
            comment=entry.get("comment"),
            degree=entry.get("degree"),
            disable_name_matching=entry.get("disable_name_matching", False),
            orcid=entry.get("orcid"),
            similar=list(similar),
        )


def _is_name_json(value: object) -> bool:
    """Whether a names entry is one the bot can read and write back unchanged.

    An empty ``"first": ""`` is refused: the library would keep it, but a Name
    reads it as a mononym and would write it back without ``first``.
    """
    return (
        isinstance(value, dict)
        and isinstance(value.get("last"), str)
        and all(isinstance(v, str) for v in value.values())
        and set(value) <= {"first", "last", "script"}
        and value.get("first") != ""
    )


# The C-accelerated string encoder behind json.dumps(..., ensure_ascii=False).
_encode_string = json.encoder.encode_basestring


def _json_string(text: str) -> str:
    """A JSON string literal as the Anthology writes it: literal UTF-8, minimal escapes."""
    return _encode_string(text)


def _format_entry(pid: str, entry: dict[str, Any]) -> str:
    """One person of people.json, indented as in the canonical file (no trailing comma)."""
    lines = [f"  {_json_string(pid)}: {{"]
    fields: list[str] = []
    for key, value in entry.items():
        if key == "names":
            names = [
                "{" + ", ".join(f"{_json_string(k)}: {_json_string(v)}" for k, v in n.items()) + "}"
                for n in value
            ]
            body = ",\n".join(f"      {n}" for n in names)
            fields.append(f'    "names": [\n{body}\n    ]')
        elif isinstance(value, list):
            body = ",\n".join(f"      {_json_string(v)}" for v in value)
            fields.append(f"    {_json_string(key)}: [\n{body}\n    ]")
        else:
            literal = _json_string(value) if isinstance(value, str) else json.dumps(value)
            fields.append(f"    {_json_string(key)}: {literal}")
    lines.append(",\n".join(fields))
    lines.append("  }")
    return "\n".join(lines)


def _canonical_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A people.json entry as read, with keys in canonical order and empty values left out."""
    raw_names = entry.get("names")
    if not isinstance(raw_names, list) or not raw_names or not all(map(_is_name_json, raw_names)):
        raise ValueError("people.json: an entry needs a list of names")
    names = [{k: n[k] for k in ("first", "last", "script") if k in n} for n in raw_names]
    out: dict[str, Any] = {"names": names}
    out.update((key, entry[key]) for key in _OPTIONAL_KEYS if entry.get(key))
    return out


# The first line of an entry in a canonically written people.json; nested lines are
# indented deeper, so a line starting with two spaces and a quote starts an entry.
_ENTRY_HEADER = re.compile(r'\n  "([a-z][-a-z0-9]*)": \{\n')
_TOP_LEVEL_LINE = '\n  "'


class _CanonicalSource:
    """A people.json text written canonically, to copy untouched entries from.

    Saving after a change rewrites only the entries a plan touched; the ~10,000
    others are copied from the text as read, in stretches. The text counts as
    canonical when every entry is laid out as one block (``  "<id>": {`` up to
    ``  }``), in sorted order, each block starting a line of its own, and the
    first, middle and last entry are exactly what ``_format_entry`` writes (the
    library and the bot write the whole file that way). Otherwise ``of`` answers
    None and every entry is formatted anew.
    """

    # Beyond this many blocks to find, one pass over the text finds them all.
    _FIND_EACH = 32

    def __init__(self, text: str, ids: list[str]) -> None:
        self.text = text
        self.ids = ids  # in the order of the file, which is sorted
        self._starts: dict[str, int] | None = None

    @classmethod
    def of(cls, text: str | None, ids: list[str]) -> _CanonicalSource | None:
        if not ids or not text or not text.startswith("{\n") or not text.endswith("\n}\n"):
            return None
        # One header per entry, in the order json.loads met the keys (duplicates would
        # make the counts differ), sorted, and no other line at the entries' indent.
        if text.count(_TOP_LEVEL_LINE) != len(ids) or _ENTRY_HEADER.findall(text) != ids:
            return None
        if ids != sorted(ids):
            return None
        source = cls(text, ids)
        for pid in {ids[0], ids[len(ids) // 2], ids[-1]}:
            span = source.span(pid)
            if span is None:
                return None
            chunk = text[span[0] : span[1]]
            entry = json.loads("{" + chunk + "}")[pid]
            if _format_entry(pid, _canonical_entry(entry)) != chunk:
                return None
        return source

    def span(self, pid: str) -> tuple[int, int] | None:
        """Where the block of ``pid`` is in the text, without the ``,`` after it."""
        if self._starts is not None:
            start = self._starts.get(pid, -1)
        else:
            at = self.text.find(f'\n  "{pid}": {{\n')
            start = at + 1 if at >= 0 else -1
        if start < 0:
            return None
        following = self.text.find(_TOP_LEVEL_LINE, start)
        end = len(self.text) - 3 if following < 0 else following - 1
        if not self.text.endswith("\n  }", start, end):
            return None
        if following >= 0 and self.text[end] != ",":
            return None
        return start, end

    def splice(self, entries: dict[str, str | None]) -> str | None:
        """The text with the blocks of ``entries`` replaced (None: removed) or inserted.

        Ids of ``entries`` not in the text are inserted at their sorted place. None
        when a block cannot be located (the caller then formats everything).
        """
        cuts: list[tuple[int, int, str, str | None]] = []
        known = set(self.ids)
        if len(entries) > self._FIND_EACH:
            self._starts = {m[1]: m.start() + 1 for m in _ENTRY_HEADER.finditer(self.text)}
        body_end = len(self.text) - 3
        for pid, block in entries.items():
            if pid in known:
                span = self.span(pid)
                if span is None:
                    return None
                cuts.append((span[0], span[1], pid, block))
            elif block is not None:
                after = bisect.bisect_right(self.ids, pid)
                if after == len(self.ids):
                    cuts.append((body_end, body_end, pid, block))
                else:
                    span = self.span(self.ids[after])
                    if span is None:
                        return None
                    cuts.append((span[0], span[0], pid, block))
        cuts.sort()
        pieces: list[str] = []
        cursor = 2  # after "{\n"
        for start, end, _, block in cuts:
            self._stretch(pieces, cursor, start)
            if block is not None:
                pieces.append(block)
            cursor = max(cursor, end)
        self._stretch(pieces, cursor, body_end)
        if not pieces:
            return "{}\n"
        return "{\n" + ",\n".join(pieces) + "\n}\n"

    def _stretch(self, pieces: list[str], start: int, end: int) -> None:
        """Untouched whole blocks between two cuts, without the separators around them."""
        if start < end and self.text.startswith(",\n", start):
            start += 2
        if start < end and self.text.endswith(",\n", start, end):
            end -= 2
        if start < end:
            pieces.append(self.text[start:end])


def _shared_orcid_error(person: Person, holder: str) -> ValueError:
    return ValueError(f"ORCID {person.orcid} of {person.id!r} already belongs to {holder!r}")


class People:
    """The verified persons of people.json, by id.

    Persons are plain mutable objects; the lookups below (by ORCID, by name slug)
    are computed from them on demand, so editing a Person directly cannot leave
    a stale index behind. Iteration yields ids in sorted order.

    A registry loaded with ``lazy=True`` keeps each entry as parsed JSON until it
    is first used (a bot reply touches a handful of the ~10,000 persons); entries
    never used are written back as they were read, in canonical form.
    """

    def __init__(self, persons: Iterable[Person] = ()) -> None:
        # A value is a Person, or (lazily loaded) the entry's JSON not yet read.
        self._persons: dict[str, Person | dict[str, Any]] = {}
        # Lazily loaded: the file's text and its ids in order, to write untouched
        # entries back as they were.
        self._source: str | None = None
        self._source_ids: list[str] = []
        self._source_entries: dict[str, Any] = {}  # each entry's JSON as read
        # For the lookup by ORCID without reading every entry: the ids whose value is a
        # Person, and the ORCIDs of the entries not read yet (as loaded; an entry read
        # since may have changed, so the Persons are asked themselves).
        self._read: set[str] = set()
        self._unread_orcids: dict[str, str] = {}
        self.source_sha1: str | None = None
        """SHA-1 of the bytes this registry was read from (None if not read from a file):
        a change planned on it may only be saved over that same content."""
        for person in persons:
            self.add(person)

    # Reading and writing

    @classmethod
    def loads(cls, data: bytes | str, *, lazy: bool = False) -> People:
        """Parse the contents of people.json, checking ids, ORCIDs and field types.

        With ``lazy``, only ids and ORCID uniqueness are checked now; each entry is
        checked when it is first used (``validate()`` checks them all).
        """
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise ValueError("people.json must hold a JSON object keyed by person id")
        people = cls()
        encoded = data if isinstance(data, bytes) else data.encode("utf-8")
        people.source_sha1 = hashlib.sha1(encoded).hexdigest()
        orcid_holders: dict[str, str] = {}
        if lazy:
            ids = list(raw)
            # All ids at once (one regex over them instead of one call per id); the
            # loop below names the first bad one.
            if not _ALL_IDS_RE.fullmatch("\n".join(ids)) or not all(
                isinstance(entry, dict) for entry in raw.values()
            ):
                for pid, entry in raw.items():
                    if not is_valid_person_id(pid) or not isinstance(entry, dict):
                        raise ValueError(f"people.json: {pid!r} is not a valid person id and entry")
            for pid, entry in raw.items():
                orcid = entry.get("orcid")
                if orcid is not None:
                    if orcid in orcid_holders:
                        raise ValueError(
                            f"ORCID {orcid} of {pid!r} already belongs to {orcid_holders[orcid]!r}"
                        )
                    orcid_holders[orcid] = pid
            people._persons = dict(raw)
            people._source_entries = raw
            people._unread_orcids = orcid_holders
            people._source = data.decode("utf-8") if isinstance(data, bytes) else data
            people._source_ids = ids
            return people
        for pid, entry in raw.items():
            person = Person.from_json(pid, entry)
            people._check_new(person)
            if person.orcid is not None:
                if person.orcid in orcid_holders:
                    raise _shared_orcid_error(person, orcid_holders[person.orcid])
                orcid_holders[person.orcid] = pid
            people._persons[pid] = person
            people._read.add(pid)
        return people

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, lazy: bool = False) -> People:
        """Read a people.json file."""
        return cls.loads(Path(path).read_bytes(), lazy=lazy)

    def validate(self) -> None:
        """Check every entry (those of a lazily loaded registry are checked on first use)."""
        for pid in self._persons:
            self._person(pid)

    def _person(self, pid: str) -> Person:
        value = self._persons[pid]
        if isinstance(value, Person):
            return value
        person = Person.from_json(pid, value)
        self._check_entry(person)
        self._persons[pid] = person
        self._read.add(pid)
        return person

    def dumps(self) -> bytes:
        """The canonical people.json bytes (as the acl-anthology library writes them).

        Entries that are as they were read (never used since loading, or used and not
        changed) are written back as read, when the file read was canonical
        (``_CanonicalSource``); every other entry is formatted.
        """
        source = _CanonicalSource.of(self._source, self._source_ids)
        if source is not None:
            changed: dict[str, str | None] = {
                pid: self._format(pid, self._persons[pid])
                for pid in self._read
                if not self._as_read(pid)
            }
            changed.update((pid, None) for pid in self._source_ids if pid not in self._persons)
            spliced = source.splice(changed)
            if spliced is not None:
                return spliced.encode("utf-8")
        entries = [self._format(pid, self._persons[pid]) for pid in sorted(self._persons)]
        if not entries:
            return b"{}\n"
        return ("{\n" + ",\n".join(entries) + "\n}\n").encode("utf-8")

    def _as_read(self, pid: str) -> bool:
        """Whether the Person of ``pid`` is still exactly the entry read from the file."""
        read = self._source_entries.get(pid)
        if read is None:
            return False
        person = self._persons[pid]
        assert isinstance(person, Person)
        try:
            return _canonical_entry(read) == person.to_json()
        except ValueError:  # the entry read was out of shape; this one is new
            return False

    @staticmethod
    def _format(pid: str, value: Person | dict[str, Any]) -> str:
        if not isinstance(value, Person):
            return _format_entry(pid, _canonical_entry(value))
        if not value.names:
            raise ValueError(f"Person {pid!r} has no names; people.json needs at least one")
        return _format_entry(pid, value.to_json())

    def copy(self) -> People:
        """An independent registry with the same entries: changes to either (a plan
        applied, a name added) do not show in the other. Costs little: entries not
        read yet are shared, as nothing changes them in place."""
        other = People()
        other._persons = dict(self._persons)
        for pid in self._read:
            person = self._persons[pid]
            assert isinstance(person, Person)
            other._persons[pid] = replace(
                person, names=list(person.names), similar=list(person.similar)
            )
        other._source, other._source_ids = self._source, self._source_ids
        other._source_entries = self._source_entries
        other._read, other._unread_orcids = set(self._read), self._unread_orcids
        other.source_sha1 = self.source_sha1
        return other

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write people.json atomically: readers see the old or the new file, never a part.

        Keeps the permission bits of an existing file.
        """
        target = Path(path)
        data = self.dumps()
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_name, mode)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    # Mapping interface

    def __contains__(self, pid: object) -> bool:
        return pid in self._persons

    def __getitem__(self, pid: str) -> Person:
        if pid not in self._persons:
            raise KeyError(f"No verified person with id {pid!r} in people.json")
        return self._person(pid)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._persons))

    def __len__(self) -> int:
        return len(self._persons)

    def get(self, pid: str) -> Person | None:
        return self._person(pid) if pid in self._persons else None

    # Lookups

    def by_orcid(self, orcid: str) -> Person | None:
        """The person with this ORCID iD (any accepted spelling), or None.

        Raises OrcidError if ``orcid`` is not a valid ORCID iD at all.
        """
        wanted = normalize_orcid(orcid)
        for pid in self._read:
            person = self._persons[pid]
            assert isinstance(person, Person)
            if person.orcid == wanted:
                return person
        unread = self._unread_orcids.get(wanted)
        if unread is not None and isinstance(self._persons.get(unread), dict):
            return self._person(unread)
        return None

    def ids_listing_similar(self, pid: str) -> list[str]:
        """Ids of the persons whose ``similar`` list names ``pid`` (without loading them all)."""
        out = []
        for other, value in self._persons.items():
            similar = value.similar if isinstance(value, Person) else value.get("similar", [])
            if pid in similar:
                out.append(other)
        return sorted(out)

    def verified_ids_by_slug(self) -> dict[str, set[str]]:
        """Name slug -> ids of the verified persons who have a name with that slug.

        Includes persons with ``disable_name_matching``: they still own the slug,
        they just do not attract papers by it.
        """
        index: dict[str, set[str]] = {}
        for pid in self._persons:
            for name in self._person(pid).names:
                index.setdefault(name.slug(), set()).add(pid)
        return index

    # Changes

    def add(self, person: Person) -> None:
        """Add a new verified person.

        Raises ValueError if the id is malformed or taken, the person has no names
        or a name twice, the ORCID is not canonical and valid, or another person
        already has that ORCID.
        """
        self._check_new(person)
        if person.orcid is not None and (holder := self.by_orcid(person.orcid)) is not None:
            raise _shared_orcid_error(person, holder.id)
        self._persons[person.id] = person
        self._read.add(person.id)

    def _check_new(self, person: Person) -> None:
        """Everything add() checks except the ORCID being unique."""
        if person.id in self._persons:
            raise ValueError(f"A person with id {person.id!r} already exists in people.json")
        self._check_entry(person)

    def _check_entry(self, person: Person) -> None:
        """The checks of one person on their own (id, names, similar ids, ORCID form)."""
        pid = person.id
        if not is_valid_person_id(pid):
            raise ValueError(
                f"{pid!r} is not a valid person id (lowercase letters, digits and hyphens, "
                "starting with a letter)"
            )
        if not person.names:
            raise ValueError(f"Person {pid!r} needs at least one name")
        for i, name in enumerate(person.names):
            if name in person.names[:i]:
                raise ValueError(f"Person {pid!r} lists the name {str(name)!r} twice")
        for other_id in person.similar:
            if not is_valid_person_id(other_id):
                raise ValueError(f"Person {pid!r} lists {other_id!r} as similar: not an id")
        if person.orcid is not None and not orcid_checksum_ok(person.orcid):
            raise ValueError(
                f"Person {pid!r} has ORCID {person.orcid!r}, which is not a valid ORCID iD "
                "in canonical form (use normalize_orcid)"
            )

    def replace(self, person: Person) -> None:
        """Replace the entry of an existing person (same id) by ``person``.

        Raises ValueError if there is no such person, the entry is malformed, or
        another person already has the new ORCID: ORCIDs stay unique.
        """
        if person.id not in self._persons:
            raise ValueError(f"No verified person with id {person.id!r} in people.json")
        self._check_entry(person)
        if person.orcid is not None:
            holder = self.by_orcid(person.orcid)
            if holder is not None and holder.id != person.id:
                raise _shared_orcid_error(person, holder.id)
        self._persons[person.id] = person
        self._read.add(person.id)

    def remove(self, pid: str) -> Person:
        """Remove a person's entry (after a merge into another person); returns it."""
        person = self[pid]
        del self._persons[pid]
        self._read.discard(pid)
        return person

    def add_name(self, pid: str, name: Name) -> bool:
        """Give a person another name (appended); False if they already had it."""
        person = self[pid]
        if person.has_name(name):
            return False
        person.names.append(name)
        return True

    def new_person_id(
        self, name: Name, *, orcid: str | None = None, suffix: str | None = None
    ) -> str:
        """A free id for a new person called ``name``, following the Anthology's convention.

        The slug of the name if no one has it as id; otherwise ``<slug>-<suffix>``
        (a short institution name chosen by a maintainer) if given and free;
        otherwise ``<slug>-<last four characters of the ORCID iD>``. Raises
        ValueError when none of these is free or valid: a maintainer must choose.
        """
        slug = name.slug()
        if not is_valid_person_id(slug):
            raise ValueError(
                f"The name {str(name)!r} gives the slug {slug!r}, which cannot be a person id; "
                "a maintainer must choose an id"
            )
        if slug not in self._persons:
            return slug
        tried = [slug]
        if suffix is not None:
            candidate = f"{slug}-{suffix.lower()}"
            if not is_valid_person_id(candidate):
                raise ValueError(
                    f"The suffix {suffix!r} gives {candidate!r}, which is not a valid person id "
                    "(use lowercase letters, digits and hyphens)"
                )
            if candidate not in self._persons:
                return candidate
            tried.append(candidate)
        if orcid is not None:
            candidate = f"{slug}-{normalize_orcid(orcid)[-4:].lower()}"
            if candidate not in self._persons:
                return candidate
            tried.append(candidate)
        raise ValueError(
            f"Cannot choose an id for {str(name)!r}: {', '.join(tried)} "
            f"{'is' if len(tried) == 1 else 'are'} taken; a maintainer must choose an id "
            f"(for example {slug}-<institution>)"
        )


# Words of institution names that do not tell institutions apart.
_GENERIC_INSTITUTION_WORDS = frozenset(
    "university universität universitat université universite universidad universidade "
    "università universita college institute institut instituto school academy of the "
    "for and de del della di der des du la le für fur technology technological "
    "technical technische science sciences national state research center centre "
    "graduate polytechnic department faculty at in".split()
)

_FUNCTION_WORDS = frozenset("of the for and de del della di der des du la le at in für".split())


def institution_suffix(institution: str | None) -> str | None:
    """A short, readable id suffix from an institution, as maintainers choose them.

    ``Nanjing University`` -> ``nanjing``; ``Xi'an Jiaotong University`` -> ``xjtu``
    (several distinctive words give the acronym of all words); ``MIT`` -> ``mit``.
    None when nothing usable is left (the caller falls back to the ORCID).
    """
    if not institution:
        return None
    text = re.split(r"[,;(]", institution, maxsplit=1)[0]
    words = [w for w in re.split(r"[\s\-–/]+", text) if w]
    distinctive = [w for w in words if w.lower().strip(".'’") not in _GENERIC_INSTITUTION_WORDS]
    if not distinctive:
        return None
    if len(distinctive) == 1:
        suffix = slugify_text(distinctive[0])
    else:
        suffix = "".join(
            slugify_text(w)[:1]
            for w in words
            if slugify_text(w) and w.lower() not in _FUNCTION_WORDS
        )
        if len(suffix) < 2:
            suffix = slugify_text(distinctive[0])
    suffix = suffix.replace("-", "")
    if not suffix or not suffix[0].isalpha() or len(suffix) > 12:
        return None
    return suffix
