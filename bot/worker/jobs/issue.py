"""The issue job: from an assignment issue's current state to a plan, a branch and a pull request.

For an open issue that is the bot's (``bot.forms.is_bot_issue``):

1. read the issue, its comments and the bot's memory of it (``bot.workflow.state``,
   hidden in the status comment) from GitHub: never the webhook payload, so
   replays and reruns converge on the same result;
2. look at the pull request that carried the issue's change: once it is
   merged, tell the issue when the change will be live (``MERGED_MESSAGE``)
   and drop the ``waiting``/``pending`` labels; once it is closed unmerged,
   tell the issue and make no new pull request until ``/apply``;
3. carry out the commands in comments not answered yet
   (``bot.worker.jobs.commands``);
4. check out the default branch in a worktree of its own (``bot.io.workspace``),
   read the request (``bot.forms.read_conversation``: the body, the filer's answers
   in comments after the bot asked, the maintainers' ``/request`` decisions on top)
   and plan it (``bot.engine.planner``);
5. then, by the issue's situation:

   * questions (parse or plan problems): say so in the status comment, label
     the issue ``waiting``, touch no branch;
   * in a batch: make sure the batch (``bot.worker.jobs.batch``) holds this
     version of the issue, close the issue's own pull request once the batch
     includes it, and show the issue's place in the batch;
   * held (``/cancel``, a pull request closed unmerged, the issue closed): show
     the plan, change nothing;
   * ``/plan``: show the plan and whether the pull request holds it, push nothing;
   * not approved (``APPROVAL_MODE=label`` only): show the plan and wait for
     the approval label, ``/apply`` or ``/batch``. Approval is bound to the plan
     the maintainer saw (``bot.workflow.state``: the plan shown when the command
     or label was made, its giver checked through the API) and compared here
     with the plan made now: a different plan withdraws it, visibly;
   * otherwise apply the plan, make **one** commit (what moved, ``closes #N``),
     push it to ``bot/paper-assignment-<N>`` with a lease, open or update the
     pull request (labels ``correction``, ``author-page``), close any other open
     bot pull request for the issue, and put the pull request and the preview
     links into the status comment; remove ``waiting``.

When the default branch has moved, step 5 rebuilds the branch from the request
on the new head (plan and apply again, not a textual rebase), but pushes only
if the pull request would now be wrong: when merging the old branch into the
new head conflicts, or gives another result than the fresh replay (a stale
plan). A pull request that still merges to the same result is left alone.
``push`` events to the default branch queue this job for every open bot pull
request (``bot.worker.jobs.upstream``).

Idempotent by construction:

* the branch name, commit message, pull request text and status comment are
  functions of the issue and the data; nothing carries a time or a run id;
* the commit is pushed only if the pull request does not hold the same change
  already; a push is a ``--force-with-lease`` against the branch tip seen at
  the fetch, so a concurrent change is never lost;
* the status comment and the pull request are *upserted* (found by marker /
  by branch, edited only when their text changes); notices and replies carry
  keys and are posted once;
* a remote branch with commits not made by the bot is never rewritten: the
  status comment says so instead, and the job waits for a person.

A worker dying at any point leaves either no push (the worktree is thrown
away), or a pushed branch without a pull request or comment, which the next
run completes without pushing again (same tree).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.anthology.lookup import DataLookup
from bot.config import PULL_LABELS, WAITING_LABEL, Settings
from bot.engine.planner import Plan
from bot.engine.request import Problem
from bot.forms import (
    Decision,
    DecisionError,
    ParseResult,
    ThreadComment,
    asked_fields,
    is_bot_issue,
    load_form_spec,
    offered_choices,
    parse_decision,
    read_conversation,
)
from bot.io.github import (
    CommentInfo,
    GitHubNotFound,
    GitHubRepo,
    IssueInfo,
    PullInfo,
)
from bot.io.workspace import JobWorktree, NothingToCommit, Workspace
from bot.queue.kinds import batch_job
from bot.text.comments import (
    BatchLink,
    IssueStatus,
    PreviewLinks,
    PullLink,
    cancelled_notice,
    closed_notice,
    commit_message,
    complete_notice,
    conflict_notice,
    duplicate_notice,
    issue_closed_notice,
    merged_notice,
    moot_notice,
    no_plan_approved_reply,
    pull_body,
    pull_notice,
    pull_title,
    question_notice,
    render_questions,
    render_status_comment,
    superseded_notice,
)
from bot.text.render import render_plan
from bot.worker.context import JobContext, JobFailed, Outcome
from bot.worker.faults import fault_point
from bot.worker.jobs.commands import CommandError, CommandSession, Permissions, is_bot_author
from bot.worker.jobs.notices import post_notice, retire_pull, retired_by_bot
from bot.worker.planning_data import planning_data
from bot.workflow.batches import REASON_TEXT, BatchRecord
from bot.workflow.branches import (
    BRANCH_PREFIX,
    BatchNameError,
    branch_for_issue,
    check_batch_name,
    default_batch_name,
)
from bot.workflow.commands import Command, command_lines, parse_comment, render_help
from bot.workflow.decide import (
    WRITES_FILES,
    Action,
    Situation,
    apply_effect,
    decide,
    effect_of,
    reopened,
)
from bot.workflow.markers import PULL_MARKER, STATUS_MARKER, find_marked
from bot.workflow.preview import preview_page_url, preview_url
from bot.workflow.state import (
    HOLD_CLOSED,
    HOLD_ISSUE_CLOSED,
    IssueState,
    LabelEvent,
    answers_closed,
    fingerprint,
    is_approved,
    judge_label,
    plan_fingerprint,
    plan_seen,
    settle_approval,
    with_asked,
    with_commits,
    with_decision,
    with_shown,
)

log = logging.getLogger(__name__)

__all__ = ["BRANCH_PREFIX", "IssueRun", "branch_for_issue", "run_issue_job"]

_CLOSES = re.compile(r"^Closes #(\d+):", re.MULTILINE)


def field_labels() -> Mapping[str, str]:
    """Form field id -> the label the person saw on the form."""
    return {f.id: f.label for f in load_form_spec().fields}


def preview_links(branch: str, plans: Plan | list[Plan], template: str) -> PreviewLinks:
    """The branch's preview and the source and target author pages of the plans on it."""
    pages = [
        page
        for plan in (plans if isinstance(plans, list) else [plans])
        for page in (plan.source_page, plan.target_page)
        if page
    ]
    unique = list(dict.fromkeys(pages))
    return PreviewLinks(
        preview_url(branch, template),
        tuple((page, preview_page_url(branch, page, template)) for page in unique),
    )


