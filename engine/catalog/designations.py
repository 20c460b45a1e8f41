"""Comet designations: MPC packed <-> unpacked forms, and one canonical spelling.

Source: MPC "Packed Provisional and Permanent Designations"
(https://www.minorplanetcenter.net/iau/info/PackedDes.html) and the columns 1-12 of the
MPC comet orbit format (https://docs.minorplanetcenter.net/mpc-ops-docs/orbits/comet-orbit-format/),
checked against the real CometEls.txt files in ../shared/data/cometels.

Forms handled (the canonical unpacked form is on the left):

    1P, 2I             "0001P", "0002I"          numbered (periodic, defunct, interstellar)
    73P-B, 73P-AA      "0073P      b", "0073P     aa"   numbered comet fragment
    C/1995 O1          "CJ95O010"                provisional: type, century letter (I=18, J=19,
                                                 K=20; generally A=10 .. Z=35), two-digit year,
                                                 half-month letter, order number in two chars
                                                 (digits; 10..35 -> A..Z, 36..61 -> a..z as the
                                                 first char), then '0'
    C/2019 Y4-B        "CK19Y04b"                provisional fragment: lower-case last char
    C/2014 UN271       "CK14UR1N"                minor-planet style provisional (second
                                                 letter in the last column, upper case)
    A/2018 V3, X/1106 C1, D/1993 F2              any orbit type letter C, P, D, X, A, I

The packed form is exactly what the catalog's columns 1-12 hold, with surrounding blanks
stripped (interior blanks kept, as in "0073P      b"). Packed forms are case-sensitive (the
order character 'd' means 39 while 'D' means 13, and a lower-case last character is a
fragment); unpacked forms are matched case-insensitively.
"""
from __future__ import annotations

import re

ORBIT_TYPES = "CPDXAI"
# Half-month letters: A..Y without I (24 half-months of the year).
_HALF_MONTHS = "ABCDEFGHJKLMNOPQRSTUVWXY"
_DIGITS62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_MAX_ORDER = 61 * 10 + 9  # "z9"

