"""GitHub Actions mode: one event of a workflow run, handled with the service's own job code.

A volunteer team may prefer not to run a server: the Anthology's automation
already runs on GitHub Actions. There, ``python -m bot action`` runs once per
workflow run and does what the web process and a worker do together:

1. reads the event GitHub wrote for the run (``GITHUB_EVENT_PATH``, the same
   JSON as the webhook payload; ``GITHUB_EVENT_NAME``, the ``X-GitHub-Event``);
2. asks the same triage router as the web process which jobs the event makes
   (``bot.web.triage``; passed in, because the worker never imports the web
   package); ``schedule`` and ``workflow_dispatch`` make a reconcile job, the
   periodic task a worker would otherwise run;
3. records them in a job store of its own (SQLite in a temporary directory,
   unless ``QUEUE_URL`` names one) and runs them, and every follow-up job they
   queue, with the ordinary :class:`bot.worker.runner.Worker` and its handlers.

A job that fails transiently is retried in-process after its backoff, as long
as the retry budget lasts; what is still unfinished then is reported, and the
command exits non-zero, so the run shows red and can be re-run (the next
scheduled reconciliation finds the issue too). Jobs read the issue's current
state, so a run that GitHub's ``concurrency`` setting cancelled while pending
loses nothing: the next run of that issue covers it.

The clone of the data repository and the name index live in ``BOT_STATE_DIR``;
a workflow may keep that folder between runs with ``actions/cache`` (a fresh
clone is partial, ``--filter=blob:none``, so even without a cache it is
quick). See ``docs/actions.md`` and ``deploy/github-actions/anthology-bot.yml``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import BotError
from bot.io.files import UnreadableFile, read_bytes
from bot.io.github import GitHubClient, make_github
from bot.queue.jobs import Job, JobRequest, JobStore
from bot.queue.kinds import reconcile_job
from bot.worker.runner import Worker

log = logging.getLogger(__name__)

Triage = Callable[[str, dict[str, Any]], list[JobRequest]]
"""(event name, payload) -> the jobs it makes: the web process's router, bound to its context."""

SCHEDULED_EVENTS = ("schedule", "workflow_dispatch")
"""Events with no subject of their own: they run the reconciliation."""

DEFAULT_RETRY_BUDGET = 900.0
"""Seconds a run may spend waiting for transient failures to pass (a worker's backoffs)."""


class EventFileError(BotError):
    """The workflow run's event cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class ActionEvent:
    """One workflow run's event: its name, its payload and an id for the job store."""

    name: str
    payload: dict[str, Any]
    delivery_id: str

    @property
    def action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None


def action_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The bot's settings environment inside a workflow run.

    GitHub Actions names the repository (``GITHUB_REPOSITORY``) and its server
    (``GITHUB_SERVER_URL``); they are used where ``ANTHOLOGY_REPO`` and
    ``ANTHOLOGY_CLONE_URL`` are not set. ``GITHUB_API_URL``, which Actions also
    sets, is already the bot's own variable.
    """
    out = dict(env)
    repo = (env.get("ANTHOLOGY_REPO") or "").strip() or (env.get("GITHUB_REPOSITORY") or "").strip()
    if repo:
        out["ANTHOLOGY_REPO"] = repo
        server = (env.get("GITHUB_SERVER_URL") or "").strip().rstrip("/")
        if server and not (env.get("ANTHOLOGY_CLONE_URL") or "").strip():
            out["ANTHOLOGY_CLONE_URL"] = f"{server}/{repo}.git"
    return out


def delivery_id_of(env: Mapping[str, str]) -> str:
    """An id for the run's event: one per run attempt, so a re-run is not a duplicate."""
    run_id = (env.get("GITHUB_RUN_ID") or "").strip()
    if run_id:
        attempt = (env.get("GITHUB_RUN_ATTEMPT") or "1").strip()
        return f"actions-{run_id}-{attempt}"[:100]
    return f"actions-{uuid.uuid4()}"


def read_event(path: str | None, name: str | None, delivery_id: str) -> ActionEvent:
    """The event of a workflow run, from its event file; EventFileError says what is wrong."""
    if not name or not name.strip():
        raise EventFileError(
            "no event name: run this inside a GitHub Actions workflow (GITHUB_EVENT_NAME), "
            "or pass --event-name"
        )
    if not path or not path.strip():
        raise EventFileError(
            "no event file: run this inside a GitHub Actions workflow (GITHUB_EVENT_PATH), "
            "or pass --event-path"
        )
    file = Path(path)
    try:
        raw = read_bytes(file, "event file")
    except UnreadableFile as exc:
        raise EventFileError(str(exc)) from None
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise EventFileError(f"the event file {file} is not JSON") from None
    if not isinstance(payload, dict):
        raise EventFileError(f"the event file {file} does not hold a JSON object")
    return ActionEvent(name.strip(), payload, delivery_id)


