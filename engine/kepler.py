"""Two-body motion from perihelion in universal variables: one lane = one object at one time.

Every conic is handled by one formulation (Bate, Mueller and White 1971, ch. 4; Danby,
"Fundamentals of Celestial Mechanics", sec. 6.9). The object starts at perihelion, r0 = q with
zero radial velocity, so with alpha = 1/a = (1 - e)/q (0 for a parabola, < 0 for a hyperbola)
and z = alpha chi^2 the universal Kepler equation and its derivatives are

    F(chi)   = q chi + e chi^3 c3(z) - sqrt(mu) dt = 0
    F'(chi)  = q + e chi^2 c2(z)          = r            (> 0, so the root is unique)
    F''(chi) = e chi (1 - z c3(z))        = r . v / sqrt(mu)

and the perifocal state (x toward perihelion, y along the motion at perihelion) is

    x  = q - chi^2 c2,                    y  = sqrt(q (1 + e)) chi (1 - z c3)
    vx = -sqrt(mu) chi (1 - z c3) / r,    vy = sqrt(mu q (1 + e)) (1 - z c2) / r

(the f and g functions with r0 = q P, v0 = sqrt(mu (1 + e) / q) Q, rewritten so that no term
cancels against dt; e.g. g = dt - chi^3 c3 / sqrt(mu) = q chi (1 - z c3) / sqrt(mu)).

Design decisions, for speed without silent error:
- Elliptic times are reduced modulo the period first, so chi stays within one revolution
  (|E| <= pi; iterates are clamped to |E| <= 1.1 pi) over +/-1000 years and more. That keeps
  every elliptic z inside the range where Stumpff's series is summed (stumpff.py), so no lane
  pays for a sin or cos.
- Transcendentals are kept to those XLA vectorises on CPU (exp, log, sqrt, division): the
  cube root of the starter is a bit trick plus Halley steps, asinh is written with log.
  Measured single-threaded on this project's 2-core machine: ~160 ns per object-epoch for
  the whole grid kernel (starter ~18 ns, each Stumpff evaluation ~15 ns).
- The starter is Mikkola's cubic approximation (Mikkola 1987, Celest. Mech. 40, 329), in its
  elliptic and hyperbolic forms, rescaled to chi (chi = E / sqrt(alpha), H / sqrt(-alpha))
  so that it stays finite as alpha -> 0 and is exact (Barker) for e = 1. Near-parabolic lanes
  therefore start as well as any other.
- Then a fixed number (ITERATIONS = 2) of Laguerre-Conway steps (Conway 1986, Celest. Mech.
  39, 199), which converge from poor starts and cubically near the root. These are unrolled,
  so XLA fuses them into one loop over lanes with nothing written to memory in between. Two
  is the smallest count that meets the residual test on every one of 200,000 random lanes
  in every regime, e up to 100 and +/-1000 years (tests/engine/test_kepler.py checks the
  worst lane, and that one step fewer does not suffice).
- The evaluation that gives c2, c3 for the state also gives the residual F. A lane whose
  |F| exceeds RESIDUAL_RTOL times the size of the terms of F gets more steps in a
  `while_loop` (under vmap: while any lane needs them, masked per lane), up to MAX_EXTRA.
  A lane still above it is reported as not converged; it is never returned silently wrong.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .stumpff import stumpff

ITERATIONS = 2
MAX_EXTRA = 40
# A converged F is at the rounding level of its largest term (~1e-16); 1e-12 of it is a time
# error of 1e-12 |dt|, far below the 1e-10 relative accuracy the engine promises.
RESIDUAL_RTOL = 1e-12
_LC_N = 5.0  # Laguerre-Conway degree; Conway found 5 robust for every e.
TWO_PI = 2.0 * math.pi


# Beyond this many revolutions the float64 time since perihelion no longer fixes the phase
# (its ulp reaches 1e-6 of a period): such lanes are reported as not converged.
MAX_REVOLUTIONS = 1e9


def reduce_time(alpha, dt, sqrt_mu):
    """(dt reduced to [-P/2, P/2] for ellipses (alpha > 0), unchanged otherwise; days,
    representable flag: False where |dt| exceeds MAX_REVOLUTIONS periods)."""
    safe_alpha = jnp.where(alpha > 0, alpha, 1.0)
    mean_motion = sqrt_mu * safe_alpha * jnp.sqrt(safe_alpha)  # per object: no per-lane division
    period = TWO_PI / mean_motion
    revolutions = jnp.round(dt * (mean_motion / TWO_PI))
    reduced = jnp.where(alpha > 0, dt - period * revolutions, dt)
    return reduced, (alpha <= 0) | (jnp.abs(revolutions) <= MAX_REVOLUTIONS)


def _cbrt(x):
    """Cube root of x in [1e-90, 1e90] (clipped) to ~1e-14 relative, in plain arithmetic that XLA vectorises.

    (jnp.cbrt is a scalar libm call per lane on CPU, a sixth of the whole solve.) Kahan's
    exponent-thirding bit trick gives ~5%, and two Halley steps y (y^3 + 2x)/(2y^3 + x), which
    converge cubically, take that to 1e-4 and then below 1e-12: ample for a starter.
    """
    x = jnp.clip(x, 1e-90, 1e90)  # the bit trick and y^3 stay in range (callers need far less)
    bits = jax.lax.bitcast_convert_type(x, jnp.int64)
    y = jax.lax.bitcast_convert_type(bits // 3 + 0x2A9F7893782DA1CE, jnp.float64)
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
    import numpy as np

    q, e, max_abs_dt = (np.asarray(a, dtype=np.float64) for a in (q, e, max_abs_dt))
    with np.errstate(all="ignore"):
        alpha = (1.0 - e) / q
        n = math.sqrt(mu) * np.abs(alpha) ** 1.5
        h_bound = np.arcsinh(n * max_abs_dt / (e - 1.0))
    return (alpha < 0) & ~(h_bound < 3.0)


def _elliptic_bound(alpha):
    """Largest |chi| allowed while iterating: |E| <= 1.1 pi on ellipses, none otherwise."""
    safe = jnp.where(alpha > 0, alpha, 1.0)
    return jnp.where(alpha > 0, 1.1 * math.pi / jnp.sqrt(safe), jnp.inf)


def _evaluate(q, e, alpha, dt, sqrt_mu, chi, hyperbolic=True):
    """Stumpff values and F, F', F'' at chi, with the residual test."""
    chi2 = chi * chi
    z = alpha * chi2
    c2, c3 = stumpff(z, trig=False, hyperbolic=hyperbolic)
    e_chi3_c3 = e * chi2 * chi * c3
    target = sqrt_mu * dt
    f0 = q * chi + e_chi3_c3 - target
    f1 = q + e * chi2 * c2
    f2 = e * chi * (1.0 - z * c3)
    scale = q * jnp.abs(chi) + jnp.abs(e_chi3_c3) + jnp.abs(target)
    converged = jnp.abs(f0) <= RESIDUAL_RTOL * scale
    return (c2, c3, f0, f1, f2, converged)


