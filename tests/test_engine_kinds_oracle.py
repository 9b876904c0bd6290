"""Every kind of request checked against the acl-anthology library on the full dataset.

One chain on a copy of the full data: each kind's request is chosen from the data
by rule (``tests/kinds_scenarios.py``), planned, applied, and the data reloaded
before the next is chosen. Then:

* the library loads the result and every moved slot resolves to its target, while
  no other author slot anywhere changed page;
* the same plans made through the library's own API (``merge_into``, person
  attributes, ``NameSpecification.id``) and ``save_all()`` give identical files;
* only the planned lines of the XML changed;
* each kind did what the maintainers do (per-kind checks below).
"""

from __future__ import annotations

import filecmp
import json
import warnings
from pathlib import Path

import pytest

from bot.anthology.pages import page_slug
from bot.engine.apply import apply_plan
from bot.engine.dataset import AnthologyData
from bot.engine.planner import Plan
from bot.engine.request import Request
from tests.kinds_scenarios import CHOOSERS
from tests.library_oracle import (
    apply_plan_with_library,
    library_normal_form,
    library_resolution,
    load_library,
)

pytestmark = pytest.mark.fulldata


@pytest.fixture(scope="module")
def chain(full_data_copy_factory, tmp_path_factory):  # noqa: ANN001, ANN201
    ours = full_data_copy_factory(seed=False)
    theirs = full_data_copy_factory(seed=False)
    data = AnthologyData(ours, tmp_path_factory.mktemp("index") / "index.sqlite")
    before = load_library(theirs)
    resolution_before = library_resolution(before)
    people_before = json.loads((ours / "json" / "people.json").read_text())
    plans: dict[str, tuple[Request, Plan]] = {}
    for kind, choose in CHOOSERS.items():
        request = choose(data)
        if request is None:
            pytest.fail(f"the full data has no case for {kind}")
        plan = data.plan(request)
        assert plan.ok, (kind, request, plan.problems)
        apply_plan(plan, ours)
        data.reload()
        plans[kind] = (request, plan)
    return ours, theirs, before, resolution_before, people_before, plans, data


def test_library_loads_result_and_only_requested_slots_move(chain) -> None:  # noqa: ANN001
    ours, _, _, resolution_before, _, plans, _ = chain
    resolution_after = library_resolution(load_library(ours))
    assert resolution_after.keys() == resolution_before.keys()
    moved: dict[tuple[str, str, int], str] = {}
    for _, plan in plans.values():
        for change in plan.moves:
            moved[(change.ref.item_id, change.ref.role, change.ref.position)] = change.to_page
    changed = {k for k in resolution_before if resolution_before[k] != resolution_after[k]}
    assert changed == set(moved), "exactly the requested slots change page"
    for key, page in moved.items():
        assert resolution_after[key] == page