def holds_same_change(workspace: Workspace, worktree: JobWorktree, remote: str) -> bool:
    """Whether the remote branch already gives what the worktree's commit gives.

    True when both have the same content, or when merging the remote branch
    into the default branch the worktree started from gives exactly the
    worktree's content (the default branch moved, and the pull request is
    still right).
    """
    head = worktree.tree("HEAD")
    if worktree.tree(remote) == head:
        return True
    return workspace.merged_tree(worktree.start_sha, remote) == head


def status_comment_of(comments: list[CommentInfo], bot_login: str) -> CommentInfo | None:
    """The bot's status comment among an issue's comments."""
    return find_marked(comments, STATUS_MARKER, bot_login)


def thread_comments(comments: list[CommentInfo], bot_login: str) -> list[ThreadComment]:
    """People's comments on an issue, as ``bot.forms.thread`` reads them: never the bot's,
    and never one that speaks to the bot with commands (``/request`` is staff's; a filer's
    refused command is answered as such, not read as an answer)."""
    return [
        ThreadComment(c.id, c.author, c.body, c.html_url)
        for c in comments
        if not is_bot_author(c.author, bot_login) and not parse_comment(c.body, bot_login)
    ]


def decisions_of(state: IssueState, comments: list[CommentInfo]) -> list[Decision]:
    """The maintainers' recorded ``/request`` decisions, oldest first, with their links."""
    urls = {c.id: c.html_url for c in comments}
    return [Decision(values, by, cid, urls.get(cid, "")) for cid, by, values in state.decisions]


def read_request(
    issue: IssueInfo,
    comments: list[CommentInfo],
    state: IssueState,
    bot_login: str,
    lookup: DataLookup,
) -> tuple[ParseResult, tuple[str, ...]]:
    """The issue's request as the conversation gives it (body, the filer's answers, the
    maintainers' decisions: ``bot.forms.conversation``), and the notes on it."""
    conversation = read_conversation(
        issue.title,
        issue.body,
        lookup,
        comments=thread_comments(comments, bot_login),
        filer=issue.author,
        asked=state.asked,
        asked_since=state.asked_since,
        asked_until=state.asked_until,
        asked_gaps=state.asked_gaps,
        offered=state.offered,
        decisions=decisions_of(state, comments),
    )
    return conversation.parsed, conversation.notes


#: Statuses that show a complete request: the filer's later comments are no answers.
COMPLETE_KINDS = frozenset({"proposed", "awaiting_approval", "planned", "batched", "nothing"})


def news_key(status: IssueStatus, plan_fp: str | None) -> str | None:
    """The key of what a status tells that the filer must hear of (a question, a complete
    request, a pull request with a plan), or None: the state the notices announce, so that
    each is posted once."""
    if status.kind == "questions":
        text = render_questions(status.problems, {})
        return "question-" + fingerprint("questions", text)
    if status.kind == "awaiting_approval":
        return f"ready-{plan_fp or ''}"
    if status.kind == "proposed" and status.pull is not None:
        return f"pull-{status.pull.number}-{plan_fp or ''}"
    return None


def issue_of_pull(pull: PullInfo) -> int | None:
    """The issue a single-issue pull request of the bot is for (by its body)."""
    if PULL_MARKER not in pull.body:
        return None
    match = _CLOSES.search(pull.body)
    return int(match.group(1)) if match else None


# -- one run -----------------------------------------------------------------------------


@dataclass
class Planned:
    """What planning the issue gave: a plan, or the problems that stop it."""

    plan: Plan | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.problems and self.plan.changes_anything


