"""Load test of the web process: signed webhook deliveries at a steady rate, nothing lost.

Run::

    .venv/bin/python bench/load.py              # 300 deliveries/s for 30 s, SQLite store
    .venv/bin/python bench/load.py --redis      # the same with the Redis store
    .venv/bin/python bench/load.py --quick      # 100/s for 3 s (CI: tests/test_load.py)

What it does, all on 127.0.0.1 and stopping by itself:

1. starts ``gunicorn 'bot.wsgi:create_app_from_env()'`` (sync workers) with a
   fresh ``BOT_STATE_DIR`` in a temporary directory, and the job store in it
   (SQLite) or in a throwaway ``redis-server`` (``--redis``). No bot worker
   runs: what is measured is the acknowledgement alone (verify the signature,
   triage, record the delivery and its job, answer);
2. prepares ``rate * seconds`` deliveries as GitHub sends them (payloads built
   by the GitHub stand-in of the tests, signed with the webhook secret): events
   on assignment issues that queue a job (opened, edited, reopened, labelled
   ``meta:move``), irrelevant ones (another repository, a non-assignment issue,
   an irrelevant label or action, a ``star``), and re-sent delivery ids
   (GitHub's "redeliver", same id and body);
3. sends them on a fixed schedule (a dispatcher thread releases each one at its
   time; a pool of sender threads, one HTTP connection each, sends them) and
   measures each acknowledgement: from just before the request is written to
   the end of the answer. How late a send started against its schedule is
   reported too, so a sender that could not keep up is visible, and so is the
   time gunicorn itself spent on each request (its access log's ``%(D)s``):
   the difference is the time in the kernel and in this (Python) sender;
4. reads the job store afterwards and checks that every unique delivery was
   recorded once, every relevant one with exactly one job, every repeated id
   answered ``duplicate`` and recorded nothing, and that the jobs are one
   queued job per issue whose ``events`` add up to the relevant deliveries
   (coalescing: the worker would read each issue once).

Exit status 0 when nothing was lost, duplicated or refused (timing is reported,
not enforced: the target is p99 < 50 ms), 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.forms.body import render_form_body  # noqa: E402
from bot.queue.jobs import JobStore  # noqa: E402
from bot.queue.stores import open_store  # noqa: E402
from demo.run import SEED_ANSWERS  # noqa: E402
from tests.github_standin import GitHubStandIn, build_delivery  # noqa: E402

SECRET = "load-test-webhook-secret"
ANTHOLOGY_REPO = "acl-org/acl-anthology"
TARGET_P99_MS = 50.0
RELEVANT_ACTIONS = ("edited", "reopened", "labeled")


@dataclass(frozen=True)
class Send:
    """One delivery to send: its id, event and signed body; what the store should make of it."""

    delivery: str
    event: str
    body: bytes
    headers: dict[str, str]
    kind: str  # "relevant", "irrelevant" or "duplicate"
    issue: int | None = None


@dataclass
class Result:
    """What happened to one send."""

    index: int
    status: int
    answer: str
    latency_ms: float
    lag_ms: float
    error: str | None = None


@dataclass
class Verification:
    """What the job store holds after the run, against what was sent."""

    unique_sent: int
    relevant_sent: int
    irrelevant_sent: int
    duplicates_sent: int
    deliveries_recorded: int
    lost: int
    recorded_twice_or_wrong: int
    duplicates_answered: int
    jobs: int
    issues_touched: int
    events_in_jobs: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- the deliveries ----------------------------------------------------------------------


def _bot_issue_body(number: int) -> str:
    answers = dict(SEED_ANSWERS)
    answers["papers"] = f"https://aclanthology.org/2025.acl-long.{number}/"
    return render_form_body(answers)


def build_sends(
    total: int, issues: int, seed: int, dup_ratio: float, irrelevant_ratio: float
) -> list[Send]:
    """``total`` deliveries in sending order: first events, irrelevant ones, repeats."""
    rng = random.Random(seed)
    standin = GitHubStandIn(repo=ANTHOLOGY_REPO)  # not started: only its payload builder
    try:
        payloads = standin.payloads
        numbers: list[int] = []
        for i in range(issues):
            number, _ = standin.open_issue(
                f"Paper assignment: person-{i}/unverified",
                _bot_issue_body(i + 1),
                user=f"author-{i}",
                labels=["correction", "author-page", "meta:move"],
            )
            numbers.append(number)
        plain, _ = standin.open_issue(
            "The PDF of 2023.acl-long.1 is broken", "It shows the wrong paper.", "reader", ["bug"]
        )
        bodies: dict[tuple[int, str], dict[str, Any]] = {}

        def issue_payload(number: int, action: str, **extra: Any) -> dict[str, Any]:
            key = (number, action + json.dumps(extra, sort_keys=True))
            if key not in bodies:
                issue = standin.store.issue(number)
                bodies[key] = payloads.issues(action, issue, issue.user, **extra)
            return bodies[key]

        label = {"id": 1, "name": "meta:move", "color": "ededed", "default": False}
        bug = {"id": 2, "name": "bug", "color": "d73a4a", "default": False}
        star = {k: v for k, v in issue_payload(numbers[0], "opened").items() if k != "issue"}
        star = dict(star, action="created", starred_at="2026-01-01T00:00:00Z")
        other_repo = json.loads(json.dumps(issue_payload(numbers[0], "opened")))
        other_repo["repository"]["full_name"] = "someone/elsewhere"

        def irrelevant() -> tuple[str, dict[str, Any]]:
            choice = rng.randrange(5)
            if choice == 0:
                return "issues", issue_payload(plain, "opened")
            if choice == 1:
                return "issues", issue_payload(rng.choice(numbers), "labeled", label=bug)
            if choice == 2:
                return "issues", issue_payload(rng.choice(numbers), "assigned")
            if choice == 3:
                return "star", star
            return "issues", other_repo

        def relevant() -> tuple[str, dict[str, Any], int]:
            number = rng.choice(numbers)
            action = rng.choice(("opened", *RELEVANT_ACTIONS))
            extra: dict[str, Any] = {"label": label} if action == "labeled" else {}
            if action == "edited":
                extra = {"changes": {"body": {"from": "an earlier version"}}}
            return "issues", issue_payload(number, action, **extra), number

        sends: list[Send] = []
        originals: list[Send] = []
        encoded: dict[bytes, bytes] = {}
        for _ in range(total):
            roll = rng.random()
            if roll < dup_ratio and originals:
                original = rng.choice(originals[-2000:])
                sends.append(replace(original, kind="duplicate"))
                continue
            if roll < dup_ratio + irrelevant_ratio:
                event, payload = irrelevant()
                kind, number = "irrelevant", None
            else:
                event, payload, number = relevant()
                kind = "relevant"
            delivery = str(uuid.UUID(int=rng.getrandbits(128)))
            body, headers = build_delivery(event, payload, SECRET, delivery)
            # Identical payloads share one bytes object (the body of a delivery never changes).
            body = encoded.setdefault(body, body)
            sends.append(Send(delivery, event, body, headers, kind, number))
            originals.append(sends[-1])
        return sends
    finally:
        standin.stop()


# -- the servers -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log_path: Path, access_path: Path) -> Iterator[str]:
    """``gunicorn 'bot.wsgi:create_app_from_env()'`` on a free 127.0.0.1 port; yields its URL.

    Its access log (``access_path``) has, per request, the microseconds gunicorn
    spent on it (from reading the request to sending the answer), the status
    and the path.
    """
    port = _free_port()
    argv = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--backlog", "2048",
        "--timeout", "30",
        "--graceful-timeout", "5",
        "--no-control-socket",  # gunicorn 23+: else a socket in ~/.gunicorn, shared by all
        "--access-logfile", str(access_path),
        "--access-logformat", "%(D)s %(s)s %(U)s",
        "bot.wsgi:create_app_from_env()",
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log_path}")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- sending -----------------------------------------------------------------------------


def _sender(
    host: str,
    port: int,
    sends: list[Send],
    work: queue.Queue[tuple[int, float] | None],
    results: list[Result | None],
) -> None:
    connection: http.client.HTTPConnection | None = None
    while True:
        item = work.get()
        if item is None:
            break
        index, due = item
        send = sends[index]
        started = time.perf_counter()
        lag = (started - due) * 1000
        status, answer, error = 0, "", None
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(host, port, timeout=15)
                connection.request("POST", "/webhook", body=send.body, headers=send.headers)
                response = connection.getresponse()
                raw = response.read()
                status = response.status
                try:
                    parsed = json.loads(raw)
                    answer = str(parsed.get("status") or parsed.get("error"))
                except (ValueError, AttributeError):
                    answer = raw[:80].decode("utf-8", "replace")
                if response.will_close:
                    connection.close()
                    connection = None
                error = None
                break
            except (OSError, http.client.HTTPException) as exc:
                if connection is not None:
                    connection.close()
                connection = None
                error = f"{type(exc).__name__}: {exc}"
                if attempt == 2 or not isinstance(
                    exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                ):
                    break
        latency = (time.perf_counter() - started) * 1000
        results[index] = Result(index, status, answer, latency, lag, error)
    if connection is not None:
        connection.close()


def send_all(
    url: str, sends: list[Send], rate: float, concurrency: int
) -> tuple[list[Result], float]:
    """Send ``sends`` at ``rate`` per second: one result per send, in order, and the seconds
    from the first scheduled send to the last answer."""
    host, port = url.removeprefix("http://").split(":")
    work: queue.Queue[tuple[int, float] | None] = queue.Queue()
    results: list[Result | None] = [None] * len(sends)
    threads = [
        threading.Thread(target=_sender, args=(host, int(port), sends, work, results), daemon=True)
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.2
    for index in range(len(sends)):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        work.put((index, due))
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.perf_counter() - start
    done = [r if r is not None else Result(i, 0, "", 0.0, 0.0, "not sent")
            for i, r in enumerate(results)]  # fmt: skip
    return done, elapsed


# -- checking ----------------------------------------------------------------------------


def _count_deliveries(store: JobStore) -> int:
    """How many deliveries the store holds (straight from its table or keys)."""
    from bot.queue.redis_store import RedisJobStore
    from bot.queue.sqlite_store import SqliteJobStore

    if isinstance(store, SqliteJobStore):
        return int(store._db().execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])
    if isinstance(store, RedisJobStore):
        return sum(1 for _ in store.redis.scan_iter(match=f"{store.prefix}:delivery:*", count=1000))
    raise TypeError(type(store).__name__)


def verify(store: JobStore, sends: list[Send], results: list[Result]) -> Verification:
    """Compare the job store with what was sent (see the module docstring)."""
    problems: list[str] = []
    unique = {s.delivery: s for s in sends if s.kind != "duplicate"}
    relevant = [s for s in unique.values() if s.kind == "relevant"]
    duplicates = [s for s in sends if s.kind == "duplicate"]
    answered_duplicate = sum(1 for r in results if r.answer == "duplicate")
    lost = wrong = 0
    job_of_issue: dict[int, set[str]] = {}
    for delivery_id, send in unique.items():
        recorded = store.delivery(delivery_id)
        if recorded is None:
            lost += 1
            continue
        expected = 1 if send.kind == "relevant" else 0
        if len(recorded.job_ids) != expected:
            wrong += 1
        if send.issue is not None:
            job_of_issue.setdefault(send.issue, set()).update(recorded.job_ids)
    jobs = store.jobs()
    events = sum(job.events for job in jobs)
    recorded_count = _count_deliveries(store)
    if lost:
        problems.append(f"{lost} deliveries were not recorded")
    if wrong:
        problems.append(f"{wrong} deliveries were recorded with the wrong number of jobs")
    if recorded_count != len(unique):
        problems.append(f"the store holds {recorded_count} deliveries, {len(unique)} were sent")
    if answered_duplicate != len(duplicates):
        problems.append(f"{answered_duplicate} answers said duplicate, {len(duplicates)} were")
    if events != len(relevant):
        problems.append(f"the jobs count {events} events, {len(relevant)} relevant were sent")
    if len(jobs) != len(job_of_issue):
        problems.append(f"{len(jobs)} jobs for {len(job_of_issue)} issues")
    if any(len(ids) != 1 for ids in job_of_issue.values()):
        problems.append("an issue has more than one job")
    if any(job.state != "queued" for job in jobs):
        problems.append("a job is not queued (no worker runs)")
    refused = [r for r in results if r.error or r.status not in (200, 202)]
    if refused:
        problems.append(f"{len(refused)} sends failed or were refused")
    return Verification(
        unique_sent=len(unique),
        relevant_sent=len(relevant),
        irrelevant_sent=len(unique) - len(relevant),
        duplicates_sent=len(duplicates),
        deliveries_recorded=recorded_count,
        lost=lost,
        recorded_twice_or_wrong=wrong,
        duplicates_answered=answered_duplicate,
        jobs=len(jobs),
        issues_touched=len(job_of_issue),
        events_in_jobs=events,
        problems=problems,
    )


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[rank]


# -- the run -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    """One load run; returns the measurements (also printed as a table)."""
    total = int(round(args.rate * args.seconds))
    warmup = args.warmup
    print(f"preparing {warmup} + {total} deliveries ...", flush=True)
    sends = build_sends(warmup + total, args.issues, args.seed, args.duplicates, args.irrelevant)
    workdir = Path(tempfile.mkdtemp(prefix="bot-load-"))
    try:
        state = workdir / "state"
        state.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "GITHUB_"))}
        env.update(
            GITHUB_WEBHOOK_SECRET=SECRET,
            ANTHOLOGY_REPO=ANTHOLOGY_REPO,
            BOT_LOGIN="anthology-bot",
            BOT_STATE_DIR=str(state),
            LOG_LEVEL=args.log_level,
            PYTHONPATH=str(REPO),
        )
        redis_dir = workdir / "redis"
        redis_dir.mkdir()
        if args.redis:
            from tests.redis_server import REDIS_SERVER, redis_server

            if REDIS_SERVER is None:
                raise SystemExit("redis-server is not installed (apt-get install redis-server)")
            backend = redis_server(redis_dir)
        else:
            backend = nullcontext(f"sqlite:///{state}/jobs.sqlite")
        log_path = workdir / "web.log"
        access_path = workdir / "access.log"
        with backend as queue_url:
            env["QUEUE_URL"] = queue_url
            with gunicorn(env, args.workers, log_path, access_path) as url:
                # Every gunicorn worker imports the form parser and opens the store on its
                # first deliveries: those are sent first, checked but not timed.
                warm, _ = send_all(url, sends[:warmup], min(args.rate, 50.0), args.concurrency)
                time.sleep(0.2)
                warm_lines = len(access_path.read_text(encoding="utf-8").splitlines())
                load_before = os.getloadavg()
                print(f"sending {total} deliveries at {args.rate:g}/s to {url} ...", flush=True)
                timed, elapsed = send_all(url, sends[warmup:], args.rate, args.concurrency)
                load_after = os.getloadavg()
                results = warm + [
                    Result(r.index + warmup, r.status, r.answer, r.latency_ms, r.lag_ms, r.error)
                    for r in timed
                ]
            store = open_store(queue_url)
            try:
                check = verify(store, sends, results)
            finally:
                store.close()
        log_lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        server_ms = [
            int(fields[0]) / 1000
            for line in access_path.read_text(encoding="utf-8").splitlines()[warm_lines:]
            if len(fields := line.split()) == 3 and fields[2] == "/webhook"
        ]
        if args.keep_log:
            shutil.copy(log_path, args.keep_log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    latencies = [r.latency_ms for r in timed if not r.error]
    lags = [r.lag_ms for r in timed]
    answers = Counter(f"{r.status} {r.answer}" for r in results)
    return {
        "store": "redis" if args.redis else "sqlite",
        "gunicorn_workers": args.workers,
        "rate": args.rate,
        "seconds": args.seconds,
        "sent": len(timed),
        "warmup": warmup,
        "elapsed_s": round(elapsed, 2),
        "achieved_rate": round(len(timed) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p90_ms": round(percentile(latencies, 0.90), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies, default=0.0), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else 0.0,
        "server_p50_ms": round(percentile(server_ms, 0.50), 2),
        "server_p99_ms": round(percentile(server_ms, 0.99), 2),
        "server_max_ms": round(max(server_ms, default=0.0), 2),
        "server_timed": len(server_ms),
        "send_lag_p99_ms": round(percentile(lags, 0.99), 2),
        "send_lag_max_ms": round(max(lags, default=0.0), 2),
        "errors": sum(1 for r in results if r.error or r.status not in (200, 202)),
        "answers": dict(sorted(answers.items())),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "log_lines": len(log_lines),
        "log_sample": [line for line in log_lines if line.startswith("{")][:3],
        "verification": {**asdict(check), "ok": check.ok},
    }


def print_table(report: dict[str, Any]) -> None:
    """The measurements as a markdown table."""
    check = report["verification"]
    rows = [
        ("store", report["store"]),
        ("gunicorn sync workers", report["gunicorn_workers"]),
        ("schedule", f"{report['rate']:g}/s for {report['seconds']:g} s = {report['sent']} sends "
         f"(after {report['warmup']} untimed warm-up sends)"),
        ("achieved rate", f"{report['achieved_rate']}/s ({report['elapsed_s']} s)"),
        ("ack latency p50", f"{report['p50_ms']} ms"),
        ("ack latency p90", f"{report['p90_ms']} ms"),
        ("ack latency p99", f"{report['p99_ms']} ms (target < {TARGET_P99_MS:g} ms)"),
        ("ack latency max", f"{report['max_ms']} ms"),
        ("in gunicorn p50 / p99 / max", f"{report['server_p50_ms']} / {report['server_p99_ms']} / "
         f"{report['server_max_ms']} ms ({report['server_timed']} requests)"),
        ("sender lag p99 / max", f"{report['send_lag_p99_ms']} / {report['send_lag_max_ms']} ms"),
        ("errors (non-2xx, refused)", report["errors"]),
        ("answers", ", ".join(f"{k}: {v}" for k, v in report["answers"].items())),
        ("unique deliveries sent", f"{check['unique_sent']} "
         f"({check['relevant_sent']} relevant, {check['irrelevant_sent']} irrelevant)"),
        ("deliveries recorded", check["deliveries_recorded"]),
        ("re-sent ids / answered duplicate", f"{check['duplicates_sent']} / "
         f"{check['duplicates_answered']}"),
        ("lost", check["lost"]),
        ("recorded with wrong jobs", check["recorded_twice_or_wrong"]),
        ("jobs (one per issue) / issues", f"{check['jobs']} / {check['issues_touched']}"),
        ("events in jobs / relevant sent", f"{check['events_in_jobs']} / "
         f"{check['relevant_sent']}"),
        ("load average before / after", f"{report['loadavg_before']} / "
         f"{report['loadavg_after']}"),
        ("verdict", "OK: nothing lost or duplicated" if check["ok"] else
         "FAILED: " + "; ".join(check["problems"])),
    ]  # fmt: skip
    width = max(len(str(name)) for name, _ in rows)
    print(f"\n| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {str(name).ljust(width)} | {value} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=300.0, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to send")
    parser.add_argument("--quick", action="store_true", help="100/s for 3 s (for CI)")
    parser.add_argument("--redis", action="store_true", help="the Redis store (redis-server)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--concurrency", type=int, default=16, help="sender threads")
    parser.add_argument(
        "--issues", type=int, default=400, help="assignment issues the events are about"
    )
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of re-sent ids")
    parser.add_argument("--irrelevant", type=float, default=0.10, help="share of irrelevant events")
    parser.add_argument("--warmup", type=int, default=100, help="untimed first deliveries")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log-level", default="INFO", help="the web process's LOG_LEVEL")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument("--keep-log", type=Path, help="copy the web process's log here")
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds = 100.0, 3.0
        args.issues = min(args.issues, 60)
        args.warmup = min(args.warmup, 40)
    if not 0 < args.rate <= 2000 or not 0 < args.seconds <= 600:
        parser.error("keep --rate in (0, 2000] and --seconds in (0, 600]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if report["verification"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
