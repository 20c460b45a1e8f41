"""N-body entry point: batch invariants, statuses and boundaries (DE421, no extra data needed).

The calls share shapes (<= 8 lanes, <= 256 times) so that the jitted core compiles once or
twice for the whole module.
"""
import numpy as np
import pytest

import encke.engine  # noqa: F401  (x64)
from encke.engine import constants, nbody
from encke.engine import status as st
from encke.engine.elements import CometaryElements
from encke.engine.ephemeris import EphemerisCoverageError, load_ephemeris

M = constants.AU_M
EPH = "de421"

# 1P/Halley, JPL#J863/77 (the Horizons header in ../shared/data/horizons): heliocentric
# ecliptic J2000 osculating elements at 1994-02-17 TDB with its non-gravitational A1, A2.
HALLEY = dict(
    q=0.5859781115169086, e=0.9671429084623044, i=np.radians(162.2626905791606),
    node=np.radians(58.42008097656843), argp=np.radians(111.3324851045177),
    tp=2446467.3953170511, epoch=2449400.5, A1=2.69646383822e-10, A2=1.554613374174e-10,
)  # fmt: skip
# The same header's "equivalent ICRF heliocentric cartesian coordinates" at the epoch.
HALLEY_ICRF = np.array([-1.394097492219865e01, 1.280566418071673e01, -6.838705058677024e-01,
                        -2.114527120885930e-03, 3.184092376399039e-03, 2.042731155145378e-04])  # fmt: skip
# A short-period comet (2P/Encke-like orbit), elements at its own (different) epoch.
ENCKE = dict(q=0.336, e=0.847, i=np.radians(11.35), node=np.radians(334.2), argp=np.radians(186.5),
             tp=2460239.5, epoch=2460200.5)  # fmt: skip


def _elements(*dicts):
    keys = ("q", "e", "i", "node", "argp", "tp", "epoch", "A1", "A2", "A3", "DT")
    cols = {k: [d.get(k, 0.0) for d in dicts] for k in keys}
    return CometaryElements(**cols)


def _initial_state(el):
    """Barycentric ICRF state at the epoch, as propagate_nbody builds it (at t = epoch)."""
    states, status = nbody.propagate_nbody(el, np.asarray(el.epoch), ephemeris=EPH)
    assert np.all(status == st.OK)
    return np.array([states[j, j] for j in range(len(el))]) if len(el) > 1 else states[:, 0]


def test_initial_state_reproduces_the_horizons_header_vector():
    el = _elements(HALLEY)
    states, status = nbody.propagate_nbody(el, [HALLEY["epoch"]], ephemeris=EPH)
    sun_p, sun_v = (np.asarray(a) for a in load_ephemeris(EPH).state(10, HALLEY["epoch"]))
    helio = states[0, 0] - np.concatenate([sun_p, sun_v])
    assert status[0] == st.OK
    # measured 4.1 m at 19.8 au (1.5e-12 relative; SPICE CONICS on the same elements agrees
    # with ours to 1 cm): the header elements' own rounding, far below the 10 km budget
    assert np.linalg.norm(helio[:3] - HALLEY_ICRF[:3]) * M < 10.0
    assert np.linalg.norm(helio[3:] - HALLEY_ICRF[3:]) * M / constants.DAY_S < 1e-6


def test_mixed_epochs_in_one_call_agree_with_each_other():
    # Halley from its 1994 epoch; a second copy starting from Halley's own propagated state at
    # a different epoch (1990) must give the same trajectory on both sides of both epochs.
    el = _elements(HALLEY)
    e2 = HALLEY["epoch"] - 1500.0
    s2 = nbody.propagate_nbody(el, [e2], ephemeris=EPH)[0][0, 0]
    s1 = nbody.propagate_nbody(el, [HALLEY["epoch"]], ephemeris=EPH)[0][0, 0]
    params = np.array([[HALLEY["A1"], HALLEY["A2"], 0.0, 0.0]] * 2)
    times = np.linspace(e2 - 400.0, HALLEY["epoch"] + 400.0, 60)
    res = nbody.propagate_states_nbody(np.array([s1, s2]), [HALLEY["epoch"], e2], times, ephemeris=EPH,
                                       nongrav_params=params)
    assert np.all(res.status == st.OK)
    diff = np.linalg.norm(res.states[0, :, :3] - res.states[1, :, :3], axis=1) * M
    assert diff.max() < 5.0, diff.max()


