"""Close approaches of comets to the Sun, the planets and the Moon, from N-body propagation.

Method, for every comet and body at once:
1. One batched N-body call (engine/nbody.py) samples each comet's barycentric ICRF state on
   a coarse grid of COARSE_DAYS over [start, stop] (a few more outputs than a monthly
   ephemeris: output times cost the integrator about as much as its steps). An interval is
   kept only where the distance could dip below the limit: below (d0 + d1 - h V) / 2, d0 and
   d1 the distances at its ends and V a bound on the relative speed inside it (the larger
   end speed plus h/2 times a bound on the relative acceleration: the Sun's pull at the
   comet's and the body's least heliocentric distance in the interval, the body's pull at
   the limit).
2. Each kept interval is integrated again on its own, from the state sampled at its start
   (nbody's span_tdb: a window of COARSE_DAYS, not the whole span), with outputs every
   `step_days`. A minimum of the distance d(t) is a zero of f(t) = r . v (r, v relative
   position and velocity), going from negative to positive. Each sub-interval is modelled by
   cubic Hermite polynomials of the relative position (from both ends' positions and
   velocities), and f is searched for sign changes on sub-steps of each sub-interval whose
   distance could dip below the limit: a sub-step moves the comet at most a tenth of its
   distance (the step is bounded by the relative speed), so no flyby fits between two
   samples, however fast.
3. Each candidate is refined by a third batched call, again windows: from the sample before
   it to t* and t* +/- REFINE_DAYS (0.01 day: the Hermite polynomial then errs by < 1e-12 au
   even in a deep flyby), and bisection on f of that polynomial, to well under a second.
Before, step 1 sampled every comet every 2 days over the whole span and step 3 integrated
each comet with a candidate over the whole span again: 3 to 4 times the cost of plain
propagation (docs/performance.md).
Each comet's MOID with the Earth's and Jupiter's orbits comes with the rows (engine/moid.py),
computed in a thread beside steps 1 (the interval test) to 3.
With a covariance, the 3-sigma of the time and distance come from the comet's linearly
propagated position covariance at t* (engine/uncertainty.py): the distance moves with the
position along r-hat, the time of closest approach with the position along v-hat over |v|.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from . import batching, constants, nbody
from .constants import AU_KM, DAY_S
from .elements import CometaryElements
from .ephemeris import Ephemeris, load_ephemeris
from .errors import InvalidInput
from .moid import moids
from .timescales import to_tdb_jd

# body name -> NAIF id in the planetary ephemeris (planets beyond Venus: system barycentres)
BODIES = {"sun": 10, "mercury": 1, "venus": 2, "earth": 399, "moon": 301, "mars": 4, "jupiter": 5, "saturn": 6,
          "uranus": 7, "neptune": 8, "pluto": 9}
REFINE_DAYS = 0.01
COARSE_DAYS = 16.0  # step 1's grid (days)
REFINE_TRIES = 4
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


def _instant(field, value, scale):
    """One TDB JD from anything to_tdb_jd reads, or InvalidInput naming the field."""
    try:
        t = np.asarray(to_tdb_jd(value, scale), dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as err:
        raise InvalidInput(field, f"{field}: {err}") from err
    if t.size != 1:
        raise InvalidInput(field, f"{field}: one time expected, got {t.size}")
    return float(t[0])


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
    OrbitCovariance or SBDB result for the 3-sigma of time and distance; step_days: the
    sampling step inside the intervals kept (step 2 of the module docstring: the sub-step
    search makes the result independent of it, as long as no comet passes a minimum and a
    maximum of its distance in one step). options: N-body options (engine/nbody.py).
    Returns Approaches.
    """
    if hasattr(elements, "designations") and hasattr(elements, "elements"):
        designations = elements.designations if designations is None else designations
        elements = elements.elements
    if not isinstance(elements, CometaryElements):
        raise TypeError(f"elements must be CometaryElements or a Catalog, got {type(elements).__name__}")
    t0, t1 = _instant("start", start, scale), _instant("stop", stop, scale)
    names = _check(bodies, t0, t1, float(max_distance_au), float(step_days))
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    n = len(elements)
    designations = np.asarray([""] * n if designations is None else list(designations), dtype=object)
    el = elements.to_numpy()
    params = np.stack([el.A1, el.A2, el.A3, el.DT], axis=1) if nongrav else None
    coarse = np.linspace(t0, t1, max(int(np.ceil((t1 - t0) / COARSE_DAYS)), 1) + 1)
    res = nbody.propagate_nbody_result(elements, coarse, ephemeris=eph, nongrav=nongrav, **options)
    # The MOIDs, one XLA program that releases the GIL, run in a thread beside the later
    # steps: their small N-body calls and numpy keep one core of two busy at most
    # (docs/performance.md). Not beside the first pass, which keeps both busy.
    with concurrent.futures.ThreadPoolExecutor(1) as side:
        moid_future = side.submit(moids, elements, ("earth", "jupiter"), ephemeris=eph)
        rows = _found(res.states, coarse, names, float(max_distance_au), float(step_days), params, eph, options)
        three = _three_sigma(elements, rows, covariance, eph, nongrav) if covariance is not None and rows else None
        moid_earth, moid_jupiter = moid_future.result()
    col = lambda j, dtype=float: np.array([r[j] for r in rows], dtype=dtype)  # noqa: E731
    comet = col(0, int)
    return Approaches(
        comet=comet, designation=designations[comet] if rows else np.zeros(0, object), body=col(1, object),
        time_tdb_jd=col(2), distance_au=col(3), speed_km_s=col(4) * AU_KM / DAY_S,
        time_3sigma_days=three[0] if three else np.full(len(rows), np.nan),
        distance_3sigma_au=three[1] if three else np.full(len(rows), np.nan), status=res.status,
        moid_earth_au=moid_earth, moid_jupiter_au=moid_jupiter)


