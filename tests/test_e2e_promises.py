"""End to end: the promises of issue 13 that attacks and faults broke, each kept.

Through the real web app, workers, git and the GitHub stand-in (its REST API
shaped as GitHub's), as in ``tests/test_e2e_maintainer.py``, whose helpers these
tests share: approval bound to the plan a maintainer saw and to who gave it,
commands only where GitHub shows them as text, edited comments, notices that
look before they post, ``/cancel`` after a kill, the bot's own commits, and
pull requests made moot upstream.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.forms.body import render_form_body
from bot.workflow.branches import branch_for_issue
from demo.run import SEED_ANSWERS
from tests.github_standin import commit_to_branch
from tests.service_harness import Service, running_service
from tests.test_e2e_maintainer import (
    AUTHOR,
    MAINTAINER,
    SHUOHUAN,
    batch_pull,
    file_issue,
    notices,
    open_pulls,
    reactions,
    say,
    status,
    work,
)
from tests.test_e2e_service import changed_lines


@pytest.fixture
def approval_service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    with running_service(service_template, tmp_path, APPROVAL_MODE="label") as running:
        running.standin.set_permission(MAINTAINER, "triage")
        yield running


@pytest.fixture
def service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    with running_service(service_template, tmp_path) as running:
        running.standin.set_permission(MAINTAINER, "triage")
        yield running


def next_second() -> None:
    """GitHub's timestamps have whole seconds: make the next change visibly later."""
    time.sleep(1.1)


# -- 4: commands only where GitHub shows text --------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "> As the author said:\n/apply",
        "<blockquote>\n/apply\n</blockquote>",
        "<pre>\n/apply\n</pre>",
        "<code>\n\n/apply\n\n</code>",
    ],
)
def test_commands_shown_as_quote_or_code_are_not_executed(
    approval_service: Service, body: str
) -> None:
    service = approval_service
    number = file_issue(service)
    work(service)
    comment, code = say(service, number, body, MAINTAINER)
    assert code == 200  # the web app's triage already sees no command
    service.deliver("issues", service.standin.edit_issue(number))  # any later run
    work(service)
    assert open_pulls(service) == []
    assert reactions(service, comment) == set()
    assert "waits for approval" in status(service, number)


# -- 12.5: every command gets an answer ----------------------------------------------------


def test_a_mistyped_command_or_unclear_mention_is_answered_once(
    approval_service: Service,
) -> None:
    service = approval_service
    number = file_issue(service)
    work(service)
    typo, code = say(service, number, "Checked.\n/aply", MAINTAINER)
    assert code == 202
    vague, _ = say(service, number, "@anthology-bot please go ahead", AUTHOR)
    work(service)
    first, second = notices(service, number)
    assert "`/apply`" in first and "/aply" in first and "`/help`" in first
    assert "Nothing was changed" in first
    assert "please go ahead" in second and "`/help`" in second
    assert reactions(service, typo) == {"eyes", "confused"}
    assert open_pulls(service) == []
    # Exactly once per comment: later runs answer nothing again.
    service.deliver("issues", service.standin.edit_issue(number))
    work(service)
    assert len(notices(service, number)) == 2
    assert vague


# -- 5: an edited comment is acted on as first written, or never -------------------------


def test_a_comment_edited_into_a_command_is_answered_and_never_executed(
    approval_service: Service,
) -> None:
    service = approval_service
    standin = service.standin
    number = file_issue(service)
    work(service)
    lgtm, code = say(service, number, "LGTM", MAINTAINER)
    assert code == 200
    next_second()
    edited = standin.edit_comment(lgtm, "/apply")
    assert service.deliver("issue_comment", edited).status_code == 202
    work(service)
    assert open_pulls(service) == []
    [answer] = notices(service, number)
    assert "edited after it was posted" in answer and "new comment" in answer
    assert reactions(service, lgtm) == {"eyes", "confused"}

    # An unrelated event later does not execute it either.
    service.deliver("issues", standin.edit_issue(number, title="Paper assignment (edited)"))
    work(service)
    assert open_pulls(service) == [] and len(notices(service, number)) == 1

    # A new comment does.
    say(service, number, "/apply", MAINTAINER)
    work(service)
    assert len(open_pulls(service)) == 1
    assert SEED_ANSWERS and render_form_body


# -- 1, 2, 3: approval is bound to the plan a maintainer saw, and to who gave it ----------

FEWER = dict(SEED_ANSWERS, papers="2025.acl-long.5\n2023.findings-emnlp.3")
OTHER_ORCID = dict(SEED_ANSWERS, orcid="0000-0002-1694-233X")


