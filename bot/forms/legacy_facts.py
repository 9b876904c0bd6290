"""What an issue filed with the older "Correction to Author Page" form says.

Owns the reading of the old form, before anything is decided: the kinds of
correction ticked, the author pages named (and the one named as destination,
"merge them into <page>"), the papers mentioned with their polarity, titles,
the ORCID iD, the institution and the phrases that matter ("all my papers",
profile links instead of papers, a search link). ``bot.forms.legacy`` decides
what these facts ask for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.anthology.pages import PAGE_URL_PATTERN, find_author_pages, url_page
from bot.forms.cues import (
    ExceptCue,
    fix_data_hint,
    read_except,
    stated_count,
    subset_cue,
    subset_words,
    wanted_name,
)
from bot.forms.prose import (
    MINE,
    find_paper_refs_in_prose,
    find_titles_in_prose,
    has_all_papers_phrase,
)
from bot.forms.references import (
    _SEARCH_URL_RE,
    PaperRef,
    find_orcids,
    page_from_title,
)
from bot.forms.template import clean_answer, parse_checkboxes

CorrectionKind = Literal["verify", "split", "merge", "name_change"]

_KIND_PATTERNS: tuple[tuple[CorrectionKind, re.Pattern[str]], ...] = (
    ("verify", re.compile(r"verification|add an orcid", re.IGNORECASE)),
    ("split", re.compile(r"split|conflates|two or more different people", re.IGNORECASE)),
    ("merge", re.compile(r"merge|multiple (?:pages|profiles)", re.IGNORECASE)),
    ("name_change", re.compile(r"name change|changed their name", re.IGNORECASE)),
)
# Words that may stand between "into"/"to" and the page it names as the destination.
_INTO_RE = re.compile(
    r"\b(?:into|to|onto|under)\s*:?\s*"
    r"(?:(?:the|a|an|one|single|my|main|official|verified|correct|author|page|profile"
    r"|account|at|this|acl|anthology|new|existing)\b\s*:?\s*)*[(\[]?\s*$",
    re.IGNORECASE,
)
_SCHOLAR_RE = re.compile(r"scholar\.google|semanticscholar|dblp\.org|openreview\.net", re.I)
_MD_LINK_TEXT_RE = re.compile(r"\[([^\[\]\n]{0,400})\]\(\s{0,5}([^()\s\[\]]{0,1000})\s{0,5}\)")
_URL_IN_PARENS_RE = re.compile(r"\s*\((?:https?://|www\.)[^)]*\)")


def correction_kinds(text: str) -> list[CorrectionKind]:
    """The kinds of correction ticked in the old form's checkbox list."""
    kinds: list[CorrectionKind] = []
    for ticked, label in parse_checkboxes(text):
        if not ticked:
            continue
        for kind, pattern in _KIND_PATTERNS:
            if pattern.search(label) and kind not in kinds:
                kinds.append(kind)
                break
    return kinds


@dataclass
class LegacyFacts:
    """What an old-form issue says, before deciding what it asks for."""

    kinds: list[CorrectionKind]
    pages: list[str]
    into: str | None
    refs: list[PaperRef]
    titles: list[PaperRef]
    orcid: str | None
    orcid_raw: str
    degree: str | None
    preferred_name: str
    all_papers: bool
    profile_links_only: bool
    search_link: bool
    except_cue: ExceptCue | None = None
    wanted_name: str | None = None
    subset: bool = False
    fix_data: bool = False
    prose: str = ""
    degree_lines: int = 0
    stated_count: int | None = None
    subset_words: bool = False


