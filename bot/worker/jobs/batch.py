"""The batch job: (re)build one batch branch and its pull request from its members' requests.

The rules are in ``bot.workflow.batches``; this module carries them out. A batch job is
queued (coalesced per batch name, never two at once for one batch) when an
issue joins or leaves a batch or changes while in one, when the default
branch moves, and when the batch's pull request is closed. It reads everything
from GitHub when it runs:

1. the newest batch pull request from the branch and its record. If a person
   merged or closed it, that batch is over: its members release themselves
   (their issue jobs are queued) and only issues that joined after it form a
   new batch under the same name;
2. the members: open issues labelled ``pending`` whose hidden state names the
   batch;
3. a worktree at the default branch; members are planned, conflicts found,
   and the included requests replayed one commit each (``closes #N``);
4. the branch is pushed with a lease unless it already holds the same commits
   (same messages, and the same content or a clean merge giving the same
   content); a branch with commits by people is left alone, with a comment on
   its pull request;
5. the pull request is opened or updated (its body lists every member), or,
   when no member is left in it, closed with a record that says the bot
   emptied it (which does not end the batch);
6. members whose outcome changed get an issue job, which updates their status
   comment and closes their own pull request once the batch includes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import PULL_LABELS
from bot.engine.planner import Plan
from bot.engine.request import Request
from bot.forms import is_bot_issue
from bot.io.github import CommentInfo, GitHubRepo, IssueInfo, PullInfo
from bot.io.workspace import JobWorktree
from bot.queue.kinds import issue_job
from bot.text.batches import (
    BLOCKED_NOTICE,
    EMPTIED_NOTICE,
    IncludedIssue,
    batch_body,
    batch_title,
)
from bot.text.comments import commit_message
from bot.text.render import render_plan
from bot.worker.context import JobContext, JobFailed, Outcome
from bot.worker.jobs.issue import (
    holds_same_change,
    preview_links,
    read_request,
    status_comment_of,
)
from bot.worker.jobs.notices import post_notice, retire_pull
from bot.worker.planning_data import planning_data
from bot.workflow.batches import BatchRecord, MemberRecord, Reason, find_conflicts
from bot.workflow.branches import BatchNameError, check_batch_name
from bot.workflow.state import IssueState, fingerprint, is_approved, plan_fingerprint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Member:
    """An issue in the batch, as read now."""

    issue: IssueInfo
    state: IssueState
    fp: str
    approved: bool
    comments: list[CommentInfo]

    @property
    def number(self) -> int:
        return self.issue.number


def find_batch_pull(
    repo: GitHubRepo, name: str, bot_login: str
) -> tuple[PullInfo | None, BatchRecord | None]:
    """The newest batch pull request of the bot from branch ``name``, and its record."""
    for pull in repo.find_pulls(name, "all"):
        record = BatchRecord.from_body(pull.body) if pull.author == bot_login else None
        if record is not None:
            return pull, record
    return None, None


def find_members(context: JobContext, name: str, bot_login: str) -> list[Member]:
    """Open issues labelled ``pending`` whose hidden state names the batch, by number."""
    settings, repo = context.settings, context.repo
    members = []
    for issue in repo.list_issues(labels=[settings.pending_label]):
        if issue.is_pull_request or not is_bot_issue(
            issue.title, issue.body, issue.labels, settings.issue_scope
        ):
            continue
        comments = repo.list_comments(issue.number)
        status = status_comment_of(comments, bot_login)
        state = IssueState.from_comment(status.body if status else None)
        if state.batch != name:
            continue
        fp = fingerprint(issue.title, issue.body)
        approved = is_approved(
            settings.approval_mode, settings.approval_label, issue.labels, state, fp
        )
        members.append(Member(issue, state, fp, approved, comments))
    return sorted(members, key=lambda m: m.number)


def _approved_plan(context: JobContext, member: Member, plan: Plan) -> bool:
    """Whether ``plan`` is the very plan a maintainer approved (``APPROVAL_MODE=label``):
    approval is bound to the plan shown, not to the issue's text alone."""
    if context.settings.approval_mode == "off":
        return True
    return plan_fingerprint(render_plan(plan)) == member.state.approved


@dataclass
class Build:
    """What replaying the members gave: their records and the included issues in order."""

    records: dict[int, MemberRecord]
    included: list[IncludedIssue]


