"""The engine's one two-body core: universal variables, one Stumpff function, one solver.

Every conic is handled by one formulation (Bate, Mueller and White 1971, ch. 4; Danby,
"Fundamentals of Celestial Mechanics", sec. 6.9; Vallado, "Fundamentals of Astrodynamics",
algorithm 8). For a start at distance r0 with sigma = r0 . v0 / sqrt(mu), alpha = 1/a
(0 for a parabola, < 0 for a hyperbola) and z = alpha chi^2 the universal Kepler equation is

    F(chi)   = r0 chi + sigma chi^2 c2(z) + (1 - alpha r0) chi^3 c3(z) - sqrt(mu) dt = 0
    F'(chi)  = r0 + sigma chi (1 - z c3) + (1 - alpha r0) chi^2 c2      = r   (> 0: one root)
    F''(chi) = sigma (1 - z c2) + (1 - alpha r0) chi (1 - z c3)

Two entry points share the Stumpff functions, the residual test and the iteration:
- `perifocal_state(q, e, alpha, dt, sqrt_mu)`: FROM PERIHELION (r0 = q, sigma = 0,
  1 - alpha q = e), the catalog's case: every object at every epoch. Its state is written
  so that no term cancels against dt (g = q chi (1 - z c3) / sqrt(mu)):
      x  = q - chi^2 c2,                    y  = sqrt(q (1 + e)) chi (1 - z c3)
      vx = -sqrt(mu) chi (1 - z c3) / r,    vy = sqrt(mu q (1 + e)) (1 - z c2) / r
- `state_after(r0, v0, dt, mu)`: FROM A STATE VECTOR, for short steps from an integrated
  state (light time in lighttime.py, the non-gravitational time delay in forces.py), through
  the Lagrange f and g functions.

Why these choices (timings: docs/performance.md, "Engine design measurements"):
- Stumpff's c2, c3 are a fixed 16-term Maclaurin series (Horner) for |z| <= POLY_LIMIT: no
  cancellation at z = 0, where the closed forms lose every digit, and only fused
  multiply-adds, which XLA vectorises on CPU (sin and cos are scalar libm calls there). The
  closed forms serve only |z| > POLY_LIMIT (hyperbolic through one exponential, elliptic with
  the half-angle numerator 2 sin^2(s/2), which does not cancel). Every branch is computed
  with harmless substitutes where a lane does not take it, so no NaN or inf appears.
- Elliptic times are reduced modulo the period first, so chi stays within one revolution.
  From perihelion that is |E| <= pi (iterates clamped to 1.1 pi), inside the series' range,
  so no catalog lane pays for a sin or cos.
- The perihelion starter is Mikkola's cubic (Mikkola 1987, Celest. Mech. 40, 329), rescaled
  to chi so that it stays finite as alpha -> 0 and is exact (Barker) for e = 1; the
  state-vector starter is chi = sqrt(mu) dt / r0, close for the short steps it serves.
- From perihelion, ITERATIONS fifth-order steps (`_quintic`: F's Taylor series to fourth
  order, inverted; from perihelion its third and fourth derivatives cost no more Stumpff
  values). Mikkola's start is within 2e-3 of the root, so one step lands within ~1e-13 on
  200,000 random lanes in every regime and on every benchmark population
  (tests/engine/test_kepler.py checks the lanes, and that one fewer does not do); then a
  Newton step carried into the state by Taylor series (`perifocal_state`) takes chi to the
  rounding level without another Stumpff evaluation: two evaluations per lane in all.
  From a state vector, STATE_ITERATIONS unrolled Laguerre-Conway steps (Conway 1986, Celest.
  Mech. 39, 199), which converge from poor starts and cubically near the root.
- Either way, a lane whose |F| still exceeds RESIDUAL_RTOL times the size of F's terms gets
  Laguerre-Conway steps in a `while_loop` (masked per lane under vmap), up to MAX_EXTRA; a
  lane still above it is reported as not converged, never returned silently wrong.
- The perihelion solver's passes (starter, steps) are the branches of one loop
  (`_passes`), so that XLA on the CPU writes chi once per pass instead of recomputing it in
  every consumer.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .trig import horner as _horner
from .trig import sincos_polynomial

ITERATIONS = 1  # fifth-order steps from Mikkola's starter (perihelion solver)
STATE_ITERATIONS = 2  # Laguerre-Conway steps from the state-vector starter
DISTANCE_ITERATIONS = 6  # ... in distance_after, which has no residual loop after them: one more than
# the worst catalog orbit needs in test_kepler (long delays on near-parabolic orbits at 3-5 au)
MAX_EXTRA = 40
# A converged F is at the rounding level of its largest term (~1e-16); 1e-12 of it is a time
# error of 1e-12 |dt|, far below the 1e-10 relative accuracy the engine promises.
RESIDUAL_RTOL = 1e-12
LAGUERRE_DEGREE = 5.0  # Conway found n = 5 robust for every eccentricity
TWO_PI = 2.0 * math.pi
# Beyond this many revolutions the float64 time since perihelion no longer fixes the phase
# (its ulp reaches 1e-6 of a period): such lanes are reported as not converged.
MAX_REVOLUTIONS = 1e9

# ---- Stumpff functions ----------------------------------------------------------------------
#   c2(z) = (1 - cos sqrt z) / z,         c3(z) = (sqrt z - sin sqrt z) / z^(3/2)         (z > 0)
#   c2(z) = (cosh sqrt -z - 1) / (-z),    c3(z) = (sinh sqrt -z - sqrt -z) / (-z)^(3/2)   (z < 0)
#   c2(0) = 1/2,                          c3(0) = 1/6
POLY_LIMIT = 12.0
# The series c2 = sum (-z)^k/(2k+2)!, c3 = sum (-z)^k/(2k+3)! truncated after SERIES_TERMS
# terms is below 1e-17 relative at |z| = 12; for z > 0 its cancelling terms are at most ~3x the
# result (a few ulps). For z < 0 nothing cancels, and it stays below 1e-17 down to z = -20.
SERIES_TERMS = 16
HYPERBOLIC_SERIES_LIMIT = 20.0
# Reciprocal factorials for Horner's rule, highest order first.
_C2_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k + 2) for k in reversed(range(SERIES_TERMS)))
_C3_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k + 3) for k in reversed(range(SERIES_TERMS)))
# sqrt(-z) is clamped here: exp(s/2) overflows float64 near s = 1419. A physical solution
# never comes close (it would need a hyperbolic mean anomaly of about e^700).
_MAX_HYPERBOLIC_S = 1400.0
_SINH_3 = math.sinh(3.0)


def stumpff(z, trig: bool = True, hyperbolic: bool = True):
    """(c2(z), c3(z)) for an array z of any shape (float64), to a few ulps for every z.

    The flags are static promises by the caller, to skip branches that `where` would otherwise
    evaluate on every lane: trig=False when z <= POLY_LIMIT (the perihelion solver's elliptic
    lanes); hyperbolic=False (implies trig=False) when z >= -HYPERBOLIC_SERIES_LIMIT too, so
    the series serves every lane (see needs_hyperbolic_branch).
    """
    z = jnp.asarray(z)
    if not hyperbolic:
        return _horner(_C2_COEFFS, z), _horner(_C3_COEFFS, z)
    in_poly = jnp.abs(z) <= POLY_LIMIT
    z_poly = jnp.where(in_poly, z, 0.0)
    c2 = _horner(_C2_COEFFS, z_poly)
    c3 = _horner(_C3_COEFFS, z_poly)

    # z < -POLY_LIMIT: cosh s - 1 = 2 sinh^2(s/2), sinh s = 2 sinh(s/2) cosh(s/2), one exp.
    minus_z = jnp.where(z < -POLY_LIMIT, -z, POLY_LIMIT)
    s = jnp.minimum(jnp.sqrt(minus_z), _MAX_HYPERBOLIC_S)
    exp_half = jnp.exp(0.5 * s)
    inv = 1.0 / exp_half
    sinh_half = 0.5 * (exp_half - inv)
    c2 = jnp.where(in_poly, c2, 2.0 * sinh_half * sinh_half / minus_z)
    c3 = jnp.where(in_poly, c3, (sinh_half * (exp_half + inv) - s) / (minus_z * s))
    if not trig:
        return c2, c3
    # z > POLY_LIMIT: 1 - cos s = 2 sin^2(s/2), sin s = 2 sin(s/2) cos(s/2).
    z_ell = jnp.where(z > POLY_LIMIT, z, POLY_LIMIT)
    s_ell = jnp.sqrt(z_ell)
    # not jnp.sin, jnp.cos (a libm call per lane: engine/trig.py); s/2 stays far below
    # trig.SINCOS_LIMIT for every z a solver reaches (at most a few revolutions)
    sin_half, cos_half = sincos_polynomial(0.5 * s_ell)
    c2_ell = 2.0 * sin_half * sin_half / z_ell
    c3_ell = (s_ell - 2.0 * sin_half * cos_half) / (z_ell * s_ell)
    return jnp.where(z > POLY_LIMIT, c2_ell, c2), jnp.where(z > POLY_LIMIT, c3_ell, c3)


# ---- the universal Kepler equation ----------------------------------------------------------
class Start(NamedTuple):
    """The start of a two-body problem in universal variables: r0 (au); sigma = r0 . v0 /
    sqrt(mu) (au^1/2), or None for a start at perihelion (a static zero: its terms are left
    out); ecc_term = 1 - alpha r0 (e at perihelion); alpha = 1/a (1/au)."""

    r0: jax.Array
    sigma: jax.Array | None
    ecc_term: jax.Array
    alpha: jax.Array


class Evaluation(NamedTuple):
    """Stumpff values at chi, F and its first two derivatives, and the residual test."""

    c2: jax.Array
    c3: jax.Array
    residual: jax.Array  # F(chi), au^1.5 (sqrt(mu) times a time)
    distance: jax.Array  # F'(chi) = r, au
    curvature: jax.Array  # F''(chi)
    converged: jax.Array


def reduce_time(alpha, dt, sqrt_mu):
    """(dt reduced to [-P/2, P/2] for ellipses (alpha > 0), unchanged otherwise; days,
    representable flag: False where |dt| exceeds MAX_REVOLUTIONS periods)."""
    safe_alpha = jnp.where(alpha > 0, alpha, 1.0)
    mean_motion = sqrt_mu * safe_alpha * jnp.sqrt(safe_alpha)  # per object: no per-lane division
    period = TWO_PI / mean_motion
    revolutions = jnp.round(dt * (mean_motion / TWO_PI))
    reduced = jnp.where(alpha > 0, dt - period * revolutions, dt)
    return reduced, (alpha <= 0) | (jnp.abs(revolutions) <= MAX_REVOLUTIONS)


def _derivatives(start: Start, target, chi, c2, c3) -> Evaluation:
    """F, F', F'' at chi for sqrt(mu) dt = target, from the Stumpff values there, and the
    residual test."""
    chi2 = chi * chi
    z = start.alpha * chi2
    cubic_term = start.ecc_term * chi2 * chi * c3
    one_minus_zc3 = 1.0 - z * c3
    if start.sigma is None:  # from perihelion: the same sums without the sigma terms
        f0 = start.r0 * chi + cubic_term - target
        f1 = start.r0 + start.ecc_term * chi2 * c2
        f2 = start.ecc_term * chi * one_minus_zc3
        scale = start.r0 * jnp.abs(chi) + jnp.abs(cubic_term) + jnp.abs(target)
    else:
        sigma_term = start.sigma * chi2 * c2
        f0 = start.r0 * chi + sigma_term + cubic_term - target
        f1 = start.r0 + start.sigma * chi * one_minus_zc3 + start.ecc_term * chi2 * c2
        f2 = start.sigma * (1.0 - z * c2) + start.ecc_term * chi * one_minus_zc3
        scale = start.r0 * jnp.abs(chi) + jnp.abs(sigma_term) + jnp.abs(cubic_term) + jnp.abs(target)
    return Evaluation(c2, c3, f0, f1, f2, jnp.abs(f0) <= RESIDUAL_RTOL * scale)


def _stumpff_at(start: Start, chi, trig, hyperbolic):
    return stumpff(start.alpha * (chi * chi), trig=trig, hyperbolic=hyperbolic)


def _evaluate(start: Start, target, chi, trig, hyperbolic) -> Evaluation:
    """F, F', F'' at chi for sqrt(mu) dt = target, with the residual test."""
    return _derivatives(start, target, chi, *_stumpff_at(start, chi, trig, hyperbolic))


