"""Author pages: ``<person id>`` for verified persons, ``<slug>/unverified`` otherwise.

People refer to pages by URL (``https://aclanthology.org/people/jane-doe/``), by
the old URL scheme (``/people/j/jane-doe/``), by unverified URLs
(``/people/jane-doe/unverified/``), on preview hosts, or by bare id.
"""

from __future__ import annotations

import re

from bot.anthology.people import is_valid_person_id

UNVERIFIED_SUFFIX = "/unverified"

# An author page URL anywhere in text: aclanthology.org (and preview hosts, and the old
# aclweb.org/anthology), new /people/<id>/, old /people/<letter>/<id>/, /unverified/.
PAGE_URL_PATTERN = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.)?"
    r"(?:(?:[a-z0-9][a-z0-9-]{0,62}\.){0,4}aclanthology\.org|aclweb\.org/anthology)"
    r"(?:/[^\s/()\[\]<>]+)??/people/(?:[a-z]/)?(?P<id>[A-Za-z0-9][A-Za-z0-9-]*)"
    r"(?P<unverified>/unverified)?/?",
    re.IGNORECASE,
)
# A bare page id as people type it: ``jane-doe`` or ``jane-doe/unverified``.
BARE_PAGE_PATTERN = re.compile(r"[a-z][a-z0-9-]*[a-z0-9](?:/unverified)?")


class PageReferenceError(ValueError):
    """The text does not name an author page; the message says what was given."""


def is_unverified_page(page: str) -> bool:
    return page.endswith(UNVERIFIED_SUFFIX)


def unverified_page(slug: str) -> str:
    return slug + UNVERIFIED_SUFFIX


def page_slug(page: str) -> str:
    """The person id or name slug a page is named by."""
    return page.removesuffix(UNVERIFIED_SUFFIX)


def page_id(person_id: str, unverified: bool) -> str:
    """The page id of a person id or name slug, verified or not."""
    person_id = person_id.lower()
    return unverified_page(person_id) if unverified else person_id


def find_author_pages(text: str) -> list[str]:
    """Every author page URL in free text, as page ids, in order, deduplicated."""
    out: list[str] = []
    for m in PAGE_URL_PATTERN.finditer(text.replace("\r\n", "\n")):
        page = page_id(m["id"], bool(m["unverified"]))
        if page not in out and is_valid_person_id(page_slug(page)):
            out.append(page)
    return out


def parse_page_reference(text: str) -> str:
    """A page id from one URL or id as people write it; raises PageReferenceError."""
    cleaned = text.strip().strip("<>`'\"").strip()
    pages = find_author_pages(cleaned)
    if len(pages) == 1:
        return pages[0]
    candidate = cleaned.rstrip("/").lower()
    if BARE_PAGE_PATTERN.fullmatch(candidate) and is_valid_person_id(page_slug(candidate)):
        return candidate
    raise PageReferenceError(
        f"“{text.strip()[:200]}” is not an author page: give its address, such as "
        "https://aclanthology.org/people/jane-doe/ , or its id, such as jane-doe"
    )


def page_url(page: str, base: str = "https://aclanthology.org") -> str:
    return f"{base.rstrip('/')}/people/{page}/"
