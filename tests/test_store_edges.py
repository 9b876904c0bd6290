"""The store under faults (issue 13, case 11): locked, deleted, replaced, down.

GitHub gives a webhook 10 s; the web process must answer within 2 s even when
the store cannot be used (then 503, so GitHub records a failed delivery that
can be redelivered), and ``/readyz`` must never hang. A replaced SQLite file is
noticed (the store reopens the new file, rather than writing into the unlinked
one); a deleted one is an error, not a silent new empty store.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.config import Settings
from bot.queue.jobs import JobRequest
from bot.queue.sqlite_store import SqliteJobStore, StoreFileGone
from bot.queue.stores import open_store
from bot.web.app import create_app
from tests.redis_server import redis_server
from tests.webhooks import REPO, SECRET, issue_payload, post

DEADLINE = 2.0


def web(tmp_path: Path, queue_url: str | None = None) -> FlaskClient:
    """The web app as production builds it: it opens the store itself."""
    env = {"BOT_STATE_DIR": str(tmp_path), "GITHUB_WEBHOOK_SECRET": SECRET, "BOT_LOGIN": "b"}
    if queue_url:
        env["QUEUE_URL"] = queue_url
    settings = Settings.from_env(env)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return create_app(settings).test_client()


def timed(call: object) -> tuple[object, float]:
    start = time.monotonic()
    result = call()  # type: ignore[operator]
    return result, time.monotonic() - start


@pytest.fixture
def locker(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's connection holding the store's write lock (a long transaction)."""
    client = web(tmp_path)  # creates the file and its schema
    assert post(client, "issues", issue_payload(), delivery="before").status_code == 202
    db = sqlite3.connect(tmp_path / "jobs.sqlite", isolation_level=None, timeout=5)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE jobs SET events = events WHERE 0")
    yield db
    db.execute("ROLLBACK")
    db.close()


def test_a_locked_sqlite_store_is_a_503_within_two_seconds(
    tmp_path: Path, locker: sqlite3.Connection
) -> None:
    client = web(tmp_path)
    answer, seconds = timed(lambda: post(client, "issues", issue_payload(number=8)))
    assert answer.status_code == 503 and seconds < DEADLINE, seconds  # type: ignore[attr-defined]
    ready, seconds = timed(lambda: client.get("/readyz"))
    assert ready.status_code == 503 and seconds < DEADLINE, seconds  # type: ignore[attr-defined]


def test_a_deleted_sqlite_store_is_noticed(tmp_path: Path) -> None:
    client = web(tmp_path)
    assert post(client, "issues", issue_payload(), delivery="one").status_code == 202
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path}/jobs.sqlite{suffix}").unlink(missing_ok=True)
    answer, seconds = timed(lambda: post(client, "issues", issue_payload(number=9)))
    assert answer.status_code == 503 and seconds < DEADLINE  # type: ignore[attr-defined]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "deleted" in ready.get_json()["checks"]["job_store"]["detail"]
    assert not (tmp_path / "jobs.sqlite").exists()  # no new empty store behind the web's back


def test_a_replaced_sqlite_store_is_reopened_not_written_through_the_old_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jobs.sqlite"
    worker_side = SqliteJobStore(path)
    worker_side.enqueue(JobRequest.for_issue("issue", REPO, 1))
    # The operator restores another file (a backup) in its place.
    backup = SqliteJobStore(tmp_path / "backup.sqlite")
    backup.enqueue(JobRequest.for_issue("issue", REPO, 2))
    backup.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    (tmp_path / "backup.sqlite").replace(path)

    job = worker_side.claim("w", 60)
    assert job is not None and job.issue_number == 2  # the new file's job
    worker_side.enqueue(JobRequest.for_issue("issue", REPO, 3))
    reader = SqliteJobStore(path)
    assert sorted(j.issue_number or 0 for j in reader.jobs()) == [2, 3]
    reader.close()
    worker_side.close()


def test_a_worker_store_whose_file_was_deleted_fails_loudly(tmp_path: Path) -> None:
    store = SqliteJobStore(tmp_path / "jobs.sqlite")
    store.enqueue(JobRequest.for_issue("issue", REPO, 1))
    (tmp_path / "jobs.sqlite").unlink()
    with pytest.raises(StoreFileGone, match="deleted"):
        store.claim("w", 60)
    store.close()


def test_redis_down_is_a_503_within_two_seconds(tmp_path: Path) -> None:
    (tmp_path / "redis").mkdir()
    with redis_server(tmp_path / "redis") as url:
        client = web(tmp_path, url)
        assert post(client, "issues", issue_payload(), delivery="up").status_code == 202
    # The server is gone now (stopped by the context manager).
    answer, seconds = timed(lambda: post(client, "issues", issue_payload(number=8)))
    assert answer.status_code == 503 and seconds < DEADLINE  # type: ignore[attr-defined]
    ready, seconds = timed(lambda: client.get("/readyz"))
    assert ready.status_code == 503 and seconds < DEADLINE  # type: ignore[attr-defined]


def test_an_unroutable_redis_is_a_503_within_two_seconds(tmp_path: Path) -> None:
    # A listening socket that never answers: connect succeeds, every read hangs.
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        client = web(tmp_path, f"redis://127.0.0.1:{port}/0")
        answer, seconds = timed(lambda: post(client, "issues", issue_payload(number=8)))
        assert answer.status_code == 503 and seconds < DEADLINE, seconds  # type: ignore[attr-defined]
        ready, seconds = timed(lambda: client.get("/readyz"))
        assert ready.status_code == 503 and seconds < DEADLINE, seconds  # type: ignore[attr-defined]


def test_the_web_store_is_opened_with_short_timeouts(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/jobs.sqlite", timeout=1.5)
    assert isinstance(store, SqliteJobStore) and store.busy_timeout_ms == 1500
    store.close()
