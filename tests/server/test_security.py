"""Bearer tokens and rate limits on both transports; the viewer fallback page; JSON access logs."""
import io
import json
import logging
import ssl
import time

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from encke.client import Client, EnckeError
from encke.server import logs
from encke.server.limits import ServerLimits
from encke.server.service import Service

TOKEN = "s3cret-token"
T0 = 2460603.5


@pytest.fixture(scope="module")
def guarded(catalog, start_server, tmp_path_factory):
    """A server with a bearer token and an empty static folder (viewer not built)."""
    return start_server(Service(catalog), token=TOKEN, static_dir=str(tmp_path_factory.mktemp("static")))


def test_http_requires_the_token(guarded):
    with httpx.Client(base_url=guarded.http, timeout=30) as http:
        r = http.get("/api/comets/1P")
        assert r.status_code == 401 and "bearer token" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"
        assert http.get("/api/comets/1P", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert http.get("/metrics").status_code == 401
        ok = http.get("/api/comets/1P", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and ok.json()["id"] == "1P"
        assert http.get("/api/health").status_code == 200  # probes need no token
        assert http.get("/docs").status_code == 200


def test_websocket_requires_the_token(guarded):
    url = guarded.http.replace("http://", "ws://") + "/ws/follow"
    with pytest.raises(InvalidStatus) as err:  # the handshake is refused before the upgrade
        connect(url)
    assert err.value.response.status_code == 403
    with connect(url, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        ws.send(json.dumps({"epoch_jd": T0, "rate": 0, "ids": ["1P"]}))
        assert json.loads(ws.recv(timeout=30))["ids"] == ["1P"]
    with connect(url + f"?token={TOKEN}") as ws:  # browsers cannot set headers on a WebSocket
        ws.send(json.dumps({"epoch_jd": T0, "rate": 0, "ids": ["1P"]}))
        assert json.loads(ws.recv(timeout=30))["ids"] == ["1P"]


def test_grpc_requires_the_token(guarded):
    with Client(guarded.grpc) as anonymous, pytest.raises(EnckeError) as err:
        anonymous.get_comet("1P")
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED and "bearer token" in err.value.message
    with Client(guarded.grpc, token="wrong") as wrong, pytest.raises(EnckeError) as err:
        list(wrong.stream_trajectory(["1P"], T0, T0 + 3, 1.0))
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
    with Client(guarded.grpc, token=TOKEN) as c:
        assert c.get_comet("1P").designation == "1P"
        assert c.get_states(["1P"], [T0]).shape == (1, 1, 6)
    with grpc.insecure_channel(guarded.grpc) as ch:  # health stays open for probes
        r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert r.status == health_pb2.HealthCheckResponse.SERVING


def test_viewer_not_built_page(guarded):
    r = httpx.get(guarded.http + "/", timeout=10)
    assert r.status_code == 200 and "isn't built" in r.text and "make web" in r.text


def test_rate_limit_per_client(catalog, start_server):
    limited = start_server(Service(catalog, limits=ServerLimits(rate_per_s=0.5, rate_burst=3)))
    with httpx.Client(base_url=limited.http, timeout=30) as http:
        codes = [http.get("/api/comets", params={"limit": 1}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert "requests/s" in http.get("/api/comets").json()["detail"]
    with Client(limited.grpc) as c:  # the gRPC peer is the same host: its bucket is shared and empty
        with pytest.raises(EnckeError) as err:
            c.get_comet("1P")
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_one_json_access_line_per_request(live):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logs.ACCESS.addHandler(handler)
    try:
        httpx.get(live.http + "/api/comets/2P", timeout=30)
        with Client(live.grpc) as c, pytest.raises(EnckeError):
            c.get_states(["2P"], [float("nan")])
        deadline = time.monotonic() + 5  # the server logs after the status has gone out
        while "GetStates" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        logs.ACCESS.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is JSON
    http_line = next(x for x in lines if x["transport"] == "http" and x.get("path") == "/api/comets/2P")
    grpc_line = next(x for x in lines if x["method"] == "/encke.v1.PropagationService/GetStates")
    assert http_line["method"] == "GET /api/comets/{id:path}" and http_line["status"] == 200
    assert grpc_line["status"] == "INVALID_ARGUMENT" and grpc_line["transport"] == "grpc"
    assert all(x["latency_ms"] >= 0 and x["peer"] == "127.0.0.1" and x["ts"] for x in (http_line, grpc_line))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_tls_on_both_transports(catalog, start_server, tls_files):
    cert, key = tls_files
    secure = start_server(Service(catalog), tls_cert=str(cert), tls_key=str(key), token=TOKEN)
    url = f"https://127.0.0.1:{secure.port}"
    r = httpx.get(url + "/api/comets/2P", headers={"Authorization": f"Bearer {TOKEN}"}, verify=ssl.create_default_context(cafile=str(cert)), timeout=30)
    assert r.status_code == 200 and r.json()["id"] == "2P"
    with pytest.raises(httpx.HTTPError):  # plain HTTP to the TLS port fails
        httpx.get(f"http://127.0.0.1:{secure.port}/api/health", timeout=5)
    with Client(f"localhost:{secure.grpc_port}", token=TOKEN, root_certificates=cert.read_bytes()) as c:
        assert c.get_comet("2P").designation == "2P"
