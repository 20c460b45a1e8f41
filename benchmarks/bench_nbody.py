"""Benchmark: N-body propagation of the whole MPC catalog, against ASSIST + REBOUND.

    python -m benchmarks.bench_nbody [--quick]

The comets of the shared MPC file of 2026-01-03 (~1,000; or $ENCKE_CATALOG) are first brought
to one common start epoch (2026-01-03.0 TDB) with encke's N-body model, so that both engines
integrate exactly the same barycentric ICRF states. Then, for spans of 1 and 10 years with
monthly outputs:
- encke: `propagate_states_nbody` (IAS15, one step size per comet, all comets in one batched
  jit loop), DE440. Each span runs twice: the first call includes JIT compilation, the second
  is the steady state. Step counts per comet are reported (median and max).
- ASSIST 1.2 + REBOUND 4 (IAS15, one shared step for all particles of a simulation), DE440,
  forces SUN + PLANETS + GR_EIH (the asteroid kernel sb441-n16 is not installed, so asteroid
  perturbers are off in both engines), outputs by `integrate_or_interpolate`. Run as one
  simulation holding all comets (REBOUND's shared step: the hardest comet sets everybody's
  step), and, on a sample, as one simulation per comet.
- Agreement: the position difference between the two engines at every output (km).
Results come back from `main` as a list of dicts, are printed as a table, and are written as
JSON and text to `out_dir` when given. --quick: 100 comets, 1-year span only for ASSIST's
one-simulation-per-comet mode sample of 20.
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from . import register

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = ROOT / ".." / "shared" / "data" / "cometels" / "CometEls-2026-01-03.txt"
START_TDB = 2461043.5  # 2026-01-03.0 TDB, the catalog's epoch
AU_KM = 149_597_870.7


def _catalog():
    import encke

    path = os.environ.get("ENCKE_CATALOG") or str(DEFAULT_CATALOG)
    if not Path(path).is_file():
        raise SystemExit(f"bench_nbody: no catalog at {path}; set ENCKE_CATALOG")
    return encke.read_comets(Path(path)), path


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def _assist_run(states, times, ephem_path, sample=None):
    """Integrate with ASSIST: one simulation for all (sample=None) or one per comet.
    Returns (positions (N, M, 3) au, seconds, steps done (max over simulations))."""
    import assist
    import rebound

    ephem = assist.Ephem(ephem_path)
    groups = [np.arange(len(states))] if sample is None else [np.array([j]) for j in sample]
    out = np.full((len(states), len(times), 3), np.nan)
    steps = 0
    t0 = time.perf_counter()
    for group in groups:
        sim = rebound.Simulation()
        sim.t = START_TDB - ephem.jd_ref
        for j in group:
            x, y, z, vx, vy, vz = states[j]
            sim.add(x=x, y=y, z=z, vx=vx, vy=vy, vz=vz)
        extras = assist.Extras(sim, ephem)
        extras.forces = ["SUN", "PLANETS", "GR_EIH"]
        for m, t in enumerate(times):
            extras.integrate_or_interpolate(t - ephem.jd_ref)
            for k, j in enumerate(group):
                p = sim.particles[k]
                out[j, m] = (p.x, p.y, p.z)
        steps = max(steps, int(sim.steps_done))
        extras.detach(sim)
    return out, time.perf_counter() - t0, steps


def main(quick: bool = False, out_dir: str | os.PathLike | None = None) -> list[dict]:
    import jax

    from encke.engine import nbody
    from encke.engine import status as st
    from encke.engine.ephemeris import load_ephemeris

    catalog, path = _catalog()
    n = 100 if quick else len(catalog)
    elements = catalog.subset(np.arange(n)).elements
    eph = load_ephemeris("de440")
    # common start: every comet at START_TDB (those with other epochs are integrated there)
    start, t_start = _timed(lambda: nbody._propagate_elements(elements, [START_TDB], ephemeris=eph))
    good = start.status == st.OK
    states0 = start.states[good, 0]
    n_good = int(good.sum())
    rows = []
    try:
        import assist  # noqa: F401

        have_assist = True
    except ImportError:
        have_assist = False
    for years in (1, 10):
        times = START_TDB + np.linspace(0.0, 365.25 * years, 12 * years + 1)[1:]
        run = lambda: nbody.propagate_states_nbody(states0, START_TDB, times, ephemeris=eph)  # noqa: E731
        jax.clear_caches()  # the first call compiles from scratch (no persistent cache here)
        res, first = _timed(run)
        res, steady = _timed(run)
        ok = res.status == st.OK
        row = {
            "engine": "encke (per-comet steps)", "device": jax.devices()[0].platform, "comets": n_good,
            "years": years, "outputs": len(times), "first_call_s": round(first, 3),
            "steady_s": round(steady, 3), "compile_s": round(first - steady, 3),
            "steps_median": int(np.median(res.n_steps)), "steps_max": int(res.n_steps.max()),
            "not_ok": int((~ok).sum()),
        }  # fmt: skip
        rows.append(row)
        if have_assist:
            pos, secs, steps = _assist_run(states0, times, eph.path)
            diff_km = np.linalg.norm(pos - res.states[..., :3], axis=-1)[ok] * AU_KM
            rows.append({
                "engine": "ASSIST 1.2.3 (one shared step)", "device": "cpu", "comets": n_good,
                "years": years, "outputs": len(times), "first_call_s": round(secs, 3),
                "steady_s": round(secs, 3), "compile_s": 0.0, "steps_median": steps, "steps_max": steps,
                "diff_km_median": round(float(np.median(diff_km)), 6),
                "diff_km_p99": round(float(np.percentile(diff_km, 99)), 6),
                "diff_km_max": round(float(diff_km.max()), 6),
            })  # fmt: skip
            sample = np.arange(min(n_good, 20 if quick else 100))
            if not quick or years == 1:
                pos1, secs1, steps1 = _assist_run(states0, times, eph.path, sample=sample)
                rows.append({
                    "engine": f"ASSIST 1.2.3 (one sim per comet, {len(sample)} comets)", "device": "cpu",
                    "comets": len(sample), "years": years, "outputs": len(times),
                    "first_call_s": round(secs1, 3), "steady_s": round(secs1, 3), "compile_s": 0.0,
                    "steps_median": None, "steps_max": steps1,
                    "per_comet_ms": round(1e3 * secs1 / len(sample), 3),
                })  # fmt: skip
    header = {
        "benchmark": "nbody", "catalog": str(path), "start_tdb": START_TDB, "ephemeris": "de440",
        "start_states_s": round(t_start, 3), "machine": platform.platform(),
        "cpu_count": os.cpu_count(), "assist_available": have_assist,
    }  # fmt: skip
    _report(header, rows, out_dir)
    return rows


def _report(header, rows, out_dir):
    cols = ["engine", "device", "comets", "years", "outputs", "first_call_s", "steady_s", "compile_s",
            "steps_median", "steps_max", "diff_km_median", "diff_km_max", "per_comet_ms"]
    lines = [json.dumps(header), " | ".join(cols)]
    for r in rows:
        lines.append(" | ".join(str(r.get(c, "")) for c in cols))
    text = "\n".join(lines)
    print(text)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench_nbody.json").write_text(json.dumps({"header": header, "rows": rows}, indent=2))
        (out / "bench_nbody.txt").write_text(text + "\n")


@register("nbody")
def run(args) -> tuple[list[dict], str]:
    """Harness entry (`python -m benchmarks --only nbody`): rows and a note."""
    rows = main(quick=bool(getattr(args, "quick", False)))
    note = ("encke: IAS15 with a step per comet and lane compaction, DE440; ASSIST: IAS15 with one "
            "shared step per simulation, DE440, SUN+PLANETS+GR_EIH (no asteroid kernel). "
            "first_call_s includes JIT compilation; diff_km: encke vs ASSIST positions.")
    return rows, note


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 comets; fewer peer runs")
    parser.add_argument("--out", default=None, help="folder for bench_nbody.json / .txt")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
