"""The corpus-wide name index, persisted in SQLite and kept up to date incrementally.

Which author page a paper is on depends on every author slot in the Anthology
(name matching is global), but a bot reply must not re-parse 1,500 files. The
index stores, for every ``<author>``/``<editor>`` element, its item, position,
name, name slug and explicit id, plus every item's title and bibkey. Lookups by
slug or by person id are then single SQL queries.

The index is keyed by file content: each collection file's size, modification
time and SHA-1 are recorded. ``refresh()`` stats every file, hashes only those
whose size or time changed, and re-reads only those whose content changed.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from bot.anthology.lookup import TitleMatch
from bot.anthology.names import Name
from bot.anthology.people import People
from bot.anthology.xmlfile import SlotRef, XMLItem, read_collection

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha1 TEXT);
CREATE TABLE IF NOT EXISTS items (
    item_id TEXT PRIMARY KEY, file TEXT, title TEXT, norm_title TEXT, bibkey TEXT);
CREATE TABLE IF NOT EXISTS slots (
    file TEXT, item_id TEXT, role TEXT, position INTEGER,
    first TEXT, last TEXT, slug TEXT, person_id TEXT, orcid TEXT, affiliation TEXT);
CREATE INDEX IF NOT EXISTS slots_by_slug ON slots (slug) WHERE person_id IS NULL;
CREATE INDEX IF NOT EXISTS slots_by_person ON slots (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS slots_by_item ON slots (item_id);
CREATE INDEX IF NOT EXISTS slots_by_file ON slots (file);
CREATE INDEX IF NOT EXISTS slots_by_orcid ON slots (orcid) WHERE orcid IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_by_file ON items (file);
CREATE INDEX IF NOT EXISTS items_by_bibkey ON items (bibkey);
CREATE INDEX IF NOT EXISTS items_by_title ON items (norm_title);
CREATE TABLE IF NOT EXISTS person_slugs (slug TEXT, person_id TEXT);
CREATE INDEX IF NOT EXISTS person_slugs_by_slug ON person_slugs (slug);
"""


_WORD = re.compile(r"\w+")


def normalize_title(title: str) -> str:
    """Lowercase, accents and punctuation removed, spaces collapsed: for title matching."""
    text = title.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text)).replace("_", " ")


@dataclass(frozen=True)
class IndexedSlot:
    """An author slot as stored in the index (see ``XMLSlot``), with its file."""

    file: str
    ref: SlotRef
    name: Name
    person_id: str | None
    orcid: str | None
    affiliation: str | None

    @property
    def slug(self) -> str:
        return self.name.slug()


@dataclass(frozen=True)
class RefreshStats:
    """What a refresh did: files checked, hashed and re-read."""

    checked: int
    hashed: int
    reread: int
    removed: int


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


ItemRow = tuple[str, str, str, str, str | None]
SlotRow = tuple


def _read_file(path: str) -> tuple[str, str, list[ItemRow], list[SlotRow]]:
    """Parse one collection file into index rows (runs in worker processes)."""
    data = Path(path).read_bytes()
    items, slots = read_collection(data)
    name = Path(path).name
    item_rows = [(i.item_id, name, i.title, normalize_title(i.title), i.bibkey) for i in items]
    slot_rows = [
        (
            name,
            s.ref.item_id,
            s.ref.role,
            s.ref.position,
            s.name.first,
            s.name.last,
            s.name.slug(),
            s.person_id,
            s.orcid,
            s.affiliation,
        )
        for s in slots
    ]
    return name, hashlib.sha1(data).hexdigest(), item_rows, slot_rows


def default_index_path(data_dir: Path) -> Path:
    """Where the CLI keeps the index of a data directory when none is given."""
    base = Path(os.environ.get("ANTHOLOGY_BOT_CACHE", Path.home() / ".cache" / "anthology-bot"))
    key = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return base / f"index-{key}.sqlite"


