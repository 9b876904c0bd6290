"""Property-based fuzzing of what comes from outside: webhooks, requests, issues.

Each target of ``tests/fuzz_targets.py`` runs a fixed number of examples here
(``FUZZ_EXAMPLES``, default 200, derandomized so CI is repeatable); longer,
random runs are ``bench/fuzz.py --examples N``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz_targets import TARGETS

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_target(name: str) -> None:
    target = TARGETS[name]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def run(example: object) -> None:
        target.check(example)

    run()
