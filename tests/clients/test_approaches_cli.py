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
