"""Uncertainty over the wire, on live servers, with SBDB replayed by a real HTTP server on
127.0.0.1 (tests/engine/sources/replay_server.py) serving the recorded answers in
../shared/data/sbdb:
- HTTP /api/comets/{id}/observe?uncertainty=true: the 3-sigma columns equal
  encke.observe(..., covariance=...) on SBDB's solution, and the answer says clearly when SBDB
  has no covariance or cannot be reached;
- gRPC GetStates with include_covariance and the CloseApproaches RPC equal the engine's
  encke.propagate_covariance and encke.close_approaches; bad requests are INVALID_ARGUMENT
  naming the field."""
import copy
import json

import grpc
import httpx
import numpy as np
import pytest

import encke
from encke.client import Client, EnckeError
from encke.engine.sources import sbdb
from encke.server.generated.encke.v1 import propagation_pb2, propagation_pb2_grpc

COLUMNS = ("ra_3sigma_arcsec", "dec_3sigma_arcsec", "smaa_3sigma_arcsec", "smia_3sigma_arcsec", "theta_deg",
           "range_3sigma_km")
START, STOP = "2029-06-01", "2030-06-01"  # 249P passes the Earth at 0.057 au in 2029-11
QUERY = {"start": "2025-11-01", "stop": "2025-11-03", "step": "1d", "uncertainty": "true"}




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


@pytest.fixture(scope="module")
def client(live):
    with Client(live.grpc) as c:
        yield c


def test_grpc_states_with_covariance_equal_the_engine(live, catalog, client, sbdb_replay):
    server, answers = sbdb_replay  # knows 67P only: 249P is "not found"
    times = [2460600.5, 2460800.5]
    got = client.get_state_covariances(["67P", "249P"], times, frame="icrf", center="sun")
    solution = sbdb.parse_response(answers["67P"], "67P")
    ref = encke.propagate_covariance(solution.elements, np.asarray(times), solution, model="kepler", frame="icrf",
                                     center="sun", ephemeris=live.service.ephemeris())
    assert got.ids == ["67P", "249P"] and got.covariance.shape == (2, 2, 6, 6)
    np.testing.assert_allclose(got.states[0], ref.states[0], rtol=1e-14, atol=0)
    np.testing.assert_allclose(got.covariance[0], ref.covariance[0], rtol=1e-12, atol=0)
    assert np.all(np.linalg.eigvalsh(got.covariance[0]) > -1e-20)  # a covariance, not noise
    assert solution.orbit_id in got.notes[0]
    # 249P: the catalog's states, no covariance, and the note says why
    plain = client.get_states(["249P"], times, frame="icrf", center="sun")
    np.testing.assert_array_equal(got.states[1], plain[0])
    assert np.all(np.isnan(got.covariance[1])) and "no covariance available" in got.notes[1]
    # without the flag nothing changes and nothing is fetched
    before = server.count("/sbdb.api")
    assert client.get_states(["67P"], times).shape == (1, 2, 6) and server.count("/sbdb.api") == before


@pytest.mark.parametrize("kwargs, field", [
    ({"stop": None}, "stop"),
    ({"start": 2463000.5}, "stop"),  # after stop
    ({"max_distance_au": 3.0}, "max_au"),
    ({"body": "vulcan"}, "bodies"),
    ({"ids": ["NOPE"]}, "ids[0]"),
    ({"ids": ["249P", "67P"], "uncertainty": True}, "ids"),
])
def test_grpc_close_approaches_errors_name_the_field(live, kwargs, field):
    request = {"ids": ["249P"], "start_tdb_jd": encke.to_tdb_jd(START), "stop_tdb_jd": encke.to_tdb_jd(STOP),
               **{k: v for k, v in kwargs.items() if k not in ("start", "stop")}}
    if "start" in kwargs:
        request["start_tdb_jd"] = kwargs["start"]
    if "stop" in kwargs:
        request.pop("stop_tdb_jd")
    with grpc.insecure_channel(live.grpc) as channel:
        stub = propagation_pb2_grpc.PropagationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            stub.CloseApproaches(propagation_pb2.CloseApproachesRequest(**request), timeout=120)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in err.value.details(), err.value.details()


