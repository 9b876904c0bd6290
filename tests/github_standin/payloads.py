"""Webhook payloads built from the stand-in's state.

They follow the shapes of the real examples in ``../shared/github-webhooks``:
``action``, the object (``issue``, ``comment``, ``pull_request``),
``repository``, ``organization``, ``sender`` and, for an App, ``installation``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.github_standin import githttp
from tests.github_standin.shapes import Shapes, node_id
from tests.github_standin.state import Comment, Issue
from tests.github_standin.store import Store

#: Called with ``(event, payload)`` for every webhook payload the stand-in builds,
#: before a test may change it on purpose. The test suite registers one that checks
#: payloads against GitHub's published webhook schemas (tests/conftest.py).
PAYLOAD_OBSERVERS: list[Callable[[str, dict[str, Any]], None]] = []


def _produced(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    if PAYLOAD_OBSERVERS:
        snapshot = copy.deepcopy(payload)
        for observe in list(PAYLOAD_OBSERVERS):
            observe(event, snapshot)
    return payload


@dataclass(frozen=True)
class PayloadBuilder:
    """Builds ``issues``, ``issue_comment`` and ``pull_request`` payloads."""

    store: Store
    shapes: Shapes
    installation_id: int | None

    def _envelope(self, action: str, sender: str) -> dict[str, Any]:
        shapes = self.shapes
        base = shapes.base
        payload: dict[str, Any] = {
            "action": action,
            "repository": shapes.repo(self.store.default_branch()),
            "organization": {
                "login": shapes.owner,
                "id": shapes.repo_id + 1,
                "node_id": node_id("Organization", shapes.repo_id + 1),
                "url": f"{base}/orgs/{shapes.owner}",
                "repos_url": f"{base}/orgs/{shapes.owner}/repos",
                "events_url": f"{base}/orgs/{shapes.owner}/events",
                "hooks_url": f"{base}/orgs/{shapes.owner}/hooks",
                "issues_url": f"{base}/orgs/{shapes.owner}/issues",
                "members_url": f"{base}/orgs/{shapes.owner}/members{{/member}}",
                "public_members_url": f"{base}/orgs/{shapes.owner}/public_members{{/member}}",
                "avatar_url": f"{base}/avatars/o/{shapes.owner}",
                "description": "",
            },
            "sender": shapes.user(sender),
        }
        if self.installation_id is not None:
            payload["installation"] = shapes.installation_ref(self.installation_id)
        return payload

    def issue_json(self, issue: Issue) -> dict[str, Any]:
        """The ``issue`` object as the API would show it now."""
        comments = len(self.store.comments_on(issue.number))
        return self.shapes.issue(issue, self.store.labels_of(issue), comments)

    def issues(self, action: str, issue: Issue, sender: str, **extra: Any) -> dict[str, Any]:
        """An ``issues`` event (opened, edited, labeled, closed, ...)."""
        payload = self._envelope(action, sender)
        payload["issue"] = self.issue_json(issue)
        payload.update(extra)
        return _produced("issues", payload)

    def issue_comment(
        self, action: str, comment: Comment, sender: str, **extra: Any
    ) -> dict[str, Any]:
        """An ``issue_comment`` event (created, edited, deleted)."""
        payload = self._envelope(action, sender)
        payload["issue"] = self.issue_json(self.store.issue(comment.issue_number))
        payload["comment"] = self.shapes.comment(comment)
        payload.update(extra)
        return _produced("issue_comment", payload)

    def pull_request(self, action: str, issue: Issue, sender: str, **extra: Any) -> dict[str, Any]:
        """A ``pull_request`` event (opened, closed, ...), with merge details."""
        payload = self._envelope(action, sender)
        comments = len(self.store.comments_on(issue.number))
        stats = self.store.pull_stats(issue)
        payload["number"] = issue.number
        payload["pull_request"] = self.shapes.pull(
            issue, self.store.labels_of(issue), comments, self.store.default_branch(), stats
        )
        payload.update(extra)
        return _produced("pull_request", payload)

    def _commit_json(self, sha: str) -> dict[str, Any]:
        """A commit as push payloads list it, read from the bare repository."""
        repo = self.store.bare_repo
        fields = githttp.git(
            repo, "show", "-s", "--format=%T%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B", sha
        ).split("\x00")
        tree, a_name, a_mail, a_date, c_name, c_mail, c_date, message = fields
        changed: dict[str, list[str]] = {"A": [], "M": [], "D": []}
        status = githttp.git(
            repo, "diff-tree", "--root", "--no-commit-id", "--name-status", "-r", sha
        )
        for line in status.splitlines():
            kind, _, path = line.partition("\t")
            changed.setdefault(kind[:1], []).append(path)
        return {
            "id": sha,
            "tree_id": tree,
            "distinct": True,
            "message": message.strip(),
            "timestamp": a_date,
            "url": f"{self.shapes.repo_html}/commit/{sha}",
            "author": {"name": a_name, "email": a_mail, "date": a_date},
            "committer": {"name": c_name, "email": c_mail, "date": c_date},
            "added": changed["A"],
            "removed": changed["D"],
            "modified": changed["M"],
        }

    def push(self, branch: str, before: str, after: str, sender: str) -> dict[str, Any]:
        """A ``push`` event: ``branch`` moved from ``before`` to ``after`` (no ``action``)."""
        payload = self._envelope("", sender)
        del payload["action"]
        span = after if set(before) == {"0"} else f"{before}..{after}"
        listed = githttp.git(self.store.bare_repo, "rev-list", "--reverse", span)
        commits = [self._commit_json(sha) for sha in listed.split()]
        payload.update(
            {
                "ref": f"refs/heads/{branch}",
                "before": before,
                "after": after,
                "created": False,
                "deleted": False,
                "forced": False,
                "base_ref": None,
                "compare": f"{self.shapes.repo_html}/compare/{before[:12]}...{after[:12]}",
                "commits": commits,
                "head_commit": commits[-1] if commits else None,
                "pusher": {"name": sender, "email": None},
            }
        )
        payload["repository"]["master_branch"] = self.store.default_branch()
        return _produced("push", payload)
