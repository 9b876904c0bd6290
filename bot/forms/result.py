"""What reading an issue produces: problems, notes and the ParseResult.

Owns the problem codes (``PROBLEM_CODES``, a contract with renderers and
tests), the collector that gathers problems and notes while one issue is read,
and :class:`ParseResult` with the step that turns what was read into a Request
only when there is no problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.request import PersonEdits, Problem, Request, Target
from bot.forms.template import FormKind

#: The problem codes, with what each means. Renderers and tests rely on them.
PROBLEM_CODES: dict[str, str] = {
    "unknown_form": "the body is not one of the known issue forms",
    "missing_page": "no author page the papers are on now",
    "invalid_page": "an author page could not be read (search link, paper link, name)",
    "unknown_page": "the author page does not exist in the data",
    "ambiguous_pages": "several author pages and no way to tell source from target",
    "several_sources": "papers would move from more than one page",
    "missing_papers": "no list of papers",
    "invalid_paper": "a line of the paper list is not a paper reference",
    "unknown_paper": "a paper id that is not in the Anthology",
    "not_on_page": "a paper that is not on the source page",
    "unknown_title": "a title that matches no paper",
    "ambiguous_title": "a title that matches several papers, or only loosely",
    "unknown_bibkey": "a bibkey that no paper has",
    "needs_data": "the reference can only be resolved with the Anthology data",
    "missing_choice": "no choice of whom the papers belong to",
    "invalid_choice": "a choice that is not one of the form's options",
    "missing_target": "no existing page, or ORCID iD for a new page, to move the papers to",
    "invalid_target": "the target page cannot receive the papers",
    "same_page": "the papers would move to the page they are on",
    "missing_orcid": "a new page needs an ORCID iD",
    "invalid_orcid": "the ORCID iD is malformed or has a wrong check digit",
    "conflicting_orcid": "the ORCID iD belongs to a different page than the one named",
    "not_confirmed": "the confirmation box is not ticked",
    "unsupported": "a request this bot does not carry out (staff do)",
    "keep_list": "only the papers that stay on a verified page were listed",
    "too_many_papers": "more papers than one request may move",
    "missing_institution": "a new verified person needs the institution of highest degree",
    "invalid_name": "a typed name that cannot be a person's name (length, characters)",
    "invalid_institution": "a typed institution that cannot be used (length, characters)",
    "fix_data": "the name on the website differs from the PDF: the paper's 'Fix data' button",
    "unclear_cue": "a negation or 'except' that could be read two ways",
    "ambiguous_merge": "several verified pages to merge and no way to tell which one stays",
}


class _Collector:
    """Problems and human-readable notes gathered while reading one issue."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.resolved: list[str] = []

    def add(self, field_id: str, code: str, message: str) -> None:
        problem = Problem(field_id, message, code)
        if problem not in self.problems:
            self.problems.append(problem)

    def note(self, text: str) -> None:
        if text not in self.resolved:
            self.resolved.append(text)


@dataclass
class ParseResult:
    """What an issue asks for: a Request when it is complete, else the problems.

    ``understood`` holds what could be read even when the request is incomplete
    (source, papers, target), so that a reply can show it.
    """

    request: Request | None
    problems: list[Problem]
    form: FormKind
    understood: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.request is not None

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "request": self.request.to_json() if self.request else None,
            "problems": [p.to_json() for p in self.problems],
            "understood": self.understood,
        }


@dataclass
class Reading:
    """What an issue asks for beyond one page and a list: the extended request parts.

    ``sources`` are every page the papers leave (the first is ``source``);
    ``all_papers``/``except_papers``, ``edits`` and ``merge`` are as in
    :class:`bot.request.Request`.
    """

    sources: list[str] = field(default_factory=list)
    all_papers: bool = False
    except_papers: list[str] = field(default_factory=list)
    edits: PersonEdits = field(default_factory=PersonEdits)
    merge: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The parts that are set, for ``ParseResult.understood``."""
        out: dict[str, Any] = {}
        if len(self.sources) > 1:
            out["sources"] = list(self.sources)
        if self.all_papers:
            out["all_papers"] = True
        if self.except_papers:
            out["except"] = list(self.except_papers)
        if self.edits:
            out["edits"] = self.edits.to_json()
        if self.merge:
            out["merge"] = list(self.merge)
        return out


def _finish(
    form: FormKind,
    out: _Collector,
    source: str | None,
    papers: list[str],
    target: Target | None,
    sections: dict[str, str],
    notes: str = "",
    extra: dict[str, Any] | None = None,
    reading: Reading | None = None,
) -> ParseResult:
    reading = reading or Reading(sources=[source] if source else [])
    if source and source not in reading.sources:
        reading.sources.insert(0, source)
    understood: dict[str, Any] = {"source": source, "papers": papers, **reading.to_json()}
    if target is not None:
        understood["target"] = target.to_json()
    if out.resolved:
        understood["resolved"] = list(out.resolved)
    if extra:
        understood.update(extra)
    request = None
    if not out.problems:
        moves = bool(reading.sources) and (bool(papers) or reading.all_papers)
        if target is None or not (moves or reading.edits or reading.merge):  # pragma: no cover
            out.add("body", "missing_papers", "Please list the papers that should move.")
        else:
            request_extra: dict[str, Any] = {"form": form, **(extra or {})}
            if out.resolved:
                request_extra["resolved"] = list(out.resolved)
            request = Request(
                tuple(reading.sources),
                tuple(papers),
                target,
                notes,
                request_extra,
                all_papers=reading.all_papers,
                except_papers=tuple(reading.except_papers),
                edits=reading.edits,
                merge=tuple(reading.merge),
            )
    return ParseResult(request, list(out.problems), form, understood, sections)
