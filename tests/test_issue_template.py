"""The issue forms in issue_templates/ are forms GitHub accepts, and keep their contract.

The JSON schema (SchemaStore's, in ../shared/schemas/) misses some rules GitHub
enforces, so those are checked here too: ids unique and made of
``[A-Za-z0-9_-]``, labels unique within a form, dropdown options unique,
non-empty body. The field ids of the assignment form are a contract with the
website dialog that pre-fills it by link.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.fulldata import shared_dir

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((REPO / "issue_templates").glob("*.yml"))
SCHEMA = shared_dir() / "schemas" / "github-issue-forms.json"
ASSIGNMENT = REPO / "issue_templates" / "fix-paper-assignment.yml"

CONTRACT_IDS = [
    "author_page",
    "papers",
    "assign_to",
    "target_page",
    "name",
    "orcid",
    "institution",
    "notes",
    "confirm",
]
TOP_LEVEL_KEYS = {"name", "description", "title", "labels", "assignees", "projects", "type", "body"}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _fields(form: dict) -> list[dict]:
    return [e for e in form["body"] if e["type"] != "markdown"]


def test_there_are_templates() -> None:
    assert ASSIGNMENT in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_matches_github_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} is not there")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(_load(path), schema)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_rules_the_schema_misses(path: Path) -> None:
    form = _load(path)
    assert set(form) <= TOP_LEVEL_KEYS
    assert form["name"].strip() and form["description"].strip()
    assert form["body"], "the body must not be empty"
    assert _fields(form), "a form needs at least one field besides markdown"
    ids = [e["id"] for e in form["body"] if "id" in e]
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    labels = [e["attributes"]["label"] for e in _fields(form)]
    assert len(labels) == len(set(labels)), "labels must be unique within a form"
    assert all(label.strip() for label in labels)
    for element in form["body"]:
        attributes = element["attributes"]
        if element["type"] == "markdown":
            assert attributes["value"].strip()
        if element["type"] in ("dropdown", "checkboxes"):
            options = attributes["options"]
            texts = [o["label"] if isinstance(o, dict) else o for o in options]
            assert texts and len(texts) == len(set(texts)), "options must be unique"
        if "validations" in element:
            assert isinstance(element["validations"].get("required", False), bool)
    if "labels" in form:
        assert len(form["labels"]) == len(set(form["labels"]))


def test_assignment_contract_ids() -> None:
    form = _load(ASSIGNMENT)
    assert [e["id"] for e in _fields(form)] == CONTRACT_IDS


def test_assignment_fields() -> None:
    form = _load(ASSIGNMENT)
    assert form["title"].startswith("Paper assignment: ")
    # Not meta:move: that label is the staff gate for old-form issues, which a filer's
    # template must not set (issue 13, item 6).
    assert form["labels"] == ["correction", "author-page"]
    by_id = {e["id"]: e for e in _fields(form)}
    types = {i: e["type"] for i, e in by_id.items()}
    assert types == {
        "author_page": "input",
        "papers": "textarea",
        "assign_to": "dropdown",
        "target_page": "input",
        "name": "input",
        "orcid": "input",
        "institution": "input",
        "notes": "textarea",
        "confirm": "checkboxes",
    }
    required = {i for i, e in by_id.items() if e.get("validations", {}).get("required")}
    # The dialog's link cannot fill the dropdown (GitHub documents pre-filling for
    # inputs and textareas only), so the form must be submittable without it.
    assert required == {"author_page", "papers"}
    assert all(o.get("required") for o in by_id["confirm"]["attributes"]["options"])
    assert by_id["assign_to"]["attributes"]["options"] == [
        "An existing author page",
        "A new author page for this person",
        "No author page (unverified)",
    ]


def test_assignment_says_what_happens_next() -> None:
    intro = " ".join(
        e["attributes"]["value"] for e in _load(ASSIGNMENT)["body"] if e["type"] == "markdown"
    )
    assert "bot" in intro and "pull request" in intro and "staff" in intro
