"""Elements <-> state conversion: JPL Horizons references, round trips and edge cases."""
import math

import numpy as np
import pandas as pd
import pytest

from encke.engine.conics import _elements_to_state_kernel, elements_to_state, perifocal_basis, state_to_elements
from encke.engine.constants import AU_M, DAY_S, GM_SUN, GM_SUN_DE440, J2000_JD
from encke.engine.elements import CometaryElements

DEG = math.pi / 180.0
STATE_COLUMNS = ["x", "y", "z", "vx", "vy", "vz"]


def _horizons(shared_data, name):
    df = pd.read_csv(shared_data / "horizons" / f"adam_core_e56d4b7_elements_{name}.csv")
    assert len(df) == 28
    return df


def _elements(df):
    # Horizons tabulates tp and the epoch as MJD. The conversion depends only on t - tp, so
    # both stay MJD here: as JD (2.46e6) float64 resolves only 40 us, which is 1 m at 30 km/s.
    return CometaryElements(q=df.q.values, e=df.e.values, i=df.incl.values * DEG, node=df.Omega.values * DEG,
                            argp=df.w.values * DEG, tp=df.tp_mjd.values, epoch=df.mjd_tdb.values)


# These Horizons tables (adam_core e56d4b7, DE441 era) were made with DE440's GM_sun: their
# own n and P columns imply GM = 0.29591220828412e-3 (5.0e-12 below DE421's), and with DE421's
# value the outer objects' states miss by up to 17 m. With DE440's every object is within 0.52 m.
MU = GM_SUN_DE440


@pytest.mark.parametrize("name, frame", [("sun_ec", "ecliptic"), ("sun_eq", "icrf")])
def test_elements_to_state_matches_horizons(shared_data, name, frame):
    # The element columns of both files are ecliptic (the _eq file's elements are relative to
    # the equator), so the ecliptic elements of the _ec file feed both, with frame choosing axes.
    el = _elements(_horizons(shared_data, "sun_ec"))
    ref = _horizons(shared_data, name)[STATE_COLUMNS].values
    states = elements_to_state(el, mu=MU, frame=frame)
    dp_m = np.linalg.norm(states[:, :3] - ref[:, :3], axis=1) * AU_M
    dv_mm_s = np.linalg.norm(states[:, 3:] - ref[:, 3:], axis=1) * AU_M / DAY_S * 1e3
    assert dp_m.max() <= 1.0, dp_m
    assert dv_mm_s.max() <= 1.0, dv_mm_s


def test_state_to_elements_matches_horizons(shared_data):
    df = _horizons(shared_data, "sun_ec")
    el = state_to_elements(df[STATE_COLUMNS].values, df.mjd_tdb.values, mu=MU)
    wrap = lambda d: (d + math.pi) % (2 * math.pi) - math.pi  # noqa: E731
    assert np.abs(el.q - df.q.values).max() <= 1e-9
    assert np.abs(el.e - df.e.values).max() <= 1e-9
    assert np.abs(el.i - df.incl.values * DEG).max() <= 1e-9
    assert np.abs(wrap(el.node - df.Omega.values * DEG)).max() <= 1e-9
    assert np.abs(wrap(el.argp - df.w.values * DEG)).max() <= 1e-9
    assert np.abs(el.tp - df.tp_mjd.values).max() <= 1e-9  # days
    np.testing.assert_array_equal(el.epoch, df.mjd_tdb.values)
    # The same from ICRF states.
    eq = _horizons(shared_data, "sun_eq")
    el_eq = state_to_elements(eq[STATE_COLUMNS].values, eq.mjd_tdb.values, mu=MU, frame="icrf")
    assert np.abs(el_eq.i - df.incl.values * DEG).max() <= 1e-9
    assert np.abs(el_eq.tp - df.tp_mjd.values).max() <= 1e-9


