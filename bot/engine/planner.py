"""From a request to a plan: which author slots change, what people.json gains, what is wrong.

The planner is pure domain logic over the name index and people.json. It never
writes; ``bot.engine.apply`` carries a plan out.

Kinds of request (see ``bot.engine.request``) and the maintainers' conventions they follow:

* **move** papers listed from one or more pages to an existing or new person;
* **verification** of a whole page (``all_papers`` to a new person): id = the page's
  slug if free, else ``<slug>-<institution suffix>``, else ``<slug>-<ORCID tail>``;
  the names used on its papers, the ORCID and degree; every paper gets the id;
* **merge** pages into an existing person (every paper of the pages explicit, and
  the person's own name-matched papers pinned, so the page no longer depends on
  name matching) and **merge verified persons** (``merge``): the survivor takes
  names, ORCID, degree, comment and ``similar``, every id and every slot carrying
  the merged ORCID is re-pointed, the merged entry is removed;
* **person edits**: ORCID and degree set (ORCIDs stay unique), canonical name
  (names reordered, a printed variant added, or a printed name re-split in the
  filer's word order, "Do Xuan Long, not Xuan Long Do"; printed names never
  rewritten), ``disable_name_matching``;
* **removal** from a verified page (target ``unverified``): explicit ids of the
  foreign papers cleared, name matching disabled for the person, their own
  name-matched papers pinned.

A plan with any problem writes nothing (``Plan.ok`` is False).

The one rule a plan keeps: **exactly the requested papers change author page.**
Every other author slot in the Anthology stays on the page it is on now. Name
matching makes that non-trivial: adding a name to a person, creating a person, or
removing an explicit id can pull other papers onto (or off) a page. The planner
simulates resolution after the change and neutralises every such side effect in
the least invasive way, and lists what it did:

* a slot that would lose its verified person is *pinned* to them with an explicit id;
* a person who would pull in papers that are not theirs gets ``disable_name_matching``,
  and their own name-matched papers are pinned so they stay.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.anthology.ids import InvalidIDError, anthology_id_from_reference
from bot.anthology.index import IndexedSlot, NameIndex
from bot.anthology.names import Name
from bot.anthology.pages import (
    PageReferenceError,
    is_unverified_page,
    page_slug,
    parse_page_reference,
    unverified_page,
)
from bot.anthology.people import (
    OrcidError,
    People,
    Person,
    institution_suffix,
    is_valid_person_id,
    normalize_orcid,
)
from bot.anthology.xmlfile import SlotRef
from bot.engine.request import (
    MAX_PAPERS,
    MAX_PERSON_ID,
    Problem,
    Request,
    institution_problem,
    name_problem,
)

NO_PERSON_ID = "__NO_PERSON_ID__"
NAME_CHANGE_HINT = (
    "If you have permanently changed your name and no paper in the Anthology prints the new "
    "one yet, say so: Anthology staff can confirm it (`/request canonical name: ...`)."
)
"""The way past the printed-name rule, in its question: staff confirm a name change."""

ChangeKind = Literal[
    "new_person", "add_name", "disable_name_matching", "update_person", "remove_person"
]
PlanKind = Literal["move", "verify", "merge", "edit", "remove"]


@dataclass(frozen=True)
class SlotChange:
    """One ``<author>``/``<editor>`` element whose ``id`` attribute changes.

    ``reason`` is ``move`` for a requested paper, ``pin`` for a slot given an
    explicit id so that it stays where it is.
    """

    file: str
    ref: SlotRef
    title: str
    name: Name
    affiliation: str | None
    old_id: str | None
    new_id: str | None
    from_page: str
    to_page: str
    reason: Literal["move", "pin"]

    def to_json(self) -> dict[str, Any]:
        return {
            "paper": self.ref.item_id,
            "file": f"xml/{self.file}",
            "role": self.ref.role,
            "position": self.ref.position + 1,
            "title": self.title,
            "name": self.name.as_first_last(),
            "affiliation": self.affiliation,
            "old_id": self.old_id,
            "new_id": self.new_id,
            "from_page": self.from_page,
            "to_page": self.to_page,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PeopleChange:
    """A change to people.json."""

    kind: ChangeKind
    person_id: str
    name: Name | None = None  # add_name: the name added; new_person: the canonical name
    person: Person | None = None  # new_person, update_person: the full entry afterwards
    before: Person | None = None  # update_person, remove_person: the entry before
    into: str | None = None  # remove_person: the person it was merged into

    def describe(self) -> str:
        if self.kind == "update_person" and self.person is not None and self.before:
            return f"update {self.person_id}: " + "; ".join(
                entry_differences(self.before, self.person)
            )
        if self.kind == "remove_person":
            return f"remove {self.person_id}" + (f" (merged into {self.into})" if self.into else "")
        if self.kind == "new_person" and self.person is not None:
            names = ", ".join(n.as_first_last() for n in self.person.names)
            extra = [f"ORCID {self.person.orcid}"] if self.person.orcid else []
            if self.person.degree:
                extra.append(f"degree: {self.person.degree}")
            if self.person.disable_name_matching:
                extra.append("name matching disabled")
            return f"new person {self.person_id} ({names}; {'; '.join(extra)})"
        if self.kind == "add_name" and self.name is not None:
            return f"add the name “{self.name.as_first_last()}” to {self.person_id}"
        return f"disable name matching for {self.person_id}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "person_id": self.person_id}
        if self.name is not None:
            out["name"] = self.name.to_json()
        if self.person is not None:
            out["names"] = [n.to_json() for n in self.person.names]
            out["orcid"] = self.person.orcid
            out["degree"] = self.person.degree
            out["disable_name_matching"] = self.person.disable_name_matching
            out["entry"] = self.person.to_json()
        if self.before is not None:
            out["before"] = self.before.to_json()
        if self.into is not None:
            out["into"] = self.into
        out["description"] = self.describe()
        return out


def entry_differences(before: Person, after: Person) -> list[str]:
    """What changed between two versions of a people.json entry, in words."""
    out: list[str] = []
    if before.names != after.names:
        if after.names[0] != before.names[0]:
            out.append(f"canonical name “{before.names[0]}” → “{after.names[0]}”")
        added = [str(n) for n in after.names if n not in before.names]
        if added:
            out.append("names added: " + ", ".join(f"“{n}”" for n in added))
    for label, old, new in (
        ("ORCID", before.orcid, after.orcid),
        ("degree", before.degree, after.degree),
        ("comment", before.comment, after.comment),
    ):
        if old != new:
            out.append(f"{label} {old or '(none)'} → {new or '(none)'}")
    if before.similar != after.similar:
        out.append(f"similar: {', '.join(after.similar) or '(none)'}")
    if before.disable_name_matching != after.disable_name_matching:
        out.append("name matching " + ("disabled" if after.disable_name_matching else "enabled"))
    return out or ["no change"]


@dataclass
class Plan:
    """What applying a request would do, or why it cannot be done."""

    request: Request
    source_page: str | None = None
    target_page: str | None = None
    kind: PlanKind = "move"
    source_pages: list[str] = field(default_factory=list)
    moves: list[SlotChange] = field(default_factory=list)
    pins: list[SlotChange] = field(default_factory=list)
    people_changes: list[PeopleChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What the plan was made against, for apply to refuse other contents: each edited
    # collection file's SHA-1 and its size and modification time when the name index
    # last read it (the same stat stands for the same content, as in the index), and
    # the SHA-1 of people.json.
    file_hashes: dict[str, str] = field(default_factory=dict)
    file_stats: dict[str, tuple[int, int]] = field(default_factory=dict)
    people_sha1: str | None = None
    # Page -> (papers on it before, papers on it after), for every page the plan touches.
    page_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # For the reviewer, not blocking: hints in the data that a page mixes people.
    evidence: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        """Whether applying would change a file (an edit-only plan moves no paper)."""
        return bool(self.moves or self.pins or self.people_changes)

    @property
    def ok(self) -> bool:
        return not self.problems and self.changes_anything

    @property
    def slot_changes(self) -> list[SlotChange]:
        return self.moves + self.pins

    def files(self) -> list[str]:
        """Files the plan edits, relative to the data directory."""
        names = sorted({c.file for c in self.slot_changes})
        out = [f"xml/{n}" for n in names]
        if self.people_changes:
            out.append("json/people.json")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "request": self.request.to_json(),
            "kind": self.kind,
            "source_page": self.source_page,
            "source_pages": self.source_pages,
            "target_page": self.target_page,
            "moves": [c.to_json() for c in self.moves],
            "pins": [c.to_json() for c in self.pins],
            "people_changes": [c.to_json() for c in self.people_changes],
            "files": self.files(),
            "problems": [p.to_json() for p in self.problems],
            "page_counts": {page: list(counts) for page, counts in self.page_counts.items()},
            "evidence": list(self.evidence),
        }


class World:
    """people.json as a plan would leave it, with just enough to resolve author slots.

    ``holders(slug)`` gives the verified persons having a name with that slug, as in
    the data on disk (the name index answers it); the world keeps its own changes
    on top, so planning never copies the whole registry.
    """

    def __init__(self, people: People, holders: Callable[[str], Iterable[str]]) -> None:
        self.people = people
        self._base_holders = holders
        self._holders: dict[str, set[str]] = {}
        self.added_names: dict[str, list[Name]] = {}
        self.new_persons: dict[str, Person] = {}
        self.disabled: set[str] = set()
        self.removed: set[str] = set()

    def holders(self, slug: str) -> set[str]:
        if slug in self._holders:
            return self._holders[slug] - self.removed
        return set(self._base_holders(slug)) - self.removed

    def remove(self, pid: str) -> None:
        """The person's entry goes (merged into another): their slugs lose them."""
        self.removed.add(pid)

    def _add_holder(self, slug: str, pid: str) -> None:
        self._holders.setdefault(slug, set(self._base_holders(slug))).add(pid)

    def exists(self, pid: str) -> bool:
        return pid not in self.removed and (pid in self.new_persons or pid in self.people)

    def names_of(self, pid: str) -> list[Name]:
        base = self.new_persons[pid].names if pid in self.new_persons else self.people[pid].names
        return list(base) + self.added_names.get(pid, [])

    def matching_disabled(self, pid: str) -> bool:
        if pid in self.disabled:
            return True
        if pid in self.new_persons:
            return self.new_persons[pid].disable_name_matching
        return self.people[pid].disable_name_matching

    def has_name(self, pid: str, name: Name) -> bool:
        return name in self.names_of(pid)

    def add_name(self, pid: str, name: Name) -> bool:
        if self.has_name(pid, name):
            return False
        self.added_names.setdefault(pid, []).append(name)
        self._add_holder(name.slug(), pid)
        return True

    def add_person(self, person: Person) -> None:
        self.new_persons[person.id] = person
        for name in person.names:
            self._add_holder(name.slug(), person.id)

    def disable_matching(self, pid: str) -> bool:
        if self.matching_disabled(pid):
            return False
        self.disabled.add(pid)
        return True

    def person_page_slots(self, index: NameIndex, pid: str) -> list[IndexedSlot]:
        """The slots on a verified person's page now: explicit ids and name matches."""
        explicit = index.slots_with_person_id(pid)
        slugs = {n.slug() for n in self.names_of(pid)}
        matched = [
            s for s in index.unassigned_slots_by_slug(slugs) if self.page_of(s.name, None) == pid
        ]
        return explicit + matched

    def page_of(self, name: Name, person_id: str | None) -> str:
        """The author page an author slot with this name and explicit id is on."""
        if person_id and person_id != NO_PERSON_ID:
            return person_id
        slug = name.slug()
        holders = self.holders(slug)
        if len(holders) == 1:
            (pid,) = holders
            if not self.matching_disabled(pid):
                return pid
        return unverified_page(slug)


