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


def _read_as_planned(path: Path, name: str, plan: Plan) -> bytes:
    """A collection file's bytes, refused if they are not those the plan was made on.

    The same size and modification time as when the name index read the file stand
    for the same content (the index's own rule); otherwise the content is hashed.
    """
    data = path.read_bytes()
    expected = plan.file_hashes.get(name)
    if expected is None:
        return data
    st = path.stat()
    if plan.file_stats.get(name) == (st.st_size, st.st_mtime_ns):
        return data
    if hashlib.sha1(data).hexdigest() != expected:
        raise ApplyError(f"xml/{name} changed since the plan was made; plan again")
    return data


def _people_as_planned(path: Path, plan: Plan, people: People | None) -> People:
    """The registry to change: a copy of the one the plan was made with, if given.

    Refused if people.json on disk is not the content the plan was made on.
    """
    raw = path.read_bytes()
    sha1 = hashlib.sha1(raw).hexdigest()
    if plan.people_sha1 is not None and sha1 != plan.people_sha1:
        raise ApplyError("json/people.json changed since the plan was made; plan again")
    if people is not None and people.source_sha1 == sha1:
        return people.copy()  # the planner's registry stays as it was read
    return People.loads(raw, lazy=True)


def render_files(plan: Plan, data_dir: Path, people: People | None = None) -> dict[Path, bytes]:
    """The new contents of every file the plan changes, without writing anything.

    ``people``: the registry the plan was made with (``AnthologyData.people``), so
    that people.json is not read and parsed a second time; it is not changed.
    """
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
        out[path] = edit_attributes(_read_as_planned(path, name, plan), file_edits)
    if plan.people_changes:
        people_path = data_dir / PEOPLE_FILE
        people = _people_as_planned(people_path, plan, people)
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


def apply_plan(plan: Plan, data_dir: Path, people: People | None = None) -> list[Path]:
    """Write the plan's changes into ``data_dir``; returns the files changed.

    ``people`` as for ``render_files``.
    """
    contents = render_files(plan, data_dir, people)
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
