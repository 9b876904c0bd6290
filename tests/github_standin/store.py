"""The stand-in's repository state and the operations on it.

Both the REST handlers (what the bot does) and the stand-in's user-side
helpers (what people do: open issues, comment, merge) go through this store,
under one lock.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

from tests.github_standin import githttp
from tests.github_standin.state import (
    LEGACY_PERMISSION,
    REACTION_CONTENTS,
    Comment,
    Issue,
    IssueEvent,
    Label,
    PullInfo,
    Reaction,
    now_iso,
)

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error answer of the REST API."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body GitHub sends with such an error."""
        data: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors is not None:
            data["errors"] = self.errors
        data["status"] = str(self.status)
        return data


def not_found() -> ApiError:
    """GitHub's plain 404."""
    return ApiError(404, "Not Found")


def validation_failed(
    message: str, resource: str, field: str = "", code: str = "custom"
) -> ApiError:
    """GitHub's 422 with one error entry."""
    error: dict[str, Any] = {"resource": resource, "code": code, "message": message}
    if field:
        error["field"] = field
    return ApiError(422, "Validation Failed", errors=[error])


class Store:
    """Issues, comments, labels, reactions, pull requests and permissions.

    Every public method takes the lock; tests may read the dicts directly.
    """

    def __init__(self, bare_repo: Path, default_permission: str = "read") -> None:
        self.bare_repo = bare_repo
        self.lock = threading.RLock()
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.labels: dict[str, Label] = {}
        self.permissions: dict[str, str] = {}
        self.events: list[IssueEvent] = []
        self.default_permission = default_permission
        self._numbers = itertools.count(1)
        self._ids = itertools.count(2_000_000_001)

    def next_id(self) -> int:
        """A fresh object id (comments, issues, labels, reactions)."""
        return next(self._ids)

    # -- git -------------------------------------------------------------------

    def default_branch(self) -> str:
        """The data repository's default branch."""
        return githttp.default_branch(self.bare_repo)

    def branch_sha(self, branch: str) -> str | None:
        """The tip of a branch, None if there is no such branch."""
        return githttp.ref_sha(self.bare_repo, f"refs/heads/{branch}")

    def delete_branch(self, branch: str) -> bool:
        """Delete a branch; open pull requests from it are closed, as on GitHub."""
        with self.lock:
            sha = self.branch_sha(branch)
            if sha is None:
                return False
            githttp.git(self.bare_repo, "update-ref", "-d", f"refs/heads/{branch}", sha)
            for issue in self.pulls():
                assert issue.pull is not None
                if issue.pull.head == branch and issue.state == "open":
                    issue.pull.head_sha = sha
                    self.set_state(issue, "closed")
            return True

    def refresh_pull(self, issue: Issue) -> None:
        """Follow the head and base branches of an open pull request."""
        pull = issue.pull
        if pull is None or issue.state != "open":
            return
        pull.head_sha = self.branch_sha(pull.head) or pull.head_sha
        pull.base_sha = self.branch_sha(pull.base) or pull.base_sha

    # -- issues ----------------------------------------------------------------

    def issue(self, number: int) -> Issue:
        """An issue or pull request by number (404 if none)."""
        issue = self.issues.get(number)
        if issue is None:
            raise not_found()
        return issue

    def new_issue(
        self,
        title: str,
        body: str | None,
        user: str,
        labels: list[str] | tuple[str, ...] = (),
        *,
        app: bool = False,
        pull: PullInfo | None = None,
    ) -> Issue:
        """File an issue (or, with ``pull``, open a pull request)."""
        with self.lock:
            number = next(self._numbers)
            issue = Issue(
                id=self.next_id(),
                number=number,
                title=title,
                body=body,
                user=user,
                app=app,
                pull=pull,
            )
            self.issues[number] = issue
            self.add_labels(number, list(labels), actor=user)
            return issue

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
    ) -> Issue:
        """Change an issue's title, body or state."""
        with self.lock:
            issue = self.issue(number)
            if title is not None:
                issue.title = title
            if body is not None:
                issue.body = body
            if state is not None:
                self.set_state(issue, state, state_reason)
            issue.touch()
            return issue

    def set_state(self, issue: Issue, state: str, reason: str | None = None) -> None:
        """Open or close an issue or pull request."""
        if state not in ("open", "closed"):
            raise validation_failed(f"state {state!r} is not open or closed", "Issue", "state")
        if state == "open" and issue.pull is not None and issue.pull.merged:
            raise validation_failed("cannot reopen a merged pull request", "PullRequest")
        if state == "closed" and issue.state == "open":
            issue.closed_at = now_iso()
            issue.state_reason = reason or ("completed" if issue.pull is None else None)
        elif state == "open" and issue.state == "closed":
            issue.closed_at = None
            issue.state_reason = "reopened" if issue.pull is None else None
        issue.state = state  # type: ignore[assignment]
        issue.touch()

    def list_issues(self, state: str = "open", labels: list[str] | None = None) -> list[Issue]:
        """Issues and pull requests, newest first, as ``GET /repos/{o}/{r}/issues``."""
        with self.lock:
            wanted = {name.lower() for name in labels or []}
            found = []
            for issue in sorted(self.issues.values(), key=lambda i: -i.number):
                if state != "all" and issue.state != state:
                    continue
                if not wanted <= {name.lower() for name in issue.labels}:
                    continue
                found.append(issue)
            return found

    # -- comments --------------------------------------------------------------

    def comment(self, comment_id: int) -> Comment:
        """A comment by id (404 if none)."""
        comment = self.comments.get(comment_id)
        if comment is None:
            raise not_found()
        return comment

    def comments_on(self, number: int) -> list[Comment]:
        """The comments on an issue, oldest first."""
        with self.lock:
            self.issue(number)
            return [c for c in self.comments.values() if c.issue_number == number]

    def add_comment(self, number: int, body: str, user: str, *, app: bool = False) -> Comment:
        """Comment on an issue or pull request."""
        with self.lock:
            issue = self.issue(number)
            if issue.locked:
                raise ApiError(403, "Issue is locked")
            comment = Comment(id=self.next_id(), issue_number=number, body=body, user=user, app=app)
            self.comments[comment.id] = comment
            issue.touch()
            return comment

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        """Replace a comment's body; counts as an edit only if it changed."""
        with self.lock:
            comment = self.comment(comment_id)
            if body != comment.body:
                comment.body = body
                comment.edits += 1
            comment.updated_at = now_iso()
            return comment

    def delete_comment(self, comment_id: int) -> None:
        """Delete a comment."""
        with self.lock:
            self.comment(comment_id)
            del self.comments[comment_id]

    # -- labels ----------------------------------------------------------------

    def ensure_label(self, name: str) -> Label:
        """The repository label called ``name``, created if missing (as GitHub does)."""
        with self.lock:
            label = self.labels.get(name.lower())
            if label is None:
                label = Label(id=self.next_id(), name=name)
                self.labels[name.lower()] = label
            return label

    def labels_of(self, issue: Issue) -> list[Label]:
        """The label objects on an issue."""
        return [self.ensure_label(name) for name in issue.labels]

    def _label_event(self, number: int, event: str, label: str, actor: str | None) -> None:
        self.events.append(
            IssueEvent(self.next_id(), number, event, actor or "ghost", label)  # GitHub's "ghost"
        )

    def events_on(self, number: int) -> list[IssueEvent]:
        """An issue's events, oldest first."""
        with self.lock:
            self.issue(number)
            return [e for e in self.events if e.issue_number == number]

    def add_labels(self, number: int, names: list[str], actor: str | None = None) -> list[Label]:
        """Add labels to an issue as ``actor``; returns all its labels."""
        with self.lock:
            issue = self.issue(number)
            present = {name.lower() for name in issue.labels}
            for name in names:
                label = self.ensure_label(name)
                if label.name.lower() not in present:
                    issue.labels.append(label.name)
                    present.add(label.name.lower())
                    self._label_event(number, "labeled", label.name, actor)
            issue.touch()
            return self.labels_of(issue)

    def set_labels(self, number: int, names: list[str], actor: str | None = None) -> list[Label]:
        """Replace all labels of an issue."""
        with self.lock:
            issue = self.issue(number)
            wanted = {name.lower() for name in names}
            for present in list(issue.labels):
                if present.lower() not in wanted:
                    issue.labels.remove(present)
                    self._label_event(number, "unlabeled", present, actor)
            return self.add_labels(number, names, actor)

    def remove_label(self, number: int, name: str, actor: str | None = None) -> list[Label]:
        """Remove a label from an issue (404 if it does not have it)."""
        with self.lock:
            issue = self.issue(number)
            for present in issue.labels:
                if present.lower() == name.lower():
                    issue.labels.remove(present)
                    issue.touch()
                    self._label_event(number, "unlabeled", present, actor)
                    return self.labels_of(issue)
            raise ApiError(404, "Label does not exist")

    # -- reactions -------------------------------------------------------------

    def react(self, target: Issue | Comment, content: str, user: str) -> tuple[Reaction, bool]:
        """Add a reaction; returns it and whether it is new (GitHub answers 201/200)."""
        with self.lock:
            if content not in REACTION_CONTENTS:
                raise validation_failed(
                    f"{content!r} is not a valid reaction", "Reaction", "content", "invalid"
                )
            for reaction in target.reactions:
                if reaction.user == user and reaction.content == content:
                    return reaction, False
            reaction = Reaction(id=self.next_id(), content=content, user=user)
            target.reactions.append(reaction)
            return reaction, True

    # -- permissions -----------------------------------------------------------

    def role(self, login: str) -> str:
        """The role (``admin``, ``maintain``, ``write``, ``triage``, ``read``, ``none``)."""
        with self.lock:
            return self.permissions.get(login, self.default_permission)

    def permission_payload(self, login: str) -> tuple[str, str]:
        """The legacy ``permission`` and the ``role_name`` for a login."""
        role = self.role(login)
        return LEGACY_PERMISSION.get(role, "read"), role

    # -- pull requests ---------------------------------------------------------

    def pulls(self) -> list[Issue]:
        """All pull requests, oldest first."""
        return [issue for issue in self.issues.values() if issue.pull is not None]

    def pull(self, number: int) -> Issue:
        """A pull request by number (404 for issues, as on GitHub)."""
        issue = self.issue(number)
        if issue.pull is None:
            raise not_found()
        self.refresh_pull(issue)
        return issue

    def find_pulls(
        self, state: str = "open", head: str | None = None, base: str | None = None
    ) -> list[Issue]:
        """Pull requests filtered as ``GET /pulls?state=&head=owner:branch&base=``."""
        with self.lock:
            found = []
            for issue in sorted(self.pulls(), key=lambda i: -i.number):
                assert issue.pull is not None
                if state != "all" and issue.state != state:
                    continue
                if head is not None and issue.pull.head != head:
                    continue
                if base is not None and issue.pull.base != base:
                    continue
                self.refresh_pull(issue)
                found.append(issue)
            return found

    def create_pull(
        self,
        owner: str,
        title: str,
        body: str | None,
        head: str,
        base: str,
        user: str,
        *,
        draft: bool = False,
        maintainer_can_modify: bool = False,
        app: bool = False,
    ) -> Issue:
        """Open a pull request, with GitHub's validation of head and base."""
        with self.lock:
            if ":" in head:
                head_owner, _, head = head.partition(":")
                if head_owner.lower() != owner.lower():
                    raise validation_failed("forks are not supported", "PullRequest", "head")
            head_sha = self.branch_sha(head)
            base_sha = self.branch_sha(base)
            if head_sha is None:
                raise validation_failed("", "PullRequest", "head", "invalid")
            if base_sha is None:
                raise validation_failed("", "PullRequest", "base", "invalid")
            if self.find_pulls("open", head=head, base=base):
                raise validation_failed(
                    f"A pull request already exists for {owner}:{head}.", "PullRequest"
                )
            ahead = githttp.git(self.bare_repo, "rev-list", "--count", f"{base_sha}..{head_sha}")
            if ahead == "0":
                raise validation_failed(f"No commits between {base} and {head}", "PullRequest")
            pull = PullInfo(
                head=head,
                base=base,
                head_sha=head_sha,
                base_sha=base_sha,
                draft=draft,
                maintainer_can_modify=maintainer_can_modify,
            )
            return self.new_issue(title, body, user, app=app, pull=pull)

    def merge_pull(self, number: int, user: str) -> Issue:
        """Merge a pull request with a merge commit, as the merge button does."""
        with self.lock:
            issue = self.pull(number)
            pull = issue.pull
            assert pull is not None
            if issue.state != "open":
                raise ApiError(405, "Pull Request is not mergeable")
            message = f"Merge pull request #{number} from {pull.head}\n\n{issue.title}"
            author = (user, f"{user}@users.noreply.example.org")
            merged = githttp.merge_branches(self.bare_repo, pull.base, pull.head, message, author)
            pull.merged = True
            pull.merged_at = now_iso()
            pull.merged_by = user
            pull.merge_commit_sha = merged
            self.set_state(issue, "closed")
            return issue

    def pull_stats(self, issue: Issue) -> dict[str, int]:
        """Commit and line counts of a pull request."""
        pull = issue.pull
        assert pull is not None
        return githttp.diff_stats(self.bare_repo, pull.base_sha, pull.head_sha)
