"""Answers in the thread: the filer's comments that answer the bot's questions (pure).

A request is rarely complete when filed. When the bot has asked something (a
paper list, an ORCID iD, a page), the filer usually answers **in a comment**
("these are mine: ...") rather than by editing the issue. Such an answer
completes the request exactly as an edit of the body would: the answer is
written into the section of the body it answers (the paper list, the ORCID iD,
the author page, the institution, the name), and the amended body is read by
the same parser (``bot.forms.parse_issue``) with all its readers.

Which comments count:

* only comments by the person who filed the issue (never other people, never
  the bot), written after the bot first asked and before the request became
  complete (the status comment's state records both comment ids,
  ``bot.workflow.state``; a new question opens the window again);
* quoted lines (``> ...``, a quote of the question) and command lines
  (``/plan``) are not part of the answer; a comment that is nothing else is
  no answer;
* each comment is read for the fields that were asked only: a paper list (or
  "yes, all of them", "all except ..."), an ORCID iD, an author page link,
  an institution or a name typed on one line, or "the first one" when the
  question listed choices (:func:`offered_choices`);
* the latest answer per field wins; a comment that answers nothing asked is
  ignored, with a note in the status comment.

Nothing here does I/O: comments come in as plain values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.request import Problem
from bot.forms.prose import NEUTRAL, cue_polarity, find_paper_refs_in_prose, has_all_papers_phrase
from bot.forms.references import (
    PageError,
    find_orcids,
    parse_author_page,
    parse_paper_line,
    parse_paper_list,
)
from bot.forms.template import (
    _HEADING_RE,
    LEGACY_LABELS,
    FormKind,
    load_form_spec,
    normalize_label,
    normalize_newlines,
    split_sections,
)

#: The fields an answer in a comment can fill, in the order they are read.
ANSWER_FIELDS = ("papers", "orcid", "author_page", "target_page", "institution", "name")
#: The order answers are written into the body ("title": a choice among papers).
_ORDER = ("title", *ANSWER_FIELDS)
#: Questions whose answer is a destination, whatever field they point at.
_CODE_OVERRIDES = {"ambiguous_merge": "target_page"}
#: Questions that one field of an answer cannot settle (staff decide with /request).
_NO_ONE_FIELD = frozenset({"ambiguous_pages", "several_sources"})
MAX_CHOICES = 5
MAX_ORDINAL_ANSWER = 60
_ORDINALS = (
    r"(?:first|1st)",
    r"(?:second|2nd)",
    r"(?:third|3rd)",
    r"(?:fourth|4th)",
    r"(?:fifth|5th)",
)
_TITLE_QUESTION = re.compile(r"which paper (['\"])(.+?)\1 is\.")
_CANDIDATE = re.compile(r"(?:It could be: |; )(\S+) \(")

#: Problem code -> the field its answer fills (when the problem's own field is not one).
_CODE_FIELDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "missing_papers",
            "invalid_paper",
            "unknown_paper",
            "not_on_page",
            "unknown_title",
            "ambiguous_title",
            "unknown_bibkey",
            "keep_list",
            "unclear_cue",
            "too_many_papers",
        ),
        "papers",
    ),
    **dict.fromkeys(("missing_orcid", "invalid_orcid", "conflicting_orcid"), "orcid"),
    **dict.fromkeys(("missing_page", "invalid_page", "unknown_page"), "author_page"),
    **dict.fromkeys(("missing_target", "invalid_target", "same_page"), "target_page"),
    **dict.fromkeys(("missing_institution", "invalid_institution"), "institution"),
    "invalid_name": "name",
}

#: How the old form's sections are written when the bot adds one to the body.
_LEGACY_HEADINGS = {
    "orcid": "Author ORCID",
    "author_page": "Author Pages in the Anthology",
    "institution": "Institution of highest (anticipated) degree",
    "name": "Preferred author name",
    "notes": "Supporting Information",
}

# "yes", "yes, all of them", "they are all mine", "all": every paper of the page.
_ALL_OF_THEM = re.compile(
    r"(?:(?:yes|yep|yeah|correct|right)\W{1,5})?(?:(?:they\s+are\s+)?all(?:\s+of\s+them)?"
    r"(?:\s+(?:are|is)\s+mine)?|they\s+are\s+all\s+mine)\W{0,5}",
    re.IGNORECASE,
)
#: Answers longer than this are no "yes, all of them" (and the pattern stays cheap).
MAX_SHORT_ANSWER = 80
#: How much of a comment is read as an answer (GitHub allows 65,536 characters).
MAX_ANSWER_CHARS = 20_000
# An institution typed on its own: it names a kind of institution, or says it is one.
_INSTITUTION_WORDS = re.compile(
    r"\b(?:universit\w*|univ|institut\w*|college|school|academy|laborator\w*|labs?|inc|"
    r"corp\w*|company|center|centre|polytechnic\w*|hochschule|[ée]cole|escuela|facult\w*|"
    r"research|ltd|gmbh|llc|foundation|hospital|technion|eth|epfl|mit|kaist|cnrs|inria)\b",
    re.IGNORECASE,
)
_INSTITUTION_SAID = re.compile(
    r"\b(?:institution|degree)\b[^:]{0,40}?(?:\bis\b|:|\bfrom\b|\bat\b)\s*(.+)$",
    re.IGNORECASE,
)
#: Words of a sentence to someone ("Sorry for the delay, I was busy at my lab"), which an
#: institution's or a person's name does not contain: such a line answers nothing.
_CHAT_WORDS = re.compile(
    r"(?:[?!]|\b(?:i|i'm|im|me|my|we|our|us|you|your|thanks?|thank|sorry|please|hello|hi|"
    r"dear|yes|no|ok|okay|done|great|regards|will|would|could|can|was|were|been|is|are|"
    r"any|news|update|updates|busy|delay|still|just|now|today|week|when|why|how|what)\b)",
    re.IGNORECASE,
)
_NAME_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "le", "la", "bin", "al"}
)
_ALL_SENTENCE = "All papers on this page are mine."
_EXCEPT = re.compile(
    r"\b(?:all|every(?:thing|\s+paper)?)\b.{0,200}?\b(?:except|but)\b", re.IGNORECASE | re.DOTALL
)
_PAGE_URL = re.compile(r"https?://[^\s<>()\[\]]*/people/[^\s<>()\[\]]+", re.IGNORECASE)
_COMMAND_LINE = re.compile(r"^\s*/[A-Za-z]+(?:\s|$)")
MAX_ONE_LINE = 200


@dataclass(frozen=True)
class ThreadComment:
    """A comment on the issue as this module reads it."""

    id: int
    author: str
    body: str
    url: str = ""


@dataclass(frozen=True)
class Answer:
    """What one comment answered: the field, the text that goes into the body."""

    field: str
    text: str
    comment: ThreadComment


@dataclass(frozen=True)
class ThreadReading:
    """The body completed with the answers read in the thread, and what was read."""

    body: str
    answers: tuple[Answer, ...] = ()
    ignored: tuple[ThreadComment, ...] = ()

    def notes(self, with_ignored: bool = True) -> list[str]:
        """Lines for the status comment: which comment was read for what, and (``with_ignored``,
        while questions are open) which was not used."""
        out: list[str] = []
        by_comment: dict[int, list[str]] = {}
        comments: dict[int, ThreadComment] = {}
        for answer in self.answers:
            by_comment.setdefault(answer.comment.id, []).append(_FIELD_WORDS[answer.field])
            comments[answer.comment.id] = answer.comment
        for cid, words in by_comment.items():
            out.append(f"I read your answer in comment {_link(comments[cid])}: {', '.join(words)}.")
        for comment in self.ignored if with_ignored else ():
            out.append(
                f"Your comment {_link(comment)} does not answer my questions as far as I can "
                "tell, so I did not use it."
            )
        return out


_FIELD_WORDS = {
    "title": "which paper the title is",
    "papers": "the papers",
    "orcid": "the ORCID iD",
    "author_page": "the author page",
    "target_page": "the destination page",
    "institution": "the institution",
    "name": "the name",
}


def _link(comment: ThreadComment) -> str:
    return comment.url or f"#{comment.id}"


def _answer_field(problem: Problem) -> str | None:
    """The field an answer to ``problem`` fills; None for questions a comment cannot answer
    by filling one field (which of several pages is the source *and* which the target)."""
    if problem.code in _NO_ONE_FIELD and problem.field != "target_page":
        return None
    if problem.code in _CODE_OVERRIDES:
        return _CODE_OVERRIDES[problem.code]
    return problem.field if problem.field in ANSWER_FIELDS else _CODE_FIELDS.get(problem.code)


def asked_fields(problems: Iterable[Problem]) -> tuple[str, ...]:
    """The fields the bot's questions ask for (what an answer in a comment may fill)."""
    out: list[str] = []
    for problem in problems:
        fid = _answer_field(problem)
        if fid is not None and fid not in out:
            out.append(fid)
    return tuple(out)


