"""The worker's error handling and the issue job's refusals, in-process against the stand-in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.forms.body import render_form_body
from bot.queue.jobs import JobRequest
from bot.queue.stores import open_store
from bot.worker.jobs.issue import branch_for_issue
from bot.worker.runner import Worker
from demo.run import SEED_ANSWERS, SEED_TITLE, seed_issue_body
from tests.github_standin import commit_to_branch
from tests.service_harness import Service, running_service

LABELS = ["correction", "author-page", "meta:move"]


@pytest.fixture
def service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    with running_service(service_template, tmp_path, JOB_MAX_ATTEMPTS="2") as running:
        yield running


def run_worker(settings: Settings) -> int:
    store = open_store(settings.queue_url)
    try:
        return Worker(settings, store).run(once=True)
    finally:
        store.close()


def test_github_outage_retries_with_backoff_then_fails_with_a_comment(service: Service) -> None:
    number, payload = service.standin.open_issue(SEED_TITLE, seed_issue_body(), labels=LABELS)
    service.deliver("issues", payload)
    service.standin.fail_next("GET", r"/repos/[^/]+/[^/]+/issues/\d+", times=100, status=502)

    assert run_worker(service.settings) == 1
    [job] = service.jobs(number)
    assert job.state == "queued" and job.attempts == 1
    assert job.not_before > time.time() and "GitHub" in (job.last_error or "")
    assert run_worker(service.settings) == 0  # not runnable before its time

    time.sleep(max(0.0, job.not_before - time.time()) + 0.05)
    assert run_worker(service.settings) == 1
    [job] = service.jobs(number)
    assert job.state == "failed" and job.attempts == 2
    [comment] = service.status_comments(number)
    assert "could not finish" in comment.body and "tried 2 times" in comment.body
    assert "Traceback" not in comment.body and service.standin.token not in comment.body
    assert service.standin.branch_sha(branch_for_issue(number)) is None


def test_branch_with_someone_elses_commit_is_not_rewritten(service: Service) -> None:
    number, payload = service.standin.open_issue(SEED_TITLE, seed_issue_body(), labels=LABELS)
    service.deliver("issues", payload)
    assert run_worker(service.settings) == 1
    branch = branch_for_issue(number)
    human = commit_to_branch(
        service.standin.bare_repo,
        branch,
        {"data/NOTES.md": "checked by hand\n"},
        "Maintainer's fix",
        author=("Maria Maintainer", "maria@example.org"),
    )
    fewer = dict(SEED_ANSWERS, papers="2025.acl-long.5")
    service.deliver("issues", service.standin.edit_issue(number, body=render_form_body(fewer)))
    assert run_worker(service.settings) == 1

    assert service.standin.branch_sha(branch) == human
    last = service.jobs(number)[-1]
    assert last.state == "waiting" and "commits by others" in (last.reason or "")
    [comment] = service.status_comments(number)
    assert "commits that I did not make" in comment.body
    assert len(service.pulls()) == 1


def test_issue_that_is_not_the_bots_is_left_alone(service: Service) -> None:
    number, _ = service.standin.open_issue("Typo on a paper page", "The title is wrong.")
    store = open_store(service.settings.queue_url)
    try:
        store.enqueue(JobRequest.for_issue("issue", service.settings.anthology_repo, number))
        store.enqueue(JobRequest("no-such-kind", service.settings.anthology_repo, number, None))
    finally:
        store.close()
    assert run_worker(service.settings) == 2
    states = {job.kind: (job.state, job.reason) for job in service.jobs(number)}
    assert states["issue"] == ("done", "not an assignment issue")
    assert states["no-such-kind"][0] == "failed"
    assert service.status_comments(number) == []


def test_closed_issue_is_not_worked_on(service: Service) -> None:
    number, _ = service.standin.open_issue(SEED_TITLE, seed_issue_body(), labels=LABELS)
    service.deliver("issues", service.standin.close_issue(number, "tingfeng-hui"))
    assert run_worker(service.settings) == 1
    [job] = service.jobs(number)
    assert (job.state, job.reason) == ("done", "the issue is closed")
    assert service.pulls() == [] and service.status_comments(number) == []
