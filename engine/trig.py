"""Sine and cosine in plain arithmetic, for the hot paths that need them on every lane.

XLA's CPU backend lowers jnp.sin and jnp.cos to one libm call per element (about 7 ns each on
this project's machine), where multiply-adds vectorise: the Stumpff functions' elliptic branch
took 24 ns per value with libm's sine and cosine and 7 ns with these (docs/performance.md).

Method: x is reduced to y = x - k pi/2 with |y| <= pi/4 (k = round(2x/pi)), pi/2 split in three
parts (Cody & Waite 1980) whose first two have 30 bits, so that k times them is exact for any
|x| below about 1e9 and y keeps its last bits; sin y and cos y are their Taylor series through
y^19 and y^20 (the next terms are below 1e-19 at pi/4), and the quadrant k mod 4 picks signs
and order. Accuracy: within about 3e-16 of the true values, where libm is within 1.1e-16.
"""
from __future__ import annotations

import math

import jax.numpy as jnp

_SIN_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in reversed(range(10)))  # in y^2
_COS_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k) for k in reversed(range(11)))
_HALF_PI_PARTS = (1.570796325802803, 9.920935791635221e-10, 5.170182981794105e-19)  # sum: pi/2 to 1e-27


def _horner(coeffs, z):
    acc = jnp.full_like(z, coeffs[0])
    for c in coeffs[1:]:
        acc = acc * z + c
    return acc


def sincos(x):
    """(sin x, cos x) for a float64 array x of any shape, |x| < 1e9."""
    x = jnp.asarray(x)
    k = jnp.round(x * (2.0 / math.pi))
    y = ((x - k * _HALF_PI_PARTS[0]) - k * _HALF_PI_PARTS[1]) - k * _HALF_PI_PARTS[2]
    y2 = y * y
    sin_y = y * _horner(_SIN_COEFFS, y2)
    cos_y = _horner(_COS_COEFFS, y2)
    quadrant = k - 4.0 * jnp.floor(0.25 * k)  # k mod 4, also for negative k
    swap = (quadrant == 1.0) | (quadrant == 3.0)
    sin_x = jnp.where(swap, cos_y, sin_y)
    cos_x = jnp.where(swap, sin_y, cos_y)
    return (jnp.where(quadrant >= 2.0, -sin_x, sin_x),
            jnp.where((quadrant == 1.0) | (quadrant == 2.0), -cos_x, cos_x))
