"""Benchmark: the gRPC service against the engine it serves.

    python -m benchmarks.bench_service [--quick] [--out-dir DIR] [--only grpc|load]
                                       [--load-seconds 20] [--repo DIR ...]

Starts `encke serve`'s runner in this process (HTTP and gRPC on free 127.0.0.1 ports, the
shared MPC catalog of 2024-09-07, 1,163 comets, an in-process cache) and measures, with the
typed Python client over a real loopback connection:

1. PropagateCatalog throughput: states per second through gRPC (server compute, protobuf
   packing, transport, client decoding into numpy) for the whole catalog at M daily epochs,
   in the server's default blocks of 256 comets and in one block, against `encke.propagate` on
   the same elements and epochs in this process. Target: gRPC >= 50% of the engine alone.
2. GetStates latency (p50, p99) with 1, 8 and 32 concurrent clients, each with its own channel,
   each request 5 comets x 16 epochs at fresh epochs (cache misses: compute + transport).
3. The cache: one request sent twice; cold (computed) vs hot (served from the in-process LRU):
   Kepler, 50 comets x 2,000 epochs 12 h apart, and (full run only) N-body, 5 comets x 30
   epochs 100 days apart (8 years).

4. `load` (service_load.py): 50 gRPC streams plus 50 HTTP clients at once against `encke serve`
   subprocesses, one per --repo checkout (default: this one), while a probe times /api/health
   every 50 ms: streams/s, HTTP p50/p99, health p50/p99 and peak RSS. Target: health p99 under
   100 ms. `--repo /tmp/base16 --repo .` puts the base commit's figures beside this one's.

Every timed case runs once untimed first with the same shapes (at other epochs), so compile
time is excluded: these are steady-state numbers. The machine description comes with the
table. --quick: fewer epochs and requests (~1 minute on 2 cores).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import platform
import threading
import time
from pathlib import Path

import numpy as np

from . import write_results

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = ROOT / ".." / "shared" / "data" / "cometels" / "CometEls-2024-09-07.txt"
T0 = 2460600.5  # 2024-10-17 TDB, a month after the catalog's epoch


class _InProcessServer:
    """encke.server.runner.serve on a thread (its own event loop), on free ports."""

    def __init__(self, service):
        from encke.server.runner import ServeConfig

        self.config = ServeConfig(port=0, grpc_port=0, log_level="warning", limits=service.limits, warmup=False)
        self.service = service
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        if not self._ready.wait(120):
            raise RuntimeError("the server did not start")

    def _main(self):
        from encke.server.runner import serve

        def ready(port, grpc_port, http_server):
            self.grpc, self._http = f"127.0.0.1:{grpc_port}", http_server
            self._ready.set()

        asyncio.run(serve(self.config, self.service, ready=ready))

    def stop(self):
        self._http.should_exit = True
        self._thread.join(30)


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def _best(fn, repeats):
    """Smallest wall time of `repeats` calls of fn(k) (k = 1..repeats: fresh epochs each time)."""
    return min(_timed(lambda: fn(k))[1] for k in range(1, repeats + 1))


def _throughput(client, catalog, m, repeats):
    import encke

    n = len(catalog)
    base = T0 + np.arange(m, dtype=np.float64)
    rows = []

    def via_grpc(shift, block):
        blocks = list(client.propagate_catalog(base + 0.001 * shift, block_size=block))
        assert sum(len(b.indices) for b in blocks) == n

    def engine(shift):
        np.asarray(encke.propagate(catalog.elements, base + 0.001 * shift, model="kepler"))

    engine(0)  # compile
    t_engine = _best(engine, repeats)
    rows.append({"case": "PropagateCatalog", "path": "engine alone (encke.propagate)", "comets": n, "epochs": m,
                 "seconds": t_engine, "states_per_s": n * m / t_engine, "vs_engine": 1.0})
    for label, block in (("gRPC, blocks of 256", 256), ("gRPC, one block", n)):
        via_grpc(100 + block, block)  # compile these block shapes
        t = _best(lambda k: via_grpc(200 * k + block, block), repeats)
        rows.append({"case": "PropagateCatalog", "path": label, "comets": n, "epochs": m, "seconds": t,
                     "states_per_s": n * m / t, "vs_engine": t_engine / t})
    return rows


def _latency(address, ids, requests, concurrency):
    from encke.client import Client

    def one_client(c_index):
        out = []
        with Client(address) as c:
            for k in range(requests):
                times = T0 + 1000.0 * c_index + 0.5 * k + np.arange(16.0) * 0.25  # fresh epochs: misses
                t0 = time.perf_counter()
                c.get_states(ids, times)
                out.append(time.perf_counter() - t0)
        return out

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        start = time.perf_counter()
        lat = np.concatenate(list(pool.map(one_client, range(concurrency))))
        wall = time.perf_counter() - start
    return {"case": "GetStates", "path": f"{concurrency} concurrent client(s)", "comets": len(ids), "epochs": 16,
            "requests": int(lat.size), "p50_ms": float(np.percentile(lat, 50) * 1e3),
            "p99_ms": float(np.percentile(lat, 99) * 1e3), "requests_per_s": lat.size / wall}


def _cache(client, ids, m, model="kepler", step_days=0.5):
    times = T0 + np.arange(m, dtype=np.float64) * step_days
    client.get_states(ids, times + 0.123, model=model)  # compile this shape (a different key)
    cold_states, cold = _timed(lambda: client.get_states(ids, times, model=model))
    hot_states, hot = _timed(lambda: client.get_states(ids, times, model=model))
    assert np.array_equal(cold_states, hot_states, equal_nan=True)
    return {"case": "cache", "path": f"GetStates ({model}, every {step_days:g} d) twice: cold, then hot", "comets": len(ids), "epochs": m,
            "cold_ms": cold * 1e3, "hot_ms": hot * 1e3, "speedup": cold / hot}


def main(quick: bool = False, out_dir: str | os.PathLike | None = None, only: str | None = None,
         load_seconds: float | None = None, repos: list[str] | None = None) -> list[dict]:
    import jax

    from benchmarks import machine_description

    path = os.environ.get("ENCKE_CATALOG") or str(DEFAULT_CATALOG)
    rows = _grpc_cases(quick, path) if only in (None, "grpc") else []
    if only in (None, "load"):
        from .service_load import run_load

        seconds = load_seconds if load_seconds is not None else (5.0 if quick else 20.0)
        rows += run_load([Path(r) for r in repos or [ROOT]], Path(path), seconds)
    meta = {"catalog": str(path), "machine": machine_description(), "device": str(jax.devices()[0]),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "jax": jax.__version__, "quick": quick}
    lines = _table(rows, meta)
    print("\n".join(lines))
    write_results(out_dir, "service", meta, rows, "\n".join(lines))
    return rows


def _grpc_cases(quick: bool, path: str) -> list[dict]:
    """Cases 1-3 against the runner in this process."""
    import encke
    from encke.client import Client
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    from encke.server import logs

    # The JSON access log stays on (its cost is part of serving) but goes to /dev/null, not the table.
    devnull = open(os.devnull, "w")
    logs.configure(stream=devnull)
    catalog = encke.read_comets(Path(path))
    service = Service(catalog, limits=ServerLimits(max_streams=64))
    server = _InProcessServer(service)
    m = 32 if quick else 365
    repeats = 2 if quick else 3
    requests = 10 if quick else 50
    rows = []
    try:
        with Client(server.grpc) as client:
            rows += _throughput(client, catalog, m, repeats)
            ids = [c.designation for c in catalog.periodic()][:5]
            client.get_states(ids, T0 + np.arange(16.0))  # compile the latency shape
            for concurrency in (1, 8, 32):
                rows.append(_latency(server.grpc, ids, requests, concurrency))
            rows.append(_cache(client, catalog.designations[:50], 500 if quick else 2000))
            if not quick:  # where the cache pays: an N-body integration (compiling it takes a while)
                rows.append(_cache(client, ids, 30, model="nbody", step_days=100.0))
    finally:
        server.stop()
        import logging

        logger = logging.getLogger("encke.server")
        for handler in [h for h in logger.handlers if getattr(h, "_encke_json", False)]:
            logger.removeHandler(handler)
        devnull.close()
    return rows


def _table(rows, meta) -> list[str]:
    lines = [f"encke service benchmark ({'quick' if meta['quick'] else 'full'} run)", "",
             f"Machine: {meta['machine']}", "",
             "| case | path | comets x epochs | result |", "|---|---|---|---|"]
    for r in rows:
        if r["case"] == "load":
            continue
        size = f"{r['comets']} x {r['epochs']}"
        if r["case"] == "PropagateCatalog":
            result = (f"{r['states_per_s'] / 1e6:.2f} M states/s ({r['seconds']:.3f} s; "
                      f"{100 * r['vs_engine']:.0f}% of the engine)")
        elif r["case"] == "GetStates":
            result = (f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['requests_per_s']:.0f} req/s "
                      f"({r['requests']} requests)")
        else:
            result = f"cold {r['cold_ms']:.1f} ms, hot {r['hot_ms']:.1f} ms: {r['speedup']:.1f}x"
        lines.append(f"| {r['case']} | {r['path']} | {size} | {result} |")
    load = [r for r in rows if r["case"] == "load"]
    if load:
        from .service_load import load_table

        lines += ["", *load_table(load)]
    return lines


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and requests")
    parser.add_argument("--out-dir", help="write bench_service.json and .txt here")
    parser.add_argument("--only", choices=("grpc", "load"), help="only the in-process gRPC cases, or only the load")
    parser.add_argument("--load-seconds", type=float, help="length of the load window (default 20, --quick 5)")
    parser.add_argument("--repo", action="append", help="checkout to serve under load (repeatable; default: this "
                                                         "one), e.g. a `git worktree add /tmp/base16 c0f758f`")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir, only=args.only, load_seconds=args.load_seconds, repos=args.repo)