def page_papers(page: str, index: NameIndex, people: People) -> list[str]:
    """The items now on an author page, in index order; empty if there is no such page."""
    world = World(people, index.verified_holders)
    items = [s.ref.item_id for s in page_slots(page, index, world)]
    return sorted(set(items), key=items.index)


def page_slots(page: str, index: NameIndex, world: World) -> list[IndexedSlot]:
    """The author slots on a page now (as ``world`` resolves them), in index order."""
    if is_unverified_page(page):
        candidates = index.unassigned_slots_by_slug([page_slug(page)])
    else:
        if page not in world.people:
            return []
        candidates = index.slots_with_person_id(page) + index.unassigned_slots_by_slug(
            {n.slug() for n in world.names_of(page)}
        )
    return [s for s in candidates if world.page_of(s.name, s.person_id) == page]


# Words that do not tell institutions apart when comparing affiliations.
_AFFILIATION_NOISE = frozenset(
    "university universität universitat universite université universidad universidade "
    "universiteit college institute institut instituto of the for and de di du des der la "
    "technology science sciences research national school department lab laboratory "
    "center centre inc ltd corporation group".split()
)


def _affiliation_words(text: str) -> frozenset[str]:
    return frozenset(
        w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w not in _AFFILIATION_NOISE
    )


