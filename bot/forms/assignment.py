"""Interpreting the "Fix paper assignment" form (the website dialog's issues).

Owns what the new form's answers mean together: the source author page (or the
page in the title), whom the papers belong to (an existing page, a new page
with an ORCID iD, or nobody: unverified), the paper list and the confirmation
box; :func:`_parse_assignment` turns the sections into a ParseResult.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.anthology.lookup import DataLookup
from bot.anthology.pages import page_url
from bot.anthology.people import OrcidError
from bot.engine.request import Target
from bot.forms.cues import typed_name
from bot.forms.legacy_kinds import check_institution, orcid_holder_target
from bot.forms.references import (
    ANTHOLOGY_HOST,
    PageError,
    page_from_title,
    parse_author_page,
    parse_orcid_answer,
    parse_paper_list,
)
from bot.forms.resolve import _page_papers, _PaperContext, resolve_page, resolve_papers
from bot.forms.result import ParseResult, _Collector, _finish
from bot.forms.template import FormSpec, clean_answer, parse_checkboxes, split_sections

ASSIGN_EXISTING = "existing"
ASSIGN_NEW = "new"
ASSIGN_UNVERIFIED = "unverified"


def choice_kind(answer: str, options: Sequence[str]) -> str | None:
    """The target kind a dropdown answer means (the option text, or words from it)."""
    value = answer.strip().casefold()
    if not value:
        return None
    kinds = (ASSIGN_EXISTING, ASSIGN_NEW, ASSIGN_UNVERIFIED)
    for option, kind in zip(options, kinds, strict=False):
        if value == option.casefold():
            return kind
    if "unverified" in value or value.startswith("no "):
        return ASSIGN_UNVERIFIED
    if "new" in value:
        return ASSIGN_NEW
    if "existing" in value:
        return ASSIGN_EXISTING
    return "invalid"


def _means_no_page(answer: str, options: Sequence[str]) -> bool:
    """Whether a target-page answer is the "No author page (unverified)" choice itself
    (not a page link, which may well contain the word "unverified")."""
    value = " ".join(answer.split()).casefold()
    unverified_option = options[2].casefold() if len(options) > 2 else ""
    return bool(value) and value in {unverified_option, "no author page", "none", "unverified"}


def _answer(sections: dict[str, str], field_id: str, *, strict: bool = False) -> str:
    return clean_answer(sections.get(field_id, ""), strict_empty=strict)


def _read_source(
    sections: dict[str, str], title: str, lookup: DataLookup | None, out: _Collector
) -> str | None:
    raw = _answer(sections, "author_page")
    if not raw:
        page = page_from_title(title)
        if page is None:
            out.add(
                "author_page",
                "missing_page",
                "Please give the author page the papers are on now: its link (for example "
                f"{ANTHOLOGY_HOST}/people/jane-doe/unverified/) or its id.",
            )
            return None
        out.note(f"The author page was taken from the title: {page}.")
        return resolve_page(page, lookup, out, "author_page")
    try:
        page = parse_author_page(raw)
    except PageError as exc:
        out.add("author_page", exc.code, str(exc))
        return None
    return resolve_page(page, lookup, out, "author_page")


def _read_orcid(sections: dict[str, str], out: _Collector, *, required: bool) -> str | None:
    raw = _answer(sections, "orcid")
    if not raw:
        if required:
            out.add(
                "orcid",
                "missing_orcid",
                "A new author page needs the person's ORCID iD (for example "
                "0000-0002-1825-0097). Please add it; you can get one for free at "
                "https://orcid.org.",
            )
        return None
    try:
        return parse_orcid_answer(raw)
    except OrcidError as exc:
        out.add(
            "orcid",
            "invalid_orcid",
            str(exc),  # says what is wrong and where to copy the iD from
        )
        return None


def _existing_target(
    sections: dict[str, str],
    source: str | None,
    lookup: DataLookup | None,
    out: _Collector,
) -> Target | None:
    raw = _answer(sections, "target_page")
    if not raw:
        orcid = _read_orcid(sections, _Collector(), required=False)
        holder = lookup.person_by_orcid(orcid) if (lookup and orcid) else None
        if holder:
            out.note(f"The ORCID iD {orcid} belongs to the existing page {holder}.")
            return _check_existing(holder, source, lookup, out)
        out.add(
            "target_page",
            "missing_target",
            "You chose an existing author page: please give its link or id in "
            "'Existing author page'.",
        )
        return None
    try:
        page = parse_author_page(raw)
    except PageError as exc:
        out.add("target_page", "invalid_page", str(exc))
        return None
    target = _check_existing(page, source, lookup, out)
    orcid = _read_orcid(sections, _Collector(), required=False)
    holder = lookup.person_by_orcid(orcid) if (lookup and orcid and target) else None
    if holder and holder != page:
        out.add(
            "orcid",
            "conflicting_orcid",
            f"The ORCID iD {orcid} belongs to {page_url(holder)}, not to {page_url(page)}. "
            "Please check which page the papers should go to.",
        )
        return None
    return target


def _check_existing(
    page: str, source: str | None, lookup: DataLookup | None, out: _Collector
) -> Target | None:
    if page.endswith("/unverified"):
        out.add(
            "target_page",
            "invalid_target",
            f"{page_url(page)} is an unverified page, which only collects papers nobody has "
            "claimed. To take papers off a page, choose 'No author page (unverified)'; to "
            "give them to a person, give that person's verified page or an ORCID iD for a "
            "new page.",
        )
        return None
    if lookup is not None and not lookup.person_exists(page):
        out.add(
            "target_page",
            "unknown_page",
            f"There is no verified author page {page_url(page)}. Please check the link, or "
            "choose 'A new author page for this person'.",
        )
        return None
    if page == source:
        out.add(
            "target_page",
            "same_page",
            f"The papers are already on {page_url(page)}. Please give the page they should "
            "move to.",
        )
        return None
    return Target(kind="existing", id=page)


def _new_target(
    sections: dict[str, str], source: str | None, lookup: DataLookup | None, out: _Collector
) -> Target | None:
    orcid = _read_orcid(sections, out, required=True)
    if orcid is None:
        return None
    holder = lookup.person_by_orcid(orcid) if lookup else None
    if holder:
        target = orcid_holder_target(orcid, holder, [source] if source else [], out)
        if target is not None and target.id is not None:
            return _check_existing(target.id, source, lookup, out)
        return None
    raw_degree = _answer(sections, "institution")
    lines = len([line for line in raw_degree.split("\n") if line.strip()])
    degree = check_institution(" ".join(raw_degree.split()) or None, lines, out, required=False)
    typed = _answer(sections, "name", strict=True)
    name = None
    if typed:
        name, problem = typed_name(typed, "the name")
        if name is None:
            out.add(
                "name",
                "invalid_name",
                f"We cannot use the name as typed: {problem}. Please give the name exactly as "
                "it is printed on the papers (for example: Doe, Jane), or leave the field "
                "empty to use the name on the papers.",
            )
            return None
    return Target(kind="new", orcid=orcid, degree=degree, name=name)


def _read_target(
    sections: dict[str, str],
    source: str | None,
    spec: FormSpec,
    lookup: DataLookup | None,
    out: _Collector,
) -> Target | None:
    dropdown = spec.field("assign_to")
    kind = choice_kind(_answer(sections, "assign_to"), dropdown.options if dropdown else ())
    if kind is None:
        # GitHub documents link pre-filling for inputs and textareas only, so the
        # dialog leaves the dropdown alone and says "nobody" in the target field.
        if _means_no_page(_answer(sections, "target_page"), dropdown.options if dropdown else ()):
            kind = ASSIGN_UNVERIFIED
        elif _answer(sections, "target_page"):
            kind = ASSIGN_EXISTING
        elif _answer(sections, "orcid"):
            kind = ASSIGN_NEW
    if kind is None or kind == "invalid":
        options = ", ".join(f"'{o}'" for o in (dropdown.options if dropdown else ()))
        out.add(
            "assign_to",
            "missing_choice" if kind is None else "invalid_choice",
            f"Please choose whom these papers belong to: one of {options}.",
        )
        return None
    if kind == ASSIGN_EXISTING:
        return _existing_target(sections, source, lookup, out)
    if kind == ASSIGN_NEW:
        return _new_target(sections, source, lookup, out)
    if source is not None and source.endswith("/unverified"):
        out.add(
            "assign_to",
            "same_page",
            f"{page_url(source)} is already an unverified page, so 'No author page' would "
            "change nothing. Please choose an existing or a new author page.",
        )
        return None
    return Target(kind="unverified")


def _check_confirmed(sections: dict[str, str], out: _Collector) -> None:
    if "confirm" not in sections:
        out.add(
            "confirm",
            "not_confirmed",
            "Please tick the box confirming that the names on these papers match the PDFs.",
        )
        return
    boxes = parse_checkboxes(sections["confirm"])
    if not boxes or not all(ticked for ticked, _ in boxes):
        out.add(
            "confirm",
            "not_confirmed",
            "Please tick the box confirming that the names on these papers match the PDFs. "
            "If a name on the website differs from the PDF, use 'Fix data' on that paper "
            "first.",
        )


def _parse_assignment(
    title: str, body: str, spec: FormSpec, lookup: DataLookup | None
) -> ParseResult:
    sections = split_sections(body, spec.label_map())
    out = _Collector()
    source = _read_source(sections, title, lookup, out)
    target = _read_target(sections, source, spec, lookup, out)
    refs = parse_paper_list(_answer(sections, "papers"))
    if not refs:
        out.add(
            "papers",
            "missing_papers",
            "Please list the papers that should move, one per line, as links or Anthology "
            "IDs (for example https://aclanthology.org/2024.acl-long.4/).",
        )
    target_page = target.id if target is not None and target.kind == "existing" else None
    ctx = _PaperContext(source, _page_papers(source, lookup), _page_papers(target_page, lookup))
    papers = resolve_papers(refs, lookup, ctx, out) if source or lookup is None else []
    _check_confirmed(sections, out)
    notes = _answer(sections, "notes")
    return _finish("assignment", out, source, papers, target, sections, notes)
