"""bot.text.comments: the status comment, the pull request text and the commit message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.anthology.names import Name
from bot.engine.dataset import AnthologyData
from bot.engine.planner import Plan
from bot.engine.request import Problem, Request, Target
from bot.text.comments import (
    IssueStatus,
    PreviewLinks,
    PullLink,
    commit_message,
    complete_notice,
    merged_notice,
    pull_body,
    pull_notice,
    pull_title,
    question_notice,
    render_status_comment,
)
from bot.worker.jobs.issue import branch_for_issue, field_labels, preview_links
from bot.workflow.preview import DEFAULT_PREVIEW_URL_TEMPLATE

PAPERS = ("2025.acl-long.5", "2025.acl-long.12", "2023.findings-emnlp.3")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnthologyData]:
    import shutil

    root = tmp_path_factory.mktemp("comments")
    repo = Path(__file__).resolve().parent.parent
    opened = AnthologyData(
        Path(shutil.copytree(repo / "sample" / "data", root / "data")), root / "index.sqlite"
    )
    yield opened
    opened.close()


def seed_plan(data: AnthologyData, papers: tuple[str, ...] = PAPERS, **target: object) -> Plan:
    values: dict[str, object] = {
        "orcid": "0000-0002-7182-8185",
        "degree": "Beijing University of Posts and Telecommunications",
        "name": Name("Tingfeng", "Hui"),
    }
    values.update(target)
    return data.plan(Request("tingfeng-hui/unverified", papers, Target("new", **values)))  # type: ignore[arg-type]


def test_proposed_status_lists_the_papers_the_pull_request_and_the_previews(
    data: AnthologyData,
) -> None:
    plan = seed_plan(data)
    branch = branch_for_issue(12)
    previews = preview_links(branch, plan, DEFAULT_PREVIEW_URL_TEMPLATE)
    status = IssueStatus(
        "proposed",
        plan=plan,
        pull=PullLink(13, "https://github.com/o/r/pull/13"),
        branch=branch,
        previews=previews,
    )
    text = render_status_comment(status)
    assert text == render_status_comment(status)  # deterministic: no times, no run ids
    for paper in PAPERS:
        assert f"[`{paper}`](https://aclanthology.org/{paper}/)" in text
    assert "HFT: Half Fine-Tuning for Large Language Models" in text
    assert "new person tingfeng-hui" in text and "0000-0002-7182-8185" in text
    assert "**Pull request:** #13 (https://github.com/o/r/pull/13)" in text
    assert f"- the whole site on this branch: {previews.site}" in text
    assert f"{previews.site}people/tingfeng-hui/unverified/): the papers leave this page" in text
    assert f"{previews.site}people/tingfeng-hui/): the papers arrive on this page" in text
    assert previews.site.startswith("https://preview.aclanthology.org/bot-paper-assignment-12-")


def test_questions_name_the_form_fields_and_escape_user_text() -> None:
    problems = (
        Problem("papers", "2025.acl-long.999 is not in the Anthology. @everyone | *look*", "x"),
        Problem("orcid", "Please give the ORCID iD of the person.", "missing_orcid"),
    )
    status = IssueStatus(
        "questions",
        problems=problems,
        field_labels=field_labels(),
        pull=PullLink(4, "https://github.com/o/r/pull/4"),
    )
    text = render_status_comment(status)
    assert "please answer these questions" in text
    assert "- **Papers to reassign**: 2025.acl-long.999 is not in the Anthology." in text
    assert "- **ORCID iD**: Please give the ORCID iD of the person." in text
    assert "@everyone" not in text and "\\| \\*look\\*" in text
    assert "The pull request #4 shows the earlier version" in text


def test_questions_show_what_was_understood_of_a_plan_with_problems(data: AnthologyData) -> None:
    plan = seed_plan(data, papers=("2025.acl-long.5", "2025.acl-long.999"))
    assert plan.problems and plan.people_changes
    status = IssueStatus("questions", plan=plan, problems=tuple(plan.problems))
    text = render_status_comment(status)
    assert "What I understood so far" in text
    assert text.count("please answer") == 1
    assert "Before anything can change" not in text  # the problems are listed once


def test_other_statuses() -> None:
    nothing = render_status_comment(IssueStatus("nothing"))
    assert "Nothing to change" in nothing
    blocked = render_status_comment(IssueStatus("blocked", branch="bot/paper-assignment-3"))
    assert "`bot/paper-assignment-3` has commits that I did not make" in blocked
    failed = render_status_comment(IssueStatus("failed", message="GitHub did not answer <script>"))
    assert "I could not finish" in failed and "\\<script\\>" in failed
    for text in (nothing, blocked, failed):
        assert text.startswith("### Paper assignment")


def test_pull_request_and_commit_texts(data: AnthologyData) -> None:
    plan = seed_plan(data)
    assert pull_title(plan, 12) == (
        "Paper assignment: 3 papers from tingfeng-hui/unverified to tingfeng-hui (#12)"
    )
    body = pull_body(plan, 12, "https://github.com/o/r/issues/12", PreviewLinks("https://p/x/"))
    assert (
        body.splitlines()[1]
        == "Closes #12: the change requested in https://github.com/o/r/issues/12"
    )
    assert "- [`2025.acl-long.5`](https://aclanthology.org/2025.acl-long.5/) HFT" in body
    assert "https://p/x/" in body
    message = commit_message(plan, 12)
    lines = message.splitlines()
    assert lines[0] == "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui"
    assert (
        "- 2025.acl-long.5: Tingfeng Hui (author 1), tingfeng-hui/unverified -> tingfeng-hui"
        in lines
    )
    assert any(line.startswith("people.json: new person tingfeng-hui") for line in lines)
    assert lines[-1] == "closes #12"


def test_the_status_comment_reads_on_a_phone(data: AnthologyData) -> None:
    """No wide table; each paper id starts its own line in a code span; no `degree`."""
    plan = seed_plan(data)
    text = render_status_comment(IssueStatus("proposed", plan=plan))
    assert "|---|" not in text and "| paper |" not in text
    paper_lines = [line for line in text.splitlines() if line.startswith("- [`20")]
    assert [line.split("`")[1] for line in paper_lines] == list(PAPERS)
    assert all("— Tingfeng Hui" in line for line in paper_lines)
    assert "degree" not in text
    assert "institution: Beijing University of Posts and Telecommunications" in text


def test_a_link_to_a_new_page_says_it_is_live_after_the_merge(data: AnthologyData) -> None:
    new = render_status_comment(IssueStatus("proposed", plan=seed_plan(data)))
    assert (
        "- **to** [`tingfeng-hui`](https://aclanthology.org/people/tingfeng-hui/) "
        "(a new page: live after the change is merged)" in new
    )
    assert new.count("live after the change is merged") == 1
    assert (
        "- **from** [`tingfeng-hui/unverified`]"
        "(https://aclanthology.org/people/tingfeng-hui/unverified/) (unverified)" in new
    )
    existing = data.plan(
        Request("adam-lopez/unverified", ("N19-1006",), Target("existing", id="shay-b-cohen"))
    )
    assert existing.ok and existing.moves
    text = render_status_comment(IssueStatus("proposed", plan=existing))
    assert "- **to** [`shay-b-cohen`](https://aclanthology.org/people/shay-b-cohen/)\n" in text
    assert "live after the change is merged" not in text  # that page exists already


def test_the_parsers_notes_reach_the_status_comment(data: AnthologyData) -> None:
    """What the parser noted (e.g. an ORCID it leaves alone) is shown, never silently dropped."""
    plan = seed_plan(data)
    note = "The ORCID iD 0000-0002-7182-8185 is not changed by this request."
    plan.request.extra["resolved"] = [note]
    text = render_status_comment(IssueStatus("proposed", plan=plan))
    assert "How I read the request" in text and note in text
    plan.request.extra.pop("resolved")
    assert "How I read the request" not in render_status_comment(IssueStatus("proposed", plan=plan))


def test_notices_mention_the_filer_once_and_link_where_to_look() -> None:
    url = "https://github.com/acl-org/acl-anthology/issues/7#issuecomment-1"
    pull = PullLink(12, "https://github.com/acl-org/acl-anthology/pull/12")
    texts = [
        question_notice("jane", url),
        complete_notice("jane", url, awaiting_approval=True),
        pull_notice("jane", pull, opened=True),
        pull_notice("jane", pull, opened=False),
        merged_notice(12, "Live tomorrow.", "jane"),
    ]
    for text in texts:
        assert text.count("@jane") == 1 and len(text) < 300
    assert url in texts[0] and url in texts[1] and "approve" in texts[1]
    assert "opened the pull request #12" in texts[2] and pull.url in texts[2]
    assert "updated the pull request #12" in texts[3]
    assert "Live tomorrow." in texts[4]


def test_the_conversation_reaches_the_status_comment() -> None:
    status = IssueStatus(
        "questions",
        problems=(Problem("papers", "Which papers?", "missing_papers"),),
        conversation=(
            "I read your answer in comment https://github.com/o/r/issues/1#issuecomment-5: "
            "the papers.",
            "papers decided by @maria in comment https://github.com/o/r/issues/1#issuecomment-6.",
        ),
    )
    text = render_status_comment(status)
    assert "**From the comments:**" in text
    assert "https://github.com/o/r/issues/1#issuecomment-5" in text  # links stay links
    assert "in a new comment" in text
