"""GitHub access for the bot, through PyGithub.

Two pieces:

* :func:`make_github` builds a :class:`GitHubClient` for one identity: a plain
  token, or one installation of a GitHub App (app id + private key; the
  installation id usually comes from the webhook payload).
* :class:`GitHubRepo` is a small facade with just the operations the bot needs.
  It returns plain frozen dataclasses, never lazy PyGithub objects, so every
  request happens inside the facade, where failures are handled.

Failures. PyGithub's own retrying is switched off (``retry=None``) and each
facade operation is retried as a whole, with exponential backoff, on 5xx
answers, rate limits (403/429 with ``X-RateLimit-Remaining: 0``, a
``Retry-After`` header or a rate-limit message) and timeouts or dropped
connections. Retrying whole operations rather than single HTTP requests keeps
non-idempotent calls safe: "create or update the status comment" and "create
or update the pull request" look again before creating, so a POST that
reached GitHub although its answer was lost is not repeated. When the attempts
are used up, :class:`GitHubUnavailable` is raised; other refusals raise
:class:`GitHubError`. Their messages never contain a token and may be shown in
a comment.

Permissions. ``repo.get_collaborator_permission`` in PyGithub returns only the
legacy ``permission`` (admin, write, read, none), in which ``maintain`` shows
as write and ``triage`` as read. :meth:`GitHubRepo.permission` reads the same
endpoint itself and uses ``role_name`` (admin, maintain, write, triage, read)
when it is one of those; for custom organisation roles, or if ``role_name`` is
missing, it falls back to the legacy value. A login GitHub does not know (404)
has ``none``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import requests
from github import Auth, Github, GithubException, GithubIntegration
from github.IssueComment import IssueComment
from github.PullRequest import PullRequest

from bot.config import GitHubSettings, RetryPolicy, Settings
from bot.errors import Permanent, Transient

log = logging.getLogger(__name__)

T = TypeVar("T")

Permission = Literal["admin", "maintain", "write", "triage", "read", "none"]
PERMISSION_RANK: dict[str, int] = {
    "none": 0,
    "read": 1,
    "triage": 2,
    "write": 3,
    "maintain": 4,
    "admin": 5,
}
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


# -- errors --------------------------------------------------------------------


class GitHubError(Permanent):
    """GitHub refused a request for good; the message is safe to show to users."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubNotFound(GitHubError):
    """The issue, comment, pull request or repository does not exist (any more)."""


class GitHubUnavailable(Transient):
    """GitHub kept failing (5xx, rate limit, timeout) after all retries.

    ``retry_after`` is how many seconds GitHub asked to wait, when it said so.
    """

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, retry_after)
        self.status = status


# -- results -------------------------------------------------------------------


@dataclass(frozen=True)
class IssueInfo:
    """What the bot needs to know of an issue."""

    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    author: str
    state: str
    is_pull_request: bool
    html_url: str


@dataclass(frozen=True)
class CommentInfo:
    """An issue comment (times in GitHub's ISO format; ``reactions``: how many it has)."""

    id: int
    body: str
    author: str
    html_url: str
    created_at: str = ""
    updated_at: str = ""
    reactions: int = 0


@dataclass(frozen=True)
class IssueEvent:
    """One event of an issue's history (``labeled``, ``unlabeled``, ``closed``...)."""

    id: int
    event: str
    actor: str
    label: str | None = None
    created_at: str = ""


@dataclass(frozen=True)
class PullInfo:
    """A pull request."""

    number: int
    title: str
    body: str
    state: str
    head: str
    base: str
    head_sha: str
    merged: bool
    labels: tuple[str, ...]
    html_url: str
    author: str = ""


