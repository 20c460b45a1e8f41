"""IAS15 on problems with known answers: two-body motion (SPICE prop2b), GR precession.

Every test goes through one jitted function with fixed shapes (8 lanes, 64 output times), so
the integrator compiles once for this module.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import spiceypy

import encke.engine  # noqa: F401  (x64)
from encke.engine import constants, forces, ias15
from encke.engine import status as st

MU = constants.GM_SUN
EPOCH = 2451545.0
LANES, M = 8, 64
SUN_RADIUS = 0.00465047


def _force(t, x, v, gr):
    """The Sun alone at the origin, plus `gr` times its 1PN term (gr is a per-lane 0 or 1)."""
    r = jnp.sqrt(x @ x)
    a = -MU * x / r**3 + gr * forces.sun_relativity(x, v, MU)
    return a, r / SUN_RADIUS


@jax.jit
def _integrate(x0, v0, epoch, tau_end, dt0, gr, times, cfg):
    return ias15.integrate(_force, x0, v0, epoch, tau_end, dt0, gr, times, cfg)


def run(states, tau_end, times, *, epsilon=1e-9, max_steps=50_000, gr=None, epochs=None):
    """Pad to the module's fixed shapes, integrate, and cut the padding off again."""
    states = np.atleast_2d(states)
    n, m = len(states), len(times)
    assert n <= LANES and m <= M
    pad = LANES - n
    x0 = np.concatenate([states[:, :3], np.repeat(states[:1, :3], pad, 0)])
    v0 = np.concatenate([states[:, 3:], np.repeat(states[:1, 3:], pad, 0)])
    epochs = np.full(n, EPOCH) if epochs is None else np.asarray(epochs, float)
    ep = np.concatenate([epochs, np.full(pad, EPOCH)])
    te = np.concatenate([np.broadcast_to(tau_end, (n,)), np.zeros(pad)])
    g = np.concatenate([np.zeros(n) if gr is None else np.broadcast_to(gr, (n,)), np.zeros(pad)])
    tt = np.concatenate([times, np.full(M - m, times[-1])])
    cfg = ias15.Config(*[jnp.asarray(v) for v in ias15.Config(epsilon=epsilon, max_steps=max_steps)])
    res = _integrate(x0, v0, ep, te, np.full(LANES, 0.01), g, tt, cfg)
    return ias15.Result(*(np.asarray(a)[:n] for a in res))._replace(states=np.asarray(res.states)[:n, :m])


def conic_state(q, e, days_from_perihelion, i=0.5, node=1.0, argp=2.0):
    return np.asarray(spiceypy.conics([q, e, i, node, argp, 0.0, 0.0, MU], days_from_perihelion))


# Named regimes: circular, elliptic, Halley-like, near-parabolic, parabolic, hyperbolic and a
# sungrazer (q = 0.006 au, 1.3 solar radii), each starting before perihelion.
REGIMES = {
    "circular": (1.0, 0.0, -100.0),
    "elliptic": (0.5, 0.5, -30.0),
    "halley": (0.586, 0.967, -200.0),
    "near-parabolic": (0.8, 1.0 - 1e-7, -150.0),
    "parabolic": (1.5, 1.0, -100.0),
    "hyperbolic": (1.0, 1.6, -60.0),
    "sungrazer": (0.006, 0.9999, -5.0),
}


def _max_error_m(res, states, times):
    err = 0.0
    for lane, s0 in enumerate(states):
        for m, t in enumerate(times):
            ref = spiceypy.prop2b(MU, s0, t - EPOCH)
            got = res.states[lane, m]
            assert np.all(np.isfinite(got)), (lane, m)
            err = max(err, np.linalg.norm(got[:3] - ref[:3]) * constants.AU_M)
    return err


@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_two_body_regimes_match_prop2b_to_submetre_over_ten_years(direction):
    states = np.array([conic_state(q, e, t) for q, e, t in REGIMES.values()])
    span = 3652.5 * direction
    times = EPOCH + np.linspace(0.0, span, 37)[1:]
    res = run(states, span, times)
    assert np.all(res.status == st.OK)
    for lane, name in enumerate(REGIMES):
        err = _max_error_m(ias15.Result(res.states[lane : lane + 1], *res[1:]), states[lane : lane + 1], times)
        assert err < 0.5, f"{name}: {err:.3f} m"


