"""The command line: ``python -m draftorders demo``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from draftorders.demo import run_demo

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="draftorders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="build, price, explain and complete an example order")
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo()
    return 0
