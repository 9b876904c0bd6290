"""Git's smart-HTTP protocol over a real bare repository, and bare-repo helpers.

The protocol is served by ``git http-backend`` run as a CGI program for each
request, so clients (``git clone``, ``fetch``, ``push --force-with-lease``)
talk to the real git server implementation, protocol v2 included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from werkzeug.wsgi import get_input_stream

CHUNK = 64 * 1024


def git(repo: Path | str, *args: str, input: bytes | None = None, check: bool = True) -> str:
    """Run a git command against ``repo`` (a bare repository or a work tree)."""
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        check=False,
        env=_plain_git_env(),
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"git {' '.join(args)} failed ({result.returncode}): "
            f"{result.stderr.decode('utf-8', 'replace').strip()}"
        )
    return result.stdout.decode("utf-8", "replace").strip()


def _plain_git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment isolated from the user's git configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    if extra:
        env.update(extra)
    return env


def make_bare_repo(
    path: Path | str,
    files: Mapping[str, str | bytes],
    *,
    branch: str = "master",
    message: str = "Initial commit",
    author: tuple[str, str] = ("Anthology Maintainer", "maintainer@example.org"),
) -> Path:
    """Create a bare repository at ``path`` with one commit holding ``files``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    git(path.parent, "init", "--bare", "--quiet", f"--initial-branch={branch}", str(path))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        git(work, "init", "--quiet", f"--initial-branch={branch}")
        for name, content in files.items():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            target.write_bytes(data)
        commit_all(work, message, author=author)
        git(work, "push", "--quiet", str(path), f"HEAD:refs/heads/{branch}")
    return path


def commit_all(
    work: Path | str,
    message: str,
    *,
    author: tuple[str, str] = ("Anthology Maintainer", "maintainer@example.org"),
) -> str:
    """Stage everything in a work tree, commit it as ``author`` and return the sha."""
    name, email = author
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True, env=_plain_git_env())
    subprocess.run(
        ["git", "-C", str(work), "commit", "--quiet", "--allow-empty", "-F", "-"],
        input=message.encode("utf-8"),
        check=True,
        capture_output=True,
        env=_plain_git_env(identity),
    )
    return git(work, "rev-parse", "HEAD")


