"""End to end: the maintainer workflow through real HTTP, real git and the real web app.

Commands in comments and their permissions, approval mode, edits, batches,
moves of the default branch, merged and closed pull requests, and
reconciliation; against the GitHub stand-in serving a bare repository built
from ``sample/data``. Workers run in-process (``Worker.run(once=True)``, which
also runs the follow-up jobs that jobs queue) to keep the suite fast; the web
app, PyGithub and git all go over HTTP as in production.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.forms.body import render_form_body
from bot.queue.stores import open_store
from bot.worker.jobs.reconcile import STAMP_FILE
from bot.worker.runner import Worker
from bot.workflow.branches import branch_for_issue, default_batch_name
from demo.run import SEED_ANSWERS, SEED_TITLE, seed_issue_body
from tests.github_standin import commit_to_branch
from tests.github_standin.state import Comment, Issue
from tests.service_harness import REPO_ROOT, Service, running_service

LABELS = ["correction", "author-page", "meta:move"]
MAINTAINER = "maria-maintainer"
AUTHOR = "tingfeng-hui"
SHUOHUAN = dict(
    SEED_ANSWERS,
    author_page="https://aclanthology.org/people/shuohuan-wang/unverified/",
    papers="2025.acl-long.5\n2025.acl-long.12",
    name="Shuohuan Wang",
    orcid="0000-0001-5109-3700",
    institution="Baidu Inc.",
)
"""A second request on the same collection file (2025.acl.xml), on other author slots."""

RIVAL = dict(SEED_ANSWERS, papers="2025.acl-long.5", orcid="0000-0002-1694-233X")
"""A request for one of the seed's author slots, for another person: a conflict."""


@pytest.fixture
def service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    with running_service(service_template, tmp_path) as running:
        running.standin.set_permission(MAINTAINER, "triage")
        yield running


@pytest.fixture
def approval_service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    with running_service(service_template, tmp_path, APPROVAL_MODE="label") as running:
        running.standin.set_permission(MAINTAINER, "triage")
        yield running


# -- helpers -------------------------------------------------------------------------------


def work(service: Service, **changes: object) -> int:
    """Run every runnable job (and the jobs they queue) in-process; returns how many ran."""
    settings = dataclasses.replace(service.settings, **changes)  # type: ignore[arg-type]
    store = open_store(settings.queue_url)
    try:
        return Worker(settings, store).run(once=True)
    finally:
        store.close()


def file_issue(service: Service, answers: dict | None = None, user: str = AUTHOR) -> int:
    body = render_form_body(answers) if answers else seed_issue_body()
    number, payload = service.standin.open_issue(SEED_TITLE, body, user=user, labels=LABELS)
    assert service.deliver("issues", payload).status_code == 202
    return number


def say(service: Service, number: int, body: str, user: str) -> tuple[int, int]:
    """Comment as ``user``; returns the comment id and the web app's HTTP status."""
    comment_id, payload = service.standin.add_comment(number, body, user)
    return comment_id, service.deliver("issue_comment", payload).status_code


def bot_comments(service: Service, number: int) -> list[Comment]:
    return [c for c in service.standin.comments_on(number) if c.user == service.standin.login]


def status(service: Service, number: int) -> str:
    [comment] = [c for c in bot_comments(service, number) if "anthology-bot:status" in c.body]
    return comment.body


def notices(service: Service, number: int) -> list[str]:
    return [c.body for c in bot_comments(service, number) if "anthology-bot:notice:" in c.body]


def reactions(service: Service, comment_id: int) -> set[str]:
    return {
        r.content
        for r in service.standin.reactions_on_comment(comment_id)
        if r.user == service.standin.login
    }


def open_pulls(service: Service) -> list[Issue]:
    return [p for p in service.pulls() if p.state == "open"]


def pull_of(service: Service, number: int) -> Issue:
    [pull] = [p for p in open_pulls(service) if p.pull and p.pull.head == branch_for_issue(number)]
    return pull


