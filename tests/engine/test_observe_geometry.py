"""Observer geometry on given states: light time, aberration, apparent places, horizon.

References: SPICE prop2b (two-body), bisection on the light-time equation (brute force),
ERFA's ab, and astropy's own ICRS -> TETE / AltAz transformations.
"""
import erfa
import jax
import numpy as np
import pytest
import spiceypy
from astropy import units as u
from astropy.coordinates import (AltAz, CartesianRepresentation, EarthLocation, ICRS, SkyCoord, TETE,
                                 get_body)
from astropy.time import Time

from encke.engine import status
from encke.engine.constants import AU_M, C_AU_PER_DAY, GM_SUN
from encke.engine.ephemeris import load_ephemeris
from encke.engine.kepler import state_after
from encke.engine.lighttime import emission_state
from encke.engine.observe import aberrate, observe_states
from encke.engine.observers import observer_states, offline_iers

T = np.array([2460538.5, 2460560.25, 2460600.7])  # TDB JD, 2024 Aug-Oct


@pytest.fixture(scope="module")
def eph():
    return load_ephemeris("de421")


def _bary(eph, naif, t):
    p, v = eph.state(naif, np.asarray(t, dtype=np.float64))
    return np.hstack([np.asarray(p), np.asarray(v)])


# ---- two-body step --------------------------------------------------------------------------
REGIMES = {  # (q au, e): circular, elliptic, sungrazer near-parabolic, parabola, hyperbolic, distant
    "circular": (1.0, 0.0), "elliptic": (1.0, 0.5), "sungrazer": (0.005, 0.99995),
    "parabola": (0.9, 1.0), "hyperbola": (1.2, 1.2), "strong hyperbola": (2.0, 5.0), "distant": (46.0, 0.995),
}


@pytest.mark.parametrize("regime", REGIMES)
def test_kepler_step_matches_spice_prop2b(regime):
    q, e = REGIMES[regime]
    step = jax.jit(lambda r, v, dt: state_after(r, v, dt, GM_SUN))
    for t_from_peri in (0.0, 3.0, -40.0):
        s0 = spiceypy.conics([q, e, 0.3, 1.0, 2.0, 0.0, 0.0, GM_SUN], t_from_peri)
        for dt in (-1e-4, -0.03, -0.6, 0.5):
            ref = spiceypy.prop2b(GM_SUN, s0, dt)
            r, v, converged = step(np.array(s0[:3]), np.array(s0[3:]), dt)
            assert bool(converged)
            tol_m = 1e-3 + 4 * np.finfo(float).eps * np.linalg.norm(ref[:3]) * AU_M
            assert np.linalg.norm(np.asarray(r) - ref[:3]) * AU_M < tol_m, (regime, t_from_peri, dt)
            assert np.linalg.norm(np.asarray(v) - ref[3:]) * AU_M / 86400 < 1e-6  # m/s


# ---- light time against brute force ---------------------------------------------------------
def _bisect(f, lo, hi):
    """Root of f in [lo, hi] by bisection down to adjacent floats (f changes sign)."""
    f_lo = f(lo)
    assert f_lo * f(hi) < 0
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        f_mid = f(mid)
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid


def _comet_near(eph, t, offset_au, v_helio):
    """A comet at `offset_au` (3,) from the Earth at t, with heliocentric velocity v_helio."""
    earth, sun = _bary(eph, 399, t), _bary(eph, 10, t)
    helio = np.hstack([earth[:3] + offset_au - sun[:3], v_helio])
    return helio, earth, sun


def _sungrazer(eph, t):
    """A Kreutz-like sungrazer at perihelion (q = 0.0055 au, e = 0.99995), 600 km/s."""
    earth, sun = _bary(eph, 399, t), _bary(eph, 10, t)
    q, e = 0.0055, 0.99995
    helio = np.array([0.0, q, 0.0, -np.sqrt(GM_SUN * (1 + e) / q), 0.0, 0.0])
    return helio, earth, sun


