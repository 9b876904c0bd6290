"""The reconcile job: ``bot.worker.reconcile`` run by a worker every ``RECONCILE_INTERVAL_SECONDS``.

Workers queue it themselves (``bot.worker.runner``); it queues the issue jobs of the
issues whose events the bot missed, and one upstream check.
"""

from __future__ import annotations

from bot.worker.context import JobContext, JobFailed, Outcome, register_handler
from bot.worker.reconcile import RECONCILE_JOB, reconcile


def run_reconcile_job(context: JobContext) -> Outcome:
    """Find the issues the bot missed and queue their jobs."""
    if context.enqueue is None:
        raise JobFailed("reconciling needs a job store to queue jobs in")
    findings = reconcile(
        context.repo, context.settings, context.enqueue, context.job.installation_id
    )
    return Outcome("done", f"queued {len(findings)} issue job(s)")


register_handler(RECONCILE_JOB)(run_reconcile_job)
