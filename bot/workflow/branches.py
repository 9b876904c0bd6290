"""The bot's branch names: one branch per issue, and named batch branches.

* A single issue's change lives on ``bot/paper-assignment-<N>``: always the same
  name for issue N, so every run of its job finds (and updates) the same branch
  and pull request.
* A batch collects several issues on one branch and pull request. Anthology
  maintainers name such branches by date (``bulk-verifications-YYYY-MM-DD``);
  the bot's default is ``author-pages-YYYY-MM-DD`` (the prefix is
  ``BATCH_NAME_PREFIX``), and ``/batch <name>`` picks any other valid name.
  A batch name may not look like a single-issue branch, a full ref
  (``refs/heads/master``) or a remote's branch (``origin/master``), and may
  not be the default branch.

This module is pure and light: the web process uses it to recognise the bot's
branches in ``pull_request`` events.
"""

from __future__ import annotations

import datetime as dt
import re

BRANCH_PREFIX = "bot/paper-assignment-"
DEFAULT_BATCH_PREFIX = "author-pages-"
MAX_BATCH_NAME = 100

_BATCH_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_RESERVED = ("main", "master", "gh-pages", "HEAD")
# A batch name is pushed as refs/heads/<name>: a name that reads as another ref
# ("refs/heads/master") or as a remote's branch ("origin/master") would make
# refs/heads/refs/heads/master and confuse every person (and tool) reading it.
_REF_LIKE_PREFIXES = ("refs/", "heads/", "tags/", "remotes/", "origin/", "upstream/")
_ISSUE_BRANCH = re.compile(r"[1-9][0-9]{0,9}")


def branch_for_issue(number: int) -> str:
    """The bot's branch for an issue: one per issue, always the same."""
    return f"{BRANCH_PREFIX}{number}"


def issue_for_branch(branch: str) -> int | None:
    """The issue whose single-issue branch this is; None for any other branch."""
    suffix = branch.removeprefix(BRANCH_PREFIX)
    # ASCII digits only: str.isdigit() also accepts "²" and "١٢", which int() rejects or reads.
    if suffix == branch or not _ISSUE_BRANCH.fullmatch(suffix):
        return None
    return int(suffix)


def default_batch_name(prefix: str = DEFAULT_BATCH_PREFIX, today: dt.date | None = None) -> str:
    """``author-pages-2026-03-14``: the batch of the day (UTC)."""
    day = today or dt.datetime.now(dt.UTC).date()
    return f"{prefix}{day.isoformat()}"


class BatchNameError(ValueError):
    """A batch name that cannot be a branch of the bot; the message says why."""


def check_batch_name(name: str, default_branch: str | None = None) -> str:
    """``name`` if it can name a batch branch; raises :class:`BatchNameError` otherwise."""
    if not name or len(name) > MAX_BATCH_NAME or not _BATCH_NAME.fullmatch(name):
        raise BatchNameError(
            "a batch name uses letters, digits and `.`, `_`, `-`, `/` "
            f"(at most {MAX_BATCH_NAME} characters), starting with a letter or digit"
        )
    parts = name.split("/")
    bad_part = any(
        not part or part.startswith(".") or part.endswith((".", ".lock")) for part in parts
    )
    if bad_part or ".." in name:
        raise BatchNameError("a batch name cannot have empty parts or parts ending in `.`")
    if name.startswith("bot/") or issue_for_branch(name) is not None:
        raise BatchNameError("names starting with `bot/` belong to single-issue branches")
    if name.lower().startswith(_REF_LIKE_PREFIXES):
        raise BatchNameError(
            f"`{name}` reads as a git ref or a remote's branch; name the batch itself, "
            "for example `bulk-verifications-2026-03-14`"
        )
    if name in _RESERVED or (default_branch is not None and name == default_branch):
        raise BatchNameError(f"`{name}` is not a branch the bot may write to")
    return name
