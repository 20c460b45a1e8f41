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
  resolution, several times cheaper (docs/performance.md).
- Requested times outside the ephemeris raise EphemerisCoverageError naming the time. An
  epoch outside it only flags that comet OUTSIDE_EPHEMERIS (a catalog call should not fail for
  one ancient orbit). Bad elements flag INVALID_ELEMENTS. Failed comets get NaN rows.
- Chebyshev record boundaries, the largest error source found. The ephemeris gives the Sun's
  barycentric path as 16-day Chebyshev pieces whose higher derivatives jump at the joins.
  Near perihelion the comet's force GM (s(t) - x)/|s - x|^3 turns such a jump into a kink
  that a 15th-order step straddling it cannot fit (an Encke-like orbit drifts by hundreds of
  metres in 20 years). Within `break_within_au` (3 au) of the Sun, steps therefore end on the
  Sun's record boundaries (ias15.Config.break_*); beyond, kinks matter less and long steps
  are kept. A heliocentric formulation would avoid the Sun's kinks but aliases the 88- and
  27-day indirect terms of Mercury and the Moon, which is worse (docs/performance.md,
  "Accuracy A/B measurements").
- Tolerance: the default epsilon is 1e-10, tighter than REBOUND's 1e-9: at 1e-9 some
  short-period comets moved by tens of metres when epsilon was halved, at 1e-10 none moves by
  more than a few metres, for about 14% more steps; max_step_days = 100 because longer steps
  straddle several of the Sun's record joins (figures: docs/performance.md).
- Planetary passages: the integrator's step criterion sees the total acceleration, which the
  Sun dominates. A comet passing 0.067 au from Mars at 20 km/s feels a pull 1e-4 of the
  Sun's that changes within days; through it on 16-day steps it came out 190 km off in 7
  years. The model therefore gives the integrator each planet's (and the Moon's) time scale,
  distance over relative speed, and pull (ForceModel._scales, ias15.Force.scales), and the
  steps are held short enough to resolve them at the same epsilon (docs/performance.md).
- Close-encounter limit: the comet stops with CLOSE_ENCOUNTER inside `encounter_au` (default
  1e-3 au = 150,000 km, two Jupiter radii) of a planet system barycentre, the Earth or the Moon,
  or inside the Sun's photosphere (IAU 2015 nominal radius, 695,700 km). Closer than that, a
  point-mass system barycentre no longer models a planet and its moons, and the integration
  (and the comet) is better looked at individually.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import math
import os
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import batching, conics, constants, forces, ias15, kepler, perturbers, variational
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
# until the batch's slowest lane converges; 32 was the fastest of 8..128 (docs/performance.md).
CPU_SLOTS = 32


class NBodyResult(NamedTuple):
    """states: (N, M, 6) barycentric ICRF x, y, z (au), vx, vy, vz (au/day) at the requested
    times (NaN rows for failed comets); status: (N,) int32 codes of engine/status.py;
    n_steps: (N,) accepted integrator steps (both directions together); n_evals: (N,) force
    evaluations (both directions); phi: with tangents, (N, M, 6, K) the state transition
    matrix d state(t) / d (state at epoch, A1, A2, A3, DT)[:K] (NaN for failed comets), else None."""

    states: np.ndarray
    status: np.ndarray
    n_steps: np.ndarray
    n_evals: np.ndarray
    phi: np.ndarray | None = None


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
    grid = eph.record_grid(TARGETS[SUN_INDEX], 0)
    return (0.0, math.inf) if grid is None else grid


@functools.partial(jax.tree_util.register_dataclass,
                   data_fields=["ephemeris", "table", "gm", "limits", "law"],
                   meta_fields=["relativity", "delay", "planets", "nongrav", "tangents", "delay_series"])
