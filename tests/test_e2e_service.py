"""End to end: a filed issue becomes exactly one pull request, through real components.

Real web app over HTTP, real worker processes (``python -m bot worker``), real
PyGithub over HTTP to the GitHub stand-in, real ``git push`` into the
stand-in's bare repository built from ``sample/data``. Workers are killed
mid-job through the test-only fault hook ``BOT_FAULT_AFTER`` (``bot.worker.faults``).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from bot.anthology.names import Name
from bot.engine.dataset import AnthologyData
from bot.engine.planner import Plan
from bot.engine.request import Request, Target
from bot.forms.body import render_form_body
from bot.worker.faults import FAULT_EXIT_CODE
from bot.worker.jobs.issue import branch_for_issue
from demo.run import SEED_ANSWERS, SEED_TITLE, seed_issue_body
from tests.redis_server import redis_server
from tests.service_harness import SAMPLE_DATA, Service, running_service

ISSUE_LABELS = ["correction", "author-page", "meta:move"]
SEED_PAPERS = ("2025.acl-long.5", "2025.acl-long.12", "2023.findings-emnlp.3")


@pytest.fixture(scope="module")
def expected_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """The seed's plan, made independently of the service on a copy of the sample data."""
    root = tmp_path_factory.mktemp("plan")
    data = AnthologyData(Path(shutil.copytree(SAMPLE_DATA, root / "data")), root / "index.sqlite")
    try:
        return data.plan(seed_request(SEED_PAPERS))
    finally:
        data.close()


def seed_request(papers: tuple[str, ...]) -> Request:
    return Request(
        "tingfeng-hui/unverified",
        papers,
        Target(
            "new",
            orcid="0000-0002-7182-8185",
            degree="Beijing University of Posts and Telecommunications",
            name=Name("Tingfeng", "Hui"),
        ),
    )


def file_seed_issue(service: Service, body: str | None = None) -> tuple[int, dict]:
    return service.standin.open_issue(
        SEED_TITLE, body or seed_issue_body(), user="tingfeng-hui", labels=ISSUE_LABELS
    )


def changed_lines(service: Service, branch: str) -> dict[str, tuple[list[str], list[str]]]:
    """File -> (removed lines, added lines) of ``master...branch``."""
    diff = service.standin.git("diff", "--unified=0", f"master...{branch}")
    out: dict[str, tuple[list[str], list[str]]] = {}
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            current = line[len("+++ b/") :]
            out[current] = ([], [])
        elif line.startswith(("---", "+++", "@@", "diff ", "index ")):
            continue
        elif line.startswith("-"):
            out[current][0].append(line[1:])
        elif line.startswith("+"):
            out[current][1].append(line[1:])
    return out


def assert_diff_is_the_plan(service: Service, branch: str, plan: Plan) -> None:
    """Every changed XML line is one slot change of the plan; people.json gains its person."""
    lines = changed_lines(service, branch)
    assert sorted(lines) == sorted(f"data/{name}" for name in plan.files())
    changes = plan.moves + plan.pins
    for path, (removed, added) in lines.items():
        if not path.endswith(".xml"):
            continue
        in_file = [c for c in changes if f"data/xml/{c.file}" == path]
        assert len(removed) == len(added) == len(in_file)
        for change, old, new in zip(in_file, removed, added, strict=True):
            assert f"<last>{change.name.last}</last>" in old
            assert f'id="{change.new_id}"' in new
            assert re.sub(r' id="[^"]*"', "", new) == re.sub(r' id="[^"]*"', "", old)
    before = json.loads(service.standin.git("show", "master:data/json/people.json"))
    after = json.loads(service.standin.git("show", f"{branch}:data/json/people.json"))
    new_people = [c for c in plan.people_changes if c.kind == "new_person"]
    assert set(after) - set(before) == {c.person_id for c in new_people}
    for change in new_people:
        assert change.person is not None
        entry = after[change.person_id]
        assert entry["orcid"] == change.person.orcid
        assert entry["names"] == [n.to_json() for n in change.person.names]
    assert {k: v for k, v in after.items() if k in before} == before


def api_writes(service: Service) -> int:
    """How many changing REST requests the stand-in has answered."""
    return sum(
        len(service.standin.requests_matching(method, r"/repos/.*"))
        for method in ("POST", "PATCH", "PUT", "DELETE")
    )


def assert_one_pull_and_one_comment(service: Service, number: int) -> None:
    pulls = service.pulls()
    assert len(pulls) == 1
    pull = pulls[0]
    assert pull.pull is not None and pull.pull.head == branch_for_issue(number)
    assert set(pull.labels) >= {"correction", "author-page"}
    assert f"Closes #{number}" in (pull.body or "")
    comments = [c for c in service.status_comments(number) if "anthology-bot:status" in c.body]
    assert len(comments) == 1
    assert f"#{pull.number}" in comments[0].body
    assert service.branch_log(branch_for_issue(number)) == [
        "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui"
    ]


