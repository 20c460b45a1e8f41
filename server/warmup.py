"""Start-up warm-up: compile the shapes the viewer asks for first, before a user waits on them.

jit compiles once per input shape (engine/batching.py pads shapes to buckets so they repeat).
The first request of each shape pays the compilation: seconds on a small CPU. `warm_up` makes
those requests itself, through the same service calls the transports use, so the compiled
programs are in memory (and in JAX's persistent compilation cache, when `encke serve` has it
on, so the next start loads them from disk instead of compiling):

- every comet's position at one epoch (/api/catalog/positions, the viewer's first frame);
- every comet's orbit line at 128 samples (/api/catalog/orbits);
- one comet's position (/position): an elliptic one, and the most hyperbolic one, because
  the engine compiles a separate variant for batches that need the hyperbolic branch;
- one comet's trajectory over a year, daily (/trajectory) and its geocentric observation
  at one epoch (/observe);
- the planets (/api/planets), which also works without a catalog.

Decision: the server binds and serves at once and warms up on the worker pool beside the
requests; /api/health says "warming" until it is done (it stays 200, and gRPC health stays
SERVING: requests are answered, only slower). A warm-up step that fails is logged and skipped:
warming is an optimisation, never a reason not to serve.
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from . import metrics as metrics_mod

_log = logging.getLogger("encke.server.warmup")
SAMPLES = 128  # the viewer's orbit-line resolution (clients/web asks for 128)
TRAJECTORY_DAYS = 365  # one year, daily


def _steps(service, t: float):
    """(name, thunk) pairs of the warm-up requests."""
    steps = [("planets", lambda: service.planets(t))]
    if service.catalog is None:
        return steps
    e = np.asarray(service.catalog.elements.e, dtype=np.float64)
    q = np.asarray(service.catalog.elements.q, dtype=np.float64)
    elliptic = np.flatnonzero((e < 1.0) & np.isfinite(q))
    first = int(elliptic[0]) if elliptic.size else 0
    most_hyperbolic = int(np.nanargmax(e)) if np.isfinite(e).any() else 0
    times = service.trajectory_times(t, t + TRAJECTORY_DAYS, 1.0)
    steps += [
        ("catalog positions", lambda: service.catalog_positions(t, "kepler")),
        ("catalog orbits", lambda: service.catalog_orbits(SAMPLES)),
        ("position (elliptic)", lambda: service.position(first, t, "kepler")),
        ("position (hyperbolic)", lambda: service.position(most_hyperbolic, t, "kepler")),
        ("trajectory", lambda: service.states(np.array([first]), times, "kepler", "ecliptic", "sun")),
        ("observe", lambda: service.observing.observe(np.array([first]), np.array([t]), "500", "kepler")),
    ]
    return steps


def warm_up(service, time_jd: float | None = None, stop: threading.Event | None = None) -> dict:
    """Run the warm-up requests; returns {"seconds", "compilations", "failed": [names]}.

    `stop` (set on shutdown) ends the warm-up between steps. Sets `service.warming` while it runs.
    """
    from . import params

    t = params.now_jd() if time_jd is None else float(time_jd)
    start, compiles = time.perf_counter(), metrics_mod.jit_compiles()
    failed = []
    service.warming = True
    try:
        for name, thunk in _steps(service, t):
            if stop is not None and stop.is_set():
                break
            try:
                thunk()
            except Exception as exc:  # an optimisation failed: serve anyway, but say which
                failed.append(name)
                _log.warning("warm-up step %r failed: %s: %s", name, type(exc).__name__, exc)
    finally:
        service.warming = False
    seconds = time.perf_counter() - start
    service.metrics.warmup_seconds = seconds
    return {"seconds": seconds, "compilations": metrics_mod.jit_compiles() - compiles, "failed": failed}
