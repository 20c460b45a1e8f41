"""Column-wise reading of the MPC comet lines that follow the usual layout, with numpy.

The per-line reader (mpc._parse_line) costs ~70 us a line in Python: 81 s for a 200 MB file of
1.17 million lines (issue 16). Here the first 102 columns of every line become one (N, 102)
byte matrix, classified once (blank, digit, dot, sign, letter), and each field is checked and
converted for all lines at once. The checks are stricter than the per-line reader's: a number
must be a plain decimal (no exponent), a packed designation an unfragmented numbered or a
provisional one, each value within its range. A line that fails any check is not rejected
here: it goes to the per-line reader, which either accepts it (an unusual but valid spelling)
or rejects it with the reason. So the rows are exactly those of the per-line reader.

Decimals with one point (the MPC's F9.6 for q, F8.4 for angles, and the shorter precisions of
old orbits) are read as integer / 10**k: with at most 9 digits both are exact
doubles, and one IEEE division is correctly rounded, so each value is bit-identical to
float(text). Other spellings (exponents, no point) take the per-line path.
"""
from __future__ import annotations

import numpy as np

from .mpc import MIN_LINE_LENGTH, SEPARATOR_COLUMNS, calendar_jd, name_from_field, tt_to_tdb_jd

WIDTH = 102  # columns 1-102: every fixed field and separator before the name
# Lines read at a time: bounds the byte matrix and each field's temporaries (the 200 MB file
# peaked at 1.40 GB read at once, 1.28 GB in blocks, with the same CPU time).
BLOCK_LINES = 131072
BLANK, DIGIT, DOT, SIGN, UPPER, LOWER, OTHER = range(7)
_CLASS = np.full(256, OTHER, dtype=np.uint8)
_CLASS[ord(" ")] = BLANK
_CLASS[ord("0"):ord("9") + 1] = DIGIT
_CLASS[ord(".")] = DOT
_CLASS[[ord("+"), ord("-")]] = SIGN
_CLASS[ord("A"):ord("Z") + 1] = UPPER
_CLASS[ord("a"):ord("z") + 1] = LOWER
_ORBIT_TYPES = np.frombuffer(b"CPDXAI", dtype=np.uint8)
_HALF_MONTHS = np.frombuffer(b"ABCDEFGHJKLMNOPQRSTUVWXY", dtype=np.uint8)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_POWERS = 10 ** np.arange(19, dtype=np.int64)
_ONE_CHARACTER = np.array([chr(byte) for byte in range(256)], dtype=object)  # one str object each
# Per byte, counts to sum over a field, packed in 4-bit digits (a field is under 16 columns).
_DOTS, _DIGITS, _OTHERS, _SIGNS, _MINUS, _STARTS, _LATE_SIGNS = (16 ** k for k in range(7))
_CODE = np.full(256, _OTHERS, dtype=np.int32)
_CODE[ord(" ")] = 0
_CODE[ord("0"):ord("9") + 1] = _DIGITS
_CODE[ord(".")] = _DOTS
_CODE[ord("+")] = _SIGNS
_CODE[ord("-")] = _SIGNS + _MINUS
_DIGIT_VALUE = np.zeros(256, dtype=np.int32)  # int32: a field of 9 digits stays under 2**31
_DIGIT_VALUE[ord("0"):ord("9") + 1] = np.arange(10)
# (field, 0-based start, stop) of the numbers; the first six must not be blank.
_DECIMALS = (("q", 30, 39), ("e", 41, 49), ("argp", 51, 59), ("node", 61, 69), ("i", 71, 79),
             ("perihelion day", 22, 29))
_MAGNITUDES = (("H", 91, 95), ("K", 96, 100))


def _transposed(chars: np.ndarray) -> np.ndarray:
    """(WIDTH, N) copy of an (N, WIDTH) byte matrix, one column a row, so that a field's column
    is contiguous. Copied in blocks of lines: a whole-matrix transpose misses the cache (3x slower)."""
    columns = np.empty(chars.shape[::-1], dtype=np.uint8)
    for start in range(0, len(chars), 4096):
        columns[:, start:start + 4096] = chars[start:start + 4096].T
    return columns


