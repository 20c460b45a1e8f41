"""IAS15: an adaptive 15th-order Gauss-Radau integrator, batched with a step size per lane.

Reference: Rein & Spiegel (2015), MNRAS 446, 1424 ("IAS15: a fast, adaptive, high-order
integrator for gravitational dynamics, accurate to machine precision over a billion orbits"),
with the step-size criterion of Pham, Rein & Spiegel (2024, OJAp 7, 1; REBOUND's default since
version 4). REBOUND's C implementation was the reference for behaviour; this is our own code.

The method, for x'' = F(t, x, v) over a step t0 -> t0 + dt, h = (t - t0)/dt in [0, 1]:
    F(h) ~ a0 + b0 h + b1 h^2 + ... + b6 h^7
    x(h) = x0 + v0 dt h + dt^2 [a0 h^2/2 + sum_k b_k h^(k+3) / ((k+2)(k+3))]
    v(h) = v0 + dt [a0 h + sum_k b_k h^(k+2) / (k+2)]
The b_k are found by predictor-corrector iteration: evaluate F at the seven Gauss-Radau nodes
h_1..h_7 with the current polynomial, refit the b_k, repeat until they stop changing.

Design decisions (and where they differ from REBOUND):
- One lane = one test particle, with its OWN time, step and polynomial. The outer loop is a
  single `lax.while_loop` over a batch of slots (vmapped step), each integrating one lane and
  taking the next from a pool when it is done (see "Slots and a pool" below), masking slots
  that have nothing to do. A hard lane (close approach, sungrazer) therefore never changes
  an easy lane's steps: its answer is bit-identical to integrating it alone.
- Predictor-corrector: each iteration (sweep) evaluates F at all seven nodes of every lane at
  once and refits the b_k through one exactly-computed 7x7 matrix (a Jacobi sweep, where
  REBOUND updates node by node). The sweeps run lanes last, on the node forces rather than
  on the b_k (`_iterate` says why). A lane stops when a sweep changes its step's increments dx,
  dv by less than PC_TOL = 1e-16 of |x|, |v| (the quantity that reaches the result; REBOUND
  tests max|delta b6| / max|F|, which costs more sweeps for no change in the orbits), when the
  change stops decreasing (round-off floor), or after PC_MAX_ITER sweeps; a step whose last
  change is still above PC_ACCEPT is rejected and retried at a quarter of its size. The
  sweeps loop over the batch (`_iterate`), each lane masked once it has converged, so that
  the sweep number is one scalar: the force's small terms (Force.small) are evaluated in the
  first SMALL_SWEEPS = 3 sweeps only, which makes them a third cheaper. The A/B figures
  behind these choices are in docs/performance.md.
- Step size: Pham, Rein & Spiegel (2024): dt_new = dt (7! epsilon)^(1/7) sqrt(2 y2 / (y3 +
  sqrt(y2 y4))), from the acceleration, jerk and snap at the end of the step. A step is
  rejected (and redone with dt_new) when dt_new < SAFETY * dt; growth is capped at dt/SAFETY.
  That criterion sees the total acceleration, which the Sun dominates; a Force may also name
  its minor pulls' time scales (Force.scales), and the step is then held short enough to
  resolve each of them at the same epsilon (`_scale_limit`: a comet passing a planet).
- Time is carried per lane as tau = t - epoch (small numbers, fine resolution), positions and
  velocities with compensated (Kahan) summation, as REBOUND does.
- The step's increments come straight from the node forces through Gauss-Radau quadrature
  weights (well conditioned), not through the b_k (|W| ~ 1e4 amplifies round-off): going
  through the b_k left a systematic 1e-15 relative velocity error per step, which put a
  two-body orbit 10 m off after 500 steps; with the weights it stayed within 1 cm.
- Optional breaks (Config.break_*): steps end on a grid of times where the force has kinks
  (the ephemeris' Chebyshev record boundaries); see engine/nbody.py for the measurements.
  After a step cut short at a break, the planned step resumes, but no longer than the
  control's new step (it may have been planned before a perihelion).
- Dense output: every requested time inside an accepted step is filled from that step's
  polynomial x(h), v(h): steps are never shortened to hit output times (only the last step is
  clipped to the lane's final time). The outputs are written at the start of the next loop
  iteration, up to DENSE_WINDOW per lane and iteration (see `advance` for why).
- The force may come split (`Force`): a time-only context (the ephemeris) computed once per
  step node, the dominant state-dependent part, evaluated in every sweep, and optionally
  small terms held after the first sweeps (see the predictor-corrector above). The node times
  do not change between sweeps, so the context is not recomputed in each of them.
- Slots and a pool: the loop runs L slots (lanes) over a Pool of N >= L integrations; a slot
  whose integration is over takes the next one (`_retire_and_refill`), so that the SIMD width
  stays busy until the pool is drained. `pool` / `empty` / `advance` / `result` expose the
  loop in rounds, so that a host can also drop empty slots between rounds (compaction,
  engine/nbody.py); `integrate` runs one slot per integration to the end.
- Tangents ride along: a lane's x and v may be wider than 3, the particle's own three
  components followed by tangent vectors (the variational equations, engine/variational.py,
  whose force returns the tangents' accelerations after the particle's). The step control,
  the convergence test, the record-break test and the minor pulls' limit look at the first
  three components only, so the particle's steps are exactly those it takes alone, and the
  tangents are integrated on the same nodes and polynomial steps (REBOUND, too, keeps its
  variational particles out of the step-size criterion).
- Per-lane status (engine/status.py): STEP_LIMIT when the attempt budget is spent,
  NOT_CONVERGED when the step would fall below min_dt or the state is not finite,
  CLOSE_ENCOUNTER when the force function reports an approach closer than its limits. A failed
  lane stops; its later outputs stay NaN.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import status as st

# Gauss-Radau spacings on [0, 1] (Everhart 1985; Rein & Spiegel 2015, table 1): h_0 = 0 and the
# roots of the Radau quadrature of order 15.
NODES = np.array([
    0.0,
    0.0562625605369221464656521910318,
    0.180240691736892364987579942780,
    0.352624717113169637373907769648,
    0.547153626330555383001448554766,
    0.734210177215410531523210605558,
    0.885320946839095768090359771030,
    0.977520613561287501891174488626,
])  # fmt: skip

SAFETY = 0.25  # REBOUND's safety_factor: reject below SAFETY * dt, grow at most by 1/SAFETY
PC_MAX_ITER = 12  # REBOUND's limit on predictor-corrector iterations
PC_TOL = 1e-16  # converged when a sweep changes the step's dx, dv by less than this relative to |x|, |v|
PC_ACCEPT = 1e-13  # ... and a step that ended above this is rejected (the iteration diverged)
SMALL_SWEEPS = 3  # sweeps that evaluate Force.small; later ones hold its values (_iterate)
DENSE_WINDOW = 8  # output times a lane writes per loop iteration (see `advance`)
SEARCH_ALL_OUTPUTS = 64  # up to this many output times, `advance` compares with all of them


def _fit_matrix_exact():
    """(7, 7) matrix W with b = W @ (F(h_1..h_7) - F(h_0)): the inverse of V[n, k] = h_n^(k+1).

    V has condition number ~1e5, so it is inverted exactly in rational arithmetic on the float64
    nodes and only the result is rounded: a float64 inverse would put 1e-11 errors into every
    step's polynomial.
    """
    h = [Fraction(float(x)) for x in NODES[1:]]
    n = len(h)
    a = [[h[i] ** (k + 1) for k in range(n)] + [Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for col in range(n):  # Gauss-Jordan elimination, exact
        piv = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[piv] = a[piv], a[col]
        p = a[col][col]
        a[col] = [x / p for x in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                f = a[r][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col])]
    return [row[n:] for row in a]


def _weights(inv, div):
    """Row vector c^T W (c_k = 1/div(k)), exact: the quadrature weights of the step's increment."""
    return np.array([float(sum(Fraction(1, div(k)) * inv[k][n] for k in range(7))) for n in range(7)])


