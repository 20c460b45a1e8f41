"""Time laws of the two-body orbit: when the next perihelion comes, and the time from
perihelion to evenly spaced points along an orbit (which is how orbit lines are drawn).

Method (Vallado, "Fundamentals of Astrodynamics", 4th ed., sections 2.2-2.3):
- ellipse: Kepler's equation M = E - e sin E with mean motion n = sqrt(GM / a^3), a = q / (1 - e);
  the period is 2 pi / n;
- hyperbola: M = e sinh H - H with n = sqrt(GM / |a|^3);
- parabola (and |e - 1| < NEAR_PARABOLIC): Barker's equation,
  t - tp = sqrt(2 q^3 / GM) (D + D^3 / 3), D = tan(nu / 2).
Why closed forms here rather than the universal-variable solver: these laws go from an anomaly
to a time, the direction that needs no iteration; the propagator then goes from those times
back to states, so the drawn line is exactly the propagated orbit.

Units: au, days, TDB Julian dates; GM_SUN of DE421 (constants.py).
"""
from __future__ import annotations

import math

import numpy as np

from .constants import GM_SUN
from .elements import FIELDS, CometaryElements

NEAR_PARABOLIC = 1e-6  # |e - 1| below this: the parabolic time law (Barker)
ORBIT_REFERENCE_JD = 2451545.0  # J2000 TDB: any epoch serves for the shifted-perihelion trick


def period_days(q: float, e: float) -> float | None:
    """Two-body period in days (Kepler's third law), None for e >= 1 (no return)."""
    if e >= 1.0:
        return None
    return 2.0 * math.pi * math.sqrt((q / (1.0 - e)) ** 3 / GM_SUN)


def next_perihelion_jd(q: float, e: float, tp: float, time_jd: float) -> float | None:
    """The first two-body perihelion at or after `time_jd` (TDB JD).

    e < 1: tp plus the whole number of periods that reaches `time_jd`; e >= 1: tp while it is
    still ahead, else None (an open orbit passes perihelion once).
    """
    period = period_days(q, e)
    if period is not None:
        return tp + math.ceil((time_jd - tp) / period) * period
    return tp if tp >= time_jd else None


def perihelion_offsets(q, e, samples: int, r_max_au: float = 30.0) -> np.ndarray:
    """(N, S) days from perihelion to S points evenly spaced in anomaly along each orbit.

    q (N,) au, e (N,). e < 1: one whole revolution, evenly in eccentric anomaly E from -pi to
    pi (a closed line). e > 1: the arc inside r = max(3 q, r_max_au), evenly in hyperbolic
    anomaly. |e - 1| < NEAR_PARABOLIC: evenly in D = tan(nu / 2) over the same radius.
    """
    q = np.asarray(q, dtype=np.float64)[:, None]
    e = np.asarray(e, dtype=np.float64)[:, None]
    u = np.linspace(-1.0, 1.0, samples)[None, :]
    r_max = np.maximum(3.0 * q, r_max_au)
    # each law is evaluated for every orbit and the right one chosen below: the others give
    # NaN or inf for the orbits they do not describe, hence the silenced warnings
    with np.errstate(all="ignore"):
        a = q / np.abs(1.0 - e)
        n = np.sqrt(GM_SUN / a**3)
        big_e = np.pi * u
        elliptic = (big_e - e * np.sin(big_e)) / n
        h_max = np.arccosh(np.maximum((r_max / a + 1.0) / e, 1.0))
        big_h = h_max * u
        hyperbolic = (e * np.sinh(big_h) - big_h) / n
        d = np.sqrt(r_max / q - 1.0) * u
        parabolic = np.sqrt(2.0 * q**3 / GM_SUN) * (d + d**3 / 3.0)
    is_elliptic = e < 1.0 - NEAR_PARABOLIC
    is_hyperbolic = e > 1.0 + NEAR_PARABOLIC
    return np.where(is_elliptic, elliptic, np.where(is_hyperbolic, hyperbolic, parabolic))


def orbit_points(elements: CometaryElements, samples: int) -> np.ndarray:
    """(N, S, 3) heliocentric ecliptic J2000 positions (au) along each two-body orbit.

    A comet's orbit sampled at S anomalies is the state, at one reference time T, of S copies
    of its elements whose perihelion times are shifted to T - dt_k (dt_k from
    `perihelion_offsets`). So a whole catalog's lines cost one batched two-body `propagate`
    over N * S objects at one epoch, instead of N calls. Non-gravitational terms are dropped.
    """
    from .propagate import propagate

    n = len(elements)
    dt = perihelion_offsets(elements.q, elements.e, samples)
    columns = {name: np.repeat(np.asarray(getattr(elements, name)), samples) for name in FIELDS}
    columns["tp"] = ORBIT_REFERENCE_JD - dt.reshape(-1)
    for name in ("A1", "A2", "A3", "DT"):
        columns[name] = np.zeros(n * samples)
    copies = CometaryElements(**columns)
    states = propagate(copies, np.array([ORBIT_REFERENCE_JD]), model="kepler", frame="ecliptic", center="sun")
    return np.asarray(states, dtype=np.float64)[:, 0, :3].reshape(n, samples, 3)