@pytest.mark.slow
def test_grpc_close_approaches_equal_the_engine(live, catalog, client):
    t0, t1 = encke.to_tdb_jd(START), encke.to_tdb_jd(STOP)
    got = client.close_approaches(["249P"], t0, t1, "earth", 0.2, timeout=900)
    k = catalog.index_of("249P")
    ref = encke.close_approaches(catalog.elements[k], t0, t1, ("earth",), 0.2, ephemeris=live.service.ephemeris())
    assert got.ids == ["249P"] and got.id == ["249P"] and got.body == ["earth"] and len(ref) == 1
    assert got.time_tdb_jd[0] == ref.time_tdb_jd[0] and got.distance_au[0] == ref.distance_au[0]
    assert got.speed_km_s[0] == ref.speed_km_s[0] and np.isnan(got.time_3sigma_days[0])
    assert got.moid_earth_au[0] == ref.moid_earth_au[0] and got.moid_jupiter_au[0] == ref.moid_jupiter_au[0]
    assert got.uncertainty_note == ""


@pytest.mark.slow
def test_grpc_close_approaches_with_sbdbs_covariance(live, client, sbdb_replay):
    """67P passed the Earth at 0.42 au in November 2021: 3-sigma of time and distance from SBDB."""
    server, answers = sbdb_replay
    t0, t1 = encke.to_tdb_jd("2021-06-01"), encke.to_tdb_jd("2022-06-01")
    got = client.close_approaches(["67P"], t0, t1, "earth", 0.5, uncertainty=True, timeout=900)
    solution = sbdb.parse_response(answers["67P"], "67P")
    ref = encke.close_approaches(solution.elements, t0, t1, ("earth",), 0.5, covariance=solution,
                                 ephemeris=live.service.ephemeris())
    assert len(ref) == 1 and got.id == ["67P"] and solution.orbit_id in got.uncertainty_note
    for name in ("time_tdb_jd", "distance_au", "speed_km_s", "time_3sigma_days", "distance_3sigma_au"):
        np.testing.assert_allclose(getattr(got, name), getattr(ref, name), rtol=1e-12, err_msg=name)
    assert 0 < got.time_3sigma_days[0] < 1 and 0 < got.distance_3sigma_au[0] < 1e-4


def test_grpc_close_approaches_client_error(client):
    with pytest.raises(EnckeError) as err:
        client.close_approaches(["249P"], START, START)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT and "stop" in err.value.message


def test_grpc_observe_uncertainty_equals_the_engine(live, catalog, client, sbdb_replay):
    server, answers = sbdb_replay  # knows 67P only: 249P is "not found"
    t0, t1 = encke.to_tdb_jd("2025-11-01"), encke.to_tdb_jd("2025-11-04")
    chunks = list(client.observe(["67P", "249P"], start=t0, stop=t1, step_days=1.0, observer="G96",
                                 uncertainty=True, chunk_size=2, timeout=600))
    assert [len(c.times) for c in chunks] == [2, 2]
    times = np.concatenate([c.times for c in chunks])
    solution = sbdb.parse_response(answers["67P"], "67P")
    k = catalog.index_of("67P")
    ref = encke.observe(solution.elements, times, "G96", model="kepler", ephemeris=live.service.ephemeris(),
                        H=catalog.column("H")[k:k + 1], K=catalog.column("K")[k:k + 1], covariance=solution)
    for name in COLUMNS:
        got = np.concatenate([getattr(c, name) for c in chunks], axis=1)
        np.testing.assert_allclose(got[0], getattr(ref.uncertainty, name)[0], rtol=1e-9, err_msg=name)
        assert np.all(np.isnan(got[1])), name
    ra = np.concatenate([c.ra_deg for c in chunks], axis=1)
    elevation = np.concatenate([c.elevation_deg for c in chunks], axis=1)
    np.testing.assert_allclose(ra[0], ref.ra[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(elevation[0], ref.elevation[0], rtol=0, atol=1e-9)
    plain = list(client.observe(["249P"], start=t0, stop=t1, step_days=1.0, observer="G96", timeout=600))
    np.testing.assert_array_equal(ra[1], np.concatenate([c.ra_deg for c in plain], axis=1)[0])
    notes = chunks[0].uncertainty_notes
    assert solution.orbit_id in notes[0] and "no covariance available" in notes[1]
    assert server.count("/sbdb.api") == 2  # once per comet, not per chunk
    assert list(client.observe(["67P"], [t0], timeout=600))[0].ra_3sigma_arcsec is None  # not asked: absent
