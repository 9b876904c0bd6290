"""``python -m demo``: the whole flow on this machine, with no GitHub account.

What it does, in a temporary directory:

1. builds a bare git repository with the bundled sample data (``data/xml``,
   ``data/json``), the layout of the Anthology's repository;
2. starts the GitHub stand-in of the tests (``tests.github_standin``: REST API,
   git over HTTP, signed webhooks) serving that repository;
3. starts the bot's web app (real HTTP on 127.0.0.1) and a worker (a thread),
   configured as in production but pointed at the stand-in;
4. files the seed's case as an issue: the "Fix paper assignment" form for
   ``tingfeng-hui/unverified`` and its three papers, assigned to a new author
   page with ORCID 0000-0002-7182-8185;
5. delivers the signed ``issues.opened`` webhook, waits for the job and prints
   the status comment, the pull request and its diff, and the address of the
   demo author page with the "Fixing paper assignments" dialog.

``--keep-running`` leaves everything up until Ctrl-C. It needs a checkout of the
repository (the stand-in lives in ``tests/``).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings, default_queue_url
from bot.forms.body import render_form_body
from bot.logs import configure_logging
from bot.queue.jobs import FINAL_STATES, Job
from bot.queue.stores import open_store

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO_ROOT / "sample" / "data"
REPO = "acl-org/acl-anthology"
JOB_TIMEOUT = 60.0

SEED_TITLE = "Paper assignment: tingfeng-hui/unverified"
SEED_ANSWERS: dict[str, str | None] = {
    "author_page": "https://aclanthology.org/people/tingfeng-hui/unverified/",
    "papers": "\n".join(
        [
            "https://aclanthology.org/2025.acl-long.5/",
            "https://aclanthology.org/2025.acl-long.12/",
            "https://aclanthology.org/2023.findings-emnlp.3/",
        ]
    ),
    "assign_to": "A new author page for this person",
    "name": "Tingfeng Hui",
    "orcid": "0000-0002-7182-8185",
    "institution": "Beijing University of Posts and Telecommunications",
}
"""The seed's case, as the dialog on the author page would fill in the form."""


def seed_issue_body() -> str:
    return render_form_body(SEED_ANSWERS)


def build_data_repository(sample_data: Path, bare_path: Path) -> Path:
    """A bare repository whose one commit holds ``sample_data`` under ``data/``."""
    from tests.github_standin import make_bare_repo

    files = {
        f"data/{path.relative_to(sample_data).as_posix()}": path.read_bytes()
        for path in sorted(sample_data.rglob("*"))
        if path.is_file()
    }
    return make_bare_repo(bare_path, files, message="The sample of the ACL Anthology data")


@dataclass
class WebServer:
    """The bot's web app on 127.0.0.1, in a thread that also opens its data (SQLite)."""

    settings: Settings
    url: str = ""

    def __post_init__(self) -> None:
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server: Any = None
        self._thread = threading.Thread(target=self._serve, name="bot-web", daemon=True)

    def _serve(self) -> None:
        from werkzeug.serving import make_server

        from bot.web.app import create_app

        try:
            self._server = make_server("127.0.0.1", 0, create_app(self.settings), threaded=False)
            self.url = f"http://127.0.0.1:{self._server.server_port}"
        except BaseException as exc:  # reported by start()
            self._error = exc
            return
        finally:
            self._ready.set()
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None or not self.url:
            raise RuntimeError(f"the web app did not start: {self._error!r}")
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._thread.join(timeout=10)


