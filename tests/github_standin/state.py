"""The in-memory state of the GitHub stand-in, open to inspection from tests.

Issues and pull requests share one number space, as on GitHub: a pull request
is an :class:`Issue` whose ``pull`` is set.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

# The roles GitHub reports as ``role_name``, and the legacy ``permission`` of each.
LEGACY_PERMISSION: dict[str, str] = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}

REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def now_iso() -> str:
    """The current time in GitHub's timestamp format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Label:
    """A repository label."""

    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Reaction:
    """An emoji reaction on an issue or a comment."""

    id: int
    content: str
    user: str
    created_at: str = field(default_factory=now_iso)


@dataclass
class Comment:
    """An issue (or pull request conversation) comment.

    ``edits`` counts the PATCH requests that changed it; ``app`` is set when a
    GitHub App installation token wrote it.
    """

    id: int
    issue_number: int
    body: str
    user: str
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    edits: int = 0
    app: bool = False
    reactions: list[Reaction] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A new comment's updated_at equals its created_at on GitHub.
        self.updated_at = self.created_at


@dataclass
class PullInfo:
    """What makes an issue a pull request."""

    head: str
    base: str
    head_sha: str
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None


@dataclass
class Issue:
    """An issue or a pull request."""

    id: int
    number: int
    title: str
    body: str | None
    user: str
    labels: list[str] = field(default_factory=list)
    state: Literal["open", "closed"] = "open"
    state_reason: str | None = None
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    closed_at: str | None = None
    locked: bool = False
    app: bool = False
    pull: PullInfo | None = None
    reactions: list[Reaction] = field(default_factory=list)

    @property
    def is_pull(self) -> bool:
        """Whether this is a pull request."""
        return self.pull is not None

    def touch(self) -> None:
        """Record a change."""
        self.updated_at = now_iso()


@dataclass
class IssueEvent:
    """One entry of an issue's event history (``labeled``/``unlabeled``, by ``actor``)."""

    id: int
    issue_number: int
    event: str
    actor: str
    label: str | None = None
    created_at: str = field(default_factory=now_iso)


@dataclass
class LoggedRequest:
    """One request the stand-in answered (REST or git)."""

    method: str
    path: str
    query: str
    status: int
    login: str | None
    json: Any = None
    fault: str | None = None
    # REST only (git bodies are packs): what was sent and answered, for the
    # conformance check against GitHub's API description (tests/openapi_conformance.py).
    request_body: bytes = b""
    request_type: str = ""
    response_body: bytes = b""
    response_type: str = ""
    git: bool = False
    page: bool = False  # a web page (the new-issue form), not the REST API


FaultKind = Literal["status", "rate_limit", "secondary_rate_limit", "hang"]


@dataclass
class Fault:
    """An injected failure for the next ``remaining`` requests that match.

    With ``lose_answer`` a ``status`` fault lets the request take effect and
    replaces only its answer (a POST that reached GitHub, whose answer was lost).
    ``path`` is a regular expression matched in full against the request path
    (without the query string); ``method`` is an HTTP method or ``*``.
    """

    method: str
    path: str
    kind: FaultKind
    remaining: int = 1
    status: int = 502
    seconds: float = 0.0
    reset_in: float = 60.0
    lose_answer: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.remaining <= 0:
            return False
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return re.fullmatch(self.path, path) is not None

    def reset_epoch(self) -> int:
        """The ``X-RateLimit-Reset`` value to announce."""
        return int(time.time() + self.reset_in)
