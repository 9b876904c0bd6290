"""Every real author-page issue in ../shared/real-issues/, read as a maintainer would.

The issues are read at test time (never copied into the repository). For each
one the table says what the text allows, without the Anthology data:

* the form it was filed with,
* the page the papers are on now (``source``),
* the papers to move (an empty tuple when no list could be read),
* the target: ("existing", id), ("new", orcid), ("unverified",) or None,
* the problem codes: what the bot has to ask back (empty when the request is complete),
* for the other kinds of request: more source pages, "all papers" of them (and
  exceptions), person edits (ORCID iD, institution, canonical name) and verified
  persons merged into the target, as a maintainer would carry it out.

Many stored excerpts are cut after about 1,500 characters; the expectations are for
the text as stored (a list cut short is read as far as it goes). A second group of
tests runs some issues against a small fake of the data, where titles, "all papers"
and ORCID iDs already registered can be resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.anthology.names import Name
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
    sources: tuple[str, ...] = ()
    all_papers: bool = False
    except_papers: tuple[str, ...] = ()
    edits: dict[str, Any] = field(default_factory=dict)
    merge: tuple[str, ...] = ()


L = "legacy"
NOTHING: tuple[str, ...] = ()

EXPECTED: dict[int, E] = {
    4428: E(
        L,
        None,
        NOTHING,
        ("existing", "zeerak-talat"),
        (),
        "name change across two pages: the page of the new name stays, the other is merged in",
        edits={"canonical_name": {"first": "Zeerak", "last": "Talat"}},
        merge=("zeerak-waseem",),
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
        ("existing", "hakaze-cho"),
        (),
        "two transliterations, 'a page named with Hakaze Cho': that page stays",
        edits={"canonical_name": {"first": "Hakaze", "last": "Cho"}},
        merge=("yufeng-zhao",),
    ),
    4453: E(
        L,
        None,
        NOTHING,
        ("existing", "yassine-el-kheir"),
        (),
        "merge 'into ... yassine-el-kheir': the other page is merged into it",
        merge=("yassine-kheir",),
    ),
    4484: E(
        L,
        "jacob-hoover",
        NOTHING,
        None,
        ("ambiguous_merge",),
        "two verified-looking pages and a new legal name that is neither: which page stays?",
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
        ("existing", "myung-jiyoon"),
        (),
        "name order 'Myung Jiyoon -> Jiyoon Myung': the canonical name (checked: printed?)",
        edits={"canonical_name": {"first": "Jiyoon", "last": "Myung"}},
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
        ("existing", "kasu-sai-kartheek-reddy"),
        (),
        "two name orders; the preferred name picks the page that stays; the ORCID iD is added",
        edits={
            "orcid": "0009-0007-6679-3313",
            "canonical_name": {"first": "Kasu Sai Kartheek", "last": "Reddy"},
        },
        merge=("sai-kartheek-reddy-kasu",),
    ),
    4698: E(
        L,
        None,
        NOTHING,
        None,
        ("fix_data",),
        "the PDFs show another name than the website: the papers' 'Fix data' button",
    ),
    4715: E(
        L,
        "xiaolong-wang",
        NOTHING,
        None,
        ("missing_papers", "missing_target"),
        "a rule by year instead of a list",
    ),
    4828: E(
        L,
        None,
        NOTHING,
        ("existing", "deuksin-kwon"),
        (),
        "merge 'into the one (...deuksin-kwon/.)': deuk-sin-kwon is merged into it",
        merge=("deuk-sin-kwon",),
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
        None,
        NOTHING,
        ("existing", "mayank-nagda"),
        (),
        "merge into mayank-nagda: the other page is merged into it",
        merge=("mayank-kumar-nagda",),
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
    5231: E(
        L,
        None,
        NOTHING,
        ("existing", "inaki-lacunza-castilla"),
        (),
        "'the name should just be Iñaki Lacunza': canonical name of the page",
        edits={"canonical_name": {"first": "Iñaki", "last": "Lacunza"}},
    ),
    5254: E(
        L,
        None,
        NOTHING,
        ("existing", "sophie-hao"),
        (),
        "name change, 'merge my two author pages under the name Sophie Hao'",
        edits={"canonical_name": {"first": "Sophie", "last": "Hao"}},
        merge=("yiding-hao",),
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
        None,
        NOTHING,
        ("existing", "lisa-yankovskaya"),
        (),
        "'map articles from X to Y': X merged into Y; a first name alone is no canonical name",
        merge=("elizaveta-yankovskaya",),
    ),
    5418: E(
        L,
        None,
        NOTHING,
        ("existing", "giorgos-finaldrianos"),
        (),
        "'Merge profiles to:' names the destination; preferred name and ORCID iD go with it",
        edits={
            "orcid": "0000-0002-7015-7746",
            "degree": "National Technical University of Athens",
            "canonical_name": {"first": "George", "last": "Filandrianos"},
        },
        merge=("george-filandrianos",),
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
        None,
        ("invalid_institution",),
        "three institutions on three lines: which one is the degree's?",
    ),
    7228: E(
        L,
        None,
        NOTHING,
        ("existing", "lukas-galke-poech"),
        (),
        "three pages; the preferred name picks the page that stays, the others are merged in",
        edits={
            "orcid": "0000-0001-6124-1092",
            "degree": "Kiel University",
            "canonical_name": {"first": "Lukas Galke", "last": "Poech"},
        },
        merge=("lukas-galke", "lukas-paul-achatius-galke"),
    ),
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
        None,
        ("missing_papers",),
        "'the 5 papers ... listed below', list cut off: which are yours? (with the data, 5 = all)",
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
        (),
        "'Verification', nothing listed: the whole page to a new verified person",
        all_papers=True,
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
        NOTHING,
        ("existing", "raphael-schmitt"),
        (),
        "three pages, name change: 'Preferred author name' picks the page that stays",
        edits={
            "orcid": "0000-0003-2067-5569",
            "degree": "TUM",
            "canonical_name": {"first": "Raphael", "last": "Schmitt"},
        },
        merge=("raphael-scheible", "raphael-scheible-schmitt"),
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
        (),
        "'verification' only: the whole page to a new verified person",
        all_papers=True,
    ),
    8456: E(
        L,
        "tianshu-yu/unverified",
        NOTHING,
        ("existing", "tianshu-yu"),
        (),
        "verified + unverified page of one slug: all papers join it; ORCID iD added",
        all_papers=True,
        edits={
            "orcid": "0009-0001-9613-5123",
            "degree": "Shenzhen Institute of Advanced Technology, Chinese Academic of Sciences",
        },
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
        (),
        "verification, the full legal name canonical (the planner checks it is printed)",
        all_papers=True,
        edits={"canonical_name": {"first": "Thomas Stephan", "last": "Juzek"}},
    ),
    8633: E(
        L,
        "lei-yang/unverified",
        NOTHING,
        ("new", "0009-0001-8559-8667"),
        (),
        "verification only: the whole page (with the data, a page mixing people is a question)",
        all_papers=True,
        edits={"canonical_name": {"first": "Lei", "last": "Yang"}},
    ),
    8677: E(
        L,
        "lucia-c-passaro/unverified",
        NOTHING,
        None,
        ("missing_papers",),
        "'not all my papers': which ones?",
    ),
    8711: E(
        "unknown",
        None,
        NOTHING,
        None,
        ("unknown_form",),
        "no body at all",
    ),
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
        None,
        NOTHING,
        ("existing", "tong-wu"),
        (),
        "verified page, 'add my ORCID iD', its papers are mine: ORCID iD and institution added",
        edits={"orcid": "0009-0000-3849-0605", "degree": "Newcastle University"},
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
        (),
        "'Verification' only; the title names the unverified page: the whole page",
        all_papers=True,
    ),
    9069: E(
        L,
        "xuanyu-zhang",
        NOTHING,
        ("new", "0009-0006-2026-649X"),
        ("keep_list",),
        "papers that should *remain* on a verified page: which ones leave?",
    ),
    9102: E(
        L,
        "manuel-mager/unverified",
        NOTHING,
        ("new", "0009-0006-3799-6915"),
        (),
        "two unverified pages + ORCID iD: one new person, the preferred name canonical",
        sources=("manuel-mager/unverified", "jesus-manuel-mager-hois/unverified"),
        all_papers=True,
        edits={"canonical_name": {"first": "Manuel", "last": "Mager"}},
    ),
    9174: E(
        L,
        "yuxuan-liu/unverified",
        NOTHING,
        ("existing", "yuxuan-liu-6416"),
        (),
        "merge an unverified page into the verified one: all its papers",
        all_papers=True,
    ),
    9249: E(
        L,
        None,
        NOTHING,
        ("existing", "emanuela-boros"),
        (),
        "name change to 'Emanuela Boros' on the verified page: canonical name",
        edits={"canonical_name": {"first": "Emanuela", "last": "Boros"}},
    ),
    9256: E(
        L,
        "jin-zhao/unverified",
        NOTHING,
        ("existing", "jin-zhao-6603"),
        (),
        "merge an unverified page into the verified one: all its papers",
        all_papers=True,
        edits={"canonical_name": {"first": "Jin", "last": "Zhao"}},
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
        (),
        "'should be merged.': all papers of the unverified page",
        all_papers=True,
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
        (),
        "'verification' only: the whole page, the preferred name canonical",
        all_papers=True,
        edits={"canonical_name": {"first": "Mohsen", "last": "Dorodchi"}},
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
        (),
        "'Please remove unverified': verification of the whole page",
        all_papers=True,
        edits={"canonical_name": {"first": "Elisavet", "last": "Palogiannidi"}},
    ),
    9556: E(
        L,
        "estrid-he/unverified",
        NOTHING,
        ("new", "0000-0002-8994-9532"),
        (),
        "two unverified pages, 'All papers belong to the same person': one new person",
        sources=("estrid-he/unverified", "jiayuan-he/unverified"),
        all_papers=True,
        edits={"canonical_name": {"first": "Estrid (Jiayuan)", "last": "He"}},
    ),
    9894: E(
        L,
        "claire-grover/unverified",
        NOTHING,
        ("new", "0000-0001-7019-1250"),
        (),
        "external bibliography link only: verification of the whole page",
        all_papers=True,
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
    assert tuple(seen.get("sources", ())) == expected.sources
    assert seen.get("all_papers", False) == expected.all_papers
    assert tuple(seen.get("except", ())) == expected.except_papers
    assert seen.get("edits", {}) == expected.edits
    assert tuple(seen.get("merge", ())) == expected.merge
    if expected.codes:
        assert result.request is None
    else:
        request = result.request
        assert request is not None
        assert request.source == (expected.source or "")
        assert request.papers == expected.papers
        assert request.all_papers == expected.all_papers
        assert request.merge == expected.merge
        assert request.edits.to_json() == expected.edits
        if expected.sources:
            assert request.sources == expected.sources


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_problems_speak_to_the_person(number: int) -> None:
    fields = known_fields()
    for problem in _parse(number).problems:
        assert problem.field in fields
        assert len(problem.message) > 20 and problem.message[0].isupper()
        assert problem.message.rstrip().endswith((".", ")")), problem.message


def test_summary_counts() -> None:
    """How the 76 issues split: complete requests of each kind, and questions back."""
    complete = [n for n, e in EXPECTED.items() if not e.codes]
    asks_for_papers = [n for n, e in EXPECTED.items() if "missing_papers" in e.codes]
    whole_page = [n for n in complete if EXPECTED[n].all_papers and not EXPECTED[n].merge]
    merges = [n for n in complete if EXPECTED[n].merge or len(EXPECTED[n].sources) > 1]
    edits_only = [n for n in complete if not EXPECTED[n].source and not EXPECTED[n].merge]
    assert len(EXPECTED) == 76
    assert (len(complete), len(asks_for_papers)) == (46, 15)
    assert (len(whole_page), len(merges), len(edits_only)) == (14, 13, 4)


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


def test_merge_of_two_verified_pages_with_the_data() -> None:
    """#4828 "into the one (...deuksin-kwon/.)": both pages are verified persons."""
    lookup = FakeLookup(
        titles={"2023.a-1.1": "A", "2024.b-1.2": "B", "2024.c-1.3": "C"},
        pages={"deuk-sin-kwon": ["2023.a-1.1", "2024.b-1.2"], "deuksin-kwon": ["2024.c-1.3"]},
        orcids={"deuk-sin-kwon": None, "deuksin-kwon": None},
    )
    result = _parse(4828, lookup)
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="deuksin-kwon")
    assert result.request.merge == ("deuk-sin-kwon",)
    assert result.request.sources == ()


