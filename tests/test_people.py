"""Tests for people.json handling, ORCID iDs and person ids."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.anthology.names import Name
from bot.anthology.people import (
    EXAMPLE_ORCID,
    OrcidError,
    People,
    Person,
    institution_suffix,
    is_valid_person_id,
    normalize_orcid,
    orcid_checksum_ok,
)

if TYPE_CHECKING:
    from acl_anthology import Anthology

try:  # the acl-anthology library's own serializer serves as an oracle where installed
    import msgspec.json as msgspec_json
    from acl_anthology.utils.json import collapse_names
except ImportError:  # pragma: no cover
    msgspec_json = None
try:
    from acl_anthology.utils.ids import is_valid_orcid as library_is_valid_orcid
except ImportError:  # pragma: no cover
    library_is_valid_orcid = None

VALID_ORCIDS = ["0000-0002-7182-8185", "0000-0001-5109-3700", "0000-0002-1694-233X"]


# --- ORCID iDs -----------------------------------------------------------------


@pytest.mark.parametrize("orcid", VALID_ORCIDS)
def test_checksum_ok(orcid: str) -> None:
    assert orcid_checksum_ok(orcid)


@pytest.mark.parametrize(
    "orcid",
    [
        "0000-0002-1825-0098",  # wrong check digit
        "0000-0002-1694-2330",
        "0000-0002-1694-233x",  # not canonical
        "0000000271828185",
        "0000-0002-1825-009",
        "https://orcid.org/0000-0002-7182-8185",
        "",
    ],
)
def test_checksum_not_ok(orcid: str) -> None:
    assert not orcid_checksum_ok(orcid)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("  0000-0002-7182-8185\n", "0000-0002-7182-8185"),
        ("https://orcid.org/0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("https://orcid.org/0000-0002-7182-8185/", "0000-0002-7182-8185"),
        ("http://orcid.org/0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("https://www.orcid.org/0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("orcid.org/0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("HTTPS://ORCID.ORG/0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("<https://orcid.org/0000-0002-7182-8185>", "0000-0002-7182-8185"),
        ("https://orcid.org/my-orcid?orcid=0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("https://orcid.org/my-orcid?orcid=0000-0002-1694-233x", "0000-0002-1694-233X"),
        ("0000-0002-1694-233x", "0000-0002-1694-233X"),
        ("0000000271828185", "0000-0002-7182-8185"),
        ("0000 0002 7182 8185", "0000-0002-7182-8185"),
        ("0000\u20130002\u20137182\u20138185", "0000-0002-7182-8185"),  # en dashes
        ("0000\u00a00002\u00a07182\u00a08185", "0000-0002-7182-8185"),  # no-break spaces
        ("ORCID: 0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("orcid 0000-0002-7182-8185", "0000-0002-7182-8185"),
        ("`0000-0001-5109-3700`", "0000-0001-5109-3700"),
    ],
)
def test_normalize_orcid(text: str, expected: str) -> None:
    assert normalize_orcid(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("0000-0002-1825-0098", "a digit is mistyped or missing"),
        ("https://orcid.org/0000-0002-1694-2330", "a digit is mistyped or missing"),
        ("0000-0002-1825-009", "16 digits"),
        ("0000-0002-7182-81851", "16 digits"),
        ("0000-0002-1825-009Y", "16 digits"),
        ("X000-0002-1825-0097", "16 digits"),
        ("0000000216942 33x", "16 digits"),  # spaces only between groups of four
        ("https://orcid.org/my-orcid?orcid=", "16 digits"),
        ("https://orcid.org/", "16 digits"),
        ("https://example.org/0000-0002-7182-8185", "16 digits"),
        ("jane doe", "16 digits"),
        ("", "16 digits"),
        ("\u0660\u0660\u0660\u0660-0002-1825-0097", "16 digits"),  # Arabic-Indic digits
    ],
)
def test_normalize_orcid_rejects(text: str, hint: str) -> None:
    with pytest.raises(OrcidError) as info:
        normalize_orcid(text)
    assert repr(text) in str(info.value)
    assert hint in str(info.value)


def test_an_orcid_error_asks_to_copy_the_id_and_names_no_digit() -> None:
    for wrong in ("0000-0002-1825-0098", "0000-0002-1694-2330", "0000-0002-1825-009"):
        with pytest.raises(OrcidError) as info:
            normalize_orcid(wrong)
        message = str(info.value)
        assert "copy" in message and "https://orcid.org/" in message
        assert message.startswith(repr(wrong))
        if len(wrong) == 19:  # a wrong check digit: besides the input, no digit to "fix" it with
            assert not re.search(r"[0-9]", message.removeprefix(repr(wrong)))


@pytest.mark.parametrize(
    "text",
    [
        EXAMPLE_ORCID,
        f"https://orcid.org/{EXAMPLE_ORCID}",
        f"https://orcid.org/my-orcid?orcid={EXAMPLE_ORCID}",
        "0000 0002 1825 0097",
        "0000000218250097",
        f"ORCID: {EXAMPLE_ORCID}",
    ],
)
def test_orcids_documented_example_id_is_refused(text: str) -> None:
    assert orcid_checksum_ok(EXAMPLE_ORCID)  # well-formed: refused for what it is
    with pytest.raises(OrcidError) as info:
        normalize_orcid(text)
    message = str(info.value)
    assert "example iD from ORCID's documentation" in message
    assert "your own iD from your ORCID record (https://orcid.org/)" in message


def _reference_check_digit(first15: str) -> str:
    """ISO 7064 MOD 11-2, reducing modulo 11 at every step as the standard describes."""
    p = 0
    for ch in first15:
        p = ((p + int(ch)) * 2) % 11
    r = (12 - p) % 11
    return "X" if r == 10 else str(r)


orcids = st.from_regex(r"[0-9]{15}", fullmatch=True).map(
    lambda d: f"{d[0:4]}-{d[4:8]}-{d[8:12]}-{d[12:15]}{_reference_check_digit(d)}"
)


@given(orcids)
def test_property_valid_orcids_in_every_spelling(orcid: str) -> None:
    assert orcid_checksum_ok(orcid)
    if library_is_valid_orcid is not None:
        assert library_is_valid_orcid(orcid)
    compact = orcid.replace("-", "")
    for spelling in (
        orcid,
        orcid.lower(),
        compact,
        f"https://orcid.org/{orcid}",
        f"https://orcid.org/my-orcid?orcid={orcid.lower()}",
        " ".join(orcid.split("-")),
    ):
        assert normalize_orcid(spelling) == orcid


@given(orcids, st.integers(0, 15), st.integers(1, 9))
def test_property_single_digit_errors_are_caught(orcid: str, position: int, delta: int) -> None:
    digits = list(orcid.replace("-", ""))
    if digits[position] == "X":
        return
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    with pytest.raises(OrcidError):
        normalize_orcid(changed)


def _normalize_or_orcid_error(text: str) -> None:
    try:
        result = normalize_orcid(text)
    except OrcidError as exc:
        # The error quotes what was typed, or names the documented example iD it is.
        assert repr(text) in str(exc) or str(exc).startswith(f"{EXAMPLE_ORCID} is the example iD")
    else:
        assert orcid_checksum_ok(result)


@given(st.text())
def test_property_normalize_orcid_raises_only_orcid_error(text: str) -> None:
    _normalize_or_orcid_error(text)


@given(st.text(alphabet="0123456789-xX /:.orcidhtps?=my\u00a0\u2013"))
def test_property_normalize_orcid_on_orcid_like_noise(text: str) -> None:
    _normalize_or_orcid_error(text)


# --- person ids ------------------------------------------------------------------


@pytest.mark.parametrize("pid", ["a-pranav", "xu-huang-nanjing", "song-wang-602x", "ab", "a1"])
def test_valid_person_ids(pid: str) -> None:
    assert is_valid_person_id(pid)


@pytest.mark.parametrize(
    "pid",
    [
        "__NO_PERSON_ID__",
        "jane-doe/unverified",
        "a",
        "",
        "1abc",
        "-abc",
        "Jane-doe",
        "jane_doe",
        "jane doe",
        "jane-doe\n",
        "jané-doe",
    ],
)
def test_invalid_person_ids(pid: str) -> None:
    assert not is_valid_person_id(pid)


# --- people.json format ----------------------------------------------------------

SMALL = b"""{
  "a-pranav": {
    "names": [
      {"first": "A", "last": "Pranav"},
      {"first": "Pranav", "last": "A"}
    ],
    "comment": "Dayta AI",
    "degree": "University of Hamburg",
    "orcid": "0000-0001-8951-1517",
    "similar": [
      "pranav-anand"
    ]
  },
  "mausam": {
    "names": [
      {"last": "Mausam"}
    ],
    "disable_name_matching": true
  },
  "pranav-anand": {
    "names": [
      {"first": "Pranav", "last": "Anand"},
      {"first": "\xe5\xbc\xa0", "last": "\xe4\xbc\x9f", "script": "hani"}
    ],
    "comment": "UC Santa Cruz \\"Slug\\" \\\\ \\t"
  }
}
"""


def test_small_round_trip() -> None:
    people = People.loads(SMALL)
    assert list(people) == ["a-pranav", "mausam", "pranav-anand"]
    assert people.dumps() == SMALL
    pranav = people["a-pranav"]
    assert pranav.names == [Name("A", "Pranav"), Name("Pranav", "A")]
    assert pranav.canonical_name == Name("A", "Pranav")
    assert pranav.similar == ["pranav-anand"]
    assert people["mausam"].names[0].first is None
    assert people["mausam"].disable_name_matching
    assert people["pranav-anand"].names[1].script == "hani"
    assert people["pranav-anand"].comment == 'UC Santa Cruz "Slug" \\ \t'


def test_dumps_format_details() -> None:
    people = People(
        [
            Person(
                "zoe-o-brien",
                [Name("Zoë", "O’Brien"), Name("Zoe", "O'Brien")],
                comment="",
                degree=None,
                disable_name_matching=False,
                similar=[],
            ),
            Person("anna-smith", [Name("Anna", "Smith")], orcid="0000-0002-7182-8185"),
        ]
    )
    assert people.dumps().decode("utf-8") == (
        "{\n"
        '  "anna-smith": {\n'
        '    "names": [\n'
        '      {"first": "Anna", "last": "Smith"}\n'
        "    ],\n"
        '    "orcid": "0000-0002-7182-8185"\n'
        "  },\n"
        '  "zoe-o-brien": {\n'
        '    "names": [\n'
        '      {"first": "Zoë", "last": "O’Brien"},\n'
        '      {"first": "Zoe", "last": "O\'Brien"}\n'
        "    ]\n"
        "  }\n"
        "}\n"
    )


def test_empty_registry() -> None:
    assert People().dumps() == b"{}\n"
    assert len(People.loads(b"{}\n")) == 0


def test_escapes_match_json() -> None:
    weird = 'Quote " backslash \\ tab \t nl \n nul \x00 del \x7f ls \u2028 emoji \U0001f600'
    people = People([Person("weird-one", [Name("W", "One")], comment=weird)])
    data = people.dumps()
    assert json.loads(data)["weird-one"]["comment"] == weird
    assert People.loads(data).dumps() == data
    assert b'\\"' in data and b"\\\\" in data and b"\\t" in data and b"\\n" in data
    assert b"\\u0000" in data and "\u2028".encode() in data and "😀".encode() in data


_name_text = st.text(min_size=1, max_size=12)
_names = st.builds(
    Name, st.none() | _name_text, _name_text, st.none() | st.sampled_from(["hani", "kore"])
)


@st.composite
def persons(draw: st.DrawFn, pid: str) -> Person:
    names = draw(st.lists(_names, min_size=1, max_size=3, unique_by=lambda n: (n.first, n.last)))
    return Person(
        pid,
        names,
        comment=draw(st.none() | st.text(max_size=20)),
        degree=draw(st.none() | st.text(max_size=20)),
        disable_name_matching=draw(st.booleans()),
        orcid=draw(st.none() | orcids),
        similar=draw(st.lists(st.from_regex(r"[a-z][a-z0-9-]{1,10}", fullmatch=True), max_size=2)),
    )


@st.composite
def registries(draw: st.DrawFn) -> People:
    ids = draw(
        st.lists(st.from_regex(r"[a-z][a-z0-9-]{1,12}", fullmatch=True), max_size=4, unique=True)
    )
    people = People()
    for pid in ids:
        person = draw(persons(pid))
        if person.orcid is None or people.by_orcid(person.orcid) is None:
            people.add(person)
    return people


@given(registries())
def test_property_dumps_loads_round_trip(people: People) -> None:
    data = people.dumps()
    again = People.loads(data)
    assert again.dumps() == data
    assert [again[pid].names for pid in again] == [people[pid].names for pid in people]


@given(registries())
def test_property_dumps_matches_library_serializer(people: People) -> None:
    """Byte-for-byte what acl-anthology's PersonIndex.save produces for the same dict."""
    if msgspec_json is None:
        pytest.skip("acl-anthology / msgspec not installed")
    data = {pid: people[pid].to_json() for pid in people}
    expected = collapse_names(msgspec_json.format(msgspec_json.encode(data))) + b"\n"
    assert people.dumps() == expected