class NameIndex:
    """The persisted index over one data directory (the folder holding ``xml/``)."""

    def __init__(self, data_dir: Path, db_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.xml_dir = self.data_dir / "xml"
        self.db_path = Path(db_path) if db_path else default_index_path(self.data_dir)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db = self._connect()
        version = self._schema_version()
        if version not in (None, str(SCHEMA_VERSION)):
            self.db.close()
            self.db_path.unlink()
            self.db = self._connect()
        # Creates only what is missing (such as the lookup indexes of a bulk build that
        # was interrupted); an index that is complete is not written to.
        self.db.executescript(_SCHEMA)
        if version != str(SCHEMA_VERSION):
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
            self.db.commit()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _schema_version(self) -> str | None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.OperationalError:
            return None
        return row[0] if row else None

    @classmethod
    def open(cls, data_dir: Path, db_path: Path | None = None) -> NameIndex:
        """Open the index of ``data_dir`` and bring it up to date."""
        index = cls(data_dir, db_path)
        index.refresh()
        return index

    def close(self) -> None:
        self.db.close()

    # -- keeping it up to date ------------------------------------------------

    def refresh(self, workers: int | None = None) -> RefreshStats:
        """Re-read exactly the collection files whose content changed since the last run."""
        known = {
            name: (size, mtime, sha)
            for name, size, mtime, sha in self.db.execute("SELECT * FROM files")
        }
        on_disk: dict[str, os.stat_result] = {}
        with os.scandir(self.xml_dir) as entries:
            for entry in entries:
                if entry.name.endswith(".xml") and entry.is_file():
                    on_disk[entry.name] = entry.stat()
        removed = [name for name in known if name not in on_disk]
        to_read: list[str] = []
        stat_only: list[tuple[int, int, str]] = []
        hashed = 0
        for name, st in on_disk.items():
            old = known.get(name)
            if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                continue
            if old and old[0] == st.st_size:
                hashed += 1
                if _sha1(self.xml_dir / name) == old[2]:
                    stat_only.append((st.st_size, st.st_mtime_ns, name))
                    continue
            to_read.append(name)
        bulk = len(to_read) > len(on_disk) // 2
        if bulk:  # building (nearly) from nothing: index the tables once at the end
            self._drop_indexes()
        with self.db:
            for name in removed:
                self._forget(name)
            self.db.executemany("UPDATE files SET size=?, mtime_ns=? WHERE name=?", stat_only)
            for name, sha, items, slots in self._read_all(sorted(to_read), workers):
                st = on_disk[name]
                if name in known:
                    self._forget(name)
                self._store(name, sha, st, items, slots)
        if bulk:
            self.db.executescript(_SCHEMA)
        return RefreshStats(len(on_disk), hashed, len(to_read), len(removed))

    def _read_all(
        self, names: list[str], workers: int | None
    ) -> Iterator[tuple[str, str, list[ItemRow], list[SlotRow]]]:
        paths = [str(self.xml_dir / name) for name in names]
        workers = workers or min(os.cpu_count() or 1, 4)
        if len(paths) < 20 or workers == 1:
            yield from map(_read_file, paths)
            return
        # Largest files first, so that no worker is left with a big file at the end.
        paths.sort(key=lambda p: -os.path.getsize(p))
        # concurrent.futures loads its process pool (multiprocessing, sockets, pickle) on
        # first use of the name, so a process that reads no more than a few files (a
        # plan on an index already built) does not pay for importing it.
        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            yield from pool.map(_read_file, paths, chunksize=4)

    def _drop_indexes(self) -> None:
        names = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='index'")]
        for name in names:
            if not name.startswith("sqlite_autoindex"):
                self.db.execute(f"DROP INDEX {name}")

    def _forget(self, name: str) -> None:
        self.db.execute("DELETE FROM files WHERE name=?", (name,))
        self.db.execute("DELETE FROM items WHERE file=?", (name,))
        self.db.execute("DELETE FROM slots WHERE file=?", (name,))

    def _store(
        self,
        name: str,
        sha: str,
        st: os.stat_result,
        items: list[ItemRow],
        slots: list[SlotRow],
    ) -> None:
        self.db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?)", (name, st.st_size, st.st_mtime_ns, sha)
        )
        self.db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)", items)
        self.db.executemany("INSERT INTO slots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", slots)

    def sync_people(self, people: People, sha1: str) -> None:
        """Record which verified persons own which name slugs, for this people.json content."""
        row = self.db.execute("SELECT value FROM meta WHERE key='people_sha1'").fetchone()
        if row and row[0] == sha1:
            return
        with self.db:
            self.db.execute("DELETE FROM person_slugs")
            self.db.executemany(
                "INSERT INTO person_slugs VALUES (?, ?)",
                [(slug, pid) for slug, ids in people.verified_ids_by_slug().items() for pid in ids],
            )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('people_sha1', ?)", (sha1,))

    def verified_holders(self, slug: str) -> list[str]:
        """Verified persons with a name of this slug (as of the last ``sync_people``)."""
        rows = self.db.execute("SELECT person_id FROM person_slugs WHERE slug=?", (slug,))
        return [r[0] for r in rows]

    # -- queries --------------------------------------------------------------

    _SLOT_COLUMNS = "file, item_id, role, position, first, last, person_id, orcid, affiliation"

    @staticmethod
    def _slot(row: tuple) -> IndexedSlot:
        file, item_id, role, position, first, last, person_id, orcid, affiliation = row
        return IndexedSlot(
            file, SlotRef(item_id, role, position), Name(first, last), person_id, orcid, affiliation
        )

    def slots_of_item(self, item_id: str) -> list[IndexedSlot]:
        rows = self.db.execute(
            f"SELECT {self._SLOT_COLUMNS} FROM slots WHERE item_id=? ORDER BY role, position",
            (item_id,),
        )
        return [self._slot(r) for r in rows]

    def unassigned_slots_by_slug(self, slugs: Iterable[str]) -> list[IndexedSlot]:
        """Slots without an explicit id whose name has one of these slugs."""
        slugs = sorted(set(slugs))
        out: list[IndexedSlot] = []
        for start in range(0, len(slugs), 500):
            chunk = slugs[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT {self._SLOT_COLUMNS} FROM slots "
                f"WHERE person_id IS NULL AND slug IN ({marks})",
                chunk,
            )
            out.extend(self._slot(r) for r in rows)
        return out

    def slots_with_person_id(self, person_id: str) -> list[IndexedSlot]:
        rows = self.db.execute(
            f"SELECT {self._SLOT_COLUMNS} FROM slots WHERE person_id=?", (person_id,)
        )
        return [self._slot(r) for r in rows]

    def slots_with_orcid(self, orcid: str) -> list[IndexedSlot]:
        """Slots whose ``orcid`` attribute is this ORCID iD (canonical form)."""
        rows = self.db.execute(f"SELECT {self._SLOT_COLUMNS} FROM slots WHERE orcid=?", (orcid,))
        return [self._slot(r) for r in rows]

    def item(self, item_id: str) -> XMLItem | None:
        row = self.db.execute(
            "SELECT item_id, title, bibkey FROM items WHERE item_id=?", (item_id,)
        ).fetchone()
        return XMLItem(*row) if row else None

    def item_file(self, item_id: str) -> str | None:
        row = self.db.execute("SELECT file FROM items WHERE item_id=?", (item_id,)).fetchone()
        return row[0] if row else None

    def file_record(self, name: str) -> tuple[int, int, str] | None:
        """Size, modification time (ns) and SHA-1 of a collection file as last read."""
        row = self.db.execute(
            "SELECT size, mtime_ns, sha1 FROM files WHERE name=?", (name,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def item_by_bibkey(self, bibkey: str) -> str | None:
        row = self.db.execute(
            "SELECT item_id FROM items WHERE bibkey=?", (bibkey.strip(),)
        ).fetchone()
        return row[0] if row else None

    def find_title(self, text: str, among: list[str] | None = None) -> list[TitleMatch]:
        """Exact (normalised) title matches anywhere; near-exact ones among ``among``."""
        wanted = normalize_title(text)
        if not wanted:
            return []
        rows = self.db.execute(
            "SELECT item_id, title FROM items WHERE norm_title=?", (wanted,)
        ).fetchall()
        exact = [TitleMatch(i, t, 1.0) for i, t in rows if among is None or i in among]
        if exact or among is None:
            return exact
        near: list[TitleMatch] = []
        for item_id in among:
            found = self.item(item_id)
            if found is None:
                continue
            score = SequenceMatcher(None, wanted, normalize_title(found.title)).ratio()
            if score >= 0.6:
                near.append(TitleMatch(item_id, found.title, round(score, 3)))
        return sorted(near, key=lambda m: -m.score)

    def all_item_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT item_id FROM items")]
