"""A plain vectorised NumPy universal-variable two-body solver: the peer baseline.

The textbook method (Vallado, "Fundamentals of Astrodynamics", algorithm 8; Bate, Mueller and
White ch. 4) from perihelion, written the way one would in NumPy: closed-form Stumpff
functions with a series near z = 0, a cube-root/log starter, and iterations over the
whole array until every lane has converged. Benchmark code only: encke never calls it.
"""
from __future__ import annotations

import numpy as np


def _stumpff(z):
    c2 = np.empty_like(z)
    c3 = np.empty_like(z)
    pos, neg = z > 1e-3, z < -1e-3
    small = ~(pos | neg)
    s = np.sqrt(z[pos])
    c2[pos] = (1 - np.cos(s)) / z[pos]
    c3[pos] = (s - np.sin(s)) / s**3
    s = np.sqrt(-z[neg])
    c2[neg] = (np.cosh(s) - 1) / -z[neg]
    c3[neg] = (np.sinh(s) - s) / s**3
    zs = z[small]
    c2[small] = 0.5 - zs / 24 + zs**2 / 720 - zs**3 / 40320
    c3[small] = 1 / 6 - zs / 120 + zs**2 / 5040 - zs**3 / 362880
    return c2, c3


def propagate(q, e, i, node, argp, tp, times, mu, max_iter=60, tol=1e-13):
    """(N,) elements (radians, TDB JD) x (M,) times -> (N, M, 6) heliocentric ecliptic states."""
    q, e = q[:, None], e[:, None]
    dt = times[None, :] - tp[:, None]
    alpha = (1 - e) / q
    sqrt_mu = np.sqrt(mu)
    ell = alpha > 0
    safe_alpha = np.where(ell, alpha, 1.0)
    period = 2 * np.pi / (sqrt_mu * safe_alpha**1.5)
    dt = np.where(ell, dt - period * np.round(dt / period), dt)
    dt, q_b, e_b, alpha_b = np.broadcast_arrays(dt, q, e, alpha)
    # Vallado's starters: sqrt(mu) dt alpha on ellipses, the log form on hyperbolas, the
    # parabolic cube root in between.
    chi = np.cbrt(6 * sqrt_mu * dt)
    chi = np.where(ell, sqrt_mu * dt * alpha_b, chi)
    hyp = alpha_b < -1e-12
    a_abs = np.where(hyp, -1 / np.where(hyp, alpha_b, -1.0), 1.0)
    arg = 2 * sqrt_mu * np.abs(dt) / (np.sqrt(a_abs) * np.maximum(e_b, 1.0))
    chi_h = np.sign(dt) * np.sqrt(a_abs) * np.log(np.maximum(arg, 1.0) + 1.0)
    chi = np.where(hyp & (np.abs(chi_h) < np.abs(chi)), chi_h, chi)
    for _ in range(max_iter):
        z = alpha_b * chi * chi
        c2, c3 = _stumpff(z)
        f = q_b * chi + e_b * chi**3 * c3 - sqrt_mu * dt
        r = q_b + e_b * chi * chi * c2
        f2 = e_b * chi * (1 - z * c3)
        # Laguerre-Conway (Conway 1986): Newton diverges from these starters near e = 1.
        step = 5 * f / (r + np.sqrt(np.abs(16 * r * r - 20 * f * f2)))
        chi = chi - step
        if np.all(np.abs(step) <= tol * (1 + np.abs(chi))):
            break
    z = alpha_b * chi * chi
    c2, c3 = _stumpff(z)
    r = q_b + e_b * chi * chi * c2
    w = chi * (1 - z * c3)
    p_root = np.sqrt(q_b * (1 + e_b))
    x, y = q_b - chi * chi * c2, p_root * w
    vx, vy = -sqrt_mu * w / r, sqrt_mu * p_root * (1 - z * c2) / r
    cw, sw, cn, sn, ci, si = np.cos(argp), np.sin(argp), np.cos(node), np.sin(node), np.cos(i), np.sin(i)
    P = np.stack([cw * cn - sw * sn * ci, cw * sn + sw * cn * ci, sw * si], -1)[:, None, :]
    Q = np.stack([-sw * cn - cw * sn * ci, -sw * sn + cw * cn * ci, cw * si], -1)[:, None, :]
    pos = x[..., None] * P + y[..., None] * Q
    vel = vx[..., None] * P + vy[..., None] * Q
    return np.concatenate([pos, vel], -1)
