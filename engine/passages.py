"""The next perihelion passage of each comet, with the two-body or the N-body model.

- kepler: the two-body time law (perihelion.next_perihelion_jd): tp plus whole periods.
- nbody: the Sun is one more body of the close-approach search (approaches.close_approaches:
  the integrator's samples, cubic Hermite minima of the distance, refined with a second
  batched N-body call to well under a second), run over a window from `time` to the two-body
  next passage plus 1.1 periods (so a passage that the planets moved before `time`, or past
  the two-body date, is still found), clipped to the ephemeris. The first minimum of the
  distance to the Sun in that window is the perihelion. Why not the two-body date: the
  planets shift returns by days to weeks (1P seen from 1986-01-01 with the 2024 elements:
  N-body 1986-02-08, two-body 1986-03-04).

Units: TDB Julian dates. NaN where no passage lies ahead within the window (an open orbit
after perihelion) or within the ephemeris.
"""
from __future__ import annotations

import numpy as np

from .elements import CometaryElements
from .ephemeris import Ephemeris, load_ephemeris
from .errors import InvalidInput
from .perihelion import next_perihelion_jd, period_days

MIN_WINDOW_DAYS = 60.0
OPEN_ORBIT_MARGIN_DAYS = 365.0
GRID_POINTS = 2000  # samples of the N-body search over its window (step at least 2 days)
REFINE_WINDOW_DAYS = 3.0  # half-width of the second search, around the first estimate
REFINE_POINTS = 48


def _window_end(q: float, e: float, tp: float, t: float) -> float:
    """End of the search window (TDB JD) for one comet, before clipping to the ephemeris."""
    after = next_perihelion_jd(q, e, tp, t)
    if after is None:  # open orbit past perihelion: the planets may still delay it a little
        return t + MIN_WINDOW_DAYS
    period = period_days(q, e)
    margin = 1.1 * period if period is not None else OPEN_ORBIT_MARGIN_DAYS
    return max(after + margin, t + MIN_WINDOW_DAYS)


def next_perihelia(elements: CometaryElements, time_jd: float, model: str = "kepler", *,
                   ephemeris="de440", nongrav: bool = True) -> np.ndarray:
    """(N,) TDB JD of each comet's first perihelion at or after `time_jd` with `model`.

    elements: CometaryElements (N,); time_jd: one TDB Julian date; ephemeris: the planets'
    kernel for the N-body model (name, path or a loaded Ephemeris). NaN: no passage ahead
    (see the module docstring).
    """
    if model not in ("kepler", "nbody"):
        raise InvalidInput("model", f"model: expected 'kepler' or 'nbody', got {model!r}")
    t = float(time_jd)
    q, e, tp = (np.asarray(getattr(elements, name), dtype=np.float64) for name in ("q", "e", "tp"))
    out = np.full(len(elements), np.nan)
    if model == "kepler":
        for k in range(len(elements)):
            value = next_perihelion_jd(float(q[k]), float(e[k]), float(tp[k]), t)
            out[k] = np.nan if value is None else value
        return out
    eph = ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)
    last = eph.coverage[1]
    for k in range(len(elements)):
        end = min(_window_end(float(q[k]), float(e[k]), float(tp[k]), t), last)
        if end <= t:
            continue
        first = _first_minimum(elements[k:k + 1], t, end, max(2.0, (end - t) / GRID_POINTS), eph, nongrav)
        if first is None:
            continue
        lo, hi = max(t, first - REFINE_WINDOW_DAYS), min(last, first + REFINE_WINDOW_DAYS)
        fine = _first_minimum(elements[k:k + 1], lo, hi, (hi - lo) / REFINE_POINTS, eph, nongrav)
        out[k] = first if fine is None else fine
    return out


def _first_minimum(element, start: float, stop: float, step: float, eph, nongrav: bool) -> float | None:
    """TDB JD of the first minimum of one comet's distance to the Sun in [start, stop], or None."""
    from .approaches import close_approaches

    rows = close_approaches(element, start, stop, bodies=("sun",), max_distance_au=1e6, ephemeris=eph,
                            nongrav=nongrav, step_days=step)
    ahead = rows.time_tdb_jd[rows.time_tdb_jd >= start]
    return float(ahead.min()) if ahead.size else None
