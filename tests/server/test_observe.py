"""Observing through the service: gRPC Observe and HTTP /observe equal encke.observe bit for bit."""
import grpc
import httpx
import numpy as np
import pytest

import encke
from encke.client import Client, EnckeError
from encke.server.generated.encke.v1 import propagation_pb2, propagation_pb2_grpc

T0 = 2460600.5  # 2024-10-17 TDB: C/2023 A3 (Tsuchinshan-ATLAS) five days after its Earth approach
COMET = "C/2023 A3"
QUANTITIES = ("ra", "dec", "delta", "r", "rdot", "deldot", "elongation", "phase", "tmag", "light_time")
NAMES = ("ra_deg", "dec_deg", "delta_au", "r_au", "rdot_km_s", "deldot_km_s", "elongation_deg", "phase_deg",
         "tmag", "light_time_days")


@pytest.fixture(scope="module")
def client(live):
    with Client(live.grpc) as c:
        yield c


def reference(catalog, ids, times, observer, model="kepler", apparent=False):
    """encke.observe on the same comets, with the catalog's H and K."""
    comets = [catalog.get(i) for i in ids]
    indices = np.array([catalog.index_of(i) for i in ids])
    return encke.observe(catalog.elements[indices], np.asarray(times, dtype=np.float64), observer, model=model,
                         H=[c.H for c in comets], K=[c.K for c in comets], apparent=apparent)


def same(a, b):
    return np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), equal_nan=True)


def test_grpc_observe_chunks_equal_encke_observe(client, catalog):
    ids = [COMET, "12P"]
    chunks = list(client.observe(ids, T0 + np.arange(10.0), observer="500", chunk_size=5))
    assert [len(c.times) for c in chunks] == [5, 5]
    for chunk in chunks:
        ref = reference(catalog, ids, chunk.times, "500")
        for attr, name in zip(QUANTITIES, NAMES):
            assert same(getattr(chunk, name), getattr(ref, attr)), name
        assert chunk.status.tolist() == ref.status.tolist() == [0, 0]
        assert chunk.observer == "geocentre" and chunk.frame == "ICRF" and chunk.azimuth_deg is None
    # the physics, independently: C/2023 A3 passed 0.47 au from the Earth on 2024-10-12, so five
    # days later it is a little farther and receding
    delta = np.concatenate([c.delta_au for c in chunks], axis=1)
    assert 0.47 < delta[0, 0] < 0.6 and np.all(np.diff(delta[0]) > 0)


def test_grpc_observe_from_a_site_with_apparent_coordinates(client, catalog):
    chunks = list(client.observe([COMET], start=T0, stop=T0 + 1.0, step_days=0.25, observer="G96", apparent=True))
    assert len(chunks) == 1
    got = chunks[0]
    ref = reference(catalog, [COMET], T0 + 0.25 * np.arange(5), "G96", apparent=True)
    assert same(got.times, ref.times) and got.frame == "true equator and equinox of date"
    for attr, name in zip(QUANTITIES + ("azimuth", "elevation"), NAMES + ("azimuth_deg", "elevation_deg")):
        assert same(getattr(got, name), getattr(ref, attr)), name
    assert same(got.sun_elevation_deg, ref.sun_elevation) and got.observer.startswith("G96")
    assert got.elevation_deg.shape == (1, 5) and np.all(np.abs(got.elevation_deg) <= 90)


def test_grpc_observe_site_fields(client, catalog):
    site = (-110.79, 32.44, 2510.0)
    got = next(iter(client.observe([COMET], [T0, T0 + 0.5], observer=site)))
    ref = reference(catalog, [COMET], [T0, T0 + 0.5], site)
    assert same(got.azimuth_deg, ref.azimuth) and same(got.ra_deg, ref.ra)


