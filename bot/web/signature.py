"""Webhook signatures: GitHub signs each delivery's raw body with the shared secret.

The ``X-Hub-Signature-256`` header is ``sha256=`` followed by the hex HMAC-SHA256
of the exact bytes received, keyed with the webhook secret. It is compared in
constant time (:func:`hmac.compare_digest`), so the answer time does not leak
how much of a forged signature was right. The legacy SHA-1 header is ignored.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def signature_for(body: bytes, secret: str) -> str:
    """The header value GitHub sends for ``body`` (``sha256=<hex>``)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def is_valid_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Whether ``header`` is the right signature of ``body``; False when it is missing."""
    if not header or not secret or not header.startswith(_PREFIX):
        return False
    expected = signature_for(body, secret)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii", "replace"))
