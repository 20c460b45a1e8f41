"""`encke bench`: run the benchmark harness (benchmarks/ in the source tree).

    encke bench            # every registered benchmark, full sizes (several minutes)
    encke bench --quick    # small sizes (about a minute)

The harness is not part of the installed package: it runs from a source checkout, found next
to the installed `encke` package (an editable install) or in the current directory. It prints
markdown tables and writes them to benchmarks/results/.
Exit codes: the harness' own, or 2 when no source checkout with benchmarks/ is found.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run the benchmark harness (from a source checkout)",
                              description="Run `python -m benchmarks` from the encke source tree.")
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--only", action="append", metavar="NAME", help="run only this benchmark (repeatable)")
    p.add_argument("--no-peers", action="store_true", help="skip the NumPy baseline and kete")
    p.set_defaults(func=run)


def find_source_root() -> Path | None:
    import encke

    candidates = [Path(encke.__file__).resolve().parents[1], Path.cwd()]
    for root in candidates:
        if (root / "benchmarks" / "__main__.py").is_file():
            return root
    return None


def run(args) -> int:
    root = find_source_root()
    if root is None:
        print("encke bench: error: benchmarks/ not found: run from an encke source checkout "
              "(the harness is not installed with the package)", file=sys.stderr)
        return 2
    argv = [sys.executable, "-m", "benchmarks"]
    if args.quick:
        argv.append("--quick")
    if args.no_peers:
        argv.append("--no-peers")
    for name in args.only or ():
        argv += ["--only", name]
    return subprocess.run(argv, cwd=root).returncode
