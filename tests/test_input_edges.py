"""Input edges (issue 13, cases 10 and 14): text and numbers that must not act or crash.

* user text (names, institutions) in a commit message can neither close an
  issue through GitHub's closing keywords nor add a git trailer (checked with
  ``git interpret-trailers``, git's own parser);
* an ``issue.number`` that is not a positive issue number is a clear 400
  (no job, no traceback, no 503);
* without ``BOT_LOGIN`` and with a token, the web process asks GitHub who the
  token is (``GET /user`` on the stand-in, over HTTP), once: the bot's own
  events queue nothing and a mention command is not dropped;
* a lone surrogate in a JSON request is a clear problem from ``plan``;
* ``refs/heads/...`` and ``origin/...`` are not batch names.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from bot.anthology.names import Name
from bot.config import Settings
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request, Target
from bot.queue.jobs import JobStore
from bot.queue.stores import open_store
from bot.text.comments import commit_message, commit_text
from bot.web.app import create_app
from bot.workflow.branches import BatchNameError, check_batch_name, issue_for_branch
from tests.github_standin import GitHubStandIn
from tests.webhooks import REPO, SECRET, issue_payload, post

ROOT = Path(__file__).resolve().parent.parent
# One line: the planner refuses institutions with line breaks before they get this far.
HOSTILE_INSTITUTION = (
    "Fixes #1, closes acl-org/acl-anthology#2, resolves https://github.com/acl-org/"
    "acl-anthology/issues/3 and GH-4 Signed-off-by: Mallory (m@example.invalid) "
    "Co-authored-by: Eve (e@example.invalid)"
)
# GitHub's closing keywords followed by a reference it understands
# (https://docs.github.com/en/issues/tracking-your-work-with-issues/linking-a-pull-request-to-an-issue).
CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+"
    r"(?:[\w.-]+/[\w.-]+)?(?:#|GH-)\d+|"
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+https?://github\.com/\S+/(?:issues|pull)/\d+",
    re.IGNORECASE,
)


# -- 10: user text in commit messages ------------------------------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnthologyData]:
    import shutil

    root = tmp_path_factory.mktemp("edges")
    opened = AnthologyData(
        Path(shutil.copytree(ROOT / "sample" / "data", root / "data")), root / "index.sqlite"
    )
    yield opened
    opened.close()


def git_trailers(message: str, cwd: Path) -> str:
    """The trailers git itself finds in a commit message."""
    done = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message,
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    return done.stdout


def test_user_text_in_a_commit_message_can_neither_close_issues_nor_add_trailers(
    data: AnthologyData, tmp_path: Path
) -> None:
    target = Target(
        "new",
        orcid="0000-0002-7182-8185",
        degree=HOSTILE_INSTITUTION,
        name=Name("Tingfeng", "Hui"),
    )
    plan = data.plan(Request("tingfeng-hui/unverified", ("2025.acl-long.5",), target))
    assert plan.ok, plan.problems
    multi_line = Target("new", orcid=target.orcid, degree="A\nSigned-off-by: M", name=target.name)
    refused = data.plan(Request("tingfeng-hui/unverified", ("2025.acl-long.5",), multi_line))
    assert [p.code for p in refused.problems] == ["degree-invalid"]
    message = commit_message(plan, 12)

    assert [m.group(0) for m in CLOSING.finditer(message)] == ["closes #12"]
    assert message.splitlines()[-1] == "closes #12"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert git_trailers(message, tmp_path) == ""
    for line in message.splitlines():
        assert not re.match(r"(?i)(signed-off-by|co-authored-by)\s*:", line), line
    # Still readable: the institution is there, only defused.
    assert "acl-org/acl-anthology＃2" in message
    assert "Signed-off-by: Mallory" in message  # inside a line, where it is no trailer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fixes #1", "Fixes ＃1"),
        ("closes acl-org/acl-anthology#2", "closes acl-org/acl-anthology＃2"),
        ("see https://github.com/o/r/issues/3", "see https://github[.]com/o/r/issues/3"),
        ("gh-4", "gh‐4"),
        ("a\nSigned-off-by: x\r\nb\u2028c\x00d", "a Signed-off-by: x b c d"),
        ("Universität Zürich", "Universität Zürich"),
    ],
)
def test_commit_text_defuses_references_and_line_breaks(text: str, expected: str) -> None:
    assert commit_text(text) == expected


# -- 14: issue numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("number", [True, False, -5, 0, 10**30, 2**63, 1.5, "7", None])
@pytest.mark.parametrize("event", ["issues", "issue_comment"])
def test_an_issue_number_that_is_no_issue_number_is_a_clear_400(
    client: FlaskClient,
    store: JobStore,
    event: str,
    number: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = issue_payload(number=7)
    payload["issue"]["number"] = number
    if event == "issue_comment":
        payload["action"] = "created"
        payload["comment"] = {"id": 1, "body": "/apply", "user": {"login": "alice"}}
    with caplog.at_level(logging.DEBUG):
        answer = post(client, event, payload)
    assert answer.status_code == 400, answer.get_json()
    assert "issue.number" in answer.get_json()["error"]
    assert store.jobs() == [] and store.delivery("d-1") is None
    assert not any(r.exc_info for r in caplog.records), "logged a traceback"


def test_the_largest_issue_number_is_still_accepted(client: FlaskClient, store: JobStore) -> None:
    answer = post(client, "issues", issue_payload(number=2**31 - 1))
    assert answer.status_code == 202
    assert [job.issue_number for job in store.jobs()] == [2**31 - 1]


@pytest.mark.parametrize("branch", ["bot/paper-assignment-١٢", "bot/paper-assignment-²", "x"])
def test_a_branch_with_other_digits_is_no_issue_branch(branch: str) -> None:
    assert issue_for_branch(branch) is None


# -- 14: the bot's login from its token ---------------------------------------------------------


@pytest.fixture
def standin() -> Iterator[GitHubStandIn]:
    server = GitHubStandIn(REPO, login="anthology-bot").start()
    yield server
    server.stop()


def token_client(standin: GitHubStandIn, tmp_path: Path) -> tuple[FlaskClient, JobStore]:
    settings = Settings.from_env(
        {
            "BOT_STATE_DIR": str(tmp_path),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_TOKEN": standin.token,
            "GITHUB_API_URL": standin.url,
            "ANTHOLOGY_REPO": REPO,
        }
    )
    assert settings.bot_login is None
    store = open_store(settings.queue_url)
    return create_app(settings, store).test_client(), store


def user_requests(standin: GitHubStandIn) -> int:
    return sum(1 for r in standin.requests if r.path.rstrip("/").endswith("/user"))


def test_without_bot_login_the_login_comes_from_the_token(
    standin: GitHubStandIn, tmp_path: Path
) -> None:
    client, store = token_client(standin, tmp_path)
    try:
        own = issue_payload(sender="anthology-bot")
        assert post(client, "issues", own, delivery="own").status_code == 200
        assert store.jobs() == []

        mention = issue_payload(action="created", sender="alice")
        mention["comment"] = {"id": 5, "body": "@anthology-bot apply", "user": {"login": "alice"}}
        answer = post(client, "issue_comment", mention, delivery="mention")
        assert answer.status_code == 202, answer.get_json()
        assert len(store.jobs()) == 1
        assert user_requests(standin) == 1  # asked once, then cached
    finally:
        store.close()


def test_an_unknown_login_is_503_not_a_guess(standin: GitHubStandIn, tmp_path: Path) -> None:
    client, store = token_client(standin, tmp_path)
    standin.tokens.clear()  # the token no longer works: GET /user is 401
    try:
        answer = post(client, "issues", issue_payload(sender="anthology-bot"))
        assert answer.status_code == 503
        assert "login" in answer.get_json()["error"]
        assert store.jobs() == [] and store.delivery("d-1") is None
    finally:
        store.close()


# -- 14: a lone surrogate, batch names ------------------------------------------------------


def test_a_lone_surrogate_in_a_json_request_is_a_clear_problem(tmp_path: Path) -> None:
    seed = json.loads((ROOT / "sample" / "requests" / "seed.json").read_text(encoding="utf-8"))
    text = json.dumps(seed).replace('"Tingfeng"', '"Ting\\ud800feng"', 1)
    assert "\\ud800" in text
    request = tmp_path / "request.json"
    request.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "plan",
            "--data",
            str(ROOT / "sample" / "data"),
            "--index",
            str(tmp_path / "index.sqlite"),
            str(request),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "surrogate" in done.stderr or "not a character" in done.stderr


@pytest.mark.parametrize(
    "name",
    ["refs/heads/master", "refs/heads/main", "refs/tags/v1", "origin/master", "origin/x", "HEAD"],
)
def test_ref_names_are_not_batch_names(name: str) -> None:
    with pytest.raises(BatchNameError):
        check_batch_name(name)


def test_ordinary_batch_names_are_still_accepted() -> None:
    assert check_batch_name("bulk-verifications-2026-03-14") == "bulk-verifications-2026-03-14"
    assert check_batch_name("author-pages/march") == "author-pages/march"
