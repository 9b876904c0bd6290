"""Run the GitHub stand-in by hand: ``python -m tests.github_standin [--bare PATH]``.

It serves until interrupted and prints what a bot needs to point at it.
"""

from __future__ import annotations

import argparse
import signal
import threading

from tests.github_standin.server import GitHubStandIn


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, start the stand-in, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", default="acl-org/acl-anthology", help="owner/name")
    parser.add_argument(
        "--bare", default=None, help="bare repository to serve (default: a new one)"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--token", default="standin-token", help="token the bot may use")
    parser.add_argument("--login", default="anthology-bot", help="login of that token")
    args = parser.parse_args(argv)

    standin = GitHubStandIn(
        repo=args.repo, bare_repo_path=args.bare, token=args.token, login=args.login, port=args.port
    )
    with standin:
        print(f"GITHUB_API_URL={standin.api_url}")
        print(f"GITHUB_TOKEN={standin.token}")
        print(f"ANTHOLOGY_REPO={standin.repo_full_name}")
        print(f"ANTHOLOGY_CLONE_URL={standin.clone_url}", flush=True)
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
