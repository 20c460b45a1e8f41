"""Issue 16's transport defects, each reproduced against real servers: what a hostile client
sends must get a 4xx / INVALID_ARGUMENT / RESOURCE_EXHAUSTED naming the field, never a 5xx,
UNKNOWN or INTERNAL, and must not let one client hold the server."""
import grpc
import numpy as np
import httpx
import pytest

from encke.client import Client, EnckeError
from encke.server.generated.encke.v1 import propagation_pb2, propagation_pb2_grpc

T0 = 2460603.5
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture(scope="module")
def http(live):
    with httpx.Client(base_url=live.http, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def stub(live):
    with grpc.insecure_channel(live.grpc) as channel:
        yield propagation_pb2_grpc.PropagationServiceStub(channel)


# -- defect 1: a tiny step overflowed the sample count (500 / INTERNAL) ---------------------------
@pytest.mark.parametrize("path", ["trajectory", "observe"])
@pytest.mark.parametrize("step", ["1e-320", "5e-324", "1e-12", "1e-300d"])
def test_http_tiny_steps_are_422_naming_the_step(http, path, step):
    r = http.get(f"/api/comets/1P/{path}", params={"start": 2460000, "stop": 2460010, "step": step})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("step:") and "at least" in r.json()["detail"]


@pytest.mark.parametrize("step", [1e-320, 5e-324, 1e-12])
def test_grpc_tiny_steps_are_invalid_argument(stub, step):
    trajectory = propagation_pb2.StreamTrajectoryRequest(ids=["1P"], start_tdb_jd=T0, stop_tdb_jd=T0 + 10,
                                                         step_days=step)
    observe = propagation_pb2.ObserveRequest(ids=["1P"], range=propagation_pb2.TimeRange(
        start_tdb_jd=T0, stop_tdb_jd=T0 + 10, step_days=step))
    for call, request in ((stub.StreamTrajectory, trajectory), (stub.Observe, observe)):
        with pytest.raises(grpc.RpcError) as err:
            list(call(request, timeout=30))
        assert err.value.code() == INVALID and err.value.details().startswith("step"), err.value.details()


def test_a_step_that_makes_too_many_samples_is_refused_before_any_work(live):
    with Client(live.grpc) as c, pytest.raises(EnckeError) as err:
        list(c.stream_trajectory(["1P"], 2400000.5, 2400000.5 + 999.99, 1e-7))
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "limit of 20000 samples" in err.value.message


# -- defect 4: silent clients held every stream slot ----------------------------------------------
@pytest.fixture(scope="module")
def impatient(catalog, start_server):
    """Short idle limits: a first clock within 1 s, then a message at least every 3 s."""
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    limits = ServerLimits(max_streams=2, follow_first_clock_s=1.0, follow_idle_s=3.0)
    return start_server(Service(catalog, limits=limits))


def test_silent_websockets_and_follow_streams_are_closed_and_free_their_slots(impatient):
    import json
    import queue
    import time

    from websockets.sync.client import connect

    url = impatient.http.replace("http://", "ws://") + "/ws/follow"
    with connect(url) as silent:  # sends nothing
        with pytest.raises(Exception) as closed:
            silent.recv(timeout=15)
    assert closed.value.rcvd.code == 1008 and "no valid clock" in closed.value.rcvd.reason
    with connect(url) as watcher:  # one clock, then silence: closed after follow_idle_s
        watcher.send(json.dumps({"epoch_jd": T0, "rate": 0, "ids": ["1P"]}))
        started = time.monotonic()
        with pytest.raises(Exception) as closed:
            while True:
                watcher.recv(timeout=15)
    assert closed.value.rcvd.code == 1008 and 2.5 < time.monotonic() - started < 12
    requests: queue.Queue = queue.Queue()  # a gRPC Follow that never sends a clock
    with grpc.insecure_channel(impatient.grpc) as channel:
        stub = propagation_pb2_grpc.PropagationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            list(stub.Follow(iter(requests.get, None), timeout=15))
        requests.put(None)
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED and "no valid clock" in err.value.details()
    deadline = time.monotonic() + 10
    while impatient.service.streams.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert impatient.service.streams.active == 0


# -- defect 7: malformed WebSocket messages crashed the handler -----------------------------------
def ws_url(live):
    return live.http.replace("http://", "ws://") + "/ws/follow"


@pytest.mark.parametrize("message, code", [
    (b"\x00\x01binary", 1003),  # binary frame: unsupported data
    ("x" * (64 * 1024 + 1), 1009),  # over the message limit: too big
    ("x" * (2 * 2**20), 1009),  # over the frame limit: refused by the WebSocket layer
])
def test_websocket_close_codes_for_bad_frames(live, message, code):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with connect(ws_url(live), max_size=None) as ws:
        ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


def test_deeply_nested_json_is_an_error_and_the_socket_stays_open(live):
    import json

    from websockets.sync.client import connect

    with connect(ws_url(live)) as ws:
        ws.send(json.dumps({"epoch_jd": T0, "rate": 0, "ids": ["2P"]}))
        assert json.loads(ws.recv(timeout=30))["ids"] == ["2P"]
        ws.send("[" * 30_000 + "]" * 30_000)  # under the size limit; json.loads would hit RecursionError
        seen = [json.loads(ws.recv(timeout=30)) for _ in range(5)]
        errors = [m["error"] for m in seen if "error" in m]
        assert errors and errors[0].startswith("message: JSON nested deeper")
        assert seen[-1]["ids"] == ["2P"]  # still streaming the previous clock


# -- defects 8 and 9: tokens in logs, unlimited guessing --------------------------------------------
TOKEN = "hunter2-secret"


@pytest.fixture(scope="module")
def guarded(catalog, start_server):
    from encke.server.service import Service

    return start_server(Service(catalog), token=TOKEN, log_level="info")


def test_the_token_never_reaches_the_log_and_a_subprotocol_carries_it(guarded):
    import io
    import json
    import logging

    from websockets.sync.client import connect

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "uvicorn.access", "encke.server.access")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        url = guarded.http.replace("http://", "ws://") + "/ws/follow"
        with connect(url + f"?token={TOKEN}") as ws:
            ws.send(json.dumps({"epoch_jd": T0, "rate": 0, "ids": ["1P"]}))
            assert json.loads(ws.recv(timeout=30))["ids"] == ["1P"]
        with connect(url, subprotocols=["encke", f"encke.bearer.{TOKEN}"]) as ws:  # no token in the URL
            assert ws.subprotocol == "encke"
            ws.send(json.dumps({"epoch_jd": T0, "rate": 0, "ids": ["1P"]}))
            assert json.loads(ws.recv(timeout=30))["ids"] == ["1P"]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    text = stream.getvalue()
    assert "/ws/follow" in text and "token=***" in text and TOKEN not in text


