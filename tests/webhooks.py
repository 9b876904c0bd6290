"""Webhook deliveries for the web tests: the secret, a signed ``POST /webhook``, an issue payload.

The fixtures ``settings``, ``store`` and ``client`` (a Flask test client of the web process
over a fresh SQLite store) are in ``tests/conftest.py`` and use these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bot.config import Settings
from bot.queue.jobs import JobStore
from bot.queue.stores import open_store
from bot.web.app import create_app
from demo.run import SEED_TITLE, seed_issue_body
from tests.github_standin import build_delivery

SECRET = "It's a Secret to Everybody"
REPO = "acl-org/acl-anthology"


def issue_payload(
    action: str = "opened",
    number: int = 7,
    body: str | None = None,
    labels: tuple[str, ...] = (),
    sender: str = "alice",
    sender_type: str = "User",
    repo: str = REPO,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "action": action,
        "issue": {
            "number": number,
            "title": SEED_TITLE,
            "body": seed_issue_body() if body is None else body,
            "labels": [{"name": name} for name in labels],
        },
        "repository": {"full_name": repo},
        "sender": {"login": sender, "type": sender_type},
        "installation": {"id": 99},
        **extra,
    }


def post(
    client: FlaskClient,
    event: str,
    payload: dict[str, Any],
    delivery: str = "d-1",
    secret: str | None = SECRET,
) -> Any:
    body, headers = build_delivery(event, payload, secret, delivery)
    return client.post("/webhook", data=body, headers=headers)


@contextmanager
def web_app(state_dir: Path, **env: str) -> Iterator[tuple[FlaskClient, JobStore]]:
    """A test client of the web process configured with ``env`` (besides the secret and
    ``BOT_LOGIN``) over a fresh SQLite store in ``state_dir``; the store closed afterwards."""
    settings = Settings.from_env(
        {
            "BOT_STATE_DIR": str(state_dir),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "BOT_LOGIN": "the-bot",
            **env,
        }
    )
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.queue_url)
    try:
        yield create_app(settings, store).test_client(), store
    finally:
        store.close()
