"""Two-body throughput on every kind of orbit: encke's batched Kepler propagation against kete
(and a NumPy baseline), with each one's accuracy against an extended-precision solution.

    python -m benchmarks --only kepler [--quick] [--large] [--repeats R]
    python -m benchmarks.bench_kepler [--n 100000] [--m 1 10 100] [--population mix ...]

Populations: "mpc", the shared MPC catalog's comets (or $ENCKE_CATALOG) tiled to N with their
perihelion times moved by up to a day (distinct lanes, same regimes); "legacy", this
benchmark's earlier sample (60% ellipses e 0.1-0.99, 20% near-parabolic e 0.99-1.01, 20%
hyperbolas e 1.01-1.5, q 0.1-10 au); and benchmarks/populations.py's seeded samples
near-earth, jupiter-family, halley-lp, hyperbolic (e 1-3) and mix. Cases: N in {1e3, 1e4, 1e5}
objects (--large adds 1e6; --quick: 1e3, 1e4) x M in {1, 10, 100} epochs spread over +/-50
years (M = 1: three years after the elements' epoch; --quick: 1, 10).

- encke: `propagate` end to end (numpy in, numpy out). compile_s: the first call of a shape
  minus the steady call (later populations reuse the compiled programs). Rates are
  object-epochs per second of the best steady call.
- kete 3.3: `propagate_two_body` (Rust, every core), one call per epoch over a list of States
  built beforehand (not timed), on at most 1e6 object-epochs. encke and kete are timed in
  turn, best of --repeats each (at least SMALL_CASE_REPEATS below 1e6 object-epochs), so
  that a slow spell of the shared machine hits both alike.
- NumPy: benchmarks/numpy_kepler.py (vectorised textbook solver), mix population only, on at
  most 2e5 object-epochs.
- Accuracy: on the first ACCURACY_SAMPLE objects, the largest position error (m) of encke and
  kete against the same textbook solver run in extended precision (np.longdouble, step
  tolerance 1e-18), all three at kete's GM so that only the algorithms differ.
Plots (throughput against N per population, error against speed at N = 1e5, M = 100) are
drawn beside the tables (benchmarks/plots.py).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import register

AU_M = 149_597_870_700.0
NUMPY_MAX_LANES = 200_000
KETE_MAX_LANES = 1_000_000
SMALL_CASE_REPEATS = 5


def comet_like_orbits(n: int, seed: int = 0):
    from encke.engine.elements import CometaryElements

    rng = np.random.default_rng(seed)
    kind = rng.uniform(size=n)
    e = np.where(kind < 0.6, rng.uniform(0.1, 0.99, n),
                 np.where(kind < 0.8, rng.uniform(0.99, 1.01, n), rng.uniform(1.01, 1.5, n)))
    return CometaryElements(q=10 ** rng.uniform(-1, 1, n), e=e, i=rng.uniform(0, np.pi, n),
                            node=rng.uniform(0, 2 * np.pi, n), argp=rng.uniform(0, 2 * np.pi, n),
                            tp=2460676.5 + rng.uniform(-3650, 3650, n), epoch=np.full(n, 2460676.5))


EPOCH = 2460676.5


def epochs(m: int) -> np.ndarray:
    return EPOCH + (np.linspace(-50, 50, m) if m > 1 else np.array([3.0])) * 365.25


def _best_time(func, repeats: int) -> float:
    best = np.inf
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def _numpy_rate(el, times, repeats):
    from encke.engine.constants import GM_SUN

    from .numpy_kepler import propagate as numpy_propagate

    n = max(1, min(len(el), NUMPY_MAX_LANES // times.size))
    sub = el[:n]
    args = (sub.q, sub.e, sub.i, sub.node, sub.argp, sub.tp, times, GM_SUN)
    steady = _best_time(lambda: numpy_propagate(*args), repeats)
    return n * times.size / steady


class Kete:
    def __init__(self):
        from .kete_setup import prepare_kete_cache

        self._cache = tempfile.TemporaryDirectory(prefix="encke-kete-")
        prepare_kete_cache(Path(self._cache.name))
        import kete

        self.kete = kete
        self.gm = float(kete.constants.SUN_GM)

    def states(self, el):
        deg = 180.0 / np.pi
        return [self.kete.CometElements(str(k), float(el.epoch[k]), float(el.e[k]), float(el.i[k] * deg),
                                        float(el.q[k]), float(el.argp[k] * deg), float(el.tp[k]),
                                        float(el.node[k] * deg)).state for k in range(len(el))]

    def run(self, states, times):
        out = []
        for t in times:
            out.append(self.kete.propagate_two_body(states, float(t)))
        return out

    @staticmethod
    def positions(result):
        return np.array([[list(s.pos) for s in per_epoch] for per_epoch in result]).transpose(1, 0, 2)


ACCURACY_SAMPLE = 500


def population_elements(name: str, n: int):
    """CometaryElements (n,) of a population at the benchmark's epoch (see the module docstring)."""
    from . import populations

    if name == "legacy":
        return comet_like_orbits(n)
    if name == "mpc":
        import os

        import encke

        from .bench_nbody import DEFAULT_CATALOG

        el = encke.read_comets(os.environ.get("ENCKE_CATALOG") or DEFAULT_CATALOG).elements.to_numpy()
        el = el[np.nonzero(np.isfinite(el.epoch))[0]]
        reps = np.arange(n) % len(el)
        shift = np.random.default_rng(7).uniform(-1.0, 1.0, n) * (np.arange(n) >= len(el))
        from encke.engine.elements import CometaryElements

        return CometaryElements(q=el.q[reps], e=el.e[reps], i=el.i[reps], node=el.node[reps], argp=el.argp[reps],
                                tp=el.tp[reps] + shift, epoch=el.epoch[reps])
    return populations.elements(name, n, EPOCH)


