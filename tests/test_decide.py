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
from bot.workflow.state import HOLD_CANCELLED, HOLD_CLOSED, HOLD_ISSUE_CLOSED, IssueState

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


def test_a_reopened_issue_is_no_longer_held_as_closed() -> None:
    assert reopened(IssueState(hold=HOLD_ISSUE_CLOSED)).hold is None
    assert reopened(IssueState(hold=HOLD_CANCELLED)).hold == HOLD_CANCELLED