def added_lines(service: Service, branch: str) -> dict[str, list[str]]:
    """File -> lines that ``master...branch`` adds."""
    diff = service.standin.git("diff", "--unified=0", f"master...{branch}")
    out: dict[str, list[str]] = {}
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            current = line.removeprefix("+++ b/")
            out[current] = []
        elif line.startswith("+") and not line.startswith("+++"):
            out[current].append(line[1:])
    return out


def api_writes(service: Service) -> int:
    return sum(
        len(service.standin.requests_matching(method, r"/repos/.*"))
        for method in ("POST", "PATCH", "PUT", "DELETE")
    )


# -- commands and permissions --------------------------------------------------------------


def test_commands_are_checked_against_real_permissions_and_answered(
    approval_service: Service,
) -> None:
    service = approval_service
    number = file_issue(service)
    work(service)
    assert "waits for approval" in status(service, number)
    assert open_pulls(service) == []

    # Someone without permission: a short polite refusal, and nothing happens.
    stranger, code = say(service, number, "/apply", "mallory")
    assert code == 202
    work(service)
    assert open_pulls(service) == []
    [refusal] = notices(service, number)
    assert (
        "Sorry @mallory" in refusal and "`/apply`" in refusal and "Nothing was changed" in refusal
    )
    assert reactions(service, stranger) == {"eyes"}

    # The person who filed the issue may /plan (and /retry), but not /apply.
    own, _ = say(service, number, "Thanks!\n/plan\n/apply", AUTHOR)
    work(service)
    assert open_pulls(service) == []
    assert reactions(service, own) == {"eyes", "+1"}
    assert "Sorry @tingfeng-hui" in notices(service, number)[-1]
    assert "I made it because of `/plan`" in status(service, number)

    # Quoted or in code, a command is only shown, not given: the web app ignores it.
    _, code = say(service, number, "> /apply\n\nlike `/apply` or\n```\n/apply\n```", MAINTAINER)
    assert code == 200

    # A maintainer (triage) approves by mentioning the bot: one pull request.
    approve, _ = say(service, number, "Checked the PDFs. @anthology-bot apply", MAINTAINER)
    work(service)
    [pull] = open_pulls(service)
    assert reactions(service, approve) == {"eyes", "+1"}
    assert f"#{pull.number}" in status(service, number)

    # Anyone may ask for help.
    _, _ = say(service, number, "/help", "mallory")
    work(service)
    assert "`/batch [name]`" in notices(service, number)[-1]

    # Commands on a pull request's conversation are not the bot's business.
    _, payload = service.standin.add_comment(pull.number, "/cancel", MAINTAINER)
    assert service.deliver("issue_comment", payload).status_code == 200

    # Once settled (the bot remembers which commands it answered), a replayed event
    # changes nothing.
    replay = service.standin.edit_issue(number)  # no change
    assert service.deliver("issues", replay).status_code == 202
    work(service)
    writes = api_writes(service)
    service.standin.add_comment(number, "just a note", MAINTAINER)
    assert service.deliver("issues", replay).status_code == 202
    work(service)
    assert api_writes(service) == writes
    # The refusal, the reply to /plan, the notice of the pull request, the /help reply.
    assert len(notices(service, number)) == 4 and len(open_pulls(service)) == 1