@dataclasses.dataclass(frozen=True)
class ForceModel:
    """Everything that pulls on the comets, as one value.

    A PyTree: the arrays (ephemeris, table, GMs, limits, the sublimation law's constants) are
    traced, so that changing them does not recompile; the switches are static (they
    decide which terms are compiled at all: a term nobody needs costs nothing).

    ephemeris: the planetary Ephemeris; table: a perturbers.PerturberTable of TARGETS over the
    integration span (the same positions, several times cheaper), or None to evaluate the
    ephemeris itself; gm: (K,) au^3/day^2 and limits: (K,) close-encounter radii (au), in
    TARGETS order, or the Sun's alone when planets is False; law: forces.NonGravLaw.
    relativity: the Sun's 1PN term; delay: the non-gravitational time delay DT (delay_series:
    solved with the Stumpff series alone, see `_delay_series_holds`); planets: False
    for the Sun alone, fixed at the origin (the heliocentric two-body problem: the ephemeris is
    then not evaluated); nongrav: the Marsden non-gravitational term; tangents: the number of
    tangents (variational equations, engine/variational.py) each lane carries, 0 for none.
    """

    ephemeris: Ephemeris
    table: perturbers.PerturberTable | None
    gm: jax.Array
    limits: jax.Array
    law: forces.NonGravLaw
    relativity: bool
    delay: bool
    planets: bool
    nongrav: bool
    tangents: int = 0
    delay_series: bool = False

    def force(self) -> ias15.Force:
        """The force of ias15 for one comet, split into its time-only part (the perturbers'
        positions and the Sun's velocity, for relativity and non-grav) and the rest; with
        tangents, extended to their variational equations."""
        small = self.relativity or self.nongrav
        force = ias15.Force(self._context, self._accel, self._small if small else None,
                            self._scales if self.planets else None, self._accel_lanes_last,
                            self._small_lanes_last if small else None)
        if not self.tangents:
            return force
        return variational.with_tangents(force, self.tangents, self._accel_jacobian, self._small_jacobian)

    def _context(self, epoch, tau, params):
        if not self.planets:
            return jnp.zeros((1, 3)), jnp.zeros(3)
        if self.table is not None:
            return self.table.positions(epoch, tau)
        t = epoch + tau
        positions = self.ephemeris.position_many(TARGETS, t)
        _, sun_velocity = self.ephemeris.state(TARGETS[SUN_INDEX], t)
        return positions, sun_velocity

    def _accel(self, ctx, x, v, params):
        positions, _ = ctx
        return forces.point_masses(x, positions, self.gm, self.limits)

    @staticmethod
    def _context_lanes_last(ctx):
        """A context of leading axes (L, ...) (ias15.Force.accel_lanes_last) as positions
        (K, 3, ..., L) and the Sun's velocity (3, ..., L): components first, lanes last."""
        positions, sun_velocity = ctx
        lanes_last = lambda a: jnp.moveaxis(a, 0, -1)  # noqa: E731
        return (jnp.moveaxis(lanes_last(positions), (-3, -2), (0, 1)), jnp.moveaxis(lanes_last(sun_velocity), -2, 0))

    def _accel_lanes_last(self, ctx, x, v, params):
        positions, _ = self._context_lanes_last(ctx)
        return forces.point_masses(x, positions, self.gm, self.limits)

    def _small_lanes_last(self, ctx, x, v, params):
        return self._small(self._context_lanes_last(ctx), x, v, params)

    def _accel_jacobian(self, ctx, x, v, params):
        """(3, 3) d _accel / d x: the point masses' tidal matrix (their pull ignores v)."""
        positions, _ = ctx
        return forces.point_masses_jacobian(x, positions, self.gm)

    def _small_jacobian(self, ctx, x, v, params):
        """(3, 6) d _small / d (x, v) for the variational equations: the outgassing's
        (forces.nongrav_state_jacobian). The Sun's relativity is left out: its derivatives are
        ~1e-8 of the point masses', and differentiating it costs more than that precision is
        worth (docs/performance.md)."""
        if not self.nongrav:
            return jnp.zeros((3, 3))
        positions, sun_velocity = ctx
        return forces.nongrav_state_jacobian(x - positions[SUN_INDEX], v - sun_velocity, params, self.gm[SUN_INDEX],
                                             self.law, self.delay, self.delay_series)

    def _scales(self, ctx_a, ctx_b, span, x, v, params):
        """The planets' (and the Moon's) pulls for the step control (ias15.Force.scales): each
        one's time scale, distance over speed relative to the comet (body velocities from
        the positions `span` days apart), and its size GM / d^2. The Sun's is left to the
        integrator's own criterion."""
        pa, pb = ctx_a[0][1:], ctx_b[0][1:]
        d = pb - x
        u = v - (pb - pa) / span
        r2 = jnp.sum(d * d, axis=-1)
        return jnp.sqrt(r2 / jnp.sum(u * u, axis=-1)), self.gm[1:] / r2

    def _small(self, ctx, x, v, params):
        positions, sun_velocity = ctx
        return forces.small_terms(x, v, positions[SUN_INDEX], sun_velocity, self.gm[SUN_INDEX], params, self.law,
                                  self.relativity, self.delay, self.nongrav, self.delay_series)