@pytest.mark.parametrize("case", ["delta 0.05 au", "delta 30 au", "sungrazer at perihelion"])
def test_light_time_against_brute_force(eph, case):
    t = 2460560.25
    if case == "sungrazer at perihelion":
        helio, earth, sun = _sungrazer(eph, t)
    else:
        offset = np.array([0.03, -0.02, 0.0332]) if case == "delta 0.05 au" else np.array([3.9, -1.37, -29.7])
        helio, earth, sun = _comet_near(eph, t, offset, np.array([0.012, -0.004, 0.006]))

    def brute(sun_at):
        def f(tau):
            back = spiceypy.prop2b(GM_SUN, helio, -tau)[:3]
            return np.linalg.norm(back + sun_at(tau) - earth[:3]) - C_AU_PER_DAY * tau

        tau0 = np.linalg.norm(helio[:3] + sun[:3] - earth[:3]) / C_AU_PER_DAY
        tau = _bisect(f, 0.9 * tau0, 1.1 * tau0)
        return tau, spiceypy.prop2b(GM_SUN, helio, -tau)[:3] + sun_at(tau)

    comet = np.hstack([helio[:3] + sun[:3], helio[3:] + sun[3:]])
    tau, cb, _, converged = jax.jit(emission_state)(comet, sun, earth[:3])
    assert bool(converged)
    # Our model (Sun stepped back linearly, engine/lighttime.py), solved by bisection: to 1 mm.
    tau_ref, x_ref = brute(lambda tau: sun[:3] - tau * sun[3:])
    assert abs(float(tau) - tau_ref) * C_AU_PER_DAY * AU_M < 1e-3
    assert np.linalg.norm(np.asarray(cb[:3]) - x_ref) * AU_M < 1e-3
    # The equation itself holds to 1 mm of light path.
    assert abs(np.linalg.norm(np.asarray(cb[:3]) - earth[:3]) - C_AU_PER_DAY * float(tau)) * AU_M < 1e-3
    # With the Sun's true path the brute force differs by at most 0.5 a_sun tau^2 (a_sun <= 1.2e-8
    # au/day^2): the bound stated in lighttime.py.
    tau_true, x_true = brute(lambda tau: _bary(eph, 10, t - tau)[:3])
    assert np.linalg.norm(np.asarray(cb[:3]) - x_true) < 0.5 * 1.2e-8 * tau_true**2 + 1e-14


def test_observe_states_geometry_against_direct_vectors(eph):
    """delta, r, rdot, deldot, elongation and phase from vectors built here with SPICE prop2b,
    the ephemeris and ERFA's ab, following the definitions in engine/observe.py."""
    helio, earth, sun = _comet_near(eph, T[1], np.array([0.4, 0.3, -0.2]), np.array([0.01, 0.013, -0.002]))
    comet = np.hstack([helio[:3] + sun[:3], helio[3:] + sun[3:]])
    obs = observe_states(comet[None, None, :], T[1:2], "earth", ephemeris=eph, H=10.0, K=4.0)
    tau = float(obs.light_time[0, 0])
    back = spiceypy.prop2b(GM_SUN, helio, -tau)
    sun_b = sun[:3] - tau * sun[3:]
    xc, vc = back[:3] + sun_b, back[3:] + sun[3:]
    rho = xc - earth[:3]
    assert abs(obs.delta[0, 0] - np.linalg.norm(rho)) * AU_M < 1e-3
    # r: to the Sun at t - tau - r/c (taken from the ephemeris directly)
    r_lt = np.linalg.norm(back[:3]) / C_AU_PER_DAY
    sun_r = _bary(eph, 10, T[1] - tau - r_lt)
    h, hv = xc - sun_r[:3], vc - sun_r[3:]
    assert abs(obs.r[0, 0] - np.linalg.norm(h)) * AU_M < 1.0
    km_s = AU_M / 1e3 / 86400
    assert abs(obs.rdot[0, 0] - h @ hv / np.linalg.norm(h) * km_s) < 1e-6
    u_los = rho / np.linalg.norm(rho)
    assert abs(obs.deldot[0, 0] - u_los @ (vc - earth[3:]) * km_s) < 1e-6
    # elongation between the aberrated comet and Sun directions
    sun_seen = sun[:3] - np.linalg.norm(sun[:3] - earth[:3]) / C_AU_PER_DAY * sun[3:] - earth[:3]
    d_sun = np.linalg.norm(sun_seen)
    bm1 = np.sqrt(1 - (earth[3:] / C_AU_PER_DAY) @ (earth[3:] / C_AU_PER_DAY))
    u_app = erfa.ab(u_los, earth[3:] / C_AU_PER_DAY, d_sun, bm1)
    s_app = erfa.ab(sun_seen / d_sun, earth[3:] / C_AU_PER_DAY, d_sun, bm1)
    assert abs(obs.elongation[0, 0] - np.degrees(np.arccos(u_app @ s_app))) < 1e-8
    # phase: Sun seen from the comet (aberrated by the comet's heliocentric velocity), observer
    v_rel = hv / C_AU_PER_DAY
    to_sun = erfa.ab(-h / np.linalg.norm(h), v_rel, 1e30, np.sqrt(1 - v_rel @ v_rel))
    assert abs(obs.phase[0, 0] - np.degrees(np.arccos(to_sun @ -u_app))) < 1e-8
    assert obs.tmag[0, 0] == pytest.approx(10.0 + 5 * np.log10(obs.delta[0, 0]) + 10.0 * np.log10(obs.r[0, 0]),
                                           abs=1e-12)
    assert obs.status.tolist() == [status.OK]