def test_library_api_gives_identical_bytes(chain) -> None:  # noqa: ANN001
    ours, theirs, before, _, _, plans, _ = chain
    for _, plan in plans.values():
        apply_plan_with_library(before, plan.to_json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before.save_all()
    files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    different = [str(f) for f in files if not filecmp.cmp(ours / f, theirs / f, shallow=False)]
    # Files that differ only where the library re-normalises lines it did not change.
    really = [
        f
        for f in different
        if library_normal_form((ours / f).read_bytes())
        != library_normal_form((theirs / f).read_bytes())
    ]
    assert really == []


def test_only_planned_lines_changed(chain, full_data_dir: Path) -> None:  # noqa: ANN001
    ours, _, _, _, _, plans, _ = chain
    edits = {
        (c.file, c.ref) for _, p in plans.values() for c in p.slot_changes if c.old_id != c.new_id
    }
    changed_lines = 0
    for path in sorted((ours / "xml").glob("*.xml")):
        a = (full_data_dir / "xml" / path.name).read_bytes().split(b"\n")
        b = path.read_bytes().split(b"\n")
        assert len(a) == len(b), path.name
        changed_lines += sum(x != y for x, y in zip(a, b, strict=True))
    assert changed_lines == len(edits)


def test_whole_page_verification(chain) -> None:  # noqa: ANN001
    *_, plans, data = chain
    request, plan = plans["verify"]
    (new,) = [c for c in plan.people_changes if c.kind == "new_person"]
    assert new.person_id == page_slug(request.source)  # the page's slug, free
    assert new.person is not None and new.person.degree and new.person.orcid
    assert {c.new_id for c in plan.moves} == {new.person_id}  # every paper explicit
    assert data.page_papers(request.source) in (None, [])
    assert len(data.page_papers(new.person_id) or []) == len(plan.moves)


def test_pages_merged_into_an_existing_person_are_explicit(chain) -> None:  # noqa: ANN001
    *_, plans, data = chain
    request, plan = plans["merge_pages_existing"]
    host = request.target.id
    assert host is not None
    assert len({c.from_page for c in plan.moves}) == 2
    assert {c.new_id for c in plan.moves} == {host}
    explicit = {s.ref.item_id for s in data.index.slots_with_person_id(host)}
    assert set(data.page_papers(host) or []) == explicit  # the page no longer name-matches
    (update,) = [c for c in plan.people_changes if c.kind == "update_person"]
    assert update.before is not None and update.person is not None
    assert len(update.person.names) > len(update.before.names)


def test_several_pages_into_one_new_person(chain) -> None:  # noqa: ANN001
    *_, plans, _ = chain
    request, plan = plans["merge_pages_new"]
    (new,) = [c for c in plan.people_changes if c.kind == "new_person"]
    assert new.person is not None and len(new.person.names) == 3
    assert {c.from_page for c in plan.moves} == set(request.sources)


def test_orcid_and_degree_added(chain) -> None:  # noqa: ANN001
    ours, *_, plans, _ = chain
    request, _ = plans["add_orcid"]
    entry = json.loads((ours / "json" / "people.json").read_text())[request.target.id]
    assert entry["orcid"] == request.edits.orcid and entry["degree"] == request.edits.degree


def test_canonical_name_reorders_names(chain) -> None:  # noqa: ANN001
    ours, _, _, _, people_before, plans, _ = chain
    request, _ = plans["canonical_name"]
    pid = request.target.id
    entry = json.loads((ours / "json" / "people.json").read_text())[pid]
    wanted = request.edits.canonical_name
    assert wanted is not None
    assert entry["names"][0] == wanted.to_json()
    assert sorted(map(str, entry["names"])) == sorted(map(str, people_before[pid]["names"]))


def test_merged_verified_person_is_gone_and_repointed(chain) -> None:  # noqa: ANN001
    ours, _, _, _, people_before, plans, data = chain
    request, plan = plans["merge_verified"]
    (gone,) = request.merge
    survivor = request.target.id
    people = json.loads((ours / "json" / "people.json").read_text())
    assert gone not in people
    assert people[survivor]["orcid"] == people_before[gone]["orcid"]
    assert data.index.slots_with_person_id(gone) == []
    assert {c.new_id for c in plan.moves} == {survivor}


def test_removal_disables_matching_and_keeps_the_keep_list(chain) -> None:  # noqa: ANN001
    ours, *_, plans, data = chain
    request, plan = plans["removal_keep_list"]
    pid = request.source
    assert json.loads((ours / "json" / "people.json").read_text())[pid]["disable_name_matching"]
    assert set(request.except_papers) <= set(data.page_papers(pid) or [])
    assert all(c.new_id is None for c in plan.moves)
    assert not {c.ref.item_id for c in plan.moves} & set(request.except_papers)


def test_except_list_stays_behind(chain) -> None:  # noqa: ANN001
    *_, plans, data = chain
    request, plan = plans["except_to_new"]
    assert not {c.ref.item_id for c in plan.moves} & set(request.except_papers)
    (new,) = [c for c in plan.people_changes if c.kind == "new_person"]
    assert set(request.except_papers).isdisjoint(data.page_papers(new.person_id) or [])
