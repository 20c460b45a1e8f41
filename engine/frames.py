"""Every rotation and origin shift of the engine.

Axes:
- "ecliptic": ecliptic and mean equinox of J2000 (the frame of cometary elements and of JPL
  Horizons' "ecliptic" tables);
- "icrf": ICRF / equatorial J2000 (the frame of the JPL DE ephemerides and of N-body work).
The two differ by a rotation about +x by the IAU 1976 obliquity of J2000, 84381.448 arcsec:
v_icrf = R1(-epsilon) v_ecl, i.e. y_icrf = cos eps y - sin eps z, z_icrf = sin eps y + cos eps z.
(The 0.02 arcsec frame bias between the dynamical J2000 equator and the ICRF is ignored, as
JPL Horizons does for its ecliptic tables.)

Origins:
- "sun": heliocentric; "ssb": solar-system barycentre. They differ by the Sun's barycentric
  state from the planetary ephemeris (engine/ephemeris.py, NAIF id 10), about 0.01 au.

States are (..., 6) arrays: position (au) then velocity (au/day). Rotations apply to
position and velocity alike (both frames are inertial).
"""
from __future__ import annotations

import math

import numpy as np

from .constants import OBLIQUITY_J2000_RAD
from .errors import InvalidInput

FRAMES = ("ecliptic", "icrf")
CENTERS = ("sun", "ssb")
SUN_NAIF_ID = 10

_C, _S = math.cos(OBLIQUITY_J2000_RAD), math.sin(OBLIQUITY_J2000_RAD)
# Rotation taking ecliptic J2000 components to ICRF components: R1(-epsilon).
ECLIPTIC_TO_ICRF = np.array([[1.0, 0.0, 0.0], [0.0, _C, -_S], [0.0, _S, _C]])
ICRF_TO_ECLIPTIC = ECLIPTIC_TO_ICRF.T.copy()


def check_frame_name(frame: str, field: str = "frame") -> str:
    if frame not in FRAMES:
        raise InvalidInput(field, f"{field} must be one of {FRAMES}, got {frame!r}")
    return frame


def check_center_name(center: str, field: str = "center") -> str:
    if center not in CENTERS:
        raise InvalidInput(field, f"{field} must be one of {CENTERS}, got {center!r}")
    return center


def rotation(from_frame: str, to_frame: str) -> np.ndarray:
    """(3, 3) matrix taking vectors with from_frame components to to_frame components."""
    check_frame_name(from_frame, "from_frame")
    check_frame_name(to_frame, "to_frame")
    if from_frame == to_frame:
        return np.eye(3)
    return ECLIPTIC_TO_ICRF if to_frame == "icrf" else ICRF_TO_ECLIPTIC


def rotation_from_ecliptic(frame: str) -> np.ndarray:
    """(3, 3) matrix taking ecliptic J2000 components to `frame` components."""
    return rotation("ecliptic", frame)


def rotate_states(states, from_frame: str, to_frame: str):
    """(..., 6) states re-expressed in to_frame axes (numpy in, numpy out; jax arrays work too)."""
    rot = rotation(from_frame, to_frame)
    if from_frame == to_frame:
        return states
    pos = states[..., :3] @ rot.T
    vel = states[..., 3:] @ rot.T
    if isinstance(states, np.ndarray):
        return np.concatenate([pos, vel], axis=-1)
    import jax.numpy as jnp

    return jnp.concatenate([pos, vel], axis=-1)


def ecliptic_to_icrf(vectors):
    """(..., 3) or (..., 6) ecliptic J2000 components to ICRF."""
    return _rotate_any(vectors, ECLIPTIC_TO_ICRF)


def icrf_to_ecliptic(vectors):
    """(..., 3) or (..., 6) ICRF components to ecliptic J2000."""
    return _rotate_any(vectors, ICRF_TO_ECLIPTIC)


def _rotate_any(vectors, rot):
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.shape[-1] == 3:
        return vectors @ rot.T
    if vectors.shape[-1] == 6:
        return np.concatenate([vectors[..., :3] @ rot.T, vectors[..., 3:] @ rot.T], axis=-1)
    raise ValueError(f"vectors must end in 3 or 6 components, got shape {vectors.shape}")


def sun_state_ssb(times_tdb, ephemeris="de421", frame: str = "icrf") -> np.ndarray:
    """The Sun's barycentric state at TDB JD times (M,): (M, 6) numpy, au and au/day, in `frame` axes.

    ephemeris: "de421", "de440", an SPK path, or a loaded engine.ephemeris.Ephemeris. Raises
    the ephemeris' coverage error (naming the first offending time) outside its span.
    """
    from .ephemeris import Ephemeris, load_ephemeris

    check_frame_name(frame)
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    t = np.atleast_1d(np.asarray(times_tdb, dtype=np.float64))
    eph.check_coverage(t, (SUN_NAIF_ID,))
    pos, vel = eph.state(SUN_NAIF_ID, t)
    state = np.concatenate([np.asarray(pos), np.asarray(vel)], axis=-1)
    return rotate_states(state, "icrf", frame)


def change_center(states, times_tdb, from_center: str, to_center: str, *, frame: str, ephemeris="de421"):
    """Shift (N, M, 6) states at times (M,) between "sun" and "ssb" origins.

    states are in `frame` axes; the Sun's barycentric state comes from `ephemeris`.
    """
    check_center_name(from_center, "from_center")
    check_center_name(to_center, "to_center")
    if from_center == to_center:
        return states
    sun = sun_state_ssb(times_tdb, ephemeris, frame)
    sign = 1.0 if to_center == "ssb" else -1.0
    return states + sign * sun[None, :, :]


def convert_states(states, times_tdb, *, from_frame: str, from_center: str, to_frame: str, to_center: str,
                   ephemeris="de421"):
    """(N, M, 6) states at times (M,) from one frame and origin to another (numpy)."""
    states = rotate_states(np.asarray(states, dtype=np.float64), from_frame, to_frame)
    return change_center(states, times_tdb, from_center, to_center, frame=to_frame, ephemeris=ephemeris)