def _laguerre_conway(chi, ev: Evaluation, bound):
    n = LAGUERRE_DEGREE
    disc = (n - 1.0) ** 2 * ev.distance * ev.distance - n * (n - 1.0) * ev.residual * ev.curvature
    new = chi - n * ev.residual / (ev.distance + jnp.sqrt(jnp.abs(disc)))
    # The elliptic root lies within the bound (time reduced to half a period); clamping an
    # overshoot back keeps z in the Stumpff range the caller promised and the iteration converging.
    return jnp.clip(new, -bound, bound)


def _quintic(start: Start, target, chi, bound, trig, hyperbolic):
    """One step of fifth order from a start at perihelion (sigma = 0): the Taylor series of F
    about chi to fourth order, inverted (series reversion). With F1 = F' = r > 0, h = -F/F1
    and b_k = F_k / (k! F1) (F_k the k-th derivative), the root is chi + h - b2 h^2
    + (2 b2^2 - b3) h^3 + (5 b2 b3 - 5 b2^3 - b4) h^4 + O(h^5). From perihelion the higher
    derivatives need no more Stumpff values: F_3 = e (1 - z c2) and F_4 = -alpha F_2."""
    ev = _evaluate(start, target, chi, trig, hyperbolic)
    z = start.alpha * chi * chi
    inv = 1.0 / ev.distance
    h = -ev.residual * inv
    b2 = 0.5 * ev.curvature * inv
    b3 = start.ecc_term * (1.0 - z * ev.c2) * (inv / 6.0)
    b4 = -start.alpha * ev.curvature * (inv / 24.0)
    fourth = 5.0 * b2 * b3 - 5.0 * b2 * b2 * b2 - b4
    step = h * (1.0 + h * (-b2 + h * ((2.0 * b2 * b2 - b3) + h * fourth)))
    return jnp.clip(chi + step, -bound, bound)


