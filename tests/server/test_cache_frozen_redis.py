"""A frozen Redis (SIGSTOP) costs a request no more than a cache miss (issue 16, defect 6).

A real redis-server of this module's own is stopped with SIGSTOP: the kernel still accepts TCP
connections for it, but nothing answers, as with a Redis stuck in a long fork or swapped out.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

import httpx
import pytest

from encke.server.cache import CircuitBreaker, RedisCache
from encke.server.service import Service

T0 = 2460603.5


@pytest.fixture
def frozen_redis():
    """(url, freeze(), thaw()) for a redis-server started for this test alone."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.05)
    client.close()
    yield (f"redis://127.0.0.1:{port}/0", lambda: os.kill(proc.pid, signal.SIGSTOP),
           lambda: os.kill(proc.pid, signal.SIGCONT))
    os.kill(proc.pid, signal.SIGCONT)
    proc.terminate()
    proc.wait(10)


def test_circuit_breaker_opens_waits_and_lets_one_trial_through():
    now = [0.0]
    b = CircuitBreaker(cooldown_s=5.0, clock=lambda: now[0])
    assert b.allow() and b.state == "closed"
    b.failed()
    assert b.state == "open" and not b.allow()
    now[0] = 4.9
    assert not b.allow()
    now[0] = 5.0
    assert b.state == "half-open"
    assert b.allow() and not b.allow()  # one trial at a time
    b.failed()  # the trial failed: open for another cool-down
    now[0] = 9.0
    assert not b.allow()
    now[0] = 10.0
    assert b.allow()
    b.succeeded()
    assert b.state == "closed" and b.allow() and b.allow()


def test_frozen_redis_costs_one_timeout_then_nothing_and_recovers(frozen_redis):
    url, freeze, thaw = frozen_redis
    c = RedisCache(url, timeout_s=0.2, cooldown_s=1.0)
    c.put("encke:test:k", b"value")
    assert c.get("encke:test:k") == b"value"
    freeze()
    t0 = time.perf_counter()
    assert all(c.get("encke:test:k") is None for _ in range(200))
    for _ in range(200):
        c.put("encke:test:other", b"x" * 1000)
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.6, elapsed  # one 0.2 s timeout, then the breaker skips Redis
    assert c.errors == 1 and c.skipped == 399 and c.breaker.state == "open"
    assert not c.ping()
    thaw()
    time.sleep(1.05)  # past the cool-down: the next call is the trial, and it succeeds
    assert c.get("encke:test:k") == b"value" and c.breaker.state == "closed"
    c.close()


def test_server_with_a_frozen_redis_answers_as_fast_as_with_misses(catalog, start_server, frozen_redis):
    url, freeze, thaw = frozen_redis
    server = start_server(Service(catalog, cache=RedisCache(url)))  # the defaults `--cache redis://` gets
    with httpx.Client(base_url=server.http, timeout=60) as http:
        def trajectory(k):
            params = {"start": T0 + k, "stop": T0 + k + 30, "step": "3d"}
            r = http.get("/api/comets/2P/trajectory", params=params)
            assert r.status_code == 200, r.text
            return r

        trajectory(0)  # compiles the kernels
        t0 = time.perf_counter()
        for k in range(1, 11):
            trajectory(k)
        healthy = time.perf_counter() - t0
        freeze()
        t0 = time.perf_counter()
        for k in range(11, 31):  # with the 2 s timeouts of old, each request waited 4 s here
            trajectory(k)
        frozen = time.perf_counter() - t0
        thaw()
    assert frozen < 2 * healthy + 1.0, (frozen, healthy)
    assert server.service.cache.errors >= 1 and server.service.cache.skipped >= 30
