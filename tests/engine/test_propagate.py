"""propagate(): batch invariants, buckets without retracing, failures as NaN rows + status,
long spans forward and back, the N-body dispatch and the frame/centre conversions."""
import math

import numpy as np
import pytest
import spiceypy

from encke.engine import status
from encke.engine.conics import elements_to_state, state_to_elements
from encke.engine.constants import GM_SUN, J2000_JD
from encke.engine.elements import CometaryElements
from encke.engine import propagate as propagate_module
from encke.engine.propagate import PropagationResult, _kepler_grid, _object_tile, propagate

YEAR = 365.25


def _mixed(rng, n):
    e = rng.choice([0.0, 0.3, 0.9, 0.999, 1.0, 1.0 + 1e-9, 1.5, 5.0], n)
    return CometaryElements(q=10 ** rng.uniform(-1.5, 1.5, n), e=e, i=rng.uniform(0, math.pi, n),
                            node=rng.uniform(0, 2 * math.pi, n), argp=rng.uniform(0, 2 * math.pi, n),
                            tp=J2000_JD + rng.uniform(-30, 30, n) * YEAR)


TIMES = J2000_JD + np.array([-1000.0, -3.0, 0.0, 0.5, 40.0, 2000.0]) * YEAR


def test_batch_equals_a_loop_over_objects():
    el = _mixed(np.random.default_rng(1), 37)
    batch = propagate(el, TIMES)
    looped = np.stack([propagate(el[k], TIMES)[0] for k in range(len(el))])
    np.testing.assert_allclose(batch, looped, rtol=1e-14, atol=0)


def test_shuffling_objects_shuffles_rows_and_epochs_any_order():
    rng = np.random.default_rng(2)
    el = _mixed(rng, 50)
    states = propagate(el, TIMES)
    perm = rng.permutation(len(el))
    np.testing.assert_allclose(propagate(el[perm], TIMES), states[perm], rtol=1e-14, atol=0)
    tperm = rng.permutation(TIMES.size)
    np.testing.assert_allclose(propagate(el, TIMES[tperm]), states[:, tperm], rtol=1e-14, atol=0)


def test_padding_never_leaks_and_shapes_are_exact():
    rng = np.random.default_rng(3)
    el = _mixed(rng, 65)  # padded to 72 objects
    times = J2000_JD + np.linspace(-50, 50, 100) * YEAR  # padded to 104 epochs
    res = propagate(el, times, return_status=True)
    assert isinstance(res, PropagationResult)
    assert res.states.shape == (65, 100, 6) and res.states.dtype == np.float64
    assert res.status.shape == (65,) and res.status.dtype == np.int32
    assert np.all(res.status == status.OK) and np.all(np.isfinite(res.states))
    # The first 64 objects alone (no padding at all) give the same numbers.
    np.testing.assert_allclose(propagate(el[:64], times), res.states[:64], rtol=1e-14, atol=0)
    # A scalar time and a single object.
    assert propagate(el[0], J2000_JD).shape == (1, 1, 6)


def test_cpu_tiles_give_the_one_pass_result(monkeypatch):
    """The tile loop (propagate._object_tile) changes where intermediates live, not the numbers;
    a batch that is cut into tiles, including one with failures in a later tile, matches one pass."""
    el = _mixed(np.random.default_rng(8), 600)
    el = el.replace(q=np.where(np.arange(600) == 517, -1.0, el.q))  # invalid, in the 9th tile of 64
    one_pass = propagate(el, TIMES, return_status=True)
    monkeypatch.setattr(propagate_module, "TILE_LANES", 64 * 6)  # 64 objects x 6 epochs per tile
    assert _object_tile(640, 6, None) == 64
    tiled = propagate(el, TIMES, return_status=True)
    np.testing.assert_array_equal(tiled.status, one_pass.status)
    assert tiled.status[517] == status.INVALID_ELEMENTS and np.sum(tiled.status != status.OK) == 1
    # Two compiled programs may round differently (XLA contracts multiply-adds per fusion):
    # allow a few ulps of the position's and the velocity's size, far below a millimetre.
    ok = tiled.status == status.OK
    assert np.all(np.isnan(tiled.states[~ok])) and np.all(np.isnan(one_pass.states[~ok]))
    for part in (slice(0, 3), slice(3, 6)):
        diff = np.linalg.norm(tiled.states[ok][..., part] - one_pass.states[ok][..., part], axis=-1)
        assert np.all(diff <= 1e-14 * np.linalg.norm(one_pass.states[ok][..., part], axis=-1))


