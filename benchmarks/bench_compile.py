"""First-call time of a new shape, in fresh processes: without the persistent compilation
cache, and with it (a first process fills a fresh cache folder, a second one reads it).

    python -m benchmarks --only compile
    python -m benchmarks.bench_compile --case two-body      # one case alone

Cases: two-body `propagate` of 1,000 mix orbits to 10 epochs; N-body
`propagate_states_nbody` of 10 mix orbits over 1 year (DE440). Each child times the first call
(compilation included) and a second call of the same shape (steady state); compile_s = first -
steady. Targets (issue 17): <= 3 s two-body, <= 5 s N-body for a shape not seen before.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import register

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, time, numpy as np
from benchmarks import populations
case = {case!r}
if case == "two-body":
    from encke.engine.propagate import propagate
    el = populations.elements("mix", 1000, 2460676.5)
    times = 2460676.5 + np.linspace(-3650, 3650, 10)
    run = lambda: propagate(el, times)
else:
    from encke.engine import nbody
    from encke.engine.ephemeris import load_ephemeris
    eph = load_ephemeris("de440")
    el = populations.elements("mix", 10, 2461043.5)
    states, ng = populations.barycentric_states(el, eph), populations.nongrav(10)
    run = lambda: nbody.propagate_states_nbody(states, 2461043.5, [2461043.5 + 365.25], ephemeris=eph,
                                               nongrav_params=ng)
t0 = time.perf_counter(); run(); first = time.perf_counter() - t0
t0 = time.perf_counter(); run(); steady = time.perf_counter() - t0
print(json.dumps({{"first": first, "steady": steady}}))
"""


def _child(case: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(case=case)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=1200, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


CASES = (("two-body", 3.0), ("nbody", 5.0))


@register("compile")
def bench_compile(args, cases=CASES):
    base = {k: v for k, v in os.environ.items() if not k.startswith("ENCKE_COMPILATION_CACHE")}
    rows = []
    for case, target in cases:
        off = _child(case, dict(base, ENCKE_COMPILATION_CACHE="0"))
        with tempfile.TemporaryDirectory(prefix="encke-compile-") as folder:
            env = dict(base, ENCKE_COMPILATION_CACHE_DIR=folder)
            _child(case, env)  # fills the cache
            warm = _child(case, env)
        rows.append({"case": case, "target_s": target, "cold_compile_s": round(off["first"] - off["steady"], 2),
                     "cache_hit_compile_s": round(warm["first"] - warm["steady"], 2),
                     "steady_s": round(min(off["steady"], warm["steady"]), 3),
                     "load_average": round(os.getloadavg()[0], 1)})
        print(rows[-1], file=sys.stderr, flush=True)
    note = ("compile_s = first call - second call of the same shape in a fresh process; cold: "
            "ENCKE_COMPILATION_CACHE=0; cache hit: a second process on a cache folder a first one filled.\n")
    return rows, note


def main(argv=None) -> list:
    """Standalone: `python -m benchmarks.bench_compile [--case two-body|nbody ...]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_compile")
    parser.add_argument("--case", nargs="+", default=[c for c, _ in CASES], choices=[c for c, _ in CASES])
    args = parser.parse_args(argv)
    rows, note = bench_compile(args, cases=tuple(c for c in CASES if c[0] in args.case))
    print("| case | target s | cold compile s | cache-hit compile s | steady s | load |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['target_s']} | {r['cold_compile_s']} | {r['cache_hit_compile_s']} | {r['steady_s']} "
              f"| {r['load_average']} |")
    print(note)
    return rows


if __name__ == "__main__":
    main()
