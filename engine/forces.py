"""Accelerations on a comet (a massless test particle) in barycentric ICRF, au and au/day^2.

Pure functions of vectors given components first (`dot`): for one particle (3,), or, in the
integrator's sweeps, for every lane at every node at once (3, 7, L), the lanes minor. The
Jacobians and the delay's Kepler step are per particle. Why barycentric (and what it costs)
is in engine/nbody.py's docstring.

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
(Sun only, GM_sun) Kepler step of -DT from the current heliocentric state (kepler.state_after,
the engine's one universal-variable solver). For the DT values published for comets
(|DT| up to ~100 days) the planets perturb r(t - DT) by far less than the sublimation law's own
uncertainty, and g(r) enters the force only as a scale factor of the (small) A1..A3 terms.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
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
    root per particle, not one root and one division per body.

    Many particles at once, components first (see `dot`): x (3, *B), body_pos (K, 3, *B);
    returns a (3, *B) and the ratio (*B). The integrator calls it so with the lanes minor.
    """
    d = body_pos - x[None]
    r2 = dot(jnp.moveaxis(d, 1, 0), jnp.moveaxis(d, 1, 0))  # (K, *B)
    per_body = lambda c: c.reshape(c.shape + (1,) * (r2.ndim - 1))  # noqa: E731
    w = per_body(gm) / (r2 * jnp.sqrt(r2))
    # times 1/limit^2 (constant per body) rather than a division at every body, node and lane
    ratio = jnp.sqrt(jnp.min(r2 * per_body(1.0 / (limits * limits)), axis=0))
    return jnp.sum(w[:, None] * d, axis=0), ratio


