"""One data directory with its name index and people.json: what the bot plans against.

``AnthologyData`` is the single entry point the CLI and the worker use. It also
answers the issue parser's questions (``bot.anthology.lookup.DataLookup``).
"""

from __future__ import annotations

from pathlib import Path

from bot.anthology.index import NameIndex
from bot.anthology.lookup import TitleMatch
from bot.anthology.pages import PageReferenceError, is_unverified_page, parse_page_reference
from bot.anthology.people import People
from bot.engine.apply import apply_plan
from bot.engine.planner import Plan, make_plan, page_papers
from bot.engine.request import Request
from bot.errors import DataUnavailable

PEOPLE_FILE = Path("json/people.json")


class DataDirectoryError(DataUnavailable):
    """The data directory is missing, not an Anthology data directory, or broken.

    Broken: ``people.json`` or an XML file that cannot be parsed.
    """


class AnthologyData:
    """A data directory (the folder holding ``xml/`` and ``json/``), ready for planning."""

    def __init__(self, data_dir: Path, index_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        if not (self.data_dir / "xml").is_dir() or not (self.data_dir / PEOPLE_FILE).is_file():
            raise DataDirectoryError(
                f"{self.data_dir} is not an Anthology data directory "
                "(expected xml/ and json/people.json inside)"
            )
        try:
            self.index = NameIndex.open(self.data_dir, index_path)
        except SyntaxError as exc:  # lxml's XMLSyntaxError: a broken XML file
            raise DataDirectoryError(f"an XML file of the data could not be read: {exc}") from exc
        try:
            self.people = self._load_people()
        except (ValueError, UnicodeDecodeError) as exc:  # broken JSON, or entries out of shape
            self.index.close()
            raise DataDirectoryError(f"json/people.json could not be read: {exc}") from exc

    def _load_people(self) -> People:
        people = People.load(self.data_dir / PEOPLE_FILE, lazy=True)
        assert people.source_sha1 is not None  # read from a file
        self.index.sync_people(people, people.source_sha1)
        return people

    def reload(self) -> None:
        """Pick up changes on disk (after an apply, a fetch or a checkout)."""
        self.index.refresh()
        self.people = self._load_people()

    def close(self) -> None:
        self.index.close()

    def plan(self, request: Request) -> Plan:
        return make_plan(request, self.index, self.people)

    def apply(self, plan: Plan) -> list[Path]:
        """Write a plan made on this data into the data directory; the files changed.

        Raises ``ApplyError`` (nothing written) if the plan has problems or the files
        are no longer those it was made on. people.json is changed from the registry
        already read, not parsed again; ``reload()`` before planning on the result.
        """
        return apply_plan(plan, self.data_dir, self.people)

    # -- DataLookup -------------------------------------------------------------

    def paper_title(self, paper_id: str) -> str | None:
        item = self.index.item(paper_id)
        return item.title if item else None

    def paper_by_bibkey(self, bibkey: str) -> str | None:
        return self.index.item_by_bibkey(bibkey)

    def find_title(self, text: str, among: list[str] | None = None) -> list[TitleMatch]:
        return self.index.find_title(text, among)

    def page_papers(self, page: str) -> list[str] | None:
        try:
            page = parse_page_reference(page)
        except PageReferenceError:
            return None
        if not is_unverified_page(page) and page not in self.people:
            return None
        papers = page_papers(page, self.index, self.people)
        return papers if papers or not is_unverified_page(page) else None

    def person_by_orcid(self, orcid: str) -> str | None:
        person = self.people.by_orcid(orcid)
        return person.id if person else None

    def person_exists(self, person_id: str) -> bool:
        return person_id in self.people
