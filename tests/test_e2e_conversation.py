"""End to end: a request completed in the conversation, without anyone editing the issue.

Through the real web app, workers, git and the GitHub stand-in, as in
``tests/test_e2e_maintainer.py`` (whose helpers these tests share), on the
bundled sample data: an issue filed with the Anthology's existing "Fix author"
form asks for a verification and split of ``tingfeng-hui/unverified`` without
saying which papers; the bot asks; the filer answers in a comment (another
person's list is not taken); one pull request with exactly those papers
follows, and a new comment tells the filer. A maintainer's ``/request``
completes or corrects a request, is recorded with who decided, and a later
edit of the issue by the filer does not undo it. Against the SQLite and the
Redis job store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.queue.kinds import batch_job
from bot.queue.stores import open_store
from bot.workflow.branches import branch_for_issue
from tests.redis_server import redis_server
from tests.service_harness import Service, running_service
from tests.test_e2e_maintainer import (
    AUTHOR,
    MAINTAINER,
    added_lines,
    notices,
    open_pulls,
    reactions,
    say,
    status,
    work,
)

ORCID = "0000-0002-7182-8185"
VARIANTS = "variants of their name."
THE = "the Anthology."
TITLE = "Author Page: tingfeng-hui"


def legacy_body(info: str = "Some of the papers on this page are not mine.") -> str:
    """An issue as GitHub renders the Anthology's existing "Fix author" form."""
    return f"""### Confirming that Author is Published in the Anthology

- [x] I confirm that this concerns an author who already has at least one publication in {THE}

### Confirming that Paper Metadata is Correct

- [x] I confirm that all affected papers show the exact same names on the website as on the PDF.

### Author Pages in the Anthology

https://aclanthology.org/people/tingfeng-hui/unverified/

### Author ORCID

{ORCID}

### Institution of highest (anticipated) degree

Beijing University of Posts and Telecommunications

### Type of Author Metadata Correction

- [x] Verification: The author wishes to add an ORCID iD to their author page.
- [x] Split/disambiguate: The author page includes papers from two or more different people.
- [ ] Merge profiles: A single author has multiple profiles with different spellings or {VARIANTS}
- [ ] Name change: This author has permanently changed their name.

### Supporting Information

{info}

### Preferred author name

_No response_
"""


@pytest.fixture(params=["sqlite", "redis"])
def service(
    request: pytest.FixtureRequest, service_template: Path, tmp_path: Path
) -> Iterator[Service]:
    if request.param == "sqlite":
        with running_service(service_template, tmp_path / "service") as running:
            running.standin.set_permission(MAINTAINER, "triage")
            yield running
        return
    (tmp_path / "redis").mkdir()
    with (
        redis_server(tmp_path / "redis") as url,
        running_service(service_template, tmp_path / "service", QUEUE_URL=url) as running,
    ):
        running.standin.set_permission(MAINTAINER, "triage")
        yield running


#: The labels the Anthology's "Fix author" form puts on an issue: no staff label is needed
#: (``OLD_FORM_ISSUES=all``, the default).
LEGACY_LABELS = ["correction", "author-page"]


def open_legacy_issue(service: Service, body: str, title: str = TITLE) -> int:
    """File an old-form issue as the author, as GitHub delivers it; nobody else touches it."""
    number, opened = service.standin.open_issue(title, body, user=AUTHOR, labels=LEGACY_LABELS)
    assert service.deliver("issues", opened).status_code == 202
    return number


def file_legacy_issue(service: Service, info: str | None = None) -> int:
    """File the old-form issue (the seed's case) as the author."""
    return open_legacy_issue(service, legacy_body() if info is None else legacy_body(info))


def test_the_filers_answer_in_a_comment_completes_the_request(service: Service) -> None:
    number = file_legacy_issue(service)
    work(service)
    asked = status(service, number)
    assert "Which of the papers" in asked and "in a new comment" in asked
    assert open_pulls(service) == []

    # Someone else's list is not the filer's answer.
    say(service, number, "These are mine: 2023.findings-emnlp.3", "someone-else")
    work(service)
    assert open_pulls(service) == []
    assert "Which of the papers" in status(service, number)

    # The filer answers in a comment: one pull request with exactly these papers.
    answer, code = say(
        service,
        number,
        "> Which of the papers are yours?\n\nThese are mine:\n- 2025.acl-long.5\n"
        "- https://aclanthology.org/2025.acl-long.12/",
        AUTHOR,
    )
    assert code == 202  # a comment by the filer queues the issue job
    work(service)
    [pull] = open_pulls(service)
    assert pull.pull is not None and pull.pull.head == branch_for_issue(number)
    added = added_lines(service, branch_for_issue(number))
    xml = "\n".join(
        line for name, lines in added.items() if name.endswith(".xml") for line in lines
    )
    assert xml.count('id="tingfeng-hui"') == 2, xml
    assert "2025.acl.xml" in " ".join(added) and not any("findings" in n for n in added)
    people = "\n".join(added["data/json/people.json"])
    assert ORCID in people and "tingfeng-hui" in people

    text = status(service, number)
    assert "The request is complete" in text
    assert "I read your answer in comment" in text and f"issuecomment-{answer}" in text
    # One notice, mentioning the filer once, with the pull request.
    [notice] = [n for n in notices(service, number) if f"#{pull.number}" in n]
    assert notice.count(f"@{AUTHOR}") == 1 and "opened the pull request" in notice

    # A rerun posts nothing again.
    before = len(notices(service, number))
    service.deliver("issues", service.standin.edit_issue(number))
    work(service)
    assert len(notices(service, number)) == before
    assert len(open_pulls(service)) == 1


