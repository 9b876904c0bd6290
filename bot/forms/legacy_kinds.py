"""The old form's requests about whole pages and persons, read as a maintainer would.

``bot.forms.legacy`` handles a list of papers moving from one page to another.
This module owns the other kinds of request in the maintainers' table
(``maintainer-operations.md``), each decided from the facts of the issue:

* **simple verification**: "Verification" ticked on an unverified page and no
  papers listed is the whole page, to a new person with the ORCID iD and the
  institution (asked for when missing);
* **add an ORCID iD / institution** to a verified page: person edits, no move;
* **merge profiles**: several pages are one person: the verified one when exactly
  one is (or the one named as destination, or the one the preferred name is),
  every paper of the other pages, other verified persons merged into it; or a
  new person with the ORCID iD when none is verified;
* **name change / name order**: the canonical name of the verified person;
* **all except**: "all papers are mine except X", "the rest are not mine, except X";
* **the website's name differs from the PDF**: the paper's "Fix data" button.

Each returns an :class:`Outcome`, or None when the issue is not of its kind (the
list reading in ``bot.forms.legacy`` then applies). Problems are questions in
the maintainers' words ("Which of the papers at <page> are yours?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.anthology.lookup import DataLookup
from bot.anthology.pages import is_unverified_page, page_slug, page_url
from bot.anthology.people import EXAMPLE_ORCID
from bot.engine.request import MAX_SOURCES, PersonEdits, Target, institution_problem
from bot.forms.cues import typed_name
from bot.forms.legacy_facts import LegacyFacts
from bot.forms.prose import MINE, NOT_MINE
from bot.forms.references import PaperRef
from bot.forms.resolve import _page_papers, _PaperContext, resolve_page, resolve_papers
from bot.forms.result import Reading, _Collector


@dataclass
class Outcome:
    """What an issue of one of these kinds asks for (or the questions, in the collector)."""

    source: str | None = None
    papers: list[str] = field(default_factory=list)
    target: Target | None = None
    reading: Reading = field(default_factory=Reading)


def own_page(pages: Sequence[str], orcid: str | None) -> str | None:
    """The verified page whose id ends in the ORCID iD's last four characters.

    New ids for a name that is taken are ``<slug>-<last 4 of the ORCID>``
    (``eugene-jang-2384``), so such a page is the ORCID holder's own.
    """
    if orcid is None:
        return None
    suffix = "-" + orcid[-4:].lower()
    owned = [p for p in pages if not is_unverified_page(p) and p.endswith(suffix)]
    return owned[0] if len(owned) == 1 else None


def _name_slug(page: str) -> str:
    """A page's name part: ``jane-doe`` for ``jane-doe-2384``, ``jane-doe/unverified``."""
    return re.sub(r"-(?:[0-9]{3}[0-9x]|[0-9]+)$", "", page_slug(page))


def _same_name(holder: str, page: str) -> bool:
    return _name_slug(holder) == _name_slug(page)


def _listed(pages: Sequence[str]) -> str:
    urls = [page_url(p) for p in pages]
    return urls[0] if len(urls) == 1 else ", ".join(urls[:-1]) + " and " + urls[-1]


# --------------------------------------------------------------------------- #
# Checks of what was typed
# --------------------------------------------------------------------------- #


def _degree(facts: LegacyFacts, out: _Collector, required: bool) -> str | None:
    return check_institution(facts.degree, facts.degree_lines, out, required)


def check_institution(text: str | None, lines: int, out: _Collector, required: bool) -> str | None:
    """The institution typed (``lines``: on how many lines), checked; a question when it
    is needed and missing, or cannot be used (several, too long, markup)."""
    if text is None:
        if required:
            out.add(
                "institution",
                "missing_institution",
                "A verified author page needs the institution of your highest (anticipated) "
                "degree. Please add it to the 'Institution of highest (anticipated) degree' "
                "field.",
            )
        return None
    if lines > 1:
        out.add(
            "institution",
            "invalid_institution",
            f"You gave {lines} institutions. Which one is the institution of your highest "
            "(anticipated) degree? Please give just that one.",
        )
        return None
    problem = institution_problem(text)
    if problem is not None:
        out.add(
            "institution",
            "invalid_institution",
            f"The institution cannot be used: {problem}. Please give just the name of the "
            "university or institute (for example: University of Edinburgh).",
        )
        return None
    return text


