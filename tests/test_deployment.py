"""What a maintainer deploys: the GitHub App manifest, the App's login, the compose file.

* ``deploy/github-app-manifest.json`` must subscribe to every event the bot's
  router handles and grant every permission the bot's calls need, judged by the
  calls the bot really makes in an end-to-end flow (GitHub's API description
  names each operation's category) plus its ``git push``.
* With App credentials and no ``BOT_LOGIN``, the bot's login is the App's slug and
  ``[bot]``, read with ``GET /app`` (against the stand-in acting as the App).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.io.github import with_app_login
from bot.web.triage import default_router
from tests.github_standin import GitHubStandIn, generate_app_key, make_bare_repo
from tests.openapi_conformance import descriptions_installed, session_judge

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "deploy" / "github-app-manifest.json"
REPO = "acl-org/acl-anthology"

#: The App permission each REST category (GitHub's ``x-github.category`` of an
#: operation) needs, from GitHub's "Permissions required for GitHub Apps".
#: ``None``: authenticated as the App itself (JWT), no repository permission.
CATEGORY_PERMISSION: dict[str, str | None] = {
    "issues": "issues",
    "reactions": "issues",
    "pulls": "pull_requests",
    "git": "contents",
    "branches": "contents",
    "collaborators": "metadata",
    "repos": "metadata",
    "apps": None,
    "rate-limit": None,
    "users": None,
}
LEVELS = {"read": 1, "write": 2, "admin": 3}


def manifest() -> dict[str, Any]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_is_a_github_app_manifest() -> None:
    data = manifest()
    # The keys of GitHub's manifest flow (docs: "Registering a GitHub App from a manifest").
    allowed = {
        "name",
        "url",
        "hook_attributes",
        "redirect_url",
        "callback_urls",
        "setup_url",
        "description",
        "public",
        "default_events",
        "default_permissions",
        "request_oauth_on_install",
        "setup_on_update",
    }
    assert set(data) <= allowed
    assert data["hook_attributes"]["active"] is True
    assert data["hook_attributes"]["url"].endswith("/webhook")
    assert data["public"] is False
    assert all(level in LEVELS for level in data["default_permissions"].values())


def test_the_manifest_subscribes_to_every_event_the_router_handles() -> None:
    router = default_router()
    # Every (event, action) GitHub documents (or, without the description, the
    # actions the bot is known to care about), asked of the router.
    candidates: set[tuple[str, str | None]] = {
        (event, action)
        for event in ("issues", "issue_comment", "pull_request", "push", "installation")
        for action in (None, "opened", "edited", "created", "closed", "labeled", "reopened")
    }
    if descriptions_installed():
        for hook in session_judge().webhooks["webhooks"].values():
            event, _, action = hook["post"].get("operationId", "").partition("/")
            candidates.add((event.replace("-", "_"), action.replace("-", "_") or None))
    handled = {event for event, action in candidates if router.handles(event, action)}
    assert handled, "the router handles no events at all?"
    assert handled <= set(manifest()["default_events"])
    # And nothing subscribed that the bot ignores (each delivery costs a web request).
    assert set(manifest()["default_events"]) <= handled


@pytest.mark.skipif(
    not descriptions_installed(),
    reason="GitHub's API description is not installed (./dev test installs it with npm)",
)
def test_the_manifest_grants_what_the_bots_calls_need(service: Any) -> None:
    from tests.test_e2e_service import file_seed_issue

    number, payload = file_seed_issue(service)
    assert service.deliver("issues", payload).status_code == 202
    assert service.run_worker() == 0, service.log_text()
    service.standin.set_permission("maintainer", "maintain")
    _, comment = service.standin.add_comment(number, "/plan", "maintainer")
    assert service.deliver("issue_comment", comment).status_code == 202
    assert service.run_worker() == 0, service.log_text()

    judge = session_judge()
    needed: dict[str, int] = {}
    seen = set()
    for record in service.standin.requests:
        if record.git:
            if "git-receive-pack" in record.path:
                needed["contents"] = max(needed.get("contents", 0), LEVELS["write"])
            continue
        operation = judge.operation(record.method, record.path)
        assert operation is not None, record
        info = operation.spec.get("x-github", {})
        category = info.get("subcategory") if info.get("subcategory") == "branches" else None
        category = category or info.get("category")
        assert category in CATEGORY_PERMISSION, (operation.operation_id, category)
        seen.add(operation.operation_id)
        permission = CATEGORY_PERMISSION[category]
        if permission is not None:
            level = LEVELS["read"] if record.method == "GET" else LEVELS["write"]
            needed[permission] = max(needed.get(permission, 0), level)
    # The flow exercised the bot's writes, so the check is not vacuous.
    assert {"issues/create-comment", "pulls/create", "reactions/create-for-issue-comment"} <= seen
    granted = {k: LEVELS[v] for k, v in manifest()["default_permissions"].items()}
    assert {p: lvl for p, lvl in needed.items() if granted.get(p, 0) < lvl} == {}
    # Least privilege: nothing granted that no call needs.
    assert set(granted) <= set(needed) | {"metadata"}


# -- BOT_LOGIN from the App --------------------------------------------------------


@pytest.fixture
def app_standin(tmp_path: Path) -> Any:
    key = generate_app_key()
    bare = make_bare_repo(tmp_path / "acl-anthology.git", {"README.md": "# data\n"})
    with GitHubStandIn(
        repo=REPO, bare_repo_path=bare, app_id=321, app_private_key=key, app_slug="anthology-assist"
    ) as standin:
        yield standin, key


def app_settings(tmp_path: Path, standin: GitHubStandIn, key: str, **extra: Any) -> Settings:
    return Settings(
        state_dir=tmp_path / "state",
        queue_url=f"sqlite:///{tmp_path}/jobs.sqlite",
        anthology_repo=REPO,
        github_api_url=standin.url,
        github_app_id=321,
        github_private_key=key,
        github_throttle=False,
        github_retry_attempts=1,
        **extra,
    )


def test_bot_login_is_the_apps_slug_read_with_get_app(tmp_path: Path, app_standin: Any) -> None:
    standin, key = app_standin
    settings = app_settings(tmp_path, standin, key)
    assert settings.needs_app_login
    resolved = with_app_login(settings)
    assert resolved.bot_login == "anthology-assist[bot]" == standin.bot_app_login
    [call] = standin.requests_matching("GET", "/app")
    assert call.status == 200
    # Set explicitly, BOT_LOGIN wins and GitHub is not asked.
    explicit = with_app_login(app_settings(tmp_path, standin, key, bot_login="someone[bot]"))
    assert explicit.bot_login == "someone[bot]"
    assert len(standin.requests_matching("GET", "/app")) == 1


def test_bot_login_stays_unset_when_the_app_cannot_be_asked(
    tmp_path: Path, app_standin: Any
) -> None:
    standin, _ = app_standin
    wrong_key = generate_app_key()  # GitHub refuses the JWT: 401
    settings = app_settings(tmp_path, standin, wrong_key)
    assert with_app_login(settings).bot_login is None
    assert [r.status for r in standin.requests_matching("GET", "/app")] == [401]


def test_the_web_process_derives_the_login_from_the_app(
    tmp_path: Path, app_standin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.wsgi import create_app_from_env

    standin, key = app_standin
    key_file = tmp_path / "app.pem"
    key_file.write_text(key, encoding="utf-8")
    for name, value in {
        "GITHUB_WEBHOOK_SECRET": "s",
        "GITHUB_API_URL": standin.url,
        "GITHUB_APP_ID": "321",
        "GITHUB_PRIVATE_KEY": str(key_file),
        "BOT_STATE_DIR": str(tmp_path / "state"),
        "GITHUB_THROTTLE": "false",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("GITHUB_TOKEN", "BOT_LOGIN", "QUEUE_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app_from_env()
    assert app.extensions["anthology_bot"]["settings"].bot_login == "anthology-assist[bot]"
    shutil.rmtree(tmp_path / "state", ignore_errors=True)
