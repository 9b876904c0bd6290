"""Byte-exact edits of author elements, including historic quirks of real files."""

from __future__ import annotations

import difflib

import pytest

from bot.anthology.xmlfile import (
    AttributeEdit,
    SlotRef,
    XMLEditError,
    _edit_fragments,
    _edit_whole_file,
    edit_attributes,
    read_collection,
)

QUIRKY = b"""<?xml version='1.0' encoding='UTF-8'?>
<collection id="X99">
  <volume id="1" type="proceedings">
    <meta>
      <booktitle>Proceedings of Something</booktitle>
      <editor><last>Editor</last><first>Erin</first></editor>
      <editor id="ed-two"><first>Ed</first><last>Two</last></editor>
      <year>1999</year>
    </meta>
    <frontmatter>
      <bibkey>x99-1999-proceedings</bibkey>
    </frontmatter>
    <paper id="5">
      <title>A <fixed-case>T</fixed-case>itle &amp; More</title>
      <!-- a comment that stays -->
      <author orcid="0000-0002-7182-8185" id="ann-lee"><first>Ann</first><last>Lee</last></author>
      <author><first/><last>Mausam</last></author>
      <author><last>Zed</last><first>Zoe</first><affiliation>Uni &amp; Co</affiliation></author>
      <author><first>A</first><last>One</last></author><author><first>B</first><last>Two</last></author>
      <author id="multi"
              openreview="~X1"><first>Multi</first><last>Line</last></author>
      <bibkey>lee-etal-1999-title</bibkey>
    </paper>
  </volume>
</collection>
"""


def changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line.startswith(("- ", "+ "))]


def test_read_collection_items_and_slots() -> None:
    items, slots = read_collection(QUIRKY)
    ids = [i.item_id for i in items]
    assert ids == ["X99-1", "X99-1000", "X99-1005"]
    assert items[2].title == "A Title & More"
    assert items[2].bibkey == "lee-etal-1999-title"
    editors = [s for s in slots if s.ref.item_id == "X99-1"]
    assert [(s.name.first, s.name.last) for s in editors] == [("Erin", "Editor"), ("Ed", "Two")]
    authors = [s for s in slots if s.ref.item_id == "X99-1005"]
    assert [s.name.as_first_last() for s in authors] == [
        "Ann Lee",
        "Mausam",
        "Zoe Zed",
        "A One",
        "B Two",
        "Multi Line",
    ]
    assert authors[0].person_id == "ann-lee" and authors[0].orcid == "0000-0002-7182-8185"
    assert authors[1].name.first is None
    assert authors[2].affiliation == "Uni & Co"


@pytest.mark.parametrize(
    ("ref", "attrs", "old", "new"),
    [
        (
            SlotRef("X99-1005", "author", 1),
            {"id": "mausam"},
            "<author><first/><last>Mausam</last></author>",
            '<author id="mausam"><first/><last>Mausam</last></author>',
        ),
        (
            SlotRef("X99-1005", "author", 2),
            {"id": "zoe-zed"},
            "<author><last>Zed</last><first>Zoe</first>",
            '<author id="zoe-zed"><last>Zed</last><first>Zoe</first>',
        ),
        # Attribute order of the file is kept; only the id value changes.
        (
            SlotRef("X99-1005", "author", 0),
            {"id": "ann-lee-2"},
            '<author orcid="0000-0002-7182-8185" id="ann-lee">',
            '<author orcid="0000-0002-7182-8185" id="ann-lee-2">',
        ),
        (
            SlotRef("X99-1", "editor", 0),
            {"id": "erin-editor"},
            "<editor><last>Editor</last>",
            '<editor id="erin-editor"><last>Editor</last>',
        ),
        (SlotRef("X99-1", "editor", 1), {"id": None}, '<editor id="ed-two">', "<editor>"),
    ],
)
def test_edit_changes_exactly_one_line(ref, attrs, old, new) -> None:  # noqa: ANN001
    after = edit_attributes(QUIRKY, [AttributeEdit(ref, attrs)])
    lines = changed_lines(QUIRKY, after)
    assert len(lines) == 2
    assert old in lines[0] and new in lines[1]
    assert lines[0].replace(old, new)[2:] == lines[1][2:]


def test_two_elements_on_one_line_edit_the_right_one() -> None:
    after = edit_attributes(
        QUIRKY, [AttributeEdit(SlotRef("X99-1005", "author", 4), {"id": "b-two"})]
    )
    assert b'<author><first>A</first><last>One</last></author><author id="b-two"><first>B' in after
    assert len(changed_lines(QUIRKY, after)) == 2


def test_multi_line_start_tag_keeps_its_layout() -> None:
    after = edit_attributes(QUIRKY, [AttributeEdit(SlotRef("X99-1005", "author", 5), {"id": "m"})])
    assert b'<author id="m"\n              openreview="~X1">' in after


def test_new_attribute_goes_before_later_canonical_ones() -> None:
    after = edit_attributes(
        QUIRKY, [AttributeEdit(SlotRef("X99-1005", "author", 5), {"orcid": "0000-0002-7182-8185"})]
    )
    assert (
        b'<author id="multi" orcid="0000-0002-7182-8185"\n              openreview="~X1">' in after
    )