def _canonical_name(facts: LegacyFacts, out: _Collector) -> PersonEdits:
    """The preferred name as a person edit; a question when it cannot be a name."""
    if not facts.wanted_name:
        return PersonEdits()
    name, problem = typed_name(facts.wanted_name, "the preferred name")
    if name is None:
        out.add(
            "name",
            "invalid_name",
            f"We cannot use the preferred name as typed: {problem}. Please give the name "
            "exactly as it is printed on your papers (for example: Jane Doe).",
        )
        return PersonEdits()
    return PersonEdits(canonical_name=name)


def _with(edits: PersonEdits, **changes: object) -> PersonEdits:
    values = {
        "orcid": edits.orcid,
        "degree": edits.degree,
        "canonical_name": edits.canonical_name,
        "disable_name_matching": edits.disable_name_matching,
    }
    values.update(changes)
    return PersonEdits(**values)  # type: ignore[arg-type]


def _orcid_edits(
    facts: LegacyFacts, person: str, lookup: DataLookup | None, out: _Collector
) -> PersonEdits:
    """The ORCID iD (and institution) given, as edits of the existing ``person``.

    Nothing when the person holds the iD already (their id ends in it, or the data
    says so); a question naming the holder when someone else holds it.
    """
    if facts.orcid is None:
        return PersonEdits()
    holder = lookup.person_by_orcid(facts.orcid) if lookup is not None else None
    if holder == person or (holder is None and own_page([person], facts.orcid) == person):
        return PersonEdits()
    if holder is not None:
        out.add(
            "orcid",
            "conflicting_orcid",
            f"The ORCID iD {facts.orcid} belongs to {page_url(holder)}, not to "
            f"{page_url(person)}. Which of the two pages is yours?",
        )
        return PersonEdits()
    out.note(f"The ORCID iD {facts.orcid} is added to {page_url(person)}.")
    return PersonEdits(orcid=facts.orcid, degree=_degree(facts, out, required=False))


def new_person_target(
    facts: LegacyFacts,
    pages: Sequence[str],
    lookup: DataLookup | None,
    out: _Collector,
    what: str,
) -> Target | None:
    """The new verified person the papers of ``pages`` go to: ORCID iD and institution.

    An ORCID iD held by a person of the same name is that person (the papers go
    there, as maintainers merge them); held by someone else, it is a question.
    """
    if facts.orcid is None:
        out.add(
            "orcid",
            "missing_orcid",
            f"To {what}, please give your ORCID iD (it looks like {EXAMPLE_ORCID}); it is "
            "what makes a page verified.",
        )
        _degree(facts, out, required=True)
        return None
    holder = lookup.person_by_orcid(facts.orcid) if lookup is not None else None
    if holder is not None:
        return orcid_holder_target(facts.orcid, holder, pages, out)
    degree = _degree(facts, out, required=True)
    if degree is None:
        return None
    return Target(kind="new", orcid=facts.orcid, degree=degree)


def orcid_holder_target(
    orcid: str, holder: str, pages: Sequence[str], out: _Collector
) -> Target | None:
    """A new page was asked for, but ``holder`` has the ORCID iD already.

    A holder of the same name as the pages is the filer's own verified page: the
    papers go there (with a note), as maintainers merge them. Anyone else is a
    question that says whose it is: the papers never silently join another person.
    """
    if any(_same_name(holder, p) for p in pages):
        out.note(
            f"The ORCID iD {orcid} already has the verified page {page_url(holder)}: "
            "the papers go there instead of to a new page."
        )
        return Target(kind="existing", id=holder)
    out.add(
        "orcid",
        "conflicting_orcid",
        f"The ORCID iD {orcid} already belongs to {page_url(holder)}. Is that your page? If "
        "it is, please say that the papers should move there; if not, please check the "
        "ORCID iD.",
    )
    return None


# --------------------------------------------------------------------------- #
# The kinds
# --------------------------------------------------------------------------- #


