"""The `encke` command line: `encke <command> --help` describes each command.

Each subcommand lives in its own module under `encke.client.commands` and provides
`register(subparsers)`, which adds its parser and sets `func` to the function that runs it.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("fetch", "serve", "propagate", "observe", "tonight", "approaches", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="encke",
        description="encke: comet trajectories from the MPC catalog, two-body or N-body, batched in JAX.",
    )
    parser.add_argument("--version", action="version", version=f"encke {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"encke.client.commands.{name}").register(subparsers)
    return parser


def _version() -> str:
    import encke

    return encke.__version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
