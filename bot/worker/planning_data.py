"""The Anthology data of a job's worktree, opened with the shared name index.

Building the name index of the whole Anthology takes seconds, so it is kept in
the state directory between jobs (``<state>/index/names.sqlite``) and brought
up to date for each worktree (it re-reads only files whose content differs).
Workers on one machine share it, and an index refreshed for one worktree is
not the index of another: a job holds an exclusive file lock on it from the
refresh until its plan is applied.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.engine.dataset import AnthologyData


@contextmanager
def planning_data(data_dir: Path, index_path: Path) -> Iterator[AnthologyData]:
    """``data_dir`` (a worktree's ``data/``) opened for planning, the index locked meanwhile."""
    index_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_path.with_name(index_path.name + ".lock")
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = AnthologyData(data_dir, index_path)
            try:
                yield data
            finally:
                data.close()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
