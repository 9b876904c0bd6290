"""What the issue job does with an issue: the decision table, and what each command changes.

The issue job reads (the issue, its comments, the bot's memory, the plan), then
decides here, then acts (``bot.worker.jobs.issue``). Everything in this module is
pure: plain values in, plain values out, tested row by row in
``tests/test_decide.py``.

The table, first row that applies wins:

==========================================  ======================  =========================
situation                                   action                  what the job does
==========================================  ======================  =========================
its change was merged, the text unchanged,  ``merged``              says so; nothing else
no command asks for more
the issue is in a batch                     ``batch``               keeps the batch in step
the request has questions                   ``ask``                 asks; ``waiting``; no branch
nothing would change                        ``nothing``             says so
held (``/cancel``, PR closed unmerged)      ``hold``                shows the plan only
``/plan`` (and no ``/apply``/``/retry``)    ``show_plan``           shows the plan, pushes nothing
not approved (``APPROVAL_MODE=label``)      ``await_approval``      shows the plan, waits
otherwise                                   ``propose``             commit, push, pull request
==========================================  ======================  =========================
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from bot.workflow.state import HOLD_CANCELLED, HOLD_ISSUE_CLOSED, IssueState

Action = Literal[
    "merged", "batch", "ask", "nothing", "hold", "show_plan", "await_approval", "propose"
]

#: The actions for which the job writes the plan's files into its worktree.
WRITES_FILES: frozenset[Action] = frozenset({"show_plan", "propose"})


@dataclass(frozen=True)
class Situation:
    """What the job knows when it decides (after reading, planning and the commands)."""

    in_batch: bool = False
    hold: str | None = None
    plan_only: bool = False
    push_requested: bool = False
    approved: bool = True
    has_problems: bool = False
    has_changes: bool = True
    merged_unchanged: bool = False


def decide(situation: Situation) -> Action:
    """The one thing the issue job does now (see the table in the module docstring)."""
    s = situation
    if s.merged_unchanged and not (s.plan_only or s.push_requested):
        return "merged"
    if s.in_batch:
        return "batch"
    if s.has_problems:
        return "ask"
    if not s.has_changes:
        return "nothing"
    if s.hold is not None:
        return "hold"
    if s.plan_only and not s.push_requested:
        return "show_plan"
    if not s.approved:
        return "await_approval"
    return "propose"


# -- commands as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """What one command does to the issue, as data; the job carries out the I/O parts.

    State: ``approve`` records the plan shown as approved, ``unapprove`` forgets
    an approval, ``hold`` sets (``release_hold`` clears) a hold, ``forget_merge``
    lets a merged issue start afresh, ``join_batch`` puts the issue into the batch
    the command names. Run flags: ``plan_only``, ``push``. I/O for the job:
    ``close_pull`` (retire the issue's own pull request), ``leave_batch``,
    ``help``, ``decide`` (read the ``/request`` lines and record the decision).
    """

    approve: bool = False
    unapprove: bool = False
    hold: str | None = None
    release_hold: bool = False
    forget_merge: bool = False
    join_batch: bool = False
    forget_pull: bool = False
    plan_only: bool = False
    push: bool = False
    close_pull: bool = False
    leave_batch: bool = False
    help: bool = False
    decide: bool = False


EFFECTS: dict[str, Effect] = {
    "plan": Effect(plan_only=True),
    "retry": Effect(push=True),
    "apply": Effect(approve=True, release_hold=True, forget_merge=True, push=True),
    "cancel": Effect(
        hold=HOLD_CANCELLED, unapprove=True, forget_pull=True, close_pull=True, leave_batch=True
    ),
    "batch": Effect(approve=True, release_hold=True, forget_merge=True, join_batch=True),
    "help": Effect(help=True),
    # A decision changes the request, not the approval: that stays bound to the plan shown.
    "request": Effect(decide=True),
}


def effect_of(command: str) -> Effect:
    """The effect of a command by name (every command in ``bot.workflow.commands``)."""
    return EFFECTS[command]


def apply_effect(
    state: IssueState,
    effect: Effect,
    fingerprint: str | None,
    batch: str | None = None,
    by: str | None = None,
) -> IssueState:
    """The issue's state after a command with ``effect`` (``batch``: the batch it names).

    ``fingerprint`` is the plan the command approves: the plan the status comment
    showed when the command was written (``bot.workflow.state.plan_seen``; None
    if it showed none), never the text the job reads later; ``by`` who gave it.

    Leaving a previous batch is the job's part (``leave_batch`` / a different
    ``batch``): it also queues that batch's rebuild.
    """
    if effect.forget_merge and state.merged is not None and state.merged == state.pull:
        state = replace(state, pull=None, merged=None)
    if effect.release_hold:
        state = replace(state, hold=None)
    if effect.hold is not None:
        state = replace(state, hold=effect.hold)
    if effect.forget_pull:
        state = replace(state, pull=None)
    if effect.approve:
        state = replace(state, approved=fingerprint, by=by, via="command", withdrawn=None)
    if effect.unapprove:
        state = replace(state, approved=None, by=None, via=None, ok=None)
    if effect.join_batch and batch is not None:
        state = replace(state, batch=batch)
    return state


def reopened(state: IssueState) -> IssueState:
    """An open issue that the bot remembers as closed was reopened: the hold is over."""
    return replace(state, hold=None) if state.hold == HOLD_ISSUE_CLOSED else state
