"""Accelerations on a comet (a massless test particle) in barycentric ICRF, au and au/day^2.

Pure functions for ONE particle; the integrator vmaps them over lanes and over its substeps.
Why barycentric (and what it costs) is in engine/nbody.py's docstring.

Model (each term documented at its function):
- Newtonian point masses: the Sun, Mercury, Venus, Earth, Moon and the Mars..Pluto system
  barycentres, at positions taken from the planetary ephemeris, with that ephemeris' own GMs
  (tables in constants.py).
- The Sun's first post-Newtonian term (PPN beta = gamma = 1), in heliocentric r, v.
- Marsden, Sekanina & Yeomans (1973) non-gravitational acceleration with the Yeomans & Chodas
  (1989) time delay DT.

Time-delay approximation (design decision). The delayed sublimation law needs the comet's
heliocentric distance at t - DT. An exact value would need the integrated trajectory's past
(or future, for DT < 0), which a one-step method does not keep. We instead take a two-body
(Sun only, GM_sun) Kepler step of -DT from the current heliocentric state. For the DT values
published for comets (|DT| up to ~130 days) the planets perturb r(t - DT) by far less than the
sublimation law's own uncertainty, and g(r) enters the force only as a scale factor of the
(small) A1..A3 terms.

Only the distance is needed, and it is F'(chi) of the universal Kepler equation (kepler.py),
so `delayed_distance` solves for chi alone, with the Stumpff series only and a fixed number of
Laguerre-Conway steps: no sin, cos or exp per iteration and no while_loop (which, inside the
integrator's sweeps, cost more than the solve itself). kepler.state_after, evaluated at every
node of the first three sweeps, was two thirds of the time the non-gravitational force added
to 1,000 clones of 67P (docs/performance.md, issue 18). On 410,000 catalog states (41 points
along each orbit, delays of -400 to 400 days) every lane converges and the distance agrees with
kepler.state_after's to 3.4e-13 relative; a lane that does not converge is NaN, which the
integrator reports as not converged, never a silently wrong force.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from . import constants, kepler


class NonGravLaw(NamedTuple):
    """Constants of the sublimation law g(r) = alpha (r/r0)^-m (1 + (r/r0)^n)^-k (r0 in au).

    Defaults are the standard water-ice law (Marsden et al. 1973), as in JPL Horizons headers.
    A NamedTuple, so it is a PyTree: the values can be traced (no recompilation to change them).
    """

    alpha: float = constants.NONGRAV_ALPHA
    r0: float = constants.NONGRAV_R0_AU
    m: float = constants.NONGRAV_M
    n: float = constants.NONGRAV_N
    k: float = constants.NONGRAV_K


class NonGravParams(NamedTuple):
    """One comet's non-gravitational parameters: A1, A2, A3 (au/day^2) and DT (days)."""

    A1: float
    A2: float
    A3: float
    DT: float


def newtonian(x, body_pos, gm):
    """Sum of point-mass attractions.

    x: (3,) particle position (au); body_pos: (K, 3) body positions (au), same frame and time;
    gm: (K,) gravitational parameters (au^3/day^2). Returns (3,) au/day^2.
    """
    return point_masses(x, body_pos, gm, jnp.ones_like(gm))[0]


def point_masses(x, body_pos, gm, limits):
    """The Newtonian pull of point masses and the closest approach to them relative to limits,
    from the same squared distances.

    x: (3,), body_pos: (K, 3), gm: (K,) as in `newtonian`; limits: (K,) au (+inf ignores a
    body). Returns (a (3,) au/day^2, min_k |x - body_k| / limit_k): a ratio below 1 means a
    closer approach than allowed. The ratio is the square root of the least r^2 / limit^2: one
    root per particle, not one root and one division per body. The bodies stay one (K, 3)
    array: an unrolled loop over K or a tuple of (3,) arrays was slower under XLA's CPU
    backend (docs/performance.md).
    """
    d = body_pos - x
    r2 = jnp.sum(d * d, axis=-1)
    inv_r3 = 1.0 / (r2 * jnp.sqrt(r2))
    return jnp.sum((gm * inv_r3)[:, None] * d, axis=0), jnp.sqrt(jnp.min(r2 / (limits * limits)))


