"""The benchmark that ships with the package: `encke bench` where no source checkout is found.

It times the engine on the default catalog (the MPC snapshot shipped with encke, or the catalog
configured as for every command): the whole catalog with two-body Kepler at many epochs, and a
sample with the N-body model over one year. Compile time (the first call) and steady state (the
best of the calls after it) are reported apart. The peer comparisons, the service and the viewer
benchmarks need the harness in benchmarks/ of a source checkout.
"""
from __future__ import annotations

import time

import numpy as np

# (case, model, comets (None: all), epochs, span in days); quick sizes run in well under a minute.
CASES = {
    True: (("kepler", "kepler", None, 100, 3652.5), ("nbody", "nbody", 20, 12, 365.25)),
    False: (("kepler", "kepler", None, 1000, 3652.5), ("nbody", "nbody", 200, 52, 365.25)),
}
REPEATS = 3
COLUMNS = ("case", "comets", "epochs", "compile s", "steady s", "object-epochs/s")


def run_cases(catalog, quick: bool) -> list[dict]:
    """One row per case: sizes, compile seconds (first call minus steady), steady seconds (best of
    REPEATS further calls) and object-epochs per second of the steady state."""
    import encke

    rows = []
    t0 = float(np.nanmedian(catalog.elements.epoch))  # the catalog's usual epoch (some rows have none)
    for case, model, n, m, span in CASES[quick]:
        elements = catalog[: n or len(catalog)].elements
        times = t0 + np.linspace(0.0, span, m)
        options = {"ephemeris": "de440"} if model == "nbody" else {}
        first = _timed(lambda: encke.propagate(elements, times, model=model, **options))
        steady = min(_timed(lambda: encke.propagate(elements, times, model=model, **options)) for _ in range(REPEATS))
        count = len(elements.q)
        rows.append({"case": case, "comets": count, "epochs": m, "compile s": max(first - steady, 0.0),
                     "steady s": steady, "object-epochs/s": count * m / steady})
    return rows


def _timed(call) -> float:
    start = time.perf_counter()
    np.asarray(call())  # waits for the device: the states are on the host when this returns
    return time.perf_counter() - start


def table(rows: list[dict]) -> str:
    """A plain-text table, numbers to three significant figures, aligned."""
    cells = [list(COLUMNS)] + [[_fmt(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(COLUMNS))]
    lines = ["  ".join(text.rjust(w) if k else text.ljust(w) for k, (text, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"
    return str(value)
