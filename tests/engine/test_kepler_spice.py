"""Two-body accuracy against SPICE (spiceypy.conics, CSPICE's CONICS/PROP2B) in every regime.

SPICE's conics agrees with a 60-digit reference to 1e-11 relative up to e = 10 and +/-100
years (docs/numerics.md), so a 1e-10 bound on our difference measures our error.
"""
import math
import zlib

import numpy as np
import pytest
import spiceypy

from encke.engine.conics import elements_to_state
from encke.engine.constants import GM_SUN, J2000_JD
from encke.engine.elements import CometaryElements
from encke.engine.propagate import propagate

YEAR = 365.25
N_PER_REGIME = 2000
DEG = math.pi / 180.0


def _random_orbits(rng, regime, n):
    if regime == "circular":
        e = np.zeros(n)
    elif regime == "elliptic":
        e = rng.uniform(0.0, 0.99, n)
    elif regime == "high-e elliptic":
        e = 1.0 - 10 ** rng.uniform(-8, -2, n)
    elif regime == "parabolic":
        e = np.ones(n)
    elif regime == "near-parabolic":
        e = 1.0 + rng.uniform(-1e-8, 1e-8, n)
    elif regime == "hyperbolic":
        e = 1.0 + 10 ** rng.uniform(-8, math.log10(9.0), n)
    else:
        raise AssertionError(regime)
    # Perihelion distances of real comets: sungrazers (0.005 au) to the outer solar system.
    q = 10 ** rng.uniform(math.log10(0.005), math.log10(60.0), n)
    return CometaryElements(
        q=q, e=e, i=rng.uniform(0, math.pi, n), node=rng.uniform(0, 2 * math.pi, n),
        argp=rng.uniform(0, 2 * math.pi, n), tp=J2000_JD + rng.uniform(-50, 50, n) * YEAR,
    )


def _spice_states(el, t):
    return np.array([
        spiceypy.conics([el.q[k], el.e[k], el.i[k], el.node[k], el.argp[k], 0.0, el.tp[k], GM_SUN], t[k])
        for k in range(len(el))
    ])


def _position_tolerance(states, el, t):
    """1e-10 relative, widened by the float64 conditioning of long spans on short periods.

    dt = t - tp and the period are known to ~1 ulp, so any float64 propagation carries a time
    error of a few 1e-16 |dt| (on ellipses through the reduction by whole periods), which
    moves the position by |v| times that: a relative error of ~4e-16 |dt| |v| / |r|. It
    matters only for sungrazing short-period ellipses: a 4-day orbit at q = 0.005 au over 55
    years reaches 1.6e-10 (an 80-bit reference puts CSPICE at a quarter of encke's error
    there: its reduction is done with more care). Everything else meets 1e-10 flat.
    """
    speed_over_r = np.linalg.norm(states[:, 3:], axis=1) / np.linalg.norm(states[:, :3], axis=1)
    return 1e-10 + 4e-16 * np.abs(t - el.tp) * speed_over_r


def _relative_errors(ours, ref):
    dp = np.linalg.norm(ours[:, :3] - ref[:, :3], axis=1) / np.linalg.norm(ref[:, :3], axis=1)
    dv = np.linalg.norm(ours[:, 3:] - ref[:, 3:], axis=1) / np.linalg.norm(ref[:, 3:], axis=1)
    return dp, dv


REGIMES = ("circular", "elliptic", "high-e elliptic", "parabolic", "near-parabolic", "hyperbolic")