def _passes(stages, x):
    """stages[-1](...stages[1](stages[0](x))), each stage one pass over the lanes.

    XLA's CPU fusion copies every cheap elementwise op into each consumer of its result and
    computes only divisions, roots and exponentials once. Written as one expression, a value
    that several consumers read and whose last op is cheap (chi after a clip) is computed
    again by each of them, and with it everything back to the last expensive op: the starter
    and each step's Stumpff series, several times per lane (docs/performance.md). A loop
    writes its carry once per trip, so here each stage is a branch of a `switch` on the trip
    count, and every lane's chi is written once per stage.
    """
    if len(stages) == 1:
        return stages[0](x)
    return jax.lax.fori_loop(0, len(stages), lambda k, x: jax.lax.switch(k, stages, x), x)


def _finish(start: Start, target, chi, bound, max_extra, trig, hyperbolic):
    """The Stumpff values and the residual test at chi; then Laguerre-Conway steps on the lanes
    whose test fails, up to max_extra, in a `while_loop` (masked per lane under vmap) that
    runs only while some lane needs it. Returns (chi, Evaluation at chi)."""
    c2, c3 = _stumpff_at(start, chi, trig, hyperbolic)
    converged = _derivatives(start, target, chi, c2, c3).converged

    # The loop carries chi, the Stumpff values and the verdict; F and its derivatives are
    # recomputed from them (a few multiply-adds) rather than carried.
    def needs_more(carry):
        *_, converged, k = carry
        return jnp.any(~converged) & (k < max_extra)

    def more(carry):
        chi, c2, c3, done, k = carry
        new_chi = _laguerre_conway(chi, _derivatives(start, target, chi, c2, c3), bound)
        new_c2, new_c3 = _stumpff_at(start, new_chi, trig, hyperbolic)
        new_converged = _derivatives(start, target, new_chi, new_c2, new_c3).converged
        pick = lambda old, new: jnp.where(done, old, new)  # noqa: E731
        return pick(chi, new_chi), pick(c2, new_c2), pick(c3, new_c3), done | new_converged, k + 1

    if max_extra > 0:
        chi, c2, c3, converged, _ = jax.lax.while_loop(needs_more, more, (chi, c2, c3, converged, 0))
    ev = _derivatives(start, target, chi, c2, c3)
    return chi, ev._replace(converged=converged)


