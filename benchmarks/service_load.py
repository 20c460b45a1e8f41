"""The service under load (issue 16, "health never starves"): `bench_service --only load`.

One `encke serve` subprocess per checkout (HTTP and gRPC on free ports, the same catalog file,
--no-warmup, at most 64 streams), then for --load-seconds at once:

- 50 gRPC clients, each opening StreamTrajectory after StreamTrajectory (3 comets, 366 daily
  epochs at fresh start dates, so every stream computes) and reading it to the end;
- 50 HTTP clients, each alternating /api/comets/{id}/position and /trajectory (61 epochs), fresh
  times too;
- a probe (a separate process, one keep-alive connection) asking /api/health every 50 ms, each
  answer timed from request to body.

Reported per checkout: streams completed per second, HTTP p50/p99, health p50/p99/max, failures,
and the server's peak RSS (VmHWM from /proc/PID/status: its whole life, catalog parse included).
Each request shape is sent once before the timed window (compilation is not load).

Another checkout (e.g. `git worktree add /tmp/base16 c0f758f`) is served from its own code: a
temporary folder holds `encke/` with symlinks onto that tree's encke/, engine/, server/ and
clients/python (the package-dir mapping of pyproject.toml), and the server runs with that folder
as its working directory, so `python -m encke` finds it before the editable install of this
repository (which a meta-path finder serves only after sys.path). `_served_from` checks it.
The benchmark's clients are this checkout's; the wire protocol is the same in both.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

T0 = 2460600.5
IDS = ("1P", "2P", "9P", "10P", "12P", "17P", "21P", "29P", "46P", "67P")
STREAMS, HTTP_CLIENTS, PROBE_EVERY_S = 50, 50, 0.05


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _overlay(repo: Path, into: Path) -> Path:
    """`into/encke`: the package of `repo` as setuptools maps it, made of symlinks."""
    pkg = into / "encke"
    pkg.mkdir(parents=True)
    for entry in (repo / "encke").iterdir():
        if entry.name != "__pycache__":
            (pkg / entry.name).symlink_to(entry)
    for name, folder in (("engine", "engine"), ("server", "server"), ("client", "clients/python")):
        (pkg / name).symlink_to(repo / folder)
    return into


def _served_from(overlay: Path, env: dict) -> str:
    """The real folder encke.server comes from when started in `overlay` (must be the repo's)."""
    code = "import os, encke.server; print(os.path.realpath(encke.server.__path__[0]))"
    return subprocess.run([sys.executable, "-c", code], cwd=overlay, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


class ServerProcess:
    """`python -m encke serve` of one checkout, on free ports, until stop()."""

    def __init__(self, repo: Path, catalog: Path, workdir: Path):
        overlay = _overlay(repo, workdir / "overlay")
        env = {k: v for k, v in os.environ.items() if k not in ("ENCKE_CATALOG", "PYTHONPATH")}
        env["ENCKE_CACHE_DIR"] = str(workdir / "cache")  # no shared download or JAX cache between the runs
        served = _served_from(overlay, env)
        if Path(served) != (repo / "server").resolve():
            raise RuntimeError(f"the server of {repo} would import encke.server from {served}")
        self.port, self.grpc_port = _free_port(), _free_port()
        args = ["--port", str(self.port), "--grpc-port", str(self.grpc_port), "--catalog", str(catalog),
                "--no-warmup", "--max-streams", "64", "--log-level", "warning"]
        if "--no-refresh" in (repo / "clients/python/commands/serve.py").read_text():
            args.append("--no-refresh")  # the base commit had no MPC refresh to turn off
        self.log = open(workdir / "server.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "encke", "serve", *args], cwd=overlay, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.http = f"http://127.0.0.1:{self.port}"
        self._wait_ok()

    def _wait_ok(self, timeout_s: float = 180.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.http}/api/health", timeout=2).json().get("status") == "ok":
                    return
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"encke serve did not come up: see {self.log.name}")

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _stream_once(client, k: int) -> None:
    ids = [IDS[(k + j) % len(IDS)] for j in range(3)]
    start = T0 + 0.37 * k  # fresh dates: computed, not cached
    for _ in client.stream_trajectory(ids, start, start + 365.0, 1.0, timeout=120):
        pass


def _http_once(http, k: int) -> None:
    comet, t = IDS[k % len(IDS)], T0 + 0.013 * k
    if k % 2:
        r = http.get(f"/api/comets/{comet}/position", params={"time": f"{t:.6f}"})
    else:
        r = http.get(f"/api/comets/{comet}/trajectory", params={"start": f"{t:.6f}", "stop": f"{t + 60:.6f}",
                                                               "step": "1"})
    r.raise_for_status()


def _worker(stop, record, make_client, once, seed):
    """Call once(client, k) until `stop`; record (finish time, seconds, ok) of each call."""
    with make_client() as client:
        k = seed
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                once(client, k)
                ok = True
            except Exception:  # noqa: BLE001 - a failure under load is a figure, not a crash
                ok = False
            t1 = time.perf_counter()
            record.append((t1, t1 - t0, ok))
            k += 1000


# The probe is a process of its own: in the load generator's process its timings would include
# waits for the GIL that 100 client threads hold, which the server is not to blame for.
_PROBE = """
import http.client, json, sys, time
port, seconds, every = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
conn, out, end = http.client.HTTPConnection("127.0.0.1", port, timeout=30), [], time.monotonic() + seconds
while time.monotonic() < end:
    t0 = time.perf_counter()
    try:
        conn.request("GET", "/api/health")
        response = conn.getresponse()
        response.read()
        ok = response.status == 200
    except OSError:
        conn.close()
        ok = False
    t1 = time.perf_counter()
    out.append((t1 - t0, ok))
    time.sleep(max(0.0, every - (t1 - t0)))
print(json.dumps(out))
"""


def measure(server: ServerProcess, seconds: float) -> dict:
    """The 50 + 50 load and the health probe for `seconds` against a started server."""
    import httpx

    from encke.client import Client

    grpc_address = f"127.0.0.1:{server.grpc_port}"
    with Client(grpc_address) as c, httpx.Client(base_url=server.http, timeout=120) as h:
        _stream_once(c, 7), _http_once(h, 0), _http_once(h, 1)  # compile the shapes: not load
    stop = threading.Event()
    streams, http = [], []
    threads = [threading.Thread(target=_worker, args=(stop, streams, lambda: Client(grpc_address), _stream_once, i))
               for i in range(STREAMS)]
    threads += [threading.Thread(target=_worker, args=(
        stop, http, lambda: httpx.Client(base_url=server.http, timeout=120), _http_once, i))
        for i in range(HTTP_CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    probe = subprocess.run([sys.executable, "-c", _PROBE, str(server.port), str(seconds), str(PROBE_EVERY_S)],
                           capture_output=True, text=True, check=True)
    end = time.perf_counter()
    stop.set()
    rss = server.peak_rss_mb()
    for t in threads:
        t.join(180)
    health = [(start, s, ok) for s, ok in json.loads(probe.stdout)]  # all inside the window
    return _figures(streams, http, health, start, end, rss)


def _figures(streams, http, health, start, end, rss) -> dict:
    """Calls that finished inside the window; latency percentiles of the successful ones."""
    def inside(record):
        return [(s, ok) for t, s, ok in record if start <= t <= end]

    def pct(record, q):
        ok = [s for s, good in inside(record) if good]
        return float(np.percentile(ok, q) * 1e3) if ok else float("nan")

    window = end - start
    done = inside(streams)
    return {"seconds": window, "streams": sum(ok for _, ok in done), "stream_errors": sum(not ok for _, ok in done),
            "streams_per_s": sum(ok for _, ok in done) / window,
            "http_requests": len(inside(http)), "http_errors": sum(not ok for _, ok in inside(http)),
            "http_p50_ms": pct(http, 50), "http_p99_ms": pct(http, 99),
            "health_probes": len(inside(health)), "health_errors": sum(not ok for _, ok in inside(health)),
            "health_p50_ms": pct(health, 50), "health_p99_ms": pct(health, 99),
            "health_max_ms": max((s * 1e3 for s, _ in inside(health)), default=float("nan")),
            "peak_rss_mb": rss}


def run_load(repos: list[Path], catalog: Path, seconds: float) -> list[dict]:
    """One row per checkout, one after the other in this run."""
    rows = []
    for repo in repos:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "?"
        load_average = os.getloadavg()[0]  # the machine is shared: say how busy it was
        with tempfile.TemporaryDirectory(prefix="encke-load-") as tmp:
            server = ServerProcess(repo.resolve(), catalog, Path(tmp))
            try:
                figures = measure(server, seconds)
            finally:
                server.stop()
        rows.append({"case": "load", "path": f"{commit} ({repo})", "load_average": load_average, **figures})
    return rows


def load_table(rows: list[dict]) -> list[str]:
    lines = [f"Load: {STREAMS} StreamTrajectory clients (3 comets x 366 epochs each) + {HTTP_CLIENTS} HTTP "
             f"clients (position / 61-epoch trajectory), health probed every {PROBE_EVERY_S * 1e3:.0f} ms", "",
             "| checkout | streams/s | HTTP p50 / p99 (requests) | health p50 / p99 / max (probes) | failures "
             "(stream, HTTP, health) | peak RSS | load average before |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['path']} | {r['streams_per_s']:.1f} ({r['streams']} in {r['seconds']:.0f} s) | "
                     f"{r['http_p50_ms']:.0f} / {r['http_p99_ms']:.0f} ms ({r['http_requests']}) | "
                     f"{r['health_p50_ms']:.1f} / {r['health_p99_ms']:.1f} / {r['health_max_ms']:.0f} ms "
                     f"({r['health_probes']}) | {r['stream_errors']}, {r['http_errors']}, {r['health_errors']} | "
                     f"{r['peak_rss_mb']:.0f} MB | {r.get('load_average', float('nan')):.1f} |")
    return lines
