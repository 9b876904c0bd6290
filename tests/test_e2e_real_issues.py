"""Real author-page issues replayed through the running service, on the full data.

Issues 11 and 12: a real request of each common kind, read at run time from
``../shared/real-issues/`` (never copied into the repository), is filed into the
GitHub stand-in as its filer filed it (title, body, labels as recorded), and the
real service handles it: the web app over HTTP receives the stand-in's signed
webhooks, a worker process (``python -m bot worker``) clones the data repository
over git's smart HTTP, parses, plans, pushes and opens the pull request. The data
repository holds the FULL shared dataset; it is built once per module, and one
service run handles every case (the cases touch different author pages), so the
file stays within a few minutes on two cores.

The cases are chosen by kind, not by number: every real issue is read against the
data and classified by the request the parser makes of it (:func:`kind_of`); each
kind takes the first issue of that kind. The expectations are computed from the
data, independently of the planner where it matters: the acl-anthology library
(``tests/library_oracle.py``) says which author slots are on a page before the
change, and the pull request's diff must give exactly those slots the new explicit
id, while every other changed slot keeps the person it resolved to (a pin).

Thread replay: the recorded comments of a thread (:func:`recorded_comments`) can be
posted into the stand-in (:func:`post_thread`), the filer's as the filer and the
staff's as maintainers. The answers in comments are read by other work in
progress, so for now every case replays the issue body and labels only
(``Case.thread`` is off); switching it on is one flag per case.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.anthology.pages import is_unverified_page
from bot.anthology.xmlfile import read_collection
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request
from bot.forms import IssueFile, parse_issue, read_issue_text
from bot.workflow.branches import branch_for_issue
from tests.fulldata import shared_dir
from tests.library_oracle import library_resolution, load_library
from tests.redis_server import redis_server
from tests.service_harness import REPO_ROOT, Service, running_service

ISSUES = shared_dir() / "real-issues"

pytestmark = [
    pytest.mark.fulldata,
    pytest.mark.skipif(not ISSUES.is_dir(), reason=f"{ISSUES} is not there"),
]

STAFF = frozenset({"mjpost", "mbollmann", "nschneid", "Azax4", "anthology-assist"})
"""Logins that answer in the recorded threads as Anthology staff."""

ORCID = re.compile(r"\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b")
SlotKey = tuple[str, str, int]


# -- the recorded issues ------------------------------------------------------------


@dataclass(frozen=True)
class RecordedComment:
    """One comment of a stored thread: who wrote it, when, and what."""

    login: str
    date: str
    body: str


_COMMENT_HEAD = re.compile(r"^\*\*([A-Za-z0-9][A-Za-z0-9-]*)\*\* \(([^)]*)\):[ \t]*$", re.M)


def recorded_comments(issue: IssueFile) -> list[RecordedComment]:
    """The comments of a stored thread, in order (``**login** (date):`` then the text);
    a comment whose text the excerpt cut off entirely is left out (GitHub refuses
    empty comments)."""
    heads = list(_COMMENT_HEAD.finditer(issue.comments))
    out = []
    for head, following in zip(heads, [*heads[1:], None], strict=False):
        end = following.start() if following else len(issue.comments)
        body = issue.comments[head.end() : end].strip("\n")
        if body.strip():  # a comment the stored excerpt cut off before its text
            out.append(RecordedComment(head.group(1), head.group(2), body))
    return out


def post_thread(
    service: Service, number: int, issue: IssueFile, staff: frozenset[str] = STAFF
) -> list[int]:
    """Post the recorded comments into the stand-in, each as its author, and deliver
    their webhooks; staff comment as maintainers (triage permission in the stand-in).
    Returns the comment ids."""
    ids = []
    for comment in recorded_comments(issue):
        if comment.login in staff:
            service.standin.set_permission(comment.login, "triage")
        comment_id, payload = service.standin.add_comment(number, comment.body, comment.login)
        assert service.deliver("issue_comment", payload).status_code in (200, 202)
        ids.append(comment_id)
    return ids


def filer_of(issue: IssueFile, staff: frozenset[str] = STAFF) -> str:
    """Who filed a recorded issue: the stored excerpt does not say, so the first
    commenter who is not staff (the person the maintainers answer), else a stand-in."""
    return next((c.login for c in recorded_comments(issue) if c.login not in staff), "the-filer")


# -- kinds, by the request the parser makes of an issue -------------------------------


def kind_of(request: Request | None, codes: list[str]) -> str | None:
    """The kind of a real request, as ``maintainer-operations.md`` names them.

    * ``verify-page``: one unverified page, all its papers, a new person with an ORCID;
    * ``verify-split``: a list of papers of one page go to a new person (verification
      together with a split);
    * ``merge``: several unverified pages, all their papers, one new person (perhaps
      with the preferred name);
    * ``canonical-name``: no papers move, the verified person's preferred name changes;
    * ``question``: the issue names no papers for a page that mixes people, so the bot
      must ask which (``missing_papers``).
    """
    if request is None:
        return "question" if codes == ["missing_papers"] else None
    if codes:
        return None
    data = request.to_json()
    target, sources, papers = data["target"], data.get("sources", []), data.get("papers")
    if data.get("source"):
        sources = [data["source"]]
    edits = data.get("edits") or {}
    if target["kind"] == "new" and papers == "all":
        if len(sources) == 1 and is_unverified_page(sources[0]) and not edits:
            return "verify-page"
        # A merge usually names the preferred one of the pages' names.
        if len(sources) > 1 and all(is_unverified_page(s) for s in sources):
            if set(edits) <= {"canonical_name"}:
                return "merge"
    if target["kind"] == "new" and isinstance(papers, list) and papers and len(sources) == 1:
        return "verify-split"
    if target["kind"] == "existing" and not sources and set(edits) == {"canonical_name"}:
        return "canonical-name"
    return None


@dataclass
class Case:
    """One real issue to replay, and what its request means in the data."""

    kind: str
    number: int
    issue: IssueFile
    request: Request | None
    thread: bool = False  # replay the recorded comments too (see the module docstring)

    @property
    def filer(self) -> str:
        return filer_of(self.issue)


def choose_cases(data: AnthologyData) -> dict[str, Case]:
    """The first real issue of each kind whose request the data can carry out (for a
    question: the first the maintainers answered in the recorded thread)."""
    chosen: dict[str, Case] = {}
    for path in sorted(ISSUES.glob("[0-9]*.md"), key=lambda p: int(p.stem)):
        issue = read_issue_text(path.read_text(encoding="utf-8"))
        result = parse_issue(issue.title, issue.body, data)
        codes = [p.code for p in result.problems]
        kind = kind_of(result.request, codes)
        if kind is None or kind in chosen:
            continue
        if kind == "question" and not [c for c in recorded_comments(issue) if c.login in STAFF]:
            continue  # judge the question by one the maintainers asked too
        if result.request is not None and not data.plan(result.request).ok:
            continue
        chosen[kind] = Case(kind, int(path.stem), issue, result.request, kind in THREADS)
    return chosen


KINDS = ("verify-page", "verify-split", "merge", "canonical-name", "question")

THREADS = frozenset({"question"})
"""The kinds whose recorded thread is replayed after the issue is filed. The question's
thread holds the maintainers' question (and no answer the bot would read); the other
kinds' threads hold answers, which work in progress reads: add their kinds here then."""