def _found(states, coarse, names, max_distance_au, step_days, params, eph, options):
    """[(comet, body, t, distance au, speed au/day)] of every approach within max_distance_au,
    ordered by comet then time, from the first pass' states (N, M, 6) on the coarse grid:
    steps 1 (the interval test) to 3 of the module docstring."""
    comet, k = _kept_intervals(states, coarse, eph, names, max_distance_au)
    # step 2: each kept interval again, alone, sampled every step_days
    h = coarse[1] - coarse[0]
    offsets = np.linspace(0.0, h, max(int(np.ceil(h / step_days)), 1) + 1)
    starts = coarse[k]
    fine, fine_times = _windows(states[comet, k], starts, offsets, _pick(params, comet), eph, options)
    found = []  # (comet, body, t_estimate, start state, its time)
    for body in names:
        rel = fine - _body_states(eph, BODIES[body], fine_times.reshape(-1)).reshape(fine.shape)
        row, j, lo, hi = _brackets(np.nan_to_num(rel, nan=1e9), offsets, max_distance_au)
        hj = offsets[j + 1] - offsets[j]
        s = _minimum_in(rel[row, j, :3], rel[row, j, 3:], rel[row, j + 1, :3], rel[row, j + 1, 3:],
                        hj[:, None], lo, hi)
        found += [(comet[r], body, fine_times[r, jj] + sj * hh, fine[r, jj], fine_times[r, jj])
                  for r, jj, sj, hh in zip(row, j, s, hj)]
    rows = _refine(found, params, eph, options)
    rows = [r for r in rows if r[3] <= max_distance_au]
    rows.sort(key=lambda r: (r[0], r[2]))
    return rows


def _pick(params, comet):
    return None if params is None else params[comet]


def _windows(states0, starts, offsets, params, eph, options):
    """States (W, len(offsets), 6) of W windows, each integrated from states0[w] at starts[w]
    (barycentric ICRF) to starts[w] + offsets[-1], at starts[w] + offsets; and those times (W, m)."""
    times = starts[:, None] + offsets[None, :]
    if len(starts) == 0:
        return np.zeros(times.shape + (6,)), times
    union, col = np.unique(times, return_inverse=True)
    res = nbody.propagate_states_nbody(states0, starts, union, ephemeris=eph, nongrav_params=params,
                                       span_tdb=(starts, starts + offsets[-1]), **options)
    return res.states[np.arange(len(starts))[:, None], col.reshape(times.shape)], times


