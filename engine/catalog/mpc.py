"""The fixed-column parser for MPC comet orbit files (CometEls.txt).

Format: MPC "Export Format for Comet Orbits", section "Ephemerides and Orbital Elements
Format" (https://docs.minorplanetcenter.net/mpc-ops-docs/orbits/comet-orbit-format/),
checked column by column against two real files (../shared/data/cometels). Columns, 1-based:

      1-4   periodic comet number            5     orbit type (C, P, D, X, A, I)
      6-12  provisional designation, packed  (1-12 together: the packed designation)
     15-18  perihelion year  20-21 month  23-29 day.dddd  (TT)
     31-39  q, perihelion distance (au)      42-49  e, eccentricity
     52-59  argument of perihelion (deg)     62-69  longitude of ascending node (deg)
     72-79  inclination (deg)                (angles: J2000 ecliptic and equinox)
     82-89  epoch of osculation YYYYMMDD, 0h TT; blank when the orbit has none
     92-95  absolute magnitude H             97-100 slope parameter K   (blank -> NaN)
    103-158 designation and name             160-   reference (may contain commas)

Design decisions:
- Every non-blank line is accounted for: it is either accepted or rejected with a
  (1-based line number, reason) pair; one bad line never stops the others.
- The blank separator columns are checked too, so that a line shifted by a character is
  rejected instead of being read as plausible but wrong numbers.
- Calendar dates before 1582-10-15 are Julian-calendar dates, later ones Gregorian, as in the
  MPC's and JPL's catalogues (Meeus, "Astronomical Algorithms", 2nd ed., ch. 7).
- A designation given twice is an error in the file: the later line is rejected as a duplicate
  (naming the line of the first), since a lookup by designation can return only one comet.
- Speed (issue 16: 1.17 million lines): lines in the usual layout are read column-wise with
  numpy (fastpath.py); only unusual or bad lines go through the per-line reader here.
- TT -> TDB is done once for the whole file (ERFA's dtdb at the distinct days, interpolated),
  keeping the Julian date in two parts until the end so that no precision is lost.
"""
from __future__ import annotations

import calendar
import math
import os
import re

import numpy as np

from .designations import DesignationError, unpack_designation

MIN_LINE_LENGTH = 100  # through the K field (column 100)

# (field name, 0-based start, stop) of the numeric fields.
_FLOAT_FIELDS = (
    ("q", 30, 39),
    ("e", 41, 49),
    ("argp", 51, 59),
    ("node", 61, 69),
    ("i", 71, 79),
)
# 1-based columns that must be blank: they separate the fields above.
SEPARATOR_COLUMNS = (13, 14, 19, 22, 30, 40, 41, 50, 51, 60, 61, 70, 71, 80, 81, 90, 91, 96, 101, 102)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_NON_FINITE = re.compile(r"^[+-]?(?:nan|inf|infinity)$", re.IGNORECASE)
_GREGORIAN_START = (1582, 10, 15)

# Column names and dtypes of the accepted rows, in the order _parse_line returns them.
STRING_COLUMNS = ("designation", "name", "packed", "orbit_type", "reference", "line")
FLOAT_COLUMNS = ("q", "e", "i", "node", "argp", "tp", "epoch", "H", "K")


class CatalogFormatError(ValueError):
    """A comet catalog that cannot be read at all (missing, binary, empty or another format)."""


class _Reject(Exception):
    """One line's reason for rejection (internal: caught per line)."""


def _number(text: str, field: str, *, blank_ok: bool = False) -> float:
    """A float from a fixed-width field; blank -> NaN only where blank_ok."""
    stripped = text.strip()
    if not stripped:
        if blank_ok:
            return math.nan
        raise _Reject(f"{field}: field is blank")
    if _NON_FINITE.match(stripped):
        raise _Reject(f"{field}: {stripped!r} is not a finite number")
    if not _NUMBER.match(stripped):
        raise _Reject(f"{field}: {stripped!r} is not a number")
    value = float(stripped)
    if not math.isfinite(value):
        raise _Reject(f"{field}: {stripped!r} is not a finite number")
    return value


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year < 1583 and year % 4 == 0:
        return 29  # Julian-calendar leap rule (1500 was a leap year there)
    return calendar.monthrange(year, month)[1]


