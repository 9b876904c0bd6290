"""Carry a plan out on a data directory, all files or none.

Every file is first written next to its original as a temporary file; only when
all are written are they renamed into place (``os.replace`` is atomic on POSIX).
An interrupted run leaves either the old file or the new one, never half of one.
A plan made against other file contents than those on disk is refused.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from bot.anthology.people import People
from bot.anthology.xmlfile import AttributeEdit, edit_attributes
from bot.engine.planner import Plan
from bot.errors import Permanent

PEOPLE_FILE = Path("json/people.json")


class ApplyError(Permanent):
    """The plan cannot be applied; nothing was written."""


def _write_temp(target: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(name, 0o644)
    return Path(name)


def render_files(plan: Plan, data_dir: Path) -> dict[Path, bytes]:
    """The new contents of every file the plan changes, without writing anything."""
    if not plan.ok:
        raise ApplyError("the plan has problems; nothing to apply")
    edits: dict[str, list[AttributeEdit]] = defaultdict(list)
    for change in plan.slot_changes:
        if change.old_id == change.new_id:
            continue  # e.g. a name-matched slot leaving a page whose matching is disabled
        edits[change.file].append(AttributeEdit(change.ref, {"id": change.new_id}))
    out: dict[Path, bytes] = {}
    for name, file_edits in sorted(edits.items()):
        path = data_dir / "xml" / name
        data = path.read_bytes()
        expected = plan.file_hashes.get(name)
        if expected and hashlib.sha1(data).hexdigest() != expected:
            raise ApplyError(f"xml/{name} changed since the plan was made; plan again")
        out[path] = edit_attributes(data, file_edits)
    if plan.people_changes:
        people_path = data_dir / PEOPLE_FILE
        people = People.load(people_path, lazy=True)
        # Removals first: a survivor takes over the ORCID of the person merged into it.
        for change in plan.people_changes:
            if change.kind == "remove_person":
                people.remove(change.person_id)
        for change in plan.people_changes:
            if change.kind == "new_person" and change.person is not None:
                people.add(change.person)
            elif change.kind == "update_person" and change.person is not None:
                people.replace(change.person)
            elif change.kind == "add_name" and change.name is not None:
                people.add_name(change.person_id, change.name)
            elif change.kind == "disable_name_matching":
                people[change.person_id].disable_name_matching = True
        out[people_path] = people.dumps()
    return out


def apply_plan(plan: Plan, data_dir: Path) -> list[Path]:
    """Write the plan's changes into ``data_dir``; returns the files changed."""
    contents = render_files(plan, data_dir)
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in contents.items():
            temps.append((_write_temp(path, data), path))
    except BaseException:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
        raise
    for temp, path in temps:
        os.replace(temp, path)
    return [path for _, path in temps]
