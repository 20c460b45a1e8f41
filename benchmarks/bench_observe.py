"""Benchmark: geocentric observer ephemerides of the whole MPC catalog.

    python -m benchmarks.bench_observe [--quick]

For every comet of the catalog (the shared MPC file of 2026-01-03, ~1,000 comets, or
$ENCKE_CATALOG) at 365 daily epochs from the file's date: astrometric RA/Dec, distances,
elongation, phase and magnitude from the geocentre (`encke.observe`), with the Kepler and the
N-body models. Each configuration runs twice: the first call includes JIT compilation, the
second is the steady state. The steady state is split into propagation (`encke.propagate`) and
geometry (`observe_states`: light time, aberration-free astrometric places, magnitudes).
Results come back from `main` as a list of dicts, are printed as a table, and are written as
JSON and text to `out_dir` when given. --quick: 100 comets at 30 epochs.
"""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

from . import write_results

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = ROOT / ".." / "shared" / "data" / "cometels" / "CometEls-2026-01-03.txt"
START_TDB = 2461043.5  # 2026-01-03.0 TDB, the catalog's epoch


def _catalog():
    import encke

    path = os.environ.get("ENCKE_CATALOG") or str(DEFAULT_CATALOG)
    if not Path(path).is_file():
        raise SystemExit(f"bench_observe: no catalog at {path}; set ENCKE_CATALOG")
    return encke.read_comets(Path(path)), path


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def main(quick: bool = False, out_dir: str | os.PathLike | None = None) -> list[dict]:
    import jax

    import encke
    from encke.engine.observe import observe_states

    catalog, path = _catalog()
    n = 100 if quick else len(catalog)
    m = 30 if quick else 365
    catalog = catalog.subset(np.arange(n))
    times = START_TDB + np.arange(m, dtype=np.float64)
    eph = encke.load_ephemeris("de421")
    rows = []
    for model in ("kepler", "nbody"):
        obs, first = _timed(lambda: encke.observe(catalog, times, "500", model=model, ephemeris=eph))
        obs, steady = _timed(lambda: encke.observe(catalog, times, "500", model=model, ephemeris=eph))
        prop, t_prop = _timed(lambda: encke.propagate(catalog.elements, times, model=model, frame="icrf",
                                                      center="ssb", ephemeris=eph, return_status=True))
        _, t_geom = _timed(lambda: observe_states(prop.states, times, "500", ephemeris=eph, H=catalog.column("H"),
                                                  K=catalog.column("K"), status=prop.status))
        ok = int((obs.status == 0).sum())
        rows.append({
            "model": model, "comets": n, "epochs": m, "ok": ok, "first_call_s": round(first, 3),
            "steady_s": round(steady, 3), "propagate_s": round(t_prop, 3), "geometry_s": round(t_geom, 3),
            "us_per_comet_epoch": round(steady / (n * m) * 1e6, 3),
        })
    meta = {"catalog": str(path), "device": str(jax.devices()[0]), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "jax": jax.__version__, "quick": quick}
    lines = [f"encke observe benchmark: geocentric RA/Dec etc., {n} comets x {m} daily epochs ({meta['device']}, "
             f"{meta['cpu_count']} CPUs)",
             f"{'model':<7} {'ok':>5} {'first call s':>12} {'steady s':>9} {'propagate s':>11} {'geometry s':>10} "
             f"{'us/comet-epoch':>14}"]
    for r in rows:
        lines.append(f"{r['model']:<7} {r['ok']:>5} {r['first_call_s']:>12.2f} {r['steady_s']:>9.2f} "
                     f"{r['propagate_s']:>11.2f} {r['geometry_s']:>10.2f} {r['us_per_comet_epoch']:>14.2f}")
    print("\n".join(lines))
    write_results(out_dir, "observe", meta, rows, "\n".join(lines))
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 comets at 30 epochs")
    parser.add_argument("--out-dir", help="write bench_observe.json and .txt here")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir)
