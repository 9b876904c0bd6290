"""Scale-out: 50 issues worked through by one, then two worker processes sharing a Redis queue.

Run::

    .venv/bin/python bench/scale.py                 # 50 issues, 1 worker then 2 workers
    .venv/bin/python bench/scale.py --workers 2     # only the 2-worker run
    .venv/bin/python bench/scale.py --issues 10     # smaller

What it does, all on 127.0.0.1 and in a temporary directory, stopping by itself:

1. builds 50 valid, distinct requests from the bundled sample data: 50
   unverified author pages, taken in turn from every collection file (at least
   10 files), each asking to move (up to 3 of) its papers to a new author page
   with its own valid ORCID iD (check digit computed, not in ``people.json``).
   Each request is planned on a copy of the data first (the expected plan);
   the plans' author slots are pairwise disjoint;
2. for each run (1 worker, then 2): a fresh ``redis-server`` on a random port
   (Debian's, persistence off), a fresh GitHub stand-in serving a bare
   repository built from the sample data (REST + git over HTTP), the bot's web
   app, and the 50 issues filed as the form would file them, their
   ``issues.opened`` webhooks delivered (50 queued jobs);
3. starts the workers (``python -m bot worker``, ``QUEUE_URL`` the Redis
   server, each with its own ``BOT_STATE_DIR``, as on separate machines) and
   measures the time until every job has ended;
4. checks the result: every job ``done``, 50 pull requests, one per issue, each
   from its own branch, whose diff is exactly its plan (the XML lines of its
   slots with only the ``id`` changed, its new person in ``people.json``) and
   touches no line another pull request touches; one status comment per issue.

It prints a table: issues per minute for each run, job times, the speed-up.
The machine's core count and load average are printed with it: two workers
on two cores shared with the stand-in, Redis and the web app do not double
the throughput.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings  # noqa: E402
from bot.engine.dataset import AnthologyData  # noqa: E402
from bot.engine.planner import Plan, World  # noqa: E402
from bot.forms import parse_issue  # noqa: E402
from bot.forms.body import render_form_body  # noqa: E402
from bot.queue.jobs import FINAL_STATES, Job  # noqa: E402
from bot.queue.stores import open_store  # noqa: E402
from bot.worker.jobs.issue import branch_for_issue  # noqa: E402
from demo.run import WebServer, build_data_repository  # noqa: E402
from tests.github_standin import GitHubStandIn, build_delivery  # noqa: E402
from tests.redis_server import REDIS_SERVER, redis_server  # noqa: E402
from tests.service_harness import REPO as ANTHOLOGY_REPO  # noqa: E402
from tests.service_harness import SAMPLE_DATA, SECRET, service_env  # noqa: E402

ASSIGN_NEW = "A new author page for this person"
INSTITUTION = "University of Example"
MAX_PAPERS_PER_REQUEST = 3
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def orcid_with_check_digit(base15: str) -> str:
    """A valid ORCID iD from 15 digits (ISO 7064 MOD 11-2 check digit)."""
    total = 0
    for digit in base15:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    digits = base15 + ("X" if result == 10 else str(result))
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class Case:
    """One issue to file: its form answers and the plan the bot should carry out."""

    title: str
    body: str
    page: str
    plan: Plan

    @property
    def files(self) -> set[str]:
        return {f"data/xml/{c.file}" for c in self.plan.slot_changes}


# -- the requests --------------------------------------------------------------------------


def build_cases(count: int, workdir: Path) -> list[Case]:
    """``count`` distinct, valid requests over as many collection files as possible."""
    data_dir = Path(shutil.copytree(SAMPLE_DATA, workdir / "plan-data"))
    data = AnthologyData(data_dir, workdir / "plan-index.sqlite")
    try:
        world = World(data.people, data.index.verified_holders)
        pages: dict[str, list[str]] = defaultdict(list)
        for item in sorted(data.index.all_item_ids()):
            for slot in data.index.slots_of_item(item):
                page = world.page_of(slot.name, slot.person_id)
                if page.endswith("/unverified") and item not in pages[page]:
                    pages[page].append(item)
        by_file: dict[str, list[str]] = defaultdict(list)
        for page in sorted(pages):
            by_file[data.index.item_file(pages[page][0]) or "?"].append(page)
        cases: list[Case] = []
        used_slots: set[tuple[str, str, int]] = set()
        serial = 0
        queues = {name: list(reversed(found)) for name, found in sorted(by_file.items())}
        while len(cases) < count and any(queues.values()):
            for queue in queues.values():
                if len(cases) >= count or not queue:
                    continue
                page = queue.pop()
                serial += 1
                orcid = orcid_with_check_digit(f"0009{serial:011d}")
                if data.people.by_orcid(orcid) is not None:
                    continue
                case = _case(data, page, pages[page][:MAX_PAPERS_PER_REQUEST], orcid)
                if case is None:
                    continue
                slots = {
                    (c.ref.item_id, c.ref.role, c.ref.position) for c in case.plan.slot_changes
                }
                if slots & used_slots:
                    continue
                used_slots |= slots
                cases.append(case)
        return cases
    finally:
        data.close()


def _case(data: AnthologyData, page: str, papers: list[str], orcid: str) -> Case | None:
    """The issue for moving ``papers`` off ``page`` to a new person; None if it is not valid."""
    slots = data.index.slots_of_item(papers[0])
    name = next((s.name for s in slots if s.slug == page.removesuffix("/unverified")), None)
    if name is None:
        return None
    answers = {
        "author_page": f"https://aclanthology.org/people/{page}/",
        "papers": "\n".join(f"https://aclanthology.org/{p}/" for p in papers),
        "assign_to": ASSIGN_NEW,
        "name": name.as_first_last(),
        "orcid": orcid,
        "institution": INSTITUTION,
    }
    title = f"Paper assignment: {page}"
    body = render_form_body(answers)
    parsed = parse_issue(title, body, lookup=data)
    if parsed.request is None:
        return None
    plan = data.plan(parsed.request)
    if not plan.ok or len(plan.moves) != len(papers):
        return None
    return Case(title, body, page, plan)


# -- one run -------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What one run measured and found."""

    workers: int
    issues: int
    seconds: float
    busy_seconds: float
    job_seconds: list[float]
    jobs_per_worker: dict[str, int]
    problems: list[str]
    loadavg: tuple[float, float, float]
    load_before: tuple[float, float, float]
    worker_cpu: float
    other_cpu: float
    log_sample: list[str]

    @property
    def per_minute(self) -> float:
        return self.issues / self.seconds * 60 if self.seconds else 0.0


