"""Requests of every kind, chosen from a dataset by rules (not by name), deterministically.

Used by the oracle tests of every kind (``tests/test_engine_kinds_oracle.py``) and
by ``bench/engine.py``. Each chooser returns a request that should plan cleanly
on the data it was chosen from, or None when the dataset has no fitting case.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.anthology.people import _orcid_check_digit
from bot.engine.dataset import AnthologyData
from bot.engine.request import PersonEdits, Request, Target


def fresh_orcid(n: int) -> str:
    """A valid ORCID iD (checksum right) that no one in the data has: 0000-0009-9999-nnnX."""
    digits = f"000000099999{n:03d}"
    orcid = digits + _orcid_check_digit(digits)
    return f"{orcid[0:4]}-{orcid[4:8]}-{orcid[8:12]}-{orcid[12:16]}"


def unverified_pages(data: AnthologyData, low: int, high: int) -> Iterator[tuple[str, int]]:
    """Unverified pages with ``low``..``high`` papers whose name no verified person has,
    none of whose slots carries an ORCID, by slug."""
    by_slug = data.people.verified_ids_by_slug()
    rows = data.index.db.execute(
        "SELECT slug, COUNT(DISTINCT item_id) FROM slots WHERE person_id IS NULL "
        "GROUP BY slug HAVING COUNT(DISTINCT item_id) BETWEEN ? AND ? "
        "AND COUNT(orcid) = 0 ORDER BY slug",
        (low, high),
    )
    for slug, n in rows:
        if slug not in by_slug and slug.count("-") == 1:
            yield f"{slug}/unverified", n


def _first_ok(data: AnthologyData, candidates: Iterator[Request]) -> Request | None:
    for request in candidates:
        if data.plan(request).ok:
            return request
    return None


def whole_page_verification(data: AnthologyData, low: int = 3, high: int = 8) -> Request | None:
    """Only "Verification" ticked on an unverified page: the whole page to a new person."""
    return _first_ok(
        data,
        (
            Request(
                page,
                (),
                Target("new", orcid=fresh_orcid(1), degree="Nanjing University"),
                all_papers=True,
            )
            for page, _ in unverified_pages(data, low, high)
        ),
    )


def _hosts(data: AnthologyData) -> Iterator[str]:
    """Verified persons with 3-8 papers, some name-matched, sole holders of their names."""
    by_slug = data.people.verified_ids_by_slug()
    for pid in sorted(data.people):
        person = data.people[pid]
        if person.disable_name_matching or person.similar:
            continue
        if not all(by_slug.get(n.slug()) == {pid} for n in person.names):
            continue
        papers = data.page_papers(pid) or []
        if not 3 <= len(papers) <= 8:
            continue
        slugs = {n.slug() for n in person.names}
        if any(s.person_id is None for s in data.index.unassigned_slots_by_slug(slugs)):
            yield pid


def pages_into_existing(
    data: AnthologyData, low: int = 2, high: int = 4, skip: int = 40
) -> Request | None:
    """ "Merge profiles": two unverified pages into an existing verified person."""
    pages = [p for p, _ in unverified_pages(data, low, high)][skip:]
    for host in _hosts(data):
        for a, b in zip(pages[::2], pages[1::2], strict=False):
            request = Request((host, a, b), (), Target("existing", id=host), all_papers=True)
            if data.plan(request).ok:
                return request
        return None
    return None


def pages_into_new(data: AnthologyData) -> Request | None:
    """Several unverified pages into one new person, with a preferred (printed) name."""
    pages = [p for p, _ in unverified_pages(data, 2, 4)][80:]
    for a, b, c in zip(pages[::3], pages[1::3], pages[2::3], strict=False):
        request = Request(
            (a, b, c),
            (),
            Target("new", orcid=fresh_orcid(2), degree="Universität des Saarlandes"),
            all_papers=True,
        )
        plan = data.plan(request)
        if plan.ok:
            return request
    return None


def add_orcid(data: AnthologyData) -> Request | None:
    """ "Verification" on a verified page without ORCID: ORCID and degree set."""
    return _first_ok(
        data,
        (
            Request(
                (),
                (),
                Target("existing", id=pid),
                edits=PersonEdits(orcid=fresh_orcid(3), degree="Peking University"),
            )
            for pid in _hosts(data)
            if data.people[pid].orcid is None
        ),
    )


def canonical_name(data: AnthologyData) -> Request | None:
    """A name-order change: a verified person's second name becomes canonical."""
    for pid in _hosts(data):
        names = data.people[pid].names
        if len(names) >= 2:
            return Request(
                pid, (), Target("existing", id=pid), edits=PersonEdits(canonical_name=names[1])
            )
    return None


def merge_verified(data: AnthologyData) -> Request | None:
    """Two verified persons who are one: ``x`` without ORCID and ``x-NNNN`` with one."""
    people = data.people
    for pid in sorted(people):
        person = people[pid]
        if person.orcid or person.similar or person.comment:
            continue
        twins = [
            other
            for other in (f"{pid}-{tail}" for tail in _orcid_tails(data, pid))
            if other in people and people[other].orcid and not people[other].similar
        ]
        for twin in twins:
            request = Request((), (), Target("existing", id=pid), merge=(twin,))
            if data.plan(request).ok:
                return request
    return None


def _orcid_tails(data: AnthologyData, pid: str) -> list[str]:
    rows = data.index.db.execute(
        "SELECT DISTINCT person_id FROM slots WHERE person_id LIKE ?", (f"{pid}-____",)
    )
    return [r[0].rsplit("-", 1)[1] for r in rows]


def removal_keep_list(data: AnthologyData) -> Request | None:
    """ "Only these are mine" on a verified page: the rest leave it, matching disabled."""
    for pid in _hosts(data):
        papers = data.page_papers(pid) or []
        keep = tuple(papers[:2])
        request = Request(pid, (), Target("unverified"), all_papers=True, except_papers=keep)
        if data.plan(request).ok:
            return request
    return None


def except_to_new(data: AnthologyData) -> Request | None:
    """ "All papers are mine except X" on an unverified page, to a new person."""
    for page, _ in unverified_pages(data, 3, 6):
        papers = data.page_papers(page) or []
        request = Request(
            page,
            (),
            Target("new", orcid=fresh_orcid(4), degree="Carnegie Mellon University"),
            all_papers=True,
            except_papers=(papers[-1],),
        )
        if data.plan(request).ok:
            return request
    return None


CHOOSERS = {
    "verify": whole_page_verification,
    "merge_pages_existing": pages_into_existing,
    "merge_pages_new": pages_into_new,
    "add_orcid": add_orcid,
    "canonical_name": canonical_name,
    "merge_verified": merge_verified,
    "removal_keep_list": removal_keep_list,
    "except_to_new": except_to_new,
}