def _year(item_id: str) -> str:
    """The year of an Anthology id: ``2024.acl-long.1`` -> 2024, ``P18-1040`` -> 2018."""
    if "." in item_id:
        return item_id.split(".", 1)[0]
    two = item_id[1:3]
    return ("19" if two.isdigit() and int(two) > 50 else "20") + two


def affiliation_evidence(slots: Iterable[IndexedSlot]) -> list[str]:
    """Pairs of papers of one year whose author slots give unrelated affiliations.

    A hint that a page may mix two people, worded paper by paper for the reviewer.
    It does not stop a plan: people hold two affiliations or move within a year,
    and spellings differ (Ghent University, Universiteit Gent), so the decision is
    a person's.
    """
    by_year: dict[str, list[IndexedSlot]] = {}
    for slot in slots:
        if slot.affiliation and _affiliation_words(slot.affiliation):
            by_year.setdefault(_year(slot.ref.item_id), []).append(slot)
    out: list[str] = []
    for year, group in sorted(by_year.items()):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if (
                    a.affiliation
                    and b.affiliation
                    and not (_affiliation_words(a.affiliation) & _affiliation_words(b.affiliation))
                ):
                    out.append(
                        f"{year}: {a.ref.item_id} gives “{a.affiliation[:120]}”, "
                        f"{b.ref.item_id} gives “{b.affiliation[:120]}”"
                    )
                    if len(out) >= 10:
                        return out
    return out


def _printed_or_resplit(name: Name, names: list[Name]) -> bool:
    """Whether ``name`` may become a person's canonical name given ``names`` (theirs and
    those printed on their papers): one of them, or one of them re-split in the order
    the filer writes it ("Do Xuan Long, not Xuan Long Do"). Any other name would make
    the page show a name that no paper prints."""
    return name in names or any(name.is_resplit_of(other) for other in names)