_empty = jax.jit(ias15.empty, static_argnames=("n_slots",))


@jax.jit
def _take_slots(carry, take):
    """The slots `take` of every leaf, in one dispatch (not one per leaf: see docs/performance.md)."""
    return jax.tree_util.tree_map(lambda a: a[take], carry)


# XLA's CPU backend hands small contractions (the integrator's 7x7 fits, the sums over the
# perturbers) to YNNPACK as batched matrix products of tiny matrices; XLA's own loops do them
# faster (docs/performance.md). The option is an XLA debug flag that only the CPU compiler reads.
@functools.partial(jax.jit, donate_argnames=("carry", "work"),
                   compiler_options={"xla_cpu_experimental_ynn_fusion_type": ""})
def _advance(model: ForceModel, carry, work, times, cfg, max_iter, until_drained):
    """Jitted core: up to max_iter iterations of the batched IAS15 loop (ias15.advance), or
    until the pool is drained (until_drained, a traced bool: one compiled program for both)."""
    return ias15.advance(model.force(), carry, work, times, cfg, max_iter, until_drained)


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
    run side by side in threads do (JAX releases the GIL while a program runs). One pool per
    core was the fastest layout (docs/performance.md). Lanes are dealt out in a snake, so that
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


def _conic(r, v, mu):
    """(1/a, e, q) of the two-body orbits of heliocentric r, v (n, 3), NumPy (see _effort)."""
    rn = np.linalg.norm(r, axis=1)
    inv_a = 2.0 / rn - np.sum(v * v, axis=1) / mu
    h = np.cross(r, v)
    p = np.sum(h * h, axis=1) / mu  # semi-latus rectum
    with np.errstate(all="ignore"):
        e = np.sqrt(np.maximum(1.0 - p * inv_a, 0.0))
        return inv_a, e, p / (1.0 + e)


def _effort(r, v, span):
    """A rough rank of how many steps each lane will take: the perihelion passages of its
    two-body orbit within |span| days along its direction, over sqrt(q) (steps crowd at
    perihelia, more so the closer they are). r, v: (n, 3) heliocentric au, au/day; span: (n,)
    signed days. Only an order: lanes that run longest start first (see
    ias15._retire_and_refill). NumPy, not conics.state_to_elements: that one is jitted per
    array length, a compilation for every new lane count on this hot path."""
    mu = constants.GM_SUN
    v = np.where(span[:, None] < 0, -v, v)  # backward in time = forward with the velocity reversed
    rn = np.linalg.norm(r, axis=1)
    rv = np.sum(r * v, axis=1)
    inv_a, e, q = _conic(r, v, mu)
    with np.errstate(all="ignore"):
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