@dataclass
class IssueRun:
    """One run of the issue job: the issue as read now, and what the run decided.

    ``state`` starts as the bot's memory of the issue and is written back with
    the status comment; commands change it.
    """

    context: JobContext
    issue: IssueInfo
    login: str
    comments: list[CommentInfo]
    state: IssueState
    fp: str
    plan_only: bool = False
    pushing_requested: bool = False
    current_plan: str | None = None
    conflict: int | None = None
    had_status: bool = False
    pull_before: int | None = None
    conversation: tuple[str, ...] = ()
    _add_labels: set[str] = field(default_factory=set)
    _remove_labels: set[str] = field(default_factory=set)
    _follow_ups: list[str] = field(default_factory=list)
    _batch: tuple[PullInfo | None, BatchRecord | None] = (None, None)

    @classmethod
    def load(cls, context: JobContext, issue: IssueInfo) -> IssueRun:
        login = context.repo.client.login()
        comments = context.repo.list_comments(issue.number)
        status = status_comment_of(comments, login)
        state = IssueState.from_comment(status.body if status else None)
        fp = fingerprint(issue.title, issue.body)
        return cls(
            context,
            issue,
            login,
            comments,
            state,
            fp,
            had_status=status is not None,
            pull_before=state.pull,
        )

    # -- shortcuts -------------------------------------------------------------------

    @property
    def repo(self) -> GitHubRepo:
        return self.context.repo

    @property
    def workspace(self) -> Workspace:
        return self.context.workspace

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def number(self) -> int:
        return self.issue.number

    @property
    def has_status(self) -> bool:
        return status_comment_of(self.comments, self.login) is not None

    def approved(self) -> bool:
        settings = self.settings
        return is_approved(
            settings.approval_mode, settings.approval_label, self.issue.labels, self.state, self.fp
        )

    def has_label(self, label: str) -> bool:
        return label.lower() in {lb.lower() for lb in self.issue.labels}

    def add_label(self, label: str) -> None:
        self._remove_labels.discard(label)
        if not self.has_label(label):
            self._add_labels.add(label)

    def remove_label(self, label: str) -> None:
        self._add_labels.discard(label)
        if self.has_label(label):
            self._remove_labels.add(label)

    def rebuild_batch(self, name: str) -> None:
        """Queue the batch job of ``name`` once the status comment is written."""
        if name not in self._follow_ups:
            self._follow_ups.append(name)

    def leave_batch(self) -> None:
        """Take the issue out of its batch (the batch is rebuilt without it)."""
        if self.state.batch is not None:
            self.rebuild_batch(self.state.batch)
            self.state = self.state.but(batch=None)
        self.remove_label(self.settings.pending_label)

    def notice(self, key: str, text: str) -> None:
        post_notice(self.repo, self.number, key, text, self.comments)

    def write_status(self, status: IssueStatus) -> None:
        """Rewrite the status comment, with the state, and settle labels and follow-ups."""
        self.state = self.state.but(fp=self.fp, kind=status.kind)
        if status.kind in COMPLETE_KINDS:
            newest = max((c.id for c in self.comments), default=0)
            self.state = answers_closed(self.state, newest)
        if self.conflict is not None and status.conflict is None:
            status = dataclasses.replace(status, conflict=self.conflict)
        if self.conversation and not status.conversation:
            status = dataclasses.replace(status, conversation=self.conversation)
        self._record_shown(status)
        before = self.state.news
        key = news_key(status, self.current_plan)
        if key is not None:
            self.state = self.state.but(news=key)
        shown = status_comment_of(self.comments, self.login) if self.had_status else None
        if key is not None and key != before and shown is not None:
            # Before the status write that records ``key``: a worker dying in between posts
            # the notice again on the rerun, where the notice's own key finds it (posted once).
            self._announce(status, key, before, shown.html_url)
            fault_point("notice")
        body = render_status_comment(status) + "\n" + self.state.marker()
        self.repo.upsert_marked_comment(self.number, body, STATUS_MARKER)
        self._settle()

    def _announce(self, status: IssueStatus, key: str, before: str | None, url: str) -> None:
        """Tell the filer, in a new comment that mentions them, what changed: GitHub notifies
        nobody of the status comment's edit. Posted once per state (``key``)."""
        filer = self.issue.author
        if status.kind == "questions":
            self.notice(key, question_notice(filer, url))
        elif status.kind == "awaiting_approval" and (before or "").startswith("question-"):
            self.notice(key, complete_notice(filer, url, awaiting_approval=True))
        elif status.kind == "proposed" and status.pull is not None:
            opened = self.pull_before != status.pull.number
            self.notice(key, pull_notice(filer, status.pull, opened=opened))

    def _record_shown(self, status: IssueStatus) -> None:
        """Remember which plan the status comment is about to show, and from when.

        "From when" is the newest comment and issue event just before the write,
        read again now (not at the start of the job), so that a command or label
        made while this job ran is matched with the plan that was on screen.
        """
        if self.settings.approval_mode == "off":
            return  # nothing is approved then: no history to keep, no requests spent
        shows = status.plan is not None and status.plan.ok and status.kind != "questions"
        fp = plan_fingerprint(render_plan(status.plan)) if shows and status.plan else ""
        if self.state.shown and self.state.shown[-1][0] == fp:
            return
        if not self.state.shown and not fp:
            return
        comment = self.repo.newest_comment_id(self.number)
        event = max((e.id for e in self.repo.issue_events(self.number)), default=0)
        self.state = self.state.but(shown=with_shown(self.state.shown, (fp, comment, event)))

    def _settle(self) -> None:
        for label in sorted(self._remove_labels):
            self.repo.remove_label(self.number, label)
        if self._add_labels:
            self.repo.add_labels(self.number, *sorted(self._add_labels))
        gone = {label.lower() for label in self._remove_labels}
        labels = [lb for lb in self.issue.labels if lb.lower() not in gone]
        self.issue = dataclasses.replace(self.issue, labels=(*labels, *sorted(self._add_labels)))
        self._add_labels.clear()
        self._remove_labels.clear()
        job = self.context.job
        for name in self._follow_ups:
            self.context.follow_up(batch_job(job.repo, name, installation_id=job.installation_id))
        self._follow_ups.clear()

    # -- the pull request's fate -------------------------------------------------------

    def check_pull_outcome(self) -> None:
        """Tell the issue once if the pull request with its change was merged or closed."""
        number = self.state.pull
        if number is None or number == self.state.merged:
            return
        try:
            pull = self.repo.get_pull(number)
        except GitHubNotFound:
            self.state = self.state.but(pull=None)
            return
        if pull.state != "closed":
            return
        in_batch = self.state.batch is not None and pull.head == self.state.batch
        if pull.merged:
            log.info("the pull request was merged", extra={"pull": number})
            self.notice(
                f"merged-{number}",
                merged_notice(number, self.settings.merged_message, self.issue.author),
            )
            self.state = self.state.but(merged=number, batch=None if in_batch else self.state.batch)
            self.remove_label(WAITING_LABEL)
            self.remove_label(self.settings.pending_label)
            return
        if not in_batch and retired_by_bot(self.repo, pull):
            # The bot closed it (/cancel, a batch, a duplicate), perhaps in a run that died
            # before it could write the status: not news, and no hold of its own.
            self.state = self.state.but(pull=None)
            return
        log.info("the pull request was closed without merging", extra={"pull": number})
        self.notice(f"closed-{number}", closed_notice(number))
        if in_batch:
            self.state = self.state.but(batch=None)
            self.remove_label(self.settings.pending_label)
        self.state = self.state.but(pull=None, hold=HOLD_CLOSED)

    @property
    def merged(self) -> bool:
        return self.state.merged is not None and self.state.merged == self.state.pull

    def merged_status(self) -> IssueStatus:
        pull = self.repo.get_pull(self.state.merged) if self.state.merged else None
        link = PullLink(pull.number, pull.html_url) if pull else None
        return IssueStatus("merged", pull=link, message=self.settings.merged_message)

    # -- closed issues -----------------------------------------------------------------

    def closed_issue(self) -> Outcome:
        """A closed issue: announce a merge, or retire the bot's pull request and hold."""
        self.check_pull_outcome()
        if self.merged:
            self.write_status(self.merged_status())
            return Outcome("done", "the issue is closed; its change was merged")
        if self.state.hold is not None:  # nothing of the bot's is open
            return Outcome("done", "the issue is closed")
        own = self.repo.find_open_pull(branch_for_issue(self.number))
        if own is not None:
            retire_pull(
                self.repo,
                self.workspace,
                own,
                f"issue-closed-{self.number}",
                issue_closed_notice(self.number),
                known=self.own_commits(),
            )
        self.leave_batch()
        self.state = self.state.but(hold=HOLD_ISSUE_CLOSED, pull=None)
        self.write_status(IssueStatus("held", hold=HOLD_ISSUE_CLOSED))
        return Outcome("done", "the issue is closed")

    # -- open issues -------------------------------------------------------------------

    def open_issue(self) -> Outcome:
        self.state = reopened(self.state)
        commands = CommandSession(
            self.repo,
            self.number,
            self.issue.author,
            self.comments,
            self.login,
            self.state.answered,
            self.settings.command_permission,
        )
        self.state = self.state.but(answered=commands.answered_upto)
        commands.acknowledge()
        self.check_pull_outcome()
        commands.execute(self.carry_out)
        outcome = self.update()
        commands.answer()
        return outcome

    # -- commands ------------------------------------------------------------------------

    def carry_out(self, command: Command, login: str, comment_id: int) -> str | None:
        """Carry out one permitted command: its effect (data) plus the I/O it needs.

        ``/apply`` and ``/batch`` approve the plan the status comment showed when
        the comment was written (:func:`bot.workflow.state.plan_seen`).
        """
        effect = effect_of(command.name)
        if effect.decide:
            self._record_decision(login, comment_id)
            return None
        seen = plan_seen(self.state.shown, comment_id=comment_id) if effect.approve else None
        batch = None
        if effect.join_batch:
            batch = self._checked_batch_name(command.argument)
            if self.state.batch is not None and self.state.batch != batch:
                self.leave_batch()
        if effect.close_pull:
            own = self.repo.find_open_pull(branch_for_issue(self.number)) or self._retired_pull()
            if own is not None:
                key = f"cancelled-{own.number}"
                retire_pull(
                    self.repo,
                    self.workspace,
                    own,
                    key,
                    cancelled_notice(self.number),
                    known=self.own_commits(),
                )
        if effect.leave_batch:
            self.leave_batch()
        self.state = apply_effect(self.state, effect, seen, batch, by=login)
        self.plan_only |= effect.plan_only
        self.pushing_requested |= effect.push
        if effect.join_batch:
            self.add_label(self.settings.pending_label)
        if effect.help:
            label = self.settings.approval_label if self.settings.approval_mode != "off" else None
            return render_help(self.login, label)
        if effect.approve and seen is None and self.settings.approval_mode != "off":
            return no_plan_approved_reply(login, str(command))
        return None

    def _record_decision(self, login: str, comment_id: int) -> None:
        """``/request``: read its ``key: value`` lines and keep them in the state, with who
        decided and where (a permission-checked maintainer, as for every such command)."""
        comment = next((c for c in self.comments if c.id == comment_id), None)
        lines = command_lines(comment.body, "request", self.login) if comment else None
        try:
            values = parse_decision(lines or [])
        except DecisionError as exc:
            raise CommandError(str(exc)) from None
        entry = (comment_id, login, values)
        self.state = self.state.but(decisions=with_decision(self.state.decisions, entry))

    def _retired_pull(self) -> PullInfo | None:
        """The bot's newest closed, unmerged pull request of the issue's branch while that
        branch still exists: a ``/cancel`` that stopped between closing and deleting."""
        branch = branch_for_issue(self.number)
        self.workspace.fetch()
        if self.workspace.remote_sha(branch) is None:
            return None
        for pull in self.repo.find_pulls(branch, "closed"):
            if pull.author == self.login and not pull.merged:
                return pull
        return None

    def _checked_batch_name(self, argument: str | None) -> str:
        """The batch a ``/batch`` command names, if the issue may join it (else CommandError)."""
        name = argument or default_batch_name(self.settings.batch_name_prefix)
        workspace = self.workspace
        workspace.fetch()
        try:
            check_batch_name(name, workspace.default_branch())
        except BatchNameError as exc:
            raise CommandError(f"{exc}.") from None
        if workspace.remote_sha(name) is not None and workspace.foreign_commits(name):
            raise CommandError(
                f"the branch `{name}` exists and has commits by others; please choose another name."
            )
        finished = next(iter(self.repo.find_pulls(name, "all")), None)
        if finished is not None and finished.state == "closed" and finished.author == self.login:
            record = BatchRecord.from_body(finished.body)
            if record is not None and self.number in record.members and not record.emptied:
                raise CommandError(
                    f"the batch `{name}` with this issue was already closed "
                    f"(#{finished.number}); please choose another name."
                )
        return name

    # -- deciding and acting -------------------------------------------------------------

    def judge_approval(self, planned: Planned) -> None:
        """Bind approval to the plan made now: judge the approval label (who added it,
        through the API), then confirm the approval or withdraw it, visibly (the status
        says so and the approval label comes off) if the plan is not the approved one."""
        plan = planned.plan
        self.current_plan = plan_fingerprint(render_plan(plan)) if plan and planned.ok else None
        settings = self.settings
        if settings.approval_mode == "off":
            self.state = settle_approval(self.state, self.current_plan, self.fp)
            return
        label = self._approval_label_event()
        is_maintainer = False
        if label is not None and label.id != self.state.label_event:
            permissions = Permissions(self.repo, settings.command_permission)
            is_maintainer = permissions.is_maintainer(label.actor)
        before = self.state
        self.state = judge_label(
            self.state, label, is_maintainer=is_maintainer, current_plan=self.current_plan
        )
        self.state = settle_approval(self.state, self.current_plan, self.fp)
        if self.state.withdrawn and not before.withdrawn:
            log.info(
                "approval does not hold",
                extra={"withdrawn": self.state.withdrawn, "label_by": self.state.label_refused},
            )
            self.remove_label(settings.approval_label)

    def _approval_label_event(self) -> LabelEvent | None:
        """The newest event that added the approval label, if the issue carries it now."""
        wanted = self.settings.approval_label.lower()
        if not self.has_label(wanted):
            return None
        added = [
            e
            for e in self.repo.issue_events(self.number)
            if e.event == "labeled" and (e.label or "").lower() == wanted
        ]
        return LabelEvent(added[-1].id, added[-1].actor) if added else None

    def situation(self, planned: Planned | None) -> Situation:
        """What :func:`bot.workflow.decide.decide` needs to know (before planning: None)."""
        return Situation(
            in_batch=self.state.batch is not None,
            hold=self.state.hold,
            plan_only=self.plan_only,
            push_requested=self.pushing_requested,
            approved=self.approved(),
            has_problems=bool(planned.problems) if planned is not None else False,
            has_changes=bool(planned.plan and planned.plan.changes_anything) if planned else True,
            merged_unchanged=self.merged and self.state.fp == self.fp,
        )

    def update(self) -> Outcome:
        """Plan the issue on the default branch, decide, then act."""
        if self.merged and decide(self.situation(None)) == "merged":
            self.write_status(self.merged_status())
            return Outcome("done", "its change was merged")
        if self.merged:  # edited since, or a command asks for more: start afresh
            self.state = self.state.but(pull=None, merged=None)
        if self.state.batch is not None:
            self._check_batch_over()
            if self.merged:
                self.write_status(self.merged_status())
                return Outcome("done", "its change was merged in a batch")
        worktree = self.workspace.open_job(self.context.job.id, branch_for_issue(self.number))
        try:
            moot = self._retire_if_moot(worktree)
            if moot is not None:
                self.remove_label(WAITING_LABEL)
                self.write_status(IssueStatus("nothing", moot=moot))
                return Outcome("done", f"the default branch already holds #{moot}; closed it")
            with planning_data(worktree.path / "data", self.settings.index_path) as data:
                parsed, self.conversation = read_request(
                    self.issue, self.comments, self.state, self.login, data
                )
                if parsed.request is None:
                    planned = Planned(None, tuple(parsed.problems))
                else:
                    plan = data.plan(parsed.request)
                    planned = Planned(plan, tuple(plan.problems))
                self.judge_approval(planned)
                action = decide(self.situation(planned))
                if action in WRITES_FILES:
                    assert planned.plan is not None
                    data.apply(planned.plan)
            return self.act(action, planned, worktree)
        finally:
            worktree.remove()

    def _retire_if_moot(self, worktree: JobWorktree) -> int | None:
        """Close the issue's own pull request if the default branch already holds its change
        (made there by hand: merging it would change nothing); tell the pull request and the
        issue once. Returns the closed pull request's number."""
        remote = worktree.remote_sha
        if remote is None or self.state.batch is not None:
            return None
        merged = self.workspace.merged_tree(worktree.start_sha, remote)
        if merged is None or merged != worktree.tree("HEAD"):
            return None
        own = self.repo.find_open_pull(worktree.branch)
        if own is None:
            return None
        log.info("the default branch already holds the change", extra={"pull": own.number})
        key = f"moot-{own.number}"
        retire_pull(
            self.repo, self.workspace, own, key, moot_notice(own.number), known=self.own_commits()
        )
        self.state = self.state.but(pull=None)
        return own.number

    def _flag_conflict(self, action: Action, worktree: JobWorktree, reason: str) -> int | None:
        """The issue's own pull request, if it no longer merges and this run does not rebuild
        it (questions, approval withdrawn, nothing to do, held): staff are asked on it, once
        per default-branch head."""
        remote = worktree.remote_sha
        if action in ("propose", "batch") or remote is None:
            return None
        if self.workspace.merged_tree(worktree.start_sha, remote) is not None:
            return None
        own = self.repo.find_open_pull(worktree.branch)
        if own is None:
            return None
        log.warning(
            "the pull request conflicts and cannot be rebuilt now", extra={"pull": own.number}
        )
        key = f"conflict-{own.number}-{worktree.start_sha[:12]}"
        post_notice(
            self.repo, own.number, key, conflict_notice(self.workspace.default_branch(), reason)
        )
        return own.number

    def act(self, action: Action, planned: Planned, worktree: JobWorktree) -> Outcome:
        """Carry out what :func:`decide` chose."""
        reasons = {
            "ask": "the request has open questions",
            "await_approval": "the request as it is now is not approved",
            "nothing": "the request changes nothing on the default branch",
            "hold": "the issue is on hold",
            "show_plan": "only /plan was asked for",
        }
        self.conflict = self._flag_conflict(action, worktree, reasons.get(action, action))
        if action == "batch":
            return self._batched(planned)
        if action == "ask":
            return self._ask(planned)
        if action == "nothing":
            return self._nothing_to_do()
        plan = planned.plan
        assert plan is not None
        if action == "hold":
            return self._held(plan)
        if action == "await_approval":
            return self._await_approval(plan)
        if action == "show_plan":
            return self._planned(worktree, plan)
        assert action == "propose", action
        return self._propose(worktree, plan)

    def _own_pull(self) -> PullLink | None:
        pull = self.repo.find_open_pull(branch_for_issue(self.number))
        return PullLink(pull.number, pull.html_url) if pull is not None else None

    def _ask(self, planned: Planned, batch: BatchLink | None = None) -> Outcome:
        """Questions for the person who filed the issue; no branch is touched. Their answers
        in later comments are read (``bot.forms.thread``) for the fields asked."""
        newest = max((c.id for c in self.comments), default=0)
        fields, offered = asked_fields(planned.problems), offered_choices(planned.problems)
        self.state = with_asked(self.state, fields, newest, offered)
        status = IssueStatus(
            "questions",
            plan=planned.plan,
            problems=planned.problems,
            pull=self._own_pull(),
            field_labels=field_labels(),
            batch=batch,
        )
        self.add_label(WAITING_LABEL)
        self.write_status(status)
        count = len(planned.problems)
        return Outcome("waiting", f"asked {count} question{'s' if count != 1 else ''}")

    def _nothing_to_do(self) -> Outcome:
        self.remove_label(WAITING_LABEL)
        self.write_status(IssueStatus("nothing", pull=self._own_pull()))
        return Outcome("done", "nothing to change")

    def _held(self, plan: Plan) -> Outcome:
        self.remove_label(WAITING_LABEL)
        branch = branch_for_issue(self.number)
        kept = branch if self.workspace.remote_sha(branch) is not None else None
        self.write_status(IssueStatus("held", plan=plan, hold=self.state.hold, branch=kept))
        return Outcome("done", f"held ({self.state.hold})")

    def _await_approval(self, plan: Plan) -> Outcome:
        self.remove_label(WAITING_LABEL)
        status = IssueStatus(
            "awaiting_approval",
            plan=plan,
            pull=self._own_pull(),
            approval_label=self.settings.approval_label,
            withdrawn_by=self.state.withdrawn,
            label_refused_from=self.state.label_refused,
        )
        self.write_status(status)
        return Outcome("waiting", "waits for approval")

    def _planned(self, worktree: JobWorktree, plan: Plan) -> Outcome:
        """``/plan``: the plan, and whether the pull request holds it; nothing is pushed."""
        self.remove_label(WAITING_LABEL)
        pull = self._own_pull()
        up_to_date = None
        if pull is not None and worktree.remote_sha is not None:
            try:
                worktree.commit(commit_message(plan, self.number))
                up_to_date = holds_same_change(self.workspace, worktree, worktree.remote_sha)
            except NothingToCommit:
                up_to_date = False
        self.write_status(IssueStatus("planned", plan=plan, pull=pull, up_to_date=up_to_date))
        return Outcome("done", "planned; nothing pushed (/plan)")

    # -- batches -----------------------------------------------------------------------

    def _batched(self, planned: Planned) -> Outcome:
        """An issue in a batch: keep the batch in step with the issue, and show its place."""
        link = self._sync_batch(planned)
        self.add_label(self.settings.pending_label)
        if planned.problems:
            return self._ask(planned, link)
        self.remove_label(WAITING_LABEL)
        plan = planned.plan if planned.ok else None
        self.write_status(IssueStatus("batched", plan=plan, batch=link))
        return Outcome("done", f"in the batch {self.state.batch}")

    def _local_reason(self, planned: Planned) -> str | None:
        """Why the issue cannot be in a batch now, as far as the issue alone tells."""
        if not self.approved():
            return REASON_TEXT["approval"]
        if planned.problems:
            return REASON_TEXT["questions"]
        if not planned.ok:
            return REASON_TEXT["nothing"]
        return None

    def _find_batch(self) -> tuple[PullInfo | None, BatchRecord | None]:
        """The newest batch pull request of the issue's batch, and its record."""
        assert self.state.batch is not None
        for pull in self.repo.find_pulls(self.state.batch, "all"):
            record = BatchRecord.from_body(pull.body) if pull.author == self.login else None
            if record is not None:
                return pull, record
        return None, None

    def _check_batch_over(self) -> None:
        """Leave the batch if its pull request was merged or closed (by a person) with the
        issue in it: that batch is over. A merge was announced by check_pull_outcome if it
        included the issue; closing tells the issue and holds it."""
        pull, record = self._find_batch()
        self._batch = (pull, record)
        if pull is None or record is None or pull.state != "closed" or record.emptied:
            return
        self._batch = (None, None)
        mine = record.members.get(self.number)
        if mine is None:
            return  # an older batch under the same name: a new one is built
        self.remove_label(self.settings.pending_label)
        if pull.merged and mine.outcome == "included":
            self.notice(
                f"merged-{pull.number}",
                merged_notice(pull.number, self.settings.merged_message, self.issue.author),
            )
            self.state = self.state.but(pull=pull.number, merged=pull.number, batch=None)
        elif pull.merged:  # merged without this issue: it goes on alone
            self.state = self.state.but(batch=None)
        else:
            self.notice(f"closed-{pull.number}", closed_notice(pull.number))
            self.state = self.state.but(batch=None, pull=None, hold=HOLD_CLOSED)

    def _sync_batch(self, planned: Planned) -> BatchLink:
        """Queue the batch job unless the batch holds this version of the issue; the link."""
        name = self.state.batch
        assert name is not None
        current, record = self._batch
        mine = record.members.get(self.number) if record is not None else None
        pull = current if current is not None and current.state == "open" else None
        pull_link = PullLink(pull.number, pull.html_url) if pull is not None else None
        reason = self._local_reason(planned)
        if mine is None or mine.fp != self.fp or mine.approved != self.approved():
            if reason is None or (pull is not None and mine is not None):
                self.rebuild_batch(name)
                return BatchLink(name, pull_link)
            return BatchLink(name, pull_link, "left_out", reason=reason)
        if mine.outcome == "included" and pull is not None:
            own = self.repo.find_open_pull(branch_for_issue(self.number))
            if own is not None:
                retire_pull(
                    self.repo,
                    self.workspace,
                    own,
                    f"superseded-{own.number}",
                    superseded_notice(pull.number, name),
                    known=self.own_commits(),
                )
            self.state = self.state.but(pull=pull.number)
            return BatchLink(name, pull_link, "included", position=mine.position)
        if pull is not None and self.state.pull == pull.number:
            self.state = self.state.but(pull=None)
        return BatchLink(name, pull_link, "left_out", reason=mine.describe())

    # -- proposing ---------------------------------------------------------------------

    def _propose(self, worktree: JobWorktree, plan: Plan) -> Outcome:
        """Commit, push (if the change is not on the branch yet), open or update the PR."""
        workspace, repo, settings = self.workspace, self.repo, self.settings
        branch = worktree.branch
        try:
            head = worktree.commit(commit_message(plan, self.number))
        except NothingToCommit:
            raise JobFailed("the planned change left the data unchanged") from None
        fault_point("commit")
        # Own commits are the recorded ones and the one just made (commits are deterministic:
        # a run that died after pushing it recognises it), whatever name they carry.
        foreign = workspace.foreign_commits(branch, self.own_commits(head))
        if foreign:
            authors = sorted({c.author_name for c in foreign})
            log.warning(
                "the branch has others' commits; not rewriting it", extra={"authors": authors}
            )
            self.write_status(IssueStatus("blocked", plan=plan, branch=branch))
            return Outcome("waiting", f"{branch} has commits by others")

        remote = worktree.remote_sha
        if remote is not None and holds_same_change(workspace, worktree, remote):
            log.info("the branch already holds this change; not pushing")
            mine = [c.sha for c in workspace.branch_commits(branch)]
        else:
            self.context.lease.check()
            worktree.push(remote)
            log.info("pushed the branch", extra={"branch": branch})
            fault_point("push")
            mine = [head]
        self.state = self.state.but(commits=with_commits(self.state.commits, mine))

        previews = preview_links(branch, plan, settings.preview_url_template)
        pull = repo.upsert_pull(
            branch,
            workspace.default_branch(),
            pull_title(plan, self.number),
            pull_body(plan, self.number, self.issue.html_url, previews),
            PULL_LABELS,
        )
        fault_point("pull_request")
        self._close_duplicates(pull)
        self.state = self.state.but(pull=pull.number)
        status = IssueStatus(
            "proposed",
            plan=plan,
            pull=PullLink(pull.number, pull.html_url),
            branch=branch,
            previews=previews,
        )
        self.remove_label(WAITING_LABEL)
        self.write_status(status)
        return Outcome("done", f"pull request #{pull.number}")

    def own_commits(self, *now: str) -> set[str] | None:
        """The shas the bot knows it pushed to the issue's branch, and ``now``.

        None (the identity rule of :meth:`Workspace.foreign_commits`) only for a pull
        request from before the bot recorded its commits: the transition, once.
        """
        if not self.state.commits and self.state.pull is not None:
            return None
        return {*self.state.commits, *now}

    def _close_duplicates(self, kept: PullInfo) -> None:
        """Close every other open bot pull request for this issue: there is only ever one."""
        for pull in self.repo.open_pulls():
            if pull.number == kept.number or pull.author != self.login:
                continue
            if pull.head == kept.head or issue_of_pull(pull) == self.number:
                log.warning("closing a duplicate pull request", extra={"pull": pull.number})
                retire_pull(
                    self.repo,
                    self.workspace,
                    pull,
                    f"duplicate-{pull.number}",
                    duplicate_notice(kept.number, self.number),
                    delete_branch=pull.head != kept.head,
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
        run = IssueRun.load(context, issue)
        if not run.has_status:
            return Outcome("done", "the issue is closed")
        return run.closed_issue()
    scope = context.settings.issue_scope
    if not is_bot_issue(issue.title, issue.body, issue.labels, scope):
        return Outcome("done", "not an assignment issue")
    if not is_bot_issue(issue.title, issue.body, (), scope):
        # Only its labels make it the bot's (an old-form issue under
        # ``OLD_FORM_ISSUES=staff-labelled``, the gate ``STAFF_LABEL``): they count only if
        # someone with the maintainer role added them, as the issue's events tell, so a
        # filer cannot open the gate (e.g. by editing an issue of our form into the old one).
        if not is_bot_issue(issue.title, issue.body, staff_labels(context, issue), scope):
            log.info("the labels that make it an assignment issue were not added by staff")
            return Outcome("done", "not an assignment issue: its labels were not set by staff")
    return IssueRun.load(context, issue).open_issue()


def staff_labels(context: JobContext, issue: IssueInfo) -> tuple[str, ...]:
    """The issue's labels whose latest addition was by someone with the maintainer role
    (``COMMAND_PERMISSION`` or more), checked through the issue events and permission APIs."""
    adders: dict[str, str] = {}
    for event in context.repo.issue_events(issue.number):
        if event.event == "labeled" and event.label:
            adders[event.label.lower()] = event.actor
    permissions = Permissions(context.repo, context.settings.command_permission)
    return tuple(
        label
        for label in issue.labels
        if label.lower() in adders and permissions.is_maintainer(adders[label.lower()])
    )


def report_failure(context: JobContext, message: str) -> None:
    """Tell the issue that the bot gave up (the status comment, so still only one).

    The bot's memory of the issue is kept: a failure does not forget a batch or
    an approval.
    """
    number = context.job.issue_number
    if number is None:
        return
    comment = context.repo.find_marked_comment(number, STATUS_MARKER)
    state = IssueState.from_comment(comment.body if comment else None).but(kind="failed")
    body = render_status_comment(IssueStatus("failed", message=message)) + "\n" + state.marker()
    context.repo.upsert_marked_comment(number, body, STATUS_MARKER)