def run(cases: list[Case], workers: int, workdir: Path, timeout: float) -> RunResult:
    """File the cases, let ``workers`` workers do them, check every pull request."""
    workdir.mkdir(parents=True)
    (workdir / "redis").mkdir()
    load_before = os.getloadavg()
    cpu_before = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    worker_cpu = 0.0
    bare = build_data_repository(SAMPLE_DATA, workdir / "remote" / "acl-anthology.git")
    with (
        redis_server(workdir / "redis") as queue_url,
        GitHubStandIn(repo=ANTHOLOGY_REPO, bare_repo_path=bare) as standin,
    ):
        env = service_env(
            standin,
            workdir / "state-web",
            QUEUE_URL=queue_url,
            GITHUB_RETRY_ATTEMPTS="3",
            GITHUB_TIMEOUT="30",
            JOB_LEASE_SECONDS="120",
            WORKER_POLL_SECONDS="0.05",
        )
        settings = Settings.from_env(env)
        settings.state_dir.mkdir(parents=True)
        web = WebServer(settings)
        url = web.start()
        numbers: dict[int, Case] = {}
        try:
            import requests

            for case in cases:
                number, payload = standin.open_issue(
                    case.title, case.body, user="author", labels=["correction", "author-page"]
                )
                numbers[number] = case
                body, headers = build_delivery("issues", payload, SECRET)
                answer = requests.post(f"{url}/webhook", data=body, headers=headers, timeout=10)
                if answer.status_code != 202:
                    raise RuntimeError(f"delivery refused: {answer.status_code} {answer.text}")
        finally:
            web.stop()

        processes = []
        logs = []
        started = time.monotonic()
        for index in range(workers):
            state = workdir / f"state-worker-{index + 1}"
            worker_env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "BOT_"))}
            worker_env.update(env, BOT_STATE_DIR=str(state), PYTHONPATH=str(REPO))
            log = open(workdir / f"worker-{index + 1}.log", "ab")  # noqa: SIM115 - closed below
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "worker"],
                    cwd=REPO,
                    env=worker_env,
                    stdout=log,
                    stderr=log,
                )
            )
        store = open_store(queue_url)
        try:
            deadline = time.monotonic() + timeout
            while True:
                jobs = store.jobs()
                if len(jobs) >= len(cases) and all(j.state in FINAL_STATES for j in jobs):
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            seconds = time.monotonic() - started
            loadavg = os.getloadavg()
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                worker_cpu += _reap(process)
            for log in logs:
                log.close()
        jobs = store.jobs()
        store.close()
        problems = check(standin, numbers, jobs)
        log_sample = []
        for index in range(workers):
            lines = (workdir / f"worker-{index + 1}.log").read_text(errors="replace").splitlines()
            log_sample += [line for line in lines if '"job done' in line or "pushed" in line][:2]
    starts = [j.started_at for j in jobs if j.started_at]
    ends = [j.finished_at for j in jobs if j.finished_at]
    owners = _owners(workdir, workers)
    cpu_all = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu_before
    return RunResult(
        workers=workers,
        issues=len(cases),
        seconds=seconds,
        busy_seconds=(max(ends) - min(starts)) if starts and ends else 0.0,
        job_seconds=[j.finished_at - j.started_at for j in jobs if j.finished_at and j.started_at],
        jobs_per_worker=owners,
        problems=problems,
        loadavg=loadavg,
        load_before=load_before,
        worker_cpu=worker_cpu,
        other_cpu=max(0.0, cpu_all - worker_cpu),
        log_sample=log_sample,
    )


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _reap(process: subprocess.Popen[bytes]) -> float:
    """Wait for a stopped worker; the CPU seconds it (and the git it ran) used."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.05)
    process.kill()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def _owners(workdir: Path, workers: int) -> dict[str, int]:
    """Jobs finished per worker, from the workers' logs."""
    counts: dict[str, int] = {}
    for index in range(workers):
        path = workdir / f"worker-{index + 1}.log"
        done = 0
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("message", "").startswith("job done"):
                    done += 1
        counts[f"worker {index + 1}"] = done
    return counts


