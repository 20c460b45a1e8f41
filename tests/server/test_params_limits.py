"""Request parsing and limits: every bad value names its field."""
import math

import numpy as np
import pytest

from encke.server import params
from encke.server.errors import InvalidArgument, LimitExceeded
from encke.server.limits import RateLimiter, ServerLimits, StreamSlots


@pytest.mark.parametrize("text, days", [("1d", 1.0), ("6h", 0.25), ("10d", 10.0), ("30m", 30 / 1440),
                                        ("90s", 90 / 86400), ("2w", 14.0), ("1y", 365.25), ("0.5", 0.5),
                                        (3, 3.0), (" 12 h ", 0.5), ("1e-3d", 1e-3)])
def test_step_strings(text, days):
    assert math.isclose(params.step_days(text), days, rel_tol=1e-15)


@pytest.mark.parametrize("bad, words", [("0d", "positive"), (0, "positive"), (-1.0, "positive"),
                                        ("-1d", "positive"), ("abc", "not a step"), ("1 parsec", "not a step"),
                                        (float("nan"), "not finite"), (float("inf"), "not finite"), ("", "required")])
def test_bad_steps_name_the_field(bad, words):
    with pytest.raises(InvalidArgument) as err:
        params.step_days(bad, "step")
    assert err.value.field == "step" and words in str(err.value) and str(err.value).startswith("step:")


def test_times_accept_julian_dates_and_iso_utc():
    assert params.time_jd("2460600.5") == 2460600.5
    assert params.time_jd(2451545) == 2451545.0
    # 2000-01-01T12:00:00 UTC is J2000 + (32.184 + 32) s of TT - UTC, and TDB differs from TT by < 2 ms
    jd = params.time_jd("2000-01-01T12:00:00")
    assert abs((jd - 2451545.0) * 86400.0 - 64.184) < 0.002


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", float("nan"), "yesterday-ish", "2024-13-45"])
def test_bad_times_name_the_field(bad):
    with pytest.raises(InvalidArgument) as err:
        params.time_jd(bad, "start")
    assert str(err.value).startswith("start:")


def test_nan_in_a_list_of_times_names_its_index():
    with pytest.raises(InvalidArgument, match=r"times\[2\]") as err:
        params.times_jd([2460000.5, 2460001.5, float("nan")])
    assert str(err.value) == "times[2]: nan is not a finite time"  # the value as a user wrote it, no numpy repr


@pytest.mark.parametrize("fn, field, good", [(params.model, "model", "nbody"), (params.frame, "frame", "icrf"),
                                             (params.center, "center", "ssb")])
def test_choices(fn, field, good):
    assert fn(good.upper()) == good
    assert fn(None) in {"kepler", "ecliptic", "sun"}
    with pytest.raises(InvalidArgument, match=f"^{field}: unknown {field} 'warp'"):
        fn("warp")


def test_limits_messages_carry_the_limit():
    limits = ServerLimits(max_samples=10, max_ids=2, max_span_days=5.0, max_object_epochs=12)
    with pytest.raises(LimitExceeded, match="exceeds the limit of 10 samples") as err:
        limits.check_samples(11)
    assert err.value.limit == 10 and err.value.grpc_code == "RESOURCE_EXHAUSTED" and err.value.http_status == 413
    with pytest.raises(LimitExceeded, match="limit of 2 ids"):
        limits.check_ids(3)
    with pytest.raises(LimitExceeded, match="limit of 5 days"):
        limits.check_span(5.5)
    with pytest.raises(LimitExceeded, match="limit of 12 object-epochs"):
        limits.check_object_epochs(4, 4)
    limits.check_samples(10)
    limits.check_object_epochs(3, 4)
    with pytest.raises(ValueError, match="max_samples"):
        ServerLimits(max_samples=0)


def test_stream_slots_refuse_over_the_limit_and_free_on_release():
    slots = StreamSlots(2)
    a, b = slots.acquire(), slots.acquire()
    with pytest.raises(LimitExceeded, match="the limit is 2 streams"):
        slots.acquire()
    a.release()
    a.release()  # idempotent
    with slots.acquire():
        assert slots.active == 2
    b.release()
    assert slots.active == 0


def test_rate_limiter_is_a_token_bucket_per_client():
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("10.0.0.1")
    with pytest.raises(LimitExceeded) as err:
        limiter.check("10.0.0.1")
    assert err.value.http_status == 429
    limiter.check("10.0.0.2")  # another client has its own bucket
    now[0] += 0.5  # one token back at 2/s
    limiter.check("10.0.0.1")
    with pytest.raises(LimitExceeded):
        limiter.check("10.0.0.1")
    assert not RateLimiter(0, 1).enabled


def test_trajectory_times_and_their_bounds(catalog):
    from encke.server.service import Service

    service = Service(catalog, limits=ServerLimits(max_samples=100, max_span_days=1000.0))
    times = service.trajectory_times(2460000.5, 2460010.5, "1d")
    np.testing.assert_array_equal(times, 2460000.5 + np.arange(11))
    assert service.trajectory_times(2460000.5, 2460000.5, 1.0).tolist() == [2460000.5]
    assert len(service.trajectory_times(2460000.5, 2460001.0, "6h")) == 3
    with pytest.raises(InvalidArgument, match="^stop: stop .* is before start"):
        service.trajectory_times(2460010.5, 2460000.5, 1.0)
    with pytest.raises(LimitExceeded, match="limit of 100 samples"):
        service.trajectory_times(2460000.5, 2460200.5, "1d")
    with pytest.raises(LimitExceeded, match="limit of 1000 days"):
        service.trajectory_times(2460000.5, 2470000.5, "100d")
