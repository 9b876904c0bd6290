"""Plans on the bundled sample: the moves, the side effects kept in check, the problems.

Each applied plan is checked against the acl-anthology library on the sample: it
loads the result, and exactly the requested author slots changed page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine.apply import ApplyError, apply_plan
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request, Target
from tests.library_oracle import library_resolution, load_library

ORCID = "0000-0002-7182-8185"


@pytest.fixture
def data(sample_data_dir: Path, tmp_path: Path) -> AnthologyData:
    return AnthologyData(sample_data_dir, tmp_path / "index.sqlite")


def apply_and_check(data: AnthologyData, request: Request) -> dict:
    """Apply a request; assert the library agrees that only its slots moved."""
    before = library_resolution(load_library(data.data_dir))
    plan = data.plan(request)
    assert plan.ok, plan.problems
    apply_plan(plan, data.data_dir)
    after = library_resolution(load_library(data.data_dir))
    moved = {(c.ref.item_id, c.ref.role, c.ref.position): c.to_page for c in plan.moves}
    changed = {k: after[k] for k in before if before[k] != after[k]}
    assert changed == moved
    data.reload()
    return plan.to_json()


def codes(data: AnthologyData, request: Request) -> list[str]:
    plan = data.plan(request)
    assert not plan.ok
    return [p.code for p in plan.problems]


def test_part_of_a_mixed_unverified_page_to_an_existing_person(data: AnthologyData) -> None:
    # Adding "Adam Lopez" to shay-b-cohen would pull the other four adam-lopez
    # papers along: the plan disables name matching and pins his own papers.
    plan = apply_and_check(
        data,
        Request("adam-lopez/unverified", ("N19-1006",), Target("existing", id="shay-b-cohen")),
    )
    kinds = [(c["kind"], c["person_id"]) for c in plan["people_changes"]]
    assert ("add_name", "shay-b-cohen") in kinds
    assert ("disable_name_matching", "shay-b-cohen") in kinds
    assert {c["paper"] for c in plan["pins"]} == {
        "N19-1018",
        "N19-1366",
        "N19-1397",
        "P18-1040",
        "P18-1183",
        "P18-1188",
        "W11-2208",
    }
    assert len(data.page_papers("adam-lopez/unverified")) == 4
    assert "N19-1006" in data.page_papers("shay-b-cohen")


def test_a_whole_unverified_page_to_a_new_person(data: AnthologyData) -> None:
    papers = tuple(data.page_papers("adam-lopez/unverified"))
    plan = apply_and_check(
        data, Request("adam-lopez/unverified", papers, Target("new", orcid=ORCID, degree="JHU"))
    )
    (change,) = plan["people_changes"]
    assert change["kind"] == "new_person" and change["person_id"] == "adam-lopez"
    assert change["orcid"] == ORCID and change["degree"] == "JHU"
    assert not change["disable_name_matching"]  # no other paper carries the name
    assert plan["pins"] == []
    assert data.page_papers("adam-lopez/unverified") is None
    assert sorted(data.page_papers("adam-lopez")) == sorted(papers)


def test_a_taken_slug_gets_the_institution_suffix(data: AnthologyData) -> None:
    # alice-oh is a verified person already; these papers are not on her page.
    papers = tuple(data.page_papers("alice-oh/unverified"))
    plan = apply_and_check(
        data,
        Request(
            "alice-oh/unverified", papers, Target("new", orcid=ORCID, degree="Nanjing University")
        ),
    )
    assert plan["target_page"] == "alice-oh-nanjing"
    assert sorted(data.page_papers("alice-oh-nanjing")) == sorted(papers)


def test_a_taken_slug_without_a_usable_institution_gets_the_orcid_suffix(
    data: AnthologyData,
) -> None:
    papers = tuple(data.page_papers("alice-oh/unverified"))
    plan = apply_and_check(
        data,
        Request("alice-oh/unverified", papers, Target("new", orcid=ORCID, degree="The University")),
    )
    assert plan["target_page"] == "alice-oh-8185"


def test_a_name_matched_paper_off_a_verified_page(data: AnthologyData) -> None:
    plan = apply_and_check(data, Request("shay-b-cohen", ("P18-1040",), Target("unverified")))
    (move,) = plan["moves"]
    assert move["old_id"] is None and move["new_id"] is None
    assert move["to_page"] == "shay-b-cohen/unverified"
    assert {"kind": "disable_name_matching", "person_id": "shay-b-cohen"}.items() <= (
        plan["people_changes"][0].items()
    )
    assert len(plan["pins"]) == 6


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            Request("adam-lopez/unverified", ("2099.nope-1.1",), Target("unverified")),
            "paper-unknown",
        ),
        (Request("adam-lopez/unverified", ("not a paper",), Target("unverified")), "paper-invalid"),
        (Request("adam-lopez/unverified", (), Target("existing", id="shay-b-cohen")), "no-papers"),
        (
            Request("adam-lopez/unverified", ("P18-1040",), Target("existing", id="shay-b-cohen")),
            "paper-not-on-source",
        ),
        (
            Request("adam-lopez/unverified", ("N19-1006",), Target("existing", id="nobody-x")),
            "target-unknown",
        ),
        (
            Request("shay-b-cohen", ("P18-1040",), Target("existing", id="shay-b-cohen")),
            "target-same",
        ),
        (
            Request("adam-lopez/unverified", ("N19-1006",), Target("unverified")),
            "target-same",
        ),
        (
            Request("adam-lopez/unverified", ("N19-1006",), Target("new", orcid=None)),
            "orcid-missing",
        ),
        (
            Request(
                "adam-lopez/unverified", ("N19-1006",), Target("new", orcid="0000-0002-1825-0098")
            ),
            "orcid-invalid",
        ),
        (
            Request(
                "adam-lopez/unverified", ("N19-1006",), Target("new", orcid="0000-0001-6044-842X")
            ),
            "orcid-taken",
        ),
        (
            Request(
                "adam-lopez/unverified",
                ("N19-1006",),
                Target("existing", id="adam-lopez/unverified"),
            ),
            "target-unverified",
        ),
        (Request("no-such-person", ("N19-1006",), Target("unverified")), "source-unknown"),
        (Request("../../etc/passwd", ("N19-1006",), Target("unverified")), "source-invalid"),
        (
            Request(
                "adam-lopez/unverified",
                tuple(f"P18-1{i:03d}" for i in range(1, 202)),
                Target("existing", id="shay-b-cohen"),
            ),
            "too-many-papers",
        ),
    ],
)
def test_problems_are_reported_and_nothing_changes(
    data: AnthologyData, request_: Request, expected: str
) -> None:
    before = {p: p.read_bytes() for p in data.data_dir.rglob("*") if p.is_file()}
    assert expected in codes(data, request_)
    plan = data.plan(request_)
    with pytest.raises(ApplyError):
        apply_plan(plan, data.data_dir)
    assert before == {p: p.read_bytes() for p in data.data_dir.rglob("*") if p.is_file()}


def test_two_authors_of_one_paper_cannot_become_one_person(data: AnthologyData) -> None:
    # P18-1040 is by Jiangming Liu, Shay B. Cohen (shay-b-cohen) and Mirella Lapata.
    request = Request(
        "mirella-lapata/unverified", ("P18-1040",), Target("existing", id="shay-b-cohen")
    )
    assert "two-slots-same-person" in codes(data, request)


def test_problem_messages_name_what_is_wrong(data: AnthologyData) -> None:
    plan = data.plan(
        Request("adam-lopez/unverified", ("P18-1040",), Target("existing", id="shay-b-cohen"))
    )
    (problem,) = plan.problems
    assert problem.field == "P18-1040"
    assert "not on the page adam-lopez/unverified" in problem.message
    assert "Shay B. Cohen (shay-b-cohen)" in problem.message


def test_a_stale_plan_is_refused(data: AnthologyData) -> None:
    plan = data.plan(
        Request("alice-oh/unverified", ("N19-1148",), Target("new", orcid=ORCID, degree="JHU"))
    )
    path = data.data_dir / "xml" / "N19.xml"
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(ApplyError, match="changed since the plan was made"):
        apply_plan(plan, data.data_dir)


def test_a_plan_on_a_file_changed_to_the_same_size_is_refused(data: AnthologyData) -> None:
    # Another stat than the index recorded: the content is hashed, and it differs.
    plan = data.plan(
        Request("alice-oh/unverified", ("N19-1148",), Target("new", orcid=ORCID, degree="JHU"))
    )
    path = data.data_dir / "xml" / "N19.xml"
    text = path.read_bytes()
    path.write_bytes(text.replace(b"<title>", b"<TITLE>", 1).replace(b"</title>", b"</TITLE>", 1))
    with pytest.raises(ApplyError, match="xml/N19.xml changed since the plan was made"):
        data.apply(plan)


def test_a_plan_on_a_changed_people_json_is_refused(data: AnthologyData) -> None:
    plan = data.plan(
        Request("alice-oh/unverified", ("N19-1148",), Target("new", orcid=ORCID, degree="JHU"))
    )
    people = data.data_dir / "json" / "people.json"
    before = {p: p.read_bytes() for p in (data.data_dir / "xml").glob("*.xml")}
    people.write_bytes(people.read_bytes().replace(b'"last": "', b'"last": "X', 1))
    for apply in (data.apply, lambda plan: apply_plan(plan, data.data_dir)):
        with pytest.raises(ApplyError, match="json/people.json changed since the plan was made"):
            apply(plan)
    assert {p: p.read_bytes() for p in (data.data_dir / "xml").glob("*.xml")} == before


def test_apply_reuses_the_planners_people_and_leaves_it_as_read(
    data: AnthologyData, tmp_path: Path
) -> None:
    """One read of people.json for plan and apply; the same bytes as reading it again."""
    request = Request(
        "alice-oh/unverified", ("N19-1148",), Target("new", orcid=ORCID, degree="JHU")
    )
    other = AnthologyData(
        Path(shutil.copytree(data.data_dir, tmp_path / "other")), tmp_path / "other.sqlite"
    )
    plan = data.plan(request)
    registry_before = data.people.dumps()
    data.apply(plan)
    assert data.people.dumps() == registry_before  # the planner's registry is not changed
    apply_plan(other.plan(request), other.data_dir)  # people.json read from disk
    for path in sorted(data.data_dir.rglob("*.json")):
        assert path.read_bytes() == (other.data_dir / path.relative_to(data.data_dir)).read_bytes()


def test_frontmatter_moves_the_volume_editor(data: AnthologyData) -> None:
    # 2022.seretod-1.0 is the front matter; its authors are the volume's editors.
    plan = apply_and_check(
        data,
        Request(
            "zhijian-ou/unverified", ("2022.seretod-1.0",), Target("new", orcid=ORCID, degree="JHU")
        ),
    )
    (move,) = plan["moves"]
    assert (move["paper"], move["role"]) == ("2022.seretod-1", "editor")
    assert "2022.seretod-1" in data.page_papers("zhijian-ou")
