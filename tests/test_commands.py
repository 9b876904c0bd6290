"""The pure parts of the maintainer workflow: commands, branch names, state, batches."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.anthology.names import Name
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request, Target
from bot.workflow.batches import BatchRecord, MemberRecord, find_conflicts
from bot.workflow.branches import (
    BatchNameError,
    branch_for_issue,
    check_batch_name,
    default_batch_name,
    issue_for_branch,
)
from bot.workflow.commands import (
    COMMANDS,
    Command,
    Unclear,
    closest_command,
    may_use,
    parse_commands,
    parse_comment,
    render_help,
)
from bot.workflow.state import IssueState, fingerprint, is_approved

BOT = "anthology-bot"


# -- parsing commands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/apply", ["apply"]),
        ("  /Apply  \r\n", ["apply"]),
        ("Looks good.\n/batch spring-2026 please\n/plan", ["batch spring-2026", "plan"]),
        ("/batch", ["batch"]),
        ("@anthology-bot apply", ["apply"]),
        ("Thanks! @anthology-bot: retry", ["retry"]),
        ("@Anthology-Bot help", ["help"]),
        ("/apply\n/apply\n/APPLY", ["apply"]),
        ("/plan /apply", ["plan"]),
    ],
)
def test_commands_are_found_at_line_starts_and_after_mentions(
    body: str, expected: list[str]
) -> None:
    assert [str(c).removeprefix("/") for c in parse_commands(body, BOT)] == expected


@pytest.mark.parametrize(
    "body",
    [
        "> /apply",
        "> earlier:\n> /cancel",
        "`/apply`",
        "run ``/apply`` later",
        "```\n/apply\n```",
        "~~~~\n/apply\n~~~\n/cancel\n~~~~",
        "    /apply",
        "<!--\n/apply\n-->",
        "see /usr/bin and /s",
        "please apply /apply",
        "x@anthology-bot apply",
        "@someone-else apply",
        "",
    ],
)
def test_quotes_code_prose_and_other_mentions_give_no_command(body: str) -> None:
    assert parse_commands(body, BOT) == []


@pytest.mark.parametrize(
    "body",
    [
        # A blockquote's lazy continuation line is still inside the quote.
        "> As the author said:\n/apply",
        "> As the author said:\n@anthology-bot apply",
        # HTML that GitHub renders as quote or code, also across blank lines.
        "<blockquote>\n/apply\n</blockquote>",
        "<blockquote>\n\n/apply\n\n</blockquote>",
        "<pre>\n/apply\n</pre>",
        "<code>\n/apply\n</code>",
        "<div><code>\n\n/apply\n\n</code></div>",
        "Like this: <code>/apply</code>",
        "<kbd>/apply</kbd>",
        "~~/apply~~",
        "> quoted\n>\n> /apply",
        "- > /apply",
        "   ```python\n/apply\n   ```",
    ],
)
def test_what_github_renders_as_quote_or_code_gives_no_command(body: str) -> None:
    assert parse_comment(body, BOT) == parse_comment("", BOT)


def test_commands_after_quotes_and_html_still_count() -> None:
    body = "> quoted\n\n/plan\n\n<pre>x</pre>\n\n/retry\n\n<blockquote>a</blockquote>\n\n/help"
    assert parse_commands(body, BOT) == [Command("plan"), Command("retry"), Command("help")]
    assert parse_commands("- /apply", BOT) == [Command("apply")]


@pytest.mark.parametrize(
    ("body", "unclear"),
    [
        ("/aply", [Unclear("/aply", "apply")]),
        ("/cancle\n/halp", [Unclear("/cancle", "cancel"), Unclear("/halp", "help")]),
        ("/bach spring", [Unclear("/bach", "batch")]),
        ("@anthology-bot please apply", [Unclear("@anthology-bot please apply", "apply")]),
        ("@anthology-bot thanks", [Unclear("@anthology-bot thanks", None)]),
        ("see /usr/bin and /s", []),
        ("/s is not a typo\n/etc", []),
        ("> /aply", []),
    ],
)
def test_mistyped_commands_and_unclear_mentions_are_found(
    body: str, unclear: list[Unclear]
) -> None:
    parsed = parse_comment(body, BOT)
    assert list(parsed.unclear) == unclear
    assert parsed.commands == ()
    assert bool(parsed) == bool(unclear)


def test_the_closest_command_prefers_an_exact_word() -> None:
    assert closest_command(["please", "apply"]) == "apply"
    assert closest_command(["retyr"]) == "retry"
    assert closest_command(["zzz"]) is None


def test_a_mention_needs_a_known_login_and_an_app_is_mentioned_without_bot() -> None:
    assert parse_commands("@anthology-bot apply", None) == []
    assert parse_commands("@anthology-bot apply", "anthology-bot[bot]") == [Command("apply")]
    assert parse_commands("@anthology-bot[bot] apply", "anthology-bot[bot]") == [Command("apply")]


def test_a_comment_gives_at_most_five_commands() -> None:
    body = "\n".join(f"/batch b{i}" for i in range(9))
    assert len(parse_commands(body)) == 5


def test_who_may_use_which_command() -> None:
    plan, apply, help_ = COMMANDS["plan"], COMMANDS["apply"], COMMANDS["help"]
    assert may_use(plan, is_maintainer=False, is_author=True)
    assert not may_use(apply, is_maintainer=False, is_author=True)
    assert may_use(apply, is_maintainer=True, is_author=False)
    assert may_use(help_, is_maintainer=False, is_author=False)
    assert not may_use(plan, is_maintainer=False, is_author=False)
    table = render_help(BOT, "approved")
    assert all(f"`{spec.usage}`" in table for spec in COMMANDS.values())
    assert "`@anthology-bot apply`" in table and "`approved`" in table


# -- branch names ---------------------------------------------------------------------------


def test_branch_names() -> None:
    assert branch_for_issue(12) == "bot/paper-assignment-12"
    assert issue_for_branch("bot/paper-assignment-12") == 12
    for other in ("bot/paper-assignment-", "bot/paper-assignment-012", "main", "x-12"):
        assert issue_for_branch(other) is None
    assert default_batch_name(today=dt.date(2026, 3, 14)) == "author-pages-2026-03-14"
    assert default_batch_name("bulk-verifications-", dt.date(2026, 1, 2)).endswith("01-02")
    assert check_batch_name("bulk/2026-spring") == "bulk/2026-spring"
    for bad in ("", "-x", "a..b", "a/.b", "x.lock", "bot/paper-assignment-3", "bot/x", "a b"):
        with pytest.raises(BatchNameError):
            check_batch_name(bad)
    with pytest.raises(BatchNameError):
        check_batch_name("trunk", default_branch="trunk")


# -- the bot's memory -------------------------------------------------------------------


def test_state_survives_the_status_comment_and_cannot_end_it_early() -> None:
    state = IssueState(fp="abc", kind="batched", batch="x-->y<z", pull=7, approved="abc")
    body = f"### Paper assignment\n\ntext\n{state.marker()}"
    assert "-->y" not in state.marker()
    assert IssueState.from_comment(body) == state
    assert IssueState.from_comment("no state here") == IssueState()
    assert IssueState.from_comment("<!-- anthology-bot:state {bad json} -->") == IssueState()
    broken = '<!-- anthology-bot:state {"pull": "7", "batch": 3} -->'
    assert IssueState.from_comment(broken) == IssueState()


def test_approval_is_confirmed_for_the_text_and_a_label_alone_is_not_approval() -> None:
    fp = fingerprint("Title", "Body\r\nline\n")
    assert fp == fingerprint("Title ", "Body\nline")
    assert fp != fingerprint("Title", "Body\nline 2")
    confirmed = IssueState(approved="p-plan", ok=fp)
    assert is_approved("off", "approved", (), IssueState(), fp)
    assert not is_approved("label", "approved", ("Approved",), IssueState(), fp)
    assert is_approved("label", "approved", (), confirmed, fp)
    assert not is_approved("label", "approved", (), confirmed, fingerprint("Title", "edited"))
    assert not is_approved("label", "approved", (), IssueState(ok=fp), fp)


# -- batches ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnthologyData]:
    root = tmp_path_factory.mktemp("batches")
    sample = Path(__file__).resolve().parent.parent / "sample" / "data"
    opened = AnthologyData(Path(shutil.copytree(sample, root / "data")), root / "index.sqlite")
    yield opened
    opened.close()


def new_person(source: str, papers: tuple[str, ...], first: str, last: str, orcid: str) -> Request:
    return Request(source, papers, Target("new", orcid=orcid, degree="JHU", name=Name(first, last)))


def test_conflicts_are_slots_two_issues_touch(data: AnthologyData) -> None:
    seed = data.plan(
        new_person(
            "tingfeng-hui/unverified",
            ("2025.acl-long.5", "2025.acl-long.12"),
            "Tingfeng",
            "Hui",
            "0000-0002-7182-8185",
        )
    )
    rival = data.plan(
        new_person(
            "tingfeng-hui/unverified",
            ("2025.acl-long.5",),
            "Tingfeng",
            "Hui",
            "0000-0002-1694-233X",
        )
    )
    other = data.plan(
        new_person(
            "shuohuan-wang/unverified",
            ("2025.acl-long.5",),
            "Shuohuan",
            "Wang",
            "0000-0001-5109-3700",
        )
    )
    assert seed.ok and rival.ok and other.ok
    conflicts = find_conflicts([(1, seed), (2, other), (3, rival)])
    assert list(conflicts) == [3]
    assert (conflicts[3].other, conflicts[3].slot) == (1, "2025.acl-long.5 author 1")
    # The one left out blocks nobody after it.
    assert find_conflicts([(3, rival), (1, seed), (2, other)]).keys() == {1}


def test_the_batch_record_round_trips_through_the_pull_request_body() -> None:
    record = BatchRecord(
        "author-pages-2026-03-14",
        {
            4: MemberRecord("f4", True, "included", position=1),
            9: MemberRecord("f9", True, "left_out", "conflict", conflict_with=4, slot="x author 1"),
            11: MemberRecord("f11", False, "left_out", "approval"),
        },
    )
    body = f"text\n{record.marker()}"
    assert BatchRecord.from_body(body) == record
    assert record.included == [4]
    assert "same author slot (x author 1) as #4" in record.members[9].describe()
    assert "approval" in record.members[11].describe()
    assert BatchRecord.from_body("an ordinary pull request") is None