def _check_date(year: int, month: int, day: float, field: str) -> None:
    if not 1 <= month <= 12:
        raise _Reject(f"{field}: month {month} is outside 1..12")
    last = _days_in_month(year, month)
    if not 1.0 <= day < last + 1.0:
        raise _Reject(f"{field}: day {day:g} is outside 1..{last} for {year:04d}-{month:02d}")


def _perihelion_date(line: str) -> tuple[int, int, float]:
    year_text, month_text = line[14:18].strip(), line[19:21].strip()
    if not re.fullmatch(r"\d{4}", year_text):
        raise _Reject(f"perihelion year: {year_text!r} is not a 4-digit year")
    if not re.fullmatch(r"\d{1,2}", month_text):
        raise _Reject(f"perihelion month: {month_text!r} is not a month number")
    year, month = int(year_text), int(month_text)
    day = _number(line[22:29], "perihelion day")
    _check_date(year, month, day, "perihelion date")
    return year, month, day


def _epoch_date(line: str) -> tuple[int, int, float] | None:
    text = line[81:89].strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{8}", text):
        raise _Reject(f"epoch: {text!r} is not a YYYYMMDD date")
    year, month, day = int(text[:4]), int(text[4:6]), float(text[6:])
    _check_date(year, month, day, "epoch")
    return year, month, day


def name_from_field(field: str, designation: str) -> str:
    """The name part of columns 103-158: '1P/Halley' -> 'Halley', 'C/1995 O1 (Hale-Bopp)' -> 'Hale-Bopp'."""
    if field == designation:
        return ""
    if field.startswith(designation + "/"):
        return field[len(designation) + 1 :].strip()
    rest = field[len(designation) :].strip() if field.startswith(designation) else field
    if rest.startswith("(") and rest.endswith(")"):
        return rest[1:-1].strip()
    return rest  # not the usual layout: keep the text rather than lose it


def _parse_line(line: str) -> tuple:
    """One accepted row: (strings, floats without times, perihelion date, epoch date)."""
    if len(line) < MIN_LINE_LENGTH:
        raise _Reject(f"line truncated: {len(line)} characters, need at least {MIN_LINE_LENGTH}")
    for column in SEPARATOR_COLUMNS:
        if column <= len(line) and line[column - 1] != " ":
            raise _Reject(
                f"column {column}: expected a blank field separator, found {line[column - 1]!r} "
                "(is the line shifted?)"
            )
    packed = line[:12].strip()
    try:
        designation = unpack_designation(packed)
    except DesignationError as exc:
        raise _Reject(f"designation: {exc}") from None
    perihelion = _perihelion_date(line)
    values = {field: _number(line[a:b], field) for field, a, b in _FLOAT_FIELDS}
    if values["q"] <= 0.0:
        raise _Reject(f"q: {values['q']:g} au is not positive")
    if values["e"] < 0.0:
        raise _Reject(f"e: {values['e']:g} is negative")
    if not 0.0 <= values["i"] <= 180.0:
        raise _Reject(f"i: {values['i']:g} deg is outside [0, 180]")
    epoch = _epoch_date(line)
    magnitude_h = _number(line[91:95], "H", blank_ok=True)
    slope_k = _number(line[96:100], "K", blank_ok=True)
    name = name_from_field(line[102:158].strip(), designation)
    reference = line[159:].strip()
    kind = designation.split("/")[0][-1] if "/" in designation else designation.split("-")[0][-1]
    strings = (designation, name, packed, kind, reference, line)
    angles = np.radians([values["i"], values["node"], values["argp"]])
    floats = (values["q"], values["e"], *angles, magnitude_h, slope_k)
    return strings, floats, perihelion, epoch


def calendar_jd(year, month, day) -> tuple[np.ndarray, np.ndarray]:
    """Two-part Julian dates (jd1 = 0h of the 1st of the month, jd2 = day - 1) of calendar
    dates given as (N,) arrays.

    Meeus, "Astronomical Algorithms" (2nd ed.), eq. 7.1: Julian calendar before 1582-10-15,
    Gregorian from then on. Same time scale as the input (TT here).
    """
    year = np.asarray(year, dtype=np.int64)
    month = np.asarray(month, dtype=np.int64)
    day = np.asarray(day, dtype=np.float64)
    start_year, start_month, start_day = _GREGORIAN_START
    julian = (year < start_year) | ((year == start_year) & (
        (month < start_month) | ((month == start_month) & (day < start_day))))
    y = np.where(month <= 2, year - 1, year)
    m = np.where(month <= 2, month + 12, month)
    a = np.floor_divide(y, 100)
    b = np.where(julian, 0, 2 - a + np.floor_divide(a, 4))
    jd1 = np.floor(365.25 * (y + 4716)) + np.floor(30.6001 * (m + 1)) + 1 + b - 1524.5
    return jd1.astype(np.float64), day - 1.0