def sun_relativity(r, v, gm_sun):
    """The Sun's 1PN acceleration, PPN beta = gamma = 1 (Schwarzschild, harmonic gauge).

    a = GM / (c^2 r^3) [ (4 GM / r - v^2) r_vec + 4 (r_vec . v_vec) v_vec ]
    (e.g. Moyer 2003, JPL DESCANSO monograph 2, eq. 4-61 reduced to one body; the form used by
    JPL's small-body integrators). r, v: (3,) heliocentric position (au) and velocity (au/day).
    Returns (3,) au/day^2.
    """
    c2 = constants.C_AU_PER_DAY**2
    r2 = jnp.dot(r, r)
    rn = jnp.sqrt(r2)
    v2 = jnp.dot(v, v)
    rv = jnp.dot(r, v)
    return gm_sun / (c2 * r2 * rn) * ((4.0 * gm_sun / rn - v2) * r + 4.0 * rv * v)


def sublimation_g(r, law: NonGravLaw = NonGravLaw()):
    """Marsden et al. (1973) g(r), dimensionless (1.0 at r = 1 au for the standard law). r in au."""
    # alpha s^-m (1 + s^n)^-k through exp and log, which XLA vectorises on CPU (a float `**`
    # is a scalar libm pow per lane; docs/performance.md).
    # log(1 + x) rather than log1p: its absolute error stays ~1e-16, a relative error of g.
    log_s = jnp.log(r / law.r0)
    return law.alpha * jnp.exp(-law.m * log_s - law.k * jnp.log(1.0 + jnp.exp(law.n * log_s)))


DELAY_STEPS = 6  # Laguerre-Conway steps of delayed_distance (module docstring: 5 leave some lanes short)
# z = alpha chi^2 range of delayed_distance. The Stumpff series (kepler.SERIES_TERMS terms) is
# below 1e-17 relative at z = -kepler.HYPERBOLIC_SERIES_LIMIT, and ~5e-18 (with cancellation
# to ~3x the result) at z = 26.5 = (pi + 2)^2 + 0.1, the largest eccentric-anomaly change,
# pi + 2, over half a period (to which the delay is reduced) from any point of an ellipse.
_DELAY_Z_MAX = 26.5
_DELAY_Z_MIN = -kepler.HYPERBOLIC_SERIES_LIMIT


def _kepler_terms(r0, sigma, ecc_term, alpha, target, chi):
    """z, F, F', F'' of the universal Kepler equation at chi (kepler.py's notation) from the
    Stumpff series (valid for _DELAY_Z_MIN <= z <= _DELAY_Z_MAX), and the size of F's terms
    (for the residual test)."""
    chi2 = chi * chi
    z = alpha * chi2
    c2, c3 = kepler.stumpff(z, trig=False, hyperbolic=False)
    one_minus_zc3 = 1.0 - z * c3
    sigma_term = sigma * chi2 * c2
    cubic_term = ecc_term * chi2 * chi * c3
    f0 = r0 * chi + sigma_term + cubic_term - target
    f1 = r0 + sigma * chi * one_minus_zc3 + ecc_term * chi2 * c2
    f2 = sigma * (1.0 - z * c2) + ecc_term * chi * one_minus_zc3
    scale = r0 * jnp.abs(chi) + jnp.abs(sigma_term) + jnp.abs(cubic_term) + jnp.abs(target)
    return z, f0, f1, f2, scale


