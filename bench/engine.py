"""Benchmark of the data engine on the full shared dataset, against the acl-anthology library.

Run: ``.venv/bin/python bench/engine.py`` (about two minutes). It prints one table:

* building the name index from nothing, and updating it after 5 files changed;
* plan + apply, each in a fresh process with the name index already on disk
  (``python -m bot apply``), of: a 3-paper move (the seed's case; target <= 0.3 s),
  a whole-page verification of the unverified page with about 160 papers (every
  paper gets the new id; target <= 1 s), and a three-page merge (two unverified
  pages into a verified person, whose own papers are made explicit; <= 1 s);
* the same changes through the library (load, change, ``save_all()``), each in a
  fresh process: the path the maintainers' ``bin/correct`` scripts take;

with wall time and peak memory (max RSS of the measured process) and the ratios.
Every measured process runs alone, one after the other. The requests of the two
larger kinds are chosen from the data by rule (``tests/kinds_scenarios.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fulldata import TARBALL, cache_root, copy_data, shared_dir, unpack_cached  # noqa: E402
from tests.seed_case import SEED_PAGE, SEED_PAPERS, add_seed_case  # noqa: E402

PYTHON = sys.executable


@dataclass
class Run:
    what: str
    seconds: float
    max_rss_mb: float
    cpu_seconds: float = 0.0  # user + system: less sensitive to other load than wall time


def measure(what: str, argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command in a fresh process; its wall time and peak memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{out}\n{err}")
    return Run(what, seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


INDEX_BUILD = """
import sys, time
from pathlib import Path
from bot.anthology.index import NameIndex
t = time.perf_counter()
stats = NameIndex(Path(sys.argv[1]), Path(sys.argv[2])).refresh()
print(stats, time.perf_counter() - t)
"""

LIBRARY_CHANGE = """
import json, sys, warnings
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from tests.library_oracle import apply_plan_with_library, load_library
anthology = load_library(Path(sys.argv[1]))
apply_plan_with_library(anthology, json.loads(Path(sys.argv[2]).read_text()))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    anthology.save_all()
"""


def compare_with_library(original: Path, ours: Path, theirs: Path) -> str:
    """Whether the bot's files equal the library's; if not, whether the bot left the
    differing lines as they were (the library re-normalises some historic quirks, such
    as ``<retracted ...></retracted>``, in every collection it saves)."""
    differing = [
        p.relative_to(ours)
        for p in sorted(ours.rglob("*"))
        if p.is_file() and p.read_bytes() != (theirs / p.relative_to(ours)).read_bytes()
    ]
    if not differing:
        return "files byte-identical to the library's"
    untouched = 0
    for rel in differing:
        a = (ours / rel).read_bytes().split(b"\n")
        b = (theirs / rel).read_bytes().split(b"\n")
        o = (original / rel).read_bytes().split(b"\n")
        if len(a) != len(b):
            return f"{rel} differs from the library's in length"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                if x != o[i]:
                    return f"{rel} line {i + 1} differs from the library's"
                untouched += 1
    return (
        f"identical to the library's except {untouched} line(s) the bot did not touch "
        "and the library re-normalised"
    )


TARGETS = {"3-paper move": 0.3, "whole-page verification": 1.0, "three-page merge": 1.0}


def kind_requests(data_dir: Path, index: Path) -> dict[str, dict]:
    """The whole-page verification (a page of 140-200 papers) and the three-page merge."""
    from bot.engine.dataset import AnthologyData
    from tests.kinds_scenarios import pages_into_existing, whole_page_verification

    data = AnthologyData(data_dir, index)
    verify = whole_page_verification(data, 140, 200)
    merge = pages_into_existing(data, 10, 40, skip=0)
    if verify is None or merge is None:
        raise SystemExit("no page of 140-200 papers or no three-page merge in this dataset")
    return {"whole-page verification": verify.to_json(), "three-page merge": merge.to_json()}


def main() -> None:
    tarball = shared_dir() / TARBALL
    full = unpack_cached(tarball, cache_root().resolve())
    work = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        runs: list[Run] = []
        base = copy_data(full, work / "base" / "data")
        add_seed_case(base)
        index = work / "index.sqlite"
        build = [PYTHON, "-c", INDEX_BUILD, str(base), str(index)]
        runs.append(measure("index from nothing", build))

        seed = {
            "source": SEED_PAGE,
            "papers": list(SEED_PAPERS),
            "target": {
                "kind": "new",
                "orcid": "0000-0002-7182-8185",
                "degree": "Beijing University of Posts and Telecommunications",
            },
        }
        requests = {"3-paper move": seed, **kind_requests(base, index)}
        results: dict[str, dict[str, Run]] = {}
        for label, request in requests.items():
            ours = copy_data(base, work / label / "ours" / "data")
            theirs = copy_data(base, work / label / "lib" / "data")
            req = work / f"{label}.json"
            req.write_text(json.dumps(request))
            own_index = work / f"{label}.sqlite"
            shutil.copyfile(index, own_index)
            # The copy has new mtimes: one warm-up refresh re-keys the index by stat,
            # as a long-running worker's index would be (content hashes are unchanged).
            subprocess.run(
                [
                    PYTHON,
                    "-m",
                    "bot",
                    "plan",
                    "--data",
                    str(ours),
                    "--index",
                    str(own_index),
                    str(req),
                ],
                cwd=REPO,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            plan = subprocess.run(
                [
                    PYTHON,
                    "-m",
                    "bot",
                    "plan",
                    "--json",
                    "--data",
                    str(ours),
                    "--index",
                    str(own_index),
                    str(req),
                ],
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            plan_file = work / f"{label}.plan.json"
            plan_file.write_text(plan)
            n_slots = len(json.loads(plan)["moves"]) + len(json.loads(plan)["pins"])
            mine = measure(
                f"{label}: bot plan+apply ({n_slots} slots)",
                [
                    PYTHON,
                    "-m",
                    "bot",
                    "apply",
                    "--data",
                    str(ours),
                    "--index",
                    str(own_index),
                    str(req),
                ],
            )
            lib = measure(
                f"{label}: library load+change+save_all",
                [PYTHON, "-c", LIBRARY_CHANGE, str(theirs), str(plan_file), str(REPO)],
            )
            results[label] = {"bot": mine, "lib": lib}
            runs += [mine, lib]
            print(f"# {label}: {compare_with_library(base, ours, theirs)}", flush=True)

        # Update after 5 changed files: touch the content of 5 collections.
        changed = sorted((base / "xml").glob("*.xml"))[100:105]
        for path in changed:
            data = path.read_bytes().replace(b"</collection>", b"<!-- bench -->\n</collection>")
            path.write_bytes(data)
        runs.append(
            measure(
                "index update after 5 files changed",
                [PYTHON, "-c", INDEX_BUILD, str(base), str(index)],
            )
        )

        print()
        print(f"load average before the runs: {os.getloadavg()[0]:.1f}")
        print("| measurement | wall time | CPU time | peak memory |")
        print("|---|---:|---:|---:|")
        for run in runs:
            print(
                f"| {run.what} | {run.seconds:.2f} s | {run.cpu_seconds:.2f} s "
                f"| {run.max_rss_mb:.0f} MB |"
            )
        print()
        print(
            "| request | bot | target | library | library / bot (time) | library / bot (memory) |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for label, pair in results.items():
            b, lib = pair["bot"], pair["lib"]
            verdict = "met" if b.seconds <= TARGETS[label] else "MISSED"
            verdict += f" (CPU {b.cpu_seconds:.2f} s)"
            print(
                f"| {label} | {b.seconds:.2f} s, {b.max_rss_mb:.0f} MB "
                f"| <= {TARGETS[label]} s: {verdict} | {lib.seconds:.2f} s, "
                f"{lib.max_rss_mb:.0f} MB | {lib.seconds / b.seconds:.0f}x | "
                f"{lib.max_rss_mb / b.max_rss_mb:.1f}x |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
