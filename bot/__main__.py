"""Command line: ``python -m bot plan|apply|parse|serve|worker|reconcile|demo``.

Each command delegates to the module that owns the work; this file only reads
arguments and prints. Exit status 0 means success, 2 a request with problems
(one line per problem on standard error), 1 an operational failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_PROBLEMS = 2

# lxml imports rnc2rng (RELAX NG compact syntax, there for the acl-anthology library)
# eagerly if it is installed, and building its grammar takes a third of the start-up
# time of a short command. The bot's processes never read RELAX NG compact schemas.
sys.modules.setdefault("rnc2rng", None)  # type: ignore[arg-type]


def _load_request(path: Path, data):  # noqa: ANN001 - AnthologyData, imported lazily
    """A request from a JSON file, or from an issue body file (parsed with the data)."""
    from bot.request import RequestFormatError, request_from_text

    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        try:
            return request_from_text(text), []
        except RequestFormatError as exc:
            return None, [("request", str(exc))]
    from bot.forms import parse_issue_file

    result = parse_issue_file(path, lookup=data)
    return result.request, [(p.field, p.message) for p in result.problems]


def _print_problems(problems: list[tuple[str, str]]) -> int:
    for field, message in problems:
        print(f"{field}: {message}", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_plan(args: argparse.Namespace, apply: bool = False) -> int:
    from bot.anthology.dataset import AnthologyData, DataDirectoryError
    from bot.render import render_plan_text

    try:
        data = AnthologyData(Path(args.data), Path(args.index) if args.index else None)
    except DataDirectoryError as exc:
        print(str(exc), file=sys.stderr)
        return 1
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
        print(render_plan_text(plan))
    if not plan.ok:
        problems = [(p.field, p.message) for p in plan.problems] or [
            ("papers", "nothing to change")
        ]
        return _print_problems(problems)
    if apply:
        from bot.apply import ApplyError, apply_plan

        try:
            written = apply_plan(plan, data.data_dir)
        except ApplyError as exc:
            return _print_problems([("data", str(exc))])
        if not args.json:
            print(f"Applied: wrote {len(written)} file(s).")
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.forms import parse_issue_file

    data = None
    if args.data:
        from bot.anthology.dataset import AnthologyData

        data = AnthologyData(Path(args.data), Path(args.index) if args.index else None)
    result = parse_issue_file(Path(args.issue), lookup=data)
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        if result.request is not None:
            print(json.dumps(result.request.to_json(), indent=2, ensure_ascii=False))
        for p in result.problems:
            print(f"- {p.field}: {p.message}")
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
    """The web process on werkzeug's server (production: gunicorn, see bot.web)."""
    from werkzeug.serving import make_server

    from bot.config import ConfigError
    from bot.web import create_app

    settings = _service_settings()
    if settings is None:
        return 1
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
    from bot.jobs import open_store
    from bot.worker import Worker

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


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Queue the jobs of the issues whose events the bot missed (``bot.reconcile``)."""
    from bot.config import ConfigError
    from bot.github import GitHubError, make_github
    from bot.jobs import open_store
    from bot.reconcile import reconcile

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


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(keep_running=args.keep_running, verbose=args.verbose)


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
    p = sub.add_parser("reconcile", help="queue jobs for issues whose events were missed")
    p.add_argument("--dry-run", action="store_true", help="only list them")
    p = sub.add_parser("demo", help="the whole flow locally on the sample data, no GitHub needed")
    p.add_argument("--keep-running", action="store_true", help="keep the servers up afterwards")
    p.add_argument("--verbose", action="store_true", help="show the services' logs")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    if args.command == "demo":
        return cmd_demo(args)
    raise AssertionError(args.command)  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
