"""Sine and cosine in plain arithmetic, for the paths that need them on every lane.

XLA's CPU backend lowers jnp.sin and jnp.cos to a scalar libm call per element, where
multiply-adds vectorise (figures in docs/performance.md).

Method (fdlibm's __kernel_sin and __kernel_cos): x is reduced to r = x - k pi/2, |r| <= pi/4,
k = round(2x/pi), with pi/2 split in three parts (Cody & Waite) so that the reduction is exact
to the last bit while k < 2^20; minimax polynomials in r^2 give sin r and cos r, and the
quadrant k mod 4 picks signs and order. Within an ulp of the correctly rounded values.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

_PIO2 = (1.57079632673412561417e+00, 6.07710050630396597660e-11, 2.02226624879595063154e-21)
_SIN = (-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
        2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10)
_COS = (4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
        -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11)
SINCOS_LIMIT = 2.0**19  # |x| up to which sincos_polynomial's reduction is exact


def horner(coeffs, z):
    """coeffs[0] z^(n-1) + ... + coeffs[-1], highest order first."""
    acc = jnp.full_like(z, coeffs[0])
    for c in coeffs[1:]:
        acc = acc * z + c
    return acc


def sincos_polynomial(x):
    """(sin x, cos x) elementwise for |x| <= SINCOS_LIMIT (beyond it the reduction loses bits).

    For code under vmap or inside a loop, where `sincos`' batch-wide check would become a
    select that runs the libm branch on every lane anyway."""
    k = jnp.round(x * (2.0 / math.pi))
    r = ((x - k * _PIO2[0]) - k * _PIO2[1]) - k * _PIO2[2]  # |r| <= pi/4
    z = r * r
    s = r + r * z * horner(_SIN[::-1], z)
    half_z = 0.5 * z
    w = 1.0 - half_z
    c = w + (((1.0 - w) - half_z) + z * z * horner(_COS[::-1], z))
    quadrant = k - 4.0 * jnp.floor(0.25 * k)
    sin = jnp.where(quadrant == 0, s, jnp.where(quadrant == 1, c, jnp.where(quadrant == 2, -s, -c)))
    cos = jnp.where(quadrant == 0, c, jnp.where(quadrant == 1, -s, jnp.where(quadrant == 2, -c, s)))
    return sin, cos


def sincos(x):
    """(sin x, cos x) elementwise, float64, within an ulp of 1 of the correctly rounded values
    for every finite x: the polynomial unless some |x| exceeds SINCOS_LIMIT."""
    x = jnp.asarray(x, dtype=jnp.float64)
    return jax.lax.cond(jnp.any(jnp.abs(x) > SINCOS_LIMIT), lambda x: (jnp.sin(x), jnp.cos(x)),
                        sincos_polynomial, x)
