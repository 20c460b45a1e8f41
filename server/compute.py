"""The service layer's calls into the engine: states, orbit lines, planets.

Everything physical is done by the engine (`encke.propagate`, the ephemeris, frames,
`state_to_elements`, `perihelion.orbit_points`); this module only chooses what to ask for and
reshapes the results for the service.
"""
from __future__ import annotations

import numpy as np

from encke.engine.elements import CometaryElements
from encke.engine.perihelion import orbit_points

# Planets for the viewer: NAIF ids in DE421 (body centres where the kernel has them,
# system barycentres otherwise). Positions are heliocentric: minus the Sun.
PLANETS = (("Mercury", 199), ("Venus", 299), ("Earth", 399), ("Mars", 4), ("Jupiter", 5),
           ("Saturn", 6), ("Uranus", 7), ("Neptune", 8), ("Pluto", 9))


def propagate(elements: CometaryElements, times: np.ndarray, model: str, frame: str, center: str,
              ephemeris: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, M, 6) states (au, au/day; `frame`, `center`) and (N,) int status codes."""
    import encke

    kwargs = {"model": model, "frame": frame, "center": center, "return_status": True}
    if model == "nbody" or center == "ssb":
        kwargs["ephemeris"] = ephemeris
    states, status = encke.propagate(elements, np.asarray(times, dtype=np.float64), **kwargs)
    return np.asarray(states, dtype=np.float64), np.asarray(status, dtype=np.int32).reshape(-1)


def body_states(ephemeris, naif_ids, t: float, frame: str = "ecliptic") -> np.ndarray:
    """(K, 6) heliocentric states (au, au/day) of NAIF bodies at TDB JD `t`, in `frame`."""
    from encke.engine import frames
    from encke.engine.observers import NAIF_SUN

    ephemeris.check_coverage(np.array([t]))
    sun_p, sun_v = ephemeris.state(NAIF_SUN, np.array(t))
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
    lines = orbit_points(elements, samples)
    return [{"name": name, "naif_id": naif, "position": states[k, :3], "velocity": states[k, 3:],
             "orbit": lines[k]} for k, (name, naif) in enumerate(PLANETS)]
