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


def test_the_demo_dialog_opens_the_stand_in_never_github(tmp_path: Path) -> None:
    """The demo pages hand the dialog the stand-in's address as the issue form's
    base, and the stand-in serves that form pre-filled, as GitHub would."""
    import json
    import re
    from urllib.parse import urlencode

    from bot.web.app import create_app
    from demo.run import REPO, build_data_repository, demo_settings
    from tests.github_standin import GitHubStandIn

    bare = build_data_repository(REPO_ROOT / "sample" / "data", tmp_path / "remote.git")
    with GitHubStandIn(repo=REPO, bare_repo_path=bare) as standin:
        settings = demo_settings(tmp_path / "state", standin, "secret")
        settings.state_dir.mkdir(parents=True)
        page = create_app(settings).test_client().get("/demo/author/tingfeng-hui/unverified")
        assert page.status_code == 200
        embedded = re.search(
            r'<script type="application/json" id="author-page-data">(.*?)</script>',
            page.get_data(as_text=True),
            re.DOTALL,
        )
        assert embedded is not None
        form = json.loads(embedded[1])["issue_form"]
        assert form["base"] == standin.url
        assert "github.com" not in form["base"]

        query = {
            "template": form["template"],
            "title": "Paper assignment: tingfeng-hui/unverified",
            "papers": "2025.acl-long.5\n2025.acl-long.12",
            "target_page": "No author page (unverified)",
        }
        answer = requests.get(f"{form['base']}/{REPO}/issues/new?{urlencode(query)}", timeout=10)
        assert answer.status_code == 200
        assert "2025.acl-long.5\n2025.acl-long.12</textarea>" in answer.text
        assert "<option selected>None</option>" in answer.text  # the dropdown is untouched
        missing = requests.get(f"{standin.url}/{REPO}/issues/new?template=../x.yml", timeout=10)
        assert missing.status_code == 404