_W_EXACT = _fit_matrix_exact()
_W = np.array([[float(x) for x in row] for row in _W_EXACT])
# Step increments straight from the node forces, dv = dt (a0 + WV . (F - a0)),
# dx = dt v0 + dt^2 (a0/2 + WX . (F - a0)): Gauss-Radau quadrature weights, well conditioned.
# Going through the b_k instead (as x(1), v(1) do) amplifies round-off by |W| ~ 1e4: a
# systematic 1e-15 relative velocity error per step, metres after a few hundred steps.
_WV = _weights(_W_EXACT, lambda k: k + 2)
_WX = _weights(_W_EXACT, lambda k: (k + 2) * (k + 3))


def _predict_matrix() -> np.ndarray:
    """(7, 7) P with b_next[j] = q^(j+1) sum_k P[j, k] b[k]: the polynomial of the step just
    done, re-expanded about its end in units of the next step (q = dt_next / dt).
    F(1 + q s) = F(1) + sum_k b_k sum_j binom(k+1, j+1) (q s)^(j+1)."""
    return np.array([[math.comb(k + 1, j + 1) if k >= j else 0 for k in range(7)] for j in range(7)], float)


_P = _predict_matrix()


def _collocation_exact(div):
    """(7, 7) C = N W, exact, rounded once: the step polynomial's sum_k b_k h_n^(k+1) / div(k)
    at the nodes h_1..h_7 straight from the node forces (b = W (F - a0))."""
    h = [Fraction(float(x)) for x in NODES[1:]]
    node = [[h[n] ** (k + 1) / div(k) for k in range(7)] for n in range(7)]
    return np.array([[float(sum(node[n][k] * _W_EXACT[k][m] for k in range(7))) for m in range(7)] for n in range(7)])


_NODE_XW = _collocation_exact(lambda k: (k + 2) * (k + 3))
_NODE_VW = _collocation_exact(lambda k: k + 2)
_V = np.array([[float(x) ** (k + 1) for k in range(7)] for x in NODES[1:]])  # F - a0 at the nodes from b
_POW = np.arange(1, 8, dtype=float)  # exponents k+1 of b_k
_X_DIV = np.array([(k + 2) * (k + 3) for k in range(7)], float)
_V_DIV = np.array([k + 2 for k in range(7)], float)


class Config(NamedTuple):
    """Integrator settings. A NamedTuple of scalars, traced: changing them does not recompile.

    epsilon: IAS15 accuracy parameter (dimensionless; 1e-9 is REBOUND's default);
    min_dt, max_dt: bounds on |dt| (days); max_steps: attempt budget per lane (accepted and
    rejected steps), beyond which the lane gets STEP_LIMIT.
    break_origin (TDB JD), break_period (days): a grid of times where the force is not smooth
    (the boundaries of the ephemeris' Chebyshev records); a step that would straddle one ends
    on it instead, so that no step's polynomial has to
    fit a kink. Only where |acceleration| >= break_min_accel (au/day^2): far from the Sun the
    kinks no longer matter and long steps are kept. Defaults: no breaks.
    """

    epsilon: float = 1e-9
    min_dt: float = 1e-7
    max_dt: float = 100.0
    max_steps: int = 50_000
    break_origin: float = 0.0
    break_period: float = math.inf
    break_min_accel: float = 0.0


class Result(NamedTuple):
    """states: (L, M, 6) x, v at the requested times (NaN where not reached); status: (L,)
    int32; n_steps: (L,) accepted steps; n_attempts: (L,) steps tried (accepted + rejected);
    n_evals: (L,) force evaluations (state-dependent part; one context per step node)."""

    states: jax.Array
    status: jax.Array
    n_steps: jax.Array
    n_attempts: jax.Array
    n_evals: jax.Array