def test_forward_then_back_returns_to_the_start_within_metres():
    # 2500 days: the Encke-like orbit passes perihelion (0.34 au) twice each way. Measured:
    # Halley 0.1 m, Encke-like 17 m at the default epsilon = 1e-9; 0.9 m at 1e-10.
    el = _elements(HALLEY, ENCKE)
    start = _initial_state(el)
    params = np.array([[HALLEY["A1"], HALLEY["A2"], 0, 0], [0, 0, 0, 0]])
    span = 2500.0
    # each comet has its own epoch: ask each for its own end time
    for eps, limit_m in ((1e-9, 50.0), (1e-10, 3.0)):
        fwd = [nbody.propagate_states_nbody(start[j : j + 1], el.epoch[j], [el.epoch[j] + span], ephemeris=EPH,
                                            nongrav_params=params[j : j + 1], epsilon=eps) for j in range(2)]
        ends = np.array([f.states[0, 0] for f in fwd])
        back = [nbody.propagate_states_nbody(ends[j : j + 1], el.epoch[j] + span, [el.epoch[j]], ephemeris=EPH,
                                             nongrav_params=params[j : j + 1], epsilon=eps) for j in range(2)]
        for j in range(2):
            assert np.linalg.norm(back[j].states[0, 0, :3] - start[j, :3]) * M < limit_m, (eps, j)


def test_halving_epsilon_moves_halley_through_perihelion_by_metres():
    el = _elements(HALLEY)
    times = np.linspace(2446431.5, 2446795.5, 183)  # 1986, through perihelion
    a = nbody.propagate_nbody_result(el, times, ephemeris=EPH, epsilon=1e-9)
    b = nbody.propagate_nbody_result(el, times, ephemeris=EPH, epsilon=0.5e-9)
    assert b.n_steps[0] > a.n_steps[0]
    moved = np.linalg.norm(a.states[0, :, :3] - b.states[0, :, :3], axis=1) * M
    assert moved.max() < 10.0, moved.max()  # error budget against Horizons: 10 km


def test_a_hard_lane_leaves_the_others_bit_identical():
    far = dict(q=3.0, e=0.5, i=np.radians(20.0), node=2.0, argp=1.0, tp=2460400.5, epoch=2460100.5)
    times = np.linspace(2452000.5, 2460500.5, 50)
    alone = nbody.propagate_nbody_result(_elements(far), times, ephemeris=EPH)
    # the Encke-like comet in the same batch needs many more, much smaller steps
    together = nbody.propagate_nbody_result(_elements(ENCKE, far, ENCKE), times, ephemeris=EPH)
    assert np.all(together.status == st.OK)
    assert together.n_steps[0] > 2 * alone.n_steps[0]
    np.testing.assert_array_equal(together.states[1], alone.states[0])
    assert together.n_steps[1] == alone.n_steps[0]


def test_close_encounter_is_flagged_per_object():
    eph = load_ephemeris(EPH)
    t0 = 2455000.5
    earth_p, earth_v = (np.asarray(a) for a in eph.state(399, t0))
    # 0.02 au from Earth, heading straight at it at 0.01 au/day (17 km/s)
    toward = np.array([1.0, 0.0, 0.0])
    impactor = np.concatenate([earth_p - 0.02 * toward, earth_v + 0.01 * toward])
    el = _elements(ENCKE)
    normal = _initial_state(el)[0]
    res = nbody.propagate_states_nbody(np.array([impactor, normal]), [t0, ENCKE["epoch"]],
                                       np.linspace(t0, t0 + 10.0, 11), ephemeris=EPH)
    assert res.status[0] == st.CLOSE_ENCOUNTER
    assert np.all(np.isnan(res.states[0]))
    assert res.status[1] == st.OK


def test_bad_elements_missing_epochs_and_coverage():
    el = _elements(ENCKE, dict(ENCKE, q=-1.0), dict(ENCKE, epoch=np.nan), dict(ENCKE, epoch=2400000.5))
    times = np.array([2460300.5, 2460400.5])
    states, status = nbody.propagate_nbody(el, times, ephemeris=EPH)
    assert status.tolist() == [st.OK, st.INVALID_ELEMENTS, st.OK, st.OUTSIDE_EPHEMERIS]
    assert np.all(np.isnan(states[[1, 3]]))
    # a missing epoch means "osculating at perihelion": the same as epoch = tp
    at_tp, _ = nbody.propagate_nbody(_elements(dict(ENCKE, epoch=ENCKE["tp"])), times, ephemeris=EPH)
    np.testing.assert_array_equal(states[2], at_tp[0])
    with pytest.raises(EphemerisCoverageError, match="outside ephemeris"):
        nbody.propagate_nbody(el[:1], [2490000.5], ephemeris=EPH)
    with pytest.raises(TypeError, match="asteroids"):  # no asteroid perturbers: not an option
        nbody.propagate_nbody(el[:1], times, ephemeris=EPH, asteroids=True)