def dot(a, b):
    """a . b over the leading axis of components: (3, *B) -> (*B).

    The force terms take vectors components first, so that one function serves one particle
    (3,) and, in the integrator, every lane at every node at once (3, 7, L): with the lanes
    minor, XLA's CPU backend runs each operation as one vector loop across them, where the
    per-particle function vmapped leaves the three components minor and runs short scalar
    loops (docs/performance.md)."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a, b):
    """a x b, components first (see `dot`)."""
    return jnp.stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def point_masses_jacobian(x, body_pos, gm):
    """(3, 3) d a / d x of `newtonian`: sum_k GM_k (3 d_k d_k^T / r_k^2 - I) / r_k^3 with
    d_k = body_k - x. Written out: forward-mode differentiation takes three tangent passes through
    the sum over bodies, at every node of every sweep of the variational equations
    (engine/variational.py)."""
    d = body_pos - x
    r2 = jnp.sum(d * d, axis=-1)
    w = gm / (r2 * jnp.sqrt(r2))
    outer = jnp.sum((3.0 * w / r2)[:, None, None] * d[:, :, None] * d[:, None, :], axis=0)
    return outer - jnp.sum(w) * jnp.eye(3)


def sun_relativity(r, v, gm_sun, inv_r=None):
    """The Sun's 1PN acceleration, PPN beta = gamma = 1 (Schwarzschild, harmonic gauge).

    a = GM / (c^2 r^3) [ (4 GM / r - v^2) r_vec + 4 (r_vec . v_vec) v_vec ]
    (e.g. Moyer 2003, JPL DESCANSO monograph 2, eq. 4-61 reduced to one body; the form used by
    JPL's small-body integrators). r, v: (3,) heliocentric position (au) and velocity (au/day),
    or (3, *B) for many (`dot`); inv_r: 1/|r| where the caller has it (`small_terms`).
    Returns (3,) au/day^2.
    """
    c2 = constants.C_AU_PER_DAY**2
    if inv_r is None:
        inv_r = 1.0 / jnp.sqrt(dot(r, r))
    return gm_sun / c2 * inv_r**3 * ((4.0 * gm_sun * inv_r - dot(v, v)) * r + 4.0 * dot(r, v) * v)


def sublimation_g(r, law: NonGravLaw = NonGravLaw()):
    """Marsden et al. (1973) g(r), dimensionless (1.0 at r = 1 au for the standard law). r in au."""
    # alpha s^-m (1 + s^n)^-k through exp and log, which XLA vectorises on CPU (a float `**`
    # is a scalar libm pow per lane; docs/performance.md).
    # log(1 + x) rather than log1p: its absolute error stays ~1e-16, a relative error of g.
    log_s = jnp.log(r / law.r0)
    return law.alpha * jnp.exp(-law.m * log_s - law.k * jnp.log(1.0 + jnp.exp(law.n * log_s)))


def nongrav(r, v, params: NonGravParams, gm_sun, law: NonGravLaw = NonGravLaw(), delay: bool = True,
            delay_series: bool = False, inv_r=None, n_hat=None):
    """Marsden et al. (1973) acceleration g(r') (A1 r_hat + A2 t_hat + A3 n_hat), au/day^2.

    r, v: (3,) heliocentric position (au) and velocity (au/day) at time t. r_hat = r/|r|,
    n_hat = (r x v)/|r x v| (orbit normal), t_hat = n_hat x r_hat (in the orbit plane, along the
    motion). r' = |r(t - DT)| (Yeomans & Chodas 1989), from a two-body step (module docstring);
    r' = |r| when DT = 0. delay=False (static) skips the Kepler solve: use it when every DT is 0.
    delay_series (static): kepler.distance_after (the Stumpff series alone, a few kernels), for
    batches whose every delay kepler.series_range clears; else kepler.state_after.
    inv_r = 1/|r| and the orbit normal n_hat where the caller has them (`small_terms`).
    """
    if inv_r is None:
        inv_r = 1.0 / jnp.sqrt(dot(r, r))
    r_delayed = _delayed_distance(r, v, 1.0 / inv_r, params, gm_sun, delay, delay_series)
    return _nongrav_at(r, v, r_delayed, params, law, inv_r, n_hat)


def _delayed_distance(r, v, rn, params: NonGravParams, gm_sun, delay: bool, delay_series: bool = False):
    """|r(t - DT)| from a two-body step back (rn = |r| when DT = 0 or delay is False); r, v
    components first, one particle or many (`dot`)."""
    if not delay:
        return rn

    def one(r, v, dt):
        if delay_series:
            return kepler.distance_after(r, v, dt, gm_sun)[0]
        r_past, _, _ = kepler.state_after(r, v, dt, gm_sun)
        return jnp.sqrt(jnp.dot(r_past, r_past))

    dt = jnp.broadcast_to(-params.DT, rn.shape)
    past = jnp.vectorize(one, signature="(3),(3),()->()")(jnp.moveaxis(r, 0, -1), jnp.moveaxis(v, 0, -1), dt)
    return jnp.where(dt == 0.0, rn, past)


def _nongrav_at(r, v, r_delayed, params: NonGravParams, law: NonGravLaw, inv_r=None, n_hat=None):
    """g(r_delayed) (A1 r_hat + A2 t_hat + A3 n_hat) at heliocentric r, v (components first);
    inv_r = 1/|r| and the orbit normal n_hat where the caller has them (`small_terms`)."""
    if inv_r is None:
        inv_r = 1.0 / jnp.sqrt(dot(r, r))
    if n_hat is None:
        h = cross(r, v)
        n_hat = h / jnp.sqrt(dot(h, h))
    r_hat = r * inv_r
    t_hat = cross(n_hat, r_hat)
    g = sublimation_g(r_delayed, law)
    return g * (params.A1 * r_hat + params.A2 * t_hat + params.A3 * n_hat)


def nongrav_state_jacobian(r, v, params: NonGravParams, gm_sun, law: NonGravLaw = NonGravLaw(), delay: bool = True,
                           delay_series: bool = False):
    """(3, 6) d nongrav / d (r, v), with the delayed distance |r(t - DT)| following the state as
    the present distance |r| does (its shift from |r| is held).

    Why not the exact derivative: differentiating through the Kepler step of the delay takes six
    tangent passes through its iteration at every step node, a large share of the variational
    equations' cost (docs/performance.md); what is held is the delay's own effect on a term
    that is itself ~1e-5 of the Sun's pull."""
    rn = jnp.sqrt(dot(r, r))
    shift = jax.lax.stop_gradient(_delayed_distance(r, v, rn, params, gm_sun, delay, delay_series) - rn)

    def f(z):
        x, u = z[:3], z[3:]
        return _nongrav_at(x, u, jnp.sqrt(dot(x, x)) + shift, params, law)

    return jax.jacfwd(f)(jnp.concatenate([r, v]))


def small_terms(x, v, sun_pos, sun_vel, gm_sun, params: NonGravParams, law: NonGravLaw = NonGravLaw(),
                relativity: bool = True, delay: bool = True, with_nongrav: bool = True, delay_series: bool = False):
    """The Sun's 1PN term plus the non-gravitational term (each optional, static flags), in
    barycentric x, v (3,) with the Sun at sun_pos, sun_vel: at most ~1e-5 of the Newtonian
    pull, which lets the integrator hold them through its later iterations (ias15.Force).
    Components first: one particle (3,) or many (3, *B), with params broadcasting over *B."""
    r_h = x - sun_pos
    v_h = v - sun_vel
    h = cross(r_h, v_h)
    # Both inverse norms from one array: XLA's CPU backend ends a kernel at every root that
    # feeds several terms, and this way there is one such root instead of four
    # (docs/performance.md).
    inv_r, inv_h = 1.0 / jnp.sqrt(jnp.stack([dot(r_h, r_h), dot(h, h)]))
    a = jnp.zeros_like(x)
    if relativity:
        a = a + sun_relativity(r_h, v_h, gm_sun, inv_r)
    if with_nongrav:
        a = a + nongrav(r_h, v_h, params, gm_sun, law, delay, delay_series, inv_r, h * inv_h)
    return a
