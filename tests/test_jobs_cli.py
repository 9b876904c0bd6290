"""Operating the job store (issue 14, item 7), on both backends.

``python -m bot jobs`` lists jobs by state, shows one, retries a failed one and
prunes finished ones; both stores record a schema version and upgrade a store
from before versions (version 0) when they open it, and refuse a newer one.
The command runs as a real process against a real SQLite file or redis-server.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.queue.jobs import JobRequest, JobStore
from bot.queue.stores import open_store
from tests.redis_server import redis_server

ROOT = Path(__file__).resolve().parent.parent
REPO = "acl-org/acl-anthology"
DAY = 24 * 3600.0


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/jobs.sqlite"
        return
    import redis

    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    yield url


def jobs_cli(queue_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QUEUE_URL": queue_url,
        "BOT_STATE_DIR": str(tmp_path / "state"),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "jobs", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=60,
    )


def failed_job(store: JobStore, number: int) -> str:
    job_id, _ = store.enqueue(JobRequest.for_issue("issue", REPO, number))
    claimed = store.claim("w", 60)
    while claimed is not None and claimed.id != job_id:  # an older job: leave it running
        claimed = store.claim("w", 60)
    assert claimed is not None and claimed.id == job_id
    assert store.finish(job_id, "w", "failed", "GitHub refused", error="403 Forbidden")
    return job_id


def test_list_show_retry(queue_url: str, tmp_path: Path) -> None:
    store = open_store(queue_url)
    failed = failed_job(store, 3)
    queued, _ = store.enqueue(JobRequest.for_issue("issue", REPO, 4))

    listing = jobs_cli(queue_url, tmp_path, "list", "--state", "failed")
    assert listing.returncode == 0, listing.stderr
    assert failed in listing.stdout and queued not in listing.stdout
    assert "403 Forbidden" in listing.stdout or "GitHub refused" in listing.stdout
    everything = jobs_cli(queue_url, tmp_path, "list", "--json")
    assert {j["id"]: j["state"] for j in json.loads(everything.stdout)} == {
        failed: "failed",
        queued: "queued",
    }

    shown = jobs_cli(queue_url, tmp_path, "show", failed)
    assert shown.returncode == 0 and json.loads(shown.stdout)["last_error"] == "403 Forbidden"
    missing = jobs_cli(queue_url, tmp_path, "show", "issue-9-nothing")
    assert missing.returncode == 1 and "no job" in missing.stderr
    assert "Traceback" not in missing.stderr

    not_failed = jobs_cli(queue_url, tmp_path, "retry", queued)
    assert not_failed.returncode == 1 and "queued" in not_failed.stderr

    retried = jobs_cli(queue_url, tmp_path, "retry", failed)
    assert retried.returncode == 0, retried.stderr
    job = store.get(failed)
    assert job is not None and job.state == "queued" and job.attempts == 0
    assert store.claim("w2", 60) is not None  # runnable now
    store.close()


def test_retry_refuses_when_the_issue_already_has_a_queued_job(
    queue_url: str, tmp_path: Path
) -> None:
    store = open_store(queue_url)
    failed = failed_job(store, 5)
    newer, _ = store.enqueue(JobRequest.for_issue("issue", REPO, 5))
    answer = jobs_cli(queue_url, tmp_path, "retry", failed)
    assert answer.returncode == 1 and newer in answer.stderr
    job = store.get(failed)
    assert job is not None and job.state == "failed"
    store.close()


def test_prune_removes_only_finished_jobs_older_than_the_age(queue_url: str) -> None:
    clock = [1_760_000_000.0]
    store = open_store(queue_url, clock=lambda: clock[0])
    old_failed = failed_job(store, 1)
    old_running, _ = store.enqueue(JobRequest.for_issue("issue", REPO, 2))
    assert store.claim("w", 60) is not None
    old_queued, _ = store.enqueue(JobRequest.for_issue("issue", REPO, 4))
    clock[0] += 40 * DAY
    recent_failed = failed_job(store, 3)

    assert store.prune(older_than=30 * DAY) == 1
    assert store.get(old_failed) is None
    for kept in (old_running, old_queued, recent_failed):
        assert store.get(kept) is not None
    assert [j.id for j in store.jobs(state="failed")] == [recent_failed]
    store.close()


def test_prune_command(queue_url: str, tmp_path: Path) -> None:
    store = open_store(queue_url, clock=lambda: 1_000_000.0)  # long ago
    failed_job(store, 1)
    store.close()
    answer = jobs_cli(queue_url, tmp_path, "prune", "--older-than-days", "30")
    assert answer.returncode == 0, answer.stderr
    assert "pruned 1" in answer.stdout
    assert open_store(queue_url).jobs() == []


def test_sqlite_store_from_before_versions_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite"
    store = open_store(f"sqlite:///{path}")
    job_id, _ = store.enqueue(JobRequest.for_issue("issue", REPO, 1))
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 0")
    upgraded = open_store(f"sqlite:///{path}")
    assert upgraded.schema_version() == 1
    assert upgraded.get(job_id) is not None
    upgraded.close()


def test_a_store_from_a_newer_bot_is_refused(queue_url: str, tmp_path: Path) -> None:
    store = open_store(queue_url)
    store.enqueue(JobRequest.for_issue("issue", REPO, 1))
    assert store.schema_version() == 1
    if queue_url.startswith("sqlite"):
        with sqlite3.connect(queue_url.removeprefix("sqlite:///")) as db:
            db.execute("PRAGMA user_version = 99")
    else:
        store.redis.set(f"{store.prefix}:schema", "99")  # type: ignore[attr-defined]
    store.close()
    answer = jobs_cli(queue_url, tmp_path, "list")
    assert answer.returncode == 1
    assert "schema 99" in answer.stderr and "Traceback" not in answer.stderr


def test_a_redis_store_from_before_versions_is_upgraded(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    store = open_store(redis_url)
    job_id, _ = store.enqueue(JobRequest.for_issue("issue", REPO, 1))
    store.redis.delete(f"{store.prefix}:schema")  # type: ignore[attr-defined]
    store.close()
    upgraded = open_store(redis_url)
    assert upgraded.schema_version() == 1
    assert upgraded.get(job_id) is not None
    upgraded.close()
