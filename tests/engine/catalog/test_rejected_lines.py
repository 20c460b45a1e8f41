"""Corrupted lines mixed into a copy of the real file: each is rejected with a reason that
names the field, and every other line still loads."""
import math

import pytest

from encke.engine.catalog import read_comets

pytestmark = pytest.mark.filterwarnings(r'ignore:ERFA function "taiutc" yielded:erfa.ErfaWarning')

# 0002P from the 2024 file, the line every corruption below starts from.
ENCKE = (
    "0002P         2023 10 22.5325  0.339450  0.846983  187.2837  334.0148   11.3392  20240907  11.5  6.0  "
    "2P/Encke                                                 MPEC 2024-R10"
)


def put(line: str, first_column: int, last_column: int, text: str) -> str:
    """Overwrite 1-based columns first..last with text, right-aligned as the MPC writes numbers."""
    width = last_column - first_column + 1
    assert len(text) <= width
    return line[: first_column - 1] + text.rjust(width) + line[last_column:]


CORRUPTIONS = [
    # (description, corrupted line, words the reason must contain)
    ("truncated", ENCKE[:85], "line truncated: 85 characters, need at least 100"),
    ("letters in q", put(ENCKE, 31, 39, "1.2x4"), "q: '1.2x4' is not a number"),
    ("letters in e", put(ENCKE, 42, 49, "0.8e4x"), "e: '0.8e4x' is not a number"),
    ("month 13", put(ENCKE, 20, 21, "13"), "perihelion date: month 13 is outside 1..12"),
    ("day 40", put(ENCKE, 23, 29, "40.5325"), "perihelion date: day 40.5325 is outside 1..31"),
    ("31 November", put(put(ENCKE, 20, 21, "11"), 23, 29, "31.0"), "day 31 is outside 1..30"),
    ("29 February 2023", put(put(ENCKE, 20, 21, "02"), 23, 29, "29.5"), "day 29.5 is outside 1..28"),
    ("year with letters", put(ENCKE, 15, 18, "20x3"), "perihelion year: '20x3'"),
    ("q zero", put(ENCKE, 31, 39, "0.000000"), "q: 0 au is not positive"),
    ("q negative", put(ENCKE, 31, 39, "-0.339450"), "q: -0.33945 au is not positive"),
    ("e negative", put(ENCKE, 42, 49, "-0.1"), "e: -0.1 is negative"),
    ("i above 180", put(ENCKE, 72, 79, "181.0000"), "i: 181 deg is outside [0, 180]"),
    ("i negative", put(ENCKE, 72, 79, "-1.0"), "i: -1 deg is outside [0, 180]"),
    ("nan e", put(ENCKE, 42, 49, "nan"), "e: 'nan' is not a finite number"),
    ("inf node", put(ENCKE, 62, 69, "inf"), "node: 'inf' is not a finite number"),
    ("overflowing q", put(ENCKE, 31, 39, "1e999"), "q: '1e999' is not a finite number"),
    ("-Infinity argp", put(ENCKE, 52, 59, "-Infinity"[:8]), "argp: '-Infinit' is not a number"),
    ("blank q", put(ENCKE, 31, 39, ""), "q: field is blank"),
    ("epoch month 13", put(ENCKE, 82, 89, "20241307"), "epoch: month 13 is outside 1..12"),
    ("epoch letters", put(ENCKE, 82, 89, "2024O907"), "epoch: '2024O907' is not a YYYYMMDD date"),
    ("H letters", put(ENCKE, 92, 95, "ab"), "H: 'ab' is not a number"),
    ("K nan", put(ENCKE, 97, 100, "NaN"), "K: 'NaN' is not a finite number"),
    ("bad designation", put(ENCKE, 1, 12, "ZZZZ".ljust(12)), "designation:"),
    ("bad orbit type", put(ENCKE, 1, 12, "0002Q".ljust(12)), "designation: designation '0002Q': orbit type 'Q' is not one of"),
    ("shifted one column", " " + ENCKE, "column 19: expected a blank field separator, found '3'"),
]


@pytest.fixture(scope="module")
def real_lines(shared_data):
    return (shared_data / "cometels" / "CometEls-2024-09-07.txt").read_text().split("\n")


def test_the_template_line_is_real_and_parses(real_lines):
    assert ENCKE in real_lines
    cat = read_comets(ENCKE + "\n")
    assert cat.rejected == [] and cat.get("2P").q == 0.339450


def test_corrupted_lines_are_rejected_and_the_rest_loads(real_lines):
    lines = list(real_lines)
    expected = {}
    # Spread the bad lines through the file, with blank lines and CRLF endings around them,
    # so that line numbers are checked against the true 1-based positions.
    for k, (_, bad, words) in enumerate(CORRUPTIONS):
        position = 40 * k + 3
        lines[position:position] = [bad + "\r", ""]
        expected[position + 1] = words
    text = "\n".join(lines)
    cat = read_comets(text)
    real_count = sum(1 for ln in real_lines if ln.strip())
    assert len(cat) == real_count
    assert dict(cat.rejected).keys() == expected.keys()
    for number, reason in cat.rejected:
        assert expected[number] in reason, (number, reason)
        assert lines[number - 1].rstrip("\r") in [bad for _, bad, _ in CORRUPTIONS]
    # the good lines are untouched
    assert cat.get("1P").q == 0.588733
    assert len(cat) + len(cat.rejected) == sum(1 for ln in text.split("\n") if ln.strip())


@pytest.mark.parametrize("description, bad, words", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_each_corruption_alone(description, bad, words):
    cat = read_comets("\n".join([ENCKE.replace("0002P", "0001P"), bad, ""]))
    assert len(cat) == 1
    assert len(cat.rejected) == 1
    number, reason = cat.rejected[0]
    assert number == 2
    assert words in reason


def test_blank_magnitudes_and_epoch_are_nan_not_rejected():
    line = put(put(put(ENCKE, 82, 89, ""), 92, 95, ""), 97, 100, "")
    comet = read_comets(line + "\n").get("2P")
    assert math.isnan(comet.epoch) and math.isnan(comet.H) and math.isnan(comet.K)
    assert comet.q == 0.339450


def test_julian_calendar_before_1582():
    """Meeus, Astronomical Algorithms, example 7.b: 333 January 27.5 (Julian calendar) is
    JD 1842713.0; and 1582 October 4 (Julian) is followed by October 15 (Gregorian)."""
    from encke.engine.catalog.mpc import calendar_jd

    jd1, jd2 = calendar_jd([333, 1582, 1582, 1957], [1, 10, 10, 10], [27.5, 4.0, 15.0, 4.81])
    jd = jd1 + jd2
    assert jd[0] == 1842713.0
    assert jd[2] - jd[1] == 1.0
    assert jd[3] == pytest.approx(2436116.31, abs=1e-9)  # Meeus example 7.a
    leap_day_1500 = put(put(ENCKE, 15, 18, "1500"), 20, 21, "02")
    cat = read_comets(put(leap_day_1500, 23, 29, "29.5") + "\n")
    assert cat.rejected == []
