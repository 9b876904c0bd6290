"""The GitHub stand-in, exercised with the real PyGithub client and the real git CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests
from github import Auth, Github, GithubException, GithubIntegration

from tests.fulldata import shared_dir
from tests.github_standin import (
    GitHubStandIn,
    build_delivery,
    commit_to_branch,
    generate_app_key,
    make_bare_repo,
    sign,
)

WEBHOOKS = shared_dir() / "github-webhooks"
REPO = "acl-org/acl-anthology"
FAST = {"seconds_between_requests": None, "seconds_between_writes": None}


@pytest.fixture(scope="module")
def bare_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bare_repo(
        tmp_path_factory.mktemp("template") / "acl-anthology.git",
        {"data/xml/2024.acl.xml": "<collection/>\n", "README.md": "# data\n"},
    )


@pytest.fixture
def bare(bare_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template repository (cheaper than building one per test)."""
    return Path(shutil.copytree(bare_template, tmp_path / "remote" / "acl-anthology.git"))


@pytest.fixture
def standin(bare: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(repo=REPO, bare_repo_path=bare) as server:
        yield server


def github_for(standin: GitHubStandIn, token: str | None = None) -> Github:
    return Github(
        base_url=standin.url,
        auth=Auth.Token(token or standin.token),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Anthology Bot",
        GIT_AUTHOR_EMAIL="bot@example.org",
        GIT_COMMITTER_NAME="Anthology Bot",
        GIT_COMMITTER_EMAIL="bot@example.org",
    )
    return env


def run_git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=git_env(), check=False
    )


# -- REST through PyGithub --------------------------------------------------------


def test_repo_and_urls_use_the_standin_base(standin: GitHubStandIn) -> None:
    repo = github_for(standin).get_repo(REPO)
    assert repo.full_name == REPO
    assert repo.default_branch == "master"
    assert repo.url.startswith(standin.url)
    assert repo.clone_url == standin.clone_url


def test_comment_create_edit_and_history(standin: GitHubStandIn) -> None:
    number, _ = standin.open_issue("Fix my papers", "### Author page\n\nx", user="alice")
    issue = github_for(standin).get_repo(REPO).get_issue(number)
    assert issue.title == "Fix my papers"
    assert issue.user.login == "alice"

    comment = issue.create_comment("working on it")
    comment.edit("done")
    comment.edit("done")  # unchanged: not an edit

    stored = standin.comments[comment.id]
    assert stored.body == "done"
    assert stored.edits == 1
    assert stored.user == standin.login
    assert [c.body for c in issue.get_comments()] == ["done"]
    assert issue.get_comment(comment.id).html_url.startswith(standin.url)


