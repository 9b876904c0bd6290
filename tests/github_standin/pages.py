"""The one web page of the stand-in: GitHub's "new issue" form, pre-filled by link.

The demo's dialog opens ``<stand-in>/<owner>/<repo>/issues/new?template=...&<field>=...``
instead of github.com. This page shows what GitHub would show: the form's fields
with the values the link fills in. As GitHub documents, only input and textarea
fields take values from the link; dropdowns stay untouched and checkboxes unticked.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).resolve().parents[2] / "issue_templates"
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml")
PREFILLED_TYPES = ("input", "textarea")


def new_issue_page(repo: str, query: dict[str, str]) -> tuple[int, str]:
    """(status, HTML) of the new-issue page for ``query`` (the link's parameters)."""
    name = query.get("template", "")
    path = TEMPLATES / name
    if not _TEMPLATE_NAME.fullmatch(name) or not path.is_file():
        return (
            404,
            f"<!doctype html><title>Not found</title><p>No issue template {html.escape(name)!r}.",
        )
    form: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = [
        f"<h1>New issue in {html.escape(repo)} (GitHub stand-in)</h1>",
        f'<p><label>Title <input name="title" value="{html.escape(query.get("title", ""))}"'
        ' size="80" readonly></label></p>',
    ]
    for element in form.get("body", []):
        kind, field_id = element.get("type"), element.get("id", "")
        label = html.escape(element.get("attributes", {}).get("label", ""))
        if kind in PREFILLED_TYPES:
            value = html.escape(query.get(field_id, ""))
            rows.append(
                f'<p><label>{label}<br><textarea name="{html.escape(field_id)}" rows="3" '
                f'cols="80" readonly>{value}</textarea></label></p>'
            )
        elif kind == "dropdown":
            options = "".join(
                f"<option>{html.escape(o)}</option>" for o in element["attributes"]["options"]
            )
            rows.append(
                f'<p><label>{label}<br><select name="{html.escape(field_id)}">'
                f"<option selected>None</option>{options}</select></label></p>"
            )
        elif kind == "checkboxes":
            rows.append(f"<p>{label}: to tick on GitHub before submitting.</p>")
    return 200, "<!doctype html><meta charset=utf-8><title>New issue</title>" + "".join(rows)
