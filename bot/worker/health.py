"""Health checks of the bot's processes, for container orchestrators.

The web process answers ``GET /healthz``; a worker has no port, so it proves it is
alive by touching a heartbeat file: at every turn of its loop and, while a job
runs, at every lease renewal (a third of ``JOB_LEASE_SECONDS``). The file is named
after the host, so that workers sharing a state volume (SQLite queue) each have
their own, and a container's health check finds its own worker's file: in a
container the host name is the container's.

``python -m bot healthcheck worker`` passes while the heartbeat is fresh;
``python -m bot healthcheck web`` asks ``/healthz``; ``python -m bot healthcheck``
(the image's HEALTHCHECK) checks a worker if this host has a heartbeat file, else
the web process, so one image serves both roles.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

HEALTH_DIR = "health"
#: A heartbeat older than this is stale, whatever the settings (seconds).
MIN_MAX_AGE = 60.0


@dataclass(frozen=True)
class Verdict:
    """The outcome of a health check: healthy or not, and why (one line)."""

    healthy: bool
    reason: str


def heartbeat_path(state_dir: Path, host: str | None = None) -> Path:
    """The heartbeat file of the worker on ``host`` (default: this host)."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in (host or socket.gethostname()))
    return state_dir / HEALTH_DIR / f"worker-{name}.heartbeat"


def max_heartbeat_age(poll_seconds: float, lease_seconds: float) -> float:
    """How old a healthy worker's heartbeat may be: between jobs it beats every
    ``poll_seconds``, during one every ``lease_seconds / 3``; allow a few misses."""
    return max(MIN_MAX_AGE, 3 * poll_seconds, lease_seconds)


def write_heartbeat(path: Path, now: float | None = None) -> None:
    """Record that the worker is alive (atomically: a check never reads half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = {"time": time.time() if now is None else now, "pid": os.getpid()}
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(stamp), encoding="utf-8")
    os.replace(partial, path)


def judge_heartbeat(text: str | None, now: float, max_age: float) -> Verdict:
    """Whether a heartbeat file's content (None: no file) shows a live worker."""
    if text is None:
        return Verdict(False, "no heartbeat: the worker has not started, or writes elsewhere")
    try:
        beat = float(json.loads(text)["time"])
    except (ValueError, KeyError, TypeError):
        return Verdict(False, "the heartbeat file is unreadable")
    age = now - beat
    if age > max_age:
        return Verdict(False, f"the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s)")
    return Verdict(True, f"heartbeat {max(age, 0.0):.0f} s ago")


def check_worker(path: Path, max_age: float, now: float | None = None) -> Verdict:
    """The health of the worker whose heartbeat file is ``path``."""
    try:
        text: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except OSError as exc:
        return Verdict(False, f"cannot read the heartbeat file: {exc.strerror}")
    return judge_heartbeat(text, time.time() if now is None else now, max_age)


def check_web(url: str, timeout: float = 4.0) -> Verdict:
    """The health of the web process: ``GET /healthz`` answers 200."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - local URL
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return Verdict(False, f"{url} is unreachable: {getattr(exc, 'reason', exc)}")
    if status != 200:
        return Verdict(False, f"{url} answered HTTP {status}")
    return Verdict(True, f"{url} answered 200")
