"""Benchmark: uncertainty and close approaches beside plain N-body propagation, in one run.

    python -m benchmarks.bench_uncertainty [--quick] [--out-dir DIR]

Over 10 years from the catalog's date (the shared MPC file of 2026-01-03, or $ENCKE_CATALOG),
DE421, with monthly outputs (121 epochs):
- plain: encke.propagate(model="nbody") of the whole catalog (the peer of every other row);
- covariance: encke.propagate_covariance of the whole catalog (the catalog has no covariance:
  each comet gets a diagonal one over e, q, tp, node, peri, i; the cost does not depend on
  the values), target <= 3x plain;
- clones: 1,000 Monte Carlo clones of 67P (its SBDB covariance, sample_orbits) propagated
  over 10 years, target < 1 s; "clones, gravity" the same without A1..DT (nongrav=False), to
  show what the non-gravitational force (with its delay DT) costs;
- approaches: encke.close_approaches of the whole catalog to the Earth (0.2 au), target
  <= 1.5x plain.
Each row's first call includes compilation (and the state of JAX's persistent compilation
cache). Then each row runs PAIRS times alternating with plain, call for call: the steady state is
the best of its calls, and "x plain" the median of the PAIRS ratios of a call to the plain call
just before it (on a shared 2-core machine the load drifts within seconds; a ratio of two calls
taken side by side holds, a ratio of two bests taken a minute apart swings by 30%).
--quick: 100 comets. --only approaches,clones (any of covariance, clones, "clones, gravity" as
clones-gravity, approaches): plain and those rows only, e.g. the whole catalog's approaches
beside plain propagation in a few minutes.
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from . import write_results

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
START_TDB = 2461043.5  # 2026-01-03.0 TDB
YEARS = 10.0


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


PAIRS = 5


def _paired(fn, plain, pairs=PAIRS):
    """PAIRS calls of fn, each right after a call of plain: (fn's times, plain's times)."""
    times, plain_times = [], []
    for _ in range(pairs):
        plain_times.append(_timed(plain)[1])
        times.append(_timed(fn)[1])
    return np.array(times), np.array(plain_times)


def main(quick: bool = False, out_dir: str | os.PathLike | None = None, only: str | None = None) -> list[dict]:
    import jax

    import encke
    from encke.engine.sources import sbdb

    path = os.environ.get("ENCKE_CATALOG") or str(SHARED / "cometels" / "CometEls-2026-01-03.txt")
    catalog = encke.read_comets(Path(path))
    n = 100 if quick else len(catalog)
    el = catalog.elements[np.arange(n)]
    times = START_TDB + np.linspace(0.0, YEARS * 365.25, 121)
    eph = encke.load_ephemeris("de421")
    sd = np.array([1e-7, 1e-7, 1e-4, 1e-5, 1e-5, 1e-5])  # e, q au, tp d, node, peri, i deg
    cov = encke.make_covariance(np.broadcast_to(np.diag(sd**2), (n, 6, 6)), ("e", "q", "tp", "node", "peri", "i"),
                                np.where(np.isfinite(el.epoch), el.epoch, el.tp))
    r67 = sbdb.parse_response(json.loads((SHARED / "sbdb" / "sbdb-67P.json").read_text()), "67P")
    clones = encke.sample_orbits(r67.elements, r67, 1000, seed=1)
    t67 = float(r67.elements.epoch[0]) + np.linspace(0.0, YEARS * 365.25, 121)

    runs = {
        "plain": (n, lambda: encke.propagate(el, times, model="nbody", ephemeris=eph)),
        "covariance": (n, lambda: encke.propagate_covariance(el, times, cov, model="nbody", ephemeris=eph)),
        "clones": (1000, lambda: encke.propagate(clones, t67, model="nbody", ephemeris=eph)),
        "clones, gravity": (1000, lambda: encke.propagate(clones, t67, model="nbody", ephemeris=eph, nongrav=False)),
        "approaches": (n, lambda: encke.close_approaches(el, times[0], times[-1], ("earth",), 0.2, ephemeris=eph)),
    }
    if only:
        wanted = {w.strip().replace("clones-gravity", "clones, gravity") for w in only.split(",")}
        unknown = wanted - set(runs)
        if unknown:
            raise SystemExit(f"--only: unknown rows {sorted(unknown)}; choose from {sorted(runs)}")
        runs = {k: v for k, v in runs.items() if k == "plain" or k in wanted}
    load_start = os.getloadavg()
    firsts = {name: _timed(fn)[1] for name, (_, fn) in runs.items()}
    plain_fn = runs["plain"][1]
    plain_times = [_timed(plain_fn)[1]]
    rows = []
    for name, (count, fn) in runs.items():
        if name == "plain":
            continue
        row_times, before = _paired(fn, plain_fn)  # (not `times`: the lambdas above read it)
        plain_times.extend(before)
        ratios = row_times / before
        rows.append({"run": name, "objects": count, "first_call_s": round(firsts[name], 3),
                     "steady_s": round(float(row_times.min()), 3), "x_plain": round(float(np.median(ratios)), 2),
                     "x_plain_range": [round(float(ratios.min()), 2), round(float(ratios.max()), 2)]})
    rows.insert(0, {"run": "plain", "objects": n, "first_call_s": round(firsts["plain"], 3),
                    "steady_s": round(float(min(plain_times)), 3), "x_plain": 1.0, "x_plain_range": [1.0, 1.0]})
    meta = {"catalog": path, "device": str(jax.devices()[0]), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "jax": jax.__version__, "quick": quick, "only": only,
            "load_average_start": load_start, "load_average_end": os.getloadavg()}
    lines = [f"encke uncertainty benchmark: {n} comets, 10 years, 121 epochs, DE421 ({meta['device']}, "
             f"{meta['cpu_count']} CPUs; load average %.1f at the start, %.1f at the end)"
             % (load_start[0], meta["load_average_end"][0]),
             f"steady: best of {PAIRS} calls; x plain: median (and range) of {PAIRS} ratios to the plain call "
             "just before",
             f"{'run':<15} {'objects':>7} {'first call s':>12} {'steady s':>9} {'x plain':>8} {'range':>11}"]
    for r in rows:
        low, high = r["x_plain_range"]
        lines.append(f"{r['run']:<15} {r['objects']:>7} {r['first_call_s']:>12.2f} {r['steady_s']:>9.2f} "
                     f"{r['x_plain']:>8.2f} {low:>5.2f}-{high:<5.2f}")
    print("\n".join(lines))
    write_results(out_dir, "uncertainty", meta, rows, "\n".join(lines))
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 comets")
    parser.add_argument("--only", help="plain and these rows only (comma-separated: covariance, clones, "
                        "clones-gravity, approaches)")
    parser.add_argument("--out-dir", help="write bench_uncertainty.json and .txt here")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir, only=args.only)
