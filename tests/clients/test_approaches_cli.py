"""`encke approaches`: the engine's close approaches on the command line (local engine)."""
import json

import numpy as np
import pytest

import encke
from encke.client.cli import main

CATALOG = "cometels/CometEls-2026-01-03.txt"


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, message", [
    (("--body", "vulcan"), "bodies"),
    (("--uncertainty",), "--uncertainty"),
    (("--comet", "no such comet"), "--comet"),
])
def test_bad_arguments_exit_2_and_name_the_option(capsys, shared_data, argv, message):
    code, _, err = _run(capsys, "approaches", "--start", "2029-01-01", "--stop", "2030-01-01",
                        "--catalog", str(shared_data / CATALOG), *argv)
    assert code == 2 and message in err


@pytest.mark.slow
def test_approaches_json_matches_the_engine(capsys, shared_data):
    path = str(shared_data / CATALOG)
    code, out, _ = _run(capsys, "approaches", "--comet", "249P", "--body", "earth", "--start", "2029-06-01",
                        "--stop", "2030-06-01", "--max-au", "0.2", "--catalog", path, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    cat = encke.read_comets(path)
    k = cat.designations.index("249P")
    direct = encke.close_approaches(cat.elements[k], encke.to_tdb_jd("2029-06-01"), encke.to_tdb_jd("2030-06-01"),
                                    ("earth",), 0.2)
    assert len(rows) == len(direct) == 1
    assert rows[0]["designation"] == "249P" and rows[0]["time_utc"].startswith("2029-11")
    assert rows[0]["distance_au"] == pytest.approx(direct.distance_au[0], abs=1e-12)
    assert rows[0]["time_3sigma_days"] is None  # no covariance asked for
    assert np.isfinite(rows[0]["moid_earth_au"])


class _Sbdb:
    """A real HTTP server on a free port answering every SBDB query with one recorded answer."""

    def __init__(self, body: bytes):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sbdb.api"


def test_observe_uncertainty_columns_equal_the_engine(capsys, shared_data, monkeypatch, tmp_path):
    server = _Sbdb((shared_data / "sbdb" / "sbdb-67P.json").read_bytes())
    monkeypatch.setenv("ENCKE_SBDB_URL", server.url)
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path))
    args = ("observe", "--comet", "67P", "--start", "2024-08-16", "--stop", "2024-08-18", "--step", "1d",
            "--model", "kepler", "--catalog", str(shared_data / CATALOG))
    code, out, err = _run(capsys, *args, "--uncertainty", "--format", "json")
    server.server.shutdown()
    server.server.server_close()
    assert code == 0, err
    rows = json.loads(out)["rows"]
    solution = encke.sbdb.fetch("67P")
    _, sky = encke.observe_uncertainty(solution.elements, [r["jd_tdb"] for r in rows], solution, "500",
                                       model="kepler")
    assert [r["ra_3sigma_arcsec"] for r in rows] == pytest.approx(sky.ra_3sigma_arcsec[0], rel=1e-12)
    assert [r["theta_deg"] for r in rows] == pytest.approx(sky.theta_deg[0], rel=1e-12)


def test_observe_uncertainty_says_when_none_is_available(capsys, shared_data, monkeypatch, tmp_path):
    monkeypatch.setenv("ENCKE_SBDB_URL", "http://127.0.0.1:9/sbdb.api")  # nothing listens
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path))
    code, _, err = _run(capsys, "observe", "--comet", "67P", "--start", "2024-08-16", "--stop", "2024-08-17",
                        "--model", "kepler", "--catalog", str(shared_data / CATALOG), "--uncertainty")
    assert code == 1 and "no covariance available" in err