def test_nongrav_time_delay_has_a_small_proportional_effect():
    # DT delays the sublimation law: for Halley the effect of DT = 5 and 10 days must be a
    # fraction of the whole non-grav effect and grow about linearly with DT.
    times = np.linspace(2446431.5, 2446795.5, 30)
    runs = {}
    for dt in (0.0, 5.0, 10.0):
        runs[dt] = nbody.propagate_nbody(_elements(dict(HALLEY, DT=dt)), times, ephemeris=EPH)[0][0, :, :3]
    no_ng = nbody.propagate_nbody(_elements(HALLEY), times, ephemeris=EPH, nongrav=False)[0][0, :, :3]
    d5 = np.linalg.norm(runs[5.0] - runs[0.0], axis=1).max() * M
    d10 = np.linalg.norm(runs[10.0] - runs[0.0], axis=1).max() * M
    whole = np.linalg.norm(no_ng - runs[0.0], axis=1).max() * M
    assert 0 < d5 < d10 < 0.5 * whole
    assert 1.6 < d10 / d5 < 2.4


def test_chunks_and_lane_compaction_do_not_change_the_answers():
    # 16 comets: the distant ones finish in ~20 steps, the Encke-like ones need 100-200, so
    # the batch of 16 lanes is compacted to 8 on the way; with max_lanes=8 it is also chunked.
    rng = np.random.default_rng(7)
    comets = []
    for j in range(16):
        q, e = (0.34, 0.85) if j % 4 == 0 else (rng.uniform(3.0, 6.0), rng.uniform(0.0, 0.6))
        comets.append(dict(q=q, e=e, i=rng.uniform(0, 2), node=rng.uniform(0, 6), argp=rng.uniform(0, 6),
                           tp=2460300.5 + rng.uniform(-500, 500), epoch=2460200.5))
    el = _elements(*comets)
    times = np.linspace(2460200.5, 2462000.5, 20)
    batch = nbody.propagate_nbody_result(el, times, ephemeris=EPH)
    chunked = nbody.propagate_nbody_result(el, times, ephemeris=EPH, max_lanes=8)
    assert np.all(batch.status == st.OK)
    assert batch.n_steps.max() > 4 * batch.n_steps.min()
    for j in (0, 1, 8, 15):  # alone: no compaction, no chunks
        alone = nbody.propagate_nbody_result(el[j], times, ephemeris=EPH)
        np.testing.assert_allclose(batch.states[j], alone.states[0], rtol=0, atol=1e-3 / M)
        np.testing.assert_allclose(chunked.states[j], alone.states[0], rtol=0, atol=1e-3 / M)


def test_pools_cover_every_lane_once_in_the_given_order(monkeypatch):
    monkeypatch.setattr(nbody, "_cpu_cores", lambda: 2)
    rng = np.random.default_rng(5)
    for n_lanes, count in ((1, 1), (40, 1), (100, 2), (1000, 2), (10_000, 2)):
        order = rng.permutation(n_lanes)
        pools = nbody._pools(order)
        assert len(pools) == count
        assert np.array_equal(np.sort(np.concatenate(pools)), np.arange(n_lanes))  # each lane exactly once
        rank = np.argsort(order)
        assert all(np.all(np.diff(rank[p]) > 0) for p in pools)  # each pool keeps the order
        assert min(p.size for p in pools) >= min(n_lanes, nbody.MIN_POOL_LANES)
    assert nbody._pools(np.arange(0)) == []


def test_effort_ranks_perihelion_passages_near_the_sun_first():
    # Three orbits over 10 years: Encke-like (3.3-year period, q = 0.34 au: three close
    # perihelia), a Jupiter-family comet (6.5 years, q = 1.5 au: one or two), and a distant
    # one (q = 8 au, centuries: none). Backward in time counts passages behind the start.
    from encke.engine import conics

    comets = [ENCKE, dict(q=1.5, e=0.57, i=0.2, node=1.0, argp=2.0, tp=2460900.5, epoch=2460200.5),
              dict(q=8.0, e=0.6, i=0.3, node=2.0, argp=1.0, tp=2470000.5, epoch=2460200.5)]
    el = _elements(*comets)
    epoch = np.asarray(el.epoch)
    states = conics.elements_to_state(el, epoch, frame="icrf")
    effort = nbody._effort(states[:, :3], states[:, 3:], np.full(3, 3652.5))
    assert effort[0] > effort[1] > effort[2] == 0.0
    back = nbody._effort(states[:, :3], states[:, 3:], np.full(3, -3652.5))
    assert back[0] > back[1] > back[2] == 0.0