def offered_choices(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """The numbered choices the questions offer, for answers like "the first one":
    ``target_page``: the pages one of which the papers go to (or which stays in a merge);
    ``title``: an ambiguous title, then the papers it could be."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        if problem.code in ("ambiguous_merge", "ambiguous_pages") and (
            _answer_field(problem) == "target_page"
        ):
            pages = _valid_pages(_PAGE_URL.findall(problem.message))
            if len(pages) > 1 and "target_page" not in out:
                out["target_page"] = pages[:MAX_CHOICES]
        elif problem.code == "ambiguous_title" and "title" not in out:
            # The question reads "... which paper 'TITLE' is. It could be: ID (TITLE); ..."
            # (bot.forms.resolve): the title asked about, then the candidates in order.
            match = _TITLE_QUESTION.search(problem.message)
            ids = [m.group(1) for m in _CANDIDATE.finditer(problem.message)]
            if match and len(ids) > 1:
                out["title"] = [match.group(2), *ids[:MAX_CHOICES]]
    return out


def _ordinal(text: str) -> int | None:
    """The 0-based choice in an answer like "the first one", "2nd", "number 2", "#3"."""
    cleaned = text.strip().lower()
    if len(cleaned) > MAX_ORDINAL_ANSWER:
        return None
    for index, words in enumerate(_ORDINALS):
        if re.search(rf"(?<![\w#]){words}(?!\w)", cleaned):
            return index
    match = re.fullmatch(r"\W*(?:(?:number|option|no\.?|#)\s*)?([1-5])\W*", cleaned)
    return int(match.group(1)) - 1 if match else None


def answer_text(body: str) -> str:
    """A comment without what only shows or steers: quoted lines and command lines."""
    lines = normalize_newlines(body or "").split("\n")
    kept = [ln for ln in lines if not ln.lstrip().startswith(">") and not _COMMAND_LINE.match(ln)]
    return "\n".join(kept).strip()


def read_answer(
    text: str, asked: Sequence[str], offered: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """Field -> the text for the body, for every asked field this answer gives
    (``offered``: the numbered choices the questions offered, :func:`offered_choices`)."""
    out: dict[str, str] = {}
    if not text:
        return out
    # "The first one" picks from a choice only while exactly one asked question offers one,
    # and never in an answer that also lists papers or says "except" (it means the papers).
    open_offers = {
        key: options
        for key, options in (offered or {}).items()
        if (key == "title" and "papers" in asked) or key in asked
    }
    plain = len(open_offers) == 1 and not _EXCEPT.search(text) and not _mentions_papers(text)
    choice = _ordinal(text) if plain else None
    if choice is not None:
        [(key, options)] = open_offers.items()
        candidates = options[1:] if key == "title" else options
        if choice < len(candidates):
            out[key] = (
                f"{options[0]}\0{candidates[choice]}" if key == "title" else candidates[choice]
            )
            return out
    pages = _PAGE_URL.findall(text)
    without_pages = _PAGE_URL.sub(" ", text)
    orcids = find_orcids(text)
    if "orcid" in asked and orcids:
        out["orcid"] = orcids[0]
    page_fields = [f for f in ("author_page", "target_page") if f in asked]
    valid = _valid_pages(pages)
    if len(page_fields) == 2 and len(valid) == 1:
        # One link while both the page the papers are on and their destination are asked:
        # only words around it tell which it is ("move them to ..."); otherwise no guess.
        where = _page_role(text)
        if where is not None:
            out[where] = valid[0]
    elif page_fields and valid:
        for fid, url in zip(page_fields, valid, strict=False):
            out[fid] = url
    if "papers" in asked:
        papers = _papers_answer(_without_other_answers(without_pages))
        if papers is not None:
            out["papers"] = papers
    one_line = "\n" not in text and len(text) <= MAX_ONE_LINE and not pages and not orcids
    if one_line and not out and "://" not in text:
        line = text.strip()
        if "institution" in asked and (institution := _institution_answer(line)):
            out["institution"] = institution
        elif "name" in asked and _looks_like_name(line):
            out["name"] = line
    return out


_TO_PAGE = re.compile(r"\b(?:to|into|onto|under|belong\w*\s+(?:on|to))\s*(?:the\s+page\s*)?$", re.I)
_FROM_PAGE = re.compile(r"\b(?:from|on|at|currently|now)\s*(?:the\s+page\s*)?$", re.I)


def _page_role(text: str) -> str | None:
    """``target_page`` when the words just before the one page link say where the papers
    go ("move them to <link>"), ``author_page`` when they say where they are ("they are on
    <link>"); None when they say neither."""
    match = _PAGE_URL.search(text)
    if match is None:
        return None
    before = text[max(0, match.start() - 60) : match.start()].strip().rstrip(":")
    if _TO_PAGE.search(before):
        return "target_page"
    if _FROM_PAGE.search(before):
        return "author_page"
    return None


def _mentions_papers(text: str) -> bool:
    """Whether the text names a paper (an Anthology id or link)."""
    return any(ref.kind == "paper" for line in text.split("\n") for ref in parse_paper_line(line))


def _institution_answer(line: str) -> str | None:
    """An institution typed on one line ("University of X", "My institution is X"), or None
    ("Thanks, will do" is no institution)."""
    said = _INSTITUTION_SAID.search(line)
    if said:
        named = said.group(1).strip().rstrip(".")
        return named if named and not _CHAT_WORDS.search(named) else None
    if _CHAT_WORDS.search(line):
        return None  # "Any news on this research?" names no institution
    return line if _INSTITUTION_WORDS.search(line) else None


def _looks_like_name(line: str) -> bool:
    """One to five words, each capitalized (particles such as "van" aside): a name, not a
    sentence such as "thank you"."""
    words = line.replace(",", " ").split()
    letters = all(ch.isalpha() or ch in "-'’." for w in words for ch in w)
    return (
        letters
        and not _CHAT_WORDS.search(line)  # "Thank You", "Hello Everyone"
        and 0 < len(words) <= 5
        and all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)
    )


def _without_other_answers(text: str) -> str:
    """The text without the lines that give an ORCID iD and no paper ("My ORCID: ..."):
    those answer another question and are no paper titles."""
    kept = [
        line
        for line in text.split("\n")
        if not find_orcids(line) or any(r.kind == "paper" for r in parse_paper_line(line))
    ]
    return "\n".join(kept)


def _valid_pages(urls: list[str]) -> list[str]:
    out = []
    for url in urls:
        try:
            parse_author_page(url)
        except PageError:
            continue
        out.append(url)
    return out


def _papers_answer(text: str) -> str | None:
    """The text of a paper-list answer, or None if the text gives no papers."""
    cleaned = text.strip()
    if len(cleaned) <= MAX_SHORT_ANSWER and _ALL_OF_THEM.fullmatch(cleaned.strip(" .!")):
        return _ALL_SENTENCE
    if has_all_papers_phrase(cleaned) or _EXCEPT.search(cleaned):
        return cleaned
    refs = [r for r in parse_paper_list(cleaned) if r.kind != "title"]
    if refs or find_paper_refs_in_prose(cleaned):
        return cleaned
    return None


def read_thread(
    body: str,
    form: FormKind,
    asked: Sequence[str],
    comments: Sequence[ThreadComment],
    filer: str,
    since: int | None,
    until: int | None = None,
    offered: Mapping[str, Sequence[str]] | None = None,
    gaps: Sequence[tuple[int, int]] = (),
) -> ThreadReading:
    """The body completed with the filer's answers after comment ``since`` (None: nothing
    was asked, so nothing is read) and up to comment ``until`` (None: the bot still asks).

    Comments written after the request was complete (``until``) are not answers: a
    "thanks, and could you also ..." under a pull request does not rewrite the request;
    nor are those written while it was complete before the bot asked again (``gaps``:
    pairs ``(complete at, asked again at)`` of comment ids).
    """
    if since is None or not asked or form not in ("assignment", "legacy"):
        return ThreadReading(body)
    latest: dict[str, Answer] = {}
    ignored: list[ThreadComment] = []
    for comment in sorted(comments, key=lambda c: c.id):
        if comment.id <= since or (until is not None and comment.id > until):
            continue
        if any(start < comment.id <= end for start, end in gaps):
            continue
        if comment.author.lower() != filer.lower():
            continue
        text = answer_text(comment.body[:MAX_ANSWER_CHARS])
        if not text:
            continue  # a quote of the question, or only commands: nothing to read
        found = read_answer(text, asked, offered)
        if not found:
            ignored.append(comment)
            continue
        for fid, value in found.items():
            latest[fid] = Answer(fid, value, comment)
    if not latest:
        return ThreadReading(body, (), tuple(ignored))
    answers = tuple(sorted(latest.values(), key=lambda a: _ORDER.index(a.field)))
    amended = body
    for answer in answers:
        amended = _write_answer(amended, form, answer)
    used = {a.comment.id for a in answers}
    return ThreadReading(amended, answers, tuple(c for c in ignored if c.id not in used))


def _own_papers(text: str) -> str:
    """An answer to "which papers are yours?": a bare list is the filer's own papers, so
    it gets the cue the old form's prose reader needs ("The following papers are mine")."""
    if cue_polarity(text) != NEUTRAL or has_all_papers_phrase(text) or _EXCEPT.search(text):
        return text
    if any(ref.polarity != NEUTRAL for ref in find_paper_refs_in_prose(text)):
        return text
    return f"The following papers are mine:\n\n{text}"


def _write_answer(body: str, form: FormKind, answer: Answer) -> str:
    """``body`` with the answer written where the filer would have written it."""
    if answer.field == "title":
        # "The first one" for an ambiguous title: the title typed becomes the paper chosen.
        title, paper = answer.text.split("\0", 1)
        return body.replace(title, paper) if title and title in body else body
    if form == "legacy":
        label_map = {normalize_label(k): v for k, v in LEGACY_LABELS.items()}
        if answer.field == "target_page":
            # The old form has no target field: the destination is read from the prose.
            text = f"The papers should move into {answer.text}"
            return set_section(body, label_map, "notes", _LEGACY_HEADINGS["notes"], text, True)
        if answer.field == "papers":
            # The old form's prose reader reads the papers and cues ("all except ...")
            # in the supporting information, as if the filer had added a paragraph there.
            text = _own_papers(answer.text)
            return set_section(body, label_map, "notes", _LEGACY_HEADINGS["notes"], text, True)
        heading = _LEGACY_HEADINGS[answer.field]
        return set_section(body, label_map, answer.field, heading, answer.text)
    spec = load_form_spec()
    labels = {f.id: f.label for f in spec.fields}
    heading = labels.get(answer.field, answer.field)
    return set_section(body, spec.label_map(), answer.field, heading, answer.text)


def set_section(
    body: str,
    label_map: dict[str, str],
    field_id: str,
    heading: str,
    text: str,
    append: bool = False,
) -> str:
    """``body`` with the answer of ``field_id`` replaced by ``text`` (``append``: added
    after what is there); a ``### heading`` section is added when the body has none."""
    body = normalize_newlines(body)
    sections = split_sections(body, label_map)
    if field_id not in sections:
        return f"{body.rstrip()}\n\n### {heading}\n\n{text}\n"
    lines = body.split("\n")
    start = _heading_line(lines, label_map, field_id)
    if start is None:  # pragma: no cover - split_sections found it
        return f"{body.rstrip()}\n\n### {heading}\n\n{text}\n"
    end = start + 1
    while end < len(lines) and not _is_known_heading(lines[end], label_map):
        end += 1
    old = "\n".join(lines[start + 1 : end]).strip()
    if append and old and normalize_label(old) not in ("_no response_", "no response"):
        new = f"{old}\n\n{text}"
    else:
        new = text
    return "\n".join([*lines[: start + 1], "", new, "", *lines[end:]])


def _is_known_heading(line: str, label_map: dict[str, str]) -> bool:
    m = _HEADING_RE.match(line)
    return bool(m) and normalize_label(m[1]) in label_map


def _heading_line(lines: list[str], label_map: dict[str, str], field_id: str) -> int | None:
    for i, line in enumerate(lines):
        m = _HEADING_RE.match(line)
        if m and label_map.get(normalize_label(m[1])) == field_id:
            return i
    return None