class WorkerThread:
    """A bot worker in a thread of this process."""

    def __init__(self, settings: Settings) -> None:
        from bot.worker.runner import Worker

        self.store = open_store(settings.queue_url)
        self.worker = Worker(settings, self.store)
        self._thread = threading.Thread(target=self.worker.run, name="bot-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.worker.stop_event.set()
        self._thread.join(timeout=30)
        self.store.close()


def demo_settings(state_dir: Path, standin: Any, webhook_secret: str) -> Settings:
    """Production settings, pointed at the stand-in and tuned for a quick local run."""
    return Settings(
        state_dir=state_dir,
        queue_url=default_queue_url(state_dir),
        anthology_repo=REPO,
        clone_url=standin.clone_url,
        github_api_url=standin.api_url,
        webhook_secret=webhook_secret,
        github_token=standin.token,
        bot_login=standin.login,
        github_throttle=False,
        github_retry_attempts=2,
        github_retry_backoff=0.2,
        github_timeout=10,
        job_retry_backoff=1.0,
        worker_poll_seconds=0.1,
        job_lease_seconds=60,
        demo_data_dir=SAMPLE_DATA,
        # The dialog on the demo pages opens the stand-in's issue form, never github.com.
        issue_form_base=standin.url,
    )


def wait_for_jobs(settings: Settings, issue_number: int, timeout: float = JOB_TIMEOUT) -> list[Job]:
    """The issue's jobs, once every one of them has ended (or the timeout passed)."""
    store = open_store(settings.queue_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            jobs = store.jobs(issue_number=issue_number)
            if jobs and all(job.state in FINAL_STATES for job in jobs):
                return jobs
            if time.monotonic() > deadline:
                return jobs
            time.sleep(0.05)
    finally:
        store.close()


def _section(title: str, text: str) -> None:
    print(f"\n──── {title} " + "─" * max(0, 70 - len(title)))
    print(text.rstrip())


def _report(standin: Any, issue_number: int, jobs: list[Job], web_url: str) -> bool:
    """Print what the bot did; False if the job did not succeed."""
    for job in jobs:
        print(f"Job {job.id}: {job.state} ({job.reason or job.last_error or 'no reason'})")
    comments = [c for c in standin.comments_on(issue_number) if c.user == standin.login]
    for comment in comments:
        _section(f"Status comment on issue #{issue_number}", comment.body)
    pulls = standin.pulls
    for pull in pulls:
        assert pull.pull is not None
        _section(f"Pull request #{pull.number}: {pull.title}", pull.body or "")
        print(f"\nlabels: {', '.join(pull.labels)}; branch {pull.pull.head} -> {pull.pull.base}")
        diff = standin.git("diff", f"{pull.pull.base}...{pull.pull.head}")
        _section(f"Its diff (git diff {pull.pull.base}...{pull.pull.head})", diff)
    print(
        "\nThe demo author page with the 'Fixing paper assignments' dialog:\n"
        f"  {web_url}/demo/author/tingfeng-hui/unverified"
    )
    return bool(pulls) and all(job.state == "done" for job in jobs)


def run_demo(keep_running: bool = False, verbose: bool = False) -> int:
    """Run the demo; 0 if the issue became a pull request."""
    try:
        from tests.github_standin import GitHubStandIn
    except ImportError:
        print("The demo needs a checkout of the repository (tests/).", file=sys.stderr)
        return 1
    if not SAMPLE_DATA.is_dir():
        print(f"The sample data is missing: {SAMPLE_DATA}", file=sys.stderr)
        return 1
    configure_logging("INFO" if verbose else "WARNING")
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="anthology-bot-demo-"))
    secret = secrets.token_hex(16)
    try:
        bare = build_data_repository(SAMPLE_DATA, workdir / "remote" / "acl-anthology.git")
        with GitHubStandIn(repo=REPO, bare_repo_path=bare) as standin:
            settings = demo_settings(workdir / "state", standin, secret)
            settings.state_dir.mkdir(parents=True, exist_ok=True)
            web = WebServer(settings)
            web_url = web.start()
            worker = WorkerThread(settings)
            worker.start()
            try:
                print("Anthology assignment bot: local demo")
                print(f"  GitHub stand-in  {standin.url}  (repository {REPO})")
                print(f"  bot web app      {web_url}  (POST /webhook, GET /healthz, /readyz)")
                print(f"  state            {settings.state_dir}")
                number, payload = standin.open_issue(
                    SEED_TITLE,
                    seed_issue_body(),
                    user="tingfeng-hui",
                    labels=["correction", "author-page", "meta:move"],
                )
                print(f"\nFiled issue #{number}: {SEED_TITLE!r} (the seed's case)")
                sent = time.monotonic()
                response = standin.deliver(f"{web_url}/webhook", "issues", payload, secret)
                print(
                    f"Delivered the signed issues.opened webhook: HTTP {response.status_code} "
                    f"in {time.monotonic() - sent:.3f} s ({response.json()})"
                )
                jobs = wait_for_jobs(settings, number)
                ok = _report(standin, number, jobs, web_url)
                print(f"\nDone in {time.monotonic() - started:.1f} s.")
                if keep_running:
                    print("The servers keep running; press Ctrl-C to stop them.", flush=True)
                    try:
                        threading.Event().wait()
                    except KeyboardInterrupt:
                        pass
                else:
                    print("Everything is stopped again; `./dev demo --keep-running` keeps it up.")
            finally:
                worker.stop()
                web.stop()
        return 0 if ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        logging.shutdown()