def test_an_edit_after_label_approval_withdraws_it_visibly(approval_service: Service) -> None:
    service = approval_service
    standin = service.standin
    number = file_issue(service)
    work(service)
    assert service.deliver("issues", standin.label_issue(number, "approved", MAINTAINER)).ok
    work(service)
    [pull] = open_pulls(service)
    branch = pull.pull.head if pull.pull else ""
    first = standin.branch_sha(branch)

    # The filer edits the request; no workflow removes the label.
    edited = standin.edit_issue(number, body=render_form_body(OTHER_ORCID))
    assert service.deliver("issues", edited).status_code == 202
    work(service)
    assert standin.branch_sha(branch) == first  # the edited version is not pushed
    text = status(service, number)
    assert "waits for approval" in text and f"approval by @{MAINTAINER} no longer holds" in text
    assert "approved" not in standin.issue(number).labels  # the bot took the label off

    # A maintainer approves the new plan: now it is pushed.
    assert service.deliver("issues", standin.label_issue(number, "approved", MAINTAINER)).ok
    work(service)
    assert standin.branch_sha(branch) != first
    assert "no longer holds" not in status(service, number)


def test_a_label_approves_the_plan_shown_when_it_was_added(approval_service: Service) -> None:
    service = approval_service
    standin = service.standin
    number = file_issue(service)
    work(service)
    # The label is added while the status shows the first plan; the filer edits before
    # the job runs: the label approved the plan shown, not the edited one.
    labelled = standin.label_issue(number, "approved", MAINTAINER)
    edited = standin.edit_issue(number, body=render_form_body(FEWER))
    assert service.deliver("issues", labelled).ok and service.deliver("issues", edited).ok
    work(service)
    assert open_pulls(service) == []
    assert "no longer holds" in status(service, number)


def test_apply_approves_the_plan_the_maintainer_saw(approval_service: Service) -> None:
    service = approval_service
    standin = service.standin
    number = file_issue(service)
    work(service)
    assert "**3 papers**" in status(service, number)

    # /apply, then an edit before the job runs: the edited plan is not approved.
    _, code = say(service, number, "/apply", MAINTAINER)
    edited = standin.edit_issue(number, body=render_form_body(FEWER))
    assert code == 202 and service.deliver("issues", edited).ok
    work(service)
    assert open_pulls(service) == []
    text = status(service, number)
    assert "**2 papers**" in text and "no longer holds" in text

    # /apply after seeing the new plan approves it.
    say(service, number, "/apply", MAINTAINER)
    work(service)
    [pull] = open_pulls(service)
    assert "2 papers" in pull.title


def test_an_approval_label_counts_only_from_staff_checked_through_the_api(
    approval_service: Service,
) -> None:
    service = approval_service
    standin = service.standin
    number = file_issue(service)
    work(service)
    standin.set_permission("mallory", "read")
    assert service.deliver("issues", standin.label_issue(number, "approved", "mallory")).ok
    work(service)
    assert open_pulls(service) == []
    assert "added by @mallory, who is not Anthology staff" in status(service, number)

    # Staff adding it again (a newer event) approves.
    standin.unlabel_issue(number, "approved", "mallory")
    assert service.deliver("issues", standin.label_issue(number, "approved", MAINTAINER)).ok
    work(service)
    assert len(open_pulls(service)) == 1


# -- 6: the staff gate for old-form issues cannot be set by the filer ----------------------
# (under OLD_FORM_ISSUES=staff-labelled; by default every old-form author-page issue is read)

LEGACY_BODY = """### Author Pages

https://aclanthology.org/people/tingfeng-hui/unverified/

### Author ORCID

0000-0002-1825-0097

### Type of Author Metadata Correction

- [x] Split papers
"""

OLD_FORM_TITLE = "Author Page: tingfeng-hui/unverified"
OLD_FORM_VERIFICATION = """### Author Pages in the Anthology

https://aclanthology.org/people/tingfeng-hui/unverified/

### Author ORCID

0000-0002-7182-8185

### Institution of highest (anticipated) degree

Beijing University of Posts and Telecommunications

### Type of Author Metadata Correction

- [x] Verification: The author wishes to add an ORCID iD to their author page.

### Supporting Information

All papers on this page are mine.
"""


@pytest.fixture
def staff_gated_service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    with running_service(service_template, tmp_path, OLD_FORM_ISSUES="staff-labelled") as running:
        running.standin.set_permission(MAINTAINER, "triage")
        yield running


