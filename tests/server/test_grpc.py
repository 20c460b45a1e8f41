"""The gRPC API on a real port: health, reflection, both services, errors, limits, cancellation."""
import concurrent.futures
import math
import queue
import time

import grpc
import numpy as np
import pytest
import spiceypy
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from encke.client import Client, Clock, EnckeError
from encke.engine.constants import GM_SUN, OBLIQUITY_J2000_RAD
from encke.server.generated.encke.v1 import common_pb2, propagation_pb2, propagation_pb2_grpc

AU_M = 149_597_870_700.0
T0 = 2460603.5
INVALID = grpc.StatusCode.INVALID_ARGUMENT
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.fixture(scope="module")
def client(live):
    with Client(live.grpc) as c:
        yield c


@pytest.fixture(scope="module")
def channel(live):
    with grpc.insecure_channel(live.grpc) as ch:
        yield ch


def conics(c, times):
    return np.array([spiceypy.conics([c.q, c.e, c.i, c.node, c.argp, 0.0, c.tp, GM_SUN], t) for t in times])


def metric(live, name):
    return getattr(live.service.metrics, name)


def test_health_with_the_standard_stub(channel):
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "encke.v1.CatalogService", "encke.v1.PropagationService"):
        r = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert r.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as err:
        stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_services(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                                          timeout=5)
    names = {s.name for r in responses for s in r.list_services_response.service}
    assert {"encke.v1.CatalogService", "encke.v1.PropagationService", "grpc.health.v1.Health"} <= names
    req = reflection_pb2.ServerReflectionRequest(file_containing_symbol="encke.v1.PropagationService")
    files = next(iter(stub.ServerReflectionInfo(iter([req]), timeout=5)))
    assert files.file_descriptor_response.file_descriptor_proto


def test_get_comet_and_list_comets(client, catalog):
    c = client.get_comet("0002P")
    ref = catalog.get("2P")
    assert (c.designation, c.name, c.orbit_type, c.number) == ("2P", "Encke", "P", 2)
    assert c.q_au == ref.q and c.e == ref.e and c.tp_tdb_jd == ref.tp
    assert math.isclose(c.node_deg, math.degrees(ref.node)) and c.h_mag == 11.5 and c.k_slope == 6.0
    assert c.catalog_version == catalog.version and c.HasField("period_years")
    hyper = client.get_comet("C/2014 UN271")
    assert not hyper.HasField("period_years") and not hyper.HasField("number")

    seen, token = [], ""
    while True:
        page = client.list_comets(periodic_only=True, page_size=200, page_token=token)
        seen += [x.designation for x in page.comets]
        token = page.next_page_token
        if not token:
            break
    assert seen == [x.designation for x in catalog.periodic()] and page.total == len(seen)
    assert client.list_comets("hale", page_size=5).total == len(catalog.search("hale"))
    assert client.list_comets(i_min_deg=90.0, page_size=1).total == sum(x.i > math.pi / 2 for x in catalog)


def test_get_states_matches_spice_and_the_frames(client, catalog):
    times = [T0 - 400.0, T0, T0 + 1000.5]
    states = client.get_states(["1P", "2P", "C/2014 UN271"], times)
    assert states.shape == (3, 3, 6)
    for k, key in enumerate(("1P", "2P", "C/2014 UN271")):
        assert np.max(np.abs(states[k, :, :3] - conics(catalog.get(key), times)[:, :3])) * AU_M < 1.0
    icrf = client.get_states(["2P"], times, frame="icrf")
    c, s = math.cos(OBLIQUITY_J2000_RAD), math.sin(OBLIQUITY_J2000_RAD)
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    assert np.max(np.abs(icrf[0, :, :3] - states[1, :, :3] @ rot.T)) * AU_M < 1e-3
    ssb, status = client.get_states(["2P"], [T0], center="ssb", return_status=True)
    import encke

    sun_icrf = np.asarray(encke.load_ephemeris("de421").state(10, np.array(T0))[0])
    sun_ecliptic = rot.T @ sun_icrf  # rot takes ecliptic to ICRF
    assert 1e-3 < np.linalg.norm(sun_ecliptic) < 2e-2  # the Sun is ~0.005 au from the barycentre
    assert np.max(np.abs(ssb[0, 0, :3] - sun_ecliptic - states[1, 1, :3])) * AU_M < 1.0
    assert status.tolist() == [0]


