"""The job store's rules, on both backends (SQLite file and a real redis-server)."""

from __future__ import annotations

import multiprocessing
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.queue.jobs import JobRequest, JobStore
from bot.queue.stores import open_store
from tests.redis_server import redis_server

REPO = "acl-org/acl-anthology"
LEASE = 60.0


class FakeClock:
    """A clock that only moves when told."""

    def __init__(self, start: float = 1_760_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, FakeClock]]:
    """(QUEUE_URL, clock) for a fresh, empty store of each backend."""
    clock = FakeClock()
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/jobs.sqlite", clock
    else:
        base = request.getfixturevalue("redis_url")
        yield base, clock


@pytest.fixture
def store(backend: tuple[str, FakeClock]) -> Iterator[JobStore]:
    url, clock = backend
    opened = open_store(url, clock=clock)
    if url.startswith("redis"):
        opened.prefix = f"test-{secrets.token_hex(4)}"  # type: ignore[attr-defined]
    yield opened
    opened.close()


@pytest.fixture
def clock(backend: tuple[str, FakeClock]) -> FakeClock:
    return backend[1]


def issue(number: int, sender: str = "alice") -> JobRequest:
    return JobRequest.for_issue("issue", REPO, number, installation_id=7, sender=sender)


def test_delivery_is_recorded_once(store: JobStore) -> None:
    first = store.accept("d-1", "issues", "opened", [issue(1)])
    assert not first.duplicate and len(first.job_ids) == 1 and first.coalesced == (False,)
    again = store.accept("d-1", "issues", "opened", [issue(1)])
    assert again.duplicate and again.job_ids == ()
    assert len(store.jobs()) == 1
    delivery = store.delivery("d-1")
    assert delivery is not None and delivery.job_ids == first.job_ids
    assert delivery.event == "issues" and delivery.action == "opened"
    assert store.delivery("d-unknown") is None


def test_irrelevant_delivery_is_recorded_without_jobs(store: JobStore) -> None:
    assert store.accept("d-1", "issues", "unlabeled", []).job_ids == ()
    assert store.accept("d-1", "issues", "unlabeled", []).duplicate
    assert store.jobs() == []


def test_queued_jobs_coalesce_per_issue(store: JobStore) -> None:
    a = store.accept("d-1", "issues", "opened", [issue(1)])
    b = store.accept("d-2", "issues", "edited", [issue(1, sender="bob")])
    c = store.accept("d-3", "issues", "opened", [issue(2)])
    assert b.job_ids == a.job_ids and b.coalesced == (True,)
    assert c.job_ids != a.job_ids
    job = store.get(a.job_ids[0])
    assert job is not None
    assert (job.events, job.delivery_id, job.sender, job.state) == (2, "d-2", "bob", "queued")
    assert [j.issue_number for j in store.jobs(state="queued")] == [1, 2]
    assert [j.id for j in store.jobs(issue_number=2)] == list(c.job_ids)


def test_claim_takes_the_oldest_and_leases_it(store: JobStore, clock: FakeClock) -> None:
    first = store.accept("d-1", "issues", "opened", [issue(1)]).job_ids[0]
    second = store.accept("d-2", "issues", "opened", [issue(2)]).job_ids[0]
    job = store.claim("w1", LEASE)
    assert job is not None and job.id == first
    assert (job.state, job.attempts, job.lease_owner) == ("running", 1, "w1")
    assert job.lease_expires_at == pytest.approx(clock.now + LEASE)
    assert job.installation_id == 7
    other = store.claim("w2", LEASE)
    assert other is not None and other.id == second
    assert store.claim("w3", LEASE) is None


def test_one_running_job_per_issue(store: JobStore) -> None:
    store.accept("d-1", "issues", "opened", [issue(1)])
    running = store.claim("w1", LEASE)
    assert running is not None
    # An event while the job runs gets a new queued job; it waits for the running one.
    newer = store.accept("d-2", "issues", "edited", [issue(1)])
    assert newer.coalesced == (False,) and newer.job_ids[0] != running.id
    assert store.claim("w2", LEASE) is None
    assert store.finish(running.id, "w1", "done", "pull request opened")
    claimed = store.claim("w2", LEASE)
    assert claimed is not None and claimed.id == newer.job_ids[0]


def test_only_the_lease_holder_finishes_or_renews(store: JobStore, clock: FakeClock) -> None:
    job_id = store.accept("d-1", "issues", "opened", [issue(1)]).job_ids[0]
    assert store.claim("w1", LEASE) is not None
    assert not store.finish(job_id, "w2", "done", "not mine")
    assert not store.renew(job_id, "w2", LEASE)
    clock.advance(30)
    assert store.renew(job_id, "w1", LEASE)
    job = store.get(job_id)
    assert job is not None and job.lease_expires_at == pytest.approx(clock.now + LEASE)
    assert store.finish(job_id, "w1", "waiting", "asked the user", error=None)
    done = store.get(job_id)
    assert done is not None
    assert (done.state, done.reason, done.lease_owner) == ("waiting", "asked the user", None)
    assert done.finished_at == pytest.approx(clock.now)
    assert not store.finish(job_id, "w1", "done", "twice")
    with pytest.raises(ValueError):
        store.finish(job_id, "w1", "queued", "not final")  # type: ignore[arg-type]


