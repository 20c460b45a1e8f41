"""What the catalog commands share: finding the catalog, reading --step, and time grids."""
from __future__ import annotations

import contextlib
import math
import re
import warnings

MAX_ROWS = 100_000
_STEP_UNITS = {"m": 1.0 / 1440.0, "min": 1.0 / 1440.0, "h": 1.0 / 24.0, "d": 1.0, "y": 365.25}


class UsageError(ValueError):
    """A bad command-line value; the message names the option."""


def load_catalog(path: str | None):
    """The catalog from --catalog, else $ENCKE_CATALOG, else the newer of the MPC file cached by
    `encke fetch` and the snapshot shipped with encke (engine/catalog/default.py)."""
    from encke.engine.catalog import read_comets
    from encke.engine.catalog.default import choose_catalog

    return read_comets(choose_catalog(path).path)


def parse_step_days(text: str) -> float:
    """--step as days: a number and a unit m, h, d or y (365.25 d), e.g. 10d, 6h, 30m."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]+)\s*", text or "")
    if not match or match.group(2) not in _STEP_UNITS:
        raise UsageError(f"--step: expected a number and a unit m, h, d or y (e.g. 10d, 6h, 30m), got {text!r}")
    days = float(match.group(1)) * _STEP_UNITS[match.group(2)]
    if not days > 0:
        raise UsageError(f"--step: must be positive, got {text!r}")
    return days


@contextlib.contextmanager
def quiet_dubious_year():
    """ERFA calls UTC dates past its leap-second table "dubious"; for a prediction that is
    expected (no future leap seconds are known), so the warning is silenced here only."""
    import erfa

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*dubious year", category=erfa.ErfaWarning)
        yield


def time_grid(start: str, stop: str, step: str, scale: str = "utc"):
    """astropy Time in `scale` from start to stop inclusive every --step; UsageError names the option."""
    import numpy as np
    from astropy import units as u
    from astropy.time import Time

    values = {}
    with quiet_dubious_year():
        for name, text in (("--start", start), ("--stop", stop)):
            try:
                values[name] = Time(text, scale=scale)
            except ValueError:
                raise UsageError(f"{name}: cannot read {text!r} as a date (YYYY-MM-DD[THH:MM[:SS]]) in "
                                 f"{scale.upper()}") from None
        step_days = parse_step_days(step)
        span = (values["--stop"] - values["--start"]).to_value("day")
        if span < 0:
            raise UsageError(f"--stop ({stop}) is before --start ({start})")
        count = int(math.floor(span / step_days + 1e-9)) + 1
        if count > MAX_ROWS:
            raise UsageError(f"--step: {count} rows requested; at most {MAX_ROWS} (use a longer step)")
        return values["--start"] + np.arange(count) * step_days * u.day
