"""Every kind of request on the bundled sample: planned, applied, checked by the library.

Each kind's request is chosen from the sample by the same rules as the full-data
oracle (``tests/kinds_scenarios.py``). Applied, the library must load the result,
only the moved slots may change page, and the library's own API applied to the
plan must give identical files. Then the questions: each problem case gives a
specific answer and writes nothing.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import warnings
from pathlib import Path

import pytest

from bot.anthology.index import IndexedSlot
from bot.anthology.names import Name
from bot.anthology.xmlfile import AttributeEdit, SlotRef, edit_attributes
from bot.engine.apply import ApplyError, apply_plan
from bot.engine.dataset import AnthologyData
from bot.engine.planner import affiliation_evidence
from bot.engine.request import PersonEdits, Request, Target, request_from_json
from bot.text.render import render_plan, render_plan_text
from tests.cli import run_bot
from tests.kinds_scenarios import CHOOSERS, fresh_orcid
from tests.library_oracle import (
    apply_plan_with_library,
    library_normal_form,
    library_resolution,
    load_library,
)

REPO = Path(__file__).resolve().parent.parent
TAKEN_ORCID = "0000-0001-6044-842X"  # abu-nowshed-chy's, in the sample


@pytest.fixture
def data(sample_data_dir: Path, tmp_path: Path) -> AnthologyData:
    return AnthologyData(sample_data_dir, tmp_path / "index.sqlite")


def snapshot(data_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", list(CHOOSERS))
def test_each_kind_applies_as_the_library_would(
    kind: str, data: AnthologyData, tmp_path: Path
) -> None:
    request = CHOOSERS[kind](data)
    assert request is not None, f"the sample has no case for {kind}"
    theirs = Path(shutil.copytree(data.data_dir, tmp_path / "theirs"))
    library = load_library(theirs)
    before = library_resolution(library)
    plan = data.plan(request)
    assert plan.ok, plan.problems
    apply_plan(plan, data.data_dir)
    after = library_resolution(load_library(data.data_dir))
    moved = {(c.ref.item_id, c.ref.role, c.ref.position): c.to_page for c in plan.moves}
    assert {k: after[k] for k in before if before[k] != after[k]} == moved
    apply_plan_with_library(library, plan.to_json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library.save_all()
    for path in sorted(data.data_dir.rglob("*")):
        if path.is_file():
            other = theirs / path.relative_to(data.data_dir)
            if not filecmp.cmp(path, other, shallow=False):
                assert library_normal_form(path.read_bytes()) == library_normal_form(
                    other.read_bytes()
                ), path
    # What the person reads names the kind and, for entries, shows them side by side.
    text = render_plan(plan)
    if kind in ("merge_verified", "canonical_name", "add_orcid", "merge_pages_existing"):
        assert "before |" in text and "after |" in text
    if plan.moves:
        assert "before → after" in text
    assert render_plan_text(plan).startswith(f"Plan ({plan.kind}):")


@pytest.mark.parametrize("kind", ["verify", "merge_verified", "add_orcid", "removal_keep_list"])
def test_cli_plans_and_applies_each_kind(kind: str, data: AnthologyData, tmp_path: Path) -> None:
    request = CHOOSERS[kind](data)
    assert request is not None
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request.to_json()))
    before = snapshot(data.data_dir)
    planned = run_bot("plan", "--data", data.data_dir, path, cache=tmp_path / "cache")
    assert planned.returncode == 0, planned.stderr
    assert f"Plan ({data.plan(request).kind})" in planned.stdout
    assert snapshot(data.data_dir) == before
    applied = run_bot("apply", "--data", data.data_dir, path, cache=tmp_path / "cache")
    assert applied.returncode == 0, applied.stderr
    assert snapshot(data.data_dir) != before
    load_library(data.data_dir)


def problem_codes(data: AnthologyData, request: Request) -> list[str]:
    """The plan's problem codes; asserts that nothing can be written."""
    before = snapshot(data.data_dir)
    plan = data.plan(request)
    assert not plan.ok
    with pytest.raises(ApplyError):
        apply_plan(plan, data.data_dir)
    assert snapshot(data.data_dir) == before
    return [p.code for p in plan.problems]


