"""Command line: ``python -m bot plan|apply|parse|serve|worker|reconcile|jobs|action|...``.

Each command delegates to the module that owns the work; this file only reads
arguments and prints. Exit status 0 means success, 2 a request with problems
(one line per problem on standard error), 1 an operational failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_PROBLEMS = 2
EXIT_FAILURE = 1
EXIT_BROKEN_PIPE = 141  # as a shell reports a command killed by SIGPIPE

# lxml imports rnc2rng (RELAX NG compact syntax, there for the acl-anthology library)
# eagerly if it is installed, and building its grammar takes a third of the start-up
# time of a short command. The bot's processes never read RELAX NG compact schemas.
sys.modules.setdefault("rnc2rng", None)  # type: ignore[arg-type]


def _load_request(path: Path, data):  # noqa: ANN001 - AnthologyData, imported lazily
    """A request from a JSON file, or from an issue body file (parsed with the data).

    Raises ``bot.io.files.UnreadableFile`` for a file that cannot be read.
    """
    from bot.engine.request import RequestFormatError, request_from_text
    from bot.io.files import read_text

    text = read_text(path, "request file")
    if text.lstrip().startswith("{"):
        try:
            return request_from_text(text), []
        except RequestFormatError as exc:
            return None, [("request", str(exc))]
    result = _parse_issue_text(text, data)
    return result.request, [(p.field, p.message) for p in result.problems]


def _parse_issue_text(text: str, data):  # noqa: ANN001, ANN202 - lazily imported types
    """An issue file's text (``bot.forms.read_issue_text``) parsed into a request."""
    from bot.forms import parse_issue, read_issue_text

    issue = read_issue_text(text)
    return parse_issue(issue.title, issue.body, data)


def _print_problems(problems: list[tuple[str, str]]) -> int:
    """Each problem once, one line, on standard error; the exit status for problems."""
    for field, message in problems:
        print(f"{field}: {message}", file=sys.stderr)
    return EXIT_PROBLEMS


def _open_data(args: argparse.Namespace):  # noqa: ANN202 - AnthologyData, imported lazily
    """The data directory of ``--data`` (DataDirectoryError if it is not one)."""
    from bot.engine.dataset import AnthologyData

    return AnthologyData(Path(args.data), Path(args.index) if args.index else None)


def cmd_plan(args: argparse.Namespace, apply: bool = False) -> int:
    from bot.text.render import render_plan_text

    data = _open_data(args)
    request, problems = _load_request(Path(args.request), data)
    if request is None or problems:
        if args.json:
            print(
                json.dumps(
                    {"ok": False, "problems": [{"field": f, "message": m} for f, m in problems]},
                    indent=2,
                )
            )
        return _print_problems(problems)
    plan = data.plan(request)
    if args.json:
        print(json.dumps(plan.to_json(), indent=2, ensure_ascii=False))
    else:
        # The problems go to standard error below, once; not into the plan's text too.
        print(render_plan_text(plan, with_problems=False))
    if not plan.ok:
        problems = [(p.field, p.message) for p in plan.problems] or [
            ("papers", "nothing to change")
        ]
        return _print_problems(problems)
    if apply:
        from bot.engine.apply import ApplyError

        try:
            written = data.apply(plan)
        except ApplyError as exc:
            return _print_problems([("data", str(exc))])
        if not args.json:
            print(f"Applied: wrote {len(written)} file(s).")
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    """The request an issue file holds on standard output; its problems on standard error."""
    from bot.io.files import read_text

    text = read_text(Path(args.issue), "issue file")
    data = _open_data(args) if args.data else None
    result = _parse_issue_text(text, data)
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif result.request is not None:
        print(json.dumps(result.request.to_json(), indent=2, ensure_ascii=False))
    if result.problems:
        _print_problems([(p.field, p.message) for p in result.problems])
    return 0 if result.request is not None and not result.problems else EXIT_PROBLEMS


def _service_settings():  # noqa: ANN202 - bot.config.Settings, imported lazily
    """Settings from the environment, with JSON logging configured; None if they are wrong."""
    from bot.config import ConfigError, Settings
    from bot.logs import configure_logging

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return None
    configure_logging(settings.log_level, settings.secrets)
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    """The web process on werkzeug's server (production: gunicorn, see bot.web.app)."""
    from werkzeug.serving import make_server

    from bot.config import ConfigError
    from bot.io.github import with_app_login
    from bot.web.app import create_app

    settings = _service_settings()
    if settings is None:
        return 1
    if settings.needs_app_login:
        from bot.io.github import with_app_login

        settings = with_app_login(settings)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        app = create_app(settings)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 1
    # One thread: the demo pages' data index belongs to the thread that opened it.
    server = make_server(args.host, args.port, app, threaded=False)
    print(f"serving on http://{args.host}:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run jobs until stopped (or, with --once, until none is runnable)."""
    import signal

    from bot.config import ConfigError
    from bot.queue.stores import open_store
    from bot.worker.runner import Worker

    settings = _service_settings()
    if settings is None:
        return 1
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.queue_url)
    try:
        worker = Worker(settings, store)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 1
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop_event.set())
    try:
        worker.run(once=args.once, max_jobs=args.max_jobs)
    finally:
        store.close()
    return 0