class Lanes(NamedTuple):
    """Integrations to run, one per (comet, direction) with requested times on that side of
    its epoch: comet index (n,), signed end relative to the epoch (n,) days, first trial step
    (n,) days."""

    comet: np.ndarray
    end: np.ndarray
    first_step: np.ndarray

    def take(self, which) -> "Lanes":
        return Lanes(self.comet[which], self.end[which], self.first_step[which])


class Starts(NamedTuple):
    """Where every comet starts: states (N, 6) au, au/day in the integration frame, epochs (N,)
    TDB JD, non-gravitational parameters (N, 4) A1, A2, A3 au/day^2, DT days."""

    states: np.ndarray
    epochs: np.ndarray
    nongrav: np.ndarray


def _integrate_pool(lanes: Lanes, starts: Starts, times_padded, n_times, model: ForceModel, cfg, max_slots):
    """Integrate one pool of lanes (hardest first) in at most max_slots slots that refill from
    it (ias15.Pool), then compact the slots left running once the pool is drained. Returns
    per-lane (states (n, n_times, 6), status, accepted steps, force evaluations), numpy."""
    n_lanes = lanes.comet.size
    n_rows = batching.bucket_size(n_lanes, MIN_LANES)
    pad = n_rows - n_lanes
    rows = np.concatenate([lanes.comet, np.full(pad, lanes.comet[0])])
    end = np.concatenate([lanes.end, np.zeros(pad)])  # padding rows are never handed out
    first_step = np.concatenate([lanes.first_step, np.full(pad, 1.0)])
    params = forces.NonGravParams(*[jnp.asarray(starts.nongrav[rows, j]) for j in range(4)])
    times_j = jnp.asarray(times_padded)
    x0, v0 = _initial_xv(starts.states[rows], model.tangents)
    work = ias15.pool(x0, v0, jnp.asarray(starts.epochs[rows]), jnp.asarray(end), jnp.asarray(first_step), params,
                      times_padded.size, end=n_lanes)
    carry = _empty(work, batching.bucket_size(min(n_lanes, max_slots), MIN_LANES), times_j, cfg)
    # One call hands out the whole pool (no host round trips while rows remain), then rounds
    # that compact the slots. Both limits are int32 alike: one compiled program.
    no_limit = np.int32(np.iinfo(np.int32).max)
    carry, work = _advance(model, carry, work, times_j, cfg, no_limit, True)
    while True:
        carry, work = _advance(model, carry, work, times_j, cfg, np.int32(ROUND_ITERATIONS), False)
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
    return (np.asarray(res.states)[:n_lanes, :n_times], np.asarray(res.status)[:n_lanes],
            np.asarray(res.n_steps)[:n_lanes].astype(np.int64), np.asarray(res.n_evals)[:n_lanes].astype(np.int64))


def _initial_xv(states, n_tangents: int):
    """Lanes' x, v at the epoch (n, 3 (1 + n_tangents)) each: the state, then the tangents."""
    x0, v0 = states[:, :3], states[:, 3:]
    if n_tangents:
        tx, tv = variational.initial_tangents(len(states), n_tangents)
        x0, v0 = np.concatenate([x0, tx], axis=1), np.concatenate([v0, tv], axis=1)
    return jnp.asarray(x0), jnp.asarray(v0)


def _check_inputs(states0, epochs, times_tdb, nongrav_params):
    """Starts and (M,) times as float64 numpy, or InvalidInput naming the field."""
    states0 = np.asarray(states0, dtype=np.float64).reshape(-1, 6)
    n = len(states0)
    epochs = np.broadcast_to(np.asarray(epochs, dtype=np.float64), (n,)).copy()
    times = np.atleast_1d(np.asarray(times_tdb, dtype=np.float64))
    if times.ndim != 1 or times.size == 0:
        raise InvalidInput("times", f"times_tdb must be a non-empty 1-D array of TDB Julian dates, got shape {times.shape}")
    if not np.all(np.isfinite(times)):
        raise InvalidInput("times", "times_tdb contains non-finite values")
    nongrav = np.zeros((n, 4)) if nongrav_params is None else np.asarray(nongrav_params, dtype=np.float64)
    return Starts(states0, epochs, nongrav.reshape(n, 4)), times


