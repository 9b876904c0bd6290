"""Every kind of author-page request, as filed with the Anthology's "Fix author" form.

Two parts: the pure reading functions of ``bot.forms.cues`` (struck-through text,
"all ... except ...", part of a page, "Fix data" hints, the wanted name, typed
names), and whole issues in the old form's markdown, read without and with a
small fake of the data (``tests.test_forms.FakeLookup``).
"""

from __future__ import annotations

import pytest

from bot.anthology.names import Name
from bot.engine.request import MAX_NAME_PART, PersonEdits, Target
from bot.forms import parse_issue
from bot.forms.cues import (
    fix_data_hint,
    read_except,
    stated_count,
    strip_struck,
    subset_cue,
    typed_name,
    wanted_name,
)
from bot.forms.prose import MINE, NOT_MINE
from bot.forms.result import ParseResult
from tests.test_forms import NEW, FakeLookup, base, parse

ORCID = "0000-0002-7182-8185"
OTHER_ORCID = "0000-0001-5109-3700"
URL = "https://aclanthology.org/people/"
P1, P2, P3, P4 = "2024.acl-long.1", "2024.acl-long.2", "2023.emnlp-main.3", "2022.naacl-main.4"

# --------------------------------------------------------------------------- #
# Struck-through text
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "text",
    [
        f"~{URL}old-page/~",
        f"~~{URL}old-page/~~",
        f"<del>{URL}old-page/</del>",
        f"<s>{URL}old-page/</s>",
        f"<strike>{URL}old-page/</strike>",
        "~~two words~~",
    ],
)
def test_struck_text_is_dropped(text: str) -> None:
    assert strip_struck(f"keep {text} this").split() == ["keep", "this"]


@pytest.mark.parametrize(
    "text",
    [
        "https://openreview.net/profile?id=~Jane_Doe1",
        "https://openreview.net/profile?id=~Jane_Doe1 and id=~John_Roe2",
        "about ~ 5 papers ~ maybe",  # tildes that do not hug text strike nothing
        "~/papers/file.txt",
    ],
)
def test_tildes_that_strike_nothing_stay(text: str) -> None:
    assert strip_struck(text) == text


def test_a_struck_tilde_span_stays_on_its_line() -> None:
    assert strip_struck("~start\nend~") == "~start\nend~"


# --------------------------------------------------------------------------- #
# "All ... except ..."
# --------------------------------------------------------------------------- #


def test_rest_not_mine_except_keeps_the_exception() -> None:
    cue = read_except(f"The rest of the papers are not mine, except for paper {P1}.")
    assert cue is not None and not cue.unclear
    assert (cue.rest, cue.exceptions) == (NOT_MINE, (P1,))


def test_all_mine_except_two() -> None:
    cue = read_except(f"All papers are mine except {P1} and https://aclanthology.org/{P2}/.")
    assert cue is not None and not cue.unclear
    assert (cue.rest, cue.exceptions) == (MINE, (P1, P2))


def test_exceptions_listed_on_the_following_lines() -> None:
    text = f"All of these papers are mine except the following:\n- {P1}\n- {P2}\n\nThanks, {P3}"
    cue = read_except(text)
    assert cue is not None
    assert (cue.rest, cue.exceptions) == (MINE, (P1, P2))


def test_none_mine_except() -> None:
    cue = read_except(f"None of the papers are mine except {P3}.")
    assert cue is not None
    assert (cue.rest, cue.exceptions) == (NOT_MINE, (P3,))


@pytest.mark.parametrize(
    "text",
    [
        f"Everything except {P1}.",  # no polarity: mine or not?
        "All of them are mine except a few.",  # exceptions not named
    ],
)
def test_unclear_except_is_marked(text: str) -> None:
    cue = read_except(text)
    assert cue is not None and cue.unclear


@pytest.mark.parametrize(
    "text",
    [
        f"The paper {P1} is mine, except that the name is misspelled.",  # not about all papers
        f"These are mine: {P1}, {P2}.",
        "",
    ],
)
def test_no_except_statement(text: str) -> None:
    assert read_except(text) is None


# --------------------------------------------------------------------------- #
# Part of a page, Fix data, the wanted name
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not all my papers are on this page", True),
        ("the 6 papers from 2022 to 2023", True),
        ("some of the papers are mine", True),
        ("All papers belong to the same person.", False),
        ("verification", False),
    ],
)
def test_subset_cue(text: str, expected: bool) -> None:
    assert subset_cue(text) is expected