def verify(page: str = "adam-lopez/unverified", **target: object) -> Request:
    values: dict[str, object] = {"orcid": fresh_orcid(7), "degree": "JHU"}
    values.update(target)
    return Request(page, (), Target("new", **values), all_papers=True)  # type: ignore[arg-type]


def test_a_taken_orcid_names_its_person_and_moves_nothing(data: AnthologyData) -> None:
    plan = data.plan(verify(orcid=TAKEN_ORCID))
    (problem,) = plan.problems
    assert problem.code == "orcid-taken" and "abu-nowshed-chy" in problem.message
    assert not plan.moves and not plan.people_changes


def test_a_new_verified_person_needs_an_institution(data: AnthologyData) -> None:
    assert problem_codes(data, verify(degree=None)) == ["degree-missing"]


def test_the_new_name_must_be_printed_on_the_papers(data: AnthologyData) -> None:
    request = verify(name=Name("Adam", "Lopes"))
    assert problem_codes(data, request) == ["name-not-printed"]
    assert "“Adam Lopez”" in data.plan(request).problems[0].message


def test_a_name_staff_confirmed_need_not_be_printed(data: AnthologyData) -> None:
    """A permanent name change: staff confirm a name no paper prints yet (``/request``)."""
    request = Request(
        "adam-lopez/unverified",
        (),
        Target("new", orcid=fresh_orcid(7), degree="JHU", name=Name("Adam", "Lopes")),
        all_papers=True,
        edits=PersonEdits(name_confirmed=Name("Adam", "Lopes")),
    )
    plan = data.plan(request)
    assert plan.ok, plan.problems
    (change,) = [c for c in plan.people_changes if c.kind == "new_person"]
    assert change.person is not None and change.person.names[0] == Name("Adam", "Lopes")
    assert Name("Adam", "Lopez") in change.person.names  # the printed name stays one of them
    assert request_from_json(request.to_json()).edits.name_confirmed == Name("Adam", "Lopes")
    # The waiver is for the confirmed name only, not for any other name.
    other = Request(
        "adam-lopez/unverified",
        (),
        Target("new", orcid=fresh_orcid(7), degree="JHU", name=Name("Adam", "Lopes")),
        all_papers=True,
        edits=PersonEdits(name_confirmed=Name("Ada", "Lopes")),
    )
    assert problem_codes(data, other) == ["name-not-printed"]


def test_a_canonical_name_staff_confirmed_is_set(data: AnthologyData) -> None:
    request = Request(
        (),
        (),
        Target("existing", id="shay-b-cohen"),
        edits=PersonEdits(
            canonical_name=Name("Shay", "Kohen"), name_confirmed=Name("Shay", "Kohen")
        ),
    )
    plan = data.plan(request)
    assert plan.ok, plan.problems
    apply_plan(plan, data.data_dir)
    people = json.loads((data.data_dir / "json" / "people.json").read_text())
    assert people["shay-b-cohen"]["names"][0] == {"first": "Shay", "last": "Kohen"}


@pytest.mark.parametrize(
    "name",
    [Name("Adam", "L" * 300), Name("Adam", "<b>Lopez</b>"), Name("Adam", "Unverified")],
)
def test_typed_names_beyond_the_rules_never_become_ids(data: AnthologyData, name: Name) -> None:
    plan = data.plan(verify(name=name))
    assert "name-invalid" in [p.code for p in plan.problems]
    assert not plan.people_changes
    assert all(len(p.message) < 600 for p in plan.problems)


def test_institution_limits(data: AnthologyData) -> None:
    assert "degree-invalid" in problem_codes(data, verify(degree="U" * 201))


def test_explicit_ids_are_bounded(data: AnthologyData) -> None:
    assert "target-id-invalid" in problem_codes(data, verify(id="a" * 300))


def test_an_except_paper_must_be_on_the_page(data: AnthologyData) -> None:
    request = Request(
        "adam-lopez/unverified",
        (),
        Target("new", orcid=fresh_orcid(7), degree="JHU"),
        all_papers=True,
        except_papers=("P18-1040",),
    )
    assert problem_codes(data, request) == ["except-not-on-source"]


