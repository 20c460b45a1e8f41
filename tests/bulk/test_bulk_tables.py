"""Bulk jobs in this process: inputs (CometEls, Parquet, CSV), bad rows, schema errors, output."""
from __future__ import annotations

import json
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import encke
from encke.client.cli import main
from encke.engine.bulk import SchemaError, propagate_bulk
from encke.engine.bulk import dataset
from encke.engine.bulk.dataset import COLUMNS

from .conftest import TIMES, element_table, read_dataset


def _expected(table):
    """engine.propagate on the table's rows, directly: (ids, (N, M, 6) states, status)."""
    el = encke.CometaryElements(q=table["q_au"].to_numpy(), e=table["e"].to_numpy(),
                                i=np.radians(table["i_deg"].to_numpy()), node=np.radians(table["node_deg"].to_numpy()),
                                argp=np.radians(table["argp_deg"].to_numpy()), tp=table["tp_tdb_jd"].to_numpy())
    result = encke.propagate(el, TIMES, return_status=True)
    return table["id"].to_pylist(), result.states, result.status


def _check_against_engine(path, table):
    ids, states, codes = _expected(table)
    got = read_dataset(path)
    order = np.argsort(np.array(ids, dtype=object), kind="stable")
    assert got.column("id").to_pylist() == list(np.repeat(np.array(ids, dtype=object)[order], len(TIMES)))
    np.testing.assert_array_equal(got.column("time_tdb_jd").to_numpy(), np.tile(TIMES, len(ids)))
    want = states[order].reshape(-1, 6)
    for k, name in enumerate(COLUMNS[2:8]):
        np.testing.assert_allclose(got.column(name).to_numpy(), want[:, k], rtol=0, atol=1e-12)  # au, au/day
    np.testing.assert_array_equal(got.column("status").to_numpy(), np.repeat(codes[order], len(TIMES)))


def test_cometels_input_matches_the_engine_and_carries_metadata(cometels, catalog, tmp_path):
    result = propagate_bulk(cometels, TIMES, tmp_path / "out", chunk_objects=128, frame="icrf")
    s = result.summary
    assert s.objects == len(catalog) and s.rows == len(catalog) * len(TIMES)
    assert s.chunks == -(-len(catalog) // 128) and s.resumed_chunks == 0
    assert [tuple(r) for r in s.bad_rows] == [tuple(r) for r in catalog.rejected]
    files = sorted(result.path.glob("part-*.parquet"))
    assert len(files) == s.chunks
    meta = pq.read_schema(files[0]).metadata
    assert (meta[b"frame"], meta[b"center"], meta[b"model"]) == (b"icrf", b"sun", b"kepler")
    assert tuple(pq.read_schema(files[0]).names) == COLUMNS
    got = read_dataset(result.path)
    want = encke.propagate(catalog.elements, TIMES, frame="icrf")
    k = catalog.index_of("2P")
    rows = got.filter(pa.compute.equal(got.column("id"), "2P"))
    np.testing.assert_allclose(np.column_stack([rows.column(c).to_numpy() for c in COLUMNS[2:8]]), want[k],
                               rtol=0, atol=1e-12)
    manifest = json.loads((result.path / "_manifest.json").read_text())
    assert manifest["complete"] and len(manifest["parts"]) == s.chunks
    for part in manifest["parts"]:  # each part's checksum is the CRC-32 of the file's bytes
        assert part["crc32"] == f"{zlib.crc32((result.path / part['file']).read_bytes()):08x}"


@pytest.mark.parametrize("n, m", [(1000, 53), (7, 9000), (0, 4), (3, 1)])
def test_state_columns_are_the_states_columns_whatever_the_blocks(n, m):
    # the engine's states are a view of a padded array (not contiguous); blocks end mid-array
    padded = np.random.default_rng(n + m).normal(size=(n + 5, m + 3, 6))
    states = padded[:n, :m]
    columns = dataset.state_columns(states)
    assert columns.shape == (6, n * m) and columns.flags["C_CONTIGUOUS"]
    for k in range(6):
        np.testing.assert_array_equal(columns[k], states[:, :, k].reshape(-1))


def test_parquet_bad_rows_are_reported_by_row_number_and_skipped(catalog, tmp_path):
    table = element_table(catalog).slice(0, 300)
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    breakage = {9: ("q_au", -1.0), 20: ("e", -0.5), 41: ("i_deg", float("nan")), 77: ("id", None),
                150: ("tp_tdb_jd", float("inf")), 299: ("q_au", 0.0)}  # 0-based positions
    for k, (name, value) in breakage.items():
        columns[name][k] = value
    broken = pa.table(columns, schema=table.schema)
    pq.write_table(broken, tmp_path / "in.parquet", row_group_size=70)  # batches that straddle chunks
    result = propagate_bulk(tmp_path / "in.parquet", TIMES, tmp_path / "out", chunk_objects=64)
    reasons = dict(result.summary.bad_rows)
    assert sorted(reasons) == [k + 1 for k in breakage]  # row numbers count from 1
    assert reasons[10] == "q_au must be > 0" and reasons[21] == "e must be >= 0"
    assert reasons[42] == "i_deg is not finite" and reasons[78] == "id is missing"
    assert reasons[151] == "tp_tdb_jd is not finite" and reasons[300] == "q_au must be > 0"
    keep = np.ones(300, dtype=bool)
    keep[list(breakage)] = False
    assert result.summary.objects == 294
    _check_against_engine(result.path, table.filter(pa.array(keep)))


def test_csv_with_unreadable_values_and_optional_columns(catalog, tmp_path):
    table = element_table(catalog).slice(0, 100)
    a1 = pa.array([None if k % 3 else 1e-8 for k in range(100)], pa.float64())  # blank: no non-grav term
    table = table.append_column("a1", a1).append_column("dt_days", pa.array(np.zeros(100)))
    pacsv.write_csv(table, tmp_path / "in.csv")
    lines = (tmp_path / "in.csv").read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[2], "abc")  # data row 5: e unreadable
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    result = propagate_bulk(tmp_path / "in.csv", TIMES, tmp_path / "out", chunk_objects=64)
    assert result.summary.bad_rows == [(5, "e is not a number")]
    assert result.summary.objects == 99
    _check_against_engine(result.path, table.filter(pa.array(np.arange(100) != 4)))


