"""Webhook deliveries for the web tests: the secret, a signed ``POST /webhook``, an issue payload.

The fixtures ``settings``, ``store`` and ``client`` (a Flask test client of the web process
over a fresh SQLite store) are in ``tests/conftest.py`` and use these.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

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
