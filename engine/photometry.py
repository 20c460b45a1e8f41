"""Predicted total magnitude of a comet.

The MPC convention (MPC "Export Format for Comet Orbits", H and K columns) is

    m = H + 5 log10(delta) + 2.5 K log10(r)

with delta the distance from the observer and r from the Sun, both in au. JPL Horizons writes
the same law as T-mag = M1 + 5 log10(delta) + k1 log10(r), so Horizons' k1 = 2.5 K (docs/numerics.md;
e.g. the MPC's 2P on 2024-08-16: H = 11.5, K = 6.0, delta = 2.352, r = 3.363 gives 21.2).
There is no phase term: the total magnitude of a coma is not modelled with one by either source.
"""
from __future__ import annotations

import jax.numpy as jnp


def total_magnitude(H, K, delta_au, r_au):
    """m = H + 5 log10(delta) + 2.5 K log10(r), broadcast over the arguments.

    H: absolute total magnitude; K: the MPC slope parameter (dimensionless); delta_au and r_au
    in au. NaN where H or K is NaN (a comet without photometric parameters).
    """
    return H + 5.0 * jnp.log10(delta_au) + 2.5 * K * jnp.log10(r_au)


def horizons_k1_to_mpc_k(k1):
    """Horizons' k1 (the whole coefficient of log10 r) as the MPC's K: K = k1 / 2.5."""
    return k1 / 2.5
