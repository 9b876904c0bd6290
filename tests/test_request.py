"""The request contract: both JSON forms, round trips, bounds on what people type."""

from __future__ import annotations

import pytest

from bot.anthology.names import Name
from bot.engine.request import (
    MAX_INSTITUTION,
    MAX_NAME_PART,
    MAX_PAPERS,
    MAX_SOURCES,
    PersonEdits,
    Request,
    RequestFormatError,
    Target,
    institution_problem,
    name_problem,
    request_from_json,
)

OLD = {
    "source": "tingfeng-hui/unverified",
    "papers": ["2025.acl-long.5", "2023.findings-emnlp.3"],
    "target": {"kind": "existing", "id": "tingfeng-hui"},
}


def test_old_form_round_trips_to_exactly_the_old_keys() -> None:
    request = request_from_json(OLD)
    assert request.sources == ("tingfeng-hui/unverified",)
    assert request.source == "tingfeng-hui/unverified"
    assert request.to_json() == OLD


def test_old_positional_constructor_still_works() -> None:
    request = Request("jane-doe/unverified", ("2024.acl-long.1",), Target("unverified"), "n")
    assert request.sources == ("jane-doe/unverified",)
    assert request.notes == "n"
    assert not request.all_papers and not request.edits and not request.merge


def test_extended_form_round_trips() -> None:
    data = {
        "sources": ["jane-doe/unverified", "j-doe/unverified"],
        "papers": "all",
        "except": ["2024.acl-long.1"],
        "target": {"kind": "existing", "id": "jane-doe"},
        "edits": {
            "orcid": "0000-0002-1825-0097",
            "degree": "University of Somewhere",
            "canonical_name": {"first": "Jane", "last": "Doe"},
            "disable_name_matching": True,
        },
        "merge": ["jane-doe-2"],
    }
    request = request_from_json(data)
    assert request.all_papers and request.papers == ()
    assert request.except_papers == ("2024.acl-long.1",)
    assert request.edits == PersonEdits(
        "0000-0002-1825-0097", "University of Somewhere", Name("Jane", "Doe"), True
    )
    assert request.merge == ("jane-doe-2",)
    assert request.to_json() == data
    assert request_from_json(request.to_json()) == request


def test_same_page_written_two_ways_is_one_source() -> None:
    request = request_from_json(
        {
            "sources": [
                "jane-doe/unverified",
                "https://aclanthology.org/people/jane-doe/unverified/",
                "jane-doe/unverified/",
                "JANE-DOE",
            ],
            "papers": "all",
            "target": {"kind": "unverified"},
        }
    )
    assert request.sources == ("jane-doe/unverified", "jane-doe")


def test_edits_only_request_needs_no_source() -> None:
    request = request_from_json(
        {"target": {"kind": "existing", "id": "jane-doe"}, "edits": {"orcid": "x"}}
    )
    assert request.sources == () and request.source == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": {"kind": "existing", "id": "a"}}, "'source' (or 'sources') is needed"),
        ({**OLD, "sources": ["a-b"]}, "not both"),
        ({**OLD, "except": ["2024.acl-long.1"]}, "'except' only goes with"),
        ({**OLD, "papers": "some"}, "'papers' must be a list"),
        ({**OLD, "papers": ["x"] * (MAX_PAPERS + 1)}, "at most"),
        ({**OLD, "source": None, "sources": ["a-b"] * (MAX_SOURCES + 1)}, "at most"),
        ({**OLD, "papers": ["2024.acl-long.1" + "x" * 400]}, "characters long"),
        ({**OLD, "edits": {"orcid": "x", "colour": "red"}}, "unknown keys: colour"),
        ({**OLD, "edits": {"disable_name_matching": "yes"}}, "true or false"),
        ({**OLD, "edits": "orcid"}, "must be an object"),
        ({**OLD, "target": {"kind": "new", "name": "Jane Doe"}}, "must be {"),
        ({**OLD, "target": {"kind": "new", "name": {"last": " "}}}, "must not be empty"),
        (
            {**OLD, "target": {"kind": "new", "name": {"last": "x" * 301}}},
            f"at most {MAX_NAME_PART}",
        ),
        (
            {**OLD, "target": {"kind": "new", "degree": "U" * (MAX_INSTITUTION + 1)}},
            f"at most {MAX_INSTITUTION}",
        ),
        ({**OLD, "target": {"kind": "new", "id": "a" * 20000}}, "characters long"),
        ({**OLD, "target": {"kind": "someone"}}, "target.kind must be"),
    ],
)
def test_wrong_shapes_and_lengths_are_refused(data: dict, message: str) -> None:
    with pytest.raises(RequestFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        request_from_json({k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize(
    "name",
    [
        Name("Jane", "Doe"),
        Name(None, "Mausam"),
        Name("Mary-Ann", "O’Neil"),
        Name("Do", "Xuan Long"),
        Name("Zoë", "Çelik"),
        Name("J. R.", "van der Berg"),
        Name("明", "李"),
    ],
)
def test_real_names_pass(name: Name) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        (Name("Jane", "Doe; rm -rf ~"), "“;”"),
        (Name("Jane", "<b>Doe</b>"), "“<”"),
        (Name("Jane", "Doe $(id)"), "“$”"),
        (Name("Jane", "Unverified"), "“unverified”"),
        (Name("Jane", "Doe2"), "“2”"),
        (Name("Jane", "x" * (MAX_NAME_PART + 1)), "at most"),
        (Name("Jane", "Doe\u202e"), "control characters"),
        (Name("Jane", "- -"), "no letters"),
        (Name("Jane ", "Doe"), "extra spaces"),
    ],
)
def test_names_that_are_not_names_are_refused(name: Name, fragment: str) -> None:
    problem = name_problem(name)
    assert problem is not None and fragment in problem


def test_institution_rules() -> None:
    assert institution_problem("Universität des Saarlandes (UdS), Saarbrücken") is None
    assert "at most" in (institution_problem("U" * (MAX_INSTITUTION + 1)) or "")
    assert "one line" in (institution_problem("MIT\nrm -rf") or "")
    assert "special" in (institution_problem("<script>MIT</script>") or "")
    assert "no letters" in (institution_problem("1234") or "")
