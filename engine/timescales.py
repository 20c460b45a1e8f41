"""Time input at the boundary: everything becomes float64 TDB Julian dates before any jit.

Accepted inputs of ``to_tdb_jd(times, scale=None)``:
- numbers (float, int, sequences, numpy arrays): Julian dates, TDB unless ``scale`` says
  "tt" or "utc";
- ISO strings ("2024-01-01", "2024-01-01T12:00:00", sequences of them) and ``datetime`` /
  ``numpy.datetime64`` values: calendar dates, UTC unless ``scale`` says "tt" or "tdb";
- ``astropy.time.Time``: converted from its own scale (``scale`` must then be None).

Conversions use astropy (UTC -> TAI by the leap-second table, TAI -> TT by 32.184 s,
TT -> TDB by astropy's series, under 2 ms). TDB floats pass straight through without
touching astropy, so the common path is free. UTC after the last tabulated leap second is
astropy's extrapolation (no new leap seconds); its "dubious year" warning is silenced for
that one conversion, because it says exactly this.
"""
from __future__ import annotations

import datetime as _dt
import math
import warnings
from numbers import Number

import numpy as np

SCALES = ("utc", "tt", "tdb")


def _check_scale(scale):
    if scale is not None and scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES} (or None for the default), got {scale!r}")


def _astropy_tdb(value, scale, fmt=None):
    from astropy.time import Time
    from erfa import ErfaWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*dubious year.*", category=ErfaWarning)
        try:
            t = Time(value, scale=scale, format=fmt)
        except ValueError as exc:
            raise ValueError(f"times: cannot read {value!r} as a date ({exc})") from None
        tdb = t.tdb
    return np.asarray(tdb.jd1, dtype=np.float64) + np.asarray(tdb.jd2, dtype=np.float64)


def _is_text(values) -> bool:
    if isinstance(values, str):
        return True
    arr = np.asarray(values)
    return arr.dtype.kind in ("U", "S", "O") and arr.size > 0 and all(isinstance(v, str) for v in arr.ravel())


def to_tdb_jd(times, scale: str | None = None) -> np.ndarray:
    """TDB Julian dates (float64 numpy array, the input's shape) for any accepted time input.

    times: see the module docstring. scale: "utc", "tt" or "tdb"; None means "tdb" for
    numbers and "utc" for calendar dates. Raises ValueError naming the problem (unknown scale,
    unparseable date, non-finite value).
    """
    _check_scale(scale)
    try:
        from astropy.time import Time
    except ImportError:  # pragma: no cover - astropy is a dependency
        Time = None
    if Time is not None and isinstance(times, Time):
        if scale is not None:
            raise ValueError("scale must be None for an astropy Time: it carries its own scale")
        with warnings.catch_warnings():
            from erfa import ErfaWarning

            warnings.filterwarnings("ignore", message=".*dubious year.*", category=ErfaWarning)
            tdb = times.tdb
        out = np.asarray(tdb.jd1, dtype=np.float64) + np.asarray(tdb.jd2, dtype=np.float64)
    elif _is_text(times):
        out = _astropy_tdb(times, scale or "utc")
    elif isinstance(times, (_dt.datetime, _dt.date)) or np.asarray(times).dtype.kind == "M":
        value = times if isinstance(times, (_dt.datetime, _dt.date)) else np.asarray(times)
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            value = _dt.datetime(value.year, value.month, value.day)
        out = _astropy_tdb(value, scale or "utc")
    else:
        if not isinstance(times, Number):
            arr = np.asarray(times)
            if arr.dtype.kind not in "iuf":
                raise ValueError(f"times must be Julian dates, ISO strings or astropy Time, got dtype {arr.dtype}")
        out = np.asarray(times, dtype=np.float64)
        if scale not in (None, "tdb"):
            out = _astropy_tdb(out, scale, "jd")
    if not np.all(np.isfinite(out)):
        raise ValueError("times must be finite (found NaN or inf)")
    return out



SECONDS_PER_DAY = 86400.0
FIRST_GREGORIAN_JD = 2299161  # 1582-10-15, the first day of the Gregorian calendar (noon-based day number)


def jd_to_iso(jd: float, with_time: bool = True) -> str:
    """Calendar date of a Julian date: 'YYYY-MM-DD hh:mm:ss', or 'YYYY-MM-DD' without the time.

    The one calendar formatter of encke (error messages, the catalog's perihelion dates). The time
    scale is unchanged: a TDB Julian date gives a TDB calendar date. Method: Meeus, "Astronomical
    Algorithms" (2nd ed.), ch. 7, with the Julian calendar before 1582-10-15 and the Gregorian
    after, as JPL Horizons and the MPC print dates. Resolution 1 s, rounded (so 23:59:59.6 is the
    next day's 00:00:00). A non-finite value gives its repr ('nan', 'inf').
    """
    if not math.isfinite(jd):
        return str(jd)
    day_number = math.floor(jd + 0.5)
    seconds = round((jd + 0.5 - day_number) * SECONDS_PER_DAY)
    if seconds >= SECONDS_PER_DAY:  # rounding reached midnight
        day_number, seconds = day_number + 1, seconds - int(SECONDS_PER_DAY)
    a = day_number
    if day_number >= FIRST_GREGORIAN_JD:
        alpha = math.floor((day_number - 1867216.25) / 36524.25)
        a = day_number + 1 + alpha - math.floor(alpha / 4)
    b = a + 1524
    c = math.floor((b - 122.1) / 365.25)
    d = math.floor(365.25 * c)
    e = math.floor((b - d) / 30.6001)
    day = b - d - math.floor(30.6001 * e)
    month = e - 1 if e < 14 else e - 13
    year = c - 4716 if month > 2 else c - 4715
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if not with_time:
        return date
    hh, rem = divmod(int(seconds), 3600)
    mm, ss = divmod(rem, 60)
    return f"{date} {hh:02d}:{mm:02d}:{ss:02d}"
