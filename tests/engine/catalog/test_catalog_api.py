"""The Catalog API on the real files: lookup in every designation form, search, filters,
subsets and the content version. Expected selections are counted from the raw text."""
import dataclasses
import math

import numpy as np
import pytest

import encke
from encke.engine.catalog import Catalog, Comet, UnknownCometError, read_comets
from encke.engine.constants import GAUSS_K

pytestmark = pytest.mark.filterwarnings(r'ignore:ERFA function "taiutc" yielded:erfa.ErfaWarning')


@pytest.fixture(scope="module")
def path24(shared_data):
    return shared_data / "cometels" / "CometEls-2024-09-07.txt"


@pytest.fixture(scope="module")
def path26(shared_data):
    return shared_data / "cometels" / "CometEls-2026-01-03.txt"


@pytest.fixture(scope="module")
def cat24(path24):
    return read_comets(path24)


@pytest.fixture(scope="module")
def cat26(path26):
    return read_comets(path26)


@pytest.fixture(scope="module")
def raw24(path24):
    return [ln for ln in path24.read_text().split("\n") if ln.strip()]


def test_public_facade_exports_the_catalog():
    assert encke.read_comets is read_comets
    assert encke.Catalog is Catalog and encke.Comet is Comet
    assert issubclass(encke.CatalogFormatError, ValueError)
    assert issubclass(UnknownCometError, KeyError)


@pytest.mark.parametrize(
    "key, designation",
    [
        ("1P", "1P"), ("0001P", "1P"), ("1P/Halley", "1P"), ("1p", "1P"), ("1p/halley", "1P"),
        ("2P/Encke", "2P"), ("67P", "67P"), ("1I", "1I"), ("0002I", "2I"), ("2i", "2I"),
        ("73P-B", "73P-B"), ("73p-b", "73P-B"), ("0073P      b", "73P-B"), ("0073Pb", "73P-B"),
        ("73P-BA", "73P-BA"), ("0073P     ba", "73P-BA"),
        ("3D", "3D"), ("3D-A/Biela", "3D-A"),
        ("C/2019 Y4-B", "C/2019 Y4-B"), ("CK19Y04b", "C/2019 Y4-B"), ("c/2019 y4-b (ATLAS)", "C/2019 Y4-B"),
        ("P/1894 F1", "P/1894 F1"), ("PI94F010", "P/1894 F1"), ("p/1894 f1 (Denning)", "P/1894 F1"),
        ("A/2018 V3", "A/2018 V3"), ("C/2022 O1 (ATLAS)", "C/2022 O1"),
    ],
)
def test_get_accepts_every_form_2024(cat24, key, designation):
    assert cat24.get(key).designation == designation
    assert cat24[cat24.index_of(key)].designation == designation
    assert key in cat24


@pytest.mark.parametrize(
    "key", ["C/1995 O1", "CJ95O010", "cj95o010", "c/1995 o1", "C/1995 O1 (Hale-Bopp)", "  C/1995 O1  "]
)
def test_get_hale_bopp_2026(cat26, key):
    comet = cat26.get(key)
    assert comet.designation == "C/1995 O1" and comet.name == "Hale-Bopp"
    assert comet.packed == "CJ95O010" and comet.number is None and comet.orbit_type == "C"
    assert comet.full_name == "C/1995 O1 (Hale-Bopp)"


@pytest.mark.parametrize("key", ["999P", "C/1995 O1", "C/2099 A1", "hale-bopp", "", "Halley"])
def test_unknown_keys_raise_a_key_error_naming_them(cat24, key):
    with pytest.raises(UnknownCometError) as info:
        cat24.get(key)
    assert isinstance(info.value, KeyError)
    assert repr(key) in str(info.value)
    assert key not in cat24


def test_non_string_key(cat24):
    with pytest.raises(UnknownCometError, match="must be a str"):
        cat24.get(1)


def test_comet_fields_and_derived_values(cat24):
    halley = cat24.get("1P")
    assert dataclasses.is_dataclass(halley)
    with pytest.raises(dataclasses.FrozenInstanceError):
        halley.q = 1.0
    assert halley.number == 1 and halley.orbit_type == "P" and halley.periodic
    assert halley.packed == "0001P" and halley.full_name == "1P/Halley"
    assert halley.i_deg == pytest.approx(162.2070, abs=1e-12)
    assert halley.node_deg == pytest.approx(59.6962, abs=1e-12)
    assert halley.argp_deg == pytest.approx(112.6084, abs=1e-12)
    # Kepler's third law with the Gaussian constant: P = 2 pi a^1.5 / k days.
    a = 0.588733 / (1 - 0.967048)
    assert halley.a_au == pytest.approx(a, rel=1e-14)
    assert halley.period_years == pytest.approx(2 * math.pi * a**1.5 / GAUSS_K / 365.25, rel=1e-6)
    assert 74 < halley.period_years < 77
    assert cat24.get("73P-B").number == 73 and cat24.get("73P-B").name == "Schwassmann-Wachmann B"
    assert cat24.get("3D").orbit_type == "D" and cat24.get("3D").periodic
    assert not cat24.get("1I").periodic and cat24.get("1I").period_years is None
    assert cat24.get("A/2018 V3").name == "" and cat24.get("A/2018 V3").full_name == "A/2018 V3"