def test_expired_lease_is_requeued_and_the_old_holder_is_locked_out(
    store: JobStore, clock: FakeClock
) -> None:
    job_id = store.accept("d-1", "issues", "opened", [issue(1)]).job_ids[0]
    assert store.claim("w1", LEASE) is not None
    clock.advance(LEASE - 1)
    assert store.requeue_expired() == []
    clock.advance(2)
    assert store.requeue_expired() == [job_id]
    job = store.get(job_id)
    assert job is not None
    assert (job.state, job.lease_owner, job.last_error) == ("queued", None, "the worker was lost")
    again = store.claim("w2", LEASE)
    assert again is not None and again.id == job_id and again.attempts == 2
    assert not store.renew(job_id, "w1", LEASE)
    assert not store.finish(job_id, "w1", "done", "too late")
    assert store.finish(job_id, "w2", "done", "ok")


def test_expired_job_is_superseded_by_a_queued_one(store: JobStore, clock: FakeClock) -> None:
    old = store.accept("d-1", "issues", "opened", [issue(1)]).job_ids[0]
    assert store.claim("w1", LEASE) is not None
    newer = store.accept("d-2", "issues", "edited", [issue(1)]).job_ids[0]
    clock.advance(LEASE + 1)
    assert store.requeue_expired() == [old]
    job = store.get(old)
    assert job is not None and job.state == "done" and newer in (job.reason or "")
    assert [j.id for j in store.jobs(state="queued")] == [newer]


def test_retry_later_waits_for_not_before(store: JobStore, clock: FakeClock) -> None:
    job_id = store.accept("d-1", "issues", "opened", [issue(1)]).job_ids[0]
    assert store.claim("w1", LEASE) is not None
    assert not store.retry_later(job_id, "w2", clock.now + 10, "not mine")
    assert store.retry_later(job_id, "w1", clock.now + 10, "GitHub answered 502")
    job = store.get(job_id)
    assert job is not None and job.state == "queued" and job.last_error == "GitHub answered 502"
    # It keeps its place as the queued job of the issue: new events coalesce into it.
    assert store.accept("d-2", "issues", "edited", [issue(1)]).job_ids == (job_id,)
    assert store.claim("w1", LEASE) is None
    clock.advance(10)
    again = store.claim("w1", LEASE)
    assert again is not None and again.id == job_id and again.attempts == 2


def test_a_run_that_could_not_start_is_not_counted(store: JobStore, clock: FakeClock) -> None:
    job_id = store.accept("d-1", "issues", "opened", [issue(1)]).job_ids[0]
    for _ in range(3):
        claimed = store.claim("w1", LEASE)
        assert claimed is not None and claimed.attempts == 1
        assert store.retry_later(
            job_id, "w1", clock.now + 5, "data repository unavailable", count_attempt=False
        )
        job = store.get(job_id)
        assert job is not None and job.state == "queued" and job.attempts == 0
        assert job.last_error == "data repository unavailable"
        clock.advance(5)


def test_enqueue_without_delivery(store: JobStore) -> None:
    job_id, coalesced = store.enqueue(issue(5))
    assert not coalesced
    assert store.enqueue(issue(5)) == (job_id, True)
    store.ping()


def _claim_all(url: str, prefix: str | None, owner: str, out: multiprocessing.Queue) -> None:
    store = open_store(url)
    if prefix:
        store.prefix = prefix  # type: ignore[attr-defined]
    claimed = []
    while (job := store.claim(owner, LEASE)) is not None:
        claimed.append(job.id)
    out.put(claimed)
    store.close()


def test_concurrent_claims_from_processes_take_each_job_once(
    store: JobStore, backend: tuple[str, FakeClock]
) -> None:
    url, _ = backend
    expected = {
        store.accept(f"d-{n}", "issues", "opened", [issue(n)]).job_ids[0] for n in range(40)
    }
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    prefix = getattr(store, "prefix", None)
    workers = [
        context.Process(target=_claim_all, args=(url, prefix, f"w{i}", results)) for i in range(4)
    ]
    for process in workers:
        process.start()
    claimed = [job for _ in workers for job in results.get(timeout=60)]
    for process in workers:
        process.join(timeout=30)
    assert sorted(claimed) == sorted(expected)
    assert {j.state for j in store.jobs()} == {"running"}
