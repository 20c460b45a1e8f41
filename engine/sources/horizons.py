"""JPL Horizons text output, for checking propagations against it: VECTORS tables, and the
osculating elements and non-gravitational parameters in a small body's header.

These parse the text Horizons returns (such as the tables saved in ../shared/data/horizons
and ../shared/data/planets); fetching it is left to the caller.
"""
from __future__ import annotations

import re

import numpy as np

from ..elements import CometaryElements

_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][-+]?\d+)?)"


def read_vectors(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows of a VECTORS table ($$SOE ... $$EOE) with positions and velocities.

    Returns (jd (n,) in the table's time scale, TDB for vector tables; states (n, 6): X, Y, Z
    and VX, VY, VZ in the table's units and frame, au and au/day unless the request said
    otherwise). ValueError when there is no table or its rows cannot be read."""
    if "$$SOE" not in text or "$$EOE" not in text:
        raise ValueError("not a Horizons table: no $$SOE ... $$EOE block")
    body = text.split("$$SOE", 1)[1].split("$$EOE", 1)[0]
    jd = re.findall(r"^\s*(\d+\.\d+) = A\.D\.", body, re.M)
    pos = re.findall(r"\bX =" + _NUMBER + r"\s+Y =" + _NUMBER + r"\s+Z =" + _NUMBER, body)
    vel = re.findall(r"\bVX=" + _NUMBER + r"\s+VY=" + _NUMBER + r"\s+VZ=" + _NUMBER, body)
    if not jd or not (len(jd) == len(pos) == len(vel)):
        raise ValueError(f"Horizons VECTORS table: {len(jd)} epochs, {len(pos)} positions and {len(vel)} "
                         "velocities (a table with both, one row each, is needed)")
    states = np.concatenate([np.array(pos, dtype=float), np.array(vel, dtype=float)], axis=1)
    return np.array(jd, dtype=float), states


def _header_number(header: str, name: str) -> float | None:
    found = re.search(r"(?<![\w.])" + name + r"\s*=" + _NUMBER + r"(?![-\w])", header)
    return None if found is None else float(found.group(1).replace("D", "E").replace("d", "e"))


def header_elements(text: str) -> CometaryElements:
    """The osculating elements in a small body's header (heliocentric ecliptic J2000, TDB,
    as Horizons prints them), with A1, A2, A3 (au/day^2) and DT (days) where the header has a
    non-gravitational model (0 otherwise). ValueError naming the element that is missing."""
    header = text.split("$$SOE", 1)[0]
    values = {}
    for name in ("EPOCH", "EC", "QR", "TP", "OM", "W", "IN"):
        values[name] = _header_number(header, name)
        if values[name] is None:
            raise ValueError(f"Horizons header: no osculating element {name}=")
    nongrav = {name: _header_number(header, name) or 0.0 for name in ("A1", "A2", "A3", "DT")}
    return CometaryElements(
        q=values["QR"], e=values["EC"], i=np.radians(values["IN"]), node=np.radians(values["OM"]),
        argp=np.radians(values["W"]), tp=values["TP"], epoch=values["EPOCH"], **nongrav,
    )  # fmt: skip