def fix_data(facts: LegacyFacts, out: _Collector) -> Outcome | None:
    """A name that differs between the website and the PDF: the paper's "Fix data" button."""
    if not facts.fix_data or facts.refs or len(facts.pages) > 1:
        return None
    if {"verify", "split", "merge"} & set(facts.kinds):
        return None
    out.add(
        "notes",
        "fix_data",
        "When the name on the website differs from the PDF, the paper's metadata is wrong, "
        "and no author-page change fixes it: please use the 'Fix data' button on each "
        "paper's page to correct the name there. The author page follows once the papers "
        "are corrected.",
    )
    return Outcome()


def _resolved_pages(facts: LegacyFacts, lookup: DataLookup | None, out: _Collector) -> list[str]:
    pages: list[str] = []
    for page in facts.pages:
        resolved = resolve_page(page, lookup, out, "author_page")
        if resolved and resolved not in pages:
            pages.append(resolved)
    return pages


def read_whole_page_kinds(
    facts: LegacyFacts, lookup: DataLookup | None, out: _Collector
) -> Outcome | None:
    """The request when it is one of this module's kinds, else None.

    The pages are checked against the data first (with a lookup), so that two
    ways of writing one page, or an old verified-looking URL of what is an
    unverified page now, count as the page they are.
    """
    done = fix_data(facts, out)
    if done is not None:
        return done
    kinds = set(facts.kinds)
    if not facts.pages:
        return None
    if len(facts.pages) > MAX_SOURCES:
        out.add(
            "author_page",
            "ambiguous_pages",
            f"{len(facts.pages)} author pages are named; one request may name at most "
            f"{MAX_SOURCES}. Please split the request.",
        )
        return Outcome()
    pages = _resolved_pages(facts, lookup, out)
    if len(pages) < len(set(facts.pages)) and any(
        p.code in ("unknown_page", "invalid_page") for p in out.problems
    ):
        return Outcome()  # a page that does not exist: the question is asked
    listed = bool(facts.refs or facts.titles)
    merging = len(pages) > 1 and (
        bool({"merge", "name_change"} & kinds)
        or ("verify" in kinds and all(is_unverified_page(p) for p in pages))
    )
    # A list of the filer's papers with a merge of an unverified page moves that list
    # (the list reading); only a merge of verified persons takes whole pages anyway.
    verified = [p for p in pages if not is_unverified_page(p)]
    if merging and (not listed or (len(verified) > 1 and "split" not in kinds)):
        return _merge(facts, pages, lookup, out)
    if len(pages) != 1:
        return None
    page = pages[0]
    if facts.except_cue is not None and not listed_outside_cue(facts):
        return _all_except(facts, page, lookup, out)
    if listed or not ({"verify", "name_change"} & kinds):
        return None
    if is_unverified_page(page):
        if "split" in kinds or facts.subset or "merge" in kinds:
            return None  # part of a page: which papers? (the list reading asks)
        if "verify" not in kinds and facts.orcid is None:
            return _rename_unverified(page, out)
        return _verify_whole_page(facts, page, lookup, out)
    return _edit_verified(facts, page, lookup, out)


def listed_outside_cue(facts: LegacyFacts) -> bool:
    """Whether papers are listed besides those an "except" statement names."""
    cue = facts.except_cue
    named = set(cue.exceptions) if cue is not None else set()
    return any(r.value not in named for r in facts.refs) or bool(facts.titles)


def _verify_whole_page(
    facts: LegacyFacts, page: str, lookup: DataLookup | None, out: _Collector
) -> Outcome:
    """ "Verification" and nothing listed: every paper of the unverified page is the filer's."""
    target = new_person_target(facts, [page], lookup, out, f"verify {page_url(page)}")
    edits = _canonical_name(facts, out)
    if target is not None and target.kind == "new":
        out.note(f"Every paper on {page_url(page)} goes to the new verified page.")
    reading = Reading(sources=[page], all_papers=True, edits=edits)
    return Outcome(source=page, target=target, reading=reading)