# -- the service on the full data -------------------------------------------------------


def bare_repository_of(data_dir: Path, bare: Path) -> Path:
    """A bare repository whose one commit holds ``data_dir`` as ``data/``.

    Built with git itself from the read-only cache (no copy of the 120 MB), through a
    temporary index: the work tree is the directory that holds ``data/``.
    """
    env = {
        "GIT_INDEX_FILE": str(bare.parent / "build.index"),
        "GIT_AUTHOR_NAME": "Anthology Maintainer",
        "GIT_AUTHOR_EMAIL": "maintainer@example.org",
        "GIT_COMMITTER_NAME": "Anthology Maintainer",
        "GIT_COMMITTER_EMAIL": "maintainer@example.org",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(bare.parent),
    }

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", f"--git-dir={bare}", f"--work-tree={data_dir.parent}", *args],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        return out.stdout.strip()

    bare.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "--initial-branch=master", str(bare)],
        check=True,
        env=env,
    )
    git("add", "data")
    tree = git("write-tree")
    commit = git("commit-tree", tree, "-m", "The full shared ACL Anthology data")
    git("update-ref", "refs/heads/master", commit)
    Path(env["GIT_INDEX_FILE"]).unlink()
    return bare


@dataclass
class Replay:
    """The chosen cases, the data repository they run on and the data they are judged by."""

    cases: dict[str, Case]
    template: Path
    people: dict[str, Any]
    resolution: dict[SlotKey, str]


@dataclass(frozen=True)
class Chosen:
    """The cases, the bare data repository of the full data (the session's seeded copy)
    and the name index made while choosing (for the command line to start from)."""

    cases: dict[str, Case]
    template: Path
    index: Path


