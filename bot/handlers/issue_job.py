"""The issue job: from an assignment issue's current state to a plan, a branch and a pull request.

For an open issue that is the bot's (``bot.forms.is_bot_issue``):

1. read the issue from GitHub (its current title, body and labels: not the
   webhook payload, so replays and reruns converge on the same result);
2. check out the data repository's default branch in a worktree of its own
   (``bot.workspace``) and open its ``data/`` with the shared name index;
3. parse the form (``bot.forms``) and plan the request (``bot.planner``);
4. with questions (parse or plan problems): say so in the status comment,
   label the issue ``waiting``, touch no branch;
5. with a complete plan: apply it, make **one** commit (what moved,
   ``closes #N``), push it to ``bot/paper-assignment-<N>`` with a lease, open
   or update the pull request (labels ``correction``, ``author-page``), and
   put the pull request and the preview links into the status comment;
   remove ``waiting``.

Idempotent by construction:

* the branch name, commit message, pull request text and status comment are
  functions of the issue and the data; nothing carries a time or a run id;
* the commit is pushed only if its *tree* differs from the remote branch's
  (same content: nothing to push); a push is a ``--force-with-lease`` against
  the branch tip seen at the fetch, so a concurrent change is never lost;
* the status comment and the pull request are *upserted* (found by marker /
  by branch, edited only when their text changes);
* a remote branch with commits not made by the bot is never rewritten: the
  status comment says so instead, and the job waits for a person.

A worker dying at any point leaves either no push (the worktree is thrown
away), or a pushed branch without a pull request or comment, which the next
run completes without pushing again (same tree).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.apply import apply_plan
from bot.comments import (
    IssueStatus,
    PreviewLinks,
    PullLink,
    commit_message,
    pull_body,
    pull_title,
    render_status_comment,
)
from bot.events.issues import ISSUE_JOB
from bot.faults import fault_point
from bot.forms import is_bot_issue, load_form_spec, parse_issue
from bot.github import GitHubNotFound, IssueInfo
from bot.handlers.base import JobContext, JobFailed, Outcome, register_handler
from bot.handlers.planning_data import planning_data
from bot.planner import Plan
from bot.preview import preview_page_url, preview_url
from bot.workspace import JobWorktree, NothingToCommit

log = logging.getLogger(__name__)

BRANCH_PREFIX = "bot/paper-assignment-"
PULL_LABELS = ("correction", "author-page")
WAITING_LABEL = "waiting"


def branch_for_issue(number: int) -> str:
    """The bot's branch for an issue: one per issue, always the same."""
    return f"{BRANCH_PREFIX}{number}"


def field_labels() -> Mapping[str, str]:
    """Form field id -> the label the person saw on the form."""
    return {f.id: f.label for f in load_form_spec().fields}


def preview_links(branch: str, plan: Plan, template: str) -> PreviewLinks:
    """The branch's preview and the source and target author pages on it."""
    pages = [p for p in (plan.source_page, plan.target_page) if p]
    unique = list(dict.fromkeys(pages))
    return PreviewLinks(
        preview_url(branch, template),
        tuple((page, preview_page_url(branch, page, template)) for page in unique),
    )


# -- the job -----------------------------------------------------------------------------


def run_issue_job(context: JobContext) -> Outcome:
    """Bring an issue's status comment, branch and pull request up to date."""
    number = context.job.issue_number
    if number is None:
        raise JobFailed("the job names no issue")
    try:
        issue = context.repo.get_issue(number)
    except GitHubNotFound:
        return Outcome("done", "the issue does not exist (any more)")
    if issue.is_pull_request:
        return Outcome("done", "a pull request, not an issue")
    if issue.state != "open":
        return Outcome("done", "the issue is closed")
    if not is_bot_issue(issue.title, issue.body, issue.labels):
        return Outcome("done", "not an assignment issue")

    branch = branch_for_issue(number)
    worktree = context.workspace.open_job(context.job.id, branch)
    try:
        return _handle(context, issue, worktree)
    finally:
        worktree.remove()


