"""Triage of ``issues`` events: which ones make the bot (re)read an assignment issue.

An issue is the bot's when :func:`bot.forms.is_bot_issue` says so: filed with the
"Fix paper assignment" form, or with the Anthology's old author-page form as the
settings' ``IssueScope`` says (``OLD_FORM_ISSUES``: by default every old-form issue
labelled ``author-page`` or not labelled; with ``staff-labelled`` only once it has
``STAFF_LABEL``, whose adder the job checks). For such an issue these events queue
an issue job (kind ``issue``, handled by ``bot.worker.jobs.issue``):

* ``opened``, ``edited`` (the user answered a question by editing the form),
  ``reopened``;
* ``labeled`` with a label that can make an old-form issue the bot's
  (``IssueScope.trigger_labels``: ``ISSUE_LABELS`` and ``STAFF_LABEL``) or with the
  approval label;
* ``closed`` (the job sees the issue closed and records that; the maintainer
  workflow decides what else happens then).

The payload's body is used only for this cheap decision; the job fetches the
issue again, so replays and reruns work from its current state.
"""

from __future__ import annotations

import logging

from bot.config import IssueScope
from bot.forms import is_bot_issue
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

router = Router()
"""This feature's triage functions (composed in ``bot.web.triage``)."""

log = logging.getLogger(__name__)


def _labels(issue: Payload) -> list[str]:
    labels = issue.get("labels") or []
    return [str(lb.get("name", "")) for lb in labels if isinstance(lb, dict)]


def is_bot_issue_payload(issue: Payload, scope: IssueScope) -> bool:
    """Whether an issue in a webhook payload is one the bot handles (see ``forms.is_bot_issue``)."""
    try:
        return is_bot_issue(
            str(issue.get("title") or ""), str(issue.get("body") or ""), _labels(issue), scope
        )
    except Exception:  # a parser bug must not lose the event: let the job decide
        log.exception("could not classify issue #%s; queueing it anyway", issue.get("number"))
        return True


def _issue_job(payload: Payload, context: EventContext) -> JobRequest | None:
    issue = payload.get("issue")
    if not isinstance(issue, dict):
        return None
    number = issue_number_of(issue)
    if "pull_request" in issue or not is_bot_issue_payload(issue, context.issue_scope):
        return None
    return issue_job(
        context.repo,
        number,
        installation_id=installation_of(payload),
        sender=sender_login(payload) or None,
        action=str(payload.get("action")),
    )


@router.route("issues", "opened", "edited", "reopened", "closed")
def issue_changed(payload: Payload, context: EventContext) -> JobRequest | None:
    """A bot issue was filed, edited, reopened or closed: bring it up to date."""
    return _issue_job(payload, context)


@router.route("issues", "labeled")
def issue_labeled(payload: Payload, context: EventContext) -> JobRequest | None:
    """A label that changes what the bot does with an issue was added."""
    label = payload.get("label")
    name = str(label.get("name", "")) if isinstance(label, dict) else ""
    relevant = set(context.issue_scope.trigger_labels())
    if context.approval_label:
        relevant.add(context.approval_label.lower())
    if name.lower() not in relevant:
        return None
    return _issue_job(payload, context)
