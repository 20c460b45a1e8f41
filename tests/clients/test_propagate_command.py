"""`encke propagate` on the shared MPC file, checked against SPICE with the line's own elements."""
import csv
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import spiceypy
from astropy.time import Time

from encke.client.cli import main
from encke.engine.constants import GM_SUN

# CometEls-2024-09-07.txt, line 578 (2P/Encke): perihelion 2023 10 22.5325 TT, q, e, argp, node, i.
ENCKE = dict(tp_tt="2023-10-22T00:00:00", tp_frac=0.5325, q=0.339450, e=0.846983, argp=187.2837, node=334.0148,
             i=11.3392)


@pytest.fixture
def catalog(shared_data):
    return str(shared_data / "cometels" / "CometEls-2024-09-07.txt")


def _run(capsys, *argv):
    code = main(["propagate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_csv_rows_match_spice_conics(capsys, catalog):
    code, out, err = _run(capsys, "--comet", "2P", "--start", "2024-01-01", "--stop", "2024-12-31", "--step", "10d",
                          "--catalog", catalog, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 37 and rows[0]["time"] == "2024-01-01" and rows[-1]["time"] == "2024-12-26"
    tp = Time(Time(ENCKE["tp_tt"], scale="tt").jd + ENCKE["tp_frac"], format="jd", scale="tt")
    tp_tdb = tp.tdb.jd1 + tp.tdb.jd2
    deg = math.pi / 180
    for row in rows:
        t = Time(row["time"], scale="utc")
        jd = t.tdb.jd1 + t.tdb.jd2
        assert abs(float(row["jd_tdb"]) - jd) < 1e-9
        ref = spiceypy.conics([ENCKE["q"], ENCKE["e"], ENCKE["i"] * deg, ENCKE["node"] * deg, ENCKE["argp"] * deg,
                               0.0, tp_tdb, GM_SUN], jd)
        got = np.array([float(row[c]) for c in ("x_au", "y_au", "z_au", "vx_au_per_day", "vy_au_per_day",
                                                 "vz_au_per_day")])
        # The catalog's tp is rounded to 1e-4 day in the file and parsed by encke's reader: agree to ~1e-9 au.
        assert np.abs(got[:3] - ref[:3]).max() < 1e-8
        assert abs(float(row["r_au"]) - np.linalg.norm(ref[:3])) < 1e-8


def test_text_and_json_formats_and_options(capsys, catalog):
    code, out, err = _run(capsys, "--comet", "1P", "--start", "2024-01-01", "--stop", "2024-01-03", "--step", "1d",
                          "--catalog", catalog)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("1P/Halley: kepler model, ecliptic J2000 axes, centre sun")
    assert len(lines) == 2 + 3
    code, out, err = _run(capsys, "--comet", "C/2022 E3", "--start", "2023-01-01T00:00", "--stop", "2023-01-02T00:00",
                          "--step", "12h", "--catalog", catalog, "--format", "json", "--frame", "icrf",
                          "--center", "ssb")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["frame"] == "icrf" and doc["center"] == "ssb" and len(doc["rows"]) == 3
    assert doc["rows"][1]["time"] == "2023-01-01T12:00:00"
    assert 1.0 < doc["rows"][0]["r_au"] < 1.3  # C/2022 E3 was near its 1.11 au perihelion


def test_errors_name_the_problem(capsys, catalog, monkeypatch, tmp_path):
    code, _, err = _run(capsys, "--comet", "1P", "--start", "2024-01-01", "--stop", "2024-01-03", "--step", "3w",
                        "--catalog", catalog)
    assert code == 2 and "--step" in err
    code, _, err = _run(capsys, "--comet", "1P", "--start", "2024-02-01", "--stop", "2024-01-03", "--catalog", catalog)
    assert code == 2 and "before --start" in err
    code, _, err = _run(capsys, "--comet", "999P", "--start", "2024-01-01", "--stop", "2024-01-03",
                        "--catalog", catalog)
    assert code == 1 and "999P" in err
    monkeypatch.setenv("ENCKE_CATALOG", str(tmp_path / "missing.txt"))
    code, _, err = _run(capsys, "--comet", "1P", "--start", "2024-01-01", "--stop", "2024-01-03")
    assert code == 1 and "missing.txt" in err


def test_console_script_help():
    proc = subprocess.run([sys.executable, "-m", "encke.client.cli", "propagate", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "--frame" in proc.stdout and "--center" in proc.stdout


def test_server_path_streams_the_same_states_as_the_local_engine(capsys, catalog, catalog_server):
    args = ("--comet", "2P", "--start", "2024-01-01", "--stop", "2024-03-01", "--step", "1d", "--format", "csv")
    code, local, err = _run(capsys, *args, "--catalog", catalog)
    assert code == 0, err
    code, remote, err = _run(capsys, *args, "--server", catalog_server)
    assert code == 0, err
    assert "epoch" in err  # the progress bar went to stderr
    local_rows = list(csv.DictReader(io.StringIO(local)))
    remote_rows = list(csv.DictReader(io.StringIO(remote)))
    assert [r["time"] for r in remote_rows] == [r["time"] for r in local_rows]
    remote_jd = np.array([float(r["jd_tdb"]) for r in remote_rows])
    # The server steps uniformly in TDB, the local grid in UTC: the epochs differ by TDB - UTC's
    # periodic millisecond term; the server's states are the engine's at exactly its epochs.
    assert np.abs(remote_jd - [float(r["jd_tdb"]) for r in local_rows]).max() * 86400 < 0.01
    import encke

    cat = encke.read_comets(catalog)
    expected = encke.propagate(cat.subset([cat.index_of("2P")]).elements, remote_jd)[0]
    got = np.array([[float(r[c]) for c in ("x_au", "y_au", "z_au")] for r in remote_rows])
    assert np.abs(got - expected[:, :3]).max() * 1.495978707e11 < 1e-3  # metres


def test_server_path_reports_an_unknown_comet(capsys, catalog_server):
    code, out, err = _run(capsys, "--comet", "999P", "--start", "2024-01-01", "--stop", "2024-01-02",
                          "--server", catalog_server, "--no-progress")
    assert code == 1 and out == ""
    assert "NOT_FOUND" in err and "999P" in err


def test_parquet_output_round_trips(capsys, catalog, tmp_path):
    import pyarrow.parquet as pq

    target = tmp_path / "encke.parquet"
    code, out, err = _run(capsys, "--comet", "2P", "--start", "2024-01-01", "--stop", "2024-01-31", "--step", "5d",
                          "--catalog", catalog, "--format", "parquet", "--output", str(target))
    assert code == 0 and out == "", err
    table = pq.read_table(target)
    assert table.schema.metadata[b"comet"] == b"2P/Encke"
    code, csv_out, _ = _run(capsys, "--comet", "2P", "--start", "2024-01-01", "--stop", "2024-01-31", "--step", "5d",
                            "--catalog", catalog, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert table.column("time").to_pylist() == [r["time"] for r in rows]
    np.testing.assert_array_equal(table.column("x_au").to_numpy(), [float(r["x_au"]) for r in rows])
    code, _, err = _run(capsys, "--comet", "2P", "--start", "2024-01-01", "--stop", "2024-01-02",
                        "--catalog", catalog, "--format", "parquet")
    assert code == 2 and "--output" in err
