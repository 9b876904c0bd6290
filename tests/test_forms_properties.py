"""Properties of the issue parser that must hold for any input.

Whatever people paste into an issue, ``parse_issue`` returns a result: it never
raises, a result without a request always says why, and every problem points to
a known field and carries a message for the person who filed the issue.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        assert result.problems == []
        assert result.request.papers and result.request.source
        assert result.request.to_json()["target"]["kind"] in ("existing", "new", "unverified")
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