def _elliptic_bound(alpha, max_anomaly):
    """Largest |chi| allowed while iterating: an eccentric-anomaly change of max_anomaly on
    ellipses, none otherwise."""
    safe = jnp.where(alpha > 0, alpha, 1.0)
    return jnp.where(alpha > 0, max_anomaly / jnp.sqrt(safe), jnp.inf)


# ---- entry point 1: from perihelion ---------------------------------------------------------
def _cbrt(x):
    """Cube root of x in [1e-90, 1e90] (clipped) to ~1e-14 relative, in plain arithmetic.

    jnp.cbrt is a scalar libm call per lane on CPU. Kahan's exponent-thirding bit trick (as in
    fdlibm's cbrt: a third of the high 32 bits plus a bias) gives ~3%, and two Halley steps
    y (y^3 + 2x)/(2y^3 + x), which converge cubically, take that to 1e-5 and then below 1e-13:
    ample for a starter. The third is taken in float64 on the 32-bit word: a 64-bit integer
    division has no vector instruction on x86 and was a third of the starter's time.
    """
    x = jnp.clip(x, 1e-90, 1e90)  # the bit trick and y^3 stay in range (callers need far less)
    high = jax.lax.shift_right_logical(jax.lax.bitcast_convert_type(x, jnp.int64), jnp.int64(32)).astype(jnp.int32)
    high = (high.astype(jnp.float64) * (1.0 / 3.0)).astype(jnp.int32) + 0x2A9F7893
    y = jax.lax.bitcast_convert_type(jax.lax.shift_left(high.astype(jnp.int64), jnp.int64(32)), jnp.float64)
    for _ in range(2):
        y3 = y * y * y
        y = y * (y3 + 2.0 * x) / (2.0 * y3 + x)
    return y


