"""The issue-form parser: GitHub's rendering quirks, and every way people write
papers, ORCID iDs and author pages.

Bodies are rendered here the way GitHub renders an issue form (``### <label>``,
blank line, answer), from the template's own labels. ``FakeLookup`` is a small
dict-backed stand-in for the name index; other test modules import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from bot.anthology.lookup import TitleMatch
from bot.anthology.names import Name
from bot.config import IssueScope
from bot.engine.request import Target
from bot.forms import (
    ASSIGNMENT_LABEL_ALIASES,
    LEGACY_LABELS,
    PROBLEM_CODES,
    ParseResult,
    clean_answer,
    detect_form,
    find_paper_refs_in_prose,
    is_bot_issue,
    known_fields,
    load_form_spec,
    page_from_title,
    parse_author_page,
    parse_issue,
    parse_issue_file,
    parse_paper_list,
    parse_person_name,
    read_issue_text,
    split_sections,
)

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "issue_templates" / "fix-paper-assignment.yml"

EXISTING = "An existing author page"
NEW = "A new author page for this person"
NOBODY = "No author page (unverified)"
CONFIRM = "The names shown for these papers on the website match the names in the PDFs."


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@dataclass
class FakeLookup:
    """A DataLookup over a few dicts: paper titles, pages, verified persons' ORCID iDs."""

    titles: dict[str, str] = field(default_factory=dict)
    pages: dict[str, list[str]] = field(default_factory=dict)
    orcids: dict[str, str | None] = field(default_factory=dict)
    bibkeys: dict[str, str] = field(default_factory=dict)

    def paper_title(self, paper_id: str) -> str | None:
        return self.titles.get(paper_id)

    def paper_by_bibkey(self, bibkey: str) -> str | None:
        return self.bibkeys.get(bibkey)

    def find_title(self, text: str, among: list[str] | None = None) -> list[TitleMatch]:
        wanted = _norm(text)
        out = []
        for pid in among if among is not None else list(self.titles):
            title = self.titles.get(pid)
            if title is None:
                continue
            if _norm(title) == wanted:
                out.append(TitleMatch(pid, title, 1.0))
            else:
                ratio = SequenceMatcher(None, _norm(title), wanted).ratio()
                if ratio >= 0.75:
                    out.append(TitleMatch(pid, title, round(ratio * 0.99, 3)))
        return sorted(out, key=lambda m: -m.score)

    def page_papers(self, page: str) -> list[str] | None:
        if page in self.pages:
            return list(self.pages[page])
        return [] if page in self.orcids else None

    def person_by_orcid(self, orcid: str) -> str | None:
        return next((p for p, o in self.orcids.items() if o == orcid), None)

    def person_exists(self, person_id: str) -> bool:
        return person_id in self.orcids


def render(values: dict[str, str], template: Path = TEMPLATE, newline: str = "\n") -> str:
    """An issue body as GitHub renders the form: every field, in template order."""
    spec = load_form_spec(template)
    parts = []
    for f in spec.fields:
        value = values.get(f.id)
        if f.type == "checkboxes":
            ticked = values.get(f.id, "x")
            value = "\n".join(f"- [{ticked}] {o}" for o in f.options)
        elif f.type == "dropdown":
            value = value or "None"
        else:
            value = value or "_No response_"
        parts.append(f"### {f.label}\n\n{value}")
    return ("\n\n".join(parts) + "\n").replace("\n", newline)


def parse(values: dict[str, str], lookup: FakeLookup | None = None, **kw: str) -> ParseResult:
    return parse_issue(kw.get("title", "Paper assignment: x"), render(values), lookup)


def base(**changes: str) -> dict[str, str]:
    values = {
        "author_page": "https://aclanthology.org/people/jane-doe/unverified/",
        "papers": "2024.acl-long.4",
        "assign_to": EXISTING,
        "target_page": "https://aclanthology.org/people/jane-doe-1234/",
    }
    values.update(changes)
    return values