def test_wrong_tokens_are_rate_limited_on_both_transports(guarded):
    with httpx.Client(base_url=guarded.http, timeout=30) as client:
        codes = [client.get("/api/comets/1P", headers={"Authorization": f"Bearer guess{k}"}).status_code
                 for k in range(30)]
    assert codes[0] == 401 and 429 in codes and codes.count(401) <= 12, codes
    with Client(guarded.grpc, token="another-guess") as c, pytest.raises(EnckeError) as err:
        c.get_comet("1P")  # the same host: its failure budget is spent
    assert err.value.code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAUTHENTICATED)


# -- defect 10: a NUL in a static path ---------------------------------------------------------------
def test_nul_in_a_static_path_is_404(http):
    r = http.get("/index.html%00.js")
    assert r.status_code == 404, r.text


# -- defect 11: long input echoed in gRPC errors lost the error ------------------------------------
def test_long_input_is_cut_and_refused_with_the_right_code(live):
    from encke.server.generated.encke.v1 import catalog_pb2, catalog_pb2_grpc

    with grpc.insecure_channel(live.grpc) as channel:
        catalog_stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            catalog_stub.GetComet(catalog_pb2.GetCometRequest(id="Z" * 2**20), timeout=30)
        assert err.value.code() in (INVALID, grpc.StatusCode.NOT_FOUND) and len(err.value.details()) < 2000
        with pytest.raises(grpc.RpcError) as err:
            catalog_stub.ListComets(catalog_pb2.ListCometsRequest(page_token="9" * 10_000), timeout=30)
        assert err.value.code() == INVALID and err.value.details().startswith("page_token")
        stub = propagation_pb2_grpc.PropagationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            list(stub.Observe(propagation_pb2.ObserveRequest(ids=["1P"], times_tdb_jd=[T0], observer="G" * 10_000),
                              timeout=30))
        assert err.value.code() == INVALID and err.value.details().startswith("observer")