def _fixed_decimal(columns: np.ndarray, filled: np.ndarray, start: int, stop: int):
    """(ok, value) of the field in rows start:stop of `columns` (a (WIDTH, N) byte matrix, see
    _transposed; filled: columns != blank), a decimal between blanks: an optional sign, digits
    around exactly one point (F9.6, F8.4, or fewer decimals with the point in the same column;
    at least one digit). value = integer / 10**(digits after the point); NaN where the field is
    blank (ok is False there: the caller decides whether blank is allowed).

    The checks are counts over the field's columns, summed in one pass (_CODE packs them in
    4-bit digits). The column before the field is a separator: a number starts at a filled
    column after a blank one, and must start exactly once. The value is read by Horner's rule
    over the columns with the point read as a 0 digit, then the integer part is moved one place
    right: exact integers throughout (at most 10 digits), one correctly rounded division."""
    field, full, before = columns[start:stop], filled[start:stop], filled[start - 1:stop - 1]
    signs = (field == ord("+")) | (field == ord("-"))
    total = _CODE[field].sum(axis=0, dtype=np.int32)
    total += _STARTS * (full & ~before).sum(axis=0, dtype=np.int32)
    total += _LATE_SIGNS * (signs & before).sum(axis=0, dtype=np.int32)
    ok = ((_count(total, _DOTS) == 1) & (_count(total, _DIGITS) > 0) & (_count(total, _OTHERS) == 0)
          & (_count(total, _STARTS) == 1) & (_count(total, _LATE_SIGNS) == 0))
    with_point = np.zeros(field.shape[1], dtype=np.int32)
    for digits in _DIGIT_VALUE[field]:
        with_point = with_point * 10 + digits
    point = (np.arange(start, stop)[:, None] * (field == ord("."))).sum(axis=0)
    scale = _POWERS[np.clip(stop - 1 - point, 0, stop - start - 1)].astype(np.int32)  # 10**(digits after the point)
    whole, fraction = np.divmod(with_point, scale * 10)
    value = (whole * scale + fraction) / scale.astype(np.float64)  # an exact integer over 10**k
    value = np.where(_count(total, _MINUS) > 0, -value, value)
    return ok, np.where(full.any(axis=0), value, np.nan)


def _count(total: np.ndarray, unit: int) -> np.ndarray:
    """One count packed by _CODE: the 4-bit digit of `total` at `unit`."""
    return (total // unit) % 16


def _integers(columns: np.ndarray) -> np.ndarray:
    """(N,) int64 of a (w, N) field of digits, one column a row (Horner's rule)."""
    value = np.zeros(columns.shape[1], dtype=np.int64)
    for column in columns:
        value = value * 10 + (column - np.uint8(ord("0")))
    return value


def _valid_dates(year, month, day) -> np.ndarray:
    """Where month is 1..12 and 1 <= day < days in the month + 1 (Julian leap years before 1583,
    as mpc._days_in_month)."""
    leap = np.where(year < 1583, year % 4 == 0, (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)))
    days = _MONTH_DAYS[np.clip(month - 1, 0, 11)] + ((month == 2) & leap)
    return (month >= 1) & (month <= 12) & (day >= 1.0) & (day < days + 1.0)


def _designations(columns: np.ndarray):
    """(ok, designations (object array), orbit type bytes, periodic number) from columns 1-12
    (rows of the (WIDTH, N) matrix): numbered ("0001P") and provisional ("    CJ95O010",
    "    CK19Y04b", "    CK14UR1N") designations in upper case; other forms (fragments of
    numbered comets, lower case) are left out."""
    c, k = columns[:12], _CLASS[columns[:12]]
    numbered = (k[:4] == DIGIT).all(axis=0) & np.isin(c[4], _ORBIT_TYPES) & (k[5:] == BLANK).all(axis=0)
    number = np.where(numbered, _integers(c[:4]), 0)
    numbered &= number > 0
    p, pk = c[4:], k[4:]  # a provisional designation fills columns 5-12
    hi, last = p[5].astype(np.int64), p[7]  # order number's first character: 0-9, A-Z, a-z
    order = 10 * np.where(pk[5] == DIGIT, hi - ord("0"), np.where(pk[5] == UPPER, hi - 55, hi - 61))
    order += p[6].astype(np.int64) - ord("0")
    provisional = ((k[:4] == BLANK).all(axis=0) & np.isin(p[0], _ORBIT_TYPES) & (pk[1] == UPPER)
                   & (pk[2:4] == DIGIT).all(axis=0) & np.isin(p[4], _HALF_MONTHS)
                   & np.isin(pk[5], [DIGIT, UPPER, LOWER]) & (pk[6] == DIGIT)
                   & ((last == ord("0")) | (pk[7] == UPPER) | (pk[7] == LOWER))
                   & ((order > 0) | (pk[7] == UPPER)))
    year = (p[1].astype(np.int64) - 55) * 100 + _integers(p[2:4])  # century letter: A = 10
    kind = c[4]  # the orbit type, in column 5 in both forms
    names = np.empty(c.shape[1], dtype=object)
    names[numbered] = _numbered_text(number[numbered], kind[numbered])
    names[provisional] = _provisional_text(kind[provisional], year[provisional], p[4, provisional],
                                           order[provisional], last[provisional])
    return numbered | provisional, names, kind, number


