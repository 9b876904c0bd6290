"""Benchmark of the data engine on the full shared dataset, against the acl-anthology library.

Run: ``.venv/bin/python bench/engine.py`` (about five minutes; ``--runs N`` repeats each
bot measurement N times, default 5, ``--library-runs N`` each library one, default 1).
It prints:

* building the name index from nothing, and updating it after 5 files changed;
* plan + apply, warm, in a fresh process each (``python -m bot apply``), of: a 3-paper
  move (the seed's case; target <= 0.3 s), a whole-page verification of the unverified
  page with about 160 papers (every paper gets the new id; target <= 1 s), and a
  three-page merge (two unverified pages into a verified person, whose own papers are
  made explicit; <= 1 s);
* the same changes through the library (load, change, ``save_all()``), each in a
  fresh process: the path the maintainers' ``bin/correct`` scripts take;

with the median (and fastest) wall time, CPU time (user + system of the process) and
peak memory (max RSS) over the runs, and the ratios library / bot of the medians.

*Warm* means what a worker that has run before finds: the operating system's file
cache holds the data, the name index on disk is up to date with the data directory
and its people.json (the bot keeps it between jobs, ``bot.worker.planning_data``), and
Python's bytecode cache holds the compiled modules (``__pycache__``, as a pip-installed
bot has them). Each run gets a fresh copy of the data and of the index, then one
untimed ``plan`` warms them; the timed process plans and applies, nothing else.

Every measured process runs alone, one after the other; other work on the machine
still competes for the CPUs, so the CPU time is printed beside the wall time (it is
less sensitive to that load), and the load average before and after. The requests of
the two larger kinds are chosen from the data by rule (``tests/kinds_scenarios.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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


# The environment of the measured processes: Python may keep compiled modules in
# __pycache__ (git ignores them), as an installed package has them; some shells here
# set PYTHONDONTWRITEBYTECODE, which would make every process compile the bot anew.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(what: str, argv: list[str]) -> Run:
    """Run a command in a fresh process; its wall time, CPU time and peak memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=REPO,
        env=ENV,
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


@dataclass
class Series:
    """The runs of one measurement, summarised by their medians."""

    what: str
    runs: list[Run]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def fastest(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_mb for r in self.runs)


def bot_command(command: str, data: Path, index: Path, request: Path) -> list[str]:
    return [PYTHON, "-m", "bot", command, "--data", str(data), "--index", str(index), str(request)]


def run_bot(label: str, base: Path, index: Path, req: Path, work: Path, runs: int) -> Series:
    """``runs`` warm plan+apply processes, each on a fresh copy of the data and index."""
    out = []
    for i in range(runs):
        run_dir = work / label / f"ours-{i}"
        ours = copy_data(base, run_dir / "data")
        own_index = run_dir / "index.sqlite"
        shutil.copyfile(index, own_index)
        # The copy has new mtimes: the warm-up plan re-keys the index by stat, as a
        # long-running worker's index would be (content hashes are unchanged), and
        # brings the files into the cache.
        subprocess.run(
            bot_command("plan", ours, own_index, req),
            cwd=REPO,
            env=ENV,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out.append(measure(f"{label}: bot", bot_command("apply", ours, own_index, req)))
        if i + 1 < runs:
            shutil.rmtree(run_dir)
    return Series(f"{label}: bot plan+apply", out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="bot runs per request (default 5)")
    parser.add_argument(
        "--library-runs", type=int, default=1, help="library runs per request (default 1)"
    )
    args = parser.parse_args(argv)
    tarball = shared_dir() / TARBALL
    full = unpack_cached(tarball, cache_root().resolve())
    work = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    load_before = os.getloadavg()
    try:
        series: list[Series] = []
        base = copy_data(full, work / "base" / "data")
        add_seed_case(base)
        index = work / "index.sqlite"
        build = [PYTHON, "-c", INDEX_BUILD, str(base), str(index)]
        series.append(Series("index from nothing", [measure("index from nothing", build)]))

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
        results: dict[str, dict[str, Series]] = {}
        for label, request in requests.items():
            req = work / f"{label}.json"
            req.write_text(json.dumps(request))
            plan = subprocess.run(
                [*bot_command("plan", base, index, req), "--json"],
                cwd=REPO,
                env=ENV,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            plan_file = work / f"{label}.plan.json"
            plan_file.write_text(plan)
            n_slots = len(json.loads(plan)["moves"]) + len(json.loads(plan)["pins"])
            mine = run_bot(label, base, index, req, work, args.runs)
            mine.what = f"{label}: bot plan+apply ({n_slots} slots)"
            libs = []
            for i in range(args.library_runs):
                theirs = copy_data(base, work / label / f"lib-{i}" / "data")
                libs.append(
                    measure(
                        f"{label}: library",
                        [PYTHON, "-c", LIBRARY_CHANGE, str(theirs), str(plan_file), str(REPO)],
                    )
                )
            series.append(mine)
            if not libs:  # --library-runs 0: the bot alone
                continue
            lib = Series(f"{label}: library load+change+save_all", libs)
            results[label] = {"bot": mine, "lib": lib}
            series.append(lib)
            ours = work / label / f"ours-{args.runs - 1}" / "data"
            print(f"# {label}: {compare_with_library(base, ours, theirs)}", flush=True)

        # Update after 5 changed files: touch the content of 5 collections.
        changed = sorted((base / "xml").glob("*.xml"))[100:105]
        for path in changed:
            data = path.read_bytes().replace(b"</collection>", b"<!-- bench -->\n</collection>")
            path.write_bytes(data)
        update = [PYTHON, "-c", INDEX_BUILD, str(base), str(index)]
        series.append(
            Series("index update after 5 files changed", [measure("index update", update)])
        )

        print()
        print(
            f"load average (1 min) before: {load_before[0]:.1f}, after: {os.getloadavg()[0]:.1f}"
            f" on {os.cpu_count()} CPUs; bot runs per request: {args.runs}, library runs: "
            f"{args.library_runs}; warm: file cache, name index and bytecode cache (module doc)"
        )
        print("| measurement | wall time, median (fastest) | CPU time, median | peak memory |")
        print("|---|---:|---:|---:|")
        for one in series:
            print(
                f"| {one.what} | {one.seconds:.2f} s ({one.fastest:.2f} s) "
                f"| {one.cpu_seconds:.2f} s | {one.max_rss_mb:.0f} MB |"
            )
        print()
        print(
            "| request | bot, median | target | library | library / bot (time) "
            "| library / bot (CPU) | library / bot (memory) |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, pair in results.items():
            b, lib = pair["bot"], pair["lib"]
            verdict = "met" if b.seconds <= TARGETS[label] else "MISSED"
            cpu_verdict = "met" if b.cpu_seconds <= TARGETS[label] else "MISSED"
            print(
                f"| {label} | {b.seconds:.2f} s (CPU {b.cpu_seconds:.2f} s), "
                f"{b.max_rss_mb:.0f} MB | <= {TARGETS[label]} s: {verdict} (CPU: {cpu_verdict}) "
                f"| {lib.seconds:.2f} s (CPU {lib.cpu_seconds:.2f} s), {lib.max_rss_mb:.0f} MB "
                f"| {lib.seconds / b.seconds:.0f}x | {lib.cpu_seconds / b.cpu_seconds:.0f}x "
                f"| {lib.max_rss_mb / b.max_rss_mb:.1f}x |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
