"""Tests for Anthology IDs: strict parsing, lenient references, ids in free text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

try:  # the acl-anthology library serves as an oracle where installed
    from acl_anthology.utils import ids as library_ids
except ImportError:  # pragma: no cover
    library_ids = None

from bot.anthology.ids import (
    AnthologyID,
    InvalidIDError,
    anthology_id_from_reference,
    find_anthology_ids,
    parse_anthology_id,
)

# --- canonical ids -----------------------------------------------------------

CANONICAL = [
    # id, collection, volume, paper
    ("2024.acl-long.4", "2024.acl", "long", "4"),
    ("2023.findings-emnlp.984", "2023.findings", "emnlp", "984"),
    ("2024.acl-long.0", "2024.acl", "long", "0"),
    ("2024.acl-long", "2024.acl", "long", None),
    ("2020.cl-1.1", "2020.cl", "1", "1"),
    ("2025.jeptalnrecital-4as.1", "2025.jeptalnrecital", "4as", "1"),
    ("1952.earlymt-1.3", "1952.earlymt", "1", "3"),
    ("P18-1217", "P18", "1", "217"),
    ("P18-1005", "P18", "1", "5"),
    ("P18-1000", "P18", "1", "0"),
    ("P18-1", "P18", "1", None),
    ("N19-2007", "N19", "2", "7"),
    ("W11-1101", "W11", "11", "1"),
    ("W11-0100", "W11", "1", "0"),
    ("W11-01", "W11", "1", None),
    ("W11-11", "W11", "11", None),
    ("C69-0101", "C69", "1", "1"),
    ("C69-79", "C69", "79", None),
    ("D19-1001", "D19", "1", "1"),
    ("D19-5702", "D19", "57", "2"),
    ("D19-57", "D19", "57", None),
    ("D19-4", "D19", "4", None),
    ("E17-2099", "E17", "2", "99"),
]


@pytest.mark.parametrize(("text", "collection", "volume", "paper"), CANONICAL)
def test_parse_canonical(text: str, collection: str, volume: str, paper: str | None) -> None:
    parsed = parse_anthology_id(text)
    assert parsed == AnthologyID(collection, volume, paper)
    assert str(parsed) == text
    assert parsed.collection_file == f"xml/{collection}.xml"
    assert parsed.is_frontmatter == (paper == "0")
    assert parsed.is_volume == (paper is None)


def test_parse_ignores_surrounding_whitespace() -> None:
    assert parse_anthology_id("  P18-1217\n") == AnthologyID("P18", "1", "217")


def test_properties() -> None:
    paper = parse_anthology_id("2024.acl-long.4")
    assert paper.volume_id == AnthologyID("2024.acl", "long")
    assert paper.url == "https://aclanthology.org/2024.acl-long.4/"
    assert not paper.is_old_style
    assert parse_anthology_id("W11-1101").is_old_style
    assert parse_anthology_id("W11-1101").volume_id.url == "https://aclanthology.org/W11-11/"
    assert AnthologyID("P18", "1", "5").collection_file == "xml/P18.xml"


def test_ids_are_hashable_values() -> None:
    assert len({parse_anthology_id("P18-1005"), AnthologyID("P18", "1", "5")}) == 1


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("P18-12", "1 digit for a volume or 4 digits"),
        ("P18-12345", "4 digits for a paper"),
        ("W11-1", "2 digits for a volume"),
        ("W11-111", "2 digits"),
        ("D19-5", "D19-57"),
        ("D19-0501", "from 1"),
        ("P18-0", "from 1"),
        ("2024.acl", "whole collection"),
        ("P18", "whole collection"),
        ("2024.acl-long.04", "leading zeros"),
        ("2024.acl-long.4v2", "the id is 2024.acl-long.4"),
        ("P18-1217.pdf", "the id is P18-1217"),
        ("https://aclanthology.org/P18-1217/", "link"),
        ("2024.acl-long.4.5", "not an Anthology ID"),
        ("2024.ACL-long.4", "not an Anthology ID"),
        ("p18-1217", "not an Anthology ID"),
        ("2024.acl-long-4", "not an Anthology ID"),
        ("hello", "not an Anthology ID"),
        ("", "not an Anthology ID"),
    ],
)
def test_parse_rejects_with_plain_message(text: str, hint: str) -> None:
    with pytest.raises(InvalidIDError) as info:
        parse_anthology_id(text)
    assert repr(text) in str(info.value)
    assert hint in str(info.value)


@pytest.mark.parametrize(
    ("collection", "volume", "paper"),
    [
        ("P18", "01", "1"),  # leading zeros are dropped in the XML
        ("P18", "1", "005"),
        ("P18", "10", "1"),  # one-digit volumes only
        ("P18", "1", "1000"),
        ("W11", "100", None),
        ("W11", "1", "100"),
        ("D19", "5", "1"),  # D19 volumes 5-49 cannot be written
        ("D19", "49", None),
        ("P18", "long", "1"),
        ("2024.acl", "Long", "1"),
        ("2024.acl", "lo-ng", "1"),
        ("2024.ACL", "long", "1"),
        ("24.acl", "long", "1"),
        ("p18", "1", "1"),
        ("2024.acl", "long", "x"),
        ("2024.acl", "", None),
    ],
)
def test_constructor_rejects_unwritable_parts(
    collection: str, volume: str, paper: str | None
) -> None:
    with pytest.raises(InvalidIDError, match=repr(volume)):
        AnthologyID(collection, volume, paper)


# --- lenient references -------------------------------------------------------

REFERENCES = [
    ("2024.acl-long.4", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4.pdf", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4.bib", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4.xml", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4v2.pdf", "2024.acl-long.4"),
    ("2024.acl-long.4v2", "2024.acl-long.4"),
    ("2024.acl-long.4e1.pdf", "2024.acl-long.4"),
    ("http://aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("https://www.aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("www.aclanthology.org/2024.acl-long.4/", "2024.acl-long.4"),
    ("aclanthology.org/2024.acl-long.4", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4/#abstract", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4/?from=scholar", "2024.acl-long.4"),
    (
        "https://preview.aclanthology.org/author-page-jane-doe-0123456789ab/2024.acl-long.4/",
        "2024.acl-long.4",
    ),
    ("https://preview.aclanthology.org/master/P18-1217.pdf", "P18-1217"),
    ("https://aclanthology.org/P18-1217/", "P18-1217"),
    ("P18-1217", "P18-1217"),
    ("p18-1217", "P18-1217"),
    ("2024.ACL-Long.4", "2024.acl-long.4"),
    ("https://www.aclweb.org/anthology/P18-1217.pdf", "P18-1217"),
    ("http://aclweb.org/anthology/P/P18/P18-1217.pdf", "P18-1217"),
    ("https://aclanthology.org/W11-1101.pdf", "W11-1101"),
    ("https://doi.org/10.18653/v1/2024.acl-long.4", "2024.acl-long.4"),
    ("doi:10.18653/v1/P18-1217", "P18-1217"),
    ("<https://aclanthology.org/2024.acl-long.4/>", "2024.acl-long.4"),
    ("`2024.acl-long.4`", "2024.acl-long.4"),
    ("`2024.acl-long.4`.", "2024.acl-long.4"),
    ('"P18-1217",', "P18-1217"),
    ("(W11-1101)", "W11-1101"),
    ("  2024.acl-long.4.  ", "2024.acl-long.4"),
    ("https://aclanthology.org/2024.acl-long.4/.", "2024.acl-long.4"),
    ("[2024.acl-long.4](https://aclanthology.org/2024.acl-long.4/)", "2024.acl-long.4"),
    ("Li et al. 2024: https://aclanthology.org/2024.acl-long.4.pdf", "2024.acl-long.4"),
    ("https://aclanthology.org/volumes/2024.acl-long/", "2024.acl-long"),
    ("https://aclanthology.org/2024.acl-long.pdf", "2024.acl-long"),
    ("https://aclanthology.org/P18-1/", "P18-1"),
    ("https://aclanthology.org/2024.acl-long.0.pdf", "2024.acl-long.0"),
    ("2024.acl-long.", "2024.acl-long"),
]


@pytest.mark.parametrize(("text", "expected"), REFERENCES)
def test_reference_forms(text: str, expected: str) -> None:
    assert anthology_id_from_reference(text) == parse_anthology_id(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello world",
        "my paper on word embeddings",
        "https://github.com/acl-org/acl-anthology/issues/1234",
        "https://arxiv.org/abs/2403.12345",
        "https://example.org/P18-1217",
        "https://aclanthology.org/",
        "https://aclanthology.org/people/jane-doe/",
        "https://aclanthology.org/people/j/jane-doe/",
        "https://aclanthology.org/events/acl-2024/",
        "https://doi.org/10.1162/tacl_a_00001",
        "li-etal-2024-privlm",  # a bibkey: resolving it needs the data
        "2403.12345",
        "2024.10-12",
        "x86-64 is not a paper",
        "https://preview.aclanthology.org/some-branch-0123456789ab/",
    ],
)
def test_reference_without_id(text: str) -> None:
    assert anthology_id_from_reference(text) is None


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("P18-12", "1 digit for a volume or 4 digits"),
        ("p18-12", "1 digit"),
        ("W11-1", "2 digits"),
        ("2024.acl-long.4x", "malformed"),
        ("2024.acl-long.04", "leading zeros"),
        ("2024.acl-long.4.5", "malformed"),
        ("2024.acl", "whole collection"),
        ("https://aclanthology.org/P18-12/", "1 digit"),
        ("https://aclanthology.org/2024.acl-long.4x/", "not a valid Anthology ID"),
        ("my paper is 2024.acl-long.4x, thanks", "malformed"),
        ("2024.acl-long.4 and P18-1217", "several"),
    ],
)
def test_reference_malformed(text: str, hint: str) -> None:
    with pytest.raises(InvalidIDError) as info:
        anthology_id_from_reference(text)
    assert repr(text.strip().rstrip(".")) in str(info.value) or repr(text) in str(info.value)
    assert hint in str(info.value)


def test_reference_repeating_one_id_is_fine() -> None:
    text = "2024.acl-long.4 (https://aclanthology.org/2024.acl-long.4v2.pdf)"
    assert anthology_id_from_reference(text) == parse_anthology_id("2024.acl-long.4")


# --- ids in free text --------------------------------------------------------


def test_find_in_order_and_deduplicated() -> None:
    text = (
        "Please move https://aclanthology.org/2024.acl-long.4/ and P18-1217 to my page.\n"
        "Also 2024.acl-long.4v2.pdf (same paper), `W11-1101`, and D19-5702.\n"
        "- https://preview.aclanthology.org/fix-P18-1001-0123456789ab/W11-0100/\n"
        "- [paper](https://www.aclweb.org/anthology/N19-2007.pdf)\n"
    )
    assert [str(i) for i in find_anthology_ids(text)] == [
        "2024.acl-long.4",
        "P18-1217",
        "W11-1101",
        "D19-5702",
        "W11-0100",
        "N19-2007",
    ]


def test_find_skips_lookalikes() -> None:
    text = (
        "Dates 2024.10-12, arch x86-64, table A12-3, version 1.2024.acl-long, "
        "arXiv 2403.12345v2, a file data/xml/2024.acl.xml, bad 2024.acl-long.4x and "
        "P18-12, an issue https://github.com/acl-org/acl-anthology/blob/master/"
        "data/xml/P18.xml#P18-1217 and COVID-19."
    )
    assert find_anthology_ids(text) == []


def test_find_volumes() -> None:
    text = "volume 2024.acl-long, https://aclanthology.org/volumes/P18-1/ but not bare P18-1"
    assert [str(i) for i in find_anthology_ids(text)] == ["2024.acl-long", "P18-1"]


def test_find_at_sentence_end_and_in_markdown() -> None:
    text = "See 2024.acl-long.4. Then **P18-1217**: done; <https://aclanthology.org/W11-1101>"
    assert [str(i) for i in find_anthology_ids(text)] == ["2024.acl-long.4", "P18-1217", "W11-1101"]


def test_find_nothing() -> None:
    assert find_anthology_ids("") == []
    assert find_anthology_ids("no ids here, https://aclanthology.org/people/jane-doe/") == []


# --- property tests ------------------------------------------------------------

_digits = st.integers


@st.composite
def new_style_ids(draw: st.DrawFn) -> str:
    year = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    venue = draw(st.from_regex(r"[a-z][a-z0-9]{0,14}", fullmatch=True))
    volume = draw(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True))
    paper = draw(st.none() | st.integers(0, 3000))
    return f"{year}.{venue}-{volume}" + ("" if paper is None else f".{paper}")


@st.composite
def old_style_ids(draw: st.DrawFn) -> str:
    """Old-style ids written from the documented width rules (not from the code)."""
    letter = draw(st.sampled_from("ABCDEFHIJKLMNOPQRSTUWXY"))
    collection = f"{letter}{draw(_digits(0, 99)):02d}"
    collection = draw(st.sampled_from([collection, "C69", "D19", "W11"]))
    paper = draw(st.none() | _digits(0, 999))
    if collection.startswith("W") or collection == "C69":
        volume = draw(_digits(1, 99))
        rest = f"{volume:02d}" + ("" if paper is None else f"{paper % 100:02d}")
    elif collection == "D19" and draw(st.booleans()):
        volume = draw(_digits(50, 99))
        rest = f"{volume:02d}" + ("" if paper is None else f"{paper % 100:02d}")
    else:
        volume = draw(_digits(1, 4 if collection == "D19" else 9))
        rest = f"{volume}" + ("" if paper is None else f"{paper:03d}")
    return f"{collection}-{rest}"


valid_ids = new_style_ids() | old_style_ids()


@given(valid_ids)
def test_property_parse_round_trips(text: str) -> None:
    parsed = parse_anthology_id(text)
    assert str(parsed) == text
    assert parse_anthology_id(str(parsed)) == parsed


@given(valid_ids)
def test_property_agrees_with_library(text: str) -> None:
    if library_ids is None:
        pytest.skip("acl-anthology is not installed")
    parsed = parse_anthology_id(text)
    assert library_ids.parse_id(text) == (parsed.collection, parsed.volume, parsed.paper)
    assert library_ids.build_id(parsed.collection, parsed.volume, parsed.paper) == text


@given(
    valid_ids,
    st.sampled_from(
        [
            "{}",
            "https://aclanthology.org/{}/",
            "http://www.aclanthology.org/{}",
            "https://preview.aclanthology.org/some-branch-0123456789ab/{}/",
            "<https://aclanthology.org/{}>",
            "`{}`.",
            "https://doi.org/10.18653/v1/{}",
            "see {} please",
        ]
    ),
)
def test_property_reference_forms(text: str, template: str) -> None:
    reference = template.format(text)
    assert anthology_id_from_reference(reference) == parse_anthology_id(text)


@given(st.lists(valid_ids, max_size=5), st.sampled_from([" ", "\n", ", ", " and ", "; "]))
def test_property_find_in_text(texts: list[str], sep: str) -> None:
    # Bare old-style volume ids are not looked for in prose; use their URLs.
    def mention(t: str) -> str:
        parsed = parse_anthology_id(t)
        return parsed.url if parsed.is_old_style and parsed.is_volume else t

    expected: list[AnthologyID] = []
    for t in texts:
        if parse_anthology_id(t) not in expected:
            expected.append(parse_anthology_id(t))
    assert find_anthology_ids(sep.join(mention(t) for t in texts)) == expected


@given(st.text())
def test_property_reference_never_crashes(text: str) -> None:
    try:
        result = anthology_id_from_reference(text)
    except InvalidIDError:
        return
    assert result is None or isinstance(result, AnthologyID)


@given(st.text(alphabet=st.sampled_from("PW0123456789.-/:acl long https aclanthology.org v")))
def test_property_find_and_reference_never_crash_on_idlike_noise(text: str) -> None:
    for found in find_anthology_ids(text):
        assert parse_anthology_id(str(found)) == found
    try:
        anthology_id_from_reference(text)
    except InvalidIDError as exc:
        assert str(exc)


# --- full data -------------------------------------------------------------------


def _items(path: Path) -> Iterator[tuple[AnthologyID, str | None]]:
    """Every volume, front matter and paper of a collection file, with its URL comment."""
    collection = path.stem
    root = etree.parse(str(path)).getroot()

    def comment_url(element: etree._Element) -> str | None:
        first = next(iter(element), None)
        if first is not None and first.tag is etree.Comment:
            return first.text.strip()
        return None

    for volume in root.iter("volume"):
        volume_id = volume.get("id")
        yield AnthologyID(collection, volume_id), comment_url(volume)
        for item in volume:
            if item.tag == "frontmatter":
                yield AnthologyID(collection, volume_id, "0"), comment_url(item)
            elif item.tag == "paper":
                yield AnthologyID(collection, volume_id, item.get("id")), comment_url(item)


def _check_collection(path: Path) -> int:
    count = 0
    for anthology_id, url in _items(path):
        text = str(anthology_id)
        assert parse_anthology_id(text) == anthology_id
        if url is not None:
            assert url == anthology_id.url
        assert anthology_id_from_reference(anthology_id.url) == anthology_id
        if not anthology_id.is_volume:
            assert anthology_id_from_reference(f"https://aclanthology.org/{text}.pdf") == (
                anthology_id
            )
            assert find_anthology_ids(f"paper {text}.") == [anthology_id]
        count += 1
    return count


HANDFUL = [
    "2024.acl",
    "2021.findings",
    "2020.cl",
    "2025.jeptalnrecital",
    "1952.earlymt",
    "P18",
    "N19",
    "W11",
    "D19",
    "C69",
]


@pytest.mark.fulldata
@pytest.mark.parametrize("collection", HANDFUL)
def test_full_data_ids_round_trip(full_data_dir: Path, collection: str) -> None:
    path = full_data_dir / "xml" / f"{collection}.xml"
    assert path.exists(), f"{path} is missing from the full dataset"
    assert _check_collection(path) > 0


@pytest.mark.fulldata
def test_full_data_every_collection_agrees_with_xml_comments(full_data_dir: Path) -> None:
    if library_ids is None:
        pytest.skip("acl-anthology is not installed")
    files = sorted((full_data_dir / "xml").glob("*.xml"))
    assert len(files) > 1000
    for path in files:
        for anthology_id, url in _items(path):
            text = str(anthology_id)
            if url is not None:
                assert url == anthology_id.url
            assert parse_anthology_id(text) == anthology_id
            parts = (anthology_id.collection, anthology_id.volume, anthology_id.paper)
            assert library_ids.build_id(*parts) == text
