"""`encke bench`: benchmarks on the default catalog (the MPC snapshot shipped with encke unless
--catalog, $ENCKE_CATALOG or a newer download says otherwise).

    encke bench --quick    # small sizes (about a minute)
    encke bench            # full sizes (several minutes)

From a source checkout (found next to the imported `encke` package, as with an editable install,
or in the current directory) it runs the harness in benchmarks/: the engine against NumPy and the
peer tools, the N-body integrator, observing, the service and the viewer in headless Chromium.
Installed from a wheel, where benchmarks/ is absent, it runs the engine benchmark that ships with
the package (engine_bench.py) and says what needs a checkout. `--builtin` runs that one anywhere.
Exit codes: the harness' own; 2 for a bad option or catalog.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT_HINT = ("the full harness (NumPy and peer tools side by side, N-body, observing, the service and the "
                 "viewer in headless Chromium) is in benchmarks/ of a source checkout: clone encke, then `make bench`")


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run the benchmarks",
                              description="Benchmark encke on the default catalog. From a source checkout: the "
                                          "harness in benchmarks/ (`python -m benchmarks`); installed: the engine "
                                          "benchmark that ships with the package.")
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--catalog", metavar="PATH", help="MPC CometEls.txt (default: $ENCKE_CATALOG, else the newest "
                                                     "of the cached download and the snapshot shipped with encke)")
    p.add_argument("--builtin", action="store_true", help="run the packaged engine benchmark even in a checkout")
    p.add_argument("--only", action="append", metavar="NAME", help="harness only: run this benchmark (repeatable)")
    p.add_argument("--no-peers", action="store_true", help="harness only: skip the NumPy baseline and kete")
    p.set_defaults(func=run)


def find_source_root() -> Path | None:
    import encke

    candidates = [Path(encke.__file__).resolve().parents[1], Path.cwd()]
    for root in candidates:
        if (root / "benchmarks" / "__main__.py").is_file():
            return root
    return None


def run(args) -> int:
    from encke.engine.catalog.default import choose_catalog

    try:
        choice = choose_catalog(args.catalog)
    except FileNotFoundError as exc:
        print(f"encke bench: {exc}", file=sys.stderr)
        return 2
    print(f"catalog: {choice.describe()}", flush=True)
    root = None if args.builtin else find_source_root()
    if root is None:
        return _builtin(choice, args)
    argv = [sys.executable, "-m", "benchmarks"]
    if args.quick:
        argv.append("--quick")
    if args.no_peers:
        argv.append("--no-peers")
    for name in args.only or ():
        argv += ["--only", name]
    # every harness benchmark reads $ENCKE_CATALOG, so they all use the catalog chosen here
    env = dict(os.environ, ENCKE_CATALOG=str(choice.path))
    return subprocess.run(argv, cwd=root, env=env).returncode


def _builtin(choice, args) -> int:
    from encke.engine.catalog import read_comets

    from . import engine_bench

    if args.only or args.no_peers:
        print(f"encke bench: --only and --no-peers select harness benchmarks; {CHECKOUT_HINT}", file=sys.stderr)
        return 2
    catalog = read_comets(choice.path)
    print(f"engine benchmark ({'quick' if args.quick else 'full'} run): compile time and steady state (best of "
          f"{engine_bench.REPEATS}) apart\n", flush=True)
    print(engine_bench.table(engine_bench.run_cases(catalog, args.quick)))
    print(f"\nnot run here: {CHECKOUT_HINT}")
    return 0