def _start_status(starts: Starts, eph: Ephemeris) -> np.ndarray:
    """(N,) int32: INVALID_ELEMENTS for non-finite starts, OUTSIDE_EPHEMERIS for epochs the
    ephemeris does not cover, OK for the rest."""
    status = np.full(len(starts.epochs), st.OK, dtype=np.int32)
    finite = np.all(np.isfinite(starts.states), axis=1) & np.isfinite(starts.epochs)
    status[~finite] = st.INVALID_ELEMENTS
    covered = np.zeros(len(starts.epochs), bool)
    covered[finite] = np.asarray(eph.covers(starts.epochs[finite], TARGETS))
    status[finite & ~covered] = st.OUTSIDE_EPHEMERIS
    return status


def _sun_states(eph: Ephemeris, t) -> np.ndarray:
    """(len(t), 6) barycentric ICRF states of the Sun."""
    position, velocity = eph.state(TARGETS[SUN_INDEX], np.asarray(t, dtype=np.float64))
    return np.concatenate([np.asarray(position), np.asarray(velocity)], axis=-1)


def _plan_lanes(starts: Starts, ok, times, sun_at_start, gm_sun, span=None):
    """The lanes of every comet that can start, and their pools (_pools), hardest first.

    sun_at_start: (N, 6) the Sun's state at each epoch in the integration frame (zeros for a
    heliocentric integration). The first trial step is a small fraction of the local orbital
    time scale; the pools' order is _effort's rank. span: optional (lo (N,), hi (N,)) that
    bound each comet's integration (propagate_states_nbody)."""
    n = len(starts.epochs)
    t_lo, t_hi = np.full(n, times.min()), np.full(n, times.max())
    if span is not None:
        t_lo = np.maximum(t_lo, np.broadcast_to(np.asarray(span[0], np.float64), (n,)))
        t_hi = np.minimum(t_hi, np.broadcast_to(np.asarray(span[1], np.float64), (n,)))
    back = np.nonzero(ok & (t_lo < starts.epochs))[0]
    forward = np.nonzero(ok & (t_hi >= starts.epochs))[0]
    comet = np.concatenate([back, forward])
    end = np.concatenate([t_lo[back] - starts.epochs[back], t_hi[forward] - starts.epochs[forward]])
    helio = starts.states[comet] - sun_at_start[comet]
    r_h = np.linalg.norm(helio[:, :3], axis=1)
    v_h = np.linalg.norm(helio[:, 3:], axis=1)
    first_step = 0.02 * np.minimum(r_h / v_h, np.sqrt(r_h**3 / gm_sun))
    lanes = Lanes(comet, end, first_step)
    if comet.size == 0:
        return lanes, []
    effort = _effort(helio[:, :3], helio[:, 3:], end)
    return lanes, _pools(np.argsort(-effort, kind="stable"))


def _delay_series_holds(starts: Starts, sun_at_start, gm_sun) -> bool:
    """Whether every comet's delay DT stays within kepler.distance_after's series range
    (kepler.series_range), from its heliocentric orbit at the start."""
    dt = starts.nongrav[:, 3]
    helio = starts.states - sun_at_start
    alpha, _, q = _conic(helio[:, :3], helio[:, 3:], gm_sun)
    use = (dt != 0) & np.isfinite(q) & (q > 0)
    return bool(np.all(np.isfinite(dt)) and np.all(kepler.series_range(alpha[use], q[use], dt[use], gm_sun)))