@pytest.fixture(scope="module")
def chosen(full_data_seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Chosen:
    root = tmp_path_factory.mktemp("real-issues")
    data = AnthologyData(full_data_seeded_dir, root / "index.sqlite")
    try:
        cases = choose_cases(data)
    finally:
        data.close()
    missing = [kind for kind in KINDS if kind not in cases]
    assert not missing, f"no real issue of kind {missing} fits the shared data"
    template = bare_repository_of(full_data_seeded_dir, root / "template" / "acl-anthology.git")
    return Chosen(cases, template, root / "index.sqlite")


def file_case(service: Service, case: Case) -> int:
    """File the recorded issue as its filer and deliver the webhook; returns its number."""
    number, payload = service.standin.open_issue(
        case.issue.title, case.issue.body, user=case.filer, labels=list(case.issue.labels)
    )
    assert service.deliver("issues", payload).status_code == 202, case
    if case.thread:
        post_thread(service, number, case.issue)
    return number


@pytest.fixture(scope="module")
def handled(
    chosen: Chosen,
    full_data_seeded_dir: Path,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Service, dict[str, int], Replay]]:
    """One service (SQLite queue) that has handled every case: kind -> issue number.

    The library loads the data (the session's ``oracle``, the slow part) while the
    worker process works through the issues.
    """
    cases, template = chosen.cases, chosen.template
    people = json.loads((full_data_seeded_dir / "json" / "people.json").read_text("utf-8"))
    with running_service(template, tmp_path_factory.mktemp("service")) as service:
        numbers = {kind: file_case(service, case) for kind, case in cases.items()}
        worker = service.start_worker("--once")
        try:
            resolution = library_resolution(request.getfixturevalue("oracle"))
            assert worker.wait(timeout=300) == 0, service.log_text()[-5000:]
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        yield service, numbers, Replay(cases, template, people, resolution)


# -- what a pull request changed ------------------------------------------------------------


def explicit_ids(xml: bytes) -> dict[SlotKey, str | None]:
    """(item id, role, position) -> the slot's explicit ``id`` attribute, for a collection."""
    _, slots = read_collection(xml)
    return {(s.ref.item_id, s.ref.role, s.ref.position): s.person_id for s in slots}


def changed_slots(service: Service, branch: str) -> dict[SlotKey, str | None]:
    """The slots whose explicit id the branch changes, and their new id."""
    names = service.standin.git("diff", "--name-only", f"master...{branch}").splitlines()
    out: dict[SlotKey, str | None] = {}
    for name in names:
        if not name.endswith(".xml"):
            assert name == "data/json/people.json", name
            continue
        before = explicit_ids(show(service, "master", name))
        after = explicit_ids(show(service, branch, name))
        assert before.keys() == after.keys(), f"{name}: slots were added or removed"
        here = {key: after[key] for key in after if after[key] != before[key]}
        # Only the start tags of those slots changed: one line out and one in for each.
        stat = service.standin.git("diff", "--numstat", f"master...{branch}", "--", name)
        added, removed = (int(n) for n in stat.split()[:2])
        assert added == removed == len(here), name
        out.update(here)
    return out


def show(service: Service, ref: str, path: str) -> bytes:
    out = subprocess.run(
        ["git", f"--git-dir={service.standin.bare_repo}", "show", f"{ref}:{path}"],
        check=True,
        capture_output=True,
    )
    return out.stdout


def people_at(service: Service, ref: str) -> dict[str, Any]:
    return json.loads(show(service, ref, "data/json/people.json"))


def slots_on(resolution: dict[SlotKey, str], pages: list[str]) -> set[SlotKey]:
    """The slots the library resolves to any of ``pages`` (its person ids are page ids:
    ``jane-doe``, ``jane-doe/unverified``)."""
    return {key for key, person in resolution.items() if person in set(pages)}


def assert_one_pull_with_notice(service: Service, number: int) -> str:
    """Exactly one pull request for the issue, and a status comment that links it."""
    branch = branch_for_issue(number)
    pulls = [p for p in service.pulls() if p.pull is not None and p.pull.head == branch]
    assert len(pulls) == 1, [p.title for p in service.pulls()]
    [pull] = pulls
    assert pull.state == "open" and f"Closes #{number}" in (pull.body or "")
    assert len(service.branch_log(branch)) == 1
    [status] = [c.body for c in service.status_comments(number) if "anthology-bot:status" in c.body]
    assert f"#{pull.number}" in status
    assert "waiting" not in service.standin.issue(number).labels
    return branch


