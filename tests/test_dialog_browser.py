"""The "Fixing paper assignments" dialog, driven in headless Chromium.

The suite serves the demo author pages (``bot.dialog.demo_pages``) of a copy of the
sample data on 127.0.0.1 (werkzeug's ``make_server`` in a thread), opens the
seed's page (``tingfeng-hui/unverified``) and others, ticks papers, chooses a
target, and takes the GitHub link the dialog produces. The link's query is turned
into the issue body GitHub would render from ``issue_templates/fix-paper-assignment.yml``
(``### <label>``, the answer or ``_No response_``, ``- [X]`` for the boxes the
user ticks on GitHub) and read back with ``bot.forms.parse_issue``: the request
must be exactly what was selected.

Browser tests are marked ``browser`` and skipped when ``/usr/bin/chromium`` (or
the playwright package) is missing. Every request except those to the test
server is blocked; github.com gets a stub page, so that the opened tab can be
checked. Screenshots go to ``test-artifacts/`` on every run, and to
``docs/dialog.png`` when that file is missing or ``UPDATE_DOCS_SCREENSHOT=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from bot.anthology.names import Name
from bot.dialog.author_page import UnknownPageError, build_page_data, search_people
from bot.dialog.demo_pages import demo
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request, Target

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "issue_templates" / "fix-paper-assignment.yml"
DIALOG_JS = REPO_ROOT / "bot" / "dialog" / "static" / "assignment-dialog.js"
ARTIFACTS = REPO_ROOT / "test-artifacts"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "dialog.png"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SEED_PAGE = "tingfeng-hui/unverified"
SEED_PAPERS = ("2025.acl-long.5", "2025.acl-long.12", "2023.findings-emnlp.3")
REPO = "acl-org/acl-anthology"
VALID_ORCID = "0000-0002-7182-8185"  # ORCID's documented example iD
WRONG_ORCID = "0000-0003-1415-9268"  # check digit wrong (9 would be right)

browser_test = pytest.mark.browser
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped",
)


# --------------------------------------------------------------------------- #
# The demo server
# --------------------------------------------------------------------------- #


def make_demo_app(data: AnthologyData) -> Flask:
    """A minimal app with just the demo blueprint."""
    app = Flask(__name__)
    app.config.update(
        ANTHOLOGY_DATA=data, ANTHOLOGY_REPO=REPO, ISSUE_FORM_BASE="https://github.com"
    )
    app.register_blueprint(demo)
    return app


class DemoServer:
    """The demo app on 127.0.0.1 in a thread of its own.

    The data is opened in the serving thread, since its SQLite index may only be
    used by the thread that opened it.
    """

    def __init__(self, data_dir: Path, index_path: Path) -> None:
        self.data_dir = data_dir
        self.index_path = index_path
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.server: BaseWSGIServer | None = None
        self.thread = threading.Thread(target=self._run, name="demo-server", daemon=True)

    def _run(self) -> None:
        try:
            data = AnthologyData(self.data_dir, self.index_path)
            self.server = make_server("127.0.0.1", 0, make_demo_app(data))
        except BaseException as exc:  # reported by start()
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        try:
            self.server.serve_forever(poll_interval=0.1)
        finally:
            data.close()

    def start(self) -> str:
        self.thread.start()
        self.ready.wait(120)
        if self.error is not None or self.server is None:
            raise RuntimeError(f"the demo server did not start: {self.error!r}")
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "index.sqlite"


@pytest.fixture
def data(sample_data_dir: Path, index_path: Path) -> Iterator[AnthologyData]:
    """The sample data, opened in the test's thread (for parsing and direct checks)."""
    opened = AnthologyData(sample_data_dir, index_path)
    yield opened
    opened.close()


@pytest.fixture
def server(data: AnthologyData, sample_data_dir: Path, index_path: Path) -> Iterator[str]:
    """The base URL of a demo server over the same data."""
    running = DemoServer(sample_data_dir, index_path)
    base = running.start()
    yield base
    running.stop()


# --------------------------------------------------------------------------- #
# The browser
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    playwright = sync_api.sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:  # noqa: BLE001 - any launch failure means: cannot test here
        playwright.stop()
        pytest.skip(f"Chromium at {CHROMIUM} does not start under playwright: {exc}")
    yield launched
    launched.close()
    playwright.stop()


