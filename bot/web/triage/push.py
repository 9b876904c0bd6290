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
from bot.queue.kinds import upstream_job
from bot.web.router import EventContext, Payload, Router, installation_of, sender_login

router = Router()
"""This feature's triage functions (composed in ``bot.web.triage``)."""

"""The job kind that queues the jobs of every open bot pull request."""


@router.route("push")
def pushed(payload: Payload, context: EventContext) -> JobRequest | None:
    """Commits arrived on a branch: queue the upstream check if it is the default branch."""
    repository = payload.get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    if not isinstance(default, str) or payload.get("ref") != f"refs/heads/{default}":
        return None
    if payload.get("deleted") is True:
        return None
    return upstream_job(
        context.repo,
        installation_of(payload),
        sender_login(payload) or None,
        after=str(payload.get("after") or ""),
    )
