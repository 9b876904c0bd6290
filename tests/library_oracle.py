"""The acl-anthology library as an oracle: loading, resolving, and making our changes.

Used by the oracle tests and by ``bench/engine.py`` (which runs the library path
in a separate process, handing it a plan as JSON).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any


def load_library(data_dir: Path) -> Any:
    """An ``Anthology`` over ``data_dir`` with its person index built (raises on bad data)."""
    from acl_anthology import Anthology

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        anthology = Anthology(datadir=data_dir)
        anthology.people.load()
    return anthology


def library_resolution(anthology: Any) -> dict[tuple[str, str, int], str]:
    """(item id, role, position) -> person id, for every author and editor slot."""
    people = anthology.people
    out: dict[tuple[str, str, int], str] = {}
    for collection in anthology.collections.values():
        for volume in collection.volumes():
            for i, ns in enumerate(volume.editors):
                out[(volume.full_id, "editor", i)] = people.get_by_namespec(ns).id
            for paper in volume.papers():
                if paper.is_frontmatter:
                    continue
                for i, ns in enumerate(paper.authors):
                    out[(paper.full_id, "author", i)] = people.get_by_namespec(ns).id
                for i, ns in enumerate(paper._editors):
                    out[(paper.full_id, "editor", i)] = people.get_by_namespec(ns).id
    return out


def apply_plan_with_library(anthology: Any, plan: dict[str, Any]) -> None:
    """Make the changes of a plan (its JSON form) through the library's own API."""
    from acl_anthology.people import Name

    def name(data: dict[str, str]) -> Name:
        return Name(data.get("first") or None, data["last"])

    for change in plan["people_changes"]:
        if change["kind"] == "new_person":
            anthology.people.create(
                id=change["person_id"],
                names=[name(n) for n in change["names"]],
                orcid=change["orcid"],
                degree=change["degree"],
                disable_name_matching=change["disable_name_matching"],
            )
        elif change["kind"] == "add_name":
            anthology.people[change["person_id"]].add_name(name(change["name"]))
        else:
            anthology.people[change["person_id"]].disable_name_matching = True
    for change in plan["moves"] + plan["pins"]:
        item = anthology.get(change["paper"])
        if change["role"] == "author":
            specs = item.authors
        else:
            specs = item.editors if item.full_id_tuple[-1] is None else item._editors
        specs[change["position"] - 1].id = change["new_id"]
