"""Orbit covariances: what a user or the SBDB gives, checked, and mapped to Cartesian states.

An `OrbitCovariance` holds, for N objects, a K x K covariance over named parameters at an
epoch. Two parameter sets are understood:
- cometary, with the SBDB's names and units: e, q (au), tp (TDB JD, days), node, peri, i
  (degrees), the order of SBDB's `orbit.covariance` (any order and subset is accepted);
- Cartesian: x, y, z (au), vx, vy, vz (au/day), heliocentric ecliptic J2000 at the epoch;
each optionally with Marsden's non-gravitational A1, A2, A3 (au/day^2) and DT (days).

Every covariance is mapped once to the "state covariance": a 10 x 10 matrix over the
heliocentric ecliptic J2000 position and velocity at the epoch and A1, A2, A3, DT (rows and
columns of parameters that are not in the input are zero: they are held fixed). The Jacobian
of the state with respect to the elements comes from forward-mode autodiff of the two-body
conic (conics.two_body_state, GM = constants.GM_SUN: the elements' own GM), so it is exact
to rounding. That one matrix is what linear propagation (engine/uncertainty.py) and Monte
Carlo sampling (engine/sampling.py) start from.

Checks (InvalidInput naming "covariance" or "covariance.labels"): K x K shape, finite,
symmetric to 1e-8 relative, positive semi-definite (smallest eigenvalue of the correlation
matrix >= -1e-8: round-off in published matrices leaves tiny negative ones), labels known,
each once, and not both cometary and Cartesian.
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from .conics import two_body_state
from .constants import DEG, GM_SUN
from .elements import CometaryElements
from .errors import InvalidInput

COMETARY = ("e", "q", "tp", "node", "peri", "i")
CARTESIAN = ("x", "y", "z", "vx", "vy", "vz")
NONGRAV = ("A1", "A2", "A3", "DT")
# The 10 parameters of the state covariance, in order.
STATE_LABELS = CARTESIAN + NONGRAV
# Units of each label, as written in docs and error messages.
UNITS = {"e": "", "q": "au", "tp": "day", "node": "deg", "peri": "deg", "i": "deg", "x": "au", "y": "au",
         "z": "au", "vx": "au/day", "vy": "au/day", "vz": "au/day", "A1": "au/day^2", "A2": "au/day^2",
         "A3": "au/day^2", "DT": "day"}
SYMMETRY_RTOL = 1e-8
PSD_TOL = 1e-8


@dataclasses.dataclass(frozen=True, eq=False)
class OrbitCovariance:
    """labels: K parameter names (module docstring); matrix: (N, K, K) in the labels' units;
    epoch: (N,) TDB JD where the covariance holds (for cometary labels it must be the
    elements' epoch: the elements are osculating there)."""

    labels: tuple
    matrix: np.ndarray
    epoch: np.ndarray

    @property
    def kind(self) -> str:
        return "cartesian" if any(label in CARTESIAN for label in self.labels) else "cometary"

    def __len__(self) -> int:
        return int(self.matrix.shape[0])


def make_covariance(matrix, labels, epoch) -> OrbitCovariance:
    """Check a covariance and wrap it: matrix (K, K) or (N, K, K); labels K names; epoch
    scalar or (N,) TDB JD. Raises InvalidInput naming the field for every problem."""
    labels = tuple(str(label) for label in labels)
    unknown = [label for label in labels if label not in UNITS]
    if unknown:
        raise InvalidInput("covariance.labels", f"covariance.labels: unknown {unknown}; known: cometary "
                           f"{list(COMETARY)}, Cartesian {list(CARTESIAN)}, non-gravitational {list(NONGRAV)}")
    if len(set(labels)) != len(labels):
        raise InvalidInput("covariance.labels", f"covariance.labels: repeated names in {list(labels)}")
    if any(label in CARTESIAN for label in labels) and any(label in COMETARY for label in labels):
        raise InvalidInput("covariance.labels", "covariance.labels: mixes cometary and Cartesian parameters")
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 2:
        m = m[None]
    k = len(labels)
    if m.ndim != 3 or m.shape[1:] != (k, k):
        raise InvalidInput("covariance", f"covariance: expected shape ({k}, {k}) or (N, {k}, {k}) for {k} labels, "
                           f"got {np.shape(matrix)}")
    _check_matrix(m)
    t = np.broadcast_to(np.asarray(epoch, dtype=np.float64), (m.shape[0],)).copy()
    if not np.all(np.isfinite(t)):
        raise InvalidInput("covariance.epoch", "covariance.epoch: must be finite TDB Julian dates")
    return OrbitCovariance(labels, m, t)


def _check_matrix(m):
    if not np.all(np.isfinite(m)):
        raise InvalidInput("covariance", "covariance: contains non-finite values")
    scale = np.sqrt(np.abs(np.einsum("nii->ni", m)))
    outer = scale[:, :, None] * scale[:, None, :]
    asym = np.abs(m - np.swapaxes(m, 1, 2))
    if np.any(asym > SYMMETRY_RTOL * outer):
        n = int(np.argmax(np.any(asym > SYMMETRY_RTOL * outer, axis=(1, 2))))
        raise InvalidInput("covariance", f"covariance: not symmetric (object index {n})")
    if np.any(np.einsum("nii->ni", m) < 0):
        raise InvalidInput("covariance", "covariance: negative variance on the diagonal")
    safe = np.where(outer > 0, outer, 1.0)
    corr = np.where(outer > 0, m / safe, 0.0)
    low = np.linalg.eigvalsh(0.5 * (corr + np.swapaxes(corr, 1, 2)))[:, 0]
    if np.any(low < -PSD_TOL):
        n = int(np.argmin(low))
        raise InvalidInput("covariance", f"covariance: not positive semi-definite (object index {n}: "
                           f"correlation eigenvalue {low[n]:.3g})")


def as_covariance(covariance, n: int) -> OrbitCovariance:
    """An OrbitCovariance for n objects: given one, or an SBDB result's (`.covariance`)."""
    cov = getattr(covariance, "covariance", covariance)
    if cov is None:
        raise InvalidInput("covariance", "covariance: this orbit solution has none")
    if not isinstance(cov, OrbitCovariance):
        raise InvalidInput("covariance", "covariance: expected an OrbitCovariance (encke.make_covariance) "
                           f"or an SBDB result, got {type(covariance).__name__}")
    if len(cov) == 1 and n > 1:
        cov = OrbitCovariance(cov.labels, np.broadcast_to(cov.matrix, (n,) + cov.matrix.shape[1:]),
                              np.broadcast_to(cov.epoch, (n,)))
    if len(cov) != n:
        raise InvalidInput("covariance", f"covariance: {len(cov)} matrices for {n} objects")
    return cov


def _element_vector(el: CometaryElements) -> np.ndarray:
    """(N, 6) elements in COMETARY order and units (e, q, tp, node deg, peri deg, i deg)."""
    return np.stack([el.e, el.q, el.tp, el.node / DEG, el.argp / DEG, el.i / DEG], axis=1)


@jax.jit
@jax.vmap
def _state_and_jacobian(p, t):
    """Heliocentric ecliptic state at t and its (6, 6) Jacobian w.r.t. COMETARY p."""

    def state(p):
        e, q, tp, node, peri, i = p
        s, _ = two_body_state(q, e, i * DEG, node * DEG, peri * DEG, t - tp, GM_SUN, jnp.eye(3))
        return s

    return state(p), jax.jacfwd(state)(p)


def element_jacobian(elements: CometaryElements, t) -> tuple[np.ndarray, np.ndarray]:
    """(N, 6) heliocentric ecliptic states at t (N,) and (N, 6, 6) d state / d COMETARY."""
    el = elements.to_numpy()
    s, jac = _state_and_jacobian(jnp.asarray(_element_vector(el)), jnp.asarray(np.broadcast_to(t, (len(el),))))
    return np.asarray(s), np.asarray(jac)


def state_covariance(elements: CometaryElements, covariance) -> tuple[np.ndarray, np.ndarray]:
    """The (N, 10, 10) covariance over STATE_LABELS at the covariance epoch, and that epoch (N,).

    The covariance must hold at the elements' epoch (NaN epochs take the covariance's);
    cometary ones go through the conic's Jacobian, which maps them to heliocentric ecliptic position and velocity."""
    n = len(elements)
    cov = as_covariance(covariance, n)
    el_epoch = np.asarray(elements.epoch, dtype=np.float64)
    epoch = np.where(np.isfinite(el_epoch), el_epoch, cov.epoch)
    k = len(cov.labels)
    # embed: (N, 10, K) Jacobian from the covariance's parameters to STATE_LABELS
    jac = np.zeros((n, 10, k))
    for col, label in enumerate(cov.labels):
        if label in NONGRAV:
            jac[:, 6 + NONGRAV.index(label), col] = 1.0
        elif label in CARTESIAN:
            jac[:, CARTESIAN.index(label), col] = 1.0
    if np.any(np.abs(cov.epoch - epoch) > 1e-6):
        raise InvalidInput("covariance.epoch", "covariance.epoch: must be the elements' epoch (the elements "
                           "are osculating there, and propagation starts from it)")
    elements_at = [c for c, label in enumerate(cov.labels) if label in COMETARY]
    if elements_at:
        _, d_state = element_jacobian(elements, epoch)
        for c in elements_at:
            jac[:, :6, c] = d_state[:, :, COMETARY.index(cov.labels[c])]
    return jac @ cov.matrix @ np.swapaxes(jac, 1, 2), epoch
