"""Cut the bundled sample data repository (``sample/data/``) from the shared dataset.

Usage::

    python scripts/make_sample.py [SOURCE] [--out sample/data]

SOURCE is the shared tarball (``anthology-data.tar.xz``) or an unpacked ``data/``
directory; it defaults to ``<repo root>/../shared/anthology-data/anthology-data.tar.xz``
(or ``$ANTHOLOGY_SHARED_DIR/anthology-data/...``).

The sample keeps the whole collection files listed in ``COLLECTIONS`` minus every
``<abstract>`` element, adds the seed's case (``tests/seed_case.py``: Tingfeng Hui's
three papers in synthesized ``2025.acl`` and ``2023.findings`` collections), and
writes a people.json holding only the persons the kept slots can reach: every id
used explicitly, every person with a name whose slug equals the slug of an author
or editor slot (so name matching sees exactly the candidates it sees in the full
data), and the persons named in their ``similar`` lists. Author resolution of every
slot in the sample therefore equals its resolution in the full dataset.

The output is deterministic (same input, same bytes) and verified before it
replaces ``--out``: the acl-anthology library loads it, builds the person index,
saves every collection and people.json back byte for byte, and puts exactly the
three seed papers on ``tingfeng-hui/unverified``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tarfile
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.seed_case import SEED_PAGE, SEED_PAPERS, add_seed_case  # noqa: E402

# The kept collections, each for the author-page cases it brings (person ids are
# those of the full data; the sample resolves every slot the same way).
COLLECTIONS: tuple[str, ...] = (
    # Old style, 1+3 digit ids (P18-1217): many name-matched verified persons used
    # under several names (shay-b-cohen, kathleen-mckeown, hinrich-schutze), and
    # slots kept off verified pages by disable_name_matching (zhiyuan-liu, bing-liu).
    "P18",
    # Old style NAACL 2019 (N19-2007); shares many unverified pages with P18/W11.
    "N19",
    # Old style workshops, 2+2 digit ids (W11-1101): 46 volumes with editors and
    # frontmatter, a paper with its own <editor> (W11-2316).
    "W11",
    # Weiran Xu (name-matched to weiran-xu), Keqing He and Guanting Dong: the seed's
    # co-authors; their unverified pages span this and the seed's 2023.findings.
    "2022.seretod",
    # Shuohuan Wang and Yu Sun (the seed's co-authors, unverified); ORCIDs.
    "2023.repl4nlp",
    # disable_name_matching: "Seunghyun Yoon" without id stays unverified while an
    # explicit id="seunghyun-yoon" sits on the "Alice Oh" slot of the same paper
    # (2024.kallm-1.1); ORCIDs on most explicit ids.
    "2024.kallm",
    # seunghyun-yoon's second collection (explicit id); ORCID-suffixed ids such as
    # marie-francine-moens-9323.
    "2024.knowledgenlp",
    # A verified editor (Hua Wu -> hua-wu) on a volume with frontmatter.
    "2021.autosimtrans",
    # Ambiguous slugs (noah-a-smith vs noah-a-smith-6380 -> noah-a-smith/unverified)
    # and jim-chang/unverified (disable_name_matching).
    "2013.bitext",
    # Names with <variant script="hani"> and ambiguous common Chinese names.
    "2022.ccl",
)

_DATA_FILES = ("xml/schema.rnc", "json/people.json", "json/venues.json", "json/sigs.json")


def default_source() -> Path:
    """The shared tarball, found next to the repository (or via ANTHOLOGY_SHARED_DIR)."""
    shared = Path(os.environ.get("ANTHOLOGY_SHARED_DIR", REPO_ROOT.parent / "shared"))
    return shared / "anthology-data" / "anthology-data.tar.xz"


def _tar_member_path(name: str) -> str:
    """A tar member name relative to the ``data/`` directory ("xml/P18.xml")."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if parts and parts[0] == "data":
        parts = parts[1:]
    return "/".join(parts)


def read_source(source: Path, wanted: Iterable[str]) -> dict[str, bytes]:
    """Read the files ``wanted`` (paths relative to ``data/``) from a tarball or directory."""
    wanted = set(wanted)
    found: dict[str, bytes] = {}
    if source.is_dir():
        for rel in wanted:
            path = source / rel
            if path.is_file():
                found[rel] = path.read_bytes()
    else:
        with tarfile.open(source, "r|*") as tar:
            for member in tar:
                rel = _tar_member_path(member.name)
                if member.isfile() and rel in wanted:
                    handle = tar.extractfile(member)
                    assert handle is not None
                    found[rel] = handle.read()
    missing = sorted(wanted - found.keys())
    if missing:
        raise FileNotFoundError(f"{source} lacks {', '.join(missing)}")
    return found


