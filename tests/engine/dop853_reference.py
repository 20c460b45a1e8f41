"""An independent reference integrator for the uncertainty and close-approach tests.

scipy's DOP853 (rtol 1e-13, atol 1e-16 au) on the comet's barycentric ICRF state, with the
same forces as engine/nbody.py but none of its code: the Sun, Mercury, Venus, Earth, Moon and
the Mars..Pluto system barycentres from DE421 read by SPICE (spiceypy.spkgeo, not encke's
Chebyshev reader), DE421's GMs, and the Sun's 1PN term (PPN beta = gamma = 1). Gravity and
relativity only: the comets used here have no non-gravitational parameters.
"""
from __future__ import annotations

import functools

import numpy as np
import spiceypy
from scipy.integrate import solve_ivp

from encke.engine import constants
from encke.engine.ephemeris import load_ephemeris

BODIES = (10, 1, 2, 399, 301, 4, 5, 6, 7, 8, 9)
GM = np.array([constants.GM_DE421[b] for b in BODIES])
C2 = constants.C_AU_PER_DAY**2


@functools.lru_cache(maxsize=1)
def _kernel() -> str:
    path = load_ephemeris("de421").path
    spiceypy.furnsh(path)
    return path


def body_state(naif: int, t_jd: float) -> np.ndarray:
    """(6,) barycentric ICRF state of a body, au and au/day, from SPICE."""
    _kernel()
    s, _ = spiceypy.spkgeo(naif, (t_jd - constants.J2000_JD) * constants.DAY_S, "J2000", 0)
    s = np.asarray(s)
    return np.concatenate([s[:3] / constants.AU_KM, s[3:] * constants.DAY_S / constants.AU_KM])


def _rhs(t, y):
    x, v = y[:3], y[3:]
    a = np.zeros(3)
    for naif, gm in zip(BODIES, GM):
        if naif == 10:
            sun = body_state(10, t)
            d = sun[:3] - x
            a += gm * d / np.linalg.norm(d) ** 3
            r, w = x - sun[:3], v - sun[3:]
            rn = np.linalg.norm(r)
            a += gm / (C2 * rn**3) * ((4 * gm / rn - w @ w) * r + 4 * (r @ w) * w)
        else:
            _kernel()
            p, _ = spiceypy.spkgps(naif, (t - constants.J2000_JD) * constants.DAY_S, "J2000", 0)
            d = np.asarray(p) / constants.AU_KM - x
            a += gm * d / np.linalg.norm(d) ** 3
    return np.concatenate([v, a])


def integrate(state0, epoch, t_end, dense: bool = False, t_eval=None):
    """scipy OdeResult of the comet from barycentric ICRF state0 at epoch to t_end (TDB JD)."""
    return solve_ivp(_rhs, (epoch, t_end), np.asarray(state0, float), method="DOP853", rtol=1e-13, atol=1e-16,
                     dense_output=dense, t_eval=t_eval)


def initial_state(elements, k: int = 0) -> np.ndarray:
    """Barycentric ICRF state at the elements' epoch (heliocentric conic + the Sun from SPICE)."""
    from encke.engine.conics import elements_to_state

    el = elements[k]
    helio = elements_to_state(el, el.epoch, frame="icrf")[0]
    return helio + body_state(10, float(el.epoch[0]))
