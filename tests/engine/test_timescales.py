"""Time input at the boundary: numbers, ISO strings, datetimes and astropy Time to TDB JD."""
import datetime

import numpy as np
import pytest
from astropy.time import Time

from encke.engine.timescales import to_tdb_jd

SECOND = 1.0 / 86400.0


def test_tdb_numbers_pass_through_unchanged():
    t = np.array([2451545.0, 2460000.123456789])
    out = to_tdb_jd(t)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, t)
    assert to_tdb_jd(2451545).shape == ()
    np.testing.assert_array_equal(to_tdb_jd([1.5, 2.5], scale="tdb"), [1.5, 2.5])


def test_utc_strings_include_leap_seconds_and_tdb_offset():
    # 2024-01-01T00:00 UTC: TT - UTC = 32.184 s + 37 leap seconds = 69.184 s (IERS Bulletin C),
    # and TDB - TT is below 2 ms.
    jd = to_tdb_jd("2024-01-01")
    assert abs((jd - 2460310.5) / SECOND - 69.184) < 2e-3
    # The J2000 epoch is 2000-01-01T11:58:55.816 UTC = 12:00 TT (TDB - TT there: -0.07 ms).
    assert abs((to_tdb_jd("2000-01-01T11:58:55.816") - 2451545.0) / SECOND) < 1e-3
    # Explicit scales.
    assert abs((to_tdb_jd("2000-01-01T12:00:00", scale="tt") - 2451545.0) / SECOND) < 1e-3
    assert to_tdb_jd("2000-01-01T12:00:00", scale="tdb") == 2451545.0
    np.testing.assert_allclose(to_tdb_jd(["2024-01-01", "2024-01-02"]), [jd, jd + 1], rtol=0, atol=1e-9)


def test_float_julian_dates_in_other_scales():
    jd_utc = 2460310.5
    assert abs((to_tdb_jd(jd_utc, scale="utc") - to_tdb_jd("2024-01-01")) / SECOND) < 1e-6
    assert abs((to_tdb_jd(2451545.0, scale="tt") - 2451545.0) / SECOND) < 2e-3


def test_astropy_time_and_datetimes():
    t = Time(["2024-03-01T00:00:00", "2025-06-01T12:00:00"], scale="utc")
    np.testing.assert_allclose(to_tdb_jd(t), t.tdb.jd1 + t.tdb.jd2, rtol=0, atol=1e-12)
    assert to_tdb_jd(Time(2451545.0, format="jd", scale="tdb")) == 2451545.0
    same = to_tdb_jd(datetime.datetime(2024, 1, 1))
    assert same == to_tdb_jd("2024-01-01") == to_tdb_jd(np.datetime64("2024-01-01"))
    assert to_tdb_jd(datetime.date(2024, 1, 1)) == same


def test_far_future_utc_is_extrapolated_without_warning():
    # Leap seconds after the table are unknown; astropy extrapolates (and warns "dubious year",
    # which we silence deliberately). Warnings are errors in this suite, so this also checks that.
    assert abs(to_tdb_jd("2900-01-01") - 2780263.5) < 0.01


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="scale"):
        to_tdb_jd(2451545.0, scale="tai")
    with pytest.raises(ValueError, match="cannot read"):
        to_tdb_jd("yesterday-ish")
    with pytest.raises(ValueError, match="finite"):
        to_tdb_jd([2451545.0, np.nan])
    with pytest.raises(ValueError, match="scale must be None"):
        to_tdb_jd(Time(2451545.0, format="jd", scale="tdb"), scale="utc")
    with pytest.raises(ValueError, match="dtype"):
        to_tdb_jd(np.array([True, False]))
