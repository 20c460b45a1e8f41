"""Frames: the ecliptic <-> ICRF rotation and the Sun <-> barycentre shift, against Horizons."""
import math

import numpy as np
import pandas as pd
import pytest

from encke.engine import frames
from encke.engine.constants import AU_M, DAY_S, GM_SUN_DE440, OBLIQUITY_J2000_RAD
from encke.engine.elements import CometaryElements
from encke.engine.propagate import propagate

COLUMNS = ["x", "y", "z", "vx", "vy", "vz"]
DEG = math.pi / 180


def _csv(shared_data, name):
    return pd.read_csv(shared_data / "horizons" / f"adam_core_e56d4b7_elements_{name}.csv")


def test_rotation_is_a_rotation_about_x_by_the_obliquity():
    r = frames.ECLIPTIC_TO_ICRF
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-16)
    assert abs(np.linalg.det(r) - 1) < 1e-15
    np.testing.assert_array_equal(r @ [1.0, 0, 0], [1.0, 0, 0])  # the equinox is shared
    # The ecliptic north pole lies at RA 18h, Dec 90 deg - epsilon in ICRF.
    pole = r @ [0, 0, 1.0]
    np.testing.assert_allclose(pole, [0, -math.sin(OBLIQUITY_J2000_RAD), math.cos(OBLIQUITY_J2000_RAD)], atol=1e-16)
    assert abs(OBLIQUITY_J2000_RAD - 84381.448 / 3600 * DEG) < 1e-17
    states = np.random.default_rng(0).normal(size=(5, 6))
    back = frames.rotate_states(frames.rotate_states(states, "ecliptic", "icrf"), "icrf", "ecliptic")
    np.testing.assert_allclose(back, states, atol=1e-15)
    np.testing.assert_allclose(frames.ecliptic_to_icrf(states), frames.rotate_states(states, "ecliptic", "icrf"))
    np.testing.assert_allclose(frames.icrf_to_ecliptic(states[:, :3]), states[:, :3] @ r)


def test_rotation_matches_horizons_ecliptic_and_equatorial_tables(shared_data):
    ec, eq = _csv(shared_data, "sun_ec"), _csv(shared_data, "sun_eq")
    rotated = frames.rotate_states(ec[COLUMNS].values, "ecliptic", "icrf")
    assert np.abs(rotated[:, :3] - eq[COLUMNS].values[:, :3]).max() * AU_M <= 0.01  # 1 cm
    assert np.abs(rotated[:, 3:] - eq[COLUMNS].values[:, 3:]).max() * AU_M / DAY_S <= 1e-6  # 1 um/s


@pytest.mark.parametrize("ephemeris, tol_m", [("de440", 1.0), ("de421", 150e3)])
def test_sun_barycentric_state_matches_horizons(shared_data, ephemeris, tol_m):
    """Horizons' SSB-centred minus Sun-centred states are the Sun's barycentric state.

    Horizons uses DE441 here, which agrees with DE440 to millimetres over these epochs; DE421's
    barycentre sits about 110 km away (docs/numerics.md), hence its wider bound.
    """
    eq, ssb = _csv(shared_data, "sun_eq"), _csv(shared_data, "ssb_eq")
    t = ssb.mjd_tdb.values + 2400000.5
    sun = frames.sun_state_ssb(t, ephemeris, "icrf")
    truth = ssb[COLUMNS].values - eq[COLUMNS].values
    assert np.abs(sun[:, :3] - truth[:, :3]).max() * AU_M <= tol_m
    assert np.abs(sun[:, 3:] - truth[:, 3:]).max() * AU_M / DAY_S <= 1e-3 * max(tol_m / 1e3, 1.0)


@pytest.mark.parametrize("name, frame", [("ssb_ec", "ecliptic"), ("ssb_eq", "icrf")])
def test_propagate_to_barycentre_matches_horizons(shared_data, name, frame):
    """Heliocentric elements -> barycentric states in either frame, via propagate(center="ssb")."""
    el_df, ref = _csv(shared_data, "sun_ec"), _csv(shared_data, name)
    for k in range(len(el_df)):
        row = el_df.iloc[k]
        el = CometaryElements(q=row.q, e=row.e, i=row.incl * DEG, node=row.Omega * DEG, argp=row.w * DEG,
                              tp=row.tp_mjd + 2400000.5)
        state = propagate(el, [row.mjd_tdb + 2400000.5], frame=frame, center="ssb", ephemeris="de440",
                          mu=GM_SUN_DE440)[0, 0]
        truth = ref[COLUMNS].values[k]
        # 1 m for the conversion, plus float64 JD resolution of tp (40 us at up to 0.04 au/day).
        assert np.linalg.norm(state[:3] - truth[:3]) * AU_M <= 2.0, row.targetname
        assert np.linalg.norm(state[3:] - truth[3:]) * AU_M / DAY_S <= 1e-3, row.targetname


def test_change_center_round_trip_and_errors():
    t = np.array([2451545.0, 2460000.5])
    states = np.random.default_rng(1).normal(size=(3, 2, 6))
    there = frames.change_center(states, t, "sun", "ssb", frame="ecliptic")
    back = frames.change_center(there, t, "ssb", "sun", frame="ecliptic")
    np.testing.assert_allclose(back, states, atol=1e-15)
    shift = there - states
    assert 1e-4 < np.linalg.norm(shift[0, 0, :3]) < 0.02  # the Sun is within ~0.01 au of the SSB
    np.testing.assert_allclose(shift[1], shift[0])  # the same shift for every object
    with pytest.raises(ValueError, match="to_center"):
        frames.change_center(states, t, "sun", "earth", frame="ecliptic")
    with pytest.raises(ValueError, match="frame"):
        frames.rotation("ecliptic", "galactic")
    with pytest.raises(Exception, match="outside"):
        frames.sun_state_ssb([1e6], "de421")
