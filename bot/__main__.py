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
            print(json.dumps({"ok": False, "problems": [
                {"field": f, "message": m} for f, m in problems]}, indent=2))
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "plan":
        return cmd_plan(args)
    if args.command == "apply":
        return cmd_plan(args, apply=True)
    if args.command == "parse":
        return cmd_parse(args)
    raise AssertionError(args.command)  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
