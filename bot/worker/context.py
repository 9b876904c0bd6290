"""What a job handler gets, returns and raises, and the registry of handlers by job kind.

A handler is a function ``run(context) -> Outcome`` for one job kind; the table
of handlers by kind is ``bot.worker.handlers``.

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

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.config import Settings
from bot.errors import BotError, Permanent
from bot.io.github import GitHubRepo
from bot.io.workspace import Workspace
from bot.queue.jobs import Job, JobRequest


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
