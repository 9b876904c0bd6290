"""The dialog on a real Hugo site shaped like the Anthology's author pages.

A minimal site is written per module: data files in the shape the Anthology's
``create_hugo_data.py`` produces (people with their paper ids; papers by
collection, each with its author list of ``id`` and ``full``, the name as
printed), built from the bundled sample data; a ``people/single.html`` layout
that, like the Anthology's, looks up the page's person and calls the partial
``site/hugo/layouts/partials/fix-paper-assignments.html``; the dialog's script and
stylesheet from ``bot/dialog/static/`` under ``static/assignment-dialog/``.

Debian's ``hugo`` builds it; the built pages are served from 127.0.0.1 and opened
in headless Chromium: tick papers, choose a target, and the link the dialog makes,
rendered to the issue body GitHub writes (``bot.forms.body``) and parsed by the
bot (``bot.forms``), is exactly the request that was clicked together.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slugify import slugify

from bot.dialog.author_page import build_page_data
from bot.engine.dataset import AnthologyData
from bot.engine.request import Request, Target
from bot.forms import parse_issue
from bot.forms.body import render_form_body
from tests.test_dialog_browser import browser, issue_link, new_page, tick  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
PARTIAL = REPO_ROOT / "site" / "hugo" / "layouts" / "partials" / "fix-paper-assignments.html"
STATIC = REPO_ROOT / "bot" / "dialog" / "static"
HUGO = shutil.which("hugo")
SEED_PAGE = "tingfeng-hui/unverified"
OTHER_PAGE = "hua-wu"
ORCID = "0000-0001-5109-3700"  # a valid iD that is not ORCID's documentation example
INSTITUTION = "Beijing University of Posts and Telecommunications"

needs_hugo = pytest.mark.skipif(
    HUGO is None, reason="hugo is not installed (apt-get install hugo; ./dev test does it)"
)

# The page layout, written for this test in the shape of the Anthology's
# hugo/layouts/people/single.html: the person entry from the site data, the
# papers by year, and the partial in the side column.
SINGLE = """{{ define "main" }}
{{ $person := index .Site.Data.people .Params.name }}
<h2 id="title">{{ $person.first }} <b>{{ $person.last }}</b></h2>
<div class="row"><div class="col-lg-9">
{{ range $person.papers }}
  {{ $paper := index (index $.Site.Data.papers (index (split . "-") 0)) . }}
  <p class="paper"><a href="/{{ . }}/">{{ $paper.title }}</a>
  {{ range $paper.author }}<span class="author">{{ .full }}</span>{{ end }}</p>
{{ end }}
</div><div class="col-lg-3">
{{ partial "fix-paper-assignments.html" (dict "ctx" . "person" $person "id" .Params.name) }}
</div></div>
{{ end }}
"""
BASEOF = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ .Title }}</title></head><body><main>{{ block "main" . }}{{ end }}</main></body></html>
"""
CONFIG = """baseURL = "http://127.0.0.1/"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[params.assignment_dialog]
repo = "acl-org/acl-anthology"
"""


def person_id_of(page: str) -> str:
    """The person id used in the fixture's author entries for a page."""
    return page.replace("/", "--")