def test_comment_pagination_follows_link_headers(standin: GitHubStandIn) -> None:
    number, _ = standin.open_issue("Many comments", "body")
    for i in range(35):
        standin.add_comment(number, f"comment {i}", "bob")
    github = Github(
        base_url=standin.url,
        auth=Auth.Token(standin.token),
        per_page=10,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    bodies = [c.body for c in github.get_repo(REPO).get_issue(number).get_comments()]
    assert bodies == [f"comment {i}" for i in range(35)]
    assert len(standin.requests_matching("GET", r".*/issues/\d+/comments")) == 4


def add_labels(github: Github, issue_url: str, *labels: str) -> None:
    """Add labels in the form GitHub's API description documents (PyGithub's
    ``add_to_labels`` sends a bare array, which it does not)."""
    github.requester.requestJsonAndCheck("POST", f"{issue_url}/labels", input={"labels": labels})


def test_labels_and_reactions(standin: GitHubStandIn) -> None:
    number, _ = standin.open_issue("Labels", "body", labels=["assignment"])
    github = github_for(standin)
    issue = github.get_repo(REPO).get_issue(number)
    add_labels(github, issue.url, "bot: pr open", "assignment")
    issue.remove_from_labels("assignment")
    assert standin.issue(number).labels == ["bot: pr open"]
    with pytest.raises(GithubException) as info:
        issue.remove_from_labels("not there")
    assert info.value.status == 404

    comment_id, _ = standin.add_comment(number, "/retry", "maintainer")
    comment = issue.get_comment(comment_id)
    comment.create_reaction("eyes")
    comment.create_reaction("eyes")  # idempotent, as on GitHub
    assert [(r.content, r.user) for r in standin.reactions_on_comment(comment_id)] == [
        ("eyes", standin.login)
    ]


def test_pull_requests(standin: GitHubStandIn, bare: Path) -> None:
    github = github_for(standin)
    repo = github.get_repo(REPO)
    with pytest.raises(GithubException) as info:
        repo.create_pull(base="master", head="bot/issue-1", title="t", body="b")
    assert info.value.status == 422  # no such branch yet

    sha = commit_to_branch(bare, "bot/issue-1", {"README.md": "# changed\n"}, "Change")
    pull = repo.create_pull(base="master", head="bot/issue-1", title="Fix #1", body="Body")
    assert pull.head.sha == sha
    assert pull.commits == 1
    assert pull.merged is False
    add_labels(github, pull.issue_url, "automated")
    assert standin.issue(pull.number).labels == ["automated"]
    with pytest.raises(GithubException) as info:
        repo.create_pull(base="master", head="bot/issue-1", title="again", body="")
    assert "already exists" in json.dumps(info.value.data)

    found = list(repo.get_pulls(state="open", head="acl-org:bot/issue-1"))
    assert [p.number for p in found] == [pull.number]
    assert list(repo.get_pulls(state="open", head="acl-org:other")) == []

    pull.edit(title="Fix #1 (updated)", state="closed")
    assert standin.pulls[0].title == "Fix #1 (updated)"
    assert standin.pulls[0].state == "closed"
    assert list(repo.get_pulls(state="open")) == []


def test_merge_and_branch_deletion(standin: GitHubStandIn, bare: Path) -> None:
    repo = github_for(standin).get_repo(REPO)
    commit_to_branch(bare, "bot/issue-2", {"new.txt": "x\n"}, "Add")
    pull = repo.create_pull(base="master", head="bot/issue-2", title="t", body="b")
    payload = standin.merge_pull(pull.number, user="maintainer")
    assert payload["pull_request"]["merged"] is True
    assert repo.get_pull(pull.number).merged is True
    assert standin.git("show", "master:new.txt") == "x"

    repo.get_git_ref("heads/bot/issue-2").delete()
    assert standin.branch_sha("bot/issue-2") is None
    with pytest.raises(GithubException) as info:
        repo.get_git_ref("heads/bot/issue-2")
    assert info.value.status == 404
    again = requests.delete(
        f"{standin.url}/repos/{REPO}/git/refs/heads/bot/issue-2",
        headers={"Authorization": f"token {standin.token}"},
        timeout=5,
    )
    assert again.status_code == 422


def test_collaborator_permission_and_user(standin: GitHubStandIn) -> None:
    standin.set_permission("maint", "maintain")
    standin.set_permission("tri", "triage")
    github = github_for(standin)
    repo = github.get_repo(REPO)
    assert repo.get_collaborator_permission("maint") == "write"
    assert repo.get_collaborator_permission("tri") == "read"
    assert repo.get_collaborator_permission("stranger") == "read"
    raw = requests.get(f"{standin.url}/repos/{REPO}/collaborators/maint/permission", timeout=5)
    assert raw.json()["role_name"] == "maintain"
    assert github.get_user().login == standin.login


def test_bad_token_is_rejected(standin: GitHubStandIn) -> None:
    with pytest.raises(GithubException) as info:
        github_for(standin, token="wrong").get_repo(REPO).get_issue(1).title  # noqa: B018
    assert info.value.status == 401


def test_github_app_installation_token(standin: GitHubStandIn, bare: Path) -> None:
    key = generate_app_key()
    with GitHubStandIn(repo=REPO, bare_repo_path=bare, app_id=77, app_private_key=key) as app:
        integration = GithubIntegration(auth=Auth.AppAuth(77, key), base_url=app.url, **FAST)
        assert integration.get_app().slug == "anthology-bot"
        token = integration.get_access_token(app.installation_id).token
        assert token.startswith("ghs_")
        github = integration.get_github_for_installation(app.installation_id)
        number, payload = app.open_issue("t", "b")
        assert payload["installation"]["id"] == app.installation_id
        github.get_repo(REPO).get_issue(number).create_comment("hi")
        assert app.comments_on(number)[0].user == "anthology-bot[bot]"
        with pytest.raises(GithubException) as info:
            github.get_user().login  # noqa: B018
        assert info.value.status == 403  # as on GitHub: /user is not for installations
        wrong = GithubIntegration(auth=Auth.AppAuth(78, key), base_url=app.url, **FAST)
        with pytest.raises(GithubException):
            wrong.get_access_token(app.installation_id)


# -- faults ----------------------------------------------------------------------


def test_fault_injection(standin: GitHubStandIn) -> None:
    number, _ = standin.open_issue("t", "b")
    url = f"{standin.url}/repos/{REPO}/issues/{number}"
    standin.fail_next("GET", r"/repos/.*/issues/\d+", times=2)
    assert requests.get(url, timeout=5).status_code == 502
    assert requests.get(url, timeout=5).status_code == 502
    assert requests.get(url, timeout=5).status_code == 200

    standin.rate_limit_next("*", r"/repos/.*", reset_in=30)
    limited = requests.get(url, timeout=5)
    assert limited.status_code == 403
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time()) + 29

    standin.hang_next("GET", r"/repos/.*", seconds=0.5)
    start = time.monotonic()
    assert requests.get(url, timeout=5).status_code == 200
    assert time.monotonic() - start >= 0.5
    assert [r.fault for r in standin.requests[-5:]] == [
        "status",
        "status",
        None,
        "rate_limit",
        "hang",
    ]


