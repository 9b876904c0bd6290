"""Plans and problems as markdown: for the CLI, status comments and pull request bodies.

Everything that came from a person (names, titles, notes) is escaped so that it
cannot break a table, start a mention or inject markup into a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.anthology.pages import is_unverified_page
from bot.engine.planner import Plan, SlotChange
from bot.engine.request import Problem

ANTHOLOGY = "https://aclanthology.org"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def escape(text: str | None, limit: int = 300) -> str:
    """Plain text made safe inside a markdown table cell or sentence."""
    if not text:
        return ""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Keep @mentions and #references inert.
    return text.replace("@", "@\u200b")


def paper_link(item_id: str, base: str = ANTHOLOGY) -> str:
    return f"[{item_id}]({base}/{item_id}/)"


def page_link(page: str | None, base: str = ANTHOLOGY) -> str:
    if not page:
        return "—"
    label = page.removesuffix("/unverified") + " (unverified)" if is_unverified_page(page) else page
    return f"[{escape(label)}]({base}/people/{page}/)"


def _changes_table(changes: Iterable[SlotChange], base: str) -> list[str]:
    lines = [
        "| paper | title | author as printed | from page | to page |",
        "|---|---|---|---|---|",
    ]
    for c in changes:
        who = escape(c.name.as_first_last())
        role = "editor" if c.ref.role == "editor" else "author"
        where = f"{role} {c.ref.position + 1}"
        if c.affiliation:
            who += f" ({escape(c.affiliation, 80)})"
        lines.append(
            f"| {paper_link(c.ref.item_id, base)} | {escape(c.title, 120)} | {who}, {where} "
            f"| {page_link(c.from_page, base)} | {page_link(c.to_page, base)} |"
        )
    return lines


def render_problems(problems: list[Problem]) -> str:
    """Problems as a list of questions and requests to the person who filed the issue."""
    lines = []
    for p in problems:
        lines.append(f"- **{escape(p.field)}**: {escape(p.message, 1000)}")
    return "\n".join(lines)


def render_plan(plan: Plan, base: str = ANTHOLOGY) -> str:
    """The plan as markdown: moves, people.json changes, side effects, problems."""
    out: list[str] = []
    if plan.moves:
        out.append(
            f"**{len(plan.moves)} paper{'s' if len(plan.moves) != 1 else ''}** move from "
            f"{page_link(plan.source_page, base)} to {page_link(plan.target_page, base)}:"
        )
        out.append("")
        out.extend(_changes_table(plan.moves, base))
    if plan.people_changes:
        out.append("")
        out.append("**Changes to `people.json`:**")
        out.append("")
        out.extend(f"- {escape(c.describe(), 500)}" for c in plan.people_changes)
    if plan.pins:
        out.append("")
        out.append(
            f"**Side effects kept in check:** {len(plan.pins)} other author slot"
            f"{'s' if len(plan.pins) != 1 else ''} get an explicit id so that name matching "
            "does not move them; their pages do not change."
        )
        out.append("")
        out.append("<details><summary>Slots pinned to their current page</summary>")
        out.append("")
        out.extend(_changes_table(plan.pins, base))
        out.append("")
        out.append("</details>")
    if plan.problems:
        if out:
            out.append("")
        out.append("**Before anything can change, please answer:**")
        out.append("")
        out.append(render_problems(plan.problems))
    if not out:
        out.append("Nothing to change.")
    return "\n".join(out)


def render_plan_text(plan: Plan, with_problems: bool = True) -> str:
    """A plain-text plan for the terminal; ``with_problems`` False leaves its problems out
    (the command line prints them on standard error instead)."""
    lines: list[str] = []
    if plan.moves:
        lines.append(
            f"Move {len(plan.moves)} paper(s) from {plan.source_page} to {plan.target_page}:"
        )
        for c in plan.moves:
            lines.append(
                f"  {c.ref.item_id:<28} {c.ref.role} {c.ref.position + 1}: "
                f"{c.name.as_first_last()}  [{c.from_page} -> {c.to_page}]"
            )
            lines.append(f"  {'':<28} {c.title[:90]}")
    if plan.people_changes:
        lines.append("people.json:")
        lines.extend(f"  - {c.describe()}" for c in plan.people_changes)
    if plan.pins:
        lines.append(f"Pinned to their current page ({len(plan.pins)} slots, no page changes):")
        for c in plan.pins:
            lines.append(
                f"  {c.ref.item_id:<28} {c.ref.role} {c.ref.position + 1}: "
                f"{c.name.as_first_last()}  [stays on {c.to_page}]"
            )
    if plan.problems and with_problems:
        lines.append("Problems:")
        lines.extend(f"  - {p.field}: {p.message}" for p in plan.problems)
    if plan.ok:
        lines.append("Files: " + ", ".join(plan.files()))
    return "\n".join(lines)