class Force(NamedTuple):
    """A force split in parts, so that each is computed no more often than it needs.

    context(epoch, tau, args) -> ctx: everything that depends on the time t = epoch + tau only
    (e.g. the planets' positions from the ephemeris: by far the dearest part), the time given
    in two parts, epoch a TDB JD and tau the days since it (`_prepare` says why);
    accel(ctx, x, v, args) -> (a (D,), encounter_ratio scalar), x, v, a of the lane's width D
    (3, or more with tangents: module docstring): the dominant state-dependent
    rest. The predictor-corrector
    evaluates the nodes' contexts once per step attempt and reuses them in every iteration
    (the node times do not change).
    small(ctx, x, v, args) -> (D,), optional: terms many orders of magnitude below |a| (the
    Sun's relativity, outgassing), evaluated in the first SMALL_SWEEPS sweeps of each step
    and then held (see `_iterate`). A plain callable force(t, x, v, args) is also accepted
    (its context is t).
    scales(ctx_a, ctx_b, span, x, v, args) -> (tau (K,), g (K,)), optional: for each minor
    pull (a planet beside the Sun), the time scale (days) on which it changes and its size
    (au/day^2), at the time of ctx_b, for the comet at x, v (its own (3,) each); ctx_a is
    the context `span` days earlier (to difference positions into velocities). The step is then also held below
    tau_k (7! epsilon |a| / g_k)^(1/7) (`_scale_limit`).
    accel_lanes_last, small_lanes_last, optional: accel and small for every lane at every
    node at once, for the sweeps: (ctx with leading axes (L, 7) as the vmapped context gives
    it, x, v (D, 7, L), args with leading axis L) -> accel: (a (D, 7, L), ratio (7, L));
    small: (D, 7, L). Components first and lanes last, so that XLA's CPU backend runs every
    operation as one vector loop across the lanes (docs/performance.md); without them, accel
    and small are vmapped between transposes.
    """

    context: Callable
    accel: Callable
    small: Callable | None = None
    scales: Callable | None = None
    accel_lanes_last: Callable | None = None
    small_lanes_last: Callable | None = None


def as_force(force) -> Force:
    """A Force from a Force or from a plain force(t, x, v, args) callable."""
    if isinstance(force, Force):
        return force
    return Force(lambda epoch, tau, args: epoch + tau, force)


def _combine(weights, rows):
    """sum_k weights[k] rows[k] for constant weights (K,), term by term in k order (zero
    weights skipped): elementwise multiply-adds that XLA's CPU backend fuses and vectorises."""
    terms = [float(w) * rows[k] for k, w in enumerate(weights) if w != 0.0]
    return functools.reduce(lambda a, b: a + b, terms) if terms else jnp.zeros_like(rows[0])


def _mat7(matrix: np.ndarray, rows):
    """matrix (J, 7) constant @ rows (7, ...), one `_combine` per row.

    Under vmap, a `@` or a broadcast multiply and sum over the middle axis compiled to loops
    several times slower than these elementwise sums (docs/performance.md)."""
    return jnp.stack([_combine(row, rows) for row in matrix])


def _powers(q):
    """(7,) q, q^2, ..., q^7 by repeated multiplication (a float `**` is a libm pow per lane)."""
    out = [q]
    for _ in range(6):
        out.append(out[-1] * q)
    return jnp.stack(out)


def dense(x0, v0, a0, b, dt, h):
    """Position and velocity of a step's polynomial at fraction h (scalar) of the step."""
    hp = _powers(h)  # (7,) h^(k+1)
    # dt^2 h^(k+3) = (dt h)^2 h^(k+1)
    x = x0 + dt * h * v0 + (dt * h) ** 2 * (0.5 * a0 + jnp.sum((hp / _X_DIV)[:, None] * b, axis=0))
    v = v0 + dt * h * (a0 + jnp.sum((hp / _V_DIV)[:, None] * b, axis=0))
    return x, v


def _select(mask, new, old):
    """Per-lane where over PyTrees whose leaves have the lane axis first: new where mask."""
    return jax.tree_util.tree_map(
        lambda a, b: jnp.where(mask.reshape(mask.shape + (1,) * (a.ndim - 1)), a, b), new, old)


def _kahan(s, c, d):
    """Compensated s + d with carried error c (Kahan): returns (new s, new c)."""
    y = d - c
    t = s + y
    return t, (t - s) - y


class _Lane(NamedTuple):
    tau: jax.Array  # t - epoch (days)
    x: jax.Array
    v: jax.Array
    cx: jax.Array  # Kahan compensation terms
    cv: jax.Array
    dt: jax.Array  # next step to try (signed days)
    b: jax.Array  # (7, D) predicted polynomial for that step
    status: jax.Array
    n_steps: jax.Array
    n_attempts: jax.Array
    n_evals: jax.Array
    done: jax.Array


class _Trial(NamedTuple):
    """One lane's step attempt in progress (set up by _prepare)."""

    dt: jax.Array  # signed step (days)
    is_last: jax.Array  # the step ends the lane's integration
    clipped: jax.Array  # the step was shortened to end on a break
    b: jax.Array  # (7, D) predicted polynomial
    ctx: object  # the force's context at the seven nodes (leading axis 7)
    a0: jax.Array  # (D,) force at the step's start
    enc0: jax.Array  # encounter ratio there
    scale: jax.Array  # (2,) max|x|, max|v| at the start (the convergence test's units)