def _handle(context: JobContext, issue: IssueInfo, worktree: JobWorktree) -> Outcome:
    labels = field_labels()
    with planning_data(worktree.path / "data", context.settings.index_path) as data:
        parsed = parse_issue(issue.title, issue.body, lookup=data)
        if parsed.request is None:
            status = IssueStatus("questions", problems=tuple(parsed.problems), field_labels=labels)
            return _ask(context, issue, worktree.branch, status)
        plan = data.plan(parsed.request)
        if plan.problems:
            status = IssueStatus(
                "questions", plan=plan, problems=tuple(plan.problems), field_labels=labels
            )
            return _ask(context, issue, worktree.branch, status)
        if not plan.moves:
            return _nothing_to_do(context, issue, worktree.branch)
        apply_plan(plan, data.data_dir)
    return _propose(context, issue, worktree, plan)


def _ask(context: JobContext, issue: IssueInfo, branch: str, status: IssueStatus) -> Outcome:
    """Questions for the person who filed the issue; no branch is touched."""
    pull = context.repo.find_open_pull(branch)
    if pull is not None:
        status = IssueStatus(
            status.kind,
            plan=status.plan,
            problems=status.problems,
            pull=PullLink(pull.number, pull.html_url),
            field_labels=status.field_labels,
        )
    context.repo.upsert_status_comment(issue.number, render_status_comment(status))
    if WAITING_LABEL not in issue.labels:
        context.repo.add_labels(issue.number, WAITING_LABEL)
    count = len(status.problems)
    return Outcome("waiting", f"asked {count} question{'s' if count != 1 else ''}")


def _resolved(context: JobContext, issue: IssueInfo) -> None:
    if WAITING_LABEL in issue.labels:
        context.repo.remove_label(issue.number, WAITING_LABEL)


def _nothing_to_do(context: JobContext, issue: IssueInfo, branch: str) -> Outcome:
    pull = context.repo.find_open_pull(branch)
    link = PullLink(pull.number, pull.html_url) if pull is not None else None
    context.repo.upsert_status_comment(
        issue.number, render_status_comment(IssueStatus("nothing", pull=link))
    )
    _resolved(context, issue)
    return Outcome("done", "nothing to change")


def _propose(context: JobContext, issue: IssueInfo, worktree: JobWorktree, plan: Plan) -> Outcome:
    """Commit, push (if the content changed), open or update the pull request, report."""
    workspace, repo, settings = context.workspace, context.repo, context.settings
    branch = worktree.branch
    foreign = workspace.foreign_commits(branch)
    if foreign:
        authors = sorted({c.author_name for c in foreign})
        log.warning("the branch has others' commits; not rewriting it", extra={"authors": authors})
        status = IssueStatus("blocked", plan=plan, branch=branch)
        repo.upsert_status_comment(issue.number, render_status_comment(status))
        return Outcome("waiting", f"{branch} has commits by others")

    try:
        worktree.commit(commit_message(plan, issue.number))
    except NothingToCommit:
        raise JobFailed("the planned change left the data unchanged") from None
    fault_point("commit")
    remote = worktree.remote_sha
    if remote is not None and worktree.tree("HEAD") == worktree.tree(remote):
        log.info("the branch already holds this change; not pushing")
    else:
        context.lease.check()
        worktree.push(remote)
        log.info("pushed the branch", extra={"branch": branch})
        fault_point("push")

    previews = preview_links(branch, plan, settings.preview_url_template)
    pull = repo.upsert_pull(
        branch,
        workspace.default_branch(),
        pull_title(plan, issue.number),
        pull_body(plan, issue.number, issue.html_url, previews),
        PULL_LABELS,
    )
    fault_point("pull_request")
    status = IssueStatus(
        "proposed",
        plan=plan,
        pull=PullLink(pull.number, pull.html_url),
        branch=branch,
        previews=previews,
    )
    repo.upsert_status_comment(issue.number, render_status_comment(status))
    _resolved(context, issue)
    return Outcome("done", f"pull request #{pull.number}")


def report_failure(context: JobContext, message: str) -> None:
    """Tell the issue that the bot gave up (the status comment, so still only one)."""
    number = context.job.issue_number
    if number is None:
        return
    status = IssueStatus("failed", message=message)
    context.repo.upsert_status_comment(number, render_status_comment(status))


register_handler(ISSUE_JOB, report_failure=report_failure)(run_issue_job)
