"""The universal-variable solver: Stumpff functions against a 40-digit reference, the worst
lane of the fixed iterations, and the convergence flag."""
import math
from decimal import Decimal, getcontext

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import spiceypy

from encke.engine import kepler
from encke.engine.constants import AU_M, GM_SUN
from encke.engine.kepler import stumpff


def _stumpff_reference(z: float):
    """c2, c3 by their Maclaurin series in 40-digit decimal arithmetic (all z, enough terms)."""
    getcontext().prec = 40
    zd = Decimal(z)
    c2 = c3 = Decimal(0)
    term2, term3 = Decimal(1) / 2, Decimal(1) / 6  # (-z)^k/(2k+2)!, (-z)^k/(2k+3)!
    k = 0
    while True:
        c2 += term2
        c3 += term3
        k += 1
        term2 = term2 * (-zd) / ((2 * k + 1) * (2 * k + 2))
        term3 = term3 * (-zd) / ((2 * k + 2) * (2 * k + 3))
        if k > 10 and abs(term2) < Decimal("1e-35") * abs(c2) and abs(term3) < Decimal("1e-35") * abs(c3):
            return float(c2), float(c3)


def test_stumpff_matches_a_40_digit_reference_everywhere():
    z = np.concatenate([[0.0, 1e-300, -1e-300], np.linspace(-12.5, 12.5, 301), -np.logspace(-8, 3.3, 60),
                        np.logspace(-8, 1.07, 60), [11.999999, 12.000001, -11.999999, -12.000001]])
    c2, c3 = (np.asarray(a) for a in stumpff(jnp.asarray(z)))
    for k, zk in enumerate(z):
        r2, r3 = _stumpff_reference(float(zk))
        # A few ulps, times the condition number of c2, c3 in z: ~sqrt(-z)/2 on the hyperbolic
        # side, where rounding z by eps moves exp(sqrt(-z)/2) by that much.
        tol = 2e-15 * max(1.0, math.sqrt(max(-zk, 0.0)) / 2)
        assert abs(c2[k] - r2) <= tol * abs(r2), (zk, c2[k], r2)
        assert abs(c3[k] - r3) <= tol * abs(r3), (zk, c3[k], r3)
    # The trigonometric branch beyond the series' range (z > 12) for other callers, up to a
    # full revolution (z = 4 pi^2), across the quadrant switches of its own sine and cosine.
    zt = np.concatenate([[13.0, 30.0, 39.0], np.linspace(12.01, 4 * math.pi**2, 41)])
    c2t, c3t = (np.asarray(a) for a in stumpff(jnp.asarray(zt)))
    for k, zk in enumerate(zt):
        r2, r3 = _stumpff_reference(float(zk))
        # Near sqrt(z) = 2 pi, c2 -> 0: absolute accuracy on the scale of its 2/z envelope.
        assert abs(c2t[k] - r2) <= 1e-15 * 2 / zk and abs(c3t[k] - r3) <= 1e-15 / zk