def starter(q, e, alpha, dt, sqrt_mu):
    """Initial chi (au^1/2) for reduced time dt (days) since perihelion: Mikkola's cubic.

    Mikkola (1987) writes s = cbrt-root - a/root with a = |1 - e|/(4e + 1/2),
    b = M / (2 (4e + 1/2)), M = sqrt(mu) |alpha|^1.5 dt, then E = M + e (3 s - 4 s^3) or
    H = 3 asinh(s), each with a fifth-order correction of s. Here every quantity is divided by
    the power of sqrt|alpha| it carries (s' = s / sqrt|alpha|, chi = E / sqrt|alpha|), which
    leaves a form with a finite limit at alpha = 0; there it is Cardano's solution of Barker's
    equation q chi + chi^3/6 = sqrt(mu) dt, exact for the parabola.
    """
    abs_alpha = jnp.abs(alpha)
    den = 4.0 * e + 0.5
    a1 = q / den
    b1 = dt * (0.5 * sqrt_mu / den)  # the factor is per object
    root = _cbrt(jnp.abs(b1) + jnp.sqrt(b1 * b1 + a1 * a1 * a1))
    s1 = jnp.sign(b1) * (root - a1 / root)
    s1_2 = s1 * s1
    s1_5 = s1_2 * s1_2 * s1
    u = abs_alpha * s1_2  # s^2 in Mikkola's variables
    # Elliptic: E / sqrt(alpha).
    s_ell = s1 - (0.078 * abs_alpha * abs_alpha / (1.0 + e)) * s1_5
    chi_ell = sqrt_mu * abs_alpha * dt + e * (3.0 * s_ell - 4.0 * abs_alpha * s_ell * s_ell * s_ell)
    # Hyperbolic: 3 asinh(sqrt|alpha| s') / sqrt|alpha|, with asinh(x)/x by series near 0.
    s_hyp = s1 + (0.071 * abs_alpha * abs_alpha / e) * s1_5 / ((1.0 + 0.45 * u) * (1.0 + 4.0 * u))
    x = jnp.sqrt(abs_alpha) * jnp.abs(s_hyp)
    x_safe = jnp.where(x > 1e-4, x, 1.0)
    # asinh(x) = log(x + sqrt(x^2 + 1)): a vectorised log (jnp.arcsinh is a libm call); its
    # cancellation just above x = 1e-4 costs at most 1e-12 relative, irrelevant to a starter.
    asinh = jnp.log(x_safe + jnp.sqrt(x_safe * x_safe + 1.0))
    asinhc = jnp.where(x > 1e-4, asinh / x_safe, 1.0 - x * x / 6.0)
    chi_hyp = 3.0 * s_hyp * asinhc
    return jnp.where(alpha > 0, chi_ell, chi_hyp)