def _force_model(eph, starts: Starts, lanes: Lanes, *, relativity, law, encounter_au, planets, tabulate, tangents=0,
                 sun_at_start=None):
    """The ForceModel of a run: the ephemeris' own GMs, encounter limits (the Sun's radius for
    the Sun), the static switches, and a PerturberTable over the lanes' span when tabulating.
    With tangents over A1..DT, the non-gravitational term and its delay are compiled in even
    where every A is zero: their derivatives are not zero."""
    gm = gm_table(eph)
    limits = np.full(len(TARGETS), encounter_au)
    limits[SUN_INDEX] = SUN_RADIUS_AU
    if not planets:  # two-body about a Sun at rest at the origin
        gm, limits = gm[SUN_INDEX : SUN_INDEX + 1], limits[SUN_INDEX : SUN_INDEX + 1]
    has_nongrav = np.any(starts.nongrav[:, :3] != 0, axis=1)
    nongrav_tangents = tangents > variational.STATE_TANGENTS
    table = None
    if lanes.comet.size and planets and tabulate:
        epochs = starts.epochs[lanes.comet]
        ends = epochs + lanes.end
        table = perturbers.build(eph, TARGETS, float(min(ends.min(), epochs.min())), float(max(ends.max(), epochs.max())))
    return ForceModel(
        ephemeris=eph, table=table, gm=jnp.asarray(gm), limits=jnp.asarray(limits),
        law=forces.NonGravLaw(*[jnp.asarray(float(v)) for v in law]), relativity=bool(relativity),
        # static switches: a term nobody needs costs nothing
        delay=bool(np.any((starts.nongrav[:, 3] != 0) & has_nongrav) or (nongrav_tangents and np.any(has_nongrav))),
        planets=bool(planets), nongrav=bool(np.any(has_nongrav) or nongrav_tangents), tangents=int(tangents),
        delay_series=sun_at_start is not None and _delay_series_holds(starts, sun_at_start, gm_table(eph)[SUN_INDEX]),
    )


def _run_pools(lanes: Lanes, pools, starts: Starts, times, model: ForceModel, cfg, max_lanes):
    """Integrate every pool; side by side in threads when there are several. Returns a list of
    (the pool's Lanes, its _integrate_pool results)."""
    m_pad = batching.bucket_size(times.size, MIN_TIMES)
    times_padded = np.concatenate([times, np.full(m_pad - times.size, times[-1])])
    max_slots = min(max_lanes, CPU_SLOTS) if jax.default_backend() == "cpu" else max_lanes
    jobs = [lanes.take(sel) for sel in pools]

    def run(job):
        return _integrate_pool(job, starts, times_padded, times.size, model, cfg, max_slots)

    if len(jobs) > 1:
        # JAX releases the GIL while a program runs: pools in threads keep every core busy,
        # where one pool's small kernels would run one at a time on one core.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as threads:
            return list(zip(jobs, threads.map(run, jobs)))
    return [(job, run(job)) for job in jobs]


def _scatter(finished, starts: Starts, times, status, width: int = 6) -> NBodyResult:
    """The lanes' outputs (width values per time) back in (comet, time) order: each comet's
    backward lane fills the times before its epoch, its forward lane the others; the first
    failure of either lane is the comet's status; steps and evaluations add up. status (N,) is
    updated in place."""
    n = len(starts.epochs)
    out = np.full((n, times.size, width), np.nan)
    n_steps = np.zeros(n, np.int64)
    n_evals = np.zeros(n, np.int64)
    for lanes, (lane_states, lane_status, lane_steps, lane_evals) in finished:
        for forward in (False, True):  # a comet has at most one lane per direction
            j = np.nonzero((lanes.end >= 0) == forward)[0]
            comet = lanes.comet[j]
            ahead = times[None, :] >= starts.epochs[comet][:, None]
            side = ahead if forward else ~ahead
            out[comet] = np.where(side[..., None], lane_states[j], out[comet])
            failed = (lane_status[j] != st.OK) & (status[comet] == st.OK)
            status[comet[failed]] = lane_status[j][failed]
            n_steps[comet] += lane_steps[j]
            n_evals[comet] += lane_evals[j]
    return NBodyResult(out, status, n_steps, n_evals)


