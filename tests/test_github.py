"""bot.io.github against the local GitHub stand-in, over real HTTP."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.io.github import (
    GitHubClient,
    GitHubError,
    GitHubNotFound,
    GitHubRepo,
    GitHubSettings,
    GitHubUnavailable,
    RetryPolicy,
    installation_id_from_payload,
    make_github,
)
from bot.workflow.markers import STATUS_MARKER
from tests.github_standin import GitHubStandIn, commit_to_branch, generate_app_key, make_bare_repo

REPO = "acl-org/acl-anthology"
NO_WAIT = RetryPolicy(attempts=3, backoff_factor=0.0, max_backoff=0.0, max_rate_limit_wait=60)


@pytest.fixture(scope="module")
def bare_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bare_repo(
        tmp_path_factory.mktemp("template") / "acl-anthology.git", {"README.md": "# data\n"}
    )


@pytest.fixture
def bare(bare_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template repository (cheaper than building one per test)."""
    return Path(shutil.copytree(bare_template, tmp_path / "remote" / "acl-anthology.git"))


@pytest.fixture
def standin(bare: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(repo=REPO, bare_repo_path=bare) as server:
        yield server


def settings_for(standin: GitHubStandIn, **overrides: object) -> GitHubSettings:
    values: dict[str, object] = {
        "repo": REPO,
        "api_url": standin.url,
        "token": standin.token,
        "retry": NO_WAIT,
        "throttle": False,
        "timeout": 1,
    }
    values.update(overrides)
    return GitHubSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(standin: GitHubStandIn) -> GitHubClient:
    return make_github(settings_for(standin))


@pytest.fixture
def repo(client: GitHubClient) -> GitHubRepo:
    return client.repo()


# -- reading and commenting ------------------------------------------------------


def test_get_issue(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("Fix my papers", "### Papers\r\n\r\nx", "alice", ["assignment"])
    issue = repo.get_issue(number)
    assert issue.number == number
    assert issue.title == "Fix my papers"
    assert issue.body == "### Papers\r\n\r\nx"
    assert issue.labels == ("assignment",)
    assert issue.author == "alice"
    assert issue.state == "open"
    assert not issue.is_pull_request
    assert issue.html_url.startswith(standin.url)
    assert repo.default_branch() == "master"


def test_status_comment_is_created_once_and_then_edited(
    standin: GitHubStandIn, repo: GitHubRepo
) -> None:
    number, _ = standin.open_issue("t", "b", "alice")
    standin.add_comment(number, f"{STATUS_MARKER} pasted by a user", "alice")
    assert repo.find_marked_comment(number, STATUS_MARKER) is None

    first = repo.upsert_marked_comment(number, "Planning…", STATUS_MARKER)
    assert first.body == f"{STATUS_MARKER}\nPlanning…"
    assert first.author == standin.login
    second = repo.upsert_marked_comment(number, "Pull request opened", STATUS_MARKER)
    third = repo.upsert_marked_comment(number, "Pull request opened", STATUS_MARKER)

    assert first.id == second.id == third.id
    mine = [c for c in standin.comments_on(number) if c.user == standin.login]
    assert len(mine) == 1
    assert mine[0].edits == 1  # the unchanged third update did not edit
    assert repo.find_marked_comment(number, STATUS_MARKER) == third
    assert standin.comments_on(number)[0].body.endswith("pasted by a user")


def test_duplicate_status_comments_are_removed(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("t", "b")
    for text in ("one", "two"):
        standin.store.add_comment(number, f"{STATUS_MARKER}\n{text}", standin.login)
    kept = repo.upsert_marked_comment(number, "three", STATUS_MARKER)
    remaining = standin.comments_on(number)
    assert [c.id for c in remaining] == [kept.id]
    assert remaining[0].body == f"{STATUS_MARKER}\nthree"


def test_plain_comment_labels_and_reactions(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("t", "b", labels=["assignment"])
    posted = repo.add_comment(number, "Preview: http://example.org")
    assert repo.get_comment(number, posted.id).body == "Preview: http://example.org"

    repo.add_labels(number, "bot: pr open", "assignment")
    assert repo.remove_label(number, "assignment") is True
    assert repo.remove_label(number, "assignment") is False
    assert standin.issue(number).labels == ["bot: pr open"]

    comment_id, _ = standin.add_comment(number, "/retry", "maint")
    repo.react(number, comment_id, "eyes")
    assert [r.content for r in standin.reactions_on_comment(comment_id)] == ["eyes"]
    with pytest.raises(ValueError):
        repo.react(number, comment_id, "thumbsup")

    repo.close_issue(number)
    assert standin.issue(number).state == "closed"
    assert standin.issue(number).state_reason == "completed"


# -- pull requests -----------------------------------------------------------------


def test_pull_request_lifecycle(standin: GitHubStandIn, repo: GitHubRepo, bare: Path) -> None:
    assert repo.find_open_pull("bot/issue-7") is None
    sha = commit_to_branch(bare, "bot/issue-7", {"README.md": "# changed\n"}, "Change")

    created = repo.upsert_pull("bot/issue-7", "master", "Fix #7", "Body", labels=["automated"])
    assert (created.head, created.base, created.head_sha) == ("bot/issue-7", "master", sha)
    assert created.labels == ("automated",)
    assert created.state == "open" and not created.merged

    updated = repo.upsert_pull("bot/issue-7", "master", "Fix #7 (v2)", "Body 2", ["automated"])
    assert updated.number == created.number
    assert (updated.title, updated.body) == ("Fix #7 (v2)", "Body 2")
    assert len(standin.pulls) == 1
    assert repo.find_open_pull("bot/issue-7") == updated
    assert repo.get_pull(created.number) == updated

    closed = repo.close_pull(created.number)
    assert closed.state == "closed"
    assert repo.find_open_pull("bot/issue-7") is None
    assert repo.delete_branch("bot/issue-7") is True
    assert repo.delete_branch("bot/issue-7") is False
    assert standin.branch_sha("bot/issue-7") is None


def test_pull_request_create_race_is_absorbed(
    standin: GitHubStandIn, repo: GitHubRepo, bare: Path
) -> None:
    commit_to_branch(bare, "bot/issue-8", {"x.txt": "x\n"}, "Add")
    # The POST creates the pull request, but its answer is lost (502): the retry
    # must find and update that pull request instead of failing or duplicating it.
    standin.fail_next("POST", r"/repos/.*/pulls", lose_answer=True)
    pull = repo.upsert_pull("bot/issue-8", "master", "Fix #8", "body", labels=["automated"])
    assert len(standin.pulls) == 1
    assert (pull.title, pull.body, pull.labels) == ("Fix #8", "body", ("automated",))
    assert [r.status for r in standin.requests_matching("POST", r".*/pulls")] == [502]


def test_status_comment_lost_answer_is_not_duplicated(
    standin: GitHubStandIn, repo: GitHubRepo
) -> None:
    number, _ = standin.open_issue("t", "b")
    standin.fail_next("POST", r".*/comments", lose_answer=True)
    status = repo.upsert_marked_comment(number, "Planning", STATUS_MARKER)
    assert [c.id for c in standin.comments_on(number)] == [status.id]


# -- identity and permissions ------------------------------------------------------


def test_permissions_use_role_names(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    for login, role in [
        ("ada", "admin"),
        ("max", "maintain"),
        ("wil", "write"),
        ("tri", "triage"),
        ("rea", "read"),
        ("non", "none"),
    ]:
        standin.set_permission(login, role)
        assert repo.permission(login) == role
    assert repo.permission("someone-else") == "read"
    assert repo.has_permission("max", "write")
    assert not repo.has_permission("tri", "write")


def test_token_client_login_and_git_token(standin: GitHubStandIn, client: GitHubClient) -> None:
    assert client.login() == standin.login
    assert client.git_token() == standin.token


def test_app_client(bare: Path) -> None:
    key = generate_app_key()
    with GitHubStandIn(repo=REPO, bare_repo_path=bare, app_id=99, app_private_key=key) as app:
        number, payload = app.open_issue("t", "b")
        installation = installation_id_from_payload(payload)
        assert installation == app.installation_id
        settings = settings_for(app, token=None, app_id=99, private_key=key)
        client = make_github(settings, installation)
        assert client.login() == "anthology-bot[bot]"
        token = client.git_token()
        assert token in app.installation_tokens
        status = client.repo().upsert_marked_comment(number, "hello", STATUS_MARKER)
        assert status.author == "anthology-bot[bot]"
        assert client.repo().find_marked_comment(number, STATUS_MARKER) == status
        assert "private_key" not in repr(settings) and key not in repr(settings)


def test_settings_validation() -> None:
    with pytest.raises(ValueError):
        GitHubSettings(repo=REPO)
    with pytest.raises(ValueError):
        GitHubSettings(repo="no-slash", token="x")
    assert "secret-token" not in repr(GitHubSettings(repo=REPO, token="secret-token"))


# -- failures and retries ----------------------------------------------------------


def test_502_twice_then_success(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("t", "b")
    standin.fail_next("GET", rf"/repos/{REPO}/issues/{number}", times=2)
    assert repo.get_issue(number).title == "t"
    attempts = standin.requests_matching("GET", rf"/repos/{REPO}/issues/{number}")
    assert [r.status for r in attempts] == [502, 502, 200]


def test_persistent_502_raises_unavailable(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("t", "b")
    standin.fail_next("GET", r".*", times=10)
    with pytest.raises(GitHubUnavailable) as info:
        repo.get_issue(number)
    message = str(info.value)
    assert "HTTP 502" in message and f"#{number}" in message and "3 attempts" in message
    assert standin.token not in message
    assert info.value.status == 502


def test_rate_limited_then_success(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("t", "b")
    standin.rate_limit_next("POST", r".*/comments", reset_in=0)
    standin.rate_limit_next("POST", r".*/comments", status=429, secondary=True, reset_in=0)
    comment = repo.add_comment(number, "hello")
    assert [c.id for c in standin.comments_on(number)] == [comment.id]
    faults = [r.fault for r in standin.requests_matching("POST", r".*/comments")]
    assert faults == ["rate_limit", "secondary_rate_limit", None]


def test_rate_limit_waits_for_the_reset(standin: GitHubStandIn) -> None:
    slept: list[float] = []
    client = make_github(settings_for(standin), sleep=slept.append)
    number, _ = standin.open_issue("t", "b")
    standin.rate_limit_next("GET", r".*", reset_in=20)
    assert client.repo().get_issue(number).number == number
    assert len(slept) == 1 and 15 <= slept[0] <= 21


def test_long_rate_limit_fails_at_once(standin: GitHubStandIn) -> None:
    slept: list[float] = []
    client = make_github(settings_for(standin), sleep=slept.append)
    number, _ = standin.open_issue("t", "b")
    standin.rate_limit_next("GET", r".*", reset_in=3600)
    with pytest.raises(GitHubUnavailable) as info:
        client.repo().get_issue(number)
    assert slept == []
    assert info.value.retry_after is not None and info.value.retry_after > 3000
    assert "rate limiting" in str(info.value)


def test_backoff_is_exponential(standin: GitHubStandIn) -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, backoff_factor=0.5, max_backoff=1.5)
    client = make_github(settings_for(standin, retry=policy), sleep=slept.append)
    number, _ = standin.open_issue("t", "b")
    standin.fail_next("GET", r".*", times=3, status=503)
    client.repo().get_issue(number)
    assert slept == [0.5, 1.0, 1.5]


def test_hanging_request_times_out_and_is_retried(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    number, _ = standin.open_issue("t", "b")
    standin.hang_next("GET", rf"/repos/{REPO}/issues/{number}", seconds=3)
    start = time.monotonic()
    assert repo.get_issue(number).title == "t"
    assert time.monotonic() - start < 2.9


def test_permanent_errors(standin: GitHubStandIn, repo: GitHubRepo) -> None:
    with pytest.raises(GitHubNotFound):
        repo.get_issue(999)
    bad = make_github(settings_for(standin, token="wrong-secret")).repo()
    with pytest.raises(GitHubError) as info:
        bad.get_issue(1)
    assert not isinstance(info.value, GitHubUnavailable)
    assert info.value.status == 401
    assert "wrong-secret" not in str(info.value)
    number, _ = standin.open_issue("t", "b")
    standin.fail_next("POST", r".*/comments", status=422)
    with pytest.raises(GitHubError) as info:
        repo.add_comment(number, "x")
    assert info.value.status == 422
