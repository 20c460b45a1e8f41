"""The two real MPC files: every line accounted for, and known comets with exact values.

Expected numbers are hand-transcribed from the raw lines of the files (quoted above each
case). Perihelion times are converted independently here, through astropy's ISO parser and
TimeDelta, not through the parser's own calendar arithmetic.
"""
import math
import time

import numpy as np
import pytest
from astropy import units as u
from astropy.time import Time

from encke.engine.catalog import read_comets
from encke.engine.elements import CometaryElements

# astropy estimates UT from TT for TT -> TDB; for dates past the leap-second table ERFA calls
# the year dubious. UT only feeds topocentric terms (zero at the geocentre), so it is harmless.
pytestmark = pytest.mark.filterwarnings(r'ignore:ERFA function "taiutc" yielded:erfa.ErfaWarning')

FILES = {"2024": "CometEls-2024-09-07.txt", "2026": "CometEls-2026-01-03.txt"}
DAY_TOL = 1e-8  # days (~1 ms): both sides go TT -> TDB through astropy


def tdb_jd(iso_date_tt: str, day_fraction: float = 0.0) -> float:
    t = (Time(iso_date_tt, scale="tt") + day_fraction * u.day).tdb
    return t.jd1 + t.jd2


@pytest.fixture(scope="module", params=sorted(FILES))
def loaded(request, shared_data):
    path = shared_data / "cometels" / FILES[request.param]
    return request.param, path, read_comets(path)


def test_every_non_blank_line_is_accounted_for(loaded):
    _, path, cat = loaded
    non_blank = [n for n, ln in enumerate(path.read_text().split("\n"), 1) if ln.strip()]
    assert len(cat) + len(cat.rejected) == len(non_blank)
    lines_seen = sorted([c.line_number for c in cat] + [n for n, _ in cat.rejected])
    assert lines_seen == non_blank
    # the shared files are clean MPC output: every line parses
    assert cat.rejected == []


def test_file_sizes_match_the_data_readme(loaded):
    key, _, cat = loaded
    assert len(cat) == {"2024": 1163, "2026": 1008}[key]
    if key == "2024":  # "79 rows with a blank epoch" (../shared/data/README.md)
        assert int(np.isnan(cat.elements.epoch).sum()) == 79


