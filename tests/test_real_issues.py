"""Every real author-page issue in ../shared/real-issues/, read as a maintainer would.

The issues are read at test time (never copied into the repository). For each
one the table says what the text allows, without the Anthology data:

* the form it was filed with,
* the page the papers are on now (``source``),
* the papers to move (an empty tuple when no list could be read),
* the target: ("existing", id), ("new", orcid), ("unverified",) or None,
* the problem codes: what the bot has to ask back (empty when the request is complete).

Many stored excerpts are cut after about 1,500 characters; the expectations are for
the text as stored (a list cut short is read as far as it goes). A second group of
tests runs some issues against a small fake of the data, where titles, "all papers"
and ORCID iDs already registered can be resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.engine.request import Target
from bot.forms import known_fields, parse_issue, read_issue_text
from tests.fulldata import shared_dir
from tests.test_forms import FakeLookup

ISSUES = shared_dir() / "real-issues"

pytestmark = pytest.mark.skipif(not ISSUES.is_dir(), reason=f"{ISSUES} is not there")


@dataclass(frozen=True)
class E:
    """What a maintainer reads in one issue."""

    form: str
    source: str | None
    papers: tuple[str, ...]
    target: tuple[str, ...] | None
    codes: tuple[str, ...]
    why: str = ""


L = "legacy"
NOTHING: tuple[str, ...] = ()

EXPECTED: dict[int, E] = {
    # --- 2025 form, old /people/x/ URLs ------------------------------------
    4428: E(
        L,
        None,
        NOTHING,
        None,
        ("ambiguous_pages",),
        "name change across two pages, no direction stated: ask which page is which",
    ),
    4438: E(
        L,
        "zhiqi-huang",
        ("2024.emnlp-main.736",),
        None,
        ("missing_target",),
        "one paper given as a markdown link; wants a new page but gives no ORCID iD",
    ),
    4444: E(
        L,
        None,
        NOTHING,
        None,
        ("ambiguous_pages",),
        "merge of two transliterations; no page named as the destination",
    ),
    4453: E(
        L,
        "yassine-kheir",
        NOTHING,
        ("existing", "yassine-el-kheir"),
        ("needs_data",),
        "merge 'into ... yassine-el-kheir': all papers of the other page, list needs data",
    ),
    4484: E(
        L,
        None,
        NOTHING,
        None,
        ("ambiguous_pages",),
        "two pages in bold markdown links plus a legal name change",
    ),
    4487: E(
        L,
        "haokun-liu",
        ("2024.nlp4science-1.10",),
        None,
        ("missing_target",),
        "page only in the title; one paper; ORCID placeholder left",
    ),
    4498: E(
        L,
        None,
        NOTHING,
        None,
        ("unsupported",),
        "name order change only: staff (or Fix data) handle it",
    ),
    4659: E(
        L,
        None,
        NOTHING,
        None,
        ("ambiguous_pages",),
        "two pages, all three boxes ticked, titles only",
    ),
    4678: E(
        L,
        None,
        NOTHING,
        None,
        ("ambiguous_pages",),
        "two name orders; preferred name is not a page link",
    ),
    4698: E(
        L,
        "everlyn-chimoto",
        NOTHING,
        None,
        ("missing_target", "missing_papers"),
        "spelling complaint, nothing ticked: nothing to move",
    ),
    4715: E(
        L,
        "xiaolong-wang",
        NOTHING,
        None,
        ("missing_target", "missing_papers"),
        "a rule by year instead of a list",
    ),
    4828: E(
        L,
        "deuk-sin-kwon",
        NOTHING,
        ("existing", "deuksin-kwon"),
        ("needs_data",),
        "merge 'into the one (...deuksin-kwon/.)': all papers of deuk-sin-kwon",
    ),
    4906: E(
        L,
        "yuxin-huang",
        ("P19-1159", "2020.acl-main.265"),
        None,
        ("missing_target",),
        "two papers as markdown links (one old-style id); no ORCID iD",
    ),
    4991: E(
        L,
        "mayank-kumar-nagda",
        NOTHING,
        ("existing", "mayank-nagda"),
        ("needs_data",),
        "merge into mayank-nagda: all papers of the other page",
    ),
    5098: E(
        L,
        "zihao-li",
        ("2024.findings-acl.837",),
        None,
        ("missing_target",),
        "'I have only one publication': that paper; no ORCID iD for a new page",
    ),
    5102: E(
        L,
        "wei-huang",
        NOTHING,
        None,
        ("missing_target", "needs_data"),
        "a title in curly quotes only; no ORCID iD",
    ),
    5129: E(
        L,
        "wei-liu",
        ("2024.acl-long.305", "2024.acl-long.810", "2021.findings-acl.73", "2020.sdp-1.25"),
        None,
        ("missing_target",),
        "numbered markdown links (cut after four); no ORCID iD",
    ),
    5137: E(
        L,
        "md-nishat-raihan",
        NOTHING,
        None,
        ("invalid_page", "missing_papers", "missing_target"),
        "the second 'page' is a search link",
    ),
    5190: E(
        L,
        None,
        NOTHING,
        None,
        ("invalid_page", "missing_papers", "missing_target"),
        "no page at all, only a search link",
    ),
    5211: E(
        L,
        "mi-zhang",
        ("2023.findings-acl.634",),
        ("new", "0000-0003-3567-3478"),
        (),
        "complete: paper in 'Your papers', ORCID iD, institution",
    ),
    5219: E(
        L,
        "xinyi-yang",
        ("2024.acl-long.40",),
        ("unverified",),
        (),
        "FOFO 'was not written by me': it leaves the page",
    ),
    5231: E(L, None, NOTHING, None, ("unsupported",), "display-name change only"),
    5254: E(
        L,
        None,
        NOTHING,
        None,
        ("ambiguous_pages",),
        "name change across two pages, no direction stated",
    ),
    5259: E(
        L,
        "minghan-li",
        ("2024.lrec-main.467", "2023.jeptalnrecital-coria.6"),
        ("new", "0000-0002-1041-8887"),
        (),
        "page from the title (field is a search link); list under a typed heading",
    ),
    5261: E(
        L,
        "xiang-liu",
        NOTHING,
        None,
        ("missing_target", "needs_data"),
        "'**Title:**' bullets, links cut off; no ORCID iD",
    ),
    5332: E(
        L,
        "elizaveta-yankovskaya",
        NOTHING,
        ("existing", "lisa-yankovskaya"),
        ("needs_data",),
        "'map articles from X to Y': all papers of X",
    ),
    5418: E(
        L,
        "george-filandrianos",
        NOTHING,
        ("existing", "giorgos-finaldrianos"),
        ("needs_data",),
        "'Merge profiles to:' names the destination (slug typo kept as typed)",
    ),
    5453: E(
        L,
        "zhihao-wang",
        NOTHING,
        ("new", "0009-0008-7497-6467"),
        ("missing_papers",),
        "Google Scholar instead of a list",
    ),
    6345: E(
        L,
        "jie-yang",
        ("2023.findings-ijcnlp.20", "2023.findings-eacl.78", "2022.findings-naacl.82"),
        ("new", "0000-0003-1317-8142"),
        (),
        "three papers into a new entry for the filer",
    ),
    7094: E(
        L,
        None,
        NOTHING,
        ("new", "0009-0007-1849-4503"),
        ("missing_page", "missing_papers"),
        "no Anthology paper yet",
    ),
    7100: E(
        L,
        "sheng-li",
        (
            "2025.acl-long.1466",
            "2025.emnlp-main.320",
            "2025.findings-acl.1047",
            "2023.findings-acl.72",
            "2023.findings-acl.304",
            "2023.iwslt-1.33",
            "2023.nlp4convai-1.4",
            "2022.cai-1.0",
            "2022.cai-1.6",
            "2022.lrec-1.792",
        ),
        ("new", "0000-0001-7636-3797"),
        (),
        "plain URL list incl. front matter; cut-off last URL ignored",
    ),
    7108: E(
        L,
        "juho-kim",
        ("2024.sicon-1.1", "W18-5512"),
        ("unverified",),
        (),
        "two papers 'by another author' leave the verified page",
    ),
    7126: E(
        L,
        "yue-fang/unverified",
        ("2025.emnlp-main.1586", "2025.findings-acl.544", "2022.naacl-main.283"),
        ("new", "0009-0004-6625-8212"),
        (),
        "verification by moving the listed papers to a new page",
    ),
    7148: E(
        L,
        "xin-huang",
        ("2025.emnlp-main.679", "2025.emnlp-main.1161", "2025.findings-acl.575"),
        ("new", "0000-0001-7327-377X"),
        (),
        "URL with a trailing '#'; list cut after three",
    ),
    7228: E(L, None, NOTHING, None, ("ambiguous_pages",), "three verified-looking pages"),
    7250: E(
        L,
        "yudong-zhang",
        NOTHING,
        ("new", "0009-0009-6049-603X"),
        ("missing_papers",),
        "prose only",
    ),
    7275: E(
        L,
        "eugene-jang/unverified",
        NOTHING,
        ("existing", "eugene-jang-2384"),
        ("missing_papers",),
        "move to the verified page; the list was cut off",
    ),
    7419: E(
        L,
        "sheng-li/unverified",
        NOTHING,
        ("existing", "sheng-li"),
        ("missing_papers",),
        "'6 papers from 2022 to 2023' but no list",
    ),
    7481: E(
        L,
        "shuai-wang/unverified",
        ("2025.acl-long.760", "2025.findings-emnlp.311"),
        ("new", "0009-0004-7323-0357"),
        (),
        "papers listed inside the Author Pages answer",
    ),
    7633: E(
        L,
        "zhen-cao/unverified",
        NOTHING,
        ("new", "0009-0001-5838-1497"),
        ("missing_papers",),
        "bare page in the field, unverified page in the title",
    ),
    7709: E(
        L,
        "qisheng-su/unverified",
        ("2025.findings-emnlp.571",),
        ("new", "0009-0005-2703-2365"),
        (),
        "one paper inside prose",
    ),
    8031: E(
        L,
        "wei-song/unverified",
        NOTHING,
        ("new", "0000-0003-2334-3623"),
        ("missing_papers",),
        "maintainer asked which papers; so do we",
    ),
    8093: E(
        L,
        "nisheeth-joshi/unverified",
        ("2025.wmt-1.105", "2024.wmt-1.72", "2021.icon-main.75"),
        ("new", "0000-0002-9256-3825"),
        (),
        "three URLs as supporting information",
    ),
    8125: E(
        L,
        None,
        ("2026.sigturk-1.1", "2025.globalnlp-1.8", "2025.globalnlp-1.6", "2024.emnlp-main.1183"),
        None,
        ("ambiguous_pages",),
        "three pages of one person; papers listed but no direction",
    ),
    8176: E(
        L,
        "jun-yan",
        (
            "2026.findings-eacl.174",
            "2025.acl-long.413",
            "2025.findings-naacl.119",
            "2025.emnlp-main.318",
            "2025.acl-long.156",
        ),
        ("new", "0009-0008-3966-1793"),
        (),
        "page held under another ORCID iD: the filer's papers go to a new page",
    ),
    8271: E(
        L,
        "tong-wu/unverified",
        ("2025.semeval-1.41",),
        ("new", "0009-0000-3849-0605"),
        (),
        "markdown links to PDFs; list cut after the first",
    ),
    8432: E(
        L,
        "donghyeon-ko/unverified",
        NOTHING,
        ("new", "0009-0005-1298-1568"),
        ("missing_papers",),
        "'verification' only",
    ),
    8456: E(
        L,
        "tianshu-yu/unverified",
        NOTHING,
        ("existing", "tianshu-yu"),
        ("missing_papers",),
        "verified + unverified page of one slug; which papers?",
    ),
    8468: E(
        L,
        "xinyi-chen/unverified",
        NOTHING,
        ("new", "0009-0001-9682-5829"),
        ("missing_papers",),
        "'Verification' only",
    ),
    8502: E(
        L,
        "jing-shi/unverified",
        NOTHING,
        ("new", "0000-0002-4509-0535"),
        ("missing_papers",),
        "no paper list",
    ),
    8520: E(
        L,
        "yutong-zhang/unverified",
        ("2025.emnlp-main.1082",),
        ("new", "0009-0002-4194-975X"),
        (),
        "'keep' list on an unverified page = the filer's papers",
    ),
    8588: E(
        L,
        "tom-s-juzek/unverified",
        NOTHING,
        ("new", "0000-0002-3204-3879"),
        ("missing_papers",),
        "links to non-Anthology papers only",
    ),
    8633: E(
        L,
        "lei-yang/unverified",
        NOTHING,
        ("new", "0009-0001-8559-8667"),
        ("missing_papers",),
        "maintainer asked which papers",
    ),
    8677: E(
        L,
        "lucia-c-passaro/unverified",
        NOTHING,
        ("existing", "lucia-passaro"),
        ("missing_papers",),
        "'not all my papers' is no request for all papers",
    ),
    8711: E("unknown", None, NOTHING, None, ("unknown_form",), "no body at all"),
    8887: E(
        L,
        "jie-wu/unverified",
        NOTHING,
        ("existing", "jie-wu-0938"),
        ("needs_data",),
        "'into my main official author page'; a title with '(EMNLP 2023)'",
    ),
    9004: E(
        L,
        "tong-wu",
        NOTHING,
        ("new", "0009-0000-3849-0605"),
        ("missing_papers",),
        "verified page, wants an ORCID iD added: which papers?",
    ),
    9052: E(
        L,
        "yifei-shen/unverified",
        ("2026.eacl-long.64", "2026.acl-long.1073", "2025.acl-long.420"),
        ("new", "0009-0002-0245-6602"),
        (),
        "keep list on an unverified page; remove list cut off",
    ),
    9068: E(
        L,
        "lisa-beinborn/unverified",
        NOTHING,
        ("new", "0000-0001-8654-2190"),
        ("missing_papers",),
        "'my name is unique' is not a list",
    ),
    9069: E(
        L,
        "xuanyu-zhang",
        NOTHING,
        ("new", "0009-0006-2026-649X"),
        ("keep_list",),
        "papers that should *remain* on a verified page: which ones leave?",
    ),
    9102: E(L, None, NOTHING, None, ("several_sources",), "two unverified pages to combine"),
    9174: E(
        L,
        "yuxuan-liu/unverified",
        NOTHING,
        ("existing", "yuxuan-liu-6416"),
        ("missing_papers",),
        "merge pages, no list",
    ),
    9249: E(L, None, NOTHING, None, ("unsupported",), "diacritic in the display name"),
    9256: E(
        L,
        "jin-zhao/unverified",
        NOTHING,
        ("existing", "jin-zhao-6603"),
        ("missing_papers",),
        "merge an unverified page: which papers?",
    ),
    9266: E(
        L,
        "jinpeng-wang/unverified",
        NOTHING,
        ("existing", "jinpeng-wang-4897"),
        ("missing_papers",),
        "page URLs only",
    ),
    9282: E(
        L,
        "yi-huang/unverified",
        NOTHING,
        ("existing", "yi-huang-2998"),
        ("missing_papers",),
        "'should be merged.' only",
    ),
    9288: E(
        L,
        "nan-li/unverified",
        ("2023.ccl-1.48",),
        ("existing", "nan-li-4788"),
        (),
        "numbered pages with '--' notes; paper list cut after one",
    ),
    9498: E(
        L,
        "mohsen-dorodchi/unverified",
        NOTHING,
        ("new", "0000-0001-7522-1068"),
        ("missing_papers",),
        "'verification' only",
    ),
    9502: E(
        L,
        None,
        ("2024.semeval-1.184",),
        ("existing", "jin-liu-4161"),
        ("missing_page",),
        "the named page is the destination; the unverified page is not linked",
    ),
    9507: E(
        L,
        "jiajun-shen/unverified",
        ("2025.findings-acl.919", "2025.acl-demo.47"),
        ("new", "0009-0006-6701-3473"),
        (),
        "paper URLs in the Author Pages field; page from the title",
    ),
    9518: E(
        L,
        "elisavet-palogiannidi/unverified",
        NOTHING,
        ("new", "0000-0003-0987-4049"),
        ("missing_papers",),
        "'Please remove unverified'",
    ),
    9556: E(L, None, NOTHING, None, ("several_sources",), "two unverified pages to combine"),
    9894: E(
        L,
        "claire-grover/unverified",
        NOTHING,
        ("new", "0000-0001-7019-1250"),
        ("missing_papers",),
        "external bibliography link only",
    ),
    9907: E(
        L,
        "song-wang/unverified",
        NOTHING,
        ("existing", "song-wang-602x"),
        ("missing_papers",),
        "Google Scholar only; lowercase x in the page id",
    ),
    9932: E(
        L,
        "yue-chen/unverified",
        ("2023.findings-emnlp.225",),
        ("new", "0009-0006-3973-1224"),
        (),
        "one paper URL",
    ),
    9980: E(
        L,
        "yash-kumar/unverified",
        NOTHING,
        ("new", "0009-0008-5674-3096"),
        ("missing_papers",),
        "checkbox text repeated as information",
    ),
}


def _issue_files() -> list[Path]:
    return sorted(ISSUES.glob("[0-9]*.md"), key=lambda p: int(p.stem))


def _target_tuple(target: dict | None) -> tuple[str, ...] | None:
    if target is None:
        return None
    if target["kind"] == "existing":
        return ("existing", target["id"])
    if target["kind"] == "new":
        return ("new", target["orcid"])
    return ("unverified",)


def _parse(number: int, lookup: FakeLookup | None = None):
    issue = read_issue_text((ISSUES / f"{number}.md").read_text(encoding="utf-8"))
    return parse_issue(issue.title, issue.body, lookup)


def test_every_issue_has_an_expectation() -> None:
    numbers = {int(p.stem) for p in _issue_files()}
    assert numbers == set(EXPECTED)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_real_issue(number: int) -> None:
    expected = EXPECTED[number]
    result = _parse(number)
    seen = result.understood
    assert result.form == expected.form
    assert seen.get("source") == expected.source
    assert tuple(seen.get("papers", ())) == expected.papers
    assert _target_tuple(seen.get("target")) == expected.target
    assert sorted(result.codes()) == sorted(expected.codes), [p.message for p in result.problems]
    if expected.codes:
        assert result.request is None
    else:
        assert result.request is not None
        assert result.request.source == expected.source
        assert result.request.papers == expected.papers


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_problems_speak_to_the_person(number: int) -> None:
    fields = known_fields()
    for problem in _parse(number).problems:
        assert problem.field in fields
        assert len(problem.message) > 20 and problem.message[0].isupper()
        assert problem.message.rstrip().endswith((".", ")")), problem.message


def test_summary_counts() -> None:
    """How the 76 issues split: complete requests, and questions back."""
    complete = [n for n, e in EXPECTED.items() if not e.codes]
    asks_for_papers = [n for n, e in EXPECTED.items() if "missing_papers" in e.codes]
    assert len(EXPECTED) == 76
    assert len(complete) == 18
    assert len(asks_for_papers) == 29


# --------------------------------------------------------------------------- #
# With the data
# --------------------------------------------------------------------------- #


def test_titles_resolved_with_the_data() -> None:
    lookup = FakeLookup(
        titles={
            "2023.emnlp-main.1": "Instructed Language Models with Retrievers Are Powerful "
            "Entity Linkers",
            "2023.emnlp-main.2": "Some Other Paper on Linking",
        },
        pages={"jie-wu/unverified": ["2023.emnlp-main.1", "2023.emnlp-main.2"]},
        orcids={"jie-wu-0938": "0000-0001-7485-0938"},
    )
    result = _parse(8887, lookup)
    assert result.problems == []
    assert result.request.to_json() == {
        "source": "jie-wu/unverified",
        "papers": ["2023.emnlp-main.1"],
        "target": {"kind": "existing", "id": "jie-wu-0938"},
    }


def test_all_papers_of_a_merged_page_with_the_data() -> None:
    lookup = FakeLookup(
        titles={"2023.a-1.1": "A", "2024.b-1.2": "B", "2024.c-1.3": "C"},
        pages={"deuk-sin-kwon": ["2023.a-1.1", "2024.b-1.2"], "deuksin-kwon": ["2024.c-1.3"]},
        orcids={"deuk-sin-kwon": None, "deuksin-kwon": None},
    )
    result = _parse(4828, lookup)
    assert result.request is not None, result.problems
    assert result.request.papers == ("2023.a-1.1", "2024.b-1.2")
    assert result.request.target == Target(kind="existing", id="deuksin-kwon")


def test_source_found_from_the_paper_with_the_data() -> None:
    lookup = FakeLookup(
        titles={"2024.semeval-1.184": "FZI-WIM at SemEval-2024 Task 2"},
        pages={"jin-liu/unverified": ["2024.semeval-1.184", "2022.x-1.1"]},
        orcids={"jin-liu-4161": "0000-0003-2157-4161"},
    )
    result = _parse(9502, lookup)
    assert result.request is not None, result.problems
    assert result.request.source == "jin-liu/unverified"
    assert result.request.target == Target(kind="existing", id="jin-liu-4161")


def test_orcid_already_on_the_source_page_with_the_data() -> None:
    """#7100 lists the filer's own papers on a page that already holds their ORCID iD."""
    papers = EXPECTED[7100].papers
    lookup = FakeLookup(
        titles={p: p for p in (*papers, "2020.other-1.1")},
        pages={"sheng-li": [*papers, "2020.other-1.1"]},
        orcids={"sheng-li": "0000-0001-7636-3797"},
    )
    result = _parse(7100, lookup)
    assert result.codes() == ["same_page"]
    assert "not yours" in result.problems[0].message


