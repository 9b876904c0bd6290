"""What a job handler gets, returns and raises, and the registry of handlers by job kind.

A handler is a function ``run(context) -> Outcome`` registered for a job kind::

    @register_handler("issue", report_failure=report_issue_failure)
    def run_issue_job(context: JobContext) -> Outcome: ...

It works from the current state on GitHub and in the data repository, never
from the webhook payload, so that running it twice for the same state changes
nothing the second time. How it ends:

* it returns an :class:`Outcome` (``done``, or ``waiting`` when a person must act);
* it raises :class:`bot.io.github.GitHubUnavailable` or :class:`bot.io.workspace.GitError`:
  a passing failure, the worker runs the job again later (with backoff);
* it raises :class:`JobFailed` (its message is shown on the issue) or any other
  error: the job fails, and ``report_failure`` tells the issue.

Before an irreversible step (a push), a handler calls ``context.lease.check()``:
if the worker lost its lease, another worker may own the job by now.

Handler modules are listed in :data:`HANDLER_MODULES`; a feature adds its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.config import Settings
from bot.errors import BotError, Permanent
from bot.io.github import GitHubRepo
from bot.io.workspace import Workspace
from bot.queue.jobs import Job, JobRequest

HANDLER_MODULES: tuple[str, ...] = (
    "bot.worker.jobs.issue",
    "bot.worker.jobs.batch",
    "bot.worker.jobs.upstream",
    "bot.worker.jobs.reconcile",
)


class JobFailed(Permanent):
    """The job cannot succeed; the message is for the issue (no internals, no secrets)."""


class LeaseLost(BotError):
    """This worker no longer holds the job's lease: stop without touching anything."""


class Lease(Protocol):
    def check(self) -> None:
        """Raise :class:`LeaseLost` if the job's lease was lost."""


@dataclass(frozen=True)
class Outcome:
    """How a job ended: ``done``, or ``waiting`` for a person; ``reason`` for the job table."""

    state: Literal["done", "waiting"]
    reason: str


Enqueue = Callable[[JobRequest], tuple[str, bool]]


@dataclass
class JobContext:
    """A running job and the means to work on it.

    ``enqueue`` queues follow-up jobs (a batch to rebuild, issues to update),
    coalesced like webhook jobs; None where the runner offers no job store.
    """

    job: Job
    settings: Settings
    repo: GitHubRepo
    workspace: Workspace
    lease: Lease
    enqueue: Enqueue | None = None

    def follow_up(self, request: JobRequest) -> None:
        """Queue a follow-up job, if the runner can (see ``enqueue``)."""
        if self.enqueue is not None:
            self.enqueue(request)


Run = Callable[[JobContext], Outcome]
ReportFailure = Callable[[JobContext, str], None]


@dataclass(frozen=True)
class JobHandler:
    """The code for one job kind."""

    kind: str
    run: Run
    report_failure: ReportFailure | None = None


_REGISTRY: dict[str, JobHandler] = {}


def register_handler(
    kind: str, *, report_failure: ReportFailure | None = None
) -> Callable[[Run], Run]:
    """Register the decorated function as the handler of ``kind``."""

    def register(run: Run) -> Run:
        _REGISTRY[kind] = JobHandler(kind, run, report_failure)
        return run

    return register


class UnknownJobKind(LookupError):
    """No handler is registered for a job kind."""


def handler_for(kind: str) -> JobHandler:
    """The handler of a job kind (importing the handler modules on first use)."""
    if kind not in _REGISTRY:
        for module in HANDLER_MODULES:
            importlib.import_module(module)
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnknownJobKind(f"no handler for jobs of kind {kind!r}") from None