def commit_to_branch(
    bare: Path | str,
    branch: str,
    files: Mapping[str, str | bytes | None],
    message: str,
    *,
    author: tuple[str, str] = ("Anthology Maintainer", "maintainer@example.org"),
    start: str | None = None,
) -> str:
    """Commit to ``branch`` of a bare repository as a person would, and push.

    The branch starts from ``start`` (default: itself if it exists, else the
    default branch). A file mapped to None is deleted. Returns the new sha.
    """
    bare = Path(bare)
    if start is None:
        start = branch if ref_sha(bare, f"refs/heads/{branch}") else default_branch(bare)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        git(bare, "clone", "--quiet", "--branch", start, str(bare), str(work))
        for name, content in files.items():
            target = work / name
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        sha = commit_all(work, message, author=author)
        git(work, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
        return sha


def ref_sha(bare: Path, ref: str) -> str | None:
    """The sha a ref points at, None if it does not exist."""
    out = git(bare, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return out or None


def list_branches(bare: Path) -> dict[str, str]:
    """All branches of a repository and their shas."""
    out = git(bare, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
    branches: dict[str, str] = {}
    for line in out.splitlines():
        name, _, sha = line.rpartition(" ")
        branches[name] = sha
    return branches


def default_branch(bare: Path) -> str:
    """The branch ``HEAD`` points at."""
    return git(bare, "symbolic-ref", "--short", "HEAD")


def merge_branches(bare: Path, base: str, head: str, message: str, author: tuple[str, str]) -> str:
    """Merge ``head`` into ``base`` inside a bare repository, as the merge button does."""
    base_sha = ref_sha(bare, f"refs/heads/{base}")
    head_sha = ref_sha(bare, f"refs/heads/{head}")
    if base_sha is None or head_sha is None:
        raise RuntimeError(f"cannot merge {head} into {base}: a branch is missing")
    result = subprocess.run(
        ["git", "-C", str(bare), "merge-tree", "--write-tree", base_sha, head_sha],
        capture_output=True,
        check=False,
        env=_plain_git_env(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"merge conflict between {base} and {head}")
    tree = result.stdout.decode().split()[0]
    name, email = author
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": "GitHub",
        "GIT_COMMITTER_EMAIL": "noreply@github.com",
    }
    merged = (
        subprocess.run(
            [
                "git",
                "-C",
                str(bare),
                "commit-tree",
                tree,
                "-p",
                base_sha,
                "-p",
                head_sha,
                "-F",
                "-",
            ],
            input=message.encode("utf-8"),
            capture_output=True,
            check=True,
            env=_plain_git_env(identity),
        )
        .stdout.decode()
        .strip()
    )
    git(bare, "update-ref", f"refs/heads/{base}", merged, base_sha)
    return merged


def diff_stats(bare: Path, base: str, head: str) -> dict[str, int]:
    """``commits``, ``additions``, ``deletions`` and ``changed_files`` of base...head."""
    commits = int(git(bare, "rev-list", "--count", f"{base}..{head}") or 0)
    additions = deletions = files = 0
    numstat = git(bare, "diff", "--numstat", f"{base}...{head}")
    for line in numstat.splitlines():
        added, deleted, _ = line.split("\t", 2)
        files += 1
        additions += int(added) if added.isdigit() else 0
        deletions += int(deleted) if deleted.isdigit() else 0
    return {
        "commits": commits,
        "additions": additions,
        "deletions": deletions,
        "changed_files": files,
    }


class GitHttpBackend:
    """A WSGI app running ``git http-backend`` for one bare repository.

    ``remote_user`` is the authenticated login (or None); pushing requires one.
    Large request bodies are spooled to a temporary file, and the response is
    streamed, so whole-repository clones do not sit in memory.
    """

    def __init__(self, bare_repo: Path) -> None:
        self.bare_repo = Path(bare_repo)
        self.executable = shutil.which("git") or "git"

    def __call__(
        self, environ: dict[str, Any], start_response: Any, subpath: str, remote_user: str | None
    ) -> Iterable[bytes]:
        """Serve ``subpath`` (e.g. ``info/refs``) of the repository."""
        body = tempfile.TemporaryFile()
        stream = get_input_stream(environ)
        while chunk := stream.read(CHUNK):
            body.write(chunk)
        length = body.tell()
        body.seek(0)
        env = _plain_git_env(
            {
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_TRANSLATED": str(self.bare_repo / subpath),
                "PATH_INFO": "/" + subpath,
                "REQUEST_METHOD": environ.get("REQUEST_METHOD", "GET"),
                "QUERY_STRING": environ.get("QUERY_STRING", ""),
                "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
                "CONTENT_LENGTH": str(length),
                "REMOTE_ADDR": environ.get("REMOTE_ADDR", "127.0.0.1"),
                "GATEWAY_INTERFACE": "CGI/1.1",
                "SERVER_PROTOCOL": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "GIT_CONFIG_COUNT": "2",
                "GIT_CONFIG_KEY_0": "uploadpack.allowFilter",
                "GIT_CONFIG_VALUE_0": "true",
                "GIT_CONFIG_KEY_1": "uploadpack.allowAnySHA1InWant",
                "GIT_CONFIG_VALUE_1": "true",
            }
        )
        if remote_user:
            env["REMOTE_USER"] = remote_user
        if environ.get("HTTP_CONTENT_ENCODING"):
            env["HTTP_CONTENT_ENCODING"] = environ["HTTP_CONTENT_ENCODING"]
        if environ.get("HTTP_GIT_PROTOCOL"):
            env["GIT_PROTOCOL"] = environ["HTTP_GIT_PROTOCOL"]
        process = subprocess.Popen(
            [self.executable, "http-backend"],
            stdin=body,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert process.stdout is not None
        status, headers = _read_cgi_headers(process.stdout)
        start_response(status, headers)
        return _stream(process, process.stdout, body)


def _read_cgi_headers(out: IO[bytes]) -> tuple[str, list[tuple[str, str]]]:
    """Parse the CGI header block at the start of http-backend's output."""
    status = "200 OK"
    headers: list[tuple[str, str]] = []
    while True:
        line = out.readline()
        if not line or line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        value = value.strip()
        if name.lower() == "status":
            status = value
        else:
            headers.append((name.strip(), value))
    return status, headers


def _stream(process: subprocess.Popen[bytes], out: IO[bytes], body: IO[bytes]) -> Iterator[bytes]:
    """Yield the response body, then reap the process and drop the request body."""
    try:
        while chunk := out.read(CHUNK):
            yield chunk
    finally:
        out.close()
        process.wait()
        body.close()
