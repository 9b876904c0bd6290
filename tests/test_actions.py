"""GitHub Actions mode: ``python -m bot action`` as a workflow step runs it, against the stand-in.

Each test writes an event file as GitHub does for a workflow run (the webhook
payload, built by the stand-in from its state, or a recorded example from
``../shared/github-webhooks``), then runs the command as a subprocess with the
variables Actions provides (``GITHUB_EVENT_PATH``, ``GITHUB_EVENT_NAME``,
``GITHUB_REPOSITORY``, ``GITHUB_RUN_ID``, ...) and the token the workflow passes.
No job store is shared with the test: the command uses a temporary one, as in
a workflow run, so what is checked is what it did on GitHub and in git.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings
from bot.queue.jobs import Job, JobRequest
from bot.queue.kinds import issue_job
from bot.worker.action import (
    ActionEvent,
    EventFileError,
    action_environment,
    delivery_id_of,
    describe_job,
    jobs_for_event,
    read_event,
)
from bot.workflow.branches import branch_for_issue
from demo.run import SEED_TITLE, seed_issue_body
from tests.service_harness import REPO_ROOT, Service

LABELS = ["correction", "author-page", "meta:move"]
AUTHOR = "tingfeng-hui"
MAINTAINER = "maria-maintainer"
WORKFLOW = REPO_ROOT / "deploy" / "github-actions" / "anthology-bot.yml"


def action_env(service: Service, tmp_path: Path, event: str, event_path: Path, run: int) -> dict:
    """The environment of one workflow run's step, pointed at the stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "BOT_", "GITHUB_"))}
    env.update(service.env)
    env.pop("GITHUB_WEBHOOK_SECRET")  # a workflow has no webhook
    env.update(
        {
            "PYTHONPATH": str(REPO_ROOT),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": service.standin.repo_full_name,
            "GITHUB_RUN_ID": str(4000 + run),
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_STEP_SUMMARY": str(tmp_path / f"summary-{run}.md"),
        }
    )
    del env["ANTHOLOGY_REPO"]  # taken from GITHUB_REPOSITORY, as in a workflow
    return env


