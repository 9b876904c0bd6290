"""Author page references as people write them: URLs old and new, bare ids, short slugs."""

from __future__ import annotations

import pytest

from bot.anthology.pages import (
    PageReferenceError,
    bare_page,
    find_author_pages,
    is_page_id,
    parse_page_reference,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://aclanthology.org/people/jane-doe/", "jane-doe"),
        ("https://aclanthology.org/people/j/jane-doe/", "jane-doe"),
        ("https://aclanthology.org/people/jane-doe/unverified/", "jane-doe/unverified"),
        ("https://aclanthology.org/people/j/jane-doe/unverified/", "jane-doe/unverified"),
        ("jane-doe", "jane-doe"),
        ("jane-doe/unverified/", "jane-doe/unverified"),
        # One-letter slugs (a mononym "X") exist only as unverified pages.
        ("x/unverified", "x/unverified"),
        ("X/unverified/", "x/unverified"),
        ("https://aclanthology.org/people/x/unverified/", "x/unverified"),
        ("https://aclanthology.org/people/x/unverified", "x/unverified"),
        ("<https://aclanthology.org/people/X/unverified/>", "x/unverified"),
        # The old scheme /people/<letter>/<slug>/ with a slug no person id can be: the
        # page that slug has now is its unverified one.
        ("https://aclanthology.org/people/x/x/", "x/unverified"),
        ("https://aclanthology.org/people/x/x/unverified/", "x/unverified"),
        # Short ids are ids, not letters: the old scheme's letter is only a prefix.
        ("https://aclanthology.org/people/x/xu/", "xu"),
        ("https://aclanthology.org/people/xu/", "xu"),
        ("https://aclanthology.org/people/xu/unverified/", "xu/unverified"),
        # Slugs may start with a digit; person ids may not.
        ("3m/unverified", "3m/unverified"),
        ("https://aclanthology.org/people/3m/unverified/", "3m/unverified"),
    ],
)
def test_page_references(text: str, expected: str) -> None:
    assert parse_page_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "x",  # one letter typed bare: a slug, but which page is not said
        "https://aclanthology.org/people/x/",  # the old index of names under "x"
        "3m",  # not a person id
        "/unverified",
        "jane doe",
        "-x/unverified",
        "x-/unverified",
        "jane-",  # typed ids end in a letter or digit, as every id and slug does
        "https://aclanthology.org/2024.acl-long.4/",
    ],
)
def test_not_page_references(text: str) -> None:
    with pytest.raises(PageReferenceError):
        parse_page_reference(text)


def test_page_ids_and_bare_pages() -> None:
    assert is_page_id("x/unverified") and is_page_id("jane-doe") and is_page_id("9/unverified")
    assert not is_page_id("x") and not is_page_id("unverified/x") and not is_page_id("")
    assert bare_page("x/unverified/") == "x/unverified"
    assert bare_page("x") is None


def test_pages_in_text_keep_order_and_short_slugs() -> None:
    text = (
        "Move https://aclanthology.org/people/x/unverified/ and "
        "https://aclanthology.org/people/x/xiaolong-wang/ to "
        "https://aclanthology.org/people/x/x/ please (see https://aclanthology.org/people/x/)"
    )
    assert find_author_pages(text) == ["x/unverified", "xiaolong-wang"]