def _laguerre_conway(chi, ev, bound):
    _, _, f0, f1, f2, _ = ev
    disc = (_LC_N - 1.0) ** 2 * f1 * f1 - _LC_N * (_LC_N - 1.0) * f0 * f2
    new = chi - _LC_N * f0 / (f1 + jnp.sqrt(jnp.abs(disc)))
    # The elliptic root lies within |E| <= pi (time reduced to half a period); clamping an
    # overshoot back keeps z inside the Stumpff series' range and the iteration converging.
    return jnp.clip(new, -bound, bound)


def solve(q, e, alpha, dt, sqrt_mu, iterations=ITERATIONS, max_extra=MAX_EXTRA, hyperbolic=True):
    """Solve the universal Kepler equation for one lane (or elementwise over arrays).

    q (au), e, alpha = (1 - e)/q (1/au), dt (days since perihelion, already reduced),
    sqrt_mu (au^1.5/day). hyperbolic=False: the caller guarantees |z| stays below
    stumpff.HYPERBOLIC_SERIES_LIMIT (see needs_hyperbolic_branch). Returns (chi, c2, c3, converged).
    """
    bound = _elliptic_bound(alpha)
    chi = jnp.clip(starter(q, e, alpha, dt, sqrt_mu), -bound, bound)
    ev = _evaluate(q, e, alpha, dt, sqrt_mu, chi, hyperbolic)
    for _ in range(iterations):
        chi = _laguerre_conway(chi, ev, bound)
        ev = _evaluate(q, e, alpha, dt, sqrt_mu, chi, hyperbolic)

    def needs_more(carry):
        _, ev, k = carry
        return jnp.any(~ev[5]) & (k < max_extra)

    def more(carry):
        chi, ev, k = carry
        new_chi = _laguerre_conway(chi, ev, bound)
        new_ev = _evaluate(q, e, alpha, dt, sqrt_mu, new_chi, hyperbolic)
        keep = ev[5]
        chi = jnp.where(keep, chi, new_chi)
        ev = jax.tree_util.tree_map(lambda old, new: jnp.where(keep, old, new), ev, new_ev)
        return chi, ev, k + 1

    if max_extra > 0:
        chi, ev, _ = jax.lax.while_loop(needs_more, more, (chi, ev, 0))
    c2, c3, _, _, _, converged = ev
    return chi, c2, c3, converged


def perifocal_state(q, e, alpha, dt, sqrt_mu, iterations=ITERATIONS, hyperbolic=True):
    """Perifocal position and velocity at dt days from perihelion (any dt, any e >= 0).

    Returns (x, y, vx, vy, converged): au and au/day along P (toward perihelion) and
    Q (along the perihelion velocity). Elementwise over broadcastable arrays.
    """
    dt, representable = reduce_time(alpha, dt, sqrt_mu)
    chi, c2, c3, converged = solve(q, e, alpha, dt, sqrt_mu, iterations, hyperbolic=hyperbolic)
    converged = converged & representable
    chi2 = chi * chi
    z = alpha * chi2
    u2 = chi2 * c2
    r = q + e * u2
    w = chi * (1.0 - z * c3)
    p_root = jnp.sqrt(q * (1.0 + e))
    x = q - u2
    y = p_root * w
    inv_r = 1.0 / r
    vx = -sqrt_mu * w * inv_r
    vy = (sqrt_mu * p_root) * (1.0 - z * c2) * inv_r
    return x, y, vx, vy, converged
