"""The command line as a real process, for the tests: ``python -m bot <args>`` in the checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_bot(*args: str | Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` with ``args``, its per-user cache in ``cache``; output as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"ANTHOLOGY_BOT_CACHE": str(cache), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
