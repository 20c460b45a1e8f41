"""Run every registered benchmark: `python -m benchmarks [--quick] [--only NAME]`."""
from __future__ import annotations

import argparse
import datetime
import sys

from . import REGISTRY, RESULTS, load_all, machine_description, markdown_table


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description="encke benchmark harness")
    p.add_argument("--quick", action="store_true", help="small sizes only (about a minute)")
    p.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    p.add_argument("--no-peers", action="store_true", help="skip the NumPy baseline and kete")
    p.add_argument("--large", action="store_true",
                   help="the largest sizes too (N-body: N = 10,000 for every population, and its peak RSS)")
    p.add_argument("--repeats", type=int, default=2, help="timed repetitions per case (default %(default)s)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    load_all()
    names = args.only or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {sorted(REGISTRY)}", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in names:
        rows, notes = REGISTRY[name](args)
        text = (f"## {name} ({'quick' if args.quick else 'full'} run, {stamp})\n\n"
                f"Machine: {machine_description()}\n\n{markdown_table(rows)}\n{notes}\n")
        print(text, flush=True)
        (RESULTS / f"{name}-{stamp}.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
