"""Faults, end to end: GitHub failing, a branch moving under the bot, the data repository gone.

Everything is real: the web app over HTTP, workers as ``python -m bot worker``
subprocesses, PyGithub over HTTP to the GitHub stand-in, ``git`` over HTTP to
its bare repository (``tests/service_harness.py``). Faults are injected by the
stand-in (``fail_next``, ``rate_limit_next``, ``hang_next``), by pushing to its
bare repository at the moment the worker pushes, and by pointing the workers at
an unreachable or broken data repository. Waits are short (``GITHUB_RETRY_BACKOFF``
and ``JOB_RETRY_BACKOFF`` of a fraction of a second) so that the file runs in
well under two minutes.

What must hold:

* GitHub answering 502, 403 with rate-limit headers, or not answering: each
  operation is retried with backoff, the job runs again later, and when the
  attempts are used up the issue gets one clear failure comment (no stack
  trace, no token) and no branch exists. A long rate limit makes the job wait
  for the reset instead of failing.
* Someone pushes to the bot's branch between the worker's fetch and its push:
  the push is refused, the person's commit stays, and the bot says so.
* The data repository unreachable or broken: ``/readyz`` answers 503 naming the
  problem, and jobs wait (queued, their attempts not used up) until it is back.

Every test runs twice: on the SQLite store and on the Redis store (a real
``redis-server``, ``tests/redis_server.py``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.forms.body import render_form_body
from bot.queue.jobs import FINAL_STATES, Job
from bot.worker.jobs.issue import branch_for_issue
from demo.run import SEED_ANSWERS, SEED_TITLE, seed_issue_body
from tests.github_standin import commit_to_branch
from tests.redis_server import redis_server
from tests.service_harness import Service, running_service

ISSUE_LABELS = ["correction", "author-page", "meta:move"]
ISSUE_PATH = r"/repos/acl-org/acl-anthology/issues/\d+"
HUMAN = ("Jane Maintainer", "jane@example.org")

# Short waits: three tries per GitHub operation, two runs per job.
FAST = {
    "GITHUB_RETRY_ATTEMPTS": "3",
    "GITHUB_RETRY_BACKOFF": "0.05",
    "JOB_MAX_ATTEMPTS": "2",
    "JOB_RETRY_BACKOFF": "0.2",
    "JOB_RETRY_MAX_BACKOFF": "1",
    "GITHUB_TIMEOUT": "1",
    "RECONCILE_INTERVAL_SECONDS": "0",  # no reconcile job among the faults
}
GITHUB_TRIES = 3 * 2


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def service(
    request: pytest.FixtureRequest, service_template: Path, tmp_path: Path
) -> Iterator[Service]:
    """The service on each job store: the SQLite file, and a real redis-server."""
    env = dict(FAST)
    if request.param == "redis":
        import redis

        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()  # each test starts with an empty store
        env["QUEUE_URL"] = url
    with running_service(service_template, tmp_path, **env) as running:
        yield running


def file_issue(service: Service) -> int:
    number, payload = service.standin.open_issue(
        SEED_TITLE, seed_issue_body(), user="tingfeng-hui", labels=ISSUE_LABELS
    )
    response = service.deliver("issues", payload)
    assert response.status_code == 202, response.text
    return number


def wait_for(
    service: Service, condition: Callable[[], bool], timeout: float = 45.0, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{service.log_text()}"
        time.sleep(0.05)


def settled(service: Service, number: int) -> Callable[[], bool]:
    def check() -> bool:
        jobs = service.jobs(number)
        return bool(jobs) and all(job.state in FINAL_STATES for job in jobs)

    return check


def work(
    service: Service, condition: Callable[[], bool], timeout: float = 45.0, **env: str
) -> None:
    """Run one worker until ``condition`` holds, then stop it (SIGTERM) and check it ended well."""
    worker = service.start_worker(**env)
    try:
        wait_for(service, condition, timeout)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, service.log_text()


def log_records(service: Service) -> list[dict[str, Any]]:
    records = []
    for line in service.log_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def only_job(service: Service, number: int) -> Job:
    [job] = service.jobs(number)
    return job


def assert_clear_failure_comment(service: Service, number: int, *expected: str) -> str:
    comments = service.status_comments(number)
    assert len(comments) == 1, comments
    body = comments[0].body
    assert "could not finish" in body
    for text in expected:
        assert text in body, body
    for leak in ("Traceback", 'File "', service.standin.token, "Error:", "Exception"):
        assert leak not in body, body
    assert "will try again later" not in body  # it has given up: no false promise
    return body


def assert_no_branch_and_no_pull(service: Service, number: int) -> None:
    assert service.standin.branch_sha(branch_for_issue(number)) is None
    assert service.pulls() == []


# -- GitHub failing --------------------------------------------------------------------------


FAULTS: dict[str, Callable[[Service, int], Any]] = {
    "502": lambda s, times: s.standin.fail_next("GET", ISSUE_PATH, times=times, status=502),
    "rate-limit-403": lambda s, times: s.standin.rate_limit_next(
        "GET", ISSUE_PATH, times=times, reset_in=0
    ),
    "secondary-rate-limit-403": lambda s, times: s.standin.rate_limit_next(
        "GET", ISSUE_PATH, times=times, reset_in=0, secondary=True
    ),
    "hang": lambda s, times: s.standin.hang_next("GET", ISSUE_PATH, seconds=2.5, times=times),
}
SHOWN_AS = {
    "502": "HTTP 502",
    "rate-limit-403": "rate limited, HTTP 403",
    "secondary-rate-limit-403": "rate limited, HTTP 403",
    "hang": "timed out",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_github_failing_for_good_is_retried_then_reported(service: Service, fault: str) -> None:
    number = file_issue(service)
    FAULTS[fault](service, GITHUB_TRIES)  # every try of both runs of the job fails
    work(service, settled(service, number), timeout=60)

    job = only_job(service, number)
    assert job.state == "failed" and job.attempts == 2, job
    reads = service.standin.requests_matching("GET", ISSUE_PATH)
    assert sum(1 for r in reads if r.fault) == GITHUB_TRIES
    records = log_records(service)
    retries = [r for r in records if "retrying in" in r["message"]]
    assert len(retries) == 2 * 2, [r["message"] for r in records]  # 2 waits per run, 2 runs
    assert any("job will run again" in r["message"] for r in records)
    body = assert_clear_failure_comment(service, number, SHOWN_AS[fault], "has given up")
    assert f"issue \\#{number}" in body  # markdown-escaped: no accidental reference
    assert_no_branch_and_no_pull(service, number)
    assert service.standin.token not in service.log_text()


def test_github_failing_after_the_push_leaves_a_complete_branch(service: Service) -> None:
    """The pull request cannot be opened: the branch holds the whole change, the next run
    opens the pull request without pushing again."""
    number = file_issue(service)
    service.standin.fail_next("POST", r"/repos/.*/pulls", times=GITHUB_TRIES, status=502)
    work(service, settled(service, number), timeout=60)

    assert only_job(service, number).state == "failed"
    assert_clear_failure_comment(service, number, "HTTP 502", "has given up")
    branch = branch_for_issue(number)
    assert service.pulls() == []
    assert service.branch_log(branch) == [
        "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui"
    ]
    head = service.standin.branch_sha(branch)
    pushes = len(service.standin.requests_matching("POST", r".*/git-receive-pack"))

    again = service.standin.edit_issue(number, body=seed_issue_body() + "\n")
    assert service.deliver("issues", again).status_code == 202
    work(service, settled(service, number))
    assert service.jobs(number)[-1].state == "done"
    assert service.standin.branch_sha(branch) == head
    assert len(service.standin.requests_matching("POST", r".*/git-receive-pack")) == pushes
    assert len(service.pulls()) == 1
    [comment] = [c for c in service.status_comments(number) if "anthology-bot:status" in c.body]
    assert "could not finish" not in comment.body
    # The filer saw a failure; a new comment tells them the pull request is open now.
    [notice] = [c.body for c in service.status_comments(number) if "notice:pull-" in c.body]
    assert "opened the pull request" in notice


def test_passing_github_failures_are_retried_within_the_job(service: Service) -> None:
    number = file_issue(service)
    service.standin.fail_next("GET", ISSUE_PATH, times=1, status=502)
    service.standin.rate_limit_next("POST", r"/repos/.*/pulls", times=1, reset_in=0)
    service.standin.fail_next("POST", r"/repos/.*/issues/\d+/comments", times=1, status=503)
    work(service, settled(service, number))

    job = only_job(service, number)
    assert job.state == "done" and job.attempts == 1, job
    assert len(service.pulls()) == 1
    assert len(service.status_comments(number)) == 1
    messages = [r["message"] for r in log_records(service)]
    assert sum("retrying in" in m for m in messages) == 3, messages


def test_a_long_rate_limit_makes_the_job_wait_for_the_reset(service: Service) -> None:
    number = file_issue(service)
    service.standin.rate_limit_next("GET", ISSUE_PATH, times=1, reset_in=3600)
    started = time.time()
    work(
        service,
        lambda: (
            only_job(service, number).attempts == 1 and only_job(service, number).state == "queued"
        ),
    )

    job = only_job(service, number)
    assert job.state == "queued", job
    assert job.not_before >= started + 3500, job  # until GitHub's reset, not a short backoff
    assert "rate limiting" in (job.last_error or "")
    assert service.status_comments(number) == []
    assert_no_branch_and_no_pull(service, number)


# -- someone pushes to the bot's branch while the bot pushes ---------------------------------


def human_pushes_during_the_bots_push(service: Service, number: int, moment: str) -> list[str]:
    """At ``moment`` of the bot's next push, a maintainer pushes a commit to the bot's branch.

    ``advertisement``: before git shows the pusher the branch's tip (the client's
    lease check sees the move); ``receive-pack``: after that, while the pack is
    sent (the server's atomic ref update sees it). Returns the maintainer's sha (once pushed).
    """
    standin = service.standin
    original = standin._git  # the stand-in's git smart-HTTP backend
    pushed: list[str] = []

    def intercept(environ: dict[str, Any], start: Any, rest: str, login: str | None) -> Any:
        query = environ.get("QUERY_STRING", "")
        at_moment = (
            rest == "info/refs" and "git-receive-pack" in query
            if moment == "advertisement"
            else rest == "git-receive-pack"
        )
        if at_moment and not pushed:
            pushed.append(
                commit_to_branch(
                    standin.bare_repo,
                    branch_for_issue(number),
                    {"data/NOTES.md": "A maintainer's note on this change.\n"},
                    "Add a maintainer's note",
                    author=HUMAN,
                    start=None if standin.branch_sha(branch_for_issue(number)) else "master",
                )
            )
        return original(environ, start, rest, login)

    standin._git = intercept  # type: ignore[method-assign]
    return pushed


def assert_blocked_and_not_overwritten(service: Service, number: int, human_sha: str) -> None:
    branch = branch_for_issue(number)
    assert service.standin.branch_sha(branch) == human_sha  # the maintainer's commit stays
    jobs = service.jobs(number)
    assert jobs[-1].state == "waiting", jobs
    [comment] = service.status_comments(number)
    assert "commits that I did not make" in comment.body
    messages = [r["message"] for r in log_records(service)]
    assert any("others' commits" in m or "not rewriting" in m for m in messages), messages


@pytest.mark.parametrize("moment", ["advertisement", "receive-pack"])
def test_a_new_branch_created_meanwhile_is_not_overwritten(service: Service, moment: str) -> None:
    number = file_issue(service)
    pushed = human_pushes_during_the_bots_push(service, number, moment)
    work(service, settled(service, number))

    assert len(pushed) == 1
    assert_blocked_and_not_overwritten(service, number, pushed[0])
    assert service.pulls() == []
    [job] = service.jobs(number)
    assert job.attempts == 2  # the refused push, then the run that saw the commit
    assert "moved on the remote" in (job.last_error or ""), job


@pytest.mark.parametrize("moment", ["advertisement", "receive-pack"])
def test_a_branch_moved_meanwhile_is_not_overwritten(service: Service, moment: str) -> None:
    number = file_issue(service)
    assert service.run_worker() == 0, service.log_text()
    [pull] = service.pulls()
    bot_sha = service.standin.branch_sha(branch_for_issue(number))

    fewer = dict(SEED_ANSWERS, papers="2025.acl-long.5\n2023.findings-emnlp.3")
    edited = service.standin.edit_issue(number, body=render_form_body(fewer))
    assert service.deliver("issues", edited).status_code == 202
    pushed = human_pushes_during_the_bots_push(service, number, moment)
    work(service, settled(service, number))

    assert len(pushed) == 1
    assert_blocked_and_not_overwritten(service, number, pushed[0])
    parents = service.standin.git("rev-list", "--parents", "-n", "1", pushed[0]).split()
    assert parents[1:] == [bot_sha]  # the maintainer's commit sits on the bot's first one
    assert [p.number for p in service.pulls()] == [pull.number]
    assert "moved on the remote" in (service.jobs(number)[-1].last_error or "")


# -- the data repository unreachable or broken -----------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def readyz(service: Service) -> tuple[int, dict[str, Any]]:
    response = requests.get(f"{service.web_url}/readyz", timeout=10)
    return response.status_code, response.json()


def data_waits(service: Service) -> int:
    return sum("the data repository is unavailable" in r["message"] for r in log_records(service))


def assert_job_waits_for_the_data(service: Service, number: int, problem: str) -> None:
    job = only_job(service, number)
    assert job.state == "queued" and job.attempts == 0, job  # runs of it were not counted
    assert problem in (job.last_error or ""), job
    status, body = readyz(service)
    assert status == 503 and body["ready"] is False, body
    check = body["checks"]["data_repository"]
    assert check["ok"] is False and problem in check["detail"], check
    assert service.standin.token not in json.dumps(body)
    assert service.status_comments(number) == []
    assert_no_branch_and_no_pull(service, number)


def assert_recovered(service: Service, number: int) -> None:
    job = only_job(service, number)
    assert job.state == "done", (job, service.log_text())
    assert len(service.pulls()) == 1
    status, body = readyz(service)
    assert status == 200 and "data_repository" not in body["checks"], body
    assert any("available again" in r["message"] for r in log_records(service))


def test_an_unreachable_data_repository_makes_jobs_wait(service: Service) -> None:
    number = file_issue(service)
    assert readyz(service)[0] == 200
    unreachable = f"http://127.0.0.1:{free_port()}/acl-org/acl-anthology.git"
    # More waits than JOB_MAX_ATTEMPTS: had they counted, the job would have failed.
    work(service, lambda: data_waits(service) >= 4, ANTHOLOGY_CLONE_URL=unreachable)
    assert_job_waits_for_the_data(service, number, "could not be cloned")
    assert not (Path(service.settings.state_dir) / "clone").exists()

    work(service, settled(service, number))  # the repository is back
    assert_recovered(service, number)


def test_a_broken_people_json_makes_jobs_wait(service: Service) -> None:
    good = service.standin.git("show", "master:data/json/people.json")
    commit_to_branch(
        service.standin.bare_repo,
        "master",
        {"data/json/people.json": good[: len(good) // 2]},
        "Half a people.json",
        author=HUMAN,
    )
    number = file_issue(service)
    work(service, lambda: data_waits(service) >= 4)
    assert_job_waits_for_the_data(service, number, "people.json could not be read")

    commit_to_branch(
        service.standin.bare_repo,
        "master",
        {"data/json/people.json": good + "\n"[:0]},
        "Restore people.json",
        author=HUMAN,
    )
    work(service, settled(service, number))
    assert_recovered(service, number)


def test_a_damaged_clone_fails_readiness_and_is_cloned_again(service: Service) -> None:
    first = file_issue(service)
    assert service.run_worker() == 0, service.log_text()
    assert only_job(service, first).state == "done"
    clone = Path(service.settings.state_dir) / "clone"
    (clone / ".git" / "HEAD").unlink()
    status, body = readyz(service)
    assert status == 503 and body["checks"]["data_clone"]["ok"] is False, body

    number, payload = service.standin.open_issue(
        SEED_TITLE, seed_issue_body(), user="someone-else", labels=ISSUE_LABELS
    )
    assert service.deliver("issues", payload).status_code == 202
    assert service.run_worker() == 0, service.log_text()
    assert only_job(service, number).state in ("done", "waiting")
    assert readyz(service)[0] == 200


# -- writing exactly once, and /cancel after a kill (issue 13, items 7 and 8) -------------

MAINTAINER = "maria-maintainer"


def notices_on(service: Service, number: int, key_part: str) -> list[str]:
    return [
        c.body
        for c in service.status_comments(number)
        if "anthology-bot:notice:" in c.body and key_part in c.body
    ]


def test_a_reply_whose_answer_was_lost_is_not_posted_twice(service: Service) -> None:
    number = file_issue(service)
    work(service, settled(service, number))
    comment_id, payload = service.standin.add_comment(number, "/help", "someone")
    # GitHub applies the reply but the answer is lost: the in-job retry must find it.
    service.standin.fail_next(
        "POST", r"/repos/.*/issues/\d+/comments", times=1, status=502, lose_answer=True
    )
    assert service.deliver("issue_comment", payload).status_code == 202
    work(service, settled(service, number))
    replies = notices_on(service, number, f"reply-{comment_id}")
    assert len(replies) == 1, replies
    assert any(
        "found the comment a lost answer had posted" in r["message"] for r in log_records(service)
    )


def test_cancel_completes_after_a_kill_between_closing_and_deleting(
    service_template: Path, tmp_path: Path
) -> None:
    with running_service(service_template, tmp_path, JOB_LEASE_SECONDS="1.5") as service:
        service.standin.set_permission(MAINTAINER, "triage")
        number = file_issue(service)
        assert service.run_worker() == 0, service.log_text()
        [pull] = service.pulls()
        branch = branch_for_issue(number)
        _, payload = service.standin.add_comment(number, "/cancel", MAINTAINER)
        assert service.deliver("issue_comment", payload).status_code == 202

        status = service.run_worker(BOT_FAULT_AFTER="retire")
        assert status == 86, service.log_text()
        assert service.standin.issue(pull.number).state == "closed"
        assert service.standin.branch_sha(branch) is not None  # killed before deleting it

        # The next worker finishes the /cancel.
        assert service.run_worker("--max-jobs", "1", timeout=60) == 0, service.log_text()
        assert service.standin.branch_sha(branch) is None
        assert notices_on(service, number, "closed-") == []  # no "closed without merging"
        on_pull = [c.body for c in service.standin.comments_on(pull.number)]
        assert sum("Closed on request" in body for body in on_pull) == 1
        [comment] = [c for c in service.status_comments(number) if "anthology-bot:status" in c.body]
        assert "cancelled with `/cancel`" in comment.body and "deleted its branch" in comment.body
        assert "still exists" not in comment.body