def _rename_unverified(page: str, out: _Collector) -> Outcome:
    out.add(
        "orcid",
        "missing_orcid",
        f"{page_url(page)} is not verified, so it cannot choose the name it shows. Please "
        f"give your ORCID iD (it looks like {EXAMPLE_ORCID}) and the institution of your "
        "highest degree to verify it. If the name on the website differs from your PDF, "
        "use the 'Fix data' button on the paper's page instead.",
    )
    return Outcome(source=page)


def _edit_verified(
    facts: LegacyFacts, page: str, lookup: DataLookup | None, out: _Collector
) -> Outcome | None:
    """A verified page: add the ORCID iD / institution, or choose the canonical name."""
    kinds = set(facts.kinds)
    if "split" in kinds and not _says_all_mine(facts):
        return None  # the page mixes people: which papers? (the list reading asks)
    edits = _canonical_name(facts, out) if "name_change" in kinds else PersonEdits()
    if "name_change" in kinds and not facts.wanted_name:
        out.add(
            "name",
            "invalid_name",
            f"Which name should {page_url(page)} show? Please give it in the 'Preferred "
            "author name' field, exactly as it is printed on your papers.",
        )
    if "verify" in kinds:
        if facts.orcid is None:
            out.add(
                "orcid",
                "missing_orcid",
                f"Please give the ORCID iD to add to {page_url(page)} (it looks like "
                f"{EXAMPLE_ORCID}).",
            )
        else:
            added = _orcid_edits(facts, page, lookup, out)
            edits = _with(edits, orcid=added.orcid, degree=added.degree)
            if not added and not edits and not out.problems:
                out.add(
                    "orcid",
                    "same_page",
                    f"{page_url(page)} already has the ORCID iD {facts.orcid}. If papers on "
                    "it are not yours, please list them here, one per line.",
                )
    elif facts.orcid is not None:
        out.note(f"The ORCID iD {facts.orcid} is not changed: 'Verification' was not ticked.")
    return Outcome(target=Target(kind="existing", id=page), reading=Reading(edits=edits))


def _says_all_mine(facts: LegacyFacts) -> bool:
    """ "The papers listed on this page belong to me": the whole page is the filer's."""
    return (
        bool(
            re.search(
                r"\b(?:papers|publications)\b[^.\n]{0,80}\b(?:belong\s+to\s+me|are\s+(?:all\s+)?"
                r"mine)\b",
                facts.prose,
                re.IGNORECASE,
            )
        )
        and not facts.subset
    )


def _all_except(
    facts: LegacyFacts, page: str, lookup: DataLookup | None, out: _Collector
) -> Outcome:
    """ "All papers are mine except X" / "the rest are not mine, except X", read exactly."""
    cue = facts.except_cue
    assert cue is not None
    if cue.unclear:
        out.add(
            "papers",
            "unclear_cue",
            f"Which of the papers at {page_url(page)} are yours? We could not tell for sure "
            f"from “{cue.sentence}”. Please list your papers on that page, one per line, as "
            "links or Anthology IDs.",
        )
        return Outcome(source=page)
    exceptions = list(cue.exceptions)
    if lookup is not None:  # each exception must be a paper on the page
        refs = [PaperRef("paper", p, p) for p in exceptions]
        exceptions = resolve_papers(
            refs, lookup, _PaperContext(page, _page_papers(page, lookup)), out
        )
    if not is_unverified_page(page):
        if cue.rest == MINE:  # the exceptions leave the filer's page
            return Outcome(source=page, papers=exceptions, target=Target(kind="unverified"))
        _orcid_left_alone(facts, page, out)
        out.note(f"Every paper on {page_url(page)} except {', '.join(exceptions)} leaves the page.")
        reading = Reading(sources=[page], all_papers=True, except_papers=exceptions)
        return Outcome(source=page, target=Target(kind="unverified"), reading=reading)
    target = new_person_target(facts, [page], lookup, out, f"verify {page_url(page)}")
    if cue.rest == NOT_MINE:  # only the exceptions are the filer's
        return Outcome(source=page, papers=exceptions, target=target)
    reading = Reading(sources=[page], all_papers=True, except_papers=exceptions)
    return Outcome(source=page, target=target, reading=reading)


