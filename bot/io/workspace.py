"""The git workspace: one persistent clone, one worktree per job, pushes with a lease.

Layout under the state directory::

    <state>/clone/               the clone of the data repository (no checkout)
    <state>/worktrees/<job-id>/  a detached worktree per job
    <state>/clone.lock           serialises fetch / worktree changes between workers

A job opens a worktree at ``origin/<default branch>`` (or at the bot's existing
remote branch when updating), edits files, commits as the bot and pushes
``HEAD`` to ``refs/heads/<branch>`` with ``--force-with-lease=<branch>:<sha
seen before>`` (an empty sha for a new branch: it must not exist yet). So a
branch that moved meanwhile is never overwritten: :class:`LeaseRejected`.
Before rewriting a branch, callers check :meth:`Workspace.foreign_commits`.

The bot's commits are *deterministic*: dated with their parent's committer
date, so that the same change on the same base is the same commit (the same
sha) whichever worker makes it, and whenever. The bot recognises its own
commits by their shas, which it records (the issue job keeps them in its
hidden state), plus the commit it is making now; never by the name and e-mail
on a commit, which anyone can set.

Worktrees are detached (no local branches), so two jobs never fight over a
branch checked out elsewhere, and nothing stale survives a crash but the
worktree directories, which :meth:`Workspace.clean_stale_worktrees` removes.

Security: git runs with argument lists (never a shell); commit messages go
through stdin. The token is handed to git only through ``GIT_CONFIG_*``
environment variables (an ``http.<origin>.extraHeader`` scoped to the remote's
origin), so it is never in a URL, in ``.git/config`` or in a log line, and it
is scrubbed from any error message.
"""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import re
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import GitIdentity
from bot.errors import DataUnavailable, Permanent, Transient

log = logging.getLogger(__name__)

TokenSource = str | Callable[[], str | None] | None

_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# Inherited variables that would redirect git elsewhere or inject configuration.
_KEEP_GIT_VARS = ("GIT_SSL_", "GIT_TRACE", "GIT_CURL_", "GIT_HTTP_", "GIT_SSH")
_KEEP_GIT_NAMES = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_EXEC_PATH")


class GitError(Transient):
    """A git command failed (a timeout, a refused push); the message holds no token."""


class LeaseRejected(GitError):
    """The remote branch was not where the push expected it: someone else moved it."""


class NothingToCommit(Permanent):
    """The worktree has no changes to commit (callers catch it: an expected outcome)."""


class RepositoryUnavailable(DataUnavailable):
    """The data repository could not be cloned or fetched (unreachable, refusing, not a repo).

    Nothing a job does can fix it: jobs wait for it to come back (``bot.worker.runner``).
    """


@dataclass(frozen=True)
class CommitInfo:
    """A commit's sha, author, committer and subject line."""

    sha: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    subject: str

    def made_by(self, identity: GitIdentity) -> bool:
        """Whether ``identity`` both wrote and committed this commit."""
        return (
            self.author_name == identity.name
            and self.author_email.lower() == identity.email.lower()
            and self.committer_email.lower() == identity.email.lower()
        )


_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def _validate_branch(branch: str) -> None:
    """Refuse names git would refuse (``git check-ref-format`` rules) or misread."""
    bad = (
        not branch
        or branch.startswith(("-", "/"))
        or branch.endswith(("/", ".", ".lock"))
        or branch == "@"
        or _REF_FORBIDDEN.search(branch) is not None
        or any(part.startswith(".") or part.endswith(".lock") for part in branch.split("/"))
    )
    if bad:
        raise ValueError(f"invalid branch name: {branch!r}")


def _validate_job_id(job_id: str) -> None:
    if not _JOB_ID.fullmatch(job_id) or ".." in job_id:
        raise ValueError(f"invalid job id: {job_id!r}")