def tt_calendar_to_tdb_jd(dates: list[tuple[int, int, float]]) -> np.ndarray:
    """(N,) TDB Julian dates of N TT calendar dates (year, month, day.dddd)."""
    if not dates:
        return np.zeros(0)
    return tt_to_tdb_jd(*calendar_jd(*zip(*dates)))


def tt_to_tdb_jd(jd1: np.ndarray, jd2: np.ndarray) -> np.ndarray:
    """(N,) TDB Julian dates of two-part TT Julian dates jd1 + jd2.

    TDB - TT is ERFA's dtdb (Fairhead & Bretagnon 1990, the series astropy uses; geocentric,
    so its diurnal terms vanish), evaluated at 0h TT of each day concerned and the day after,
    and interpolated linearly: the series is smooth (its largest term 1.66 ms over a year), so
    this is within 0.1 microseconds of evaluating it at every date, and costs one evaluation
    per distinct day instead of one per date (that evaluation dominated the cost of a large file;
    figures in docs/performance.md).
    """
    import erfa

    jd1, jd2 = np.asarray(jd1, dtype=np.float64), np.asarray(jd2, dtype=np.float64)
    if jd1.size == 0:
        return jd1 + jd2
    t = jd1 + jd2  # one part is precise enough to pick the day and the interpolation weight
    day = np.floor(t - 0.5) + 0.5  # 0h TT
    nodes = np.unique(np.concatenate([day, day + 1.0]))
    delta = np.interp(t, nodes, erfa.dtdb(nodes, 0.0, 0.0, 0.0, 0.0, 0.0) / 86400.0)
    return jd1 + (jd2 + delta)


def parse_comet_lines(text: str, fast: bool = True) -> tuple[dict[str, np.ndarray], list[tuple[int, str]]]:
    """Parse the text of an MPC comet file.

    Returns (columns, rejected). columns maps each name of STRING_COLUMNS to an (N,) object
    array of str, each name of FLOAT_COLUMNS to an (N,) float64 array (angles i, node, argp in
    radians; tp and epoch TDB Julian dates, epoch NaN when blank; H, K NaN when blank), plus
    "number" (int64, 0 for comets without a periodic number) and "line_number" (int64,
    1-based). rejected lists (line number, reason) for every other non-blank line, in file
    order. A designation that an earlier line already defined is rejected as a duplicate: the
    first entry is kept, as a lookup by designation can return only one.

    fast: lines in the MPC's usual layout are read column-wise with numpy (`catalog.fastpath`);
    every other line, and every line when fast is False, goes through the per-line reader
    `_parse_line`, which gives each rejection its reason. Both give identical rows.
    """
    lines = list(map(str.rstrip, text.split("\n")))
    numbers = (np.flatnonzero(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))) + 1).tolist()
    if fast:
        from .fastpath import parse_plain_lines

        fast_rows, slow_numbers = parse_plain_lines(lines, numbers)
    else:
        fast_rows, slow_numbers = None, numbers
    slow_rows, rejected = _parse_slowly(lines, slow_numbers)
    rows = _merge_rows(fast_rows, slow_rows)
    rows, duplicates = _drop_duplicates(rows)
    rejected = sorted(rejected + duplicates)
    return rows, rejected


def _parse_slowly(lines: list[str], numbers: list[int]) -> tuple[dict, list[tuple[int, str]]]:
    """Columns of the given lines (1-based numbers) read one by one by `_parse_line`, and the
    rejected ones with their reasons."""
    rows, perihelia, epochs, accepted = [], [], [], []
    rejected: list[tuple[int, str]] = []
    for number in numbers:
        try:
            strings, floats, perihelion, epoch = _parse_line(lines[number - 1])
        except _Reject as exc:
            rejected.append((number, str(exc)))
            continue
        rows.append((strings, floats))
        perihelia.append(perihelion)
        epochs.append(epoch)
        accepted.append(number)
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(STRING_COLUMNS):
        column = np.empty(len(rows), dtype=object)
        column[:] = [row[0][k] for row in rows]
        columns[name] = column
    floats = np.array([row[1] for row in rows], dtype=np.float64).reshape(len(rows), 7)
    for k, name in enumerate(("q", "e", "i", "node", "argp", "H", "K")):
        columns[name] = floats[:, k].copy()
    columns["tp"] = tt_calendar_to_tdb_jd(perihelia)
    columns["epoch"] = np.full(len(rows), np.nan)
    known = [k for k, epoch in enumerate(epochs) if epoch is not None]
    columns["epoch"][known] = tt_calendar_to_tdb_jd([epochs[k] for k in known])
    columns["number"] = np.array([_periodic_number(row[0][0]) for row in rows], dtype=np.int64)
    columns["line_number"] = np.array(accepted, dtype=np.int64)
    return columns, rejected