def test_stated_count() -> None:
    assert stated_count("The 5 papers in the unverified page") == 5
    assert stated_count("5 papers here and 6 papers there") is None
    assert stated_count("no number") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All my pdfs have Jane Ann Doe, however my author profile has Jane Doe.", True),
        ("My name is misspelled on the website.", True),
        ("The name in the PDF is different from the metadata.", True),
        ("I confirm that all affected papers show the exact same names as on the PDF.", False),
        ("Please merge my two pages.", False),
    ],
)
def test_fix_data_hint(text: str, expected: bool) -> None:
    assert fix_data_hint(text) is expected


@pytest.mark.parametrize(
    ("preferred", "prose", "expected"),
    [
        ("Shi, Jing", "", "Shi, Jing"),
        ("**Jane Doe**", "from A to B", "Jane Doe"),
        ("", "my name is Do Xuan Long, not Xuan Long Do", "Do Xuan Long"),
        ("", "Myung Jiyoon -> Jiyoon Myung", "Jiyoon Myung"),
        ("", 'Change preferred name from "Emanuela Boroş" to "Emanuela Boros".', "Emanuela Boros"),
        (
            "",
            "I have changed my name from Zeerak Waseem to Zeerak Talat and the rest",
            "Zeerak Talat",
        ),
        ("", 'merge the pages under the name "Sophie Hao".', "Sophie Hao"),
        ("", "under my preferred name: **Kasu Sai Kartheek Reddy**.", "Kasu Sai Kartheek Reddy"),
        ("", "so that the name should just be Iñaki Lacunza", "Iñaki Lacunza"),
        ("", "I've changed my name from Elizaveta to Lisa.", None),  # a first name alone
        ("", "Please merge my pages.", None),
    ],
)
def test_wanted_name(preferred: str, prose: str, expected: str | None) -> None:
    assert wanted_name(preferred, prose) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jane Doe", Name("Jane", "Doe")),
        ("Doe, Jane", Name("Jane", "Doe")),
        ("O'Brien-Ní Bhriain, Seán", Name("Seán", "O'Brien-Ní Bhriain")),
        ("Mausam", Name(None, "Mausam")),
        ("Zhang Wei", Name("Zhang", "Wei")),
    ],
)
def test_typed_names_that_are_names(text: str, name: Name) -> None:
    assert typed_name(text) == (name, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("J" * 300, "characters long"),
        ("Jane " + "D" * 20000, "characters long"),
        ("Jane D" + "o" * MAX_NAME_PART, "characters long"),
        ("<b>Jane</b> Doe", "contains"),
        ("Jane Doe/unverified", "contains"),
        ("Unverified", "unverified"),
        ("$(rm -rf ~)", "contains"),
        ("`id` Doe", "contains"),
        ("Jane; rm Doe", "contains"),
        ("Jane Doe 2", "contains"),
        ("", "empty"),
    ],
)
def test_typed_text_that_is_no_name(text: str, reason: str) -> None:
    name, problem = typed_name(text)
    assert name is None
    assert problem is not None and reason in problem.lower()


# --------------------------------------------------------------------------- #
# Whole issues in the old form
# --------------------------------------------------------------------------- #

KINDS = {
    "verify": "Verification: The author wishes to add an ORCID iD to their author page.",
    "split": "Split/disambiguate: The author page includes papers from two or more different "
    "people.",
    "merge": "Merge profiles: A single author has multiple profiles with different spellings "
    "or variants of their name.",
    "name_change": "Name change: This author has permanently changed their name.",
}


def legacy(
    pages: str,
    kinds: tuple[str, ...],
    info: str = "",
    orcid: str = ORCID,
    institution: str = "University of Edinburgh",
    preferred: str = "",
    lookup: FakeLookup | None = None,
    title: str = "",
) -> ParseResult:
    """An issue as GitHub renders the Anthology's 2026 "Fix author" form."""
    boxes = "\n".join(f"- [{'x' if k in kinds else ' '}] {label}" for k, label in KINDS.items())
    body = (
        "### Confirming that Author is Published in the Anthology\n\n"
        "- [x] I confirm that this concerns an author who already has at least one publication "
        "in the Anthology.\n\n"
        "### Confirming that Paper Metadata is Correct\n\n"
        "- [x] I confirm that all affected papers show the exact same names on the website as "
        "on the PDF.\n\n"
        f"### Author Pages in the Anthology\n\n{pages}\n\n"
        f"### Author ORCID\n\n{orcid or '_No response_'}\n\n"
        f"### Institution of highest (anticipated) degree\n\n{institution or '_No response_'}\n\n"
        f"### Type of Author Metadata Correction\n\n{boxes}\n\n"
        f"### Supporting Information\n\n{info or '_No response_'}\n\n"
        f"### Preferred author name\n\n{preferred or '_No response_'}\n"
    )
    first = pages.split()[0].rstrip("/").split("/people/")[-1] if pages.strip() else "x"
    return parse_issue(title or f"Author Page: {first}", body, lookup)


