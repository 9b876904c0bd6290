"""An issue form's answers written out as GitHub writes them into the issue body.

GitHub turns a submitted issue form into markdown: for each field, in the
template's order, ``### <label>``, a blank line, and the answer; an empty
answer is ``_No response_``; ticked checkboxes are ``- [X] <option>``. The
demo files its issue with such a body, built from the template's own labels,
so the bot reads exactly what GitHub would send.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.forms import load_form_spec

NO_RESPONSE = "_No response_"


def render_form_body(
    answers: Mapping[str, str | None],
    ticked: Mapping[str, bool] | None = None,
    template_path: Path | None = None,
) -> str:
    """The issue body for ``answers`` (field id -> text) to the assignment form.

    Checkbox fields list every option, ticked when ``ticked[field id]`` is true
    (default: ticked, as the form requires).
    """
    spec = load_form_spec(template_path)
    ticked = ticked or {}
    parts = []
    for form_field in spec.fields:
        if form_field.type == "checkboxes":
            mark = "X" if ticked.get(form_field.id, True) else " "
            value = "\n".join(f"- [{mark}] {option}" for option in form_field.options)
        else:
            answer = (answers.get(form_field.id) or "").strip()
            value = answer or NO_RESPONSE
        parts.append(f"### {form_field.label}\n\n{value}")
    return "\n\n".join(parts) + "\n"
