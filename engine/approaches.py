"""Close approaches of comets to the Sun, the planets and the Moon, from N-body propagation.

Method, for every comet and body at once:
1. One batched N-body call (engine/nbody.py) samples each comet's barycentric ICRF state on
   a grid of step `step_days` over [start, stop]; the bodies' states come from the ephemeris.
2. A minimum of the distance d(t) is a zero of f(t) = r . v (r, v relative position and
   velocity), going from negative to positive. Each grid interval is modelled by cubic
   Hermite polynomials of the relative position (from both ends' positions and velocities),
   and f is searched for sign changes on sub-steps of each interval whose distance could dip
   below the limit: a sub-step moves the comet at most a tenth of its distance (the step is
   bounded by the relative speed), so no flyby fits between two samples, however fast.
3. Each candidate is refined with a second batched N-body call at t* and t* +/- REFINE_DAYS
   (0.01 day: the Hermite polynomial then errs by < 1e-12 au even in a deep flyby), and
   Newton's method on f of that polynomial, to well under a second.
Each comet's MOID with the Earth's and Jupiter's orbits comes with the rows (engine/moid.py).
With a covariance, the 3-sigma of the time and distance come from the comet's linearly
propagated position covariance at t* (engine/uncertainty.py): the distance moves with the
position along r-hat, the time of closest approach with the position along v-hat over |v|.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .constants import AU_KM, DAY_S
from .elements import CometaryElements
from .ephemeris import Ephemeris, load_ephemeris
from .errors import InvalidInput
from .moid import moid
from .timescales import to_tdb_jd

# body name -> NAIF id in the planetary ephemeris (planets beyond Venus: system barycentres)
BODIES = {"sun": 10, "mercury": 1, "venus": 2, "earth": 399, "moon": 301, "mars": 4, "jupiter": 5, "saturn": 6,
          "uranus": 7, "neptune": 8, "pluto": 9}
REFINE_DAYS = 0.01
SUBSTEP_FRACTION = 0.1  # a sub-step moves the comet at most this fraction of its distance
MAX_SUBSTEPS = 4096


@dataclasses.dataclass(frozen=True, eq=False)
class Approaches:
    """One row per approach, arrays of length R, ordered by comet then time.

    comet: index into the input; designation: its name ('' if unknown); body: body name;
    time_tdb_jd; distance_au; speed_km_s (relative speed at the minimum); time_3sigma_days,
    distance_3sigma_au: NaN without a covariance. Per comet, (N,): status (propagation codes),
    moid_earth_au and moid_jupiter_au (engine/moid.py, osculating orbits at each epoch)."""

    comet: np.ndarray
    designation: np.ndarray
    body: np.ndarray
    time_tdb_jd: np.ndarray
    distance_au: np.ndarray
    speed_km_s: np.ndarray
    time_3sigma_days: np.ndarray
    distance_3sigma_au: np.ndarray
    status: np.ndarray
    moid_earth_au: np.ndarray
    moid_jupiter_au: np.ndarray

    def __len__(self) -> int:
        return int(self.comet.size)

    def rows(self) -> list[dict]:
        names = ("comet", "designation", "body", "time_tdb_jd", "distance_au", "speed_km_s", "time_3sigma_days",
                 "distance_3sigma_au")
        plain = lambda x: x.item() if isinstance(x, np.generic) else x  # noqa: E731
        return [{k: plain(getattr(self, k)[j]) for k in names} for j in range(len(self))]


def _hermite(p0, v0, p1, v1, h, s):
    """Cubic Hermite position and velocity at fraction s of an interval of h days."""
    s2, s3 = s * s, s * s * s
    h00, h10, h01, h11 = 2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2
    d00, d10, d01, d11 = 6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, -6 * s2 + 6 * s, 3 * s2 - 2 * s
    pos = h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1
    vel = (d00 * p0 + d01 * p1) / h + d10 * v0 + d11 * v1
    return pos, vel


def _minimum_in(p0, v0, p1, v1, h, lo, hi, iterations=40):
    """Fractions s in [lo, hi] (arrays) where f = r . v of the Hermite path crosses from
    negative to positive: bisection (f changes sign on [lo, hi])."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        r, v = _hermite(p0, v0, p1, v1, h, mid[:, None])
        neg = np.sum(r * v, axis=1) < 0
        lo, hi = np.where(neg, mid, lo), np.where(neg, hi, mid)
    return 0.5 * (lo + hi)