# (file, key, designation, name, q, e, argp, node, i, perihelion (ISO TT, day fraction),
#  epoch ISO TT or None, H, K, reference), transcribed from the lines quoted.
KNOWN = [
    # 0001P         2061 09 10.3628  0.588733  0.967048  112.6084   59.6962  162.2070  20240907   4.0  6.0  1P/Halley  98, 1083
    ("2024", "1P", "1P", "Halley", 0.588733, 0.967048, 112.6084, 59.6962, 162.2070,
     ("2061-09-10", 0.3628), "2024-09-07", 4.0, 6.0, "98, 1083"),
    # 0002P         2023 10 22.5325  0.339450  0.846983  187.2837  334.0148   11.3392  20240907  11.5  6.0  2P/Encke  MPEC 2024-R10
    ("2024", "2P", "2P", "Encke", 0.339450, 0.846983, 187.2837, 334.0148, 11.3392,
     ("2023-10-22", 0.5325), "2024-09-07", 11.5, 6.0, "MPEC 2024-R10"),
    # 0067P         2021 11  2.5290  1.210466  0.649982   22.1853   36.3258    3.8702  20240907  11.0  4.0  67P/Churyumov-Gerasimenko  MPEC 2024-C04
    ("2024", "67P", "67P", "Churyumov-Gerasimenko", 1.210466, 0.649982, 22.1853, 36.3258, 3.8702,
     ("2021-11-02", 0.5290), "2024-09-07", 11.0, 4.0, "MPEC 2024-C04"),
    # 0001I         2017 09  9.4886  0.255240  1.199252  241.6845   24.5997  122.6778  20170904  23.0  2.0  1I/`Oumuamua  MPC107687
    ("2024", "1I", "1I", "`Oumuamua", 0.255240, 1.199252, 241.6845, 24.5997, 122.6778,
     ("2017-09-09", 0.4886), "2017-09-04", 23.0, 2.0, "MPC107687"),
    # 0002I         2019 12  8.5548  2.006548  3.356633  209.1251  308.1480   44.0527  20191223  11.0  4.0  2I/Borisov  MPEC 2023-L37
    ("2024", "2I", "2I", "Borisov", 2.006548, 3.356633, 209.1251, 308.1480, 44.0527,
     ("2019-12-08", 0.5548), "2019-12-23", 11.0, 4.0, "MPEC 2023-L37"),
    # hyperbolic: CK22O010  2022 02 15.8364  7.433565  1.002417  268.9402   49.9163   71.0424  20240907   6.0  4.0  C/2022 O1 (ATLAS)  MPEC 2024-A43
    ("2024", "C/2022 O1", "C/2022 O1", "ATLAS", 7.433565, 1.002417, 268.9402, 49.9163, 71.0424,
     ("2022-02-15", 0.8364), "2024-09-07", 6.0, 4.0, "MPEC 2024-A43"),
    # fragment, blank epoch: 0073P      g  2006 06  8.096   0.93920   0.69330   198.772    69.909    11.388              9.0  4.0  73P-G/Schwassmann-Wachmann  MPC 56796
    ("2024", "73P-G", "73P-G", "Schwassmann-Wachmann", 0.93920, 0.69330, 198.772, 69.909, 11.388,
     ("2006-06-08", 0.096), None, 9.0, 4.0, "MPC 56796"),
    # provisional fragment: CK19Y04b  2020 05 30.2957  0.256212  0.999989  177.3771  120.8563   45.1601  20240907  12.1  6.0  C/2019 Y4-B (ATLAS)  MPEC 2023-J29
    ("2024", "CK19Y04b", "C/2019 Y4-B", "ATLAS", 0.256212, 0.999989, 177.3771, 120.8563, 45.1601,
     ("2020-05-30", 0.2957), "2024-09-07", 12.1, 6.0, "MPEC 2023-J29"),
    # CJ95O010  1997 03 30.4304  0.912227  0.994925  130.4142  281.9511   89.6364  20260103  -2.0  4.0  C/1995 O1 (Hale-Bopp)  MPEC 2022-S20
    ("2026", "C/1995 O1", "C/1995 O1", "Hale-Bopp", 0.912227, 0.994925, 130.4142, 281.9511, 89.6364,
     ("1997-03-30", 0.4304), "2026-01-03", -2.0, 4.0, "MPEC 2022-S20"),
    # 0001P         2061 08 12.2783  0.572150  0.967961  112.3878   59.4893  162.1619  20260103   5.5  3.2  1P/Halley  MPEC 2025-W75
    ("2026", "1P", "1P", "Halley", 0.572150, 0.967961, 112.3878, 59.4893, 162.1619,
     ("2061-08-12", 0.2783), "2026-01-03", 5.5, 3.2, "MPEC 2025-W75"),
    # 0002P         2027 02 10.2378  0.338838  0.847233  187.2802  334.0174   11.3469  20260103  11.5  6.0  2P/Encke  MPEC 2025-XC7
    ("2026", "2P", "2P", "Encke", 0.338838, 0.847233, 187.2802, 334.0174, 11.3469,
     ("2027-02-10", 0.2378), "2026-01-03", 11.5, 6.0, "MPEC 2025-XC7"),
    # 0067P         2028 04  9.3549  1.211619  0.649696   22.2275   36.3029    3.8672  20260103  11.0  4.0  67P/Churyumov-Gerasimenko  MPEC 2025-W75
    ("2026", "67P", "67P", "Churyumov-Gerasimenko", 1.211619, 0.649696, 22.2275, 36.3029, 3.8672,
     ("2028-04-09", 0.3549), "2026-01-03", 11.0, 4.0, "MPEC 2025-W75"),
    # 0002I         2019 12  9.0572  1.997724  3.345952  209.2911  307.8024   44.2624  20251121  11.0  4.0  2I/Borisov  MPEC 2025-R69
    ("2026", "2I", "2I", "Borisov", 1.997724, 3.345952, 209.2911, 307.8024, 44.2624,
     ("2019-12-09", 0.0572), "2025-11-21", 11.0, 4.0, "MPEC 2025-R69"),
    # hyperbolic: CK14UR1N  2031 01 16.1851 10.960571  1.004332  326.0758  189.9825   95.4461  20260103   2.5  3.2  C/2014 UN271 (Bernardinelli-Bernstein)  MPEC 2025-YF1
    ("2026", "CK14UR1N", "C/2014 UN271", "Bernardinelli-Bernstein", 10.960571, 1.004332, 326.0758, 189.9825,
     95.4461, ("2031-01-16", 0.1851), "2026-01-03", 2.5, 3.2, "MPEC 2025-YF1"),
]