# -- defect 12: undecodable protobuf was UNKNOWN / INTERNAL ------------------------------------------
def test_undecodable_requests_are_invalid_argument(live):
    garbage = b"\xff\xff\xff\xff\x0f"
    with grpc.insecure_channel(live.grpc) as channel:
        list_comets = channel.unary_unary("/encke.v1.CatalogService/ListComets")
        with pytest.raises(grpc.RpcError) as err:
            list_comets(garbage, timeout=30)
        assert err.value.code() == INVALID and "not a valid encke.v1.ListCometsRequest" in err.value.details()
        follow = channel.stream_stream("/encke.v1.PropagationService/Follow")
        with pytest.raises(grpc.RpcError) as err:
            list(follow(iter([garbage]), timeout=30))
        assert err.value.code() == INVALID and "FollowRequest" in err.value.details()


# -- defect 13: loose id parsing ---------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/comets/2P/Halley", "/api/comets/1P/trajectory/extra",
                                  "/api/comets/C%2F2023%20A3%20(Hale-Bopp)", "/api/comets/2P/Halley/position"])
def test_a_name_that_contradicts_the_designation_and_unknown_segments_are_404(http, path):
    r = http.get(path, params={"start": T0, "stop": T0 + 2, "step": 1, "time": T0})
    assert r.status_code == 404, r.text


def test_every_true_form_of_an_id_still_works(http):
    for key in ("2P", "2P/Encke", "0002P", "2p/encke"):
        assert http.get(f"/api/comets/{key}").json()["id"] == "2P"
    assert http.get("/api/comets/1P/Halley/position", params={"time": T0}).status_code == 200


# -- defect 5: duplicate ids multiplied the work, and a stream's total was never bounded --------------
def test_duplicate_ids_are_merged(live):
    with Client(live.grpc) as c:
        chunks = list(c.stream_trajectory(["1P"] * 30 + ["0001P", "2P", "1P/Halley"], T0, T0 + 3, 1.0))
        states = c.get_states(["2P", "2P", "0002P"], [T0])
    assert [chunk.ids for chunk in chunks] == [["1P", "2P"]] and chunks[0].states.shape == (2, 4, 6)
    assert states.shape == (1, 1, 6)


def test_a_streams_whole_work_is_bounded_before_it_starts(catalog, start_server):
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    server = start_server(Service(catalog, limits=ServerLimits(max_stream_object_epochs=10_000)))
    before = server.service.metrics.chunks_computed
    with Client(server.grpc) as c:
        for call in (lambda: list(c.stream_trajectory(["1P", "2P"], T0, T0 + 5_999, 1.0, chunk_size=64)),
                     lambda: list(c.observe(["1P", "2P"], start=T0, stop=T0 + 5_999, step_days=1.0)),
                     lambda: list(c.propagate_catalog(T0 + np.arange(10.0)))):
            with pytest.raises(EnckeError) as err:
                call()
            assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "per stream" in err.value.message
        assert len(list(c.stream_trajectory(["1P", "2P"], T0, T0 + 4_999, 1.0, chunk_size=1_000))) == 5
    assert server.service.metrics.chunks_computed - before == 5  # nothing computed for the refused ones


# -- defect 3: one request could take gigabytes ----------------------------------------------------
@pytest.fixture(scope="module")
def small_bodies(catalog, start_server):
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    return start_server(Service(catalog, limits=ServerLimits(max_response_bytes=4 * 2**20)))


def test_responses_are_bounded_by_bytes_before_any_work(small_bodies, catalog):
    import json

    with httpx.Client(base_url=small_bodies.http, timeout=120) as client:
        for query in ({"samples": 4096}, {"samples": 128}, {"samples": 1024, "format": "f64"}):
            r = client.get("/api/catalog/orbits", params=query)
            assert r.status_code == 413 and "bytes exceeds the limit of 4194304 bytes" in r.json()["detail"], r.text
        with client.stream("GET", "/api/catalog/orbits", params={"samples": 16}) as r:  # 1.3 MB: streamed
            assert r.status_code == 200 and "content-length" not in r.headers
            body = json.loads(b"".join(r.iter_bytes()))
    assert body["count"] == len(catalog) and len(body["positions"]) == len(catalog) * 16 * 3
    assert small_bodies.service.metrics.chunks_computed == 0  # (no stream ran: the refusals cost nothing)


def test_stream_chunks_shrink_to_fit_the_byte_limit(catalog, start_server):
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    server = start_server(Service(catalog, limits=ServerLimits(max_response_bytes=2**20)))
    ids = catalog.designations[:50]
    with Client(server.grpc) as c:
        chunks = list(c.stream_trajectory(ids, T0, T0 + 999, 1.0, chunk_size=1000))
    assert sum(len(chunk.times) for chunk in chunks) == 1000 and len(chunks) == 3
    assert all(chunk.states.nbytes <= 2**20 for chunk in chunks)
