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
