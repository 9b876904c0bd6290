"""The name index: incremental refresh by content, and resolution equal to the library's."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

from bot.anthology.index import NameIndex
from bot.engine.dataset import AnthologyData
from bot.engine.planner import World
from tests.library_oracle import library_resolution


def table_dump(db_path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(db_path)
    out = {
        t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in ("items", "slots")
    }
    db.close()
    return out


def test_refresh_rereads_only_changed_files(sample_data_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite"
    index = NameIndex(sample_data_dir, db)
    first = index.refresh()
    assert first.reread == first.checked == len(list((sample_data_dir / "xml").glob("*.xml")))
    assert index.refresh().reread == 0
    # Same content, new modification time: hashed, not re-read.
    w11 = sample_data_dir / "xml" / "W11.xml"
    os.utime(w11, ns=(1, 1))
    stats = index.refresh()
    assert (stats.hashed, stats.reread) == (1, 0)
    # Changed content: re-read; the result equals a build from nothing.
    text = w11.read_text(encoding="utf-8").replace(
        "<first>Shay</first><last>Cohen</last>", "<first>Shay</first><last>Kohen</last>", 1
    )
    w11.write_text(text, encoding="utf-8")
    (sample_data_dir / "xml" / "2013.bitext.xml").unlink()
    stats = index.refresh()
    assert (stats.reread, stats.removed) == (1, 1)
    index.close()
    fresh = tmp_path / "fresh.sqlite"
    NameIndex(sample_data_dir, fresh).refresh()
    assert table_dump(db) == table_dump(fresh)
    assert NameIndex(sample_data_dir, db).unassigned_slots_by_slug(["shay-kohen"])


def test_lookups_on_the_sample(sample_data_dir: Path, tmp_path: Path) -> None:
    data = AnthologyData(sample_data_dir, tmp_path / "index.sqlite")
    assert data.paper_by_bibkey("hui-etal-2025-hft") == "2025.acl-long.5"
    assert data.paper_title("W11-01").startswith("Proceedings of the Ninth")
    exact = data.find_title("hft: half fine-tuning for LARGE language models")
    assert [m.paper_id for m in exact] == ["2025.acl-long.5"]
    among = data.page_papers("tingfeng-hui/unverified")
    assert sorted(among) == ["2023.findings-emnlp.3", "2025.acl-long.12", "2025.acl-long.5"]
    near = data.find_title("Upcycling instruction tuning from dense to MoE", among=among)
    assert near and near[0].paper_id == "2025.acl-long.12" and near[0].score < 1
    assert data.page_papers("nobody-at-all/unverified") is None
    assert data.page_papers("no-such-person") is None


def test_every_slot_resolves_as_in_the_library(
    oracle,
    full_data_seeded_dir: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    data = AnthologyData(full_data_seeded_dir, tmp_path / "index.sqlite")
    world = World(data.people, data.index.verified_holders)
    expected = library_resolution(oracle)
    rows = data.index.db.execute(
        "SELECT item_id, role, position, first, last, person_id FROM slots"
    )
    from bot.anthology.names import Name

    ours = {
        (item, role, pos): world.page_of(Name(first, last), pid)
        for item, role, pos, first, last, pid in rows
    }
    assert len(ours) == len(expected)
    wrong = [k for k in expected if ours.get(k) != expected[k]]
    assert wrong == []


def test_page_listings_equal_the_library(
    oracle,
    full_data_seeded_dir: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    data = AnthologyData(full_data_seeded_dir, tmp_path / "index.sqlite")
    persons = sorted(oracle.people.keys())
    for pid in random.Random(7).sample(persons, 400) + ["tingfeng-hui/unverified"]:
        person = oracle.people[pid]
        items = set()
        for item in person.item_ids:
            obj = oracle.get(item)
            # Front matter is the volume's editors' item: our pages list the volume.
            if item[-1] == "0" or item[-1] is None:
                obj = oracle.get(item[:2] + (None,))
            items.add(obj.full_id)
        assert set(data.page_papers(pid) or []) == items, pid