def _merge_rows(first: dict | None, second: dict) -> dict:
    """The rows of two column sets in one, in file (line number) order."""
    if first is None:
        return second
    if len(second["line_number"]) == 0:  # the usual case: every line read column-wise, already in order
        return first
    order = np.argsort(np.concatenate([first["line_number"], second["line_number"]]), kind="stable")
    return {name: np.concatenate([first[name], second[name]])[order] for name in second}


def _drop_duplicates(rows: dict) -> tuple[dict, list[tuple[int, str]]]:
    """Rows without the later repeats of a designation, and a rejection for each repeat."""
    rejected: list[tuple[int, str]] = []
    if len(set(rows["designation"].tolist())) == len(rows["designation"]):
        return rows, rejected
    first_line: dict[str, int] = {}
    keep = np.ones(len(rows["line_number"]), dtype=bool)
    for k, (designation, number) in enumerate(zip(rows["designation"], rows["line_number"].tolist())):
        earlier = first_line.setdefault(designation, number)
        if earlier != number:
            keep[k] = False
            rejected.append((number, f"duplicate: {designation} is already defined on line {earlier} "
                                     "(the first entry is kept)"))
    return {name: column[keep] for name, column in rows.items()}, rejected


def _periodic_number(designation: str) -> int:
    """The periodic number of '73P-B' (73); 0 for provisional designations."""
    digits = re.match(r"\d+", designation)
    return int(digits.group()) if digits else 0


def load_text(path_or_text) -> tuple[str, str]:
    """The text of a catalog and a description of where it came from.

    How the argument is read:
    - bytes or bytearray: the file's content (source "<text>");
    - a str containing a line break: the file's text (source "<text>");
    - a pathlib.Path (any os.PathLike) or a str without a line break: a path to read;
    - an object with a .read() method (an open file): its content.
    Raises CatalogFormatError when the file is missing or unreadable, binary, not UTF-8,
    empty, or recognisably another format (HTML, JSON); TypeError for other argument types.
    """
    source = "<text>"
    if isinstance(path_or_text, (bytes, bytearray)):
        data = bytes(path_or_text)
    elif isinstance(path_or_text, str) and ("\n" in path_or_text or "\r" in path_or_text):
        data = path_or_text
    elif isinstance(path_or_text, (str, os.PathLike)):
        source = os.fspath(path_or_text)
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise CatalogFormatError(
                f"comet catalog {source!r}: no such file (to parse text instead, pass bytes or a str "
                "containing a line break)"
            ) from None
        except OSError as exc:
            raise CatalogFormatError(f"comet catalog {source!r}: cannot be read: {exc.strerror or exc}") from None
    elif hasattr(path_or_text, "read"):
        source = str(getattr(path_or_text, "name", "<stream>"))
        data = path_or_text.read()
    else:
        raise TypeError(
            f"read_comets expects a path, str, bytes or open file, got {type(path_or_text).__name__}"
        )
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise CatalogFormatError(f"comet catalog {source!r} is binary (contains NUL bytes), not MPC text")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogFormatError(
                f"comet catalog {source!r} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            ) from None
    text = data.lstrip("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        raise CatalogFormatError(f"comet catalog {source!r} is empty")
    if "\x00" in text:
        raise CatalogFormatError(f"comet catalog {source!r} is binary (contains NUL characters), not MPC text")
    if stripped.startswith("<"):
        raise CatalogFormatError(
            f"comet catalog {source!r} looks like HTML or XML (starts with {stripped[:15]!r}), not an MPC "
            "CometEls.txt file; a download may have returned an error page"
        )
    if stripped[0] in "{[":
        raise CatalogFormatError(f"comet catalog {source!r} looks like JSON, not an MPC CometEls.txt file")
    return text, source
