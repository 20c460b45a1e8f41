"""State transition matrices: d(state at t) / d(state at epoch, A1, A2, A3, DT).

Two-body: forward-mode automatic differentiation (jax.jacfwd) of the universal-variable conic
(conics.two_body_state): exact to rounding.

N-body: forward differences of the production integrator (engine/nbody.py), the nominal and
one clone per parameter in one batch, each parameter stepped by a fraction of its sigma
(uncertainty.STEP_SIGMAS of the covariance being propagated; floors below keep the step far
above the integrator's metre-level noise). Why not forward-mode autodiff through the IAS15
loop: the loop's adaptive step control and predictor-corrector stopping rule do not carry
tangents that mean anything, and the tangent program compiles far more slowly (the trial and its timings are in
docs/performance.md). Differences of the very propagator whose states are reported need no
second force model. Their cost is K + 1 propagations, K the parameters that have a variance
(7 propagations for gravity only, up to 11 with A1..DT); central differences (central=True) cost 2 K + 1
and remove the O(step) second-order term. At steps of 0.1 sigma the propagated sigmas of
67P and 81P (with A1..DT) over ten years agree with central differences at 1 sigma to 0.2%
(docs/performance.md); where that term matters at 1 sigma, the map is not linear and Monte
Carlo is the answer.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import constants, nbody
from . import status as st
from .conics import two_body_state

N_PARAMS = 10  # x, y, z, vx, vy, vz, A1, A2, A3, DT
# Smallest difference steps: position 1e-7 au (15 km), velocity 1e-9 au/day, A1..A3 1e-12
# au/day^2, DT 0.1 day; the integrator's noise is metres.
MIN_STEP = np.array([1e-7] * 3 + [1e-9] * 3 + [1e-12] * 3 + [0.1])


def nbody_stm(states0, epochs, times, nongrav_params=None, steps=None, *, central: bool = False, **options):
    """N-body states and state transition matrices by forward (default) or central differences.

    states0: (N, 6) barycentric ICRF au, au/day at epochs (N,) TDB JD; times (M,) TDB JD;
    nongrav_params: (N, 4) A1, A2, A3 (au/day^2), DT (days), or None; steps: (N, 10) the
    difference step of each parameter (0: not differenced, its column stays zero), default
    MIN_STEP; central: central instead of forward differences (module docstring). options: as
    in nbody.propagate_states_nbody. Returns (states (N, M, 6), phi
    (N, M, 6, 10) = d state(t) / d (state0, A1, A2, A3, DT), status (N,)); failed comets NaN.
    """
    states0 = np.asarray(states0, np.float64).reshape(-1, 6)
    n = len(states0)
    epochs = np.broadcast_to(np.asarray(epochs, np.float64), (n,))
    params = np.zeros((n, 4)) if nongrav_params is None else np.asarray(nongrav_params, np.float64).reshape(n, 4)
    steps = np.broadcast_to(MIN_STEP if steps is None else np.asarray(steps, np.float64), (n, N_PARAMS))
    z = np.concatenate([states0, params], axis=1)
    obj, col = np.nonzero(steps > 0)
    delta = np.zeros((obj.size, N_PARAMS))
    delta[np.arange(obj.size), col] = steps[obj, col]
    sides = (z[obj] + delta, z[obj] - delta) if central else (z[obj] + delta,)
    clones = np.concatenate((z,) + sides)
    res = nbody.propagate_states_nbody(clones[:, :6], np.concatenate([epochs] + [epochs[obj]] * len(sides)), times,
                                       nongrav_params=clones[:, 6:], **options)
    m = obj.size
    plus = res.states[n : n + m]
    minus = res.states[n + m :] if central else res.states[obj]
    phi = np.zeros((n, res.states.shape[1], 6, N_PARAMS))
    phi[obj, :, :, col] = (plus - minus) / (len(sides) * steps[obj, col])[:, None, None]
    status = res.status[:n].copy()
    clone_status = res.status[n:]
    for k in np.nonzero(clone_status != st.OK)[0]:  # a failed clone fails its comet
        if status[obj[k % m]] == st.OK:
            status[obj[k % m]] = clone_status[k]
    phi[status != st.OK] = np.nan
    return res.states[:n], phi, status


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
