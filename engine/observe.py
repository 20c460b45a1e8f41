"""Observer ephemerides: where a comet appears in the sky, how far it is and how bright.

`observe(elements, times, observer=...)` returns an `Observation` of (N, M) arrays for N comets
at M times. The steps, for each comet and time t (TDB):

1. The comet's barycentric ICRF state at t, from `propagate` (Kepler or N-body), and the
   observer's barycentric position and velocity at t (engine/observers.py: the Earth or Sun from
   the planetary ephemeris, plus a site's GCRS offset from astropy).
2. Light time (engine/lighttime.py): tau = |x_comet(t - tau) - x_obs(t)| / c, iterated; the
   state at t - tau comes from a two-body step back from the propagated state.
3. Astrometric RA/Dec: the direction of x_comet(t - tau) - x_obs(t) in the ICRF. This is what
   JPL Horizons calls astrometric RA/Dec, except that Horizons also bends the light in the
   Sun's field: at most 0.02 arcsec more than 30 degrees from the Sun.
4. With `apparent=True`: stellar aberration by the observer's barycentric velocity (the
   relativistic formula of ERFA's `ab`, written here in JAX), then precession-nutation to the
   true equator and equinox of date (ERFA `pnm06a`, IAU 2006/2000A, computed at the boundary).
   Light deflection is not applied (< 0.02 arcsec beyond 30 degrees from the Sun).
5. For a site on the Earth: apparent azimuth (from north through east) and elevation, without
   refraction (an airless Earth, as Horizons' default), from the aberrated direction rotated by
   ERFA `c2t06a` and the geodetic vertical; and the Sun's apparent elevation. The Sun is "down"
   when its centre is below -0.833 degrees (its radius plus standard refraction: the almanac's
   sunset); `Observation.darkness` gives civil (-6), nautical (-12) and astronomical (-18)
   twilight levels.

Quantities, defined as in JPL Horizons' observer tables (checked column by column against the
Horizons table of C/1995 O1 in tests/engine/test_observe_horizons.py):
- delta: distance from the observer at t to the comet at emission t - tau (au).
- r: distance from the comet at emission to the Sun at t - tau - r/c, the Sun whose light the
  comet reflects (au; Horizons' r). Using the Sun at t - tau instead moves r by up to
  v_sun r / c, 8e-7 au for Hale-Bopp at 48 au.
- rdot: the heliocentric range rate of the comet at emission (km/s; Horizons' rdot).
- deldot: the observer range rate u . (v_comet - v_obs), u the line of sight, comet velocity
  at emission (km/s; Horizons' deldot). It is the instantaneous line-of-sight velocity; the
  time derivative of delta differs from it by the factor 1 / (1 + u . v_comet / c), 1e-4.
- elongation: the Sun-observer-comet angle between the apparent (aberrated) directions of the
  Sun (with its own light time) and the comet (degrees; Horizons' S-O-T). Aberration matters
  here: it moves the angle by up to 20 arcsec. NaN for the observer "sun".
- phase: the Sun-comet-observer angle (degrees; Horizons' S-T-O), between the reversed
  apparent line of sight and the direction to the Sun seen from the comet (aberrated by the
  comet's heliocentric velocity).
- tmag: H + 5 log10 delta + 2.5 K log10 r (engine/photometry.py); NaN where H or K is unknown.

Time scales: numeric `times` are TDB Julian dates, like every time inside the engine; calendar
strings and astropy Times are converted by `encke.to_tdb_jd` (strings are UTC). Horizons'
observer tables are tabulated in UT (UTC): their JDUT column must go through UTC -> TDB (69 s
in 2024; skipping it moves a comet 0.05 au away by ~1 arcminute).

Horizons' osculating elements (the headers of its tables) are heliocentric ecliptic J2000 with
the IAU 1976 obliquity, epoch and perihelion time in TDB, GM = DE421/DE43x GMS: the same
conventions as CometaryElements, so they are used unchanged (checked: the header's ICRF
cartesian state is reproduced by our conversion, and the observer table to 0.02 arcsec).
"""
from __future__ import annotations

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from . import batching
from . import status as status_codes
from .constants import AU_KM, C_AU_PER_DAY, DAY_S
from .elements import CometaryElements
from .errors import InvalidInput
from .lighttime import emission_state
from .observers import NAIF_SUN, Observer, observer_states, resolve_observer, site_rotation, tdb_time
from .photometry import total_magnitude