WORLD = FakeLookup(
    titles={
        "2024.acl-long.4": "Half Fine-Tuning for Large Language Models",
        "2024.acl-long.5": "Upcycling Instruction Tuning from Dense to Mixture-of-Experts",
        "2023.findings-emnlp.984": "DemoNSF: A Multi-task Demonstration-based Framework",
        "P18-1217": "A Study of Old Things",
        "W11-1101": "Workshop Paper on Things",
        "2022.acl-long.1": "Half Fine-Tuning for Large Language Models",  # same title
        "2021.naacl-main.7": "Paper of Someone Else",
    },
    pages={
        "jane-doe/unverified": [
            "2024.acl-long.4",
            "2024.acl-long.5",
            "2023.findings-emnlp.984",
            "P18-1217",
            "W11-1101",
        ],
        "jane-doe-1234": ["2021.naacl-main.7"],
        "john-roe": ["2022.acl-long.1"],
    },
    orcids={"jane-doe-1234": "0000-0002-7182-8185", "john-roe": None},
    bibkeys={"doe-etal-2024-half": "2024.acl-long.4"},
)


# --------------------------------------------------------------------------- #
# A complete request
# --------------------------------------------------------------------------- #


def test_complete_request_to_existing_page() -> None:
    result = parse(base(papers="2024.acl-long.4\n2023.findings-emnlp.984"))
    assert result.form == "assignment"
    assert result.problems == []
    assert result.request is not None
    assert result.request.to_json() == {
        "source": "jane-doe/unverified",
        "papers": ["2024.acl-long.4", "2023.findings-emnlp.984"],
        "target": {"kind": "existing", "id": "jane-doe-1234"},
    }


def test_complete_request_to_new_page() -> None:
    values = base(
        assign_to=NEW,
        target_page="",
        name="Doe, Jane",
        orcid="https://orcid.org/0000-0002-7182-8185",
        institution="University of Edinburgh",
        notes="Thanks!",
    )
    result = parse(values)
    assert result.request is not None, result.problems
    assert result.request.target == Target(
        kind="new",
        orcid="0000-0002-7182-8185",
        degree="University of Edinburgh",
        name=Name("Jane", "Doe"),
    )
    assert result.request.notes == "Thanks!"


def test_complete_request_to_nobody() -> None:
    result = parse(base(author_page="jane-doe-1234", assign_to=NOBODY, target_page=""))
    assert result.request is not None
    assert result.request.target == Target(kind="unverified")


def test_to_json_shape() -> None:
    data = parse(base(papers="")).to_json()
    assert data["request"] is None and data["form"] == "assignment"
    assert data["problems"] == [
        {"field": "papers", "message": data["problems"][0]["message"], "code": "missing_papers"}
    ]


# --------------------------------------------------------------------------- #
# Rendering quirks
# --------------------------------------------------------------------------- #


def test_crlf_body() -> None:
    body = render(base(papers="2024.acl-long.4\n2024.acl-long.5"), newline="\r\n")
    result = parse_issue("Paper assignment: x", body)
    assert result.request is not None
    assert result.request.papers == ("2024.acl-long.4", "2024.acl-long.5")


def test_lone_cr_body() -> None:
    body = render(base(), newline="\r")
    assert parse_issue("t", body).request is not None


def test_no_response_and_none_are_empty() -> None:
    result = parse(base(assign_to="", target_page=""))
    assert "missing_choice" in result.codes()
    assert clean_answer("_No response_") == "" and clean_answer("None") == ""
    assert clean_answer("  N/A  ") == "" and clean_answer("-Add ORCID here-") == ""


def test_checkbox_x_and_capital_x() -> None:
    assert parse(base(confirm="x")).request is not None
    assert parse(base(confirm="X")).request is not None
    unticked = parse(base(confirm=" "))
    assert unticked.request is None and unticked.codes() == ["not_confirmed"]
    assert unticked.problems[0].field == "confirm"


def test_confirm_section_deleted_when_editing() -> None:
    body = render(base()).split("### Confirmation")[0]
    assert parse_issue("t", body).codes() == ["not_confirmed"]


def test_heading_typed_inside_an_answer_belongs_to_it() -> None:
    papers = "### My papers\n2024.acl-long.4\n### From 2023\n2023.findings-emnlp.984"
    result = parse(base(papers=papers))
    assert result.request is not None
    assert result.request.papers == ("2024.acl-long.4", "2023.findings-emnlp.984")


def test_heading_repeating_a_label_inside_an_answer_is_text() -> None:
    spec = load_form_spec(TEMPLATE)
    label = spec.field("papers").label
    notes = f"Copied from the form:\n### {label}\n2024.acl-long.5"
    result = parse(base(notes=notes))
    assert result.request.papers == ("2024.acl-long.4",)
    assert label in result.request.notes


