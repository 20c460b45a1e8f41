"""Minimum orbit intersection distance (MOID) between comets' and planets' osculating orbits.

The MOID is the least distance between any point of one conic and any point of the other,
regardless of where the bodies are. Method: each orbit is r(nu) = p / (1 + e cos nu) (P cos nu
+ Q sin nu) over its true anomaly; a 360 x 360 grid over both anomalies finds the basin of the
global minimum, and six zooms (each a 21 x 21 grid over +/-2 cells of the last) refine it to
~1e-12 rad of anomaly. Open orbits are sampled only where r < R_MAX_AU (the MOID with a planet
is never out there). The planets' orbits are their heliocentric osculating ellipses at the
comet's epoch, from the ephemeris, with mu = GM_sun as JPL's SBDB computes them (its
moid and moid_jup are matched to 1e-6 au in tests/engine/test_moid.py). Vectorised over comets in JAX.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import frames
from .conics import perifocal_basis
from .constants import GM_SUN
from .ephemeris import Ephemeris, load_ephemeris

PLANETS = {"earth": 399, "jupiter": 5, "mars": 4, "venus": 2, "saturn": 6}
R_MAX_AU = 60.0
GRID = 360
ZOOM = 21
ZOOMS = 6


def _points(p, e, P, Q, nu):
    r = p / (1.0 + e * jnp.cos(nu))
    return r[..., None] * (jnp.cos(nu)[..., None] * P + jnp.sin(nu)[..., None] * Q)


def _nu_range(p, e):
    """Half-width of the anomaly range sampled: pi for ellipses, else where r < R_MAX_AU."""
    c = jnp.clip((p / R_MAX_AU - 1.0) / jnp.maximum(e, 1e-300), -1.0, 1.0)
    return jnp.where(e < 1.0 - 1e-12, jnp.pi, jnp.arccos(c) * (1.0 - 1e-9))


@jax.jit
@jax.vmap
def _moid(comet, planet):
    """MOID (au) of one comet orbit and one planet orbit, each (p, e, P (3,), Q (3,))."""
    (pc, ec, Pc, Qc), (pp, ep, Pp, Qp) = comet, planet
    half = _nu_range(pc, ec)
    u = jnp.linspace(-half, half, GRID)
    w = jnp.linspace(-jnp.pi, jnp.pi, GRID, endpoint=False)
    d = jnp.sum((_points(pc, ec, Pc, Qc, u)[:, None] - _points(pp, ep, Pp, Qp, w)[None]) ** 2, axis=-1)
    k = jnp.argmin(d)
    cu, cw = u[k // GRID], w[k % GRID]
    su, sw = 2.0 * half / (GRID - 1), 2.0 * jnp.pi / GRID

    def zoom(_, state):
        cu, cw, su, sw = state
        uu = jnp.clip(cu + jnp.linspace(-2.0, 2.0, ZOOM) * su, -half, half)
        ww = cw + jnp.linspace(-2.0, 2.0, ZOOM) * sw
        dd = jnp.sum((_points(pc, ec, Pc, Qc, uu)[:, None] - _points(pp, ep, Pp, Qp, ww)[None]) ** 2, axis=-1)
        j = jnp.argmin(dd)
        return uu[j // ZOOM], ww[j % ZOOM], su * 4.0 / (ZOOM - 1), sw * 4.0 / (ZOOM - 1)

    cu, cw, _, _ = jax.lax.fori_loop(0, ZOOMS, zoom, (cu, cw, su, sw))
    return jnp.linalg.norm(_points(pc, ec, Pc, Qc, cu) - _points(pp, ep, Pp, Qp, cw))


def _planet_orbit(eph, naif, t, mu):
    """(p, e, P, Q) of a planet's heliocentric osculating orbit at times t (N,), ecliptic axes."""
    pos, vel = (np.asarray(a) for a in eph.state(naif, t))
    spos, svel = (np.asarray(a) for a in eph.state(10, t))
    rot = frames.rotation("icrf", "ecliptic")
    r, v = (pos - spos) @ rot.T, (vel - svel) @ rot.T
    h = np.cross(r, v)
    evec = np.cross(v, h) / mu - r / np.linalg.norm(r, axis=1, keepdims=True)
    e = np.linalg.norm(evec, axis=1)
    P = evec / e[:, None]
    Q = np.cross(h / np.linalg.norm(h, axis=1, keepdims=True), P)
    return np.sum(h * h, axis=1) / mu, e, P, Q


def moid(elements, planet: str = "earth", *, ephemeris="de421") -> np.ndarray:
    """(N,) MOID (au) of each comet's osculating orbit (elements, at its epoch; tp where the
    epoch is unknown) with the planet's osculating orbit at that epoch. planet: a PLANETS name."""
    if planet not in PLANETS:
        from .errors import InvalidInput

        raise InvalidInput("planet", f"planet: expected one of {sorted(PLANETS)}, got {planet!r}")
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    el = elements.to_numpy()
    t = np.where(np.isfinite(el.epoch), el.epoch, el.tp)
    naif = PLANETS[planet]
    planet_orbit = _planet_orbit(eph, naif, t, GM_SUN)
    P, Q = perifocal_basis(jnp.asarray(el.i), jnp.asarray(el.node), jnp.asarray(el.argp))
    comet = (jnp.asarray(el.q * (1.0 + el.e)), jnp.asarray(el.e), P, Q)
    return np.asarray(_moid(comet, tuple(jnp.asarray(a) for a in planet_orbit)))
