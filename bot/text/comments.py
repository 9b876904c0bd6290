"""What the bot writes on GitHub about an issue: the status comment, the pull request, the commit.

The bot keeps **one** status comment per issue (``bot.io.github`` finds it by a
hidden marker) and rewrites it whenever the issue's state changes. It is
always one of:

* ``questions``: the issue cannot become a change yet; each problem is a
  question for the person who filed it, with the form field it is about, and
  what could be read so far;
* ``proposed``: the plan (the pages the papers leave and join, a new page marked
  live only after the merge; then one list item per paper: its id, title and the
  author as printed, a list rather than a table so that it reads on a phone), the
  ``people.json`` changes (in authors' words: "institution"), side effects, the
  pull request and the preview links (the branch's preview build and the
  affected author pages on it);
* ``nothing``: the papers are already where the issue wants them;
* ``blocked``: the bot's branch holds commits by someone else, which it does
  not overwrite;
* ``failed``: the bot gave up (GitHub unreachable for too long, an internal
  error); a short explanation, never a stack trace or a secret;
* ``awaiting_approval`` (``APPROVAL_MODE=label``): the plan, waiting for the
  approval label, ``/apply`` or ``/batch``;
* ``planned``: the plan as ``/plan`` asked for it, and whether the pull request
  already holds it (``/plan`` changes no branch);
* ``held``: no pull request until a maintainer says ``/apply`` (after
  ``/cancel``, a pull request closed without merging, or a closed issue);
* ``merged``: the pull request was merged, and when the change will be live;
* ``batched``: the issue is in a batch, and what the batch did with it.

Besides the status comment the bot writes a few short *notices* (a merge, a
closed pull request, replies to commands; and, mentioning the filer, a new
question, the request complete, a pull request opened or updated): new comments,
because editing a comment notifies nobody. Each carries a hidden key so that a
rerun never posts it twice.

Texts are deterministic for a given state (no timestamps), so re-running a
job for an unchanged issue leaves the comment and the pull request untouched.
Everything from people or data (names, titles, messages) goes through
:func:`bot.text.render.escape`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.anthology.pages import is_unverified_page
from bot.engine.planner import Plan
from bot.engine.request import Problem
from bot.text.render import escape, plan_summary, render_plan
from bot.workflow.markers import PULL_MARKER

StatusKind = Literal[
    "questions",
    "proposed",
    "nothing",
    "blocked",
    "failed",
    "awaiting_approval",
    "planned",
    "held",
    "merged",
    "batched",
]

MAX_TITLE = 200

_FOOTER = (
    "<sub>I am the Anthology's paper assignment bot. Edit the issue, or answer my questions "
    "in a comment, to change the request: I read it again and update this comment. "
    "Anthology staff review every pull request before anything changes on the website.</sub>"
)


@dataclass(frozen=True)
class PullLink:
    """The bot's pull request for an issue."""

    number: int
    url: str


@dataclass(frozen=True)
class PreviewLinks:
    """The branch's preview build and the affected author pages on it (page id, URL)."""

    site: str
    pages: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BatchLink:
    """An issue's place in a batch: the batch, its pull request, and the outcome for the issue.

    ``outcome`` None means the batch is being (re)built; ``reason`` says why a
    left-out issue is left out (markdown without user text).
    """

    name: str
    pull: PullLink | None = None
    outcome: Literal["included", "left_out"] | None = None
    reason: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class IssueStatus:
    """Everything the status comment says; ``kind`` decides which parts appear."""

    kind: StatusKind
    plan: Plan | None = None
    problems: tuple[Problem, ...] = ()
    pull: PullLink | None = None
    branch: str | None = None
    previews: PreviewLinks | None = None
    message: str | None = None
    field_labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    approval_label: str | None = None
    batch: BatchLink | None = None
    up_to_date: bool | None = None
    hold: str | None = None
    withdrawn_by: str | None = None
    label_refused_from: str | None = None
    moot: int | None = None
    conflict: int | None = None
    conversation: tuple[str, ...] = ()