def test_old_page_url_that_is_unverified_now_with_the_data() -> None:
    lookup = FakeLookup(
        titles={"2024.emnlp-main.736": "Language Concept Erasure"},
        pages={"zhiqi-huang/unverified": ["2024.emnlp-main.736"]},
    )
    result = _parse(4438, lookup)
    assert result.understood["source"] == "zhiqi-huang/unverified"
    assert result.codes() == ["missing_target"]


def test_move_to_verified_page_checked_with_the_data() -> None:
    lookup = FakeLookup(
        titles={"2023.ccl-1.48": "T", "2021.y-1.2": "U"},
        pages={"nan-li/unverified": ["2023.ccl-1.48", "2021.y-1.2"]},
        orcids={"nan-li-4788": "0009-0001-5559-4788"},
    )
    result = _parse(9288, lookup)
    assert result.request is not None
    assert result.request.target == Target(kind="existing", id="nan-li-4788")


def test_orcid_of_another_page_is_a_conflict_with_the_data() -> None:
    lookup = FakeLookup(
        titles={"2023.ccl-1.48": "T"},
        pages={"nan-li/unverified": ["2023.ccl-1.48"]},
        orcids={"nan-li-4788": None, "nan-li-other": "0009-0001-5559-4788"},
    )
    assert _parse(9288, lookup).codes() == ["conflicting_orcid"]
