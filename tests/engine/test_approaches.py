"""Close approaches against an independent integration (tests/engine/dop853_reference.py:
scipy DOP853, SPICE-read DE421, the same forces): time within 1 minute, distance within 1 km,
relative speed within 1 m/s, for real comets of the MPC catalog with Earth approaches under
0.5 au."""
import numpy as np
import pytest
from scipy.optimize import brentq

import encke
from encke.engine.approaches import close_approaches
from encke.engine.constants import AU_KM, DAY_S
from encke.engine.errors import InvalidInput

from . import dop853_reference as ref

START, STOP = 2461041.5, 2463400.5  # 2026-01-03 .. 2032-06


def test_bad_requests_name_the_field():
    el = encke.CometaryElements(q=1.0, e=0.5, i=0.1, node=0.0, argp=0.0, tp=START, epoch=START)
    for kwargs, field in ((dict(bodies=("vulcan",)), "bodies"), (dict(max_distance_au=-1.0), "max_distance_au"),
                          (dict(step_days=0.0), "step_days")):
        with pytest.raises(InvalidInput) as info:
            close_approaches(el, START, STOP, **kwargs)
        assert info.value.field == field
    with pytest.raises(InvalidInput):
        close_approaches(el, STOP, START)
    for start, stop, field in ((float("nan"), STOP, "start"), (START, "not a date", "stop"),
                               (np.array([START, STOP]), STOP, "start")):
        with pytest.raises(InvalidInput) as info:
            close_approaches(el, start, stop)
        assert info.value.field == field


@pytest.mark.slow
def test_earth_approaches_agree_with_dop853(shared_data):
    cat = encke.read_comets(shared_data / "cometels" / "CometEls-2026-01-03.txt")
    wanted = ["169P", "249P", "252P"]
    index = [cat.designations.index(d) for d in wanted]
    el = cat.elements[np.array(index)]
    found = close_approaches(el, START, STOP, bodies=("earth",), max_distance_au=0.5, designations=wanted)
    assert set(found.designation) == set(wanted)
    assert found.distance_au.min() < 0.1  # 249P passes at 0.057 au in 2029
    for row in found.rows():
        k = row["comet"]
        sol = ref.integrate(ref.initial_state(el, k), float(el.epoch[k]), row["time_tdb_jd"] + 3.0, dense=True)

        def relative(s):  # s: days from encke's time (small numbers keep the root finder's precision)
            return sol.sol(t0 + s) - ref.body_state(399, t0 + s)

        t0 = row["time_tdb_jd"]
        # the minimum of the distance: r . v crosses zero from below
        s_min = brentq(lambda s: relative(s)[:3] @ relative(s)[3:], -2.0, 2.0, xtol=1e-10)
        rel = relative(s_min)
        assert abs(s_min) * DAY_S < 60.0, row
        assert abs(np.linalg.norm(rel[:3]) - row["distance_au"]) * AU_KM < 1.0, row
        assert abs(np.linalg.norm(rel[3:]) * AU_KM / DAY_S - row["speed_km_s"]) < 1e-3, row


def _kept_reference(states, grid, eph, names, limit):
    """The interval test of approaches._kept_intervals written directly in numpy over the
    (N, M, 3) samples (its form before it was jitted)."""
    from encke.engine import constants, nbody
    from encke.engine.approaches import BODIES, _body_states

    h = np.diff(grid)
    sun = _body_states(eph, BODIES["sun"], grid)
    r_, v_ = states[..., :3] - sun[None, :, :3], states[..., 3:] - sun[None, :, 3:]
    helio = np.linalg.norm(r_, axis=-1)
    rv = np.sum(r_ * v_, axis=-1)
    gm = constants.GM_SUN
    with np.errstate(all="ignore"):
        inv_a = 2.0 / helio - np.sum(v_ * v_, axis=-1) / gm
        p = np.sum(np.cross(r_, v_) ** 2, axis=-1) / gm
        q = p / (1.0 + np.sqrt(np.maximum(1.0 - p * inv_a, 0.0)))
        passes = (rv[:, :-1] < 0) & (rv[:, 1:] >= 0)
        r_min = np.where(passes, np.minimum(q[:, :-1], q[:, 1:]), np.minimum(helio[:, :-1], helio[:, 1:]))
        keep = np.zeros((len(states), len(h)), bool)
        gm_bodies = dict(zip(nbody.TARGETS, nbody.gm_table(eph)))
        for body in names:
            b = _body_states(eph, BODIES[body], grid)
            rel = states - b[None]
            d = np.linalg.norm(rel[..., :3], axis=-1)
            speed = np.linalg.norm(rel[..., 3:], axis=-1)
            rb = np.linalg.norm(b[:, :3] - sun[:, :3], axis=-1)
            body_accel = 0.0 if body == "sun" else 2.0 * gm / np.minimum(rb[:-1], rb[1:]) ** 2
            accel = 2.0 * gm / np.maximum(r_min, 1e-3) ** 2 + body_accel + gm_bodies[BODIES[body]] / limit**2
            v_max = np.maximum(speed[:, :-1], speed[:, 1:]) + 0.5 * h * accel
            keep |= ~(0.5 * (d[:, :-1] + d[:, 1:] - h * v_max) >= limit)
        keep &= np.all(np.isfinite(states[:, :-1]) & np.isfinite(states[:, 1:]), axis=-1)
    return np.nonzero(keep)


def test_jitted_interval_test_equals_numpy():
    """The jitted interval test (padded to the size ladder in comets and times) keeps exactly
    the intervals of the direct numpy form, for comet and time counts off the ladder, several
    bodies (the Sun and the Moon among them) and a failed comet (NaN states: never kept)."""
    from encke.engine.approaches import BODIES, _body_states, _kept_intervals

    eph = encke.load_ephemeris("de421")
    grid = np.linspace(START, START + 700.0, 45)  # 44 intervals of ~16 days
    earth = _body_states(eph, BODIES["earth"], grid)
    rng = np.random.default_rng(7)
    n = 203
    # comets drifting past the Earth: offsets up to 1.5 au, relative speeds up to 0.03 au/day
    offset = rng.uniform(-1.5, 1.5, (n, 1, 3)) + rng.uniform(-0.03, 0.03, (n, 1, 3)) * (grid - grid[0])[None, :, None]
    states = np.concatenate([earth[None, :, :3] + offset, np.broadcast_to(earth[None, :, 3:], (n, len(grid), 3))
                             + rng.uniform(-0.03, 0.03, (n, 1, 3))], axis=-1)
    states[17] = np.nan
    for names, limit in ((("earth",), 0.2), (("earth", "moon", "mars", "jupiter"), 0.5), (("sun", "venus"), 1.0)):
        got = _kept_intervals(states, grid, eph, names, limit)
        want = _kept_reference(states, grid, eph, names, limit)
        assert 0 < len(want[0]) < states.shape[0] * (len(grid) - 1)  # some kept, some not
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        assert 17 not in got[0]
