"""``python -m demo``: the bot's whole flow on the bundled sample, against the GitHub stand-in.

The demo lives outside the ``bot`` package because it drives the stand-in from
``tests/github_standin``: the product never imports test code.
"""

from __future__ import annotations

import argparse
import sys

from demo.run import run_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument(
        "--keep-running", action="store_true", help="keep the servers up afterwards"
    )
    parser.add_argument("--verbose", action="store_true", help="show the services' logs")
    args = parser.parse_args(argv)
    return run_demo(keep_running=args.keep_running, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
