"""Hostile input, end to end: markup in names and notes, path traversal, huge bodies, shells.

The issues go through the real service (web app over HTTP, a worker process,
the GitHub stand-in with its 65,536-character limit on comments and bodies,
git over HTTP). What must hold:

* markup and mentions from the issue reach GitHub only escaped (the status
  comment and the pull request body), and the XML files change only in the
  ``id`` attribute of the slots the plan names (a name never enters the XML);
* path traversal in page or paper ids is a question for the person, and no
  file outside ``data/`` (nor any file at all) is touched;
* thousands of papers, or hundreds of lines that are not papers, are refused
  with a short question that GitHub accepts;
* a huge webhook body is refused (413, explained) or read quickly;
* the bot never hands anything to a shell (checked in its source).
"""

from __future__ import annotations

import ast
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from bot.forms.body import render_form_body
from bot.worker.jobs.issue import branch_for_issue
from demo.run import SEED_ANSWERS, SEED_TITLE
from tests.fuzz_targets import check_markdown
from tests.github_standin.webhooks import sign
from tests.service_harness import Service

BOT = Path(__file__).resolve().parent.parent / "bot"
REPO = "acl-org/acl-anthology"
ISSUE_LABELS = ["correction", "author-page", "meta:move"]
HOSTILE_NOTES = (
    "@everyone look: <script>alert(1)</script> [click](javascript:alert(1)) "
    "![x](https://evil.example/p.png) <!-- --> | a | b | ${{ secrets.GITHUB_TOKEN }}"
)


def file_issue(service: Service, **answers: str) -> int:
    body = render_form_body(dict(SEED_ANSWERS, **answers))
    number, payload = service.standin.open_issue(
        SEED_TITLE, body, user="tingfeng-hui", labels=ISSUE_LABELS
    )
    assert service.deliver("issues", payload).status_code == 202
    return number


def status_comment(service: Service, number: int) -> str:
    comments = service.status_comments(number)
    assert len(comments) == 1, (comments, service.log_text())
    return comments[0].body


# -- markup in names and notes --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        '</author><author id="x">',
        "@everyone",
        "Tingfeng <script>alert(1)</script> Hui",
        "[Tingfeng Hui](javascript:alert(1))",
    ],
)
def test_markup_in_a_name_is_a_question_never_an_id(service: Service, name: str) -> None:
    """Markup typed as the name of a new person is refused with a question (issue 11)."""
    number = file_issue(service, name=name, notes=HOSTILE_NOTES)
    assert service.run_worker() == 0, service.log_text()
    comment = status_comment(service, number)
    check_markdown(comment)
    assert "secrets.GITHUB_TOKEN" not in comment
    assert "cannot use the name" in comment, comment
    assert service.pulls() == []


def test_markup_in_the_notes_is_escaped_and_never_enters_the_xml(service: Service) -> None:
    number = file_issue(service, notes=HOSTILE_NOTES)
    assert service.run_worker() == 0, service.log_text()

    comment = status_comment(service, number)
    [pull] = service.pulls()
    for text in (comment, pull.body or "", pull.title):
        check_markdown(text)
    assert "secrets.GITHUB_TOKEN" not in comment  # notes are not echoed at all
    branch = branch_for_issue(number)
    changed = service.standin.git("diff", "--name-only", f"master...{branch}").split()
    assert changed and all(path.startswith("data/") for path in changed), changed
    diff = service.standin.git("diff", "--unified=0", f"master...{branch}", "--", "data/xml")
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    removed = [line[1:] for line in lines if line.startswith("-")]
    added = [line[1:] for line in lines if line.startswith("+")]
    assert len(removed) == len(added) == 3
    for old, new in zip(removed, added, strict=True):
        assert re.sub(r' id="[^"]*"', "", old) == re.sub(r' id="[^"]*"', "", new)
    for path in changed:
        content = service.standin.git("show", f"{branch}:{path}").encode()
        if path.endswith(".xml"):
            etree.fromstring(content)  # still well-formed
    people = json.loads(service.standin.git("show", f"{branch}:data/json/people.json"))
    before = json.loads(service.standin.git("show", "master:data/json/people.json"))
    [new_id] = set(people) - set(before)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", new_id)


# -- path traversal --------------------------------------------------------------------------


def test_path_traversal_in_ids_is_a_question_and_touches_nothing(service: Service) -> None:
    passwd = Path("/etc/passwd")
    before = passwd.stat().st_mtime_ns if passwd.exists() else None
    numbers = [
        file_issue(service, author_page="../../etc/passwd"),
        file_issue(service, papers="../../etc/passwd\n..%2F..%2Fetc%2Fpasswd\n/etc/passwd"),
        file_issue(
            service,
            author_page="https://aclanthology.org/people/../../etc/passwd/",
            papers="https://aclanthology.org/../../../etc/passwd/",
        ),
    ]
    assert service.run_worker() == 0, service.log_text()
    for number in numbers:
        [job] = service.jobs(number)
        assert job.state == "waiting", job
        comment = status_comment(service, number)
        check_markdown(comment)
        assert "please answer" in comment.lower()
        assert service.standin.branch_sha(branch_for_issue(number)) is None
    assert service.pulls() == []
    assert (passwd.stat().st_mtime_ns if passwd.exists() else None) == before
    state = Path(service.settings.state_dir)
    assert not [p for p in state.rglob("*passwd*")]
    assert not (state / "worktrees").exists() or not any((state / "worktrees").iterdir())