GITHUB_STUB = "<!doctype html><title>GitHub (stub)</title><p>issue form</p>"


def _only_local(server_url: str) -> Any:
    """A route handler: the test server passes, github.com gets a stub, the rest fails."""

    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith(server_url):
            route.continue_()
        elif urlsplit(url).hostname == "github.com":
            route.fulfill(status=200, content_type="text/html", body=GITHUB_STUB)
        else:
            route.abort()

    return handle


def new_page(browser: Any, server_url: str, **context_args: Any) -> Any:
    context = browser.new_context(**context_args)
    context.route("**/*", _only_local(server_url))
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A desktop-sized tab (1000 px wide) that can only reach the test server."""
    tab = new_page(browser, server, viewport={"width": 1000, "height": 1000})
    yield tab
    tab.context.close()


def open_dialog(page: Any, server: str, author_page: str) -> None:
    page.goto(f"{server}/demo/author/{author_page}")
    page.get_by_role("button", name="Fixing paper assignments").click()
    page.get_by_role("dialog", name="Fixing paper assignments").wait_for(state="visible")


def tick(page: Any, paper_id: str) -> None:
    page.locator(f'#apd-dialog input[type=checkbox][value="{paper_id}"]').check()


def issue_link(page: Any) -> str:
    link = page.locator("#apd-submit")
    assert link.get_attribute("aria-disabled") is None, page.locator("#apd-summary").inner_text()
    href = link.get_attribute("href")
    assert href and link.get_attribute("target") == "_blank"
    return href


def save_screenshot(page: Any, name: str, *, docs: bool = False) -> Path:
    """Save a screenshot under test-artifacts/ (and docs/ when asked and due)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if docs and (not DOCS_SCREENSHOT.exists() or os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOT)
    return path


# --------------------------------------------------------------------------- #
# From the link to the issue GitHub would create, and back to a request
# --------------------------------------------------------------------------- #


def issue_from_link(href: str, template: Path = TEMPLATE) -> tuple[str, str, dict[str, str]]:
    """(title, body, query) of the issue GitHub creates from a pre-filled link.

    Every field of the template becomes ``### <label>`` and its value, or
    ``_No response_``; checkboxes are rendered ticked when required (the user
    ticks the confirmation on GitHub before creating the issue).
    """
    query = {key: values[-1] for key, values in parse_qs(urlsplit(href).query).items()}
    form = yaml.safe_load(template.read_text(encoding="utf-8"))
    sections: list[str] = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        label = element["attributes"]["label"]
        if element["type"] == "checkboxes":
            boxes = [
                f"- [{'X' if option.get('required') else ' '}] {option['label']}"
                for option in element["attributes"]["options"]
            ]
            sections.append(f"### {label}\n\n" + "\n".join(boxes))
        else:
            value = query.get(element["id"], "").strip()
            sections.append(f"### {label}\n\n{value or '_No response_'}")
    return query.get("title", ""), "\n\n".join(sections), query


def parse_link(href: str, data: AnthologyData) -> Request:
    """The request the bot reads from the issue the link creates; fails on any problem."""
    forms = pytest.importorskip("bot.forms", reason="bot/forms.py is not there yet")
    if not TEMPLATE.exists():
        pytest.skip(f"{TEMPLATE} is not there yet")
    title, body, _ = issue_from_link(href)
    result = forms.parse_issue(title, body, lookup=data)
    assert not result.problems, [p.to_json() for p in result.problems]
    assert result.request is not None
    return result.request


def template_options() -> list[str]:
    form = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    field = next(e for e in form["body"] if e.get("id") == "assign_to")
    return list(field["attributes"]["options"])


