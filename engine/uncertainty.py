"""Linear covariance propagation: Cov(t) = Phi(t) P Phi(t)^T.

P is the 10 x 10 covariance over the heliocentric ecliptic J2000 state at the epoch and A1,
A2, A3, DT (engine/covariance.py); Phi(t) the state transition matrix of the chosen model
(engine/stm.py: autodiff of the conic for two-body, the variational equations integrated
with the orbit for N-body). The result is the (N, M, 6, 6) covariance of position (au) and velocity (au/day)
in the requested axes; the centre (Sun or barycentre) is a known shift and changes nothing.
Linear mapping holds while the orbit's uncertainty stays small next to the scale on which the
motion bends: long spans or close planetary approaches call for Monte Carlo
(engine/sampling.py) instead.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import frames, stm
from . import status as st
from .conics import elements_to_state
from .covariance import state_covariance
from .ephemeris import Ephemeris, load_ephemeris
from .timescales import to_tdb_jd



class CovariancePropagation(NamedTuple):
    """states: (N, M, 6) au, au/day; covariance: (N, M, 6, 6) in the same axes (au^2,
    au^2/day, au^2/day^2); status: (N,) int32 codes (engine/status.py)."""

    states: np.ndarray
    covariance: np.ndarray
    status: np.ndarray


def _blocks(rot: np.ndarray, n_extra: int = 4) -> np.ndarray:
    """blockdiag(rot, rot, I): rotates the position and velocity parts of a state vector."""
    t = np.eye(6 + n_extra)
    t[:3, :3] = rot
    t[3:6, 3:6] = rot
    return t


def propagate_covariance(elements, times, covariance, *, model: str = "nbody", frame: str = "ecliptic",
                         center: str = "sun", ephemeris="de421", nongrav: bool = True, scale=None,
                         **options) -> CovariancePropagation:
    """States and their linearly propagated covariance for N objects at M epochs.

    elements: CometaryElements (N,); times (M,) as for engine.propagate; covariance: an
    OrbitCovariance (one for all or one per object) or an SBDB result; model "kepler" or
    "nbody"; frame "ecliptic" or "icrf"; center "sun" or "ssb"; options: as for the N-body
    model. The epoch must be the elements' (covariance.state_covariance).
    """
    frames.check_frame_name(frame)
    frames.check_center_name(center)
    t = np.atleast_1d(to_tdb_jd(times, scale))
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    p_ecl, epoch = state_covariance(elements, covariance)
    el = elements.replace(epoch=epoch)
    if not nongrav:  # the force has no outgassing: its parameters are not part of the problem
        el = el.replace(A1=0.0 * epoch, A2=0.0 * epoch, A3=0.0 * epoch, DT=0.0 * epoch)
        p_ecl = p_ecl.copy()
        p_ecl[:, 6:, :] = 0.0
        p_ecl[:, :, 6:] = 0.0
    rot = frames.rotation_from_ecliptic(frame)
    if model == "kepler":
        states, phi = stm.kepler_stm(el, t, epoch, rot)
        status = np.zeros(len(el), np.int32)
        if center == "ssb":
            states = states + frames.sun_state_ssb(t, eph, frame)[None]
    elif model == "nbody":
        to_icrf = _blocks(frames.rotation_from_ecliptic("icrf"))
        p_icrf = to_icrf @ p_ecl @ to_icrf.T
        helio = elements_to_state(el, epoch, frame="icrf")
        sun = frames.sun_state_ssb(epoch, eph, "icrf")
        params = np.stack([el.A1, el.A2, el.A3, el.DT], axis=1)
        with_nongrav = bool(np.any(p_icrf[:, 6:, 6:] != 0))
        states, phi, status = stm.nbody_stm(helio + sun, epoch, t, params, with_nongrav=with_nongrav, ephemeris=eph,
                                            **options)
        states = frames.convert_states(states, t, from_frame="icrf", from_center="ssb", to_frame=frame,
                                       to_center=center, ephemeris=eph)
        # Phi maps the ICRF epoch state; express it on the ecliptic one P is given in, then
        # rotate the output axes to `frame`.
        k = phi.shape[-1]  # 6 without A1..DT: their rows and columns of P are zero
        phi = _blocks(frames.rotation("icrf", frame), 0) @ phi @ to_icrf[:k, :k]
    else:
        raise ValueError(f"model must be 'kepler' or 'nbody', got {model!r}")
    k = phi.shape[-1]
    cov = phi @ p_ecl[:, None, :k, :k] @ np.swapaxes(phi, -1, -2)
    cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
    cov[status != st.OK] = np.nan
    return CovariancePropagation(states, cov, status)