# -- checking ------------------------------------------------------------------------------


def _diff_lines(standin: GitHubStandIn, branch: str) -> dict[str, dict[str, Any]]:
    """File -> touched master line numbers and removed/added lines, of ``master...branch``."""
    diff = standin.git("diff", "--unified=0", f"master...{branch}")
    out: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            current = {"lines": set(), "removed": [], "added": []}
            out[line[len("+++ b/") :]] = current
        elif line.startswith(("--- ", "diff ", "index ", "new file", "+++ ")):
            continue
        elif match := _HUNK.match(line):
            start, length = int(match[1]), int(match[2] or "1")
            current["lines"].update(range(start, start + length))
        elif line.startswith("-"):
            current["removed"].append(line[1:])
        elif line.startswith("+"):
            current["added"].append(line[1:])
    return out


def check(standin: GitHubStandIn, numbers: dict[int, Case], jobs: list[Job]) -> list[str]:
    """Everything the run must have produced; a list of what is wrong (empty: all good)."""
    problems: list[str] = []
    by_issue: dict[int, list[Job]] = defaultdict(list)
    for job in jobs:
        by_issue[job.issue_number or 0].append(job)
    pulls = {p.pull.head: p for p in standin.pulls if p.pull is not None}
    if len(pulls) != len(numbers):
        problems.append(f"{len(pulls)} pull requests for {len(numbers)} issues")
    touched: dict[tuple[str, int], int] = {}
    for number, case in numbers.items():
        states = [j.state for j in by_issue.get(number, [])]
        if states != ["done"]:
            problems.append(f"#{number}: jobs {states}")
            continue
        branch = branch_for_issue(number)
        pull = pulls.get(branch)
        if pull is None:
            problems.append(f"#{number}: no pull request from {branch}")
            continue
        if f"Closes #{number}" not in (pull.body or ""):
            problems.append(f"#{number}: the pull request does not close its issue")
        comments = [c for c in standin.comments_on(number) if c.user == standin.login]
        if len(comments) != 1:
            problems.append(f"#{number}: {len(comments)} status comments")
        diff = _diff_lines(standin, branch)
        expected_files = case.files | {"data/json/people.json"}
        if set(diff) != expected_files:
            problems.append(f"#{number}: changed {sorted(diff)}, planned {sorted(expected_files)}")
            continue
        for path, change in diff.items():
            if path.endswith(".xml"):
                planned = [c for c in case.plan.slot_changes if f"data/xml/{c.file}" == path]
                if not len(change["removed"]) == len(change["added"]) == len(planned):
                    problems.append(f"#{number}: {path} changes other lines than its slots")
                for old, new in zip(change["removed"], change["added"], strict=False):
                    if re.sub(r' id="[^"]*"', "", old) != re.sub(r' id="[^"]*"', "", new):
                        problems.append(f"#{number}: {path}: more than an id changed")
                ids = {c.new_id for c in planned}
                if not all(any(f'id="{i}"' in line for i in ids) for line in change["added"]):
                    problems.append(f"#{number}: {path}: an id that is not the plan's")
                for line_number in change["lines"]:
                    other = touched.setdefault((path, line_number), number)
                    if other != number:
                        problems.append(f"#{number} and #{other} both change {path}:{line_number}")
        before = json.loads(standin.git("show", "master:data/json/people.json"))
        after = json.loads(standin.git("show", f"{branch}:data/json/people.json"))
        planned_ids = {c.person_id for c in case.plan.people_changes if c.kind == "new_person"}
        if set(after) - set(before) != planned_ids:
            problems.append(f"#{number}: people.json gains {sorted(set(after) - set(before))}")
        if {k: v for k, v in after.items() if k in before} != before:
            problems.append(f"#{number}: people.json changes existing persons")
    return problems


