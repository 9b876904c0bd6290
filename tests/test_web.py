"""bot.web.app and bot.web.triage: signatures, triage, deliveries, health (Flask test client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from bot.config import Settings
from bot.queue.jobs import JobStore
from bot.web.app import create_app
from bot.web.signature import is_valid_signature, signature_for
from tests.webhooks import REPO, SECRET, issue_payload, post, web_app

LEGACY_BODY = """### Author Pages

https://aclanthology.org/people/jane-doe/

### Author ORCID

0000-0002-7182-8185

### Type of Author Metadata Correction

- [x] Split papers
"""


def test_signature_matches_githubs_test_vector() -> None:
    body = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_for(body, SECRET) == expected
    assert is_valid_signature(body, expected, SECRET)
    assert not is_valid_signature(body + b" ", expected, SECRET)
    assert not is_valid_signature(body, expected, "another secret")
    assert not is_valid_signature(body, None, SECRET)
    assert not is_valid_signature(body, "", SECRET)
    assert not is_valid_signature(body, expected.replace("sha256=", "sha1="), SECRET)
    assert not is_valid_signature(body, "sha256=ü", SECRET)


def test_bad_or_missing_signature_is_401_and_records_nothing(
    client: FlaskClient, store: JobStore
) -> None:
    assert post(client, "issues", issue_payload(), secret="wrong").status_code == 401
    assert post(client, "issues", issue_payload(), secret=None).status_code == 401
    assert store.jobs() == [] and store.delivery("d-1") is None
    # The same delivery id, now properly signed, is new to the bot.
    assert post(client, "issues", issue_payload()).status_code == 202


def test_ping(client: FlaskClient) -> None:
    response = post(client, "ping", {"zen": "Keep it logically awesome."})
    assert response.status_code == 200 and response.get_json() == {"status": "pong"}


def test_opened_issue_is_queued_once(client: FlaskClient, store: JobStore) -> None:
    response = post(client, "issues", issue_payload())
    assert response.status_code == 202
    [job_id] = response.get_json()["jobs"]
    job = store.get(job_id)
    assert job is not None
    assert (job.kind, job.issue_number, job.state, job.installation_id, job.sender) == (
        "issue",
        7,
        "queued",
        99,
        "alice",
    )
    assert job.delivery_id == "d-1" and job.detail == {"action": "opened"}
    again = post(client, "issues", issue_payload())
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    edited = post(client, "issues", issue_payload("edited"), delivery="d-2")
    assert edited.status_code == 202 and edited.get_json()["jobs"] == [job_id]
    assert len(store.jobs()) == 1 and store.jobs()[0].events == 2


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("issues", issue_payload(sender="the-bot")),
        ("issues", issue_payload(sender="anthology-bot[bot]", sender_type="Bot")),
        ("issues", issue_payload(repo="someone/else")),
        ("issues", issue_payload(body="The title of my paper is wrong.")),
        ("issues", issue_payload(body=LEGACY_BODY, labels=("correction", "metadata"))),
        ("issues", issue_payload("labeled", label={"name": "bug"})),
        (
            "issues",
            issue_payload("labeled", body=LEGACY_BODY, labels=("bug",), label={"name": "bug"}),
        ),
        ("issues", issue_payload("unlabeled", label={"name": "meta:move"})),
        ("issues", issue_payload("deleted")),
        ("star", {"action": "created", "repository": {"full_name": REPO}}),
    ],
)
def test_irrelevant_events_are_acknowledged_without_a_job(
    client: FlaskClient, store: JobStore, event: str, payload: dict[str, Any]
) -> None:
    response = post(client, event, payload)
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    assert store.jobs() == []
    assert store.delivery("d-1") is not None


# -- which old-form issues are the bot's (OLD_FORM_ISSUES, ISSUE_LABELS, STAFF_LABEL) --------


@pytest.mark.parametrize(
    ("action", "labels", "label"),
    [
        ("opened", ("correction", "author-page"), None),
        ("opened", (), None),  # no label at all: the old form's shape is enough
        ("opened", ("waiting",), None),  # only the bot's own workflow labels
        ("edited", ("author-page", "meta:vermove"), None),
        ("labeled", ("correction", "metadata", "author-page"), "author-page"),
        ("labeled", ("author-page", "meta:move"), "meta:move"),
    ],
)
def test_every_old_form_author_page_issue_is_queued_by_default(
    client: FlaskClient, store: JobStore, action: str, labels: tuple[str, ...], label: str | None
) -> None:
    extra = {"label": {"name": label}} if label else {}
    payload = issue_payload(action, body=LEGACY_BODY, labels=labels, **extra)
    assert post(client, "issues", payload).status_code == 202
    assert [j.issue_number for j in store.jobs()] == [7]


def test_issue_labels_are_configuration(tmp_path: Path) -> None:
    with web_app(tmp_path, ISSUE_LABELS="author-page,metadata") as (client, store):
        relabelled = issue_payload(
            "labeled",
            body=LEGACY_BODY,
            labels=("correction", "metadata"),
            label={"name": "metadata"},
        )
        assert post(client, "issues", relabelled).status_code == 202
        assert [j.issue_number for j in store.jobs()] == [7]


@pytest.fixture
def staff_gated(tmp_path: Path) -> Iterator[tuple[FlaskClient, JobStore]]:
    """The web app under ``OLD_FORM_ISSUES=staff-labelled``."""
    with web_app(tmp_path, OLD_FORM_ISSUES="staff-labelled") as running:
        yield running


def test_staff_labelled_old_form_issues_wait_for_the_staff_label(
    staff_gated: tuple[FlaskClient, JobStore],
) -> None:
    client, store = staff_gated
    opened = issue_payload(body=LEGACY_BODY, labels=("correction", "author-page"))
    assert post(client, "issues", opened).get_json()["status"] == "ignored"
    added = issue_payload(
        "labeled", body=LEGACY_BODY, labels=("author-page",), label={"name": "author-page"}
    )
    assert post(client, "issues", added, delivery="d-2").get_json()["status"] == "ignored"
    assert store.jobs() == []
    # Our form's issues are the bot's in either mode.
    assert post(client, "issues", issue_payload(number=8), delivery="d-3").status_code == 202
    # The staff label queues the job (which checks who added it).
    payload = issue_payload(
        "labeled", body=LEGACY_BODY, labels=("meta:move",), label={"name": "meta:move"}
    )
    assert post(client, "issues", payload, delivery="d-4").status_code == 202
    assert sorted(j.issue_number for j in store.jobs()) == [7, 8]


def test_bad_requests(client: FlaskClient) -> None:
    body = b"not json"
    headers = {
        "X-Hub-Signature-256": signature_for(body, SECRET),
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": "d-9",
    }
    assert client.post("/webhook", data=body, headers=headers).status_code == 400
    body = json.dumps([1, 2]).encode()
    headers["X-Hub-Signature-256"] = signature_for(body, SECRET)
    assert client.post("/webhook", data=body, headers=headers).status_code == 400
    del headers["X-GitHub-Delivery"]
    assert client.post("/webhook", data=body, headers=headers).status_code == 400


def test_health_and_readiness(client: FlaskClient, settings: Settings, store: JobStore) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["ready"] is True

    (settings.state_dir / "clone").mkdir()
    not_a_clone = client.get("/readyz")
    assert not_a_clone.status_code == 503
    assert not_a_clone.get_json()["checks"]["data_clone"]["ok"] is False


class BrokenStore(JobStore):
    """A store whose server is gone."""

    def _down(self, *args: object, **kwargs: object) -> Any:
        raise ConnectionError("the job store is down")

    accept = claim = renew = finish = retry_later = requeue_expired = _down
    get = jobs = delivery = ping = prune = retry = schema_version = _down


def test_store_outage_is_503_for_webhooks_and_readiness(settings: Settings) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    client = create_app(settings, BrokenStore()).test_client()
    assert post(client, "issues", issue_payload()).status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["job_store"]["ok"] is False
    assert client.get("/healthz").status_code == 200


def test_demo_pages_are_served_when_a_data_dir_is_configured(
    tmp_path: Path, sample_data_dir: Path
) -> None:
    settings = Settings.from_env(
        {
            "BOT_STATE_DIR": str(tmp_path / "state"),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "DEMO_DATA_DIR": str(sample_data_dir),
        }
    )
    settings.state_dir.mkdir(parents=True)
    app = create_app(settings)
    client = app.test_client()
    page = client.get("/demo/author/tingfeng-hui/unverified")
    assert page.status_code == 200
    assert "Tingfeng" in page.get_data(as_text=True)
    assert client.get("/readyz").get_json()["checks"]["demo_data"]["ok"] is True
    app.config["ANTHOLOGY_DATA"].close()


def test_the_app_refuses_to_start_without_a_webhook_secret(tmp_path: Path) -> None:
    from bot.config import ConfigError

    settings = Settings.from_env({"BOT_STATE_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="GITHUB_WEBHOOK_SECRET"):
        create_app(settings)