def assert_new_person_takes(
    service: Service, replay: Replay, case: Case, branch: str, pages: list[str], papers: Any
) -> None:
    """The papers of ``pages`` (all, or the listed ones) now carry one new person's id;
    every other changed slot is a pin (the id of the person it resolved to before);
    people.json gains that person, with the ORCID iD the issue gave, and nothing else."""
    changed = changed_slots(service, branch)
    before, after = replay.people, people_at(service, branch)
    [new_id] = set(after) - set(before)
    assert set(before) - set(after) == set()
    assert after[new_id]["orcid"] in ORCID.findall(case.issue.body)
    on_pages = slots_on(replay.resolution, pages)
    if papers != "all":
        on_pages = {key for key in on_pages if key[0] in set(papers)}
        assert {key[0] for key in on_pages} == set(papers), "every listed paper is on the page"
    moved = {key for key, value in changed.items() if value == new_id}
    assert moved == on_pages, "exactly the page's (listed) slots take the new id"
    for key in set(changed) - moved:
        assert changed[key] == replay.resolution[key], f"{key} is pinned where it was"
    for person_id in before:
        if person_id in after and after[person_id] != before[person_id]:
            # Only the name matching of a person who would attract the new papers is
            # switched off (the planner's neutralised side effect).
            assert {**before[person_id], "disable_name_matching": True} == after[person_id]


# -- the cases ----------------------------------------------------------------------------


def test_the_chosen_real_issues(chosen: Chosen) -> None:
    """Which real issue stands for each kind (shown with -s; the report lists them)."""
    numbers = {kind: case.number for kind, case in chosen.cases.items()}
    print(numbers)  # noqa: T201 - the report of which real issues were replayed
    assert set(numbers) == set(KINDS)


@pytest.mark.parametrize("kind", ["verify-page", "merge"])
def test_whole_pages_become_one_verified_person(
    kind: str, handled: tuple[Service, dict[str, int], Replay]
) -> None:
    service, numbers, replay = handled
    case = replay.cases[kind]
    assert case.request is not None
    data = case.request.to_json()
    branch = assert_one_pull_with_notice(service, numbers[kind])
    assert_new_person_takes(service, replay, case, branch, data["sources"], "all")


def test_a_verification_with_a_paper_list_splits_the_page(
    handled: tuple[Service, dict[str, int], Replay],
) -> None:
    service, numbers, replay = handled
    case = replay.cases["verify-split"]
    assert case.request is not None
    data = case.request.to_json()
    # The listed papers are the ones the issue names (as ids or URLs).
    for paper in data["papers"]:
        assert paper in case.issue.body
    branch = assert_one_pull_with_notice(service, numbers["verify-split"])
    assert_new_person_takes(service, replay, case, branch, [data["source"]], data["papers"])


def test_a_name_change_edits_the_canonical_name_only(
    handled: tuple[Service, dict[str, int], Replay],
) -> None:
    service, numbers, replay = handled
    case = replay.cases["canonical-name"]
    assert case.request is not None
    person_id = case.request.to_json()["target"]["id"]
    branch = assert_one_pull_with_notice(service, numbers["canonical-name"])
    before, after = replay.people[person_id], people_at(service, branch)[person_id]
    # The preferred name comes first; every name the person had stays (papers print them).
    wanted = after["names"][0]
    full = f"{wanted.get('first', '')} {wanted['last']}".strip()
    assert full in case.issue.body and wanted not in before["names"][:1]
    for name in before["names"]:
        assert name in after["names"]
    assert {k: v for k, v in after.items() if k != "names"} == {
        k: v for k, v in before.items() if k != "names"
    }
    assert changed_slots(service, branch) == {}
    rest = people_at(service, branch)
    assert {k: v for k, v in rest.items() if k != person_id} == {
        k: v for k, v in replay.people.items() if k != person_id
    }


def test_a_request_without_papers_becomes_a_question(
    handled: tuple[Service, dict[str, int], Replay],
) -> None:
    service, numbers, replay = handled
    number = numbers["question"]
    [status] = [c.body for c in service.status_comments(number) if "anthology-bot:status" in c.body]
    assert "please answer" in status.lower()
    assert "waiting" in service.standin.issue(number).labels
    assert service.standin.branch_sha(branch_for_issue(number)) is None
    assert not [p for p in service.pulls() if p.pull and p.pull.head == branch_for_issue(number)]
    # The maintainers asked the same: which papers (the thread's first staff comment),
    # and their recorded comments were replayed into the thread, as maintainers.
    staff = [c for c in recorded_comments(replay.cases["question"].issue) if c.login in STAFF]
    assert staff and "which" in staff[0].body.lower()
    posted = [(c.user, c.body) for c in service.standin.comments_on(number)]
    assert [(c.login, c.body) for c in staff] == [p for p in posted if p[0] in STAFF]