def _orcid_left_alone(facts: LegacyFacts, page: str, out: _Collector) -> None:
    """Papers only leave the page: say what happens with an ORCID iD given beside."""
    if facts.orcid is not None:
        out.note(
            f"The ORCID iD {facts.orcid} is not changed by this request: it only takes papers "
            f"off {page_url(page)}. To add the ORCID iD to the page, tick 'Verification' "
            "in a new request."
        )


def _survivor(facts: LegacyFacts, verified: list[str]) -> str | None:
    """Which of several verified pages stays: the one named as destination, the one the
    ORCID iD's suffix names, or the one whose name is the preferred name."""
    if facts.into in verified:
        return facts.into
    if owned := own_page(verified, facts.orcid):
        return owned
    if facts.wanted_name:
        name, _ = typed_name(facts.wanted_name)
        if name is not None:
            matching = [p for p in verified if _name_slug(p) == name.slug()]
            if len(matching) == 1:
                return matching[0]
    return None


def _count_matches(
    facts: LegacyFacts, pages: list[str], lookup: DataLookup | None, out: _Collector
) -> bool:
    """ "The 5 papers on the unverified page": with the data, 5 papers there means all."""
    if facts.stated_count is None or lookup is None or not pages or facts.subset_words:
        return False
    on_pages = {p for page in pages for p in (lookup.page_papers(page) or [])}
    if len(on_pages) != facts.stated_count:
        return False
    out.note(f"The {facts.stated_count} papers are all the papers on {_listed(pages)}.")
    return True


def _merge(
    facts: LegacyFacts, pages: list[str], lookup: DataLookup | None, out: _Collector
) -> Outcome:
    """Several pages of one person become one page (see the module docstring)."""
    if len(pages) < 2:
        return Outcome(source=pages[0] if pages else None)
    verified = [p for p in pages if not is_unverified_page(p)]
    unverified = [p for p in pages if is_unverified_page(p)]
    if facts.subset and not _count_matches(facts, unverified, lookup, out):
        out.add(
            "papers",
            "missing_papers",
            f"Which of the papers at {_listed(unverified or pages)} are yours? "
            + (
                "You wrote that not all of them are"
                if facts.subset_words or facts.stated_count is None
                else f"You mentioned {facts.stated_count} papers"
            )
            + "; please list yours, one per line, as links or Anthology IDs.",
        )
        return Outcome(source=(unverified or pages)[0])
    edits = _canonical_name(facts, out)
    holder = lookup.person_by_orcid(facts.orcid) if lookup and facts.orcid else None
    if holder is not None and holder not in verified:
        verified.append(holder)
    # The ORCID iD's holder is the person; the preferred name only chooses the name shown.
    survivor = holder or (verified[0] if len(verified) == 1 else _survivor(facts, verified))
    if holder is not None and facts.into in verified and facts.into != holder:
        survivor = None  # "into X", but the ORCID iD is Y's: ask
    if verified and survivor is None:
        out.add(
            "author_page",
            "ambiguous_merge",
            f"Which of the verified pages {_listed(verified)} should stay? The other "
            f"{'one is' if len(verified) == 2 else 'ones are'} merged into it. Please also "
            "give the name the page should show in the 'Preferred author name' field.",
        )
        return Outcome(source=pages[0])
    if survivor is None:
        target = new_person_target(facts, pages, lookup, out, "make these pages one page")
        sources = unverified
    else:
        target = Target(kind="existing", id=survivor)
        sources = unverified
        added = _orcid_edits(facts, survivor, lookup, out)
        edits = _with(edits, orcid=added.orcid, degree=added.degree)
    merge = [p for p in verified if p != survivor]
    if facts.refs or facts.titles:
        out.note("The papers you listed are among those of these pages; all of them move.")
    if merge:
        out.note(
            f"{_listed(merge)} {'is' if len(merge) == 1 else 'are'} merged into "
            f"{page_url(survivor or '')}."
        )
    if sources:
        out.note(f"Every paper on {_listed(sources)} moves to the one page.")
    reading = Reading(sources=sources, all_papers=bool(sources), edits=edits, merge=merge)
    return Outcome(source=sources[0] if sources else None, target=target, reading=reading)