JANE_U = f"{URL}jane-doe/unverified/"
JANE = f"{URL}jane-doe/"


def test_verification_alone_is_the_whole_page() -> None:
    result = legacy(JANE_U, ("verify",), "verification")
    assert result.request is not None, result.problems
    assert result.request.to_json() == {
        "sources": ["jane-doe/unverified"],
        "papers": "all",
        "target": {"kind": "new", "orcid": ORCID, "degree": "University of Edinburgh"},
    }


def test_verification_without_institution_asks_and_keeps_the_orcid() -> None:
    result = legacy(JANE_U, ("verify",), institution="")
    assert result.request is None
    assert result.codes() == ["missing_institution"]
    assert result.understood["orcid"] == ORCID  # read, and shown back with the question


def test_verification_without_orcid_asks_for_it() -> None:
    result = legacy(JANE_U, ("verify",), orcid="")
    assert sorted(result.codes()) == ["missing_orcid"]
    assert "ORCID iD" in result.problems[0].message


@pytest.mark.parametrize(
    ("institution", "code"),
    [
        ("U" * 20000, "invalid_institution"),
        ("<script>alert(1)</script>", "invalid_institution"),
        ("University of A\nUniversity of B", "invalid_institution"),
    ],
)
def test_institution_that_cannot_be_used_is_a_question(institution: str, code: str) -> None:
    result = legacy(JANE_U, ("verify",), institution=institution)
    assert result.request is None
    assert result.codes() == [code]
    assert len(result.problems[0].message) < 400


def test_verification_with_split_ticked_asks_which_papers() -> None:
    result = legacy(JANE_U, ("verify", "split"), "verification")
    assert result.codes() == ["missing_papers"]
    assert result.problems[0].message.startswith(f"Which of the papers at {JANE_U} are yours?")


def test_verification_with_a_list_moves_the_list() -> None:
    result = legacy(JANE_U, ("verify",), f"My papers:\n- {P1}\n- {P2}")
    assert result.request is not None, result.problems
    assert result.request.papers == (P1, P2)
    assert not result.request.all_papers


def test_add_orcid_to_a_verified_page() -> None:
    result = legacy(JANE, ("verify",), "Please add my ORCID iD.")
    assert result.request is not None, result.problems
    assert result.request.to_json() == {
        "sources": [],
        "papers": [],
        "target": {"kind": "existing", "id": "jane-doe"},
        "edits": {"orcid": ORCID, "degree": "University of Edinburgh"},
    }


def test_add_orcid_held_by_someone_else_is_a_question() -> None:
    lookup = FakeLookup(pages={"jane-doe": [P1]}, orcids={"jane-doe": None, "john-roe": ORCID})
    result = legacy(JANE, ("verify",), lookup=lookup)
    assert result.codes() == ["conflicting_orcid"]
    assert f"{URL}john-roe/" in result.problems[0].message


def test_name_order_on_a_verified_page_is_the_canonical_name() -> None:
    result = legacy(
        f"{URL}xuan-long-do/", ("name_change",), "My name is Do Xuan Long, not Xuan Long Do."
    )
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="xuan-long-do")
    assert result.request.edits == PersonEdits(canonical_name=Name("Do Xuan", "Long"))
    assert result.request.sources == ()


def test_name_change_without_a_name_asks_for_it() -> None:
    result = legacy(JANE, ("name_change",), "I changed my name.", orcid="")
    assert result.codes() == ["invalid_name"]
    assert "Preferred author name" in result.problems[0].message


@pytest.mark.parametrize("preferred", ["J" * 300, "<img src=x>", "Unverified", "$(reboot)"])
def test_preferred_name_that_is_no_name_is_a_question(preferred: str) -> None:
    result = legacy(f"{JANE_U}\n{URL}jane-a-doe/unverified/", ("merge",), preferred=preferred)
    assert result.request is None
    assert result.codes() == ["invalid_name"]
    assert len(result.problems[0].message) < 400