def _prepare(force: Force, cfg: Config, lane: _Lane, epoch, tau_end, args, a_norm) -> _Trial:
    """The step to try for one lane, its predicted polynomial and the force's node contexts.

    a_norm: |acceleration| where the step starts (_end_accel_norm), for the record-break test."""
    sgn = jnp.sign(tau_end)
    remaining = tau_end - lane.tau
    # the next break (record boundary) ahead, at least ~1e-9 periods away
    u = (epoch - cfg.break_origin) + lane.tau
    period = jnp.where(jnp.isfinite(cfg.break_period), cfg.break_period, 1.0)
    rel = u / period
    nxt = jnp.where(sgn > 0, jnp.floor(rel + 1e-9) + 1.0, jnp.ceil(rel - 1e-9) - 1.0) * period
    # (|a| from the previous step's end, not from a0: so the start's context can be evaluated
    # together with the nodes', in one pass over the ephemeris)
    to_break = jnp.where(jnp.isfinite(cfg.break_period) & (a_norm >= cfg.break_min_accel),
                         jnp.abs(nxt - u), jnp.inf)  # |days| to the next break, inf: none applies
    planned = jnp.abs(lane.dt)  # |days| of the step the size control asked for
    is_last = jnp.abs(remaining) <= jnp.minimum(planned, to_break)
    clipped = ~is_last & (to_break < planned)
    dt = jnp.where(is_last, remaining, sgn * jnp.minimum(planned, to_break))
    b = lane.b * _powers(dt / lane.dt)[:, None]
    # The nodes' times go to the context as epoch + tau, not summed: a TDB JD's ulp is 4.7e-10
    # days (40 us), at which the Sun's position jitters by a millimetre from node to node, a
    # 1e-13 noise in a sungrazer's force; tau's resolution is a thousand times finer.
    tau_nodes = lane.tau + dt * jnp.asarray(NODES[1:])
    ctx_all = jax.vmap(force.context, in_axes=(None, 0, None))(epoch, jnp.concatenate([lane.tau[None], tau_nodes]),
                                                               args)
    ctx_nodes = jax.tree_util.tree_map(lambda c: c[1:], ctx_all)
    ctx0 = jax.tree_util.tree_map(lambda c: c[0], ctx_all)
    a0, enc0 = force.accel(ctx0, lane.x, lane.v, args)
    if force.small is not None:
        a0 = a0 + force.small(ctx0, lane.x, lane.v, args)
    scale = jnp.stack([jnp.max(jnp.abs(lane.x[:3])), jnp.max(jnp.abs(lane.v[:3]))])
    return _Trial(dt, is_last, clipped, b, ctx_nodes, a0, enc0, scale)


class _Sweeps(NamedTuple):
    """The batch's predictor-corrector iteration, lanes last."""

    dfs: jax.Array  # (7, D, L) F(nodes) - a0 of the current polynomial
    small: jax.Array  # (7, D, L) Force.small at the nodes (held after SMALL_SWEEPS)
    # (4, L) per lane, rows _ERR .. _GOING: one array, which one small kernel updates where
    # four would take one each (XLA's CPU backend gives every array its own loop)
    tally: jax.Array


_ERR, _ERR_PREV, _N_IT, _GOING = range(4)  # the rows of _Sweeps.tally: the last two sweeps'
# changes, the sweeps taken, and 1.0 while the lane iterates


class _Fit(NamedTuple):
    """What the sweeps leave for _finish, lanes first: the polynomial b (L, 7, D), the node
    forces dfs = F(nodes) - a0 (L, 7, D) it was fitted to, and per lane the last change,
    the sweeps taken and the least encounter ratio at the final nodes."""

    b: jax.Array
    dfs: jax.Array
    err: jax.Array
    n_it: jax.Array
    enc: jax.Array


def _lanes_last(a):
    """(L, ...) -> (..., L)."""
    return jnp.moveaxis(a, 0, -1)


def _lanes_last_parts(force: Force):
    """(accel, small) taking the nodes' states components first and lanes last (D, 7, L), as
    Force.accel_lanes_last and Force.small_lanes_last do; where the force lacks them, its
    per-lane functions vmapped between transposes. small is None without Force.small."""
    def per_lane(fn, node_out):
        return jax.vmap(jax.vmap(fn, in_axes=(0, 1, 1, None), out_axes=node_out), in_axes=(0, -1, -1, 0), out_axes=-1)

    accel = force.accel_lanes_last or per_lane(force.accel, (1, 0))
    small = None
    if force.small is not None:
        small = force.small_lanes_last or per_lane(force.small, 1)
    return accel, small


