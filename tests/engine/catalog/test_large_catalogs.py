"""Large catalogs (issue 16, defect 14): duplicates are rejected, and the column-wise reader
(fastpath.py) gives exactly the rows and the rejections of the per-line reader.

The speed itself is measured by benchmarks/bench_catalog.py, not here.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encke.engine.catalog import read_comets
from encke.engine.catalog.mpc import parse_comet_lines

HALF_MONTHS = "ABCDEFGHJKLMNOPQRSTUVWXY"


@pytest.fixture(scope="module")
def real_lines(shared_data):
    text = (shared_data / "cometels" / "CometEls-2024-09-07.txt").read_text()
    return [line for line in text.split("\n") if line.strip()]


def renamed(line: str, k: int) -> str:
    """The line under the k-th of a run of new provisional designations (C/2001 A1, A2, ...)."""
    half, order = HALF_MONTHS[k // 99 % 24], k % 99 + 1
    packed = f"CK{1 + k // 2376:02d}{half}{order:02d}0"
    unpacked = f"C/20{1 + k // 2376:02d} {half}{order}"
    return packed.rjust(12) + line[12:102] + unpacked.ljust(56) + line[158:]


def assert_same(text: str):
    """The column-wise and the per-line readers agree bit for bit, rejections included."""
    fast, fast_rejected = parse_comet_lines(text, fast=True)
    slow, slow_rejected = parse_comet_lines(text, fast=False)
    assert fast_rejected == slow_rejected
    assert fast.keys() == slow.keys()
    for name in slow:
        if slow[name].dtype == object:
            assert fast[name].tolist() == slow[name].tolist(), name
        else:
            assert fast[name].dtype == slow[name].dtype
            assert fast[name].tobytes() == slow[name].tobytes(), name
    return fast, fast_rejected


def test_duplicate_designations_are_rejected_and_the_first_is_kept(real_lines):
    encke = next(line for line in real_lines if line.startswith("0002P "))
    changed = encke[:31] + "0.300000" + encke[39:]  # another 2P entry, with another q
    text = "\n".join(real_lines + [changed, encke]) + "\n"
    cat = read_comets(text)
    first = real_lines.index(encke) + 1
    assert len(cat) == len(real_lines)
    assert cat.rejected == [
        (len(real_lines) + 1, f"duplicate: 2P is already defined on line {first} (the first entry is kept)"),
        (len(real_lines) + 2, f"duplicate: 2P is already defined on line {first} (the first entry is kept)"),
    ]
    assert cat.get("2P").q == 0.339450 and cat.get("2P").line_number == first


def test_duplicates_in_other_spellings_are_found_too(real_lines):
    """A provisional line and its copy in lower-case orbit type (read by the per-line reader)."""
    tsuchinshan = next(line for line in real_lines if "CK23A030" in line[:12])
    lower = tsuchinshan[:4] + "c" + tsuchinshan[5:]  # "cK23A030": the per-line reader accepts it
    _, rejected = assert_same(tsuchinshan + "\n" + lower + "\n")
    assert rejected == [(2, "duplicate: C/2023 A3 is already defined on line 1 (the first entry is kept)")]


def test_readers_agree_on_the_real_files(shared_data):
    for name in ("CometEls-2024-09-07.txt", "CometEls-2026-01-03.txt"):
        columns, rejected = assert_same((shared_data / "cometels" / name).read_text())
        assert rejected == [] and len(columns["q"]) > 1000


def test_a_large_synthetic_catalog_loads_every_line(real_lines):
    lines = real_lines + [renamed(line, k) for k, line in enumerate(real_lines * 8)]
    cat = read_comets("\n".join(lines) + "\n")
    assert len(cat) == len(lines) and cat.rejected == []
    copy = cat.get("C/2001 A1")
    original = cat[0]
    assert (copy.q, copy.e, copy.tp, copy.epoch) == (original.q, original.e, original.tp, original.epoch)
    assert np.array_equal(cat.elements.tp[len(real_lines):], np.tile(cat.elements.tp[:len(real_lines)], 8))


def test_a_line_ending_at_the_slope_parameter_is_read():
    """100 characters: columns 101-102 (blank separators) are simply absent."""
    line = ("0002P         2023 10 22.5325  0.339450  0.846983  187.2837  334.0148   11.3392  20240907"
            "  11.5  6.0")
    assert len(line) == 100
    columns, rejected = assert_same(line + "\n")
    assert rejected == [] and columns["designation"].tolist() == ["2P"] and columns["K"][0] == 6.0


# Characters that the format uses, and a few that it does not.
FIELD_CHARACTERS = st.sampled_from(list(" 0123456789.+-eEabcPCDXAIKJ/()\t") + ["é", "\x7f"])


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_readers_agree_on_randomly_damaged_lines(real_lines, data):
    """Random characters written over random columns of real lines: every line is either read
    identically or rejected with the same reason by both readers."""
    lines = []
    for _ in range(data.draw(st.integers(1, 6))):
        line = data.draw(st.sampled_from(real_lines))
        for _ in range(data.draw(st.integers(0, 3))):
            column = data.draw(st.integers(0, 104))
            text = data.draw(st.text(FIELD_CHARACTERS, min_size=1, max_size=4))
            line = line[:column] + text + line[column + len(text):]
        lines.append(line[: data.draw(st.integers(90, len(line)))])
    assert_same("\n".join(lines) + "\n")


def test_rejected_lines_are_summarised_for_the_start_up_log(real_lines):
    text = "\n".join(real_lines[:3] + [real_lines[0], real_lines[1][:50], "garbage", real_lines[2]]) + "\n"
    cat = read_comets(text)
    summary = cat.rejected_summary()
    assert summary.startswith("4 lines rejected in <text> (line 4: duplicate: ")
    assert "line 5: line truncated: " in summary and "line 6: line truncated: 7 characters" in summary
    assert summary.endswith("; and 1 more)")
    assert read_comets("\n".join(real_lines[:3]) + "\n").rejected_summary() == ""