@pytest.mark.parametrize("tile_lanes", [None, 64 * 6])
def test_held_results_keep_their_numbers_and_a_dropped_one_is_written_again(monkeypatch, tile_lanes):
    """propagate writes a call's states into the memory of the previous result once no view of
    that result is alive (propagate._OutputSpare), in one pass or in tiles: a result still
    held, or any view of one, keeps its numbers; a dropped one's memory is written again, every
    element of it (the numbers equal those from fresh memory)."""
    if tile_lanes:
        monkeypatch.setattr(propagate_module, "TILE_LANES", tile_lanes)
        assert _object_tile(320, 6, None) == 64
    el = _mixed(np.random.default_rng(9), 300)
    other = el.replace(tp=el.tp + 3.0 * YEAR)

    def address(a):
        return a.__array_interface__["data"][0]

    first = propagate(el, TIMES)
    first_numbers = first.copy()
    second = propagate(other, TIMES)  # `first` is held: fresh memory
    second_numbers = second.copy()
    assert address(second) != address(first) and not np.array_equal(second, first)
    np.testing.assert_array_equal(first, first_numbers)
    part, second_address = second[10:20, 2:], address(second)
    del second  # a view of it is still alive: not reused
    third = propagate(el, TIMES)
    assert address(third) != second_address
    np.testing.assert_array_equal(part, second_numbers[10:20, 2:])
    np.testing.assert_array_equal(third, first_numbers)
    third_address = address(third)
    del third, part  # nothing of `third` is alive: its memory takes the next result
    fourth = propagate(other, TIMES)
    assert address(fourth) == third_address
    np.testing.assert_array_equal(fourth, second_numbers)
    np.testing.assert_array_equal(first, first_numbers)
    propagate_module._SPARE.clear()


def test_tile_divides_the_bucket_and_bounds_the_lanes():
    assert _object_tile(72, 7, None) == 0  # fits in one tile: one pass
    for n_bucket, m_bucket in ((106496, 104), (2**20, 1), (15 * 2**14, 3), (2**16, 2**12)):
        tile = _object_tile(n_bucket, m_bucket, None)
        assert n_bucket % tile == 0 and tile & (tile - 1) == 0
        assert tile == 1 or tile * m_bucket <= propagate_module.TILE_LANES
    assert _object_tile(106496, 104, None) == 2048


def test_second_call_in_the_same_bucket_does_not_retrace():
    rng = np.random.default_rng(4)
    times = J2000_JD + np.arange(7.0)  # bucket 7
    # Objects run in two compiled variants (with or without the hyperbolic Stumpff branch,
    # kepler.needs_hyperbolic_branch): ellipses use one, e = 5 hyperbolas the other.
    for e in (0.5, 5.0):
        def batch(n):
            # q = 0.5 au and 20 years from perihelion: every e = 5 object needs the exp branch.
            return _mixed(rng, n).replace(e=np.full(n, e), q=np.full(n, 0.5), tp=np.full(n, J2000_JD - 20 * YEAR))

        propagate(batch(70), times)  # bucket 72: compiles (unless already compiled)
        compiled = _kepler_grid._cache_size()
        for n in (65, 71, 72):
            propagate(batch(n), times + n)
        propagate(batch(70), times, frame="icrf")  # frame is data, not a new program
        assert _kepler_grid._cache_size() == compiled
        propagate(batch(73), times)  # bucket 80: one new program
        assert _kepler_grid._cache_size() == compiled + 1


