"""Covariances in, linear propagation, Monte Carlo clones and Horizons-style sky uncertainty.

The references are computed here: central finite differences through an independent
integrator (tests/engine/dop853_reference.py: scipy DOP853, SPICE-read DE421) and Monte Carlo
clones through encke's own batched propagation.
"""
import json

import numpy as np
import pytest

import encke
from encke.engine import stm
from encke.engine.covariance import make_covariance, state_covariance
from encke.engine.errors import InvalidInput
from encke.engine.sampling import sample_orbits
from encke.engine.sky_uncertainty import observe_uncertainty, sky_uncertainty
from encke.engine.sources import sbdb
from encke.engine.uncertainty import propagate_covariance

from . import dop853_reference as ref

FIXTURES = ("1P", "67P", "81P", "C_2014_UN271")


def _sbdb(shared_data, name):
    raw = json.loads((shared_data / "sbdb" / f"sbdb-{name}.json").read_text())
    return sbdb.parse_response(raw, name)


@pytest.mark.parametrize("name", FIXTURES)
def test_sbdb_covariance_matches_the_published_sigmas(shared_data, name):
    r = _sbdb(shared_data, name)
    cov = r.covariance
    assert cov is not None and cov.epoch[0] == r.elements.epoch[0]
    sd = dict(zip(cov.labels, np.sqrt(np.diag(cov.matrix[0]))))
    deg = np.pi / 180
    for label, field, factor in (("e", "e", 1), ("q", "q", 1), ("tp", "tp", 1), ("node", "node", deg),
                                 ("peri", "argp", deg), ("i", "i", deg), ("A1", "A1", 1), ("DT", "DT", 1)):
        if label in sd:
            assert sd[label] * factor == pytest.approx(r.sigmas[field], rel=1e-3), label
    if name == "1P":  # S0 is not in encke's force model: marginalised, and said so
        assert "S0" not in cov.labels and any("S0" in note for note in r.notes)


def test_bad_covariances_name_the_field():
    labels = ("e", "q", "tp")
    good = np.diag([1e-12, 1e-12, 1e-6])
    assert make_covariance(good, labels, 2460000.5).matrix.shape == (1, 3, 3)
    cases = [
        (np.eye(2), labels, "covariance"),  # wrong shape
        (good + np.triu(np.full((3, 3), 1e-7), 1), labels, "covariance"),  # not symmetric
        (np.array([[1.0, 2.0, 0], [2.0, 1.0, 0], [0, 0, 1.0]]), labels, "covariance"),  # not PSD
        (good, ("e", "q", "M"), "covariance.labels"),  # unknown label
        (good, ("e", "q", "e"), "covariance.labels"),  # repeated
        (np.eye(2), ("e", "x"), "covariance.labels"),  # cometary and Cartesian mixed
    ]
    for matrix, names, field in cases:
        with pytest.raises(InvalidInput) as info:
            make_covariance(matrix, names, 2460000.5)
        assert info.value.field == field


def test_kepler_stm_matches_central_differences(shared_data):
    el = _sbdb(shared_data, "67P").elements
    t = el.epoch[0] + np.array([-400.0, 0.0, 300.0, 2000.0])
    states, phi = stm.kepler_stm(el, t, el.epoch)
    x0 = encke.elements_to_state(el)[0]
    for k, step in enumerate([1e-6] * 3 + [1e-8] * 3):
        plus, minus = x0.copy(), x0.copy()
        plus[k] += step
        minus[k] -= step
        diff = encke.propagate(encke.state_to_elements(plus, el.epoch), t) - encke.propagate(
            encke.state_to_elements(minus, el.epoch), t)
        fd = diff[0] / (2 * step)
        assert np.abs(fd - phi[0, :, :, k]).max() < 1e-4 * np.abs(fd).max(), k


