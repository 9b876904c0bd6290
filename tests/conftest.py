"""Shared fixtures: the bundled sample data, the shared full-size dataset, the oracle.

Data fixtures (all return the path of a ``data/`` directory, the one holding ``xml/``
and ``json/``):

* ``sample_data_dir``: a fresh, writable copy of ``sample/data`` per test.
* ``full_data_dir`` (session): the shared tarball unpacked once into a cache
  (``$ANTHOLOGY_DATA_CACHE``, default ``<repo>/.cache/anthology-data/<sha256>/``).
  Read-only: its files are mode 0444 and must never be written.
* ``full_data_copy``: a private, writable copy of ``full_data_dir`` with the seed's
  case (``tests/seed_case.py``) added, per test; ``full_data_copy_factory`` makes
  such copies on demand for module- or session-scoped fixtures.
* ``oracle`` (session): the acl-anthology library over the full data plus the
  seed's case, person index built (about 20 s, once per session).

Tests that use a full-data fixture are marked ``fulldata`` automatically, and are
skipped with a reason when the shared tarball is absent.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.seed_case import add_seed_case

if TYPE_CHECKING:
    from acl_anthology import Anthology

REPO_ROOT = Path(__file__).resolve().parent.parent
TARBALL = Path("anthology-data") / "anthology-data.tar.xz"
FULL_DATA_FIXTURES = frozenset(
    {
        "full_data_tarball",
        "full_data_dir",
        "full_data_copy",
        "full_data_copy_factory",
        "full_data_seeded_dir",
        "oracle",
    }
)
_STALE_SECONDS = 3600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the shared full-size dataset as ``fulldata``."""
    for item in items:
        if FULL_DATA_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.fulldata)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root directory."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared files: ``$ANTHOLOGY_SHARED_DIR`` or ``<repo root>/../shared``."""
    return Path(os.environ.get("ANTHOLOGY_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()


@pytest.fixture
def sample_data_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled sample ``data/`` directory; tests may modify it."""
    return Path(shutil.copytree(REPO_ROOT / "sample" / "data", tmp_path / "data"))


# --- the shared full-size dataset -------------------------------------------------


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


@pytest.fixture(scope="session")
def full_data_tarball(shared_dir: Path) -> Path:
    """The shared tarball; skips the test when it is absent."""
    tarball = shared_dir / TARBALL
    if not tarball.is_file():
        pytest.skip(f"shared full-size dataset not found at {tarball} (set ANTHOLOGY_SHARED_DIR)")
    return tarball


@pytest.fixture(scope="session")
def full_data_dir(full_data_tarball: Path) -> Path:
    """The unpacked full dataset (``data/``), shared by the session: never write to it."""
    cache_root = Path(
        os.environ.get("ANTHOLOGY_DATA_CACHE", REPO_ROOT / ".cache" / "anthology-data")
    )
    return unpack_cached(full_data_tarball, cache_root.resolve())


@pytest.fixture(scope="session")
def full_data_copy_factory(
    full_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Path]]:
    """``make(seed=True) -> Path``: a new private copy of the full data per call, with
    the seed's case added unless ``seed=False``; for module- or session-scoped
    fixtures. The copies are deleted at the end of the session."""
    made: list[Path] = []

    def make(seed: bool = True) -> Path:
        data_dir = copy_data(full_data_dir, tmp_path_factory.mktemp("full-data") / "data")
        made.append(data_dir)
        if seed:
            add_seed_case(data_dir)
        return data_dir

    yield make
    for data_dir in made:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def full_data_seeded_dir(full_data_copy_factory: Callable[..., Path]) -> Path:
    """The full data plus the seed's case, shared by the session: never write to it."""
    return full_data_copy_factory()


@pytest.fixture
def full_data_copy(full_data_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """A private, writable copy of the full data with the seed's case added (deleted
    after the test, as it is 120 MB)."""
    data_dir = copy_data(full_data_dir, tmp_path / "data")
    add_seed_case(data_dir)
    yield data_dir
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def oracle(full_data_seeded_dir: Path) -> Anthology:
    """The acl-anthology library over the full data plus the seed's case, with the
    person index built; shared by the session, so do not modify it.

    Its ``NameSpecResolutionWarning``s (two authors of one paper on the same
    unverified page, a handful in the full data) are silenced.
    """
    from acl_anthology import Anthology
    from acl_anthology.exceptions import NameSpecResolutionWarning

    anthology = Anthology(datadir=full_data_seeded_dir, verbose=False)
    with warnings.catch_warnings():
        # The full data has a few papers with two authors on one unverified page.
        warnings.simplefilter("ignore", NameSpecResolutionWarning)
        anthology.people.load()
    return anthology
