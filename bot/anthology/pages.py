"""Author pages: ``<person id>`` for verified persons, ``<slug>/unverified`` otherwise.

People refer to pages by URL (``https://aclanthology.org/people/jane-doe/``), by
the old URL scheme (``/people/j/jane-doe/``), by unverified URLs
(``/people/jane-doe/unverified/``), on preview hosts, or by bare id.
"""

from __future__ import annotations

import re

UNVERIFIED_SUFFIX = "/unverified"

_PAGE_ID = re.compile(r"[a-z0-9][-a-z0-9]*(?:/unverified)?")
_PEOPLE_URL = re.compile(
    r"""(?:https?://)?(?:[\w.-]+\.)?aclanthology\.org/(?:[^\s/]+/)*?people/
        (?:(?P<letter>[a-z])/)?(?P<id>[a-z0-9][-a-z0-9]*)(?P<unverified>/unverified)?/?
        (?:[?#]\S*)?$""",
    re.VERBOSE | re.IGNORECASE,
)


class PageReferenceError(ValueError):
    """The text does not name an author page; the message says what was given."""


def is_unverified_page(page: str) -> bool:
    return page.endswith(UNVERIFIED_SUFFIX)


def unverified_page(slug: str) -> str:
    return slug + UNVERIFIED_SUFFIX


def page_slug(page: str) -> str:
    """The person id or name slug a page is named by."""
    return page.removesuffix(UNVERIFIED_SUFFIX)


def parse_page_reference(text: str) -> str:
    """A page id from a URL or id as people write it; raises PageReferenceError."""
    cleaned = text.strip().strip("<>`'\"").strip()
    match = _PEOPLE_URL.match(cleaned)
    if match:
        # Old URLs put the id's first letter in a folder of its own (/people/j/jane-doe/);
        # the pattern skips that folder.
        pid = match.group("id").lower()
        return pid + (UNVERIFIED_SUFFIX if match.group("unverified") else "")
    candidate = cleaned.rstrip("/").lower()
    if _PAGE_ID.fullmatch(candidate):
        return candidate
    raise PageReferenceError(
        f"“{text.strip()[:200]}” is not an author page: give its address, such as "
        "https://aclanthology.org/people/jane-doe/ , or its id, such as jane-doe"
    )


def page_url(page: str, base: str = "https://aclanthology.org") -> str:
    return f"{base.rstrip('/')}/people/{page}/"
