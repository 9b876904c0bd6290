"""Batches: many approved issues on one branch and one pull request (the texts and rules).

Anthology maintainers merge author-page corrections in batches: one branch
(``bulk-verifications-2026-03-14``), one commit per issue with ``closes #N``,
one pull request. ``/batch [name]`` puts an issue into such a batch; the bot's
batch job (``bot.worker.jobs.batch``) builds it:

1. the members are the open issues labelled ``pending`` whose hidden state
   (``bot.workflow.state``) names the batch, in issue-number order;
2. each member's request is planned against the default branch on its own;
   two members that touch the same author slot (the same ``<author>`` or
   ``<editor>`` element, at least one of them moving it) are a **conflict**:
   the later issue is left out and the pull request and the issue say which
   slot and which issue it collides with. Nothing is silently merged;
3. the branch is rebuilt from the default branch by *replaying* the included
   requests in order (plan on the data as the earlier commits left it, apply,
   commit), not by cherry-picking old commits, so each commit is exactly what
   its request means on top of the ones before;
4. the pull request body lists every issue (included, or left out and why)
   and ends with a hidden record (:class:`BatchRecord`): for each member its
   fingerprint, whether it was approved, and its outcome. An issue job compares
   its issue with that record to know whether the batch must be rebuilt.

**An issue in a batch has no pull request of its own.** When the batch pull
request includes the issue, the issue job closes the issue's single-issue pull
request with a comment pointing to the batch and deletes its branch. An issue
left out of the batch stays in it (and keeps the ``pending`` label) until a
maintainer resolves the conflict (``/cancel`` takes it out; ``/apply`` after
that gives it its own pull request again).

**When a batch ends.** A batch pull request merged or closed by a person ends
that batch for the issues its record lists: merged and included, an issue is
told that its change is merged; merged but left out, it goes on alone (its own
pull request, if approved); closed unmerged, it is told and held until
``/apply``, like a closed single-issue pull request. Issues that join a batch
of the same name later form a new batch. ``/batch`` refuses a name whose last
pull request was closed with the issue in it. When the bot itself closes a
batch pull request because no member is left in it, the record says so
(``emptied``) and the batch does not end.

This module holds the pure parts: job requests, the record, conflicts and the
pull request text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.engine.planner import Plan, SlotChange
from bot.workflow.markers import BATCH_MARKER, hidden_json, read_hidden_json, read_shas

MAX_BODY = 60_000  # GitHub refuses bodies over 65,536 characters

Outcome = Literal["included", "left_out"]
Reason = Literal["", "approval", "questions", "nothing", "conflict", "replay"]

REASON_TEXT: dict[str, str] = {
    "approval": "edited since it was approved; it needs approval again",
    "questions": "the request has open questions on the issue",
    "nothing": "nothing to change: the papers are already where the issue wants them",
    "replay": "it could not be applied on top of the issues before it in this batch",
}


# -- the record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRecord:
    """What the batch did with one member issue."""

    fp: str
    approved: bool
    outcome: Outcome
    reason: Reason = ""
    position: int | None = None  # the commit's place in the batch (1-based), when included
    conflict_with: int | None = None
    slot: str | None = None  # "2025.acl-long.5 author 1", for a conflict

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fp": self.fp, "approved": self.approved, "outcome": self.outcome}
        for key in ("reason", "position", "conflict_with", "slot"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MemberRecord | None:
        outcome = data.get("outcome")
        if outcome not in ("included", "left_out") or not isinstance(data.get("fp"), str):
            return None
        reason = data.get("reason", "")
        position = data.get("position")
        other = data.get("conflict_with")
        slot = data.get("slot")
        return cls(
            fp=data["fp"],
            approved=bool(data.get("approved")),
            outcome=outcome,
            reason=reason
            if reason in ("approval", "questions", "nothing", "conflict", "replay")
            else "",
            position=position if isinstance(position, int) else None,
            conflict_with=other if isinstance(other, int) else None,
            slot=slot if isinstance(slot, str) else None,
        )

    def describe(self) -> str:
        """Why a left-out member is left out (markdown, no user text)."""
        if self.reason == "conflict" and self.conflict_with is not None:
            where = f" ({self.slot})" if self.slot else ""
            return (
                f"it touches the same author slot{where} as #{self.conflict_with}; "
                "Anthology staff decide which change is right"
            )
        return REASON_TEXT.get(self.reason, "left out")


@dataclass(frozen=True)
class BatchRecord:
    """The members of a batch and their outcomes, hidden in the batch pull request's body."""

    name: str
    members: dict[int, MemberRecord] = field(default_factory=dict)
    emptied: bool = False  # the bot closed the pull request because no issue was left in it
    commits: tuple[str, ...] = ()
    """The shas of the commits the bot pushed to the batch branch (its last build): how it
    recognises its own commits there, never by name and e-mail (``Workspace.foreign_commits``)."""

    @property
    def included(self) -> list[int]:
        """Included members in commit order."""
        inside = [(r.position or 0, n) for n, r in self.members.items() if r.outcome == "included"]
        return [n for _, n in sorted(inside)]

    def marker(self) -> str:
        members = {str(n): r.to_json() for n, r in sorted(self.members.items())}
        data: dict[str, Any] = {"name": self.name, "members": members}
        if self.emptied:
            data["emptied"] = True
        if self.commits:
            data["commits"] = list(self.commits)
        return hidden_json(BATCH_MARKER, data)

    @classmethod
    def from_body(cls, body: str | None) -> BatchRecord | None:
        """The record in a pull request body; None if it is not a batch pull request."""
        data = read_hidden_json(BATCH_MARKER, body or "")
        if data is None or not isinstance(data.get("name"), str):
            return None
        members: dict[int, MemberRecord] = {}
        raw = data.get("members")
        for key, value in (raw if isinstance(raw, dict) else {}).items():
            record = MemberRecord.from_json(value) if isinstance(value, dict) else None
            if str(key).isdigit() and record is not None:
                members[int(key)] = record
        return cls(
            data["name"],
            members,
            emptied=data.get("emptied") is True,
            commits=read_shas(data.get("commits")),
        )


