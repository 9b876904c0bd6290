"""Triage of ``pull_request`` events: one of the bot's pull requests was merged or closed.

* The single-issue branch ``bot/paper-assignment-<N>`` queues the issue job of
  issue N, which tells the issue: when the change will be live (merged), or
  that no new pull request comes until ``/apply`` (closed unmerged).
* A batch pull request (its body carries the batch record, ``bot.workflow.batches``)
  queues the batch job, which queues the jobs of the batch's issues.

Pull requests closed by the bot itself (``/cancel``, a batch superseding a
single pull request) are dropped by the router: the job that closed them has
already updated the issue.
"""

from __future__ import annotations

from bot.queue.jobs import JobRequest
from bot.queue.kinds import batch_job, issue_job
from bot.web.router import EventContext, Payload, Router, installation_of, sender_login
from bot.workflow.branches import BatchNameError, check_batch_name, issue_for_branch
from bot.workflow.markers import BATCH_MARKER

router = Router()
"""This feature's triage functions (composed in ``bot.web.triage``)."""


@router.route("pull_request", "closed")
def pull_closed(payload: Payload, context: EventContext) -> JobRequest | None:
    """A pull request was merged or closed: update the issue(s) whose change it carried."""
    pull = payload.get("pull_request")
    if not isinstance(pull, dict):
        return None
    head = pull.get("head")
    branch = str(head.get("ref") or "") if isinstance(head, dict) else ""
    number = issue_for_branch(branch)
    if number is not None:
        return issue_job(
            context.repo,
            number,
            installation_id=installation_of(payload),
            sender=sender_login(payload) or None,
            action="pull_closed",
        )
    user = pull.get("user")
    author = str(user.get("login") or "") if isinstance(user, dict) else ""
    if BATCH_MARKER not in str(pull.get("body") or ""):
        return None
    if context.bot_login and author.lower() != context.bot_login.lower():
        return None
    try:
        check_batch_name(branch)
    except BatchNameError:
        return None
    return batch_job(context.repo, branch, installation_of(payload))