# -- the report ----------------------------------------------------------------------------


def print_table(results: list[RunResult], cases: list[Case]) -> None:
    files = sorted({f for case in cases for f in case.files})
    print(
        f"\n{len(cases)} issues, {sum(len(c.plan.moves) for c in cases)} papers, "
        f"over {len(files)} collection files: {', '.join(Path(f).stem for f in files)}"
    )
    print(f"machine: {os.cpu_count()} cores\n")
    print(
        "| workers | issues | wall time | issues/minute | job time mean / p90 | jobs per worker "
        "| CPU s: workers / stand-in, git, Redis | load average before / after | result |"
    )
    print("|---:|---:|---:|---:|---|---|---|---|---|")
    for r in results:
        ordered = sorted(r.job_seconds)
        p90 = ordered[int(0.9 * (len(ordered) - 1))] if ordered else 0.0
        mean = statistics.fmean(ordered) if ordered else 0.0
        split = ", ".join(str(n) for n in r.jobs_per_worker.values())
        verdict = "OK" if not r.problems else f"FAILED ({len(r.problems)} problems)"
        print(
            f"| {r.workers} | {r.issues} | {r.seconds:.1f} s | {r.per_minute:.1f} "
            f"| {mean:.2f} s / {p90:.2f} s | {split} | {r.worker_cpu:.1f} / {r.other_cpu:.1f} "
            f"| {r.load_before[0]:.2f} / {r.loadavg[0]:.2f} | {verdict} |"
        )
    if len(results) == 2 and results[0].seconds:
        print(f"\nspeed-up with 2 workers: {results[0].seconds / results[1].seconds:.2f}x")
    for r in results:
        for problem in r.problems[:20]:
            print(f"- {r.workers} worker(s): {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=50)
    parser.add_argument("--workers", type=int, action="append", help="default: 1, then 2")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run at most")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if REDIS_SERVER is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per delivery
    if not 1 <= args.issues <= 200:
        parser.error("--issues must be between 1 and 200")
    workdir = Path(tempfile.mkdtemp(prefix="bot-scale-"))
    try:
        cases = build_cases(args.issues, workdir)
        if len(cases) < args.issues:
            raise SystemExit(f"only {len(cases)} valid distinct requests could be built")
        results = []
        for workers in args.workers or [1, 2]:
            if not 1 <= workers <= 8:
                parser.error("--workers must be between 1 and 8")
            print(f"running {len(cases)} issues with {workers} worker(s) ...", flush=True)
            results.append(run(cases, workers, workdir / f"run-{workers}", args.timeout))
        print_table(results, cases)
        if args.json:
            args.json.write_text(
                json.dumps(
                    [
                        {
                            "workers": r.workers,
                            "issues": r.issues,
                            "seconds": round(r.seconds, 2),
                            "issues_per_minute": round(r.per_minute, 1),
                            "busy_seconds": round(r.busy_seconds, 2),
                            "job_seconds": [round(s, 3) for s in r.job_seconds],
                            "jobs_per_worker": r.jobs_per_worker,
                            "loadavg": r.loadavg,
                            "load_before": r.load_before,
                            "worker_cpu_seconds": round(r.worker_cpu, 2),
                            "other_cpu_seconds": round(r.other_cpu, 2),
                            "problems": r.problems,
                            "log_sample": r.log_sample,
                        }
                        for r in results
                    ],
                    indent=2,
                ),
                encoding="utf-8",
            )
        return 1 if any(r.problems for r in results) else 0
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