def engine(catalog, ids, times):
    """encke.propagate on the same comets and epochs as a server call (Kepler, ecliptic, Sun)."""
    import encke

    indices = np.array([catalog.index_of(i) for i in ids])
    return encke.propagate(catalog.elements[indices], np.asarray(times, dtype=np.float64), model="kepler",
                           return_status=True)


def test_get_states_equals_encke_propagate_bit_for_bit(client, catalog):
    ids, times = ["1P", "C/2014 UN271", "2P"], [T0 - 400.0, T0, T0 + 1000.5]
    states, status = client.get_states(ids, times, return_status=True)
    direct = engine(catalog, ids, times)
    assert np.array_equal(states, direct.states) and np.array_equal(status, direct.status)


def test_stream_trajectory_chunks_equal_encke_propagate_bit_for_bit(client, catalog):
    ids = ["1P", "2P"]
    chunks = list(client.stream_trajectory(ids, T0, T0 + 199.0, 1.0, chunk_size=64))
    assert [len(ch.times) for ch in chunks] == [64, 64, 64, 8]
    times = np.concatenate([ch.times for ch in chunks])
    np.testing.assert_array_equal(times, T0 + np.arange(200.0))
    for ch in chunks:  # each chunk is one engine call over the chunk's epochs
        direct = engine(catalog, ids, ch.times)
        assert np.array_equal(ch.states, direct.states) and np.array_equal(ch.status, direct.status)
    whole = client.get_states(ids, times)  # and, within float64 rounding, the whole span in one call
    # Another batch shape may round differently: allow 4 ulps of the distance (1P near aphelion,
    # 35 au, has ulps of 1 mm), or 1 mm, whichever is larger.
    diff = np.abs(np.concatenate([ch.states for ch in chunks], axis=1) - whole)[..., :3].max(axis=-1)
    rounding = np.maximum(1e-3 / AU_M, 4 * np.spacing(np.linalg.norm(whole[..., :3], axis=-1)))
    assert np.all(diff <= rounding), np.max(diff) * AU_M


def test_propagate_catalog_blocks_equal_encke_propagate_bit_for_bit(client, catalog):
    import encke

    times = np.array([T0, T0 + 30.0])
    blocks = list(client.propagate_catalog(times, block_size=300))
    assert [b.offset for b in blocks] == list(range(0, len(catalog), 300)) and blocks[0].total == len(catalog)
    indices = np.concatenate([b.indices for b in blocks])
    np.testing.assert_array_equal(indices, np.arange(len(catalog)))
    for b in blocks:
        # a block is one engine call over its comets (the engine picks its Stumpff variant per
        # call, so a block can differ from a whole-catalog call in the last bits)
        direct = encke.propagate(catalog.elements[b.indices], times, model="kepler", return_status=True)
        assert np.array_equal(b.states, direct.states, equal_nan=True) and np.array_equal(b.status, direct.status)
    assert blocks[0].ids[:3] == catalog.designations[:3]
    one = list(client.propagate_catalog(times, block_size=len(catalog)))  # one block: the whole catalog
    assert len(one) == 1
    whole = encke.propagate(catalog.elements, times, model="kepler")
    assert np.array_equal(one[0].states, whole, equal_nan=True)
    periodic = list(client.propagate_catalog([T0], periodic_only=True))
    assert sum(len(b.indices) for b in periodic) == len(catalog.periodic())


