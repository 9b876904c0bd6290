"""Whether the workers can use the data repository, as they last saw it: for ``/readyz``.

A worker that cannot clone or fetch the data repository
(:class:`bot.io.workspace.RepositoryUnavailable`), or finds its data broken
(:class:`bot.engine.dataset.DataDirectoryError`: ``people.json`` or an XML
file that does not parse), records the problem in ``<state>/data-status.json``
and puts the job back in the queue (``bot.worker.runner``). The next job that fetched
and worked through the data clears it. The web process's ``/readyz`` reads the
file: while a problem is recorded it answers 503 and says what the problem is.

The file belongs to a state directory, so ``/readyz`` shows what the workers
sharing its state directory (those on its machine) saw; workers on other
machines log the same problem (``"the data repository is unavailable"``).

The problem text comes from git or from the data parser: it names the URL of
the repository (which never carries credentials, see ``bot.io.workspace``) and no
token.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

STATUS_FILE = "data-status.json"
MAX_DETAIL = 500


@dataclass(frozen=True)
class DataProblem:
    """The data repository could not be used since ``since``; last seen at ``last_seen``."""

    detail: str
    since: float
    last_seen: float

    @property
    def down_for(self) -> float:
        """Seconds between the first and the latest failure of this outage."""
        return max(0.0, self.last_seen - self.since)

    @property
    def since_iso(self) -> str:
        """``since`` as an ISO 8601 UTC timestamp."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since))

    def describe(self) -> str:
        """One line for ``/readyz`` and the logs."""
        return f"the workers cannot use the data repository since {self.since_iso}: {self.detail}"


def _path(state_dir: Path) -> Path:
    return Path(state_dir) / STATUS_FILE


def read_problem(state_dir: Path) -> DataProblem | None:
    """The recorded problem; None if there is none (or the file is unreadable)."""
    try:
        data = json.loads(_path(state_dir).read_text(encoding="utf-8"))
        return DataProblem(str(data["detail"]), float(data["since"]), float(data["last_seen"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_problem(state_dir: Path, detail: str, now: float | None = None) -> DataProblem:
    """Record that the data repository failed now; an ongoing outage keeps its start."""
    now = time.time() if now is None else now
    previous = read_problem(state_dir)
    since = previous.since if previous is not None else now
    problem = DataProblem(" ".join(detail.split())[:MAX_DETAIL], since, now)
    path = _path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(problem)), encoding="utf-8")
    os.replace(partial, path)
    return problem


def clear_problem(state_dir: Path) -> DataProblem | None:
    """Forget the recorded problem (the data repository works again); returns it, if any."""
    previous = read_problem(state_dir)
    try:
        _path(state_dir).unlink()
    except FileNotFoundError:
        pass
    return previous
