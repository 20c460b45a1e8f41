"""Seeded synthetic comet populations for the benchmarks, beside the MPC catalog's own orbits.

The catalog's comets are a mix in which easy orbits (q > 2 au, far from the Sun for the whole
run) dominate; a speed measured only there hides the cases people watch most. Each
population here stresses one regime:

- near-earth: q in 0.3-1.3 au, e in 0.5-0.995 (short- and long-period comets that come inside
  Earth's orbit; the Sun's pull and its Chebyshev record joins dominate the step count);
- jupiter-family: q in 1-2.5 au, aphelion Q in 4-6 au, i < 30 deg (inner comets that meet
  Jupiter every few orbits);
- halley-lp: half Halley-type (period 20-200 years, q 0.5-4 au), half long-period
  (e 0.98-0.9999, q 0.5-6 au), isotropic inclinations;
- hyperbolic: e in 1-3, q in 0.5-6 au;
- mix: q uniform in 0.3-6 au, 15% hyperbolic (e 1-2), the rest e 0.05-0.995 (the sample of
  issue 17's table).

Angles are isotropic (i from cos i uniform unless stated), node and argp uniform. Perihelion
times: elliptic orbits get tp = epoch + u * min(P/2, 10 years) with u uniform in -1..1 (a
random phase for short periods; for long periods a passage within 10 years, as for comets
that are observed); hyperbolic orbits a passage within 5 years. Every population is a pure
function of (name, seed, epoch) and prefix-stable (the first k orbits do not depend on n),
so every run, size and engine sees the same orbits.
"""
from __future__ import annotations

import math

import numpy as np

YEAR = 365.25
K_GAUSS = 0.01720209895  # au^1.5 / day: the period P = 2 pi a^1.5 / k (GM of the elements)
POPULATIONS = ("near-earth", "jupiter-family", "halley-lp", "hyperbolic", "mix")
DEFAULT_SEED = 17
BLOCK = 1000


def _isotropic_i(rng, n, max_deg=180.0):
    """Inclinations (rad) with cos i uniform on [cos max, 1]."""
    lo = math.cos(math.radians(max_deg))
    return np.arccos(rng.uniform(lo, 1.0, n))


def _tp(rng, q, e, epoch):
    """Perihelion times: within min(P/2, 10 yr) of epoch for ellipses, 5 yr for hyperbolas."""
    a = np.where(e < 1.0, q / np.maximum(1.0 - e, 1e-300), np.inf)
    period = np.where(e < 1.0, 2.0 * np.pi * a**1.5 / K_GAUSS, np.inf)
    half = np.where(e < 1.0, np.minimum(period / 2.0, 10.0 * YEAR), 5.0 * YEAR)
    return epoch + rng.uniform(-1.0, 1.0, len(q)) * half


def _shape(name: str, rng, n: int):
    """(q, e, i) for one population."""
    if name == "near-earth":
        return rng.uniform(0.3, 1.3, n), rng.uniform(0.5, 0.995, n), _isotropic_i(rng, n)
    if name == "jupiter-family":
        q, big_q = rng.uniform(1.0, 2.5, n), rng.uniform(4.0, 6.0, n)
        return q, (big_q - q) / (big_q + q), _isotropic_i(rng, n, 30.0)
    if name == "halley-lp":
        halley = rng.uniform(size=n) < 0.5
        q = np.where(halley, rng.uniform(0.5, 4.0, n), rng.uniform(0.5, 6.0, n))
        a = (rng.uniform(20.0, 200.0, n)) ** (2.0 / 3.0)  # Kepler's third law, years -> au
        e = np.where(halley, 1.0 - q / np.maximum(a, q / 0.9), rng.uniform(0.98, 0.9999, n))
        return q, e, _isotropic_i(rng, n)
    if name == "hyperbolic":
        return rng.uniform(0.5, 6.0, n), rng.uniform(1.0, 3.0, n), _isotropic_i(rng, n)
    if name == "mix":
        hyper = rng.uniform(size=n) < 0.15
        e = np.where(hyper, rng.uniform(1.0, 2.0, n), rng.uniform(0.05, 0.995, n))
        return rng.uniform(0.3, 6.0, n), e, _isotropic_i(rng, n)
    raise ValueError(f"population must be one of {POPULATIONS}, got {name!r}")


def elements(name: str, n: int, epoch: float, seed: int = DEFAULT_SEED):
    """CometaryElements (n,) of population `name`, osculating at `epoch` (TDB JD), no non-grav."""
    from encke.engine.elements import CometaryElements

    if name not in POPULATIONS:
        raise ValueError(f"population must be one of {POPULATIONS}, got {name!r}")
    # Blocks of BLOCK orbits, each from its own stream (seed, population, block): the first k
    # orbits are the same whatever n, and no population's orbits depend on another's.
    cols = []
    for block in range(-(-n // BLOCK)):
        rng = np.random.default_rng([seed, POPULATIONS.index(name), block])
        q, e, i = _shape(name, rng, BLOCK)
        cols.append((q, e, i, rng.uniform(0, 2 * np.pi, BLOCK), rng.uniform(0, 2 * np.pi, BLOCK), _tp(rng, q, e, epoch)))
    q, e, i, node, argp, tp = (np.concatenate(c)[:n] for c in zip(*cols)) if cols else [np.empty(0)] * 6
    return CometaryElements(q=q, e=e, i=i, node=node, argp=argp, tp=tp, epoch=np.full(n, epoch))


def barycentric_states(el, eph) -> np.ndarray:
    """(n, 6) barycentric ICRF states (au, au/day) at each element's epoch: the conic about the
    Sun (GM_SUN, as the catalogs' elements) plus the ephemeris' Sun."""
    from encke.engine import constants
    from encke.engine.conics import elements_to_state

    helio = elements_to_state(el, el.epoch, mu=constants.GM_SUN, frame="icrf")
    sun_p, sun_v = eph.state(10, np.asarray(el.epoch))
    return helio + np.concatenate([np.asarray(sun_p), np.asarray(sun_v)], axis=1)


def nongrav(n: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """(n, 4) Marsden A1, A2, A3, DT: A1 = 10^U(-10,-8), A2 = +/-10^U(-11,-9) au/day^2, A3 = DT = 0
    (ASSIST has no time delay), as comets with measured non-gravitational terms. Prefix-stable
    like elements()."""
    blocks = []
    for block in range(-(-n // BLOCK)):
        rng = np.random.default_rng([seed, 1000, block])
        ng = np.zeros((BLOCK, 4))
        ng[:, 0] = 10.0 ** rng.uniform(-10, -8, BLOCK)
        ng[:, 1] = rng.choice([-1.0, 1.0], BLOCK) * 10.0 ** rng.uniform(-11, -9, BLOCK)
        blocks.append(ng)
    return np.concatenate(blocks)[:n] if blocks else np.zeros((0, 4))


def describe(name: str, el) -> str:
    """One line: the population's q, e ranges and how many are hyperbolic or inner (q < 2 au)."""
    q, e = np.asarray(el.q), np.asarray(el.e)
    return (f"{name}: n={len(q)}, q {q.min():.2f}-{q.max():.2f} au, e {e.min():.3f}-{e.max():.3f}, "
            f"{int((e >= 1).sum())} hyperbolic, {int((q < 2).sum())} with q < 2 au")