def _page_name(page: str | None) -> str:
    if not page:
        return "—"
    return page.removesuffix("/unverified") + " (unverified)" if is_unverified_page(page) else page


def render_questions(problems: Sequence[Problem], field_labels: Mapping[str, str]) -> str:
    """Problems as questions, each under the form field (label) it is about."""
    lines = []
    for problem in problems:
        where = field_labels.get(problem.field, problem.field)
        lines.append(f"- **{escape(where)}**: {escape(problem.message, 1000)}")
    return "\n".join(lines)


def _plan_without_problems(plan: Plan) -> str | None:
    """The moves and people.json changes a plan has so far; None if it has none."""
    if not plan.moves and not plan.people_changes:
        return None
    return render_plan(dataclasses.replace(plan, problems=[]))


def render_previews(previews: PreviewLinks, plan: Plan | None = None) -> str:
    """The preview links as a list (papers leave the source page and arrive on the target)."""
    roles: dict[str, str] = {}
    if plan is not None:
        if plan.source_page:
            roles[plan.source_page] = "the papers leave this page"
        if plan.target_page:
            roles[plan.target_page] = "the papers arrive on this page"
    lines = [f"- the whole site on this branch: {previews.site}"]
    for page, url in previews.pages:
        role = roles.get(page)
        lines.append(f"- [{escape(_page_name(page))}]({url})" + (f": {role}" if role else ""))
    return "\n".join(lines)


def _proposed(status: IssueStatus) -> list[str]:
    out = ["**The request is complete.** This is the change:", ""]
    if status.plan is not None:
        out.append(render_plan(status.plan))
    if status.pull is not None:
        out += ["", f"**Pull request:** #{status.pull.number} ({status.pull.url})"]
    if status.previews is not None:
        out += [
            "",
            "**Preview** (available once the preview build of the branch has finished):",
            "",
            render_previews(status.previews, status.plan),
        ]
    return out


def _questions(status: IssueStatus) -> list[str]:
    out = [
        "**Before I can propose a change, please answer these questions**, in a new comment "
        "or by editing the issue (the ⋯ menu, then *Edit*):",
        "",
        render_questions(status.problems, status.field_labels),
    ]
    so_far = _plan_without_problems(status.plan) if status.plan is not None else None
    if so_far:
        out += ["", "<details><summary>What I understood so far</summary>", "", so_far]
        out += ["", "</details>"]
    if status.pull is not None:
        out += [
            "",
            f"The pull request #{status.pull.number} shows the earlier version of this request; "
            "I will update it once the questions are answered.",
        ]
    if status.batch is not None:
        out += [
            "",
            f"The issue stays in the batch `{escape(status.batch.name)}`, which leaves it out "
            "until the questions are answered.",
        ]
    return out


def _plan_details(plan: Plan | None, summary: str) -> list[str]:
    if plan is None:
        return []
    return ["", f"<details><summary>{summary}</summary>", "", render_plan(plan), "", "</details>"]


def _awaiting_approval(status: IssueStatus) -> list[str]:
    label = escape(status.approval_label or "approved")
    out = ["**The request is complete and waits for approval.** This is the change I would make:"]
    if status.withdrawn_by:
        out[:0] = [
            f"**The approval by @{escape(status.withdrawn_by, 60)} no longer holds:** the "
            "request changed after it was approved, so the plan below is not the one that was "
            f"approved. I removed the `{label}` label if it was set.",
            "",
        ]
    if status.label_refused_from:
        out[:0] = [
            f"The `{label}` label was added by @{escape(status.label_refused_from, 60)}, who "
            "is not Anthology staff, so it does not approve the request.",
            "",
        ]
    if status.plan is not None:
        out += ["", render_plan(status.plan)]
    out += [
        "",
        f"Anthology staff: add the `{label}` label or comment `/apply`, and I open a pull "
        "request; or comment `/batch` to add the issue to today's batch.",
    ]
    if status.pull is not None:
        out += [
            "",
            f"The pull request #{status.pull.number} shows an earlier version of this request; "
            "I update it once this version is approved.",
        ]
    return out