@pytest.mark.parametrize("name", ["C_2014_UN271", "81P"])
def test_nbody_stm_matches_central_differences(shared_data, name):
    """The variational equations against central differences of the same integrator: each
    parameter's 1-sigma displacement mapped by Phi, against the difference of two integrations
    stepped by +-sigma / 4, at epochs from 1.5 years before to 4 years after the epoch. 81P has
    A1, A2, A3, DT (ten tangents); C/2014 UN271 is gravity only (six)."""
    r = _sbdb(shared_data, name)
    el = r.elements
    eph = encke.load_ephemeris("de421")
    p_ecl, epoch = state_covariance(el, r.covariance)
    sigma = np.sqrt(np.diag(p_ecl[0]))
    with_nongrav = bool(sigma[6:].any())
    to_icrf = encke.engine.frames.rotation_from_ecliptic("icrf")
    s0 = encke.engine.conics.elements_to_state(el, epoch, frame="icrf") + encke.engine.frames.sun_state_ssb(
        epoch, eph, "icrf")
    params = np.stack([el.A1, el.A2, el.A3, el.DT], axis=1)
    t = epoch[0] + np.array([-550.0, 30.0, 700.0, 1460.0])
    states, phi, status = stm.nbody_stm(s0, epoch, t, params, with_nongrav=with_nongrav, ephemeris=eph)
    n_params = 10 if with_nongrav else 6
    assert status[0] == 0 and phi.shape == (1, 4, 6, n_params)
    # the ecliptic sigmas as ICRF steps: rotate the position and velocity parts
    columns = [k for k in range(10) if sigma[k] > 0]
    steps = np.zeros((len(columns), 10))
    for row, k in enumerate(columns):
        unit = np.zeros(10)
        unit[k] = sigma[k] / 4
        steps[row, :3], steps[row, 3:6], steps[row, 6:] = to_icrf @ unit[:3], to_icrf @ unit[3:6], unit[6:]
    z = np.concatenate([s0, params], axis=1)[0]
    clones = np.concatenate([z + steps, z - steps])
    res = encke.engine.nbody.propagate_states_nbody(clones[:, :6], np.full(len(clones), epoch[0]), t,
                                                    nongrav_params=clones[:, 6:], ephemeris=eph)
    m = len(columns)
    central = (res.states[:m] - res.states[m:]) * 2  # the difference per 1-sigma step
    mapped = np.einsum("mij,kj->kmi", phi[0], steps[:, :n_params] * 4)
    au_m = encke.engine.constants.AU_KM * 1e3
    error_m = np.abs(mapped[..., :3] - central[..., :3]).max() * au_m
    size_m = np.abs(central[..., :3]).max() * au_m
    # measured: UN271 5e-10 of the displacement (2 mm in 4,800 km), 81P 7e-5 (21 m in 318 km:
    # the outgassing's delay, held in the derivatives, forces.nongrav_state_jacobian)
    assert error_m < (1e-3 if with_nongrav else 1e-6) * size_m, (error_m, size_m)
    assert np.allclose(states[0], encke.engine.nbody.propagate_states_nbody(
        s0, epoch, t, nongrav_params=params, ephemeris=eph).states[0], rtol=0, atol=1e-15)


def test_bad_clone_counts_name_n(shared_data):
    r = _sbdb(shared_data, "67P")
    for n, problem in ((0, ">= 1"), (-3, ">= 1"), (1.5, "integer"), (True, "integer"), ("10", "integer"),
                       (10**12, "GiB")):  # 1e12 clones: hundreds of TiB, a clear error instead of MemoryError
        with pytest.raises(InvalidInput) as info:
            sample_orbits(r.elements, r, n)
        assert info.value.field == "n" and problem in str(info.value)
    assert len(sample_orbits(r.elements, r, np.int64(3), seed=1)) == 3


@pytest.mark.slow
def test_clones_reproduce_the_covariance(shared_data):
    r = _sbdb(shared_data, "67P")
    clones = sample_orbits(r.elements, r, 20_000, seed=7)
    assert len(clones) == 20_000
    deg = np.pi / 180
    p = np.stack([clones.e, clones.q, clones.tp, clones.node / deg, clones.argp / deg, clones.i / deg,
                  clones.A1, clones.A2, clones.A3, clones.DT], axis=1)
    sample = np.cov(p, rowvar=False)
    sd = np.sqrt(np.diag(r.covariance.matrix[0]))
    # correlations within 0.03 and standard deviations within 3% (20,000 draws: ~0.7% noise)
    assert np.allclose(np.sqrt(np.diag(sample)), sd, rtol=0.03)
    assert np.abs(sample / np.outer(sd, sd) - r.covariance.matrix[0] / np.outer(sd, sd)).max() < 0.03


@pytest.mark.slow
def test_kepler_covariance_agrees_with_monte_carlo(shared_data):
    r = _sbdb(shared_data, "67P")
    t = r.elements.epoch[0] + np.array([200.0, 1000.0])
    lin = propagate_covariance(r.elements, t, r, model="kepler", frame="icrf")
    mc = encke.propagate(sample_orbits(r.elements, r, 10_000, seed=3), t, model="kepler", frame="icrf")
    assert np.allclose(np.sqrt(np.einsum("mii->mi", lin.covariance[0])), mc.std(axis=0), rtol=0.05)


def test_state_covariance_from_cartesian_equals_input():
    el = encke.CometaryElements(q=1.2, e=0.6, i=0.2, node=1.0, argp=2.0, tp=2460000.5, epoch=2460100.5)
    c = np.diag([1e-12, 2e-12, 3e-12, 1e-16, 2e-16, 3e-16])
    cov = make_covariance(c, ("x", "y", "z", "vx", "vy", "vz"), 2460100.5)
    p, epoch = state_covariance(el, cov)
    assert np.array_equal(p[0, :6, :6], c) and epoch[0] == 2460100.5