def test_fenced_values() -> None:
    result = parse(base(papers="```\n2024.acl-long.4\n2024.acl-long.5\n```"))
    assert result.request.papers == ("2024.acl-long.4", "2024.acl-long.5")
    fenced_heading = parse(base(notes="```text\n### Papers to reassign\n2021.naacl-main.7\n```"))
    assert fenced_heading.request.papers == ("2024.acl-long.4",)


def test_unclosed_fence_does_not_swallow_the_form() -> None:
    result = parse(base(author_page="```jane-doe/unverified"))
    assert result.request is not None
    assert result.request.source == "jane-doe/unverified"


def test_trailing_spaces_and_tabs() -> None:
    values = base(author_page="jane-doe/unverified   ", papers="2024.acl-long.4 \t\n\n  ")
    body = render(values).replace("\n", "  \n")
    result = parse_issue("t", body)
    assert result.request is not None
    assert result.request.papers == ("2024.acl-long.4",)


def test_body_edited_after_filing() -> None:
    """Text before the form, sections reordered, an optional section removed."""
    body = render(base())
    sections = body.split("### ")
    reordered = "Edit: fixed the list.\n\n### " + "### ".join(reversed(sections[1:]))
    result = parse_issue("t", reordered)
    assert result.request is not None
    assert result.fields["body"].strip() == "Edit: fixed the list."


def test_html_comments_are_not_answers() -> None:
    result = parse(base(papers="<!-- one per line -->\n2024.acl-long.4"))
    assert result.request.papers == ("2024.acl-long.4",)


def test_label_aliases_from_earlier_versions() -> None:
    body = (
        "### Author page\n\njane-doe/unverified\n\n"
        "### Papers\n\n2024.acl-long.4\n\n"
        "### Assign to\n\nAn existing author page\n\n"
        "### Target author page\n\njane-doe-1234\n\n"
        "### Confirm\n\n- [x] ok\n"
    )
    result = parse_issue("Paper assignment: jane-doe/unverified", body)
    assert result.form == "assignment"
    assert result.request is not None, result.problems
    assert result.request.target.id == "jane-doe-1234"


def test_alias_and_legacy_tables_point_to_known_fields() -> None:
    fields = known_fields()
    assert set(ASSIGNMENT_LABEL_ALIASES.values()) <= fields
    assert set(LEGACY_LABELS.values()) <= fields


def test_parser_is_driven_by_the_template(tmp_path: Path) -> None:
    renamed = tmp_path / "form.yml"
    renamed.write_text(
        TEMPLATE.read_text(encoding="utf-8").replace(
            "label: Papers to reassign", "label: Which papers?"
        ),
        encoding="utf-8",
    )
    body = render(base(papers="2024.acl-long.5"), template=renamed)
    assert "### Which papers?" in body
    result = parse_issue("t", body, template_path=renamed)
    assert result.request.papers == ("2024.acl-long.5",)


def test_split_sections_keeps_preamble() -> None:
    sections = split_sections("hello\n### Papers\n\nx", {"papers": "papers"})
    assert sections == {"body": "hello", "papers": "\nx"}


def test_title_gives_the_page_when_the_field_is_empty() -> None:
    result = parse_issue("Paper assignment: jane-doe/unverified", render(base(author_page="")))
    assert result.request.source == "jane-doe/unverified"
    assert any("title" in n for n in result.request.extra["resolved"])


def test_form_detection() -> None:
    assert detect_form("x", render(base())) == "assignment"
    assert detect_form("x", "### Author Pages\n\nx\n\n### Supporting Information\n\ny") == "legacy"
    assert detect_form("x", "Please fix my page.") == "unknown"
    unknown = parse_issue("Help", "Please fix my page.")
    assert unknown.form == "unknown" and unknown.codes() == ["unknown_form"]


def test_dropdown_option_matched_by_words() -> None:
    assert parse(base(assign_to="existing")).request is not None
    bad = parse(base(assign_to="my cat"))
    assert bad.codes() == ["invalid_choice"]


def test_choice_inferred_when_dropdown_left_empty() -> None:
    assert parse(base(assign_to="")).request.target.kind == "existing"
    inferred = parse(base(assign_to="", target_page="", orcid="0000-0002-7182-8185"))
    assert inferred.request.target.kind == "new"