class _Planner:
    def __init__(self, request: Request, index: NameIndex, people: People) -> None:
        self.request = request
        self.index = index
        self.people = people
        self.before = World(people, index.verified_holders)
        self.after = World(people, index.verified_holders)
        self.plan = Plan(request)
        self.titles: dict[str, str] = {}
        # Explicit ids the plan gives (or takes away): slot ref -> new id.
        self.moved: dict[SlotRef, tuple[IndexedSlot, str | None]] = {}
        self.from_page: dict[SlotRef, str] = {}
        self.pinned: dict[SlotRef, tuple[IndexedSlot, str]] = {}
        # Slugs whose name-matched slots must be checked again (disabled matching).
        self.dirty: set[str] = set()
        # The verified person whose entry the request edits, and the entry afterwards.
        self.principal: str | None = None
        self.entry: Person | None = None

    def problem(self, field_name: str, message: str, code: str) -> None:
        self.plan.problems.append(Problem(field_name, message, code))

    # -- the request's parts ---------------------------------------------------

    def sources(self) -> list[str]:
        """The source pages, canonical and existing; problems for the others."""
        pages: list[str] = []
        for raw in self.request.sources:
            try:
                page = parse_page_reference(raw)
            except PageReferenceError as exc:
                self.problem("author_page", str(exc), "source-invalid")
                continue
            if not is_unverified_page(page) and page not in self.people:
                self.problem(
                    "author_page",
                    f"There is no verified author page “{page}”. If the papers are on an "
                    f"unverified page, give it as {page}/unverified.",
                    "source-unknown",
                )
                continue
            if page not in pages:
                pages.append(page)
        if not self.request.sources and not (self.request.edits or self.request.merge):
            self.problem("author_page", "No author page was given.", "source-missing")
        return pages

    def parse_items(self, refs: Iterable[str], field_name: str = "papers") -> list[str]:
        items: list[str] = []
        for ref in refs:
            try:
                parsed = anthology_id_from_reference(ref)
            except InvalidIDError as exc:
                self.problem(field_name, str(exc), "paper-invalid")
                continue
            if parsed is None:
                self.problem(
                    field_name,
                    f"“{ref[:200]}” is not an Anthology paper id or link "
                    "(such as 2024.acl-long.4 or https://aclanthology.org/2024.acl-long.4/).",
                    "paper-invalid",
                )
                continue
            item_id = str(parsed)
            if parsed.paper == "0":  # front matter: attributed to the volume's editors
                item_id = str(type(parsed)(parsed.collection, parsed.volume))
            found = self.index.item(item_id)
            if found is None:
                self.problem(
                    field_name,
                    f"{parsed} is not in the Anthology data; please check the id.",
                    "paper-unknown",
                )
                continue
            self.titles[item_id] = found.title
            if item_id not in items:
                items.append(item_id)
        return items

    def items(self) -> list[str]:
        refs = self.request.papers
        if not refs:
            if not (self.request.edits or self.request.merge):
                self.problem(
                    "papers", "No papers were given: list the papers to move.", "no-papers"
                )
            return []
        if len(refs) > MAX_PAPERS:
            self.problem(
                "papers",
                f"{len(refs)} papers were given; the bot handles at most {MAX_PAPERS} in one "
                "request. Please split the request.",
                "too-many-papers",
            )
            return []
        return self.parse_items(refs)

    def slot_on_sources(self, item_id: str, sources: list[str]) -> IndexedSlot | None:
        slots = self.index.slots_of_item(item_id)
        on_page = [s for s in slots if self.before.page_of(s.name, s.person_id) in sources]
        if len(on_page) == 1:
            return on_page[0]
        pages = " or ".join(sources)
        if not on_page:
            authors = "; ".join(
                f"{s.name.as_first_last()} ({self.before.page_of(s.name, s.person_id)})"
                for s in slots
            )
            self.problem(
                item_id,
                f"{item_id} (“{self.titles[item_id]}”) is not on the page {pages}. "
                f"Its authors and their pages: {authors or 'none'}.",
                "paper-not-on-source",
            )
        else:
            names = ", ".join(f"#{s.ref.position + 1} {s.name.as_first_last()}" for s in on_page)
            self.problem(
                item_id,
                f"{item_id} has several authors on the page {pages} ({names}); "
                "a maintainer has to say which one is meant.",
                "paper-ambiguous",
            )
        return None

    def whole_pages(self, sources: list[str]) -> list[IndexedSlot]:
        """Every slot on the source pages, less the ``except`` papers."""
        excluded = set(self.parse_items(self.request.except_papers, "except"))
        slots: list[IndexedSlot] = []
        per_item: dict[tuple[str, str], list[IndexedSlot]] = {}
        on_pages: set[str] = set()
        for page in sources:
            for slot in page_slots(page, self.index, self.before):
                on_pages.add(slot.ref.item_id)
                per_item.setdefault((page, slot.ref.item_id), []).append(slot)
        for item_id in sorted(excluded - on_pages):
            self.problem(
                "except",
                f"{item_id} (“{self.titles.get(item_id, '')}”), listed as an exception, is not "
                f"on {' or '.join(sources)}; please check the list.",
                "except-not-on-source",
            )
        for (page, item_id), group in per_item.items():
            if item_id in excluded:
                continue
            if len(group) > 1:
                names = ", ".join(f"#{s.ref.position + 1} {s.name}" for s in group)
                self.problem(
                    item_id,
                    f"{item_id} has several authors on the page {page} ({names}); "
                    "a maintainer has to say which one is meant.",
                    "paper-ambiguous",
                )
                continue
            slots.append(group[0])
        if not slots and sources and not self.plan.problems:
            self.problem(
                "papers",
                f"No papers are left to move from {' and '.join(sources)}.",
                "no-papers",
            )
        return slots

    def check_bounds(self) -> None:
        """What people typed: names, institutions, ids within their limits and rules."""
        target, edits = self.request.target, self.request.edits
        for label, name in (("name", target.name), ("name", edits.canonical_name)):
            if name is not None and (why := name_problem(name, "the name")) is not None:
                self.problem(
                    label, f"The name “{str(name)[:100]}” cannot be used: {why}.", "name-invalid"
                )
        for degree in (target.degree, edits.degree):
            if degree and (why := institution_problem(degree)) is not None:
                self.problem(
                    "institution", f"The institution cannot be used: {why}.", "degree-invalid"
                )
        if target.id and len(target.id) > MAX_PERSON_ID:
            self.problem(
                "target_page",
                f"The person id is {len(target.id)} characters long; at most {MAX_PERSON_ID}.",
                "target-id-invalid",
            )

    def orcid(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            return normalize_orcid(raw)
        except OrcidError as exc:
            self.problem("orcid", str(exc), "orcid-invalid")
            return None

    def orcid_taken(self, orcid: str, allowed: Iterable[str] = ()) -> bool:
        holder = self.people.by_orcid(orcid)
        if holder is None or holder.id in set(allowed):
            return False
        self.problem(
            "orcid",
            f"The ORCID {orcid} already belongs to the verified author page {holder.id} "
            f"({holder.canonical_name}). If that is you, the papers should go to {holder.id} "
            "(“An existing author page”); if not, please check the ORCID.",
            "orcid-taken",
        )
        return True

    # -- targets ---------------------------------------------------------------

    def target(self, slots: list[IndexedSlot], sources: list[str]) -> str | None:
        """The target person id ('unverified' for removal), or None on a problem."""
        target = self.request.target
        if target.kind == "unverified":
            on_unverified = [p for p in sources if is_unverified_page(p)]
            if on_unverified:
                self.problem(
                    "assign_to",
                    f"The papers are already on an unverified page ({on_unverified[0]}); "
                    "choose an existing or a new author page instead.",
                    "target-same",
                )
                return None
            if self.request.merge:
                self.problem(
                    "assign_to",
                    "Persons can only be merged into a verified person.",
                    "merge-target",
                )
                return None
            return "unverified"
        if target.kind == "existing":
            return self._existing_target(sources)
        return self._new_target(slots, sources)

    def _existing_target(self, sources: list[str]) -> str | None:
        raw = self.request.target.id or ""
        try:
            pid = parse_page_reference(raw) if raw else ""
        except PageReferenceError as exc:
            self.problem("target_page", str(exc), "target-invalid")
            return None
        if not pid:
            self.problem(
                "target_page",
                "No target author page was given: paste the address of the author page "
                "the papers should move to.",
                "target-missing",
            )
            return None
        if is_unverified_page(pid):
            self.problem(
                "target_page",
                f"{pid} is an unverified page and cannot receive papers; choose "
                "“A new author page for this person” (with an ORCID) instead.",
                "target-unverified",
            )
            return None
        if pid not in self.people:
            self.problem("target_page", f"There is no author page “{pid}”.", "target-unknown")
            return None
        moving = self.request.papers or self.request.all_papers
        if sources == [pid] and moving:
            self.problem(
                "target_page",
                f"The papers are already on {pid}; the target must be a different page.",
                "target-same",
            )
            return None
        return pid

    def _new_target(self, slots: list[IndexedSlot], sources: list[str]) -> str | None:
        target, edits = self.request.target, self.request.edits
        known_problems = len(self.plan.problems)
        raw_orcid = target.orcid or edits.orcid
        orcid = self.orcid(raw_orcid)
        if not raw_orcid:
            self.problem(
                "orcid",
                "A new author page needs the person's ORCID iD (such as 0000-0002-1825-0097).",
                "orcid-missing",
            )
        if orcid is not None and self.orcid_taken(orcid):
            orcid = None
        degree = target.degree or edits.degree
        if not degree:
            self.problem(
                "institution",
                "A new verified author page needs the institution of the person's highest "
                "(or expected) degree; please give it.",
                "degree-missing",
            )
        printed = [s.name for s in slots]
        name = edits.canonical_name or target.name
        confirmed = name is not None and name == edits.name_confirmed
        if (
            name is not None
            and printed
            and not confirmed
            and not _printed_or_resplit(name, printed)
        ):
            variants = ", ".join(f"“{n}”" for n in dict.fromkeys(printed))
            self.problem(
                "name",
                f"“{str(name)[:100]}” is not printed on any of the papers; the page's name must "
                f"be one of the names on them, its words in any order: {variants}. (If the "
                "papers print your name wrongly, use the paper's “Fix data” button.) "
                + NAME_CHANGE_HINT,
                "name-not-printed",
            )
            return None
        if name is None:
            name = self._default_name(printed, sources)
        if name is None or orcid is None or not degree:
            return None
        if len(self.plan.problems) > known_problems:
            return None
        pid = self._new_id(name, sources, degree, orcid)
        if pid is None:
            return None
        unique = list(dict.fromkeys([name, *printed]))
        person = Person(id=pid, names=unique, orcid=orcid, degree=degree)
        self.after.add_person(person)
        self.plan.people_changes.append(PeopleChange("new_person", pid, name, person))
        return pid

    @staticmethod
    def _default_name(printed: list[Name], sources: list[str]) -> Name | None:
        """The canonical name when none was chosen: the name the first page is named by."""
        if not printed:
            return None
        first_slug = page_slug(sources[0]) if sources else None
        named = [n for n in printed if n.slug() == first_slug] or printed
        return Counter(named).most_common(1)[0][0]

    def _new_id(self, name: Name, sources: list[str], degree: str, orcid: str) -> str | None:
        target = self.request.target
        if target.id:
            pid = target.id.strip().lower()
            if not is_valid_person_id(pid):
                self.problem(
                    "target_page",
                    f"“{target.id[:100]}” is not a valid person id (lowercase letters, digits "
                    "and hyphens, starting with a letter).",
                    "target-id-invalid",
                )
                return None
            if pid in self.people:
                self.problem(
                    "target_page", f"The person id {pid} is already taken.", "target-id-taken"
                )
                return None
            return pid
        base = name.slug()
        if sources and is_unverified_page(sources[0]) and name.slug() == page_slug(sources[0]):
            base = page_slug(sources[0])
        if len(base) > MAX_PERSON_ID - 13 or not is_valid_person_id(base):
            self.problem(
                "name",
                f"The name “{str(name)[:100]}” does not give a usable person id; a maintainer "
                "must choose one.",
                "target-id-unavailable",
            )
            return None
        suffix = institution_suffix(degree)
        for candidate in (
            base,
            f"{base}-{suffix}" if suffix else None,
            f"{base}-{orcid[-4:].lower()}",
        ):
            if candidate and is_valid_person_id(candidate) and candidate not in self.people:
                return candidate
        self.problem(
            "name",
            f"Cannot choose an id for “{name}”: {base} and its suffixed forms are taken; a "
            "maintainer must choose an id.",
            "target-id-unavailable",
        )
        return None

    # -- merges and edits of a verified person ---------------------------------

    def base_entry(self, pid: str) -> Person:
        person = self.people[pid]
        return replace(person, names=list(person.names), similar=list(person.similar))

    def merge_persons(self, survivor: str) -> None:
        """Fold each ``merge`` person into ``survivor`` (see the module docstring)."""
        assert self.entry is not None
        for raw in self.request.merge:
            try:
                mid = parse_page_reference(raw)
            except PageReferenceError as exc:
                self.problem("merge", str(exc), "merge-invalid")
                continue
            if is_unverified_page(mid) or mid not in self.people:
                self.problem(
                    "merge",
                    f"{mid} is not a verified author page; only verified persons can be merged "
                    "(unverified pages are moved with “all papers”).",
                    "merge-unknown",
                )
                continue
            if mid == survivor:
                self.problem("merge", f"{mid} cannot be merged into itself.", "merge-same")
                continue
            other = self.people[mid]
            entry = self.entry
            if other.orcid and entry.orcid and other.orcid != entry.orcid:
                self.problem(
                    "merge",
                    f"{survivor} has the ORCID {entry.orcid} and {mid} has {other.orcid}; one "
                    "person has one ORCID, so a maintainer must decide which is right.",
                    "merge-orcid-conflict",
                )
                continue
            # Slots on the merged page before its entry goes: explicit and name-matched.
            on_page = self.before.person_page_slots(self.index, mid)
            carrying = self.index.slots_with_orcid(other.orcid) if other.orcid else []
            self.after.remove(mid)
            for name in other.names:
                self.after.add_name(survivor, name)
            entry.orcid = entry.orcid or other.orcid
            entry.degree = entry.degree or other.degree
            if other.comment and other.comment != entry.comment:
                entry.comment = (
                    f"{entry.comment}; {other.comment}" if entry.comment else other.comment
                )
            entry.similar = [
                s
                for s in dict.fromkeys([*entry.similar, *other.similar])
                if s not in (survivor, mid)
            ]
            for slot in on_page:
                self.move(slot, mid, survivor)
            for slot in carrying:
                if slot.ref in self.moved or slot.person_id == survivor:
                    continue
                if slot.person_id not in (None, mid):
                    self.problem(
                        slot.ref.item_id,
                        f"On {slot.ref.item_id} the author {slot.name} carries the ORCID "
                        f"{other.orcid} of {mid} but is assigned to {slot.person_id}; a "
                        "maintainer must decide which is right.",
                        "orcid-on-slot",
                    )
                    continue
                self.move(slot, self.before.page_of(slot.name, slot.person_id), survivor)
            self.plan.people_changes.append(
                PeopleChange("remove_person", mid, before=other, into=survivor)
            )
            self._repoint_similar(mid, survivor)

    def _repoint_similar(self, old: str, new: str) -> None:
        """Other entries listing the merged person as ``similar`` list the survivor."""
        for pid in self.people.ids_listing_similar(old):
            if pid in (old, new) or pid in set(self.request.merge):
                continue
            person = self.people[pid]
            after = replace(
                person,
                names=list(person.names),
                similar=[
                    s
                    for s in dict.fromkeys(new if s == old else s for s in person.similar)
                    if s != pid
                ],
            )
            self.plan.people_changes.append(
                PeopleChange("update_person", pid, person=after, before=person)
            )

    def edit_person(self, pid: str, page_names: list[Name]) -> None:
        """The request's ``edits`` on the verified person ``pid``."""
        assert self.entry is not None
        edits = self.request.edits
        if edits.orcid:
            orcid = self.orcid(edits.orcid)
            if orcid is not None and not self.orcid_taken(orcid, [pid, *self.request.merge]):
                if self.entry.orcid and self.entry.orcid != orcid:
                    self.problem(
                        "orcid",
                        f"{pid} already has the ORCID {self.entry.orcid}, not {orcid}; a "
                        "maintainer must confirm that the ORCID should change.",
                        "orcid-differs",
                    )
                else:
                    self.entry.orcid = orcid
        if edits.degree:
            self.entry.degree = edits.degree
        if edits.canonical_name is not None:
            wanted = edits.canonical_name
            known = self.after.names_of(pid)
            if wanted != edits.name_confirmed and not _printed_or_resplit(
                wanted, [*known, *page_names]
            ):
                variants = ", ".join(f"“{n}”" for n in dict.fromkeys([*known, *page_names]))
                self.problem(
                    "name",
                    f"“{str(wanted)[:100]}” is neither a name of {pid} nor printed on their "
                    f"papers ({variants}). Names printed on papers are not rewritten; if a "
                    "paper prints your name wrongly, use its “Fix data” button. "
                    + NAME_CHANGE_HINT,
                    "name-not-printed",
                )
            else:
                self.after.add_name(pid, wanted)
                self.entry.names = [wanted]  # the rest follows at the end (fold_entries)
        if edits.disable_name_matching:
            self.dirty |= self.disable(pid)

    # -- moves and side effects ------------------------------------------------

    def move(self, slot: IndexedSlot, from_page: str, new_id: str | None) -> None:
        self.moved[slot.ref] = (slot, new_id)
        self.from_page[slot.ref] = from_page
        if new_id is not None and self.after.add_name(new_id, slot.name) and new_id in self.people:
            if new_id != self.principal:
                self.plan.people_changes.append(PeopleChange("add_name", new_id, slot.name))

    def check_slot_orcids(
        self, slots: list[IndexedSlot], pid: str | None, sources: list[str]
    ) -> None:
        """Slots carrying an ORCID that is not the target's: evidence of mixed people."""
        if pid is None:
            for slot in slots:
                if slot.orcid:
                    self.problem(
                        slot.ref.item_id,
                        f"On {slot.ref.item_id} the author {slot.name.as_first_last()} carries "
                        f"the ORCID {slot.orcid}, which belongs to "
                        f"{self.from_page.get(slot.ref, sources[0] if sources else '?')}; a "
                        "maintainer must decide whether that ORCID is wrong.",
                        "orcid-on-slot",
                    )
            return
        target_orcid = (
            self.after.new_persons[pid].orcid
            if pid in self.after.new_persons
            else (
                self.entry.orcid
                if self.entry is not None and pid == self.principal
                else self.people[pid].orcid
            )
        )
        foreign = [s for s in slots if s.orcid and s.orcid != target_orcid]
        if not foreign:
            return
        if self.request.all_papers:
            self.problem(
                "papers",
                f"The page{'s' if len(sources) > 1 else ''} {', '.join(sources)} may mix "
                f"people: {len(foreign)} of its {len(slots)} papers carry another ORCID "
                "(below, paper by paper). Are they all yours? If not, list the papers that are "
                "yours (or the ones that are not).",
                "page-mixes-people",
            )
        for slot in foreign:
            holder = self.people.by_orcid(slot.orcid) if slot.orcid else None
            whose = f"the ORCID of {holder.id}" if holder else "not the ORCID given"
            self.problem(
                slot.ref.item_id,
                f"On {slot.ref.item_id} (“{self._title(slot.ref.item_id)}”) the author "
                f"{slot.name.as_first_last()}"
                f"{f' ({slot.affiliation})' if slot.affiliation else ''} carries the ORCID "
                f"{slot.orcid}, {whose}, not of {pid}; a maintainer must decide which is right.",
                "orcid-on-slot",
            )

    def stabilise(self) -> None:
        """Neutralise every change of page the plan did not ask for (see module doc).

        Only slots without an explicit id whose name slug was touched can change
        page. Disabling name matching for a person touches all their slugs again,
        so the check repeats until nothing changes.
        """
        dirty = {name.slug() for names in self.after.added_names.values() for name in names}
        for person in self.after.new_persons.values():
            dirty |= {n.slug() for n in person.names}
        dirty |= {slot.slug for slot, _ in self.moved.values()}
        for pid in self.after.removed:
            dirty |= {n.slug() for n in self.people[pid].names}
        dirty |= self.dirty
        while dirty:
            todo, dirty = dirty, set()
            for slot in self.index.unassigned_slots_by_slug(todo):
                if slot.ref in self.moved or slot.ref in self.pinned:
                    continue
                before = self.before.page_of(slot.name, None)
                after = self.after.page_of(slot.name, None)
                if before == after:
                    continue
                if not is_unverified_page(before):
                    self.pin(slot, before)
                else:
                    dirty |= self.disable(after)
            # A slot moved off a verified page must not be matched back by name.
            for slot, new_id in self.moved.values():
                if new_id is None:
                    landing = self.after.page_of(slot.name, None)
                    if not is_unverified_page(landing):
                        dirty |= self.disable(landing)

    def pin(self, slot: IndexedSlot, pid: str) -> None:
        self.pinned[slot.ref] = (slot, pid)
        if self.after.add_name(pid, slot.name) and pid != self.principal:
            self.plan.people_changes.append(PeopleChange("add_name", pid, slot.name))

    def disable(self, pid: str) -> set[str]:
        """Disable name matching for ``pid``; returns the slugs to check again."""
        if self.after.disable_matching(pid) and pid != self.principal:
            self.plan.people_changes.append(PeopleChange("disable_name_matching", pid))
        # Their own name-matched papers must now be pinned: recheck all their names.
        return {n.slug() for n in self.after.names_of(pid)}

    def check_items(self) -> None:
        """No paper may end up with two authors on the same verified person."""
        items = {slot.ref.item_id for slot, _ in self.moved.values()}
        items |= {slot.ref.item_id for slot, _ in self.pinned.values()}
        for item_id in sorted(items):
            seen: dict[str, str] = {}
            for slot in self.index.slots_of_item(item_id):
                new_id = slot.person_id
                if slot.ref in self.moved:
                    new_id = self.moved[slot.ref][1]
                elif slot.ref in self.pinned:
                    new_id = self.pinned[slot.ref][1]
                page = self.after.page_of(slot.name, new_id)
                if is_unverified_page(page):
                    continue
                if page in seen:
                    self.problem(
                        item_id,
                        f"After this change two authors of {item_id} would be on the page "
                        f"{page} ({seen[page]} and {slot.name.as_first_last()}); one person "
                        "cannot be two authors of the same paper.",
                        "two-slots-same-person",
                    )
                seen[page] = slot.name.as_first_last()

    # -- the whole plan --------------------------------------------------------

    def plan_kind(self, target: str) -> PlanKind:
        r = self.request
        if target == "unverified":
            return "remove"
        if r.merge or (r.target.kind == "existing" and r.all_papers):
            return "merge"
        if r.target.kind == "new" and r.all_papers:
            return "verify"
        if not self.moved and r.edits:
            return "edit"
        return "move"

    def run(self) -> Plan:
        request = self.request
        self.check_bounds()
        sources = self.sources()
        self.plan.source_pages = sources
        self.plan.source_page = sources[0] if sources else None
        if self.plan.problems:
            return self.plan
        if request.target.kind == "existing" and request.target.id and len(sources) > 1:
            # "Merge these pages into my page" may list the target page among the sources.
            try:
                own = parse_page_reference(request.target.id)
            except PageReferenceError:
                own = None
            sources = [p for p in sources if p != own]
        if request.all_papers:
            slots = self.whole_pages(sources)
        else:
            items = self.items()
            slots = [s for i in items if (s := self.slot_on_sources(i, sources)) is not None]
        for slot in slots:
            self.from_page[slot.ref] = self.before.page_of(slot.name, slot.person_id)
        # The target is checked even when papers have problems: all answers at once.
        target = self.target(slots, sources)
        self.plan.target_page = target
        if target is None or self.plan.problems:
            return self.plan
        verified_sources = [p for p in sources if not is_unverified_page(p)]
        if target == "unverified":
            self.principal = verified_sources[0] if request.edits and verified_sources else None
        elif target in self.people and (request.edits or request.merge or request.all_papers):
            # The target's entry changes as a whole: shown before and after.
            self.principal = target
        if self.principal is not None:
            self.entry = self.base_entry(self.principal)
        if target == "unverified":
            if request.edits and len(verified_sources) != 1:
                self.problem(
                    "edits",
                    "Person edits (ORCID, institution, name) need one verified page to apply "
                    "to; please say which author page they are for.",
                    "edits-without-person",
                )
                return self.plan
            self.check_slot_orcids(slots, None, sources)
            for slot in slots:
                self.move(slot, self.from_page[slot.ref], None)
            # Convention: name matching must not pull the papers back.
            for page in verified_sources:
                self.dirty |= self.disable(page)
        else:
            for slot in slots:
                self.move(slot, self.from_page[slot.ref], target)
            if request.merge:
                self.merge_persons(target)
            if target in self.after.new_persons and request.edits.disable_name_matching:
                self.dirty |= self.disable(target)
            self.check_slot_orcids(slots, target, sources)
            if request.all_papers or len(sources) > 1:
                self.plan.evidence = affiliation_evidence(slots)
            if target in self.people and (request.all_papers or request.merge or request.edits):
                # Convention: a verified or merged page no longer depends on name matching.
                for slot in self.before.person_page_slots(self.index, target):
                    if slot.person_id is None and slot.ref not in self.moved:
                        self.pin(slot, target)
        if self.principal is not None and request.edits:
            page_names = [s.name for s in self.before.person_page_slots(self.index, self.principal)]
            page_names += [s.name for s, pid in self.moved.values() if pid == self.principal]
            self.edit_person(self.principal, page_names)
        if self.plan.problems:
            return self.plan
        self.stabilise()
        self.check_items()
        self.plan.kind = self.plan_kind(target)
        for slot, pid in self.moved.values():
            to_page = self.after.page_of(slot.name, pid)
            self.plan.moves.append(
                self._change(slot, pid, self.from_page[slot.ref], to_page, "move")
            )
        for slot, pid in self.pinned.values():
            self.plan.pins.append(self._change(slot, pid, pid, pid, "pin"))
        if self.plan.moves:
            self.plan.target_page = self.plan.moves[0].to_page
        elif target != "unverified":
            self.plan.target_page = target
        self._fold_new_person()
        self._fold_principal()
        self._count_pages()
        for change in self.plan.slot_changes:
            record = self.index.file_record(change.file)
            if record is not None:
                self.plan.file_stats[change.file] = record[:2]
                self.plan.file_hashes[change.file] = record[2]
        self.plan.people_sha1 = self.people.source_sha1
        return self.plan

    def _count_pages(self) -> None:
        """Papers on each touched page before and after: the reader's before/after view."""
        pages = dict.fromkeys([*self.plan.source_pages, *(c.from_page for c in self.plan.moves)])
        pages.update(dict.fromkeys(c.to_page for c in self.plan.moves))
        for page in pages:
            before = {s.ref.item_id for s in page_slots(page, self.index, self.before)}
            leaving = {c.ref.item_id for c in self.plan.moves if c.from_page == page}
            arriving = {c.ref.item_id for c in self.plan.moves if c.to_page == page}
            self.plan.page_counts[page] = (len(before), len((before - leaving) | arriving))

    def _title(self, item_id: str) -> str:
        title = self.titles.get(item_id)
        if title is None:
            found = self.index.item(item_id)
            title = self.titles[item_id] = found.title if found else ""
        return title

    def _change(
        self, slot: IndexedSlot, new_id: str | None, from_page: str, to_page: str, reason: str
    ) -> SlotChange:
        return SlotChange(
            slot.file,
            slot.ref,
            self._title(slot.ref.item_id),
            slot.name,
            slot.affiliation,
            slot.person_id,
            new_id,
            from_page,
            to_page,
            reason,  # type: ignore[arg-type]
        )

    def _fold_new_person(self) -> None:
        """A new person's entry carries the names and flags the plan gave them."""
        for i, change in enumerate(self.plan.people_changes):
            if change.kind == "new_person" and change.person is not None:
                pid = change.person_id
                person = Person(
                    id=pid,
                    names=self.after.names_of(pid),
                    orcid=change.person.orcid,
                    degree=change.person.degree,
                    disable_name_matching=self.after.matching_disabled(pid),
                )
                self.plan.people_changes[i] = PeopleChange("new_person", pid, change.name, person)
        new_ids = set(self.after.new_persons)
        self.plan.people_changes = [
            c
            for c in self.plan.people_changes
            if c.kind == "new_person" or c.person_id not in new_ids
        ]

    def _fold_principal(self) -> None:
        """The edited person's entry as one change, before and after side by side."""
        pid, entry = self.principal, self.entry
        if pid is None or entry is None:
            return
        before = self.people[pid]
        names = self.after.names_of(pid)
        if entry.names and entry.names[0] in names and entry.names[0] != names[0]:
            names = [entry.names[0]] + [n for n in names if n != entry.names[0]]
        after = replace(entry, names=names, disable_name_matching=self.after.matching_disabled(pid))
        if after == before:
            return
        self.plan.people_changes.insert(
            0, PeopleChange("update_person", pid, names[0], person=after, before=before)
        )


def make_plan(request: Request, index: NameIndex, people: People) -> Plan:
    """Check a request against the data and work out every change it needs."""
    return _Planner(request, index, people).run()
