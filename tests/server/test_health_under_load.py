"""Health never starves (issue 16): /api/health, /metrics and gRPC health answer while every engine
worker is busy, and the engine workers run below the event loop's CPU priority.

The timed part (health p99 under 50 streams + 50 HTTP clients) is a benchmark, not a test:
`python -m benchmarks.bench_service --only load`. These tests check the two mechanisms behind it.
"""
from __future__ import annotations

import os
import sys
import threading

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from encke.server.limits import ServerLimits
from encke.server.pool import ENGINE_NICENESS, EnginePool
from encke.server.service import Service

WORKERS = 2


def test_health_and_metrics_answer_while_every_engine_worker_is_held(catalog, start_server):
    """Every worker of the engine pool is inside a position call that waits for the test, with more
    requests queued behind them. Health, metrics and gRPC health must still answer, honestly
    (status ok, the catalog's version and size): were any of them to run on the pool, it would
    wait for the held calls, which are released only after they have answered."""
    service = Service(catalog, limits=ServerLimits(workers=WORKERS))
    entered, release = threading.Semaphore(0), threading.Event()
    position = service.position

    def held_position(*args, **kwargs):  # a deliberately long engine call: it ends when the test says
        entered.release()
        release.wait(120)
        return position(*args, **kwargs)

    service.position = held_position
    server = start_server(service)
    codes = []

    def ask(comet):
        codes.append(httpx.get(f"{server.http}/api/comets/{comet}/position", params={"time": "2460600.5"},
                               timeout=180).status_code)

    clients = [threading.Thread(target=ask, args=(comet,)) for comet in ("1P", "2P", "9P", "67P")]
    try:
        for t in clients:
            t.start()
        for _ in range(WORKERS):  # every worker is held; the other two requests wait in the pool's queue
            assert entered.acquire(timeout=60), "the position requests never reached the engine pool"
        health = httpx.get(f"{server.http}/api/health", timeout=30)
        metrics = httpx.get(f"{server.http}/metrics", timeout=30)
        with grpc.insecure_channel(server.grpc) as channel:
            serving = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="encke.v1.PropagationService"), timeout=30).status
        assert codes == []  # still held: the answers above did not wait for them
    finally:
        release.set()
        for t in clients:
            t.join(180)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "catalog_version": catalog.version, "comets": len(catalog)}
    assert metrics.status_code == 200 and "encke_requests_total" in metrics.text
    assert serving == health_pb2.HealthCheckResponse.SERVING
    assert codes == [200] * 4  # and the held calls then finish normally


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")
def test_engine_workers_run_below_the_event_loop_priority():
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if own >= 19:
        pytest.skip("this process already runs at the lowest priority (nice 19): nothing to lower")
    pool = EnginePool(2)
    try:
        futures = [pool.executor.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
                   for _ in range(4)]
        niceness = {f.result(timeout=30) for f in futures}
    finally:
        pool.shutdown()
    assert niceness == {min(19, own + ENGINE_NICENESS)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the caller's is unchanged