def test_hyperbolic_branch_split_gives_the_same_numbers():
    """The same objects through either compiled variant (with and without the exp branch):
    alone they need no exp branch; next to an e = 3 object the batch runs the full variant."""
    el = _mixed(np.random.default_rng(10), 40).replace(e=np.linspace(0.0, 1.0, 40))
    from encke.engine.kepler import needs_hyperbolic_branch

    assert not needs_hyperbolic_branch(el.q, el.e, np.full(40, 2000 * YEAR), GM_SUN).any()
    both = CometaryElements.concatenate([el, _mixed(np.random.default_rng(11), 10).replace(e=np.full(10, 3.0))])
    mixed = propagate(both, TIMES)[:40]
    alone = propagate(el, TIMES)
    np.testing.assert_allclose(mixed, alone, rtol=1e-14, atol=0)
    ref = np.stack([elements_to_state(el, np.full(40, t)) for t in TIMES], axis=1)
    np.testing.assert_allclose(alone, ref, rtol=1e-13)


def test_chunked_batches_equal_one_call():
    el = _mixed(np.random.default_rng(5), 300)
    one = propagate(el, TIMES)
    chunked = propagate(el, TIMES, max_lanes=64 * 6)  # 64-object chunks, the last one padded
    np.testing.assert_array_equal(chunked, one)


def test_failed_objects_get_nan_rows_and_status_while_others_are_fine():
    rng = np.random.default_rng(6)
    el = _mixed(rng, 8)
    good = propagate(el, TIMES)
    bad = el.replace(
        q=np.where(np.arange(8) == 1, -1.0, el.q),  # q <= 0
        e=np.where(np.arange(8) == 3, np.nan, el.e),  # NaN
        i=np.where(np.arange(8) == 5, np.inf, el.i),
    )
    # Object 6: 1e15 days after perihelion of a 1-day orbit, where float64 no longer fixes the
    # phase: reported, not answered.
    bad = bad.replace(q=np.where(np.arange(8) == 6, 0.02, bad.q), e=np.where(np.arange(8) == 6, 0.1, bad.e),
                      tp=np.where(np.arange(8) == 6, TIMES[0] - 1e15, bad.tp))
    res = propagate(bad, TIMES, return_status=True)
    expected = [status.OK, status.INVALID_ELEMENTS, status.OK, status.INVALID_ELEMENTS, status.OK,
                status.INVALID_ELEMENTS, status.NOT_CONVERGED, status.OK]
    np.testing.assert_array_equal(res.status, expected)
    failed = res.status != status.OK
    assert np.all(np.isnan(res.states[failed]))
    np.testing.assert_array_equal(res.states[~failed], good[~failed])
    # Without return_status the same NaN rows come back.
    assert np.isnan(propagate(bad, TIMES)[1]).all()


@pytest.mark.parametrize("name, q, e", [("2P/Encke", 0.33945, 0.846983), ("1P/Halley", 0.588733, 0.967048),
                                         ("C/2022 E3", 1.112, 1.0003), ("e=1", 1.2, 1.0), ("e=5", 0.8, 5.0)])
def test_thousand_year_spans_forward_and_back(name, q, e):
    el = CometaryElements(q=q, e=e, i=0.9, node=2.0, argp=4.0, tp=0.0)  # times from perihelion
    offsets = np.array([-1000.0, -250.0, 250.0, 1000.0]) * YEAR + 17.25
    states = propagate(el, offsets)[0]
    ref = np.array([spiceypy.conics([q, e, 0.9, 2.0, 4.0, 0.0, 0.0, GM_SUN], t) for t in offsets])
    dp = np.linalg.norm(states[:, :3] - ref[:, :3], axis=1) / np.linalg.norm(ref[:, :3], axis=1)
    assert dp.max() <= 1e-10, dp
    # Forward then back: the state at t1 becomes elements at t1, which propagate back to t0.
    t0 = 17.25
    start = propagate(el, [t0])[0, 0]
    for t1 in offsets:
        el1 = state_to_elements(states[list(offsets).index(t1)], t1)
        back = propagate(el1, [t0])[0, 0]
        rel = np.linalg.norm(back[:3] - start[:3]) / np.linalg.norm(start[:3])
        # 1e-12, plus the float64 conditioning of the trip: rounding the state at t1 (eps |x1|)
        # maps back through the state transition matrix, whose size over |t1 - t0| is about
        # |t1 - t0| |v0|/|r0|: a bound of ~eps |t1 - t0| (|v0|/|r0|) (|x1|/|x0|). Measured
        # against it: 2P/Encke 1.0, 1P/Halley 0.3, C/2022 E3 0.3 (6e-10 after 1000 years out to
        # 2000 au); the bound below allows 9x that.
        r0, r1 = np.linalg.norm(start[:3]), np.linalg.norm(states[list(offsets).index(t1), :3])
        tol = 1e-12 + 1e-15 * abs(t1 - t0) * np.linalg.norm(start[3:]) / r0 * max(1.0, r1 / r0)
        assert rel <= tol, (t1, rel, tol)


