"""Close approaches and state covariances in the service, for both transports.

Transport-neutral, like observing.py: HTTP's /api/comets/{id}/approaches and /api/approaches
and gRPC's CloseApproaches call `search`; gRPC's GetStates with include_covariance calls
`state_covariances`. The numbers are the engine's (encke.close_approaches,
encke.propagate_covariance). The catalog has no covariance: it comes from the comet's SBDB
solution (orbit_solutions.py, cached), whose elements are then used too, so that positions
and their uncertainty belong to one orbit.

Units: TDB Julian dates, au, km/s; covariances in au^2, au^2/day, au^2/day^2.
"""
from __future__ import annotations

import numpy as np

from . import params
from .errors import InvalidArgument, LimitExceeded
from .orbit_solutions import sbdb_covariance

MAX_AU = 2.0  # the largest approach distance a request may ask for
DEFAULT_AU = 0.2


def window(service, start, stop, max_au) -> tuple[float, float, float]:
    """(start, stop, limit au) of an approach search: stop after start, the span within the
    service's limit, the limit in (0, MAX_AU] (None means DEFAULT_AU)."""
    t0, t1 = params.time_jd(start, "start"), params.time_jd(stop, "stop")
    if not t1 > t0:
        raise InvalidArgument("stop", "stop must be after start")
    if t1 - t0 > service.limits.max_span_days:
        raise LimitExceeded(f"span: {t1 - t0:.0f} days is over the limit of {service.limits.max_span_days:.0f}",
                            service.limits.max_span_days)
    limit = params.optional_float(max_au, "max_au")
    limit = DEFAULT_AU if limit is None else limit
    if not 0 < limit <= MAX_AU:
        raise InvalidArgument("max_au", f"max_au must be in (0, {MAX_AU}] au, got {limit}")
    return t0, t1, limit


def search(service, indices, t0: float, t1: float, body: str, limit: float, uncertainty: bool = False):
    """(engine Approaches, designations, note) of catalog comets `indices` to `body`; with
    `uncertainty` (one comet) the SBDB covariance adds the 3-sigma of time and distance, and
    `note` says which solution gave it or why none is available (else note is None)."""
    from encke.engine.approaches import close_approaches

    catalog = service.require_catalog()
    indices = np.asarray(indices, dtype=np.int64)
    designations = [catalog.designations[k] for k in indices]
    elements, covariance, note = catalog.elements[indices], None, None
    if uncertainty:
        if len(indices) != 1:
            raise InvalidArgument("ids", f"uncertainty needs exactly one comet, got {len(indices)}")
        covariance, note = sbdb_covariance(service.summary(int(indices[0]))["id"])
        if covariance is not None:
            elements = covariance.elements
    found = close_approaches(elements, t0, t1, (body,), limit, covariance=covariance, designations=designations,
                             ephemeris=service.ephemeris())
    return found, designations, note


def state_covariances(service, indices, times, model: str, frame: str, center: str):
    """(states (N, M, 6), covariance (N, M, 6, 6), status (N,), notes (N,)) of catalog comets.

    A comet whose SBDB solution has a covariance gets that solution's states and linearly
    propagated covariance (encke.propagate_covariance); the others keep the catalog's states,
    a NaN covariance and a note that says why."""
    from encke.engine.uncertainty import propagate_covariance

    times = np.asarray(times, dtype=np.float64)
    indices = np.asarray(indices, dtype=np.int64)
    service.limits.check_response_bytes(len(indices) * times.size * 42 * 8, "fewer ids or times")
    states, status = service.states(indices, times, model, frame, center)
    states, status = np.array(states, dtype=np.float64), np.array(status, dtype=np.int32)
    covariance = np.full(states.shape[:2] + (6, 6), np.nan)
    notes = []
    for j, k in enumerate(indices):
        solution, note = sbdb_covariance(service.summary(int(k))["id"])
        notes.append(note)
        if solution is not None:
            prop = propagate_covariance(solution.elements, times, solution, model=model, frame=frame, center=center,
                                        ephemeris=service.ephemeris())
            states[j], covariance[j], status[j] = prop.states[0], prop.covariance[0], prop.status[0]
    return states, covariance, status, notes
