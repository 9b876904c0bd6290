"""The job store in an SQLite file: the embedded default, for one machine.

Any number of web and worker processes on one machine may share the file.
The database runs in WAL mode (readers never block the writer), and every
change is one ``BEGIN IMMEDIATE`` transaction, which takes the write lock at
its start: two workers claiming at once are serialised by SQLite, and the one
that comes second sees the first one's claim. ``busy_timeout`` makes a
process wait for the lock instead of failing.

A partial unique index (one ``queued`` row per ``coalesce_key``) makes the
coalescing rule part of the schema. Each thread gets its own connection
(SQLite connections must not be shared between threads).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.queue.jobs import (
    DELIVERY_TTL,
    SCHEMA_VERSION,
    Accepted,
    Clock,
    Delivery,
    Job,
    JobRequest,
    JobState,
    JobStore,
    check_retry,
    check_version,
    superseded_reason,
)

BUSY_TIMEOUT_MS = 30_000
"""How long a worker waits for the write lock. The web process passes a much shorter one
(``bot.web.STORE_TIMEOUT``): GitHub gives a delivery 10 s, and a 503 can be redelivered."""

_UPGRADES: dict[int, str] = {
    0: "",  # 0 -> 1: the tables are the same; only the version (PRAGMA user_version) is new
}
"""SQL taking a file from one schema version to the next (see ``bot.jobs.SCHEMA_VERSION``)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    action TEXT,
    received_at REAL NOT NULL,
    job_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    repo TEXT NOT NULL,
    issue_number INTEGER,
    coalesce_key TEXT,
    delivery_id TEXT,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    installation_id INTEGER,
    sender TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 1,
    not_before REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    reason TEXT,
    lease_owner TEXT,
    lease_expires_at REAL,
    started_at REAL,
    finished_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_queued_per_key
    ON jobs (coalesce_key) WHERE state = 'queued' AND coalesce_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, seq);
CREATE INDEX IF NOT EXISTS jobs_by_issue ON jobs (issue_number);
"""


class StoreFileGone(RuntimeError):
    """The store's file was deleted while the process had it open."""


log = logging.getLogger(__name__)

_COLUMNS = (
    "id, kind, repo, issue_number, coalesce_key, delivery_id, state, created_at, updated_at, "
    "installation_id, sender, detail, attempts, events, not_before, last_error, reason, "
    "lease_owner, lease_expires_at, started_at, finished_at"
)


def _job(row: sqlite3.Row) -> Job:
    data: dict[str, Any] = dict(row)
    data.pop("seq", None)
    data["detail"] = json.loads(data["detail"] or "{}")
    return Job.from_json(data)


