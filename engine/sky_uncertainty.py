"""Plane-of-sky uncertainty of an observation, with JPL Horizons' names and definitions.

From the comet's position covariance (engine/uncertainty.py) at the emission time t - tau
and the observer's line of sight u, with east e = z x u / |z x u| and north n = u x e (ICRF):
    d(RA cos Dec) = e . dx / delta,   d Dec = n . dx / delta,   d delta = u . dx.
The covariance at emission comes from that at the observation time by the two-body map
dx(t - tau) = dx(t) - tau dv(t) (tau is minutes to hours: the rest of the map is ~1e-9 away).

Quantities (Horizons observer-table quantity 36 and 37; arcseconds, km, degrees):
- ra_3sigma_arcsec: 3 sigma of RA cos(Dec); dec_3sigma_arcsec: 3 sigma of Dec;
- smaa_3sigma_arcsec, smia_3sigma_arcsec: semi-major and semi-minor axes of the 3-sigma
  error ellipse on the sky;
- theta_deg: position angle of the semi-major axis, measured from north through east, in
  (-90, 90];
- range_3sigma_km: 3 sigma of the distance from the observer.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .constants import AU_KM

ARCSEC_PER_RAD = 180.0 / np.pi * 3600.0


@dataclasses.dataclass(frozen=True, eq=False)
class SkyUncertainty:
    """(N, M) arrays; see the module docstring."""

    ra_3sigma_arcsec: np.ndarray
    dec_3sigma_arcsec: np.ndarray
    smaa_3sigma_arcsec: np.ndarray
    smia_3sigma_arcsec: np.ndarray
    theta_deg: np.ndarray
    range_3sigma_km: np.ndarray

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def sky_covariance(ra_deg, dec_deg, delta_au, light_time_days, state_cov_icrf) -> np.ndarray:
    """(N, M, 3, 3) covariance of (RA cos Dec [rad], Dec [rad], delta [au]) from the comet's
    (N, M, 6, 6) ICRF state covariance at the observation times."""
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    u = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    east = np.stack([-np.sin(ra), np.cos(ra), np.zeros_like(ra)], axis=-1)
    north = np.cross(u, east)
    d = np.asarray(delta_au)[..., None]
    partial = np.stack([east / d, north / d, u], axis=-2)  # (N, M, 3, 3) d(sky)/d(position)
    tau = np.asarray(light_time_days)[..., None, None]
    back = np.concatenate([np.broadcast_to(np.eye(3), tau.shape[:-2] + (3, 3)),
                           -tau * np.eye(3)], axis=-1)  # (N, M, 3, 6): dx(t - tau) from (dx, dv)(t)
    jac = partial @ back
    return jac @ state_cov_icrf @ np.swapaxes(jac, -1, -2)


def sky_uncertainty(ra_deg, dec_deg, delta_au, light_time_days, state_cov_icrf) -> SkyUncertainty:
    """Horizons' 3-sigma plane-of-sky quantities (module docstring) for (N, M) observations."""
    s = sky_covariance(ra_deg, dec_deg, delta_au, light_time_days, state_cov_icrf)
    sky = s[..., :2, :2] * ARCSEC_PER_RAD**2  # arcsec^2, (east, north)
    lam, vec = np.linalg.eigh(sky)  # ascending
    major = vec[..., :, 1]
    theta = np.degrees(np.arctan2(major[..., 0], major[..., 1]))  # from north through east
    theta = np.where(theta > 90.0, theta - 180.0, np.where(theta <= -90.0, theta + 180.0, theta))
    return SkyUncertainty(
        ra_3sigma_arcsec=3.0 * np.sqrt(np.maximum(sky[..., 0, 0], 0.0)),
        dec_3sigma_arcsec=3.0 * np.sqrt(np.maximum(sky[..., 1, 1], 0.0)),
        smaa_3sigma_arcsec=3.0 * np.sqrt(np.maximum(lam[..., 1], 0.0)),
        smia_3sigma_arcsec=3.0 * np.sqrt(np.maximum(lam[..., 0], 0.0)),
        theta_deg=theta,
        range_3sigma_km=3.0 * np.sqrt(np.maximum(s[..., 2, 2], 0.0)) * AU_KM,
    )


def observe_uncertainty(elements, times, covariance, observer="earth", *, model: str = "nbody",
                        ephemeris="de421", nongrav: bool = True, scale=None, **observe_options):
    """(Observation, SkyUncertainty): encke.observe's ephemeris of N comets at M times and its
    3-sigma plane-of-sky uncertainty from `covariance` (an OrbitCovariance or SBDB result)."""
    from .observe import observe
    from .timescales import to_tdb_jd
    from .uncertainty import propagate_covariance

    t = np.atleast_1d(to_tdb_jd(times, scale))
    obs = observe(elements, t, observer, model=model, ephemeris=ephemeris, nongrav=nongrav, **observe_options)
    prop = propagate_covariance(elements, t, covariance, model=model, frame="icrf", center="ssb",
                                ephemeris=ephemeris, nongrav=nongrav)
    return obs, sky_uncertainty(obs.ra, obs.dec, obs.delta, obs.light_time, prop.covariance)