def write_site(site: Path, data: AnthologyData, pages: list[str]) -> dict[str, dict[str, Any]]:
    """The fixture site for ``pages``; returns the bot's own page data of each."""
    expected = {page: build_page_data(data, page) for page in pages}
    people: dict[str, Any] = {}
    papers: dict[str, dict[str, Any]] = {}
    for page, info in expected.items():
        person_id = person_id_of(page)
        people[person_id] = {
            "first": info["person"]["first"],
            "last": info["person"]["last"],
            "full": info["person"]["name"],
            "slug": page,
            "papers": [p["id"] for p in info["papers"]],
            "similar": [p["id"] for p in info["existing_pages"]],
        }
        for other in info["existing_pages"]:
            people.setdefault(other["id"], {"full": other["name"], "papers": []})
        for paper in info["papers"]:
            collection = paper["id"].split("-")[0]
            entry = papers.setdefault(collection, {}).setdefault(
                paper["id"],
                {
                    "title": paper["title"],
                    "year": paper["year"],
                    "booktitle": paper["volume"],
                    "venue": [paper["venue"].lower()] if paper["venue"] else [],
                    paper["role"]: [{"id": slugify(n), "full": n} for n in paper["authors"]],
                },
            )
            entry[paper["role"]][paper["slot"]]["id"] = person_id
    (site / "layouts" / "people").mkdir(parents=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "layouts" / "partials").mkdir(parents=True)
    (site / "layouts" / "people" / "single.html").write_text(SINGLE, encoding="utf-8")
    (site / "layouts" / "_default" / "baseof.html").write_text(BASEOF, encoding="utf-8")
    shutil.copy(PARTIAL, site / "layouts" / "partials" / PARTIAL.name)
    (site / "config.toml").write_text(CONFIG, encoding="utf-8")
    shutil.copytree(STATIC, site / "static" / "assignment-dialog")
    (site / "data" / "papers").mkdir(parents=True)
    (site / "data" / "people.json").write_text(json.dumps(people), encoding="utf-8")
    for collection, entries in papers.items():
        path = site / "data" / "papers" / f"{collection}.json"
        path.write_text(json.dumps(entries), encoding="utf-8")
    for page in pages:
        content = site / "content" / "people" / f"{page}.md"
        content.parent.mkdir(parents=True, exist_ok=True)
        front = {"title": expected[page]["person"]["name"], "name": person_id_of(page)}
        content.write_text(f"---\n{json.dumps(front)}\n---\n", encoding="utf-8")
    return expected


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnthologyData]:
    root = tmp_path_factory.mktemp("sample")
    data_dir = Path(shutil.copytree(REPO_ROOT / "sample" / "data", root / "data"))
    opened = AnthologyData(data_dir, root / "index.sqlite")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def built(
    sample: AnthologyData, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, dict[str, Any]]]:
    """(public directory, the bot's page data per page) of a real Hugo build."""
    if HUGO is None:
        pytest.skip("hugo is not installed (apt-get install hugo; ./dev test does it)")
    site = tmp_path_factory.mktemp("site")
    expected = write_site(site, sample, [SEED_PAGE, OTHER_PAGE])
    public = site / "public"
    result = subprocess.run(
        [HUGO, "--source", str(site), "--destination", str(public), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return public, expected


def embedded_data(html_text: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="author-page-data">(.*?)</script>',
        html_text,
        re.DOTALL,
    )
    assert found is not None, html_text[:2000]
    return json.loads(found[1])


@needs_hugo
def test_the_partial_gives_the_dialog_what_the_page_has(
    built: tuple[Path, dict[str, dict[str, Any]]],
) -> None:
    public, expected = built
    for page, want in expected.items():
        html_text = (public / "people" / page / "index.html").read_text(encoding="utf-8")
        got = embedded_data(html_text)
        assert got["version"] == 1
        assert (got["page"], got["verified"], got["repo"]) == (
            page,
            want["verified"],
            "acl-org/acl-anthology",
        )
        assert got["page_url"] == f"https://aclanthology.org/people/{page}/"
        assert got["person"] == want["person"]
        keys = ("id", "title", "year", "authors", "slot", "role", "volume")
        assert [{k: p[k] for k in keys} for p in got["papers"]] == [
            {k: p[k] for k in keys} for p in want["papers"]
        ]
        assert got["existing_pages"] == [
            {"id": p["id"], "name": p["name"]} for p in want["existing_pages"]
        ]
        assert got["issue_form"]["base"] == "https://github.com"
        assert got["issue_form"]["template"] == "fix-paper-assignment.yml"
        assert 'src="/assignment-dialog/assignment-dialog.js"' in html_text
        assert (public / "assignment-dialog" / "assignment-dialog.js").is_file()


@pytest.fixture(scope="module")
def site_url(built: tuple[Path, dict[str, dict[str, Any]]]) -> Iterator[str]:
    """The built site served from 127.0.0.1."""
    public, _ = built
    handler = functools.partial(_QuietFiles, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(10)


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


def request_from_link(href: str, data: AnthologyData) -> Request:
    """The issue GitHub creates from the link (as bot.forms.body renders it), parsed."""
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "github.com",
        "/acl-org/acl-anthology/issues/new",
    )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    assert query.pop("template") == "fix-paper-assignment.yml"
    assert "assign_to" not in query  # dropdowns are not pre-filled by link
    title = query.pop("title")
    result = parse_issue(title, render_form_body(query), lookup=data)
    assert not result.problems, [p.to_json() for p in result.problems]
    assert result.request is not None
    return result.request


@pytest.mark.browser
@needs_hugo
def test_the_dialog_on_the_built_page_makes_the_intended_request(
    browser: Any,  # noqa: F811
    site_url: str,
    sample: AnthologyData,
    built: tuple[Path, dict[str, dict[str, Any]]],
) -> None:
    _, expected = built
    seed_papers = [p["id"] for p in expected[SEED_PAGE]["papers"]]
    page = new_page(browser, site_url, viewport={"width": 1000, "height": 1000})
    try:
        # Two of the seed page's papers belong to a new person with an ORCID iD.
        page.goto(f"{site_url}/people/{SEED_PAGE}/")
        page.get_by_role("button", name="Fixing paper assignments").click()
        page.get_by_role("dialog", name="Fixing paper assignments").wait_for(state="visible")
        for paper in seed_papers[:2]:
            tick(page, paper)
        page.get_by_label("A new author page for this person").check()
        page.get_by_label("ORCID iD (required)").fill(ORCID)
        page.get_by_label("Institution of highest (anticipated) degree").fill(INSTITUTION)
        request = request_from_link(issue_link(page), sample)
        assert request.source == SEED_PAGE
        assert request.papers == tuple(seed_papers[:2])
        assert request.target.kind == "new"
        assert (request.target.orcid, request.target.degree) == (ORCID, INSTITUTION)
        assert str(request.target.name) == "Tingfeng Hui"

        # A paper on a verified page that belongs to nobody: no author page.
        page.goto(f"{site_url}/people/{OTHER_PAGE}/")
        page.get_by_role("button", name="Fixing paper assignments").click()
        page.get_by_role("dialog", name="Fixing paper assignments").wait_for(state="visible")
        paper = expected[OTHER_PAGE]["papers"][0]["id"]
        tick(page, paper)
        page.get_by_label("No author page (unverified)").check()
        assert request_from_link(issue_link(page), sample) == Request(
            source=OTHER_PAGE, papers=(paper,), target=Target(kind="unverified")
        )
    finally:
        page.context.close()
