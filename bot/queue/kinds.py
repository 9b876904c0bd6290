"""The job kinds: the whole contract between the web process and the workers.

The web process (and a worker queueing a follow-up) builds jobs only through
the factories here; a worker runs them with the handler registered for the kind
(``bot.worker.handlers``). Each kind fixes its *coalescing key*: at most one
queued job per key, and never two running at once (``bot.queue.jobs``).

==============  ==============================  ==========================================
kind            key                             what the job does
==============  ==============================  ==========================================
``issue``       ``<repo>#<number>``             brings one issue's status comment, branch
                                                and pull request up to date
``batch``       ``<repo>/batch:<name>``         (re)builds one batch branch and its PR
``upstream``    ``<repo>/upstream``             checks every open bot PR against a moved
                                                default branch
``reconcile``   ``<repo>/reconcile``            finds issues whose events were missed
==============  ==============================  ==========================================
"""

from __future__ import annotations

from typing import Any

from bot.queue.jobs import JobRequest

ISSUE_JOB = "issue"
BATCH_JOB = "batch"
UPSTREAM_JOB = "upstream"
RECONCILE_JOB = "reconcile"
JOB_KINDS: tuple[str, ...] = (ISSUE_JOB, BATCH_JOB, UPSTREAM_JOB, RECONCILE_JOB)


def issue_job(
    repo: str,
    number: int,
    installation_id: int | None = None,
    sender: str | None = None,
    **detail: Any,
) -> JobRequest:
    """Bring issue ``number`` up to date; coalesced with every other event about it."""
    return JobRequest.for_issue(ISSUE_JOB, repo, number, installation_id, sender, **detail)


def batch_job(repo: str, name: str, installation_id: int | None = None) -> JobRequest:
    """Rebuild batch ``name``; coalesced, and never run twice at once, per batch."""
    return JobRequest(
        BATCH_JOB,
        repo,
        None,
        f"{repo.lower()}/batch:{name}",
        installation_id,
        None,
        {"batch": name},
    )


def upstream_job(
    repo: str, installation_id: int | None = None, sender: str | None = None, after: str = ""
) -> JobRequest:
    """Check every open bot pull request against the default branch (after a push to it)."""
    detail = {"after": after} if after else {}
    return JobRequest(
        UPSTREAM_JOB, repo, None, f"{repo.lower()}/upstream", installation_id, sender, detail
    )


def reconcile_job(repo: str, installation_id: int | None = None) -> JobRequest:
    """Compare GitHub with the bot's memory and queue the issue jobs that were missed."""
    return JobRequest(RECONCILE_JOB, repo, None, f"{repo.lower()}/reconcile", installation_id)
