"""Opening the job store that ``QUEUE_URL`` names: SQLite (one machine) or Redis (several)."""

from __future__ import annotations

import time

from bot.queue.jobs import Clock, JobStore
from bot.queue.redis_store import RedisJobStore
from bot.queue.sqlite_store import SqliteJobStore


class StoreURLError(ValueError):
    """``QUEUE_URL`` names no known backend."""


def open_store(url: str, clock: Clock = time.time) -> JobStore:
    """The store for ``QUEUE_URL``: ``sqlite:///path`` or ``redis://...`` / ``rediss://``."""
    if url.startswith("sqlite:///"):
        return SqliteJobStore(url.removeprefix("sqlite:///"), clock=clock)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisJobStore.from_url(url, clock=clock)
    raise StoreURLError("QUEUE_URL must start with sqlite:///, redis://, rediss:// or unix://")
