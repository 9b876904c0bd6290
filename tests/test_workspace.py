"""bot.io.workspace with real git against a bare repository served over HTTP by the stand-in."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.io.workspace import (
    GitError,
    GitIdentity,
    LeaseRejected,
    NothingToCommit,
    Workspace,
)
from tests.github_standin import GitHubStandIn, commit_to_branch, make_bare_repo

BOT = GitIdentity("ACL Anthology Bot", "anthology-bot@users.noreply.example.org")
HUMAN = ("Maria Maintainer", "maria@example.org")
BRANCH = "bot/issue-12"


@pytest.fixture(scope="module")
def bare_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bare_repo(
        tmp_path_factory.mktemp("template") / "acl-anthology.git",
        {
            "data/xml/2024.acl.xml": "<collection id='2024.acl'/>\n",
            "data/yaml/people.yaml": "{}\n",
        },
    )


@pytest.fixture
def bare(bare_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template repository (cheaper than building one per test)."""
    return Path(shutil.copytree(bare_template, tmp_path / "remote" / "acl-anthology.git"))


@pytest.fixture
def standin(bare: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(repo="acl-org/acl-anthology", bare_repo_path=bare) as server:
        yield server


@pytest.fixture
def workspace(standin: GitHubStandIn, tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "state", standin.clone_url, BOT, token=standin.token)
    ws.prepare()
    return ws


def edit(path: Path, name: str, text: str) -> None:
    target = path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_clone_worktree_commit_push_new_branch(
    standin: GitHubStandIn, workspace: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.io.workspace")
    assert workspace.default_branch() == "master"
    job = workspace.open_job("job-1", BRANCH)
    assert job.path == tmp_path / "state" / "worktrees" / "job-1"
    assert job.remote_sha is None
    assert job.start_sha == standin.branch_sha("master")
    assert (job.path / "data/xml/2024.acl.xml").exists()

    edit(job.path, "data/yaml/people.yaml", "ann-lee: {}\n")
    edit(job.path, "data/yaml/new.yaml", "x\n")
    assert job.changed_files() == ["data/yaml/new.yaml", "data/yaml/people.yaml"]
    message = "Fix paper assignments for #12\n\n# this line stays\nRequested by @alice"
    sha = job.commit(message)
    assert job.push(None) == sha

    assert standin.branch_sha(BRANCH) == sha
    assert standin.git("log", "-1", "--format=%an <%ae>|%cn", BRANCH) == (
        f"{BOT.name} <{BOT.email}>|{BOT.name}"
    )
    assert standin.git("log", "-1", "--format=%B", BRANCH) == message
    assert standin.git("show", f"{BRANCH}:data/yaml/people.yaml") == "ann-lee: {}"
    pushes = standin.requests_matching("POST", r".*/git-receive-pack")
    assert pushes and pushes[-1].login == standin.login

    # the token is nowhere on disk and in no log line
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert standin.token.encode() not in path.read_bytes(), path
    assert standin.token not in caplog.text
    config = (workspace.clone_dir / ".git" / "config").read_text()
    assert standin.clone_url in config

    job.remove()
    assert not job.path.exists()


def test_update_with_lease(standin: GitHubStandIn, workspace: Workspace) -> None:
    first = workspace.open_job("job-1", BRANCH)
    edit(first.path, "a.txt", "1\n")
    v1 = first.commit("v1")
    first.push(None)
    first.remove()

    # build on the existing branch
    second = workspace.open_job("job-2", BRANCH, from_remote_branch=True)
    assert second.remote_sha == v1 and second.start_sha == v1
    edit(second.path, "a.txt", "2\n")
    v2 = second.commit("v2")
    assert second.push(second.remote_sha) == v2
    assert standin.git("rev-list", "--count", f"master..{BRANCH}") == "2"

    # or redo it from the default branch: a rewrite, allowed by the lease
    third = workspace.open_job("job-3", BRANCH)
    assert third.remote_sha == v2 and third.start_sha == standin.branch_sha("master")
    edit(third.path, "a.txt", "3\n")
    v3 = third.commit("v3")
    assert third.push(third.remote_sha) == v3
    assert standin.branch_sha(BRANCH) == v3
    assert standin.git("rev-list", "--count", f"master..{BRANCH}") == "1"


def test_lease_rejected_when_the_branch_moved(
    standin: GitHubStandIn, workspace: Workspace, bare: Path
) -> None:
    job = workspace.open_job("job-1", BRANCH)
    edit(job.path, "a.txt", "bot\n")
    job.commit("bot")
    job.push(None)

    again = workspace.open_job("job-2", BRANCH)
    human = commit_to_branch(bare, BRANCH, {"a.txt": "human\n"}, "Human fix", author=HUMAN)
    edit(again.path, "a.txt", "bot again\n")
    again.commit("bot again")
    with pytest.raises(LeaseRejected):
        again.push(again.remote_sha)
    assert standin.branch_sha(BRANCH) == human

    # a "new" branch that someone created meanwhile is not overwritten either
    other = workspace.open_job("job-3", "bot/issue-13")
    commit_to_branch(bare, "bot/issue-13", {"b.txt": "x\n"}, "Human", author=HUMAN, start="master")
    edit(other.path, "b.txt", "bot\n")
    other.commit("bot")
    with pytest.raises(LeaseRejected):
        other.push(None)


def test_foreign_commits_detected(standin: GitHubStandIn, workspace: Workspace, bare: Path) -> None:
    assert workspace.foreign_commits(BRANCH) == []
    job = workspace.open_job("job-1", BRANCH)
    edit(job.path, "a.txt", "bot\n")
    job.commit("bot")
    job.push(None)
    workspace.fetch()
    assert [c.subject for c in workspace.branch_commits(BRANCH)] == ["bot"]
    assert workspace.foreign_commits(BRANCH) == []

    commit_to_branch(bare, BRANCH, {"a.txt": "human\n"}, "Human touch", author=HUMAN)
    workspace.fetch()
    foreign = workspace.foreign_commits(BRANCH)
    assert [(c.subject, c.author_email) for c in foreign] == [("Human touch", HUMAN[1])]


def test_nothing_to_commit(workspace: Workspace) -> None:
    job = workspace.open_job("job-1", BRANCH)
    with pytest.raises(NothingToCommit):
        job.commit("empty")


def test_stale_worktrees_are_cleaned_on_start(standin: GitHubStandIn, tmp_path: Path) -> None:
    first = Workspace(tmp_path / "state", standin.clone_url, BOT, token=standin.token)
    first.prepare()
    left = first.open_job("crashed-job", BRANCH)
    edit(left.path, "junk.txt", "x\n")
    (first.worktrees_dir / "not-a-worktree").mkdir()

    restarted = Workspace(tmp_path / "state", standin.clone_url, BOT, token=standin.token)
    restarted.prepare()
    assert not restarted.worktrees_dir.exists() or not any(restarted.worktrees_dir.iterdir())
    listing = restarted._git.out(restarted.clone_dir, "worktree", "list", "--porcelain")
    assert "crashed-job" not in listing
    # and the same job id can be opened again
    assert restarted.open_job("crashed-job", BRANCH).path.exists()

    keep = restarted.open_job("running", BRANCH)
    assert restarted.clean_stale_worktrees(keep=["running"]) == ["crashed-job"]
    assert keep.path.exists()


def test_clone_follows_a_moved_remote_and_fetches(
    standin: GitHubStandIn, workspace: Workspace, bare: Path
) -> None:
    new_master = commit_to_branch(bare, "master", {"c.txt": "c\n"}, "Upstream", author=HUMAN)
    job = workspace.open_job("job-1", BRANCH)
    assert job.start_sha == new_master

    moved = Workspace(workspace.state_dir, standin.clone_url + "/", BOT, token=standin.token)
    moved.ensure_clone()
    assert moved._git.out(moved.clone_dir, "remote", "get-url", "origin").endswith(".git/")


def test_push_needs_the_token(standin: GitHubStandIn, tmp_path: Path) -> None:
    anonymous = Workspace(tmp_path / "anon", standin.clone_url, BOT)
    anonymous.prepare()  # cloning a public repository needs no token
    job = anonymous.open_job("job-1", BRANCH)
    edit(job.path, "a.txt", "x\n")
    job.commit("x")
    with pytest.raises(GitError) as info:
        job.push(None)
    assert not isinstance(info.value, LeaseRejected)
    assert standin.branch_sha(BRANCH) is None


def test_token_source_is_called_and_scrubbed(standin: GitHubStandIn, tmp_path: Path) -> None:
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return standin.token

    ws = Workspace(tmp_path / "state", standin.clone_url, BOT, token=token)
    ws.prepare()
    assert calls
    with pytest.raises(GitError) as info:
        ws._git.run(ws.clone_dir, "fetch", "origin", f"refs/heads/{standin.token}")
    assert standin.token not in str(info.value)


def test_partial_clone(standin: GitHubStandIn, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "state", standin.clone_url, BOT, token=standin.token, partial=True)
    ws.prepare()
    assert ws._git.out(ws.clone_dir, "config", "remote.origin.partialclonefilter") == "blob:none"
    job = ws.open_job("job-1", BRANCH)
    assert (job.path / "data/yaml/people.yaml").read_text() == "{}\n"


def test_rejects_unsafe_input(standin: GitHubStandIn, workspace: Workspace, tmp_path: Path) -> None:
    for job_id in ("../x", "a/b", "", "-rf"):
        with pytest.raises(ValueError):
            workspace.open_job(job_id, BRANCH)
    for branch in ("-f", "a..b", "bad name", "x~1", ""):
        with pytest.raises(ValueError):
            workspace.open_job("job-1", branch)
    with pytest.raises(ValueError):
        Workspace(tmp_path / "s", "http://x-access-token:t@127.0.0.1/r.git", BOT)
    job = workspace.open_job("job-1", BRANCH)
    with pytest.raises(ValueError):
        job.push("HEAD~1")