def _brackets(rel, times, limit):
    """Candidate minima from sampled relative states rel (N, M, 6): (comet, interval, s_lo,
    s_hi) with f changing sign from - to + between fractions s_lo and s_hi of interval."""
    h = np.diff(times)
    d = np.linalg.norm(rel[..., :3], axis=-1)
    speed = np.linalg.norm(rel[..., 3:], axis=-1)
    # the lowest the distance can reach in an interval, moving at most the larger speed
    floor = np.minimum(d[:, :-1], d[:, 1:]) - 0.5 * h * np.maximum(speed[:, :-1], speed[:, 1:])
    comet, k = np.nonzero(floor < limit)
    if comet.size == 0:
        return (np.zeros(0, int),) * 2 + (np.zeros(0),) * 2
    hk = h[k]
    # sub-steps bounded by the relative speed: each moves at most SUBSTEP_FRACTION of the distance
    reach = np.maximum(np.minimum(d[comet, k], d[comet, k + 1]) - 0.5 * hk * speed[comet, k], 1e-6)
    n_sub = np.clip(np.ceil(hk * np.maximum(speed[comet, k], speed[comet, k + 1]) / (SUBSTEP_FRACTION * reach)),
                    1, MAX_SUBSTEPS).astype(int)
    out = [[], [], [], []]
    p0, v0, p1, v1 = rel[comet, k, :3], rel[comet, k, 3:], rel[comet, k + 1, :3], rel[comet, k + 1, 3:]
    for n in np.unique(n_sub):
        sel = np.nonzero(n_sub == n)[0]
        s = np.linspace(0.0, 1.0, n + 1)
        r, v = _hermite(p0[sel, None], v0[sel, None], p1[sel, None], v1[sel, None], hk[sel, None, None],
                        s[None, :, None])
        f = np.sum(r * v, axis=-1)  # (len(sel), n + 1)
        j, m = np.nonzero((f[:, :-1] < 0) & (f[:, 1:] >= 0))
        out[0].append(comet[sel[j]])
        out[1].append(k[sel[j]])
        out[2].append(s[m])
        out[3].append(s[m + 1])
    return tuple(np.concatenate(a) for a in out)


def _body_states(eph, naif, t):
    pos, vel = eph.state(naif, np.asarray(t))
    return np.concatenate([np.asarray(pos), np.asarray(vel)], axis=-1)


def _check(bodies, start, stop, max_distance_au, step_days):
    bodies = (bodies,) if isinstance(bodies, str) else tuple(bodies)
    unknown = [b for b in bodies if str(b).lower() not in BODIES]
    if unknown or not bodies:
        raise InvalidInput("bodies", f"bodies: unknown {unknown}; choose from {sorted(BODIES)}")
    if not (np.isfinite(start) and np.isfinite(stop) and stop > start):
        raise InvalidInput("stop", "stop: must be a time after start")
    if not (max_distance_au > 0):
        raise InvalidInput("max_distance_au", f"max_distance_au: must be positive, got {max_distance_au}")
    if not (0 < step_days <= 30):
        raise InvalidInput("step_days", f"step_days: must be in (0, 30], got {step_days}")
    return tuple(b.lower() for b in bodies)