@pytest.mark.parametrize("request_fields, field", [
    (dict(ids=["1P"], times_tdb_jd=[T0], observer="ZZZ"), "observer: unknown MPC observatory code 'ZZZ'"),
    (dict(ids=["1P"], times_tdb_jd=[T0], observer="mars"), "observer:"),
    (dict(ids=["1P"], times_tdb_jd=[T0], site=propagation_pb2.Site(lon_deg=0, lat_deg=95)), "observer latitude:"),
    (dict(ids=["1P"], times_tdb_jd=[2500000.5]), "times:"),  # 2132: beyond DE421
    (dict(ids=["1P"], times_tdb_jd=[T0], range=propagation_pb2.TimeRange(start_tdb_jd=T0, stop_tdb_jd=T0 + 1,
                                                                          step_days=1)), "times_tdb_jd: give either"),
    (dict(ids=["1P"]), "times_tdb_jd: at least one time"),
    (dict(ids=["1P"], times_tdb_jd=[float("nan")]), "times_tdb_jd[0]"),
    (dict(ids=["NOPE"], times_tdb_jd=[T0]), "ids[0]: unknown comet 'NOPE'"),
    (dict(ids=["1P"], times_tdb_jd=[T0], model=9), "model: unknown model"),
])
def test_grpc_observe_errors_name_the_field(live, request_fields, field):
    with grpc.insecure_channel(live.grpc) as channel:
        stub = propagation_pb2_grpc.PropagationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            list(stub.Observe(propagation_pb2.ObserveRequest(**request_fields), timeout=30))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in err.value.details()


def test_grpc_observe_limits(client):
    with pytest.raises(EnckeError) as err:
        list(client.observe(["1P"], start=T0, stop=T0 + 30_000, step_days=1.0))
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "limit of 20000 samples" in err.value.message


def test_client_observe_needs_times_or_a_range(client):
    with pytest.raises(ValueError, match="either times"):
        client.observe(["1P"])
    with pytest.raises(ValueError, match="either times"):
        client.observe(["1P"], [T0], start=T0, stop=T0 + 1, step_days=1)


def test_http_observe_range_equals_encke_observe(live, catalog):
    r = httpx.get(f"{live.http}/api/comets/{COMET}/observe",
                  params={"start": T0, "stop": T0 + 4, "step": "1d"}, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    ref = reference(catalog, [COMET], T0 + np.arange(5.0), "500")
    assert body["id"] == COMET and body["observer"] == "geocentre" and body["model"] == "kepler"
    assert body["frame"] == "ICRF" and body["apparent"] is False and body["status"] == "ok"
    assert same(body["times_jd"], ref.times)
    for attr, name in zip(QUANTITIES, NAMES):
        assert same(body[name], getattr(ref, attr)[0]), name  # JSON floats round-trip float64 exactly
    assert "azimuth_deg" not in body


def test_http_observe_site_and_sun(live, catalog):
    r = httpx.get(f"{live.http}/api/comets/12P/observe",
                  params={"start": T0, "stop": T0 + 1, "step": "6h", "observer": "-110.79,32.44,2510"}, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    ref = reference(catalog, ["12P"], T0 + 0.25 * np.arange(5), (-110.79, 32.44, 2510.0))
    for attr, name in (("azimuth", "azimuth_deg"), ("elevation", "elevation_deg"), ("ra", "ra_deg")):
        assert same(body[name], getattr(ref, attr)[0]), name
    assert same(body["sun_elevation_deg"], ref.sun_elevation)
    sun = httpx.get(f"{live.http}/api/comets/12P/observe", params={"time": T0, "observer": "sun"}, timeout=60).json()
    assert sun["observer"] == "heliocentre" and sun["elongation_deg"] == [None]  # NaN -> null
    assert sun["delta_au"] == sun["r_au"] or abs(sun["delta_au"][0] - sun["r_au"][0]) < 1e-6


@pytest.mark.parametrize("query, status, detail", [
    ({"time": T0, "observer": "ZZZ"}, 422, "observer: unknown MPC observatory code 'ZZZ'"),
    ({"time": 2500000.5}, 422, "times:"),
    ({"time": T0, "start": T0, "stop": T0 + 1, "step": 1}, 422, "time: give either"),
    ({"start": T0, "stop": T0 + 1}, 422, "step: start=, stop= and step= go together"),
    ({"time": T0, "apparent": "maybe"}, 422, "apparent:"),
    ({"time": T0, "model": "warp"}, 422, "model:"),
    ({"start": T0, "stop": T0 + 30_000, "step": 1}, 413, "limit of 20000 samples"),
])
def test_http_observe_errors(live, query, status, detail):
    r = httpx.get(f"{live.http}/api/comets/1P/observe", params=query, timeout=30)
    assert r.status_code == status and detail in r.json()["detail"]
    assert httpx.get(f"{live.http}/api/comets/NOPE/observe", timeout=30).status_code == 404