def test_a_maintainers_request_completes_and_holds_against_a_later_edit(service: Service) -> None:
    number = file_legacy_issue(service)
    work(service)
    assert "Which of the papers" in status(service, number)

    # The filer cannot decide with /request: it is a maintainer's command.
    refused, _ = say(service, number, "/request\npapers: 2023.findings-emnlp.3", AUTHOR)
    work(service)
    assert open_pulls(service) == []
    assert any(f"Sorry @{AUTHOR}" in n for n in notices(service, number))

    # A bad key is answered precisely; nothing changes.
    bad, _ = say(service, number, "/request\ncolour: red", MAINTAINER)
    work(service)
    assert reactions(service, bad) == {"eyes", "confused"}
    assert any("I do not know the key `colour`" in n for n in notices(service, number))

    decided, _ = say(
        service,
        number,
        "Checked the PDFs.\n\n/request\npapers: 2025.acl-long.5, 2023.findings-emnlp.3\n"
        "id suffix: bupt",
        MAINTAINER,
    )
    work(service)
    assert reactions(service, decided) == {"eyes", "+1"}
    [pull] = open_pulls(service)
    added = added_lines(service, branch_for_issue(number))
    xml = "\n".join(
        line for name, lines in added.items() if name.endswith(".xml") for line in lines
    )
    assert xml.count('id="tingfeng-hui-bupt"') == 2, xml
    text = status(service, number)
    assert f"decided by @{MAINTAINER} in comment" in text
    assert any(f"@{AUTHOR}" in n and f"#{pull.number}" in n for n in notices(service, number))

    # The filer edits the issue to list other papers: the maintainer's decision still wins.
    edited = service.standin.edit_issue(
        number, body=legacy_body("These are mine: 2025.acl-long.12 and 2025.acl-long.5")
    )
    assert service.deliver("issues", edited).status_code == 202
    work(service)
    [same] = open_pulls(service)
    assert same.number == pull.number
    added = added_lines(service, branch_for_issue(number))
    xml = "\n".join(
        line for name, lines in added.items() if name.endswith(".xml") for line in lines
    )
    assert xml.count('id="tingfeng-hui-bupt"') == 2, xml
    assert f"decided by @{MAINTAINER} in comment" in status(service, number)


def test_with_approval_an_answer_completes_and_a_request_does_not_approve(
    service_template: Path, tmp_path: Path
) -> None:
    with running_service(service_template, tmp_path, APPROVAL_MODE="label") as service:
        service.standin.set_permission(MAINTAINER, "triage")
        number = file_legacy_issue(service)
        work(service)
        say(service, number, "Yes, all of them.", AUTHOR)
        work(service)
        assert "waits for approval" in status(service, number)
        [complete] = [n for n in notices(service, number) if "the request is complete" in n]
        assert complete.count(f"@{AUTHOR}") == 1 and "issuecomment-" in complete
        assert open_pulls(service) == []

        # A decision changes the request; it is no approval.
        say(service, number, "/request\nexcept: 2023.findings-emnlp.3", MAINTAINER)
        work(service)
        assert open_pulls(service) == []
        text = status(service, number)
        assert "waits for approval" in text and "except decided by @" in text

        # /apply approves the plan shown: one pull request, without the excepted paper.
        say(service, number, "/apply", MAINTAINER)
        work(service)
        [pull] = open_pulls(service)
        added = added_lines(service, branch_for_issue(number))
        assert not any("findings" in name for name in added)
        assert any(f"#{pull.number}" in n and f"@{AUTHOR}" in n for n in notices(service, number))