def test_untouched_dropdown_with_no_page_in_the_target_field() -> None:
    # What the dialog's link produces for "No author page": the dropdown untouched
    # (GitHub renders an untouched optional dropdown as "None" or "_No response_").
    for untouched in ("", "None", "_No response_"):
        result = parse(base(author_page="jane-doe-1234", assign_to=untouched, target_page=NOBODY))
        assert result.codes() == [], untouched
        assert result.request.target == Target(kind="unverified")
    # A page link with "unverified" in it is a page, not the choice.
    link = parse(
        base(assign_to="", target_page="https://aclanthology.org/people/jane-doe/unverified/")
    )
    assert link.codes() == ["invalid_target"]


# --------------------------------------------------------------------------- #
# Paper references
# --------------------------------------------------------------------------- #

PAPER_FORMS = [
    ("2024.acl-long.4", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4.pdf", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4.bib", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4v2.pdf", "2024.acl-long.4"),
    ("http://www.aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("https://aclanthology.org/2025.emnlp-main.679/#", "2025.emnlp-main.679"),
    ("https://preview.aclanthology.org/some-branch/2024.acl-long.4/", "2024.acl-long.4"),
    ("P18-1217", "P18-1217"),
    ("https://aclanthology.org/W18-5512/", "W18-5512"),
    ("`2024.acl-long.4`", "2024.acl-long.4"),
    ("- 2024.acl-long.4", "2024.acl-long.4"),
    ("* https://aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("• 2024.acl-long.4", "2024.acl-long.4"),
    ("1. 2024.acl-long.4", "2024.acl-long.4"),
    ("(2) 2024.acl-long.4", "2024.acl-long.4"),
    ("- [x] 2024.acl-long.4", "2024.acl-long.4"),
    ("[Half Fine-Tuning](https://aclanthology.org/2024.acl-long.4/)", "2024.acl-long.4"),
    ("[**Half** Fine-Tuning](https://aclanthology.org/2024.acl-long.4.pdf)", "2024.acl-long.4"),
    ("<https://aclanthology.org/2024.acl-long.4/>", "2024.acl-long.4"),
    ("2023.ccl-1.48 -- this one is mine", "2023.ccl-1.48"),
    ("https://aclanthology.org/2022.cai-1.0/", "2022.cai-1.0"),
]


@pytest.mark.parametrize(("text", "expected"), PAPER_FORMS)
def test_paper_reference_forms(text: str, expected: str) -> None:
    refs = parse_paper_list(text)
    assert [(r.kind, r.value) for r in refs] == [("paper", expected)]


def test_several_papers_on_one_line() -> None:
    refs = parse_paper_list("2024.acl-long.4, 2024.acl-long.5; P18-1217 W11-1101")
    assert [r.value for r in refs] == ["2024.acl-long.4", "2024.acl-long.5", "P18-1217", "W11-1101"]


def test_link_split_over_two_lines() -> None:
    refs = parse_paper_list("[my paper](\nhttps://aclanthology.org/2024.acl-long.4/)")
    assert [r.value for r in refs] == ["2024.acl-long.4"]


def test_intro_lines_and_years_are_skipped() -> None:
    refs = parse_paper_list("My papers:\n\n2024\n2024.acl-long.4\n2023:\n")
    assert [r.value for r in refs] == ["2024.acl-long.4"]


@pytest.mark.parametrize(
    "text",
    [
        "https://aclanthology.org/people/jane-doe/",
        "https://scholar.google.com/citations?user=abc",
        "https://aclanthology.org/2024.acl-long/",
        "P18-12",
        "2024.acl-long.04",
        "??",
    ],
)
def test_lines_that_are_not_papers(text: str) -> None:
    result = parse(base(papers=f"2024.acl-long.4\n{text}"))
    assert result.request is None
    assert result.codes() == ["invalid_paper"]
    assert result.problems[0].field == "papers" and result.problems[0].message


def test_duplicates_are_dropped() -> None:
    text = "2024.acl-long.4\nhttps://aclanthology.org/2024.acl-long.4.pdf"
    assert parse(base(papers=text)).request.papers == ("2024.acl-long.4",)


def test_bibkey_needs_the_data() -> None:
    without = parse(base(papers="doe-etal-2024-half"))
    assert without.codes() == ["needs_data"]
    with_data = parse(base(papers="doe-etal-2024-half"), WORLD)
    assert with_data.request.papers == ("2024.acl-long.4",)
    unknown = parse(base(papers="nobody-2024-nothing"), WORLD)
    assert unknown.codes() == ["unknown_bibkey"]


def test_titles_are_matched_among_the_page_first() -> None:
    # The same title is on john-roe's page too; the source page's paper wins.
    result = parse(base(papers="Half Fine-Tuning for Large Language Models"), WORLD)
    assert result.request.papers == ("2024.acl-long.4",)


def test_near_exact_title_is_accepted_with_a_note() -> None:
    result = parse(
        base(papers='"Upcycling Instruction Tuning from Dense to Mixture of Expert"'), WORLD
    )
    assert result.request.papers == ("2024.acl-long.5",)
    assert any("was read as" in n for n in result.request.extra["resolved"])


def test_title_with_venue_note_and_quotes() -> None:
    text = "1. “DemoNSF: A Multi-task Demonstration-based Framework.” (EMNLP 2023)"
    assert parse(base(papers=text), WORLD).request.papers == ("2023.findings-emnlp.984",)


def test_loose_title_is_a_question() -> None:
    result = parse(base(papers="Upcycling Tuning Dense Experts"), WORLD)
    assert result.codes() in (["ambiguous_title"], ["unknown_title"])
    assert "link" in result.problems[0].message


def test_unknown_title() -> None:
    result = parse(base(papers="A Paper Nobody Ever Wrote About Anything"), WORLD)
    assert result.codes() == ["unknown_title"]


def test_titles_without_data() -> None:
    result = parse(base(papers="Half Fine-Tuning for Large Language Models"))
    assert result.codes() == ["needs_data"]


def test_all_my_papers() -> None:
    result = parse(base(papers="All my papers"), WORLD)
    assert result.request.papers == tuple(WORLD.pages["jane-doe/unverified"])
    assert parse(base(papers="all papers")).codes() == ["needs_data"]


def test_unknown_paper_and_paper_not_on_page() -> None:
    result = parse(base(papers="2019.fake-1.1\n2021.naacl-main.7\n2024.acl-long.4"), WORLD)
    assert result.codes() == ["unknown_paper"]
    result = parse(base(papers="2022.acl-long.1\n2024.acl-long.4"), WORLD)
    assert result.codes() == ["not_on_page"]
    assert "2022.acl-long.1" in result.problems[0].message


def test_paper_already_on_target_is_dropped() -> None:
    result = parse(base(papers="2021.naacl-main.7\n2024.acl-long.4"), WORLD)
    assert result.request.papers == ("2024.acl-long.4",)


def test_prose_polarity() -> None:
    text = (
        "[Other paper](https://aclanthology.org/2024.acl-long.40/) was not written by me.\n"
        "My page should only contain the papers:\n"
        "[A](https://aclanthology.org/2024.findings-acl.722/)\n"
        "Please keep the following papers:\n- https://aclanthology.org/2025.acl-long.420/\n"
        "Please remove this paper: https://aclanthology.org/2025.acl-long.421/"
    )
    refs = {r.value: r.polarity for r in find_paper_refs_in_prose(text)}
    assert refs == {
        "2024.acl-long.40": -1,
        "2024.findings-acl.722": 1,
        "2025.acl-long.420": 2,
        "2025.acl-long.421": -1,
    }


# --------------------------------------------------------------------------- #
# ORCID iDs
# --------------------------------------------------------------------------- #

ORCID_FORMS = [
    "0000-0002-7182-8185",
    "https://orcid.org/0000-0002-7182-8185",
    "http://orcid.org/0000-0002-7182-8185/",
    "orcid.org/0000-0002-7182-8185",
    "https://www.orcid.org/0000-0002-7182-8185",
    "https://orcid.org/my-orcid?orcid=0000-0002-7182-8185",
    "ORCID: 0000-0002-7182-8185",
    "orcid: 0000-0002-7182-8185",
    "`0000-0002-7182-8185`",
    "0000 0002 7182 8185",
    "My ORCID is 0000-0002-7182-8185.",
]


@pytest.mark.parametrize("text", ORCID_FORMS)
def test_orcid_forms(text: str) -> None:
    result = parse(base(assign_to=NEW, target_page="", orcid=text))
    assert result.request is not None, result.problems
    assert result.request.target.orcid == "0000-0002-7182-8185"


def test_orcid_lowercase_x() -> None:
    result = parse(
        base(assign_to=NEW, target_page="", orcid="https://orcid.org/0009-0009-2087-602x")
    )
    assert result.request.target.orcid == "0009-0009-2087-602X"


@pytest.mark.parametrize("text", ["0000-0002-1825-0098", "1234", "https://orcid.org/", "my-orcid"])
def test_bad_orcid(text: str) -> None:
    result = parse(base(assign_to=NEW, target_page="", orcid=text))
    assert result.codes() == ["invalid_orcid"]
    assert result.problems[0].field == "orcid"


def test_new_page_needs_an_orcid() -> None:
    result = parse(base(assign_to=NEW, target_page="", orcid=""))
    assert result.codes() == ["missing_orcid"]


def test_registered_orcid_goes_to_the_existing_page() -> None:
    result = parse(base(assign_to=NEW, target_page="", orcid="0000-0002-7182-8185"), WORLD)
    assert result.problems == []
    assert result.request.target == Target(kind="existing", id="jane-doe-1234")
    assert any("already has the verified page" in n for n in result.request.extra["resolved"])


def test_orcid_of_a_person_of_another_name_is_a_question() -> None:
    """A new page for jane-doe's papers with john-roe's ORCID iD: say whose, never move."""
    world = FakeLookup(
        titles=WORLD.titles,
        pages=WORLD.pages,
        orcids={**WORLD.orcids, "john-roe": "0000-0001-5109-3700"},
    )
    result = parse(base(assign_to=NEW, target_page="", orcid="0000-0001-5109-3700"), world)
    assert result.request is None
    assert result.codes() == ["conflicting_orcid"]
    assert "https://aclanthology.org/people/john-roe/" in result.problems[0].message


def test_existing_choice_with_orcid_only() -> None:
    result = parse(base(target_page="", orcid="0000-0002-7182-8185"), WORLD)
    assert result.request.target == Target(kind="existing", id="jane-doe-1234")


# --------------------------------------------------------------------------- #
# Author pages and targets
# --------------------------------------------------------------------------- #

PAGE_FORMS = [
    ("https://aclanthology.org/people/jane-doe/", "jane-doe"),
    ("https://aclanthology.org/people/jane-doe", "jane-doe"),
    ("http://aclanthology.org/people/jane-doe/", "jane-doe"),
    ("https://aclanthology.org/people/j/jane-doe/", "jane-doe"),
    ("https://aclanthology.org/people/jane-doe/unverified/", "jane-doe/unverified"),
    ("https://aclanthology.org/people/jane-doe/unverified", "jane-doe/unverified"),
    ("https://preview.aclanthology.org/my-branch/people/jane-doe/", "jane-doe"),
    ("[Jane Doe](https://aclanthology.org/people/jane-doe/)", "jane-doe"),
    ("<https://aclanthology.org/people/jane-doe-1234/>", "jane-doe-1234"),
    ("jane-doe", "jane-doe"),
    ("jane-doe/unverified", "jane-doe/unverified"),
    ("jane-doe/unverified/", "jane-doe/unverified"),
    ("_jane-doe_", "jane-doe"),
    ("`jane-doe-602x`", "jane-doe-602x"),
    (" https://aclanthology.org/people/jane-doe/ ", "jane-doe"),
    ("https://aclanthology.org/people/jane-doe/#papers", "jane-doe"),
    ("x/unverified", "x/unverified"),
    ("https://aclanthology.org/people/x/unverified/", "x/unverified"),
    ("https://aclanthology.org/people/x/x/", "x/unverified"),
]


@pytest.mark.parametrize(("text", "expected"), PAGE_FORMS)
def test_author_page_forms(text: str, expected: str) -> None:
    assert parse_author_page(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("https://aclanthology.org/search/?q=jane+doe", "invalid_page"),
        ("https://aclanthology.org/2024.acl-long.4/", "invalid_page"),
        ("Jane Doe", "invalid_page"),
        (
            "https://aclanthology.org/people/jane-doe/ https://aclanthology.org/people/jd/",
            "invalid_page",
        ),
    ],
)
def test_not_an_author_page(text: str, code: str) -> None:
    result = parse(base(author_page=text))
    assert result.codes() == [code]
    assert result.problems[0].field == "author_page"


def test_old_url_of_a_page_that_is_now_unverified() -> None:
    result = parse(base(author_page="https://aclanthology.org/people/j/jane-doe/"), WORLD)
    assert result.request.source == "jane-doe/unverified"
    assert result.request.extra["resolved"]


def test_unknown_pages() -> None:
    assert parse(base(author_page="nobody-here"), WORLD).codes() == ["unknown_page"]
    result = parse(base(target_page="nobody-here"), WORLD)
    assert result.codes() == ["unknown_page"] and result.problems[0].field == "target_page"


def test_target_problems() -> None:
    assert parse(base(target_page="")).codes() == ["missing_target"]
    assert parse(base(target_page="jane-doe/unverified")).codes() == ["invalid_target"]
    assert parse(base(author_page="jane-doe-1234", target_page="jane-doe-1234")).codes() == [
        "same_page"
    ]
    assert parse(base(assign_to=NOBODY, target_page="")).codes() == ["same_page"]


def test_everything_missing_gives_one_question_per_field() -> None:
    result = parse({"confirm": " "})
    assert set(result.codes()) == {
        "missing_page",
        "missing_choice",
        "missing_papers",
        "not_confirmed",
    }
    fields = known_fields()
    assert all(p.field in fields and p.code in PROBLEM_CODES and p.message for p in result.problems)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jane Doe", Name("Jane", "Doe")),
        ("Doe, Jane", Name("Jane", "Doe")),
        ("Mausam", Name(None, "Mausam")),
        ("van Doe, Jane Q.", Name("Jane Q.", "van Doe")),
        ("  **Jane   Doe** ", Name("Jane", "Doe")),
        ("", None),
    ],
)
def test_person_names(text: str, name: Name | None) -> None:
    assert parse_person_name(text) == name