def test_meta_move_counts_only_when_staff_added_it(staff_gated_service: Service) -> None:
    service = staff_gated_service
    standin = service.standin
    # A filer's issue that carries meta:move from the start (as our template once set it),
    # edited into the old form.
    number, opened = standin.open_issue(
        "Paper assignment", "x", user=AUTHOR, labels=["correction", "author-page", "meta:move"]
    )
    edited = standin.edit_issue(number, title="Author Page: tingfeng-hui", body=LEGACY_BODY)
    service.deliver("issues", opened)
    assert service.deliver("issues", edited).status_code == 202
    work(service)
    assert [c for c in standin.comments_on(number) if c.user == standin.login] == []

    # Staff label it: now the bot acts on it.
    standin.unlabel_issue(number, "meta:move", MAINTAINER)
    assert service.deliver("issues", standin.label_issue(number, "meta:move", MAINTAINER)).ok
    work(service)
    assert "anthology-bot:status" in status(service, number)


def test_an_old_form_issue_by_its_filer_becomes_a_pull_request_by_default(
    service: Service,
) -> None:
    standin = service.standin
    number, opened = standin.open_issue(
        OLD_FORM_TITLE, OLD_FORM_VERIFICATION, user=AUTHOR, labels=["correction", "author-page"]
    )
    assert service.deliver("issues", opened).status_code == 202
    work(service)
    [pull] = open_pulls(service)
    assert pull.pull is not None and pull.pull.head == branch_for_issue(number)
    assert f"#{pull.number}" in status(service, number)
    # The whole page is verified: each changed XML line now carries the new person's id,
    # and people.json gains the person.
    lines = changed_lines(service, branch_for_issue(number))
    xml = {path: change for path, change in lines.items() if path.endswith(".xml")}
    assert set(lines) - set(xml) == {"data/json/people.json"}
    assert sum(len(added) for _, added in xml.values()) == 3
    for removed, added in xml.values():
        assert len(removed) == len(added)
        assert all('id="tingfeng-hui"' in line for line in added)
    assert "waiting" not in standin.issue(number).labels


def test_an_old_form_issue_waits_for_staff_when_staff_labelled(
    staff_gated_service: Service,
) -> None:
    service = staff_gated_service
    standin = service.standin
    number, opened = standin.open_issue(
        OLD_FORM_TITLE, OLD_FORM_VERIFICATION, user=AUTHOR, labels=["correction", "author-page"]
    )
    assert service.deliver("issues", opened).ok
    work(service)
    assert [c for c in standin.comments_on(number) if c.user == standin.login] == []
    assert open_pulls(service) == []
    # The filer cannot open the gate; staff can.
    assert service.deliver("issues", standin.label_issue(number, "meta:move", AUTHOR)).ok
    work(service)
    assert open_pulls(service) == []
    standin.unlabel_issue(number, "meta:move", MAINTAINER)
    assert service.deliver("issues", standin.label_issue(number, "meta:move", MAINTAINER)).ok
    work(service)
    [pull] = open_pulls(service)
    assert pull.pull is not None and pull.pull.head == branch_for_issue(number)


# -- 9: the bot knows its commits by what it recorded, not by name and e-mail ---------------


def test_a_commit_with_the_bots_identity_by_someone_else_is_not_overwritten(
    service: Service,
) -> None:
    standin = service.standin
    number = file_issue(service)
    work(service)
    branch = branch_for_issue(number)
    identity = service.settings.git_identity
    forged = commit_to_branch(
        standin.bare_repo,
        branch,
        {"data/NOTES.md": "not the bot\n"},
        "Assign 3 papers from tingfeng-hui/unverified to tingfeng-hui",
        author=(identity.name, identity.email),
    )
    edited = standin.edit_issue(number, body=render_form_body(FEWER))
    assert service.deliver("issues", edited).status_code == 202
    work(service)
    assert standin.branch_sha(branch) == forged
    assert "commits that I did not make" in status(service, number)


def test_a_rerun_recognises_the_commit_it_pushed_before_dying(
    service_template: Path, tmp_path: Path
) -> None:
    with running_service(service_template, tmp_path, JOB_LEASE_SECONDS="1.5") as service:
        number = file_issue(service)
        assert service.run_worker(BOT_FAULT_AFTER="push") == 86
        pushed = service.standin.branch_sha(branch_for_issue(number))
        assert pushed is not None
        assert service.run_worker("--max-jobs", "1", timeout=60) == 0, service.log_text()
        assert service.standin.branch_sha(branch_for_issue(number)) == pushed
        assert len(open_pulls(service)) == 1
        assert "commits that I did not make" not in status(service, number)