def close_approaches(elements, start, stop, bodies=("earth",), max_distance_au: float = 0.2, *,
                     covariance=None, designations=None, ephemeris="de421", nongrav: bool = True,
                     step_days: float = 2.0, scale=None, **options) -> Approaches:
    """Every approach of N comets to the given bodies within max_distance_au in [start, stop].

    elements: CometaryElements (N,) or a Catalog (its designations are used); start, stop: TDB
    JD or anything to_tdb_jd reads; bodies: names of BODIES; covariance: optional
    OrbitCovariance or SBDB result for the 3-sigma of time and distance; step_days: the first
    sampling grid (step 2 of the module docstring makes the result independent of it, as long
    as no comet passes a minimum and a maximum of its distance in one step). options: N-body
    options (engine/nbody.py). Returns Approaches.
    """
    if hasattr(elements, "designations") and hasattr(elements, "elements"):
        designations = elements.designations if designations is None else designations
        elements = elements.elements
    if not isinstance(elements, CometaryElements):
        raise TypeError(f"elements must be CometaryElements or a Catalog, got {type(elements).__name__}")
    t0, t1 = (float(np.asarray(to_tdb_jd(x, scale)).reshape(-1)[0]) for x in (start, stop))
    names = _check(bodies, t0, t1, float(max_distance_au), float(step_days))
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    n = len(elements)
    designations = np.asarray([""] * n if designations is None else list(designations), dtype=object)
    grid = np.linspace(t0, t1, max(int(np.ceil((t1 - t0) / step_days)), 1) + 1)
    from .propagate import propagate

    res = propagate(elements, grid, model="nbody", frame="icrf", center="ssb", ephemeris=eph, nongrav=nongrav,
                    return_status=True, **options)
    found = []  # (comet, body, t_estimate)
    for body in names:
        rel = res.states - _body_states(eph, BODIES[body], grid)[None]
        comet, k, lo, hi = _brackets(np.nan_to_num(rel, nan=1e9), grid, max_distance_au)
        h = grid[k + 1] - grid[k]
        s = _minimum_in(rel[comet, k, :3], rel[comet, k, 3:], rel[comet, k + 1, :3], rel[comet, k + 1, 3:],
                        h[:, None], lo, hi)
        found += [(c, body, grid[j] + sj * hj) for c, j, sj, hj in zip(comet, k, s, h)]
    rows = _refine(elements, found, eph, nongrav, options)
    rows = [r for r in rows if r[3] <= max_distance_au]
    rows.sort(key=lambda r: (r[0], r[2]))
    three = _three_sigma(elements, rows, covariance, eph, nongrav) if covariance is not None and rows else None
    col = lambda j, dtype=float: np.array([r[j] for r in rows], dtype=dtype)  # noqa: E731
    comet = col(0, int)
    return Approaches(
        comet=comet, designation=designations[comet] if rows else np.zeros(0, object), body=col(1, object),
        time_tdb_jd=col(2), distance_au=col(3), speed_km_s=col(4) * AU_KM / DAY_S,
        time_3sigma_days=three[0] if three else np.full(len(rows), np.nan),
        distance_3sigma_au=three[1] if three else np.full(len(rows), np.nan), status=res.status,
        moid_earth_au=moid(elements, "earth", ephemeris=eph), moid_jupiter_au=moid(elements, "jupiter", ephemeris=eph))


def _refine(elements, found, eph, nongrav, options):
    """[(comet, body, t, distance au, speed au/day)] from a second N-body call around each
    estimate (module docstring, step 3)."""
    if not found:
        return []
    from .propagate import propagate

    comets = np.unique([f[0] for f in found])
    est = np.array([f[2] for f in found])
    times = np.unique(np.concatenate([est - REFINE_DAYS, est, est + REFINE_DAYS]))
    states = propagate(elements[comets], times, model="nbody", frame="icrf", center="ssb", ephemeris=eph,
                       nongrav=nongrav, **options)
    rows = []
    for (c, body, t_est) in found:
        row = np.searchsorted(comets, c)
        at = np.searchsorted(times, [t_est - REFINE_DAYS, t_est, t_est + REFINE_DAYS])
        rel = states[row, at] - _body_states(eph, BODIES[body], times[at])
        f = np.sum(rel[:, :3] * rel[:, 3:], axis=1)
        piece = 0 if f[1] >= 0 else 1  # the half that holds the sign change
        a, b = rel[piece], rel[piece + 1]
        s = _minimum_in(a[None, :3], a[None, 3:], b[None, :3], b[None, 3:], REFINE_DAYS, np.zeros(1), np.ones(1),
                        iterations=60)
        r, v = _hermite(a[:3], a[3:], b[:3], b[3:], REFINE_DAYS, s[0])
        if np.all(np.isfinite(r)):
            rows.append((int(c), body, float(times[at[piece]] + s[0] * REFINE_DAYS), float(np.linalg.norm(r)),
                         float(np.linalg.norm(v))))
    return rows


def _three_sigma(elements, rows, covariance, eph, nongrav):
    """(3-sigma time days, 3-sigma distance au) of each row from the linearly propagated
    position covariance at the time of the minimum."""
    from .covariance import OrbitCovariance, as_covariance
    from .uncertainty import propagate_covariance

    every = as_covariance(covariance, len(elements))
    t_sig, d_sig = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    for j, (c, body, t, _, _) in enumerate(rows):
        cov = OrbitCovariance(every.labels, every.matrix[c : c + 1], every.epoch[c : c + 1])
        prop = propagate_covariance(elements[c], [t], cov, model="nbody", frame="icrf", center="ssb",
                                    ephemeris=eph, nongrav=nongrav)
        rel = prop.states[0, 0] - _body_states(eph, BODIES[body], np.array([t]))[0]
        u = rel[:3] / np.linalg.norm(rel[:3])
        w = rel[3:] / np.linalg.norm(rel[3:])
        p = prop.covariance[0, 0, :3, :3]
        d_sig[j] = 3.0 * np.sqrt(u @ p @ u)
        t_sig[j] = 3.0 * np.sqrt(w @ p @ w) / np.linalg.norm(rel[3:])
    return t_sig, d_sig
