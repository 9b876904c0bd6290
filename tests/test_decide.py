"""The issue job's decision table and the commands' effects, row by row, with plain values."""

from __future__ import annotations

import pytest

from bot.workflow.commands import COMMANDS
from bot.workflow.decide import (
    EFFECTS,
    WRITES_FILES,
    Situation,
    apply_effect,
    decide,
    effect_of,
    reopened,
)
from bot.workflow.state import (
    HOLD_CANCELLED,
    HOLD_CLOSED,
    HOLD_ISSUE_CLOSED,
    IssueState,
    LabelEvent,
    approve_by_command,
    judge_label,
    plan_fingerprint,
    plan_seen,
    settle_approval,
    with_shown,
)

FP = "fp-now"


@pytest.mark.parametrize(
    ("situation", "action"),
    [
        (Situation(), "propose"),
        (Situation(merged_unchanged=True), "merged"),
        (Situation(merged_unchanged=True, push_requested=True), "propose"),
        (Situation(merged_unchanged=True, plan_only=True), "show_plan"),
        (Situation(in_batch=True), "batch"),
        (Situation(in_batch=True, has_problems=True), "batch"),
        (Situation(in_batch=True, approved=False), "batch"),
        (Situation(has_problems=True), "ask"),
        (Situation(has_problems=True, hold=HOLD_CANCELLED), "ask"),
        (Situation(has_changes=False), "nothing"),
        (Situation(hold=HOLD_CANCELLED), "hold"),
        (Situation(hold=HOLD_CLOSED, push_requested=True), "hold"),
        (Situation(plan_only=True), "show_plan"),
        (Situation(plan_only=True, approved=False), "show_plan"),
        (Situation(plan_only=True, push_requested=True), "propose"),
        (Situation(approved=False), "await_approval"),
        (Situation(approved=False, push_requested=True), "await_approval"),
    ],
)
def test_the_decision_table_row_by_row(situation: Situation, action: str) -> None:
    assert decide(situation) == action


def test_only_showing_and_proposing_write_files() -> None:
    assert WRITES_FILES == {"show_plan", "propose"}


def test_every_command_has_an_effect() -> None:
    assert set(EFFECTS) == set(COMMANDS)


def test_apply_approves_the_current_text_and_releases_a_hold() -> None:
    state = IssueState(fp="old", hold=HOLD_CLOSED, approved="old")
    after = apply_effect(state, effect_of("apply"), FP)
    assert after.approved == FP and after.hold is None


def test_apply_after_a_merge_starts_afresh() -> None:
    state = IssueState(pull=7, merged=7)
    after = apply_effect(state, effect_of("apply"), FP)
    assert after.pull is None and after.merged is None


def test_apply_keeps_a_merge_of_an_older_pull_request_in_memory() -> None:
    state = IssueState(pull=9, merged=7)
    assert apply_effect(state, effect_of("apply"), FP).merged == 7


def test_cancel_holds_forgets_the_pull_request_and_the_approval() -> None:
    state = IssueState(pull=7, approved=FP)
    after = apply_effect(state, effect_of("cancel"), FP)
    assert (after.hold, after.pull, after.approved) == (HOLD_CANCELLED, None, None)
    assert effect_of("cancel").close_pull and effect_of("cancel").leave_batch


def test_batch_joins_the_named_batch_approved() -> None:
    after = apply_effect(IssueState(hold=HOLD_CANCELLED), effect_of("batch"), FP, "b-1")
    assert (after.batch, after.approved, after.hold) == ("b-1", FP, None)


def test_plan_retry_and_help_change_no_state() -> None:
    state = IssueState(fp="x", pull=3, approved="x", batch="b")
    for name in ("plan", "retry", "help"):
        assert apply_effect(state, effect_of(name), FP) == state
    assert effect_of("plan").plan_only and effect_of("retry").push and effect_of("help").help


def test_request_decides_but_never_approves() -> None:
    """``/request`` changes the request (the job records the decision), not the approval:
    that stays bound to the plan a maintainer saw."""
    state = IssueState(fp="x", pull=3, approved="x", by="maria", via="command", batch="b")
    effect = effect_of("request")
    assert effect.decide and not (effect.approve or effect.unapprove or effect.push)
    assert apply_effect(state, effect, FP, by="mario") == state