def test_the_redis_store_gives_the_same_pull_request(
    handled: tuple[Service, dict[str, int], Replay], tmp_path: Path
) -> None:
    sqlite_service, numbers, replay = handled
    case = replay.cases["verify-split"]
    expected = changed_slots(sqlite_service, branch_for_issue(numbers[case.kind]))
    (tmp_path / "redis").mkdir()
    with (
        redis_server(tmp_path / "redis") as url,
        running_service(replay.template, tmp_path / "service", QUEUE_URL=url) as service,
    ):
        # The worker starts with the clone and name index the first service's worker
        # left, as a restarted worker does (the clone follows the new remote's URL):
        # the queue, not the 120 MB clone, is what this case is about.
        for part in ("clone", "index"):
            shutil.copytree(
                sqlite_service.settings.state_dir / part,
                service.settings.state_dir / part,
                symlinks=True,
            )
        number = file_case(service, case)
        assert service.run_worker(timeout=180) == 0, service.log_text()[-5000:]
        [job] = service.jobs(number)
        assert job.state == "done"
        branch = assert_one_pull_with_notice(service, number)
        assert changed_slots(service, branch) == expected


def test_the_command_line_makes_the_same_change(
    handled: tuple[Service, dict[str, int], Replay],
    chosen: Chosen,
    full_data_seeded_dir: Path,
    full_data_copy_factory: Callable[..., Path],
    tmp_path: Path,
) -> None:
    """``python -m bot apply`` on the stored issue file writes what the pull request holds,
    and the library, loading the result, moves exactly the listed papers; ``python -m
    bot parse`` on the question asks it (exit status 2)."""
    service, numbers, replay = handled
    case = replay.cases["verify-split"]
    data_dir = full_data_copy_factory()  # the same data as the service's repository
    index = Path(shutil.copyfile(chosen.index, tmp_path / "index.sqlite"))

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)

    issue_file = ISSUES / f"{case.number}.md"
    applied = bot("apply", "--data", str(data_dir), "--index", str(index), str(issue_file))
    assert applied.returncode == 0, applied.stderr
    changed: dict[SlotKey, str | None] = {}
    for path in sorted((data_dir / "xml").glob("*.xml")):
        original = (full_data_seeded_dir / "xml" / path.name).read_bytes()
        if path.read_bytes() != original:
            before, after = explicit_ids(original), explicit_ids(path.read_bytes())
            changed.update({k: v for k, v in after.items() if v != before[k]})
    branch = branch_for_issue(numbers[case.kind])
    assert changed == changed_slots(service, branch)
    people = json.loads((data_dir / "json" / "people.json").read_text(encoding="utf-8"))
    assert people == people_at(service, branch)
    # The library's own verdict on the result: exactly the listed papers' slots on the
    # page changed page (to the new person); every other slot of the Anthology stayed.
    after = library_resolution(load_library(data_dir))
    assert after.keys() == replay.resolution.keys()
    moved = {k: after[k] for k in after if after[k] != replay.resolution[k]}
    [new_id] = set(people) - set(replay.people)
    listed = set(case.request.to_json()["papers"]) if case.request else set()
    assert set(moved.values()) == {new_id}
    assert {key[0] for key in moved} == listed

    question = ISSUES / f"{replay.cases['question'].number}.md"
    asked = bot("parse", "--data", str(data_dir), "--index", str(index), str(question))
    assert asked.returncode == 2, asked.stderr
    # One line per problem, "field: question": here the papers of the mixed page.
    assert [line.split(":")[0] for line in asked.stderr.splitlines()] == ["papers"]


# -- the thread helper itself ----------------------------------------------------------------


def test_recorded_comments_are_read_in_order() -> None:
    threads = [
        recorded_comments(read_issue_text(path.read_text(encoding="utf-8")))
        for path in sorted(ISSUES.glob("[0-9]*.md"))
    ]
    assert sum(map(len, threads)) >= 40
    for comments in threads:
        assert all(c.login and c.body.strip() and not c.body.startswith("**") for c in comments)
