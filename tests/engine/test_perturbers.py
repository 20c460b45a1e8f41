"""The perturber table (engine/perturbers.py) against the kernel it is built from."""
import jax
import numpy as np
import pytest

import encke.engine  # noqa: F401  (x64)
from encke.engine import batching, constants, nbody, perturbers
from encke.engine.ephemeris import load_ephemeris

MM_PER_AU = constants.AU_M * 1e3
START, STOP = 2458849.5 + 0.3, 2462502.5 - 0.2  # 2020-2030, not on slot joins


@pytest.mark.parametrize("name", ["de421", "de440"])
def test_common_grid_is_four_days_on_the_records_of_every_body(name):
    eph = load_ephemeris(name)
    origin, slot = perturbers.common_grid(eph, nbody.TARGETS)
    assert slot == 4.0
    for target, center in ((10, 0), (5, 0), (301, 3), (1, 0)):
        rec_origin, length = eph.record_grid(target, center)
        assert length % slot == 0 and (rec_origin - origin) % slot == 0


@pytest.mark.parametrize("name", ["de421", "de440"])
def test_table_reproduces_the_kernel_for_every_perturber(name):
    eph = load_ephemeris(name)
    table = perturbers.build(eph, nbody.TARGETS, START, STOP)
    origin, slot = float(table.origin), float(table.slot_days)
    rng = np.random.default_rng(7)
    # both sides of the slot joins (at a join itself the kernel's records disagree by its own
    # fitting discontinuity, up to 3.5 mm for Mercury, and either side is right), the span's ends
    joins = origin + slot * np.arange(1, 900)
    t = np.concatenate([rng.uniform(START, STOP, 3000), joins + 1e-6, joins - 1e-6, [START, STOP]])
    t = t[(t >= START) & (t <= STOP)]
    pos, sun_v = jax.jit(jax.vmap(table.positions))(t)
    ref = np.asarray(eph.position_many(nbody.TARGETS, t)).transpose(1, 0, 2)
    err_mm = np.max(np.linalg.norm(np.asarray(pos) - ref, axis=-1), axis=0) * MM_PER_AU
    dist = np.max(np.linalg.norm(ref, axis=-1), axis=0)  # au
    speed = np.max(np.linalg.norm(np.asarray(eph.state_many(nbody.TARGETS, t)[1]), axis=-1), axis=1)  # au/day
    # Two roundings bound the agreement: positions at the body's distance (2.2e-16 x 150
    # million km = 0.03 mm per au; ~7 ulp measured), and the kernel's own seconds past J2000
    # (ulp 1.2e-7 s in 2020: 4 mm of Mercury's motion, which the table, working in days from
    # its slot, does not add)
    time_ulp_days = np.spacing((STOP - constants.J2000_JD) * constants.DAY_S) / constants.DAY_S
    assert np.all(err_mm <= 0.5 + 0.3 * dist + 2.0 * speed * time_ulp_days * MM_PER_AU), \
        dict(zip(nbody.TARGETS, err_mm.round(4)))
    assert err_mm[0] < 0.01  # the Sun, which sets the comet's orbit
    _, ref_v = eph.state(10, t)
    assert np.max(np.abs(np.asarray(sun_v) - np.asarray(ref_v))) * MM_PER_AU / constants.DAY_S < 1e-5  # mm/s


def test_table_is_cached_and_padded_to_bucket_sizes():
    eph = load_ephemeris("de421")
    a = perturbers.build(eph, nbody.TARGETS, START, STOP)
    b = perturbers.build(eph, nbody.TARGETS, START, STOP)
    assert a is b
    n_slots = int(np.floor((STOP - float(a.origin)) / 4.0)) + 1
    assert len(a.coef) == len(nbody.TARGETS)
    for body in a.coef:
        assert body.shape[0] == batching.bucket_size(n_slots, perturbers.MIN_SLOTS) >= n_slots
        assert body.shape[2] == 3 and 1 <= body.shape[1] <= 14


@pytest.mark.parametrize("name", ["de421", "de440"])
def test_each_body_drops_only_terms_below_the_threshold(monkeypatch, name):
    # the full series (nothing dropped) against the table: every term kept is the same, and
    # every term dropped is below DROP_BELOW of the body's distance everywhere in the span
    eph = load_ephemeris(name)
    table = perturbers.build(eph, nbody.TARGETS, START, STOP)
    threshold = perturbers.DROP_BELOW
    perturbers._build_cached.cache_clear()
    monkeypatch.setattr(perturbers, "DROP_BELOW", 0.0)
    full = perturbers.build(eph, nbody.TARGETS, START, STOP)
    perturbers._build_cached.cache_clear()
    lengths = [body.shape[1] for body in table.coef]
    assert lengths[nbody.TARGETS.index(5)] < lengths[nbody.TARGETS.index(301)]  # Jupiter's path is smoother
    assert sum(lengths) < sum(body.shape[1] for body in full.coef)
    for kept, whole in zip(table.coef, full.coef):
        n = kept.shape[1]
        np.testing.assert_array_equal(np.asarray(kept), np.asarray(whole)[:, :n])
        dropped = np.abs(np.asarray(whole)[:, n:]).max(initial=0.0)
        assert dropped <= threshold * np.abs(np.asarray(whole)[:, 0]).max()


def test_orbits_from_the_table_match_orbits_from_the_kernel():
    # four comet-like orbits over 10 years: the table changes the perturbers' positions by
    # rounding only. Measured: 6 mm, 0.4 mm and 0.4 mm; 1.4 m for the third, a low-eccentricity
    # orbit at Jupiter's distance, whose repeated approaches amplify any rounding-level change
    eph = load_ephemeris("de421")
    from encke.engine.elements import CometaryElements
    el = CometaryElements(q=[0.336, 1.2, 4.9, 2.5], e=[0.847, 0.6, 0.2, 0.995], i=np.radians([11.35, 5.0, 3.0, 80.0]),
                          node=np.radians([334.2, 10.0, 100.0, 200.0]), argp=np.radians([186.5, 20.0, 0.0, 90.0]),
                          tp=[2460239.5, 2460500.5, 2461000.5, 2460800.5], epoch=[2460200.5] * 4,
                          A1=[1e-9, 0, 0, 2e-8], A2=[1e-10, 0, 0, 0], A3=0.0, DT=0.0)  # fmt: skip
    times = 2460200.5 + np.linspace(-1800.0, 1800.0, 11)
    with_table = nbody.propagate_nbody_result(el, times, ephemeris=eph, tabulate=True)
    from_kernel = nbody.propagate_nbody_result(el, times, ephemeris=eph, tabulate=False)
    assert np.all(with_table.status == 0)
    d = np.linalg.norm(with_table.states[..., :3] - from_kernel.states[..., :3], axis=-1) * constants.AU_M
    worst = d.max(axis=1)
    assert np.all(worst[[0, 1, 3]] < 0.05) and worst[2] < 10.0, worst
