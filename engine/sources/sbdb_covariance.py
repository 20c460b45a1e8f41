"""The orbit solution's covariance from an SBDB API answer (``orbit.covariance``).

SBDB gives, with ``full-prec=1``, ``orbit.covariance = {labels, epoch, data}``: a K x K matrix
(strings) over its own parameters, in its own units: e, q (au), tp (TDB JD), node, peri, i
(degrees) and, where the solution estimates them, A1, A2, A3 (au/d^2), DT (d) and others
such as S0 (the centre-of-light offset, which encke's force model does not have). Checked on
the recorded answers of 1P, 67P, 81P and C/2014 UN271: the square roots of its diagonal are
the sigmas of ``orbit.elements`` and ``orbit.model_pars``, so no unit conversion is needed.

Parameters encke does not model are dropped by marginalising (their rows and columns are
removed: for a Gaussian that is exactly the distribution of the others) and named in the
returned note; the result keeps SBDB's order, names and units (engine/covariance.py).
"""
from __future__ import annotations

import numpy as np

from ..covariance import UNITS, OrbitCovariance, make_covariance
from ..errors import InvalidInput


def parse_covariance(orbit: dict) -> tuple[OrbitCovariance | None, str]:
    """(OrbitCovariance of one object, note) from SBDB's ``orbit`` dict; (None, why) when the
    solution has no covariance. Raises InvalidInput naming the SBDB field if it is malformed."""
    raw = orbit.get("covariance") if isinstance(orbit, dict) else None
    if not raw:
        return None, "SBDB gives no covariance for this orbit solution"
    labels = raw.get("labels")
    data = raw.get("data")
    if not isinstance(labels, list) or not isinstance(data, list):
        raise InvalidInput("orbit.covariance", "orbit.covariance: expected 'labels' and 'data' lists")
    try:
        matrix = np.array([[float(v) for v in row] for row in data], dtype=np.float64)
        epoch = float(raw.get("epoch"))
    except (TypeError, ValueError):
        raise InvalidInput("orbit.covariance", "orbit.covariance: 'data' and 'epoch' must be numbers") from None
    if matrix.shape != (len(labels), len(labels)):
        raise InvalidInput("orbit.covariance",
                           f"orbit.covariance: {len(labels)} labels but data of shape {matrix.shape}")
    keep = [k for k, label in enumerate(labels) if label in UNITS]
    dropped = [label for label in labels if label not in UNITS]
    cov = make_covariance(matrix[np.ix_(keep, keep)], [labels[k] for k in keep], epoch)
    note = f"marginalised over {dropped} (not in encke's force model)" if dropped else ""
    return cov, note
