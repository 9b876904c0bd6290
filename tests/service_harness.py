"""The bot as a service against the GitHub stand-in, for end-to-end tests.

A :class:`Service` is: a bare data repository built from ``sample/data`` and
served by the stand-in (REST + git over HTTP), the bot's real web app over HTTP
on 127.0.0.1 (a thread), and workers started as real subprocesses
(``python -m bot worker``) with the same environment, so that they can be
killed. Everything talks over real HTTP: PyGithub to the stand-in, git to its
bare repository, the stand-in's signed webhooks to the web app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bot.config import Settings
from bot.queue.jobs import Job
from bot.queue.stores import open_store
from demo.run import WebServer, build_data_repository
from tests.github_standin import GitHubStandIn, build_delivery
from tests.github_standin.state import Comment, Issue

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO_ROOT / "sample" / "data"
REPO = "acl-org/acl-anthology"
SECRET = "e2e-webhook-secret"


def build_template_repository(directory: Path) -> Path:
    """The bare data repository (sample data under ``data/``), to be copied per test."""
    return build_data_repository(SAMPLE_DATA, directory / "acl-anthology.git")


def service_env(standin: GitHubStandIn, state_dir: Path, **overrides: str) -> dict[str, str]:
    """The bot's environment variables, pointed at the stand-in, with short waits."""
    env = {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": standin.api_url,
        "GITHUB_TOKEN": standin.token,
        "BOT_LOGIN": standin.login,
        "ANTHOLOGY_REPO": REPO,
        "ANTHOLOGY_CLONE_URL": standin.clone_url,
        "BOT_STATE_DIR": str(state_dir),
        "GITHUB_THROTTLE": "false",
        "GITHUB_RETRY_ATTEMPTS": "1",
        "GITHUB_TIMEOUT": "10",
        "JOB_RETRY_BACKOFF": "0.2",
        "JOB_LEASE_SECONDS": "30",
        "WORKER_POLL_SECONDS": "0.1",
        "LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


@dataclass
class Service:
    """A running stand-in and web app, and the environment for workers."""

    standin: GitHubStandIn
    env: dict[str, str]
    settings: Settings
    web_url: str
    logs: Path

    # -- webhooks ----------------------------------------------------------------

    def deliver(
        self,
        event: str,
        payload: dict[str, Any],
        delivery_id: str | None = None,
        secret: str | None = SECRET,
    ) -> requests.Response:
        body, headers = build_delivery(event, payload, secret, delivery_id)
        return requests.post(f"{self.web_url}/webhook", data=body, headers=headers, timeout=10)

    # -- workers -----------------------------------------------------------------

    def worker_env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "BOT_"))}
        base.update(self.env)
        base.update(extra)
        base["PYTHONPATH"] = str(REPO_ROOT)
        return base

    def start_worker(self, *args: str, **extra_env: str) -> subprocess.Popen[bytes]:
        """``python -m bot worker <args>`` in the background, its log appended to ``logs``."""
        log = open(self.logs, "ab")  # noqa: SIM115 - closed with the process by the caller
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", *args],
            cwd=REPO_ROOT,
            env=self.worker_env(**extra_env),
            stdout=log,
            stderr=log,
        )

    def run_worker(self, *args: str, timeout: float = 90, **extra_env: str) -> int:
        """Run a worker to its end (default ``--once``); returns its exit status."""
        process = self.start_worker(*(args or ("--once",)), **extra_env)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise

    # -- what happened -----------------------------------------------------------

    def jobs(self, issue_number: int | None = None) -> list[Job]:
        store = open_store(self.settings.queue_url)
        try:
            return store.jobs(issue_number=issue_number)
        finally:
            store.close()

    def status_comments(self, issue_number: int) -> list[Comment]:
        return [c for c in self.standin.comments_on(issue_number) if c.user == self.standin.login]

    def pulls(self) -> list[Issue]:
        return self.standin.pulls

    def branch_log(self, branch: str) -> list[str]:
        """Subjects of the commits on ``branch`` that are not on master."""
        out = self.standin.git("log", "--format=%s", f"master..{branch}")
        return [line for line in out.splitlines() if line]

    def log_text(self) -> str:
        return self.logs.read_text(encoding="utf-8", errors="replace") if self.logs.exists() else ""


@contextmanager
def running_service(template: Path, workdir: Path, **env_overrides: str) -> Iterator[Service]:
    """A fresh copy of the template repository, the stand-in and the web app."""
    bare = Path(shutil.copytree(template, workdir / "remote" / "acl-anthology.git"))
    state = workdir / "state"
    state.mkdir(parents=True, exist_ok=True)
    with GitHubStandIn(repo=REPO, bare_repo_path=bare) as standin:
        env = service_env(standin, state, **env_overrides)
        settings = Settings.from_env(env)
        web = WebServer(settings)
        url = web.start()
        try:
            yield Service(standin, env, settings, url, workdir / "workers.log")
        finally:
            web.stop()
