"""Logs as JSON lines, carrying the delivery, issue and job they are about.

One line per record, for log collectors::

    {"time": "2026-11-03T10:15:02.123Z", "level": "INFO", "logger": "bot.worker.runner",
     "message": "job done", "delivery": "72d3162e-...", "issue": 12, "job": "issue-12-..."}

Context: :func:`log_context` binds fields (``delivery``, ``issue``, ``job``,
...) for everything logged inside it, in the current thread or task
(``contextvars``), so a handler deep in the call stack need not pass them on.

Secrets: :func:`configure_logging` takes the secret values of the settings;
every formatted line has them replaced by ``***`` (a last line of defence: the
bot does not log secrets on purpose, and git errors are scrubbed already).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "anthology_bot_log_context", default=None
)

_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every record logged inside the ``with`` block."""
    bound = {k: v for k, v in fields.items() if v is not None}
    token = _context.set({**(_context.get() or {}), **bound})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    """The fields bound by the enclosing :func:`log_context` blocks."""
    return dict(_context.get() or {})


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object, with the bound context and ``extra`` fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        created = time.gmtime(record.created)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", created) + f".{int(record.msecs):03d}Z"
        out: dict[str, Any] = {
            "time": stamp,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(_context.get() or {})
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        line = json.dumps(out, ensure_ascii=False, default=str)
        return self.scrub(line)

    def scrub(self, text: str) -> str:
        """``text`` with every known secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
            escaped = json.dumps(secret)[1:-1]
            if escaped != secret:
                text = text.replace(escaped, "***")
        return text


def configure_logging(
    level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Send every log record, as JSON lines, to ``stream`` (standard error by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_anthology_bot", False):
            root.removeHandler(existing)
    handler._anthology_bot = True  # type: ignore[attr-defined]
    handler.setLevel(level)  # also for loggers (werkzeug) that set a lower level of their own
    root.addHandler(handler)
    root.setLevel(level)
    # werkzeug adds a plain-text handler of its own unless a handler covers its level.
    logging.getLogger("werkzeug").setLevel(level)
    # PyGithub and urllib3 log every request at DEBUG, with URLs; keep them quieter.
    for noisy in ("github", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLevelName(level)))