class Runs:
    """Runs ``python -m bot action`` for events, one workflow run each."""

    def __init__(self, service: Service, tmp_path: Path) -> None:
        self.service = service
        self.tmp_path = tmp_path
        self.count = 0

    def __call__(
        self,
        event: str,
        payload: Any,
        *args: str,
        raw: bytes | None = None,
        drop: tuple[str, ...] = (),
    ) -> subprocess.CompletedProcess[str]:
        self.count += 1
        path = self.tmp_path / f"event-{self.count}.json"
        path.write_bytes(raw if raw is not None else json.dumps(payload).encode("utf-8"))
        env = action_env(self.service, self.tmp_path, event, path, self.count)
        for name in drop:
            env.pop(name, None)
        return subprocess.run(
            [sys.executable, "-m", "bot", "action", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def summary(self) -> str:
        return (self.tmp_path / f"summary-{self.count}.md").read_text(encoding="utf-8")


@pytest.fixture
def runs(service: Service, tmp_path: Path) -> Runs:
    service.standin.set_permission(MAINTAINER, "triage")
    return Runs(service, tmp_path)


def api_writes(service: Service) -> int:
    return sum(
        len(service.standin.requests_matching(method, r"/repos/.*"))
        for method in ("POST", "PATCH", "PUT", "DELETE")
    )


def open_pulls(service: Service) -> list:
    return [p for p in service.pulls() if p.state == "open"]


def status_of(service: Service, number: int) -> str:
    [comment] = [c for c in service.status_comments(number) if "anthology-bot:status" in c.body]
    return comment.body


def file_seed_issue(service: Service) -> tuple[int, dict]:
    return service.standin.open_issue(SEED_TITLE, seed_issue_body(), user=AUTHOR, labels=LABELS)


def assert_clean_failure(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("event error: ") and words in lines[0], lines[0]


# -- an issue, a command, a scheduled run -----------------------------------------------


def test_an_issue_event_ends_in_one_pull_request(service: Service, runs: Runs) -> None:
    number, payload = file_seed_issue(service)
    result = runs("issues", payload)
    assert result.returncode == 0, result.stderr
    assert f"issue #{number} (issue job): done" in result.stdout
    assert f"issue #{number} (issue job): done" in runs.summary()

    [pull] = service.pulls()
    assert pull.pull is not None and pull.pull.head == branch_for_issue(number)
    assert f"Closes #{number}" in (pull.body or "")
    assert f"#{pull.number}" in status_of(service, number)
    assert service.branch_log(branch_for_issue(number)) == [
        "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui"
    ]

    # A re-run of the same event (a new run, a fresh job store) changes nothing.
    head = service.standin.branch_sha(branch_for_issue(number))
    writes = api_writes(service)
    again = runs("issues", payload)
    assert again.returncode == 0, again.stderr
    assert service.standin.branch_sha(branch_for_issue(number)) == head
    assert api_writes(service) == writes
    assert len(service.pulls()) == 1


def test_a_command_in_a_comment_is_carried_out(service: Service, runs: Runs) -> None:
    number, payload = file_seed_issue(service)
    assert runs("issues", payload).returncode == 0
    assert len(open_pulls(service)) == 1

    _, comment = service.standin.add_comment(number, "/cancel", MAINTAINER)
    result = runs("issue_comment", comment)
    assert result.returncode == 0, result.stderr
    assert f"issue #{number} (issue job): " in result.stdout
    assert open_pulls(service) == []
    assert service.standin.branch_sha(branch_for_issue(number)) is None
    assert "cancelled with `/cancel`" in status_of(service, number)


def test_a_scheduled_run_catches_up_with_a_missed_issue(service: Service, runs: Runs) -> None:
    number, _ = file_seed_issue(service)  # its event never reached the bot
    result = runs("schedule", {"schedule": "17 * * * *"})
    assert result.returncode == 0, result.stderr
    assert "reconcile job): done: queued 1 issue job(s)" in result.stdout
    assert f"issue #{number} (issue job): done" in result.stdout
    [pull] = open_pulls(service)
    assert pull.pull is not None and pull.pull.head == branch_for_issue(number)


def test_a_passing_failure_is_retried_within_the_run(service: Service, runs: Runs) -> None:
    number, payload = file_seed_issue(service)
    service.standin.fail_next("POST", r"/repos/.*/pulls", times=1, status=502)
    result = runs("issues", payload)
    assert result.returncode == 0, result.stderr
    assert f"issue #{number} (issue job): done" in result.stdout
    assert len(open_pulls(service)) == 1


def test_a_run_out_of_retry_budget_fails_and_a_rerun_finishes(service: Service, runs: Runs) -> None:
    number, payload = file_seed_issue(service)
    service.standin.fail_next("POST", r"/repos/.*/pulls", times=1, status=502)
    result = runs("issues", payload, "--retry-budget", "0")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"issue #{number} (issue job): queued: not finished, needs a re-run: " in result.stderr
    assert open_pulls(service) == []

    rerun = runs("issues", payload)  # "Re-run jobs" in the Actions tab: a new attempt
    assert rerun.returncode == 0, rerun.stderr
    assert len(open_pulls(service)) == 1


# -- events that are none of the bot's business -----------------------------------------


def test_an_irrelevant_event_does_nothing(service: Service, runs: Runs) -> None:
    _, chat = service.standin.open_issue("Broken link on the home page", "The link 404s.")
    # Without credentials even: nothing is asked of GitHub for an event the bot ignores.
    result = runs("issues", chat, drop=("GITHUB_TOKEN",))
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert "Nothing to do" in runs.summary()
    assert service.standin.requests_matching("GET", r"/repos/.*") == []
    assert api_writes(service) == 0

    watch = runs("watch", {"action": "started", "repository": chat["repository"]})
    assert watch.returncode == 0 and "nothing to do" in watch.stdout


def test_a_recorded_payload_about_another_repository_does_nothing(
    service: Service, runs: Runs, shared_dir: Path
) -> None:
    recorded = shared_dir / "github-webhooks" / "issues" / "opened.payload.json"
    if not recorded.is_file():
        pytest.skip(f"recorded payloads not found at {recorded}")
    payload = json.loads(recorded.read_text(encoding="utf-8"))
    assert payload["repository"]["full_name"] != service.standin.repo_full_name
    result = runs("issues", payload)
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert api_writes(service) == 0


# -- a bad event file: a clear error, non-zero, no traceback ----------------------------


def test_a_bad_event_file_gives_a_clear_error(service: Service, runs: Runs) -> None:
    assert_clean_failure(runs("issues", None, raw=b'{"action": "opened", '), "is not JSON")
    assert_clean_failure(runs("issues", [1, 2]), "does not hold a JSON object")
    assert_clean_failure(runs("issues", None, raw=b"\xff\xfe{}"), "is not JSON")
    assert_clean_failure(runs("issues", {}, drop=("GITHUB_EVENT_NAME",)), "GITHUB_EVENT_NAME")
    assert_clean_failure(runs("issues", {}, drop=("GITHUB_EVENT_PATH",)), "GITHUB_EVENT_PATH")

    runs.count += 1
    env = action_env(service, runs.tmp_path, "issues", runs.tmp_path / "absent.json", runs.count)
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "action"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_clean_failure(missing, "does not exist")
    assert service.standin.requests_matching("GET", r"/repos/.*") == []


def test_missing_credentials_are_a_configuration_error(service: Service, runs: Runs) -> None:
    _, payload = file_seed_issue(service)
    result = runs("issues", payload, drop=("GITHUB_TOKEN",))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("configuration error: no GitHub credentials")


# -- the workflow file ------------------------------------------------------------------


def test_the_workflow_file_runs_this_command_on_the_right_events() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert {"issues", "issue_comment", "pull_request", "push", "schedule"} <= set(triggers)
    assert "workflow_dispatch" in triggers
    assert triggers["push"]["branches"] == ["master"]
    assert set(triggers["pull_request"]["types"]) == {"closed"}

    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "issues": "write", "pull-requests": "write"}
    assert "sender.type != 'Bot'" in job["if"]
    # One run at a time per issue, and an issue's pull request shares the issue's group.
    group = job["concurrency"]["group"]
    assert "github.event.issue.number" in group
    assert "github.event.pull_request.head.ref" in group
    assert f"'{branch_for_issue(0).removesuffix('0')}{{0}}'" in group
    assert job["concurrency"]["cancel-in-progress"] is False

    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/create-github-app-token@") for u in uses)
    [run] = [s for s in steps if "python -m bot action" in s.get("run", "")]
    assert "steps.app-token.outputs.token" in run["env"]["GITHUB_TOKEN"]
    assert "app-slug" in run["env"]["BOT_LOGIN"]


# -- the pure parts -----------------------------------------------------------------------


def test_the_repository_and_clone_url_come_from_the_workflow_run() -> None:
    env = {"GITHUB_REPOSITORY": "acl-org/acl-anthology", "GITHUB_SERVER_URL": "https://ghe.x/"}
    out = action_environment(env)
    assert out["ANTHOLOGY_REPO"] == "acl-org/acl-anthology"
    assert out["ANTHOLOGY_CLONE_URL"] == "https://ghe.x/acl-org/acl-anthology.git"
    explicit = action_environment({**env, "ANTHOLOGY_REPO": "o/r", "ANTHOLOGY_CLONE_URL": "u"})
    assert (explicit["ANTHOLOGY_REPO"], explicit["ANTHOLOGY_CLONE_URL"]) == ("o/r", "u")
    assert "ANTHOLOGY_REPO" not in action_environment({})


def test_each_run_attempt_is_its_own_delivery() -> None:
    first = delivery_id_of({"GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "1"})
    second = delivery_id_of({"GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2"})
    assert (first, second) == ("actions-77-1", "actions-77-2")
    assert delivery_id_of({}) != delivery_id_of({})


def test_scheduled_events_reconcile_and_others_go_to_the_triage() -> None:
    settings = Settings.from_env({"ANTHOLOGY_REPO": "o/r", "BOT_STATE_DIR": "/tmp/x"})
    seen: list[str] = []

    def triage(name: str, payload: dict) -> list[JobRequest]:
        seen.append(name)
        return [issue_job("o/r", 3)]

    for name in ("schedule", "workflow_dispatch"):
        [job] = jobs_for_event(ActionEvent(name, {}, "d"), triage, settings)
        assert job.kind == "reconcile" and job.coalesce_key == "o/r/reconcile"
    assert seen == []
    [job] = jobs_for_event(ActionEvent("issues", {"action": "opened"}, "d"), triage, settings)
    assert (job.kind, job.issue_number, seen) == ("issue", 3, ["issues"])

    def broken(name: str, payload: dict) -> list[JobRequest]:
        raise KeyError("issue")

    with pytest.raises(EventFileError, match="does not have the shape of a GitHub 'issues'"):
        jobs_for_event(ActionEvent("issues", {}, "d"), broken, settings)


def test_reading_the_event_file(tmp_path: Path) -> None:
    good = tmp_path / "e.json"
    good.write_text('{"action": "created"}')
    event = read_event(str(good), " issue_comment ", "d-1")
    assert (event.name, event.action, event.delivery_id) == ("issue_comment", "created", "d-1")
    with pytest.raises(EventFileError, match="is a folder"):
        read_event(str(tmp_path), "issues", "d")
    with pytest.raises(EventFileError, match="no event name"):
        read_event(str(good), "", "d")


def test_a_job_line_is_one_line_whatever_the_message() -> None:
    job = Job.new(issue_job("o/r", 5), "d", 0.0).with_changes(
        state="failed", reason="GitHub said:\n::error::injected\r\nmore"
    )
    line = describe_job(job)
    assert line == "issue #5 (issue job): failed: GitHub said: ::error::injected more"
    assert "\n" not in line and not line.startswith("::")
