"""The GitHub stand-in: a real HTTP server on 127.0.0.1 with REST, git and faults.

Usage::

    standin = GitHubStandIn(repo="acl-org/acl-anthology", bare_repo_path=bare)
    standin.start()
    Github(base_url=standin.url, auth=Auth.Token(standin.token))
    git clone standin.clone_url
    standin.stop()

It is also a context manager (``with GitHubStandIn(...) as standin:``).
"""

from __future__ import annotations

import base64
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.github_standin import githttp
from tests.github_standin.pages import new_issue_page
from tests.github_standin.payloads import PayloadBuilder
from tests.github_standin.rest import Caller, RestApi, json_response, rate_limit_headers
from tests.github_standin.shapes import Shapes, stable_id
from tests.github_standin.state import (
    LEGACY_PERMISSION,
    Comment,
    Fault,
    Issue,
    LoggedRequest,
    Reaction,
)
from tests.github_standin.store import ApiError, Store
from tests.github_standin.webhooks import deliver

_NEW_ISSUE_PATH = re.compile(r"/(?P<owner>[^/]+)/(?P<name>[^/]+)/issues/new/?")
_GIT_PATH = re.compile(r"/(?P<owner>[^/]+)/(?P<name>[^/]+)\.git(?:/(?P<rest>.*))?")
_RECEIVE_PACK = "git-receive-pack"

