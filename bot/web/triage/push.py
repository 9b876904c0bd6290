"""Triage of ``push`` events: the default branch moved, so the bot's pull requests may be stale.

A push to the default branch (a merged pull request, a maintainer's commit)
can make a bot pull request conflict, or make its plan wrong (another change
moved the same papers). It queues one *upstream* job (coalesced: a burst of
pushes gives one job), which queues the job of every open bot pull request;
each of those re-plans on the new head and re-creates its branch only if the
pull request would now conflict or give another result
(``bot.worker.jobs.issue``, ``bot.worker.jobs.batch``).

Pushes to other branches are ignored, and so are deletions of the default
branch (which GitHub does not allow anyway).
"""

from __future__ import annotations

from bot.queue.jobs import JobRequest
from bot.web.router import EventContext, Payload, installation_of, router, sender_login

UPSTREAM_JOB = "upstream"
"""The job kind that queues the jobs of every open bot pull request."""


def upstream_job_request(repo: str, installation_id: int | None = None) -> JobRequest:
    """The upstream job; one queued per repository at a time."""
    return JobRequest(UPSTREAM_JOB, repo, None, f"{repo.lower()}/upstream", installation_id)


@router.route("push")
def pushed(payload: Payload, context: EventContext) -> JobRequest | None:
    """Commits arrived on a branch: queue the upstream check if it is the default branch."""
    repository = payload.get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    if not isinstance(default, str) or payload.get("ref") != f"refs/heads/{default}":
        return None
    if payload.get("deleted") is True:
        return None
    request = upstream_job_request(context.repo, installation_of(payload))
    return JobRequest(
        request.kind,
        request.repo,
        None,
        request.coalesce_key,
        request.installation_id,
        sender_login(payload) or None,
        {"after": str(payload.get("after") or "")},
    )
