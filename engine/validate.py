"""Boundary checks shared by the two-body entry points: clear errors that name the field."""
from __future__ import annotations

import math

import numpy as np

from .elements import CometaryElements
from .errors import InvalidInput
from .frames import check_frame_name


def check_elements(elements) -> CometaryElements:
    if not isinstance(elements, CometaryElements):
        raise TypeError(f"elements must be CometaryElements, got {type(elements).__name__}")
    return elements


def check_frame(frame: str) -> str:
    return check_frame_name(frame)


def check_mu(mu) -> float:
    mu = float(mu)
    if not (math.isfinite(mu) and mu > 0):
        raise InvalidInput("mu", f"mu must be a positive finite GM in au^3/day^2, got {mu!r}")
    return mu


def invalid_mask(elements: CometaryElements) -> np.ndarray:
    """(N,) bool: elements that no conic can use (non-finite angles, q, e or tp; q <= 0; e < 0)."""
    fields = [np.asarray(getattr(elements, f)) for f in ("q", "e", "i", "node", "argp", "tp")]
    bad = ~np.logical_and.reduce([np.isfinite(a) for a in fields])
    with np.errstate(invalid="ignore"):
        bad |= ~(fields[0] > 0) | ~(fields[1] >= 0)
    return bad