def propagate_states_nbody(states0, epochs, times_tdb, *, ephemeris="de421", nongrav_params=None,
                           relativity: bool = True, law: forces.NonGravLaw = forces.NonGravLaw(),
                           epsilon: float = 1e-10, min_step_days: float = 1e-7,
                           max_step_days: float = 100.0, max_steps: int = 50_000,
                           encounter_au: float = 1e-3, record_breaks: bool = True,
                           break_within_au: float = 3.0, max_lanes: int = 2048,
                           planets: bool = True, tabulate: bool = True, span_tdb=None,
                           tangents: int = 0) -> NBodyResult:
    """Integrate barycentric ICRF states to the requested times.

    states0: (N, 6) au, au/day at epochs (N,) TDB JD; times_tdb: (M,) TDB JD, any order;
    nongrav_params: (N, 4) A1, A2, A3 (au/day^2), DT (days), or None for none. Options: IAS15
    epsilon; step bounds (days); attempt budget per lane; close-encounter limit (au); max_lanes:
    slots per batch (the lanes integrated at once; more lanes queue in pools, see _pools; on
    the CPU at most CPU_SLOTS); record_breaks: within ~break_within_au of the Sun (where the
    Sun's pull exceeds GM/R^2), end steps on the Sun's Chebyshev record boundaries (module
    docstring). planets=False: the Sun alone (no planets, no Moon), as the two-body problem of
    the comet about the Sun: the integration runs in heliocentric coordinates and the
    ephemeris' Sun only converts the states from and to the barycentric frame (a check against
    two-body propagation; relativity and non-grav still apply unless switched off). tabulate:
    evaluate the perturbers from a perturbers.PerturberTable of the integration span (same
    positions to rounding, several times cheaper; used whenever the kernel's record grids line
    up, as in every JPL DE kernel); False evaluates the kernel itself at every step node.
    span_tdb: optional (lo (N,), hi (N,)) TDB JD: each comet is integrated only within [lo, hi]
    (short windows, e.g. around close approaches in engine/approaches.py); its outputs
    outside stay NaN. tangents: 0, or 6 (10) to integrate the state transition matrix with
    respect to the state at the epoch (and A1, A2, A3, DT) by the variational equations
    (engine/variational.py): NBodyResult.phi. Returns NBodyResult (numpy arrays).

    Four stages: check the inputs, plan the lanes (and the force model over their span), run
    the pools, scatter the lanes' outputs back to (comet, time).
    """
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    starts, times = _check_inputs(states0, epochs, times_tdb, nongrav_params)
    eph.check_coverage(times, TARGETS)
    status = _start_status(starts, eph)
    ok = status == st.OK
    sun_at_start = np.zeros_like(starts.states)
    if ok.any():
        sun_at_start[ok] = _sun_states(eph, starts.epochs[ok])
    if not planets:  # integrate heliocentric states about a Sun at rest
        starts = starts._replace(states=starts.states - sun_at_start)
        sun_at_start = np.zeros_like(sun_at_start)

    gm_sun = gm_table(eph)[SUN_INDEX]
    lanes, pools = _plan_lanes(starts, ok, times, sun_at_start, gm_sun, span_tdb)
    if tangents not in (0, variational.STATE_TANGENTS, variational.ALL_TANGENTS):
        raise InvalidInput("tangents", f"tangents must be 0, 6 or 10, got {tangents}")
    model = _force_model(eph, starts, lanes, relativity=relativity, law=law, encounter_au=encounter_au,
                         planets=planets, tabulate=tabulate, tangents=tangents, sun_at_start=sun_at_start)
    origin, period = sun_record_grid(eph)
    cfg = ias15.Config(epsilon=epsilon, min_dt=min_step_days, max_dt=max_step_days, max_steps=max_steps,
                       break_origin=origin, break_period=period if (record_breaks and planets) else math.inf,
                       break_min_accel=constants.GM_SUN / break_within_au**2)
    cfg = ias15.Config(*[jnp.asarray(v) for v in cfg])
    finished = _run_pools(lanes, pools, starts, times, model, cfg, max_lanes)
    width = 3 * (1 + tangents)  # per lane: x then v, each the particle's 3 and 3 per tangent
    result = _scatter(finished, starts, times, status, 2 * width)

    out = result.states
    at_epoch = ok[:, None] & (times[None, :] == starts.epochs[:, None])  # the initial state itself
    x0, v0 = _initial_xv(starts.states, tangents)
    initial = np.concatenate([np.asarray(x0), np.asarray(v0)], axis=1)
    out[at_epoch] = np.broadcast_to(initial[:, None, :], out.shape)[at_epoch]
    out[result.status != st.OK] = np.nan
    states = np.concatenate([out[..., :3], out[..., width : width + 3]], axis=-1)
    if not planets:  # back from heliocentric to barycentric (tangents are differences: unchanged)
        states += _sun_states(eph, times)[None]
    phi = None
    if tangents:
        n, m = out.shape[:2]
        tx = out[..., 3:width].reshape(n, m, tangents, 3)
        tv = out[..., width + 3 :].reshape(n, m, tangents, 3)
        phi = np.swapaxes(np.concatenate([tx, tv], axis=-1), -1, -2)  # (N, M, 6, K)
    return result._replace(states=states, phi=phi)