_NUMBERED = re.compile(r"^(\d{1,4})([A-Z])(?:-([A-Z]{1,2}))?(?:/(.*))?$", re.IGNORECASE | re.DOTALL)
_PROVISIONAL = re.compile(
    r"^([A-Z])/(\d{4})\s+([A-Z])([A-Z]?)(\d*)(?:-([A-Z]{1,2}))?(?:\s*\((.*)\))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PACKED_NUMBERED = re.compile(r"^(\d{4})([A-Za-z])\s*([A-Za-z]{0,2})$")
_PACKED_PROVISIONAL = re.compile(r"^([A-Za-z])([A-Za-z])(\d\d)([A-Za-z])([0-9A-Za-z])(\d)([0-9A-Za-z])$")


class DesignationError(ValueError):
    """A comet designation that cannot be read or written."""


def _check_type(letter: str, text: str) -> str:
    letter = letter.upper()
    if letter not in ORBIT_TYPES:
        raise DesignationError(
            f"designation {text!r}: orbit type {letter!r} is not one of {', '.join(ORBIT_TYPES)}"
        )
    return letter


def unpack_designation(packed: str) -> str:
    """The canonical unpacked designation of a packed one.

    packed: columns 1-12 of an MPC comet line (surrounding blanks ignored), e.g. "0001P",
    "0073P      b", "CJ95O010", "CK19Y04b", "CK14UR1N".
    Returns e.g. "1P", "73P-B", "C/1995 O1", "C/2019 Y4-B", "C/2014 UN271".
    Raises DesignationError (a ValueError) naming the problem.
    """
    text = packed.strip()
    m = _PACKED_NUMBERED.match(text)
    if m:
        number, letter, fragment = m.groups()
        if int(number) == 0:
            raise DesignationError(f"packed designation {packed!r}: periodic number 0000 is not valid")
        kind = _check_type(letter, packed)
        return f"{int(number)}{kind}" + (f"-{fragment.upper()}" if fragment else "")
    m = _PACKED_PROVISIONAL.match(text)
    if not m:
        raise DesignationError(
            f"packed designation {packed!r} is neither numbered (like '0001P') nor provisional (like 'CJ95O010')"
        )
    letter, century, yy, half, order_hi, order_lo, last = m.groups()
    kind = _check_type(letter, packed)
    century_value = _DIGITS62.find(century)
    if not 10 <= century_value <= 35:
        raise DesignationError(f"packed designation {packed!r}: century letter {century!r} must be A-Z (I=18, J=19, K=20)")
    if half not in _HALF_MONTHS:
        raise DesignationError(f"packed designation {packed!r}: half-month letter {half!r} must be A-Y without I")
    order = _DIGITS62.index(order_hi) * 10 + int(order_lo)
    year = century_value * 100 + int(yy)
    second, fragment = "", ""
    if last.islower():
        fragment = "-" + last.upper()
    elif last.isupper():
        second = last
    elif last != "0":
        raise DesignationError(
            f"packed designation {packed!r}: last character {last!r} must be '0', a fragment letter (a-z) "
            "or a second designation letter (A-Z)"
        )
    if order == 0 and not second:
        raise DesignationError(f"packed designation {packed!r}: order number 00 is only valid with a second letter")
    return f"{kind}/{year} {half}{second}{order if order else ''}{fragment}"


def _pack_order(order: int, text: str) -> str:
    if not 0 <= order <= _MAX_ORDER:
        raise DesignationError(f"designation {text!r}: order number {order} is outside 0..{_MAX_ORDER}")
    return _DIGITS62[order // 10] + str(order % 10)


def pack_designation(designation: str) -> str:
    """The packed form (columns 1-12 of the MPC file, stripped) of any designation.

    designation: unpacked ("1P", "73P-B", "C/1995 O1", "C/2019 Y4-B"), with or without a
    name ("1P/Halley", "C/1995 O1 (Hale-Bopp)"), any case; or already packed.
    Returns e.g. "0001P", "0073P      b", "CJ95O010", "CK19Y04b".
    """
    canonical = normalize_designation(designation)
    m = _NUMBERED.match(canonical)
    if m:
        number, kind, fragment, _ = m.groups()
        if not fragment:
            return f"{int(number):04d}{kind}"
        return f"{int(number):04d}{kind}" + fragment.lower().rjust(7)
    m = _PROVISIONAL.match(canonical)
    kind, year, half, second, order, fragment, _ = m.groups()
    century, yy = divmod(int(year), 100)
    last = second if second else (fragment.lower() if fragment else "0")
    return f"{kind}{_DIGITS62[century]}{yy:02d}{half}{_pack_order(int(order or 0), designation)}{last}"


def _looks_packed(text: str) -> bool:
    return bool(_PACKED_NUMBERED.match(text) or _PACKED_PROVISIONAL.match(text))


def normalize_designation(text: str) -> str:
    """The canonical unpacked designation for any accepted spelling.

    Accepts packed ("0001P", "CJ95O010"; case-sensitive in the order and last characters, see
    the module docstring), unpacked in any case ("1p", "c/1995 o1", "73p-b"), and either with a
    name, which is ignored ("1P/Halley", "C/1995 O1 (Hale-Bopp)").
    Returns "1P", "C/1995 O1", "73P-B", ... Raises DesignationError naming the problem.
    """
    if not isinstance(text, str):
        raise DesignationError(f"designation must be a str, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise DesignationError("designation is empty")
    if _looks_packed(stripped):
        try:
            return unpack_designation(stripped)
        except DesignationError:
            # A lower-case packed key ("cj95o010"): the type, century, year and half-month
            # positions are always upper case, so only those are safe to fix up.
            if _PACKED_PROVISIONAL.match(stripped):
                return unpack_designation(stripped[:5].upper() + stripped[5:])
            raise
    m = _NUMBERED.match(stripped)
    if m:
        number, kind, fragment, _ = m.groups()
        if int(number) == 0:
            raise DesignationError(f"designation {text!r}: periodic number 0 is not valid")
        kind = _check_type(kind, text)
        return f"{int(number)}{kind}" + (f"-{fragment.upper()}" if fragment else "")
    m = _PROVISIONAL.match(stripped)
    if m:
        kind, year, half, second, order, fragment, _ = m.groups()
        kind = _check_type(kind, text)
        half, second = half.upper(), second.upper()
        if half not in _HALF_MONTHS:
            raise DesignationError(f"designation {text!r}: half-month letter {half!r} must be A-Y without I")
        if int(year) < 1000:
            raise DesignationError(f"designation {text!r}: years before 1000 cannot be packed")
        if second == "I":
            raise DesignationError(f"designation {text!r}: second letter 'I' is not used")
        order_value = int(order) if order else 0
        if order_value == 0 and not second:
            raise DesignationError(f"designation {text!r}: missing the order number after {half!r}")
        _pack_order(order_value, text)
        order_text = str(order_value) if order_value else ""
        return f"{kind}/{int(year)} {half}{second}{order_text}" + (f"-{fragment.upper()}" if fragment else "")
    raise DesignationError(
        f"designation {text!r} is not recognised: expected forms like '1P', '1P/Halley', '73P-B', "
        "'C/1995 O1', 'C/1995 O1 (Hale-Bopp)', 'P/2010 A2' or packed 'CJ95O010', '0001P'"
    )