def test_follow_streams_and_reports_bad_clocks(client, catalog):
    clocks = queue.Queue()
    clocks.put(Clock(T0, 1.0, ["2P"]))
    stream = client.follow(clocks)
    got = []
    for frame in stream:
        got.append(frame)
        if len(got) == 4:
            clocks.put(Clock(T0, 1.0, ["2P", "NOPE"]))
        if len(got) >= 12:
            break
    stream.cancel()
    clocks.put(None)
    errors = [f.error for f in got if f.error]
    assert errors == ["ids[1]: unknown comet 'NOPE'"]
    good = [f for f in got if not f.error]
    assert np.all(np.diff([f.epoch for f in good]) > 0)
    last = good[-1]
    expected = conics(catalog.get("2P"), [last.epoch])[0]
    assert last.ids == ["2P"] and np.max(np.abs(last.states[0] - expected)) * AU_M < 1.0


@pytest.mark.parametrize("call, field", [
    (lambda c: c.get_states(["1P", "NOPE"], [T0]), "ids[1]: unknown comet 'NOPE'"),
    (lambda c: c.get_states([], [T0]), "ids: at least one"),
    (lambda c: c.get_states(["1P"], [T0, float("nan")]), "times_tdb_jd[1]"),
    (lambda c: c.get_states(["1P"], [float("inf")]), "times_tdb_jd[0]"),
    (lambda c: c.get_states(["1P"], []), "times: at least one"),
    (lambda c: list(c.stream_trajectory(["1P"], T0 + 5, T0, 1.0)), "stop: stop"),
    (lambda c: list(c.stream_trajectory(["1P"], T0, T0 + 5, 0.0)), "step:"),
    (lambda c: list(c.stream_trajectory(["1P"], T0, T0 + 5, -1.0)), "step:"),
    (lambda c: list(c.stream_trajectory(["1P"], float("nan"), T0 + 5, 1.0)), "start:"),
    (lambda c: list(c.stream_trajectory(["ZZ"], T0, T0 + 5, 1.0)), "ids[0]: unknown comet 'ZZ'"),
    (lambda c: c.list_comets(page_token="x"), "page_token"),
    (lambda c: c.list_comets(orbit_types=["Q"]), "orbit_type"),
])
def test_bad_input_is_invalid_argument_naming_the_field(client, call, field):
    with pytest.raises(EnckeError) as err:
        call(client)
    assert err.value.code == INVALID and field in err.value.message


def test_unknown_enum_values_are_invalid_argument(channel):
    stub = propagation_pb2_grpc.PropagationServiceStub(channel)
    for option, value in (("model", 7), ("frame", 9), ("center", 42)):
        request = propagation_pb2.GetStatesRequest(ids=["1P"], times_tdb_jd=[T0],
                                                   options=common_pb2.PropagationOptions(**{option: value}))
        with pytest.raises(grpc.RpcError) as err:
            stub.GetStates(request, timeout=10)
        assert err.value.code() == INVALID and f"options.{option}: unknown {option}" in err.value.details()


def test_unknown_comet_is_not_found(client):
    with pytest.raises(EnckeError) as err:
        client.get_comet("NOPE")
    assert err.value.code == grpc.StatusCode.NOT_FOUND and "unknown comet 'NOPE'" in err.value.message


@pytest.mark.parametrize("call, limit", [
    (lambda c: c.get_states(["1P"], T0 + np.arange(20_001.0) * 0.001), "limit of 20000 samples"),
    (lambda c: c.get_states(["1P"] * 51, [T0]), "limit of 50 ids"),
    (lambda c: list(c.stream_trajectory(["1P"], T0, T0 + 30_000.0, 1.0)), "limit of 20000 samples"),
    (lambda c: list(c.stream_trajectory(["1P"], T0, T0 + 100_000.0, 100.0)), "days"),
    (lambda c: c.get_states(["1P"], [T0, T0 + 100_000.0]), "days"),
])
def test_limits_are_resource_exhausted_with_the_limit(client, call, limit):
    with pytest.raises(EnckeError) as err:
        call(client)
    assert err.value.code == EXHAUSTED and limit in err.value.message