def _iterate(force: Force, lanes: _Lane, trials: _Trial, args, active) -> _Fit:
    """Predictor-corrector sweeps for all lanes at once, each lane until it converges.

    The loop runs over the batch (not under vmap), so that a sweep number is one scalar for
    all lanes: the first SMALL_SWEEPS sweeps evaluate Force.small and the later ones hold it,
    through a real branch (under vmap a per-lane test would compute both sides). Holding is
    safe once the node positions have converged to well below the terms' own relative size:
    after three sweeps the held orbit differs from one evaluated in every sweep by rounding
    noise only (tests/engine/test_nbody.py). A lane stops when a
    sweep changes its step by less than PC_TOL, when the change stops decreasing (round-off),
    or after PC_MAX_ITER sweeps; lanes not `active` (done, or waiting to write outputs) do
    none. (Figures, and the unrolled variant that was slower: docs/performance.md.)

    The sweeps work lanes last, on the node forces dfs rather than the polynomial b (the
    node states come from dfs through the collocation matrices _NODE_XW, _NODE_VW; b = W dfs
    is formed once, after the loop): XLA's CPU backend vectorises along the minor axis, which
    under vmap would be the three components, and compiles each of those sweeps to a
    handful of loops over the lanes (docs/performance.md)."""
    L = lanes.x.shape[0]
    accel, small_nodes = _lanes_last_parts(force)
    x0, v0, a0 = _lanes_last(lanes.x), _lanes_last(lanes.v), _lanes_last(trials.a0)  # (D, L)
    dt = trials.dt
    dth = jnp.asarray(NODES[1:])[:, None, None] * dt  # (7, 1, L)
    x_base = x0 + dth * v0 + 0.5 * dth * dth * a0  # (7, D, L): the nodes' states without dfs
    v_base = v0 + dth * a0
    scale_x, scale_v = trials.scale[:, 0], trials.scale[:, 1]
    components_first = lambda a: jnp.moveaxis(a, 0, 1)  # noqa: E731  (7, D, L) <-> (D, 7, L)

    def nodes(dfs):
        """The nodes' positions and velocities (D, 7, L) from their forces dfs (7, D, L)."""
        return (components_first(x_base + dth * dth * _mat7(_NODE_XW, dfs)),
                components_first(v_base + dth * _mat7(_NODE_VW, dfs)))

    def body(c):
        k, sw = c
        xs, vs = nodes(sw.dfs)
        fs, _ = accel(trials.ctx, xs, vs, args)
        small = sw.small
        if small_nodes is not None:
            small = jax.lax.cond(k < SMALL_SWEEPS, lambda: components_first(small_nodes(trials.ctx, xs, vs, args)),
                                 lambda: sw.small)
        dfs = components_first(fs) + small - a0
        delta = (dfs - sw.dfs)[:, :3]  # the particle's own change (tangents ride along: module docstring)
        # the changes of dx and dv, relative to |x| and |v|, reduced together (one kernel)
        change = jnp.stack([dt * dt / scale_x * _combine(_WX, delta), jnp.abs(dt) / scale_v * _combine(_WV, delta)])
        change = jnp.max(jnp.abs(change), axis=(0, 1))
        tally = sw.tally
        n_it = tally[_N_IT] + 1.0
        # the first sweep has nothing to compare (its delta is from the prediction)
        err = jnp.where(n_it == 1.0, jnp.inf, change)
        stalled = (n_it > 2.0) & (err >= tally[_ERR])
        going = (n_it < PC_MAX_ITER) & (err > PC_TOL) & ~stalled
        new = jnp.stack([err, tally[_ERR], n_it, going.astype(float)])
        go = tally[_GOING] > 0.0
        return k + 1, _Sweeps(jnp.where(go, dfs, sw.dfs), jnp.where(go, small, sw.small), jnp.where(go, new, tally))

    predicted = _mat7(_V, jnp.moveaxis(trials.b, 0, -1))  # the prediction's F(nodes) - a0
    tally = jnp.stack([jnp.full(L, jnp.inf), jnp.full(L, jnp.inf), jnp.zeros(L), active.astype(float)])
    _, sw = jax.lax.while_loop(lambda c: jnp.any(c[1].tally[_GOING] > 0.0), body,
                               (jnp.int32(0), _Sweeps(predicted, jnp.zeros_like(predicted), tally)))
    # The encounter test looks at the nodes of the converged polynomial only, not at every
    # sweep's: the closest approach is a property of the orbit, and taking it in every sweep
    # made the sweep's bookkeeping kernel recompute every body's distance (docs/performance.md).
    _, enc = accel(trials.ctx, *nodes(sw.dfs), args)
    dfs = jnp.moveaxis(sw.dfs, -1, 0)
    return _Fit(jax.vmap(lambda d: _mat7(_W, d))(dfs), dfs, sw.tally[_ERR], sw.tally[_N_IT].astype(jnp.int32),
                jnp.min(enc, axis=0))


def _step_size(cfg: Config, a0, b, dt):
    """The step after one of dt with polynomial (a0, b): the criterion of Pham, Rein & Spiegel
    (2024) for this one particle, from the acceleration, jerk and snap at the step's end.
    dt / SAFETY where they give nothing usable (a force that is constant or not finite).
    Only the particle's own three components count (tangents ride along)."""
    a0, b = a0[:3], b[:, :3]
    y2 = jnp.sum((a0 + jnp.sum(b, axis=0)) ** 2)
    y3 = jnp.sum(jnp.sum(_POW[:, None] * b, axis=0) ** 2)
    y4 = jnp.sum(jnp.sum((_POW * (_POW - 1))[1:, None] * b[1:], axis=0) ** 2)
    ts2 = 2.0 * y2 / (y3 + jnp.sqrt(y2 * y4))
    good = jnp.isfinite(ts2) & (ts2 > 0)
    return jnp.where(good, jnp.sqrt(jnp.where(good, ts2, 1.0)) * dt * (cfg.epsilon * 5040.0) ** (1.0 / 7.0),
                     dt / SAFETY)


def _scale_limit(force: Force, cfg: Config, lane: _Lane, trial: _Trial, b, args):
    """The longest step (days, > 0) that resolves the minor pulls (Force.scales) at the end
    of this step: min_k tau_k (7! epsilon |a| / g_k)^(1/7), inf without Force.scales.

    Why: the step-size criterion (_step_size) sees the total acceleration, which the Sun
    dominates; a planet's pull that is 1e-4 of it but changes within days (a comet passing
    0.07 au from Mars at 20 km/s) does not move the criterion, and steps of 16 days through
    such a passage put an orbit 190 km off in 7 years (docs/performance.md). A pull g_k
    varying on a time scale tau_k leaves a relative error of about (g_k / |a|) (dt / tau_k)^7
    in the step's fit, which this limit holds at the criterion's own level, epsilon / 7!."""
    if force.scales is None:
        return jnp.inf
    dt = trial.dt
    ctx_a = jax.tree_util.tree_map(lambda c: c[5], trial.ctx)  # nodes h_6 and h_7
    ctx_b = jax.tree_util.tree_map(lambda c: c[6], trial.ctx)
    x7, v7 = dense(lane.x[:3], lane.v[:3], trial.a0[:3], b[:, :3], dt, NODES[7])
    tau, g = force.scales(ctx_a, ctx_b, dt * (NODES[7] - NODES[6]), x7, v7, args)
    a_end = jnp.sqrt(jnp.sum((trial.a0[:3] + jnp.sum(b[:, :3], axis=0)) ** 2))
    ratio = cfg.epsilon * 5040.0 * a_end / jnp.maximum(g, 1e-300)
    limit = jnp.abs(tau) * jnp.exp(jnp.log(ratio) / 7.0)
    return jnp.min(jnp.where(jnp.isfinite(limit) & (limit > 0), limit, jnp.inf))


