"""The bot's own login for the web process, when ``BOT_LOGIN`` is not set.

Triage needs the login twice: to drop the bot's own events (its labels and
comments must not queue jobs) and to find mention commands (``@login apply``).
A GitHub App's events come from a sender of type ``Bot`` and are dropped by
that; a personal or machine-user token's events are not, so with a token and
no ``BOT_LOGIN`` the web process asks GitHub who the token is (``GET /user``)
the first time it needs to know, and keeps the answer for the life of the
process. Without an answer it does not guess: the delivery is refused with a
503 (GitHub shows it as failed, and it can be redelivered) rather than queued
as someone else's event or read without its mention.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

USER_AGENT = "anthology-assignment-bot"
LOOKUP_TIMEOUT = 3.0
"""Seconds one ``GET /user`` may take: GitHub waits 10 s for the whole delivery."""
RETRY_AFTER = 30.0
"""Seconds before a failed lookup is tried again (a bad token must not cost each delivery 3 s)."""


class LoginUnknown(RuntimeError):
    """GitHub did not say who the token is; the message says why."""


def fetch_token_login(api_url: str, token: str, timeout: float = LOOKUP_TIMEOUT) -> str:
    """The login of ``token`` (``GET <api>/user``); :class:`LoginUnknown` if GitHub won't say."""
    request = urllib.request.Request(
        f"{api_url.rstrip('/')}/user",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - our API URL
            body = json.loads(answer.read(1_000_000))
    except urllib.error.HTTPError as exc:
        raise LoginUnknown(f"GitHub answered GET /user with {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise LoginUnknown(f"GET /user failed: {type(exc).__name__}") from None
    login = body.get("login") if isinstance(body, dict) else None
    if not isinstance(login, str) or not login:
        raise LoginUnknown("GitHub's answer to GET /user has no login")
    return login


class OwnLogin:
    """The configured login, or the token's, looked up once and cached (thread-safe)."""

    def __init__(
        self,
        configured: str | None,
        lookup: Callable[[], str] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._login = configured
        self._lookup = lookup
        self._clock = clock
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self._failure = ""

    @property
    def needs_lookup(self) -> bool:
        return self._login is None and self._lookup is not None

    def get(self) -> str | None:
        """The login; None when there is no way to know it (no token: an App or no GitHub).

        Raises :class:`LoginUnknown` when a lookup is needed and fails.
        """
        if self._login is not None or self._lookup is None:
            return self._login
        with self._lock:
            if self._login is not None:
                return self._login
            if self._failed_at is not None and self._clock() - self._failed_at < RETRY_AFTER:
                raise LoginUnknown(self._failure)
            try:
                self._login = self._lookup()
            except LoginUnknown as exc:
                self._failed_at, self._failure = self._clock(), str(exc)
                raise
            return self._login
