"""Minimum orbit intersection distance (MOID) between comets' and planets' osculating orbits.

The MOID is the least distance between any point of one conic and any point of the other,
regardless of where the bodies are. Each orbit is r(nu) = p / (1 + e cos nu) (P cos nu +
Q sin nu) over its true anomaly. Method, per comet and planet:
1. Basins: N_U points along the comet's orbit (true anomaly; open orbits only where r <
   R_MAX_AU: the MOID with a planet is never out there). For each, the distance to the planet's
   orbit point at the same polar angle in the planet's orbital plane (height above the plane
   and radial offset): within e^2 / 2 (0.5% for Mars, the most eccentric planet here) of the
   true distance to the planet's ellipse, for the cost of one point. The CANDIDATES lowest
   local minima of that profile are the basins that can hold the global minimum.
2. Each basin is refined by NEWTON damped Newton iterations on the exact squared distance
   over both anomalies (analytic gradient and Hessian, steps bounded by MAX_STEP, the best
   of three step lengths kept), to the rounding level (30 iterations give the same catalog
   MOIDs to 5e-16 au, 720 samples and 8 basins to 5e-15 au).
The comet's points (their cos and sin by angle addition from 38 angles, _grid) serve every
planet asked for in one call (`moids`); the profile needs no arctan2 or cos per point.
This replaced a 360 x 360 grid over both anomalies with six 21 x 21 zooms: 13 times slower
(the catalog's two MOIDs took longer than its N-body propagation), and its 1-degree grid in
the planet's anomaly left 6 of the catalog's Jupiter MOIDs up to 8.5e-4 au too high; the two
agree to 1e-10 au everywhere else (docs/performance.md).
The planets' orbits are their heliocentric osculating ellipses at the comet's epoch, from the
ephemeris, with mu = GM_sun as JPL's SBDB computes them (its moid and moid_jup are matched to
1e-6 au in tests/engine/test_moid.py). Vectorised over comets in JAX.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import batching, frames
from .conics import perifocal_basis
from .constants import GM_SUN
from .ephemeris import Ephemeris, load_ephemeris

PLANETS = {"earth": 399, "jupiter": 5, "mars": 4, "venus": 2, "saturn": 6}
R_MAX_AU = 60.0
N_U = 360  # samples along the comet's orbit for the basin search
CANDIDATES = 4  # basins refined
NEWTON = 8  # damped Newton iterations per basin
MAX_STEP = 0.1  # rad, the longest Newton step in either anomaly
_SHRINK = (1.0, 0.25)  # step lengths tried in each iteration, beside staying put


def _points(p, e, P, Q, nu):
    return _points_cs(p, e, P, Q, jnp.cos(nu), jnp.sin(nu))


def _points_cs(p, e, P, Q, cos, sin):
    r = p / (1.0 + e * cos)
    return r[..., None] * (cos[..., None] * P + sin[..., None] * Q)


def _conic(p, e, P, Q, nu):
    """Position on a conic at true anomaly nu (scalar) and its first two derivatives in nu:
    dr/dnu = r^2 / p (-sin nu P + (e + cos nu) Q)."""
    cos, sin = jnp.cos(nu), jnp.sin(nu)
    r = p / (1.0 + e * cos)
    radial = cos * P + sin * Q
    tangent = (e + cos) * Q - sin * P
    d1 = r * r / p * tangent
    d2 = 2.0 * r**3 * e * sin / (p * p) * tangent - r * r / p * radial
    return r * radial, d1, d2


def _nu_range(p, e):
    """Half-width of the anomaly range sampled: pi for ellipses, else where r < R_MAX_AU."""
    c = jnp.clip((p / R_MAX_AU - 1.0) / jnp.maximum(e, 1e-300), -1.0, 1.0)
    return jnp.where(e < 1.0 - 1e-12, jnp.pi, jnp.arccos(c) * (1.0 - 1e-9))


_OUTER = 18  # N_U = _OUTER * _INNER: the grid's cos and sin from 38 angles (_grid)
_INNER = N_U // _OUTER


def _grid(half, closed):
    """The N_U sample anomalies u_k = u0 + k du (ellipses: the whole circle; open orbits:
    [-half, half]) and their cos and sin, by angle addition from the _OUTER + _INNER angles
    u0 + _INNER du a and du b (k = _INNER a + b): sin and cos are scalar library calls on the
    CPU, and 360 of them per comet were most of the basin search."""
    u0 = jnp.where(closed, -jnp.pi, -half)
    du = jnp.where(closed, 2.0 * jnp.pi / N_U, 2.0 * half / (N_U - 1))
    outer = u0 + (_INNER * du) * jnp.arange(_OUTER)
    inner = du * jnp.arange(_INNER)
    ca, sa, cb, sb = jnp.cos(outer), jnp.sin(outer), jnp.cos(inner), jnp.sin(inner)
    cos = (ca[:, None] * cb[None, :] - sa[:, None] * sb[None, :]).reshape(N_U)
    sin = (sa[:, None] * cb[None, :] + ca[:, None] * sb[None, :]).reshape(N_U)
    return u0 + du * jnp.arange(N_U), cos, sin


def _basins(c, u, planet, closed):
    """Step 1 of the module docstring for the comet's sample points c (N_U, 3) at anomalies u
    (N_U,): (CANDIDATES,) comet anomalies, the planet anomalies at the same polar angles, and
    whether each is a real local minimum of the profile. The planet's radius at polar angle w
    is p / (1 + e cos w) with cos w = x / rho: no arctan2 or cos per point, only for the
    candidates' w."""
    pp, ep, Pp, Qp = planet
    k = jnp.arange(N_U)
    x, y, z = c @ Pp, c @ Qp, c @ jnp.cross(Pp, Qp)
    rho = jnp.maximum(jnp.sqrt(x * x + y * y), 1e-300)
    d2 = z * z + (rho - pp * rho / (rho + ep * x)) ** 2
    before, after = jnp.roll(d2, 1), jnp.roll(d2, -1)
    edge = ~closed & ((k == 0) | (k == N_U - 1))  # an open orbit's ends have one neighbour
    before = jnp.where(edge & (k == 0), jnp.inf, before)
    after = jnp.where(edge & (k == N_U - 1), jnp.inf, after)
    profile = jnp.where((d2 <= before) & (d2 <= after), d2, jnp.inf)
    best = _smallest(profile)
    return u[best], jnp.arctan2(y[best], x[best]), jnp.isfinite(profile[best])


