"""Observer specifications and positions (engine/observers.py)."""
import erfa
import numpy as np
import pytest
from astropy.time import Time

from encke.engine.constants import AU_M, DAY_S
from encke.engine.ephemeris import load_ephemeris
from encke.engine.observers import (GEOCENTRE, HELIOCENTRE, SITE, ObserverError, observer_states,
                                    resolve_observer, site_rotation)

T = np.array([2460538.5, 2460600.25, 2461043.7])


@pytest.mark.parametrize("spec", ["earth", "500", "Geocentre", "@399"])
def test_geocentre_names(spec):
    assert resolve_observer(spec).kind == GEOCENTRE


@pytest.mark.parametrize("spec", ["sun", "@sun", "500@10"])
def test_heliocentre_names(spec):
    assert resolve_observer(spec).kind == HELIOCENTRE


def test_mpc_codes_place_known_observatories():
    """Against the observatories' published geodetic positions (to the precision of the MPC's
    parallax constants: 1e-6 Earth radii, 6 m, and their rounding of the height)."""
    g96 = resolve_observer("G96")  # Mt. Lemmon SkyCenter: 32 26 32 N, 110 47 19 W, 2791 m
    assert g96.kind == SITE and "Lemmon" in g96.name
    assert g96.lat_deg == pytest.approx(32 + 26 / 60 + 32 / 3600, abs=0.005)
    assert g96.lon_deg == pytest.approx(-(110 + 47 / 60 + 19 / 3600), abs=0.005)
    assert g96.height_m == pytest.approx(2791, abs=100)
    i11 = resolve_observer("i11")  # Gemini South, Cerro Pachon: 30 14 27 S, 70 44 12 W, 2722 m
    assert i11.lat_deg == pytest.approx(-(30 + 14 / 60 + 27 / 3600), abs=0.005)
    assert i11.lon_deg == pytest.approx(-(70 + 44 / 60 + 12 / 3600), abs=0.005)
    assert i11.height_m == pytest.approx(2722, abs=100)


def test_geodetic_sites_from_tuples_and_text():
    a = resolve_observer((-70.7366, -30.2407, 2715.0))
    b = resolve_observer("-70.7366, -30.2407, 2715")
    assert a.itrs_m == b.itrs_m
    assert np.linalg.norm(a.itrs_m) == pytest.approx(6_372_800, abs=5_000)  # geocentric radius at 30 deg
    c = resolve_observer((289.2634, -30.2407))  # east longitude past 180 wraps
    assert c.lon_deg == pytest.approx(-70.7366)


@pytest.mark.parametrize("spec, message", [
    ((0.0, 95.0), "latitude"),
    ((0.0, 10.0, 1e7), "height"),
    (("east", 10.0), "longitude"),
    ("ZZZ", "unknown MPC observatory code"),
    ("C51", "no fixed position"),
    ("the moon", "not 'earth'"),
    (42, "cannot interpret"),
])
def test_bad_observers_are_refused_with_the_reason(spec, message):
    with pytest.raises(ObserverError, match=message):
        resolve_observer(spec)


def test_observer_states():
    eph = load_ephemeris("de421")
    earth_p, earth_v = (np.asarray(a) for a in eph.state(399, T))
    p, v = observer_states("earth", T, eph)
    np.testing.assert_array_equal(p, earth_p)
    np.testing.assert_array_equal(v, earth_v)
    sun_p, _ = observer_states("sun", T, eph)
    np.testing.assert_array_equal(sun_p, np.asarray(eph.state(10, T)[0]))
    site = resolve_observer("G96")
    p, v = observer_states(site, T, eph)
    offset_m = np.linalg.norm(p - earth_p, axis=1) * AU_M
    # the GCRS offset is the ITRS vector rotated: same length
    np.testing.assert_allclose(offset_m, np.linalg.norm(site.itrs_m), atol=0.01)
    # and it moves with the Earth's rotation, omega x r (7.292115e-5 rad/s, IERS), plus a
    # precession-nutation term that is 1e-6 of it
    speed_m_s = np.linalg.norm(v - earth_v, axis=1) * AU_M / DAY_S
    np.testing.assert_allclose(speed_m_s, 7.292115e-5 * np.hypot(*site.itrs_m[:2]), rtol=1e-5)


def test_site_rotation_is_a_rotation_with_the_zenith_at_the_latitude():
    site = resolve_observer("I11")
    rot = site_rotation(site, T)
    for m in rot:
        np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-14)
        assert np.linalg.det(m) == pytest.approx(1.0)
    zenith = rot[:, 2, :]  # the "up" axis expressed in GCRS
    # in the true equator of date (ERFA pnm06a) the zenith's declination is the geodetic
    # latitude, up to polar motion (< 1 arcsec)
    tt = Time(T, format="jd", scale="tdb").tt
    zenith_of_date = np.einsum("mij,mj->mi", erfa.pnm06a(tt.jd1, tt.jd2), zenith)
    dec = np.degrees(np.arcsin(zenith_of_date[:, 2]))
    assert np.all(np.abs(dec - site.lat_deg) * 3600 < 1.0)
    with pytest.raises(ObserverError, match="no horizon"):
        site_rotation(resolve_observer("earth"), T)