@pytest.mark.parametrize(
    ("title", "page"),
    [
        ("Paper assignment: jane-doe/unverified", "jane-doe/unverified"),
        ("Paper assignment: <author page>", None),
        ("Author Page: jane-doe", "jane-doe"),
        ("Author Page: {Jane Doe}", None),
        ("Author Page: Jane Doe", None),
        ("Author Page: {replace with author name} Author Page: jane-doe", "jane-doe"),
        ("Author Page: https://aclanthology.org/people/j/jane-doe/", "jane-doe"),
        ("Verification for author page: jane-doe/unverified", "jane-doe/unverified"),
        ("Author Page: jane-doe page has two persons", "jane-doe"),
        ("Author Page: x/unverified", "x/unverified"),  # a one-letter slug
        ("Author Page: https://aclanthology.org/people/x/unverified/", "x/unverified"),
    ],
)
def test_page_from_title(title: str, page: str | None) -> None:
    assert page_from_title(title) == page


# --------------------------------------------------------------------------- #
# Legacy form (details in test_real_issues.py)
# --------------------------------------------------------------------------- #

LEGACY = """### Author Pages

https://aclanthology.org/people/jane-doe/unverified/

### Author ORCID

{orcid}

### Institution of highest (anticipated) degree

University of Edinburgh (https://ed.ac.uk)

### Type of Author Metadata Correction

- [ ] Verification: The author wishes to add an ORCID iD to their author page.
- [x] Split/disambiguate: The author page includes papers from two or more different people.

### Supporting Information

{info}
"""