def _smallest(values):
    """Indices of the CANDIDATES smallest values, by repeated argmin (jax.lax.top_k sorts the
    whole array on the CPU: most of the basin search's time)."""
    picked = []
    for _ in range(CANDIDATES):
        j = jnp.argmin(values)
        picked.append(j)
        values = values.at[j].set(jnp.inf)
    return jnp.stack(picked)


def _refined(comet, planet, u0, w0, real, lo, hi):
    """Step 2: the least squared distance reached from the basins (u0, w0) (CANDIDATES,)."""
    (pc, ec, Pc, Qc), (pp, ep, Pp, Qp) = comet, planet

    def f(uw):
        d = _points(pc, ec, Pc, Qc, uw[0]) - _points(pp, ep, Pp, Qp, uw[1])
        return jnp.dot(d, d)

    def refine(uw):
        def newton(_, state):
            uw, fx = state
            (c, c1, c2), (q, q1, q2) = _conic(pc, ec, Pc, Qc, uw[0]), _conic(pp, ep, Pp, Qp, uw[1])
            d = c - q
            g = 2.0 * jnp.array([d @ c1, -(d @ q1)])
            h00, h11, h01 = 2.0 * (c1 @ c1 + d @ c2), 2.0 * (q1 @ q1 - d @ q2), -2.0 * (c1 @ q1)
            # damped: shift the Hessian until positive definite, bound the step to MAX_STEP
            mean = 0.5 * (h00 + h11)
            low = mean - jnp.sqrt(jnp.maximum(mean * mean - (h00 * h11 - h01 * h01), 0.0))
            lam = jnp.maximum(0.0, 1e-9 * jnp.abs(mean) - low)
            a, b, e = h00 + lam, h01, h11 + lam
            det = a * e - b * b
            step = -jnp.array([e * g[0] - b * g[1], a * g[1] - b * g[0]]) / jnp.where(det > 0, det, 1.0)
            step = jnp.where(det > 0, step, -g)
            step = step * jnp.minimum(1.0, MAX_STEP / jnp.maximum(jnp.max(jnp.abs(step)), 1e-300))
            tries = jnp.stack([uw + s * step for s in _SHRINK])
            tries = tries.at[:, 0].set(jnp.clip(tries[:, 0], lo, hi))
            ft = jax.vmap(f)(tries)
            j = jnp.argmin(ft)
            move = ft[j] <= fx  # else stay: the current point's distance is fx already
            return jnp.where(move, tries[j], uw), jnp.where(move, ft[j], fx)

        start = jnp.asarray(uw)
        _, fx = jax.lax.fori_loop(0, NEWTON, newton, (start, f(start)))
        return fx

    f_best = jax.vmap(refine)(jnp.stack([u0, w0], axis=1))
    return jnp.sqrt(jnp.maximum(jnp.min(jnp.where(real, f_best, jnp.inf)), 0.0))