def check_link_shape(href: str, choice: str) -> dict[str, str]:
    """The link is GitHub's new-issue page of the repo, with the form and its fields."""
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc) == ("https", "github.com")
    assert parts.path == f"/{REPO}/issues/new"
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    assert query["template"] == TEMPLATE.name
    # GitHub documents link pre-filling for input and textarea fields only: the
    # dropdown is left untouched, and the target fields say what was chosen.
    assert "assign_to" not in query
    assert choice in template_options()
    if choice == template_options()[2]:
        assert query["target_page"] == choice
    assert set(query) <= {
        "template",
        "title",
        "author_page",
        "papers",
        "target_page",
        "name",
        "orcid",
        "institution",
        "notes",
    }
    assert len(href) < 8000
    return query


# --------------------------------------------------------------------------- #
# The page data (no browser)
# --------------------------------------------------------------------------- #


def test_page_data_of_the_seed_page(data: AnthologyData) -> None:
    page = build_page_data(data, "https://aclanthology.org/people/tingfeng-hui/unverified/")
    assert page["page"] == SEED_PAGE and page["verified"] is False
    assert page["person"] == {"name": "Tingfeng Hui", "first": "Tingfeng", "last": "Hui"}
    assert [p["id"] for p in page["papers"]] == list(SEED_PAPERS)
    for paper in page["papers"]:
        assert paper["authors"][paper["slot"]] == "Tingfeng Hui"
    findings = page["papers"][2]
    assert (findings["venue"], findings["year"], findings["slot"]) == ("Findings", "2023", 1)
    assert findings["volume"].startswith("Findings of the Association")
    assert (page["papers"][0]["venue"], page["papers"][0]["year"]) == ("ACL", "2025")
    assert {"id": "kai-hui", "name": "Kai Hui"} in page["existing_pages"]
    assert page["repo"] == REPO and page["issue_form"]["template"] == TEMPLATE.name


def test_page_data_of_a_verified_page_with_an_edited_volume(data: AnthologyData) -> None:
    page = build_page_data(data, "hua-wu")
    assert page["verified"] is True and page["person"]["name"] == "Hua Wu"
    by_id = {p["id"]: p for p in page["papers"]}
    assert by_id["2021.autosimtrans-1"]["role"] == "editor"
    assert by_id["P18-1103"]["year"] == "2018" and by_id["P18-1103"]["venue"] == "ACL"
    assert all(p["authors"][p["slot"]] == "Hua Wu" for p in page["papers"])
    assert all(e["id"] != "hua-wu" for e in page["existing_pages"])
    assert len(page["existing_pages"]) <= 50


def test_unknown_pages_are_refused(data: AnthologyData) -> None:
    for text in ("nobody-at-all", "nobody-at-all/unverified", "not a page"):
        with pytest.raises(UnknownPageError):
            build_page_data(data, text)


def test_people_search(data: AnthologyData) -> None:
    assert search_people(data.people, "weiran")[0]["id"] == "weiran-xu"
    assert search_people(data.people, "Xu Weir")[0]["id"] == "weiran-xu"
    assert search_people(data.people, "hui", exclude="kai-hui")[:1] != [
        {"id": "kai-hui", "name": "Kai Hui"}
    ]
    assert search_people(data.people, "  ") == []