def _planned(status: IssueStatus) -> list[str]:
    out = [
        "**This is the plan for the issue as it is now.** I made it because of `/plan`, "
        "and changed no branch and no pull request:"
    ]
    if status.plan is not None:
        out += ["", render_plan(status.plan)]
    if status.pull is not None and status.up_to_date:
        out += ["", f"The pull request #{status.pull.number} holds exactly this change."]
    elif status.pull is not None:
        out += [
            "",
            f"The pull request #{status.pull.number} holds an earlier version; I update it "
            "the next time I work on this issue without `/plan` (for example after `/apply`).",
        ]
    return out


HOLD_TEXT = {
    "cancelled": "it was cancelled with `/cancel`: I closed its pull request{branch} and took it "
    "out of any batch",
    "closed": "its pull request was closed without merging",
    "issue-closed": "the issue was closed",
}


def _held(status: IssueStatus) -> list[str]:
    why = HOLD_TEXT.get(status.hold or "", "Anthology staff stopped it")
    if status.branch:  # the truth about the branch: it is still there
        kept = f" (its branch `{escape(status.branch)}` still exists)"
        why = why.replace("{branch}", kept)
    else:
        why = why.replace("{branch}", ", deleted its branch")
    out = [
        f"**I am not working on a pull request for this issue:** {why}. "
        "Anthology staff can comment `/apply` to start again from the request as it is then.",
    ]
    return out + _plan_details(status.plan, "The change the issue asks for")


def _merged(status: IssueStatus) -> list[str]:
    pull = f"#{status.pull.number}" if status.pull is not None else "with this change"
    out = [f"**Merged:** the pull request {pull} with this change was merged."]
    if status.message:  # MERGED_MESSAGE: the operator's markdown, not a person's
        out += ["", status.message]
    return out + _plan_details(status.plan, "The change")


def _batched(status: IssueStatus) -> list[str]:
    batch = status.batch
    assert batch is not None
    head = f"**This issue is in the batch `{escape(batch.name)}`**"
    if batch.pull is not None:
        head += f", pull request #{batch.pull.number} ({batch.pull.url})"
    out = [head + "."]
    if batch.outcome == "included":
        place = f"commit {batch.position} of" if batch.position else "a commit in"
        out += ["", f"Its change is {place} the batch."]
    elif batch.outcome == "left_out":
        out += ["", f"It is left out of the batch for now: {batch.reason or 'see the batch'}."]
    else:
        out += ["", "I am building the batch; this comment will say what it did with the issue."]
    if status.plan is not None:
        out += ["", render_plan(status.plan)]
    return out


def _blocked(status: IssueStatus) -> list[str]:
    branch = f"`{status.branch}`" if status.branch else "the bot's branch"
    out = [
        f"**The branch {branch} has commits that I did not make**, so I do not overwrite it. "
        "Anthology staff: merge or close its pull request, or delete the branch, and I will "
        "start again from the current request.",
    ]
    if status.plan is not None:
        out += [
            "",
            "<details><summary>The change the issue asks for</summary>",
            "",
            render_plan(status.plan),
            "",
            "</details>",
        ]
    return out


_RENDERERS = {
    "awaiting_approval": _awaiting_approval,
    "planned": _planned,
    "held": _held,
    "merged": _merged,
    "batched": _batched,
}