def test_all_papers_of_a_merged_unverified_page_with_the_data() -> None:
    """#4828 again, where the old /people/d/deuk-sin-kwon/ URL is an unverified page now."""
    lookup = FakeLookup(
        titles={"2023.a-1.1": "A", "2024.b-1.2": "B", "2024.c-1.3": "C"},
        pages={"deuk-sin-kwon/unverified": ["2023.a-1.1", "2024.b-1.2"]},
        orcids={"deuksin-kwon": None},
    )
    result = _parse(4828, lookup)
    assert result.request is not None, result.problems
    assert result.request.to_json() == {
        "sources": ["deuk-sin-kwon/unverified"],
        "papers": "all",
        "target": {"kind": "existing", "id": "deuksin-kwon"},
    }


def test_verification_whose_orcid_has_a_page_of_the_same_name_with_the_data() -> None:
    """#8432: the ORCID iD is on donghyeon-ko already: the page's papers go there."""
    lookup = FakeLookup(
        titles={"2025.x-1.1": "X"},
        pages={"donghyeon-ko/unverified": ["2025.x-1.1"]},
        orcids={"donghyeon-ko": "0009-0005-1298-1568"},
    )
    result = _parse(8432, lookup)
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="donghyeon-ko")
    assert result.request.all_papers
    assert any("already has the verified page" in n for n in result.understood["resolved"])


