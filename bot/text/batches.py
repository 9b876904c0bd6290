"""The batch pull request's title and description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.planner import Plan
from bot.text.comments import PreviewLinks, change_summary, render_previews
from bot.text.render import render_plan
from bot.workflow.batches import MAX_BODY, BatchRecord

EMPTIED_NOTICE = "No issue is left in this batch, so I am closing this pull request."
"""On a batch pull request that the bot closes because no member is left in it."""
BLOCKED_NOTICE = (
    "This branch has commits that I did not make, so I do not rebuild it. Anthology staff: "
    "merge or close this pull request, or delete the branch, and I will build the batch again."
)
"""On a batch pull request whose branch has someone else's commits."""


def batch_title(name: str, count: int) -> str:
    return f"Author page corrections: {name} ({count} issue{'s' if count != 1 else ''})"


@dataclass(frozen=True)
class IncludedIssue:
    """An included member: its number, its plan (on top of the ones before) and its link."""

    number: int
    plan: Plan
    url: str


def batch_body(
    record: BatchRecord,
    included: Sequence[IncludedIssue],
    previews: PreviewLinks | None,
) -> str:
    """The batch pull request's description: the issues in order, those left out, the plans."""
    count = len(included)
    out = [
        f"**Batch `{record.name}`**: {count} issue{'s' if count != 1 else ''}, one commit "
        "each, in this order:",
        "",
    ]
    for position, item in enumerate(included, 1):
        out.append(f"{position}. Closes #{item.number}: {change_summary(item.plan)}")
    left_out = sorted((n, r) for n, r in record.members.items() if r.outcome == "left_out")
    if left_out:
        out += ["", "**Left out** (these issues stay open; nothing of theirs is in this branch):"]
        out += [""] + [f"- #{number}: {r.describe()}" for number, r in left_out]
    if previews is not None:
        out += ["", "**Preview** (once the build of this branch has finished):", ""]
        out.append(render_previews(previews))
    details: list[str] = []
    for item in included:
        details += [
            "",
            f"<details><summary>#{item.number}: the change</summary>",
            "",
            render_plan(item.plan),
            "",
            "</details>",
        ]
    footer = [
        "",
        "<sub>Built by the paper assignment bot from the default branch by replaying each "
        "issue's request in order. It rebuilds this branch when an issue changes or the "
        "default branch moves, and never overwrites commits pushed by someone else.</sub>",
        record.marker(),
    ]
    text = "\n".join(out + details + footer)
    if len(text) > MAX_BODY:
        note = ["", "(The per-issue tables are on the issues; they are too long for here.)"]
        text = "\n".join(out + note + footer)
    return text
