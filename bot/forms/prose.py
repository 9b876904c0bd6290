"""Reading papers out of prose, as old-form issues mention them.

Owns the cues that say whether the papers a sentence names are the writer's
own ("the following papers are mine", "these are not mine", "should remain on
my page"), paper ids and titles found in free text with that polarity, and the
"all my papers" phrase. Used by the legacy form (``bot.forms.legacy_facts``).
"""

from __future__ import annotations

import re

from bot.anthology.ids import find_anthology_ids
from bot.forms.references import (
    _BULLET_RE,
    _URL_IN_TEXT_RE,
    PaperRef,
    _clean_title,
    _strip_line,
)
from bot.forms.template import normalize_newlines

# Phrases that say whether the papers mentioned near them are the writer's own.
_NEGATIVE_CUES = re.compile(
    r"\bnot\s+(?:mine|me|by\s+me|(?:written|authored)\s+by\s+me|affiliated\s+with\s+me"
    r"|my\s+(?:papers?|publications?|work))\b"
    r"|\b(?:do|does|did)(?:\s+not|n['’]t)\s+belong\s+to\s+me\b"
    r"|\bbelong(?:s|ing)?\s+to\s+(?:a\s+|an\s+|the\s+)?(?:different|another|other)\b"
    r"|\bby\s+(?:a\s+|an\s+)?(?:different|another|other)\s+"
    r"(?:authors?|persons?|people|researchers?|individuals?)\b"
    r"|\b(?:authored|written)\s+by\s+(?:others|someone\s+else)\b"
    r"|\bother\s+people['’]?s?\b|\bremove\b|\bsplit\s+out\b"
    r"|\b(?:mistakenly|wrongly)\s+(?:added|assigned|attributed|listed)\b"
    r"|\b(?:is|are)(?:\s+not|n['’]t)\s+mine\b|\bnot\s+(?:be\s+)?(?:on|in)\s+my\b",
    re.IGNORECASE,
)
_POSITIVE_CUES = re.compile(
    r"\bmine\b|\bbelong(?:s|ing)?\s+to\s+me\b"
    r"|\bmy\s+(?:own\s+)?(?:papers?|publications?|articles?|works?|paper\s+links)\b"
    r"|\b(?:written|authored)\s+by\s+me\b"
    r"|\bshould\s+(?:only\s+)?(?:include|contain|be\s+related\s+to)\b|\bshould\s+only\b"
    r"|\bfor\s+me\b|\bi\s+(?:have|wrote|authored|published)\b|\bmy\s+correct\b"
    r"|\bunder\s+my\b|\badded\s+to\s+(?:this|my)\b",
    re.IGNORECASE,
)
_KEEP_CUES = re.compile(r"\b(?:keep|remain|stay)\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[“\"(*])")


#: Polarities of a paper mention in prose.
NOT_MINE, NEUTRAL, MINE, KEEP = -1, 0, 1, 2


def cue_polarity(sentence: str) -> int:
    """What a sentence says about the papers it introduces or names.

    NOT_MINE ("are by another author", "please remove"), KEEP ("should remain on
    my page": the writer's, and where they are now), MINE ("the following papers
    are mine"), else NEUTRAL.
    """
    if _NEGATIVE_CUES.search(sentence):
        return NOT_MINE
    if _KEEP_CUES.search(sentence):
        return KEEP
    if _POSITIVE_CUES.search(sentence):
        return MINE
    return NEUTRAL


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in normalize_newlines(text).split("\n"):
        out.extend(s for s in _SENTENCE_END_RE.split(line) if s.strip())
    return out


def find_paper_refs_in_prose(text: str) -> list[PaperRef]:
    """Paper ids mentioned in prose, each with the polarity of its context.

    The polarity of a sentence comes from its own cue ("are not mine"), else from
    the last sentence with a cue before it ("The following papers are mine:"
    followed by a list). Volume ids (often truncated links) are skipped.
    """
    text = re.sub(r"\]\(\s*\n\s*", "](", normalize_newlines(text))
    refs: list[PaperRef] = []
    seen: set[str] = set()
    lead = 0
    for sentence in _sentences(text):
        own = cue_polarity(sentence)
        polarity = own if own else lead
        lead = own or lead
        for anthology_id in find_anthology_ids(sentence):
            if anthology_id.is_volume or str(anthology_id) in seen:
                continue
            seen.add(str(anthology_id))
            refs.append(PaperRef("paper", str(anthology_id), str(anthology_id), polarity))
    return refs


_TITLE_FIELD_RE = re.compile(
    r"^\s*(?:(?:[-*+•]|\d{1,3}[.)])\s*)?\*\*\s*(\w[\w ]*?)\s*:?\s*\*\*\s*:?\s*(.*)$"
)
_QUOTED_RE = re.compile(r"[“\"]([^”\"\n]{12,300})[”\"]")


def looks_like_title(text: str) -> bool:
    """Whether a phrase reads like a paper title rather than a name or a remark.

    Titles have at least three words and a colon, a question mark or a word in
    lower case ("for", "with", "on"); names ("Kasu Sai Kartheek Reddy") do not.
    """
    words = text.split()
    if len(words) < 3 or text.endswith(":") or _URL_IN_TEXT_RE.search(text):
        return False
    return ":" in text or "?" in text or any(w[:1].islower() for w in words[1:])


def find_titles_in_prose(text: str) -> list[PaperRef]:
    """Paper titles written without a link: list items and quoted phrases.

    Used for old-form issues only when no paper id was found at all. List items
    that look like labels (``**Authors:** ...``) are skipped except ``Title``.
    """
    out: list[PaperRef] = []
    lead = 0
    for sentence_line in normalize_newlines(text).split("\n"):
        own = cue_polarity(sentence_line)
        lead = own or lead
        candidates: list[str] = []
        if m := _TITLE_FIELD_RE.match(sentence_line):
            if m[1].strip().lower() == "title":
                candidates.append(m[2])
        elif _BULLET_RE.match(sentence_line) and not _URL_IN_TEXT_RE.search(sentence_line):
            candidates.append(_strip_line(sentence_line))
        else:
            candidates.extend(q for q in _QUOTED_RE.findall(sentence_line))
        for candidate in candidates:
            title = _clean_title(candidate)
            if looks_like_title(title):
                out.append(PaperRef("title", title, candidate.strip(), own or lead))
    return out


def has_all_papers_phrase(text: str) -> bool:
    """Whether prose says that all papers (of a page, or of the writer) are meant.

    "All papers belong to the same person", "all of my ACL Anthology papers";
    not "not all my papers".
    """
    return bool(
        re.search(
            r"(?<!\bnot\s)\ball\s+(?:of\s+)?(?:(?:my|the|these|its|their)\s+)?"
            r"(?:[\w-]+\s+){0,2}?(?:papers|publications|articles)\b",
            text,
            re.IGNORECASE,
        )
    )
