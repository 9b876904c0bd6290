"""bot.config: the environment read into Settings; bot.workflow.preview: the preview URL scheme."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.config import LEGACY_PREVIEW_URL_TEMPLATE, ConfigError, Settings, read_private_key
from bot.workflow.preview import (
    preview_page_url,
    preview_slug,
    preview_url,
)
from tests.github_standin import generate_app_key

PEM = generate_app_key()


def test_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOT_STATE_DIR": str(tmp_path), "HOME": str(tmp_path)})
    assert settings.state_dir == tmp_path
    assert settings.queue_url == f"sqlite:///{tmp_path}/jobs.sqlite"
    assert settings.anthology_repo == "acl-org/acl-anthology"
    assert settings.clone_url == "https://github.com/acl-org/acl-anthology.git"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.preview_url_template == "https://preview.aclanthology.org/{slug}/"
    assert (settings.approval_mode, settings.approval_label) == ("off", "approved")
    assert settings.log_level == "INFO"
    assert settings.webhook_secret is None and not settings.has_github_credentials
    assert settings.index_path == tmp_path / "index" / "names.sqlite"
    scope = settings.issue_scope
    assert (scope.old_form, scope.labels, scope.staff_label) == (
        "all",
        ("author-page",),
        "meta:move",
    )
    assert scope.ignored_labels() == {"waiting", "pending", "approved"}


def test_which_old_form_issues_are_the_bots(tmp_path: Path) -> None:
    env = {
        "BOT_STATE_DIR": str(tmp_path),
        "OLD_FORM_ISSUES": "Staff-Labelled",
        "ISSUE_LABELS": " author-page, metadata ,,author-page",
        "STAFF_LABEL": "meta:bot",
        "PENDING_LABEL": "in-batch",
    }
    scope = Settings.from_env(env).issue_scope
    assert scope.staff_labelled and scope.labels == ("author-page", "metadata")
    assert scope.trigger_labels() == {"meta:bot"}
    assert "in-batch" in scope.ignored_labels()
    scope = Settings.from_env({**env, "OLD_FORM_ISSUES": "all"}).issue_scope
    assert scope.trigger_labels() == {"meta:bot", "author-page", "metadata"}


def test_state_dir_defaults_to_xdg_state_home(tmp_path: Path) -> None:
    settings = Settings.from_env({"XDG_STATE_HOME": str(tmp_path)})
    assert settings.state_dir == tmp_path / "anthology-bot"


def test_everything_from_the_environment(tmp_path: Path) -> None:
    env = {
        "GITHUB_WEBHOOK_SECRET": "hook-secret",
        "GITHUB_API_URL": "http://127.0.0.1:9999/",
        "GITHUB_TOKEN": "ghp_secret_token",
        "ANTHOLOGY_REPO": "me/anthology-fork",
        "QUEUE_URL": "redis://:redis-password@10.0.0.5:6379/2",
        "BOT_STATE_DIR": str(tmp_path),
        "PREVIEW_URL_TEMPLATE": LEGACY_PREVIEW_URL_TEMPLATE,
        "BOT_GIT_NAME": "Bot",
        "BOT_GIT_EMAIL": "bot@example.org",
        "LOG_LEVEL": "debug",
        "GITHUB_RETRY_ATTEMPTS": "2",
        "GITHUB_THROTTLE": "no",
        "JOB_MAX_ATTEMPTS": "3",
        "JOB_RETRY_BACKOFF": "10",
        "JOB_RETRY_MAX_BACKOFF": "25",
        "JOB_LEASE_SECONDS": "120",
        "APPROVAL_MODE": "label",
        "APPROVAL_LABEL": "ready",
        "BOT_LOGIN": "anthology-bot",
    }
    settings = Settings.from_env(env)
    assert settings.clone_url == "https://github.com/me/anthology-fork.git"
    assert settings.github_api_url == "http://127.0.0.1:9999"
    assert settings.log_level == "DEBUG"
    assert (settings.approval_mode, settings.approval_label) == ("label", "ready")
    assert [settings.job_backoff(n) for n in (1, 2, 3)] == [10, 20, 25]
    github = settings.github_settings()
    assert github.token == "ghp_secret_token" and github.repo == "me/anthology-fork"
    assert github.retry.attempts == 2 and github.throttle is False
    assert settings.git_identity.email == "bot@example.org"
    assert set(settings.secrets) == {"hook-secret", "ghp_secret_token", "redis-password"}
    for text in (repr(settings), str(settings.describe())):
        for secret in settings.secrets:
            assert secret not in text
    assert settings.require_webhook_secret() == "hook-secret"


def test_app_credentials_from_pem_text_and_from_a_file(tmp_path: Path) -> None:
    one_line = PEM.strip().replace("\n", "\\n")
    settings = Settings.from_env(
        {"BOT_STATE_DIR": str(tmp_path), "GITHUB_APP_ID": "77", "GITHUB_PRIVATE_KEY": one_line}
    )
    assert settings.github_private_key == PEM.strip() + "\n"
    github = settings.github_settings()
    assert github.is_app and github.app_id == 77
    key_file = tmp_path / "app.pem"
    key_file.write_text(PEM)
    assert read_private_key(str(key_file)) == PEM
    assert PEM not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ANTHOLOGY_REPO": "not a repo"}, "ANTHOLOGY_REPO"),
        ({"GITHUB_APP_ID": "77"}, "GITHUB_PRIVATE_KEY"),
        ({"GITHUB_APP_ID": "x", "GITHUB_PRIVATE_KEY": PEM}, "GITHUB_APP_ID"),
        ({"GITHUB_PRIVATE_KEY": "/no/such/key.pem"}, "GITHUB_PRIVATE_KEY"),
        ({"QUEUE_URL": "postgres://db/jobs"}, "QUEUE_URL"),
        ({"PREVIEW_URL_TEMPLATE": "https://p/{sha}/"}, "PREVIEW_URL_TEMPLATE"),
        ({"APPROVAL_MODE": "sometimes"}, "APPROVAL_MODE"),
        ({"OLD_FORM_ISSUES": "staff"}, "OLD_FORM_ISSUES"),
        ({"JOB_LEASE_SECONDS": "soon"}, "JOB_LEASE_SECONDS"),
        ({"GITHUB_THROTTLE": "maybe"}, "GITHUB_THROTTLE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_wrong_settings_name_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"BOT_STATE_DIR": str(tmp_path), **env})


def test_missing_secret_and_credentials_are_reported_when_needed(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOT_STATE_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="GITHUB_WEBHOOK_SECRET"):
        settings.require_webhook_secret()
    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        settings.github_settings()


def test_preview_urls_follow_the_anthology_scheme() -> None:
    branch = "bot/paper-assignment-12"
    digest = hashlib.sha256(branch.encode()).hexdigest()[:12]
    assert preview_slug(branch) == f"bot-paper-assignment-12-{digest}"
    assert (
        preview_url(branch) == f"https://preview.aclanthology.org/bot-paper-assignment-12-{digest}/"
    )
    assert preview_page_url(branch, "jane-doe/unverified").endswith(
        f"-{digest}/people/jane-doe/unverified/"
    )
    assert preview_url(branch, LEGACY_PREVIEW_URL_TEMPLATE) == (
        "https://preview.aclanthology.org/bot/paper-assignment-12/"
    )
    long_branch = "--weird branch//name " + "x" * 80
    slug = preview_slug(long_branch)
    assert slug.startswith("weird-branch-name-x") and len(slug) == 60 + 1 + 12