def test_legacy_with_paper_list_becomes_a_request() -> None:
    body = LEGACY.format(
        orcid="https://orcid.org/0000-0002-7182-8185",
        info="My papers:\n- https://aclanthology.org/2024.acl-long.4/\n- 2024.acl-long.5",
    )
    result = parse_issue("Author Page: jane-doe/unverified", body)
    assert result.form == "legacy"
    assert result.request.to_json() == {
        "source": "jane-doe/unverified",
        "papers": ["2024.acl-long.4", "2024.acl-long.5"],
        "target": {
            "kind": "new",
            "orcid": "0000-0002-7182-8185",
            "degree": "University of Edinburgh",
        },
    }


def test_legacy_without_papers_asks_for_them() -> None:
    body = LEGACY.format(
        orcid="-Add ORCID here-", info="Google Scholar: https://scholar.google.com/x"
    )
    result = parse_issue("Author Page: jane-doe/unverified", body)
    assert result.request is None
    assert result.codes() == ["missing_target", "missing_papers"]
    assert "Google Scholar" in result.problems[1].message


def test_legacy_with_registered_orcid_goes_to_that_page() -> None:
    body = LEGACY.format(orcid="0000-0002-7182-8185", info="Mine: 2024.acl-long.4")
    result = parse_issue("Author Page: jane-doe/unverified", body, WORLD)
    assert result.request.target == Target(kind="existing", id="jane-doe-1234")