def test_name_change_on_an_unverified_page_needs_verification() -> None:
    result = legacy(JANE_U, ("name_change",), preferred="Jane Doe", orcid="")
    assert result.codes() == ["missing_orcid"]
    assert "Fix data" in result.problems[0].message


def test_fix_data_hint_is_an_answer_not_a_change() -> None:
    result = legacy(JANE, (), "All my PDFs have Jane Ann Doe, however the website shows Jane Doe.")
    assert result.request is None
    assert result.codes() == ["fix_data"]
    assert "'Fix data'" in result.problems[0].message


def test_merge_of_unverified_pages_into_a_new_person() -> None:
    pages = f"{JANE_U}\n{URL}jane-a-doe/unverified/"
    result = legacy(pages, ("verify", "merge"), "Please merge.", preferred="Jane A. Doe")
    assert result.request is not None, result.problems
    assert result.request.to_json() == {
        "sources": ["jane-doe/unverified", "jane-a-doe/unverified"],
        "papers": "all",
        "target": {"kind": "new", "orcid": ORCID, "degree": "University of Edinburgh"},
        "edits": {"canonical_name": {"first": "Jane A.", "last": "Doe"}},
    }


def test_merge_this_page_into_my_verified_page_means_all_papers() -> None:
    result = legacy(
        f"{JANE_U}\n{URL}jane-doe-1234/",
        ("merge",),
        f"Please merge this page into my verified page {URL}jane-doe-1234/.",
        orcid="0000-0002-1825-1234",
    )
    assert result.request is not None, result.problems
    assert result.request.to_json() == {
        "sources": ["jane-doe/unverified"],
        "papers": "all",
        "target": {"kind": "existing", "id": "jane-doe-1234"},
    }


def test_merge_of_two_verified_persons_needs_to_know_which_stays() -> None:
    result = legacy(f"{URL}jane-doe/\n{URL}jane-a-doe/", ("merge",), "Same person.", orcid="")
    assert result.codes() == ["ambiguous_merge"]
    assert "should stay" in result.problems[0].message


def test_merge_of_two_verified_persons_into_the_one_named() -> None:
    result = legacy(
        f"{URL}jane-doe/\n{URL}jane-a-doe/",
        ("merge",),
        f"Please merge {URL}jane-a-doe/ into {URL}jane-doe/.",
        orcid="",
    )
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="jane-doe")
    assert result.request.merge == ("jane-a-doe",)


def test_merge_with_part_of_a_page_asks() -> None:
    result = legacy(
        f"{JANE_U}\n{URL}jane-doe-1234/", ("merge",), "Not all papers there are mine.", orcid=""
    )
    assert result.codes() == ["missing_papers"]
    assert result.problems[0].message.startswith(f"Which of the papers at {JANE_U}")


def test_same_page_written_two_ways_is_one_page() -> None:
    pages = f"{JANE_U}\nhttps://aclanthology.org/people/jane-doe/unverified\njane-doe/unverified"
    result = legacy(pages, ("verify",), "verification")
    assert result.request is not None, result.problems
    assert result.request.sources == ("jane-doe/unverified",)


def test_old_and_new_urls_of_one_page_are_one_page() -> None:
    result = legacy(f"{URL}j/jane-doe/\n{JANE}", ("verify",), "Please add my ORCID iD.")
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="jane-doe")


def test_struck_through_page_is_ignored() -> None:
    pages = f"~{URL}jane-a-doe/unverified/~\n{JANE_U}"
    result = legacy(pages, ("verify",), f"~~{URL}jane-b-doe/unverified/~~ verification")
    assert result.request is not None, result.problems
    assert result.request.sources == ("jane-doe/unverified",)
    assert result.request.all_papers


def test_rest_not_mine_except_keeps_the_filers_paper_on_a_verified_page() -> None:
    result = legacy(
        JANE, ("split",), f"The rest of the papers are not mine, except for paper {P1}.", orcid=""
    )
    assert result.request is not None, result.problems
    assert result.request.to_json() == {
        "sources": ["jane-doe"],
        "papers": "all",
        "except": [P1],
        "target": {"kind": "unverified"},
    }