@jax.jit
@jax.vmap
def _moids(comet, planets):
    """MOIDs (K,) au of one comet orbit (p, e, P (3,), Q (3,)) with K planet orbits (the same
    fields with a leading axis K): the comet's sample points are computed once for all K."""
    pc, ec, Pc, Qc = comet
    half = _nu_range(pc, ec)
    closed = ec < 1.0 - 1e-12
    u, cos, sin = _grid(half, closed)
    c = _points_cs(pc, ec, Pc, Qc, cos, sin)  # (N_U, 3)
    lo, hi = jnp.where(closed, -jnp.inf, -half), jnp.where(closed, jnp.inf, half)

    def one(planet):
        u0, w0, real = _basins(c, u, planet, closed)
        return _refined(comet, planet, u0, w0, real, lo, hi)

    return jax.vmap(one)(planets)


# jitted: called eagerly, perifocal_basis' sincos (a lax.cond) would be lowered again on every call
_basis = jax.jit(perifocal_basis)


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
    return moids(elements, (planet,), ephemeris=ephemeris)[0]


def moids(elements, planets=("earth", "jupiter"), *, ephemeris="de421") -> np.ndarray:
    """(K, N) MOIDs (au) of each comet's osculating orbit with each of K planets' (PLANETS
    names), as `moid`, in one call that samples each comet's orbit once for all K."""
    planets = (planets,) if isinstance(planets, str) else tuple(planets)
    unknown = [p for p in planets if p not in PLANETS]
    if unknown or not planets:
        from .errors import InvalidInput

        raise InvalidInput("planet", f"planet: expected one of {sorted(PLANETS)}, got {unknown or planets!r}")
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    el = elements.to_numpy()
    n = len(el)
    if n == 0:
        return np.zeros((len(planets), 0))
    t = np.where(np.isfinite(el.epoch), el.epoch, el.tp)
    orbits = [_planet_orbit(eph, PLANETS[p], t, GM_SUN) for p in planets]
    size = batching.bucket_size(n, 8)  # padded to the size ladder: few compiled shapes
    pad = lambda a: jnp.asarray(batching.pad_axis(np.asarray(a, np.float64), size))  # noqa: E731
    P, Q = _basis(pad(el.i), pad(el.node), pad(el.argp))
    comet = (pad(el.q * (1.0 + el.e)), pad(el.e), P, Q)
    # (size, K, ...) planet fields: each comet's K planet orbits at its epoch
    planet_fields = tuple(jnp.stack([pad(o[j]) for o in orbits], axis=1) for j in range(4))
    return np.asarray(_moids(comet, planet_fields))[:n].T