class SqliteJobStore(JobStore):
    """The job store in the SQLite file at ``path`` (created if missing)."""

    def __init__(
        self, path: str | Path, clock: Clock = time.time, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        super().__init__(clock)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._pid = os.getpid()
        self._file: tuple[int, int] | None = None
        self._open_file()

    # -- the file, its schema, connections and transactions ---------------------------

    def _open_file(self) -> None:
        """Create or upgrade the schema and remember which file (device, inode) this is."""
        db = self._db(check=False)
        new = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'jobs'").fetchone() is None
        db.executescript(_SCHEMA)
        if new:  # a new file has the current schema: nothing to upgrade
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._upgrade(db)
        stat = os.stat(self.path)
        self._file = (stat.st_dev, stat.st_ino)

    def _upgrade(self, db: sqlite3.Connection) -> None:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        check_version(str(self.path), version)
        if version == SCHEMA_VERSION:
            return
        # A store just created holds no job yet: recording its version is no upgrade to report.
        fresh = version == 0 and db.execute("SELECT 1 FROM jobs LIMIT 1").fetchone() is None
        db.execute("BEGIN IMMEDIATE")
        try:
            for step in range(version, SCHEMA_VERSION):
                if _UPGRADES[step]:
                    db.executescript(_UPGRADES[step])
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if not fresh:
            log.info("upgraded the job store schema", extra={"from": version, "to": SCHEMA_VERSION})

    def schema_version(self) -> int:
        return int(self._db().execute("PRAGMA user_version").fetchone()[0])

    def _check_file(self) -> None:
        """Notice a deleted or replaced file before using a connection to it.

        SQLite keeps an open file open: after ``rm jobs.sqlite`` every write would
        go into the unlinked file and vanish, and after a restore it would go
        into the old one. A deleted file is an error (creating an empty one would
        hide that the jobs are gone); a replaced one is reopened.
        """
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise StoreFileGone(
                f"the job store {self.path} was deleted while in use; restore it (a "
                "restart would start an empty store, without the jobs it held)"
            ) from None
        if (stat.st_dev, stat.st_ino) != self._file:
            log.warning(
                "the job store file was replaced; reopening it", extra={"path": str(self.path)}
            )
            self.close()
            self._open_file()

    def _db(self, check: bool = True) -> sqlite3.Connection:
        if check:
            self._check_file()
        if self._pid != os.getpid():
            # A forked child (gunicorn --preload) must not use its parent's connections:
            # SQLite's locks belong to the process. Leave them alone and open new ones.
            self._pid = os.getpid()
            self._local = threading.local()
            self._connections = []
            self._connections_lock = threading.Lock()
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
            )
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from its start."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                try:
                    db.close()
                except sqlite3.ProgrammingError:  # closed from its own thread already
                    pass
            self._connections.clear()
        self._local = threading.local()

    # -- the web process ---------------------------------------------------------------

    def accept(
        self,
        delivery_id: str,
        event: str,
        action: str | None,
        requests: Sequence[JobRequest],
    ) -> Accepted:
        now = self.clock()
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT INTO deliveries (delivery_id, event, action, received_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING",
                (delivery_id, event, action, now),
            ).rowcount
            if not inserted:
                return Accepted(duplicate=True)
            ids: list[str] = []
            coalesced: list[bool] = []
            for request in requests:
                job_id, merged = self._enqueue(db, request, delivery_id, now)
                ids.append(job_id)
                coalesced.append(merged)
            db.execute(
                "UPDATE deliveries SET job_ids = ? WHERE delivery_id = ?",
                (json.dumps(ids), delivery_id),
            )
        return Accepted(False, tuple(ids), tuple(coalesced))

    def _enqueue(
        self, db: sqlite3.Connection, request: JobRequest, delivery_id: str, now: float
    ) -> tuple[str, bool]:
        if request.coalesce_key is not None:
            row = db.execute(
                "SELECT id FROM jobs WHERE state = 'queued' AND coalesce_key = ?",
                (request.coalesce_key,),
            ).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE jobs SET events = events + 1, delivery_id = ?, updated_at = ?, "
                    "sender = COALESCE(?, sender), "
                    "installation_id = COALESCE(?, installation_id) WHERE id = ?",
                    (delivery_id, now, request.sender, request.installation_id, row["id"]),
                )
                return row["id"], True
        job = Job.new(request, delivery_id, now)
        values = job.to_json()
        values["detail"] = json.dumps(values["detail"])
        names = _COLUMNS.split(", ")
        db.execute(
            f"INSERT INTO jobs ({_COLUMNS}) VALUES ({', '.join('?' * len(names))})",
            [values[name] for name in names],
        )
        return job.id, False

    # -- workers ---------------------------------------------------------------------------

    def claim(self, owner: str, lease_seconds: float) -> Job | None:
        now = self.clock()
        with self._transaction() as db:
            row = db.execute(
                f"SELECT seq, {_COLUMNS} FROM jobs AS j "
                "WHERE state = 'queued' AND not_before <= ? AND (coalesce_key IS NULL OR "
                "NOT EXISTS (SELECT 1 FROM jobs AS r WHERE r.state = 'running' "
                "AND r.coalesce_key = j.coalesce_key)) ORDER BY seq LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, "
                "lease_expires_at = ?, started_at = ?, updated_at = ? WHERE id = ?",
                (owner, now + lease_seconds, now, now, row["id"]),
            )
            claimed = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (row["id"],)
            ).fetchone()
        return _job(claimed)

    def renew(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        now = self.clock()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET lease_expires_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'running' AND lease_owner = ?",
                (now + lease_seconds, now, job_id, owner),
            ).rowcount
        return changed == 1

    def finish(
        self, job_id: str, owner: str, state: JobState, reason: str, error: str | None = None
    ) -> bool:
        if state not in ("done", "waiting", "failed"):
            raise ValueError(f"not a final state: {state}")
        now = self.clock()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET state = ?, reason = ?, last_error = COALESCE(?, last_error), "
                "lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'running' AND lease_owner = ?",
                (state, reason, error, now, now, job_id, owner),
            ).rowcount
        return changed == 1

    def retry_later(
        self,
        job_id: str,
        owner: str,
        not_before: float,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> bool:
        now = self.clock()
        with self._transaction() as db:
            row = db.execute(
                "SELECT coalesce_key FROM jobs WHERE id = ? AND state = 'running' "
                "AND lease_owner = ?",
                (job_id, owner),
            ).fetchone()
            if row is None:
                return False
            if not count_attempt:
                db.execute(
                    "UPDATE jobs SET attempts = MAX(0, attempts - 1) WHERE id = ?", (job_id,)
                )
            self._requeue(db, job_id, row["coalesce_key"], now, not_before, error)
        return True

    def _requeue(
        self,
        db: sqlite3.Connection,
        job_id: str,
        key: str | None,
        now: float,
        not_before: float,
        error: str,
    ) -> None:
        """Back to ``queued``, or ``done`` if a queued job for the same issue covers it."""
        newer = None
        if key is not None:
            newer = db.execute(
                "SELECT id FROM jobs WHERE state = 'queued' AND coalesce_key = ?", (key,)
            ).fetchone()
        if newer is not None:
            db.execute(
                "UPDATE jobs SET state = 'done', reason = ?, last_error = ?, lease_owner = NULL, "
                "lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ?",
                (superseded_reason(newer["id"]), error, now, now, job_id),
            )
            return
        db.execute(
            "UPDATE jobs SET state = 'queued', not_before = ?, last_error = ?, lease_owner = NULL, "
            "lease_expires_at = NULL, updated_at = ? WHERE id = ?",
            (not_before, error, now, job_id),
        )

    def requeue_expired(self) -> list[str]:
        now = self.clock()
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, coalesce_key FROM jobs WHERE state = 'running' "
                "AND lease_expires_at < ? ORDER BY seq",
                (now,),
            ).fetchall()
            for row in rows:
                self._requeue(db, row["id"], row["coalesce_key"], now, now, "the worker was lost")
        return [row["id"] for row in rows]

    # -- operators -------------------------------------------------------------------------

    def retry(self, job_id: str) -> Job:
        now = self.clock()
        with self._transaction() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            job = _job(row) if row else None
            queued = None
            if job is not None and job.coalesce_key is not None:
                queued = db.execute(
                    "SELECT id FROM jobs WHERE state = 'queued' AND coalesce_key = ?",
                    (job.coalesce_key,),
                ).fetchone()
            check_retry(job, job_id, queued["id"] if queued else None)
            db.execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, not_before = ?, reason = NULL, "
                "finished_at = NULL, updated_at = ? WHERE id = ?",
                (now, now, job_id),
            )
            retried = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(retried)

    def prune(self, older_than: float) -> int:
        cutoff = self.clock() - older_than
        with self._transaction() as db:
            # Delivery ids are forgotten after the same time as in Redis, not sooner:
            # a redelivery of a pruned job's delivery must still be recognised.
            db.execute(
                "DELETE FROM deliveries WHERE received_at < ?",
                (self.clock() - max(older_than, DELIVERY_TTL),),
            )
            return db.execute(
                "DELETE FROM jobs WHERE state IN ('done', 'waiting', 'failed') "
                "AND COALESCE(finished_at, updated_at) < ?",
                (cutoff,),
            ).rowcount

    # -- reading ---------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        row = self._db().execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self, state: JobState | None = None, issue_number: int | None = None) -> list[Job]:
        clauses, params = [], []
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        if issue_number is not None:
            clauses.append("issue_number = ?")
            params.append(issue_number)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = (
            self._db()
            .execute(f"SELECT {_COLUMNS} FROM jobs {where} ORDER BY seq", params)
            .fetchall()
        )
        return [_job(row) for row in rows]

    def delivery(self, delivery_id: str) -> Delivery | None:
        row = (
            self._db()
            .execute("SELECT * FROM deliveries WHERE delivery_id = ?", (delivery_id,))
            .fetchone()
        )
        if row is None:
            return None
        return Delivery(
            row["delivery_id"],
            row["event"],
            row["action"],
            row["received_at"],
            tuple(json.loads(row["job_ids"])),
        )

    def ping(self) -> None:
        """Raise unless a delivery could be recorded now: the file is there and writable."""
        with self._transaction() as db:
            db.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()