# -- the happy path ------------------------------------------------------------------


def test_filed_issue_becomes_one_pull_request(service: Service, expected_plan: Plan) -> None:
    number, payload = file_seed_issue(service)
    response = service.deliver("issues", payload)
    assert response.status_code == 202, response.text
    assert service.run_worker() == 0, service.log_text()

    [job] = service.jobs(number)
    assert job.state == "done", (job, service.log_text())
    assert_one_pull_and_one_comment(service, number)
    branch = branch_for_issue(number)
    assert_diff_is_the_plan(service, branch, expected_plan)

    comment = service.status_comments(number)[0].body
    assert "https://preview.aclanthology.org/bot-paper-assignment-" in comment
    assert "/people/tingfeng-hui/unverified/" in comment and "/people/tingfeng-hui/)" in comment
    for paper in SEED_PAPERS:
        assert f"[`{paper}`](https://aclanthology.org/{paper}/)" in comment
    message = service.standin.git("log", "-1", "--format=%B", branch)
    assert message.strip().endswith(f"closes #{number}")
    assert "waiting" not in service.standin.issue(number).labels

    # Running the job again for the same issue state changes nothing on GitHub or git.
    head = service.standin.branch_sha(branch)
    writes = api_writes(service)
    pushes = len(service.standin.requests_matching("POST", r".*git-receive-pack"))
    again = service.deliver("issues", service.standin.reopen_issue(number, "tingfeng-hui"))
    assert again.status_code == 202
    assert service.run_worker() == 0
    assert service.standin.branch_sha(branch) == head
    assert api_writes(service) == writes
    assert len(service.standin.requests_matching("POST", r".*git-receive-pack")) == pushes
    assert_one_pull_and_one_comment(service, number)


def test_the_redis_queue_gives_the_same_result(
    service_template: Path, tmp_path: Path, expected_plan: Plan
) -> None:
    (tmp_path / "redis").mkdir()
    with (
        redis_server(tmp_path / "redis") as url,
        running_service(service_template, tmp_path / "service", QUEUE_URL=url) as service,
    ):
        number, payload = file_seed_issue(service)
        assert service.deliver("issues", payload, delivery_id="r-1").status_code == 202
        assert service.deliver("issues", payload, delivery_id="r-1").status_code == 200
        assert service.run_worker() == 0, service.log_text()
        [job] = service.jobs(number)
        assert job.state == "done"
        assert_one_pull_and_one_comment(service, number)
        assert_diff_is_the_plan(service, branch_for_issue(number), expected_plan)


def test_issue_with_problems_gets_questions_and_no_branch(service: Service) -> None:
    answers = dict(SEED_ANSWERS, papers="2025.acl-long.5\n2025.acl-long.999", orcid="")
    number, payload = file_seed_issue(service, render_form_body(answers))
    assert service.deliver("issues", payload).status_code == 202
    assert service.run_worker() == 0, service.log_text()

    [job] = service.jobs(number)
    assert job.state == "waiting"
    [comment] = service.status_comments(number)
    assert "please answer" in comment.body.lower()
    assert "2025.acl-long.999" in comment.body
    assert "ORCID" in comment.body
    assert "waiting" in service.standin.issue(number).labels
    assert service.standin.branch_sha(branch_for_issue(number)) is None
    assert service.pulls() == []

    # The person answers by editing the issue: the same comment turns into the plan.
    edited = service.standin.edit_issue(number, body=seed_issue_body(), user="tingfeng-hui")
    assert service.deliver("issues", edited).status_code == 202
    assert service.run_worker() == 0, service.log_text()
    assert_one_pull_and_one_comment(service, number)
    assert "waiting" not in service.standin.issue(number).labels
    # Editing the status comment notifies nobody: a new comment tells the filer.
    [notice] = [c.body for c in service.status_comments(number) if "notice:pull-" in c.body]
    assert notice.count("@tingfeng-hui") == 1 and "opened the pull request" in notice


