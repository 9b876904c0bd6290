"""The bot's one exception base, and the three things a worker can do about a failure.

Every adapter (GitHub, git, the data directory, the job store) raises a subclass
of exactly one of these, so the worker's policy reads from the class, not from the
order of ``except`` clauses:

* :class:`Transient`: a passing failure (GitHub 5xx or rate limit, a git timeout,
  a push race). The job runs again after a backoff and the run counts as an
  attempt; after ``JOB_MAX_ATTEMPTS`` it fails.
* :class:`DataUnavailable`: the data repository cannot be reached or does not
  parse. Nothing is wrong with the job: it waits, without counting an attempt,
  for as long as the outage lasts.
* :class:`Permanent`: the job cannot succeed. Its message is written for the
  issue (no internals, no secrets) and the job fails.

This module is a leaf: it imports nothing of the bot.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class Transient(BotError):
    """Try again later. ``retry_after`` is how long the other side asked us to wait, if it did."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DataUnavailable(BotError):
    """The data repository is out of reach or broken: wait, without counting an attempt."""


class Permanent(BotError):
    """The job cannot succeed; ``str(error)`` is the message for the issue."""