def _finish(force: Force, cfg: Config, lane: _Lane, trial: _Trial, sw: _Fit, tau_end, args):
    """Accept or reject one lane's step; its next step size and predicted polynomial.
    Returns (new lane, step record for dense output, accepted)."""
    sgn = jnp.sign(tau_end)
    dt, is_last, clipped, a0 = trial.dt, trial.is_last, trial.clipped, trial.a0
    b, err, n_it, dfs = sw.b, sw.err, sw.n_it, sw.dfs
    enc = sw.enc
    enc0 = trial.enc0
    pc_ok = err < PC_ACCEPT
    dt_new = _step_size(cfg, a0, b, dt)
    dt_new = jnp.sign(dt_new) * jnp.minimum(jnp.abs(dt_new), _scale_limit(force, cfg, lane, trial, b, args))
    dt_new = jnp.where(pc_ok, dt_new, SAFETY * dt)
    reject = (~pc_ok) | (jnp.abs(dt_new) < SAFETY * jnp.abs(dt))
    # next step: capped growth and max_dt; sign is the integration direction
    dt_next = sgn * jnp.minimum(jnp.minimum(jnp.abs(dt_new), jnp.abs(dt) / SAFETY), cfg.max_dt)
    # A step cut short at a break says little about the natural step: resume the planned one,
    # but never beyond what the control now asks for (the planned step may predate a
    # perihelion: resuming it unchecked ran steps up to 1/SAFETY times too long).
    resumed = sgn * jnp.minimum(jnp.minimum(jnp.abs(lane.dt), jnp.abs(dt_new)), cfg.max_dt)
    dt_next = jnp.where(clipped & ~reject, resumed, dt_next)
    accepted = ~reject

    dx = dt * lane.v + dt * dt * (0.5 * a0 + _combine(_WX, dfs))
    dv = dt * (a0 + _combine(_WV, dfs))
    x1, cx1 = _kahan(lane.x, lane.cx, dx)
    v1, cv1 = _kahan(lane.v, lane.cv, dv)
    tau1 = jnp.where(is_last, tau_end, lane.tau + dt)
    q = dt_next / dt
    # extrapolating a step's polynomial more than ~20 steps ahead is worse than no guess
    b_next = jnp.where(jnp.abs(q) < 20.0, _powers(q)[:, None] * _mat7(_P, b), 0.0)
    b_retry = _powers(q)[:, None] * b

    enc_min = jnp.minimum(enc0, enc)
    too_small = jnp.abs(dt_next) < cfg.min_dt
    finite = jnp.all(jnp.isfinite(x1)) & jnp.all(jnp.isfinite(v1))
    n_attempts = lane.n_attempts + 1
    finished = accepted & is_last & finite
    status = jnp.where(
        enc_min < 1.0, st.CLOSE_ENCOUNTER,
        jnp.where(accepted & ~finite, st.NOT_CONVERGED,
                  jnp.where(reject & too_small, st.NOT_CONVERGED,
                            jnp.where((n_attempts >= cfg.max_steps) & ~finished, st.STEP_LIMIT, st.OK))))
    # An encounter stops the lane at the start of this step, a non-finite state before it:
    # nothing of such a step is kept.
    accepted = accepted & finite & (enc_min >= 1.0)
    new = _Lane(
        tau=jnp.where(accepted, tau1, lane.tau),
        x=jnp.where(accepted, x1, lane.x),
        v=jnp.where(accepted, v1, lane.v),
        cx=jnp.where(accepted, cx1, lane.cx),
        cv=jnp.where(accepted, cv1, lane.cv),
        dt=jnp.where(accepted, jnp.where(is_last, lane.dt, dt_next), dt_next),
        b=jnp.where(accepted, jnp.where(is_last, lane.b, b_next), b_retry),
        status=status.astype(jnp.int32),
        n_steps=lane.n_steps + accepted.astype(jnp.int32),
        n_attempts=n_attempts,
        n_evals=lane.n_evals + 1 + 7 * n_it,
        done=(status != st.OK) | (accepted & is_last),
    )
    record = (lane.tau, lane.x, lane.v, a0, b, dt)
    return new, record, accepted


def _end_accel_norm(step):
    """(L,) |acceleration| at the end of each lane's last accepted step, i.e. where the next
    step starts (its polynomial at h = 1: a0 + sum b); inf before the first step (record of
    zeros), so that the record-break test in _attempt then stays on."""
    _, _, _, a0, b, _ = step
    norm = jnp.sqrt(jnp.sum((a0[:, :3] + jnp.sum(b[:, :, :3], axis=1)) ** 2, axis=-1))
    return jnp.where(norm > 0.0, norm, jnp.inf)


class Pool(NamedTuple):
    """The work of a batch: N integrations (rows), handed out to the batch's L slots in row
    order, and their results. Every leaf but `next` and `end` has the row axis first.

    x0, v0: (N, D) states at epoch (N,) TDB JD (D = 3, or more with tangents); tau_end: (N,)
    signed end relative to epoch (days); dt0: (N,) first step to try; args: the force's
    per-row arguments; next: the first row not handed out yet; end: rows from `end` on are
    padding, never handed out.
    out: (N, M, 2 D) x, v at the requested times (NaN where not reached); status, n_steps,
    n_attempts, n_evals: (N,) as in Result, written when a row's slot retires it."""

    x0: jax.Array
    v0: jax.Array
    epoch: jax.Array
    tau_end: jax.Array
    dt0: jax.Array
    args: object
    next: jax.Array
    end: jax.Array
    out: jax.Array
    status: jax.Array
    n_steps: jax.Array
    n_attempts: jax.Array
    n_evals: jax.Array


def pool(x0, v0, epoch, tau_end, dt0, args, n_times: int, end=None) -> Pool:
    """A Pool of the N rows given (see Pool; end: real rows, default all), nothing done yet."""
    n, width = x0.shape
    counters = [jnp.zeros(n, jnp.int32) for _ in range(4)]  # distinct buffers (donated apart)
    return Pool(x0, v0, epoch, tau_end, dt0, args, jnp.int32(0), jnp.int32(n if end is None else end),
                jnp.full((n, n_times, 2 * width), jnp.nan), *counters)