def test_dense_output_matches_a_step_landing_exactly_on_the_time():
    # the same times requested inside steps (dense) and as the lane's end (a step boundary)
    state = conic_state(0.586, 0.967, -20.0)
    times = EPOCH + np.array([3.3, 17.77, 40.123])
    dense = run(state, 60.0, times).states[0]
    for m, t in enumerate(times):
        end = run(state, t - EPOCH, times[m : m + 1]).states[0, 0]
        assert np.linalg.norm(dense[m, :3] - end[:3]) * constants.AU_M < 0.01
        assert np.linalg.norm(dense[m, 3:] - end[3:]) * constants.AU_M / constants.DAY_S < 1e-5  # m/s


def test_halving_epsilon_moves_a_very_eccentric_orbit_by_millimetres():
    # the trap: a loose tolerance on e ~ 0.9999 can look converged yet be km off
    states = np.array([conic_state(0.006, 0.9999, -5.0), conic_state(0.586, 0.967, -200.0)])
    times = EPOCH + np.array([5.0, 100.0, 1000.0])
    a = run(states, 1000.0, times, epsilon=1e-9)
    b = run(states, 1000.0, times, epsilon=0.5e-9)
    assert np.all(b.n_steps > a.n_steps)  # the halved tolerance really took smaller steps
    moved = np.linalg.norm(a.states[..., :3] - b.states[..., :3], axis=-1) * constants.AU_M
    assert moved.max() < 0.05, moved
    assert _max_error_m(a, states, times) < 0.5


def test_forward_then_back_returns_to_the_start():
    state = conic_state(0.586, 0.967, -200.0)
    t_end = EPOCH + 4000.0
    out = run(state, 4000.0, np.array([t_end])).states[0, 0]
    back = run(out, -4000.0, np.array([EPOCH]), epochs=[t_end]).states[0, 0]
    assert np.linalg.norm(back[:3] - state[:3]) * constants.AU_M < 0.05
    assert np.linalg.norm(back[3:] - state[3:]) * constants.AU_M / constants.DAY_S < 1e-6


def test_a_hard_lane_does_not_change_an_easy_lane():
    easy = conic_state(1.0, 0.1, 0.0)
    hard = conic_state(0.006, 0.9999, -5.0)
    times = EPOCH + np.linspace(10.0, 400.0, 20)
    alone = run(easy, 400.0, times)
    together = run(np.array([hard, easy, hard]), 400.0, times)
    assert together.n_steps[0] > 3 * alone.n_steps[0]  # the hard lane really is hard
    np.testing.assert_array_equal(together.states[1], alone.states[0])  # bit for bit
    assert together.n_steps[1] == alone.n_steps[0]


def test_lanes_with_different_epochs_and_directions_in_one_call():
    s0 = conic_state(0.5, 0.5, -30.0)
    s1 = spiceypy.prop2b(MU, s0, 200.0)  # the same orbit, 200 days later
    times = EPOCH + np.array([-100.0, 50.0, 150.0, 300.0])
    # lane 0 forward from EPOCH, lane 1 backward from EPOCH + 200, lane 2 forward from it
    res = run(np.array([s0, s1, s1]), np.array([300.0, -300.0, 100.0]), times,
              epochs=[EPOCH, EPOCH + 200, EPOCH + 200])
    for m, t in enumerate(times):
        ref = spiceypy.prop2b(MU, s0, t - EPOCH)[:3]
        if t >= EPOCH:
            assert np.linalg.norm(res.states[0, m, :3] - ref) * constants.AU_M < 0.05
        else:
            assert np.all(np.isnan(res.states[0, m]))  # behind lane 0's start
        if t <= EPOCH + 200:
            assert np.linalg.norm(res.states[1, m, :3] - ref) * constants.AU_M < 0.05
        if t >= EPOCH + 200:
            assert np.linalg.norm(res.states[2, m, :3] - ref) * constants.AU_M < 0.05


