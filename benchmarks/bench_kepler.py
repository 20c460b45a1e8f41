"""Two-body throughput: encke's batched Kepler propagation against a NumPy baseline and kete.

Cases: N objects x M epochs, N in {1e3, 1e5, 1e6}, M in {1, 100} (--quick: N in {1e3, 1e4},
M in {1, 10}). Orbits are comet-like: 60% ellipses (e 0.1-0.99), 20% near-parabolic
(e 0.99-1.01), 20% hyperbolas (e 1.01-1.5); q 0.1-10 au; epochs span +/-50 years.

- encke: `propagate` end to end (numpy in, numpy out). "compile s" is the first call minus a
  steady call; the rate is object-epochs per second of the best steady call.
- NumPy: benchmarks/numpy_kepler.py (vectorised textbook solver), on at most 2e5
  object-epochs of the same orbits.
- kete 3.3: `propagate_two_body` (Rust, multi-core), one call per epoch over a list of
  States built beforehand (not timed), on at most 1e6 object-epochs. Its accuracy against
  encke is the largest position difference in metres, with encke run at kete's GM so that
  only the algorithms differ.
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


def comet_like_orbits(n: int, seed: int = 0):
    from encke.engine.elements import CometaryElements

    rng = np.random.default_rng(seed)
    kind = rng.uniform(size=n)
    e = np.where(kind < 0.6, rng.uniform(0.1, 0.99, n),
                 np.where(kind < 0.8, rng.uniform(0.99, 1.01, n), rng.uniform(1.01, 1.5, n)))
    return CometaryElements(q=10 ** rng.uniform(-1, 1, n), e=e, i=rng.uniform(0, np.pi, n),
                            node=rng.uniform(0, 2 * np.pi, n), argp=rng.uniform(0, 2 * np.pi, n),
                            tp=2460676.5 + rng.uniform(-3650, 3650, n), epoch=np.full(n, 2460676.5))


def epochs(m: int) -> np.ndarray:
    return 2460676.5 + (np.linspace(-50, 50, m) if m > 1 else np.array([3.0])) * 365.25


def _best_time(func, repeats: int) -> float:
    best = np.inf
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def _encke(el, times, repeats):
    from encke.engine.propagate import propagate

    t0 = time.perf_counter()
    states = propagate(el, times)
    first = time.perf_counter() - t0
    steady = _best_time(lambda: propagate(el, times), repeats)
    return states, max(first - steady, 0.0), steady


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


def _kete_case(kete, el, times, repeats):
    from encke.engine.propagate import propagate

    n = max(1, min(len(el), KETE_MAX_LANES // times.size))
    sub = el[:n]
    states = kete.states(sub)
    steady = _best_time(lambda: kete.run(states, times), repeats)
    kete_pos = Kete.positions(kete.run(states, times))
    ours = propagate(sub, times, mu=kete.gm)[..., :3]
    diff_m = np.linalg.norm(kete_pos - ours, axis=-1) * AU_M
    finite = np.isfinite(diff_m)
    worst = float(np.max(diff_m[finite])) if finite.any() else float("nan")
    return n * times.size / steady, worst, int((~finite).sum())


@register("kepler")
def bench_kepler(args):
    sizes_n = (1_000, 10_000) if args.quick else (1_000, 100_000, 1_000_000)
    sizes_m = (1, 10) if args.quick else (1, 100)
    kete = None
    if not args.no_peers:
        try:
            kete = Kete()
        except Exception as exc:  # kete is an optional peer
            print(f"kete unavailable: {exc}")
    rows = []
    for n in sizes_n:
        el = comet_like_orbits(n)
        for m in sizes_m:
            times = epochs(m)
            _, compile_s, steady = _encke(el, times, args.repeats)
            rate = n * m / steady
            row = {"N": n, "M": m, "encke compile s": compile_s, "encke s": steady, "encke obj-epochs/s": rate}
            if not args.no_peers:
                row["numpy obj-epochs/s"] = _numpy_rate(el, times, 1)
                row["encke/numpy"] = rate / row["numpy obj-epochs/s"]
                if kete is not None:
                    kete_rate, worst_m, kete_nan = _kete_case(kete, el, times, 1)
                    row["kete obj-epochs/s"] = kete_rate
                    row["encke/kete"] = rate / kete_rate
                    row["max kete-encke m"] = worst_m
                    row["kete NaN"] = kete_nan
            rows.append(row)
            print(f"kepler: N = {n:,}, M = {m} done ({steady:.3g} s)", file=sys.stderr, flush=True)  # progress
    notes = ("Rates are object-epochs per second of wall time (best of the timed calls, after the "
             "first); NumPy and kete run on at most 2e5 and 1e6 object-epochs of the same orbits.\n")
    return rows, notes