def test_a_page_whose_slots_carry_other_orcids_is_a_question(data: AnthologyData) -> None:
    # Give one adam-lopez/unverified slot the ORCID of abu-nowshed-chy.
    papers = data.page_papers("adam-lopez/unverified") or []
    (slot,) = [s for s in data.index.slots_of_item(papers[0]) if s.name.slug() == "adam-lopez"]
    path = data.data_dir / "xml" / slot.file
    path.write_bytes(
        edit_attributes(path.read_bytes(), [AttributeEdit(slot.ref, {"orcid": TAKEN_ORCID})])
    )
    data.reload()
    plan = data.plan(verify())
    codes = [p.code for p in plan.problems]
    assert codes[0] == "page-mixes-people" and "orcid-on-slot" in codes
    evidence = next(p for p in plan.problems if p.code == "orcid-on-slot")
    assert evidence.field == papers[0] and "abu-nowshed-chy" in evidence.message


def test_merging_persons_with_two_orcids_is_a_question(data: AnthologyData) -> None:
    request = Request((), (), Target("existing", id="xin-wang"), merge=("xin-wang-5504",))
    assert problem_codes(data, request) == ["merge-orcid-conflict"]


def test_merge_refuses_unknown_and_self(data: AnthologyData) -> None:
    request = Request((), (), Target("existing", id="xin-wang"), merge=("xin-wang", "nobody-here"))
    assert problem_codes(data, request) == ["merge-same", "merge-unknown"]


def test_an_orcid_for_a_verified_person_must_be_free(data: AnthologyData) -> None:
    request = Request(
        (), (), Target("existing", id="shay-b-cohen"), edits=PersonEdits(orcid=TAKEN_ORCID)
    )
    plan = data.plan(request)
    assert [p.code for p in plan.problems] == ["orcid-taken"]
    assert "abu-nowshed-chy" in plan.problems[0].message


def test_a_different_orcid_is_not_overwritten_silently(data: AnthologyData) -> None:
    request = Request(
        (), (), Target("existing", id="xin-wang"), edits=PersonEdits(orcid=fresh_orcid(8))
    )
    assert problem_codes(data, request) == ["orcid-differs"]


def test_a_canonical_name_must_be_the_persons_or_printed(data: AnthologyData) -> None:
    request = Request(
        (),
        (),
        Target("existing", id="shay-b-cohen"),
        edits=PersonEdits(canonical_name=Name("Shay", "Kohen")),
    )
    assert problem_codes(data, request) == ["name-not-printed"]


def test_a_canonical_name_change_reorders_and_rewrites_no_paper(data: AnthologyData) -> None:
    xml_before = {p: p.read_bytes() for p in (data.data_dir / "xml").glob("*.xml")}
    request = Request(
        (),
        (),
        Target("existing", id="shay-b-cohen"),
        edits=PersonEdits(canonical_name=Name("Shay", "Cohen")),
    )
    plan = data.plan(request)
    assert plan.ok, plan.problems
    apply_plan(plan, data.data_dir)
    entry = json.loads((data.data_dir / "json" / "people.json").read_text())["shay-b-cohen"]
    assert entry["names"] == [
        {"first": "Shay", "last": "Cohen"},
        {"first": "Shay B.", "last": "Cohen"},
    ]
    # Printed names stay; only explicit ids were added (the page no longer name-matches).
    for path, old in xml_before.items():
        new = path.read_bytes()
        if new != old:
            changed = [
                (a, b) for a, b in zip(old.split(b"\n"), new.split(b"\n"), strict=True) if a != b
            ]
            assert all(b.replace(b' id="shay-b-cohen"', b"") == a for a, b in changed)