# Schwarzschild radius of the Sun in au (2 GM_sun / c^2), ERFA's SRS: the gravitational term
# of erfa.ab, kept so the formula matches ERFA's to the last digit.
_SRS_AU = 1.97412574336e-8
SUN_DOWN_DEG = -0.833
TWILIGHT_DEG = {"civil": -6.0, "nautical": -12.0, "astronomical": -18.0}
_KM_S_PER_AU_DAY = AU_KM / DAY_S

QUANTITIES = ("ra", "dec", "delta", "r", "rdot", "deldot", "elongation", "phase", "tmag")


@dataclasses.dataclass(frozen=True, eq=False)
class Observation:
    """Observer ephemeris of N comets at M times (NumPy arrays).

    times: (M,) TDB Julian dates. ra, dec: (N, M) degrees, astrometric ICRF, or apparent
    (true equator and equinox of date) if `apparent`. delta, r: (N, M) au. rdot, deldot: (N, M)
    km/s. elongation, phase: (N, M) degrees. tmag: (N, M) total magnitude (NaN without H, K).
    light_time: (N, M) days. azimuth, elevation: (N, M) degrees, apparent, airless (sites only,
    else None). sun_elevation: (M,) degrees (sites only, else None). status: (N,) int32 codes
    (engine/status.py): the propagation's, or NOT_CONVERGED if the light time did not converge.
    """

    times: np.ndarray
    ra: np.ndarray
    dec: np.ndarray
    delta: np.ndarray
    r: np.ndarray
    rdot: np.ndarray
    deldot: np.ndarray
    elongation: np.ndarray
    phase: np.ndarray
    tmag: np.ndarray
    light_time: np.ndarray
    status: np.ndarray
    observer: Observer
    apparent: bool = False
    azimuth: np.ndarray | None = None
    elevation: np.ndarray | None = None
    sun_elevation: np.ndarray | None = None
    uncertainty: object = None  # sky_uncertainty.SkyUncertainty when observe() had a covariance

    def __len__(self) -> int:
        return int(self.ra.shape[0])

    @property
    def frame(self) -> str:
        return "true equator and equinox of date" if self.apparent else "ICRF"

    @property
    def sun_down(self) -> np.ndarray | None:
        """(M,) bool: the Sun's centre below -0.833 degrees (sunset), sites only."""
        return None if self.sun_elevation is None else self.sun_elevation < SUN_DOWN_DEG

    def darkness(self, twilight: str = "astronomical") -> np.ndarray:
        """(M,) bool: the Sun below -6 ("civil"), -12 ("nautical") or -18 ("astronomical")."""
        if self.sun_elevation is None:
            raise ValueError(f"observer {self.observer.name!r} is not on the Earth: no night")
        try:
            limit = TWILIGHT_DEG[twilight]
        except KeyError:
            raise InvalidInput("twilight", f"twilight: expected one of {sorted(TWILIGHT_DEG)}, got {twilight!r}") from None
        return self.sun_elevation < limit

    def as_dict(self) -> dict:
        """Plain arrays by name (for the service layer and JSON)."""
        out = {name: getattr(self, name) for name in ("times",) + QUANTITIES + ("light_time", "status")}
        if self.elevation is not None:
            out.update(azimuth=self.azimuth, elevation=self.elevation, sun_elevation=self.sun_elevation)
        return out


# ---- kernels: one comet, one time; vmapped below -------------------------------------------
def _angle(a, b):
    """Angle between two vectors (radians), accurate at 0 and pi."""
    return jnp.arctan2(jnp.linalg.norm(jnp.cross(a, b)), jnp.dot(a, b))


def aberrate(u, v_c, sun_dist_au):
    """Apply stellar aberration (ERFA `ab`, relativistic, with its gravitational term).

    u: (3,) unit vector of the natural direction; v_c: (3,) observer barycentric velocity in
    units of c; sun_dist_au: observer-Sun distance (au). Returns the proper direction (3,).
    """
    bm1 = jnp.sqrt(1.0 - jnp.dot(v_c, v_c))
    pdv = jnp.dot(u, v_c)
    w1 = 1.0 + pdv / (1.0 + bm1)
    w2 = jnp.where(sun_dist_au > 0, _SRS_AU / jnp.where(sun_dist_au > 0, sun_dist_au, 1.0), 0.0)
    p = u * bm1 + w1 * v_c + w2 * (v_c - pdv * u)
    return p / jnp.linalg.norm(p)


