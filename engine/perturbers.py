"""The perturbers' barycentric positions over one integration span, as one table of Chebyshev
series on a common time grid: what the N-body force evaluates at every step node.

Why: the kernel's own layout stores each body on its own record length
(DE440: the Moon and Earth 4 days, Mercury 8, the Sun, Venus and the Earth-Moon barycentre 16,
Mars to Pluto 32) in three coefficient tables, and a barycentric Earth or Moon is a sum along a
chain of segments: XLA runs a gather per segment group and a Clenshaw recurrence per table.
Here every body is re-expanded on the finest grid (the gcd of the record lengths, 4 days for
DE421 and DE440), so that one time needs one slot index, a row of coefficients per body and one
set of Chebyshev polynomials T_k(s) shared by all bodies. On a 4-day slot a body needs far
fewer terms than its kernel records hold (Jupiter to Pluto 4 or 5, the Moon 13 of 14), and
each keeps only those (_series_lengths), in its own array: 264 coefficients per time instead
of 14 x 33 = 462 in one padded row. A table is built once per integration span and cached.
The timings behind this layout are in docs/performance.md.

Exactness: each slot lies inside one record of every segment (the record grids share their
origin and the slot length divides every record length), so on a slot every body's composed
barycentric path is a polynomial of degree < K (K: the largest coefficient count). Sampling
it at the K Chebyshev points of the slot and transforming (a discrete cosine transform,
orthogonal and well conditioned) gives that same polynomial back to rounding. The terms a
body drops are below DROP_BELOW = 2e-15 of its distance, a few ulp of its position (at the
Earth 0.3 mm summed), and mostly rounding noise themselves: positions agree with the kernel
to its own time resolution (2 um for the Sun, 1-4 mm for the planets, as before the drop;
tested). Joins between slots therefore carry no kinks beyond the kernel's own, which sit on
its record boundaries.

`build` returns None for a kernel whose record grids do not share an origin and a common
divisor (not the case for any JPL DE kernel); the force then evaluates the kernel directly.
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import batching
from .constants import AU_KM, DAY_S, J2000_JD
from .ephemeris import Ephemeris, clenshaw

DROP_BELOW = 2e-15  # a body's series ends at its last term above this fraction of its distance
MIN_SLOTS = 64  # slot counts are padded to batching.bucket_size(n, MIN_SLOTS): few shapes, few compiles


class PerturberTable(NamedTuple):
    """coef: one (S, K_b, 3) array per body: the Chebyshev coefficients (au) of its x, y, z on
    S slots, K_b terms (each body its own; see _series_lengths); origin: TDB JD where slot 0
    starts; slot_days: slot length (days). A PyTree (jit argument)."""

    coef: tuple
    origin: jax.Array
    slot_days: jax.Array

    def positions(self, t, tau=0.0):
        """(B, 3) barycentric positions (au) at TDB JD t + tau (scalars; tau in days), and the
        (3,) velocity (au/day) of body 0 (the Sun, for the force's heliocentric velocities).
        The time in two parts keeps tau's resolution, where t + tau would round to a JD's ulp
        (4.7e-10 days); tau is added to t's fraction of a slot, which does not depend on where
        the table starts, so that a comet's orbit does not depend on the others in its call."""
        n_slots = self.coef[0].shape[0]
        u = (t - self.origin) / self.slot_days  # exact: t and origin are close, slots 2^k days
        whole = jnp.floor(u)
        u = (u - whole) + tau / self.slot_days
        within = jnp.floor(u)
        slot = jnp.clip(whole + within, 0, n_slots - 1)
        s = jnp.clip(2.0 * (u - within) - 1.0, -1.0, 1.0)
        rows = [c[slot.astype(jnp.int32)] for c in self.coef]  # (K_b, 3) each: a gather per body
        # T_k(s) by its recurrence, accumulated coefficient by coefficient (a stacked (K,)
        # basis times the row and a sum measured 1.9x slower under XLA's CPU backend)
        t_prev, t_cur = jnp.ones_like(s), s
        d_prev, d_cur = jnp.zeros_like(s), jnp.ones_like(s)  # T_k'(s)
        pos = [row[0] + row[1] * s for row in rows]
        sun_v = rows[0][1]
        for k in range(2, max(row.shape[0] for row in rows)):
            t_prev, t_cur, d_prev, d_cur = t_cur, 2.0 * s * t_cur - t_prev, d_cur, 2.0 * t_cur + 2.0 * s * d_cur - d_prev
            pos = [p + row[k] * t_cur if k < row.shape[0] else p for p, row in zip(pos, rows)]
            if k < rows[0].shape[0]:
                sun_v = sun_v + rows[0][k] * d_cur
        return jnp.stack(pos), sun_v * (2.0 / self.slot_days)


def _records(eph: Ephemeris, targets) -> dict:
    """{(target, center): Records} of every segment along the targets' chains, each once."""
    return {(r.target, r.center): r for target in targets for r in eph.chain_records(target)}


def common_grid(eph: Ephemeris, targets) -> tuple[float, float] | None:
    """(origin TDB JD, slot days) on which every segment of `targets` has a record join at
    every multiple of its record length, or None when their grids do not line up."""
    used = list(_records(eph, targets).values())
    # records longer than the whole segment (single-record segments such as DE440's
    # Mercury - Mercury barycentre) impose no joins inside it
    lengths = [r.intlen_s for r in used if len(r.mid) > 1]
    if not lengths or any(len(r.mid) > 1 and r.init_s != used[0].init_s for r in used):
        return None
    slot = functools.reduce(math.gcd, (int(round(x)) for x in lengths))
    if slot <= 0 or any(abs(x - round(x)) > 1e-6 for x in lengths):
        return None
    return J2000_JD + used[0].init_s / DAY_S, slot / DAY_S


def _chebyshev_fit_matrix(n_coef: int) -> tuple[np.ndarray, np.ndarray]:
    """Points s_m (K,) and the (K, K) matrix that takes values at them to coefficients c_k."""
    theta = np.pi * (np.arange(n_coef) + 0.5) / n_coef
    fit = 2.0 / n_coef * np.cos(np.outer(np.arange(n_coef), theta))
    fit[0] *= 0.5
    return np.cos(theta), fit


def build(eph: Ephemeris, targets, t_start: float, t_stop: float) -> PerturberTable | None:
    """The table of `targets` (NAIF ids; the first one gets its velocity too) covering the TDB
    JD span [t_start, t_stop] (inside the kernel's coverage), or None (see module docstring)."""
    grid = common_grid(eph, targets)
    if grid is None:
        return None
    origin, slot_days = grid
    first = math.floor((t_start - origin) / slot_days)
    last = math.floor((t_stop - origin) / slot_days)
    return _build_cached(eph, tuple(targets), origin + first * slot_days, slot_days, last - first + 1)


def _segment_samples(rec, slot_mid_s, half_s, points):
    """(S, K, 3) km: one segment's series (Records) at the Chebyshev points of each slot,
    evaluated in the record's own variable. slot_mid - record mid is a whole number of seconds
    and the slot a power-of-two fraction of the record, so the points land exactly where the
    fit assumes (sampling through TDB Julian dates would add their rounding, ~1e-12 relative)."""
    row = np.clip(np.floor((slot_mid_s - rec.init_s) / rec.intlen_s), 0, len(rec.mid) - 1).astype(np.int64)
    s = ((slot_mid_s - rec.mid[row])[:, None] + half_s * points[None, :]) / rec.radius[row][:, None]
    value, _ = clenshaw(rec.coef[row][:, None, :3], s[:, :, None], derivative=False)  # (S, K, 3)
    return value


@functools.lru_cache(maxsize=8)
def _build_cached(eph, targets, origin, slot_days, n_slots):
    chains = [eph.chain_records(t) for t in targets]
    # each body's series length: the longest along its chain (its tables' padded count)
    length = np.array([max(r.coef.shape[-1] for r in chain) for chain in chains])
    n_coef = int(length.max())
    points, fit = _chebyshev_fit_matrix(n_coef)
    size = batching.bucket_size(n_slots, MIN_SLOTS)
    slot_mid_s = ((origin - J2000_JD) + slot_days * (np.arange(n_slots) + 0.5)) * DAY_S
    half_s = 0.5 * slot_days * DAY_S
    samples = {}
    values = np.zeros((n_slots, n_coef, len(targets), 3))
    for b, chain in enumerate(chains):
        for rec in chain:  # barycentric: the sum along the chain of centres
            key = (rec.target, rec.center)
            if key not in samples:
                samples[key] = _segment_samples(rec, slot_mid_s, half_s, points)
            values[:, :, b] += samples[key]
    values = values.reshape(n_slots, n_coef, -1) / AU_KM  # (S, K points, 3 B)
    coef = np.einsum("km,smj->skj", fit, values).reshape(n_slots, n_coef, len(targets), 3)
    # beyond a body's own series length the transform returns rounding noise only (1e-16 of
    # |position|, ~1 cm summed over 14 terms at Pluto's distance): those terms are zero
    coef[:, np.arange(n_coef)[:, None] >= length[None, :]] = 0.0
    # padding slots repeat the last one (never evaluated: the span covers every step node)
    coef = np.concatenate([coef, np.repeat(coef[-1:], size - n_slots, axis=0)])
    return PerturberTable(tuple(jnp.asarray(coef[:, :n, b]) for b, n in enumerate(_series_lengths(coef))),
                          jnp.asarray(origin), jnp.asarray(slot_days))


def _series_lengths(coef) -> list[int]:
    """The terms each body keeps: up to its last one that exceeds DROP_BELOW of its largest
    (its distance from the origin, au) somewhere in the table. coef: (S, K, B, 3)."""
    size = np.abs(coef).max(axis=(0, 3))  # (K, B)
    kept = size > DROP_BELOW * size[0]
    return [1 + int(np.nonzero(kept[:, b])[0].max()) for b in range(coef.shape[2])]
