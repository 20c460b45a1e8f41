"""`encke serve` end to end: a real subprocess on free ports, both transports, then SIGTERM."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from encke.client import Client, EnckeError


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env_extra, tmp_path):
    port, grpc_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
    env.update({"ENCKE_CACHE_DIR": str(tmp_path / "cache"), **env_extra})
    proc = subprocess.Popen([sys.executable, "-m", "encke", "serve", "--port", str(port), "--grpc-port",
                             str(grpc_port), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"encke serve did not come up:\n{out}\n{err}")
        time.sleep(0.2)
    return proc, port, grpc_port


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


def test_encke_serve_answers_on_both_transports(catalog_file, catalog, tmp_path):
    proc, port, grpc_port = start(["--catalog", str(catalog_file), "--max-samples", "500"], {}, tmp_path)
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).json()
        assert health == {"status": "ok", "catalog_version": catalog.version, "comets": len(catalog)}
        assert httpx.get(f"http://127.0.0.1:{port}/api/comets/1P", timeout=30).json()["name"] == "Halley"
        with Client(f"127.0.0.1:{grpc_port}") as c:
            assert c.health() == "SERVING"
            assert c.get_comet("2P").name == "Encke"
            assert c.get_states(["2P"], [2460603.5]).shape == (1, 1, 6)
            with pytest.raises(EnckeError) as err:  # the --max-samples flag reached the server
                c.get_states(["2P"], [2460603.5 + k for k in range(501)])
            assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "500 samples" in err.value.message
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    assert f"http://127.0.0.1:{port}/" in out and f"127.0.0.1:{grpc_port}" in out and "1163 comets" in out
    access = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    methods = {x["method"] for x in access}
    assert "GET /api/comets/{id:path}" in methods and "/encke.v1.CatalogService/GetComet" in methods


def test_encke_serve_without_a_catalog_starts_and_says_so(tmp_path):
    proc, port, grpc_port = start([], {}, tmp_path)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).json()["status"] == "no catalog"
        r = httpx.get(f"http://127.0.0.1:{port}/api/comets", timeout=10)
        assert r.status_code == 503 and r.json()["detail"].startswith("catalog not loaded:")
        assert "ENCKE_CATALOG" in r.json()["detail"]
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            check = health_pb2_grpc.HealthStub(ch).Check
            status = check(health_pb2.HealthCheckRequest(service="encke.v1.CatalogService"), timeout=5).status
            assert status == health_pb2.HealthCheckResponse.NOT_SERVING
        with Client(f"127.0.0.1:{grpc_port}") as c, pytest.raises(EnckeError) as err:
            c.get_comet("1P")
        assert err.value.code == grpc.StatusCode.UNAVAILABLE and "catalog not loaded" in err.value.message
    finally:
        code, out, err = stop(proc)
    assert code == 0 and "catalog not loaded" in err


def test_a_missing_catalog_file_is_reported(tmp_path):
    proc, port, _ = start([], {"ENCKE_CATALOG": str(tmp_path / "nope.txt")}, tmp_path)
    try:
        detail = httpx.get(f"http://127.0.0.1:{port}/api/comets/1P", timeout=10).json()["detail"]
        assert "catalog not loaded: could not read" in detail and "nope.txt" in detail
    finally:
        stop(proc)