def test_frames_and_centres_are_consistent():
    el = _mixed(np.random.default_rng(7), 5)
    t = J2000_JD + np.array([0.0, 100.0, 1000.0])
    ecl = propagate(el, t)
    icrf = propagate(el, t, frame="icrf")
    from encke.engine import frames

    rotated = frames.rotate_states(ecl, "ecliptic", "icrf")
    assert (np.linalg.norm(rotated[..., :3] - icrf[..., :3], axis=-1) / np.linalg.norm(icrf[..., :3], axis=-1)).max() < 1e-14
    ssb = propagate(el, t, center="ssb")
    np.testing.assert_allclose(ssb - ecl, np.broadcast_to(frames.sun_state_ssb(t, frame="ecliptic"), ssb.shape),
                               rtol=0, atol=1e-12)  # rounding of states up to ~1000 au
    # elements_to_state at one time equals propagate there.
    np.testing.assert_allclose(elements_to_state(el, t[1]), ecl[:, 1], rtol=1e-14, atol=0)


def test_times_accept_calendar_strings():
    el = _mixed(np.random.default_rng(8), 3)
    from encke.engine.timescales import to_tdb_jd

    np.testing.assert_array_equal(propagate(el, ["2024-01-01", "2024-06-01"]),
                                  propagate(el, to_tdb_jd(["2024-01-01", "2024-06-01"])))


def test_bad_arguments_are_named():
    el = _mixed(np.random.default_rng(9), 2)
    for kwargs, match in [({"model": "warp"}, "model"), ({"frame": "galactic"}, "frame"),
                          ({"center": "earth"}, "center"), ({"mu": 0.0}, "mu"), ({"tolerance": 1}, "nbody"),
                          ({"max_lanes": 0}, "max_lanes")]:
        with pytest.raises((ValueError, TypeError), match=match):
            propagate(el, TIMES, **kwargs)
    with pytest.raises(TypeError, match="CometaryElements"):
        propagate({"q": 1}, TIMES)
    with pytest.raises(ValueError, match="1-D"):
        propagate(el, np.zeros((2, 2)) + J2000_JD)
    with pytest.raises(ValueError, match="outside"):
        propagate(el, [1e6], center="ssb")
    assert propagate(el, np.array([])).shape == (2, 0, 6)


@pytest.mark.slow
def test_nbody_dispatch_converts_frames_and_centres():
    """model="nbody" returns barycentric ICRF from engine.nbody; propagate re-expresses it.

    At the elements' epoch the N-body state is the two-body state of those elements, so each
    frame/centre combination must agree with model="kepler" there.
    """
    el = CometaryElements(q=[0.34, 1.1], e=[0.85, 0.99], i=0.2, node=1.0, argp=2.0, tp=[2460240.0, 2460300.0],
                          epoch=2460200.5)
    times = np.array([2460200.5, 2460230.5])
    for frame in ("ecliptic", "icrf"):
        for center in ("sun", "ssb"):
            res = propagate(el, times, model="nbody", frame=frame, center=center, return_status=True)
            assert np.all(res.status == status.OK)
            kep = propagate(el, times, frame=frame, center=center)
            np.testing.assert_allclose(res.states[:, 0], kep[:, 0], rtol=0, atol=1e-13)
            # A month on, the planets have pulled the orbits by much less than 1e-4 au.
            assert 0 < np.abs(res.states[:, 1, :3] - kep[:, 1, :3]).max() < 1e-4