# -- conflicts ------------------------------------------------------------------------------


SlotKey = tuple[str, str, str, int]


def slot_key(change: SlotChange) -> SlotKey:
    """One ``<author>``/``<editor>`` element: file, item, role and position."""
    return (change.file, change.ref.item_id, change.ref.role, change.ref.position)


def describe_slot(key: SlotKey) -> str:
    _, item, role, position = key
    return f"{item} {'editor' if role == 'editor' else 'author'} {position + 1}"


@dataclass(frozen=True)
class Conflict:
    """A later issue touching a slot that an earlier, included issue touches."""

    other: int
    slot: str


def find_conflicts(plans: Sequence[tuple[int, Plan]]) -> dict[int, Conflict]:
    """Issue -> its conflict, for plans in batch order, each made on the default branch.

    A slot that two plans both touch is a conflict when at least one of them
    *moves* it (two plans pinning the same slot to the same page agree). The
    earlier issue wins; the later one is left out, and does not block any
    issue after it.
    """
    touched: dict[SlotKey, tuple[int, bool]] = {}
    conflicts: dict[int, Conflict] = {}
    for number, plan in plans:
        mine = {slot_key(c): c.reason == "move" for c in plan.slot_changes}
        clash = next(
            (
                Conflict(touched[key][0], describe_slot(key))
                for key, moves in mine.items()
                if key in touched and (moves or touched[key][1])
            ),
            None,
        )
        if clash is not None:
            conflicts[number] = clash
            continue
        for key, moves in mine.items():
            holder = touched.get(key)
            touched[key] = (number, moves or (holder is not None and holder[1]))
    return conflicts
