"""From a request to a plan: which author slots change, what people.json gains, what is wrong.

The planner is pure domain logic over the name index and people.json. It never
writes; ``bot.engine.apply`` carries a plan out.

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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
from bot.anthology.people import OrcidError, People, Person, is_valid_person_id, normalize_orcid
from bot.anthology.xmlfile import SlotRef
from bot.engine.request import MAX_PAPERS, Problem, Request

NO_PERSON_ID = "__NO_PERSON_ID__"

ChangeKind = Literal["new_person", "add_name", "disable_name_matching"]


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
    person: Person | None = None  # new_person: the full entry

    def describe(self) -> str:
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
        out["description"] = self.describe()
        return out


@dataclass
class Plan:
    """What applying a request would do, or why it cannot be done."""

    request: Request
    source_page: str | None = None
    target_page: str | None = None
    moves: list[SlotChange] = field(default_factory=list)
    pins: list[SlotChange] = field(default_factory=list)
    people_changes: list[PeopleChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.moves)

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
            "source_page": self.source_page,
            "target_page": self.target_page,
            "moves": [c.to_json() for c in self.moves],
            "pins": [c.to_json() for c in self.pins],
            "people_changes": [c.to_json() for c in self.people_changes],
            "files": self.files(),
            "problems": [p.to_json() for p in self.problems],
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

    def holders(self, slug: str) -> set[str]:
        if slug in self._holders:
            return self._holders[slug]
        return set(self._base_holders(slug))

    def _add_holder(self, slug: str, pid: str) -> None:
        self._holders.setdefault(slug, set(self._base_holders(slug))).add(pid)

    def exists(self, pid: str) -> bool:
        return pid in self.new_persons or pid in self.people

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
    if is_unverified_page(page):
        candidates = index.unassigned_slots_by_slug([page_slug(page)])
    else:
        if page not in people:
            return []
        candidates = index.slots_with_person_id(page) + index.unassigned_slots_by_slug(
            {n.slug() for n in people[page].names}
        )
    items = [s.ref.item_id for s in candidates if world.page_of(s.name, s.person_id) == page]
    return sorted(set(items), key=items.index)


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
        self.pinned: dict[SlotRef, tuple[IndexedSlot, str]] = {}

    def problem(self, field_name: str, message: str, code: str) -> None:
        self.plan.problems.append(Problem(field_name, message, code))

    # -- the request's parts ---------------------------------------------------

    def source(self) -> str | None:
        try:
            page = parse_page_reference(self.request.source)
        except PageReferenceError as exc:
            self.problem("author_page", str(exc), "source-invalid")
            return None
        if not is_unverified_page(page) and page not in self.people:
            self.problem(
                "author_page",
                f"There is no verified author page “{page}”. If the papers are on an "
                f"unverified page, give it as {page}/unverified.",
                "source-unknown",
            )
            return None
        return page

    def items(self) -> list[str]:
        refs = self.request.papers
        if not refs:
            self.problem("papers", "No papers were given: list the papers to move.", "no-papers")
            return []
        if len(refs) > MAX_PAPERS:
            self.problem(
                "papers",
                f"{len(refs)} papers were given; the bot handles at most {MAX_PAPERS} in one "
                "request. Please split the request.",
                "too-many-papers",
            )
            return []
        items: list[str] = []
        for ref in refs:
            try:
                parsed = anthology_id_from_reference(ref)
            except InvalidIDError as exc:
                self.problem("papers", str(exc), "paper-invalid")
                continue
            if parsed is None:
                self.problem(
                    "papers",
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
                    "papers",
                    f"{parsed} is not in the Anthology data; please check the id.",
                    "paper-unknown",
                )
                continue
            self.titles[item_id] = found.title
            if item_id not in items:
                items.append(item_id)
        return items

    def slot_on_source(self, item_id: str, source: str) -> IndexedSlot | None:
        slots = self.index.slots_of_item(item_id)
        on_page = [s for s in slots if self.before.page_of(s.name, s.person_id) == source]
        if len(on_page) == 1:
            return on_page[0]
        if not on_page:
            authors = "; ".join(
                f"{s.name.as_first_last()} ({self.before.page_of(s.name, s.person_id)})"
                for s in slots
            )
            self.problem(
                item_id,
                f"{item_id} (“{self.titles[item_id]}”) is not on the page {source}. "
                f"Its authors and their pages: {authors or 'none'}.",
                "paper-not-on-source",
            )
        else:
            names = ", ".join(f"#{s.ref.position + 1} {s.name.as_first_last()}" for s in on_page)
            self.problem(
                item_id,
                f"{item_id} has several authors on the page {source} ({names}); "
                "a maintainer has to say which one is meant.",
                "paper-ambiguous",
            )
        return None

    def target(self, slots: list[IndexedSlot], source: str) -> tuple[str | None, str | None]:
        """The target page and the explicit id moved slots get (None: no id)."""
        target = self.request.target
        if target.kind == "unverified":
            if is_unverified_page(source):
                self.problem(
                    "assign_to",
                    f"The papers are already on an unverified page ({source}); "
                    "choose an existing or a new author page instead.",
                    "target-same",
                )
                return None, None
            return "unverified", None
        if target.kind == "existing":
            return self._existing_target(source)
        return self._new_target(slots)

    def _existing_target(self, source: str) -> tuple[str | None, str | None]:
        raw = self.request.target.id or ""
        try:
            pid = parse_page_reference(raw) if raw else ""
        except PageReferenceError as exc:
            self.problem("target_page", str(exc), "target-invalid")
            return None, None
        if not pid:
            self.problem(
                "target_page",
                "No target author page was given: paste the address of the author page "
                "the papers should move to.",
                "target-missing",
            )
            return None, None
        if is_unverified_page(pid):
            self.problem(
                "target_page",
                f"{pid} is an unverified page and cannot receive papers; choose "
                "“A new author page for this person” (with an ORCID) instead.",
                "target-unverified",
            )
            return None, None
        if pid not in self.people:
            self.problem("target_page", f"There is no author page “{pid}”.", "target-unknown")
            return None, None
        if pid == source:
            self.problem(
                "target_page",
                f"The papers are already on {pid}; the target must be a different page.",
                "target-same",
            )
            return None, None
        return pid, pid

    def _new_target(self, slots: list[IndexedSlot]) -> tuple[str | None, str | None]:
        target = self.request.target
        orcid = None
        if not target.orcid:
            self.problem(
                "orcid",
                "A new author page needs the person's ORCID iD (such as 0000-0002-1825-0097).",
                "orcid-missing",
            )
        else:
            try:
                orcid = normalize_orcid(target.orcid)
            except OrcidError as exc:
                self.problem("orcid", str(exc), "orcid-invalid")
        if orcid is not None and (holder := self.people.by_orcid(orcid)) is not None:
            self.problem(
                "orcid",
                f"The ORCID {orcid} already belongs to the author page {holder.id}; "
                f"choose “An existing author page” with {holder.id} instead.",
                "orcid-taken",
            )
            orcid = None
        name = target.name or (slots[0].name if slots else None)
        if name is None or orcid is None:
            return None, None
        if target.id:
            pid = target.id.strip().lower()
            if not is_valid_person_id(pid):
                self.problem(
                    "target_page",
                    f"“{target.id}” is not a valid person id (lowercase letters, digits "
                    "and hyphens, starting with a letter).",
                    "target-id-invalid",
                )
                return None, None
            if pid in self.people:
                self.problem(
                    "target_page", f"The person id {pid} is already taken.", "target-id-taken"
                )
                return None, None
        else:
            try:
                pid = self.people.new_person_id(name, orcid=orcid)
            except ValueError as exc:
                self.problem("name", str(exc), "target-id-unavailable")
                return None, None
        names = [name] + [s.name for s in slots if s.name != name]
        unique: list[Name] = []
        for n in names:
            if n not in unique:
                unique.append(n)
        person = Person(id=pid, names=unique, orcid=orcid, degree=target.degree)
        self.after.add_person(person)
        self.plan.people_changes.append(PeopleChange("new_person", pid, name, person))
        return pid, pid

    # -- side effects ----------------------------------------------------------

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
        if self.after.add_name(pid, slot.name):
            self.plan.people_changes.append(PeopleChange("add_name", pid, slot.name))

    def disable(self, pid: str) -> set[str]:
        """Disable name matching for ``pid``; returns the slugs to check again."""
        if self.after.disable_matching(pid):
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

    def run(self) -> Plan:
        source = self.source()
        items = self.items()
        self.plan.source_page = source
        if source is None:
            return self.plan
        slots = [s for item in items if (s := self.slot_on_source(item, source)) is not None]
        target_page, new_id = self.target(slots, source)
        if target_page is None or self.plan.problems:
            self.plan.target_page = target_page
            return self.plan
        if target_page == "unverified":
            for slot in slots:
                if slot.orcid:
                    self.problem(
                        slot.ref.item_id,
                        f"On {slot.ref.item_id} the author {slot.name.as_first_last()} carries "
                        f"the ORCID {slot.orcid}, which belongs to {source}; a maintainer must "
                        "decide whether that ORCID is wrong.",
                        "orcid-on-slot",
                    )
                self.moved[slot.ref] = (slot, None)
        else:
            for slot in slots:
                target_orcid = (
                    self.after.new_persons[new_id].orcid
                    if new_id in self.after.new_persons
                    else self.people[new_id].orcid
                )
                if slot.orcid and slot.orcid != target_orcid:
                    self.problem(
                        slot.ref.item_id,
                        f"On {slot.ref.item_id} the author {slot.name.as_first_last()} carries "
                        f"the ORCID {slot.orcid}, which is not the ORCID of {new_id}; "
                        "a maintainer must decide which is right.",
                        "orcid-on-slot",
                    )
                self.moved[slot.ref] = (slot, new_id)
                if self.after.add_name(new_id, slot.name) and new_id in self.people:
                    self.plan.people_changes.append(PeopleChange("add_name", new_id, slot.name))
        if self.plan.problems:
            return self.plan
        self.stabilise()
        self.check_items()
        for slot, pid in self.moved.values():
            to_page = self.after.page_of(slot.name, pid)
            self.plan.moves.append(self._change(slot, pid, source, to_page, "move"))
        for slot, pid in self.pinned.values():
            self.plan.pins.append(self._change(slot, pid, pid, pid, "pin"))
        self.plan.target_page = self.plan.moves[0].to_page if self.plan.moves else None
        self._fold_new_person()
        for change in self.plan.slot_changes:
            sha = self.index.file_sha1(change.file)
            if sha:
                self.plan.file_hashes[change.file] = sha
        return self.plan

    def _change(
        self, slot: IndexedSlot, new_id: str | None, from_page: str, to_page: str, reason: str
    ) -> SlotChange:
        title = self.titles.get(slot.ref.item_id)
        if title is None:
            found = self.index.item(slot.ref.item_id)
            title = found.title if found else ""
        return SlotChange(
            slot.file,
            slot.ref,
            title,
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


def make_plan(request: Request, index: NameIndex, people: People) -> Plan:
    """Check a request against the data and work out every change it needs."""
    return _Planner(request, index, people).run()
