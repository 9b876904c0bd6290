"""Plans and problems as markdown: for the CLI, status comments and pull request bodies.

Everything that came from a person (names, titles, notes) is escaped so that it
cannot break a table, start a mention or inject markup into a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.anthology.pages import is_unverified_page
from bot.anthology.people import Person
from bot.planner import PeopleChange, Plan, SlotChange
from bot.request import Problem

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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def plan_summary(plan: Plan) -> str:
    """One plain-text line saying what the plan does, by kind of request."""
    moved = _plural(len(plan.moves), "paper")
    sources = ", ".join(plan.source_pages) or plan.source_page or "—"
    removed = [c for c in plan.people_changes if c.kind == "remove_person"]
    updated = [c for c in plan.people_changes if c.kind == "update_person"]
    if removed:
        merged = ", ".join(c.person_id for c in removed)
        return f"merge {merged} into {removed[0].into}" + (
            f" and {moved} from {sources}" if plan.request.sources and plan.moves else ""
        )
    if plan.kind == "verify":
        return f"verify {sources}: {moved} to the new page {plan.target_page}"
    if plan.kind == "edit" and updated:
        return f"update {updated[0].person_id} in people.json"
    if plan.kind == "remove":
        return f"{moved} off {sources}"
    return f"{moved} from {sources} to {plan.target_page}"


_ENTRY_FIELDS = ("names", "orcid", "degree", "comment", "similar", "disable_name_matching")


def _entry_cell(person: Person | None, key: str) -> str:
    if person is None:
        return "—"
    if key == "names":
        return "<br>".join(
            ("**" + escape(str(n), 120) + "**") if i == 0 else escape(str(n), 120)
            for i, n in enumerate(person.names)
        )
    value = getattr(person, key)
    if key == "similar":
        return escape(", ".join(value), 300) if value else "—"
    if key == "disable_name_matching":
        return "yes" if value else "no"
    return escape(value, 200) if value else "—"


def _entries_side_by_side(changes: list[PeopleChange]) -> list[str]:
    """people.json entries before and after (and the merged ones), one column each."""
    lines: list[str] = []
    removed = [c for c in changes if c.kind == "remove_person"]
    for change in changes:
        if change.kind not in ("update_person", "new_person") or change.person is None:
            continue
        if change.kind == "new_person" and not removed and len(change.person.names) < 2:
            continue  # a plain new entry reads fine as one line
        columns: list[tuple[str, Person | None]] = [(f"{change.person_id} before", change.before)]
        columns += [
            (f"{c.person_id} (merged, removed)", c.before)
            for c in removed
            if c.into == change.person_id
        ]
        columns.append((f"{change.person_id} after", change.person))
        lines += [
            "",
            f"`people.json` entry of {escape(change.person_id)}:",
            "",
            "| | " + " | ".join(escape(title) for title, _ in columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        for key in _ENTRY_FIELDS:
            cells = [_entry_cell(person, key) for _, person in columns]
            if len(set(cells)) == 1 and cells[0] in ("—", "no"):
                continue
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def _page_counts(plan: Plan, base: str) -> list[str]:
    if not plan.page_counts:
        return []
    lines = ["", "| page | papers before | papers after |", "|---|---|---|"]
    for page, (before, after) in plan.page_counts.items():
        lines.append(f"| {page_link(page, base)} | {before} | {after} |")
    return lines


def render_plan(plan: Plan, base: str = ANTHOLOGY) -> str:
    """The plan as markdown: what it does, pages before/after, moves, people.json, problems."""
    out: list[str] = []
    if plan.moves:
        sources = sorted({c.from_page for c in plan.moves})
        source_text = ", ".join(page_link(p, base) for p in sources)
        out.append(
            f"**{_plural(len(plan.moves), 'paper')}** move from "
            f"{source_text} to {page_link(plan.target_page, base)}:"
        )
        out.append("")
        out.extend(_changes_table(plan.moves, base))
    elif plan.people_changes and not plan.problems:
        out.append(f"**{escape(plan_summary(plan))}**; no paper changes page.")
    if plan.moves or plan.pins:
        out.extend(_page_counts(plan, base))
    if plan.people_changes:
        out.append("")
        out.append("**Changes to `people.json`:**")
        out.append("")
        out.extend(f"- {escape(c.describe(), 500)}" for c in plan.people_changes)
        out.extend(_entries_side_by_side(plan.people_changes))
    own = [c for c in plan.pins if plan.kind != "move" and c.to_page == plan.target_page]
    others = [c for c in plan.pins if c not in own]
    if own:
        out.append("")
        out.append(
            f"**The page's own papers made explicit:** {_plural(len(own), 'author slot')} "
            f"on {page_link(plan.target_page, base)} get its id, so the page no longer "
            "depends on name matching; no page changes."
        )
        out.append("")
        out.append("<details><summary>Slots given the explicit id</summary>")
        out.append("")
        out.extend(_changes_table(own, base))
        out.append("")
        out.append("</details>")
    if others:
        out.append("")
        out.append(
            f"**Side effects kept in check:** {len(others)} other author slot"
            f"{'s' if len(others) != 1 else ''} get an explicit id so that name matching "
            "does not move them; their pages do not change."
        )
        out.append("")
        out.append("<details><summary>Slots pinned to their current page</summary>")
        out.append("")
        out.extend(_changes_table(others, base))
        out.append("")
        out.append("</details>")
    if plan.evidence:
        out.append("")
        out.append(
            "<details><summary>For the reviewer: papers of the same year with unrelated "
            "affiliations (the page may mix people)</summary>"
        )
        out.append("")
        out.extend(f"- {escape(line, 400)}" for line in plan.evidence)
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


def render_plan_text(plan: Plan) -> str:
    """A plain-text plan for the terminal."""
    lines: list[str] = []
    if plan.moves or plan.people_changes:
        lines.append(f"Plan ({plan.kind}): {plan_summary(plan)}")
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
    for page, (before, after) in plan.page_counts.items():
        lines.append(f"  page {page}: {before} -> {after} papers")
    if plan.pins:
        lines.append(f"Pinned to their current page ({len(plan.pins)} slots, no page changes):")
        for c in plan.pins:
            lines.append(
                f"  {c.ref.item_id:<28} {c.ref.role} {c.ref.position + 1}: "
                f"{c.name.as_first_last()}  [stays on {c.to_page}]"
            )
    if plan.problems:
        lines.append("Problems:")
        lines.extend(f"  - {p.field}: {p.message}" for p in plan.problems)
    if plan.ok:
        lines.append("Files: " + ", ".join(plan.files()))
    return "\n".join(lines)