# -- too much --------------------------------------------------------------------------------


def test_thousands_of_papers_are_refused_with_a_short_question(service: Service) -> None:
    many = file_issue(service, papers="\n".join(f"2025.acl-long.{i}" for i in range(1, 3001)))
    titles = file_issue(
        service, papers="\n".join(f"A paper that does not exist, part {i}" for i in range(180))
    )
    unknown = file_issue(
        service, papers="\n".join(f"https://aclanthology.org/W11-{2200 + i}/" for i in range(150))
    )
    started = time.monotonic()
    assert service.run_worker() == 0, service.log_text()
    assert time.monotonic() - started < 60

    comment = status_comment(service, many)
    assert "3000 papers are listed; one request can move at most 200" in comment
    for number in (many, titles, unknown):
        [job] = service.jobs(number)
        assert job.state == "waiting", (job, service.log_text())
        text = status_comment(service, number)
        check_markdown(text)
        assert len(text) < 30_000, len(text)
    assert "more lines of the list could not be matched" in status_comment(service, titles)
    assert "more papers are not in the Anthology" in status_comment(service, unknown)
    assert service.pulls() == []


def test_a_huge_webhook_body_is_refused_or_read_quickly(service: Service) -> None:
    import requests

    from tests.github_standin import build_delivery

    number, payload = service.standin.open_issue(
        SEED_TITLE, render_form_body(dict(SEED_ANSWERS)), labels=ISSUE_LABELS
    )
    too_big = b"{" + b" " * (26 * 1024 * 1024) + b"}"
    _, headers = build_delivery("issues", payload, "e2e-webhook-secret")
    response = requests.post(
        f"{service.web_url}/webhook", data=too_big, headers=headers, timeout=30
    )
    assert response.status_code == 413
    assert "25 MB" in response.json()["error"]

    payload["issue"]["body"] += "\n" + "x" * (20 * 1024 * 1024)  # 20 MB of issue body
    started = time.monotonic()
    response = service.deliver("issues", payload)
    assert response.status_code == 202, response.text
    assert time.monotonic() - started < 5
    assert [job.issue_number for job in service.jobs()] == [number]


def test_a_payload_the_triage_cannot_read_is_refused_and_not_recorded(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.queue.stores import open_store
    from bot.web.app import create_app
    from bot.web.router import Router
    from tests.github_standin import build_delivery

    router = Router()

    @router.route("issues", "opened")
    def broken(payload: dict, context: object) -> None:
        raise TypeError("a triage bug")

    settings = Settings.from_env({"BOT_STATE_DIR": str(tmp_path), "GITHUB_WEBHOOK_SECRET": "s"})
    store = open_store(settings.queue_url)
    client = create_app(settings, store=store, router=router).test_client()
    payload = {"action": "opened", "issue": {"number": 1}, "repository": {"full_name": REPO}}
    body, headers = build_delivery("issues", payload, "s", "delivery-1")
    response = client.post("/webhook", data=body, headers=headers)
    assert response.status_code == 400
    assert "shape" in response.get_json()["error"]
    assert store.delivery("delivery-1") is None  # GitHub may redeliver it after a fix
    deep = b"[" * 100_000 + b"]" * 100_000
    _, headers = build_delivery("issues", {}, "s")
    headers["X-Hub-Signature-256"] = sign(deep, "s")
    response = client.post("/webhook", data=deep, headers=headers)
    assert response.status_code == 400 and response.get_json()["error"] == "the body is not JSON"
    store.close()


# -- no shell ------------------------------------------------------------------------------


SHELL_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "execl"),
    ("os", "execlp"),
    ("os", "execv"),
    ("os", "execvp"),
    ("os", "spawnl"),
    ("os", "spawnlp"),
    ("os", "spawnv"),
    ("os", "spawnvp"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("pty", "spawn"),
}
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def test_the_bot_never_uses_a_shell() -> None:
    """Branch names, command arguments and ids go to git as list items, never via a shell."""
    files = sorted(BOT.rglob("*.py"))
    assert len(files) > 20
    findings = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        if "shell=True" in source.replace(" ", ""):
            findings.append(f"{path}: shell=True")
        for call in _calls(ast.parse(source, filename=str(path))):
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                pair = (func.value.id, func.attr)
                if pair in SHELL_CALLS:
                    findings.append(f"{path}:{call.lineno}: {pair[0]}.{pair[1]}")
                if func.value.id == "subprocess" and func.attr in SUBPROCESS_CALLS:
                    first = call.args[0] if call.args else None
                    if not isinstance(first, ast.List | ast.Tuple | ast.Name | ast.Starred):
                        findings.append(f"{path}:{call.lineno}: subprocess.{func.attr} of a str")
            for keyword in call.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    findings.append(f"{path}:{call.lineno}: shell=")
            if isinstance(func, ast.Name) and func.id in ("eval", "exec"):
                findings.append(f"{path}:{call.lineno}: {func.id}")
    assert findings == []
    assert os.sep  # the check ran on this platform's paths
