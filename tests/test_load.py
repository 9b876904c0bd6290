"""The load test's quick mode, in CI: under gunicorn, nothing lost, nothing duplicated.

``bench/load.py --quick`` sends 300 signed deliveries (100 per second for 3 s,
after 100 untimed warm-up ones) to ``gunicorn 'bot.wsgi:create_app_from_env()'``
and checks the job store afterwards. Timing is not asserted here (CI machines
vary); the full run and its figures are in ``docs/operations.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_server import REDIS_SERVER, SKIP_REASON

BENCH = Path(__file__).resolve().parent.parent / "bench" / "load.py"


def run_quick(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def assert_nothing_lost_or_duplicated(report: dict) -> None:
    check = report["verification"]
    assert check["ok"], check["problems"]
    assert report["errors"] == 0
    assert check["lost"] == 0 and check["recorded_twice_or_wrong"] == 0
    assert check["deliveries_recorded"] == check["unique_sent"]
    assert check["duplicates_sent"] > 0
    assert check["duplicates_answered"] == check["duplicates_sent"]
    assert check["irrelevant_sent"] > 0
    assert check["events_in_jobs"] == check["relevant_sent"]
    assert check["jobs"] == check["issues_touched"] < check["relevant_sent"]
    assert report["sent"] == 300


def test_quick_load_on_sqlite(tmp_path: Path) -> None:
    assert_nothing_lost_or_duplicated(run_quick(tmp_path))


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_quick_load_on_redis(tmp_path: Path) -> None:
    report = run_quick(tmp_path, "--redis")
    assert report["store"] == "redis"
    assert_nothing_lost_or_duplicated(report)