def cmd_healthcheck(args: argparse.Namespace) -> int:
    """Exit 0 if this container's process is healthy (``bot.worker.health``), else 1."""
    from bot.config import ConfigError, Settings
    from bot.worker.health import check_web, check_worker, heartbeat_path, max_heartbeat_age

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"unhealthy: configuration error: {exc}", file=sys.stderr)
        return 1
    heartbeat = heartbeat_path(settings.state_dir)
    role = args.role
    if role == "auto":
        role = "worker" if heartbeat.exists() else "web"
    if role == "worker":
        limit = max_heartbeat_age(settings.worker_poll_seconds, settings.job_lease_seconds)
        verdict = check_worker(heartbeat, limit)
    else:
        verdict = check_web(f"http://127.0.0.1:{args.port}/healthz")
    print(f"{'healthy' if verdict.healthy else 'unhealthy'} ({role}): {verdict.reason}")
    return 0 if verdict.healthy else 1


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Queue the jobs of the issues whose events the bot missed (``bot.worker.jobs.reconcile``)."""
    from bot.config import ConfigError
    from bot.io.github import GitHubError, make_github
    from bot.queue.stores import open_store
    from bot.worker.jobs.reconcile import reconcile

    settings = _service_settings()
    if settings is None:
        return 1
    try:
        github = settings.github_settings()
        if github.is_app and github.installation_id is None:
            raise ConfigError("reconcile needs GITHUB_INSTALLATION_ID when the bot is an App")
        repo = make_github(github).repo()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 1
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = None if args.dry_run else open_store(settings.queue_url)
    try:
        findings = reconcile(repo, settings, store.enqueue if store else None)
    except GitHubError as exc:
        print(f"GitHub error: {exc}", file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.close()
    for finding in findings:
        print(f"#{finding.number}: {finding.reason}")
    verb = "would queue" if args.dry_run else "queued"
    print(f"{verb} {len(findings)} issue job(s)", file=sys.stderr)
    return 0


def _job_line(job) -> str:  # noqa: ANN001 - bot.jobs.Job, imported lazily
    """One job on one line: id, state, issue, attempts, age, and why it ended."""
    import datetime as dt

    when = dt.datetime.fromtimestamp(job.updated_at, dt.UTC).strftime("%Y-%m-%d %H:%M")
    issue = f"#{job.issue_number}" if job.issue_number is not None else "-"
    why = job.last_error if job.state == "failed" and job.last_error else job.reason or ""
    return f"{job.id}\t{job.state}\t{issue}\tattempts {job.attempts}\t{when}\t{why}".rstrip()


def cmd_jobs(args: argparse.Namespace) -> int:
    """Operate the job store: list, show, retry, prune (on either backend)."""
    from bot.queue.jobs import JOB_STATES, RetryRefused, StoreVersionError
    from bot.queue.stores import open_store

    settings = _service_settings()
    if settings is None:
        return 1
    try:
        store = open_store(settings.queue_url)
    except StoreVersionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        if args.jobs_command == "list":
            state = args.state if args.state in JOB_STATES else None
            found = store.jobs(state=state, issue_number=args.issue)
            if args.json:
                print(json.dumps([j.to_json() for j in found], indent=2, ensure_ascii=False))
            else:
                for job in found:
                    print(_job_line(job))
                print(f"{len(found)} job(s)", file=sys.stderr)
            return 0
        if args.jobs_command == "show":
            job = store.get(args.job_id)
            if job is None:
                print(f"no job {args.job_id}", file=sys.stderr)
                return 1
            print(json.dumps(job.to_json(), indent=2, ensure_ascii=False))
            return 0
        if args.jobs_command == "retry":
            try:
                job = store.retry(args.job_id)
            except RetryRefused as exc:
                print(str(exc), file=sys.stderr)
                return 1
            print(f"queued {job.id} again")
            return 0
        days = args.older_than_days
        if days is None:
            days = settings.job_retention_days
        removed = store.prune(older_than=days * 24 * 3600)
        print(f"pruned {removed} finished job(s) older than {days:g} days")
        return 0
    except StoreVersionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # the store cannot be reached: say so, no traceback
        print(f"the job store is unavailable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def cmd_action(args: argparse.Namespace) -> int:
    """Handle the event of a GitHub Actions workflow run (``bot.worker.action``).

    The triage router is the web process's, bound here: the worker package
    never imports the web package.
    """
    import os
    import tempfile

    from bot.config import ConfigError, Settings
    from bot.logs import configure_logging
    from bot.queue.stores import open_store
    from bot.web.router import event_context
    from bot.web.triage import default_router
    from bot.worker.action import (
        EventFileError,
        action_environment,
        delivery_id_of,
        describe_job,
        read_event,
        run_action,
        step_summary,
    )

    env = action_environment(os.environ)
    try:
        event = read_event(
            args.event_path or env.get("GITHUB_EVENT_PATH"),
            args.event_name or env.get("GITHUB_EVENT_NAME"),
            delivery_id_of(env),
        )
    except EventFileError as exc:
        print(f"event error: {exc}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="anthology-bot-") as scratch:
        if not env.get("QUEUE_URL", "").strip():
            # One run, one job store: nothing of another run's jobs is left to trip over.
            env["QUEUE_URL"] = f"sqlite:///{scratch}/jobs.sqlite"
        try:
            settings = Settings.from_env(env)
        except ConfigError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 1
        configure_logging(settings.log_level, settings.secrets)
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        router = default_router()
        context = event_context(settings)
        store = open_store(settings.queue_url)
        try:
            result = run_action(
                settings,
                event,
                lambda name, payload: router.dispatch(name, payload, context),
                store,
                retry_budget=args.retry_budget,
            )
        except EventFileError as exc:
            print(f"event error: {exc}", file=sys.stderr)
            return 1
        except ConfigError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 1
        finally:
            store.close()
    summary_file = env.get("GITHUB_STEP_SUMMARY", "").strip()
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as summary:
            summary.write(step_summary(event, result))
    if not result.jobs:
        print(f"nothing to do: the {event.name!r} event does not concern the bot")
    for job in result.jobs:
        line = describe_job(job)
        print(line, file=sys.stdout if job not in result.unfinished else sys.stderr)
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("plan", "check a request against the data and print the plan"),
        ("apply", "plan a request and write the changes into the data directory"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--data", required=True, help="data directory (holds xml/ and json/)")
        p.add_argument("--index", help="name index file (default: a per-user cache)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("request", help="request JSON file, or an issue body (markdown) file")
    p = sub.add_parser("parse", help="parse an issue body into a request")
    p.add_argument("issue", help="issue markdown file")
    p.add_argument("--data", help="check references against this data directory")
    p.add_argument("--index", help="name index file (default: a per-user cache)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("serve", help="run the web process (webhooks, health, demo pages)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p = sub.add_parser("worker", help="run jobs from the queue")
    p.add_argument("--once", action="store_true", help="stop when no job is runnable")
    p.add_argument("--max-jobs", type=int, default=None, help="stop after this many jobs")
    p = sub.add_parser("healthcheck", help="exit 0 if this container's process is healthy")
    p.add_argument(
        "role",
        nargs="?",
        choices=("auto", "web", "worker"),
        default="auto",
        help="web: GET /healthz; worker: a fresh heartbeat file; auto (default): the "
        "worker's check if this host has a heartbeat file, else the web's",
    )
    p.add_argument("--port", type=int, default=8000, help="the web process's port (default 8000)")
    p = sub.add_parser("reconcile", help="queue jobs for issues whose events were missed")
    p.add_argument("--dry-run", action="store_true", help="only list them")
    p = sub.add_parser("jobs", help="list, show, retry or prune the job store's jobs")
    jobs = p.add_subparsers(dest="jobs_command", required=True)
    q = jobs.add_parser("list", help="jobs, oldest first")
    q.add_argument(
        "--state", choices=("queued", "running", "waiting", "done", "failed"), help="only these"
    )
    q.add_argument("--issue", type=int, help="only jobs about this issue number")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q = jobs.add_parser("show", help="one job, in full (JSON)")
    q.add_argument("job_id")
    q = jobs.add_parser("retry", help="queue a failed job again")
    q.add_argument("job_id")
    q = jobs.add_parser("prune", help="delete finished jobs older than an age")
    q.add_argument(
        "--older-than-days",
        type=float,
        default=None,
        help="age in days (default: JOB_RETENTION_DAYS, 30)",
    )
    p = sub.add_parser(
        "action", help="handle the event of a GitHub Actions workflow run (see docs/actions.md)"
    )
    p.add_argument("--event-path", help="the event file (default: $GITHUB_EVENT_PATH)")
    p.add_argument("--event-name", help="the event's name (default: $GITHUB_EVENT_NAME)")
    p.add_argument(
        "--retry-budget",
        type=float,
        default=900.0,
        help="seconds to wait for retries of passing failures (default 900)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a file or data directory that cannot be used is one line, exit 1."""
    from bot.engine.dataset import DataDirectoryError
    from bot.io.files import UnreadableFile

    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
        return code
    except (UnreadableFile, DataDirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        # The reader went away (``python -m bot plan ... | head``): not an error of ours.
        # Point stdout at /dev/null so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace) -> int:
    if args.command == "plan":
        return cmd_plan(args)
    if args.command == "apply":
        return cmd_plan(args, apply=True)
    if args.command == "parse":
        return cmd_parse(args)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "worker":
        return cmd_worker(args)
    if args.command == "reconcile":
        return cmd_reconcile(args)
    if args.command == "jobs":
        return cmd_jobs(args)
    if args.command == "healthcheck":
        return cmd_healthcheck(args)

    if args.command == "action":
        return cmd_action(args)
    raise AssertionError(args.command)  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