# --- loading errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        ({"Bad-Id": {"names": [{"last": "X"}]}}, "'Bad-Id' is not a valid person id"),
        ({"x-y": {"names": []}}, "at least one name"),
        ({"x-y": {}}, "needs a list of names"),
        ({"x-y": {"names": [{"first": "A"}]}}, "needs a list of names"),
        ({"x-y": {"names": [{"first": "", "last": "A"}]}}, "non-empty 'first'"),
        ({"x-y": {"names": [{"last": "A", "middle": "B"}]}}, "needs a list of names"),
        ({"x-y": {"names": [{"last": "A"}], "wikidata": "Q1"}}, "wikidata"),
        ({"x-y": {"names": [{"last": "A"}], "orcid": "0000-0002-1825-0098"}}, "not a valid ORCID"),
        ({"x-y": {"names": [{"last": "A"}], "orcid": 17}}, "orcid of 'x-y' must be a string"),
        ({"x-y": {"names": [{"last": "A"}], "disable_name_matching": "yes"}}, "true/false"),
        ({"x-y": {"names": [{"last": "A"}], "similar": "a-b"}}, "list of ids"),
        ({"x-y": {"names": [{"last": "A"}, {"last": "A"}]}}, "twice"),
        ({"x-y": []}, "not an object"),
        (
            {
                "x-y": {"names": [{"last": "A"}], "orcid": "0000-0002-7182-8185"},
                "y-z": {"names": [{"last": "B"}], "orcid": "0000-0002-7182-8185"},
            },
            "already belongs to 'x-y'",
        ),
    ],
)
def test_loads_rejects(data: object, hint: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        People.loads(json.dumps(data).encode())
    assert hint in str(info.value)


def test_loads_rejects_non_object() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        People.loads(b"[]")


# --- the registry API ------------------------------------------------------------


@pytest.fixture
def small() -> People:
    return People.loads(SMALL)


def test_mapping_interface(small: People) -> None:
    assert "mausam" in small and "nobody" not in small
    assert len(small) == 3
    assert small.get("nobody") is None
    assert small.get("mausam") is small["mausam"]
    with pytest.raises(KeyError, match="nobody"):
        small["nobody"]
    small.add(Person("a-a-first", [Name("A. A.", "First")]))
    assert list(small)[0] == "a-a-first"  # iteration is sorted, not insertion order


def test_by_orcid(small: People) -> None:
    assert small.by_orcid("0000-0001-8951-1517") is small["a-pranav"]
    assert small.by_orcid("https://orcid.org/0000-0001-8951-1517/") is small["a-pranav"]
    assert small.by_orcid("0000-0002-7182-8185") is None
    with pytest.raises(OrcidError):
        small.by_orcid("not an orcid")


def test_by_orcid_sees_direct_edits(small: People) -> None:
    small["mausam"].orcid = "0000-0002-7182-8185"
    assert small.by_orcid("0000-0002-7182-8185") is small["mausam"]


def test_add(small: People) -> None:
    small.add(Person("jane-doe", [Name("Jane", "Doe")], orcid="0000-0002-7182-8185"))
    assert small["jane-doe"].orcid == "0000-0002-7182-8185"
    assert b'"jane-doe": {' in small.dumps()


@pytest.mark.parametrize(
    ("person", "hint"),
    [
        (Person("a-pranav", [Name("A", "Pranav")]), "already exists"),
        (Person("jane-doe", [Name("J", "D")], orcid="0000-0001-8951-1517"), "'a-pranav'"),
        (Person("jane-doe", [Name("J", "D")], orcid="0000-0002-1825-0098"), "not a valid ORCID"),
        (Person("jane-doe", [Name("J", "D")], orcid="0000000271828185"), "normalize_orcid"),
        (Person("Jane", [Name("J", "D")]), "not a valid person id"),
        (Person("jane-doe/unverified", [Name("J", "D")]), "not a valid person id"),
        (Person("__NO_PERSON_ID__", [Name("J", "D")]), "not a valid person id"),
        (Person("jane-doe", []), "at least one name"),
        (Person("jane-doe", [Name("J", "D"), Name("J", "D", "hani")]), "twice"),
        (Person("jane-doe", [Name("J", "D")], similar=["Not An Id"]), "similar"),
    ],
)
def test_add_rejects(small: People, person: Person, hint: str) -> None:
    with pytest.raises(ValueError) as info:
        small.add(person)
    assert hint in str(info.value)
    assert person.id not in small or person.id == "a-pranav"


def test_add_name(small: People) -> None:
    assert small.add_name("mausam", Name(None, "Mausam")) is False
    assert small.add_name("a-pranav", Name("Pranav", "A", "deva")) is False  # script ignored
    assert small.add_name("a-pranav", Name("A.", "Pranav")) is True
    assert small["a-pranav"].names[-1] == Name("A.", "Pranav")
    assert small.add_name("a-pranav", Name("A.", "Pranav")) is False
    assert b'{"first": "A.", "last": "Pranav"}\n    ],' in small.dumps()
    with pytest.raises(KeyError):
        small.add_name("nobody", Name("No", "Body"))


def test_dumps_refuses_person_without_names(small: People) -> None:
    small["mausam"].names.clear()
    with pytest.raises(ValueError, match="mausam"):
        small.dumps()


def test_verified_ids_by_slug(small: People) -> None:
    small.add(Person("a-pranav-2", [Name("Á", "Pranav")], disable_name_matching=True))
    index = small.verified_ids_by_slug()
    assert index["a-pranav"] == {"a-pranav", "a-pranav-2"}
    assert index["pranav-a"] == {"a-pranav"}
    assert index["mausam"] == {"mausam"}
    assert index["pranav-anand"] == {"pranav-anand"}


def test_new_person_id(small: People) -> None:
    assert small.new_person_id(Name("Aarón", "Galiano-Jiménez")) == "aaron-galiano-jimenez"
    assert small.new_person_id(Name(None, "Mausam"), suffix="IITD") == "mausam-iitd"
    assert (
        small.new_person_id(Name(None, "Mausam"), orcid="https://orcid.org/0000-0002-1694-233x")
        == "mausam-233x"
    )
    small.add(Person("mausam-iitd", [Name(None, "Mausam")]))
    assert (
        small.new_person_id(Name(None, "Mausam"), suffix="iitd", orcid="0000-0002-7182-8185")
        == "mausam-8185"
    )
    with pytest.raises(ValueError) as info:
        small.new_person_id(Name(None, "Mausam"), suffix="iitd")
    assert "mausam, mausam-iitd are taken" in str(info.value)
    assert "maintainer" in str(info.value)
    with pytest.raises(ValueError, match="maintainer"):
        small.new_person_id(Name(None, "Mausam"))


def test_new_person_id_rejects_unusable(small: People) -> None:
    with pytest.raises(ValueError, match="maintainer"):
        small.new_person_id(Name(None, "A"))  # slug "a" is too short to be an id
    with pytest.raises(ValueError, match="not a valid person id"):
        small.new_person_id(Name(None, "Mausam"), suffix="Univ. of X")
    with pytest.raises(OrcidError):
        small.new_person_id(Name(None, "Mausam"), orcid="123")


# --- saving ------------------------------------------------------------------------


def test_save_and_load(tmp_path: Path, small: People) -> None:
    path = tmp_path / "people.json"
    small.save(path)
    assert path.read_bytes() == SMALL
    assert People.load(path).dumps() == SMALL
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["people.json"]


def test_save_replaces_atomically_and_keeps_mode(tmp_path: Path, small: People) -> None:
    path = tmp_path / "people.json"
    path.write_bytes(b"old")
    path.chmod(0o664)
    linked = tmp_path / "hardlink.json"
    os.link(path, linked)
    small.add_name("mausam", Name("Mausam", "X"))
    small.save(path)
    assert path.read_bytes() == small.dumps()
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    assert linked.read_bytes() == b"old"  # a new inode, not an in-place write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hardlink.json", "people.json"]


def test_failed_save_leaves_file_alone(tmp_path: Path, small: People) -> None:
    path = tmp_path / "people.json"
    small.save(path)
    small["mausam"].names.clear()
    with pytest.raises(ValueError):
        small.save(path)
    assert path.read_bytes() == SMALL
    assert [p.name for p in tmp_path.iterdir()] == ["people.json"]


# --- full data ---------------------------------------------------------------------


@pytest.mark.fulldata
def test_full_people_json_round_trips(full_data_dir: Path) -> None:
    raw = (full_data_dir / "json" / "people.json").read_bytes()
    people = People.load(full_data_dir / "json" / "people.json")
    assert len(people) > 9000
    assert people.dumps() == raw
    # Every id, ORCID and name slug in the real file is well-formed.
    assert all(is_valid_person_id(pid) for pid in people)
    assert all(orcid_checksum_ok(people[pid].orcid or VALID_ORCIDS[0]) for pid in people)
    assert all(slug for slug in people.verified_ids_by_slug())


@pytest.fixture(scope="module")
def library(full_data_dir: Path) -> Iterator[Anthology]:
    """A private acl-anthology instance over the full data, person index built (~16 s).

    Private because the tests change it (the session ``oracle`` must stay unmodified).
    It only ever saves to temporary paths, never into the read-only dataset.
    """
    anthology_module = pytest.importorskip("acl_anthology")
    from acl_anthology.exceptions import NameSpecResolutionWarning

    anthology = anthology_module.Anthology(datadir=full_data_dir, verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NameSpecResolutionWarning)
        anthology.people.load()
    yield anthology


NEW_PERSONS = [
    Person(
        "zoe-quartermaine-fictional",
        [Name("Zoë", "Quartermaine-Fictional"), Name("Zoe", "Quartermaine")],
        comment='Univ. "Nowhere" \\ Ünïcödé 日本',
        degree="Université de Nulle Part",
        orcid="0000-0002-7182-8185",
        similar=["a-pranav"],
    ),
    Person("fictional-mononym", [Name(None, "Fictionalmononym")], disable_name_matching=True),
    Person("aaa-first-fictional", [Name("Aaa", "First-Fictional", "latn")]),
]


@pytest.mark.fulldata
def test_full_data_matches_library_after_changes(
    full_data_dir: Path, library: Anthology, tmp_path: Path
) -> None:
    from acl_anthology.people import Name as LibraryName

    raw = (full_data_dir / "json" / "people.json").read_bytes()
    library.people.save(tmp_path / "unchanged.json")
    assert (tmp_path / "unchanged.json").read_bytes() == raw  # the oracle is faithful

    ours = People.load(full_data_dir / "json" / "people.json")
    for person in NEW_PERSONS:
        ours.add(person)
        library.people.create(
            id=person.id,
            names=[LibraryName(n.first, n.last, n.script) for n in person.names],
            comment=person.comment,
            degree=person.degree,
            orcid=person.orcid,
            similar_ids=list(person.similar),
            disable_name_matching=person.disable_name_matching,
        )
    existing = next(iter(ours))
    assert ours.add_name(existing, Name("Fictional", "Variant"))
    library.people[existing].add_name(LibraryName("Fictional", "Variant"))

    library.people.save(tmp_path / "library.json")
    ours.save(tmp_path / "ours.json")
    assert (tmp_path / "ours.json").read_bytes() == (tmp_path / "library.json").read_bytes()


@pytest.mark.fulldata
def test_full_data_new_person_id_matches_library(full_data_dir: Path, library: Anthology) -> None:
    from acl_anthology.people import Name as LibraryName

    ours = People.load(full_data_dir / "json" / "people.json")
    taken = next(pid for pid in ours if ours[pid].names[0].slug() == pid)
    taken_name = ours[taken].names[0]
    cases: list[tuple[Name, dict[str, str]]] = [
        (Name("Quentin", "Neverheardof"), {}),
        (taken_name, {"suffix": "Nowhere"}),
        (taken_name, {"orcid": "0000-0002-1694-233X"}),
    ]
    for name, options in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = library.people.generate_person_id(
                LibraryName(name.first, name.last), **options
            )
        assert ours.new_person_id(name, **options) == expected


# -- institution suffixes, replacing and removing entries -----------------------------


@pytest.mark.parametrize(
    ("institution", "suffix"),
    [
        ("Nanjing University", "nanjing"),
        ("University of Edinburgh", "edinburgh"),
        ("Carnegie Mellon University", "cmu"),
        ("Indian Institute of Technology Bombay", "iitb"),
        ("MIT", "mit"),
        ("Technische Universität Darmstadt", "darmstadt"),
        ("University of California, Berkeley", "california"),
        ("The University", None),
        ("", None),
        (None, None),
        ("2024 Institute", None),
    ],
)
def test_institution_suffix(institution: str | None, suffix: str | None) -> None:
    assert institution_suffix(institution) == suffix


def test_replace_keeps_orcids_unique_and_remove_frees_them() -> None:
    people = People(
        [
            Person("jane-doe", [Name("Jane", "Doe")]),
            Person("jane-doe-0097", [Name("Jane", "Doe")], orcid="0000-0002-7182-8185"),
        ]
    )
    taker = Person("jane-doe", [Name("Jane", "Doe")], orcid="0000-0002-7182-8185")
    with pytest.raises(ValueError, match="already belongs to 'jane-doe-0097'"):
        people.replace(taker)
    with pytest.raises(ValueError, match="No verified person"):
        people.replace(Person("john-roe", [Name("John", "Roe")]))
    removed = people.remove("jane-doe-0097")
    assert removed.orcid == "0000-0002-7182-8185" and "jane-doe-0097" not in people
    people.replace(taker)
    assert people.by_orcid("0000-0002-7182-8185") is taker


def test_ids_listing_similar_reads_lazy_entries() -> None:
    people = People.loads(
        json.dumps(
            {
                "a-b": {"names": [{"first": "A", "last": "B"}], "similar": ["a-c"]},
                "a-c": {"names": [{"first": "A", "last": "C"}]},
            }
        ),
        lazy=True,
    )
    assert people.ids_listing_similar("a-c") == ["a-b"]
    assert people.ids_listing_similar("a-b") == []


def test_lazy_save_writes_untouched_entries_as_read_and_formats_the_rest() -> None:
    canonical = People(
        [Person("a-b", [Name("A", "B")]), Person("c-d", [Name("C", "D")], orcid=None)]
    ).dumps()
    people = People.loads(canonical, lazy=True)
    assert people.dumps() == canonical
    people.add_name("c-d", Name("C.", "D"))
    assert people.dumps().count(b'"last": "D"') == 2
    # Not canonical (an entry laid out otherwise): every entry is formatted anew.
    odd = canonical.replace(b'  "c-d": {', b'  "c-d" : {')
    assert People.loads(odd, lazy=True).dumps() == canonical


# --- saving a lazily loaded registry: only touched entries are rewritten ------------


_EDIT_IDS = st.from_regex(r"[a-z][a-z0-9-]{1,12}", fullmatch=True)


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, str, object]]:
    """Changes a plan makes to people.json: add, remove, add a name, replace, read only."""
    kinds = st.sampled_from(["add", "remove", "add_name", "replace", "read", "disable"])
    return draw(st.lists(st.tuples(kinds, _EDIT_IDS | st.integers(0, 10), _names), max_size=8))