def needs_hyperbolic_branch(q, e, max_abs_dt, mu):
    """(N,) bool, numpy, on the host: objects whose solve may reach z < -12 (H > 3.46).

    On a hyperbola e sinh H - H = n |dt| >= (e - 1) sinh H, so H <= asinh(n |dt| / (e - 1)).
    Objects with that bound below 3 (z > -9, with room for iterates to overshoot) can use
    stumpff(hyperbolic=False), whose series stays accurate to z = -20: every ellipse and
    parabola, and near-parabolic hyperbolas over decades. The rest need the exp branch.
    """
    q, e, max_abs_dt = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (q, e, max_abs_dt)))
    with np.errstate(all="ignore"):
        alpha = (1.0 - e) / q
        flags = alpha < 0
        if not flags.any():
            return flags
        # asinh(x) < 3 <=> x < sinh 3, and only the hyperbolas (alpha < 0) need x at all.
        a = -alpha[flags]
        x = math.sqrt(mu) * a * np.sqrt(a) * max_abs_dt[flags] / (e[flags] - 1.0)
        flags[flags] = ~(x < _SINH_3)
    return flags


def solve(q, e, alpha, dt, sqrt_mu, iterations=ITERATIONS, max_extra=MAX_EXTRA, hyperbolic=True):
    """Solve the universal Kepler equation from perihelion, one lane or elementwise.

    q (au), e, alpha = (1 - e)/q (1/au), dt (days since perihelion, already reduced),
    sqrt_mu (au^1.5/day). Mikkola's starter, `iterations` fifth-order steps, then
    Laguerre-Conway steps on any lane whose residual test still fails. hyperbolic=False: the
    caller guarantees |z| stays below HYPERBOLIC_SERIES_LIMIT (see needs_hyperbolic_branch).
    Returns (chi, c2, c3, converged).
    """
    bound = _elliptic_bound(alpha, 1.1 * math.pi)
    start = Start(q, None, e, alpha)
    target = sqrt_mu * dt

    def first(_):
        return jnp.clip(starter(q, e, alpha, dt, sqrt_mu), -bound, bound)

    def refine(chi):
        return _quintic(start, target, chi, bound, False, hyperbolic)

    shape = jnp.broadcast_shapes(jnp.shape(q), jnp.shape(e), jnp.shape(alpha), jnp.shape(dt))
    chi = _passes([first] + [refine] * iterations, jnp.zeros(shape, jnp.result_type(float)))
    chi, ev = _finish(start, target, chi, bound, max_extra, False, hyperbolic)
    return chi, ev.c2, ev.c3, ev.converged


