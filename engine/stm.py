"""State transition matrices: d(state at t) / d(state at epoch, A1, A2, A3, DT).

Two-body: forward-mode automatic differentiation (jax.jacfwd) of the universal-variable conic
(conics.two_body_state): exact to rounding.

N-body: the variational equations integrated with the orbit, in the same integrator lanes and
on the same steps (engine/variational.py): six tangents for the state at the epoch, four more
for A1..A3, DT when the covariance has them. The force's derivatives are those of the force
code that moves the orbit: the point masses' tidal matrix written out, the outgassing's by
forward-mode differentiation of its own code, the Sun's relativity's left out (~1e-8 of the
rest; nbody.ForceModel and docs/performance.md say why).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import constants, nbody, variational
from .conics import two_body_state

N_PARAMS = 10  # x, y, z, vx, vy, vz, A1, A2, A3, DT


def nbody_stm(states0, epochs, times, nongrav_params=None, *, with_nongrav: bool = False, **options):
    """N-body states and state transition matrices by the variational equations.

    states0: (N, 6) barycentric ICRF au, au/day at epochs (N,) TDB JD; times (M,) TDB JD;
    nongrav_params: (N, 4) A1, A2, A3 (au/day^2), DT (days), or None; with_nongrav: also the
    columns of A1..DT. options: as in nbody.propagate_states_nbody. Returns (states (N, M, 6),
    phi (N, M, 6, K) = d state(t) / d (state0, A1, A2, A3, DT)[:K], K = 10 with_nongrav, else 6,
    status (N,)); failed comets NaN.
    """
    k = variational.ALL_TANGENTS if with_nongrav else variational.STATE_TANGENTS
    res = nbody.propagate_states_nbody(states0, epochs, times, nongrav_params=nongrav_params, tangents=k, **options)
    return res.states, res.phi, res.status


@jax.jit
def _kepler_jac(p, t, rotation):
    """(N, M, 6) states and (N, M, 6, 6) d state / d (q, e, i, node, argp, tp), for p (N, 6)
    and t (M,) TDB JD; state axes `rotation` @ ecliptic."""

    def one(p, t):
        def state(p):
            s, _ = two_body_state(p[0], p[1], p[2], p[3], p[4], t - p[5], constants.GM_SUN, rotation)
            return s

        return state(p), jax.jacfwd(state)(p)

    return jax.vmap(jax.vmap(one, in_axes=(None, 0)), in_axes=(0, None))(p, t)


def kepler_stm(elements, times, epoch, rotation=np.eye(3)):
    """Two-body states and state transition matrices.

    elements (N,), times (M,) TDB JD, epoch (N,) TDB JD. Returns (states (N, M, 6) heliocentric,
    axes `rotation` @ ecliptic; phi (N, M, 6, 10) = d state(t) / d (heliocentric ecliptic state
    at epoch, A1, A2, A3, DT), whose non-gravitational columns are zero: the two-body model has
    no such force). The chain d state(t)/d elements @ (d state(epoch)/d elements)^-1."""
    el = elements.to_numpy()
    p = jnp.asarray(np.stack([el.q, el.e, el.i, el.node, el.argp, el.tp], axis=1))
    t = jnp.asarray(np.atleast_1d(np.asarray(times, np.float64)))
    states, d_t = _kepler_jac(p, t, jnp.asarray(rotation, jnp.float64))
    epoch = np.asarray(epoch, np.float64)
    d_0 = _epoch_jac(p, epoch)
    phi = np.zeros(np.shape(d_t)[:3] + (N_PARAMS,))
    phi[..., :6] = np.asarray(d_t) @ np.linalg.inv(d_0)[:, None]
    return np.asarray(states), phi


@jax.jit
def _epoch_jac_kernel(p, epoch):
    def state(p, t):
        s, _ = two_body_state(p[0], p[1], p[2], p[3], p[4], t - p[5], constants.GM_SUN, jnp.eye(3))
        return s

    return jax.vmap(jax.jacfwd(state))(p, epoch)


def _epoch_jac(p, epoch):
    """(N, 6, 6) d (heliocentric ecliptic state at each object's epoch) / d elements."""
    return np.asarray(_epoch_jac_kernel(p, jnp.asarray(epoch)))