def test_a_name_in_the_filers_word_order_is_a_resplit_of_the_printed_name(
    data: AnthologyData, tmp_path: Path
) -> None:
    """ "My name is Chy Abu Nowshed, not Abu Nowshed Chy": the printed name's words in the
    filer's order, split as typed, become the canonical name; no paper is rewritten."""
    theirs = Path(shutil.copytree(data.data_dir, tmp_path / "theirs"))
    xml_before = {p: p.read_bytes() for p in (data.data_dir / "xml").glob("*.xml")}
    request = Request(
        (),
        (),
        Target("existing", id="abu-nowshed-chy"),
        edits=PersonEdits(canonical_name=Name("Chy Abu", "Nowshed")),
    )
    plan = data.plan(request)
    assert plan.ok, plan.problems
    (update,) = [c for c in plan.people_changes if c.kind == "update_person"]
    assert "canonical name “Abu Nowshed Chy” → “Chy Abu Nowshed”" in update.describe()
    data.apply(plan)
    entry = json.loads((data.data_dir / "json" / "people.json").read_text())["abu-nowshed-chy"]
    assert entry["names"] == [
        {"first": "Chy Abu", "last": "Nowshed"},
        {"first": "Abu Nowshed", "last": "Chy"},
    ]
    for path, old in xml_before.items():  # at most explicit ids added
        new = path.read_bytes()
        changed = [
            (a, b) for a, b in zip(old.split(b"\n"), new.split(b"\n"), strict=True) if a != b
        ]
        assert all(b.replace(b' id="abu-nowshed-chy"', b"") == a for a, b in changed)
    # The library reads the result, and its own API gives the same files.
    library = load_library(theirs)
    apply_plan_with_library(library, plan.to_json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library.save_all()
    people = data.data_dir / "json" / "people.json"
    assert people.read_bytes() == (theirs / "json" / "people.json").read_bytes()


def test_a_resplit_needs_exactly_the_printed_words(data: AnthologyData) -> None:
    for name in (
        Name("Chy", "Nowshed"),
        Name("Chy Abu", "Nowshed Jr."),
        Name("chy abu", "nowshed"),
    ):
        request = Request(
            (), (), Target("existing", id="abu-nowshed-chy"), edits=PersonEdits(canonical_name=name)
        )
        assert problem_codes(data, request) == ["name-not-printed"]


def test_a_new_person_may_take_a_printed_name_in_their_word_order(data: AnthologyData) -> None:
    plan = data.plan(verify(name=Name("Lopez", "Adam")))
    assert plan.ok, plan.problems
    (new,) = [c for c in plan.people_changes if c.kind == "new_person"]
    assert new.person is not None and new.person_id == "lopez-adam"
    assert (
        new.person.names[0] == Name("Lopez", "Adam") and Name("Adam", "Lopez") in new.person.names
    )


def test_an_orcid_given_with_a_removal_goes_to_the_person(data: AnthologyData) -> None:
    request = Request(
        "shay-b-cohen",
        ("P18-1040",),
        Target("unverified"),
        edits=PersonEdits(orcid=fresh_orcid(9), degree="University of Edinburgh"),
    )
    plan = data.plan(request)
    assert plan.ok, plan.problems
    (update,) = [c for c in plan.people_changes if c.kind == "update_person"]
    assert update.person is not None
    assert update.person.orcid == fresh_orcid(9) and update.person.disable_name_matching


def _slot(item_id: str, affiliation: str | None) -> IndexedSlot:
    return IndexedSlot(
        "x.xml", SlotRef(item_id, "author", 0), Name("Jane", "Doe"), None, None, affiliation
    )


def test_affiliation_evidence_pairs_unrelated_affiliations_of_one_year() -> None:
    slots = [
        _slot("2024.acl-long.1", "Ghent University"),
        _slot("2024.acl-long.2", "University of Ghent"),  # same words: no hint
        _slot("2024.acl-long.3", "Stanford University"),
        _slot("2019.acl-long.4", "Kyoto University"),  # another year: people move
        _slot("2024.acl-long.5", None),
    ]
    evidence = affiliation_evidence(slots)
    assert evidence == [
        "2024: 2024.acl-long.1 gives “Ghent University”, 2024.acl-long.3 gives "
        "“Stanford University”",
        "2024: 2024.acl-long.2 gives “University of Ghent”, 2024.acl-long.3 gives "
        "“Stanford University”",
    ]
    assert affiliation_evidence([_slot("P18-1040", "MIT"), _slot("P18-1041", "CMU")]) == [
        "2018: P18-1040 gives “MIT”, P18-1041 gives “CMU”"
    ]
    assert affiliation_evidence(slots[:2]) == []
