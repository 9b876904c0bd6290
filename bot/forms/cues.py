"""Phrases in a request's prose that change what it asks for.

Pure reading functions, each with plain unit tests (``tests/test_forms_cues.py``):

* :func:`strip_struck`: struck-through text (``~x~``, ``~~x~~``, ``<del>``, ``<s>``)
  is what the filer took back, so it is not read at all;
* :func:`read_except`: "all papers are mine except X and Y", "the rest are not
  mine, except for X": the whole page with exceptions, read exactly, or marked as
  unclear so that the bot asks instead of guessing a polarity;
* :func:`subset_cue`: "not all", "6 papers", "some of": the filer means part of a page;
* :func:`fix_data_hint`: the name on the website differs from the PDF, which is a
  paper metadata correction ("Fix data"), not an author-page change;
* :func:`wanted_name`: the name the filer wants shown ("Preferred author name",
  "from A to B", "my name is B, not A", "under the name B");
* :func:`typed_name`: a typed name checked against the rules for names (length,
  characters, "unverified"), returning the reason when it cannot be a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.anthology.ids import find_anthology_ids
from bot.anthology.names import Name
from bot.engine.request import MAX_NAME_PART, name_problem
from bot.forms.prose import MINE, NEUTRAL, NOT_MINE, _sentences, cue_polarity
from bot.forms.references import parse_person_name
from bot.forms.template import strip_struck

__all__ = [
    "ExceptCue",
    "fix_data_hint",
    "read_except",
    "stated_count",
    "strip_struck",
    "subset_cue",
    "subset_words",
    "typed_name",
    "wanted_name",
]

# --------------------------------------------------------------------------- #
# "All ... except ..."
# --------------------------------------------------------------------------- #

_EXCEPT_RE = re.compile(
    r"\b(?:except(?:\s+for)?|apart\s+from|other\s+than|with\s+the\s+exception\s+of"
    r"|excluding|save\s+for|besides)\b",
    re.IGNORECASE,
)
# Words saying that a statement is about every paper of the page.
_WHOLE_RE = re.compile(
    r"\b(?:all|every|each|everything|the\s+rest|the\s+others?|(?:the\s+)?remaining"
    r"|other\s+papers|none|no\s+(?:other\s+)?papers?|nothing|any)\b",
    re.IGNORECASE,
)
# What may stand after "except" when the exceptions are listed on the following lines.
_LIST_FOLLOWS_RE = re.compile(
    r"\b(?:for|the|these|those|following|below|listed|ones?|papers?|publications?|two|three)\b",
    re.IGNORECASE,
)
_NONE_RE = re.compile(r"\b(?:none|no\s+(?:other\s+)?papers?|nothing)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ExceptCue:
    """A statement about a whole page with exceptions.

    ``rest`` is what the filer says of every paper but the exceptions (``MINE`` or
    ``NOT_MINE``); ``exceptions`` are the paper ids that are the other way round.
    ``unclear`` is set when the sentence cannot be read without guessing (no
    polarity, or no exception found): the bot then asks. ``sentence`` is the text
    the reading comes from, quoted back in questions.
    """

    rest: int
    exceptions: tuple[str, ...]
    sentence: str
    unclear: bool = False


def _polarity_of_clause(clause: str) -> int:
    """MINE or NOT_MINE for a clause about the whole page, NEUTRAL when it says neither."""
    polarity = cue_polarity(clause)
    if polarity not in (MINE, NOT_MINE):
        polarity = MINE if re.search(r"\b(?:mine|my|me|i)\b", clause, re.I) else NEUTRAL
    if _NONE_RE.search(clause) and polarity != NEUTRAL:
        # "none of them are mine" reads as "mine" to the cue list; "none" flips it.
        polarity = NOT_MINE if polarity == MINE else MINE
    return polarity


def _paper_ids(text: str) -> list[str]:
    return list(dict.fromkeys(str(a) for a in find_anthology_ids(text) if not a.is_volume))


_LIST_LINE_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)]|\[|https?://|\(?[A-Za-z]?\d)")


def _listed_after(lines: list[str]) -> list[str]:
    """Paper ids of the list that follows a sentence: bullets, numbers, bare links."""
    found: list[str] = []
    for line in lines:
        if not _LIST_LINE_RE.match(line):
            break
        found.extend(i for i in _paper_ids(line) if i not in found)
    return found


def read_except(text: str) -> ExceptCue | None:
    """The first "all/the rest ... except ..." statement in prose, or None.

    Papers named after the "except" word in the same sentence, or on the lines
    that follow a sentence ending in it ("all are mine except the following:"),
    are the exceptions. A sentence with "except" that is not about the whole page
    ("paper X is mine except ...") is not such a statement.
    """
    sentences = _sentences(text)
    for index, sentence in enumerate(sentences):
        m = _EXCEPT_RE.search(sentence)
        if m is None:
            continue
        before, after = sentence[: m.start()], sentence[m.end() :]
        if not _WHOLE_RE.search(before) or _paper_ids(before):
            continue
        exceptions = _paper_ids(after)
        if not exceptions and not _LIST_FOLLOWS_RE.sub("", after).strip(" :.-*,"):
            exceptions = _listed_after(sentences[index + 1 :])
        rest = _polarity_of_clause(before)
        quoted = " ".join(sentence.split())[:200]
        return ExceptCue(rest, tuple(exceptions), quoted, rest == NEUTRAL or not exceptions)
    return None


# --------------------------------------------------------------------------- #
# Part of a page, and the "Fix data" hint
# --------------------------------------------------------------------------- #

_SUBSET_RE = re.compile(
    r"\bnot\s+all\b|\bsome\s+of\b|\bonly\s+(?:some|a\s+few|part|one|two|three|\d+)\b"
    r"|\b(?:a\s+few|several|\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?:of\s+(?:the|my)\s+)?(?:papers|publications|articles)\b"
    r"|\bfrom\s+(?:19|20)\d{2}\b|\b(?:before|after|since|until)\s+(?:19|20)\d{2}\b",
    re.IGNORECASE,
)


def subset_cue(text: str) -> bool:
    """Whether prose says that only part of a page is meant ("not all", "6 papers")."""
    return _SUBSET_RE.search(text) is not None


_COUNT_RE = re.compile(r"\b(\d{1,3})\s+(?:papers|publications|articles)\b", re.IGNORECASE)


def stated_count(text: str) -> int | None:
    """The number of papers the prose states ("the 5 papers on the page"), if one."""
    counts = {int(m[1]) for m in _COUNT_RE.finditer(text)}
    return counts.pop() if len(counts) == 1 else None


def subset_words(text: str) -> bool:
    """Whether the prose says "part of" in words, not only with a number of papers."""
    return subset_cue(_COUNT_RE.sub(" ", text))


_PDF_RE = re.compile(r"\bpdfs?\b|\bmetadata\b|\bfix\s+data\b", re.IGNORECASE)
_DIFFERS_RE = re.compile(
    r"\b(?:differ\w*|different|mismatch\w*|wrong\w*|incorrect\w*|misspel\w*|typo\w*"
    r"|however|but|instead|shows?|has|have|spelled|spelt|written)\b",
    re.IGNORECASE,
)
_MISSPELT_RE = re.compile(
    r"\bname\b[^.\n]{0,60}\b(?:misspel\w*|spelled\s+(?:wrong\w*|incorrect\w*)|typo)\b"
    r"|\b(?:misspel\w*|typo)\b[^.\n]{0,40}\bname\b",
    re.IGNORECASE,
)


def fix_data_hint(text: str) -> bool:
    """Whether prose says the name on the website differs from the paper (PDF).

    "All my PDFs have X, however my profile has Y", "my name is misspelled on the
    website": the paper's metadata is wrong, which the paper's "Fix data" button
    corrects; no author-page change fixes it.
    """
    for sentence in _sentences(text):
        if re.search(r"\bsame\s+names?\b", sentence, re.I):
            continue  # the form's own confirmation ("the exact same names ... as on the PDF")
        if _MISSPELT_RE.search(sentence):
            return True
        if _PDF_RE.search(sentence) and re.search(r"\bnames?\b|\bhave\b|\bhas\b", sentence, re.I):
            if _DIFFERS_RE.search(sentence):
                return True
    return False


# --------------------------------------------------------------------------- #
# The name the filer wants
# --------------------------------------------------------------------------- #

# A name as people quote it in prose: in quotes or bold, or a run of capitalised words.
_Q = r"[\"“”'‘’*_]*"
_QUOTED_NAME = r"[\"“”‘’]\s*([^\"“”‘’\n]{2,120}?)\s*[\"“”‘’]|\*\*\s*([^*\n]{2,120}?)\s*\*\*"
_CAP_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.-]*"
_CAP_NAME = rf"({_CAP_WORD}(?:[ \t]+(?:{_CAP_WORD}|[a-z]{{1,3}}))*?(?:[ \t]+{_CAP_WORD})?)"
_ARROW = r"\s*(?:->|→|=>|⇒|—>|-->)\s*"

_NAME_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "my name is Do Xuan Long, not Xuan Long Do"
    re.compile(rf"\bname\s+is\s+{_Q}{_CAP_NAME}{_Q}\s*,?\s+(?:and\s+)?not\b"),
    # "Myung Jiyoon -> Jiyoon Myung", "from "A" to "B"", "from A to B"
    re.compile(
        rf"(?:^|\n)\s*{_Q}[^\n]{{2,120}}?{_Q}{_ARROW}{_Q}([^\n]{{2,120}}?){_Q}\s*\.?\s*$", re.M
    ),
    re.compile(rf"\bfrom\s+(?:{_QUOTED_NAME})\s+to\s+(?:{_QUOTED_NAME})"),
    re.compile(rf"\bfrom\s+{_CAP_NAME}\s+to\s+{_CAP_NAME}(?=\s*(?:[.,;)\n]|$|and\b))"),
    # "under the name "B"", "should be "B"", "preferred name: **B**", "name updated to "B""
    re.compile(
        r"(?i:\b(?:under\s+(?:the\s+|my\s+)?(?:preferred\s+)?name|named\s+with|use\s+the\s+name"
        r"|(?:name|it)\s+should\s+(?:just\s+|only\s+)?be|(?:name|it)\s+(?:updated|changed)\s+to"
        r"|preferred\s+(?:author\s+|publishing\s+)?name(?:\s+is)?|canonical(?:\s+name)?"
        r"(?:\s+should\s+be)?|(?:default|new)\s+publishing\s+name\s+is(?:\s+now)?))"
        rf"\s*[:\-–]?\s*(?:{_QUOTED_NAME}|{_CAP_NAME}(?=\s*(?:[.,;)\n]|$)))",
    ),
)


def _clean_name_text(text: str) -> str:
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.strip().strip("\"'“”‘’.,:;").split())


def wanted_name(preferred: str, prose: str) -> str | None:
    """The name the filer wants shown, as typed: the "Preferred author name" answer,
    else the first name-change phrase in the prose; None when there is none."""
    preferred = _clean_name_text(preferred.split("\n")[0]) if preferred.strip() else ""
    if preferred:
        return preferred
    for pattern in _NAME_PATTERNS:
        m = pattern.search(prose)
        if m is None:
            continue
        groups = [g for g in m.groups() if g]
        if groups:
            name = _clean_name_text(groups[-1])
            # One word in prose ("from Elizaveta to Lisa") is a first name, not a full name.
            if len(name.split()) >= 2:
                return name
    return None


def typed_name(text: str, what: str = "the name") -> tuple[Name | None, str | None]:
    """A typed name as a Name, or the reason it cannot be one (too long, markup, digits,
    shell syntax, "Unverified", a URL). Exactly one of the two is None."""
    value = " ".join(text.split())
    if not value:
        return None, f"{what} is empty"
    if len(value) > 2 * MAX_NAME_PART + 1:
        return None, f"{what} is {len(value)} characters long; at most {2 * MAX_NAME_PART}"
    name = parse_person_name(value)
    if name is None:
        return None, f"{what} is empty"
    problem = name_problem(name, what)
    if problem is not None:
        return None, problem
    return name, None
