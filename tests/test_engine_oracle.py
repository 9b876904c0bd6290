"""The engine checked against the acl-anthology library on the full shared dataset.

One scenario chain runs on a copy of the full data (with the seed's case added):
the seed's request, a move onto an existing person that needs name matching
disabled, a move off a verified page to "unverified", and a move between two
verified persons. Then:

* the library loads our result without error and every moved paper resolves to
  its target, while *no other author slot anywhere* changed page;
* the same changes made through the library's own API and ``save_all()`` give
  byte-identical files.
"""

from __future__ import annotations

import filecmp
import itertools
import warnings

import pytest

from bot.engine.apply import apply_plan
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request, Target
from tests.library_oracle import apply_plan_with_library, library_resolution, load_library
from tests.seed_case import SEED_PAGE, SEED_PAPERS

pytestmark = pytest.mark.fulldata

SEED_ORCID = "0000-0002-7182-8185"  # ORCID's documented example iD


def _first(rows, what: str):  # noqa: ANN001, ANN202
    for row in rows:
        return row
    pytest.skip(f"no {what} in this dataset")


def choose_scenarios(data: AnthologyData) -> list[Request]:
    """Requests after the seed's: picked from the data by rules, deterministically."""
    db = data.index.db
    people = data.people
    requests = [
        Request(
            SEED_PAGE,
            tuple(SEED_PAPERS),
            Target(
                "new", orcid=SEED_ORCID, degree="Beijing University of Posts and Telecommunications"
            ),
        )
    ]
    # An unverified page with >= 3 papers whose name no verified person has: move one
    # paper to an existing verified person (name matching must then be disabled for
    # them, and their name-matched papers pinned).
    by_slug = people.verified_ids_by_slug()
    unverified = [
        slug
        for slug, n in db.execute(
            "SELECT slug, COUNT(DISTINCT item_id) FROM slots WHERE person_id IS NULL "
            "GROUP BY slug HAVING COUNT(DISTINCT item_id) BETWEEN 3 AND 6 ORDER BY slug"
        )
        if slug not in by_slug and slug.count("-") == 1
    ]

    def name_matched(pid: str) -> list[str]:
        slugs = {n.slug() for n in people[pid].names}
        return [s.ref.item_id for s in data.index.unassigned_slots_by_slug(slugs) if not s.orcid]

    def is_host(pid: str) -> bool:
        person = people[pid]
        return (
            not person.disable_name_matching
            and all(by_slug.get(n.slug()) == {pid} for n in person.names)
            and 3 <= len(data.page_papers(pid) or []) <= 8
            and len(name_matched(pid)) >= 2
        )

    hosts = list(itertools.islice(filter(is_host, sorted(people)), 4))
    slug = _first(unverified, "unverified page")
    host = _first(hosts, "verified host")
    paper = data.page_papers(f"{slug}/unverified")[0]
    requests.append(Request(f"{slug}/unverified", (paper,), Target("existing", id=host)))
    # A verified person with name-matched papers: move one off to "unverified".
    off = _first(hosts[1:], "second verified host")
    requests.append(Request(off, (name_matched(off)[0],), Target("unverified")))
    # A slot with an explicit id and no ORCID attribute: move it to another person.
    row = _first(
        db.execute(
            "SELECT item_id, person_id FROM slots WHERE person_id IS NOT NULL AND orcid IS NULL "
            "AND role='author' ORDER BY item_id LIMIT 1"
        ),
        "explicit id",
    )
    receiver = _first([p for p in hosts[2:] if p != row[1] and p != off], "receiver")
    requests.append(Request(row[1], (row[0],), Target("existing", id=receiver)))
    return requests


@pytest.fixture(scope="module")
def chain(full_data_copy_factory, tmp_path_factory):  # noqa: ANN001, ANN201
    ours = full_data_copy_factory()
    theirs = full_data_copy_factory()
    index_path = tmp_path_factory.mktemp("index") / "index.sqlite"
    data = AnthologyData(ours, index_path)
    before = load_library(theirs)
    resolution_before = library_resolution(before)
    plans = []
    for request in choose_scenarios(data):
        plan = data.plan(request)
        assert plan.ok, (request, plan.problems)
        apply_plan(plan, ours)
        data.reload()
        plans.append(plan)
    return ours, theirs, before, resolution_before, plans


def test_library_loads_result_and_only_requested_slots_move(chain) -> None:  # noqa: ANN001
    ours, _, _, resolution_before, plans = chain
    after = load_library(ours)  # raises on any broken id, name or ORCID
    resolution_after = library_resolution(after)
    assert resolution_after.keys() == resolution_before.keys()
    moved = {}
    for plan in plans:
        for change in plan.moves:
            key = (change.ref.item_id, change.ref.role, change.ref.position)
            moved[key] = change.to_page
    changed = {k for k in resolution_before if resolution_before[k] != resolution_after[k]}
    assert changed == set(moved), "exactly the requested slots change page"
    for key, page in moved.items():
        assert resolution_after[key] == page
    seed = plans[0]
    assert {c.ref.item_id for c in seed.moves} == set(SEED_PAPERS)
    assert all(
        resolution_after[(p, "author", c.ref.position)] == "tingfeng-hui"
        for p in SEED_PAPERS
        for c in seed.moves
        if c.ref.item_id == p
    )
    # The scenarios really exercise the side-effect machinery.
    assert any(c.kind == "disable_name_matching" for p in plans for c in p.people_changes)
    assert any(p.pins for p in plans)


def test_library_api_gives_identical_bytes(chain) -> None:  # noqa: ANN001
    ours, theirs, before, _, plans = chain
    for plan in plans:
        apply_plan_with_library(before, plan.to_json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before.save_all()
    files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    different = [str(f) for f in files if not filecmp.cmp(ours / f, theirs / f, shallow=False)]
    assert different == []


def test_only_planned_lines_changed(chain, full_data_dir) -> None:  # noqa: ANN001
    ours, _, _, _, plans = chain
    edits = [c for p in plans for c in p.slot_changes if c.old_id != c.new_id]
    expected_lines = len(edits)
    changed_lines = 0
    for path in sorted((ours / "xml").glob("*.xml")):
        original = full_data_dir / "xml" / path.name
        if not original.exists():
            continue  # the seed's collections, checked below
        a = original.read_bytes().split(b"\n")
        b = path.read_bytes().split(b"\n")
        assert len(a) == len(b), path.name
        changed_lines += sum(x != y for x, y in zip(a, b, strict=True))
    seed_lines = sum(1 for c in edits if c.file.startswith(("2025.acl", "2023.findings")))
    assert changed_lines + seed_lines == expected_lines