def test_approval_is_checked_when_the_job_runs_and_edits_withdraw_it(
    approval_service: Service,
) -> None:
    service = approval_service
    standin = service.standin
    number = file_issue(service)
    assert service.deliver("issues", standin.label_issue(number, "approved", MAINTAINER)).ok
    work(service)
    pull = pull_of(service, number)
    branch = branch_for_issue(number)
    first = standin.branch_sha(branch)

    # The person edits the request; the repository's workflow removes the label.
    fewer = dict(SEED_ANSWERS, papers="2025.acl-long.5\n2023.findings-emnlp.3")
    edited = standin.edit_issue(number, body=render_form_body(fewer))
    standin.unlabel_issue(number, "approved", "github-actions")
    assert service.deliver("issues", edited).status_code == 202
    work(service)
    assert standin.branch_sha(branch) == first  # not approved: the branch stays
    text = status(service, number)
    assert "waits for approval" in text and "**2 papers**" in text
    assert f"#{pull.number} shows an earlier version" in text

    # Approved again: the same pull request now shows the edited request.
    assert service.deliver("issues", standin.label_issue(number, "approved", MAINTAINER)).ok
    work(service)
    assert [p.number for p in open_pulls(service)] == [pull.number]
    assert "2 papers" in standin.issue(pull.number).title
    assert standin.branch_sha(branch) != first
    assert service.branch_log(branch) == [
        "Assign 2 papers from tingfeng-hui/unverified to tingfeng-hui"
    ]


def test_cancel_closes_and_deletes_until_apply_starts_afresh(service: Service) -> None:
    standin = service.standin
    number = file_issue(service)
    work(service)
    first = pull_of(service, number)

    cancel, _ = say(service, number, "/cancel", MAINTAINER)
    work(service)
    assert open_pulls(service) == []
    assert standin.branch_sha(branch_for_issue(number)) is None
    assert "cancelled with `/cancel`" in status(service, number)
    assert reactions(service, cancel) == {"eyes", "+1"}
    assert any("Closed on request" in c.body for c in standin.comments_on(first.number))

    # An edit is planned, but no pull request comes back by itself.
    fewer = dict(SEED_ANSWERS, papers="2025.acl-long.5")
    assert service.deliver("issues", standin.edit_issue(number, body=render_form_body(fewer))).ok
    work(service)
    assert open_pulls(service) == []
    assert "**1 paper**" in status(service, number)

    say(service, number, "/apply", MAINTAINER)
    work(service)
    second = pull_of(service, number)
    assert second.number != first.number and "1 paper" in second.title
    assert "**The request is complete.**" in status(service, number)


# -- pull requests merged or closed ------------------------------------------------------


def test_merged_and_closed_pull_requests_are_reported_once(
    service_template: Path, tmp_path: Path
) -> None:
    message = "Live after the next site build (configured text)."
    with running_service(service_template, tmp_path, MERGED_MESSAGE=message) as service:
        standin = service.standin
        standin.set_permission(MAINTAINER, "triage")
        merged = file_issue(service)
        closed = file_issue(service, SHUOHUAN, user="shuohuan")
        work(service)
        standin.label_issue(merged, "waiting", MAINTAINER)

        payload = standin.merge_pull(pull_of(service, merged).number, MAINTAINER)
        assert service.deliver("pull_request", payload).status_code == 202
        payload = standin.close_pull(pull_of(service, closed).number, MAINTAINER)
        assert service.deliver("pull_request", payload).status_code == 202
        work(service)
        for _ in range(2):  # a redelivery posts nothing twice
            assert service.deliver("pull_request", payload).status_code == 202
            work(service)

        [notice] = notices(service, merged)
        assert "was merged" in notice and message in notice
        assert notice.count(f"@{AUTHOR}") == 1  # merged and live: the filer hears of it
        assert "**Merged:**" in status(service, merged)
        assert "waiting" not in standin.issue(merged).labels
        [notice] = notices(service, closed)
        assert "closed without merging" in notice and "/apply" in notice
        assert "its pull request was closed without merging" in status(service, closed)

        # The closed one stays closed through an edit; /apply starts afresh.
        assert service.deliver("issues", standin.edit_issue(closed, title="Shuohuan")).ok
        work(service)
        assert open_pulls(service) == []
        say(service, closed, "/apply", MAINTAINER)
        work(service)
        assert len(open_pulls(service)) == 1 and pull_of(service, closed)


# -- two issues on one file, and batches -------------------------------------------------


