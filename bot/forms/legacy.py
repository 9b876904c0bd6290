"""Interpreting the older "Correction to Author Page" form.

Owns the decisions made from an old-form issue's facts (``bot.forms.legacy_facts``):
which page the papers leave and which they join, which papers move (the
writer's own, or those they say are not theirs), what the bot does not do
(name changes, adding an ORCID iD to a verified page), and the questions to ask
when the prose leaves the request incomplete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.anthology.lookup import DataLookup
from bot.anthology.pages import page_url
from bot.anthology.people import OrcidError
from bot.engine.request import Target
from bot.forms.legacy_facts import LegacyFacts, read_legacy_facts
from bot.forms.legacy_kinds import (
    _orcid_left_alone,
    new_person_target,
    own_page,
    read_whole_page_kinds,
)
from bot.forms.prose import KEEP, NEUTRAL, NOT_MINE
from bot.forms.references import (
    _SEARCH_LINK_MESSAGE,
    ANTHOLOGY_HOST,
    PaperRef,
    find_orcids,
    parse_orcid_answer,
)
from bot.forms.resolve import _page_papers, _PaperContext, resolve_page, resolve_papers
from bot.forms.result import ParseResult, _Collector, _finish
from bot.forms.template import (
    LEGACY_LABELS,
    clean_answer,
    normalize_label,
    parse_checkboxes,
    split_sections,
)

# Problems after which asking for a paper list would only confuse.
_STRUCTURAL = {"ambiguous_pages", "several_sources", "unsupported", "keep_list"}


@dataclass
class _LegacyPlan:
    source: str | None = None
    target: Target | None = None


def _legacy_source_and_target(
    facts: LegacyFacts, lookup: DataLookup | None, out: _Collector
) -> _LegacyPlan:
    """Decide which page the papers leave and which they join, from the pages named.

    A destination named in the text ("into <page>"), or the writer's own verified
    page (its id ends in their ORCID iD), is the target and the other page the
    source. Otherwise an unverified page is the source and a verified page named
    beside it the target; a single page is the source.
    """
    resolved = (resolve_page(p, lookup, out, "author_page") for p in facts.pages)
    pages = list(dict.fromkeys(p for p in resolved if p))  # two ways of writing one page
    into = facts.into if facts.into in pages else None
    if into is not None and into.endswith("/unverified"):
        into = None
    target_page = into or own_page(pages, facts.orcid)
    if target_page is not None:
        return _plan_with_target(target_page, [p for p in pages if p != target_page], out)
    unverified = [p for p in pages if p.endswith("/unverified")]
    verified = [p for p in pages if not p.endswith("/unverified")]
    if len(unverified) > 1:
        listed = " and ".join(page_url(p) for p in unverified)
        out.add(
            "author_page",
            "several_sources",
            f"Papers would move from {len(unverified)} pages ({listed}). The bot moves papers "
            "from one page at a time: please use the 'Fix paper assignments' button on each "
            "page, or list here, for one of these pages, the papers on it that are yours.",
        )
        return _LegacyPlan()
    if unverified:
        if len(verified) > 1:
            _ask_which(verified, "target_page", out)
            return _LegacyPlan(source=unverified[0])
        target = Target(kind="existing", id=verified[0]) if verified else None
        return _LegacyPlan(source=unverified[0], target=target)
    if len(verified) > 1:
        _ask_which(verified, "author_page", out)
        return _LegacyPlan()
    return _LegacyPlan(source=verified[0] if verified else None)


def _plan_with_target(target_page: str, rest: list[str], out: _Collector) -> _LegacyPlan:
    plan = _LegacyPlan(target=Target(kind="existing", id=target_page))
    unverified = [p for p in rest if p.endswith("/unverified")]
    if len(rest) == 1:
        plan.source = rest[0]
    elif len(unverified) == 1:
        plan.source = unverified[0]
    elif rest:
        _ask_which(rest, "author_page", out)
    return plan


def _ask_which(pages: list[str], field_id: str, out: _Collector) -> None:
    listed = ", ".join(page_url(p) for p in pages)
    if field_id == "target_page":
        message = (
            f"You named {len(pages)} verified author pages ({listed}). Please say which one "
            "the papers should move to."
        )
    else:
        message = (
            f"You named {len(pages)} author pages ({listed}). Please say which page the "
            "papers are on now and which page they should move to."
        )
    out.add(field_id, "ambiguous_pages", message)


def _infer_source_from_target(
    target_id: str, papers: list[str], lookup: DataLookup | None
) -> str | None:
    """With the data: ``jin-liu-4161`` named, papers on ``jin-liu/unverified`` -> that page."""
    if lookup is None or not papers:
        return None
    slug = re.sub(r"-[0-9]{3}[0-9x]$|-[a-z]+$", "", target_id)
    for candidate in dict.fromkeys((f"{slug}/unverified", f"{target_id}/unverified")):
        on_page = lookup.page_papers(candidate)
        if on_page and all(p in on_page for p in papers):
            return candidate
    return None


def _target_from_orcid(
    facts: LegacyFacts, source: str | None, lookup: DataLookup | None, out: _Collector
) -> Target | None:
    """The page the ORCID iD makes: a new verified person (see ``new_person_target``)."""
    if facts.orcid is None:
        return None
    holder = lookup.person_by_orcid(facts.orcid) if lookup else None
    if holder is not None and holder == source:
        return Target(kind="existing", id=holder)  # "already on the page": said below
    pages = [source] if source else []
    return new_person_target(facts, pages, lookup, out, "give these papers a verified page")


def _check_orcid_holder(
    facts: LegacyFacts, plan: _LegacyPlan, lookup: DataLookup | None, out: _Collector
) -> None:
    """With the data: an ORCID iD held by another page than the target named is a conflict."""
    if lookup is None or facts.orcid is None or plan.target is None:
        return
    holder = lookup.person_by_orcid(facts.orcid)
    if plan.target.kind == "existing" and holder and holder != plan.target.id:
        out.add(
            "orcid",
            "conflicting_orcid",
            f"The ORCID iD {facts.orcid} belongs to {page_url(holder)}, not to "
            f"{page_url(plan.target.id or '')}. Please check which page is yours.",
        )


def _missing_papers_message(facts: LegacyFacts, source: str | None) -> str:
    where = f" on {page_url(source)}" if source else ""
    text = (
        f"Please list the papers{where} that should move, one per line, as links or "
        "Anthology IDs (for example https://aclanthology.org/2024.acl-long.4/)."
    )
    if source and source.endswith("/unverified"):
        text = (
            f"Which of the papers at {page_url(source)} are yours? That page collects the "
            "papers of everyone with this name who has no verified page. Please list yours, "
            "one per line, as links or Anthology IDs (for example "
            "https://aclanthology.org/2024.acl-long.4/)."
        )
    if facts.profile_links_only:
        text += (
            " A Google Scholar, Semantic Scholar, DBLP or OpenReview profile is not enough: "
            "we need the Anthology papers themselves."
        )
    return text


def _choose_legacy_papers(facts: LegacyFacts, plan: _LegacyPlan, out: _Collector) -> list[PaperRef]:
    """Which references move: the writer's own papers, or those they say are not theirs.

    The writer's papers go to the target. Papers they say are not theirs leave a
    verified page for "no author page" (unverified). A list of papers that should
    *stay* on a verified page says nothing about which papers leave it: ask.
    """
    own = [r for r in facts.refs if r.polarity >= NEUTRAL]
    others = [r for r in facts.refs if r.polarity == NOT_MINE]
    source = plan.source
    source_verified = source is not None and not source.endswith("/unverified")
    target_is_source = plan.target is not None and plan.target.id == source
    if own and plan.target is not None and not target_is_source:
        if source_verified and all(r.polarity == KEEP for r in own) and not others:
            out.add(
                "papers",
                "keep_list",
                f"You listed the papers that should stay on {page_url(source or '')}. The "
                "bot needs the papers that should leave it: please list those, one per line, "
                "as links or Anthology IDs.",
            )
            return []
        return own
    if others and source_verified:
        plan.target = Target(kind="unverified")
        out.note(
            "The papers said not to be the author's are taken off the page: they go to "
            "no author page (unverified)."
        )
        _orcid_left_alone(facts, source or "", out)
        return others
    if own:
        return own
    titles = [t for t in facts.titles if t.polarity >= NEUTRAL]
    if titles:
        return titles
    moves_all = facts.all_papers and not (
        source_verified and plan.target is not None and plan.target.kind == "new"
    )
    merges = bool({"merge", "name_change"} & set(facts.kinds)) and facts.into is not None
    if source is not None and (moves_all or (merges and source_verified)):
        return [PaperRef("all", "all", "all papers")]
    return []


def _legacy_unsupported(facts: LegacyFacts, out: _Collector) -> bool:
    """Requests with nothing to move: a name change or adding an ORCID iD to a verified page."""
    if facts.refs or facts.titles or len(facts.pages) > 1:
        return False
    if facts.kinds == ["name_change"]:
        out.add(
            "correction_type",
            "unsupported",
            "Changing the name shown on an author page is done by Anthology staff; this bot "
            "only moves papers between pages. Staff will read this issue.",
        )
        return True
    page = facts.pages[0] if facts.pages else None
    if facts.kinds == ["verify"] and page and not page.endswith("/unverified"):
        out.add(
            "correction_type",
            "unsupported",
            f"{page_url(page)} is already a verified page: adding an ORCID iD to it is done "
            "by Anthology staff, not by this bot. If papers on it are not yours, list them "
            "here.",
        )
        return True
    return False


def _parse_legacy(title: str, body: str, lookup: DataLookup | None) -> ParseResult:
    sections = split_sections(body, {normalize_label(k): v for k, v in LEGACY_LABELS.items()})
    facts = read_legacy_facts(title, sections)
    out = _Collector()
    extra = _legacy_extra(facts)
    _check_legacy_confirmation(sections, out)
    kind = read_whole_page_kinds(facts, lookup, out)
    if kind is not None and (kind.target is not None or out.problems):
        notes = clean_answer(sections.get("notes", ""))
        return _finish(
            "legacy",
            out,
            kind.source,
            kind.papers,
            kind.target,
            sections,
            notes,
            extra,
            kind.reading,
        )
    if _legacy_unsupported(facts, out):
        return _finish("legacy", out, None, [], None, sections, extra=extra)
    if facts.search_link and (not facts.pages or ("merge" in facts.kinds and len(facts.pages) < 2)):
        out.add("author_page", "invalid_page", _SEARCH_LINK_MESSAGE)
    plan = _legacy_source_and_target(facts, lookup, out)
    if plan.target is None and not _has(out, "ambiguous_pages", "several_sources"):
        plan.target = _target_from_orcid(facts, plan.source, lookup, out)
    refs = _choose_legacy_papers(facts, plan, out)
    papers = _resolve_legacy_papers(refs, plan, lookup, out)
    _check_orcid_holder(facts, plan, lookup, out)
    _legacy_target_checks(facts, plan, out)
    if not refs and not _has(out, *_STRUCTURAL):
        out.add("papers", "missing_papers", _missing_papers_message(facts, plan.source))
    notes = clean_answer(sections.get("notes", ""))
    return _finish("legacy", out, plan.source, papers, plan.target, sections, notes, extra)


def _has(out: _Collector, *codes: str) -> bool:
    return any(p.code in codes for p in out.problems)


def _resolve_legacy_papers(
    refs: list[PaperRef], plan: _LegacyPlan, lookup: DataLookup | None, out: _Collector
) -> list[str]:
    if plan.source is None and plan.target is not None and plan.target.id:
        direct = [r.value for r in refs if r.kind == "paper"]
        plan.source = _infer_source_from_target(plan.target.id, direct, lookup)
        if plan.source:
            out.note(f"The papers are on {page_url(plan.source)} now.")
    if plan.source is None:
        if not any(p.field == "author_page" for p in out.problems):
            out.add(
                "author_page",
                "missing_page",
                "Please give the link of the author page the papers are on now (it starts "
                f"with {ANTHOLOGY_HOST}/people/).",
            )
        return [r.value for r in refs if r.kind == "paper"]
    target_page = plan.target.id if plan.target and plan.target.kind == "existing" else None
    ctx = _PaperContext(
        plan.source, _page_papers(plan.source, lookup), _page_papers(target_page, lookup)
    )
    return resolve_papers(refs, lookup, ctx, out)


def _legacy_target_checks(facts: LegacyFacts, plan: _LegacyPlan, out: _Collector) -> None:
    if _has(out, "ambiguous_pages", "several_sources", "keep_list"):
        return
    if plan.target is None:
        if _has(out, "missing_institution", "invalid_institution", "conflicting_orcid"):
            return  # the ORCID iD was given: the question about it is asked already
        _check_orcid_answer(facts, out)
        out.add(
            "orcid",
            "missing_target",
            "Please tell us whose page these papers should go to: the link of your verified "
            "author page if you have one, or your ORCID iD (for example "
            "0000-0002-1825-0097) so that a new page can be made for you.",
        )
        return
    if plan.target.kind == "existing" and plan.target.id == plan.source:
        out.add(
            "author_page",
            "same_page",
            f"The papers you listed are already on {page_url(plan.source or '')}. Please "
            "list the papers on it that are not yours, or the page your papers are on now.",
        )


def _check_orcid_answer(facts: LegacyFacts, out: _Collector) -> None:
    if facts.orcid_raw and not find_orcids(facts.orcid_raw):
        try:
            parse_orcid_answer(facts.orcid_raw)
        except OrcidError as exc:
            out.add(
                "orcid",
                "invalid_orcid",
                str(exc),  # says what is wrong and where to copy the iD from
            )


def _check_legacy_confirmation(sections: dict[str, str], out: _Collector) -> None:
    for field_id in ("confirm", "confirm_published"):
        boxes = parse_checkboxes(sections.get(field_id, ""))
        if boxes and not all(ticked for ticked, _ in boxes):
            out.add(
                field_id,
                "not_confirmed",
                "Please tick the confirmation box: " + boxes[0][1],
            )


def _legacy_extra(facts: LegacyFacts) -> dict[str, Any]:
    extra: dict[str, Any] = {"kinds": list(facts.kinds)}
    if facts.preferred_name:
        extra["preferred_name"] = facts.preferred_name
    if facts.orcid:
        extra["orcid"] = facts.orcid
    return extra
