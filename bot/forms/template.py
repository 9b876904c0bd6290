"""The issue form's template and the markdown GitHub renders from it.

Owns the template file (``issue_templates/fix-paper-assignment.yml``: field ids,
labels, dropdown options), the label tables that map section headings back to
field ids (the current labels, earlier ones, and the legacy form's), and the
quirks of GitHub's rendering: ``### label`` sections, ``_No response_``,
checkboxes, fences, HTML comments. :func:`detect_form` tells which form a body
was filed with from the headings it has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml

FormKind = Literal["assignment", "legacy", "unknown"]


#: The assignment form, shipped as package data. In the repository it is a link to
#: ``issue_templates/fix-paper-assignment.yml`` (the source of truth that the Anthology
#: installs into ``.github/ISSUE_TEMPLATE/``); a built wheel carries a copy.
TEMPLATE_PATH = Path(str(files("bot.forms") / "templates" / "fix-paper-assignment.yml"))


#: Earlier label texts of the assignment form (and the labels of the website
#: dialog's drafts), mapped to field ids. The template's current labels are read
#: from the template file; these only add to them.
ASSIGNMENT_LABEL_ALIASES: dict[str, str] = {
    "Author page": "author_page",
    "Current author page": "author_page",
    "Author page (URL or id)": "author_page",
    "Papers": "papers",
    "Selected papers": "papers",
    "Papers that belong to the same person": "papers",
    "Assign to": "assign_to",
    "Which author should they be assigned to?": "assign_to",
    "Target author page": "target_page",
    "Existing author page (URL or id)": "target_page",
    "Name on the papers": "name",
    "ORCID": "orcid",
    "Notes": "notes",
    "Confirm": "confirm",
}

#: Section labels of the older "Correction to Author Page" form, in all the
#: variants seen from 2025 to 2026, mapped to field ids. Sections that mean the
#: same as a field of the assignment form share its id; the others get ids of
#: their own (``correction_type``, ``script_name``, ``rtl``, ``confirm_published``,
#: ``openreview``).
LEGACY_LABELS: dict[str, str] = {
    "Author Pages": "author_page",
    "Author Pages in the Anthology": "author_page",
    "Author ORCID": "orcid",
    "Institution of highest (anticipated) degree": "institution",
    "Your papers (if required, see comment below)": "papers",
    "Type of Author Metadata Correction": "correction_type",
    "Supporting Information": "notes",
    "Preferred author name": "name",
    "Author Name (only if published in another script)": "script_name",
    "Is the authors name read right to left? (only if published in another script)": "rtl",
    "Confirming that Paper Metadata is Correct": "confirm",
    "Confirming that Author is Published in the Anthology": "confirm_published",
    "OpenReview profile page URL": "openreview",
}

#: Where a problem can point besides a form field.
SPECIAL_FIELDS = ("title", "body")


# --------------------------------------------------------------------------- #
# The template
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class FormField:
    """One field of an issue form, as declared in the template."""

    id: str
    type: str
    label: str
    options: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class FormSpec:
    """The fields of the assignment form, read from its template file."""

    name: str
    title: str
    labels: tuple[str, ...]
    fields: tuple[FormField, ...]

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def label_map(self) -> dict[str, str]:
        """Normalized label text -> field id: the current labels, then the aliases."""
        out = {normalize_label(a): i for a, i in ASSIGNMENT_LABEL_ALIASES.items()}
        out.update({normalize_label(f.label): f.id for f in self.fields})
        return out


def load_form_spec(path: Path | None = None) -> FormSpec:
    """Read the assignment form's template (cached while the file is unchanged)."""
    path = (path or TEMPLATE_PATH).resolve()
    return _load_form_spec(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_form_spec(path: str, _mtime_ns: int) -> FormSpec:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    fields = []
    for element in data.get("body", []):
        if element.get("type") == "markdown" or "id" not in element:
            continue
        attributes = element.get("attributes", {})
        options = tuple(
            o["label"] if isinstance(o, dict) else str(o) for o in attributes.get("options", [])
        )
        required = bool(element.get("validations", {}).get("required", False)) or any(
            isinstance(o, dict) and o.get("required") for o in attributes.get("options", [])
        )
        fields.append(
            FormField(element["id"], element["type"], attributes["label"], options, required)
        )
    return FormSpec(
        data.get("name", ""), data.get("title", ""), tuple(data.get("labels", [])), tuple(fields)
    )


def known_fields(spec: FormSpec | None = None) -> frozenset[str]:
    """Every value a Problem's ``field`` can take."""
    spec = spec or load_form_spec()
    ids = {f.id for f in spec.fields} | set(LEGACY_LABELS.values())
    return frozenset(ids | set(SPECIAL_FIELDS))


def normalize_label(text: str) -> str:
    """A label as compared: emphasis and trailing colons gone, case and spaces folded."""
    text = text.replace("*", "").replace("`", "").strip().rstrip(":").strip()
    return " ".join(text.split()).casefold()


# --------------------------------------------------------------------------- #
# The body: sections and answers
# --------------------------------------------------------------------------- #

_HEADING_RE = re.compile(r"^ {0,3}###[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NO_RESPONSE = {"_no response_", "no response", "none", "_none_"}
_EMPTY_ANSWERS = _NO_RESPONSE | {"n/a", "na", "nil", "null", "-", "--", "/", "."}
_PLACEHOLDER_RE = re.compile(r"^-[^\n]*\bhere-$", re.IGNORECASE)  # "-Add ORCID here-"
_CHECKBOX_RE = re.compile(r"^\s*[-*+]\s*\[([ xX])\]\s*(.*?)\s*$")


def strip_html_comments(text: str) -> str:
    """Remove ``<!-- ... -->`` comments in one pass; an unclosed one stays as it is.

    (A regex such as ``<!--.*?-->`` takes time quadratic in the body's length when
    many comments are never closed: a hostile issue could tie up a worker.)
    """
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _closed_fence_lines(lines: Sequence[str]) -> set[int]:
    """Indices of lines inside (or opening/closing) fences that are closed again.

    An unclosed fence hides nothing, so a stray ``` typed in an answer cannot
    swallow the rest of the form.
    """
    inside: set[int] = set()
    start: int | None = None
    marker = ""
    for i, line in enumerate(lines):
        m = _FENCE_RE.match(line)
        if not m:
            continue
        if start is None:
            start, marker = i, m[1][0] * 3
        elif m[1].startswith(marker) and not line.strip()[len(m[1]) :].strip():
            inside.update(range(start, i + 1))
            start = None
    return inside


def split_sections(body: str, label_map: dict[str, str]) -> dict[str, str]:
    """Field id -> raw answer text, for every known ``### label`` in the body.

    A ``###`` line whose text is not a known label, or that repeats a field
    already seen, is part of the answer it stands in. Lines before the first
    known heading are kept under ``body``.
    """
    lines = normalize_newlines(body).split("\n")
    fenced = _closed_fence_lines(lines)
    sections: dict[str, list[str]] = {"body": []}
    current = "body"
    for i, line in enumerate(lines):
        m = _HEADING_RE.match(line) if i not in fenced else None
        field_id = label_map.get(normalize_label(m[1])) if m else None
        if field_id is not None and field_id not in sections:
            current = field_id
            sections[current] = []
            continue
        sections[current].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def _unfence(text: str) -> str:
    """The content of a value that is one fenced block (``render:`` fields), else the text."""
    lines = text.strip("\n").split("\n")
    if len(lines) >= 2 and _FENCE_RE.match(lines[0]) and _FENCE_RE.match(lines[-1]):
        return "\n".join(lines[1:-1])
    return text


# --------------------------------------------------------------------------- #
# Struck-through text: what the filer took back is not read
# --------------------------------------------------------------------------- #

# GitHub strikes text between one or two tildes that hug it (``~x~``, ``~~x y~~``);
# a tilde after ``=``, ``/`` or a letter is part of a URL (``profile?id=~Jane_Doe1``).
# Spans stay on one line and are bounded, so that junk cannot make matching slow.
_TILDE_STRUCK_RE = re.compile(
    r"(?<![\w=/~\\])(~~?)(?=[^\s~])([^~\n]{1,2000}?)(?<=[^\s~])\1(?!~)",
)
_OPEN_STRUCK_RE = re.compile(r"<(del|s|strike)(?:\s[^<>]{0,200})?>", re.IGNORECASE)


def _strip_struck_tags(text: str) -> str:
    """Drop ``<del>..</del>``, ``<s>..</s>``, ``<strike>..</strike>`` in one pass.

    Once a closing tag is missing, no later opening tag can be closed either, so
    the scan stops there: the cost stays linear for any input.
    """
    lower = text.lower()
    out: list[str] = []
    pos = 0
    while (m := _OPEN_STRUCK_RE.search(text, pos)) is not None:
        close = lower.find(f"</{m[1].lower()}>", m.end())
        if close == -1:
            break
        out.append(text[pos : m.start()])
        pos = close + len(m[1]) + 3
    out.append(text[pos:])
    return "".join(out)


def strip_struck(text: str) -> str:
    """``text`` without its struck-through parts (markdown tildes, ``<del>``, ``<s>``)."""
    if "~" not in text and "<" not in text:
        return text
    return _TILDE_STRUCK_RE.sub("", _strip_struck_tags(text))


def clean_answer(raw: str, *, strict_empty: bool = False) -> str:
    """An answer as the person meant it: "" for no answer.

    Removes HTML comments, struck-through text, a surrounding fence, trailing spaces, GitHub's
    ``_No response_`` and ``None`` (empty dropdown), the old form's
    ``-Add ... here-`` placeholders and, unless ``strict_empty``, answers such as
    ``N/A``.
    """
    text = strip_struck(_unfence(strip_html_comments(normalize_newlines(raw))))
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    text = text.strip()
    empty = _NO_RESPONSE if strict_empty else _EMPTY_ANSWERS
    if text.casefold() in empty or _PLACEHOLDER_RE.match(text):
        return ""
    return text


def parse_checkboxes(text: str) -> list[tuple[bool, str]]:
    """``- [x] label`` lines -> (ticked, label); ``x`` and ``X`` both tick."""
    out = []
    for line in normalize_newlines(text).split("\n"):
        if m := _CHECKBOX_RE.match(line):
            out.append((m[1] in "xX", m[2]))
    return out


def _count_labels(body: str, label_map: dict[str, str], ignore: set[str]) -> int:
    found = set()
    for line in normalize_newlines(body).split("\n"):
        m = _HEADING_RE.match(line)
        if m and (key := normalize_label(m[1])) in label_map and key not in ignore:
            found.add(label_map[key])
    return len(found)


def detect_form(title: str, body: str, spec: FormSpec | None = None) -> FormKind:
    """Which form an issue was filed with, judged by the section headings it has."""
    spec = spec or load_form_spec()
    assignment = spec.label_map()
    legacy = {normalize_label(k): v for k, v in LEGACY_LABELS.items()}
    shared = set(assignment) & set(legacy)
    n_assignment = _count_labels(body, assignment, shared)
    n_legacy = _count_labels(body, legacy, shared)
    if n_assignment == 0 and n_legacy == 0:
        return "unknown"
    if n_assignment > n_legacy:
        return "assignment"
    if n_legacy > n_assignment:
        return "legacy"
    return "assignment" if title.strip().lower().startswith("paper assignment") else "legacy"