def test_two_issues_on_one_file_get_correct_pull_requests_and_one_batch(
    service: Service,
) -> None:
    standin = service.standin
    seed = file_issue(service)
    other = file_issue(service, SHUOHUAN, user="shuohuan")
    rival = file_issue(service, RIVAL, user="someone")
    work(service)

    # Each issue's own pull request changes exactly its own author slots.
    seed_lines = added_lines(service, branch_for_issue(seed))
    other_lines = added_lines(service, branch_for_issue(other))
    assert seed_lines["data/xml/2025.acl.xml"] == [
        line for line in seed_lines["data/xml/2025.acl.xml"] if 'id="tingfeng-hui"' in line
    ]
    assert len(seed_lines["data/xml/2025.acl.xml"]) == 2
    assert len(seed_lines["data/xml/2023.findings.xml"]) == 1
    assert len(other_lines["data/xml/2025.acl.xml"]) == 2
    assert all('id="shuohuan-wang"' in line for line in other_lines["data/xml/2025.acl.xml"])
    assert set(other_lines) == {"data/xml/2025.acl.xml", "data/json/people.json"}
    singles = {n: pull_of(service, n).number for n in (seed, other, rival)}

    # All three go into one batch; the rival touches a slot of the seed's issue.
    for number in (seed, other, rival):
        say(service, number, "/batch", MAINTAINER)
    work(service)
    name = default_batch_name()
    [batch] = [p for p in open_pulls(service) if p.pull and p.pull.head == name]
    assert service.branch_log(name) == [
        "Assign 2 papers from shuohuan-wang/unverified to shuohuan-wang",
        "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui",
    ]
    messages = standin.git("log", "--format=%B%x00", f"master..{name}").split("\x00")
    assert [m.strip().splitlines()[-1] for m in messages if m.strip()] == [
        f"closes #{other}",
        f"closes #{seed}",
    ]
    body = batch.body or ""
    assert f"1. Closes #{seed}:" in body and f"2. Closes #{other}:" in body
    assert (
        f"#{rival}: it touches the same author slot (2025.acl-long.5 author 1) as #{seed}" in body
    )
    batch_lines = added_lines(service, name)
    assert len(batch_lines["data/xml/2025.acl.xml"]) == 4

    # The included issues' own pull requests are closed in favour of the batch;
    # the left-out one keeps its own, and its status says why.
    assert {p.number for p in open_pulls(service)} == {batch.number, singles[rival]}
    for number in (seed, other):
        assert f"batch `{name}`" in standin.comments_on(singles[number])[-1].body
        assert standin.branch_sha(branch_for_issue(number)) is None
        assert "pending" in standin.issue(number).labels
        assert f"#{batch.number}" in status(service, number)
    assert "left out of the batch for now: it touches the same author slot" in status(
        service, rival
    )

    # Merging the batch tells both included issues.
    assert service.deliver("pull_request", standin.merge_pull(batch.number, MAINTAINER)).ok
    work(service)
    for number in (seed, other):
        assert any("was merged" in n for n in notices(service, number))
        assert "pending" not in standin.issue(number).labels
    assert not any("was merged" in n for n in notices(service, rival))


# -- the default branch moves ------------------------------------------------------------


