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

import encke
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
    proc, port, grpc_port = start(["--catalog", str(catalog_file), "--max-samples", "500", "--no-warmup"], {},
                                  tmp_path)
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).json()
        assert health.pop("status") in ("warming", "ok")  # the start-up warm-up may still run
        assert health.pop("catalog_date")  # the file's modification day: --catalog names a user's file
        assert health == {"catalog_version": catalog.version, "comets": len(catalog),
                          "catalog_source": catalog_file.name}
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


def test_encke_serve_with_nothing_configured_serves_the_shipped_snapshot(tmp_path):
    """A fresh machine: no --catalog, no $ENCKE_CATALOG, an empty download cache, no network."""
    from encke.engine.catalog.default import snapshot

    shipped = encke.read_comets(snapshot().path)
    proc, port, grpc_port = start(["--no-warmup", "--no-refresh"], {}, tmp_path)
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).json()
        assert health["comets"] == len(shipped) > 900 and health["catalog_version"] == shipped.version
        assert (health["catalog_source"], health["catalog_date"]) == ("MPC snapshot shipped with encke", "2026-01-03")
        page = httpx.get(f"http://127.0.0.1:{port}/api/comets", params={"limit": 5}, timeout=30).json()
        assert page["total"] == len(shipped) and len(page["comets"]) == 5
        # DE440 by default: the planets at Halley's 2061 return, beyond DE421's 2053
        planets = httpx.get(f"http://127.0.0.1:{port}/api/planets", params={"time": "2061-07-28"}, timeout=60)
        assert planets.status_code == 200, planets.text
        got = planets.json()["planets"]
        assert [p["name"] for p in got] == ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus",
                                            "Neptune", "Pluto"]
        assert all(len(p["position"]) == 3 and all(abs(x) < 60 for x in p["position"]) for p in got)
        with Client(f"127.0.0.1:{grpc_port}") as c:
            assert c.get_comet("1P").name == "Halley"
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    assert f"{len(shipped)} comets" in out


def test_a_missing_catalog_file_is_reported(tmp_path):
    proc, port, _ = start(["--no-warmup", "--no-refresh"], {"ENCKE_CATALOG": str(tmp_path / "nope.txt")}, tmp_path)
    try:
        detail = httpx.get(f"http://127.0.0.1:{port}/api/comets/1P", timeout=10).json()["detail"]
        assert "catalog not loaded: could not read" in detail and "nope.txt" in detail
    finally:
        stop(proc)


class PortZeroServer:
    """`encke serve --http-port 0 --grpc-port 0`: the ports are read from the printed URLs."""

    def __init__(self, args, tmp_path):
        import re
        import threading

        env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
        env["ENCKE_CACHE_DIR"] = str(tmp_path / "cache")
        self.proc = subprocess.Popen([sys.executable, "-m", "encke", "serve", "--http-port", "0", "--grpc-port", "0",
                                      *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=lambda s=stream, k=sink: k.extend(iter(s.readline, "")), daemon=True)
                         for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()
        deadline = time.monotonic() + 90
        self.port = self.grpc_port = None
        while self.port is None or self.grpc_port is None:
            text = "".join(self.out)
            http = re.search(r"viewer +http://127\.0\.0\.1:(\d+)/", text)
            rpc = re.search(r"gRPC +127\.0\.0\.1:(\d+)", text)
            self.port, self.grpc_port = (int(http.group(1)) if http else None), (int(rpc.group(1)) if rpc else None)
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"encke serve did not print its ports:\n{text}\n{''.join(self.err)}")
            time.sleep(0.05)
        assert self.port != 0 and self.grpc_port != 0

    def get(self, path, **params):
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", params=params, timeout=60)

    def compiles(self) -> float:
        for line in self.get("/metrics").text.splitlines():
            if line.startswith("encke_jit_compiles_total "):
                return float(line.split()[1])
        raise AssertionError("no encke_jit_compiles_total in /metrics")

    def terminate(self, signal_it: bool = True):
        if signal_it:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        for reader in self._readers:  # they end at EOF, once the process has exited
            reader.join(10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode, "".join(self.out), "".join(self.err)


@pytest.mark.slow  # a fresh process compiles every warm-up shape: ~20-40 s on 2 cores
def test_port_zero_and_the_warm_up_leaves_nothing_to_compile(catalog_file, catalog, tmp_path):
    server = PortZeroServer(["--catalog", str(catalog_file)], tmp_path)
    try:
        deadline = time.monotonic() + 120
        states = []
        while (status := server.get("/api/health").json()["status"]) != "ok":
            states.append(status)
            assert status == "warming" and time.monotonic() < deadline, states
            time.sleep(0.2)
        assert "encke_warmup_seconds" in server.get("/metrics").text
        before = server.compiles()
        # the viewer's first requests: all shapes the warm-up compiled
        assert server.get("/api/catalog/positions", format="f32").status_code == 200
        assert server.get("/api/catalog/positions").json()["count"] == len(catalog)
        assert server.get("/api/catalog/orbits", format="f32").status_code == 200
        assert len(server.get("/api/planets").json()["planets"]) == 9
        assert server.get("/api/comets/2P/position").json()["status"] == "ok"
        assert server.get("/api/comets/1I/position").json()["status"] == "ok"
        assert server.compiles() == before, "a request after the warm-up compiled a new shape"
    finally:
        code, out, err = server.terminate()
    assert code == 0, err
    assert "warm-up done in" in out and "Traceback" not in err


def test_sigterm_during_a_stream_ends_it_cleanly_and_exits_0(catalog_file, catalog, tmp_path):
    server = PortZeroServer(["--catalog", str(catalog_file), "--no-warmup"], tmp_path)
    ids = catalog.designations[:50]  # 50 comets x 512 epochs: 1.2 MB chunks, so flow control holds the server
    got, error = 0, None
    try:
        with Client(f"127.0.0.1:{server.grpc_port}") as c:
            stream = c.stream_trajectory(ids, 2460603.5, 2460603.5 + 99_999 * 0.01, 0.01, chunk_size=512)
            next(stream)
            server.proc.send_signal(signal.SIGTERM)
            started = time.monotonic()
            try:
                for _ in stream:  # a slow reader: the server cannot finish within its grace period
                    got += 1
                    time.sleep(0.1)
            except EnckeError as exc:
                error = exc
            elapsed = time.monotonic() - started
    finally:
        code, out, err = server.terminate(signal_it=error is None)  # SIGTERM was sent unless the test broke early
    assert error is not None and error.code in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE), \
        (error, got, err)
    assert got < 100_000 // 512 and elapsed < 30, (got, elapsed)
    assert code == 0, err
    assert "Traceback" not in err, err
