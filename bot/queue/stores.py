"""Opening the job store that ``QUEUE_URL`` names: SQLite (one machine) or Redis (several)."""

from __future__ import annotations

import time

from bot.queue.jobs import Clock, JobStore
from bot.queue.redis_store import RedisJobStore
from bot.queue.sqlite_store import BUSY_TIMEOUT_MS, SqliteJobStore


class StoreURLError(ValueError):
    """``QUEUE_URL`` names no known backend."""


def open_store(url: str, clock: Clock = time.time, timeout: float | None = None) -> JobStore:
    """The store for ``QUEUE_URL``: ``sqlite:///path`` or ``redis://...`` / ``rediss://``.

    ``timeout`` (seconds) bounds how long one operation waits for SQLite's lock
    or for Redis to answer; the web process passes a short one, workers keep
    the backends' patient defaults.
    """
    if url.startswith("sqlite:///"):
        busy = BUSY_TIMEOUT_MS if timeout is None else max(1, round(timeout * 1000))
        return SqliteJobStore(url.removeprefix("sqlite:///"), clock=clock, busy_timeout_ms=busy)
    if url.startswith(("redis://", "rediss://", "unix://")):
        if timeout is None:
            return RedisJobStore.from_url(url, clock=clock)
        return RedisJobStore.from_url(url, clock=clock, timeout=timeout)
    raise StoreURLError("QUEUE_URL must start with sqlite:///, redis://, rediss:// or unix://")
