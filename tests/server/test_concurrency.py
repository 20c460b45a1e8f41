"""Many streaming clients at once, and clients that vanish mid-stream."""
import concurrent.futures
import os
import signal
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

import encke
from encke.client import Client

T0 = 2460603.5
CLIENTS = 50


@pytest.fixture(scope="module")
def server(catalog, start_server):
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    return start_server(Service(catalog, limits=ServerLimits(max_streams=64, chunk_samples=32, workers=4)))


def open_streams(server) -> float:
    for line in httpx.get(f"{server.http}/metrics", timeout=10).text.splitlines():
        if line.startswith("encke_streams_open "):
            return float(line.split()[1])
    raise AssertionError("no encke_streams_open in /metrics")


def wait_for_no_streams(server, timeout=20.0) -> float:
    deadline = time.monotonic() + timeout
    while (n := open_streams(server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return n


def test_fifty_concurrent_streams_all_complete_correctly(server, catalog):
    periodic = [c.designation for c in catalog.periodic()][:CLIENTS]
    assert len(periodic) == CLIENTS

    def follow_one(k):
        # every client its own channel (own connection), its own comet and epochs
        designation, start = periodic[k], T0 + 0.37 * k
        with Client(server.grpc) as c:
            chunks = list(c.stream_trajectory([designation], start, start + 99.0, 1.0))
        return designation, chunks

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(follow_one, range(CLIENTS)))
    for k, (designation, chunks) in enumerate(results):
        assert [len(ch.times) for ch in chunks] == [32, 32, 32, 4], designation
        for ch in chunks:
            index = catalog.index_of(designation)
            direct = encke.propagate(catalog.elements[np.array([index])], ch.times, model="kepler")
            assert np.array_equal(ch.states, direct), designation
        np.testing.assert_array_equal(np.concatenate([ch.times for ch in chunks]), T0 + 0.37 * k + np.arange(100.0))
    assert wait_for_no_streams(server) == 0


CLIENT_SCRIPT = """
import sys
from encke.client import Client
c = Client(sys.argv[1])
stream = c.stream_trajectory(["1P", "2P"], {t0}, {t0} + 19_999 * 0.01, 0.01, chunk_size=16)
next(stream)
print("streaming", flush=True)
sys.stdin.readline()  # killed while waiting here, the stream open
"""


def test_clients_killed_mid_stream_leave_the_server_healthy(server):
    procs = []
    for _ in range(3):
        procs.append(subprocess.Popen([sys.executable, "-c", CLIENT_SCRIPT.format(t0=T0), server.grpc],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      env={**os.environ, "PYTHONWARNINGS": "ignore"}))
    for p in procs:
        assert p.stdout.readline().strip() == "streaming"
    assert open_streams(server) >= 3
    for p in procs:
        p.send_signal(signal.SIGKILL)  # no goodbye: the sockets just close
    for p in procs:
        p.wait(10)
        p.stdout.close()
        p.stdin.close()
    assert wait_for_no_streams(server) == 0
    assert server.service.streams.active == 0  # every stream slot was given back
    with Client(server.grpc) as c:
        assert c.health() == "SERVING"
        assert c.get_states(["2P"], [T0]).shape == (1, 1, 6)
        assert len(list(c.stream_trajectory(["1P"], T0, T0 + 10.0, 1.0))) == 1