def test_editing_the_issue_updates_the_same_pull_request(service: Service) -> None:
    number, payload = file_seed_issue(service)
    service.deliver("issues", payload)
    assert service.run_worker() == 0
    [pull] = service.pulls()
    first_head = service.standin.branch_sha(branch_for_issue(number))

    fewer = dict(SEED_ANSWERS, papers="2025.acl-long.5\n2023.findings-emnlp.3")
    edited = service.standin.edit_issue(number, body=render_form_body(fewer))
    assert service.deliver("issues", edited).status_code == 202
    assert service.run_worker() == 0, service.log_text()

    pulls = service.pulls()
    assert [p.number for p in pulls] == [pull.number]
    assert "2 papers" in pulls[0].title and "2025.acl-long.12" not in (pulls[0].body or "")
    branch = branch_for_issue(number)
    assert service.standin.branch_sha(branch) != first_head
    assert service.branch_log(branch) == [
        "Assign 2 papers from tingfeng-hui/unverified to tingfeng-hui"
    ]
    xml_added = [
        line
        for path, (_, added) in changed_lines(service, branch).items()
        if path.endswith(".xml")
        for line in added
    ]
    assert len(xml_added) == 2
    # The status comment, and a notice to the filer that the pull request changed.
    [comment] = [c for c in service.status_comments(number) if "anthology-bot:status" in c.body]
    [updated] = [c.body for c in service.status_comments(number) if "notice:pull-" in c.body]
    assert f"updated the pull request #{pull.number}" in updated
    assert "**2 papers**" in comment.body


# -- the webhook -----------------------------------------------------------------------


def test_bad_signature_is_rejected_without_a_job(service: Service) -> None:
    number, payload = file_seed_issue(service)
    assert service.deliver("issues", payload, secret="wrong").status_code == 401
    assert service.deliver("issues", payload, secret=None).status_code == 401
    assert service.jobs() == []
    assert service.run_worker() == 0
    assert service.status_comments(number) == [] and service.pulls() == []


def test_replayed_delivery_makes_one_job_and_one_pull(service: Service) -> None:
    number, payload = file_seed_issue(service)
    assert service.deliver("issues", payload, delivery_id="delivery-1").status_code == 202
    replay = service.deliver("issues", payload, delivery_id="delivery-1")
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert service.run_worker() == 0
    assert service.deliver("issues", payload, delivery_id="delivery-1").status_code == 200
    assert service.run_worker() == 0
    assert len(service.jobs()) == 1
    assert_one_pull_and_one_comment(service, number)


def test_webhook_is_answered_at_once_while_the_worker_works(service: Service) -> None:
    worker = service.start_worker()
    try:
        # GitHub is slow to give the first issue: its job runs for a while.
        service.standin.hang_next("GET", r"/repos/.*/issues/\d+", seconds=2.0)
        first, payload = file_seed_issue(service)
        assert service.deliver("issues", payload).status_code == 202
        deadline = time.monotonic() + 30
        while service.jobs(first)[0].state != "running":
            assert time.monotonic() < deadline, service.log_text()
            time.sleep(0.02)

        second, payload = file_seed_issue(service)
        started = time.monotonic()
        response = service.deliver("issues", payload)
        elapsed = time.monotonic() - started
        assert response.status_code == 202
        assert elapsed < 0.5, elapsed
        assert service.jobs(first)[0].state == "running"  # the worker is still at it
        assert service.jobs(second)[0].state == "queued"

        deadline = time.monotonic() + 60
        while any(j.state in ("queued", "running") for j in service.jobs()):
            assert time.monotonic() < deadline, service.log_text()
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert worker.returncode == 0, service.log_text()
    assert [j.state for j in service.jobs()] == ["done", "done"]
    assert len(service.pulls()) == 2
    for number in (first, second):
        assert len(service.status_comments(number)) == 1


# -- a worker dying mid-job ------------------------------------------------------------


@pytest.mark.parametrize("fault", ["commit", "push", "pull_request"])
def test_worker_killed_mid_job_loses_and_duplicates_nothing(
    service_template: Path, tmp_path: Path, fault: str, expected_plan: Plan
) -> None:
    with running_service(service_template, tmp_path, JOB_LEASE_SECONDS="1.5") as service:
        number, payload = file_seed_issue(service)
        assert service.deliver("issues", payload).status_code == 202
        status = service.run_worker(BOT_FAULT_AFTER=fault)
        assert status == FAULT_EXIT_CODE, service.log_text()
        [job] = service.jobs(number)
        assert job.state == "running"  # its worker died holding the lease
        pushed = service.standin.branch_sha(branch_for_issue(number)) is not None
        assert pushed == (fault != "commit")
        assert len(service.pulls()) == (1 if fault == "pull_request" else 0)

        # A new worker requeues the job once the lease has expired, and finishes it.
        assert service.run_worker("--max-jobs", "1", timeout=60) == 0, service.log_text()
        [job] = service.jobs(number)
        assert job.state == "done" and job.attempts == 2, job
        assert_one_pull_and_one_comment(service, number)
        assert_diff_is_the_plan(service, branch_for_issue(number), expected_plan)