def test_push_to_the_default_branch_recreates_a_stale_pull_request(service: Service) -> None:
    standin = service.standin
    number = file_issue(service)
    work(service)
    pull = pull_of(service, number)
    branch = branch_for_issue(number)
    first = standin.branch_sha(branch)

    # An unrelated change: the pull request still merges to the right result.
    payload = standin.push_commit({"README.md": "# The ACL Anthology\n"}, "Add a README")
    assert service.deliver("push", payload).status_code == 202
    work(service)
    assert standin.branch_sha(branch) == first

    # A maintainer fixes the affiliation on one of the very lines the request changes.
    path = "data/xml/2025.acl.xml"
    text = standin.git("show", f"master:{path}")
    fixed = text.replace(
        "<first>Tingfeng</first><last>Hui</last><affiliation>Beijing University of Posts and "
        "Telecommunications</affiliation>",
        "<first>Tingfeng</first><last>Hui</last><affiliation>BUPT</affiliation>",
        1,
    )
    payload = standin.push_commit({path: fixed}, "Fix an affiliation")
    assert service.deliver("push", payload).status_code == 202
    work(service)

    head = standin.branch_sha("master")
    assert standin.branch_sha(branch) != first
    assert standin.git("merge-base", head, branch) == head  # rebuilt on the new head
    assert service.branch_log(branch) == [
        "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui"
    ]
    lines = added_lines(service, branch)[path]
    assert len(lines) == 2 and any("<affiliation>BUPT</affiliation>" in ln for ln in lines)
    assert [p.number for p in open_pulls(service)] == [pull.number]
    assert standin.git("merge-tree", "--write-tree", "master", branch)  # merges cleanly

    # Someone pushes to the bot's branch: it is theirs now, and left alone, with a comment.
    human = commit_to_branch(
        standin.bare_repo,
        branch,
        {"data/NOTES.md": "checked by hand\n"},
        "Note the check",
        author=("Maria Maintainer", "maria@example.org"),
    )
    again = standin.git("show", f"master:{path}").replace("BUPT<", "BUPT, Beijing<", 1)
    assert service.deliver("push", standin.push_commit({path: again}, "Another fix")).ok
    work(service)
    assert standin.branch_sha(branch) == human
    assert "commits that I did not make" in status(service, number)


# -- reconciliation ----------------------------------------------------------------------


def reconcile_cli(service: Service, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "reconcile", *args],
        cwd=REPO_ROOT,
        env=service.worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_reconcile_queues_exactly_the_issues_whose_events_were_missed(service: Service) -> None:
    standin = service.standin
    untouched = file_issue(service)
    fine = file_issue(service, RIVAL, user="someone")
    edited = file_issue(service, SHUOHUAN, user="shuohuan")
    work(service)
    merged = pull_of(service, fine).number
    # Events that never arrive: a new issue, an edit, a merge.
    quiet, _ = standin.open_issue(
        SEED_TITLE, render_form_body(dict(SEED_ANSWERS, papers="2025.acl-long.999")), labels=LABELS
    )
    standin.edit_issue(edited, body=render_form_body(dict(SHUOHUAN, papers="2025.acl-long.12")))
    standin.merge_pull(merged, MAINTAINER)
    jobs_before = len(service.jobs())

    dry = reconcile_cli(service, "--dry-run")
    assert dry.stdout.splitlines() == [
        f"#{fine}: its pull request is no longer open",
        f"#{edited}: edited since the status comment",
        f"#{quiet}: no status comment",
    ]
    assert len(service.jobs()) == jobs_before

    reconcile_cli(service)
    assert work(service) >= 4
    assert any("was merged" in n for n in notices(service, fine))
    assert "please answer" in status(service, quiet).lower()
    assert "1 paper" in pull_of(service, edited).title
    reconciled = [
        j.issue_number
        for j in service.jobs()[jobs_before:]
        if j.kind == "issue" and j.detail.get("action") == "reconcile"
    ]
    assert sorted(reconciled) == sorted([fine, edited, quiet])
    assert untouched not in reconciled  # its pull request is only checked against master
    assert reconcile_cli(service, "--dry-run").stdout == ""

    # Workers reconcile by themselves once the interval has passed.
    stamp = service.settings.state_dir / STAMP_FILE
    assert stamp.exists()  # the first worker started the clock
    old = time.time() - 120
    os.utime(stamp, (old, old))
    work(service, reconcile_interval=60.0)
    kinds = [j.kind for j in service.jobs()]
    assert "reconcile" in kinds and "upstream" in kinds


def batch_pull(service: Service, name: str) -> Issue | None:
    found = [p for p in open_pulls(service) if p.pull and p.pull.head == name]
    return found[0] if found else None