# --------------------------------------------------------------------------- #
# Which issues the bot acts on
# --------------------------------------------------------------------------- #


def test_is_bot_issue() -> None:
    assert is_bot_issue("Paper assignment: jane-doe", render(base()), [])
    legacy = LEGACY.format(orcid="", info="")
    # OLD_FORM_ISSUES=all (the default): every old-form author-page issue, as the old
    # template labels it, with a staff label, or with no label but the bot's own.
    assert is_bot_issue("Author Page: jane-doe", legacy, ["correction", "author-page"])
    assert is_bot_issue("Author Page: jane-doe", legacy, ["Author-Page", "meta:vermove"])
    assert is_bot_issue("Author Page: jane-doe", legacy, ["correction", "meta:move"])
    assert is_bot_issue("Author Page: jane-doe", legacy, [])
    assert is_bot_issue("Author Page: jane-doe", legacy, ["waiting", "approved", "pending"])
    # Relabelled by staff as something else (a paper's metadata): not the bot's.
    assert not is_bot_issue("Author Page: jane-doe", legacy, ["correction", "metadata"])
    assert not is_bot_issue("Question", "How do I cite?", ["meta:move"])
    assert not is_bot_issue("Question", "How do I cite?", [])
    assert not is_bot_issue("", "", [])


