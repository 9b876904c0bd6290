"""The REST subset of GitHub's API that the bot (through PyGithub) uses."""

from __future__ import annotations

import functools
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.github_standin import githttp
from tests.github_standin.shapes import Shapes
from tests.github_standin.store import ApiError, Store, not_found, validation_failed

CallerKind = Literal["anonymous", "token", "installation", "app"]


@dataclass(frozen=True)
class Caller:
    """Who sent a request: a personal token's user, an installation, the app (JWT)."""

    kind: CallerKind
    login: str | None = None

    @property
    def is_app_install(self) -> bool:
        return self.kind == "installation"


def rate_limit_headers(remaining: int = 4999, reset_in: float = 3600) -> dict[str, str]:
    """The rate-limit headers every API answer carries."""
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(time.time() + reset_in)),
        "X-RateLimit-Used": str(5000 - remaining),
        "X-RateLimit-Resource": "core",
    }


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer with GitHub's usual headers."""
    all_headers = rate_limit_headers()
    all_headers.update(headers or {})
    if status == 204:
        return Response(status=204, headers=all_headers)
    return Response(
        json.dumps(data),
        status=status,
        headers=all_headers,
        content_type="application/json; charset=utf-8",
    )


@functools.cache
def _rules() -> Map:
    repo = "/repos/<owner>/<name>"
    rules = [
        ("/user", ["GET"], "user"),
        ("/users/<login>", ["GET"], "get_user"),
        ("/app", ["GET"], "app"),
        ("/app/installations/<int:installation_id>/access_tokens", ["POST"], "access_token"),
        ("/rate_limit", ["GET"], "rate_limit"),
        (f"{repo}", ["GET"], "repo"),
        (f"{repo}/installation", ["GET"], "repo_installation"),
        (f"{repo}/issues", ["GET", "POST"], "issues"),
        (f"{repo}/issues/<int:number>", ["GET", "PATCH"], "issue"),
        (f"{repo}/issues/<int:number>/comments", ["GET", "POST"], "issue_comments"),
        (f"{repo}/issues/comments/<int:comment_id>", ["GET", "PATCH", "DELETE"], "comment"),
        (
            f"{repo}/issues/comments/<int:comment_id>/reactions",
            ["GET", "POST"],
            "comment_reactions",
        ),
        (f"{repo}/issues/<int:number>/reactions", ["GET", "POST"], "issue_reactions"),
        (f"{repo}/issues/<int:number>/labels", ["GET", "POST", "PUT", "DELETE"], "issue_labels"),
        (f"{repo}/issues/<int:number>/events", ["GET"], "issue_events"),
        (f"{repo}/issues/<int:number>/labels/<path:label>", ["DELETE"], "issue_label"),
        (f"{repo}/labels", ["GET", "POST"], "labels"),
        (f"{repo}/labels/<path:label>", ["GET"], "label"),
        (f"{repo}/pulls", ["GET", "POST"], "pulls"),
        (f"{repo}/pulls/<int:number>", ["GET", "PATCH"], "pull"),
        (f"{repo}/pulls/<int:number>/merge", ["GET"], "pull_merged"),
        (f"{repo}/collaborators/<login>/permission", ["GET"], "permission"),
        (f"{repo}/branches/<path:branch>", ["GET"], "branch"),
        (f"{repo}/git/refs", ["GET", "POST"], "refs"),
        (f"{repo}/git/ref/<path:ref>", ["GET", "DELETE"], "ref"),
        (f"{repo}/git/refs/<path:ref>", ["GET", "DELETE", "PATCH"], "ref"),
    ]
    return Map(
        [Rule(path, methods=methods, endpoint=endpoint) for path, methods, endpoint in rules],
        strict_slashes=False,
    )


