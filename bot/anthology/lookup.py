"""What the issue parser may ask of the Anthology data.

The parser (``bot.forms``) is pure: it never opens data files. When it has a data
directory to check against, it is handed an object with this interface, which
the name index (``bot.anthology.index``) implements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TitleMatch:
    """A paper whose title matches a title someone typed; ``score`` 1.0 is exact."""

    paper_id: str
    title: str
    score: float


class DataLookup(Protocol):
    def paper_title(self, paper_id: str) -> str | None:
        """The plain-text title of a paper (or volume/frontmatter), None if unknown."""

    def paper_by_bibkey(self, bibkey: str) -> str | None:
        """The Anthology id of the paper with this bibkey, None if none has it."""

    def find_title(self, text: str, among: list[str] | None = None) -> list[TitleMatch]:
        """Papers whose title matches ``text``, best first.

        Exact matches (ignoring case, punctuation and spacing) score 1.0; near-exact
        ones score below. With ``among``, only those paper ids are considered.
        """

    def page_papers(self, page: str) -> list[str] | None:
        """The papers now on an author page (``id`` or ``slug/unverified``); None: no such page."""

    def person_by_orcid(self, orcid: str) -> str | None:
        """The verified person id holding this ORCID, None if nobody does."""

    def person_exists(self, person_id: str) -> bool:
        """Whether ``person_id`` is a verified person in people.json."""
