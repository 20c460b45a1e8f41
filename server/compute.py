"""The service layer's calls into the engine: states, orbit lines, planets.

Everything physical is done by the engine (`encke.propagate`, the ephemeris, frames,
`state_to_elements`); this module only chooses the epochs to ask for and reshapes results.

Orbit lines use one batched two-body call: a comet's orbit sampled at S anomalies is the
state, at one reference time T, of S copies of its elements whose perihelion times are
shifted to T - dt_k, where dt_k is the time from perihelion to anomaly k. So a whole
catalog's lines (N x S points) cost one `propagate` over N*S objects at one epoch.
"""
from __future__ import annotations

import numpy as np

from encke.engine.constants import GM_SUN
from encke.engine.elements import FIELDS, CometaryElements

# Planets for the viewer: NAIF ids in DE421 (body centres where the kernel has them,
# system barycentres otherwise). Positions are heliocentric: minus the Sun (NAIF 10).
PLANETS = (("Mercury", 199), ("Venus", 299), ("Earth", 399), ("Mars", 4), ("Jupiter", 5),
           ("Saturn", 6), ("Uranus", 7), ("Neptune", 8), ("Pluto", 9))
SUN, EARTH = 10, 399
_T_REF = 2451545.0  # J2000 TDB; any epoch serves for the shifted-perihelion trick above
_NEAR_PARABOLIC = 1e-6  # |e - 1| below this: draw the line with the parabolic time law


def propagate(elements: CometaryElements, times: np.ndarray, model: str, frame: str, center: str,
              ephemeris: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, M, 6) states (au, au/day; `frame`, `center`) and (N,) int status codes."""
    import encke

    kwargs = {"model": model, "frame": frame, "center": center, "return_status": True}
    if model == "nbody" or center == "ssb":
        kwargs["ephemeris"] = ephemeris
    result = encke.propagate(elements, np.asarray(times, dtype=np.float64), **kwargs)
    states, status = _split_result(result)
    return np.asarray(states, dtype=np.float64), np.asarray(status, dtype=np.int32).reshape(-1)


def _split_result(result):
    """Accept the engine's (states, status) tuple or a result object with .states/.status."""
    if isinstance(result, tuple):
        return result[0], result[1]
    return result.states, result.status


def perihelion_offsets(q: np.ndarray, e: np.ndarray, samples: int, r_max_au: float = 30.0) -> np.ndarray:
    """(N, S) days from perihelion to S points evenly spaced in anomaly along each orbit.

    e < 1: one full revolution, evenly in eccentric anomaly E from -pi to pi (closed line),
    dt = (E - e sin E) / n. e > 1: the arc with r < max(3 q, r_max_au), evenly in hyperbolic
    anomaly, dt = (e sinh H - H) / n. |e - 1| < 1e-6: Barker's equation, evenly in
    D = tan(nu / 2), dt = sqrt(2 q^3 / mu) (D + D^3 / 3), over the same radius.
    """
    q = np.asarray(q, dtype=np.float64)[:, None]
    e = np.asarray(e, dtype=np.float64)[:, None]
    u = np.linspace(-1.0, 1.0, samples)[None, :]
    r_max = np.maximum(3.0 * q, r_max_au)
    out = np.empty(np.broadcast_shapes(q.shape, u.shape))
    with np.errstate(all="ignore"):
        ell = e < 1.0 - _NEAR_PARABOLIC
        a = q / np.abs(1.0 - e)
        n = np.sqrt(GM_SUN / a**3)
        big_e = np.pi * u
        out_ell = (big_e - e * np.sin(big_e)) / n
        hyp = e > 1.0 + _NEAR_PARABOLIC
        h_max = np.arccosh(np.maximum((r_max / a + 1.0) / e, 1.0))
        big_h = h_max * u
        out_hyp = (e * np.sinh(big_h) - big_h) / n
        d = np.sqrt(r_max / q - 1.0) * u
        out_par = np.sqrt(2.0 * q**3 / GM_SUN) * (d + d**3 / 3.0)
    out[...] = np.where(ell, out_ell, np.where(hyp, out_hyp, out_par))
    return out


def orbit_lines(elements: CometaryElements, samples: int) -> np.ndarray:
    """(N, S, 3) heliocentric ecliptic J2000 positions (au) along each two-body orbit."""
    n = len(elements)
    dt = perihelion_offsets(elements.q, elements.e, samples)  # (N, S)
    columns = {name: np.repeat(np.asarray(getattr(elements, name)), samples) for name in FIELDS}
    columns["tp"] = _T_REF - dt.reshape(-1)
    for name in ("A1", "A2", "A3", "DT"):
        columns[name] = np.zeros(n * samples)  # two-body: no non-gravitational terms
    copies = CometaryElements(**columns)
    states, _ = propagate(copies, np.array([_T_REF]), "kepler", "ecliptic", "sun", "de421")
    return states[:, 0, :3].reshape(n, samples, 3)


def body_states(ephemeris, naif_ids, t: float, frame: str = "ecliptic") -> np.ndarray:
    """(K, 6) heliocentric states (au, au/day) of NAIF bodies at TDB JD `t`, in `frame`."""
    from encke.engine import frames

    ephemeris.check_coverage(np.array([t]))
    sun_p, sun_v = ephemeris.state(SUN, np.array(t))
    rows = []
    for naif in naif_ids:
        p, v = ephemeris.state(int(naif), np.array(t))
        rows.append(np.concatenate([np.asarray(p) - np.asarray(sun_p), np.asarray(v) - np.asarray(sun_v)]))
    states = np.stack(rows)
    if frame == "ecliptic":
        states = np.asarray(frames.icrf_to_ecliptic(states))
    return states


def planets(ephemeris, t: float, samples: int = 128) -> list[dict]:
    """Heliocentric ecliptic state and an osculating two-body orbit line of each planet at `t`."""
    import encke

    states = body_states(ephemeris, [naif for _, naif in PLANETS], t)
    elements = encke.state_to_elements(states, np.full(len(states), t))
    lines = orbit_lines(elements, samples)
    return [{"name": name, "naif_id": naif, "position": states[k, :3], "velocity": states[k, 3:],
             "orbit": lines[k]} for k, (name, naif) in enumerate(PLANETS)]