def _apply_edits(people: People, changes: list[tuple[str, object, Name]]) -> None:
    ids = list(people)
    for kind, which, name in changes:
        if isinstance(which, str):  # a new id (or, by chance, one already there)
            pid = which
        elif ids:  # an existing entry by its position
            pid = ids[which % len(ids)]
        else:
            continue
        if kind == "add" and pid not in people:
            people.add(Person(pid, [name]))
        elif pid not in people:
            continue
        elif kind == "remove":
            people.remove(pid)
        elif kind == "add_name":
            people.add_name(pid, name)
        elif kind == "replace":
            people.replace(Person(pid, [name], degree="Somewhere"))
        elif kind == "read":
            people[pid]
        elif kind == "disable":
            people[pid].disable_name_matching = True
        ids = list(people)


@given(registries(), edits())
def test_property_lazy_save_equals_formatting_every_entry(
    people: People, changes: list[tuple[str, object, Name]]
) -> None:
    """Copying untouched entries from the text read gives the bytes of formatting all."""
    canonical = people.dumps()
    lazy, eager = People.loads(canonical, lazy=True), People.loads(canonical)
    _apply_edits(lazy, changes)
    _apply_edits(eager, changes)
    assert lazy.dumps() == eager.dumps()


def test_lazy_save_of_many_touched_entries_finds_them_in_one_pass() -> None:
    people = People([Person(f"p-{i:03d}", [Name("P", f"Q{i}")]) for i in range(100)])
    canonical = people.dumps()
    lazy = People.loads(canonical, lazy=True)
    for pid in list(lazy)[::2]:  # more touched entries than are worth finding one by one
        lazy.add_name(pid, Name("P.", "Q"))
    lazy.remove("p-001")
    lazy.add(Person("p-0500", [Name("New", "One")]))
    eager = People.loads(canonical)
    for pid in list(eager)[::2]:
        eager.add_name(pid, Name("P.", "Q"))
    eager.remove("p-001")
    eager.add(Person("p-0500", [Name("New", "One")]))
    assert lazy.dumps() == eager.dumps()