def _iso(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else ""


def _comment_info(comment: IssueComment) -> CommentInfo:
    reactions = comment.raw_data.get("reactions") if comment.raw_data else None
    return CommentInfo(
        id=comment.id,
        body=comment.body or "",
        author=comment.user.login,
        html_url=comment.html_url,
        created_at=_iso(comment.created_at),
        updated_at=_iso(comment.updated_at),
        reactions=int(reactions.get("total_count") or 0) if isinstance(reactions, dict) else 0,
    )


def _issue_info(issue: Any) -> IssueInfo:
    return IssueInfo(
        number=issue.number,
        title=issue.title,
        body=issue.body or "",
        labels=tuple(label.name for label in issue.labels),
        author=issue.user.login,
        state=issue.state,
        is_pull_request=issue.pull_request is not None,
        html_url=issue.html_url,
    )


def _pull_info(pull: PullRequest) -> PullInfo:
    return PullInfo(
        number=pull.number,
        title=pull.title,
        body=pull.body or "",
        state=pull.state,
        head=pull.head.ref,
        base=pull.base.ref,
        head_sha=pull.head.sha,
        merged=pull.merged_at is not None,
        labels=tuple(label.name for label in pull.labels),
        html_url=pull.html_url,
        author=pull.user.login if pull.user is not None else "",
    )


# -- retrying ------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    """A transient failure: a short description and how long GitHub asked to wait."""

    description: str
    status: int | None
    wait: float | None


class Retrier:
    """Runs operations, retrying transient GitHub failures per a :class:`RetryPolicy`."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock

    def call(self, what: str, operation: Callable[[], T]) -> T:
        """Run ``operation``; ``what`` says what it does ("reading issue #3")."""
        attempts = max(1, self.policy.attempts)
        failure: _Failure | None = None
        for attempt in range(1, attempts + 1):
            try:
                return operation()
            except GithubException as exc:
                failure = self._classify(exc)
                if failure is None:
                    raise _permanent(what, exc) from exc
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                failure = _Failure(kind, None, None)
            if failure.wait is not None and failure.wait > self.policy.max_rate_limit_wait:
                raise GitHubUnavailable(
                    f"GitHub is rate limiting the bot while {what}; "
                    f"the limit resets in about {int(failure.wait) + 1} s.",
                    failure.status,
                    retry_after=failure.wait,
                )
            if attempt == attempts:
                break
            delay = max(self.policy.backoff(attempt), failure.wait or 0.0)
            log.warning(
                "GitHub failed while %s (%s), attempt %d of %d; retrying in %.1f s",
                what,
                failure.description,
                attempt,
                attempts,
                delay,
            )
            if delay > 0:
                self._sleep(delay)
        assert failure is not None
        raise GitHubUnavailable(
            f"GitHub did not answer properly while {what} ({failure.description}, "
            f"{attempts} attempts).",
            failure.status,
            retry_after=failure.wait,
        )

    def _classify(self, exc: GithubException) -> _Failure | None:
        """A transient failure, or None if retrying cannot help."""
        status = exc.status
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        message = _message(exc).lower()
        if status is not None and status >= 500:
            return _Failure(f"HTTP {status}", status, None)
        rate_limited = (
            headers.get("x-ratelimit-remaining") == "0"
            or "retry-after" in headers
            or "rate limit" in message
        )
        if status in (403, 429) and (rate_limited or status == 429):
            return _Failure(f"rate limited, HTTP {status}", status, self._rate_wait(headers))
        return None

    def _rate_wait(self, headers: dict[str, str]) -> float:
        """Seconds until GitHub lets the bot in again (``Retry-After`` or the reset)."""
        retry_after = headers.get("retry-after", "")
        if retry_after.isdigit():
            return float(retry_after)
        reset = headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            return max(0.0, int(reset) - self._clock())
        return 0.0


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return ""


def _permanent(what: str, exc: GithubException) -> GitHubError:
    """The error for a refusal that retrying cannot fix."""
    status = exc.status
    detail = _message(exc)[:200]
    if status == 401:
        return GitHubError(f"GitHub rejected the bot's credentials while {what}.", status)
    if status == 404:
        return GitHubNotFound(f"GitHub found nothing while {what} (HTTP 404).", status)
    suffix = f": {detail}" if detail else ""
    return GitHubError(f"GitHub refused while {what} (HTTP {status}){suffix}", status)


# -- the client ----------------------------------------------------------------


class GitHubClient:
    """A connection to GitHub as one identity (a token or one App installation)."""

    def __init__(
        self,
        github: Github,
        *,
        retrier: Retrier,
        token_source: Callable[[], str],
        login_source: Callable[[], str],
        default_repo: str,
    ) -> None:
        self.github = github
        self.retrier = retrier
        self._token_source = token_source
        self._login_source = login_source
        self._login: str | None = None
        self.default_repo = default_repo

    def login(self) -> str:
        """The bot's own login (``<app-slug>[bot]`` for an App)."""
        if self._login is None:
            self._login = self.retrier.call("finding the bot's own login", self._login_source)
        return self._login

    def git_token(self) -> str:
        """A token for ``git push`` over HTTPS (refreshed when an App token expires)."""
        return self.retrier.call("getting a token for git", self._token_source)

    def repo(self, full_name: str | None = None) -> GitHubRepo:
        """The facade for a repository (by default the configured one)."""
        return GitHubRepo(self, full_name or self.default_repo)


def installation_id_from_payload(payload: dict[str, Any]) -> int | None:
    """The App installation id of a webhook payload, None if it has none."""
    installation = payload.get("installation")
    if isinstance(installation, dict) and isinstance(installation.get("id"), int):
        return installation["id"]
    return None


def make_github(
    settings: GitHubSettings,
    installation_id: int | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    login: str | None = None,
) -> GitHubClient:
    """A client for the token, or for one installation of the App.

    ``login`` is the bot's own login when it is known beforehand: an App
    installation token (as a GitHub Actions workflow has it) may not ask
    ``GET /user`` who it is.
    """
    kwargs: dict[str, Any] = {
        "base_url": settings.api_url.rstrip("/"),
        "timeout": settings.timeout,
        "user_agent": settings.user_agent,
        "retry": None,
        "lazy": True,
    }
    if not settings.throttle:
        kwargs["seconds_between_requests"] = None
        kwargs["seconds_between_writes"] = None
    retrier = Retrier(settings.retry, sleep=sleep)

    if settings.token is not None:
        token = settings.token
        github = Github(auth=Auth.Token(token), **kwargs)
        return GitHubClient(
            github,
            retrier=retrier,
            token_source=lambda: token,
            login_source=(lambda: login) if login else lambda: github.get_user().login,
            default_repo=settings.repo,
        )

    installation = installation_id or settings.installation_id
    if installation is None:
        raise ValueError("a GitHub App client needs an installation id")
    assert settings.app_id is not None and settings.private_key is not None
    app_auth = Auth.AppAuth(settings.app_id, settings.private_key)
    install_auth = Auth.AppInstallationAuth(app_auth, installation)
    github = Github(auth=install_auth, **kwargs)
    integration_kwargs = {k: v for k, v in kwargs.items() if k != "lazy"}
    integration = GithubIntegration(auth=app_auth, **integration_kwargs)
    return GitHubClient(
        github,
        retrier=retrier,
        token_source=lambda: install_auth.token,
        login_source=(lambda: login) if login else lambda: f"{integration.get_app().slug}[bot]",
        default_repo=settings.repo,
    )


def app_bot_login(settings: GitHubSettings, *, sleep: Callable[[float], None] = time.sleep) -> str:
    """The login a GitHub App acts as: its slug and ``[bot]``, from ``GET /app``.

    Asked with the App's own JWT, so no installation is needed; this is the
    ``sender.login`` of the events the App causes and the author of its comments.
    """
    if settings.app_id is None or not settings.private_key:
        raise ValueError("the App's login needs its app id and private key")
    kwargs: dict[str, Any] = {
        "base_url": settings.api_url.rstrip("/"),
        "timeout": settings.timeout,
        "user_agent": settings.user_agent,
        "retry": None,
    }
    if not settings.throttle:
        kwargs["seconds_between_requests"] = None
        kwargs["seconds_between_writes"] = None
    integration = GithubIntegration(
        auth=Auth.AppAuth(settings.app_id, settings.private_key), **kwargs
    )
    retrier = Retrier(settings.retry, sleep=sleep)
    return retrier.call(
        "reading the GitHub App's name", lambda: f"{integration.get_app().slug}[bot]"
    )


def with_app_login(settings: Settings) -> Settings:
    """``settings`` with ``bot_login`` filled in from the GitHub App when it is not set.

    With a token (or ``BOT_LOGIN`` set) nothing changes. When GitHub cannot be
    asked, the settings stay as they are and a warning is logged: events sent
    by any bot account (``sender.type == "Bot"``) are still ignored.
    """
    if not settings.needs_app_login:
        return settings
    try:
        login = app_bot_login(settings.github_settings())
    except (GitHubError, GithubException, requests.RequestException) as exc:
        log.warning("could not read the GitHub App's login (GET /app): %s", exc)
        return settings
    log.info("the bot's login, from the GitHub App: %s", login)
    return dataclasses.replace(settings, bot_login=login)


# -- the repository facade -----------------------------------------------------


class GitHubRepo:
    """The operations the bot performs on one repository."""

    def __init__(self, client: GitHubClient, full_name: str) -> None:
        self.client = client
        self.full_name = full_name
        self.owner = full_name.split("/", 1)[0]
        self._call = client.retrier.call

    @property
    def _repo(self) -> Any:
        return self.client.github.get_repo(self.full_name)

    @property
    def _api_path(self) -> str:
        return f"/repos/{self.full_name}"

    # -- repository and issues -------------------------------------------------

    def default_branch(self) -> str:
        """The repository's default branch."""
        return self._call("reading the repository", lambda: self._repo.default_branch)

    def get_issue(self, number: int) -> IssueInfo:
        """An issue (or pull request) with its title, body, labels, author and state."""

        return self._call(
            f"reading issue #{number}", lambda: _issue_info(self._repo.get_issue(number))
        )

    def list_issues(self, labels: Iterable[str] = (), state: str = "open") -> list[IssueInfo]:
        """Issues (and pull requests, flagged) in ``state`` carrying all of ``labels``."""
        wanted = list(labels)

        def run() -> list[IssueInfo]:
            filters: dict[str, Any] = {"state": state}
            if wanted:
                filters["labels"] = wanted
            return [_issue_info(issue) for issue in self._repo.get_issues(**filters)]

        return self._call(f"listing {state} issues", run)

    def close_issue(self, number: int, reason: str = "completed") -> None:
        """Close an issue (``reason``: completed or not_planned)."""
        self._call(
            f"closing issue #{number}",
            lambda: self._repo.get_issue(number).edit(state="closed", state_reason=reason),
        )

    # -- comments --------------------------------------------------------------

    def get_comment(self, issue_number: int, comment_id: int) -> CommentInfo:
        """One comment of an issue."""
        return self._call(
            f"reading a comment on #{issue_number}",
            lambda: _comment_info(self._repo.get_issue(issue_number).get_comment(comment_id)),
        )

    def list_comments(self, issue_number: int) -> list[CommentInfo]:
        """Every comment of an issue, oldest first."""
        return self._call(
            f"reading the comments of #{issue_number}",
            lambda: [_comment_info(c) for c in self._repo.get_issue(issue_number).get_comments()],
        )

    def comment_reactions(self, issue_number: int, comment_id: int) -> list[tuple[str, str]]:
        """The reactions on a comment, as (content, login) pairs."""

        def run() -> list[tuple[str, str]]:
            comment = self._repo.get_issue(issue_number).get_comment(comment_id)
            return [(r.content, r.user.login) for r in comment.get_reactions()]

        return self._call(f"reading the reactions to a comment on #{issue_number}", run)

    def add_comment(self, issue_number: int, body: str) -> CommentInfo:
        """Post a new comment (not idempotent: a retry after a lost answer may repeat it)."""
        return self._call(
            f"commenting on #{issue_number}",
            lambda: _comment_info(self._repo.get_issue(issue_number).create_comment(body)),
        )

    def add_marked_comment(self, issue_number: int, body: str, marker: str) -> CommentInfo:
        """Post a comment carrying ``marker`` once: every retry first looks for it.

        A POST that GitHub applied but whose answer was lost (a 502, a timeout)
        is retried by :class:`Retrier`; before each retry the bot's comments are
        searched for ``marker``, and the comment found is the result. The first
        attempt does not look: callers have just read the comments.
        """
        text = body if marker in body else f"{marker}\n{body}"
        login = self.client.login()
        attempts = 0

        def run() -> CommentInfo:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                found = self._marked_comments(issue_number, marker, login)
                if found:
                    log.info("found the comment a lost answer had posted; not posting again")
                    return _comment_info(found[0])
            return _comment_info(self._repo.get_issue(issue_number).create_comment(text))

        return self._call(f"commenting on #{issue_number}", run)

    def _marked_comments(self, issue_number: int, marker: str, login: str) -> list[IssueComment]:
        return [
            comment
            for comment in self._repo.get_issue(issue_number).get_comments()
            if comment.user.login == login and marker in (comment.body or "")
        ]

    def find_marked_comment(self, issue_number: int, marker: str) -> CommentInfo | None:
        """The bot's comment carrying ``marker``, None if there is none yet."""

        login = self.client.login()

        def run() -> CommentInfo | None:
            found = self._marked_comments(issue_number, marker, login)
            return _comment_info(found[0]) if found else None

        return self._call(f"looking for the status comment on #{issue_number}", run)

    def upsert_marked_comment(self, issue_number: int, body: str, marker: str) -> CommentInfo:
        """Create or update the one comment of the bot's carrying ``marker`` (its status).

        The comment is recognised by ``marker`` (a hidden HTML comment added at
        the top) and by being the bot's own. It is edited only if its text
        changes; any duplicates (from a race or a lost answer) are deleted, so
        there is exactly one.
        """
        text = body if marker in body else f"{marker}\n{body}"
        login = self.client.login()

        def run() -> CommentInfo:
            found = self._marked_comments(issue_number, marker, login)
            if not found:
                return _comment_info(self._repo.get_issue(issue_number).create_comment(text))
            keep, extras = found[0], found[1:]
            for extra in extras:
                extra.delete()
            if keep.body != text:
                keep.edit(text)
            return _comment_info(keep)

        return self._call(f"updating the status comment on #{issue_number}", run)

    def issue_events(self, number: int) -> list[IssueEvent]:
        """The issue's events, oldest first (``GET /repos/{repo}/issues/{number}/events``):
        who added or removed which label, checked here rather than in a payload."""

        def run() -> list[IssueEvent]:
            out = []
            for event in self._repo.get_issue(number).get_events():
                label = event.label.name if event.label is not None else None
                actor = event.actor.login if event.actor is not None else ""
                out.append(IssueEvent(event.id, event.event, actor, label, _iso(event.created_at)))
            return out

        return self._call(f"reading the events of #{number}", run)

    def newest_comment_id(self, number: int) -> int:
        """The id of the newest comment on an issue (0 if none): a point in its history."""
        return max((c.id for c in self.list_comments(number)), default=0)

    # -- labels and reactions --------------------------------------------------

    def add_labels(self, number: int, *labels: str) -> None:
        """Add labels to an issue or pull request (missing labels are created)."""
        if labels:
            self._call(f"labelling #{number}", lambda: self._post_labels(number, labels))

    def _post_labels(self, number: int, labels: Iterable[str]) -> None:
        # PyGithub's add_to_labels sends a bare JSON array; GitHub's API description
        # documents only {"labels": [...]}, so send that.
        path = f"{self._api_path}/issues/{number}/labels"
        self.client.github.requester.requestJsonAndCheck(
            "POST", path, input={"labels": list(labels)}
        )

    def remove_label(self, number: int, label: str) -> bool:
        """Remove a label; False if the issue did not have it."""

        def run() -> bool:
            try:
                self._repo.get_issue(number).remove_from_labels(label)
            except GithubException as exc:
                if exc.status == 404:
                    return False
                raise
            return True

        return self._call(f"removing a label from #{number}", run)

    def react(self, issue_number: int, comment_id: int, content: str) -> None:
        """React to a comment (``+1``, ``eyes``, ``rocket``, ``confused``...)."""
        if content not in REACTIONS:
            raise ValueError(f"not a GitHub reaction: {content!r}")
        self._call(
            f"reacting to a comment on #{issue_number}",
            lambda: (
                self._repo.get_issue(issue_number).get_comment(comment_id).create_reaction(content)
            ),
        )

    # -- pull requests ---------------------------------------------------------

    def _open_pulls(self, head: str, base: str | None = None) -> list[PullRequest]:
        filters: dict[str, str] = {"state": "open", "head": f"{self.owner}:{head}"}
        if base is not None:
            filters["base"] = base
        return list(self._repo.get_pulls(**filters))

    def find_open_pull(self, head: str, base: str | None = None) -> PullInfo | None:
        """The open pull request from branch ``head`` (of this repository), if any."""

        def run() -> PullInfo | None:
            pulls = self._open_pulls(head, base)
            return _pull_info(pulls[0]) if pulls else None

        return self._call(f"looking for the pull request of {head}", run)

    def find_pulls(self, head: str, state: str = "all") -> list[PullInfo]:
        """Pull requests from branch ``head`` of this repository in ``state``, newest first."""

        def run() -> list[PullInfo]:
            pulls = self._repo.get_pulls(
                state=state, head=f"{self.owner}:{head}", sort="created", direction="desc"
            )
            return [_pull_info(pull) for pull in pulls]

        return self._call(f"looking for the pull requests of {head}", run)

    def open_pulls(self) -> list[PullInfo]:
        """Every open pull request of the repository."""
        return self._call(
            "listing the open pull requests",
            lambda: [_pull_info(pull) for pull in self._repo.get_pulls(state="open")],
        )

    def get_pull(self, number: int) -> PullInfo:
        """A pull request by number."""
        return self._call(
            f"reading pull request #{number}", lambda: _pull_info(self._repo.get_pull(number))
        )

    def upsert_pull(
        self, head: str, base: str, title: str, body: str, labels: Iterable[str] = ()
    ) -> PullInfo:
        """Open a pull request from ``head``, or update the open one; then label it."""
        wanted_labels = tuple(labels)

        def run() -> PullInfo:
            pulls = self._open_pulls(head, base)
            if pulls:
                pull = pulls[0]
                if pull.title != title or (pull.body or "") != body:
                    pull.edit(title=title, body=body)
            else:
                try:
                    pull = self._repo.create_pull(base=base, head=head, title=title, body=body)
                except GithubException as exc:
                    again = self._open_pulls(head, base) if exc.status == 422 else []
                    if not again:
                        raise
                    pull = again[0]
                    pull.edit(title=title, body=body)
            missing = [lb for lb in wanted_labels if lb not in {x.name for x in pull.labels}]
            if missing:
                self._post_labels(pull.number, missing)
            return _pull_info(self._repo.get_pull(pull.number))

        return self._call(f"opening or updating the pull request of {head}", run)

    def close_pull(self, number: int) -> PullInfo:
        """Close a pull request without merging it."""

        def run() -> PullInfo:
            pull = self._repo.get_pull(number)
            pull.edit(state="closed")
            return _pull_info(pull)

        return self._call(f"closing pull request #{number}", run)

    def delete_branch(self, branch: str) -> bool:
        """Delete a branch of this repository; False if it did not exist."""
        path = f"{self._api_path}/git/refs/heads/{urllib.parse.quote(branch, safe='/')}"

        def run() -> bool:
            try:
                self.client.github.requester.requestJsonAndCheck("DELETE", path)
            except GithubException as exc:
                if exc.status in (404, 422):
                    return False
                raise
            return True

        return self._call(f"deleting branch {branch}", run)

    # -- people ----------------------------------------------------------------

    def permission(self, login: str) -> Permission:
        """The role of ``login`` here: admin, maintain, write, triage, read or none."""
        path = f"{self._api_path}/collaborators/{urllib.parse.quote(login, safe='')}/permission"

        def run() -> Permission:
            try:
                _, data = self.client.github.requester.requestJsonAndCheck("GET", path)
            except GithubException as exc:
                if exc.status == 404:
                    return "none"
                raise
            role = data.get("role_name")
            if role in PERMISSION_RANK:
                return role  # type: ignore[no-any-return]
            legacy = data.get("permission")
            return legacy if legacy in PERMISSION_RANK else "none"  # type: ignore[no-any-return]

        return self._call(f"checking the permissions of {login}", run)

    def has_permission(self, login: str, needed: Permission) -> bool:
        """Whether ``login`` has at least the ``needed`` role."""
        return PERMISSION_RANK[self.permission(login)] >= PERMISSION_RANK[needed]