def test_verification_whose_orcid_is_someone_elses_with_the_data() -> None:
    """#8432 where the ORCID iD is another person's: say whose, and ask."""
    lookup = FakeLookup(
        pages={"donghyeon-ko/unverified": ["2025.x-1.1"]},
        orcids={"mary-smith": "0009-0005-1298-1568"},
    )
    result = _parse(8432, lookup)
    assert result.codes() == ["conflicting_orcid"]
    assert "https://aclanthology.org/people/mary-smith/" in result.problems[0].message


@pytest.mark.parametrize(("on_page", "complete"), [(5, True), (4, False)])
def test_stated_number_of_papers_with_the_data(on_page: int, complete: bool) -> None:
    """#7275 "the 5 papers in the unverified page": all of them, if the page has 5."""
    papers = [f"2024.x-1.{i}" for i in range(1, on_page + 1)]
    lookup = FakeLookup(
        titles={p: p for p in papers},
        pages={"eugene-jang/unverified": papers},
        orcids={"eugene-jang-2384": "0009-0006-1744-2384"},
    )
    result = _parse(7275, lookup)
    assert (result.request is not None) == complete, result.problems
    if complete:
        assert result.request.all_papers
        assert result.request.target == Target(kind="existing", id="eugene-jang-2384")
    else:
        assert result.codes() == ["missing_papers"]
        assert "You mentioned 5 papers" in result.problems[0].message