class Carry(NamedTuple):
    """The L slots of a batch, each integrating one Pool row (src) or empty (src = -1). Every
    leaf has the slot axis first, so a host can drop empty slots between `advance` calls
    (compaction) by indexing all leaves alike."""

    lane: _Lane
    k: jax.Array  # (L,) next output, as a position in `order`
    stop: jax.Array  # (L,) outputs covered by the steps accepted so far (k < stop: pending)
    step: tuple  # the last accepted step (tau0, x0, v0, a0, b, dt), leading axis L
    epoch: jax.Array  # (L,) TDB JD
    tau_end: jax.Array  # (L,) signed days
    order: jax.Array  # (L, M) output indices sorted along the lane's direction
    key: jax.Array  # (L, M) distances of the outputs along the lane in `order`, ascending (days; < 0: behind)
    k_end: jax.Array  # (L,) outputs reachable by the lane
    src: jax.Array  # (L,) the Pool row in this slot, -1 for none
    args: object  # the force's arguments of the slot's row


def _time_orders(times):
    """The output times' indices in ascending and in descending order (forward and backward
    lanes' order; sorted once per `advance`, where sorting each refilled slot's keys was,
    with 365 outputs, a third of the run)."""
    return jnp.argsort(times), jnp.argsort(-times)


def _fresh(x0, v0, epoch, tau_end, dt0, args, src, times, orders, cfg: Config) -> Carry:
    """Slots that start the integrations given (leading axis L each); orders: _time_orders."""
    L, width = x0.shape
    sgn = jnp.where(tau_end < 0, -1.0, 1.0)
    order = jnp.where(sgn[:, None] > 0, orders[0][None, :], orders[1][None, :])
    # distances along the lane in that order: ascending (t - epoch rounds monotonically)
    key = sgn[:, None] * (times[order] - epoch[:, None])
    # skip outputs behind the lane's start; those beyond its end are never reached
    k0 = jnp.sum(key < 0.0, axis=1).astype(jnp.int32)
    k_end = jnp.sum(key <= jnp.abs(tau_end)[:, None], axis=1).astype(jnp.int32)
    finite0 = jnp.all(jnp.isfinite(x0), axis=1) & jnp.all(jnp.isfinite(v0), axis=1) & jnp.isfinite(epoch)
    lane = _Lane(
        tau=jnp.zeros(L),
        x=x0, v=v0, cx=jnp.zeros_like(x0), cv=jnp.zeros_like(v0),
        dt=sgn * jnp.minimum(jnp.abs(dt0), cfg.max_dt),
        b=jnp.zeros((L, 7, width)),
        status=jnp.where(finite0, st.OK, st.NOT_CONVERGED).astype(jnp.int32),
        n_steps=jnp.zeros(L, jnp.int32),
        n_attempts=jnp.zeros(L, jnp.int32),
        n_evals=jnp.zeros(L, jnp.int32),
        done=(tau_end == 0.0) | ~finite0,
    )  # fmt: skip
    step = (jnp.zeros(L), x0, v0, jnp.zeros_like(x0), jnp.zeros((L, 7, width)), jnp.ones(L))
    return Carry(lane, k0, k0, step, epoch, tau_end, order, key, k_end, src, args)


def _rows(pool_: Pool, rows):
    """The pool's inputs at `rows` (L,), in _fresh's argument order."""
    take = lambda a: a[rows]  # noqa: E731
    return (take(pool_.x0), take(pool_.v0), take(pool_.epoch), take(pool_.tau_end), take(pool_.dt0),
            jax.tree_util.tree_map(take, pool_.args))


def empty(pool_: Pool, n_slots: int, times, cfg: Config = Config()) -> Carry:
    """n_slots empty slots for `pool_` (filled from it by `advance`)."""
    rows = jnp.zeros(n_slots, jnp.int32)
    x0, v0, epoch, _, dt0, args = _rows(pool_, rows)
    return _fresh(x0, v0, epoch, jnp.zeros(n_slots), dt0, args, jnp.full(n_slots, -1, jnp.int32), times,
                  _time_orders(times), cfg)


def _retire_and_refill(carry: Carry, pool_: Pool, times, orders, cfg: Config):
    """Slots whose integration is over (done, every output written) hand their row's counters
    to the pool, and every free slot takes the next row not handed out yet, if any.

    Refilling keeps the SIMD width busy: with a fixed set of lanes, a batch costs its slowest
    lane times its width, and lanes that finish early only idle."""
    lane, src = carry.lane, carry.src
    n = pool_.x0.shape[0]
    over = (src >= 0) & lane.done & (carry.k >= carry.stop)
    free = over | (src < 0)

    def update(carry, pool_):
        new = pool_.next + jnp.cumsum(free) - 1
        take = free & (new < pool_.end)
        rows = jnp.where(over, src, n)  # out of bounds: dropped
        pool_ = pool_._replace(
            status=pool_.status.at[rows].set(lane.status, mode="drop"),
            n_steps=pool_.n_steps.at[rows].set(lane.n_steps, mode="drop"),
            n_attempts=pool_.n_attempts.at[rows].set(lane.n_attempts, mode="drop"),
            n_evals=pool_.n_evals.at[rows].set(lane.n_evals, mode="drop"),
            next=pool_.next + jnp.sum(take, dtype=jnp.int32),
        )
        rows_new = jnp.where(take, new, 0).astype(jnp.int32)
        fresh = _fresh(*_rows(pool_, rows_new), rows_new, times, orders, cfg)
        carry = _select(take, fresh, carry)
        return carry._replace(src=jnp.where(take, rows_new, jnp.where(over, -1, carry.src))), pool_

    # Whether there is anything to do, without the row numbering (a prefix sum: several kernels
    # in every loop iteration, where the update runs in few): a slot to retire, or a free slot
    # and a row left to hand out.
    work = jnp.any(over) | (jnp.any(free) & (pool_.next < pool_.end))
    return jax.lax.cond(work, update, lambda c, p: (c, p), carry, pool_)


_dense_grid = jax.vmap(jax.vmap(dense, in_axes=(None, None, None, None, None, 0)))