def _geometry_one_comet_one_time(comet, sun, obs, c=C_AU_PER_DAY):
    """One comet at one time. comet (6,), sun (9,) position, velocity, acceleration, obs (6,),
    all barycentric ICRF at the observation time (au, au/day, au/day^2)."""
    tau, cb, sb, converged = emission_state(comet, sun[:6], obs[:3])
    rho = cb[:3] - obs[:3]
    delta = jnp.linalg.norm(rho)
    u = rho / delta
    # The Sun whose light reaches the comet at emission left it r/c earlier (Horizons' r):
    # quadratic in the Sun's own motion, good to 1e-12 au for the 0.6 day involved at 50 au.
    s = tau + jnp.linalg.norm(cb[:3] - sb[:3]) / c
    sun_ret = sun[:3] - s * sun[3:6] + 0.5 * s * s * sun[6:]
    helio, hv = cb[:3] - sun_ret, cb[3:] - (sun[3:6] - s * sun[6:])
    r = jnp.linalg.norm(helio)
    rdot = jnp.dot(helio, hv) / r
    deldot = jnp.dot(u, cb[3:] - obs[3:])
    # Apparent directions: aberration by the observer's velocity, for the comet and the Sun
    # (seen with its own light time), and, seen from the comet, by the comet's heliocentric
    # velocity for the Sun: the vectors Horizons' S-O-T and S-T-O angles use.
    v_c = obs[3:] / c
    sun_seen = sun[:3] - jnp.linalg.norm(sun[:3] - obs[:3]) / c * sun[3:6] - obs[:3]
    sun_dist = jnp.linalg.norm(sun_seen)
    u_app = aberrate(u, v_c, sun_dist)
    # seen from the Sun itself (observer "sun") the Sun has no direction: elongation is NaN
    has_sun = sun_dist > 0
    sun_app = aberrate(jnp.where(has_sun, sun_seen, jnp.array([1.0, 0.0, 0.0])) / jnp.where(has_sun, sun_dist, 1.0),
                       v_c, sun_dist)
    comet_to_sun = aberrate(-helio / r, hv / c, jnp.inf)
    elongation = jnp.where(has_sun, _angle(u_app, sun_app), jnp.nan)
    return dict(u=u, u_app=u_app, sun_app=sun_app, delta=delta, r=r, rdot=rdot, deldot=deldot,
                elongation=elongation, phase=_angle(comet_to_sun, -u_app), light_time=tau, converged=converged)


def _radec(u):
    ra = jnp.degrees(jnp.arctan2(u[..., 1], u[..., 0])) % 360.0
    dec = jnp.degrees(jnp.arctan2(u[..., 2], jnp.hypot(u[..., 0], u[..., 1])))
    return ra, dec


def _azel(u_enu):
    az = jnp.degrees(jnp.arctan2(u_enu[..., 0], u_enu[..., 1])) % 360.0
    el = jnp.degrees(jnp.arctan2(u_enu[..., 2], jnp.hypot(u_enu[..., 0], u_enu[..., 1])))
    return az, el


@partial(jax.jit, static_argnames=("apparent", "horizon"))
def _kernel(comets, sun, obs, H, K, pnm, enu, apparent: bool, horizon: bool):
    """comets (N, M, 6), sun (M, 9) and obs (M, 6) barycentric ICRF; H, K (N,); pnm, enu (M, 3, 3)."""
    per_time = jax.vmap(_geometry_one_comet_one_time, in_axes=(0, 0, 0))
    g = jax.vmap(per_time, in_axes=(0, None, None))(comets, sun, obs)
    out = {k: v for k, v in g.items() if k not in ("u", "u_app", "sun_app")}
    out["tmag"] = total_magnitude(H[:, None], K[:, None], g["delta"], g["r"])
    out["rdot"] = g["rdot"] * _KM_S_PER_AU_DAY
    out["deldot"] = g["deldot"] * _KM_S_PER_AU_DAY
    out["elongation"] = jnp.degrees(g["elongation"])
    out["phase"] = jnp.degrees(g["phase"])
    u, u_app = g["u"], g["u_app"]  # (N, M, 3) astrometric ICRF; aberrated (GCRS-like)
    if apparent:
        out["ra"], out["dec"] = _radec(jnp.einsum("mij,nmj->nmi", pnm, u_app))
    else:
        out["ra"], out["dec"] = _radec(u)
    if horizon:
        out["azimuth"], out["elevation"] = _azel(jnp.einsum("mij,nmj->nmi", enu, u_app))
        _, out["sun_elevation"] = _azel(jnp.einsum("mij,mj->mi", enu, g["sun_app"][0]))
    return out