#: Called with every REST request the stand-in has answered (any instance, any
#: thread). The test suite registers one that checks the traffic against GitHub's
#: published API description (tests/conftest.py); the stand-in itself needs none.
EXCHANGE_OBSERVERS: list[Callable[[LoggedRequest], None]] = []


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not print one line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def generate_app_key() -> str:
    """A fresh RSA private key (PEM) for a stand-in GitHub App."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


class GitHubStandIn:
    """A local GitHub for one repository, served over real HTTP.

    ``token`` authenticates as ``login`` (a personal or bot token). With
    ``app_id`` and ``app_private_key`` the stand-in also acts as a GitHub App:
    JWTs signed with the key get installation tokens for ``installation_id``,
    and those act as ``<app_slug>[bot]``. Without ``bare_repo_path`` a small
    repository is created in a temporary directory.
    """

    def __init__(
        self,
        repo: str = "acl-org/acl-anthology",
        bare_repo_path: Path | str | None = None,
        *,
        token: str = "standin-token",
        login: str = "anthology-bot",
        app_id: int | None = None,
        app_private_key: str | None = None,
        app_slug: str = "anthology-bot",
        installation_id: int = 4242,
        default_permission: str = "read",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        owner, _, name = repo.partition("/")
        if not owner or not name:
            raise ValueError(f"repo must be owner/name, not {repo!r}")
        self.owner, self.name = owner, name
        self.host, self._requested_port = host, port
        self._tmp: Path | None = None
        if bare_repo_path is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="github-standin-"))
            bare_repo_path = githttp.make_bare_repo(
                self._tmp / f"{name}.git", {"README.md": f"# {repo}\n"}
            )
        self.bare_repo = Path(bare_repo_path)
        self.token = token
        self.login = login
        self.app_id = app_id
        self.app_slug = app_slug
        self.installation_id = installation_id
        self._app_public_key = _public_key(app_private_key) if app_private_key else None
        self.tokens: dict[str, str] = {token: login}
        self.installation_tokens: set[str] = set()
        self.accept_any_git_token = False
        self.store = Store(self.bare_repo, default_permission)
        self.requests: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._git = githttp.GitHttpBackend(self.bare_repo)
        self._base = f"http://{host}:{port}"

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> GitHubStandIn:
        """Start serving in a background thread on an OS-chosen port."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = make_server(
            self.host, self._requested_port, self, threaded=True, request_handler=_QuietHandler
        )
        self._server = server
        self._base = f"http://{self.host}:{server.server_port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="github-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (releasing hanging requests) and remove temporary files."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, for both the API (``base_url``) and the web pages."""
        return self._base

    @property
    def api_url(self) -> str:
        """The REST API base URL (same as :attr:`url`)."""
        return self._base

    @property
    def repo_full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def clone_url(self) -> str:
        """The smart-HTTP URL of the repository (no credentials in it)."""
        return f"{self._base}/{self.owner}/{self.name}.git"

    @property
    def bot_app_login(self) -> str:
        """The login of the App's installation (``<slug>[bot]``)."""
        return f"{self.app_slug}[bot]"

    @property
    def shapes(self) -> Shapes:
        return Shapes(
            base=self._base,
            owner=self.owner,
            name=self.name,
            repo_id=stable_id(self.repo_full_name),
            app_id=self.app_id,
            app_slug=self.app_slug,
        )

    @property
    def payloads(self) -> PayloadBuilder:
        installation = self.installation_id if self.app_id is not None else None
        return PayloadBuilder(self.store, self.shapes, installation)

    # -- state inspection ------------------------------------------------------

    @property
    def issues(self) -> dict[int, Issue]:
        return self.store.issues

    @property
    def comments(self) -> dict[int, Comment]:
        return self.store.comments

    @property
    def permissions(self) -> dict[str, str]:
        return self.store.permissions

    @property
    def pulls(self) -> list[Issue]:
        """All pull requests (issues with ``pull`` set)."""
        with self.store.lock:
            for issue in self.store.pulls():
                self.store.refresh_pull(issue)
            return self.store.pulls()

    def issue(self, number: int) -> Issue:
        return self.store.issue(number)

    def comments_on(self, number: int) -> list[Comment]:
        return self.store.comments_on(number)

    def reactions_on_comment(self, comment_id: int) -> list[Reaction]:
        return list(self.store.comment(comment_id).reactions)

    def set_permission(self, login: str, role: str) -> None:
        """Give ``login`` a role: admin, maintain, write, triage, read or none."""
        if role not in LEGACY_PERMISSION:
            raise ValueError(f"unknown role {role!r}")
        self.store.permissions[login] = role

    def add_token(self, token: str, login: str) -> None:
        """Accept ``token`` as authenticating ``login``."""
        self.tokens[token] = login

    def requests_matching(self, method: str, path_pattern: str) -> list[LoggedRequest]:
        """Logged requests with this method (or ``*``) whose path matches the regex."""
        return [
            r
            for r in list(self.requests)
            if (method == "*" or r.method == method.upper()) and re.fullmatch(path_pattern, r.path)
        ]

    def branch_sha(self, branch: str) -> str | None:
        """The tip of a branch of the bare repository."""
        return self.store.branch_sha(branch)

    def git(self, *args: str) -> str:
        """Run git in the bare repository (e.g. to diff a pull request)."""
        return githttp.git(self.bare_repo, *args)

    # -- fault injection -------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        times: int = 1,
        status: int = 502,
        *,
        lose_answer: bool = False,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status``.

        With ``lose_answer`` the requests are carried out first; only their
        answers are replaced.
        """
        fault = Fault(method, path, "status", times, status=status, lose_answer=lose_answer)
        return self._add_fault(fault)

    def rate_limit_next(
        self,
        method: str,
        path: str,
        times: int = 1,
        *,
        reset_in: float = 0.0,
        status: int = 403,
        secondary: bool = False,
    ) -> Fault:
        """Answer with a rate-limit error (``X-RateLimit-Remaining: 0``).

        A primary limit announces ``X-RateLimit-Reset`` ``reset_in`` seconds
        ahead; a secondary one sends ``Retry-After`` instead.
        """
        kind = "secondary_rate_limit" if secondary else "rate_limit"
        return self._add_fault(Fault(method, path, kind, times, status=status, reset_in=reset_in))

    def hang_next(self, method: str, path: str, seconds: float, times: int = 1) -> Fault:
        """Hold the next matching requests for ``seconds`` before answering them."""
        return self._add_fault(Fault(method, path, "hang", times, seconds=seconds))

    def clear_faults(self) -> None:
        with self._faults_lock:
            self.faults.clear()

    def _add_fault(self, fault: Fault) -> Fault:
        re.compile(fault.path)
        with self._faults_lock:
            self.faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._faults_lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    return fault
        return None

    # -- people's actions, returning webhook payloads --------------------------

    def open_issue(
        self,
        title: str,
        body: str,
        user: str = "octo-user",
        labels: Iterable[str] = (),
    ) -> tuple[int, dict[str, Any]]:
        """File an issue as ``user``; returns its number and the ``issues.opened`` payload."""
        issue = self.store.new_issue(title, body, user, list(labels))
        return issue.number, self.payloads.issues("opened", issue, user)

    def edit_issue(
        self,
        number: int,
        *,
        body: str | None = None,
        title: str | None = None,
        user: str | None = None,
    ) -> dict[str, Any]:
        """Edit an issue; returns the ``issues.edited`` payload with ``changes``."""
        with self.store.lock:
            issue = self.store.issue(number)
            changes: dict[str, Any] = {}
            if body is not None and body != issue.body:
                changes["body"] = {"from": issue.body}
            if title is not None and title != issue.title:
                changes["title"] = {"from": issue.title}
            self.store.edit_issue(number, title=title, body=body)
            return self.payloads.issues("edited", issue, user or issue.user, changes=changes)

    def label_issue(self, number: int, label: str, user: str) -> dict[str, Any]:
        """Add a label as ``user``; returns the ``issues.labeled`` payload."""
        with self.store.lock:
            self.store.add_labels(number, [label], user)
            issue = self.store.issue(number)
            label_json = self.shapes.label(self.store.ensure_label(label))
            return self.payloads.issues("labeled", issue, user, label=label_json)

    def unlabel_issue(self, number: int, label: str, user: str) -> dict[str, Any]:
        """Remove a label as ``user``; returns the ``issues.unlabeled`` payload."""
        with self.store.lock:
            self.store.remove_label(number, label, user)
            issue = self.store.issue(number)
            label_json = self.shapes.label(self.store.ensure_label(label))
            return self.payloads.issues("unlabeled", issue, user, label=label_json)

    def close_issue(self, number: int, user: str, reason: str = "completed") -> dict[str, Any]:
        """Close an issue; returns the ``issues.closed`` payload."""
        with self.store.lock:
            issue = self.store.edit_issue(number, state="closed", state_reason=reason)
            return self.payloads.issues("closed", issue, user)

    def reopen_issue(self, number: int, user: str) -> dict[str, Any]:
        """Reopen an issue; returns the ``issues.reopened`` payload."""
        with self.store.lock:
            issue = self.store.edit_issue(number, state="open")
            return self.payloads.issues("reopened", issue, user)

    def add_comment(self, number: int, body: str, user: str) -> tuple[int, dict[str, Any]]:
        """Comment as ``user``; returns the comment id and ``issue_comment.created`` payload."""
        with self.store.lock:
            comment = self.store.add_comment(number, body, user)
            return comment.id, self.payloads.issue_comment("created", comment, user)

    def edit_comment(self, comment_id: int, body: str, user: str | None = None) -> dict[str, Any]:
        """Edit a comment; returns the ``issue_comment.edited`` payload."""
        with self.store.lock:
            comment = self.store.comment(comment_id)
            changes = {"body": {"from": comment.body}}
            self.store.edit_comment(comment_id, body)
            return self.payloads.issue_comment(
                "edited", comment, user or comment.user, changes=changes
            )

    def merge_pull(self, number: int, user: str = "maintainer") -> dict[str, Any]:
        """Merge a pull request in the bare repository; returns ``pull_request.closed``."""
        with self.store.lock:
            issue = self.store.merge_pull(number, user)
            return self.payloads.pull_request("closed", issue, user)

    def close_pull(self, number: int, user: str = "maintainer") -> dict[str, Any]:
        """Close a pull request unmerged; returns ``pull_request.closed``."""
        with self.store.lock:
            issue = self.store.pull(number)
            self.store.set_state(issue, "closed")
            return self.payloads.pull_request("closed", issue, user)

    def push_commit(
        self,
        files: dict[str, str | bytes | None],
        message: str,
        user: str = "maintainer",
        branch: str | None = None,
    ) -> dict[str, Any]:
        """Commit ``files`` to ``branch`` (default: the default branch) as ``user`` would;
        returns the ``push`` payload."""
        with self.store.lock:
            target = branch or self.store.default_branch()
            before = self.store.branch_sha(target) or "0" * 40
            author = (user, f"{user}@users.noreply.example.org")
            after = githttp.commit_to_branch(self.bare_repo, target, files, message, author=author)
            return self.payloads.push(target, before, after, user)

    def deliver(
        self,
        url: str,
        event: str,
        payload: dict[str, Any],
        secret: str | None,
        delivery_id: str | None = None,
    ) -> requests.Response:
        """Send a signed webhook delivery to ``url`` (see :func:`webhooks.deliver`)."""
        return deliver(url, event, payload, secret, delivery_id)

    # -- WSGI ------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        method, path = request.method, request.path
        fault = self._take_fault(method, path)
        caller = self._caller(request)
        record = LoggedRequest(method, path, request.query_string.decode("latin-1"), 0, None)
        record.login = caller.login if caller else None
        record.fault = fault.kind if fault else None
        git_match = _GIT_PATH.fullmatch(path)
        record.git = git_match is not None
        if method == "GET" and _NEW_ISSUE_PATH.fullmatch(path):
            # A web page, not the REST API: the new-issue form the demo's dialog opens.
            record.page = True
            self.requests.append(record)
            status, text = new_issue_page(self.repo_full_name, dict(request.args.items()))
            record.status = status
            page = Response(text, status=status, content_type="text/html; charset=utf-8")
            return page(environ, start_response)
        if not record.git:
            # Read before any fault answer, so that the record shows what was sent.
            record.request_body = request.get_data(cache=True)
            record.request_type = request.mimetype
        self.requests.append(record)
        if fault is not None and fault.kind == "hang":
            self._stopping.wait(fault.seconds)
        if fault is not None and fault.kind != "hang" and not fault.lose_answer:
            response = self._fault_response(fault)
        elif caller is None:
            response = RestApi.error(ApiError(401, "Bad credentials"))
            response.headers["WWW-Authenticate"] = 'Basic realm="GitHub"'
        else:
            if git_match:
                return self._serve_git(environ, start_response, git_match, caller, record)
            response = self._rest().handle(request, caller)
            if request.mimetype == "application/json":
                record.json = request.get_json(silent=True)
            if fault is not None and fault.lose_answer:
                response = self._fault_response(fault)
        record.status = response.status_code
        record.response_body = response.get_data()
        record.response_type = response.mimetype or ""
        for observe in list(EXCHANGE_OBSERVERS):
            observe(record)
        return response(environ, start_response)

    def _rest(self) -> RestApi:
        return RestApi(
            self.store,
            self.shapes,
            installation_id=self.installation_id,
            issue_installation_token=self._issue_installation_token,
        )

    def _issue_installation_token(self) -> str:
        token = f"ghs_{secrets.token_urlsafe(27)}"
        self.tokens[token] = self.bot_app_login
        self.installation_tokens.add(token)
        return token

    def _caller(self, request: Request) -> Caller | None:
        """Who is calling; None when credentials were sent but are not valid."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if not header:
            return Caller("anonymous")
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value).decode("utf-8")
            except ValueError:
                return None
            _, _, value = decoded.partition(":")
            if self.accept_any_git_token and value and _GIT_PATH.fullmatch(request.path):
                return Caller("token", self.tokens.get(value, "x-access-token"))
        elif scheme == "bearer" and value.count(".") == 2:
            return self._app_caller(value)
        elif scheme not in ("token", "bearer"):
            return None
        login = self.tokens.get(value)
        if login is None:
            return None
        kind = "installation" if value in self.installation_tokens else "token"
        return Caller(kind, login)

    def _app_caller(self, token: str) -> Caller | None:
        if self._app_public_key is None or self.app_id is None:
            return None
        try:
            claims = jwt.decode(
                token,
                self._app_public_key,
                algorithms=["RS256"],
                leeway=60,
                options={"verify_iss": False},
            )
        except jwt.PyJWTError:
            return None
        if str(claims.get("iss")) != str(self.app_id):
            return None
        return Caller("app", None)

    def _fault_response(self, fault: Fault) -> Response:
        if fault.kind == "status":
            # Shaped like GitHub's error answers (message, documentation_url, status).
            error = ApiError(fault.status, "Server Error" if fault.status >= 500 else "Failed")
            return RestApi.error(error)
        headers = rate_limit_headers(remaining=0, reset_in=fault.reset_in)
        if fault.kind == "secondary_rate_limit":
            headers["Retry-After"] = str(int(fault.reset_in))
            message = (
                "You have exceeded a secondary rate limit. "
                "Please wait a few minutes before you try again."
            )
        else:
            message = "API rate limit exceeded for installation ID 1."
        response = json_response(
            {"message": message, "documentation_url": "https://docs.github.com/rest"},
            fault.status,
        )
        response.headers.update(headers)
        return response

    def _serve_git(
        self,
        environ: dict[str, Any],
        start_response: Any,
        match: re.Match[str],
        caller: Caller,
        record: LoggedRequest,
    ) -> Iterable[bytes]:
        same_repo = (match["owner"].lower(), match["name"].lower()) == (
            self.owner.lower(),
            self.name.lower(),
        )
        rest = match["rest"] or ""
        if not same_repo:
            response = Response("Repository not found.\n", status=404)
        elif _RECEIVE_PACK in rest or _RECEIVE_PACK in environ.get("QUERY_STRING", ""):
            if caller.login is None:
                response = Response("Authentication required\n", status=401)
                response.headers["WWW-Authenticate"] = 'Basic realm="GitHub"'
            else:
                response = None
        else:
            response = None
        if response is not None:
            record.status = response.status_code
            return response(environ, start_response)

        def recording_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            record.status = int(status.split()[0])
            return start_response(status, headers, *args)

        return self._git(environ, recording_start, rest, caller.login)


def _public_key(private_pem: str) -> Any:
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return key.public_key()
