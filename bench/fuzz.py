"""Longer fuzzing runs of the targets in ``tests/fuzz_targets.py``, with what happened.

Run::

    .venv/bin/python bench/fuzz.py                      # 2,000 random examples per target
    .venv/bin/python bench/fuzz.py --examples 20000 --target webhook --seed 3

CI runs the same targets with 200 derandomized examples each (``tests/test_fuzz.py``).
Here examples are random (``--seed`` makes a run repeatable) and no example
database is kept. For each target the script prints how many examples ran, how
long it took, the outcomes (answers of the webhook, refusals and plans) and the
first failure, if any, with the example that Hypothesis shrank it to. Exit
status 1 if a target failed.

Everything runs in this process: the web app through Flask's test client on a
temporary SQLite store, the planner on a temporary copy of ``sample/data``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from tests.fuzz_targets import TARGETS  # noqa: E402


@dataclass
class Outcome:
    """One target's run."""

    name: str
    examples: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    failure: str | None = None


class LogCounter(logging.Handler):
    """Counts the bot's log records by level and message template (instead of printing them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[(record.levelname, str(record.msg)[:100])] += 1


def fuzz(name: str, examples: int, random_seed: int) -> Outcome:
    """Run one target for ``examples`` examples."""
    target = TARGETS[name]
    result = Outcome(name)

    @seed(random_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(target.strategy)
    def run(example: object) -> None:
        result.examples += 1
        label = target.check(example)
        result.outcomes[label.split(":")[0] if len(label) > 60 else label] += 1

    started = time.perf_counter()
    try:
        run()
    except Exception:  # the shrunk failing example, as Hypothesis reports it
        result.failure = traceback.format_exc(limit=-8)
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per target")
    parser.add_argument("--target", choices=sorted(TARGETS), action="append", help="repeatable")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--top", type=int, default=8, help="outcomes shown per target")
    args = parser.parse_args(argv)
    if not 1 <= args.examples <= 1_000_000:
        parser.error("--examples must be between 1 and 1,000,000")

    logs = LogCounter()
    logging.getLogger().addHandler(logs)
    logging.getLogger().setLevel(logging.WARNING)
    results = [fuzz(name, args.examples, args.seed) for name in args.target or sorted(TARGETS)]
    print("\n| target | examples | seconds | examples/s | result | most frequent outcomes |")
    print("|---|---:|---:|---:|---|---|")
    for r in results:
        common = "; ".join(f"{label} ×{n}" for label, n in r.outcomes.most_common(args.top))
        verdict = "FAILED" if r.failure else "ok"
        rate = r.examples / r.seconds if r.seconds else 0.0
        print(f"| {r.name} | {r.examples} | {r.seconds:.1f} | {rate:.0f} | {verdict} | {common} |")
    print("\nWarnings and errors the bot logged meanwhile:")
    for (level, message), count in logs.counts.most_common():
        print(f"- {level} ×{count}: {message}")
    failed = [r for r in results if r.failure]
    for r in failed:
        print(f"\n## {r.name} failed\n\n{r.failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