@pytest.mark.parametrize("change, named", [
    (lambda t: t.drop_columns(["tp_tdb_jd"]), "missing required column(s) tp_tdb_jd"),
    (lambda t: t.append_column("colour", pa.array(["red"] * t.num_rows)), "unknown column(s) colour"),
])
def test_schema_errors_stop_before_any_work(catalog, tmp_path, change, named):
    table = change(element_table(catalog).slice(0, 10))
    pq.write_table(table, tmp_path / "in.parquet")
    with pytest.raises(SchemaError, match=named.replace("(", r"\(").replace(")", r"\)")):
        propagate_bulk(tmp_path / "in.parquet", TIMES, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_with_a_times_file_and_a_schema_error(catalog, tmp_path, capsys):
    pq.write_table(element_table(catalog).slice(0, 50), tmp_path / "in.parquet")
    (tmp_path / "epochs.txt").write_text("# TDB JD or UTC dates\n" + "\n".join(str(t) for t in TIMES[:-1])
                                         + "\n2025-09-26T12:00:00\n")
    code = main(["propagate", "--input", str(tmp_path / "in.parquet"), "--times", str(tmp_path / "epochs.txt"),
                 "--output", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "50 objects x 12 epochs = 600 rows" in err
    got = read_dataset(tmp_path / "out")
    times = np.unique(got.column("time_tdb_jd").to_numpy())
    np.testing.assert_array_equal(times[:-1], TIMES[:-1])
    assert abs(times[-1] - encke.to_tdb_jd("2025-09-26T12:00:00")) < 1e-9
    pq.write_table(element_table(catalog).slice(0, 5).drop_columns(["e"]), tmp_path / "bad.parquet")
    code = main(["propagate", "--input", str(tmp_path / "bad.parquet"), "--start", "2025-01-01", "--stop",
                 "2025-01-05", "--output", str(tmp_path / "out2"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "missing required column(s) e" in err and not (tmp_path / "out2").exists()
    code = main(["propagate", "--input", str(tmp_path / "in.parquet"), "--start", "2025-01-01", "--stop",
                 "2025-01-05", "--output", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "holds another job (differs in: " in err and "times_sha256" in err


def test_parts_written_one_after_another_keep_their_own_numbers(tmp_path):
    """write_part shares the repeated columns between parts of one size: parts of different
    sizes and epochs, written in turn, each read back exactly as given, every column non-null
    (failed objects are NaN rows, not nulls), the manifest's CRC-32 that of the file."""
    rng = np.random.default_rng(7)
    cases = [(300, TIMES), (40, TIMES), (300, TIMES), (300, TIMES + 0.5), (25, TIMES[:5]), (300, TIMES)]
    for index, (n, times) in enumerate(cases):
        ids = np.array([f"p{index}-{j}" for j in range(n)])
        states = rng.uniform(-40, 40, (n, len(times), 6))
        codes = np.zeros(n, np.int32)
        codes[::7] = 4
        states[codes != 0] = np.nan
        part = dataset.write_part(tmp_path, index, n, ids, times, dataset.state_columns(states), codes,
                                  {"frame": "ecliptic"}, [], "test")
        table = pq.read_table(tmp_path / part.file)
        assert part.rows == n * len(times) and part.failed == int(np.count_nonzero(codes))
        assert all(not field.nullable for field in table.schema) and table.schema.metadata[b"frame"] == b"ecliptic"
        assert table.column("id").to_pylist() == list(np.repeat(ids, len(times)))
        np.testing.assert_array_equal(table.column("time_tdb_jd").to_numpy(), np.tile(times, n))
        for k, name in enumerate(COLUMNS[2:8]):
            np.testing.assert_array_equal(table.column(name).to_numpy(), states[:, :, k].reshape(-1))
        np.testing.assert_array_equal(table.column("status").to_numpy(), np.repeat(codes, len(times)))
        assert part.crc32 == f"{zlib.crc32((tmp_path / part.file).read_bytes()):08x}"
