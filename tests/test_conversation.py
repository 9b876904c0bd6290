"""The conversation read from plain values: the filer's answers (``bot.forms.thread``) and
maintainers' ``/request`` decisions (``bot.forms.decision``), without the data or GitHub."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine.request import Problem
from bot.forms import parse_issue
from bot.forms.body import render_form_body
from bot.forms.conversation import read_conversation
from bot.forms.decision import Decision, DecisionError, apply_decisions, parse_decision
from bot.forms.thread import (
    ThreadComment,
    asked_fields,
    offered_choices,
    read_answer,
    read_thread,
)
from bot.workflow.commands import command_lines
from bot.workflow.state import IssueState, with_asked, with_decision
from demo.run import SEED_ANSWERS, SEED_TITLE
from tests.test_e2e_conversation import ORCID, TITLE, legacy_body

P1, P2, P3 = "2025.acl-long.5", "2025.acl-long.12", "2023.findings-emnlp.3"
FILER = "tingfeng-hui"
ASKED = ("papers",)


def answer(body: str, author: str = FILER, cid: int = 10) -> ThreadComment:
    return ThreadComment(cid, author, body, f"https://github.com/o/r/issues/1#issuecomment-{cid}")


def conversation(*comments: ThreadComment, decisions: tuple[Decision, ...] = ()):
    return read_conversation(
        TITLE,
        legacy_body(),
        None,
        comments=comments,
        filer=FILER,
        asked=ASKED,
        asked_since=5,
        decisions=decisions,
    )


def test_the_body_alone_asks_for_the_papers() -> None:
    parsed = parse_issue(TITLE, legacy_body())
    assert parsed.codes() == ["missing_papers"]
    assert asked_fields(parsed.problems) == ("papers",)


@pytest.mark.parametrize(
    ("text", "papers"),
    [
        (f"These are mine: {P1} and https://aclanthology.org/{P2}/", (P1, P2)),
        (f"- {P1}\n- {P2}", (P1, P2)),
        (f"> Which of the papers are yours?\n\n{P1}", (P1,)),
    ],
)
def test_the_filers_answer_completes_the_request(text: str, papers: tuple[str, ...]) -> None:
    result = conversation(answer(text))
    assert result.parsed.request is not None, result.parsed.problems
    assert result.parsed.request.papers == papers
    assert result.parsed.request.target.orcid == ORCID
    assert result.notes == (
        "I read your answer in comment https://github.com/o/r/issues/1#issuecomment-10: "
        "the papers.",
    )


def test_yes_all_of_them_and_all_except() -> None:
    thread = read_thread(legacy_body(), "legacy", ASKED, [answer("Yes, all of them.")], FILER, 5)
    assert "All papers on this page are mine." in thread.body
    # Without the data the page's papers are unknown: the reader says so (with the data, the
    # end-to-end test moves them all).
    assert conversation(answer("Yes, all of them.")).parsed.codes() == ["needs_data"]
    but = conversation(answer(f"All my papers except {P3}"))
    assert but.parsed.request is not None
    assert but.parsed.request.all_papers and but.parsed.request.except_papers == (P3,)


def test_others_the_bot_and_earlier_comments_are_never_the_filers_answer() -> None:
    result = conversation(
        answer(f"These are mine: {P1}", author="someone-else", cid=11),
        answer(f"These are mine: {P1}", author="anthology-bot[bot]", cid=12),
        answer(f"These are mine: {P1}", cid=4),  # before the bot asked
    )
    assert result.parsed.request is None
    assert result.notes == ()


def test_the_latest_answer_wins_and_a_non_answer_is_noted() -> None:
    result = conversation(answer(f"mine: {P1}", cid=10), answer(f"mine: {P2}", cid=11))
    assert result.parsed.request is not None and result.parsed.request.papers == (P2,)
    thanks = conversation(answer("Thanks a lot!", cid=10))
    assert thanks.parsed.request is None
    assert "does not answer my questions" in thanks.notes[0]
    quote_only = conversation(answer("> Which of the papers are yours?", cid=10))
    assert quote_only.notes == ()


def test_nothing_is_read_unless_the_bot_asked() -> None:
    body = legacy_body()
    assert read_thread(body, "legacy", ASKED, [answer(P1)], FILER, None).body == body
    assert read_thread(body, "legacy", (), [answer(P1)], FILER, 0).body == body


def test_answers_are_read_for_the_fields_asked_only() -> None:
    assert read_answer(f"My ORCID is {ORCID}", ("orcid",)) == {"orcid": ORCID}
    assert read_answer(f"My ORCID is {ORCID}", ("papers",)) == {}
    page = "https://aclanthology.org/people/jane-doe/"
    assert read_answer(f"it is {page}", ("target_page",)) == {"target_page": page}
    assert read_answer("University of Edinburgh", ("institution",)) == {
        "institution": "University of Edinburgh"
    }


# -- /request -------------------------------------------------------------------------------


def test_a_request_block_is_read_into_values() -> None:
    body = (
        f"Checked.\n\n/request\npapers:\n- {P1}\n- https://aclanthology.org/{P2}/\nid suffix: BUPT"
    )
    lines = command_lines(body, "request", "anthology-bot")
    assert parse_decision(lines or []) == {"papers": [P1, P2], "id_suffix": "bupt"}
    values = parse_decision(
        ["target: https://aclanthology.org/people/hua-wu/", "orcid: " + ORCID, "all: yes"]
    )
    assert values == {"target": "hua-wu", "orcid": ORCID, "all": True}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["colour: red"], "I do not know the key `colour`"),
        (["papers: hello"], "`hello` is not an Anthology paper id or link"),
        (["orcid: 0000-0002-1825-0097"], "is not a usable ORCID iD"),
        (["target: https://aclanthology.org/people/jane-doe/unverified/"], "unverified page"),
        (["id: Not An Id!"], "is not a valid person id"),
        (["all: maybe"], "`all` takes `yes`"),
        (["just some words"], "is not `key: value`"),
        ([], "it says nothing to decide"),
        (["target: unverified", "institution: JHU"], "`institution` has no person to go to"),
    ],
)
def test_a_bad_request_is_answered_precisely(lines: list[str], message: str) -> None:
    with pytest.raises(DecisionError) as raised:
        parse_decision(lines)
    assert message in str(raised.value)


def test_a_decision_completes_the_request_and_wins_over_the_text() -> None:
    decision = Decision({"papers": [P1, P3], "id_suffix": "bupt"}, "maria", 20, "u20")
    result = conversation(answer(f"These are mine: {P2}"), decisions=(decision,))
    request = result.parsed.request
    assert request is not None, result.parsed.problems
    assert request.papers == (P1, P3)
    assert request.target.id == "tingfeng-hui-bupt" and request.target.orcid == ORCID
    assert result.notes[-1] == "papers, id suffix decided by @maria in comment u20."


def test_later_decisions_win_per_key() -> None:
    parsed = parse_issue(TITLE, legacy_body())
    first = Decision({"papers": [P1], "institution": "Baidu"}, "maria", 20)
    second = Decision({"papers": [P2]}, "mario", 21)
    decided = apply_decisions(parsed, [first, second]).parsed
    assert decided.request is not None
    assert decided.request.papers == (P2,) and decided.request.target.degree == "Baidu"


def test_a_name_staff_decide_need_not_be_printed_on_a_paper() -> None:
    parsed = parse_issue(TITLE, legacy_body())
    name = {"first": "Tingfeng", "last": "Hui-Zhang"}
    decision = Decision({"papers": [P1], "name": name}, "maria", 20)
    decided = apply_decisions(parsed, [decision]).parsed
    assert decided.request is not None
    assert str(decided.request.target.name) == "Tingfeng Hui-Zhang"
    assert decided.request.edits.name_confirmed == decided.request.target.name
    # The filer's own text confirms nothing.
    assert parsed.request is None or parsed.request.edits.name_confirmed is None


def test_staffs_new_person_name_wins_over_the_filers_preferred_name() -> None:
    body = (
        legacy_body("Please verify my page.")
        .replace("- [x] Split/disambiguate", "- [ ] Split/disambiguate")
        .replace(
            "### Preferred author name\n\n_No response_",
            "### Preferred author name\n\nTotally Other",
        )
    )
    parsed = parse_issue(TITLE, body)
    assert parsed.request is not None
    assert str(parsed.request.edits.canonical_name) == "Totally Other"
    name = {"first": "Tingfeng", "last": "Hui"}
    decided = apply_decisions(parsed, [Decision({"name": name}, "maria", 20)])
    request = decided.parsed.request
    assert request is not None
    assert request.edits.canonical_name is None and str(request.target.name) == "Tingfeng Hui"
    assert request.edits.name_confirmed == request.target.name


def test_all_yes_drops_the_filers_exceptions() -> None:
    parsed = parse_issue(TITLE, legacy_body(f"All my papers except {P3}."))
    decided = apply_decisions(parsed, [Decision({"all": True}, "maria", 20)]).parsed
    assert decided.request is not None
    assert decided.request.all_papers and decided.request.except_papers == ()


def test_the_id_suffix_follows_the_name_whatever_the_order() -> None:
    parsed = parse_issue(TITLE, legacy_body())
    name = {"first": "Jane", "last": "Doe"}
    decided = apply_decisions(
        parsed,
        [
            Decision({"id_suffix": "bupt"}, "maria", 20),
            Decision({"papers": [P1], "name": name}, "maria", 21),
        ],
    ).parsed
    assert decided.request is not None and decided.request.target.id == "jane-doe-bupt"


def test_staff_settle_a_question_no_single_field_answers() -> None:
    """ "Papers would move from several pages": staff name the page and the target."""
    parsed = dataclasses.replace(
        parse_issue(TITLE, legacy_body()),
        request=None,
        problems=[Problem("author_page", "Papers would move from 2 pages.", "several_sources")],
    )
    only_pages = Decision({"pages": ["tingfeng-hui/unverified"]}, "maria", 20)
    assert apply_decisions(parsed, [only_pages]).parsed.codes() == ["several_sources"]
    both = Decision(
        {"pages": ["tingfeng-hui/unverified"], "target": "new", "papers": [P1]}, "maria", 21
    )
    decided = apply_decisions(parsed, [both]).parsed
    assert decided.request is not None, decided.problems
    assert decided.request.sources == ("tingfeng-hui/unverified",)


def test_a_decision_that_leaves_a_question_open_keeps_it() -> None:
    parsed = parse_issue(TITLE, legacy_body())
    decided = apply_decisions(parsed, [Decision({"institution": "Baidu"}, "maria", 20)]).parsed
    assert decided.request is None and decided.codes() == ["missing_papers"]


def test_the_state_keeps_questions_and_decisions() -> None:
    state = with_asked(IssueState(), ["papers"], 0)
    state = with_asked(state, ["orcid", "papers"], 9)
    assert state.asked == ("papers", "orcid") and state.asked_since == 0
    state = state.but(decisions=with_decision((), (20, "maria", {"papers": [P1]})))
    state = state.but(decisions=with_decision(state.decisions, (20, "maria", {"papers": [P2]})))
    again = IssueState.from_comment(state.marker())
    assert again.asked == ("papers", "orcid") and again.asked_since == 0
    assert again.decisions == ((20, "maria", {"papers": [P2]}),)


def test_questions_map_to_fields() -> None:
    problems = [Problem("2025.acl-long.99", "x", "unknown_paper"), Problem("orcid", "y", "z")]
    assert asked_fields(problems) == ("papers", "orcid")


def test_comments_after_the_request_was_complete_are_no_answers() -> None:
    body = legacy_body()
    window = [answer(f"mine: {P1}", cid=10), answer(f"Thanks! Also {P2}?", cid=20)]
    thread = read_thread(body, "legacy", ASKED, window, FILER, 5, until=15)
    assert [a.comment.id for a in thread.answers] == [10]
    assert P2 not in thread.body


def test_a_new_question_opens_the_window_again() -> None:
    state = with_asked(IssueState(), ["papers"], 3).but(asked_until=15)
    again = with_asked(state, ["orcid"], 30)
    assert again.asked_since == 3 and again.asked_until is None
    assert again.asked_gaps == ((15, 30),)
    assert IssueState.from_comment(again.marker()).asked_gaps == ((15, 30),)


def test_what_the_filer_wrote_while_the_request_was_complete_stays_no_answer() -> None:
    state = with_asked(IssueState(), ["papers"], 5).but(asked_until=15)
    again = with_asked(state, ["papers", "orcid"], 30)
    result = read_conversation(
        TITLE,
        legacy_body(),
        None,
        comments=(
            answer(f"These are mine: {P1}", cid=10),  # the answer, still read
            answer(f"Thanks! Could you also check {P2} with the authors?", cid=20),
        ),
        filer=FILER,
        asked=again.asked,
        asked_since=again.asked_since,
        asked_until=again.asked_until,
        asked_gaps=again.asked_gaps,
    )
    assert result.parsed.request is not None, result.parsed.problems
    assert result.parsed.request.papers == (P1,)


def test_the_first_one_picks_a_choice_the_question_offered() -> None:
    problems = [
        Problem(
            "papers",
            "We are not sure which paper 'Attention Is Enough' is. It could be: P18-1001 "
            "(Attention Is Enough); P18-1002 (Attention Is Enough!). Please give the link.",
            "ambiguous_title",
        ),
        Problem(
            "author_page",
            "Which of the verified pages https://aclanthology.org/people/jane-doe/ and "
            "https://aclanthology.org/people/jane-a-doe/ should stay? The other one is merged.",
            "ambiguous_merge",
        ),
    ]
    offered = offered_choices(problems)
    assert offered["title"] == ["Attention Is Enough", "P18-1001", "P18-1002"]
    assert asked_fields(problems) == ("papers", "target_page")
    assert read_answer("The second one, please.", ("papers",), offered) == {
        "title": "Attention Is Enough\0P18-1002"
    }
    assert read_answer("first", ("target_page",), {"target_page": offered["target_page"]}) == {
        "target_page": "https://aclanthology.org/people/jane-doe/"
    }
    body = "### Supporting Information\n\nMy paper: Attention Is Enough\n"
    thread = read_thread(
        body,
        "legacy",
        ("papers",),
        [answer("the 2nd")],
        FILER,
        5,
        offered={"title": offered["title"]},
    )
    assert "My paper: P18-1002" in thread.body
    merge = read_thread(
        body,
        "legacy",
        ("target_page",),
        [answer("The first one")],
        FILER,
        5,
        offered={"target_page": offered["target_page"]},
    )
    assert "The papers should move into https://aclanthology.org/people/jane-doe/" in merge.body
    # Without a choice offered, "the first one" answers nothing.
    assert read_answer("the first one", ("papers",), {}) == {}


def test_the_first_one_is_no_choice_when_it_could_mean_the_papers() -> None:
    pages = ["https://aclanthology.org/people/jane-doe/", "https://aclanthology.org/people/j-doe/"]
    offered = {"target_page": pages}
    # An answer that lists papers or says "except" is about the papers.
    assert read_answer(f"1st: {P1}", ("papers",), offered) == {"papers": f"1st: {P1}"}
    assert "target_page" not in read_answer(
        "All of them except the first one", ("papers", "target_page"), offered
    )
    # Two questions offering choices: "the second" alone does not say which it picks.
    both = {"target_page": pages, "title": ["Attention Is Enough", "P18-1001", "P18-1002"]}
    assert read_answer("the second page please", ("papers", "target_page"), both) == {}


def test_one_page_link_goes_where_its_words_say_or_nowhere() -> None:
    asked = ("author_page", "target_page")
    link = "https://aclanthology.org/people/jane-doe/"
    assert read_answer(f"Please move them to {link}", asked) == {"target_page": link}
    assert read_answer(f"They are currently on {link}", asked) == {"author_page": link}
    assert read_answer(link, asked) == {}
    assert read_answer(link, ("target_page",)) == {"target_page": link}


def test_offered_choices_survive_the_state() -> None:
    state = with_asked(IssueState(), ["target_page"], 3, {"target_page": ["a", "b"]})
    state = with_asked(state, ["orcid"], 9, {})
    assert IssueState.from_comment(state.marker()).offered == {"target_page": ["a", "b"]}


def test_one_comment_answers_two_questions_of_the_new_form() -> None:
    body = render_form_body(dict(SEED_ANSWERS, papers="", orcid=""))
    parsed = parse_issue(SEED_TITLE, body)
    assert asked_fields(parsed.problems) == ("orcid", "papers")
    result = read_conversation(
        SEED_TITLE,
        body,
        None,
        comments=[answer(f"- {P1}\n- {P2}\n\nMy ORCID: {ORCID}")],
        filer=FILER,
        asked=asked_fields(parsed.problems),
        asked_since=5,
    )
    assert result.parsed.request is not None, result.parsed.problems
    assert result.parsed.request.papers == (P1, P2)
    assert result.parsed.request.target.orcid == ORCID
    assert result.notes[0].endswith(": the papers, the ORCID iD.")


@pytest.mark.parametrize(
    ("text", "asked", "read"),
    [
        ("Thanks, will do", ("institution",), {}),
        ("Baidu Inc.", ("institution",), {"institution": "Baidu Inc."}),
        ("My institution is Meituan", ("institution",), {"institution": "Meituan"}),
        ("thank you", ("name",), {}),
        ("Thank You", ("name",), {}),
        ("Any news on this research?", ("institution",), {}),
        ("Sorry for the delay, I was busy at my lab this week", ("institution",), {}),
        ("University of Edinburgh", ("institution",), {"institution": "University of Edinburgh"}),
        (
            "Max Planck Institute for Informatics",
            ("institution",),
            {"institution": "Max Planck Institute for Informatics"},
        ),
        ("Thanks!", ("name",), {}),
        ("Jane van Doe", ("name",), {"name": "Jane van Doe"}),
        ("yes", ("papers",), {}),
        ("They are all mine!", ("papers",), {"papers": "All papers on this page are mine."}),
    ],
)
def test_short_answers_are_read_only_when_they_answer(
    text: str, asked: tuple[str, ...], read: dict[str, str]
) -> None:
    assert read_answer(text, asked) == read


def test_a_huge_comment_is_read_quickly_and_in_part() -> None:
    import time

    start = time.monotonic()
    thread = read_thread(legacy_body(), "legacy", ASKED, [answer("!" * 65536)], FILER, 5)
    assert time.monotonic() - start < 2
    assert thread.answers == ()


def test_newer_decisions_supersede_older_ones_in_the_state() -> None:
    decisions = with_decision((), (20, "maria", {"papers": [P1], "orcid": ORCID}))
    decisions = with_decision(decisions, (21, "mario", {"papers": [P2]}))
    decisions = with_decision(decisions, (22, "mario", {"orcid": ORCID}))
    assert decisions == ((21, "mario", {"papers": [P2]}), (22, "mario", {"orcid": ORCID}))
