"""The shared full-size dataset: unpacked once into a cache, copied for writers.

Used by the test fixtures (``tests/conftest.py``) and by the benchmarks in ``bench/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARBALL = Path("anthology-data") / "anthology-data.tar.xz"
_STALE_SECONDS = 3600


def shared_dir() -> Path:
    """The shared files: ``$ANTHOLOGY_SHARED_DIR`` or ``<repo root>/../shared``."""
    return Path(os.environ.get("ANTHOLOGY_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()


def cache_root() -> Path:
    """Where unpacked datasets live (``$ANTHOLOGY_DATA_CACHE``, default ``<repo>/.cache/``)."""
    default = REPO_ROOT / ".cache" / "anthology-data"
    return Path(os.environ.get("ANTHOLOGY_DATA_CACHE", default))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_stale(cache_root: Path) -> None:
    """Delete the leftovers of killed unpack runs (older than an hour)."""
    now = time.time()
    for entry in cache_root.glob(".unpack-*"):
        try:
            if now - entry.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
        except FileNotFoundError:
            pass


def unpack_cached(tarball: Path, cache_root: Path) -> Path:
    """Unpack ``tarball`` into ``cache_root/<sha256 prefix>/`` once; return its ``data/``.

    The archive is extracted into a hidden temporary directory next to the target
    and renamed into place, so a killed run never leaves a half-filled cache entry,
    and a changed tarball gets a new entry. Unpacked files are made read-only.
    """
    target = cache_root / _sha256(tarball)[:16]
    if not target.is_dir():
        cache_root.mkdir(parents=True, exist_ok=True)
        _remove_stale(cache_root)
        tmp = Path(tempfile.mkdtemp(dir=cache_root, prefix=".unpack-"))
        try:
            with tarfile.open(tarball) as tar:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
                    tar.extractall(tmp, filter="data")
                else:  # pragma: no cover
                    tar.extractall(tmp)
            if not (tmp / "data" / "json" / "people.json").is_file():
                raise RuntimeError(f"{tarball} does not unpack to data/json/people.json")
            for path in (tmp / "data").rglob("*"):
                if path.is_file():
                    path.chmod(0o444)
            (tmp / "data").chmod(0o755)
            tmp.chmod(0o755)
            try:
                tmp.rename(target)
            except OSError:
                if not target.is_dir():  # not a concurrent run that finished first
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target / "data"


def copy_data(data_dir: Path, dest: Path) -> Path:
    """A private, writable copy of the data directory ``data_dir`` at ``dest``.

    A real copy (about 0.2 s and 120 MB for the full data), not hard links: hard
    links would be safe for writers that replace files (temp file + ``os.replace``
    swaps the directory entry and leaves the shared inode alone), but the
    acl-anthology library's ``Collection.save()``, ``PersonIndex.save()`` and
    ``save_all()`` open the existing file and overwrite it in place, which through
    a hard link would rewrite the shared cache (file modes do not stop root).
    """
    return Path(shutil.copytree(data_dir, dest, copy_function=shutil.copyfile))
