"""Triage of ``issue_comment`` events: a comment with a command queues the issue job.

A new comment on one of the bot's issues that holds a command
(``bot.workflow.commands``: ``/apply``, ``@bot batch``, ...) queues the ordinary issue
job for that issue, coalesced with any other event for it. The job reads the
comments itself, finds the commands it has not answered yet, checks who wrote
them against the repository's permissions and carries them out
(``bot.worker.jobs.commands``); the payload decides only whether to queue.

A comment edited into one with a command queues the job too, which answers it
without carrying it out (commands count as a comment was first written).
A mistyped command or an unclear mention of the bot queues the job, which answers it.
A comment by the person who filed the issue queues the job too: it may answer the bot's
questions (``bot.forms.thread``); the job reads it only if the bot asked something.

Ignored here: comments on pull requests (the payload's issue has a
``pull_request`` key), deleted comments, others' comments without a command,
comments on issues that are not the bot's, and (by the router) the bot's own.
"""

from __future__ import annotations

from bot.queue.jobs import JobRequest
from bot.queue.kinds import issue_job
from bot.web.router import (
    EventContext,
    Payload,
    Router,
    installation_of,
    issue_number_of,
    sender_login,
)
from bot.web.triage.issues import is_bot_issue_payload
from bot.workflow.commands import parse_comment

router = Router()
"""This feature's triage functions (composed in ``bot.web.triage``)."""


@router.route("issue_comment", "created", "edited")
def comment_created(payload: Payload, context: EventContext) -> JobRequest | None:
    """A new (or edited) comment: queue the issue job if it says something to the bot."""
    issue = payload.get("issue")
    comment = payload.get("comment")
    if not isinstance(issue, dict) or not isinstance(comment, dict):
        return None
    number = issue_number_of(issue)
    if "pull_request" in issue:
        return None
    says_command = bool(parse_comment(str(comment.get("body") or ""), context.bot_login))
    if not says_command and not _by_filer(issue, comment):
        return None
    if not is_bot_issue_payload(issue, context.issue_scope):
        return None
    return issue_job(
        context.repo,
        number,
        installation_id=installation_of(payload),
        sender=sender_login(payload) or None,
        action="command" if says_command else "answer",
        comment=comment.get("id"),
    )


def _by_filer(issue: Payload, comment: Payload) -> bool:
    """Whether the comment is by the person who filed the issue (a possible answer)."""
    filer, author = issue.get("user"), comment.get("user")
    if not isinstance(filer, dict) or not isinstance(author, dict):
        return False
    login = str(filer.get("login") or "")
    return bool(login) and login.lower() == str(author.get("login") or "").lower()