@pytest.mark.parametrize("regime", REGIMES)
def test_random_orbits_match_spice(regime):
    rng = np.random.default_rng(zlib.crc32(regime.encode()))
    el = _random_orbits(rng, regime, N_PER_REGIME)
    # dt = t - tp spans +/-100 years.
    t = el.tp + rng.uniform(-100, 100, N_PER_REGIME) * YEAR
    ours = elements_to_state(el, t)
    ref = _spice_states(el, t)
    dp, dv = _relative_errors(ours, ref)
    tol = _position_tolerance(ref, el, t)
    worst = int(np.argmax(dp / tol))
    assert np.all(dp <= tol), (regime, dp[worst], tol[worst], el.q[worst], el.e[worst], (t - el.tp)[worst])
    assert np.all(dv <= 10 * tol), (regime, dv.max())
    # The widening only matters for short-period ellipses; everything else meets 1e-10 flat.
    flat = tol <= 1.01e-10
    assert flat.mean() > 0.5
    assert dp[flat].max() <= 1.01e-10 and dv[flat].max() <= 1e-9


def test_grid_propagation_matches_spice_forward_and_backward():
    """propagate() over an N x M grid, epochs before and after perihelion, every regime mixed."""
    rng = np.random.default_rng(7)
    el = CometaryElements.concatenate([_random_orbits(rng, r, 40) for r in REGIMES])
    times = J2000_JD + np.linspace(-100, 100, 21) * YEAR
    states = propagate(el, times)
    assert states.shape == (len(el), times.size, 6)
    flat_el = el[np.repeat(np.arange(len(el)), times.size)]
    flat_t = np.tile(times, len(el))
    ref = _spice_states(flat_el, flat_t)
    dp, dv = _relative_errors(states.reshape(-1, 6), ref)
    tol = _position_tolerance(ref, flat_el, flat_t)
    assert np.all(dp <= tol) and np.all(dv <= 10 * tol), (dp.max(), dv.max())


# Named regimes. Elements from the MPC file CometEls-2024-09-07.txt (shared/data/cometels),
# except C/2022 E3 at e = 1.0003 (the solution of adam_core issue #210, where it came out at
# 30,000 au) and C/2010 J4 at e = 0.9999988 (kete issue #117), whose angles are illustrative.
# (q au, e, i deg, node deg, argp deg, tp TDB JD)
NAMED = {
    "C/2022 E3 (e=1.0003)": (1.112, 1.0003, 109.17, 302.54, 145.81, 2459957.17),
    "C/2022 E3 (MPC 2024)": (1.112755, 1.000021, 109.1695, 302.5375, 145.8099, 2459957.1691),
    "C/2010 J4 (e=0.9999988)": (1.0858, 0.9999988, 162.3, 63.9, 145.0, 2455305.5),
    "1P/Halley": (0.588733, 0.967048, 162.2070, 59.6962, 112.6084, 2474076.8628),
    "2P/Encke": (0.339450, 0.846983, 11.3392, 334.0148, 187.2837, 2460240.0325),
    "circular 1 au": (1.0, 0.0, 5.0, 40.0, 0.0, 2451545.0),
    "hyperbola e=5": (0.8, 5.0, 30.0, 120.0, 250.0, 2460000.5),
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_regimes_match_spice(name):
    q, e, i, node, argp, tp = NAMED[name]
    el = CometaryElements(q=q, e=e, i=i * DEG, node=node * DEG, argp=argp * DEG, tp=tp)
    # Every 5 days for +/-2 years around perihelion, then out to +/-100 years.
    offsets = np.concatenate([np.arange(-730.0, 731.0, 5.0), np.linspace(-100 * YEAR, 100 * YEAR, 81)])
    times = tp + offsets
    states = propagate(el, times)[0]
    ref = _spice_states(el[np.zeros(times.size, dtype=int)], times)
    dp, dv = _relative_errors(states, ref)
    assert dp.max() <= 1e-10 and dv.max() <= 1e-9, (name, dp.max(), dv.max())
    r = np.linalg.norm(states[:, :3], axis=1)
    assert r.min() >= q * (1 - 1e-12)  # never inside perihelion
    if e >= 1:  # the adam_core failure: an open orbit 100 years out is nowhere near 30,000 au
        v_inf2 = GM_SUN * (e - 1) / q
        assert r.max() <= 100 * YEAR * math.sqrt(v_inf2) + 100 * (1 + 100 ** (2 / 3))
