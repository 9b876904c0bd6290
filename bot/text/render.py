"""Plans and problems as markdown: for the CLI, status comments and pull request bodies.

Everything that came from a person (names, titles, notes) is escaped so that it
cannot break a table, start a mention or inject markup into a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.anthology.pages import is_unverified_page
from bot.anthology.people import Person
from bot.engine.planner import PeopleChange, Plan, SlotChange
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
    """A paper's id, as a code span (never broken at its hyphens), linked to its page."""
    return f"[`{item_id}`]({base}/{item_id}/)"


def page_link(page: str | None, base: str = ANTHOLOGY) -> str:
    """An author page's id, as a code span, linked to the page on the live site."""
    if not page:
        return "no author page"
    suffix = " (unverified)" if is_unverified_page(page) else ""
    return f"[`{page}`]({base}/people/{page}/){suffix}"


NOT_LIVE_YET = "a new page: live after the change is merged"
"""Said beside a link to an author page that does not exist yet (a 404 until then)."""


def _new_pages(plan: Plan) -> set[str]:
    return {c.person_id for c in plan.people_changes if c.kind == "new_person"}


def _target_link(page: str | None, plan: Plan, base: str) -> str:
    link = page_link(page, base)
    return f"{link} ({NOT_LIVE_YET})" if page in _new_pages(plan) else link


def _slot_list(changes: Iterable[SlotChange], plan: Plan, base: str) -> list[str]:
    """One list item per author slot: readable on a phone, where a table's columns wrap.

    The paper's id starts the item, so it is never broken; the pages are named only
    where they differ from the plan's own source and target.
    """
    lines = []
    for c in changes:
        who = escape(c.name.as_first_last())
        role = "editor" if c.ref.role == "editor" else "author"
        if c.affiliation:
            who += f" ({escape(c.affiliation, 80)})"
        title = escape(c.title, 120)
        item = f"- {paper_link(c.ref.item_id, base)} {title} — {who}, {role} {c.ref.position + 1}"
        if c.reason == "pin":
            item += f"; stays on {page_link(c.to_page, base)}"
        elif (c.from_page, c.to_page) != (plan.source_page, plan.target_page):
            target = _target_link(c.to_page, plan, base)
            item += f"; from {page_link(c.from_page, base)} to {target}"
        lines.append(item)
    return lines


def describe_people_change(change: PeopleChange) -> str:
    """A ``people.json`` change in the words authors use: "institution", not the key ``degree``."""
    person = change.person
    if change.kind != "new_person" or person is None:
        return change.describe()
    facts = [", ".join(n.as_first_last() for n in person.names)]
    if person.orcid:
        facts.append(f"ORCID {person.orcid}")
    if person.degree:
        facts.append(f"institution: {person.degree}")
    if person.disable_name_matching:
        facts.append("name matching disabled")
    return f"new person {change.person_id} ({'; '.join(facts)})"


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
    """Papers on each page before and after, as a list (a table's columns wrap on a phone)."""
    if not plan.page_counts:
        return []
    lines = ["", "Papers on each page, before → after:", ""]
    for page, (before, after) in plan.page_counts.items():
        lines.append(f"- {page_link(page, base)}: {before} → {after}")
    return lines


def render_plan(plan: Plan, base: str = ANTHOLOGY) -> str:
    """The plan as markdown: what it does, pages before/after, moves, people.json, problems."""
    out: list[str] = []
    if plan.moves:
        sources = sorted({c.from_page for c in plan.moves})
        source_text = ", ".join(page_link(p, base) for p in sources)
        out += [
            f"**{_plural(len(plan.moves), 'paper')}** move:",
            "",
            f"- **from** {source_text}",
            f"- **to** {_target_link(plan.target_page, plan, base)}",
            "",
            "The papers and their authors as printed:",  # a paragraph: two lists, not one
            "",
            *_slot_list(plan.moves, plan, base),
        ]
    elif plan.people_changes and not plan.problems:
        out.append(f"**{escape(plan_summary(plan))}**; no paper changes page.")
    if plan.moves or plan.pins:
        out.extend(_page_counts(plan, base))
    if plan.people_changes:
        out.append("")
        out.append("**Changes to the list of authors (`people.json`):**")
        out.append("")
        out.extend(f"- {escape(describe_people_change(c), 500)}" for c in plan.people_changes)
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
        out.extend(_slot_list(own, plan, base))
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
        out.extend(_slot_list(others, plan, base))
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


def render_plan_text(plan: Plan, with_problems: bool = True) -> str:
    """A plain-text plan for the terminal; ``with_problems`` False leaves its problems out
    (the command line prints them on standard error instead)."""
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
    if plan.problems and with_problems:
        lines.append("Problems:")
        lines.extend(f"  - {p.field}: {p.message}" for p in plan.problems)
    if plan.ok:
        lines.append("Files: " + ", ".join(plan.files()))
    return "\n".join(lines)
