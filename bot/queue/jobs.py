"""Jobs: what a webhook asks the worker to do, and the store that is both table and queue.

The web process turns a relevant webhook delivery into a :class:`JobRequest`
and hands it to the :class:`JobStore` together with the delivery id; a worker
claims the job, works on it and records how it ended. The job table **is** the
queue: there is no second queue to keep in step with it.

States and transitions::

    (delivery) ──> queued ──claim──> running ──> done      (the issue is handled)
                     ^  ^              │    └──> waiting   (the bot asked a person something)
                     │  └─retry_later──┤    └──> failed    (permanent error, or attempts used up)
                     └──lease expired──┘

* A worker *claims* the oldest queued job whose ``not_before`` has passed,
  atomically, and holds a **lease** on it (``lease_owner``, ``lease_expires_at``)
  that it renews while it works. A worker that dies loses its lease; the job
  is requeued (:meth:`JobStore.requeue_expired`, run by every worker at start
  and periodically) and nothing is lost. Only the lease holder can finish,
  renew or requeue a job.
* **Coalescing**: at most one *queued* job per ``coalesce_key`` (for issue jobs
  ``<repo>#<number>``). A newer event for an issue that already has a queued
  job only marks that job (``events`` + 1, newest delivery id): the job reads the
  issue's current state when it runs, so one run covers every event before it.
* **One at a time per issue**: a queued job is not claimed while another job
  with its key is running, so two workers never work on one issue at once. An
  event arriving while a job runs gets a new queued job, which runs after it.
* **Deliveries**: every delivery id is recorded together with the jobs it
  created, in one transaction. A repeated id (GitHub's redelivery, a replay)
  is recognised and creates nothing.
* ``waiting`` and ``done`` and ``failed`` are final for that job; a new event
  creates a new job.

Why not huey (which the project guide mentions): huey delivers a task at most
once (a task running when its consumer dies is gone), so the bot would need
this job table anyway to know what was lost; the queue would then be a second
source of truth to reconcile with it. Coalescing per issue, one running job per
issue, visible not-before retries and leases are not huey features either; what
it adds (periodic tasks, a result store, its consumer process model) the bot
does not need. A lease queue on the job table is a few hundred lines per backend
and keeps one source of truth.

Backends (``bot.queue.stores.open_store``, by ``QUEUE_URL``): SQLite (``bot.queue.sqlite_store``,
the embedded default, for one machine and any number of processes) and Redis
(``bot.queue.redis_store``, for workers on several machines).
"""

from __future__ import annotations

import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

JobState = Literal["queued", "running", "waiting", "done", "failed"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "waiting", "done", "failed")
FINAL_STATES: tuple[JobState, ...] = ("waiting", "done", "failed")

Clock = Callable[[], float]


def issue_key(repo: str, issue_number: int) -> str:
    """The coalescing key of jobs about one issue."""
    return f"{repo.lower()}#{issue_number}"


def new_job_id(kind: str, issue_number: int | None) -> str:
    """A unique job id that says what it is about (``issue-12-3f9a0c1d2e``).

    Job ids name worktree folders, so they use only ``[A-Za-z0-9._-]``.
    """
    subject = str(issue_number) if issue_number is not None else "x"
    return f"{kind}-{subject}-{secrets.token_hex(5)}"


@dataclass(frozen=True)
class JobRequest:
    """What a webhook delivery asks for: a job of ``kind`` about an issue of ``repo``.

    ``coalesce_key`` None means the job is never merged with others (for example
    a command in one particular comment).
    """

    kind: str
    repo: str
    issue_number: int | None
    coalesce_key: str | None
    installation_id: int | None = None
    sender: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_issue(
        cls,
        kind: str,
        repo: str,
        issue_number: int,
        installation_id: int | None = None,
        sender: str | None = None,
        **detail: Any,
    ) -> JobRequest:
        """A request coalesced with other requests about the same issue."""
        return cls(
            kind,
            repo,
            issue_number,
            issue_key(repo, issue_number),
            installation_id,
            sender,
            dict(detail),
        )