def test_search_is_case_insensitive_on_name_and_designation(cat24, cat26, raw24):
    assert [c.designation for c in cat26.search("hale-BOPP")] == ["C/1995 O1"]
    assert "C/1995 O1" in [c.designation for c in cat26.search("hale")]
    encke_hits = cat24.search("encke")
    assert [c.designation for c in encke_hits] == ["2P"]
    assert "1P" in [c.designation for c in cat24.search("1p/halley")]
    expected = sum(1 for ln in raw24 if "schwassmann-wachmann" in ln[102:158].lower())
    assert len(cat24.search("Schwassmann-Wachmann")) == expected > 60
    assert cat24.search("no such comet anywhere") == []


def test_periodic_counts_p_and_d_lines(cat24, raw24):
    periodic = cat24.periodic()
    assert isinstance(periodic, Catalog)
    assert len(periodic) == sum(1 for ln in raw24 if ln[4] in "PD")
    assert all(c.orbit_type in "PD" and c.periodic for c in periodic)


def test_filter_matches_counts_from_the_raw_text(cat24, raw24):
    q = np.array([float(ln[30:39]) for ln in raw24])
    e = np.array([float(ln[41:49]) for ln in raw24])
    inc = np.array([float(ln[71:79]) for ln in raw24])
    kind = np.array([ln[4] for ln in raw24])
    assert len(cat24.filter(q_max=1.0)) == int((q <= 1.0).sum())
    assert len(cat24.filter(q_min=5.0, q_max=10.0)) == int(((q >= 5) & (q <= 10)).sum())
    assert len(cat24.filter(e_min=1.0)) == int((e >= 1.0).sum())
    assert len(cat24.filter(e_max=0.5)) == int((e <= 0.5).sum())
    assert len(cat24.filter(i_min_deg=90.0)) == int((inc >= 90).sum())
    assert len(cat24.filter(i_max_deg=10.0, orbit_type="P")) == int(((inc <= 10) & (kind == "P")).sum())
    assert len(cat24.filter(orbit_type=["c", "A"])) == int(np.isin(kind, ["C", "A"]).sum())
    assert len(cat24.filter(orbit_type="I")) == int((kind == "I").sum()) >= 2
    assert len(cat24.filter()) == len(cat24)
    assert all(c.q <= 1.0 for c in cat24.filter(q_max=1.0))


@pytest.mark.parametrize(
    "kwargs, words",
    [({"orbit_type": "Q"}, "orbit_type: 'Q'"), ({"orbit_type": ["P", "PD"]}, "orbit_type: 'PD'"),
     ({"q_min": "abc"}, "q_min: 'abc' is not a number"), ({"e_max": float("nan")}, "e_max: NaN")],
)
def test_filter_rejects_bad_arguments(cat24, kwargs, words):
    with pytest.raises(ValueError, match=words):
        cat24.filter(**kwargs)


def test_indexing_subsets_and_iteration(cat24):
    n = len(cat24)
    assert cat24[-1].line_number == max(c.line_number for c in cat24)
    with pytest.raises(IndexError):
        cat24[n]
    sub = cat24.subset([cat24.index_of("2P"), cat24.index_of("1P")])
    assert sub.designations == ["2P", "1P"]
    assert sub.get("1P") == cat24.get("1P")
    assert sub.index_of("1P") == 1
    assert sub.elements.q.tolist() == [0.339450, 0.588733]
    assert len(cat24[:10]) == 10 and cat24[:10].designations == cat24.designations[:10]
    mask = np.zeros(n, dtype=bool)
    mask[[3, 5]] = True
    assert cat24.subset(mask).designations == [cat24[3].designation, cat24[5].designation]
    assert len(cat24.subset([])) == 0
    with pytest.raises(IndexError):
        cat24.subset(np.ones(3, dtype=bool))
    assert sub.source == cat24.source and sub.rejected == cat24.rejected
    assert len(list(cat24)) == n and len(cat24.designations) == n
    with pytest.raises(ValueError):
        cat24.column("q")[0] = 1.0  # read-only columns


def test_version_is_stable_and_tracks_the_content(cat24, path24, shared_data):
    raw = path24.read_bytes()
    assert read_comets(path24).version == cat24.version
    assert read_comets(raw).version == cat24.version  # bytes: same content, same version
    assert read_comets(raw.replace(b"\n", b"\r\n")).version == cat24.version
    assert len(cat24.version) == 16 and int(cat24.version, 16) >= 0
    changed = raw.replace(b"0.588733", b"0.588734", 1)
    assert read_comets(changed).version != cat24.version
    assert cat24.subset(np.arange(10)).version != cat24.version
    assert cat24.subset(np.arange(10)).version == cat24[:10].version
    other = read_comets(shared_data / "cometels" / "CometEls-2026-01-03.txt")
    assert other.version != cat24.version


def test_text_and_path_inputs_agree(cat24, path24):
    text = path24.read_text()
    by_text = read_comets(text)
    by_str_path = read_comets(str(path24))
    with open(path24) as handle:
        by_handle = read_comets(handle)
    for cat in (by_text, by_str_path, by_handle):
        assert cat.designations == cat24.designations
        assert np.array_equal(cat.elements.tp, cat24.elements.tp)
    assert by_text.source == "<text>" and by_str_path.source == str(path24)
