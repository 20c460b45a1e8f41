"""`encke propagate` with dates past the leap-second table prints no ERFA "dubious year" warning.

pytest turns warnings into errors here, so the warning would fail these runs; the subprocess run
checks the console too, where it used to appear."""
import subprocess
import sys

import pyarrow.parquet as pq

from encke.client.cli import main


def test_server_path_parquet_with_future_dates(capsys, catalog_server, tmp_path):
    code = main(["propagate", "--comet", "2P", "--start", "2031-01-01", "--stop", "2031-01-05", "--server",
                 catalog_server, "--format", "parquet", "--output", str(tmp_path / "p.parquet"), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert pq.read_table(tmp_path / "p.parquet").column("time").to_pylist()[-1] == "2031-01-05"


def test_console_shows_no_dubious_year_warning(shared_data):
    proc = subprocess.run([sys.executable, "-m", "encke.client.cli", "propagate", "--comet", "2P", "--start",
                           "2031-01-01", "--stop", "2031-01-03", "--format", "csv", "--catalog",
                           str(shared_data / "cometels" / "CometEls-2024-09-07.txt")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "dubious" not in proc.stderr and proc.stdout.count("\n") == 4