def render_status_comment(status: IssueStatus) -> str:
    """The status comment's markdown (without the hidden marker, which bot.io.github adds)."""
    body = _status_body(status)
    if status.conflict is not None:
        body += ["", conflict_line(status.conflict)]
    return "\n".join(
        [
            "### Paper assignment",
            "",
            *body,
            *_conversation_notes(status),
            *_reading_notes(status),
            "",
            _FOOTER,
        ]
    )


def _conversation_notes(status: IssueStatus) -> list[str]:
    """What the bot took from the conversation: the filer's answers it read (or did not
    use) and the maintainers' decisions, each with the comment it came from."""
    if not status.conversation:
        return []
    # The notes are made of fixed words, GitHub logins and the comments' GitHub URLs
    # (``bot.forms.thread``, ``bot.forms.decision``), never of what people typed, so
    # they are shown as they are: escaping would break the links.
    lines = ["", "**From the comments:**", ""]
    return lines + [f"- {note[:400]}" for note in status.conversation[:20]]


def conflict_line(pull: int) -> str:
    """A pull request that no longer merges and that the bot cannot rebuild now."""
    return (
        f"**The pull request #{pull} no longer merges:** the default branch changed the lines "
        "it edits, and I cannot rebuild it from the request as it is now. I asked Anthology "
        "staff on the pull request to resolve or close it."
    )


def _status_body(status: IssueStatus) -> list[str]:
    if status.kind == "proposed":
        body = _proposed(status)
    elif status.kind == "questions":
        body = _questions(status)
    elif status.kind == "nothing":
        body = ["**Nothing to change:** the papers are already on the page this issue asks for."]
        if status.moot is not None:
            body.append(
                "The default branch already holds this change (it was made there directly), "
                f"so I closed my pull request #{status.moot}. Anthology staff can close this issue."
            )
        if status.pull is not None:
            body.append(f"(See the pull request #{status.pull.number}.)")
    elif status.kind == "blocked":
        body = _blocked(status)
    elif status.kind in _RENDERERS:
        body = _RENDERERS[status.kind](status)
    else:
        body = [
            "**I could not finish working on this issue.**",
            "",
            escape(status.message or "Something went wrong.", 1000),
            "",
            "Anthology staff have the details in the bot's logs. Editing the issue makes me "
            "try again.",
        ]
    return body


def _reading_notes(status: IssueStatus) -> list[str]:
    """What the parser noted while reading the request (an ORCID left as it is, a page that
    already has a verified person ...): nothing the filer gave is dropped without a word."""
    if status.plan is None:
        return []
    notes = status.plan.request.extra.get("resolved") or []
    if not isinstance(notes, list) or not notes:
        return []
    lines = ["", "<details><summary>How I read the request</summary>", ""]
    lines += [f"- {escape(str(note), 400)}" for note in notes[:20]]
    return [*lines, "", "</details>"]


# -- the pull request and the commit ------------------------------------------------------


def change_summary(plan: Plan) -> str:
    """``3 papers from jane-doe/unverified to jane-doe`` (plain text), or per kind
    (``merge x into y``, ``update y in people.json``, ``verify ...``)."""
    return plan_summary(plan)


def pull_title(plan: Plan, issue_number: int) -> str:
    title = f"Paper assignment: {change_summary(plan)} (#{issue_number})"
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def pull_body(plan: Plan, issue_number: int, issue_url: str, previews: PreviewLinks | None) -> str:
    """The pull request's description: the issue, the plan table, the previews."""
    out = [
        PULL_MARKER,
        f"Closes #{issue_number}: the change requested in {issue_url}",
        "",
        render_plan(plan),
    ]
    if previews is not None:
        out += [
            "",
            "**Preview** (once the build of this branch has finished):",
            "",
            render_previews(previews, plan),
        ]
    out += [
        "",
        "<sub>Opened by the paper assignment bot. It updates this pull request when the "
        "issue is edited, and never overwrites commits pushed by someone else.</sub>",
    ]
    return "\n".join(out)