def test_a_batch_follows_its_members_and_ends_when_closed(service: Service) -> None:
    standin = service.standin
    name = "bulk-verifications-2026-03-14"
    seed = file_issue(service)
    other = file_issue(service, SHUOHUAN, user="shuohuan")
    say(service, seed, f"/batch {name}", MAINTAINER)
    say(service, other, f"@anthology-bot batch {name}", MAINTAINER)
    work(service)
    batch = batch_pull(service, name)
    assert batch is not None and len(service.branch_log(name)) == 2

    # An edit of a member rebuilds the batch (the same pull request).
    fewer = dict(SHUOHUAN, papers="2025.acl-long.12")
    assert service.deliver("issues", standin.edit_issue(other, body=render_form_body(fewer))).ok
    work(service)
    assert batch_pull(service, name).number == batch.number  # type: ignore[union-attr]
    assert service.branch_log(name)[0] == (
        "Assign 1 paper from shuohuan-wang/unverified to shuohuan-wang"
    )

    # /cancel takes a member out; the batch is rebuilt without it.
    say(service, seed, "/cancel", MAINTAINER)
    work(service)
    assert service.branch_log(name) == [
        "Assign 1 paper from shuohuan-wang/unverified to shuohuan-wang"
    ]
    assert f"Closes #{seed}" not in (batch_pull(service, name).body or "")  # type: ignore[union-attr]
    assert "pending" not in standin.issue(seed).labels
    assert "cancelled with `/cancel`" in status(service, seed)

    # The last member leaves: the bot closes the empty batch, which ends nothing.
    say(service, other, "/cancel", MAINTAINER)
    work(service)
    assert batch_pull(service, name) is None
    assert not any("closed without merging" in n for n in notices(service, other))
    say(service, other, f"/batch {name}", MAINTAINER)
    work(service)
    again = batch_pull(service, name)
    assert again is not None and again.number != batch.number
    assert "commit 1 of the batch" in status(service, other)

    # A maintainer closes the batch unmerged: its member is told, and held.
    closed = standin.close_pull(again.number, MAINTAINER)
    assert service.deliver("pull_request", closed).status_code == 202
    work(service)
    assert any(f"#{again.number} for this issue was closed" in n for n in notices(service, other))
    assert "its pull request was closed without merging" in status(service, other)
    assert "pending" not in standin.issue(other).labels
    refused, _ = say(service, other, f"/batch {name}", MAINTAINER)
    work(service)
    assert "was already closed" in notices(service, other)[-1]
    assert reactions(service, refused) == {"eyes", "confused"}
    assert open_pulls(service) == []


def test_only_one_open_pull_request_per_issue_and_closed_issues(service: Service) -> None:
    standin = service.standin
    number = file_issue(service)
    work(service)
    kept = pull_of(service, number)
    # A leftover bot pull request for the same issue from another branch (an older run).
    standin.push_commit({"data/NOTES.md": "old attempt\n"}, "Old attempt", branch="bot/old-1")
    stray = standin.store.create_pull(
        "acl-org",
        "Paper assignment (old)",
        f"<!-- anthology-bot:pull-request -->\nCloses #{number}: an older attempt",
        "bot/old-1",
        "master",
        standin.login,
    )
    say(service, number, "/retry", AUTHOR)
    work(service)
    assert [p.number for p in open_pulls(service)] == [kept.number]
    assert standin.issue(stray.number).state == "closed"
    assert f"#{kept.number} is the pull request" in standin.comments_on(stray.number)[-1].body
    assert standin.branch_sha("bot/old-1") is not None  # someone else's commit: kept

    # The issue is closed without the change: the bot closes its pull request too.
    assert service.deliver("issues", standin.close_issue(number, AUTHOR, "not_planned")).ok
    work(service)
    assert open_pulls(service) == []
    assert standin.branch_sha(branch_for_issue(number)) is None
    assert "the issue was closed" in status(service, number)
