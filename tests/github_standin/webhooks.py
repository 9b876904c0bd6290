"""Signed webhook deliveries, as GitHub sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import requests

HOOK_ID = "123456789"


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value of ``body``: ``sha256=<hex HMAC>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign_sha1(body: bytes, secret: str) -> str:
    """The legacy ``X-Hub-Signature`` value GitHub still sends."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()
    return f"sha1={digest}"


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Serialize a payload the way GitHub does: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_delivery(
    event: str,
    payload: dict[str, Any],
    secret: str | None,
    delivery_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one delivery (usable with Flask's test client too).

    With ``secret`` None no signature headers are sent, as for an unsecured hook.
    """
    body = encode_payload(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/standin",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": HOOK_ID,
    }
    installation = payload.get("installation")
    if isinstance(installation, dict) and "id" in installation:
        headers["X-GitHub-Hook-Installation-Target-Type"] = "integration"
        headers["X-GitHub-Hook-Installation-Target-ID"] = str(installation["id"])
    elif isinstance(payload.get("repository"), dict):
        headers["X-GitHub-Hook-Installation-Target-Type"] = "repository"
        headers["X-GitHub-Hook-Installation-Target-ID"] = str(payload["repository"].get("id"))
    if secret is not None:
        headers["X-Hub-Signature"] = sign_sha1(body, secret)
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return body, headers


def deliver(
    url: str,
    event: str,
    payload: dict[str, Any],
    secret: str | None,
    delivery_id: str | None = None,
    *,
    timeout: float = 10.0,
) -> requests.Response:
    """POST one signed delivery to ``url`` and return the response.

    GitHub gives up after 10 seconds, hence the default timeout.
    """
    body, headers = build_delivery(event, payload, secret, delivery_id)
    return requests.post(url, data=body, headers=headers, timeout=timeout)