def jobs_for_event(event: ActionEvent, triage: Triage, settings: Settings) -> list[JobRequest]:
    """The jobs an event makes: the triage router's, or a reconciliation when scheduled."""
    if event.name in SCHEDULED_EVENTS:
        return [reconcile_job(settings.anthology_repo, settings.github_installation_id)]
    try:
        return triage(event.name, event.payload)
    except Exception as exc:  # a payload out of shape; the web process answers 400 for it
        log.debug("triage failed", exc_info=True)
        raise EventFileError(
            f"the event file does not have the shape of a GitHub {event.name!r} event"
        ) from exc


@dataclass(frozen=True)
class ActionResult:
    """What one run did: every job it ran (follow-ups included), in the store's order."""

    jobs: tuple[Job, ...]

    @property
    def unfinished(self) -> tuple[Job, ...]:
        """Jobs that failed, or still wait for a retry the run had no budget left for."""
        return tuple(j for j in self.jobs if j.state not in ("done", "waiting"))

    @property
    def ok(self) -> bool:
        return not self.unfinished


def describe_job(job: Job) -> str:
    """One line about a job for the run's log (and its step summary)."""
    subject = f"issue #{job.issue_number}" if job.issue_number is not None else job.kind
    reason = job.reason or job.last_error or ""
    if job.state == "queued":
        reason = f"not finished, needs a re-run: {job.last_error or 'not run'}"
    # One line: a message must not start a line of its own in the log (workflow commands).
    reason = " ".join(reason.split())
    return f"{subject} ({job.kind} job): {job.state}" + (f": {reason}" if reason else "")


def _github_factory(settings: Settings) -> Callable[[Job], GitHubClient]:
    """Clients as the worker makes them, told the bot's login when ``BOT_LOGIN`` gives it."""
    github_settings = settings.github_settings()

    def make(job: Job) -> GitHubClient:
        return make_github(github_settings, job.installation_id, login=settings.bot_login)

    return make


def run_action(
    settings: Settings,
    event: ActionEvent,
    triage: Triage,
    store: JobStore,
    *,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
    sleep: Callable[[float], None] = time.sleep,
) -> ActionResult:
    """Triage ``event``, then run its jobs and their follow-ups on ``store`` to the end.

    Raises EventFileError for an event the triage cannot read, and
    ``bot.config.ConfigError`` for missing credentials, before any job runs.
    """
    requests = jobs_for_event(event, triage, settings)
    if not requests:
        return ActionResult(())
    # The scheduled run reconciles; a worker here must not queue reconciliations itself.
    settings = replace(settings, reconcile_interval=0.0)
    worker = Worker(
        settings,
        store,
        owner=f"actions:{event.delivery_id}",
        github_factory=_github_factory(settings),
    )
    accepted = store.accept(event.delivery_id, event.name, event.action, requests)
    if accepted.duplicate:
        log.info("this run's event was handled already", extra={"delivery": event.delivery_id})
        return ActionResult(())
    started = store.clock()
    deadline = time.monotonic() + retry_budget
    while True:
        ran = worker.run(once=True)
        queued = store.jobs(state="queued")
        if not queued:
            break
        wait = max(0.0, min(j.not_before for j in queued) - store.clock())
        if not ran and wait <= 0:  # runnable but blocked (its issue's job runs elsewhere)
            wait = settings.worker_poll_seconds
        if time.monotonic() + wait > deadline:
            break
        log.info("waiting %.1f s for a job's retry", wait)
        sleep(wait)
    # Only this run's jobs: a QUEUE_URL store shared between runs holds older ones too.
    jobs = [j for j in store.jobs() if j.updated_at >= started or j.state == "queued"]
    return ActionResult(tuple(sorted(jobs, key=lambda j: (j.created_at, j.id))))


def step_summary(event: ActionEvent, result: ActionResult) -> str:
    """The run's markdown summary (``GITHUB_STEP_SUMMARY``)."""
    lines = [f"### Anthology bot: `{event.name}` event", ""]
    if not result.jobs:
        lines.append("Nothing to do: the event does not concern the bot.")
    for job in result.jobs:
        lines.append(f"- {describe_job(job)}")
    return "\n".join(lines) + "\n"