def _lanes(n, seed):
    rng = np.random.default_rng(seed)
    e = np.concatenate([np.zeros(n // 8), rng.uniform(0, 0.999, n // 8), np.ones(n // 8),
                        1 + rng.uniform(-1e-8, 1e-8, n // 8), 1 - 10 ** rng.uniform(-16, -2, n // 8),
                        1 + 10 ** rng.uniform(-16, -2, n // 8), rng.uniform(1, 10, n // 8),
                        rng.uniform(10, 100, n - 7 * (n // 8))])
    q = 10 ** rng.uniform(-2.5, 2, e.size)
    dt = np.sign(rng.uniform(-1, 1, e.size)) * 10 ** rng.uniform(-6, math.log10(1000 * 365.25), e.size)
    return q, e, (1 - e) / q, dt


def test_fixed_iterations_converge_on_the_worst_lane():
    """ITERATIONS fifth-order steps from Mikkola's starter reach the residual test on every
    one of 200,000 lanes in every regime (no lane needs the while loop), and one step fewer
    does not: the count is the smallest that works, not a guess."""
    q, e, alpha, dt = _lanes(200_000, 1)
    sqrt_mu = math.sqrt(GM_SUN)

    def run(iterations):
        red, _ = kepler.reduce_time(alpha, dt, sqrt_mu)
        return kepler.solve(q, e, alpha, red, sqrt_mu, iterations=iterations, max_extra=0)

    _, _, _, conv = jax.jit(lambda: run(kepler.ITERATIONS))()
    assert np.all(np.asarray(conv))
    _, _, _, conv_fewer = jax.jit(lambda: run(kepler.ITERATIONS - 1))()
    assert not np.all(np.asarray(conv_fewer))


def test_the_while_loop_finishes_lanes_the_fixed_steps_leave():
    q, e, alpha, dt = _lanes(20_000, 2)
    sqrt_mu = math.sqrt(GM_SUN)
    red, _ = kepler.reduce_time(alpha, dt, sqrt_mu)
    chi0, *_ = kepler.solve(q, e, alpha, red, sqrt_mu, iterations=0)  # all the work in the loop
    chi2, *_ = kepler.solve(q, e, alpha, red, sqrt_mu)
    for chi in (np.asarray(chi0), np.asarray(chi2)):
        # Kepler's equation holds to the solver's residual tolerance on every lane.
        c2, c3 = (np.asarray(a) for a in stumpff(alpha * chi**2))
        f = q * chi + e * chi**3 * c3 - sqrt_mu * red
        scale = q * np.abs(chi) + np.abs(e * chi**3 * c3) + np.abs(sqrt_mu * red)
        assert np.max(np.abs(f) / scale) <= kepler.RESIDUAL_RTOL
    np.testing.assert_allclose(chi0, chi2, rtol=1e-9, atol=1e-12)


def test_starter_is_exact_for_the_parabola():
    q, dt = np.array([0.5, 1.0, 3.0]), np.array([-400.0, 10.0, 9000.0])
    chi = np.asarray(kepler.starter(q, 1.0, 0.0, dt, math.sqrt(GM_SUN)))
    np.testing.assert_allclose(q * chi + chi**3 / 6, math.sqrt(GM_SUN) * dt, rtol=1e-14)


def test_series_only_stumpff_covers_the_range_needs_hyperbolic_branch_allows():
    z = np.linspace(-20.0, 12.0, 161)
    c2, c3 = (np.asarray(a) for a in stumpff(jnp.asarray(z), hyperbolic=False))
    for k, zk in enumerate(z):
        r2, r3 = _stumpff_reference(float(zk))
        assert abs(c2[k] - r2) <= 2e-15 * abs(r2) and abs(c3[k] - r3) <= 2e-15 * abs(r3), zk
    # The host-side test: H <= asinh(n |dt| / (e - 1)) < 3 keeps z = -H^2 above -9.
    q, e = np.array([1.0, 1.0, 0.5, 2.0]), np.array([0.5, 1.0, 1.00001, 3.0])
    flags = kepler.needs_hyperbolic_branch(q, e, np.full(4, 36525.0), GM_SUN)
    np.testing.assert_array_equal(flags, [False, False, False, True])
    # Check the bound itself on the solved lanes of the e = 1.00001 object.
    alpha = (1 - e[2]) / q[2]
    dt = np.linspace(-36525.0, 36525.0, 101)
    red, _ = kepler.reduce_time(alpha, dt, math.sqrt(GM_SUN))
    chi, *_ = kepler.solve(q[2], e[2], alpha, red, math.sqrt(GM_SUN))
    assert np.max(-alpha * np.asarray(chi) ** 2) < 9.0


@pytest.mark.parametrize("q, e", [(1.0, 0.0), (0.5, 0.6), (0.005, 0.99995), (0.9, 1.0), (1.2, 1.0 + 1e-9),
                                  (1.2, 1.2), (2.0, 5.0), (46.0, 0.995)])
def test_state_after_matches_spice_prop2b_over_any_span(q, e):
    """The state-vector entry point (light time, non-grav delay) from points before, at and
    after perihelion, over steps from a second to a century, against SPICE prop2b. The
    position may be off by the solver's residual tolerance, a time error of RESIDUAL_RTOL |dt|
    (2e-12 |dt| at most the perihelion speed here), plus a millimetre; velocities to 1e-6 m/s."""
    step = jax.jit(jax.vmap(lambda r, v, dt: kepler.state_after(r, v, dt, GM_SUN), in_axes=(None, None, 0)))
    dts = np.array([1e-5, -0.7, 40.0, -400.0, 3000.0, -36525.0])
    v_perihelion = math.sqrt(GM_SUN * (1 + e) / q)
    for t_from_peri in (0.0, -25.0, 300.0):
        s0 = np.asarray(spiceypy.conics([q, e, 0.3, 1.0, 2.0, 0.0, 0.0, GM_SUN], t_from_peri))
        r, v, ok = (np.asarray(a) for a in step(s0[:3], s0[3:], dts))
        assert ok.all(), (q, e, t_from_peri)
        for k, dt in enumerate(dts):
            ref = np.asarray(spiceypy.prop2b(GM_SUN, s0, dt))
            tol_m = 1e-3 + 2 * kepler.RESIDUAL_RTOL * v_perihelion * abs(dt) * AU_M
            assert np.linalg.norm(r[k] - ref[:3]) * AU_M < tol_m, (q, e, t_from_peri, dt)
            assert np.linalg.norm(v[k] - ref[3:]) * AU_M / 86400 < 1e-6, (q, e, t_from_peri, dt)


def test_distance_after_matches_state_after_where_the_series_holds(shared_data):
    """kepler.distance_after (the delay's solver: series Stumpff values, fixed steps, no loop)
    against state_after's distance for every catalog orbit at 81 epochs over +-10 years (every
    phase, hyperbolic orbits included), for delays of +-5 to +-400 days, wherever series_range
    clears the lane."""
    import encke
    cat = encke.read_comets(shared_data / "cometels" / "CometEls-2026-01-03.txt")
    s = np.asarray(encke.propagate(cat.elements, 2461000.5 + np.linspace(-3650.0, 3650.0, 81), frame="icrf"))
    s = s.reshape(-1, 6)
    s = s[np.all(np.isfinite(s), axis=1)]
    delays = np.array([5.0, -5.0, 30.0, -30.0, 100.0, -100.0, 200.0, -200.0, 400.0, -400.0])
    r = np.repeat(s[:, :3], delays.size, axis=0)
    v = np.repeat(s[:, 3:], delays.size, axis=0)
    dt = np.tile(delays, len(s))
    rn = np.linalg.norm(r, axis=1)
    alpha = 2.0 / rn - np.sum(v * v, axis=1) / GM_SUN
    h2 = np.sum(np.cross(r, v) ** 2, axis=1)
    e = np.sqrt(np.maximum(1.0 - h2 / GM_SUN * alpha, 0.0))
    q = h2 / GM_SUN / (1.0 + e)
    ok = kepler.series_range(alpha, q, dt, GM_SUN)
    assert ok.mean() > 0.9 and np.any(ok & (alpha < 0))  # the promise covers almost every lane
    fast, converged = jax.jit(jax.vmap(lambda a, b, c: kepler.distance_after(a, b, c, GM_SUN)))(r[ok], v[ok], dt[ok])
    exact = jax.jit(jax.vmap(lambda a, b, c: kepler.state_after(a, b, c, GM_SUN)[0]))(r[ok], v[ok], dt[ok])
    exact = np.linalg.norm(np.asarray(exact), axis=1)
    assert np.all(np.asarray(converged))
    # a few ulps (5e-14 relative: 7 mm at 1 au), where the delay's g(r') needs ~1e-10
    assert np.max(np.abs(np.asarray(fast) - exact) / exact) < 5e-14