# ---- boundary ------------------------------------------------------------------------------
BUCKET_GRAIN = 8  # padded comet and time counts are multiples of this (at least this)


def _unpack_target(elements, H, K):
    """Elements and (H, K) from CometaryElements, a Catalog or one catalog Comet (the last two
    carry H and K; explicit H, K arguments win)."""
    if isinstance(elements, CometaryElements):
        return elements, H, K
    if hasattr(elements, "elements") and hasattr(elements, "column"):  # a Catalog
        catalog = elements
        H = catalog.column("H") if H is None else H
        K = catalog.column("K") if K is None else K
        return catalog.elements, H, K
    fields = ("q", "e", "i", "node", "argp", "tp", "epoch")
    if all(hasattr(elements, f) for f in fields):  # a Comet (one catalog row)
        comet = elements
        H = getattr(comet, "H", None) if H is None else H
        K = getattr(comet, "K", None) if K is None else K
        return CometaryElements(**{f: getattr(comet, f) for f in fields}), H, K
    raise TypeError(f"elements: expected CometaryElements, a Catalog or a Comet, got {type(elements).__name__}")


def _magnitude_parameter(name, value, n):
    arr = np.full(n, np.nan) if value is None else np.asarray(value, dtype=np.float64)
    try:
        return np.broadcast_to(arr, (n,)).copy()
    except ValueError:
        raise InvalidInput(name, f"{name}: shape {arr.shape} does not match {n} comets") from None


def _comet_states(elements, times, model, ephemeris, nongrav):
    """(N, M, 6) barycentric ICRF states and (N,) status codes from the propagator."""
    from .propagate import propagate

    result = propagate(elements, times, model=model, frame="icrf", center="ssb", ephemeris=ephemeris,
                       nongrav=nongrav, return_status=True)
    return np.asarray(result.states, dtype=np.float64), np.asarray(result.status, dtype=np.int32)


def observe(elements, times, observer="earth", *, model: str = "nbody", ephemeris="de421",
            H=None, K=None, apparent: bool = False, nongrav: bool = True, scale: str | None = None,
            covariance=None) -> Observation:
    """Observer ephemeris of N comets at M times.

    Args:
        elements: CometaryElements (N comets), a Catalog (its elements, H and K are used) or
            one catalog Comet.
        times: (M,) TDB Julian dates, or anything `encke.to_tdb_jd` reads (ISO date strings are
            UTC, as in Horizons' observer tables; `scale` overrides, see engine/timescales.py).
        observer: "earth" (geocentre, the default), "sun", an MPC observatory code ("G96"),
            or (lon_deg, lat_deg[, height_m]) on WGS84 (engine/observers.py).
        model: "nbody" (default) or "kepler", passed to `propagate`.
        ephemeris: "de421" (default), "de440", a .bsp path, or a loaded Ephemeris.
        H, K: (N,) or scalar magnitude parameters (MPC convention; Horizons' k1 = 2.5 K);
            override the Catalog's. Without them tmag is NaN.
        apparent: False for astrometric ICRF RA/Dec; True for apparent RA/Dec (aberration,
            precession and nutation: true equator and equinox of date).
        nongrav: apply the comets' non-gravitational parameters in N-body propagation.
        covariance: an orbit covariance or SBDB result: adds `uncertainty`, Horizons' 3-sigma
            plane-of-sky quantities (engine/sky_uncertainty.py).
    Returns:
        Observation with (N, M) arrays (see its docstring and the module docstring).
    Raises:
        ObserverError for a bad observer, EphemerisCoverageError for times outside the
        ephemeris, ValueError for bad times or magnitude parameters.
    """
    if covariance is not None:
        from .sky_uncertainty import observe_uncertainty

        obs, sky = observe_uncertainty(elements, times, covariance, observer, model=model, ephemeris=ephemeris,
                                       nongrav=nongrav, scale=scale, H=H, K=K, apparent=apparent)
        return dataclasses.replace(obs, uncertainty=sky)
    elements, H, K = _unpack_target(elements, H, K)
    t = _check_times(times, scale)
    obs_spec = resolve_observer(observer)
    eph = _ephemeris(ephemeris)
    eph.check_coverage(t)
    states, status = _comet_states(elements, t, model, eph, nongrav)
    return observe_states(states, t, obs_spec, ephemeris=eph, H=H, K=K, apparent=apparent, status=status)


