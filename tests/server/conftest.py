"""Fixtures for the server tests: real servers on free 127.0.0.1 ports, a real redis-server."""
from __future__ import annotations

import asyncio
import importlib.util
import shutil
import socket
import subprocess
import sys
import threading
import time

from pathlib import Path

import pytest

CATALOG = "cometels/CometEls-2024-09-07.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`encke.server.runner.serve` (HTTP + gRPC, one loop) on a thread, on free ports."""

    def __init__(self, service, **config):
        from encke.server.runner import ServeConfig

        self.service = service
        config.setdefault("warmup", False)  # tests that want it say so; the rest keep the CPU
        config.setdefault("log_level", "warning")
        self.config = ServeConfig(port=0, grpc_port=0, limits=service.limits, **config)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._error = None
        self._thread.start()
        if not self._ready.wait(60) or self._error:
            raise RuntimeError(f"server did not start: {self._error}")

    def _main(self):
        from encke.server.runner import serve

        def ready(port, grpc_port, http_server):
            self.port, self.grpc_port, self._http = port, grpc_port, http_server
            self._ready.set()

        try:
            asyncio.run(serve(self.config, self.service, ready=ready))
        except BaseException as exc:  # report start-up failures to the test
            self._error = exc
            self._ready.set()

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def stop(self):
        self._http.should_exit = True
        self._thread.join(15)


@pytest.fixture(scope="session")
def catalog_file(shared_data):
    return shared_data / CATALOG


@pytest.fixture(scope="session")
def catalog(catalog_file):
    import encke

    return encke.read_comets(catalog_file)


@pytest.fixture(scope="session")
def live(catalog):
    """One shared server over the 2024 catalog with small limits, so limit tests stay cheap."""
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    limits = ServerLimits(max_samples=20_000, max_span_days=200 * 365.25, max_ids=50, max_streams=4,
                          chunk_samples=64)
    server = LiveServer(Service(catalog, limits=limits))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url():
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def start_server():
    """start_server(service, **ServeConfig fields) -> LiveServer; all are stopped after the module."""
    servers = []

    def start(service, **config):
        server = LiveServer(service, **config)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def rs():
    """tests/engine/sources/replay_server.py, the real HTTP server replaying recorded MPC and SBDB
    answers. Loaded by path: --import-mode=importlib puts no test folder on sys.path; the name is the
    one tests/engine/sources/conftest.py uses, so both get the same module."""
    name = "encke_tests_replay_server"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "engine" / "sources" / "replay_server.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before exec, so dataclasses can find their module
        spec.loader.exec_module(module)
    return sys.modules[name]
