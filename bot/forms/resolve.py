"""Checking what was read against the Anthology data (a DataLookup).

Owns the checks that need the data: does an author page exist (and has an
old-style verified-looking id become an unverified page), which papers a
reference stands for (bibkeys, titles, "all papers" of a page), and whether
each paper exists and is on the source page. Without a lookup the text is taken
as it stands and references that need the data become ``needs_data`` problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.anthology.lookup import DataLookup, TitleMatch
from bot.anthology.pages import page_url
from bot.engine.request import MAX_PAPERS
from bot.forms.references import ANTHOLOGY_HOST, PageError, PaperRef, check_page_length
from bot.forms.result import _Collector

#: Title matches scoring at least this are "near-exact" and accepted.
NEAR_EXACT_TITLE = 0.9


MAX_PAPER_PROBLEMS = 20
"""Problems about single papers spelled out; the others are summed up in one more."""


def resolve_page(
    page: str, lookup: DataLookup | None, out: _Collector, field_id: str
) -> str | None:
    """Check that a page exists; an old-style verified-looking id that is only an
    unverified page now (``/people/j/jane-doe/``) becomes ``jane-doe/unverified``.
    A page id longer than any person id may be is a question, with or without data."""
    try:
        check_page_length(page)
    except PageError as exc:
        out.add(field_id, exc.code, str(exc))
        return None
    if lookup is None:
        return page
    slug, _, rest = page.partition("/")
    if rest:
        if lookup.page_papers(page) is not None:
            return page
        if lookup.person_exists(slug):  # verified since the issue was filed
            out.note(f"{page_url(page)} is the verified page {page_url(slug)} now.")
            return slug
        out.add(
            field_id,
            "unknown_page",
            f"There is no unverified author page {page_url(page)} in the Anthology data. "
            "Please check the link.",
        )
        return None
    if lookup.person_exists(slug):
        return page
    if lookup.page_papers(f"{slug}/unverified") is not None:
        out.note(f"{page_url(slug)} is the unverified page {page_url(slug + '/unverified')}.")
        return f"{slug}/unverified"
    out.add(
        field_id,
        "unknown_page",
        f"There is no author page {page_url(page)} in the Anthology data. Please check the "
        "link; it should open a page that lists papers.",
    )
    return None


@dataclass
class _PaperContext:
    """What paper resolution needs to know about the source (and target) page."""

    source: str | None
    source_papers: list[str] | None
    target_papers: list[str] | None = None
    field_id: str = "papers"


def _resolve_title(
    ref: PaperRef, lookup: DataLookup, ctx: _PaperContext, out: _Collector
) -> str | None:
    matches: list[TitleMatch] = []
    if ctx.source_papers:
        matches = lookup.find_title(ref.value, among=list(ctx.source_papers))
    if not any(m.score >= NEAR_EXACT_TITLE for m in matches):
        matches = lookup.find_title(ref.value)
    good = [m for m in matches if m.score >= NEAR_EXACT_TITLE]
    exact = [m for m in good if m.score >= 1.0]
    chosen = exact if exact else good
    if len({m.paper_id for m in chosen}) == 1:
        match = chosen[0]
        if match.score < 1.0 or match.title.strip() != ref.value.strip():
            out.note(f"The title {ref.value!r} was read as {match.paper_id} ({match.title}).")
        return match.paper_id
    if chosen or matches:
        options = "; ".join(f"{m.paper_id} ({m.title})" for m in (chosen or matches)[:5])
        out.add(
            ctx.field_id,
            "ambiguous_title",
            f"We are not sure which paper {ref.value!r} is. It could be: {options}. Please "
            "give the paper's link or Anthology ID instead of its title.",
        )
        return None
    out.add(
        ctx.field_id,
        "unknown_title",
        f"We found no paper titled {ref.value!r} in the Anthology. Please give the paper's "
        "link or Anthology ID.",
    )
    return None


def _resolve_ref(
    ref: PaperRef, lookup: DataLookup | None, ctx: _PaperContext, out: _Collector
) -> list[str]:
    """The paper ids one reference stands for (none, with a problem, if it cannot be read)."""
    if ref.kind == "invalid":
        out.add(ctx.field_id, "invalid_paper", ref.value)
        return []
    if ref.kind == "paper":
        return [ref.value]
    if lookup is None:
        out.add(ctx.field_id, "needs_data", _needs_data_message(ref))
        return []
    if ref.kind == "bibkey":
        found = lookup.paper_by_bibkey(ref.value)
        if found is None:
            out.add(
                ctx.field_id,
                "unknown_bibkey",
                f"No paper has the bibkey {ref.value!r}. Please give the paper's link or "
                "Anthology ID.",
            )
            return []
        out.note(f"The bibkey {ref.value} is the paper {found}.")
        return [found]
    if ref.kind == "all":
        if ctx.source_papers is None:
            out.add(
                ctx.field_id,
                "missing_papers",
                "We could not tell which page's papers you mean by 'all'. Please list the "
                "papers, one per line.",
            )
            return []
        out.note(f"'All papers' of {ctx.source} are its {len(ctx.source_papers)} papers now.")
        return list(ctx.source_papers)
    found_title = _resolve_title(ref, lookup, ctx, out)
    return [found_title] if found_title else []


def _needs_data_message(ref: PaperRef) -> str:
    if ref.kind == "all":
        what = "The list of all papers on a page can only be read"
    else:
        what = f"The {ref.kind} {ref.value!r} can only be looked up"
    return (
        f"{what} with the Anthology data, which was not available here. Paper links or "
        "Anthology IDs, one per line, avoid any doubt."
    )


def resolve_papers(
    refs: Iterable[PaperRef], lookup: DataLookup | None, ctx: _PaperContext, out: _Collector
) -> list[str]:
    """Paper ids for the references, checked against the data when there is a lookup.

    With a lookup, unknown ids and papers that are not on the source page become
    problems; papers already on the target page are dropped with a note.
    """
    refs = list(dict.fromkeys(refs))
    if len(refs) > MAX_PAPERS:
        out.add(
            ctx.field_id,
            "too_many_papers",
            f"{len(refs)} papers are listed; one request can move at most {MAX_PAPERS}. "
            "Please split them over several issues.",
        )
        return []
    papers: list[str] = []
    reading = _Collector()
    for ref in refs:
        for paper in _resolve_ref(ref, lookup, ctx, reading):
            if paper not in papers:
                papers.append(paper)
    for text in reading.resolved:
        out.note(text)
    for problem in reading.problems[:MAX_PAPER_PROBLEMS]:
        out.add(problem.field, problem.code, problem.message)
    unread = reading.problems[MAX_PAPER_PROBLEMS:]
    if unread:
        out.add(
            ctx.field_id,
            unread[0].code,
            f"{len(unread)} more lines of the list could not be matched to a paper either. "
            "Please give each paper's link or Anthology ID.",
        )
    if lookup is None:
        return papers
    checked: list[str] = []
    wrong: list[tuple[str, str]] = []  # (paper, problem code), in the order listed
    for paper in papers:
        if lookup.paper_title(paper) is None:
            wrong.append((paper, "unknown_paper"))
        elif ctx.source_papers is not None and paper not in ctx.source_papers:
            if ctx.target_papers is not None and paper in ctx.target_papers:
                out.note(f"{paper} is already on the target page; it is left as it is.")
            else:
                wrong.append((paper, "not_on_page"))
        else:
            checked.append(paper)
    _paper_problems(wrong, ctx, out)
    return checked


def _paper_problems(wrong: list[tuple[str, str]], ctx: _PaperContext, out: _Collector) -> None:
    """One problem per unknown or misplaced paper, the first few of them; then a summary."""
    for paper, code in wrong[:MAX_PAPER_PROBLEMS]:
        if code == "unknown_paper":
            out.add(
                ctx.field_id,
                code,
                f"There is no paper {paper} in the Anthology. Please check the link or id.",
            )
        else:
            out.add(
                ctx.field_id,
                code,
                f"The paper {ANTHOLOGY_HOST}/{paper}/ is not on the author page "
                f"{page_url(ctx.source or '')} now. Please list only papers from that "
                "page, or tell us which page it is on.",
            )
    rest = wrong[MAX_PAPER_PROBLEMS:]
    if rest:
        codes = {code for _, code in rest}
        out.add(
            ctx.field_id,
            "unknown_paper" if "unknown_paper" in codes else "not_on_page",
            f"{len(rest)} more papers are not in the Anthology or not on the author page "
            f"{page_url(ctx.source or '')}: {', '.join(paper for paper, _ in rest)}.",
        )


def _page_papers(page: str | None, lookup: DataLookup | None) -> list[str] | None:
    if page is None or lookup is None:
        return None
    return lookup.page_papers(page)