def test_is_bot_issue_configured() -> None:
    legacy = LEGACY.format(orcid="", info="")
    labels = IssueScope(labels=("author-page", "metadata"))
    assert is_bot_issue("Author Page: jane-doe", legacy, ["correction", "metadata"], labels)
    staff = IssueScope(old_form="staff-labelled")
    assert not is_bot_issue("Author Page: jane-doe", legacy, ["correction", "author-page"], staff)
    assert not is_bot_issue("Author Page: jane-doe", legacy, [], staff)
    assert is_bot_issue("Author Page: jane-doe", legacy, ["author-page", "META:move"], staff)
    # Our form's issues are the bot's whatever the scope says.
    assert is_bot_issue("Paper assignment: jane-doe", render(base()), [], staff)
    other = IssueScope(old_form="staff-labelled", staff_label="bot-please")
    assert is_bot_issue("Author Page: jane-doe", legacy, ["bot-please"], other)
    assert not is_bot_issue("Author Page: jane-doe", legacy, ["meta:move"], other)
    with pytest.raises(ValueError, match="OLD_FORM_ISSUES"):
        IssueScope(old_form="some")


# --------------------------------------------------------------------------- #
# Issue files
# --------------------------------------------------------------------------- #


def test_front_matter_file(tmp_path: Path) -> None:
    text = (
        "---\nnumber: 12\ntitle: Paper assignment: jane-doe/unverified\n"
        "labels: [correction, author-page]\nstate: open\n---\n"
        + render(base())
        + "\n<!-- comments -->\n**someone** (2026-01-01):\n### Papers to reassign\n\n2021.x-1.1\n"
    )
    issue = read_issue_text(text)
    assert issue.title == "Paper assignment: jane-doe/unverified"
    assert issue.labels == ("correction", "author-page")
    assert issue.meta["number"] == "12"
    assert "someone" in issue.comments and "someone" not in issue.body
    path = tmp_path / "12.md"
    path.write_text(text, encoding="utf-8")
    assert parse_issue_file(path).request.papers == ("2024.acl-long.4",)


def test_hash_title_file_and_plain_body(tmp_path: Path) -> None:
    issue = read_issue_text("# Paper assignment: jane-doe\n\n" + render(base()))
    assert issue.title == "Paper assignment: jane-doe"
    assert issue.body.startswith("### ")
    plain = read_issue_text(render(base()))
    assert plain.title == "" and plain.body.startswith("### ")
    path = tmp_path / "plain.md"
    path.write_text(render(base()), encoding="utf-8")
    assert parse_issue_file(path, WORLD).request is not None


def test_empty_labels_and_unknown_dates() -> None:
    issue = read_issue_text("---\ntitle: Author Page: x\nlabels: []\ncreated: unknown\n---\n\n")
    assert issue.labels == () and issue.body == ""


def test_orcid_of_another_page_than_the_target() -> None:
    values = base(target_page="john-roe", orcid="0000-0002-7182-8185")
    result = parse(values, WORLD)
    assert result.codes() == ["conflicting_orcid"]
    assert parse(base(orcid="0000-0002-7182-8185"), WORLD).request is not None
