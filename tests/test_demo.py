"""``python -m demo`` (``./dev demo``) and ``python -m bot serve``, run as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "BOT_", "GITHUB_"))}
    env.update(extra)
    return env


def test_demo_runs_the_whole_flow_quickly() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "demo"],
        cwd=REPO_ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 45, elapsed
    out = result.stdout
    assert "Delivered the signed issues.opened webhook: HTTP 202" in out
    assert "done (pull request #2)" in out
    assert "Status comment on issue #1" in out and "**Pull request:** #2" in out
    assert "Pull request #2: Paper assignment: 3 papers from tingfeng-hui/unverified" in out
    assert out.count('+      <author id="tingfeng-hui">') == 3
    assert '+  "tingfeng-hui": {' in out and '"orcid": "0000-0002-7182-8185"' in out
    assert "/demo/author/tingfeng-hui/unverified" in out
    assert "Traceback" not in result.stderr


def test_serve_answers_health_checks(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=REPO_ROOT,
        env=clean_env(BOT_STATE_DIR=str(tmp_path), GITHUB_WEBHOOK_SECRET="serve-secret"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving on http://127.0.0.1:"), line
        url = line.split()[2].rstrip("/")
        assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
        assert requests.get(f"{url}/readyz", timeout=5).status_code == 200
        assert requests.post(f"{url}/webhook", data=b"{}", timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
