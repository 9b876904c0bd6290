"""The worker: claims jobs from the store and runs their handlers, holding a lease meanwhile.

Any number of workers may run, on one machine (SQLite store) or several
(Redis store). Each one:

* on start, and then every half lease period, requeues jobs whose lease has
  expired (their worker died) and removes worktrees no running job uses; and,
  every ``RECONCILE_INTERVAL_SECONDS``, queues a reconcile job (``bot.worker.jobs.reconcile``);
* claims the oldest runnable job, renews its lease from a background thread
  while the handler runs, and records the outcome:

  ====================================  ===========================================
  the handler ...                       the job becomes ...
  ====================================  ===========================================
  returns ``Outcome("done"/"waiting")`` ``done`` / ``waiting``
  raises ``errors.Transient``           ``queued`` again, runnable after a backoff
                                        (``JOB_RETRY_BACKOFF`` doubling, or what
                                        GitHub asked); ``failed`` after
                                        ``JOB_MAX_ATTEMPTS`` runs
  raises ``errors.DataUnavailable``     ``queued`` again, the run not counted among
  (the data                             the attempts, after a wait that grows with
  repository cannot be cloned or        the outage (up to ``JOB_RETRY_MAX_BACKOFF``);
  fetched, or its data do not parse)    never ``failed`` for it. Recorded for
                                        ``/readyz`` (``bot.queue.data_status``) until a
                                        job uses the data again
  raises ``errors.Permanent``           ``failed`` (the message goes to the issue)
  raises anything else                  ``failed`` (a generic message; the log has it)
  ====================================  ===========================================

  A failed job is reported on its issue by the handler's ``report_failure``
  with a short message (never a stack trace; the logs have that).
* stops after the current job on SIGTERM or SIGINT.

A job whose lease this worker lost (it stalled longer than the lease) is
dropped silently: another worker owns it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable

from bot.config import GitIdentity, Settings
from bot.errors import DataUnavailable, Permanent, Transient
from bot.io.github import GitHubClient, make_github
from bot.io.workspace import Workspace
from bot.logs import log_context
from bot.queue import data_status
from bot.queue.jobs import Job, JobState, JobStore
from bot.queue.kinds import reconcile_job
from bot.worker.context import (
    JobContext,
    JobFailed,
    LeaseLost,
    ReportFailure,
)
from bot.worker.handlers import UnknownJobKind, handler_for
from bot.worker.health import heartbeat_path, write_heartbeat
from bot.worker.jobs.reconcile import reconcile_due

log = logging.getLogger(__name__)

GithubFactory = Callable[[Job], GitHubClient]

INTERNAL_ERROR_MESSAGE = (
    "The bot hit an internal error while working on this issue. Anthology staff can find "
    "the details in its logs."
)


def worker_id() -> str:
    """A name for this worker process, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseKeeper:
    """Renews a job's lease in a background thread until stopped; remembers if it was lost."""

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        owner: str,
        lease_seconds: float,
        beat: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self._beat = beat
        self.job_id = job_id
        self.owner = owner
        self.lease_seconds = lease_seconds
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.lease_seconds)

    def _run(self) -> None:
        interval = max(0.05, self.lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                if not self.store.renew(self.job_id, self.owner, self.lease_seconds):
                    self._lost.set()
                    return
                if self._beat is not None:
                    self._beat()  # a long job is no reason to call the worker dead
            except Exception:  # the store is briefly unreachable: try again next round
                log.warning("could not renew the lease of job %s", self.job_id, exc_info=True)

    def check(self) -> None:
        """Raise LeaseLost if another worker may own the job now."""
        if self._lost.is_set():
            raise LeaseLost(f"lost the lease of job {self.job_id}")


class Worker:
    """Runs jobs from ``store`` with ``settings`` (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        *,
        owner: str | None = None,
        github_factory: GithubFactory | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.owner = owner or worker_id()
        self._github_factory = github_factory or self._make_github
        self._github_settings = settings.github_settings() if github_factory is None else None
        self._last_maintenance = float("-inf")
        self.stop_event = threading.Event()
        self.heartbeat = heartbeat_path(settings.state_dir)

    # -- the loop --------------------------------------------------------------------

    def run(self, *, once: bool = False, max_jobs: int | None = None) -> int:
        """Work until stopped; with ``once`` until no job is runnable; at most ``max_jobs``.

        Returns the number of jobs run.
        """
        log.info("worker started", extra={"worker": self.owner})
        done = 0
        while not self.stop_event.is_set():
            self.beat()
            if max_jobs is not None and done >= max_jobs:
                break
            try:
                self.maintain()
                ran = self.run_one()
            except Exception:  # the store or the disk failed: wait, then try again
                log.exception("could not take a job; trying again shortly")
                ran = False
            if ran:
                done += 1
                continue
            if once:
                break
            self.stop_event.wait(self.settings.worker_poll_seconds)
        log.info("worker stopped", extra={"worker": self.owner, "jobs_run": done})
        return done

    def beat(self) -> None:
        """Touch the heartbeat file that ``python -m bot healthcheck worker`` reads."""
        try:
            write_heartbeat(self.heartbeat)
        except OSError:
            log.warning("could not write the heartbeat file %s", self.heartbeat, exc_info=True)

    def maintain(self, force: bool = False) -> None:
        """Requeue jobs of dead workers, remove unused worktrees and prune old finished jobs.

        Every half lease.
        """
        now = time.monotonic()
        if not force and now - self._last_maintenance < self.settings.job_lease_seconds / 2:
            return
        self._last_maintenance = now
        for job_id in self.store.requeue_expired():
            log.warning("requeued a job whose worker was lost", extra={"job": job_id})
        running = [job.id for job in self.store.jobs(state="running")]
        workspace = Workspace(self.settings.state_dir, self.settings.clone_url, self.identity)
        workspace.clean_stale_worktrees(keep=running, older_than=60)
        if reconcile_due(self.settings):
            self.store.enqueue(reconcile_job(self.settings.anthology_repo))
            log.info("queued the periodic reconciliation")
        if self.settings.job_retention_days > 0:  # finished jobs are history, not state
            removed = self.store.prune(older_than=self.settings.job_retention_days * 24 * 3600)
            if removed:
                log.info("pruned finished jobs", extra={"pruned": removed})

    @property
    def identity(self) -> GitIdentity:
        return self.settings.git_identity

    def run_one(self) -> bool:
        """Claim and run one job; False if none was runnable."""
        job = self.store.claim(self.owner, self.settings.job_lease_seconds)
        if job is None:
            return False
        with log_context(
            job=job.id, issue=job.issue_number, delivery=job.delivery_id, kind=job.kind
        ):
            self._execute(job)
        return True

    # -- one job -----------------------------------------------------------------------

    def _make_github(self, job: Job) -> GitHubClient:
        assert self._github_settings is not None
        return make_github(self._github_settings, job.installation_id)

    def _context(self, job: Job, lease: LeaseKeeper) -> JobContext:
        client = self._github_factory(job)
        workspace = Workspace(
            self.settings.state_dir,
            self.settings.clone_url,
            self.identity,
            token=client.git_token,
        )
        return JobContext(
            job, self.settings, client.repo(job.repo), workspace, lease, self.store.enqueue
        )

    def _execute(self, job: Job) -> None:
        log.info("job started", extra={"attempt": job.attempts, "events": job.events})
        started = time.monotonic()
        try:
            handler = handler_for(job.kind)
        except UnknownJobKind as exc:
            self._finish(job, "failed", str(exc))
            return
        lease_seconds = self.settings.job_lease_seconds
        with LeaseKeeper(self.store, job.id, self.owner, lease_seconds, self.beat) as lease:
            context: JobContext | None = None
            try:
                context = self._context(job, lease)
                if job.attempts > self.settings.job_max_attempts:
                    raise JobFailed(
                        f"The bot stopped {job.attempts - 1} times while working on this "
                        "issue and has given up."
                    )
                outcome = handler.run(context)
            except LeaseLost:
                log.warning("lost the job's lease; leaving the job to its new worker")
                return
            except DataUnavailable as exc:
                self._data_unavailable(job, exc)
                return
            except Transient as exc:
                self._transient(job, context, handler.report_failure, exc)
                return
            except Permanent as exc:
                log.error("job failed: %s", exc)
                self._fail(job, context, handler.report_failure, str(exc))
                return
            except Exception:
                log.exception("job failed with an internal error")
                self._fail(job, context, handler.report_failure, INTERNAL_ERROR_MESSAGE)
                return
            if context.workspace.fetched_at is not None:
                self._data_available()
            lease_ok = True
            try:
                lease.check()
            except LeaseLost:
                lease_ok = False
        if lease_ok:
            self._finish(job, outcome.state, outcome.reason)
            log.info(
                "job %s: %s",
                outcome.state,
                outcome.reason,
                extra={"seconds": round(time.monotonic() - started, 3)},
            )

    def _finish(self, job: Job, state: JobState, reason: str, error: str | None = None) -> None:
        if not self.store.finish(job.id, self.owner, state, reason, error):
            log.warning("could not record the job's end: another worker holds it")

    def _transient(
        self,
        job: Job,
        context: JobContext | None,
        report: ReportFailure | None,
        exc: Transient,
    ) -> None:
        message = str(exc)
        if job.attempts >= self.settings.job_max_attempts:
            log.error("job failed after %d attempts: %s", job.attempts, message)
            self._fail(
                job,
                context,
                report,
                f"{message} The bot tried {job.attempts} times and has given up.",
            )
            return
        wait = self.settings.job_backoff(job.attempts)
        retry_after = exc.retry_after
        if retry_after:
            wait = max(wait, float(retry_after))
        log.warning("job will run again in %.0f s: %s", wait, message)
        if not self.store.retry_later(job.id, self.owner, self.store.clock() + wait, message):
            log.warning("could not requeue the job: another worker holds it")

    def _data_unavailable(self, job: Job, exc: DataUnavailable) -> None:
        """The data repository cannot be used: the job waits for it, its attempt not counted.

        No job can succeed meanwhile and none is at fault, so none fails for it:
        the problem is recorded for ``/readyz`` (``bot.queue.data_status``) and the job
        runs again after a wait that grows with the outage, up to
        ``JOB_RETRY_MAX_BACKOFF``.
        """
        problem = data_status.record_problem(self.settings.state_dir, str(exc))
        wait = min(
            self.settings.job_retry_max_backoff,
            max(self.settings.job_retry_backoff, problem.down_for),
        )
        log.error(
            "the data repository is unavailable; the job waits %.0f s: %s",
            wait,
            problem.detail,
            extra={"data_unavailable_since": problem.since_iso},
        )
        message = f"waiting for the data repository: {problem.detail}"
        if not self.store.retry_later(
            job.id, self.owner, self.store.clock() + wait, message, count_attempt=False
        ):
            log.warning("could not requeue the job: another worker holds it")

    def _data_available(self) -> None:
        """A job fetched and used the data: clear a recorded data problem."""
        cleared = data_status.clear_problem(self.settings.state_dir)
        if cleared is not None:
            log.info(
                "the data repository is available again",
                extra={"down_seconds": round(time.time() - cleared.since, 1)},
            )

    def _fail(
        self, job: Job, context: JobContext | None, report: ReportFailure | None, message: str
    ) -> None:
        if report is not None and context is not None:
            try:
                report(context, message)
            except Exception:
                log.warning("could not report the failure on the issue", exc_info=True)
        self._finish(job, "failed", message[:500], error=message)