def _explicit_target(text: str, pages: Sequence[str]) -> str | None:
    """The page named as the destination ("merge them into <url>", "map the papers
    from <url> to <url>", "move this paper to jin-liu-4161"), if any.

    Each mention of a known page, as URL or bare id, is checked for a preceding
    "into"/"to" with only filler words between; the last such mention wins.
    """
    text = _MD_LINK_TEXT_RE.sub(r"\1 \2", re.sub(r"\]\(\s*\n\s*", "](", text))
    mentions: list[tuple[int, str]] = []
    for m in PAGE_URL_PATTERN.finditer(text):
        if (page := url_page(m)) is not None:
            mentions.append((m.start(), page))
    for page in pages:
        bare = re.compile(rf"(?<![\w/.-]){re.escape(page)}(?![\w-])")
        mentions.extend((m.start(), page) for m in bare.finditer(text))
    chosen: str | None = None
    for start, page in sorted(mentions):
        before = text[max(0, start - 100) : start]
        if page in pages and _INTO_RE.search(before):
            chosen = page
    return chosen


def _legacy_pages(answers: dict[str, str], title_page: str | None) -> list[str]:
    """The author pages named in the issue: the Author Pages answer first, then the rest.

    The 2026 website fills the title with the page the button was pressed on; a bare
    ``jane-doe`` answer next to a ``jane-doe/unverified`` title means that page.
    """
    pages = find_author_pages(answers.get("author_page", ""))
    for page in find_author_pages(answers.get("notes", "")):
        if page not in pages:
            pages.append(page)
    if title_page and title_page.endswith("/unverified"):
        slug = title_page.split("/")[0]
        if slug in pages and title_page not in pages:
            pages[pages.index(slug)] = title_page
    if not pages and title_page:
        pages.append(title_page)
    return pages


def _legacy_refs(answers: dict[str, str]) -> list[PaperRef]:
    """Paper ids from the paper list (the writer's) and from the prose (with polarity)."""
    refs = [
        PaperRef(r.kind, r.value, r.text, max(r.polarity, MINE))
        for r in find_paper_refs_in_prose(answers.get("papers", ""))
    ]
    for key in ("author_page", "notes", "body"):
        for ref in find_paper_refs_in_prose(answers.get(key, "")):
            if all(r.value != ref.value for r in refs):
                refs.append(ref)
    return refs


def read_legacy_facts(title: str, sections: dict[str, str]) -> LegacyFacts:
    """Collect pages, papers, ORCID iD and the rest from an old-form issue."""
    answers = {k: clean_answer(v) for k, v in sections.items()}
    prose = "\n\n".join(answers.get(k, "") for k in ("author_page", "papers", "notes", "body"))
    kinds = correction_kinds(sections.get("correction_type", ""))
    pages = _legacy_pages(answers, page_from_title(title))
    into = _explicit_target(prose, pages)
    refs = _legacy_refs(answers)
    titles: list[PaperRef] = []
    only_merge = set(kinds) <= {"merge", "name_change"} and bool(kinds)
    if not refs and not (only_merge and not any(p.endswith("/unverified") for p in pages)):
        titles = find_titles_in_prose(answers.get("notes", ""))
    orcid_raw = answers.get("orcid", "")
    orcids = find_orcids(orcid_raw) or find_orcids(prose) or find_orcids(title)
    degree = _URL_IN_PARENS_RE.sub("", "; ".join(answers.get("institution", "").split("\n")))
    return LegacyFacts(
        kinds=kinds,
        pages=pages,
        into=into,
        refs=refs,
        titles=titles,
        orcid=orcids[0] if orcids else None,
        orcid_raw=orcid_raw,
        degree=" ".join(degree.split()) or None,
        preferred_name=answers.get("name", ""),
        all_papers=has_all_papers_phrase(prose),
        profile_links_only=_SCHOLAR_RE.search(prose) is not None,
        search_link=_SEARCH_URL_RE.search(answers.get("author_page", "")) is not None,
        except_cue=read_except(prose),
        wanted_name=wanted_name(answers.get("name", ""), prose),
        subset=subset_cue(prose),
        fix_data=fix_data_hint(prose),
        prose=prose,
        stated_count=stated_count(prose),
        subset_words=subset_words(prose),
        degree_lines=len([x for x in answers.get("institution", "").split("\n") if x.strip()]),
    )