# GitHub turns "#12", "owner/repo#12", "GH-12" and issue URLs into references, and a
# closing keyword before one closes that issue when the commit lands on the default
# branch. Only the bot's own last line may do that.
_ISSUE_REFERENCE = re.compile(r"#(?=\d)")
_GH_REFERENCE = re.compile(r"\b(GH)-(?=\d)", re.IGNORECASE)
_GITHUB_HOST = re.compile(r"github\.com", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def commit_text(text: str) -> str:
    """User text (a name, an institution) made inert for a commit message.

    * one line: line breaks (every kind :meth:`str.splitlines` knows) and
      control characters become spaces, so the text never starts a line and
      cannot add a git trailer (``Signed-off-by:``, ``Co-authored-by:``) or a
      paragraph;
    * no issue references: ``#`` before a digit becomes the full-width ``＃``,
      ``GH-`` gets a typographic hyphen and ``github.com`` reads
      ``github[.]com``, so a closing keyword in the text has nothing to close.

    Readers still see what the person wrote; the XML and ``people.json`` get the
    text itself, not this.
    """
    flat = " ".join(_CONTROL.sub(" ", line) for line in text.splitlines())
    flat = _ISSUE_REFERENCE.sub("＃", flat)
    flat = _GH_REFERENCE.sub(lambda m: f"{m.group(1)}\u2010", flat)
    return _GITHUB_HOST.sub("github[.]com", flat)


def commit_message(plan: Plan, issue_number: int) -> str:
    """One commit per issue: what moved, the people.json changes, ``closes #N``.

    Every piece of user text goes through :func:`commit_text`, so the bot's own
    last line is the only one that can close an issue and there are no trailers.
    """
    summary = commit_text(change_summary(plan))
    first = f"Assign {summary}" if plan.kind == "move" else summary[:1].upper() + summary[1:]
    lines = [first, ""]
    for change in plan.moves:
        role = "editor" if change.ref.role == "editor" else "author"
        lines.append(
            f"- {change.ref.item_id}: {commit_text(change.name.as_first_last())} ({role} "
            f"{change.ref.position + 1}), {change.from_page} -> {change.to_page}"
        )
    if plan.people_changes:
        lines.append("")
        lines.extend(f"people.json: {commit_text(c.describe())}" for c in plan.people_changes)
    if plan.pins:
        count = len(plan.pins)
        lines += [
            "",
            f"Pinned {count} other author slot{'s' if count != 1 else ''} to "
            f"{'their' if count != 1 else 'its'} current page with an explicit id, so that "
            "name matching does not move them.",
        ]
    lines += ["", f"closes #{issue_number}"]
    return "\n".join(lines) + "\n"


# -- notices: short new comments ------------------------------------------------------------


def merged_notice(pull_number: int, message: str, filer: str | None = None) -> str:
    """On the issue, once its pull request (or batch) is merged (``message``: MERGED_MESSAGE);
    mentions the filer, so that they hear of it."""
    who = f"@{escape(filer, 60)}: " if filer else ""
    return (
        f"{who}The pull request #{pull_number} with the change for this issue was merged. {message}"
    )


# Notices that tell the filer the state changed: the status comment is edited in place,
# and GitHub notifies nobody of an edit. Each mentions the filer once and is short.


def complete_notice(filer: str, status_url: str, awaiting_approval: bool) -> str:
    """The request became complete after the bot had asked something."""
    then = (
        "It now waits for Anthology staff to approve it."
        if awaiting_approval
        else "I am preparing the change."
    )
    return (
        f"@{escape(filer, 60)}: thank you, the request is complete now. {then} "
        f"The plan is in my status comment: {status_url}"
    )


def pull_notice(filer: str, pull: PullLink, opened: bool) -> str:
    """A pull request with the issue's change was opened, or updated with a new plan."""
    if opened:
        return (
            f"@{escape(filer, 60)}: I opened the pull request #{pull.number} with the change "
            f"({pull.url}). "
            "Anthology staff review it before anything changes on the website."
        )
    return (
        f"@{escape(filer, 60)}: I updated the pull request #{pull.number} with the request as "
        f"it is now ({pull.url})."
    )


def question_notice(filer: str, status_url: str) -> str:
    """The bot has a new question (the status comment lists it)."""
    return (
        f"@{escape(filer, 60)}: I have a question about this request, please see my status "
        f"comment: {status_url}. You can answer in a new comment."
    )


def closed_notice(pull_number: int) -> str:
    """On the issue, once its pull request was closed without merging."""
    return (
        f"The pull request #{pull_number} for this issue was closed without merging. I will not "
        "open another one unless Anthology staff comment `/apply`."
    )


def superseded_notice(batch_pull: int, batch: str) -> str:
    """On an issue's own pull request, when a batch pull request includes the issue."""
    return (
        f"This change is now part of the batch `{escape(batch)}` (pull request #{batch_pull}), "
        "so I am closing this pull request and deleting its branch."
    )


def cancelled_notice(issue_number: int) -> str:
    """On the pull request that ``/cancel`` closes."""
    return f"Closed on request (`/cancel` on #{issue_number})."


def issue_closed_notice(issue_number: int) -> str:
    """On the pull request of an issue that was closed without it."""
    return f"The issue #{issue_number} was closed, so I am closing this pull request."


def duplicate_notice(kept: int, issue_number: int) -> str:
    """On an extra open pull request for the same issue."""
    return f"Closing this duplicate: #{kept} is the pull request for #{issue_number}."


def refusal_reply(login: str, command: str, allowed: str) -> str:
    """A short, polite no to someone who may not use a command."""
    return (
        f"Sorry @{login}, `{escape(command, 120)}` can only be used by {allowed}. Nothing was "
        "changed. `/help` lists the commands."
    )


def command_error_reply(login: str, command: str, problem: str) -> str:
    """A command that could not be carried out, and why (``problem`` is markdown)."""
    return f"@{login}: I could not do `{escape(command, 120)}`: {problem}"


def unclear_reply(login: str, written: str, suggestion: str | None, bot_login: str) -> str:
    """An answer to something meant for the bot that is no command: the closest command, if
    one is close, and ``/help``. Nothing was done."""
    head = f"@{login}: I do not know the command {escape(written, 120)}."
    if suggestion is not None:
        mention = bot_login.removesuffix("[bot]")
        head += f" Did you mean `/{suggestion}` (or `@{mention} {suggestion}`)?"
    return head + " Nothing was changed. `/help` lists the commands."


def edited_command_reply(login: str) -> str:
    """Commands in a comment edited after it was posted are not carried out (ever)."""
    return (
        f"@{login}: this comment was edited after it was posted, and I only act on "
        "commands as a comment was first written, so nothing was changed. Please write the "
        "command in a new comment. `/help` lists the commands."
    )


def no_plan_approved_reply(login: str, command: str) -> str:
    """``/apply`` or ``/batch`` written while the status comment showed no complete plan."""
    return (
        f"@{login}: when you wrote `{escape(command, 120)}`, my status comment showed no "
        "complete plan, so nothing was approved. Please check the plan in the status "
        "comment and approve it again."
    )


def moot_notice(pull: int) -> str:
    """On a pull request whose change the default branch already holds (an empty diff)."""
    return (
        "The default branch already holds this change (it was made there directly), so this "
        f"pull request is empty and I am closing it (#{pull})."
    )


def conflict_notice(default_branch: str, reason: str) -> str:
    """On a pull request that conflicts with the default branch and cannot be rebuilt now."""
    return (
        f"Anthology staff: `{escape(default_branch)}` changed the lines this pull request edits, "
        f"so it no longer merges, and I cannot rebuild it now ({reason}). Please resolve or "
        "close it; I rebuild it by myself once the request can be planned and approved again."
    )