def _kept_intervals(states, grid, eph, names, limit):
    """(comet, interval) pairs of the coarse grid where the distance to any of the bodies
    could dip below the limit (module docstring, step 1). The test is one jitted elementwise
    pass (_keep) over the states padded to the size ladder in comets and in times (few
    compiled shapes), where numpy made a temporary of every strided (N, M, 3) slice."""
    n, m = states.shape[:2]
    if n == 0 or m < 2:
        return np.zeros(0, int), np.zeros(0, int)
    size_n, size_m = batching.bucket_size(n, 8), batching.bucket_size(m, 8)
    padded = batching.pad_axis(batching.pad_axis(states, size_n, 0), size_m, 1)
    times = batching.pad_axis(grid, size_m)  # the padded intervals are empty (h = 0), sliced off
    sun = _body_states(eph, BODIES["sun"], times)
    bodies = np.stack([_body_states(eph, BODIES[b], times) for b in names])
    gm = constants.GM_SUN
    gm_bodies = dict(zip(nbody.TARGETS, nbody.gm_table(eph)))
    # the body: twice the Sun's pull at its least heliocentric distance in the interval (the
    # Moon: plus the Earth's), the Sun's own barycentric motion ~0; its own pull at the limit
    rb = np.linalg.norm(bodies[:, :, :3] - sun[None, :, :3], axis=-1)
    with np.errstate(divide="ignore"):  # the Sun's own rb = 0
        body_accel = np.where(np.array([b == "sun" for b in names])[:, None], 0.0,
                              2.0 * gm / np.minimum(rb[:, :-1], rb[:, 1:]) ** 2)
    own = np.array([gm_bodies[BODIES[b]] for b in names]) / float(limit) ** 2
    keep = _keep(padded, np.diff(times), sun, bodies, body_accel, own, float(limit))
    return np.nonzero(np.asarray(keep)[:n, : m - 1])


@jax.jit
def _keep(states, h, sun, bodies, body_accel, own, limit):
    """(N, M - 1) whether each interval is kept: states (N, M, 6) barycentric, h (M - 1,)
    days, sun (M, 6), bodies (K, M, 6), body_accel (K, M - 1) and own (K,) the bodies'
    acceleration bounds (au/day^2), limit au. Component by component: one fused loop."""
    comp = jnp.moveaxis(states, -1, 0)  # (6, N, M)
    x, y, z, vx, vy, vz = (comp[j] - sun[:, j] for j in range(6))  # heliocentric
    gm = constants.GM_SUN
    helio = jnp.sqrt(x * x + y * y + z * z)
    rv = x * vx + y * vy + z * vz
    # least heliocentric distance in each interval: the osculating perihelion if it is passed
    inv_a = 2.0 / helio - (vx * vx + vy * vy + vz * vz) / gm
    hx, hy, hz = y * vz - z * vy, z * vx - x * vz, x * vy - y * vx
    p = (hx * hx + hy * hy + hz * hz) / gm
    q = p / (1.0 + jnp.sqrt(jnp.maximum(1.0 - p * inv_a, 0.0)))
    passes = (rv[:, :-1] < 0) & (rv[:, 1:] >= 0)
    r_min = jnp.where(passes, jnp.minimum(q[:, :-1], q[:, 1:]), jnp.minimum(helio[:, :-1], helio[:, 1:]))
    # the comet: twice the Sun's pull at its least distance (the planets' pulls are far
    # smaller, except the body's own, taken at the limit)
    sun_accel = 2.0 * gm / jnp.maximum(r_min, 1e-3) ** 2
    keep = jnp.zeros(r_min.shape, bool)
    for k in range(bodies.shape[0]):
        dx, dy, dz, dvx, dvy, dvz = (comp[j] - bodies[k, :, j] for j in range(6))
        d = jnp.sqrt(dx * dx + dy * dy + dz * dz)
        speed = jnp.sqrt(dvx * dvx + dvy * dvy + dvz * dvz)
        accel = sun_accel + body_accel[k] + own[k]
        v_max = jnp.maximum(speed[:, :-1], speed[:, 1:]) + 0.5 * h * accel
        floor = 0.5 * (d[:, :-1] + d[:, 1:] - h * v_max)
        keep |= ~(floor >= limit)  # NaN (failed comets) kept out below
    finite = jnp.isfinite(x + y + z + vx + vy + vz)  # NaN or inf in any component
    return keep & finite[:, :-1] & finite[:, 1:]