def _reference_error_m(el, times, pos, gm) -> float:
    """Largest distance (m) of pos (n, M, 3) from the extended-precision textbook solution."""
    from .numpy_kepler import propagate as numpy_propagate

    ld = [np.asarray(x, dtype=np.longdouble) for x in (el.q, el.e, el.i, el.node, el.argp, el.tp, times)]
    ref = numpy_propagate(*ld, np.longdouble(gm), max_iter=200, tol=1e-18)[..., :3]
    d = np.linalg.norm((np.asarray(pos, np.longdouble) - ref).astype(np.float64), axis=-1) * AU_M
    return float(np.nanmax(d)) if np.isfinite(d).any() else float("nan")


def _case(name, el, times, kete, repeats, with_numpy):
    """One (population, N, M) row: encke and kete timed in turn, accuracy on a sample."""
    from encke.engine.propagate import propagate

    n, m = len(el), times.size
    t0 = time.perf_counter()
    propagate(el, times)
    first = time.perf_counter() - t0
    runners = {"encke": lambda: propagate(el, times)}
    if kete is not None:
        n_k = max(1, min(n, KETE_MAX_LANES // m))
        kete_states = kete.states(el[:n_k])
        runners["kete"] = lambda: kete.run(kete_states, times)
    best = {k: np.inf for k in runners}
    # Calls under 1e6 object-epochs take milliseconds, and a process's first few calls ran up
    # to twice as slow (page faults on new memory): at least SMALL_CASE_REPEATS rounds there.
    rounds = max(repeats, 1) if n * m >= 1_000_000 else max(repeats, SMALL_CASE_REPEATS)
    for _ in range(rounds):
        for k, run in runners.items():
            t0 = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - t0)
    row = {"population": name, "N": n, "M": m, "encke_s": round(best["encke"], 5),
           "encke_rate": n * m / best["encke"], "compile_s": round(max(first - best["encke"], 0.0), 2)}
    sub = el[: min(n, ACCURACY_SAMPLE)]
    from encke.engine.constants import GM_SUN

    gm = kete.gm if kete is not None else GM_SUN
    # all N at kete's GM, then the sample: the timed call's shape, so nothing new compiles
    ours = propagate(el, times, mu=gm)[: len(sub), :, :3]
    row["encke_err_m"] = _reference_error_m(sub, times, ours, gm)
    if kete is not None:
        row["kete_rate"] = n_k * m / best["kete"]
        row["vs_kete"] = round(row["encke_rate"] / row["kete_rate"], 2)
        row["kete_err_m"] = _reference_error_m(sub, times, Kete.positions(kete.run(kete.states(sub), times)), gm)
    if with_numpy:
        row["numpy_rate"] = _numpy_rate(el, times, 1)
    return row


def ratio_table(rows) -> str:
    """encke / kete: a row per population, a column per (N, M)."""
    cases = sorted({(r["N"], r["M"]) for r in rows if "vs_kete" in r})
    lines = ["encke / kete (object-epochs per second)", "",
             "| population | " + " | ".join(f"N={n:.0e} M={m}" for n, m in cases) + " |", "|---|" + "---|" * len(cases)]
    for pop in dict.fromkeys(r["population"] for r in rows):
        got = {(r["N"], r["M"]): r.get("vs_kete") for r in rows if r["population"] == pop}
        lines.append(f"| {pop} | " + " | ".join(f"{got[c]:.2f}x" if got.get(c) else "" for c in cases) + " |")
    return "\n".join(lines)


def draw(rows, out_dir) -> list:
    """Throughput against N (a line per engine and M) and error against speed, as PNGs."""
    from . import plots

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for r in rows:
        lines.append({"population": r["population"], "engine": f"encke, M={r['M']}", "N": r["N"], "rate": r["encke_rate"]})
        if "kete_rate" in r:
            lines.append({"population": r["population"], "engine": f"kete, M={r['M']}", "N": r["N"], "rate": r["kete_rate"]})
    big = max((r["N"], r["M"]) for r in rows)
    points = []
    for r in rows:
        if (r["N"], r["M"]) == big:
            points.append({"population": r["population"], "engine": "encke", "rate": r["encke_rate"], "err": r["encke_err_m"]})
            if "kete_rate" in r:
                points.append({"population": r["population"], "engine": "kete", "rate": r["kete_rate"], "err": r["kete_err_m"]})
    return [
        plots.throughput(lines, out / "bench_kepler_throughput.png", x="N", y="rate",
                         title="Two-body: throughput by population", xlabel="N (objects)",
                         ylabel="object-epochs / s"),
        plots.accuracy_speed(points, out / "bench_kepler_accuracy.png", speed="rate", error="err",
                             title=f"Two-body at N = {big[0]:.0e}, M = {big[1]}: error vs speed",
                             xlabel="object-epochs / s", ylabel="largest position error (m) vs extended precision"),
    ]


@register("kepler")
def bench_kepler(args):
    from . import RESULTS, populations

    sizes_n = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000) + ((1_000_000,) if args.large else ())
    sizes_m = (1, 10) if args.quick else (1, 10, 100)
    kete = None
    if not args.no_peers:
        try:
            kete = Kete()
        except Exception as exc:  # kete is an optional peer
            print(f"kete unavailable: {exc}")
    rows = []
    for name in ("mpc", "legacy") + populations.POPULATIONS:
        full = population_elements(name, max(sizes_n))
        for n in sizes_n:
            for m in sizes_m:
                rows.append(_case(name, full[:n], epochs(m), kete, args.repeats,
                                  with_numpy=name == "mix" and not args.no_peers))
                print(f"kepler: {name} N = {n:,}, M = {m}: {rows[-1].get('vs_kete', '-')}x kete", file=sys.stderr,
                      flush=True)  # progress
    print(ratio_table(rows), flush=True)
    print("plots: " + ", ".join(str(p) for p in draw(rows, RESULTS)), flush=True)
    notes = ("Rates are object-epochs per second of wall time (best of the timed calls, after the first; encke and "
             "kete in turn); kete runs on at most 1e6 object-epochs of the same orbits, NumPy on 2e5. *_err_m: the "
             f"largest position error on the first {ACCURACY_SAMPLE} objects against the textbook solver in extended "
             "precision, at kete's GM.\n")
    return rows, notes