def test_step_budget_and_close_encounter_statuses():
    ok = conic_state(1.0, 0.1, 0.0)
    inside_sun = conic_state(0.003, 0.999, -3.0)  # perihelion below the photosphere
    times = EPOCH + np.array([10.0, 400.0])
    res = run(np.array([ok, inside_sun]), 400.0, times)
    assert res.status[0] == st.OK
    assert res.status[1] == st.CLOSE_ENCOUNTER
    assert np.all(np.isnan(res.states[1, 1]))  # nothing after the encounter
    limited = run(np.array([ok, ok]), 400.0, times, max_steps=5)
    assert np.all(limited.status == st.STEP_LIMIT)
    assert np.all(limited.n_attempts == 5)


def test_relativity_advances_a_mercury_like_perihelion_by_einsteins_amount():
    a_au, e = 0.387098, 0.205630
    q = a_au * (1 - e)
    state = conic_state(q, e, 0.0, i=0.0, node=0.0, argp=0.0)  # at perihelion, on the x axis
    period = 2 * np.pi * np.sqrt(a_au**3 / MU)
    n_orbits = 20
    times = EPOCH + np.array([n_orbits * period])

    def perihelion_longitude(s):
        r, v = s[:3], s[3:]
        ecc = np.cross(v, np.cross(r, v)) / MU - r / np.linalg.norm(r)  # Laplace-Runge-Lenz
        return np.arctan2(ecc[1], ecc[0])

    res = run(np.array([state, state]), times[0] - EPOCH, times, gr=np.array([0.0, 1.0]), epsilon=1e-10)
    advance = perihelion_longitude(res.states[1, 0]) - perihelion_longitude(res.states[0, 0])
    # Einstein: 6 pi GM / (c^2 a (1 - e^2)) per orbit (0.1035 arcsec for Mercury)
    expected = n_orbits * 6 * np.pi * MU / (constants.C_AU_PER_DAY**2 * a_au * (1 - e**2))
    assert abs(advance / expected - 1) < 0.02, (advance, expected)


def test_dense_polynomial_reproduces_its_own_nodes_exactly():
    # b = W (F - a0) must make the acceleration polynomial interpolate F at the seven nodes
    rng = np.random.default_rng(3)
    f = rng.normal(size=(8, 3))
    b = ias15._W @ (f[1:] - f[0])
    for n, h in enumerate(ias15.NODES):
        poly = f[0] + sum(b[k] * h ** (k + 1) for k in range(7))
        np.testing.assert_allclose(poly, f[n], rtol=0, atol=1e-11)  # cond(V) ~ 1e5
    # velocity weights: what the seven free nodes leave to h = 0 is the Radau weight of the
    # fixed end point, 2/n^2 on [-1, 1] with n = 8 nodes, i.e. 1/64 on [0, 1]
    assert abs((1 - ias15._WV.sum()) - 1 / 64) < 1e-15


@jax.jit
def _pooled(x0, v0, epoch, tau_end, dt0, gr, times, cfg):
    """The same integrations through a pool of LANES rows and only 2 slots that refill."""
    work = ias15.pool(x0, v0, epoch, tau_end, dt0, gr, times.shape[0])
    _, work = ias15.advance(_force, ias15.empty(work, 2, times, cfg), work, times, cfg)
    return ias15.result(work)


def test_slots_that_refill_from_a_pool_give_each_integration_unchanged():
    # seven regimes plus a zero-length row, 2 slots: every slot takes several rows in turn,
    # and each row's outputs, status and step counts must be those of a slot of its own
    states = np.array([conic_state(q, e, t) for q, e, t in REGIMES.values()] + [conic_state(1.0, 0.1, 0.0)])
    tau_end = np.array([400.0, -300.0, 700.0, 200.0, -500.0, 90.0, 30.0, 0.0])
    times = EPOCH + np.concatenate([np.linspace(-300.0, 700.0, 40), np.full(M - 40, 700.0)])
    cfg = ias15.Config(*[jnp.asarray(v) for v in ias15.Config()])
    args = (states[:, :3], states[:, 3:], np.full(LANES, EPOCH), tau_end, np.full(LANES, 0.01), np.zeros(LANES),
            times, cfg)
    own = _integrate(*args)
    shared = _pooled(*args)
    assert np.all(np.asarray(own.status) == st.OK)
    assert np.asarray(own.n_steps)[:-1].min() > 5 and np.asarray(own.n_steps)[-1] == 0
    for a, b in zip(own, shared):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