def _refine(found, params, eph, options):
    """[(comet, body, t, distance au, speed au/day)] from short windows around each estimate
    (module docstring, step 3): each from the sample before it. An estimate whose window
    [t - REFINE_DAYS, t + REFINE_DAYS] does not bracket the minimum (the Hermite estimate of a
    deep flyby can be off by more) moves to the time of closest approach of the straight
    relative path through its state, and is tried again (REFINE_TRIES passes at most)."""
    if not found:
        return []
    comet = np.array([f[0] for f in found])
    naif = np.array([BODIES[f[1]] for f in found])
    est = np.array([f[2] for f in found], np.float64)
    start = np.array([f[4] for f in found])
    states0 = np.array([f[3] for f in found])
    offsets = np.array([-REFINE_DAYS, 0.0, REFINE_DAYS])
    rel = np.full((len(found), 3, 6), np.nan)
    todo = np.arange(len(found))
    for _ in range(REFINE_TRIES):
        want = est[todo, None] + offsets[None, :]
        union, col = np.unique(want, return_inverse=True)
        col = col.reshape(want.shape)
        res = nbody.propagate_states_nbody(states0[todo], start[todo], union, ephemeris=eph,
                                           nongrav_params=_pick(params, comet[todo]),
                                           span_tdb=(np.minimum(start[todo], want[:, 0]), want[:, 2]), **options)
        at = res.states[np.arange(len(todo))[:, None], col]  # (T, 3, 6)
        for body in np.unique(naif[todo]):  # one ephemeris call per body, not per estimate
            sel = naif[todo] == body
            at[sel] -= _body_states(eph, int(body), want[sel].reshape(-1)).reshape(at[sel].shape)
        rel[todo] = at
        f = np.sum(rel[todo, :, :3] * rel[todo, :, 3:], axis=-1)
        bracketed = (f[:, 0] < 0) & (f[:, 2] >= 0)
        middle = rel[todo, 1]
        shift = -f[:, 1] / np.sum(middle[:, 3:] ** 2, axis=-1)  # straight-line time of closest approach
        moved = ~bracketed & np.isfinite(shift) & (np.abs(shift) < 2.0)
        est[todo[moved]] += shift[moved]  # integrated again from the same sample (either way)
        todo = todo[moved]
        if todo.size == 0:
            break
    f = np.sum(rel[:, :, :3] * rel[:, :, 3:], axis=2)
    ok = np.nonzero((f[:, 0] < 0) & (f[:, 2] >= 0))[0]  # the others never bracketed (or failed)
    piece = np.where(f[ok, 1] >= 0, 0, 1)  # the half that holds the sign change
    a, b = rel[ok, piece], rel[ok, piece + 1]
    s = _minimum_in(a[:, :3], a[:, 3:], b[:, :3], b[:, 3:], REFINE_DAYS, np.zeros(ok.size), np.ones(ok.size),
                    iterations=60)
    r, v = _hermite(a[:, :3], a[:, 3:], b[:, :3], b[:, 3:], REFINE_DAYS, s[:, None])
    t = est[ok] + offsets[piece] + s * REFINE_DAYS
    rows = [(int(comet[j]), found[j][1], float(t[i]), float(np.linalg.norm(r[i])), float(np.linalg.norm(v[i])))
            for i, j in enumerate(ok) if np.all(np.isfinite(r[i]))]
    # a minimum on the boundary of two windows can be found from both: keep one
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [r for i, r in enumerate(rows)
            if i == 0 or (r[0], r[1]) != rows[i - 1][:2] or r[2] - rows[i - 1][2] > 1e-3]


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
