"""The bundled sample data repository (``sample/data``, cut by scripts/make_sample.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from acl_anthology import Anthology
from acl_anthology.people import Name
from lxml import etree

from tests.seed_case import SEED_COLLECTIONS, SEED_PAGE, SEED_PAPERS, seed_collection_bytes

SlotKey = tuple[str, str, int]


def load(data_dir: Path) -> Anthology:
    """The sample loaded with the library, every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        anthology = Anthology(datadir=data_dir, verbose=False)
        anthology.load_all()
        anthology.people.load()
    return anthology


def slot_resolutions(anthology: Anthology, collection_ids: list[str]) -> dict[SlotKey, str]:
    """Person id per author/editor slot: (item id, "author"/"editor", position) -> id."""
    resolved: dict[SlotKey, str] = {}
    people = anthology.people
    for collection_id in collection_ids:
        for volume in anthology.collections[collection_id].volumes():
            for position, namespec in enumerate(volume.editors):
                key = (volume.full_id, "editor", position)
                resolved[key] = people.get_by_namespec(namespec).id
            for paper in volume.papers():
                for role, namespecs in (("author", paper.authors), ("editor", paper._editors)):
                    for position, namespec in enumerate(namespecs):
                        key = (paper.full_id, role, position)
                        resolved[key] = people.get_by_namespec(namespec).id
    return resolved


def collection_ids(data_dir: Path) -> list[str]:
    return sorted(path.stem for path in (data_dir / "xml").glob("*.xml"))


def test_sample_loads_without_errors_or_warnings(sample_data_dir: Path) -> None:
    anthology = load(sample_data_dir)
    assert set(anthology.collections) == set(collection_ids(sample_data_dir))
    assert len(collection_ids(sample_data_dir)) >= 8
    assert set(SEED_COLLECTIONS) <= set(anthology.collections)


def test_sample_is_small(repo_root: Path) -> None:
    files = [path for path in (repo_root / "sample" / "data").rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in files) < 3_000_000


def test_sample_has_no_abstracts(sample_data_dir: Path) -> None:
    for path in (sample_data_dir / "xml").glob("*.xml"):
        assert b"<abstract" not in path.read_bytes(), path.name
        assert not list(etree.parse(path).iter("abstract")), path.name


def test_sample_files_are_canonical(sample_data_dir: Path, tmp_path: Path) -> None:
    anthology = load(sample_data_dir)
    for collection in anthology.collections.values():
        saved = tmp_path / collection.path.name
        collection.save(saved, minimal_diff=False)
        assert saved.read_bytes() == collection.path.read_bytes(), collection.id
    anthology.people.save(tmp_path / "people.json")
    assert (tmp_path / "people.json").read_bytes() == anthology.people.path.read_bytes()


def test_seed_page_holds_exactly_the_three_seed_papers(sample_data_dir: Path) -> None:
    anthology = load(sample_data_dir)
    page = anthology.people[SEED_PAGE]
    assert {anthology.get_paper(item).full_id for item in page.item_ids} == set(SEED_PAPERS)
    for paper_id, title in SEED_PAPERS.items():
        assert str(anthology.get_paper(paper_id).title) == title
    # Tingfeng Hui is not verified, under any id or name.
    people = json.loads((sample_data_dir / "json" / "people.json").read_text("utf-8"))
    slugs = {Name.from_dict(name).slugify() for entry in people.values() for name in entry["names"]}
    assert "tingfeng-hui" not in people
    assert "tingfeng-hui" not in slugs


def test_seed_files_in_sample_are_the_seed_case(sample_data_dir: Path) -> None:
    for collection_id in SEED_COLLECTIONS:
        path = sample_data_dir / "xml" / f"{collection_id}.xml"
        assert path.read_bytes() == seed_collection_bytes(collection_id)


@pytest.mark.fulldata
@pytest.mark.parametrize("source", ["full_data_tarball", "full_data_dir"])
def test_script_reproduces_the_sample(
    repo_root: Path, source: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    source_path = request.getfixturevalue(source)
    subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "make_sample.py"), str(source_path)]
        + ["--out", str(out)],
        check=True,
        capture_output=True,
    )
    sample = repo_root / "sample" / "data"
    made = sorted(path.relative_to(out) for path in out.rglob("*") if path.is_file())
    bundled = sorted(path.relative_to(sample) for path in sample.rglob("*") if path.is_file())
    assert made == bundled
    for rel in made:
        assert (out / rel).read_bytes() == (sample / rel).read_bytes(), rel


@pytest.mark.fulldata
def test_full_data_copy_holds_the_seed_case(full_data_copy: Path) -> None:
    for collection_id in SEED_COLLECTIONS:
        path = full_data_copy / "xml" / f"{collection_id}.xml"
        assert path.read_bytes() == seed_collection_bytes(collection_id)


@pytest.mark.fulldata
def test_resolution_in_sample_equals_full_data(sample_data_dir: Path, oracle: Anthology) -> None:
    ids = collection_ids(sample_data_dir)
    in_sample = slot_resolutions(load(sample_data_dir), ids)
    in_full = slot_resolutions(oracle, ids)
    assert len(in_sample) > 5000
    assert in_sample == in_full
    page = oracle.people[SEED_PAGE]
    assert {oracle.get_paper(item).full_id for item in page.item_ids} == set(SEED_PAPERS)