def delayed_distance(r, v, dt, mu):
    """Two-body distance |r(t + dt)| (au) from heliocentric r (3,) au, v (3,) au/day, GM mu;
    NaN where the solve does not converge (the integrator then reports the comet as not
    converged, engine/status.py).

    The same universal Kepler equation as kepler.state_after, for chi only: dt reduced to half
    a period (ellipses), kepler's start (the smaller of sqrt(mu) dt / r0 and the root of the
    cubic term, its cube root as exp(log(x) / 3), which XLA vectorises on the CPU), then
    DELAY_STEPS Laguerre-Conway steps on the Stumpff series, iterates clamped to its range
    _DELAY_Z_MIN <= z <= _DELAY_Z_MAX; then r = F' + F'' (-F / F'), one Newton step carried
    into the distance. No sin, cos, exp or while_loop: each costs more than the solve here.
    The range excludes only hyperbolas with |a| below ~0.3 au and long delays (1I/'Oumuamua's
    a is -1.28 au, 3I/ATLAS's -0.26 au: both converge for delays up to 400 days).
    """
    sqrt_mu = jnp.sqrt(mu)
    r0 = jnp.sqrt(jnp.dot(r, r))
    sigma = jnp.dot(r, v) / sqrt_mu
    alpha = 2.0 / r0 - jnp.dot(v, v) / mu
    ecc_term = 1.0 - alpha * r0
    dt, representable = kepler.reduce_time(alpha, dt, sqrt_mu)
    target = sqrt_mu * dt
    first_order = target / r0
    cubic = jnp.sign(target) * jnp.exp(
        jnp.log(6.0 * jnp.abs(target) / jnp.maximum(jnp.abs(ecc_term), 1e-30) + 1e-300) * (1.0 / 3.0))
    bound = jnp.sqrt(jnp.where(alpha > 0, _DELAY_Z_MAX, -_DELAY_Z_MIN) / jnp.maximum(jnp.abs(alpha), 1e-300))
    chi = jnp.clip(jnp.where(jnp.abs(first_order) < jnp.abs(cubic), first_order, cubic), -bound, bound)
    n = kepler.LAGUERRE_DEGREE
    for _ in range(DELAY_STEPS):  # unrolled (a fori_loop measured no faster)
        _, f0, f1, f2, _ = _kepler_terms(r0, sigma, ecc_term, alpha, target, chi)
        disc = (n - 1.0) ** 2 * f1 * f1 - n * (n - 1.0) * f0 * f2
        chi = jnp.clip(chi - n * f0 / (f1 + jnp.sqrt(jnp.abs(disc))), -bound, bound)
    z, f0, f1, f2, scale = _kepler_terms(r0, sigma, ecc_term, alpha, target, chi)
    ok = (jnp.abs(f0) <= kepler.RESIDUAL_RTOL * scale) & (z >= _DELAY_Z_MIN) & (z <= _DELAY_Z_MAX) & representable
    return jnp.where(ok, f1 - f2 * (f0 / f1), jnp.nan)


def nongrav(r, v, params: NonGravParams, gm_sun, law: NonGravLaw = NonGravLaw(), delay: bool = True):
    """Marsden et al. (1973) acceleration g(r') (A1 r_hat + A2 t_hat + A3 n_hat), au/day^2.

    r, v: (3,) heliocentric position (au) and velocity (au/day) at time t. r_hat = r/|r|,
    n_hat = (r x v)/|r x v| (orbit normal), t_hat = n_hat x r_hat (in the orbit plane, along the
    motion). r' = |r(t - DT)| (Yeomans & Chodas 1989), from a two-body step (delayed_distance);
    r' = |r| when DT = 0. delay=False (static) skips the Kepler solve: use it when every DT is 0.
    """
    rn = jnp.sqrt(jnp.dot(r, r))
    r_hat = r / rn
    h = jnp.cross(r, v)
    n_hat = h / jnp.sqrt(jnp.dot(h, h))
    t_hat = jnp.cross(n_hat, r_hat)
    if delay:
        r_delayed = jnp.where(params.DT == 0.0, rn, delayed_distance(r, v, -params.DT, gm_sun))
    else:
        r_delayed = rn
    g = sublimation_g(r_delayed, law)
    return g * (params.A1 * r_hat + params.A2 * t_hat + params.A3 * n_hat)


def small_terms(x, v, sun_pos, sun_vel, gm_sun, params: NonGravParams, law: NonGravLaw = NonGravLaw(),
                relativity: bool = True, delay: bool = True, with_nongrav: bool = True):
    """The Sun's 1PN term plus the non-gravitational term (each optional, static flags), in
    barycentric x, v (3,) with the Sun at sun_pos, sun_vel: at most ~1e-5 of the Newtonian
    pull, which lets the integrator hold them through its later iterations (ias15.Force)."""
    r_h = x - sun_pos
    v_h = v - sun_vel
    a = jnp.zeros(3)
    if relativity:
        a = a + sun_relativity(r_h, v_h, gm_sun)
    if with_nongrav:
        a = a + nongrav(r_h, v_h, params, gm_sun, law, delay)
    return a
