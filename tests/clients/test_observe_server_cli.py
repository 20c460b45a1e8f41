"""`encke observe --server`: the same ephemeris table from a running server as computed here."""
import csv
import io

from encke.client.cli import main


def _csv_rows(capsys, *argv):
    code = main(["observe", *argv, "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return list(csv.DictReader(io.StringIO(captured.out)))


def test_server_table_equals_the_local_table(capsys, shared_data, catalog_server):
    catalog = str(shared_data / "cometels" / "CometEls-2024-09-07.txt")
    args = ("--comet", "C/2023 A3", "--observer", "G96", "--start", "2024-10-12", "--stop", "2024-10-14",
            "--step", "12h", "--model", "kepler")
    local = _csv_rows(capsys, *args, "--catalog", catalog)
    remote = _csv_rows(capsys, *args, "--server", catalog_server)
    assert len(local) == len(remote) == 5
    assert list(remote[0]) == list(local[0])  # the same columns, site columns included
    for a, b in zip(local, remote):
        assert a["time_utc"] == b["time_utc"]
        for column in ("ra_deg", "dec_deg", "elevation_deg", "tmag"):
            assert abs(float(a[column]) - float(b[column])) < 1e-9, column
        assert abs(float(a["delta_au"]) - float(b["delta_au"])) * 1.495978707e11 < 1e-3  # metres


def test_server_errors_are_reported(capsys, catalog_server):
    code = main(["observe", "--comet", "999P", "--start", "2024-10-12", "--stop", "2024-10-13",
                 "--server", catalog_server])
    err = capsys.readouterr().err
    assert code == 1 and "NOT_FOUND" in err and "999P" in err