def test_theta_is_the_position_angle_of_the_major_axis():
    # an ellipse elongated toward the north-east at 30 degrees from north
    ang = np.radians(30.0)
    major = np.array([np.sin(ang), np.cos(ang)])  # (east, north)
    minor = np.array([np.cos(ang), -np.sin(ang)])
    sky = 4e-12 * np.outer(major, major) + 1e-12 * np.outer(minor, minor)  # rad^2
    east, north = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])  # at RA = Dec = 0
    basis = np.stack([east, north])
    pos_cov = np.zeros((1, 1, 6, 6))
    pos_cov[0, 0, :3, :3] = basis.T @ sky @ basis  # delta = 1 au
    s = sky_uncertainty(np.zeros((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 1)), pos_cov)
    arcsec = 180 / np.pi * 3600
    assert s.theta_deg[0, 0] == pytest.approx(30.0)
    assert s.smaa_3sigma_arcsec[0, 0] == pytest.approx(3 * 2e-6 * arcsec)
    assert s.smia_3sigma_arcsec[0, 0] == pytest.approx(3 * 1e-6 * arcsec)


def _reference_radec(elements, t_obs):
    """(RA cos Dec, Dec) radians of the comet seen from the geocentre at t_obs, through DOP853
    (light time iterated)."""
    sol = ref.integrate(ref.initial_state(elements), float(elements.epoch[0]), t_obs, dense=True)
    earth = ref.body_state(399, t_obs)[:3]
    tau = 0.0
    for _ in range(4):
        d = sol.sol(t_obs - tau)[:3] - earth
        tau = np.linalg.norm(d) / encke.engine.constants.C_AU_PER_DAY
    return np.arctan2(d[1], d[0]), np.arcsin(d[2] / np.linalg.norm(d))


@pytest.mark.slow
def test_sky_uncertainty_against_independent_differences_and_monte_carlo(shared_data):
    """C/2014 UN271 (gravity only, a 15-year arc): linear RA/Dec 3-sigma within 5% of central
    differences through DOP853 and of 10,000 clones through encke's N-body propagation."""
    r = _sbdb(shared_data, "C_2014_UN271")
    t_obs = float(r.elements.epoch[0]) + 500.0
    obs, sky = observe_uncertainty(r.elements, [t_obs], r, model="nbody")

    cov = r.covariance
    jac = np.zeros((2, len(cov.labels)))
    sd = np.sqrt(np.diag(cov.matrix[0]))
    deg = np.pi / 180
    fields = {"e": ("e", 1), "q": ("q", 1), "tp": ("tp", 1), "node": ("node", deg), "peri": ("argp", deg),
              "i": ("i", deg)}
    ra0, _ = _reference_radec(r.elements, t_obs)
    for k, label in enumerate(cov.labels):
        name, factor = fields[label]
        out = []
        for sign in (1, -1):
            el = r.elements.replace(**{name: getattr(r.elements, name) + sign * sd[k] * factor})
            ra, dec = _reference_radec(el, t_obs)
            out.append((np.cos(dec) * np.angle(np.exp(1j * (ra - ra0))), dec))
        jac[:, k] = (np.array(out[0]) - np.array(out[1])) / (2 * sd[k])
    s = jac @ cov.matrix[0] @ jac.T
    arcsec = 180 / np.pi * 3600
    fd_ra, fd_dec = 3 * np.sqrt(s[0, 0]) * arcsec, 3 * np.sqrt(s[1, 1]) * arcsec
    assert sky.ra_3sigma_arcsec[0, 0] == pytest.approx(fd_ra, rel=0.05)
    assert sky.dec_3sigma_arcsec[0, 0] == pytest.approx(fd_dec, rel=0.05)

    clones = sample_orbits(r.elements, r, 10_000, seed=11)
    mc = encke.observe(clones, [t_obs], model="nbody")
    dra = np.angle(np.exp(1j * np.radians(mc.ra[:, 0] - obs.ra[0, 0]))) * np.cos(np.radians(mc.dec[:, 0]))
    mc_ra, mc_dec = 3 * dra.std() * arcsec, 3 * np.radians(mc.dec[:, 0]).std() * arcsec
    assert sky.ra_3sigma_arcsec[0, 0] == pytest.approx(mc_ra, rel=0.05)
    assert sky.dec_3sigma_arcsec[0, 0] == pytest.approx(mc_dec, rel=0.05)
    mc_range = 3 * mc.delta[:, 0].std() * encke.engine.constants.AU_KM
    assert sky.range_3sigma_km[0, 0] == pytest.approx(mc_range, rel=0.05)


def test_propagate_and_observe_take_a_covariance(shared_data):
    r = _sbdb(shared_data, "67P")
    t = r.elements.epoch[0] + np.array([10.0, 400.0])
    out = encke.propagate(r.elements, t, model="kepler", frame="icrf", covariance=r)
    lin = propagate_covariance(r.elements, t, r, model="kepler", frame="icrf")
    assert out.covariance.shape == (1, 2, 6, 6) and np.array_equal(out.covariance, lin.covariance)
    assert np.allclose(out.states, encke.propagate(r.elements, t, model="kepler", frame="icrf"), rtol=0, atol=1e-12)
    obs = encke.observe(r.elements, t, model="kepler", covariance=r)
    _, sky = observe_uncertainty(r.elements, t, r, model="kepler")
    assert np.array_equal(obs.uncertainty.smaa_3sigma_arcsec, sky.smaa_3sigma_arcsec)
    assert encke.observe(r.elements, t, model="kepler").uncertainty is None
