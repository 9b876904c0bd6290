"""The upstream job: after the default branch moved, check every open bot pull request.

It only fans out: for each open pull request of the bot, the issue job
(single-issue branch ``bot/paper-assignment-<N>``) or the batch job (a batch
pull request) is queued, coalesced with whatever is queued for that issue or
batch already. Each of those re-plans its request on the new head and
re-creates the branch only when the pull request would now conflict or give
another result than the replay (see ``bot.worker.jobs.issue``); a branch with
commits by people is left alone, with a comment. A pull request whose change the
default branch already holds (made there by hand: an empty diff) is closed with a
note and the issue told; one that conflicts and cannot be rebuilt now (questions,
approval withdrawn) is flagged for staff on the pull request.
"""

from __future__ import annotations

import logging

from bot.queue.kinds import batch_job, issue_job
from bot.worker.context import JobContext, Outcome
from bot.workflow.batches import BatchRecord
from bot.workflow.branches import issue_for_branch

log = logging.getLogger(__name__)


def run_upstream_job(context: JobContext) -> Outcome:
    """Queue the job of every open pull request the bot made."""
    repo, job = context.repo, context.job
    login = repo.client.login()
    queued = 0
    for pull in repo.open_pulls():
        if pull.author != login:
            continue
        number = issue_for_branch(pull.head)
        if number is not None:
            request = issue_job(
                job.repo, number, installation_id=job.installation_id, action="upstream"
            )
        elif BatchRecord.from_body(pull.body) is not None:
            request = batch_job(job.repo, pull.head, job.installation_id)
        else:
            continue
        context.follow_up(request)
        queued += 1
    log.info("queued the jobs of %d open pull requests", queued)
    return Outcome("done", f"queued {queued} job(s) for open pull requests")
