"""Monte Carlo clones of orbits: draws from each orbit's covariance, as CometaryElements.

The clones are ordinary elements, so they run through the same batched propagation as any
catalog (a thousand clones of one comet is a batch of a thousand): the nonlinear answer
where linear mapping (engine/uncertainty.py) fails, after a close approach or over long spans.

Draws are Gaussian in the covariance's own parameters (SBDB's cometary elements, or the
Cartesian state), through the square root D V sqrt(max(lambda, 0)) (D the standard deviations,
V and lambda the eigenvectors and eigenvalues of the correlation matrix), which also serves a
covariance that is only semi-definite (a parameter held fixed has a zero row).
Cartesian draws become elements with conics.state_to_elements (GM = constants.GM_SUN, the
elements' own GM).
"""
from __future__ import annotations

import os

import numpy as np

from .conics import elements_to_state, state_to_elements
from .constants import DEG
from .covariance import CARTESIAN, COMETARY, as_covariance
from .elements import CometaryElements
from .errors import InvalidInput

# cometary label -> (CometaryElements field, factor from the label's unit to the field's)
_FIELD = {"e": ("e", 1.0), "q": ("q", 1.0), "tp": ("tp", 1.0), "node": ("node", DEG), "peri": ("argp", DEG),
          "i": ("i", DEG), "A1": ("A1", 1.0), "A2": ("A2", 1.0), "A3": ("A3", 1.0), "DT": ("DT", 1.0)}


def sample_orbits(elements: CometaryElements, covariance, n: int, *, seed=None) -> CometaryElements:
    """n Gaussian clones of each of the N orbits: CometaryElements of length N * n, object by
    object (clones k * n .. (k + 1) * n - 1 are those of object k).

    elements: CometaryElements (N,); covariance: an OrbitCovariance (one for all or one per
    object) or an SBDB result; seed: for numpy.random.default_rng (reproducible draws).
    """
    if not isinstance(elements, CometaryElements):
        raise TypeError(f"elements must be CometaryElements, got {type(elements).__name__}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidInput("n", f"n: the number of clones must be an integer, got {n!r}")
    n = int(n)
    if n < 1:
        raise InvalidInput("n", f"n: the number of clones must be >= 1, got {n}")
    cov = as_covariance(covariance, len(elements))
    _check_memory(len(elements) * n, len(cov.labels))
    rng = np.random.default_rng(seed)
    # through the correlation matrix: the variances span ~22 decades (A1 ~1e-22 au^2/d^4, DT
    # ~1 d^2), and an eigendecomposition of the raw matrix loses the small ones to round-off
    sd = np.sqrt(np.einsum("nii->ni", cov.matrix))
    safe = np.where(sd > 0, sd, 1.0)
    lam, vec = np.linalg.eigh(cov.matrix / safe[:, :, None] / safe[:, None, :])
    root = sd[:, :, None] * vec * np.sqrt(np.maximum(lam, 0.0))[:, None, :]  # root @ root.T = matrix
    draws = np.einsum("nij,nkj->nki", root, rng.standard_normal((len(elements), n, len(cov.labels))))
    el = elements.to_numpy()
    epoch = np.where(np.isfinite(el.epoch), el.epoch, cov.epoch)
    fields = {name: np.repeat(np.asarray(getattr(el, name), np.float64), n) for name in
              ("q", "e", "i", "node", "argp", "tp", "A1", "A2", "A3", "DT")}
    flat = draws.reshape(len(elements) * n, -1)
    if cov.kind == "cartesian":
        states = np.repeat(elements_to_state(el.replace(epoch=epoch), epoch), n, axis=0)
        for c, label in enumerate(cov.labels):
            if label in CARTESIAN:
                states[:, CARTESIAN.index(label)] += flat[:, c]
        moved = state_to_elements(states, np.repeat(epoch, n))
        fields.update({name: np.asarray(getattr(moved, name)) for name in ("q", "e", "i", "node", "argp", "tp")})
    for c, label in enumerate(cov.labels):
        if label in COMETARY or label not in CARTESIAN:
            name, factor = _FIELD[label]
            fields[name] = fields[name] + flat[:, c] * factor
    return CometaryElements(epoch=np.repeat(epoch, n), **fields)


def _check_memory(clones: int, dims: int):
    """InvalidInput("n") when the draws and the clones' element arrays alone would not fit in
    this machine's memory: a clear error instead of numpy's MemoryError (or swapping)."""
    # the standard normals and the drawn deviations (dims each), and about twelve float64
    # element fields per clone
    needed = clones * (2 * dims + 12) * 8
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: let numpy decide
        return
    if needed > physical:
        raise InvalidInput("n", f"n: {clones:,} clones need about {needed / 2**30:,.0f} GiB for their draws alone; "
                           f"this machine has {physical / 2**30:,.0f} GiB")
