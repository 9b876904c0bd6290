"""The acl-anthology library as an oracle: loading, resolving, and making our changes.

Used by the oracle tests and by ``bench/engine.py`` (which runs the library path
in a separate process, handing it a plan as JSON).
"""

from __future__ import annotations

import re
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
    """Make the changes of a plan (its JSON form) through the library's own API.

    A merged person goes through ``Person.merge_into`` (the library's merge: it
    re-points every item of the person and removes the entry); an edited entry is
    set field by field, the canonical name through ``canonical_name``.
    """
    from acl_anthology.people import Name

    def name(data: dict[str, str]) -> Name:
        return Name(data.get("first") or None, data["last"])

    people = anthology.people
    for change in plan["people_changes"]:
        if change["kind"] == "remove_person":
            people[change["person_id"]].merge_into(people[change["into"]])
    for change in plan["people_changes"]:
        kind = change["kind"]
        if kind == "new_person":
            # create() de-duplicates names through a set (an arbitrary order): give it the
            # canonical name and add the others in order.
            names = [name(n) for n in change["names"]]
            created = people.create(
                id=change["person_id"],
                names=names[:1],
                orcid=change["orcid"],
                degree=change["degree"],
                disable_name_matching=change["disable_name_matching"],
            )
            for other in names[1:]:
                created.add_name(other)
        elif kind == "update_person":
            person = people[change["person_id"]]
            entry = change["entry"]
            wanted = [name(n) for n in entry["names"]]
            for extra in wanted:
                if not person.has_name(extra):
                    person.add_name(extra)
            person.canonical_name = wanted[0]
            person.orcid = entry.get("orcid")
            person.degree = entry.get("degree")
            person.comment = entry.get("comment")
            person.similar_ids = list(entry.get("similar", []))
            person.disable_name_matching = entry.get("disable_name_matching", False)
        elif kind == "add_name":
            people[change["person_id"]].add_name(name(change["name"]))
        elif kind == "disable_name_matching":
            people[change["person_id"]].disable_name_matching = True
    for change in plan["moves"] + plan["pins"]:
        item = anthology.get(change["paper"])
        if change["role"] == "author":
            specs = item.authors
        else:
            specs = item.editors if item.full_id_tuple[-1] is None else item._editors
        specs[change["position"] - 1].id = change["new_id"]


_EMPTY_ELEMENT = re.compile(rb"<([A-Za-z_][-\w.]*)((?:\s[^<>]*?)?)></\1>")


def library_normal_form(data: bytes) -> bytes:
    """XML as the library's ``save`` writes every line: ``<x a="1"></x>`` as ``<x a="1"/>``.

    The library re-normalises such historic lines when it saves a file, whether or
    not it changed them; the bot leaves untouched lines as they are. Comparing both
    in this form checks every line the bot did change.
    """
    return _EMPTY_ELEMENT.sub(rb"<\1\2/>", data)