def test_a_reopened_issue_is_no_longer_held_as_closed() -> None:
    assert reopened(IssueState(hold=HOLD_ISSUE_CLOSED)).hold is None
    assert reopened(IssueState(hold=HOLD_CANCELLED)).hold == HOLD_CANCELLED


# -- approval bound to the plan shown, and to who gave it ------------------------------------

P1, P2 = plan_fingerprint("**3 papers** ..."), plan_fingerprint("**2 papers** ...")
# P1 shown before comment 100 / event 50; P2 shown before comment 200 / event 80.
SHOWN = with_shown(with_shown((), (P1, 99, 49)), (P2, 199, 79))


def test_plan_fingerprints_ignore_line_endings_only() -> None:
    assert plan_fingerprint("a\r\nb\n") == plan_fingerprint("a\nb")
    assert P1 != P2


def test_the_plan_seen_is_the_one_shown_before_the_comment_or_event() -> None:
    assert plan_seen(SHOWN, comment_id=50) is None  # before any plan
    assert plan_seen(SHOWN, comment_id=150) == P1
    assert plan_seen(SHOWN, comment_id=199) == P1  # existed when P2 was written: saw P1
    assert plan_seen(SHOWN, comment_id=250) == P2
    assert plan_seen(SHOWN, event_id=60) == P1 and plan_seen(SHOWN, event_id=90) == P2
    assert plan_seen(with_shown(SHOWN, ("", 300, 90)), comment_id=400) is None  # questions
    assert with_shown(SHOWN, (P2, 500, 500)) == SHOWN  # the same plan again: no new entry
    assert len(with_shown((), (P1, 1, 1))) == 1


def test_apply_approves_the_plan_seen_and_an_edit_withdraws_it() -> None:
    state = approve_by_command(IssueState(shown=SHOWN), 150, "maria")
    assert (state.approved, state.by, state.via) == (P1, "maria", "command")
    confirmed = settle_approval(state, P1, "text-1")
    assert confirmed.ok == "text-1" and confirmed.approved == P1
    withdrawn = settle_approval(confirmed, P2, "text-2")
    assert (withdrawn.approved, withdrawn.ok, withdrawn.withdrawn) == (None, None, "maria")
    # Questions now: not confirmed, not withdrawn (the approved plan may come back).
    asking = settle_approval(confirmed, None, "text-3")
    assert asking.approved == P1 and asking.ok is None and asking.withdrawn is None
    # Through the effect table too: /apply approves the plan given, not the text.
    applied = apply_effect(IssueState(), effect_of("apply"), P2, by="maria")
    assert (applied.approved, applied.by, applied.via) == (P2, "maria", "command")
    cancelled = apply_effect(confirmed, effect_of("cancel"), None)
    assert (cancelled.approved, cancelled.ok) == (None, None)


def test_a_label_counts_from_staff_for_the_plan_shown_when_it_was_added() -> None:
    state = IssueState(shown=SHOWN)
    staff = judge_label(state, LabelEvent(60, "maria"), is_maintainer=True, current_plan=P2)
    assert (staff.approved, staff.by, staff.via, staff.label_event) == (P1, "maria", "label", 60)
    assert IssueState.from_comment(staff.marker()) == staff  # kept in the status comment
    assert settle_approval(staff, P2, "t").withdrawn == "maria"
    # The same event is judged once.
    assert (
        judge_label(staff, LabelEvent(60, "maria"), is_maintainer=False, current_plan=P2) == staff
    )
    # Someone without the role: recorded, not approving.
    other = judge_label(state, LabelEvent(90, "mallory"), is_maintainer=False, current_plan=P2)
    assert other.approved is None and other.label_refused == "mallory"
    # Added before the bot showed any plan: it approves the plan made now.
    early = judge_label(IssueState(), LabelEvent(5, "maria"), is_maintainer=True, current_plan=P2)
    assert early.approved == P2
    # The label removed: a label approval goes, a command approval stays.
    assert judge_label(staff, None, is_maintainer=False, current_plan=P1).approved is None
    by_command = approve_by_command(state, 150, "maria")
    assert judge_label(by_command, None, is_maintainer=False, current_plan=P1).approved == P1