def test_several_edits_in_one_file() -> None:
    edits = [
        AttributeEdit(SlotRef("X99-1005", "author", 1), {"id": "mausam"}),
        AttributeEdit(SlotRef("X99-1005", "author", 3), {"id": "a-one"}),
        AttributeEdit(SlotRef("X99-1005", "author", 4), {"id": "b-two"}),
    ]
    after = edit_attributes(QUIRKY, edits)
    assert len(changed_lines(QUIRKY, after)) == 4
    _, slots = read_collection(after)
    ids = [s.person_id for s in slots if s.ref.item_id == "X99-1005"]
    assert ids == ["ann-lee", "mausam", None, "a-one", "b-two", "multi"]


def test_unknown_slot_is_a_clear_error() -> None:
    with pytest.raises(XMLEditError, match="X99-1005 has no author number 9"):
        edit_attributes(QUIRKY, [AttributeEdit(SlotRef("X99-1005", "author", 8), {"id": "x"})])
    with pytest.raises(XMLEditError, match="not in collection"):
        edit_attributes(QUIRKY, [AttributeEdit(SlotRef("X99-1077", "author", 0), {"id": "x"})])


def test_values_are_escaped() -> None:
    after = edit_attributes(
        QUIRKY, [AttributeEdit(SlotRef("X99-1005", "author", 1), {"id": 'a"<&'})]
    )
    assert b'id="a&quot;&lt;&amp;"' in after


def test_a_commented_out_author_takes_the_whole_file_path() -> None:
    # The text of paper 5 then has more <author tags than lxml sees: the paper-only
    # path declines, and the whole-file path still edits the right element.
    quirky = QUIRKY.replace(
        b"<!-- a comment that stays -->", b"<!-- <author><last>Old</last></author> -->"
    )
    assert _edit_fragments(quirky, [AttributeEdit(SlotRef("X99-1005", "author", 1), {})]) is None
    after = edit_attributes(quirky, [AttributeEdit(SlotRef("X99-1005", "author", 1), {"id": "m"})])
    assert b'<author id="m"><first/><last>Mausam</last>' in after
    assert len(changed_lines(quirky, after)) == 2


@pytest.mark.parametrize("position", range(6))
def test_paper_only_path_equals_whole_file_path(position: int) -> None:
    edit = [AttributeEdit(SlotRef("X99-1005", "author", position), {"id": "p-q"})]
    fast = _edit_fragments(QUIRKY, edit)
    assert fast is not None and fast == _edit_whole_file(QUIRKY, edit)


TWO_VOLUMES = b"""<?xml version='1.0' encoding='UTF-8'?>
<collection id="2099.x">
  <volume id="long" type="proceedings">
    <meta>
      <booktitle>Long Papers</booktitle>
      <editor><first>Erin</first><last>Editor</last></editor>
    </meta>
    <paper id="1">
      <title>One</title>
      <author><first>Ann</first><last>Lee</last></author>
    </paper>
    <paper id="3">
      <title>Three</title>
      <author><first>Bo</first><last>Ma</last></author>
      <author><first>Cy</first><last>Ng</last></author>
    </paper>
  </volume>
  <volume id="longer" type="proceedings">
    <meta>
      <booktitle>Longer Papers</booktitle>
    </meta>
    <paper id="2">
      <title>Two of the longer volume</title>
      <author><first>Di</first><last>Oh</last></author>
    </paper>
    <paper id="10">
      <title>Ten</title>
      <author><first>Ed</first><last>Po</last></author>
    </paper>
  </volume>
</collection>
"""


def test_paper_searched_for_in_its_own_volume_only() -> None:
    # 2099.x-long.2 does not exist; 2099.x-longer.2 does, after the end of "long": the
    # volume "long" is not mistaken for "longer", and paper 2 of the next volume is not
    # taken for it, on either path.
    edit = [AttributeEdit(SlotRef("2099.x-long.2", "author", 0), {"id": "di-oh"})]
    assert _edit_fragments(TWO_VOLUMES, edit) is None
    with pytest.raises(XMLEditError, match="not in collection"):
        edit_attributes(TWO_VOLUMES, edit)
    # Paper "1" is not paper "10".
    edit = [AttributeEdit(SlotRef("2099.x-longer.1", "author", 0), {"id": "x-y"})]
    assert _edit_fragments(TWO_VOLUMES, edit) is None


def test_edits_across_volumes_and_papers_of_one_file() -> None:
    edits = [
        AttributeEdit(SlotRef("2099.x-longer.10", "author", 0), {"id": "ed-po"}),
        AttributeEdit(SlotRef("2099.x-long.3", "author", 1), {"id": "cy-ng"}),
        AttributeEdit(SlotRef("2099.x-long", "editor", 0), {"id": "erin-editor"}),
        AttributeEdit(SlotRef("2099.x-long.3", "author", 0), {"id": "bo-ma"}),
        AttributeEdit(SlotRef("2099.x-longer.2", "author", 0), {"id": "di-oh"}),
    ]
    fast = _edit_fragments(TWO_VOLUMES, edits)
    assert fast is not None and fast == _edit_whole_file(TWO_VOLUMES, edits)
    assert len(changed_lines(TWO_VOLUMES, fast)) == 10
    _, slots = read_collection(fast)
    assert [s.person_id for s in slots] == ["erin-editor", None, "bo-ma", "cy-ng", "di-oh", "ed-po"]