def build_batch(context: JobContext, worktree: JobWorktree, members: list[Member]) -> Build:
    """Plan every member on the default branch, find conflicts, replay the rest in order."""
    records: dict[int, MemberRecord] = {}
    candidates: list[tuple[Member, Request, Plan]] = []
    included: list[IncludedIssue] = []

    def left_out(
        member: Member, reason: Reason, conflict_with: int | None = None, slot: str | None = None
    ) -> None:
        records[member.number] = MemberRecord(
            member.fp,
            member.approved,
            "left_out",
            reason,
            conflict_with=conflict_with,
            slot=slot,
        )

    with planning_data(worktree.path / "data", context.settings.index_path) as data:
        for member in members:
            if not member.approved:
                left_out(member, "approval")
                continue
            # Read as the issue job reads it: the filer's answers and staff decisions count.
            login = context.repo.client.login()
            parsed, _ = read_request(member.issue, member.comments, member.state, login, data)
            if parsed.request is None:
                left_out(member, "questions")
                continue
            plan = data.plan(parsed.request)
            if plan.problems:
                left_out(member, "questions")
            elif not _approved_plan(context, member, plan):
                # The plan now (answers in comments may have changed since) is not the one a
                # maintainer approved: the issue job will show it and ask again.
                left_out(member, "approval")
            elif not plan.changes_anything:
                left_out(member, "nothing")
            else:
                candidates.append((member, parsed.request, plan))
        conflicts = find_conflicts([(m.number, plan) for m, _, plan in candidates])
        for member, request, _ in candidates:
            conflict = conflicts.get(member.number)
            if conflict is not None:
                log.info(
                    "left out of the batch: same author slot as #%d (%s)",
                    conflict.other,
                    conflict.slot,
                    extra={"issue": member.number},
                )
                left_out(member, "conflict", conflict_with=conflict.other, slot=conflict.slot)
                continue
            plan = data.plan(request)  # on the data as the commits before left it
            if not plan.ok:
                left_out(member, "replay")
                continue
            data.apply(plan)
            worktree.commit(commit_message(plan, member.number))
            data.reload()
            included.append(IncludedIssue(member.number, plan, member.issue.html_url))
            records[member.number] = MemberRecord(
                member.fp, member.approved, "included", position=len(included)
            )
    return Build(records, included)


def run_batch_job(context: JobContext) -> Outcome:
    """Bring one batch's branch and pull request in step with its members."""
    name = str(context.job.detail.get("batch") or "")
    workspace, repo = context.workspace, context.repo
    try:
        check_batch_name(name)
    except BatchNameError as exc:
        raise JobFailed(f"not a batch name: {exc}") from None
    login = repo.client.login()
    newest, record = find_batch_pull(repo, name, login)
    members = find_members(context, name, login)
    if newest is not None and record is not None and newest.state == "closed":
        if not record.emptied:
            over = [m for m in members if m.number in record.members]
            for member in over:
                _update_issue(context, member.number)
            members = [m for m in members if m.number not in record.members]
            newest, record = None, None
    open_pull = newest if newest is not None and newest.state == "open" else None

    worktree = workspace.open_job(context.job.id, name)
    try:
        build = build_batch(context, worktree, members)
        built = worktree.new_commits()
        # Own commits are the recorded ones and the ones just made (commits are
        # deterministic: a run that died after pushing them recognises them), whatever
        # name and e-mail they carry; by identity only for a batch from before the record.
        recorded = record.commits if record is not None else ()
        old_batch = open_pull is not None and record is not None and not record.commits
        known = None if old_batch else {*recorded, *built}
        if workspace.foreign_commits(name, known):
            if open_pull is not None:
                post_notice(
                    repo, open_pull.number, f"blocked-{worktree.remote_sha}", BLOCKED_NOTICE
                )
            return Outcome("waiting", f"{name} has commits by others")
        if not build.included:
            if open_pull is not None:
                emptied = BatchRecord(name, build.records, emptied=True, commits=recorded)
                repo.upsert_pull(
                    name,
                    workspace.default_branch(),
                    batch_title(name, 0),
                    batch_body(emptied, [], None),
                )
                retire_pull(repo, workspace, open_pull, "emptied", EMPTIED_NOTICE, known=known)
                _notify(context, record, emptied)
            return Outcome("done", f"no issue to put into {name}")
        on_branch = _push_if_changed(context, worktree, built)
        new_record = BatchRecord(name, build.records, commits=tuple(on_branch))
        previews = preview_links(
            name, [item.plan for item in build.included], context.settings.preview_url_template
        )
        pull = repo.upsert_pull(
            name,
            workspace.default_branch(),
            batch_title(name, len(build.included)),
            batch_body(new_record, build.included, previews),
            PULL_LABELS,
        )
    finally:
        worktree.remove()
    _notify(context, record, new_record)
    left = len(new_record.members) - len(build.included)
    return Outcome(
        "done",
        f"pull request #{pull.number}: {len(build.included)} issue(s), {left} left out",
    )


def _push_if_changed(context: JobContext, worktree: JobWorktree, built: list[str]) -> list[str]:
    """Push the rebuilt branch unless the remote one already holds the same commits; returns
    the shas of the bot's commits now on the branch (to record)."""
    workspace = context.workspace
    remote = worktree.remote_sha
    if remote is not None:
        same_commits = workspace.messages(worktree.start_sha, remote) == workspace.messages(
            worktree.start_sha, worktree.head()
        )
        if same_commits and holds_same_change(workspace, worktree, remote):
            log.info("the batch branch already holds these commits; not pushing")
            return [c.sha for c in reversed(workspace.branch_commits(worktree.branch))]
    context.lease.check()
    worktree.push(remote)
    log.info("pushed the batch branch", extra={"branch": worktree.branch})
    return built


def _update_issue(context: JobContext, number: int) -> None:
    job = context.job
    context.follow_up(
        issue_job(job.repo, number, installation_id=job.installation_id, action="batch")
    )


def _notify(context: JobContext, before: BatchRecord | None, after: BatchRecord) -> None:
    """Queue an issue job for every member whose outcome in the batch changed."""
    for number, record in sorted(after.members.items()):
        if before is None or before.members.get(number) != record:
            _update_issue(context, number)