def _write_outputs(c: Carry, out, times, window: int, n_rows: int):
    """Write the outputs k .. min(k + window, stop) of every slot from its last step's
    polynomial into out (N, M, 6); returns (carry with k advanced, out)."""
    tau_s, xs, vs, a0, b, dt = c.step
    M = c.order.shape[1]
    pos = c.k[:, None] + jnp.arange(window)[None, :]
    col = jnp.take_along_axis(c.order, jnp.clip(pos, 0, M - 1), axis=1)  # (L, W)
    ok = pos < c.stop[:, None]
    tq = times[col] - c.epoch[:, None]
    hq = jnp.where(ok, (tq - tau_s[:, None]) / dt[:, None], 0.0)
    xq, vq = _dense_grid(xs, vs, a0, b, dt, hq)
    rows = jnp.where(ok, c.src[:, None], n_rows)  # out of bounds: dropped
    out = out.at[rows, col].set(jnp.concatenate([xq, vq], axis=-1), mode="drop")
    return c._replace(k=jnp.minimum(c.k + window, c.stop)), out


def advance(force: Callable, carry: Carry, pool_: Pool, times, cfg: Config = Config(), max_iter=None,
            until_drained=False):
    """Step the slots until every pool row is integrated, or for at most max_iter attempts,
    or (until_drained: a bool, may be traced) until every row has been handed out.
    Returns (carry, pool).

    One `lax.while_loop`; each iteration first writes up to DENSE_WINDOW pending outputs per
    slot from the polynomial of the slot's last accepted step, then retires the slots whose
    integration is over and refills free slots from the pool (_retire_and_refill), then tries
    one step in every slot (vmapped) and keeps it for the slots that are not done and have no
    outputs pending (a slot with more outputs inside one step than the window waits an
    iteration per window). Why a window and not all of a step's outputs at once: an inner
    loop would carry the whole output array through a nested while_loop, which XLA copies on
    every iteration (docs/performance.md).
    """
    L, M = carry.order.shape
    n_rows = pool_.x0.shape[0]
    force = as_force(force)
    prepare = jax.vmap(lambda ln, ep, te, a, an: _prepare(force, cfg, ln, ep, te, a, an))
    finish = jax.vmap(lambda ln, tr, sw, te, a: _finish(force, cfg, ln, tr, sw, te, a))

    def attempt(lanes, epoch, tau_end, args, a_norm, active):
        """One step attempt for every slot; only the `active` ones iterate (the caller keeps
        the others' old state)."""
        trials = prepare(lanes, epoch, tau_end, args, a_norm)
        return finish(lanes, trials, _iterate(force, lanes, trials, args, active), tau_end, args)

    limit = jnp.iinfo(jnp.int32).max if max_iter is None else max_iter
    orders = _time_orders(times)
    fill = functools.partial(_write_outputs, times=times, window=min(DENSE_WINDOW, M), n_rows=n_rows)
    # a few outputs per lane: one compare over all of them (one kernel); many: a binary search
    search = "compare_all" if M <= SEARCH_ALL_OUTPUTS else "scan_unrolled"

    def body(state):
        c, p, it = state
        # most iterations have no output to write: a batch-level test lets lax.cond skip the work
        c, out = jax.lax.cond(jnp.any(c.k < c.stop), fill, lambda cc, o: (cc, o), c, p.out)
        c, p = _retire_and_refill(c, p._replace(out=out), times, orders, cfg)
        lane, step = c.lane, c.step
        active = ~lane.done & (c.k >= c.stop)
        new, rec, accepted = attempt(lane, c.epoch, c.tau_end, c.args, _end_accel_norm(step), active)
        new = _select(active, new, lane)
        took = active & accepted
        step = _select(took, rec, step)
        # outputs up to the new time: key <= |tau| along the lane (the keys are sorted along
        # each lane: `search` above)
        reach = jax.vmap(lambda ks, t: jnp.searchsorted(ks, t, side="right", method=search))(
            c.key, jnp.abs(new.tau)).astype(jnp.int32)
        stop = jnp.where(took, jnp.minimum(reach, c.k_end), c.stop)
        return c._replace(lane=new, stop=stop, step=step), p, it + 1

    def cond(state):
        c, p, it = state
        going = (p.next < p.end) | (~jnp.asarray(until_drained) & jnp.any(c.src >= 0))
        return going & (it < limit)

    carry, pool_, _ = jax.lax.while_loop(cond, body, (carry, pool_, jnp.int32(0)))
    return carry, pool_


def result(pool_: Pool) -> Result:
    """The Result of a finished Pool's rows."""
    return Result(pool_.out, pool_.status, pool_.n_steps, pool_.n_attempts, pool_.n_evals)


def integrate(force: Callable, x0, v0, epoch, tau_end, dt0, args, times, cfg: Config = Config()) -> Result:
    """Integrate L lanes, each from its own epoch to its own end, with dense output.

    force(t, x, v, args) -> (a (3,), encounter_ratio scalar) for ONE lane: t TDB JD, x (3,)
    au, v (3,) au/day; args is that lane's slice of `args`; encounter_ratio < 1 flags a close
    encounter. Or a `Force` (context, accel) pair, whose time-only part is computed once per
    step node. x0, v0: (L, 3) states at epoch (L,) TDB JD. tau_end: (L,) signed end of the
    integration relative to epoch (days; its sign is the lane's direction; 0: nothing to do).
    dt0: (L,) first step to try (days, positive). args: PyTree with leading axis L. times:
    (M,) TDB JD of the outputs; lane l fills those with 0 <= (t - epoch_l) / tau_end_l <= 1
    and leaves the others NaN. Call inside jit (the entry point, e.g. nbody.propagate_nbody,
    owns the jit). For more integrations than slots, and compaction, use `pool`, `empty` and
    `advance` (engine/nbody.py).
    """
    work = pool(x0, v0, epoch, tau_end, dt0, args, times.shape[0])
    _, work = advance(force, empty(work, x0.shape[0], times, cfg), work, times, cfg)
    return result(work)
