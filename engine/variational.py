"""Variational equations: the state transition matrix integrated beside the orbit.

For x'' = F(x, v, p) (p: A1, A2, A3, DT), the derivatives of the state with respect to a
parameter z, X = dx/dz and V = dv/dz, obey the linear equations

    X' = V,    V' = dF/dx X + dF/dv V + dF/dz,

with X, V at the epoch the unit vector of z when z is a component of the initial state, and
zero when z is a non-gravitational parameter (then dF/dz drives them). Each column of the state
transition matrix Phi = d state(t) / d (state0, A1, A2, A3, DT) is one tangent (X, V).

The tangents travel in the integrator's lanes after the particle (ias15.py: a lane of width
3 (1 + K)), so they take the particle's own steps, its node times and its perturber positions;
dF/dx and dF/dv come from forward-mode differentiation of the force at each node (jax.jacfwd
of the same force code the orbit uses), dF/dp likewise. Why not finite differences of whole
integrations (the method before): K + 1 integrations, each with its own steps and ephemeris
reads, cost about K + 1 times the orbit alone. Why not autodiff through the integrator: the
adaptive step control and the predictor-corrector's stopping rule carry no meaningful tangent,
and the tangent program of the whole loop compiled far more slowly (docs/performance.md).
Differentiating the force and integrating the equations with the orbit's own quadrature is
what REBOUND's variational particles do (Rein & Tamayo 2016, MNRAS 452, 376).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import forces, ias15

STATE_TANGENTS = 6  # x, y, z, vx, vy, vz at the epoch
ALL_TANGENTS = 10  # ... and A1, A2, A3, DT


def initial_tangents(n: int, n_tangents: int) -> tuple[np.ndarray, np.ndarray]:
    """(X0, V0), each (n, 3 n_tangents): the tangents at the epoch, the identity over the state
    and zero for the non-gravitational parameters, flattened tangent by tangent."""
    basis = np.eye(n_tangents, 6)  # row k: tangent k's (X, V) at the epoch
    x0 = np.broadcast_to(basis[:, :3].reshape(1, -1), (n, 3 * n_tangents))
    v0 = np.broadcast_to(basis[:, 3:].reshape(1, -1), (n, 3 * n_tangents))
    return x0.copy(), v0.copy()


def _params_vector(params: forces.NonGravParams):
    return jnp.stack([params.A1, params.A2, params.A3, params.DT])


def _tangent_accel(jac, tx, tv):
    """(K, 3) accelerations of the tangents tx, tv (K, 3) from jac = dF/d(x, v) (3, 6), or
    dF/dx (3, 3) for a force that does not depend on v."""
    a = tx @ jac[:, :3].T
    if jac.shape[1] > 3:
        a = a + tv @ jac[:, 3:6].T
    return a


def with_tangents(force: ias15.Force, n_tangents: int, accel_jacobian=None, small_jacobian=None) -> ias15.Force:
    """The Force of a lane that carries n_tangents tangents after the particle (module
    docstring): x, v of width 3 (1 + n_tangents) in, accelerations of the same width out.

    force.accel and force.small are differentiated with respect to x and v, force.small also
    with respect to the non-gravitational parameters (args, a forces.NonGravParams), which only
    it depends on; the time-only context and the step-size scales are the particle's own.
    accel_jacobian(ctx, x, v, args) -> dF/d(x, v) (3, 6), or dF/dx (3, 3) for a force that does
    not depend on v, and small_jacobian likewise for force.small: optional replacements for
    forward-mode differentiation (jax.jacfwd), which can cost several times more
    (forces.point_masses_jacobian, nbody.ForceModel)."""
    k = n_tangents

    def split(x, v):
        return x[:3], v[:3], x[3:].reshape(k, 3), v[3:].reshape(k, 3)

    def state_jacobian(part, given, ctx, x1, v1, args):
        if given is not None:
            return given(ctx, x1, v1, args)
        return jax.jacfwd(lambda xv: part(ctx, xv[:3], xv[3:], args))(jnp.concatenate([x1, v1]))

    def accel(ctx, x, v, args):
        x1, v1, tx, tv = split(x, v)
        a, enc = force.accel(ctx, x1, v1, args)
        jac = state_jacobian(lambda *a_: force.accel(*a_)[0], accel_jacobian, ctx, x1, v1, args)
        return jnp.concatenate([a, _tangent_accel(jac, tx, tv).reshape(-1)]), enc

    small = None
    if force.small is not None:
        def small(ctx, x, v, args):
            x1, v1, tx, tv = split(x, v)
            s = force.small(ctx, x1, v1, args)
            tangents = _tangent_accel(state_jacobian(force.small, small_jacobian, ctx, x1, v1, args), tx, tv)
            if k > STATE_TANGENTS:  # the parameters' tangents are driven by dF/dp
                dp = jax.jacfwd(lambda p: force.small(ctx, x1, v1, forces.NonGravParams(*p)))(_params_vector(args))
                tangents = tangents.at[STATE_TANGENTS:].add(dp[:, : k - STATE_TANGENTS].T)
            return jnp.concatenate([s, tangents.reshape(-1)])

    return ias15.Force(force.context, accel, small, force.scales)