def test_batches_without_nongrav_skip_it_and_get_the_same_orbits():
    # No comet with A1..A3: the non-grav term is compiled out (with_nongrav=False). A batch
    # where one comet carries a negligible A1 runs the full force; the orbits must agree.
    rng = np.random.default_rng(11)
    comets = [dict(q=rng.uniform(0.5, 5.0), e=rng.uniform(0.1, 0.9), i=rng.uniform(0, 2), node=rng.uniform(0, 6),
                   argp=rng.uniform(0, 6), tp=2460300.5 + rng.uniform(-500, 500), epoch=2460200.5) for _ in range(6)]
    times = np.linspace(2460200.5, 2461600.5, 8)
    skipped = nbody.propagate_nbody_result(_elements(*comets), times, ephemeris=EPH)
    comets[0] = dict(comets[0], A1=1e-30)
    full = nbody.propagate_nbody_result(_elements(*comets), times, ephemeris=EPH)
    assert np.all(skipped.status == st.OK) and np.all(full.status == st.OK)
    np.testing.assert_allclose(skipped.states[..., :3], full.states[..., :3], rtol=0, atol=1e-3 / M)


def test_holding_the_small_terms_after_the_first_sweeps_changes_no_orbit(monkeypatch):
    # ias15 evaluates relativity and non-grav (Force.small) in the first SMALL_SWEEPS sweeps of
    # each step only. Evaluated in every sweep instead, Halley (A1, A2, through perihelion) and
    # an Encke-like orbit with a strong A1, 38 years back, must land within 1 m of the same
    # places. Measured: 0.3 mm and 0.17 m; holding after two sweeps instead of three: 4.2 m.
    # The Encke-like orbit amplifies rounding: dropping the perturber table's sub-ulp terms
    # (engine/perturbers.py) alone moved it by 0.26 m, so below ~0.5 m is noise.
    import jax

    from encke.engine import ias15

    comets = [HALLEY, dict(ENCKE, A1=2e-8, A2=-5e-10)]
    times = np.linspace(2446300.5, 2449400.5, 6)
    held = nbody.propagate_nbody_result(_elements(*comets), times, ephemeris=EPH)
    monkeypatch.setattr(ias15, "SMALL_SWEEPS", ias15.PC_MAX_ITER)
    jax.clear_caches()  # SMALL_SWEEPS is read when the loop is traced
    every = nbody.propagate_nbody_result(_elements(*comets), times, ephemeris=EPH)
    jax.clear_caches()
    assert np.all(held.status == st.OK) and np.all(every.status == st.OK)
    d = np.linalg.norm(held.states[..., :3] - every.states[..., :3], axis=-1) * M
    assert d.max() < 1.0, d.max(axis=1)


def test_lanes_last_force_hooks_change_no_orbit(monkeypatch):
    # nbody's force gives ias15 its point masses and small terms for every lane at every node
    # at once (Force.accel_lanes_last, small_lanes_last). Without them ias15 vmaps the
    # per-comet functions; the orbits must be the same to rounding (Halley through
    # perihelion, and an Encke-like orbit with a strong A1, 38 years back). Measured:
    # identical to the bit.
    import jax

    comets = [HALLEY, dict(ENCKE, A1=2e-8, A2=-5e-10)]
    times = np.linspace(2446300.5, 2449400.5, 6)
    hooked = nbody.propagate_nbody_result(_elements(*comets), times, ephemeris=EPH)
    force = nbody.ForceModel.force
    monkeypatch.setattr(nbody.ForceModel, "force",
                        lambda self: force(self)._replace(accel_lanes_last=None, small_lanes_last=None))
    jax.clear_caches()
    vmapped = nbody.propagate_nbody_result(_elements(*comets), times, ephemeris=EPH)
    jax.clear_caches()
    assert np.all(hooked.status == st.OK) and np.all(vmapped.status == st.OK)
    d = np.linalg.norm(hooked.states[..., :3] - vmapped.states[..., :3], axis=-1) * M
    assert d.max() < 1e-3, d.max(axis=1)
