"""Reconciliation: find the issues whose events the bot missed, and queue their jobs.

GitHub does not redeliver a failed webhook delivery by itself, the web process
may have been down, and a job may have failed for good. So from time to time
the bot compares what GitHub shows with what it remembers (the hidden state in
each status comment, ``bot.workflow.state``) and queues the issue job where they
disagree. It reads, for each open issue labelled ``author-page``, ``correction``,
``ISSUE_LABELS`` or ``STAFF_LABEL`` that is the bot's (``bot.forms.is_bot_issue``), the comments
(one request per issue; reactions only for unanswered-looking commands), and
queues a job when:

* there is no status comment yet;
* the issue's text differs from the text the status comment describes (an
  edit the bot missed; GitHub's ``updated_at`` is no help, comments and labels
  move it too);
* a command has no answer from the bot;
* the pull request that carried the issue's change is no longer open, and the
  bot has not said so;
* the issue is approved (label) but still waits for approval in the status
  comment;
* the issue is in a batch whose open pull request does not hold this version
  of it.

It also queues one *upstream* job, which checks every open bot pull request
against the default branch (a ``push`` event may have been missed too).

Reconciling twice queues nothing new: jobs are coalesced per issue, and every
job is idempotent. A failed job is not retried by reconciliation (that would
repeat a permanent failure every period); ``/retry`` is for that.

``python -m bot reconcile`` runs it once (``--dry-run`` only lists); workers run
it every ``RECONCILE_INTERVAL_SECONDS`` as a job of kind ``reconcile``. Workers
on one machine share a time stamp in the state directory, so the period holds
for the machine, not per process; the first period starts when the first
worker starts (run the command once after a deployment to catch up at once).
A GitHub App needs ``GITHUB_INSTALLATION_ID`` for this: such jobs come from no
webhook, so nothing else names the installation.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.forms import is_bot_issue, load_form_spec
from bot.io.github import CommentInfo, GitHubRepo, IssueInfo, PullInfo
from bot.queue.jobs import JobRequest
from bot.queue.kinds import issue_job, upstream_job
from bot.worker.context import JobContext, JobFailed, Outcome
from bot.worker.jobs.commands import unanswered
from bot.worker.jobs.issue import status_comment_of
from bot.workflow.batches import BatchRecord
from bot.workflow.state import IssueState, approval_pending, fingerprint, is_approved

log = logging.getLogger(__name__)

STAMP_FILE = "reconcile.stamp"


def reconcile_due(settings: Settings, now: float | None = None) -> bool:
    """Whether a period has passed since the last reconciliation on this machine.

    The first call only starts the clock. A True answer restarts it, so of
    several workers only one gets True per period.
    """
    if settings.reconcile_interval <= 0:
        return False
    if not settings.github_token and settings.github_installation_id is None:
        return False  # an App needs GITHUB_INSTALLATION_ID for jobs no webhook started
    now = time.time() if now is None else now
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    stamp = settings.state_dir / STAMP_FILE
    with open(settings.state_dir / f"{STAMP_FILE}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not stamp.exists():
                stamp.touch()
                os.utime(stamp, (now, now))
                return False
            if now - stamp.stat().st_mtime < settings.reconcile_interval:
                return False
            os.utime(stamp, (now, now))
            return True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Finding:
    """An issue whose state the bot missed, and how that shows."""

    number: int
    reason: str


def missed(
    repo: GitHubRepo,
    settings: Settings,
    issue: IssueInfo,
    comments: Sequence[CommentInfo],
    bot_login: str,
    open_pulls: Sequence[PullInfo],
) -> str | None:
    """Why the issue needs its job, or None if the bot is up to date with it."""

    status = status_comment_of(list(comments), bot_login)
    if status is None:
        return "no status comment"
    state = IssueState.from_comment(status.body)
    fp = fingerprint(issue.title, issue.body)
    if state.fp is None:
        return "the status comment predates the bot's memory"
    if state.fp != fp:
        return "edited since the status comment"
    if state.kind == "failed":
        return None
    if unanswered(repo, issue.number, comments, bot_login, state.answered)[0]:
        return "a command has no answer"
    open_numbers = {p.number for p in open_pulls}
    if state.pull is not None and state.pull != state.merged and state.pull not in open_numbers:
        return "its pull request is no longer open"
    approved = is_approved(settings.approval_mode, settings.approval_label, issue.labels, state, fp)
    pending = approval_pending(settings.approval_mode, settings.approval_label, issue.labels, state)
    if (approved or pending) and state.kind == "awaiting_approval" and state.hold is None:
        return "approved, but without a pull request"
    if state.batch is not None and state.merged is None:
        pull = next(
            (p for p in open_pulls if p.head == state.batch and p.author == bot_login), None
        )
        record = BatchRecord.from_body(pull.body) if pull is not None else None
        mine = record.members.get(issue.number) if record is not None else None
        if record is not None and (mine is None or (mine.fp, mine.approved) != (fp, approved)):
            return "its batch does not hold this version of it"
    return None


def find_missed(repo: GitHubRepo, settings: Settings) -> list[Finding]:
    """The open bot issues whose state the bot missed, by number."""

    login = repo.client.login()
    issues: dict[int, IssueInfo] = {}
    # Our form's labels (from its template), and those that make an old-form issue the
    # bot's (ISSUE_LABELS, STAFF_LABEL). An old-form issue without labels: by its events only.
    for label in dict.fromkeys(
        (*load_form_spec().labels, *settings.issue_labels, settings.staff_label)
    ):
        for issue in repo.list_issues(labels=[label]):
            issues.setdefault(issue.number, issue)
    open_pulls = repo.open_pulls()
    findings = []
    for number, issue in sorted(issues.items()):
        if issue.is_pull_request or not is_bot_issue(
            issue.title, issue.body, issue.labels, settings.issue_scope
        ):
            continue
        reason = missed(repo, settings, issue, repo.list_comments(number), login, open_pulls)
        if reason is not None:
            findings.append(Finding(number, reason))
    return findings


def reconcile(
    repo: GitHubRepo,
    settings: Settings,
    enqueue: Callable[[JobRequest], object] | None,
    installation_id: int | None = None,
) -> list[Finding]:
    """Queue the job of every issue the bot missed, and one upstream check.

    With ``enqueue`` None nothing is queued (a dry run). Returns the findings.
    """

    findings = find_missed(repo, settings)
    for finding in findings:
        log.info("reconcile: #%d: %s", finding.number, finding.reason)
        if enqueue is not None:
            enqueue(
                issue_job(
                    repo.full_name,
                    finding.number,
                    installation_id=installation_id,
                    action="reconcile",
                    reason=finding.reason,
                )
            )
    if enqueue is not None:
        enqueue(upstream_job(repo.full_name, installation_id))
    return findings


def run_reconcile_job(context: JobContext) -> Outcome:
    """Find the issues the bot missed and queue their jobs."""
    if context.enqueue is None:
        raise JobFailed("reconciling needs a job store to queue jobs in")
    findings = reconcile(
        context.repo, context.settings, context.enqueue, context.job.installation_id
    )
    return Outcome("done", f"queued {len(findings)} issue job(s)")