def observe_states(states, times, observer="earth", *, ephemeris="de421", H=None, K=None,
                   apparent: bool = False, status=None) -> Observation:
    """Observer ephemeris from comet states already propagated to the observation times.

    states: (N, M, 6) barycentric ICRF positions and velocities (au, au/day) at `times`
    (M,) TDB Julian dates; `status` (N,) their propagation status codes (default OK). Other
    arguments as in `observe`. This is the geometry half of `observe`, for callers that hold
    states already (a cache, a server).
    """
    t = _check_times(times)
    states = np.asarray(states, dtype=np.float64)
    n, m = states.shape[0], t.size
    if states.ndim != 3 or states.shape[1:] != (m, 6):
        raise InvalidInput("states", f"states: expected shape (N, {m}, 6), got {states.shape}")
    H = _magnitude_parameter("H", H, n)
    K = _magnitude_parameter("K", K, n)
    status = np.zeros(n, np.int32) if status is None else np.asarray(status, np.int32)
    obs_spec = resolve_observer(observer)
    eph = _ephemeris(ephemeris)
    eph.check_coverage(t)
    sun = _sun_state(eph, t)
    obs_p, obs_v = observer_states(obs_spec, t, eph)
    # comets and times padded to bucket sizes (batching.py; multiples of BUCKET_GRAIN, so that
    # small calls share a few kernels) with copies of the last row, finite and harmless
    nb, mb = (batching.bucket_size(k, BUCKET_GRAIN, BUCKET_GRAIN) for k in (n, m))
    pad = batching.pad_axis
    eye = np.broadcast_to(np.eye(3), (m, 3, 3))
    pnm = _precession_nutation(t) if apparent else eye
    horizon = obs_spec.is_site
    enu = site_rotation(obs_spec, t) if horizon else eye
    out = _kernel(
        pad(pad(states, nb, 0), mb, 1), pad(sun, mb), pad(np.hstack([obs_p, obs_v]), mb),
        pad(H, nb), pad(K, nb), pad(pnm, mb), pad(enu, mb), apparent=bool(apparent), horizon=horizon,
    )
    out = {k: np.asarray(v) for k, v in out.items()}
    trim = {k: (v[:m] if v.ndim == 1 else v[:n, :m]) for k, v in out.items()}
    converged = trim.pop("converged").all(axis=1)
    status = np.where((status == status_codes.OK) & ~converged, status_codes.NOT_CONVERGED, status)
    return Observation(
        times=t, status=status.astype(np.int32), observer=obs_spec, apparent=bool(apparent),
        azimuth=trim.get("azimuth"), elevation=trim.get("elevation"), sun_elevation=trim.get("sun_elevation"),
        **{k: trim[k] for k in QUANTITIES + ("light_time",)},
    )


def _check_times(times, scale=None):
    from .timescales import to_tdb_jd

    try:
        t = np.atleast_1d(to_tdb_jd(times, scale=scale))
    except InvalidInput:
        raise
    except ValueError as exc:
        raise InvalidInput("times", str(exc)) from None
    if t.ndim != 1 or t.size == 0:
        raise InvalidInput("times", f"times: expected a non-empty 1-D array of TDB Julian dates, got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        raise InvalidInput("times", "times: every time must be a finite TDB Julian date")
    return t


def _ephemeris(ephemeris):
    from .ephemeris import Ephemeris, load_ephemeris

    return ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)


def _sun_state(eph, t):
    """(M, 9) barycentric position, velocity and acceleration of the Sun (acceleration from a
    centred difference of the ephemeris velocity over +/- 0.5 day: the Sun's acceleration
    changes on Jupiter's 12-year period, so the difference is good to 1e-5 relative)."""
    p, v = (np.asarray(a) for a in eph.state(NAIF_SUN, t))
    h = 0.5
    v_plus = np.asarray(eph.state(NAIF_SUN, t + h)[1])
    v_minus = np.asarray(eph.state(NAIF_SUN, t - h)[1])
    return np.hstack([p, v, (v_plus - v_minus) / (2 * h)])


def _precession_nutation(times_tdb_jd):
    """(M, 3, 3) ERFA pnm06a: GCRS to the true equator and equinox of date (IAU 2006/2000A)."""
    import erfa

    tt = tdb_time(times_tdb_jd).tt
    return np.asarray(erfa.pnm06a(tt.jd1, tt.jd2)).reshape(-1, 3, 3)