# -- git smart HTTP --------------------------------------------------------------


def test_git_clone_and_push_over_http(standin: GitHubStandIn, tmp_path: Path) -> None:
    work = tmp_path / "clone"
    cloned = run_git("clone", "--quiet", standin.clone_url, str(work))
    assert cloned.returncode == 0, cloned.stderr
    assert (work / "data/xml/2024.acl.xml").exists()

    (work / "README.md").write_text("# pushed\n")
    assert run_git("commit", "--quiet", "-am", "Pushed", cwd=work).returncode == 0
    anonymous = run_git("push", "origin", "HEAD:refs/heads/bot/x", cwd=work)
    assert anonymous.returncode != 0  # pushing needs a token

    header = "Authorization: Basic " + _basic("x-access-token", standin.token)
    pushed = run_git(
        "-c", f"http.extraHeader={header}", "push", "origin", "HEAD:refs/heads/bot/x", cwd=work
    )
    assert pushed.returncode == 0, pushed.stderr
    head = run_git("rev-parse", "HEAD", cwd=work).stdout.strip()
    assert standin.branch_sha("bot/x") == head
    assert "pushed" in standin.git("show", "bot/x:README.md")

    # --force-with-lease against a stale expectation is refused by the server's state
    (work / "README.md").write_text("# again\n")
    run_git("commit", "--quiet", "-am", "Again", cwd=work)
    stale = run_git(
        "-c",
        f"http.extraHeader={header}",
        "push",
        "--force-with-lease=refs/heads/bot/x:" + "1" * 40,
        "origin",
        "HEAD:refs/heads/bot/x",
        cwd=work,
    )
    assert stale.returncode != 0
    assert "stale info" in stale.stderr
    assert standin.branch_sha("bot/x") == head


def test_git_rejects_unknown_tokens(standin: GitHubStandIn, tmp_path: Path) -> None:
    header = "Authorization: Basic " + _basic("x-access-token", "nope")
    result = run_git("-c", f"http.extraHeader={header}", "ls-remote", standin.clone_url)
    assert result.returncode != 0
    standin.accept_any_git_token = True
    result = run_git("-c", f"http.extraHeader={header}", "ls-remote", standin.clone_url)
    assert result.returncode == 0


def _basic(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# -- webhooks --------------------------------------------------------------------


def test_signature_matches_githubs_test_vector() -> None:
    assert (
        sign(b"Hello, World!", "It's a Secret to Everybody")
        == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_payloads_have_the_shape_of_real_ones(standin: GitHubStandIn) -> None:
    real_issue = json.loads((WEBHOOKS / "issues/opened.payload.json").read_text())
    real_comment = json.loads((WEBHOOKS / "issue_comment/created.payload.json").read_text())
    number, opened = standin.open_issue("Fix", "body", user="alice", labels=["bug"])
    _, created = standin.add_comment(number, "/retry", "maintainer")

    assert set(real_issue) <= set(opened) | {"installation"}
    assert set(real_issue["issue"]) <= set(opened["issue"])
    assert set(real_issue["repository"]) <= set(opened["repository"])
    assert set(real_comment["comment"]) <= set(created["comment"])
    assert set(real_comment["issue"]["user"]) <= set(created["issue"]["user"])
    assert created["comment"]["user"]["login"] == "maintainer"
    assert created["issue"]["number"] == number
    assert opened["issue"]["labels"][0]["name"] == "bug"
    assert opened["issue"]["url"].startswith(standin.url)

    edited = standin.edit_issue(number, body="new body")
    assert edited["changes"] == {"body": {"from": "body"}}
    assert edited["issue"]["body"] == "new body"


def test_deliver_sends_signed_requests(standin: GitHubStandIn) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        _, payload = standin.open_issue("Ünïcode title", "body")
        url = f"http://127.0.0.1:{server.server_port}/webhook"
        response = standin.deliver(url, "issues", payload, "s3cret", delivery_id="abc-1")
        assert response.status_code == 202
    finally:
        server.shutdown()
        server.server_close()
    headers, body = received[0]
    assert headers["X-GitHub-Event"] == "issues"
    assert headers["X-GitHub-Delivery"] == "abc-1"
    assert headers["X-Hub-Signature-256"] == sign(body, "s3cret")
    assert json.loads(body)["issue"]["title"] == "Ünïcode title"

    body2, headers2 = build_delivery("ping", {"zen": "x"}, None)
    assert "X-Hub-Signature-256" not in headers2
    assert json.loads(body2) == {"zen": "x"}
