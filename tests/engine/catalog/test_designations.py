"""Comet designations: packed <-> unpacked round trips, canonical forms and errors."""
import pytest

from encke.engine.catalog import (
    DesignationError,
    normalize_designation,
    pack_designation,
    unpack_designation,
)

CATALOG_FILES = ("CometEls-2024-09-07.txt", "CometEls-2026-01-03.txt")

# (canonical unpacked, packed as in MPC columns 1-12 stripped). Forms that occur in the
# shared files are copied from them; the others follow the MPC packing rules
# (https://www.minorplanetcenter.net/iau/info/PackedDes.html).
PAIRS = [
    ("1P", "0001P"),
    ("2P", "0002P"),
    ("1I", "0001I"),
    ("2I", "0002I"),
    ("3D", "0003D"),
    ("3D-A", "0003D      a"),
    ("73P-B", "0073P      b"),
    ("73P-AA", "0073P     aa"),
    ("73P-BT", "0073P     bt"),
    ("C/1995 O1", "CJ95O010"),
    ("P/2010 A2", "PK10A020"),
    ("C/2019 Y4-B", "CK19Y04b"),
    ("C/2018 F4-A", "CK18F04a"),
    ("P/2004 V5-B", "PK04V05b"),
    ("C/2014 UN271", "CK14UR1N"),
    ("C/2014 OG392", "CK14Od2G"),
    ("P/1998 VS24", "PJ98V24S"),
    ("A/2010 LN135", "AK10LD5N"),
    ("A/2018 V3", "AK18V030"),
    ("X/1106 C1", "XB06C010"),
    ("D/1993 F2", "DJ93F020"),
    ("P/1894 F1", "PI94F010"),
    ("C/2020 F3", "CK20F030"),
]


@pytest.mark.parametrize("unpacked, packed", PAIRS)
def test_pack_unpack_round_trip(unpacked, packed):
    assert pack_designation(unpacked) == packed
    assert unpack_designation(packed) == unpacked
    assert normalize_designation(packed) == unpacked
    assert normalize_designation(unpacked) == unpacked
    assert pack_designation(packed) == packed


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("1p", "1P"),
        ("0001P", "1P"),
        ("0001p", "1P"),
        ("1P/Halley", "1P"),
        ("1p/halley", "1P"),
        ("  2P/Encke ", "2P"),
        ("73P-B/Schwassmann-Wachmann B", "73P-B"),
        ("73p-b", "73P-B"),
        ("0073Pb", "73P-B"),
        ("c/1995 o1", "C/1995 O1"),
        ("C/1995 O1 (Hale-Bopp)", "C/1995 O1"),
        ("C/1995  O1", "C/1995 O1"),
        ("cj95o010", "C/1995 O1"),
        ("ck19y04b", "C/2019 Y4-B"),
        ("c/2019 y4-b (ATLAS)", "C/2019 Y4-B"),
        ("1I/`Oumuamua", "1I"),
        ("2I/Borisov", "2I"),
        ("p/2010 a2", "P/2010 A2"),
        ("x/1106 c1", "X/1106 C1"),
        ("a/2018 v3", "A/2018 V3"),
    ],
)
def test_normalize_accepts_every_spelling(text, canonical):
    assert normalize_designation(text) == canonical


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("hello", "not recognised"),
        ("Q/1995 O1", "orbit type 'Q'"),
        ("C/1995 I1", "half-month"),
        ("C/1995 O", "order number"),
        ("C/1995 O620", "order number 620"),
        ("0P", "periodic number 0"),
        ("C/0995 O1", "before 1000"),
    ],
)
def test_normalize_rejects_bad_designations(text, words):
    with pytest.raises(DesignationError, match=words) as info:
        normalize_designation(text)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "packed, words",
    [
        ("0000P", "number 0000"),
        ("CJ95I010", "half-month"),
        ("CJ95O00", "neither numbered"),
        ("QJ95O010", "orbit type"),
        ("C195O010", "neither numbered"),
        ("CJ95O01!", "neither numbered"),
        ("CJ95O000", "order number 00"),
    ],
)
def test_unpack_rejects_bad_packed_forms(packed, words):
    with pytest.raises(DesignationError, match=words):
        unpack_designation(packed)


@pytest.mark.parametrize("filename", CATALOG_FILES)
def test_every_designation_in_the_shared_files_round_trips(shared_data, filename):
    """Columns 1-12 (packed) and the designation that starts columns 103-158 are written by
    the MPC independently: unpacking one must give the other, and packing must give it back."""
    lines = [ln for ln in (shared_data / "cometels" / filename).read_text().split("\n") if ln.strip()]
    assert len(lines) > 1000
    for line in lines:
        packed, written = line[:12].strip(), line[102:158].strip()
        unpacked = unpack_designation(packed)
        assert written == unpacked or written.startswith((unpacked + "/", unpacked + " (")), line
        assert pack_designation(unpacked) == packed
        assert normalize_designation(written) == unpacked
