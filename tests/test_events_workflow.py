"""Triage of comment, pull request and push events (``bot.web.triage``), from payloads alone."""

from __future__ import annotations

from typing import Any

from bot.web.router import EventContext
from bot.web.triage import default_router
from bot.workflow.batches import BatchRecord
from demo.run import SEED_TITLE, seed_issue_body

REPO = "acl-org/acl-anthology"
CONTEXT = EventContext(REPO, "anthology-bot")
LABELS = [{"name": "correction"}, {"name": "author-page"}, {"name": "meta:move"}]


def envelope(sender: str = "maria", **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "repository": {"full_name": REPO, "default_branch": "master"},
        "sender": {"login": sender, "type": "User"},
        "installation": {"id": 42},
    }
    payload.update(extra)
    return payload


def comment_event(text: str, sender: str = "maria", **issue: Any) -> dict[str, Any]:
    issue_json = {"number": 7, "title": SEED_TITLE, "body": seed_issue_body(), "labels": LABELS}
    issue_json.update(issue)
    return envelope(
        sender,
        action="created",
        issue=issue_json,
        comment={"id": 99, "body": text, "user": {"login": sender}},
    )


def dispatch(event: str, payload: dict[str, Any]) -> list[Any]:
    return default_router().dispatch(event, payload, CONTEXT)


def test_a_command_comment_queues_the_issue_job() -> None:
    [job] = dispatch("issue_comment", comment_event("Looks right.\n/apply"))
    assert (job.kind, job.issue_number, job.coalesce_key) == ("issue", 7, f"{REPO}#7")
    assert job.detail == {"action": "command", "comment": 99}
    assert job.installation_id == 42 and job.sender == "maria"


def test_comments_without_commands_or_on_pull_requests_or_by_bots_are_ignored() -> None:
    assert dispatch("issue_comment", comment_event("Thanks, looks good")) == []
    assert dispatch("issue_comment", comment_event("> /apply")) == []
    pull = comment_event("/cancel", pull_request={"url": "x"})
    assert dispatch("issue_comment", pull) == []
    assert dispatch("issue_comment", comment_event("/apply", sender="anthology-bot")) == []
    other = comment_event("/apply", title="Typo in a title", body="The title is wrong.", labels=[])
    assert dispatch("issue_comment", other) == []
    # An edited comment with a command queues the job, which answers it without carrying
    # it out (commands count as a comment was first written: docs/operations.md).
    edited = comment_event("/apply")
    edited["action"] = "edited"
    [job] = dispatch("issue_comment", edited)
    assert job.detail["action"] == "command"
    still_no_command = comment_event("Thanks")
    still_no_command["action"] = "edited"
    assert dispatch("issue_comment", still_no_command) == []


def test_a_comment_by_the_filer_queues_the_issue_job_as_a_possible_answer() -> None:
    """The filer may answer the bot's questions in a comment (docs/conversation.md); the job
    decides whether it is one. Others' comments without a command queue nothing."""
    answer = comment_event("These are mine: 2025.acl-long.5", sender="tingfeng-hui")
    answer["issue"]["user"] = {"login": "Tingfeng-Hui"}
    [job] = dispatch("issue_comment", answer)
    assert job.detail == {"action": "answer", "comment": 99}
    other = comment_event("These are mine: 2025.acl-long.5", sender="someone-else")
    other["issue"]["user"] = {"login": "tingfeng-hui"}
    assert dispatch("issue_comment", other) == []


def pull_event(head: str, body: str = "", user: str = "anthology-bot") -> dict[str, Any]:
    return envelope(
        action="closed",
        number=5,
        pull_request={"number": 5, "head": {"ref": head}, "body": body, "user": {"login": user}},
    )


def test_a_closed_bot_pull_request_queues_its_issue_or_its_batch() -> None:
    [job] = dispatch("pull_request", pull_event("bot/paper-assignment-12"))
    assert (job.kind, job.issue_number, job.detail["action"]) == ("issue", 12, "pull_closed")
    record = BatchRecord("bulk-2026-03-14").marker()
    [job] = dispatch("pull_request", pull_event("bulk-2026-03-14", record))
    assert (job.kind, job.detail, job.coalesce_key) == (
        "batch",
        {"batch": "bulk-2026-03-14"},
        f"{REPO}/batch:bulk-2026-03-14",
    )
    assert dispatch("pull_request", pull_event("bulk-2026-03-14", record, user="mallory")) == []
    assert dispatch("pull_request", pull_event("feature", "Fixes a typo")) == []


def push_event(ref: str, **extra: Any) -> dict[str, Any]:
    return envelope(ref=ref, before="a" * 40, after="b" * 40, **extra)


def test_a_push_to_the_default_branch_queues_one_upstream_check() -> None:
    [job] = dispatch("push", push_event("refs/heads/master"))
    assert (job.kind, job.issue_number, job.coalesce_key) == ("upstream", None, f"{REPO}/upstream")
    assert dispatch("push", push_event("refs/heads/bot/paper-assignment-3")) == []
    assert dispatch("push", push_event("refs/tags/v1")) == []
    assert dispatch("push", push_event("refs/heads/master", deleted=True)) == []
