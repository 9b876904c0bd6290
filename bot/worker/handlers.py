"""Which code runs a job of each kind: the worker's side of ``bot.queue.kinds``.

One entry per kind, composed with ordinary imports, so that a reader (and
import-linter) can follow worker -> handler. A new kind adds its factory to
``bot.queue.kinds`` and its handler here.
"""

from __future__ import annotations

from bot.errors import Permanent
from bot.queue.kinds import BATCH_JOB, ISSUE_JOB, RECONCILE_JOB, UPSTREAM_JOB
from bot.worker.context import JobHandler
from bot.worker.jobs import batch, issue, reconcile, upstream

HANDLERS: dict[str, JobHandler] = {
    ISSUE_JOB: JobHandler(ISSUE_JOB, issue.run_issue_job, issue.report_failure),
    BATCH_JOB: JobHandler(BATCH_JOB, batch.run_batch_job),
    UPSTREAM_JOB: JobHandler(UPSTREAM_JOB, upstream.run_upstream_job),
    RECONCILE_JOB: JobHandler(RECONCILE_JOB, reconcile.run_reconcile_job),
}


class UnknownJobKind(Permanent, LookupError):
    """No handler exists for a job kind (a job queued by a newer or older version)."""


def handler_for(kind: str) -> JobHandler:
    """The handler of a job kind."""
    try:
        return HANDLERS[kind]
    except KeyError:
        raise UnknownJobKind(f"no handler for jobs of kind {kind!r}") from None