def _random_elements(rng, n):
    e = np.concatenate([np.zeros(n // 6), rng.uniform(0, 0.999, n // 6), np.ones(n // 6),
                        1 + rng.uniform(-1e-8, 1e-8, n // 6), rng.uniform(1, 10, n - 4 * (n // 6) - n // 6),
                        1 - 10 ** rng.uniform(-8, -3, n // 6)])
    n = e.size
    return CometaryElements(q=10 ** rng.uniform(-2, 1.7, n), e=e, i=rng.uniform(0.01, math.pi - 0.01, n),
                            node=rng.uniform(0, 2 * math.pi, n), argp=rng.uniform(0, 2 * math.pi, n),
                            tp=J2000_JD + rng.uniform(-20, 20, n) * 365.25)


def test_state_elements_state_round_trip():
    rng = np.random.default_rng(11)
    el = _random_elements(rng, 3000)
    # Times count from the state's epoch (t = 0; only t - tp matters): a JD near 2.45e6 holds
    # tp only to 40 us, which alone moves a sungrazer by 1e-8 of its distance.
    el = el.replace(tp=-rng.uniform(-3000, 3000, len(el)))
    t = np.zeros(len(el))
    states = elements_to_state(el, t)
    back = state_to_elements(states, t)
    again = elements_to_state(back)  # at back.epoch == t
    scale = np.linalg.norm(states[:, :3], axis=1)
    vscale = np.linalg.norm(states[:, 3:], axis=1)
    dp = np.linalg.norm(again[:, :3] - states[:, :3], axis=1) / scale
    dv = np.linalg.norm(again[:, 3:] - states[:, 3:], axis=1) / vscale
    # A state far out on a hyperbola has r and v nearly parallel: rounding the state by eps
    # moves its angular momentum (hence q, e) by eps |r||v|/|r x v|. That condition number
    # (up to 8e4 here: q = 0.01 au at 1000 au) widens the 1e-12 bound where it matters.
    kappa = scale * vscale / np.linalg.norm(np.cross(states[:, :3], states[:, 3:]), axis=1)
    tol = 1e-12 + 1e-15 * kappa
    assert np.all(dp <= tol) and np.all(dv <= tol), (dp.max(), dv.max())
    assert dp[kappa < 10].max() <= 1e-12  # the flat bound wherever the state is well conditioned


def test_elements_round_trip_recovers_elements():
    rng = np.random.default_rng(12)
    el = _random_elements(rng, 600)
    el = el.replace(tp=-rng.uniform(-300, 300, len(el)))
    t = np.zeros(len(el))
    back = state_to_elements(elements_to_state(el, t), t)
    assert np.allclose(back.q, el.q, rtol=1e-12, atol=0)
    assert np.allclose(back.i, el.i, rtol=0, atol=1e-12)
    # e and tp are conditioned by the orbit; compare as perihelion positions instead.
    p_in = np.asarray(perifocal_basis(el.i, el.node, el.argp)[0])
    p_out = np.asarray(perifocal_basis(back.i, back.node, back.argp)[0])
    open_or_eccentric = el.e > 1e-6
    assert np.abs(p_in - p_out)[open_or_eccentric].max() <= 1e-9
    assert np.abs(back.e - el.e).max() <= 1e-12 * 10


@pytest.mark.parametrize("e", [0.0, 0.5, 1.0, 1.0 - 1e-9, 1.0 + 1e-9, 3.0])
def test_perihelion_state(e):
    """At t = tp the state is q along P with speed sqrt(mu (1 + e)/q) along Q."""
    q, i, node, argp = 0.7, 0.4, 1.1, 2.3
    el = CometaryElements(q=q, e=e, i=i, node=node, argp=argp, tp=J2000_JD)
    s = elements_to_state(el, J2000_JD)[0]
    # The basis by libm's sine and cosine: the engine's own (polynomials, in a jitted kernel)
    # must agree with it to the last bit or two.
    cw, sw, cn, sn, ci, si = math.cos(argp), math.sin(argp), math.cos(node), math.sin(node), math.cos(i), math.sin(i)
    p = np.array([cw * cn - sw * sn * ci, cw * sn + sw * cn * ci, sw * si])
    qv = np.array([-sw * cn - cw * sn * ci, -sw * sn + cw * cn * ci, cw * si])
    np.testing.assert_allclose(np.asarray(perifocal_basis(i, node, argp)[0]), p, rtol=0, atol=3e-16)
    np.testing.assert_allclose(s[:3], q * p, rtol=0, atol=1e-15)
    np.testing.assert_allclose(s[3:], math.sqrt(GM_SUN * (1 + e) / q) * qv, rtol=0, atol=1e-17)


def test_circular_and_equatorial_orbits_get_conventional_angles():
    # Circular, inclined: argp = 0, perihelion at the ascending node.
    s = elements_to_state(CometaryElements(q=1.0, e=0.0, i=0.3, node=0.5, argp=0.0, tp=J2000_JD), J2000_JD + 40)
    el = state_to_elements(s, J2000_JD + 40)
    assert el.e[0] < 1e-14 and abs(el.argp[0]) < 1e-12 and abs(el.node[0] - 0.5) < 1e-12
    assert abs(el.tp[0] - J2000_JD) < 1e-8
    # Equatorial, eccentric: node = 0, argp is the longitude of perihelion.
    s = elements_to_state(CometaryElements(q=1.0, e=0.3, i=0.0, node=0.0, argp=1.2, tp=J2000_JD), J2000_JD + 10)
    el = state_to_elements(s, J2000_JD + 10)
    assert el.i[0] == 0.0 and el.node[0] == 0.0 and abs(el.argp[0] - 1.2) < 1e-12


def test_elements_to_state_defaults_to_the_epoch_and_names_bad_objects():
    el = CometaryElements(q=[1.0, 1.0], e=[0.1, 0.2], i=0.1, node=0.2, argp=0.3, tp=J2000_JD,
                          epoch=[J2000_JD + 5, J2000_JD + 9])
    np.testing.assert_array_equal(elements_to_state(el), elements_to_state(el, [J2000_JD + 5, J2000_JD + 9]))
    with pytest.raises(ValueError, match=r"epoch is unknown.*\[1\]"):
        elements_to_state(el.replace(epoch=np.array([J2000_JD, np.nan])))
    with pytest.raises(ValueError, match=r"index\(es\) \[0\]"):
        elements_to_state(el.replace(q=np.array([-1.0, 1.0])), J2000_JD)
    with pytest.raises(ValueError, match="frame"):
        elements_to_state(el, J2000_JD, frame="galactic")
    with pytest.raises(ValueError, match="mu"):
        elements_to_state(el, J2000_JD, mu=-1.0)


def test_state_to_elements_rejects_bad_states():
    with pytest.raises(ValueError, match="shape"):
        state_to_elements(np.zeros((3, 5)), J2000_JD)
    with pytest.raises(ValueError, match=r"not finite in row\(s\) \[1\]"):
        state_to_elements(np.array([[1, 0, 0, 0, 0.017, 0], [np.nan, 0, 0, 0, 0.017, 0]]), J2000_JD)
    with pytest.raises(ValueError, match="angular momentum"):
        state_to_elements(np.array([1.0, 0, 0, 0.01, 0, 0]), J2000_JD)


def test_elements_to_state_reuses_one_program_per_bucket():
    rng = np.random.default_rng(12)

    def batch(n):
        return CometaryElements(q=rng.uniform(0.5, 5, n), e=rng.uniform(0, 2, n), i=rng.uniform(0, 3, n),
                                node=rng.uniform(0, 6, n), argp=rng.uniform(0, 6, n),
                                tp=J2000_JD + rng.uniform(-1e4, 1e4, n), epoch=np.full(n, J2000_JD))

    elements_to_state(batch(100))  # bucket 104
    elements_to_state(batch(1))  # bucket 64
    compiled = _elements_to_state_kernel._cache_size()
    for n in (97, 103, 104):
        el = batch(n)
        states = elements_to_state(el)
        assert states.shape == (n, 6)
        # Padding never leaks: each row equals that object computed alone.
        np.testing.assert_allclose(states[-1], elements_to_state(el[n - 1:])[0], rtol=1e-14, atol=0)
    assert _elements_to_state_kernel._cache_size() == compiled
    elements_to_state(batch(105))  # bucket 112: one new program
    assert _elements_to_state_kernel._cache_size() == compiled + 1