def propagate_nbody(elements: CometaryElements, times_tdb, *, ephemeris="de421", nongrav: bool = True, **options):
    """Propagate comets with the N-body model to the requested times.

    Args:
        elements: CometaryElements (N,), heliocentric ecliptic J2000, TDB; each comet from its
            own epoch (tp where the epoch is NaN; see the module docstring).
        times_tdb: (M,) TDB Julian dates, any order, inside the ephemeris' coverage.
        ephemeris: "de421" (default), "de440", a .bsp path, or a loaded Ephemeris.
        nongrav: apply the comets' A1, A2, A3, DT (Marsden et al. 1973) where given.
        options: passed to `propagate_states_nbody` (epsilon, min_step_days, max_step_days,
            max_steps, encounter_au, relativity, law, max_lanes, planets, record_breaks, tabulate).
    Returns:
        (states, status): states (N, M, 6) float64 numpy, BARYCENTRIC ICRF, au and au/day
        (NaN rows where status != OK); status (N,) int32 codes of engine/status.py.
    There are no asteroid perturbers (the sb441-n16 kernel is not shipped); see docs/numerics.md.
    """
    result = propagate_nbody_result(elements, times_tdb, ephemeris=ephemeris, nongrav=nongrav, **options)
    return result.states, result.status


def propagate_nbody_result(elements, times_tdb, *, ephemeris="de421", nongrav=True, **options) -> NBodyResult:
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
    covered = np.zeros(len(el), bool)
    covered[good] = np.asarray(eph.covers(epoch[good], TARGETS))
    sun = np.zeros((len(el), 6))
    if covered.any():
        sun[covered] = _sun_states(eph, epoch[covered])
    states0 = helio + sun
    params = np.stack([el.A1, el.A2, el.A3, el.DT], axis=1) if nongrav else None
    res = propagate_states_nbody(states0, epoch, times_tdb, ephemeris=eph, nongrav_params=params, **options)
    status = res.status.copy()
    status[~good] = st.INVALID_ELEMENTS
    states = res.states.copy()
    states[~good] = np.nan
    return NBodyResult(states, status, res.n_steps, res.n_evals)
