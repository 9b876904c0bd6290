"""Issues stored as markdown files (the CLI's input and the test corpus).

Owns the file format: optional ``---`` front matter (title, labels, ...) or a
``# title`` line, the body, then the thread's comments after a
``<!-- comments -->`` line; and :func:`parse_issue_file`, which reads one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.anthology.lookup import DataLookup
from bot.forms.parse import parse_issue
from bot.forms.result import ParseResult
from bot.forms.template import normalize_newlines


@dataclass(frozen=True)
class IssueFile:
    """An issue stored as markdown: optional front matter, the body, then comments."""

    title: str
    body: str
    labels: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    comments: str = ""


_COMMENTS_MARKER = "<!-- comments -->"


def _front_matter_labels(value: str) -> tuple[str, ...]:
    inner = value.strip().removeprefix("[").removesuffix("]")
    return tuple(p.strip().strip("'\"") for p in inner.split(",") if p.strip())


def read_issue_text(text: str) -> IssueFile:
    """Split a stored issue into title, body, labels and comments.

    Two formats: a front matter block between ``---`` lines with ``key: value``
    lines (split on the first ``: ``; ``labels: [a, b]``), then the body; or a
    plain body whose first line may be ``# <title>``. Everything after a
    ``<!-- comments -->`` line is the thread's comments, not the body.
    """
    text = normalize_newlines(text).lstrip("\ufeff")
    meta: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, sep, value = line.partition(": ")
                if not sep and line.rstrip().endswith(":"):
                    key, value = line.rstrip()[:-1], ""
                elif not sep:
                    continue
                meta[key.strip()] = value.strip()
            lines = lines[end + 1 :]
    title = meta.get("title", "")
    if not title:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and re.match(r"^#\s+\S", lines[first]):
            title = lines[first].lstrip("#").strip()
            lines = lines[first + 1 :]
    rest = "\n".join(lines)
    body, _, comments = rest.partition(_COMMENTS_MARKER)
    return IssueFile(
        title=title,
        body=body.strip("\n"),
        labels=_front_matter_labels(meta.get("labels", "")),
        meta=meta,
        comments=comments.strip("\n"),
    )


def parse_issue_file(
    path: Path, lookup: DataLookup | None = None, template_path: Path | None = None
) -> ParseResult:
    """Parse an issue stored as a markdown file (see :func:`read_issue_text`)."""
    issue = read_issue_text(Path(path).read_text(encoding="utf-8"))
    return parse_issue(issue.title, issue.body, lookup, template_path)