def test_a_batch_branch_commit_with_the_bots_identity_by_someone_else_is_kept(
    service: Service,
) -> None:
    standin = service.standin
    name = "bulk-2026-12-02"
    first, second = file_issue(service), file_issue(service, SHUOHUAN, user="shuohuan")
    say(service, first, f"/batch {name}", MAINTAINER)
    say(service, second, f"/batch {name}", MAINTAINER)
    work(service)
    batch = batch_pull(service, name)
    assert batch is not None and len(service.branch_log(name)) == 2
    identity = service.settings.git_identity
    forged = commit_to_branch(
        standin.bare_repo,
        name,
        {"data/NOTES.md": "not the bot\n"},
        "Assign 1 paper from shuohuan-wang/unverified to shuohuan-wang",
        author=(identity.name, identity.email),
    )
    fewer = dict(SHUOHUAN, papers="2025.acl-long.12")
    assert service.deliver("issues", standin.edit_issue(second, body=render_form_body(fewer))).ok
    work(service)
    assert standin.branch_sha(name) == forged
    assert any("commits that I did not make" in n for n in notices(service, batch.number))


def test_a_rebuilt_batch_recognises_its_own_commits(service: Service) -> None:
    standin = service.standin
    name = "bulk-2026-12-03"
    first, second = file_issue(service), file_issue(service, SHUOHUAN, user="shuohuan")
    say(service, first, f"/batch {name}", MAINTAINER)
    say(service, second, f"/batch {name}", MAINTAINER)
    work(service)
    fewer = dict(SHUOHUAN, papers="2025.acl-long.12")
    assert service.deliver("issues", standin.edit_issue(second, body=render_form_body(fewer))).ok
    work(service)
    assert service.branch_log(name)[0] == (
        "Assign 1 paper from shuohuan-wang/unverified to shuohuan-wang"
    )
    batch = batch_pull(service, name)
    assert batch is not None
    assert not any("commits that I did not make" in n for n in notices(service, batch.number))


def test_a_notice_posted_before_the_worker_died_is_posted_once(
    service_template: Path, tmp_path: Path
) -> None:
    with running_service(service_template, tmp_path, JOB_LEASE_SECONDS="1.5") as service:
        number = file_issue(service)
        assert service.run_worker("--max-jobs", "1", timeout=60) == 0, service.log_text()
        edited = service.standin.edit_issue(number, body=render_form_body(FEWER))
        assert service.deliver("issues", edited).status_code == 202
        assert service.run_worker(BOT_FAULT_AFTER="notice") == 86
        assert service.run_worker("--max-jobs", "1", timeout=60) == 0, service.log_text()
        updated = [n for n in notices(service, number) if "I updated the pull request" in n]
        assert len(updated) == 1
        assert "**2 papers**" in status(service, number)


# -- 13: pull requests made moot or conflicting upstream ------------------------------------


def test_a_pull_request_made_moot_upstream_is_closed_with_a_note(service: Service) -> None:
    standin = service.standin
    number = file_issue(service)
    work(service)
    [pull] = open_pulls(service)
    branch = branch_for_issue(number)
    # A maintainer applies the very same change to the default branch by hand.
    changed = standin.git("diff", "--name-only", f"master...{branch}").split()
    files: dict[str, str | bytes | None] = {
        path: standin.git("show", f"{branch}:{path}") + "\n" for path in changed
    }
    assert service.deliver("push", standin.push_commit(files, "Fix Tingfeng Hui by hand")).ok
    assert standin.git("diff", f"master...{branch}") != ""  # not merged: the PR is open
    work(service)
    assert standin.issue(pull.number).state == "closed"
    assert standin.branch_sha(branch) is None
    assert any("already holds this change" in c.body for c in standin.comments_on(pull.number))
    text = status(service, number)
    assert f"closed my pull request #{pull.number}" in text and "please answer" not in text.lower()


def test_a_conflicting_upstream_edit_that_cannot_be_rebuilt_is_flagged(service: Service) -> None:
    standin = service.standin
    number = file_issue(service)
    work(service)
    [pull] = open_pulls(service)
    # Staff assign one of the issue's papers to someone else, on the very line the PR edits.
    path = "data/xml/2025.acl.xml"
    text = standin.git("show", f"master:{path}")
    line = "<author><first>Tingfeng</first><last>Hui</last>"
    fixed = text.replace(line, '<author id="a-kumaran"><first>Tingfeng</first><last>Hui</last>', 1)
    assert service.deliver("push", standin.push_commit({path: fixed}, "Assign by hand")).ok
    work(service)
    assert standin.issue(pull.number).state == "open"
    flagged = [c.body for c in standin.comments_on(pull.number) if "no longer merges" in c.body]
    assert len(flagged) == 1 and "Anthology staff" in flagged[0]
    assert f"#{pull.number} no longer merges" in status(service, number)
    # A redelivery flags nothing twice.
    service.deliver("issues", standin.edit_issue(number))
    work(service)
    assert len([c for c in standin.comments_on(pull.number) if "no longer merges" in c.body]) == 1
