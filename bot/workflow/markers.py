"""The bot's memory on GitHub: every hidden marker it writes, and their JSON codec.

The bot keeps no database of issues. What it must remember lives in hidden HTML
comments in what it writes on GitHub, so that any worker, after any restart,
reads the same memory:

==========================  =======================================================
marker                      where, and what it means
==========================  =======================================================
``STATUS_MARKER``           the bot's one status comment on an issue
``STATE_MARKER {json}``     in the status comment: ``bot.workflow.state.IssueState``
``PULL_MARKER``             the body of a single-issue pull request of the bot
``BATCH_MARKER {json}``     a batch pull request's body: ``bot.workflow.batches``
``notice_marker(key)``      a notice or a reply, posted once per key
==========================  =======================================================

Only the bot's own comments count: a marker pasted by someone else is text
(:func:`find_marked`). JSON values are escaped so that they can never end the
HTML comment early.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

STATUS_MARKER = "<!-- anthology-bot:status -->"
PULL_MARKER = "<!-- anthology-bot:pull-request -->"
STATE_MARKER = "<!-- anthology-bot:state "
BATCH_MARKER = "<!-- anthology-bot:batch "
NOTICE_PREFIX = "<!-- anthology-bot:notice:"


class Authored(Protocol):
    """A comment as the bot reads it: who wrote it, and its text."""

    @property
    def author(self) -> str: ...

    @property
    def body(self) -> str: ...


C = TypeVar("C", bound=Authored)


def notice_marker(key: str) -> str:
    """The hidden key that makes a notice recognisable, so it is posted only once."""
    return f"{NOTICE_PREFIX}{key} -->"


def find_marked(comments: Iterable[C], marker: str, bot_login: str) -> C | None:
    """The first of the bot's own comments that carries ``marker``."""
    return next((c for c in comments if c.author == bot_login and marker in c.body), None)


def hidden_json(prefix: str, data: dict[str, Any]) -> str:
    """``data`` as compact JSON inside an HTML comment starting with ``prefix``."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{prefix}{text} -->"


def read_hidden_json(prefix: str, text: str) -> dict[str, Any] | None:
    """The JSON object of the first :func:`hidden_json` comment with ``prefix`` in ``text``."""
    match = _pattern(prefix).search(text or "")
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


_PATTERNS: dict[str, re.Pattern[str]] = {}


_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def read_shas(value: Any) -> tuple[str, ...]:
    """A list of commit shas read back from a marker's JSON: full shas only, in order."""
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and _SHA.fullmatch(v))


def _pattern(prefix: str) -> re.Pattern[str]:
    if prefix not in _PATTERNS:
        _PATTERNS[prefix] = re.compile(re.escape(prefix) + r"(\{.*?\}) -->", re.DOTALL)
    return _PATTERNS[prefix]
