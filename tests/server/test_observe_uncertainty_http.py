"""HTTP /api/comets/{id}/observe?uncertainty=true on a live server, with SBDB replayed by a real
HTTP server on 127.0.0.1 (tests/engine/sources/replay_server.py) serving the recorded answers in
../shared/data/sbdb: the 3-sigma columns equal encke.observe(..., covariance=...) on SBDB's
solution, and the answer says so clearly when SBDB has no covariance or cannot be reached."""
import copy
import importlib.util
import json
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

import encke
from encke.engine.sources import sbdb

_REPLAY = Path(__file__).resolve().parents[1] / "engine" / "sources" / "replay_server.py"
COLUMNS = ("ra_3sigma_arcsec", "dec_3sigma_arcsec", "smaa_3sigma_arcsec", "smia_3sigma_arcsec", "theta_deg",
           "range_3sigma_km")
QUERY = {"start": "2025-11-01", "stop": "2025-11-03", "step": "1d", "uncertainty": "true"}


@pytest.fixture(scope="module")
def rs():
    name = "encke_tests_replay_server"  # loaded by path: --import-mode=importlib puts no test folder on sys.path
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _REPLAY)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before exec, so dataclasses can find their module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def sbdb_replay(rs, shared_data, tmp_path, monkeypatch):
    """A replay SBDB answering sstr=67P with the recorded answer (or what `answers` says)."""
    answers = {"67P": json.loads((shared_data / "sbdb" / "sbdb-67P.json").read_text())}

    def handle(request):
        found = answers.get(request.query.get("sstr"))
        if found is None:
            return rs.json_reply({"message": "specified object was not found"}, status=404)
        return rs.json_reply(found)

    with rs.ReplayServer() as server:
        server.route("/sbdb.api", handle)
        monkeypatch.setenv("ENCKE_SBDB_URL", server.url("/sbdb.api"))
        monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path / "cache"))
        sbdb.clear_cache()
        yield server, answers
    sbdb.clear_cache()


def test_observe_uncertainty_equals_the_engine_with_sbdbs_covariance(live, catalog, sbdb_replay):
    server, answers = sbdb_replay
    r = httpx.get(f"{live.http}/api/comets/67P/observe", params=QUERY, timeout=600)
    assert r.status_code == 200, r.text
    body = r.json()
    solution = sbdb.parse_response(answers["67P"], "67P")
    k = catalog.index_of("67P")
    ref = encke.observe(solution.elements, np.asarray(body["times_jd"]), "500", model="kepler",
                        ephemeris=live.service.ephemeris(), H=catalog.column("H")[k:k + 1],
                        K=catalog.column("K")[k:k + 1], covariance=solution)
    assert len(body["times_jd"]) == 3 and body["orbit"] == f"sbdb {solution.orbit_id}"
    assert "covariance of SBDB orbit solution" in body["uncertainty_note"]
    np.testing.assert_allclose(body["ra_deg"], ref.ra[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(body["delta_au"], ref.delta[0], rtol=1e-14)
    for name in COLUMNS:
        np.testing.assert_allclose(body[name], getattr(ref.uncertainty, name)[0], rtol=1e-9, err_msg=name)
    assert all(np.asarray(body["smaa_3sigma_arcsec"]) >= np.asarray(body["smia_3sigma_arcsec"]))
    # a second request is answered from the cache: SBDB is asked once
    assert httpx.get(f"{live.http}/api/comets/67P/observe", params=QUERY, timeout=600).status_code == 200
    assert server.count("/sbdb.api") == 1


def test_observe_uncertainty_says_when_sbdb_has_no_covariance(live, catalog, sbdb_replay):
    server, answers = sbdb_replay
    bare = copy.deepcopy(answers["67P"])
    del bare["orbit"]["covariance"]
    answers["67P"] = bare
    r = httpx.get(f"{live.http}/api/comets/67P/observe", params=QUERY, timeout=600)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "no covariance available" in body["uncertainty_note"] and "has none" in body["uncertainty_note"]
    assert body["orbit"] == "catalog" and all(body[name] is None for name in COLUMNS)
    plain = httpx.get(f"{live.http}/api/comets/67P/observe", params={**QUERY, "uncertainty": "false"}, timeout=600)
    assert body["ra_deg"] == plain.json()["ra_deg"]  # the catalog's ephemeris, unchanged


def test_observe_uncertainty_says_when_sbdb_cannot_be_reached(live, rs, tmp_path, monkeypatch):
    monkeypatch.setenv("ENCKE_SBDB_URL", f"http://127.0.0.1:{rs.free_port()}/sbdb.api")  # nothing listens
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path / "cache"))
    sbdb.clear_cache()
    r = httpx.get(f"{live.http}/api/comets/67P/observe", params=QUERY, timeout=600)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "no covariance available" in body["uncertainty_note"] and "failed" in body["uncertainty_note"]
    assert body["ra_3sigma_arcsec"] is None


def test_observe_uncertainty_flag_is_checked(live):
    r = httpx.get(f"{live.http}/api/comets/67P/observe", params={**QUERY, "uncertainty": "perhaps"}, timeout=60)
    assert r.status_code == 422 and "uncertainty" in r.text