def test_orcid_already_on_the_verified_page_with_the_data() -> None:
    """#9004 asks to add an ORCID iD that the page holds already: nothing to do, say so."""
    lookup = FakeLookup(
        pages={"tong-wu": ["2025.x-1.1"]}, orcids={"tong-wu": "0009-0000-3849-0605"}
    )
    result = _parse(9004, lookup)
    assert result.codes() == ["same_page"]
    assert "already has the ORCID iD" in result.problems[0].message


def test_orcid_holder_is_the_page_that_stays_with_the_data() -> None:
    """#8125: the ORCID iD is raphael-scheible's, so that entry stays; the preferred
    name is its canonical name, the other pages are merged in."""
    lookup = FakeLookup(
        pages={"raphael-scheible": [], "raphael-schmitt": [], "raphael-scheible-schmitt": []},
        orcids={
            "raphael-scheible": "0000-0003-2067-5569",
            "raphael-schmitt": None,
            "raphael-scheible-schmitt": None,
        },
    )
    result = _parse(8125, lookup)
    assert result.request is not None, result.problems
    assert result.request.target == Target(kind="existing", id="raphael-scheible")
    assert result.request.merge == ("raphael-schmitt", "raphael-scheible-schmitt")
    assert result.request.edits.canonical_name == Name("Raphael", "Schmitt")
    assert result.request.edits.orcid is None


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