def test_a_new_question_is_announced_once(service: Service) -> None:
    number = file_legacy_issue(service)
    work(service)
    say(service, number, "These are mine: 2025.acl-long.5", AUTHOR)
    work(service)
    assert len(open_pulls(service)) == 1
    # Staff decide on a paper that is not on the page: a new question, announced to the filer.
    say(service, number, "/request\npapers: 2025.acl-long.5, W11-2160", MAINTAINER)
    work(service)
    asked = [n for n in notices(service, number) if "I have a question" in n]
    assert len(asked) == 1 and asked[0].count(f"@{AUTHOR}") == 1
    service.deliver("issues", service.standin.edit_issue(number))
    work(service)
    assert len([n for n in notices(service, number) if "I have a question" in n]) == 1


def test_a_simple_verification_completed_in_comments(service: Service) -> None:
    """Verification of the whole page, filed without the ORCID iD and the institution: both
    answers come in comments, and one pull request verifies every paper of the page."""
    body = (
        legacy_body("Please verify my page.")
        .replace(ORCID, "_No response_")
        .replace("Beijing University of Posts and Telecommunications", "_No response_")
        .replace("- [x] Split/disambiguate", "- [ ] Split/disambiguate")
    )
    number = open_legacy_issue(service, body)
    work(service)
    assert "ORCID" in status(service, number) and open_pulls(service) == []

    say(service, number, f"My ORCID iD is https://orcid.org/{ORCID}", AUTHOR)
    work(service)
    assert "institution" in status(service, number).lower() and open_pulls(service) == []
    say(service, number, "Beijing University of Posts and Telecommunications", AUTHOR)
    work(service)
    [pull] = open_pulls(service)
    added = added_lines(service, branch_for_issue(number))
    people = "\n".join(added["data/json/people.json"])
    assert ORCID in people and "Beijing University of Posts and Telecommunications" in people
    xml = "\n".join(
        line for name, lines in added.items() if name.endswith(".xml") for line in lines
    )
    assert xml.count('id="tingfeng-hui"') == 3, xml
    text = status(service, number)
    assert text.count("I read your answer in comment") == 2
    assert any(f"#{pull.number}" in n and f"@{AUTHOR}" in n for n in notices(service, number))


def test_the_first_one_answers_which_page_stays_in_a_merge(service: Service) -> None:
    """A merge of two verified pages that does not say which stays: the bot asks, listing
    both; "The first one." in a comment picks the first, and one pull request merges."""
    pages = "https://aclanthology.org/people/noah-a-smith/\n" + (
        "https://aclanthology.org/people/noah-a-smith-6380/"
    )
    body = (
        legacy_body("Both pages are me.")
        .replace("https://aclanthology.org/people/tingfeng-hui/unverified/", pages)
        .replace(ORCID, "_No response_")
        .replace("- [x] Verification", "- [ ] Verification")
        .replace("- [x] Split", "- [ ] Split")
        .replace("- [ ] Merge", "- [x] Merge")
    )
    number = open_legacy_issue(service, body, "Author Page: noah-a-smith")
    work(service)
    assert "should stay?" in status(service, number)
    say(service, number, "The first one.", AUTHOR)
    work(service)
    [pull] = open_pulls(service)
    people = "\n".join(added_lines(service, branch_for_issue(number))["data/json/people.json"])
    assert "noah-a-smith-6380" not in people  # its entry is merged away, none is added
    assert "merge" in (pull.title or "").lower(), pull.title
    assert "I read your answer in comment" in status(service, number)


def test_a_batch_takes_only_the_plan_a_maintainer_approved(
    service_template: Path, tmp_path: Path
) -> None:
    """The filer edits the answer a maintainer's approval rests on, and the batch is rebuilt
    before the issue job could look again (its webhook is late): the batch leaves the issue
    out rather than carry a plan nobody approved."""
    name = "bulk-2026-12-04"
    with running_service(service_template, tmp_path, APPROVAL_MODE="label") as service:
        service.standin.set_permission(MAINTAINER, "triage")
        number = file_legacy_issue(service)
        work(service)
        answer_id, _ = say(
            service, number, "These are mine:\n- 2025.acl-long.5\n- 2025.acl-long.12", AUTHOR
        )
        work(service)
        assert "waits for approval" in status(service, number)
        say(service, number, f"/batch {name}", MAINTAINER)
        work(service)
        [batch] = [p for p in open_pulls(service) if p.pull and p.pull.head == name]
        assert len(service.branch_log(name)) == 1

        service.standin.edit_comment(answer_id, "These are mine:\n- 2025.acl-long.5", AUTHOR)
        store = open_store(service.settings.queue_url)
        try:
            store.enqueue(batch_job(service.settings.anthology_repo, name))
        finally:
            store.close()
        assert service.run_worker("--max-jobs", "1", timeout=60) == 0, service.log_text()
        # Emptied and closed, not rebuilt with the edited answer's plan.
        assert batch.number not in {p.number for p in open_pulls(service)}
        assert service.standin.branch_sha(name) is None