def perifocal_state(q, e, alpha, dt, sqrt_mu, iterations=ITERATIONS, hyperbolic=True):
    """Perifocal position and velocity at dt days from perihelion (any dt, any e >= 0).

    Returns (x, y, vx, vy, converged): au and au/day along P (toward perihelion) and
    Q (along the perihelion velocity). Elementwise over broadcastable arrays.

    The state is written with U2 = chi^2 c2, U1 = chi (1 - z c3) and U0 = 1 - z c2 (r = q +
    e U2). They are first carried through one Newton step d = -F / r past the solver's chi,
    by their Taylor series (dU2 = U1 dchi, dU1 = U0 dchi, dU0 = -alpha U1 dchi) to second
    order: the solver stops at its residual test (1e-12), this takes chi to the rounding level
    with no further Stumpff values.
    """
    dt, representable = reduce_time(alpha, dt, sqrt_mu)
    chi, c2, c3, converged = solve(q, e, alpha, dt, sqrt_mu, iterations, hyperbolic=hyperbolic)
    converged = converged & representable
    chi2 = chi * chi
    z = alpha * chi2
    u2 = chi2 * c2
    u1 = chi * (1.0 - z * c3)
    u0 = 1.0 - z * c2
    r = q + e * u2
    inv_r = 1.0 / r
    d = -(q * chi + e * (chi2 * chi * c3) - sqrt_mu * dt) * inv_r
    half_d2 = 0.5 * d * d
    u2, u1, u0 = u2 + u1 * d + u0 * half_d2, u1 + u0 * d - alpha * u1 * half_d2, u0 - alpha * (u1 * d + u0 * half_d2)
    inv_r = inv_r * (1.0 - e * (u1 * d) * inv_r)  # 1/r at the new chi, to first order in d (d / chi < 1e-12)
    p_root = jnp.sqrt(q * (1.0 + e))
    x = q - u2
    y = p_root * u1
    vx = -sqrt_mu * u1 * inv_r
    vy = (sqrt_mu * p_root) * u0 * inv_r
    return x, y, vx, vy, converged


# ---- entry point 2: from a state vector -----------------------------------------------------
def _state_starter(start: Start, target):
    """Initial chi for sqrt(mu) dt = target from an arbitrary start: the smaller in size of
    target / r0 (chi' = sqrt(mu) / r, exact at the start) and the root of the cubic
    ecc_term chi^3 / 6 = target (the time law far from the start, exact for a parabola from
    perihelion). The first alone overshoots badly from close to the Sun (r grows); the second
    bounds that, and a start below the root is one Laguerre-Conway converges from quickly."""
    first_order = target / start.r0
    cubic = jnp.sign(target) * _cbrt(6.0 * jnp.abs(target) / jnp.maximum(jnp.abs(start.ecc_term), 1e-30))
    return jnp.where(jnp.abs(first_order) < jnp.abs(cubic), first_order, cubic)


def distance_after(r0, v0, dt, mu):
    """|r| dt days (either sign) after position r0 (3,) au and velocity v0 (3,) au/day about a
    body of GM mu, for problems whose |z| = |alpha| chi^2 stays within the Stumpff series'
    range (`series_range` says which): the distance alone, for the non-gravitational delay
    (forces.py), which asks for it at every step node of every sweep that evaluates it.

    The same Kepler equation, starter and Laguerre-Conway steps as `state_after`, but the
    series alone (no trigonometric or exponential branch to select between), a fixed
    DISTANCE_ITERATIONS steps with no residual loop, and the distance carried one Newton step
    further by its Taylor series (d = -F/F', r + r' d + r'' d^2/2, with r'' = 1 - alpha r in
    the universal variable) instead of a last Stumpff evaluation. Without a loop or branches
    to select between, XLA's CPU backend compiles it into far fewer kernels than `state_after`,
    and the kernel count, not the arithmetic, is what it costs in the integrator
    (docs/performance.md).
    Returns (distance, converged): converged is the residual test after the last step."""
    sqrt_mu = jnp.sqrt(mu)
    r0_norm = jnp.sqrt(jnp.dot(r0, r0))
    alpha = 2.0 / r0_norm - jnp.dot(v0, v0) / mu
    start = Start(r0_norm, jnp.dot(r0, v0) / sqrt_mu, 1.0 - alpha * r0_norm, alpha)
    target = sqrt_mu * dt
    # iterates stay where the series holds (|z| <= POLY_LIMIT), as the root does by promise
    bound = jnp.sqrt(POLY_LIMIT / jnp.maximum(jnp.abs(alpha), 1e-300))
    chi = jnp.clip(_state_starter(start, target), -bound, bound)
    for _ in range(DISTANCE_ITERATIONS):
        chi = _laguerre_conway(chi, _evaluate(start, target, chi, False, False), bound)
    ev = _evaluate(start, target, chi, False, False)
    d = -ev.residual / ev.distance
    distance = ev.distance + d * (ev.curvature + 0.5 * d * (1.0 - alpha * ev.distance))
    return distance, ev.converged


