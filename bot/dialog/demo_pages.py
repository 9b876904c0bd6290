"""Demo author pages with the "Fixing paper assignments" dialog, served by the bot.

``GET /demo/author/<page>`` renders a plain author page (``jane-doe`` or
``jane-doe/unverified``) of the configured data: the person's papers, the
*Fixing paper assignments* button and the dialog of ``bot/dialog/static/``. It shows
the dialog exactly as it would work on aclanthology.org, so that it can be tried
and tested before it is part of the Anthology's Hugo templates.

Configuration, read from the Flask app:

* ``ANTHOLOGY_DATA`` (required): an :class:`~bot.engine.dataset.AnthologyData`.
* ``ANTHOLOGY_REPO``: ``owner/name`` the issue is filed in (``acl-org/acl-anthology``).
* ``ISSUE_FORM_BASE``: where GitHub is (``https://github.com``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.dialog.author_page import (
    DEFAULT_ISSUE_BASE,
    DEFAULT_REPO,
    MAX_SUGGESTIONS,
    UnknownPageError,
    build_page_data,
    search_people,
)
from bot.engine.dataset import AnthologyData, DataDirectoryError

log = logging.getLogger(__name__)

#: How much of a typed query the suggestion endpoint looks at.
MAX_QUERY_CHARS = 100

demo = Blueprint(
    "demo",
    __name__,
    static_folder="static",
    static_url_path="/demo/static",
    template_folder="templates",
)


def _data() -> AnthologyData:
    data = current_app.config.get("ANTHOLOGY_DATA")
    if not isinstance(data, AnthologyData):
        raise RuntimeError("the app's config has no ANTHOLOGY_DATA (an AnthologyData)")
    return data


def _page_data(page: str) -> dict[str, Any]:
    return build_page_data(
        _data(),
        page,
        repo=current_app.config.get("ANTHOLOGY_REPO", DEFAULT_REPO),
        issue_base=current_app.config.get("ISSUE_FORM_BASE", DEFAULT_ISSUE_BASE),
        suggest_url=url_for("demo.suggest"),
    )


def _group_by_year(papers: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Papers (already newest first) grouped under their year, as on the website."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for paper in papers:
        if not groups or groups[-1][0] != paper["year"]:
            groups.append((paper["year"], []))
        groups[-1][1].append(paper)
    return groups


@demo.get("/demo/author/<path:page>")
def author_page(page: str) -> ResponseReturnValue:
    """An author page of the data, with the dialog; a friendly 404 for unknown pages."""
    try:
        data = _page_data(page.strip("/"))
    except UnknownPageError as exc:
        return render_template("author_page.html", missing=page, reason=str(exc)), 404
    return render_template("author_page.html", data=data, groups=_group_by_year(data["papers"]))


@demo.get("/demo/people/suggest")
def suggest() -> ResponseReturnValue:
    """Verified persons matching ``?q=`` (name or id), at most MAX_SUGGESTIONS."""
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    exclude = request.args.get("exclude") or None
    people = search_people(_data().people, query, MAX_SUGGESTIONS, exclude)
    response = jsonify(people)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def register_demo_pages(app: Flask, data_dir: Path, index_path: Path) -> bool:
    """Serve the demo pages of ``data_dir`` from ``app``; False if the data cannot be opened."""
    try:
        app.config["ANTHOLOGY_DATA"] = AnthologyData(data_dir, index_path)
    except (DataDirectoryError, OSError) as exc:
        log.error("the demo data could not be opened: %s", exc)
        return False
    app.register_blueprint(demo)
    return True