def test_copy_is_independent_and_keeps_the_source() -> None:
    canonical = People([Person("a-b", [Name("A", "B")]), Person("c-d", [Name("C", "D")])]).dumps()
    people = People.loads(canonical, lazy=True)
    people["a-b"]  # read before copying: the copy must not share the Person
    copy = people.copy()
    copy.add_name("a-b", Name("A.", "B"))
    copy["c-d"].disable_name_matching = True
    copy.remove("c-d")
    assert people.dumps() == canonical
    assert people["a-b"].names == [Name("A", "B")] and "c-d" in people
    assert copy.source_sha1 == people.source_sha1 == hashlib.sha1(canonical).hexdigest()
    assert copy.dumps() != canonical and b"A." in copy.dumps()


@pytest.mark.fulldata
def test_full_people_json_lazy_save_rewrites_only_touched_entries(full_data_dir: Path) -> None:
    raw = (full_data_dir / "json" / "people.json").read_bytes()
    lazy, eager = People.loads(raw, lazy=True), People.loads(raw)
    for people in (lazy, eager):
        first, middle, last = list(people)[0], list(people)[len(people) // 2], list(people)[-1]
        people.add_name(middle, Name("Someone", "Else"))
        people.remove(first)
        people.add(Person("zzzz-new-person", [Name("Zzzz", "New-Person")]))
        people[last].degree = "Somewhere"
    assert lazy.dumps() == eager.dumps()
    assert People.loads(raw, lazy=True).dumps() == raw


def test_lazy_save_of_an_emptied_registry() -> None:
    for text in (b"{}\n", b"{\n}\n"):
        people = People.loads(text, lazy=True)
        assert people.dumps() == b"{}\n"
        people.add(Person("a-b", [Name("A", "B")]))
        assert People.loads(people.dumps()).dumps() == people.dumps()
    people = People.loads(People([Person("a-b", [Name("A", "B")])]).dumps(), lazy=True)
    people.remove("a-b")
    assert people.dumps() == b"{}\n"