def strip_abstracts(xml: bytes) -> bytes:
    """Remove every ``<abstract>`` element together with the indentation before it.

    Everything else keeps its bytes: a collection without abstracts comes back
    unchanged (checked), so the result stays in the library's canonical format.
    """
    root = etree.fromstring(xml)
    abstracts = list(root.iter("abstract"))
    if not abstracts:
        out = etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
        if out != xml:
            raise ValueError("lxml does not reproduce this collection byte for byte")
        return out
    for element in abstracts:
        parent = element.getparent()
        assert parent is not None
        previous = element.getprevious()
        # The abstract's tail is the indentation of whatever follows it.
        if previous is not None:
            previous.tail = element.tail
        else:
            parent.text = element.tail
        parent.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _slot_slugs_and_ids(data_dir: Path) -> tuple[set[str], set[str]]:
    """Slugs of all author/editor names and all explicit person ids in ``data_dir``."""
    from acl_anthology import Anthology

    anthology = Anthology(datadir=data_dir, verbose=False)
    slugs: set[str] = set()
    ids: set[str] = set()
    for collection in anthology.collections.values():
        for volume in collection.volumes():
            items = [volume, *volume.papers()]
            for item in items:
                for namespec in item.namespecs:
                    slugs.add(namespec.name.slugify())
                    if namespec.id is not None:
                        ids.add(namespec.id)
    return slugs, ids


def _people_blocks(text: str) -> dict[str, str]:
    """Split a canonical people.json into its per-person blocks (without separators).

    Each block starts at a line ``  "<id>": {`` and runs to the matching ``  }``.
    """
    lines = text.splitlines(keepends=True)
    if lines[0] != "{\n" or lines[-1] != "}\n":
        raise ValueError("people.json is not in the canonical layout")
    blocks: dict[str, str] = {}
    current: list[str] = []
    for line in lines[1:-1]:
        current.append(line)
        if line in ("  },\n", "  }\n"):
            block = "".join(current)
            block = block.rstrip().rstrip(",")
            (pid,) = json.loads("{" + block + "}").keys()
            blocks[pid] = block
            current = []
    if current:
        raise ValueError("people.json ends inside an entry")
    return blocks


def select_people(people_json: bytes, slugs: set[str], ids: set[str]) -> bytes:
    """The people.json restricted to the persons the given slots can resolve to."""
    from acl_anthology.people import Name

    people = json.loads(people_json)
    missing = sorted(ids - people.keys())
    if missing:
        raise ValueError(f"explicit ids without a people.json entry: {missing}")
    keep = set(ids)
    for pid, entry in people.items():
        if any(Name.from_dict(name).slugify() in slugs for name in entry["names"]):
            keep.add(pid)
    todo = list(keep)
    while todo:
        for other in people[todo.pop()].get("similar", []):
            if other not in keep:
                keep.add(other)
                todo.append(other)
    blocks = _people_blocks(people_json.decode("utf-8"))
    if list(blocks) != list(people):
        raise ValueError("people.json blocks do not match its entries")
    body = ",\n".join(blocks[pid] for pid in people if pid in keep)
    return ("{\n" + body + "\n}\n").encode("utf-8")


def build_sample(source: Path, out: Path) -> None:
    """Write the sample data directory ``out`` (which must not exist yet)."""
    files = read_source(source, [f"xml/{c}.xml" for c in COLLECTIONS] + list(_DATA_FILES))
    (out / "xml").mkdir(parents=True)
    (out / "json").mkdir()
    (out / "xml" / "schema.rnc").write_bytes(files["xml/schema.rnc"])
    for collection_id in COLLECTIONS:
        rel = f"xml/{collection_id}.xml"
        (out / rel).write_bytes(strip_abstracts(files[rel]))
    add_seed_case(out)
    slugs, ids = _slot_slugs_and_ids(out)
    (out / "json" / "people.json").write_bytes(select_people(files["json/people.json"], slugs, ids))
    for rel in ("json/venues.json", "json/sigs.json"):
        (out / rel).write_bytes(files[rel])


def verify_sample(data_dir: Path) -> None:
    """Check the sample with the acl-anthology library; raise AssertionError if wrong."""
    from acl_anthology import Anthology

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        anthology = Anthology(datadir=data_dir, verbose=False)
        with tempfile.TemporaryDirectory() as tmp:
            for collection in anthology.collections.values():
                collection.load()
                original = collection.path.read_bytes()
                assert b"<abstract" not in original, f"{collection.id} has an abstract"
                saved = Path(tmp) / collection.path.name
                collection.save(saved, minimal_diff=False)
                assert saved.read_bytes() == original, f"{collection.id} is not canonical"
            anthology.people.load()
            saved = Path(tmp) / "people.json"
            anthology.people.save(saved)
            assert saved.read_bytes() == anthology.people.path.read_bytes(), (
                "people.json is not canonical"
            )
    page = anthology.people.get(SEED_PAGE)
    assert page is not None, f"{SEED_PAGE} is missing"
    papers = {anthology.get_paper(item).full_id for item in page.item_ids}
    assert papers == set(SEED_PAPERS), f"{SEED_PAGE} holds {sorted(papers)}"


def _replace_dir(new: Path, out: Path) -> None:
    """Put the finished directory ``new`` at ``out``, removing an old sample there."""
    if out.exists():
        unexpected = sorted(p.name for p in out.iterdir() if p.name not in ("xml", "json"))
        if unexpected:
            raise FileExistsError(f"{out} does not look like a sample data dir: {unexpected}")
        shutil.rmtree(out)
    os.replace(new, out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=None,
        help="anthology-data.tar.xz or an unpacked data/ directory (default: the shared tarball)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "sample" / "data", help="output data directory"
    )
    args = parser.parse_args(argv)
    source: Path = args.source or default_source()
    out: Path = args.out.resolve()
    if not source.exists():
        parser.error(f"no such source: {source}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    try:
        build = tmp / "data"
        build_sample(source, build)
        verify_sample(build)
        _replace_dir(build, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
