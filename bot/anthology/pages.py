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
# In /people/x/unverified/ the "x/" is the one-letter slug of an unverified page, not
# the old scheme's letter in front of an id "unverified".
PAGE_URL_PATTERN = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.)?"
    r"(?:(?:[a-z0-9][a-z0-9-]{0,62}\.){0,4}aclanthology\.org|aclweb\.org/anthology)"
    r"(?:/[^\s/()\[\]<>]+)??/people/(?:(?P<letter>[a-z])/(?!unverified(?![\w-])))?"
    r"(?P<id>[A-Za-z0-9][A-Za-z0-9-]*)(?P<unverified>/unverified)?/?",
    re.IGNORECASE,
)

# The slug of a name (python-slugify of "first last"): lowercase letters, digits and
# hyphens, a letter or digit at either end. It may be one character long or start with
# a digit (a mononym "X", a name that is a number), unlike a person id.
_SLUG_RE = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")


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


def is_page_id(page: str) -> bool:
    """Whether ``page`` can name an author page: a person id (``jane-doe``), or the
    slug of a name followed by ``/unverified`` (``jane-doe/unverified``, ``x/unverified``)."""
    if is_unverified_page(page):
        return _SLUG_RE.fullmatch(page_slug(page)) is not None
    return is_valid_person_id(page) and _SLUG_RE.fullmatch(page) is not None


def bare_page(text: str) -> str | None:
    """The page id typed bare (``jane-doe``, ``x/unverified``, a trailing ``/``), or None."""
    candidate = text.rstrip("/")
    return candidate if is_page_id(candidate) else None


def url_page(match: re.Match[str]) -> str | None:
    """The page id of one ``PAGE_URL_PATTERN`` match, or None if it names none.

    An old-scheme URL ``/people/<letter>/<slug>/`` whose slug cannot be a person id
    (``/people/x/x/``: one letter) names the only page that slug can have now, its
    unverified one. ``/people/x/`` alone is the old index of names under "x".
    """
    page = page_id(match["id"], bool(match["unverified"]))
    if not is_page_id(page) and match["letter"] and is_page_id(unverified_page(page)):
        page = unverified_page(page)
    return page if is_page_id(page) else None


def find_author_pages(text: str) -> list[str]:
    """Every author page URL in free text, as page ids, in order, deduplicated."""
    out: list[str] = []
    for m in PAGE_URL_PATTERN.finditer(text.replace("\r\n", "\n")):
        page = url_page(m)
        if page is not None and page not in out:
            out.append(page)
    return out


def parse_page_reference(text: str) -> str:
    """A page id from one URL or id as people write it; raises PageReferenceError."""
    cleaned = text.strip().strip("<>`'\"").strip()
    pages = find_author_pages(cleaned)
    if len(pages) == 1:
        return pages[0]
    page = bare_page(cleaned.lower())
    if page is not None:
        return page
    raise PageReferenceError(
        f"“{text.strip()[:200]}” is not an author page: give its address, such as "
        "https://aclanthology.org/people/jane-doe/ , or its id, such as jane-doe"
    )


def page_url(page: str, base: str = "https://aclanthology.org") -> str:
    return f"{base.rstrip('/')}/people/{page}/"
