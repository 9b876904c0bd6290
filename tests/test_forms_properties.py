"""Properties of the issue parser that must hold for any input.

Whatever people paste into an issue, ``parse_issue`` returns a result: it never
raises, a result without a request always says why, and every problem points to
a known field and carries a message for the person who filed the issue.
"""

from __future__ import annotations

import dataclasses
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine.request import request_from_json
from bot.forms import (
    LEGACY_LABELS,
    MAX_BODY_CHARS,
    PROBLEM_CODES,
    ParseResult,
    is_bot_issue,
    known_fields,
    load_form_spec,
    parse_issue,
    read_issue_text,
)
from bot.forms.cues import read_except, strip_struck, typed_name, wanted_name
from tests.test_forms import WORLD

FIELDS = known_fields()
SPEC = load_form_spec()
LABELS = [f.label for f in SPEC.fields] + list(LEGACY_LABELS)

# Fragments people really type, to be combined at random.
FRAGMENTS = [
    "2024.acl-long.4",
    "https://aclanthology.org/2024.acl-long.4/",
    "https://aclanthology.org/2024.acl-long.4.pdf",
    "https://aclanthology.org/2024.acl-long",
    "P18-1217",
    "W18-55",
    "https://aclanthology.org/people/jane-doe/",
    "https://aclanthology.org/people/j/jane-doe/",
    "https://aclanthology.org/people/jane-doe/unverified/",
    "jane-doe/unverified",
    "jane-doe-1234",
    "https://aclanthology.org/search/?q=jane",
    "0000-0002-7182-8185",
    "https://orcid.org/0000-0002-1825-009x",
    "https://orcid.org/my-orcid?orcid=",
    "doe-etal-2024-half",
    "Half Fine-Tuning for Large Language Models",
    "[title](https://aclanthology.org/2024.acl-long.5/)",
    "[x](",
    "_No response_",
    "None",
    "N/A",
    "-Add ORCID here-",
    "- [x] ok",
    "- [ ] not ok",
    "- [X] The names match.",
    "```",
    "### ",
    "## Author Pages",
    "all my papers",
    "These papers are not mine:",
    "Please keep the following papers:",
    "merge into",
    "An existing author page",
    "A new author page for this person",
    "No author page (unverified)",
    "Doe, Jane",
    "\r\n",
    "\n",
    "\t",
    "“",
    "<!--",
    "-->",
    "- [x] Verification: The author wishes to add an ORCID iD to their author page.",
    "- [x] Merge profiles: A single author has multiple profiles with different spellings",
    "- [x] Name change: This author has permanently changed their name.",
    "- [x] Split/disambiguate: The author page includes papers from two or more",
    "verification",
    "All papers are mine except",
    "The rest of the papers are not mine, except for",
    "the following:",
    "~https://aclanthology.org/people/john-roe/~",
    "~~",
    "<del>",
    "</del>",
    "<s>x</s>",
    "my name is Jane Doe, not Doe Jane",
    "Jane Doe -> Doe Jane",
    "under the name **Jane Doe**",
    "the PDF shows a different name",
    "not all my papers",
    "5 papers",
    "J" * 300,
    "Unverified",
    "$(rm -rf ~)",
]

text_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=25).map(
    lambda parts: " ".join(parts) if len(parts) % 2 else "\n".join(parts)
)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """A body made of form sections (known labels, typos, repeats) with random answers."""
    sections = draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from(LABELS), st.text(max_size=30)),
                text_like,
            ),
            max_size=12,
        )
    )
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    parts = [f"### {label}\n\n{answer}" for label, answer in sections]
    return newline.join("\n\n".join(parts).split("\n"))


@st.composite
def filled_forms(draw: st.DrawFn) -> str:
    """The assignment form as GitHub renders it, with random answers in each field."""
    parts = []
    for f in SPEC.fields:
        if draw(st.booleans()) and f.type == "checkboxes":
            answer = "\n".join(f"- [{draw(st.sampled_from('xX '))}] {o}" for o in f.options)
        elif f.type == "dropdown":
            answer = draw(st.one_of(st.sampled_from([*f.options, "None"]), text_like))
        else:
            answer = draw(text_like)
        parts.append(f"### {f.label}\n\n{answer or '_No response_'}")
    return "\n\n".join(parts)


def check(result: ParseResult) -> None:
    assert result.form in ("assignment", "legacy", "unknown")
    if result.request is None:
        assert result.problems, "a result without a request must say why"
    else:
        request = result.request
        assert result.problems == []
        moves = bool(request.sources) and bool(request.papers or request.all_papers)
        assert moves or request.edits or request.merge, request
        assert not request.except_papers or request.all_papers
        assert request.to_json()["target"]["kind"] in ("existing", "new", "unverified")
        # Every request the parser makes is one of the documented contract's.
        # (Notes stay with the issue; the JSON carries what is to be done.)
        again = request_from_json(json.loads(json.dumps(request.to_json())))
        assert again == dataclasses.replace(request, notes="")
    for problem in result.problems:
        assert problem.field in FIELDS, problem
        assert problem.code in PROBLEM_CODES, problem
        assert problem.message.strip(), problem
    result.to_json()


COMMON = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(st.text(max_size=200), st.text(max_size=2000))
def test_random_text(title: str, body: str) -> None:
    check(parse_issue(title, body))


@COMMON
@given(text_like, bodies())
def test_random_sections(title: str, body: str) -> None:
    check(parse_issue(title, body))
    check(parse_issue(title, body, WORLD))


@COMMON
@given(text_like, filled_forms())
def test_random_field_values(title: str, body: str) -> None:
    check(parse_issue(title, body))
    check(parse_issue(title, body, WORLD))


@COMMON
@given(st.text(max_size=100), bodies(), st.lists(st.text(max_size=20), max_size=5))
def test_is_bot_issue_never_raises(title: str, body: str, labels: list[str]) -> None:
    assert is_bot_issue(title, body, labels) in (True, False)


@COMMON
@given(st.text(max_size=3000))
def test_issue_files_never_raise(text: str) -> None:
    issue = read_issue_text(text)
    check(parse_issue(issue.title, issue.body))


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(FRAGMENTS), st.sampled_from(["", "\n", " ", "-", "[", "](", "### "]))
def test_huge_inputs_are_bounded(fragment: str, glue: str) -> None:
    body = (fragment + glue) * (2 * MAX_BODY_CHARS // max(1, len(fragment + glue)))
    started = time.monotonic()
    check(parse_issue(fragment * 2000, body))
    check(parse_issue("t", f"### {SPEC.field('papers').label}\n\n" + body))
    check(parse_issue("t", "### Author Pages\n\nx\n\n### Supporting Information\n\n" + body))
    assert time.monotonic() - started < 30


@COMMON
@given(text_like, text_like)
def test_cue_readers_never_raise(prose: str, preferred: str) -> None:
    cue = read_except(prose)
    assert cue is None or cue.unclear or cue.exceptions
    name = wanted_name(preferred, prose)
    if name is not None:
        typed, problem = typed_name(name)
        assert (typed is None) != (problem is None)
    assert len(strip_struck(prose)) <= len(prose)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["~", "~~", "<del>", "<s>", "~x", "x~ ", "except ", "-> "]))
def test_cue_readers_are_fast_on_huge_input(fragment: str) -> None:
    text = fragment * (MAX_BODY_CHARS // len(fragment))
    started = time.monotonic()
    strip_struck(text)
    read_except(text)
    wanted_name(text[:1000], text)
    assert time.monotonic() - started < 10