@pytest.mark.parametrize("case", KNOWN, ids=[f"{c[0]}-{c[2]}" for c in KNOWN])
def test_known_comets_have_the_values_of_their_lines(case, shared_data):
    key, lookup, designation, name, q, e, argp, node, inc, (date, frac), epoch, h, k, ref = case
    cat = _catalog(shared_data, key)
    comet = cat.get(lookup)
    assert comet.designation == designation
    assert comet.name == name
    assert comet.reference == ref
    assert comet.q == q and comet.e == e  # exact: the same decimal text, parsed once
    assert comet.argp == pytest.approx(math.radians(argp), abs=1e-15)
    assert comet.node == pytest.approx(math.radians(node), abs=1e-15)
    assert comet.i == pytest.approx(math.radians(inc), abs=1e-15)
    assert abs(comet.tp - tdb_jd(date, frac)) < DAY_TOL
    if epoch is None:
        assert math.isnan(comet.epoch)
    else:
        assert abs(comet.epoch - tdb_jd(epoch)) < DAY_TOL
    assert comet.H == h and comet.K == k
    row = cat.index_of(lookup)
    assert cat.elements.q[row] == q and cat.elements.tp[row] == comet.tp


def test_hyperbolic_comets_are_kept_and_have_no_period(shared_data):
    cat = _catalog(shared_data, "2024")
    hyperbolic = cat.filter(e_min=1.0 + 1e-12)
    assert len(hyperbolic) > 10
    assert all(c.e > 1.0 and c.period_years is None and c.a_au < 0 for c in hyperbolic)


def test_tdb_minus_tt_is_under_two_milliseconds(shared_data):
    """The parser's TDB dates differ from the TT calendar dates by the periodic TDB - TT only."""
    cat = _catalog(shared_data, "2026")
    halley = cat.get("1P")
    tt = Time("2061-08-12", scale="tt") + 0.2783 * u.day
    assert 0 < abs(halley.tp - (tt.jd1 + tt.jd2)) * 86400.0 < 0.0017


def test_elements_are_float64_arrays_in_catalog_order(loaded):
    _, _, cat = loaded
    el = cat.elements
    assert isinstance(el, CometaryElements) and len(el) == len(cat)
    assert el is cat.elements  # cached
    for field in ("q", "e", "i", "node", "argp", "tp", "epoch", "A1", "A2", "A3", "DT"):
        assert getattr(el, field).dtype == np.float64
    assert np.all(el.A1 == 0) and np.all(el.DT == 0)
    comets = list(cat)
    assert [c.q for c in comets] == el.q.tolist()
    assert [c.tp for c in comets] == el.tp.tolist()
    assert np.all(np.diff([c.line_number for c in comets]) > 0)


def test_reading_the_large_file_is_fast(shared_data):
    path = shared_data / "cometels" / FILES["2024"]
    read_comets(path)  # astropy's first import is not the parser's cost
    start = time.perf_counter()
    cat = read_comets(path)
    elapsed = time.perf_counter() - start
    assert len(cat) == 1163
    assert elapsed < 2.0, f"reading 1,163 lines took {elapsed:.2f} s"


_CACHE = {}


def _catalog(shared_data, key):
    if key not in _CACHE:
        _CACHE[key] = read_comets(shared_data / "cometels" / FILES[key])
    return _CACHE[key]