def test_deldot_is_the_derivative_of_delta(eph):
    """d(delta)/dt from a centred difference over +/- 300 s (two-body motion) equals
    deldot / (1 + u.v_comet/c) (see engine/observe.py).

    A float64 JD resolves 40 us (the Earth moves 1 m in that), so the difference is good to
    ~1e-5 km/s; the light-time factor it checks is ~1e-3 km/s here."""
    helio, _, sun = _comet_near(eph, T[1], np.array([0.2, -0.1, 0.15]), np.array([0.011, -0.009, 0.004]))
    h = 300.0 / 86400
    times = T[1] + np.array([-h, 0.0, h])
    states = []
    for t in times:
        s = spiceypy.prop2b(GM_SUN, helio, t - T[1])
        states.append(s + _bary(eph, 10, t))
    obs = observe_states(np.array(states)[None], times, "earth", ephemeris=eph)
    numeric_km_s = (obs.delta[0, 2] - obs.delta[0, 0]) / (2 * h) * AU_M / 1e3 / 86400
    ra, dec = np.radians(obs.ra[0, 1]), np.radians(obs.dec[0, 1])
    u_los = np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    factor = 1 + u_los @ states[1][3:] / C_AU_PER_DAY
    assert abs(obs.deldot[0, 1] / factor - numeric_km_s) < 1e-5  # km/s
    assert abs(obs.deldot[0, 1] - numeric_km_s) > 1e-4  # the factor is resolved


# ---- apparent places and the horizon --------------------------------------------------------
def test_aberration_matches_erfa_ab():
    rng = np.random.default_rng(7)
    for _ in range(20):
        p = rng.normal(size=3)
        p /= np.linalg.norm(p)
        v = rng.normal(size=3) * 1e-4
        s = rng.uniform(0.5, 1.5)
        ours = np.asarray(aberrate(p, v, s))
        ref = erfa.ab(p, v, s, np.sqrt(1 - v @ v))
        assert np.max(np.abs(ours - ref)) < 1e-15


def _synthetic_states(eph):
    """Two comets at each time of T: one 0.3 au from the Earth, one 46 au away."""
    earth = _bary(eph, 399, T)
    states = np.zeros((2, T.size, 6))
    states[0, :, :3] = earth[:, :3] + np.array([0.2, -0.1, 0.2])
    states[0, :, 3:] = earth[:, 3:] + np.array([0.01, 0.005, -0.003])
    states[1, :, :3] = earth[:, :3] + np.array([3.9, -1.37, -46.2])
    states[1, :, 3:] = np.array([3.7e-4, -5.8e-4, -3.25e-3])
    return states


def _emission_positions(eph, obs):
    """Barycentric positions at emission, rebuilt from our astrometric RA/Dec and delta."""
    p, _ = observer_states(obs.observer, obs.times, eph)
    ra, dec = np.radians(obs.ra), np.radians(obs.dec)
    unit = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], -1)
    return p[None] + unit * obs.delta[..., None]


def _sep_arcsec(ra1, dec1, ra2, dec2):
    c1 = SkyCoord(ra1 * u.deg, dec1 * u.deg)
    return c1.separation(SkyCoord(ra2 * u.deg, dec2 * u.deg)).to_value(u.arcsec)


@pytest.mark.parametrize("observer", ["500", "G96"])
def test_apparent_radec_matches_astropy_tete(eph, observer):
    """astropy's ICRS -> TETE (aberration, deflection, IAU 2006/2000A) of our emission-time
    positions: agree to 0.03 arcsec (astropy's built-in Earth ephemeris differs from DE421 by a
    few km, 0.02 arcsec seen from 0.3 au; deflection is ~3 mas here)."""
    states = _synthetic_states(eph)
    astrometric = observe_states(states, T, observer, ephemeris=eph)
    apparent = observe_states(states, T, observer, ephemeris=eph, apparent=True)
    assert apparent.frame == "true equator and equinox of date" and astrometric.frame == "ICRF"
    xb = _emission_positions(eph, astrometric)
    site = apparent.observer
    loc = (EarthLocation.from_geocentric(0, 0, 0, unit=u.m) if not site.is_site
           else EarthLocation.from_geocentric(*site.itrs_m, unit=u.m))
    tt = Time(T, format="jd", scale="tdb")
    with offline_iers():
        for k in range(2):
            coord = SkyCoord(CartesianRepresentation(xb[k].T * u.au), frame=ICRS())
            ref = coord.transform_to(TETE(obstime=tt, location=loc))
            sep = _sep_arcsec(apparent.ra[k], apparent.dec[k], ref.ra.deg, ref.dec.deg)
            assert np.all(sep < 0.03), (k, sep)
            # and aberration + precession really moved the place (by arcminutes)
            assert np.all(_sep_arcsec(apparent.ra[k], apparent.dec[k], astrometric.ra[k], astrometric.dec[k]) > 20)


