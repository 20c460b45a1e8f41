"""Bind first, parse after (issue 16, defect 14): with a large catalog `encke serve` answers health
("loading"; gRPC NOT_SERVING) at once while the catalog parses in the background, then serves it."""
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

from benchmarks.bench_catalog import synthetic_catalog
from encke.server.runner import BACKGROUND_LOAD_BYTES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def grpc_health(grpc_port: int) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service="encke.v1.CatalogService")
        return stub.Check(request, timeout=5).status


@pytest.fixture(scope="module")
def large_catalog(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "CometEls-large.txt"
    path.write_text(synthetic_catalog(50 * 2**20, shared_data / "cometels" / "CometEls-2026-01-03.txt"))
    assert path.stat().st_size > BACKGROUND_LOAD_BYTES
    return path


def serve(path, tmp_path, *extra):
    """`encke serve --catalog path` on free ports, and its first /api/health answer."""
    port, grpc_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
    env["ENCKE_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.Popen([sys.executable, "-m", "encke", "serve", "--port", str(port), "--grpc-port",
                             str(grpc_port), "--catalog", str(path), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = None
    deadline = time.monotonic() + 90
    while first is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            first = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.05)
    if first is None:
        proc.kill()
        pytest.fail(f"the server never answered health: {proc.communicate()}")
    return proc, port, grpc_port, first


@pytest.mark.slow  # writes and parses a 50 MB catalog: ~10-30 s on 2 loaded cores
def test_a_large_catalog_is_parsed_behind_bound_ports(large_catalog, tmp_path):
    lines = sum(1 for line in large_catalog.read_text().splitlines() if line.strip())
    proc, port, grpc_port, first = serve(large_catalog, tmp_path, "--no-warmup", "--no-refresh")
    deadline = time.monotonic() + 90
    try:
        # the first answer comes before the parse ends: the ports were bound first
        assert first["status"] == "loading" and first["comets"] == 0, first
        assert grpc_health(grpc_port) == health_pb2.HealthCheckResponse.NOT_SERVING
        assert httpx.get(f"http://127.0.0.1:{port}/api/comets/1P", timeout=10).status_code == 503
        while time.monotonic() < deadline:
            health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json()
            if health["status"] != "loading":
                break
            time.sleep(0.2)
        assert health["status"] == "ok" and health["comets"] == lines, health
        assert grpc_health(grpc_port) == health_pb2.HealthCheckResponse.SERVING
        page = httpx.get(f"http://127.0.0.1:{port}/api/comets", params={"limit": 3}, timeout=30).json()
        assert page["total"] == lines and len(page["comets"]) == 3
        assert httpx.get(f"http://127.0.0.1:{port}/api/comets/1P", timeout=30).json()["name"] == "Halley"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "catalog loading" in out and f"catalog {lines} comets" in out


@pytest.mark.slow
def test_sigterm_while_the_catalog_loads_exits_0_at_once(large_catalog, tmp_path):
    proc, _, _, first = serve(large_catalog, tmp_path, "--no-refresh")  # with the warm-up
    assert first["status"] == "loading"
    proc.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert time.monotonic() - t0 < 20  # the parse is not waited for
    assert "warm-up" not in out and "Traceback" not in err
