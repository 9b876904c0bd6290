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

Web fixtures (``tests/webhooks.py`` has the secret and the signed deliveries):
``settings`` (a state directory of the test's own, the webhook secret, ``BOT_LOGIN``),
``store`` (a fresh SQLite job store) and ``client`` (a Flask test client of the web process).

Tests that use a full-data fixture are marked ``fulldata`` automatically, and are
skipped with a reason when the shared tarball is absent.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask.testing import FlaskClient

from bot.config import Settings
from bot.queue.jobs import JobStore
from bot.queue.stores import open_store
from bot.web.app import create_app
from tests import fulldata
from tests.fulldata import REPO_ROOT, TARBALL, copy_data, unpack_cached
from tests.seed_case import add_seed_case
from tests.webhooks import SECRET

if TYPE_CHECKING:
    from acl_anthology import Anthology

    from tests.service_harness import Service

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
    return fulldata.shared_dir()


@pytest.fixture
def sample_data_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled sample ``data/`` directory; tests may modify it."""
    return Path(shutil.copytree(REPO_ROOT / "sample" / "data", tmp_path / "data"))


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
    return unpack_cached(full_data_tarball, fulldata.cache_root().resolve())


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


# --- the running service (end-to-end tests) ---------------------------------------


@pytest.fixture(scope="module")
def service_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare data repository of the sample, built once per module; services copy it."""
    from tests.service_harness import build_template_repository

    return build_template_repository(tmp_path_factory.mktemp("template"))


@pytest.fixture
def service(service_template: Path, tmp_path: Path) -> Iterator[Service]:
    """The GitHub stand-in and the bot's web app, with default settings (see service_harness)."""
    from tests.service_harness import running_service

    with running_service(service_template, tmp_path) as running:
        yield running


# --- GitHub's API description as the judge of all stand-in traffic -----------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "github_offspec(reason): the test sends requests or payloads that GitHub's API "
        "description does not allow, on purpose; the conformance check leaves it alone",
    )


@pytest.fixture(autouse=True)
def github_traffic_judged(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every REST request the stand-in answers and every webhook payload it builds
    during a test is checked against GitHub's published descriptions
    (tests/openapi_conformance.py); a mismatch fails the test at teardown.

    Inactive when the npm packages are not installed (``./dev test`` installs them)
    and for tests marked ``github_offspec``."""
    from tests import openapi_conformance as conformance

    if not conformance.descriptions_installed() or request.node.get_closest_marker(
        "github_offspec"
    ):
        yield
        return
    from tests.github_standin.payloads import PAYLOAD_OBSERVERS
    from tests.github_standin.server import EXCHANGE_OBSERVERS
    from tests.github_standin.state import LoggedRequest

    exchanges: list[LoggedRequest] = []
    payloads: list[tuple[str, dict]] = []

    def add_payload(event: str, payload: dict) -> None:
        payloads.append((event, payload))

    EXCHANGE_OBSERVERS.append(exchanges.append)
    PAYLOAD_OBSERVERS.append(add_payload)
    try:
        yield
    finally:
        EXCHANGE_OBSERVERS.remove(exchanges.append)
        PAYLOAD_OBSERVERS.remove(add_payload)
    mismatches = conformance.judge_traffic(exchanges, payloads)
    if mismatches:
        shown = "\n".join(f"  {m}" for m in mismatches[:20])
        more = f"\n  ... and {len(mismatches) - 20} more" if len(mismatches) > 20 else ""
        pytest.fail(
            f"GitHub traffic that GitHub's API description does not allow "
            f"({len(mismatches)}):\n{shown}{more}",
            pytrace=False,
        )


# -- the web process ------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of a web process with a state directory of this test's own."""
    return Settings.from_env(
        {"BOT_STATE_DIR": str(tmp_path), "GITHUB_WEBHOOK_SECRET": SECRET, "BOT_LOGIN": "the-bot"}
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[JobStore]:
    """The job store the settings name (SQLite in the state directory), closed afterwards."""
    opened = open_store(settings.queue_url)
    yield opened
    opened.close()


@pytest.fixture
def client(settings: Settings, store: JobStore) -> FlaskClient:
    """A Flask test client of the web process over ``store``."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return create_app(settings, store).test_client()