def test_streams_over_the_limit_are_refused_then_freed(live, client):
    streams = [client.follow(iter([Clock(T0, 0.0, ["1P"])])) for _ in range(live.service.limits.max_streams)]
    for s in streams:
        next(s)  # each is open and streaming
    with pytest.raises(EnckeError) as err:
        next(client.follow(iter([Clock(T0, 0.0, ["1P"])])))
    assert err.value.code == EXHAUSTED and "the limit is 4 streams" in err.value.message
    for s in streams:
        s.cancel()
    deadline = time.monotonic() + 10
    while live.service.streams.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.service.streams.active == 0
    assert len(list(client.stream_trajectory(["1P"], T0, T0 + 10, 1.0))) == 1


def test_a_burst_of_bad_requests_leaves_the_server_healthy(live, client):
    bad = [lambda: client.get_states(["1P"], [float("nan")]),
           lambda: client.get_states(["NOPE"], [T0]),
           lambda: list(client.stream_trajectory(["1P"], T0, T0 - 1, 1.0)),
           lambda: client.get_states(["1P"] * 500, [T0]),
           lambda: list(client.stream_trajectory(["1P"], T0, T0 + 1e9, 1e-3)),
           lambda: client.get_comet("")]

    def attempt(k):
        try:
            bad[k % len(bad)]()
        except EnckeError as exc:
            return exc.code
        return None

    cache_entries = len(live.service.cache)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(300)))
    assert set(codes) <= {INVALID, EXHAUSTED, grpc.StatusCode.NOT_FOUND} and None not in codes
    assert live.service.streams.active == 0 and len(live.service.cache) == cache_entries
    assert client.get_states(["2P"], [T0]).shape == (1, 1, 6)


def wait_streams_closed(live, timeout=10):
    deadline = time.monotonic() + timeout
    while live.service.metrics.streams_open and time.monotonic() < deadline:
        time.sleep(0.02)
    assert live.service.metrics.streams_open == 0


def test_cancelling_a_stream_stops_its_computation(live, client):
    total_chunks = 20_000 // 16
    before = metric(live, "chunks_computed")
    stream = client.stream_trajectory(["1P"], T0 + 0.123, T0 + 0.123 + 19_999 * 0.01, 0.01, chunk_size=16)
    for _ in range(3):
        next(stream)
    stream.cancel()
    wait_streams_closed(live)
    stopped = metric(live, "chunks_computed") - before
    print(f"chunks computed before the cancelled stream ended: {stopped} of {total_chunks}")
    time.sleep(0.5)
    # The chunk already inside the engine when the stream was cancelled cannot be interrupted
    # and may be counted just after the stream closed; nothing further may start.
    settled = metric(live, "chunks_computed") - before
    assert settled - stopped <= 1
    time.sleep(0.5)
    assert metric(live, "chunks_computed") - before == settled
    # 3 chunks read + the one in flight, plus whatever HTTP/2 flow control let the server send ahead
    assert stopped <= 20, f"{stopped} of {total_chunks} chunks computed after cancel"


def test_deadlines_are_honoured(live, client):
    before = metric(live, "chunks_computed")
    stream = client.stream_trajectory(["1P"], T0 + 0.456, T0 + 0.456 + 19_999 * 0.01, 0.01, chunk_size=16,
                                      timeout=0.5)
    with pytest.raises(EnckeError) as err:
        for _ in stream:
            time.sleep(0.05)  # a slow reader: the deadline passes mid-stream
    assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    wait_streams_closed(live)
    stopped = metric(live, "chunks_computed") - before
    time.sleep(0.3)
    assert metric(live, "chunks_computed") - before == stopped < 20_000 // 16
