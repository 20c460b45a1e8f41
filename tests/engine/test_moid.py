"""MOID against JPL's SBDB values (orbit.moid for the Earth, orbit.moid_jup for Jupiter) of the
recorded solutions: a near-Earth Halley, 67P and 81P close to Jupiter's orbit, and C/2014 UN271
(e = 0.998) far outside both."""
import json

import numpy as np
import pytest

from encke.engine.moid import moid
from encke.engine.sources import sbdb


@pytest.mark.parametrize("name", ["1P", "67P", "81P", "C_2014_UN271"])
def test_moid_matches_sbdb(shared_data, name):
    raw = json.loads((shared_data / "sbdb" / f"sbdb-{name}.json").read_text())
    el = sbdb.parse_response(raw, name).elements
    assert moid(el, "earth")[0] == pytest.approx(float(raw["orbit"]["moid"]), rel=1e-5, abs=1e-5)  # SBDB prints 6 digits
    assert moid(el, "jupiter")[0] == pytest.approx(float(raw["orbit"]["moid_jup"]), rel=1e-5, abs=1e-5)  # SBDB prints 6 digits


def test_moid_of_an_orbit_with_itself_is_zero():
    from encke.engine.ephemeris import load_ephemeris
    from encke.engine import frames
    import encke

    eph = load_ephemeris("de421")
    t = 2460000.5
    pos, vel = (np.asarray(a) for a in eph.state(399, np.array([t])))
    spos, svel = (np.asarray(a) for a in eph.state(10, np.array([t])))
    state = frames.rotate_states(np.concatenate([pos - spos, vel - svel], axis=1), "icrf", "ecliptic")
    el = encke.state_to_elements(state, t)
    assert moid(el, "earth")[0] < 1e-9