class RestApi:
    """Routes REST requests onto the :class:`Store` and renders answers."""

    def __init__(
        self,
        store: Store,
        shapes: Shapes,
        *,
        installation_id: int,
        issue_installation_token: Callable[[], str],
    ) -> None:
        self.store = store
        self.shapes = shapes
        self.installation_id = installation_id
        self._issue_installation_token = issue_installation_token
        self._map = _rules()

    def handle(self, request: Request, caller: Caller) -> Response:
        """Answer one REST request."""
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return self.error(not_found())
        except MethodNotAllowed:
            return self.error(not_found())
        except HTTPException as exc:
            return self.error(ApiError(exc.code or 400, exc.description or "Bad request"))
        try:
            if "owner" in args:
                self._check_repo(args.pop("owner"), args.pop("name"))
            handler = getattr(self, f"h_{endpoint}")
            with self.store.lock:
                return handler(request, caller, **args)
        except ApiError as exc:
            return self.error(exc)

    @staticmethod
    def error(exc: ApiError) -> Response:
        """Render an API error."""
        return json_response(exc.body(), exc.status, exc.headers)

    # -- helpers ---------------------------------------------------------------

    def _check_repo(self, owner: str, name: str) -> None:
        if (owner.lower(), name.lower()) != (self.shapes.owner.lower(), self.shapes.name.lower()):
            raise not_found()

    @staticmethod
    def _body(request: Request) -> Any:
        if not request.get_data():
            return {}
        try:
            return json.loads(request.get_data())
        except ValueError as exc:
            raise ApiError(400, "Problems parsing JSON") from exc

    @staticmethod
    def _require_user(caller: Caller) -> str:
        if caller.kind == "app":
            raise ApiError(403, "Resource not accessible by integration")
        if caller.login is None:
            raise ApiError(401, "Requires authentication")
        return caller.login

    @staticmethod
    def _require_app(caller: Caller) -> None:
        if caller.kind != "app":
            raise ApiError(401, "A JSON web token could not be decoded")

    def _paginate(self, request: Request, items: list[Any]) -> Response:
        """One page of ``items`` with a ``Link`` header, as GitHub paginates."""
        try:
            per_page = max(1, min(100, int(request.args.get("per_page", 30))))
            page = max(1, int(request.args.get("page", 1)))
        except ValueError as exc:
            raise ApiError(400, "Invalid pagination parameters") from exc
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> str:
            query = dict(request.args.items())
            query.update({"per_page": str(per_page), "page": str(number)})
            url = f"{self.shapes.base}{request.path}?{urllib.parse.urlencode(query)}"
            return f'<{url}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        headers = {"Link": ", ".join(links)} if links else {}
        return json_response(chunk, 200, headers)

    def _issue_json(self, number: int) -> dict[str, Any]:
        issue = self.store.issue(number)
        comments = len(self.store.comments_on(number))
        return self.shapes.issue(issue, self.store.labels_of(issue), comments)

    def _pull_json(self, number: int, detailed: bool = True) -> dict[str, Any]:
        issue = self.store.pull(number)
        comments = len(self.store.comments_on(number))
        stats = self.store.pull_stats(issue) if detailed else None
        return self.shapes.pull(
            issue, self.store.labels_of(issue), comments, self.store.default_branch(), stats
        )

    @staticmethod
    def _label_names(data: Any) -> list[str]:
        if isinstance(data, dict):
            data = data.get("labels", [])
        if not isinstance(data, list):
            raise validation_failed("labels must be a list", "Label", "labels", "invalid")
        names = []
        for item in data:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str) or not name:
                raise validation_failed("invalid label", "Label", "name", "invalid")
            names.append(name)
        return names

    # -- users, app, auth ------------------------------------------------------

    def h_user(self, request: Request, caller: Caller) -> Response:
        if caller.kind == "installation":
            raise ApiError(403, "Resource not accessible by integration")
        login = self._require_user(caller)
        return json_response(self.shapes.public_user(login))

    def h_get_user(self, request: Request, caller: Caller, login: str) -> Response:
        return json_response(self.shapes.public_user(login))

    def h_app(self, request: Request, caller: Caller) -> Response:
        self._require_app(caller)
        return json_response(self.shapes.app())

    def h_repo_installation(self, request: Request, caller: Caller) -> Response:
        self._require_app(caller)
        return json_response(self.shapes.installation(self.installation_id))

    def h_access_token(self, request: Request, caller: Caller, installation_id: int) -> Response:
        self._require_app(caller)
        if installation_id != self.installation_id:
            raise not_found()
        expires = datetime.now(UTC) + timedelta(hours=1)
        return json_response(
            {
                "token": self._issue_installation_token(),
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "permissions": self.shapes.app()["permissions"],
                "repository_selection": "selected",
            },
            201,
        )

    def h_rate_limit(self, request: Request, caller: Caller) -> Response:
        core = {"limit": 5000, "remaining": 4999, "reset": int(time.time()) + 3600, "used": 1}
        return json_response({"resources": {"core": core}, "rate": core})

    # -- repository, issues ----------------------------------------------------

    def h_repo(self, request: Request, caller: Caller) -> Response:
        open_issues = sum(1 for i in self.store.issues.values() if i.state == "open")
        repo = self.shapes.repo(self.store.default_branch(), open_issues)
        # Only the full repository object (GET /repos/{owner}/{repo}) has these.
        repo.update({"network_count": 0, "subscribers_count": 0})
        return json_response(repo)

    def h_issues(self, request: Request, caller: Caller) -> Response:
        if request.method == "POST":
            login = self._require_user(caller)
            data = self._body(request)
            title = data.get("title")
            if not isinstance(title, str) or not title:
                raise validation_failed("title is missing", "Issue", "title", "missing_field")
            issue = self.store.new_issue(
                title,
                data.get("body"),
                login,
                self._label_names(data.get("labels", [])),
                app=caller.is_app_install,
            )
            return json_response(self._issue_json(issue.number), 201)
        labels = [n for n in request.args.get("labels", "").split(",") if n]
        issues = self.store.list_issues(request.args.get("state", "open"), labels)
        return self._paginate(request, [self._issue_json(i.number) for i in issues])

    def h_issue(self, request: Request, caller: Caller, number: int) -> Response:
        if request.method == "PATCH":
            self._require_user(caller)
            data = self._body(request)
            self.store.edit_issue(
                number,
                title=data.get("title"),
                body=data.get("body"),
                state=data.get("state"),
                state_reason=data.get("state_reason"),
            )
            if "labels" in data:
                self.store.set_labels(number, self._label_names(data["labels"]), caller.login)
        return json_response(self._issue_json(number))

    # -- comments --------------------------------------------------------------

    def h_issue_comments(self, request: Request, caller: Caller, number: int) -> Response:
        if request.method == "POST":
            login = self._require_user(caller)
            body = self._body(request).get("body")
            if not isinstance(body, str) or not body:
                raise validation_failed("body is missing", "IssueComment", "body", "missing_field")
            if len(body) > 65536:
                raise validation_failed(
                    "Body is too long (maximum is 65536 characters)", "IssueComment", "body"
                )
            comment = self.store.add_comment(number, body, login, app=caller.is_app_install)
            return json_response(self.shapes.comment(comment), 201)
        comments = self.store.comments_on(number)
        return self._paginate(request, [self.shapes.comment(c) for c in comments])

    def h_comment(self, request: Request, caller: Caller, comment_id: int) -> Response:
        comment = self.store.comment(comment_id)
        if request.method in ("PATCH", "DELETE"):
            login = self._require_user(caller)
            if login != comment.user and self.store.role(login) not in ("admin", "maintain"):
                raise ApiError(403, "Resource not accessible by integration")
            if request.method == "DELETE":
                self.store.delete_comment(comment_id)
                return json_response(None, 204)
            body = self._body(request).get("body")
            if not isinstance(body, str) or not body:
                raise validation_failed("body is missing", "IssueComment", "body", "missing_field")
            self.store.edit_comment(comment_id, body)
        return json_response(self.shapes.comment(comment))

    # -- reactions -------------------------------------------------------------

    def _reactions(self, request: Request, caller: Caller, target: Any) -> Response:
        if request.method == "POST":
            login = self._require_user(caller)
            content = self._body(request).get("content", "")
            reaction, created = self.store.react(target, content, login)
            return json_response(self.shapes.reaction(reaction), 201 if created else 200)
        return self._paginate(request, [self.shapes.reaction(r) for r in target.reactions])

    def h_comment_reactions(self, request: Request, caller: Caller, comment_id: int) -> Response:
        return self._reactions(request, caller, self.store.comment(comment_id))

    def h_issue_reactions(self, request: Request, caller: Caller, number: int) -> Response:
        return self._reactions(request, caller, self.store.issue(number))

    # -- labels ----------------------------------------------------------------

    def h_issue_labels(self, request: Request, caller: Caller, number: int) -> Response:
        issue = self.store.issue(number)
        if request.method != "GET":
            self._require_user(caller)
        if request.method == "POST":
            self.store.add_labels(number, self._label_names(self._body(request)), caller.login)
        elif request.method == "PUT":
            self.store.set_labels(number, self._label_names(self._body(request)), caller.login)
        elif request.method == "DELETE":
            self.store.set_labels(number, [], caller.login)
            return json_response(None, 204)
        return json_response([self.shapes.label(lb) for lb in self.store.labels_of(issue)])

    def h_issue_events(self, request: Request, caller: Caller, number: int) -> Response:
        """``GET /repos/{owner}/{repo}/issues/{issue_number}/events``, oldest first."""
        events = [
            self.shapes.issue_event(e, self.store.ensure_label)
            for e in self.store.events_on(number)
        ]
        return self._paginate(request, events)

    def h_issue_label(self, request: Request, caller: Caller, number: int, label: str) -> Response:
        self._require_user(caller)
        remaining = self.store.remove_label(number, label, caller.login)
        return json_response([self.shapes.label(lb) for lb in remaining])

    def h_labels(self, request: Request, caller: Caller) -> Response:
        if request.method == "POST":
            self._require_user(caller)
            data = self._body(request)
            name = data.get("name")
            if not isinstance(name, str) or not name:
                raise validation_failed("name is missing", "Label", "name", "missing_field")
            if name.lower() in self.store.labels:
                raise validation_failed("already_exists", "Label", "name", "already_exists")
            label = self.store.ensure_label(name)
            label.color = data.get("color", label.color)
            label.description = data.get("description")
            return json_response(self.shapes.label(label), 201)
        labels = sorted(self.store.labels.values(), key=lambda lb: lb.name.lower())
        return self._paginate(request, [self.shapes.label(lb) for lb in labels])

    def h_label(self, request: Request, caller: Caller, label: str) -> Response:
        found = self.store.labels.get(label.lower())
        if found is None:
            raise not_found()
        return json_response(self.shapes.label(found))

    # -- pull requests ---------------------------------------------------------

    def h_pulls(self, request: Request, caller: Caller) -> Response:
        owner = self.shapes.owner
        if request.method == "POST":
            login = self._require_user(caller)
            data = self._body(request)
            for key in ("title", "head", "base"):
                if not isinstance(data.get(key), str) or not data[key]:
                    raise validation_failed(
                        f"{key} is missing", "PullRequest", key, "missing_field"
                    )
            issue = self.store.create_pull(
                owner,
                data["title"],
                data.get("body"),
                data["head"],
                data["base"],
                login,
                draft=bool(data.get("draft", False)),
                maintainer_can_modify=bool(data.get("maintainer_can_modify", False)),
                app=caller.is_app_install,
            )
            return json_response(self._pull_json(issue.number), 201)
        head = request.args.get("head")
        if head is not None:
            head_owner, sep, branch = head.partition(":")
            if not sep or head_owner.lower() != owner.lower():
                return self._paginate(request, [])
            head = branch
        pulls = self.store.find_pulls(
            request.args.get("state", "open"), head, request.args.get("base")
        )
        return self._paginate(request, [self._pull_json(p.number, False) for p in pulls])

    def h_pull(self, request: Request, caller: Caller, number: int) -> Response:
        issue = self.store.pull(number)
        if request.method == "PATCH":
            self._require_user(caller)
            data = self._body(request)
            if "state" in data:
                if data["state"] == "open" and self.store.branch_sha(issue.pull.head) is None:
                    raise validation_failed("the head branch was deleted", "PullRequest", "state")
                self.store.set_state(issue, data["state"])
            if "title" in data:
                issue.title = data["title"]
            if "body" in data:
                issue.body = data["body"]
            if "base" in data:
                if self.store.branch_sha(data["base"]) is None:
                    raise validation_failed("", "PullRequest", "base", "invalid")
                issue.pull.base = data["base"]
            issue.touch()
        return json_response(self._pull_json(number))

    def h_pull_merged(self, request: Request, caller: Caller, number: int) -> Response:
        issue = self.store.pull(number)
        assert issue.pull is not None
        if issue.pull.merged:
            return json_response(None, 204)
        raise not_found()

    # -- permissions -----------------------------------------------------------

    def h_permission(self, request: Request, caller: Caller, login: str) -> Response:
        permission, role = self.store.permission_payload(login)
        user = self.shapes.user(login)
        user["permissions"] = {
            "admin": role == "admin",
            "maintain": role in ("admin", "maintain"),
            "push": permission in ("admin", "write"),
            "triage": role in ("admin", "maintain", "write", "triage"),
            "pull": permission != "none",
        }
        user["role_name"] = role
        return json_response({"permission": permission, "role_name": role, "user": user})

    # -- branches and refs -----------------------------------------------------

    def _ref_json(self, ref: str, sha: str) -> dict[str, Any]:
        api = self.shapes.repo_api
        return {
            "ref": ref,
            "node_id": f"REF_{secrets.token_hex(4)}",
            "url": f"{api}/git/refs/{ref.removeprefix('refs/')}",
            "object": {"sha": sha, "type": "commit", "url": f"{api}/git/commits/{sha}"},
        }

    def h_branch(self, request: Request, caller: Caller, branch: str) -> Response:
        sha = self.store.branch_sha(branch)
        if sha is None:
            raise ApiError(404, "Branch not found")
        api = self.shapes.repo_api
        return json_response(
            {
                "name": branch,
                "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
                "_links": {
                    "self": f"{api}/branches/{branch}",
                    "html": f"{self.shapes.repo_html}/tree/{branch}",
                },
                "protected": False,
                "protection_url": f"{api}/branches/{branch}/protection",
            }
        )

    def h_refs(self, request: Request, caller: Caller) -> Response:
        if request.method == "POST":
            self._require_user(caller)
            data = self._body(request)
            ref, sha = data.get("ref", ""), data.get("sha", "")
            if not ref.startswith("refs/heads/") or not sha:
                raise ApiError(422, "Reference name must start with 'refs/' and have two slashes")
            if githttp.ref_sha(self.store.bare_repo, ref) is not None:
                raise ApiError(422, "Reference already exists")
            if githttp.ref_sha(self.store.bare_repo, sha) is None:
                raise ApiError(422, "Object does not exist")
            githttp.git(self.store.bare_repo, "update-ref", ref, sha, "")
            return json_response(self._ref_json(ref, sha), 201)
        branches = githttp.list_branches(self.store.bare_repo)
        refs = [self._ref_json(f"refs/heads/{b}", s) for b, s in sorted(branches.items())]
        return self._paginate(request, refs)

    def h_ref(self, request: Request, caller: Caller, ref: str) -> Response:
        if not ref.startswith("heads/"):
            raise not_found()
        branch = ref.removeprefix("heads/")
        if request.method == "DELETE":
            self._require_user(caller)
            if not self.store.delete_branch(branch):
                raise ApiError(422, "Reference does not exist")
            return json_response(None, 204)
        if request.method == "PATCH":
            self._require_user(caller)
            data = self._body(request)
            old = self.store.branch_sha(branch)
            new = data.get("sha", "")
            if old is None:
                raise ApiError(422, "Reference does not exist")
            if not data.get("force"):
                merge_base = githttp.git(self.store.bare_repo, "merge-base", old, new, check=False)
                if merge_base != old:
                    raise ApiError(422, "Update is not a fast forward")
            githttp.git(self.store.bare_repo, "update-ref", f"refs/heads/{branch}", new, old)
        sha = self.store.branch_sha(branch)
        if sha is None:
            raise not_found()
        return json_response(self._ref_json(f"refs/heads/{branch}", sha))
