"""A test-only hook that kills the worker at a chosen point of a job.

Set ``BOT_FAULT_AFTER`` to ``commit``, ``push``, ``pull_request``, ``retire``
(a pull request closed, its branch not deleted yet) or ``notice`` (a notice to the
filer posted, the status comment not written yet) and the
worker process ends itself abruptly (``os._exit``, like a SIGKILL: no cleanup,
no lease released) right after that step of an issue job. The end-to-end tests
use it to show that a worker dying mid-job loses nothing and duplicates
nothing once another worker picks the job up. Never set it in production.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

FAULT_ENV = "BOT_FAULT_AFTER"
FAULT_POINTS = ("commit", "push", "pull_request", "retire", "notice")
FAULT_EXIT_CODE = 86


def fault_point(name: str) -> None:
    """End the process here if ``BOT_FAULT_AFTER`` names this point."""
    if name not in FAULT_POINTS:
        raise ValueError(f"unknown fault point {name!r}")
    if os.environ.get(FAULT_ENV) == name:
        log.warning("test fault hook: exiting after %s", name)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        os._exit(FAULT_EXIT_CODE)