def test_azimuth_elevation_and_sun_match_astropy_altaz(eph):
    states = _synthetic_states(eph)
    obs = observe_states(states, T, "G96", ephemeris=eph)
    xb = _emission_positions(eph, obs)
    loc = EarthLocation.from_geocentric(*obs.observer.itrs_m, unit=u.m)
    tt = Time(T, format="jd", scale="tdb")
    with offline_iers():
        frame = AltAz(obstime=tt, location=loc, pressure=0 * u.hPa)
        for k in range(2):
            ref = SkyCoord(CartesianRepresentation(xb[k].T * u.au), frame=ICRS()).transform_to(frame)
            sep = _sep_arcsec(obs.azimuth[k], obs.elevation[k], ref.az.deg, ref.alt.deg)
            assert np.all(sep < 0.03), (k, sep)
        sun = get_body("sun", tt, loc).transform_to(frame)
    assert np.all(np.abs(obs.sun_elevation - sun.alt.deg) * 3600 < 0.5)
    assert obs.sun_down.tolist() == (sun.alt.deg < -0.833).tolist()
    assert obs.darkness("astronomical").tolist() == (sun.alt.deg < -18).tolist()
    assert obs.sun_elevation.min() < -18 < 0 < obs.sun_elevation.max()  # the times span day and night


def test_geocentre_has_no_horizon(eph):
    obs = observe_states(_synthetic_states(eph), T, "earth", ephemeris=eph)
    assert obs.azimuth is None and obs.sun_elevation is None and obs.sun_down is None
    with pytest.raises(ValueError, match="not on the Earth"):
        obs.darkness()
    d = obs.as_dict()
    assert set(d) == {"times", "ra", "dec", "delta", "r", "rdot", "deldot", "elongation", "phase", "tmag",
                      "light_time", "status"}
    assert d["ra"].shape == (2, T.size) and np.all(np.isnan(d["tmag"]))  # no H, K given
    site = observe_states(_synthetic_states(eph), T, "G96", ephemeris=eph)
    assert {"azimuth", "elevation", "sun_elevation"} <= set(site.as_dict())
    with pytest.raises(ValueError, match="twilight"):
        site.darkness("pitch black")


def test_heliocentric_observer_sees_r_equal_delta(eph):
    obs = observe_states(_synthetic_states(eph), T, "sun", ephemeris=eph, apparent=True)
    # from the Sun delta and r differ only by the Sun's motion over r/c (Horizons' r uses the
    # Sun at t - tau - r/c): v_sun 2 tau < 1e-5 au/day x 0.6 day
    assert np.all(np.abs(obs.delta - obs.r) < 6e-6)
    assert np.all(np.isfinite(obs.ra)) and np.all(np.isfinite(obs.dec))
    assert np.all(obs.phase < 0.01)  # Sun and observer coincide, up to aberration (v/c)
    assert np.all(np.isnan(obs.elongation))


def test_batch_invariants(eph):
    """Each comet alone equals the batch; order does not matter; no retrace for a new N
    inside the same bucket."""
    from encke.engine.observe import _kernel

    states = _synthetic_states(eph)
    both = observe_states(states, T, "earth", ephemeris=eph)
    swapped = observe_states(states[::-1], T, "earth", ephemeris=eph)
    np.testing.assert_array_equal(both.ra, swapped.ra[::-1])
    for k in range(2):
        alone = observe_states(states[k:k + 1], T, "earth", ephemeris=eph)
        np.testing.assert_array_equal(alone.delta[0], both.delta[k])
    before = _kernel._cache_size()
    observe_states(np.concatenate([states, states[:1]]), T[:3], "earth", ephemeris=eph)  # N=3 -> bucket 4
    observe_states(np.concatenate([states, states]), T[:3], "earth", ephemeris=eph)  # N=4 -> bucket 4
    assert _kernel._cache_size() - before <= 1


def test_bad_input_names_the_field(eph):
    states = _synthetic_states(eph)
    with pytest.raises(ValueError, match="states"):
        observe_states(states[:, :2], T, "earth", ephemeris=eph)
    with pytest.raises(ValueError, match="times"):
        observe_states(states, np.array([T[0], np.nan, T[2]]), "earth", ephemeris=eph)
    with pytest.raises(ValueError, match="H"):
        observe_states(states, T, "earth", ephemeris=eph, H=[1.0, 2.0, 3.0])
    from encke.engine.ephemeris import EphemerisCoverageError

    with pytest.raises(EphemerisCoverageError):
        observe_states(states, T + 60000.0, "earth", ephemeris=eph)
