"""The bot as a maintainer installs it: a built wheel in a fresh environment, outside the checkout.

The wheel must carry everything the bot needs at run time (the issue form as
package data, the dialog's assets) and nothing of ``tests/`` or ``demo/``. The
test builds it from this checkout, installs it into a new virtual environment
(the dependencies come from the test environment's site-packages, so nothing is
downloaded), and from a directory outside the checkout runs ``parse`` on a form
issue, then ``serve`` + ``worker`` on a signed webhook against the GitHub stand-in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest
import requests

from demo.run import SEED_TITLE, seed_issue_body
from tests.github_standin import GitHubStandIn
from tests.service_harness import REPO, SECRET, service_env

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtual environment with only the built wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    # Build from a copy of the tracked tree, as a release would (no caches, no venv).
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO_ROOT / name).exists():
            shutil.copy2(REPO_ROOT / name, target, follow_symlinks=False)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(root / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (root / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/forms/templates/fix-paper-assignment.yml" in names
    assert "bot/dialog/static/assignment-dialog.js" in names
    assert not [n for n in names if n.startswith(("tests/", "demo/"))]
    template = zipfile.ZipFile(wheel).read("bot/forms/templates/fix-paper-assignment.yml")
    assert template == (REPO_ROOT / "issue_templates" / "fix-paper-assignment.yml").read_bytes()

    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies, without the editable install of this checkout (a plain path line:
    # the .pth files in that directory, such as the editable finder, are not run).
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return python


def outside_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "BOT_", "GITHUB_"))}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def test_the_wheel_imports_its_own_copy(installed: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [
            str(installed),
            "-c",
            "import bot, bot.forms.template as t; print(bot.__file__, t.TEMPLATE_PATH)",
        ],
        cwd=tmp_path,
        env=outside_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(REPO_ROOT) not in out and str(installed.parent.parent) in out


def test_parse_reads_a_form_issue_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    issue = tmp_path / "issue.md"
    issue.write_text(f"# {SEED_TITLE}\n\n{seed_issue_body()}", encoding="utf-8")
    result = subprocess.run(
        [str(installed), "-m", "bot", "parse", str(issue), "--json"],
        cwd=tmp_path,
        env=outside_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["form"] == "assignment"
    assert parsed["request"]["source"] == "tingfeng-hui/unverified"
    assert len(parsed["request"]["papers"]) == 3


def test_a_signed_webhook_becomes_a_pull_request_through_serve_and_worker(
    installed: Path, service_template: Path, tmp_path: Path
) -> None:
    bare = Path(shutil.copytree(service_template, tmp_path / "remote" / "acl-anthology.git"))
    with GitHubStandIn(repo=REPO, bare_repo_path=bare) as standin:
        env = outside_env(**service_env(standin, tmp_path / "state"))
        port = _free_port()
        log = (tmp_path / "serve.log").open("wb")
        web = subprocess.Popen(
            [str(installed), "-m", "bot", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(f"{url}/healthz", web, tmp_path / "serve.log")
            number, payload = standin.open_issue(
                SEED_TITLE,
                seed_issue_body(),
                user="tingfeng-hui",
                labels=["correction", "author-page"],
            )
            response = standin.deliver(f"{url}/webhook", "issues", payload, SECRET)
            assert response.status_code == 202, response.text
            worker = subprocess.run(
                [str(installed), "-m", "bot", "worker", "--once"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert worker.returncode == 0, worker.stderr
        finally:
            web.terminate()
            web.wait(timeout=10)
            log.close()
        [pull] = standin.pulls
        assert f"Closes #{number}" in pull.body or f"closes #{number}" in pull.body
        diff = standin.git("diff", f"master...bot/paper-assignment-{number}")
        assert 'id="tingfeng-hui"' in diff
        assert '"tingfeng-hui": {' in diff


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited: {log.read_text(errors='replace')}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"serve did not come up: {log.read_text(errors='replace')}")