def series_range(alpha, q, dt, mu):
    """(N,) bool, numpy on the host: where `distance_after` may serve an orbit of 1/a = alpha,
    perihelion q (au) over |dt| days. The universal anomaly moves at most sqrt(mu) / q per day
    (at perihelion), so |z| = |alpha| chi^2 <= |alpha| mu dt^2 / q^2; allowed up to a quarter
    of the series' range, a margin for the orbit changing along an integration (a planet would
    have to halve q sqrt(a))."""
    z_max = np.abs(alpha) * mu * np.asarray(dt, np.float64) ** 2 / np.asarray(q, np.float64) ** 2
    return z_max <= 0.25 * min(POLY_LIMIT, HYPERBOLIC_SERIES_LIMIT)


def state_after(r0, v0, dt, mu, iterations=STATE_ITERATIONS, max_extra=MAX_EXTRA):
    """Two-body state dt days (either sign) after position r0 (3,) au and velocity v0 (3,)
    au/day relative to the central body of GM mu (au^3/day^2). Every conic, any dt.

    The same Kepler equation, solver and residual test as `perifocal_state`, started from
    chi = sqrt(mu) dt / |r0| (first order in dt). From an arbitrary point an elliptic chi can
    sweep an eccentric anomaly up to pi + 2 in half a period (beyond the series' range), so
    the Stumpff functions keep every branch and iterates are bounded by one revolution.
    Returns (r (3,), v (3,), converged); the Lagrange coefficients are written without the
    difference dt - chi^3 c3 / sqrt(mu): g = (r0 chi (1 - z c3) + sigma chi^2 c2) / sqrt(mu).
    """
    sqrt_mu = jnp.sqrt(mu)
    r0_norm = jnp.sqrt(jnp.dot(r0, r0))
    alpha = 2.0 / r0_norm - jnp.dot(v0, v0) / mu
    start = Start(r0_norm, jnp.dot(r0, v0) / sqrt_mu, 1.0 - alpha * r0_norm, alpha)
    dt, representable = reduce_time(alpha, dt, sqrt_mu)
    bound = _elliptic_bound(alpha, TWO_PI)
    chi0 = jnp.clip(_state_starter(start, sqrt_mu * dt), -bound, bound)
    target = sqrt_mu * dt
    chi = chi0
    for _ in range(iterations):  # unrolled: XLA fuses them, nothing is written in between
        chi = _laguerre_conway(chi, _evaluate(start, target, chi, True, True), bound)
    chi, ev = _finish(start, target, chi, bound, max_extra, True, True)
    # One more step past the residual test: cubic convergence takes chi from 1e-12 to the
    # rounding level. Light time differences positions a micrometre apart, and the residual
    # test alone leaves a time error up to RESIDUAL_RTOL |dt| (millimetres over 80 days).
    chi = _laguerre_conway(chi, ev, bound)
    ev = _evaluate(start, sqrt_mu * dt, chi, True, True)
    chi2 = chi * chi
    z = alpha * chi2
    f = 1.0 - chi2 * ev.c2 / r0_norm
    g = (r0_norm * chi * (1.0 - z * ev.c3) + start.sigma * chi2 * ev.c2) / sqrt_mu
    r = f * r0 + g * v0
    r_norm = ev.distance
    f_dot = sqrt_mu / (r_norm * r0_norm) * chi * (z * ev.c3 - 1.0)
    g_dot = 1.0 - chi2 * ev.c2 / r_norm
    return r, f_dot * r0 + g_dot * v0, ev.converged & representable
