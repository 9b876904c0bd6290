"""The request: which papers move from which author page to whom.

A request is what a person asks for, before it is checked against the data.
It is produced by the issue-form parser (``bot.forms``) or read from JSON, and
turned into a plan by ``bot.planner``. Its JSON form is a documented contract::

    {"source": "tingfeng-hui/unverified",
     "papers": ["2025.acl-long.123", "2023.findings-emnlp.456"],
     "target": {"kind": "existing", "id": "tingfeng-hui"}}

``target`` may also be ``{"kind": "new", "orcid": ..., "degree": ...,
"name": {"first": ..., "last": ...}, "id": "optional-explicit-id"}`` or
``{"kind": "unverified"}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.anthology.names import Name

TargetKind = Literal["existing", "new", "unverified"]
TARGET_KINDS: tuple[TargetKind, ...] = ("existing", "new", "unverified")

MAX_PAPERS = 200
"""Papers one request may move: the parser and the planner refuse more at once."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with a request, worded for the person who filed it.

    ``field`` names where the problem is (a form field id such as ``papers``, or a
    paper id); ``code`` is a stable machine-readable tag used by tests and renderers.
    """

    field: str
    message: str
    code: str = "invalid"

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass(frozen=True)
class Target:
    """Whom the papers should be assigned to."""

    kind: TargetKind
    id: str | None = None  # existing: the person id; new: an optional explicit id
    orcid: str | None = None  # new only
    degree: str | None = None  # new only: institution of highest (anticipated) degree
    name: Name | None = None  # new only; defaults to the name on the papers

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.id:
            out["id"] = self.id
        if self.kind == "new":
            if self.orcid:
                out["orcid"] = self.orcid
            if self.degree:
                out["degree"] = self.degree
            if self.name:
                out["name"] = self.name.to_json()
        return out


@dataclass(frozen=True)
class Request:
    """Move ``papers`` (Anthology ids) from the author page ``source`` to ``target``.

    ``source`` is a page id: a verified person id (``jane-doe``) or an unverified
    page (``jane-doe/unverified``); the planner also accepts page URLs.
    """

    source: str
    papers: tuple[str, ...]
    target: Target
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "papers": list(self.papers),
            "target": self.target.to_json(),
        }


class RequestFormatError(ValueError):
    """The request JSON is not of the documented shape; the message says what is wrong."""


def _opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestFormatError(f"{where}.{key} must be a string, got {type(value).__name__}")
    return value.strip() or None


def request_from_json(data: Any) -> Request:
    """Build a Request from its JSON form, raising RequestFormatError on a wrong shape."""
    if not isinstance(data, dict):
        raise RequestFormatError("the request must be a JSON object")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise RequestFormatError("'source' must be a non-empty string (an author page id or URL)")
    papers = data.get("papers")
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise RequestFormatError("'papers' must be a list of Anthology ids")
    target = data.get("target")
    if not isinstance(target, dict):
        raise RequestFormatError("'target' must be an object with a 'kind'")
    kind = target.get("kind")
    if kind not in TARGET_KINDS:
        raise RequestFormatError(f"target.kind must be one of {', '.join(TARGET_KINDS)}")
    name = None
    if target.get("name") is not None:
        raw = target["name"]
        if isinstance(raw, str):
            raise RequestFormatError('target.name must be {"first": ..., "last": ...}')
        if not isinstance(raw, dict) or not isinstance(raw.get("last"), str):
            raise RequestFormatError("target.name needs at least a 'last' string")
        first = raw.get("first")
        if first is not None and not isinstance(first, str):
            raise RequestFormatError("target.name.first must be a string")
        name = Name(first.strip() if first and first.strip() else None, raw["last"].strip())
    return Request(
        source=source.strip(),
        papers=tuple(p.strip() for p in papers if p.strip()),
        target=Target(
            kind=kind,
            id=_opt_str(target, "id", "target"),
            orcid=_opt_str(target, "orcid", "target"),
            degree=_opt_str(target, "degree", "target"),
            name=name,
        ),
        notes=data.get("notes", "") if isinstance(data.get("notes"), str) else "",
    )


def request_from_text(text: str) -> Request:
    """Parse a request from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestFormatError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    _refuse_lone_surrogates(data)
    return request_from_json(data)


def _refuse_lone_surrogates(value: object) -> None:
    """JSON's ``\\ud800`` escapes decode to half of a UTF-16 pair, which is not a character:
    no file, commit or comment can hold it, so it is refused here, once, with its place."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RequestFormatError(
                f"the text {value[: exc.start]!r}… holds a lone surrogate "
                f"({value[exc.start]!r}), which is not a character"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)