def main(argv=None) -> list:
    """Standalone: `python -m benchmarks.bench_kepler [--n N ...] [--m M ...] [--population NAME ...]
    [--repeats R] [--no-peers]`: the same rows as `--only kepler`, restricted to the sizes and
    populations named (default N = 1e5, M = 1, 10, 100, every population), printed as the
    full table and the ratio table, with the load average before and after."""
    import argparse
    import json
    import os

    from . import populations

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_kepler")
    parser.add_argument("--n", type=int, nargs="+", default=[100_000])
    parser.add_argument("--m", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--population", nargs="+", default=["mpc", "legacy", *populations.POPULATIONS])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    kete = None if args.no_peers else Kete()
    rows = []
    for name in args.population:
        full = population_elements(name, max(args.n))
        for n in args.n:
            for m in args.m:
                rows.append(_case(name, full[:n], epochs(m), kete, args.repeats, with_numpy=False))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| population | N | M | encke obj-epochs/s | kete obj-epochs/s | encke / kete | encke err m | kete err m "
          "| encke compile s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['population']} | {r['N']:.0e} | {r['M']} | {r['encke_rate']:.3g} | {r.get('kete_rate', float('nan')):.3g} "
              f"| {r.get('vs_kete', float('nan')):.2f}x | {r['encke_err_m']:.2g} | {r.get('kete_err_m', float('nan')):.2g} "
              f"| {r['compile_s']} |")
    print()
    print(ratio_table(rows))
    print("load average before %.2f %.2f %.2f, after %.2f %.2f %.2f" % (load_before + os.getloadavg()))
    return rows


if __name__ == "__main__":
    main()
