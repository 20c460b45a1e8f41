"""Validation of request parameters shared by both transports.

Each parser takes the raw value and the name of the field it came from, and raises
`InvalidArgument` naming that field. Times become TDB Julian dates (float64 days) here, at
the boundary, through the engine's `to_tdb_jd` (astropy), never inside jit.
"""
from __future__ import annotations

import math
import re

import numpy as np

from .errors import InvalidArgument

MODELS = ("kepler", "nbody")
# The smallest step: about 1 ms. A float64 Julian date near 2.46e6 resolves 4e-10 day, so a step
# much below this gives no distinct epochs; bounding it keeps (stop - start) / step finite.
MIN_STEP_DAYS = 1e-8
MAX_ID_CHARS = 100  # the longest designation with a name is ~60 characters
MAX_TEXT_CHARS = 200  # search text, observer names
FRAMES = ("ecliptic", "icrf")
CENTERS = ("sun", "ssb")

# step strings: a number and a unit; days are the unit of every step inside encke.
_STEP_UNITS = {"s": 1 / 86400, "m": 1 / 1440, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0, "y": 365.25}
_STEP_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|min|m|h|d|w|y)?\s*$")


def choice(value, field: str, allowed: tuple[str, ...], default: str) -> str:
    """A lower-cased member of `allowed`; None or "" give `default`."""
    if value is None or value == "":
        return default
    text = str(value).strip().lower()
    if text not in allowed:
        raise InvalidArgument(field, f"unknown {field} {value!r}; expected one of {', '.join(allowed)}")
    return text


def model(value) -> str:
    return choice(value, "model", MODELS, "kepler")


def frame(value) -> str:
    return choice(value, "frame", FRAMES, "ecliptic")


def center(value) -> str:
    return choice(value, "center", CENTERS, "sun")


def time_jd(value, field: str = "time") -> float:
    """A TDB Julian date from a number (TDB JD) or an ISO string (UTC), e.g. "2024-10-01"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidArgument(field, "a time is required (a TDB Julian date or an ISO date)")
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        jd = float(value)
    else:
        text = str(value).strip()
        try:
            jd = float(text)
        except ValueError:
            jd = _iso_to_tdb_jd(text, field)
    if not math.isfinite(jd):
        shown = repr(value) if isinstance(value, str) else jd  # a number as written, not numpy's repr
        raise InvalidArgument(field, f"{shown} is not a finite time")
    return jd


def now_jd() -> float:
    """The current time as a TDB Julian date."""
    from astropy.time import Time

    return float(Time.now().tdb.jd)


def time_or_now(value, field: str = "time") -> float:
    """`time_jd(value)`, or now when the value is missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return now_jd()
    return time_jd(value, field)


def times_jd(values, field: str = "times") -> np.ndarray:
    """(M,) TDB Julian dates from numbers; rejects NaN and infinities, naming the index."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InvalidArgument(f"{field}[{int(bad[0])}]", f"{float(arr[bad[0]])} is not a finite time")
    return arr


def step_days(value, field: str = "step") -> float:
    """A positive step in days from a number (days) or a string: "1d", "6h", "30m", "10s", "1y"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidArgument(field, "a step is required (days, or a string like '1d' or '6h')")
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        days = float(value)
    else:
        match = _STEP_RE.match(str(value))
        if not match:
            if str(value).strip().startswith("-"):
                raise InvalidArgument(field, f"{value!r} must be positive")
            raise InvalidArgument(field, f"{value!r} is not a step; use days or a string like '1d', '6h', '30m'")
        days = float(match.group(1)) * _STEP_UNITS[match.group(2) or "d"]
    if not math.isfinite(days):
        raise InvalidArgument(field, f"{value!r} is not finite")
    if days <= 0:
        raise InvalidArgument(field, f"{value!r} must be positive")
    if days < MIN_STEP_DAYS:
        raise InvalidArgument(field, f"{value!r} is below the smallest step; use at least {MIN_STEP_DAYS:g} days")
    return days


def count(value, field: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer within [minimum, maximum]; None gives `default`."""
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise InvalidArgument(field, f"{value!r} is not an integer") from None
    if number < minimum:
        raise InvalidArgument(field, f"{number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise InvalidArgument(field, f"{number} is above the maximum {maximum}")
    return number


def flag(value, field: str) -> bool:
    """A boolean query flag: true/1/yes/on or false/0/no/off/empty."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("", "false", "0", "no", "off"):
        return False
    raise InvalidArgument(field, f"{value!r} is not true or false")


def optional_float(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(field, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidArgument(field, f"{value!r} is not finite")
    return number


def ids(values, field: str = "ids") -> list[str]:
    """A non-empty list of non-empty comet ids."""
    if isinstance(values, str):
        values = [values]
    out = [str(v).strip() for v in (values or [])]
    if not out:
        raise InvalidArgument(field, "at least one comet id is required")
    for k, v in enumerate(out):
        if not v:
            raise InvalidArgument(f"{field}[{k}]", "empty comet id")
        if len(v) > MAX_ID_CHARS:
            raise InvalidArgument(f"{field}[{k}]", f"{len(v)} characters; a comet id has at most {MAX_ID_CHARS}")
    return out


def text(value, field: str, limit: int = MAX_TEXT_CHARS) -> str:
    """A string of at most `limit` characters (search text, observer names)."""
    value = "" if value is None else str(value)
    if len(value) > limit:
        raise InvalidArgument(field, f"{len(value)} characters; at most {limit}")
    return value


def _iso_to_tdb_jd(text: str, field: str) -> float:
    from encke.engine.timescales import to_tdb_jd

    try:
        jd = to_tdb_jd(text, scale="utc")
    except Exception as exc:  # astropy raises ValueError and its own subclasses
        raise InvalidArgument(field, f"{text!r} is not a Julian date or an ISO date/time ({exc})") from None
    return float(np.asarray(jd).reshape(-1)[0])