def test_demo_routes(data: AnthologyData) -> None:
    client = make_demo_app(data).test_client()
    page = client.get(f"/demo/author/{SEED_PAGE}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="author-page-data"' in html and "Fixing paper assignments" in html
    missing = client.get("/demo/author/nobody-at-all")
    assert missing.status_code == 404 and "No such author page" in missing.get_data(as_text=True)
    assert client.get("/demo/people/suggest?q=weiran").get_json()[0]["id"] == "weiran-xu"
    assert client.get("/demo/static/assignment-dialog.js").status_code == 200
    assert client.get("/demo/static/assignment-dialog.css").status_code == 200


def test_dialog_uses_the_templates_option_texts() -> None:
    if not TEMPLATE.exists():
        pytest.skip(f"{TEMPLATE} is not there yet")
    script = DIALOG_JS.read_text(encoding="utf-8")
    for option in template_options():
        assert f'"{option}"' in script
    form = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    ids = {e.get("id") for e in form["body"]}
    assert '["assign_to"' not in script  # a dropdown: never pre-filled by the link
    for field_id in (
        "author_page",
        "papers",
        "target_page",
        "name",
        "orcid",
        "institution",
        "notes",
    ):
        assert field_id in ids and re.search(rf'"{field_id}"', script)


def test_issue_body_rendering() -> None:
    if not TEMPLATE.exists():
        pytest.skip(f"{TEMPLATE} is not there yet")
    title, body, _ = issue_from_link(
        "https://github.com/o/r/issues/new?title=T&papers=a%0Ab&assign_to=X"
    )
    assert title == "T"
    assert "### Papers to reassign\n\na\nb\n\n" in body
    assert "_No response_" in body and "- [X] " in body


# --------------------------------------------------------------------------- #
# The dialog in the browser
# --------------------------------------------------------------------------- #


@browser_test
@needs_chromium
def test_existing_page_via_typeahead(page: Any, server: str, data: AnthologyData) -> None:
    open_dialog(page, server, SEED_PAGE)
    dialog = page.locator("#apd-dialog")
    assert dialog.get_attribute("aria-labelledby") == "apd-title"
    tick(page, "2025.acl-long.5")
    tick(page, "2025.acl-long.12")
    assert page.locator("#apd-count").inner_text() == "2 of 3 selected"
    page.get_by_label("An existing author page").check()
    combo = page.get_by_role("combobox", name="Author page of this person")

    # Pasting the page the papers are on, or an unverified page, is refused as typed.
    combo.fill("https://aclanthology.org/people/tingfeng-hui/unverified/")
    assert "already on this page" in page.locator("#apd-target-error").inner_text()
    assert combo.get_attribute("aria-invalid") == "true"
    combo.fill("https://aclanthology.org/people/kai-hui/unverified/")
    assert "unverified page" in page.locator("#apd-target-error").inner_text()
    assert page.locator("#apd-submit").get_attribute("href") is None

    # Names not embedded in the page come from the server's suggestions.
    combo.fill("weir")
    page.get_by_role("option", name=re.compile("Weiran Xu")).wait_for()
    # The embedded list offers Kai Hui; choose him with the keyboard.
    combo.fill("Hui")
    option = page.get_by_role("option", name=re.compile("Kai Hui"))
    option.wait_for()
    assert combo.get_attribute("aria-expanded") == "true"
    combo.press("ArrowDown")
    assert combo.get_attribute("aria-activedescendant") == "apd-option-0"
    combo.press("Enter")
    assert combo.input_value() == "Kai Hui"
    assert combo.get_attribute("aria-expanded") == "false"
    assert (
        "https://aclanthology.org/people/kai-hui/"
        in page.locator("#apd-target-status").inner_text()
    )

    href = issue_link(page)
    query = check_link_shape(href, "An existing author page")
    assert query["papers"] == "2025.acl-long.5\n2025.acl-long.12"
    assert query["title"] == f"Paper assignment: {SEED_PAGE}"
    assert "labels" not in query  # the template labels the issue; see docs/prefill-links.md
    assert parse_link(href, data) == Request(
        sources=SEED_PAGE,
        papers=("2025.acl-long.5", "2025.acl-long.12"),
        target=Target(kind="existing", id="kai-hui"),
    )


@browser_test
@needs_chromium
def test_new_page_with_orcid(page: Any, server: str, data: AnthologyData) -> None:
    open_dialog(page, server, SEED_PAGE)
    page.get_by_role("button", name="Select all").click()
    assert page.locator("#apd-count").inner_text() == "3 of 3 selected"
    page.get_by_role("button", name="Select none").click()
    assert page.locator("#apd-count").inner_text() == "0 of 3 selected"
    assert "Select at least one paper" in page.locator("#apd-papers-error").inner_text()
    page.get_by_role("button", name="Select all").click()

    page.get_by_label("A new author page for this person").check()
    assert page.get_by_label("Name", exact=True).input_value() == "Tingfeng Hui"
    orcid = page.get_by_label("ORCID iD (required)")
    orcid.fill(WRONG_ORCID)
    status = page.locator("#apd-orcid-status")
    assert "a digit is mistyped or missing" in status.inner_text()
    assert "https://orcid.org/" in status.inner_text() and "9" not in status.inner_text()
    assert orcid.get_attribute("aria-invalid") == "true"
    submit = page.locator("#apd-submit")
    assert submit.get_attribute("aria-disabled") == "true" and submit.get_attribute("href") is None
    # Refused (Playwright does not click aria-disabled controls unless forced): the
    # summary says why and the ORCID field gets the focus.
    submit.click(force=True)
    assert page.evaluate("document.activeElement.id") == "apd-orcid"
    assert "a digit is mistyped" in page.locator("#apd-summary").inner_text()

    orcid.fill("")
    orcid.type("https://orcid.org/" + VALID_ORCID.lower())
    assert status.inner_text() == f"\u2713 Valid ORCID iD: {VALID_ORCID}"
    assert orcid.get_attribute("aria-invalid") is None
    page.get_by_label("Institution of highest (anticipated) degree").fill(
        "Beijing University of Posts and Telecommunications"
    )
    href = issue_link(page)
    query = check_link_shape(href, "A new author page for this person")
    assert query["orcid"] == VALID_ORCID and query["name"] == "Tingfeng Hui"
    assert parse_link(href, data) == Request(
        sources=SEED_PAGE,
        papers=SEED_PAPERS,
        target=Target(
            kind="new",
            orcid=VALID_ORCID,
            degree="Beijing University of Posts and Telecommunications",
            name=Name("Tingfeng", "Hui"),
        ),
    )


@browser_test
@needs_chromium
def test_unverified_target(page: Any, server: str, data: AnthologyData) -> None:
    # On an unverified page there is nowhere "more unverified" to go.
    open_dialog(page, server, SEED_PAGE)
    assert page.get_by_label("No author page (unverified)").is_disabled()

    open_dialog(page, server, "hua-wu")
    tick(page, "2025.acl-long.12")
    page.get_by_label("No author page (unverified)").check()
    page.get_by_label("Anything else staff should know (optional)").fill(
        "This Hua Wu is a different person."
    )
    href = issue_link(page)
    check_link_shape(href, "No author page (unverified)")
    request = parse_link(href, data)
    assert request == Request(
        sources="hua-wu",
        papers=("2025.acl-long.12",),
        target=Target(kind="unverified"),
        notes="This Hua Wu is a different person.",
    )


@browser_test
@needs_chromium
def test_keyboard_only(page: Any, server: str, data: AnthologyData) -> None:
    page.goto(f"{server}/demo/author/{SEED_PAGE}")
    active = "document.activeElement"

    def press_until(key: str, condition: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press(key)
            if page.evaluate("document.getElementById('apd-dialog')?.open"):
                assert page.evaluate(f"document.getElementById('apd-dialog').contains({active})")
            if page.evaluate(condition):
                return
        raise AssertionError(f"{condition} never became true")

    press_until("Tab", f"{active}.matches('[data-assignment-dialog-open]')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('apd-dialog').open")
    assert page.evaluate(f"{active}.value") == SEED_PAPERS[0]
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#apd-count").inner_text() == "2 of 3 selected"

    press_until("Tab", f"{active}.id === 'apd-kind-existing'")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate(f"{active}.id") == "apd-target-page"
    page.keyboard.type("kai h")
    page.get_by_role("option", name=re.compile("Kai Hui")).wait_for()
    page.keyboard.press("Escape")  # closes the list only
    assert page.evaluate("document.getElementById('apd-dialog').open")
    assert page.locator("#apd-suggestions").is_hidden()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("#apd-target-page").input_value() == "Kai Hui"

    press_until("Tab", f"{active}.id === 'apd-submit'")
    href = issue_link(page)
    with page.expect_popup() as popup_info:
        page.keyboard.press("Enter")
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == href
    popup.close()
    assert parse_link(href, data).target == Target(kind="existing", id="kai-hui")

    # The focus stays in the dialog: Tab from the last control wraps to the first.
    page.locator("#apd-submit").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(f"{active}.classList.contains('apd-close')")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"{active}.id") == "apd-submit"
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('apd-dialog').open")
    assert page.evaluate(f"{active}.matches('[data-assignment-dialog-open]')")


@browser_test
@needs_chromium
def test_phone_viewport(browser: Any, server: str) -> None:
    width, height = 390, 844
    phone = new_page(
        browser,
        server,
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        phone.goto(f"{server}/demo/author/{SEED_PAGE}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= width
        phone.get_by_role("button", name="Fixing paper assignments").tap()
        dialog = phone.get_by_role("dialog", name="Fixing paper assignments")
        dialog.wait_for(state="visible")
        box = dialog.bounding_box()
        assert box is not None
        assert (round(box["x"]), round(box["width"])) == (0, width)
        assert box["height"] <= height + 1
        tick(phone, "2025.acl-long.5")
        phone.get_by_label("A new author page for this person").tap()
        phone.get_by_label("ORCID iD (required)").fill(VALID_ORCID)
        for selector in (".apd-body", ".apd-paper-list", ".apd-footer"):
            overflow = phone.evaluate(
                "(sel) => { const e = document.querySelector(sel);"
                " return e.scrollWidth - e.clientWidth; }",
                f"#apd-dialog {selector}",
            )
            assert overflow <= 0, f"{selector} scrolls sideways on a phone"
        font = phone.evaluate(
            "parseFloat(getComputedStyle(document.getElementById('apd-orcid')).fontSize)"
        )
        assert font >= 16  # no zooming in on focus
        submit = phone.locator("#apd-submit").bounding_box()
        assert submit is not None and submit["y"] + submit["height"] <= height
        assert submit["height"] >= 44  # a comfortable tap target
        save_screenshot(phone, "dialog-phone.png")
    finally:
        phone.context.close()


@browser_test
@needs_chromium
def test_screenshot(page: Any, server: str) -> None:
    page.set_viewport_size({"width": 1000, "height": 1350})
    open_dialog(page, server, SEED_PAGE)
    tick(page, "2025.acl-long.5")
    tick(page, "2025.acl-long.12")
    page.get_by_label("A new author page for this person").check()
    page.get_by_label("ORCID iD (required)").fill(VALID_ORCID)
    page.locator("#apd-institution").fill("Beijing University of Posts and Telecommunications")
    page.locator("#apd-orcid").focus()
    page.locator("#apd-dialog .apd-body").evaluate("body => { body.scrollTop = 0; }")
    path = save_screenshot(page, "dialog.png", docs=True)
    assert path.stat().st_size > 10_000


@browser_test
@needs_chromium
def test_too_long_link_is_refused_with_a_message(page: Any, server: str) -> None:
    open_dialog(page, server, "hua-wu")
    tick(page, "2025.acl-long.12")
    page.get_by_label("No author page (unverified)").check()
    notes = page.get_by_label("Anything else staff should know (optional)")
    notes.fill("x" * 9000)
    summary = page.locator("#apd-summary").inner_text()
    assert "too long for one GitHub link" in summary and "Select fewer papers" in summary
    assert page.locator("#apd-submit").get_attribute("href") is None
    notes.fill("short")
    assert page.locator("#apd-submit").get_attribute("href")


ORCID_SAMPLES = (
    "0000-0002-7182-8185",
    "https://orcid.org/0000-0002-7182-8185/",
    "http://www.orcid.org/0000-0002-7182-8185",
    "ORCID: 0000 0002 7182 8185",
    "0000000271828185",
    "0000-0002-1694-233x",
    "https://orcid.org/my-orcid?orcid=0000-0002-1694-233X",
    "0000\u20130002\u20137182\u20138185",
    "0000-0002-1825-0098",
    "0000-0002-1825-009",
    "0000-0002-7182-81857",
    "000X-0002-1825-0097",
    "0000-0002-1825-0097",  # ORCID's documented example: refused by both
    "https://orcid.org/0000 0002 1825 0097",
    "not an orcid",
)


@browser_test
@needs_chromium
def test_orcid_check_agrees_with_the_bot(page: Any, server: str) -> None:
    from bot.anthology.people import OrcidError, normalize_orcid

    page.goto(f"{server}/demo/author/{SEED_PAGE}")
    for text in ORCID_SAMPLES:
        shown = page.evaluate("t => window.AnthologyAssignmentDialog.normalizeOrcid(t)", text)
        try:
            expected = normalize_orcid(text)
        except OrcidError:
            assert shown["status"] != "valid", text
        else:
            assert (shown["status"], shown["value"]) == ("valid", expected), text
