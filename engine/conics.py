"""Conversions between cometary elements and Cartesian states, for every conic.

Signatures (the one obvious way):
- ``elements_to_state(elements, t=None, *, mu=GM_SUN, frame="ecliptic")`` -> (N, 6) numpy
  array: the two-body state of each object at time t (TDB JD, scalar or (N,)), default the
  elements' own epoch. Only t - tp enters, so t may use any origin that tp uses.
- ``state_to_elements(states, epoch, *, mu=GM_SUN, frame="ecliptic")`` -> CometaryElements
  with ``epoch`` set to the given epoch and no non-gravitational parameters.

States are heliocentric, au and au/day; frame says whether their axes are ecliptic J2000
(the elements' own frame) or ICRF (equatorial J2000). Elements are always ecliptic J2000.

Both are pure float64 functions under jit. ``elements_to_state`` reuses the universal-variable
lane of kepler.py; ``state_to_elements`` gets chi from the true anomaly through

    chi = 2 sqrt(q / (1 + e)) T(tan(nu/2), k),   k = (1 - e)/(1 + e),
    T(x, k) = atan(sqrt(k) x)/sqrt(k)  (k > 0),  atanh(sqrt(-k) x)/sqrt(-k)  (k < 0),  x (k = 0),

which is chi = sqrt(a) E on ellipses, sqrt(-a) H on hyperbolas and sqrt(p) tan(nu/2) on the
parabola (Barker), with a series where |k x^2| is small so that e -> 1 keeps every digit
(on hyperbolas away from that limit, H = asinh(r.v / (e sqrt(mu |a|))) instead: near the
asymptote atanh amplifies rounding errors); the time since perihelion then follows from the
universal Kepler equation. Circular orbits get
argp = 0 (perihelion at the node) and equatorial ones node = 0 (measured from +x).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import batching, frames
from .constants import GM_SUN
from .elements import CometaryElements
from .errors import InvalidInput
from .kepler import perifocal_state, stumpff
from .trig import sincos
from .validate import check_elements, check_frame, check_mu

# Below this eccentricity the orbit is treated as circular (perihelion direction undefined);
# below this sin(i) as equatorial (node undefined).
_CIRCULAR_E = 1e-14
_EQUATORIAL_SIN_I = 1e-15
_ATAN_SERIES_LIMIT = 1e-3
_ATAN_SERIES_TERMS = 8
# Padding rows of a batch (q, e, i, node, argp, and tp or dt): a circular orbit at 1 au, which
# is never invalid and converges at once.
PAD_ELEMENTS = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def perifocal_basis(i, node, argp):
    """Unit vectors P (toward perihelion) and Q (90 degrees ahead in the orbit plane).

    i, node, argp in radians, any shape S; returns two (*S, 3) arrays in the elements' frame
    (ecliptic J2000): the standard 3-1-3 rotation R3(-node) R1(-i) R3(-argp).
    """
    return tuple(jnp.moveaxis(v, 0, -1) for v in _basis_components(i, node, argp))


def _basis_components(i, node, argp):
    """P and Q as (3, *S) arrays, component first (see rotated_basis)."""
    sw, cw = sincos(argp)
    sn, cn = sincos(node)
    si, ci = sincos(i)
    p = jnp.stack([cw * cn - sw * sn * ci, cw * sn + sw * cn * ci, sw * si])
    q = jnp.stack([-sw * cn - cw * sn * ci, -sw * sn + cw * cn * ci, cw * si])
    return p, q


def rotated_basis(i, node, argp, rotation):
    """perifocal_basis with both vectors turned by `rotation` (3, 3) into the output frame:
    two (*S, 3) arrays.

    Built component first, (3, *S), and turned by one (3, 3) x (3, *S) product each: XLA's CPU
    fusion would otherwise evaluate every sine and cosine again for each component that reads
    it, and its product of an (N, 3) array by a (3, 3) one is several times slower.
    """
    return tuple(jnp.moveaxis(jnp.tensordot(rotation, v, axes=1), 0, -1) for v in _basis_components(i, node, argp))


def _written_once(values, token):
    """values, each computed once into memory: the outputs of a `cond` on the runtime flag
    token (always true) are buffers, which XLA's fusion cannot see through.

    XLA's CPU fusion copies every cheap elementwise op into each consumer (see
    kepler._passes). The six state components each read x and y (or vx and vy), so fused
    into the (..., 6) output the tail of perifocal_state (the Newton correction carried into
    U0..U2, ~40 flops) was computed once per component, six times per lane, by a fusion that
    also runs on one thread (it writes the tile into the output in place). An
    optimization_barrier would not hold: the CPU pipeline strips it before fusion.
    """
    return jax.lax.cond(token, lambda v: v, lambda v: tuple(jnp.zeros_like(a) for a in v), values)


def basis_state(q, e, p, qv, dt, mu, hyperbolic=True):
    """(…, 6) state at dt days from perihelion along the basis vectors p, qv (…, 3) of
    rotated_basis; plus a converged flag. The objects' own part (the basis) is passed in, so
    that a grid of epochs computes it once per object."""
    sqrt_mu = jnp.sqrt(mu)
    alpha = (1.0 - e) / q
    x, y, vx, vy, converged = perifocal_state(q, e, alpha, dt, sqrt_mu, hyperbolic=hyperbolic)
    if jax.default_backend() == "cpu":
        x, y, vx, vy = _written_once((x, y, vx, vy), sqrt_mu > 0)
    pos = x[..., None] * p + y[..., None] * qv
    vel = vx[..., None] * p + vy[..., None] * qv
    return jnp.concatenate([pos, vel], axis=-1), converged


def two_body_state(q, e, i, node, argp, dt, mu, rotation, hyperbolic=True):
    """(…, 6) state at dt days from perihelion, rotated by `rotation` (3, 3); plus a converged flag.

    hyperbolic=False: see kepler.needs_hyperbolic_branch (the caller has checked it)."""
    p, qv = rotated_basis(i, node, argp, rotation)
    return basis_state(q, e, p, qv, dt, mu, hyperbolic)


@jax.jit
def _elements_to_state_kernel(q, e, i, node, argp, dt, mu, rotation):
    invalid = ~_valid(q, e, i, node, argp, dt)
    # Invalid lanes run on a harmless circular orbit and are NaN'd afterwards.
    q_, e_, i_, node_, argp_, dt_ = (
        jnp.where(invalid, good, bad)
        for bad, good in ((q, 1.0), (e, 0.0), (i, 0.0), (node, 0.0), (argp, 0.0), (dt, 0.0))
    )
    state, converged = two_body_state(q_, e_, i_, node_, argp_, dt_, mu, rotation)
    ok = converged & ~invalid
    return jnp.where(ok[:, None], state, jnp.nan), ok


def _valid(q, e, i, node, argp, dt):
    finite = jnp.isfinite(q) & jnp.isfinite(e) & jnp.isfinite(i) & jnp.isfinite(node)
    finite = finite & jnp.isfinite(argp) & jnp.isfinite(dt)
    return finite & (q > 0) & (e >= 0)


def elements_to_state(elements: CometaryElements, t=None, *, mu: float = GM_SUN, frame: str = "ecliptic"):
    """Heliocentric two-body state of each object at time t.

    elements: CometaryElements (N,); t: TDB JD, scalar or (N,), default elements.epoch
    (every epoch must then be known); mu: au^3/day^2; frame: "ecliptic" or "icrf" axes.
    Returns an (N, 6) float64 numpy array, au and au/day. Objects whose elements are invalid
    (non-finite, q <= 0 or e < 0) give a ValueError naming them; use ``propagate`` with
    ``return_status=True`` for NaN rows and status codes instead.
    """
    check_elements(elements)
    check_frame(frame)
    mu = check_mu(mu)
    if t is None:
        t = np.asarray(elements.epoch, dtype=np.float64)
        missing = np.flatnonzero(~np.isfinite(t))
        if missing.size:
            raise InvalidInput("elements.epoch", f"elements.epoch is unknown (NaN) for object index(es) {missing[:10].tolist()}; pass t")
    t = np.broadcast_to(np.asarray(t, dtype=np.float64), (len(elements),))
    if not np.all(np.isfinite(t)):
        raise InvalidInput("t", "t must be finite TDB Julian dates")
    dt = t - np.asarray(elements.tp)
    rotation = frames.rotation_from_ecliptic(frame)
    # Pad to a bucket size (batching.py) so that catalogs of similar sizes share one compiled
    # kernel; the padding (PAD_ELEMENTS) is sliced off below.
    n = len(elements)
    size = batching.bucket_size(n, batching.MIN_OBJECT_BUCKET)
    fields = [getattr(elements, f) for f in ("q", "e", "i", "node", "argp")] + [dt]
    padded = [batching.pad_leading(np.asarray(a, dtype=np.float64), size, fill)
              for a, fill in zip(fields, PAD_ELEMENTS)]
    states, ok = _elements_to_state_kernel(*(jnp.asarray(a) for a in padded), mu, jnp.asarray(rotation))
    states, ok = np.asarray(states)[:n], np.asarray(ok)[:n]
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise InvalidInput("elements", f"cannot compute a state for object index(es) {bad[:10].tolist()}: invalid elements "
                         "(non-finite, q <= 0 or e < 0) or an unconverged Kepler solve")
    return states


def _atan_universal(x, k):
    """T(x, k) = atan(sqrt(k) x)/sqrt(k), continued through k = 0 to atanh for k < 0."""
    u = k * x * x
    series = jnp.zeros_like(x)
    for n in reversed(range(_ATAN_SERIES_TERMS)):
        series = series * (-u) + 1.0 / (2 * n + 1)
    series = x * series
    root = jnp.sqrt(jnp.where(k != 0, jnp.abs(k), 1.0))
    y = root * x
    closed = jnp.where(k > 0, jnp.arctan(y), jnp.arctanh(jnp.clip(y, -1.0, 1.0))) / root
    closed = jnp.where((k > 0) & ~jnp.isfinite(x), jnp.sign(x) * (0.5 * math.pi) / root, closed)
    return jnp.where(jnp.abs(u) < _ATAN_SERIES_LIMIT, series, closed)


def _wrap_2pi(angle):
    """angle in [0, 2 pi): mod alone maps -1e-17 to 2 pi."""
    wrapped = jnp.mod(angle, 2.0 * math.pi)
    return jnp.where(wrapped >= 2.0 * math.pi, 0.0, wrapped)


@jax.jit
def _state_to_elements_kernel(states, mu):
    r = states[:, :3]
    v = states[:, 3:]
    rn = jnp.linalg.norm(r, axis=-1)
    h = jnp.cross(r, v)
    hn = jnp.linalg.norm(h, axis=-1)
    h_hat = h / hn[:, None]
    rv = jnp.sum(r * v, axis=-1)
    v2 = jnp.sum(v * v, axis=-1)
    e_vec = ((v2 - mu / rn)[:, None] * r - rv[:, None] * v) / mu
    e = jnp.linalg.norm(e_vec, axis=-1)
    p = hn * hn / mu
    q = p / (1.0 + e)

    sin_i = jnp.hypot(h_hat[:, 0], h_hat[:, 1])
    inc = jnp.arctan2(sin_i, h_hat[:, 2])
    equatorial = sin_i < _EQUATORIAL_SIN_I
    node = jnp.where(equatorial, 0.0, jnp.arctan2(h_hat[:, 0], -h_hat[:, 1]))
    node_dir = jnp.stack([jnp.cos(node), jnp.sin(node), jnp.zeros_like(node)], axis=-1)
    circular = e < _CIRCULAR_E
    p_hat = jnp.where(circular[:, None], node_dir, e_vec / jnp.where(circular, 1.0, e)[:, None])
    q_hat = jnp.cross(h_hat, p_hat)
    argp = jnp.arctan2(jnp.sum(p_hat * jnp.cross(h_hat, node_dir), axis=-1), jnp.sum(p_hat * node_dir, axis=-1))
    argp = jnp.where(circular, 0.0, _wrap_2pi(argp))
    node = _wrap_2pi(node)

    x = jnp.sum(r * p_hat, axis=-1)
    y = jnp.sum(r * q_hat, axis=-1)
    # tan(nu/2) = y / (r + x) = (r - x) / y: the second past nu = 90 degrees, where r + x
    # cancels (to nothing at aphelion) and would cost the time since perihelion its digits.
    tan_half_nu = jnp.where(x >= 0, y / (rn + x), (rn - x) / y)
    k = (1.0 - e) / (1.0 + e)
    chi_nu = 2.0 * jnp.sqrt(q / (1.0 + e)) * _atan_universal(tan_half_nu, k)
    alpha = (1.0 - e) / q
    # Far out on a hyperbola nu nears its asymptote, where atanh(sqrt(-k) tan(nu/2)) amplifies
    # every rounding error; there H comes from r . v = sqrt(mu |a|) e sinh H instead, which is
    # well conditioned at any distance.
    root_abs_alpha = jnp.sqrt(jnp.abs(alpha))
    safe_root = jnp.where(alpha < 0, root_abs_alpha, 1.0)
    chi_h = jnp.arcsinh(rv / jnp.sqrt(mu) * safe_root / e) / safe_root
    use_h = (alpha < 0) & (jnp.abs(k * tan_half_nu * tan_half_nu) >= _ATAN_SERIES_LIMIT)
    chi = jnp.where(use_h, chi_h, chi_nu)
    _, c3 = stumpff(alpha * chi * chi)
    dt = (q * chi + e * chi * chi * chi * c3) / jnp.sqrt(mu)
    return q, e, inc, node, argp, dt


def state_to_elements(states, epoch, *, mu: float = GM_SUN, frame: str = "ecliptic") -> CometaryElements:
    """Osculating cometary elements of heliocentric states.

    states: (N, 6) or (6,), au and au/day, axes given by frame ("ecliptic" or "icrf");
    epoch: TDB JD of the states, scalar or (N,); mu: au^3/day^2.
    Returns CometaryElements (N,) in ecliptic J2000 with epoch set and tp = epoch - (time
    since perihelion); elliptic orbits get the perihelion nearest the epoch (|dt| <= P/2).
    Raises ValueError naming the rows that are not finite or have no angular momentum.
    """
    check_frame(frame)
    mu = check_mu(mu)
    states = np.asarray(states, dtype=np.float64)
    if states.ndim == 1:
        states = states[None, :]
    if states.ndim != 2 or states.shape[1] != 6:
        raise InvalidInput("states", f"states must have shape (N, 6) or (6,), got {states.shape}")
    epoch = np.broadcast_to(np.asarray(epoch, dtype=np.float64), (states.shape[0],))
    bad = ~np.all(np.isfinite(states), axis=1) | ~np.isfinite(epoch)
    if bad.any():
        raise InvalidInput("states", f"states/epoch are not finite in row(s) {np.flatnonzero(bad)[:10].tolist()}")
    states = frames.rotate_states(states, frame, "ecliptic")
    h = np.cross(states[:, :3], states[:, 3:])
    degenerate = np.linalg.norm(h, axis=1) <= 1e-15 * np.linalg.norm(states[:, :3], axis=1) * np.linalg.norm(
        states[:, 3:], axis=1)
    if degenerate.any():
        raise InvalidInput("states", f"rectilinear state (zero angular momentum) in row(s) {np.flatnonzero(degenerate)[:10].tolist()}")
    q, e, inc, node, argp, dt = (np.asarray(a) for a in _state_to_elements_kernel(jnp.asarray(states), mu))
    return CometaryElements(q=q, e=e, i=inc, node=node, argp=argp, tp=epoch - dt, epoch=epoch)