class _Git:
    """Runs git with a clean environment, the token in ``GIT_CONFIG_*`` only."""

    def __init__(self, remote_url: str, token: TokenSource, timeout: float) -> None:
        self.remote_url = remote_url
        self._token = token
        self.timeout = timeout
        parts = urllib.parse.urlsplit(remote_url)
        self._origin = f"{parts.scheme}://{parts.netloc}/" if parts.scheme else None
        self._secrets: set[str] = set()

    def _current_token(self) -> str | None:
        if callable(self._token):
            return self._token()
        return self._token

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for one git process."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GIT_")
            or key.startswith(_KEEP_GIT_VARS)
            or key in _KEEP_GIT_NAMES
        }
        config: list[tuple[str, str]] = [
            ("credential.helper", ""),
            ("core.hooksPath", os.devnull),
            ("commit.gpgSign", "false"),
            ("advice.detachedHead", "false"),
            ("http.lowSpeedLimit", "1000"),
            ("http.lowSpeedTime", "60"),
        ]
        token = self._current_token()
        if token and self._origin:
            basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
            self._secrets.update({token, basic})
            config.append((f"http.{self._origin}.extraHeader", f"Authorization: Basic {basic}"))
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for index, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        if extra:
            env.update(extra)
        return env

    def scrub(self, text: str) -> str:
        """``text`` with every token replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def run(
        self,
        cwd: Path,
        *args: str,
        input: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``git <args>`` in ``cwd``; raise :class:`GitError` on failure if ``check``."""
        log.debug("git %s (in %s)", " ".join(args), cwd)
        try:
            result = subprocess.run(
                ["git", *args],
                cwd=cwd,
                input=input,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=self.env(extra_env),
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise GitError(f"git {args[0]} timed out after {self.timeout:.0f} s") from exc
        if check and result.returncode != 0:
            detail = self.scrub((result.stderr or result.stdout).strip())[-2000:]
            raise GitError(f"git {args[0]} failed ({result.returncode}): {detail}")
        return result

    def out(self, cwd: Path, *args: str) -> str:
        """The stripped standard output of a git command that must succeed."""
        return self.run(cwd, *args).stdout.strip()


@dataclass
class JobWorktree:
    """A job's worktree: edit files under ``path``, then commit and push.

    ``start_sha`` is the commit checked out; ``remote_sha`` is where the remote
    branch was when the worktree was opened (None if it did not exist) — the
    usual ``expected_remote_sha`` for :meth:`push`.
    """

    workspace: Workspace
    job_id: str
    branch: str
    path: Path
    start_sha: str
    remote_sha: str | None

    def head(self) -> str:
        """The sha of the worktree's HEAD."""
        return self.workspace._git.out(self.path, "rev-parse", "HEAD")

    def new_commits(self) -> list[str]:
        """The shas of the commits made in this worktree (``start_sha..HEAD``), oldest first."""
        out = self.workspace._git.out(self.path, "rev-list", "--reverse", f"{self.start_sha}..HEAD")
        return out.split()

    def tree(self, rev: str = "HEAD") -> str:
        """The sha of the tree (the content) of a commit, for comparing contents."""
        return self.workspace._git.out(self.path, "rev-parse", "--verify", f"{rev}^{{tree}}")

    def changed_files(self) -> list[str]:
        """Paths changed in the worktree (including new files), relative to it."""
        git = self.workspace._git
        out = git.run(self.path, "status", "--porcelain=v1", "-z", "-uall").stdout
        return sorted(entry[3:] for entry in out.split("\0") if len(entry) > 3)

    def commit(self, message: str) -> str:
        """Commit every change as the bot; returns the new sha.

        Raises :class:`NothingToCommit` if nothing changed.
        """
        git = self.workspace._git
        git.run(self.path, "add", "--all")
        staged = git.run(self.path, "diff", "--cached", "--quiet", check=False)
        if staged.returncode == 0:
            raise NothingToCommit("nothing to commit")
        # Dated as its parent: the same change on the same base gives the same sha, so a
        # rerun after a worker died between push and record recognises its own commit.
        date = git.out(self.path, "log", "-1", "--format=%cI", "HEAD")
        env = {**self.workspace.identity.env(), "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        git.run(
            self.path,
            "commit",
            "--quiet",
            "--no-verify",
            "--cleanup=whitespace",
            "--file=-",
            input=message,
            extra_env=env,
        )
        return self.head()

    def push(self, expected_remote_sha: str | None) -> str:
        """Push HEAD to ``branch`` if the remote branch is still at ``expected_remote_sha``.

        None means the branch must not exist yet. Returns the pushed sha; raises
        :class:`LeaseRejected` if the branch is elsewhere.
        """
        if expected_remote_sha is not None and not _SHA.fullmatch(expected_remote_sha):
            raise ValueError(f"not a full commit sha: {expected_remote_sha!r}")
        ref = f"refs/heads/{self.branch}"
        lease = f"--force-with-lease={ref}:{expected_remote_sha or ''}"
        git = self.workspace._git
        result = git.run(
            self.path, "push", "--porcelain", lease, "origin", f"HEAD:{ref}", check=False
        )
        if result.returncode != 0:
            output = git.scrub(f"{result.stdout}\n{result.stderr}")
            # Refused by the client's lease check ([rejected], stale info, fetch first), or
            # by the server's atomic ref update when the branch moved (or appeared) after
            # the client looked: [remote rejected] ... cannot lock ref ...: "is at X but
            # expected Y" or "reference already exists".
            moved = (
                "[rejected]",
                "stale info",
                "fetch first",
                "but expected",
                "reference already exists",
            )
            if any(sign in output for sign in moved):
                raise LeaseRejected(
                    f"branch {self.branch} moved on the remote (expected "
                    f"{expected_remote_sha or 'no branch'}); not overwriting it"
                )
            raise GitError(f"git push failed ({result.returncode}): {output.strip()[-2000:]}")
        sha = self.head()
        self.remote_sha = sha
        return sha

    def remove(self) -> None:
        """Remove this worktree (see :meth:`Workspace.remove_worktree`)."""
        self.workspace.remove_worktree(self.job_id)


class Workspace:
    """One persistent clone of the data repository and per-job worktrees.

    ``token`` is a string, a callable returning a fresh one (App tokens expire
    after an hour), or None for anonymous access. ``default_branch`` overrides
    the remote's ``HEAD``. ``partial`` clones without blobs
    (``--filter=blob:none``) and lets git fetch them on demand.
    """

    def __init__(
        self,
        state_dir: Path | str,
        remote_url: str,
        identity: GitIdentity,
        *,
        token: TokenSource = None,
        default_branch: str | None = None,
        partial: bool = False,
        timeout: float = 900.0,
    ) -> None:
        if "@" in urllib.parse.urlsplit(remote_url).netloc:
            raise ValueError("the remote URL must not carry credentials; pass token= instead")
        self.state_dir = Path(state_dir)
        self.clone_dir = self.state_dir / "clone"
        self.worktrees_dir = self.state_dir / "worktrees"
        self.remote_url = remote_url
        self.identity = identity
        self.partial = partial
        self._default_branch = default_branch
        self._git = _Git(remote_url, token, timeout)
        self.fetched_at: float | None = None
        """When this object last fetched from the remote successfully (None: not yet)."""

    # -- locking and the clone -------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive use of the clone's metadata, across threads and processes."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "clone.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def prepare(self) -> None:
        """Make sure the clone exists and points at the remote; remove stale worktrees.

        Call it once when a worker starts.
        """
        self.ensure_clone()
        self.clean_stale_worktrees()

    def ensure_clone(self) -> None:
        """Clone the repository if there is no usable clone yet."""
        with self._locked():
            if self._is_clone():
                current = self._git.out(self.clone_dir, "remote", "get-url", "origin")
                if current != self.remote_url:
                    self._git.run(self.clone_dir, "remote", "set-url", "origin", self.remote_url)
                return
            shutil.rmtree(self.clone_dir, ignore_errors=True)
            partial_dir = self.state_dir / f"clone.partial-{os.getpid()}"
            shutil.rmtree(partial_dir, ignore_errors=True)
            args = ["clone", "--quiet", "--no-checkout", "--no-tags"]
            if self.partial:
                args.append("--filter=blob:none")
            try:
                self._git.run(self.state_dir, *args, self.remote_url, str(partial_dir))
            except GitError as exc:
                shutil.rmtree(partial_dir, ignore_errors=True)
                raise RepositoryUnavailable(
                    f"the data repository could not be cloned: {exc}"
                ) from exc
            partial_dir.rename(self.clone_dir)
            log.info("cloned %s into %s", self.remote_url, self.clone_dir)

    def _is_clone(self) -> bool:
        if not (self.clone_dir / ".git").exists():
            return False
        result = self._git.run(self.clone_dir, "rev-parse", "--git-dir", check=False)
        return result.returncode == 0

    def fetch(self) -> None:
        """Bring the remote-tracking branches up to date (pruning deleted ones)."""
        self.ensure_clone()
        with self._locked():
            try:
                self._git.run(self.clone_dir, "fetch", "--quiet", "--prune", "--no-tags", "origin")
            except GitError as exc:
                raise RepositoryUnavailable(
                    f"the data repository could not be fetched: {exc}"
                ) from exc
        self.fetched_at = time.time()

    def default_branch(self) -> str:
        """The remote's default branch (or the configured one)."""
        if self._default_branch:
            return self._default_branch
        result = self._git.run(
            self.clone_dir, "symbolic-ref", "--short", "refs/remotes/origin/HEAD", check=False
        )
        if result.returncode != 0:
            with self._locked():
                self._git.run(self.clone_dir, "remote", "set-head", "origin", "--auto")
            result = self._git.run(
                self.clone_dir, "symbolic-ref", "--short", "refs/remotes/origin/HEAD"
            )
        self._default_branch = result.stdout.strip().removeprefix("origin/")
        return self._default_branch

    def remote_sha(self, branch: str) -> str | None:
        """Where ``origin/<branch>`` was at the last fetch; None if it does not exist."""
        _validate_branch(branch)
        result = self._git.run(
            self.clone_dir,
            "rev-parse",
            "--verify",
            "--quiet",
            f"refs/remotes/origin/{branch}^{{commit}}",
            check=False,
        )
        return result.stdout.strip() or None

    # -- history checks --------------------------------------------------------

    def branch_commits(self, branch: str) -> list[CommitInfo]:
        """Commits on ``origin/<branch>`` that are not on the default branch, newest first."""
        _validate_branch(branch)
        if self.remote_sha(branch) is None:
            return []
        fmt = "%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%s%x1e"
        out = self._git.out(
            self.clone_dir,
            "log",
            f"--format={fmt}",
            f"refs/remotes/origin/{self.default_branch()}..refs/remotes/origin/{branch}",
            "--",
        )
        commits = []
        for record in out.split("\x1e"):
            fields = record.strip("\n").split("\x1f")
            if len(fields) == 6:
                commits.append(CommitInfo(*fields))
        return commits

    def foreign_commits(self, branch: str, known: Iterable[str] | None = None) -> list[CommitInfo]:
        """Commits on the remote branch that are not the bot's.

        With ``known`` (the shas the bot recorded pushing, and the one it is making
        now) every other commit is foreign, whatever name and e-mail it carries.
        Without it (only for a branch pushed before the bot recorded its commits) a
        commit is foreign unless both its author and committer are the bot's identity.
        Non-empty means a person added to (or rewrote) the branch: do not force-push.
        """
        commits = self.branch_commits(branch)
        if known is not None:
            mine = set(known)
            return [c for c in commits if c.sha not in mine]
        return [c for c in commits if not c.made_by(self.identity)]

    def merged_tree(self, base: str, head: str) -> str | None:
        """The tree that merging ``head`` into ``base`` gives; None if they conflict.

        No worktree is touched (``git merge-tree --write-tree``, git 2.38 or later).
        The bot uses it to tell whether a pull request is still right after the
        default branch moved: it is if merging it gives what replaying its
        request on the new default branch gives.
        """
        for rev in (base, head):
            if not _SHA.fullmatch(rev):
                raise ValueError(f"not a full commit sha: {rev!r}")
        result = self._git.run(
            self.clone_dir, "merge-tree", "--write-tree", "--no-messages", base, head, check=False
        )
        if result.returncode == 1:
            return None
        if result.returncode != 0:
            detail = self._git.scrub(result.stderr.strip())[-500:]
            raise GitError(f"git merge-tree failed ({result.returncode}): {detail}")
        return result.stdout.split()[0]

    def messages(self, base: str, head: str) -> list[str]:
        """The full messages of the commits in ``base..head``, oldest first."""
        for rev in (base, head):
            if not _SHA.fullmatch(rev):
                raise ValueError(f"not a full commit sha: {rev!r}")
        out = self._git.run(
            self.clone_dir, "log", "--reverse", "--format=%B%x1e", f"{base}..{head}", "--"
        ).stdout
        return [record.strip() for record in out.split("\x1e") if record.strip()]

    # -- worktrees -------------------------------------------------------------

    def worktree_path(self, job_id: str) -> Path:
        """Where a job's worktree lives."""
        _validate_job_id(job_id)
        return self.worktrees_dir / job_id

    def open_job(
        self,
        job_id: str,
        branch: str,
        *,
        from_remote_branch: bool = False,
        fetch: bool = True,
    ) -> JobWorktree:
        """A fresh worktree for a job, after a fetch.

        It starts at ``origin/<default branch>``, or with ``from_remote_branch``
        at ``origin/<branch>`` when that exists. A leftover worktree of the same
        job is replaced.
        """
        _validate_branch(branch)
        path = self.worktree_path(job_id)
        if fetch:
            self.fetch()
        else:
            self.ensure_clone()
        remote_sha = self.remote_sha(branch)
        start = f"refs/remotes/origin/{self.default_branch()}"
        if from_remote_branch and remote_sha is not None:
            start = remote_sha
        with self._locked():
            self._remove_worktree_locked(path)
            self.worktrees_dir.mkdir(parents=True, exist_ok=True)
            self._git.run(
                self.clone_dir, "worktree", "add", "--quiet", "--detach", str(path), start
            )
        start_sha = self._git.out(path, "rev-parse", "HEAD")
        return JobWorktree(self, job_id, branch, path, start_sha, remote_sha)

    def remove_worktree(self, job_id: str) -> None:
        """Remove a job's worktree, if it exists."""
        path = self.worktree_path(job_id)
        with self._locked():
            self._remove_worktree_locked(path)

    def _remove_worktree_locked(self, path: Path) -> None:
        has_clone = self.clone_dir.is_dir()
        if path.exists():
            if has_clone:
                self._git.run(
                    self.clone_dir, "worktree", "remove", "--force", str(path), check=False
                )
            shutil.rmtree(path, ignore_errors=True)
        if has_clone:
            self._git.run(self.clone_dir, "worktree", "prune", check=False)

    def clean_stale_worktrees(
        self, keep: Iterable[str] = (), older_than: float | None = None
    ) -> list[str]:
        """Remove worktrees left by earlier runs; returns the removed job ids.

        ``keep`` lists job ids still running; with ``older_than`` (seconds) only
        worktrees untouched for that long go. Without either, every worktree
        goes: call it at start-up, before this worker opens any.
        """
        if not self.worktrees_dir.is_dir():
            return []
        kept = set(keep)
        removed = []
        now = time.time()
        with self._locked():
            for entry in sorted(self.worktrees_dir.iterdir()):
                if entry.name in kept:
                    continue
                if older_than is not None and now - entry.stat().st_mtime < older_than:
                    continue
                self._remove_worktree_locked(entry)
                removed.append(entry.name)
        if removed:
            log.info("removed stale worktrees: %s", ", ".join(removed))
        return removed
