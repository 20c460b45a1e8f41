"""Two-body time laws (engine/perihelion.py) against SPICE's conics, and the calendar formatter.

The server's /api/comets/{id} next perihelion and orbit lines are these functions; the HTTP
tests (tests/server/test_http.py) check them end to end.
"""
import math

import numpy as np
import pytest
import spiceypy
from astropy.time import Time

from encke.engine.constants import GM_SUN
from encke.engine.elements import CometaryElements
from encke.engine.perihelion import next_perihelion_jd, orbit_points, perihelion_offsets, period_days
from encke.engine.timescales import jd_to_iso

AU_M = 149_597_870_700.0


def radius_at(q, e, dt_days):
    """Heliocentric distance (au) dt_days after perihelion, from SPICE's conics."""
    state = spiceypy.conics([q, e, 0.3, 0.2, 0.1, 0.0, 0.0, GM_SUN], float(dt_days))
    return np.linalg.norm(state[:3])


@pytest.mark.parametrize("q, e", [(0.34, 0.85), (1.0, 0.0), (5.0, 0.5)])
def test_elliptic_offsets_are_kepler_equation_in_eccentric_anomaly(q, e):
    offsets = perihelion_offsets([q], [e], 9)[0]
    a = q / (1 - e)
    big_e = np.linspace(-math.pi, math.pi, 9)
    expected_r = a * (1 - e * np.cos(big_e))
    got_r = np.array([radius_at(q, e, dt) for dt in offsets])
    assert np.max(np.abs(got_r - expected_r)) * AU_M < 0.01  # metres: the same point (float64 at 4 au: 1 mm)
    assert math.isclose(offsets[-1] - offsets[0], period_days(q, e), rel_tol=1e-14)  # one revolution


# within 1e-6 of e = 1 Barker's parabolic law stands in: at 30 au it is 1e-6 au (~180 km) off
@pytest.mark.parametrize("q, e, tolerance_m", [(1.2, 1.5, 1.0), (0.8, 1.0, 1.0), (0.8, 1.0 + 1e-8, 3e5),
                                               (3.0, 1.0037, 1.0)])
def test_open_orbits_span_the_arc_inside_max_3q_30au(q, e, tolerance_m):
    offsets = perihelion_offsets([q], [e], 11)[0]
    r_end = max(3 * q, 30.0)
    assert abs(radius_at(q, e, offsets[0]) - r_end) * AU_M < tolerance_m
    assert abs(radius_at(q, e, offsets[-1]) - r_end) * AU_M < tolerance_m
    assert offsets[5] == 0.0 and np.all(np.diff(offsets) > 0)


def test_next_perihelion_for_closed_and_open_orbits():
    q, e, tp = 0.34, 0.85, 2460240.5
    period = period_days(q, e)
    assert math.isclose(period, 2 * math.pi * math.sqrt((q / (1 - e)) ** 3 / GM_SUN))
    assert next_perihelion_jd(q, e, tp, tp) == tp
    assert math.isclose(next_perihelion_jd(q, e, tp, tp + 1.0), tp + period, rel_tol=0, abs_tol=1e-6)
    assert math.isclose(next_perihelion_jd(q, e, tp, tp - 1.5 * period), tp - period, rel_tol=0, abs_tol=1e-6)
    assert next_perihelion_jd(1.0, 1.2, tp, tp - 10) == tp  # still ahead
    assert next_perihelion_jd(1.0, 1.0, tp, tp + 10) is None  # passed: an open orbit never returns
    assert period_days(1.0, 1.0) is None


def test_orbit_points_lie_on_the_propagated_orbit():
    el = CometaryElements(q=np.array([0.34, 1.2]), e=np.array([0.85, 1.5]), i=np.array([0.2, 1.0]),
                          node=np.array([5.0, 0.3]), argp=np.array([3.0, 2.0]), tp=np.array([2460240.5, 2460000.5]),
                          epoch=np.array([2460200.5, 2460000.5]))
    points = orbit_points(el, 16)
    assert points.shape == (2, 16, 3)
    for k in range(2):
        offsets = perihelion_offsets(el.q[k:k + 1], el.e[k:k + 1], 16)[0]
        elts = [el.q[k], el.e[k], el.i[k], el.node[k], el.argp[k], 0.0, 0.0, GM_SUN]
        expected = np.array([spiceypy.conics(elts, float(dt))[:3] for dt in offsets])
        # the shifted perihelion times are Julian dates near 2.45e6: rounded to 5e-10 day (~1 m here)
        assert np.max(np.abs(points[k] - expected)) * AU_M < 5.0


@pytest.mark.parametrize("jd", [2451545.0, 2460240.9999, 2400000.5, 2488069.5, 2299160.5])
def test_calendar_dates_agree_with_astropy_after_1582(jd):
    assert jd_to_iso(jd, with_time=False) == Time(jd, format="jd", scale="tdb").isot[:10]
    assert jd_to_iso(jd).startswith(jd_to_iso(jd, with_time=False) + " ")


def test_calendar_dates_before_1582_are_julian_and_non_finite_values_say_so():
    assert jd_to_iso(2299159.5, with_time=False) == "1582-10-04"  # the last Julian day
    assert jd_to_iso(1721423.5, with_time=False) == "0001-01-01"  # Julian 1 January AD 1
    assert jd_to_iso(float("nan")) == "nan" and jd_to_iso(float("inf"), with_time=False) == "inf"
    assert jd_to_iso(2451545.0 - 0.4 / 86400) == "2000-01-01 12:00:00"  # rounded to the second