@dataclass(frozen=True)
class Job:
    """One unit of work and its lifecycle (see the module docstring)."""

    id: str
    kind: str
    repo: str
    issue_number: int | None
    coalesce_key: str | None
    delivery_id: str | None
    state: JobState
    created_at: float
    updated_at: float
    installation_id: int | None = None
    sender: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    events: int = 1
    not_before: float = 0.0
    last_error: str | None = None
    reason: str | None = None
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None

    @classmethod
    def new(cls, request: JobRequest, delivery_id: str | None, now: float) -> Job:
        return cls(
            id=new_job_id(request.kind, request.issue_number),
            kind=request.kind,
            repo=request.repo,
            issue_number=request.issue_number,
            coalesce_key=request.coalesce_key,
            delivery_id=delivery_id,
            state="queued",
            created_at=now,
            updated_at=now,
            installation_id=request.installation_id,
            sender=request.sender,
            detail=dict(request.detail),
            not_before=now,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["detail"] = dict(values.get("detail") or {})
        return cls(**values)

    def with_changes(self, **changes: Any) -> Job:
        return replace(self, **changes)


@dataclass(frozen=True)
class Accepted:
    """What the store did with a delivery: ``duplicate``, or the jobs it queued or marked."""

    duplicate: bool
    job_ids: tuple[str, ...] = ()
    coalesced: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery the web process accepted."""

    delivery_id: str
    event: str
    action: str | None
    received_at: float
    job_ids: tuple[str, ...] = ()


class JobStore(ABC):
    """The job table and queue; every method is atomic across processes.

    ``clock`` gives the current time (seconds since the epoch); tests pass a
    fake one.
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock

    # -- the web process ---------------------------------------------------------

    @abstractmethod
    def accept(
        self,
        delivery_id: str,
        event: str,
        action: str | None,
        requests: Sequence[JobRequest],
    ) -> Accepted:
        """Record a delivery and queue (or coalesce) its jobs, all or nothing.

        A delivery id seen before gives ``Accepted(duplicate=True)`` and changes nothing.
        """

    def enqueue(self, request: JobRequest) -> tuple[str, bool]:
        """Queue one job without a delivery (for the CLI); returns (job id, coalesced)."""
        accepted = self.accept(f"local-{secrets.token_hex(8)}", "local", None, [request])
        return accepted.job_ids[0], accepted.coalesced[0]

    # -- workers -----------------------------------------------------------------

    @abstractmethod
    def claim(self, owner: str, lease_seconds: float) -> Job | None:
        """Take the oldest runnable queued job for ``owner``; None if there is none."""

    @abstractmethod
    def renew(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        """Extend the lease; False if ``owner`` does not hold the job any more."""

    @abstractmethod
    def finish(
        self, job_id: str, owner: str, state: JobState, reason: str, error: str | None = None
    ) -> bool:
        """End a running job as ``done``, ``waiting`` or ``failed``; False if not the holder."""

    @abstractmethod
    def retry_later(
        self,
        job_id: str,
        owner: str,
        not_before: float,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> bool:
        """Put a running job back in the queue, runnable from ``not_before``.

        If a newer job for the same issue is queued already, that job covers this
        one: this one ends as ``done`` (superseded). False if not the holder.
        With ``count_attempt`` False the run does not count among the job's
        ``attempts`` (it could not even start: the data repository is unavailable).
        """

    @abstractmethod
    def requeue_expired(self) -> list[str]:
        """Requeue running jobs whose lease has expired; returns their ids."""

    # -- operators ---------------------------------------------------------------

    @abstractmethod
    def retry(self, job_id: str) -> Job:
        """Queue a ``failed`` job again, runnable now, its attempts counted from zero.

        Raises :class:`RetryRefused` for an unknown job, a job in another state,
        or one whose issue has a queued job already (that job will do the work).
        """

    @abstractmethod
    def prune(self, older_than: float) -> int:
        """Delete jobs finished more than ``older_than`` seconds ago; returns how many.

        Only final jobs go (``done``, ``waiting``, ``failed``); queued and
        running ones never do. Delivery ids are kept (a redelivery must still be
        recognised), in Redis for ``DELIVERY_TTL``.
        """

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version recorded in the store (see ``SCHEMA_VERSION``)."""

    # -- reading -----------------------------------------------------------------

    @abstractmethod
    def get(self, job_id: str) -> Job | None:
        """A job by id."""

    @abstractmethod
    def jobs(self, state: JobState | None = None, issue_number: int | None = None) -> list[Job]:
        """Jobs, oldest first, optionally only in one state or about one issue number."""

    @abstractmethod
    def delivery(self, delivery_id: str) -> Delivery | None:
        """A recorded delivery."""

    @abstractmethod
    def ping(self) -> None:
        """Raise if the store cannot be reached (for ``/readyz``)."""

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release connections."""


class RetryRefused(ValueError):
    """A job that ``retry`` cannot queue again; the message says why."""


def check_retry(job: Job | None, job_id: str, queued_id: str | None) -> Job:
    """The job to retry, or :class:`RetryRefused` saying why not (shared by the backends)."""
    if job is None:
        raise RetryRefused(f"no job {job_id}")
    if job.state != "failed":
        raise RetryRefused(f"job {job_id} is {job.state}; only failed jobs can be retried")
    if queued_id is not None:
        raise RetryRefused(
            f"issue {job.coalesce_key} has the queued job {queued_id}, which will do this work"
        )
    return job


DELIVERY_TTL = 90 * 24 * 3600
"""Seconds a delivery id is remembered (GitHub lets people redeliver for a few weeks)."""

SCHEMA_VERSION = 1
"""The job store schema this code reads and writes, recorded in each store.

A store from before versions were recorded counts as version 0, which has
the same layout as version 1: opening it records version 1. Each backend
keeps its own steps from one version to the next and runs the missing ones
when it opens a store; a store with a newer version than this is refused
(:class:`StoreVersionError`), so an older bot never misreads a newer store.
"""


class StoreVersionError(RuntimeError):
    """The store was written by a newer version of the bot."""


def check_version(where: str, version: int) -> None:
    """Refuse a store from a newer bot."""
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"{where} has job store schema {version}; this bot knows up to "
            f"{SCHEMA_VERSION}: upgrade the bot (or point QUEUE_URL at a store it wrote)"
        )


def superseded_reason(job_id: str) -> str:
    """The reason recorded on a job whose work a newer queued job will do."""
    return f"superseded by the queued job {job_id}"