def test_rest_not_mine_except_on_an_unverified_page_verifies_the_exception() -> None:
    result = legacy(
        JANE_U, ("verify", "split"), f"The rest of the papers are not mine, except for {P1}."
    )
    assert result.request is not None, result.problems
    assert result.request.papers == (P1,)
    assert result.request.target.kind == "new"
    assert not result.request.all_papers


def test_all_mine_except_two_on_an_unverified_page() -> None:
    result = legacy(JANE_U, ("verify", "split"), f"All papers are mine except {P1} and {P2}.")
    assert result.request is not None, result.problems
    assert result.request.all_papers
    assert result.request.except_papers == (P1, P2)
    assert result.request.target.kind == "new"


def test_all_mine_except_two_on_my_verified_page_takes_them_off() -> None:
    result = legacy(JANE, ("split",), f"All papers are mine except {P1} and {P2}.", orcid="")
    assert result.request is not None, result.problems
    assert result.request.papers == (P1, P2)
    assert result.request.target == Target(kind="unverified")


def test_unclear_except_is_a_question() -> None:
    result = legacy(JANE_U, ("verify", "split"), f"Everything except {P1}.")
    assert result.request is None
    assert result.codes() == ["unclear_cue"]
    assert result.problems[0].message.startswith(f"Which of the papers at {JANE_U} are yours?")


def test_except_papers_not_on_the_page_with_the_data() -> None:
    lookup = FakeLookup(titles={p: p for p in (P1, P2, P3)}, pages={"jane-doe/unverified": [P1]})
    result = legacy(JANE_U, ("verify", "split"), f"All papers are mine except {P3}.", lookup=lookup)
    assert result.request is None
    assert result.codes() == ["not_on_page"]


def test_orcid_with_a_removal_request_is_not_dropped_silently() -> None:
    result = legacy(JANE, ("split",), f"The paper {P1} is not mine.")
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="unverified")
    notes = result.understood["resolved"]
    assert any(ORCID in n and "not changed" in n for n in notes), notes


def test_verification_orcid_of_a_same_name_person_joins_that_person() -> None:
    lookup = FakeLookup(pages={"jane-doe/unverified": [P1]}, orcids={"jane-doe-1234": ORCID})
    result = legacy(JANE_U, ("verify",), lookup=lookup)
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="jane-doe-1234")
    assert result.request.all_papers


def test_verification_orcid_of_another_person_is_a_question() -> None:
    lookup = FakeLookup(pages={"jane-doe/unverified": [P1]}, orcids={"john-roe": ORCID})
    result = legacy(JANE_U, ("verify",), lookup=lookup)
    assert result.request is None
    assert result.codes() == ["conflicting_orcid"]
    assert f"{URL}john-roe/" in result.problems[0].message


def test_every_question_is_short_and_concrete() -> None:
    """The questions of this module read like a maintainer's: one short paragraph."""
    cases = [
        legacy(JANE_U, ("verify",), institution=""),
        legacy(JANE_U, ("verify", "split")),
        legacy(f"{URL}jane-doe/\n{URL}jane-a-doe/", ("merge",), orcid=""),
        legacy(JANE_U, ("verify", "split"), f"Everything except {P1}."),
        legacy(JANE, (), "My name is misspelled on the website."),
    ]
    for result in cases:
        for problem in result.problems:
            assert 30 < len(problem.message) < 400, problem.message
            assert problem.message[0].isupper() and problem.message.endswith((".", "?"))


@pytest.mark.parametrize("length", [81, 300, 20000])
def test_page_id_longer_than_any_person_id_is_a_question(length: int) -> None:
    slug = ("a-" * length)[:length].rstrip("-") + "b"
    result = legacy(f"{URL}{slug}/unverified/", ("verify",), "verification")
    assert result.request is None
    assert result.codes() == ["invalid_page"]
    assert len(result.problems[0].message) < 300


def test_typed_page_id_too_long_in_the_assignment_form() -> None:
    result = parse(base(target_page=f"{URL}{'a' * 300}/"))
    assert result.request is None
    assert result.codes() == ["invalid_page"]
    assert "at most 80 characters" in result.problems[0].message


@pytest.mark.parametrize(
    "name", ["J" * 300, "Jane " + "D" * 20000, "<b>Jane</b> Doe", "Unverified"]
)
def test_typed_name_in_the_assignment_form_is_checked(name: str) -> None:
    result = parse(base(assign_to=NEW, target_page="", name=name, orcid=ORCID))
    assert result.request is None
    assert result.codes() == ["invalid_name"]
    assert len(result.problems[0].message) < 400