def _joined(pieces: list[np.ndarray], present: list[np.ndarray]) -> np.ndarray:
    """(M,) object array of str: per row, the bytes of `pieces` (each (M,) uint8) where `present`,
    in order, read as NUL-padded strings, so that no Python code runs per row. Rows with the
    same pieces present (a few layouts: with or without a second letter, fragment, ...) are
    gathered together, one fancy index per layout."""
    pieces = np.stack(pieces, axis=1)
    layouts, layout_of = np.unique(np.stack(present, axis=1) @ (1 << np.arange(len(present))), return_inverse=True)
    packed = np.zeros(pieces.shape, dtype=np.uint8)
    for k, layout in enumerate(layouts.tolist()):
        rows = np.flatnonzero(layout_of == k)
        kept = [j for j in range(len(present)) if layout >> j & 1]
        packed[rows[:, None], np.arange(len(kept))] = pieces[rows[:, None], kept]
    return _row_strings(packed, packed != 0)


def _digits(value: np.ndarray, width: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """ASCII digits of (M,) non-negative integers under 10**width, and which are written
    (no leading zeros; none at all for 0)."""
    places = [10 ** k for k in range(width - 1, -1, -1)]
    return ([(value // place % 10 + ord("0")).astype(np.uint8) for place in places],
            [value >= place for place in places])


def _numbered_text(number: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """'1P', '73P' ... of periodic numbers and orbit types."""
    digits, written = _digits(number, 4)
    return _joined(digits + [kind], written + [np.ones(len(kind), dtype=bool)])


def _provisional_text(kind, year, half_month, order, last) -> np.ndarray:
    """'C/1995 O1', 'P/2014 UR', 'C/2019 Y4-B' ... : type, year, half-month letter, a second
    letter (upper-case last character), the order number unless 0, and a fragment letter
    (lower-case last character) after a hyphen."""
    every = np.ones(len(kind), dtype=bool)
    constant = lambda byte: np.full(len(kind), ord(byte), dtype=np.uint8)  # noqa: E731
    year_digits, _ = _digits(year, 4)
    order_digits, order_written = _digits(order, 3)
    second = (last >= ord("A")) & (last <= ord("Z"))
    fragment = (last >= ord("a")) & (last <= ord("z"))
    pieces = [kind, constant("/"), *year_digits, constant(" "), half_month, last, *order_digits,
              constant("-"), last - 32]
    present = [every] * 8 + [second, *order_written, fragment, fragment]
    return _joined(pieces, present)


def _checked(columns: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(N,) True where the separators are blank and the dates have the usual layout (values
    not yet range-checked)."""
    ok = lengths >= MIN_LINE_LENGTH
    ok &= (columns[[column - 1 for column in SEPARATOR_COLUMNS]] == ord(" ")).all(axis=0)
    ok &= (_CLASS[columns[14:18]] == DIGIT).all(axis=0)
    month = _CLASS[columns[19:21]]
    ok &= np.isin(month, [DIGIT, BLANK]).all(axis=0) & (month == DIGIT).any(axis=0)
    epoch = _CLASS[columns[81:89]]
    return ok & ((epoch == DIGIT).all(axis=0) | (epoch == BLANK).all(axis=0))


def parse_plain_lines(lines: list[str], numbers: list[int]) -> tuple[dict | None, list[int]]:
    """Columns (as mpc.parse_comet_lines) of the lines, among `numbers` (1-based indices into
    `lines`, right-stripped and not blank), that have the usual layout, and the numbers of the
    others, left for the per-line reader."""
    if not numbers:
        return None, []
    blocks, slow = [], []
    for start in range(0, len(numbers), BLOCK_LINES):
        part = numbers[start:start + BLOCK_LINES]
        columns, others = _parse_block([lines[n - 1] for n in part], part)
        blocks.append(columns)
        slow += others
    return {name: np.concatenate([block[name] for block in blocks]) for name in blocks[0]}, slow


def _parse_block(text: list[str], numbers: list[int]) -> tuple[dict, list[int]]:
    """parse_plain_lines for one block of lines (their texts, and their 1-based numbers)."""
    # Every line cut or padded to WIDTH by one %-format (C), not a Python call per line.
    block = ((f"%-{WIDTH}.{WIDTH}s" * len(text)) % tuple(text)).encode("ascii", errors="replace")
    columns = _transposed(np.frombuffer(block, dtype=np.uint8).reshape(len(text), WIDTH))
    del block
    ok = _checked(columns, np.fromiter(map(len, text), dtype=np.int64, count=len(text)))
    filled = columns != ord(" ")
    values = {}
    for name, start, stop in _DECIMALS + _MAGNITUDES:
        written, values[name] = _fixed_decimal(columns, filled, start, stop)
        ok &= written | ((name in ("H", "K")) & ~filled[start:stop].any(axis=0))
    del filled
    designated, designations, kind, number = _designations(columns)
    year = _integers(columns[14:18])
    month = _integers(np.where(columns[19:21] == ord(" "), np.uint8(ord("0")), columns[19:21]))
    epoch_known = _CLASS[columns[81]] == DIGIT
    epoch = (_integers(columns[81:85]), _integers(columns[85:87]), _integers(columns[87:89]).astype(np.float64))
    good = (ok & designated & _valid_dates(year, month, values["perihelion day"]) & (values["q"] > 0.0)
            & (values["e"] >= 0.0) & (values["i"] >= 0.0) & (values["i"] <= 180.0)
            & (~epoch_known | _valid_dates(*epoch)))
    keep = np.flatnonzero(good)
    packed = columns[:12, keep].T  # no blank inside a designation of the usual layout: strip = drop blanks
    packed = _row_strings(packed, packed != ord(" "))
    columns = _columns([text[k] for k in keep.tolist()], designations[keep], kind[keep],
                       {name: v[keep] for name, v in values.items()})
    columns["number"] = number[keep]
    columns["packed"] = packed
    columns["tp"] = tt_to_tdb_jd(*calendar_jd(year[keep], month[keep], values["perihelion day"][keep]))
    columns["epoch"] = np.full(len(keep), np.nan)
    known = epoch_known[keep]
    columns["epoch"][known] = tt_to_tdb_jd(*calendar_jd(*(part[keep][known] for part in epoch)))
    columns["line_number"] = np.asarray(numbers, dtype=np.int64)[keep]
    slow = np.ones(len(numbers), dtype=bool)
    slow[keep] = False
    return columns, np.asarray(numbers)[slow].tolist()


def _row_strings(chars: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """(M,) object array: per row of the (M, w) ASCII byte matrix, the str of its `kept` bytes.
    The kept bytes of all rows, each row ended by a line feed, are decoded once and split: the
    str objects are made in C, with no Python code per row."""
    ended = np.concatenate([chars, np.full((len(chars), 1), ord("\n"), dtype=np.uint8)], axis=1)
    kept = np.concatenate([kept, np.ones((len(chars), 1), dtype=bool)], axis=1)
    strings = np.empty(len(chars), dtype=object)
    strings[:] = ended[kept].tobytes().decode("ascii").split("\n")[:-1]
    return strings


def _columns(text: list[str], designations: np.ndarray, kind: np.ndarray, values: dict) -> dict:
    """The string, element and magnitude columns of accepted lines."""
    strings = {
        "designation": designations,
        "name": [name_from_field(line[102:158].strip(), d) for line, d in zip(text, designations)],
        "orbit_type": _ONE_CHARACTER[kind],
        "reference": [line[159:].strip() for line in text],
        "line": text,
    }
    columns = {}
    for name, items in strings.items():
        columns[name] = np.empty(len(text), dtype=object)
        columns[name][:] = items
    columns.update(q=values["q"], e=values["e"], H=values["H"], K=values["K"])
    columns.update({f: np.radians(values[f]) for f in ("i", "node", "argp")})
    return columns
