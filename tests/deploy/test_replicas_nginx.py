"""Three `encke serve` replicas sharing one real Redis behind a real nginx (deploy/nginx.conf.template):
one replica is SIGKILLed under load from 20 gRPC and 20 HTTP clients, and no request fails except
those in flight on it at that moment; a replica restarted later serves from the shared cache."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from encke.client import Client

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
CATALOG = "cometels/CometEls-2024-09-07.txt"
IDS = ["1P", "2P", "12P", "29P", "67P", "C/2023 A3", "C/2020 F3", "46P"]
T0 = 2460600.5
CLIENTS = 20  # of each protocol


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def render_nginx(prefix: Path, grpc_port: int, http_port: int, replicas) -> Path:
    """deploy/nginx.conf.template with this test's ports and folders filled in."""
    server = "        server 127.0.0.1:{} max_fails=1 fail_timeout=5s;"
    text = TEMPLATE.read_text()
    for name, value in {"PREFIX": str(prefix), "LISTEN_HOST": "127.0.0.1", "GRPC_PORT": str(grpc_port),
                        "HTTP_PORT": str(http_port),
                        "GRPC_SERVERS": "\n".join(server.format(r.grpc_port) for r in replicas),
                        "HTTP_SERVERS": "\n".join(server.format(r.http_port) for r in replicas)}.items():
        text = text.replace(f"@{name}@", value)
    assert "@" not in text.replace("$remote_addr", "")
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


class Replica:
    """`encke serve` as a process of its own (so that SIGKILL is a real crash)."""

    def __init__(self, catalog: Path, redis_url: str, folder: Path, name: str):
        self.http_port, self.grpc_port = free_ports(2)
        self.args = [sys.executable, "-m", "encke.client.cli", "serve", "--http-port", str(self.http_port),
                     "--grpc-port", str(self.grpc_port), "--catalog", str(catalog), "--cache", redis_url,
                     "--no-warmup", "--log-level", "warning"]
        self.log = folder / f"{name}.log"
        self.start()

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{self.http_port}/api/health", timeout=5).status_code == 200:
                    with Client(f"127.0.0.1:{self.grpc_port}") as client:
                        if client.health(timeout=5) == "SERVING":
                            return
            except Exception:  # not up yet
                pass
            time.sleep(0.3)
        raise RuntimeError(f"replica did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> float:
        """SIGKILL the replica; returns time.monotonic() once it has exited (its sockets closed)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        return time.monotonic()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def metric(self, name: str) -> float:
        text = httpx.get(f"http://127.0.0.1:{self.http_port}/metrics", timeout=10).text
        return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))


@pytest.fixture(scope="module")
def redis_url():
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    (port,) = free_ports(1)
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.3)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def _request_mix(k: int):
    """The k-th request's (ids, times): a few dozen distinct keys, so replicas share results."""
    ids = [IDS[k % len(IDS)], IDS[(k + 3) % len(IDS)]]
    return ids, T0 + np.arange(6) * (1.0 + k % 5)


class Load:
    """CLIENTS gRPC and CLIENTS HTTP threads, each sending requests one after another until stopped.
    Every request is logged as (protocol, start, end, error or None)."""

    def __init__(self, grpc_address: str, http_base: str):
        self.grpc_address, self.http_base = grpc_address, http_base
        self.log: list = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._grpc, args=(k,), daemon=True) for k in range(CLIENTS)]
        self.threads += [threading.Thread(target=self._http, args=(k,), daemon=True) for k in range(CLIENTS)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(120)

    def _record(self, protocol, start, error):
        with self.lock:
            self.log.append((protocol, start, time.monotonic(), error))

    def _grpc(self, k: int) -> None:
        with Client(self.grpc_address, timeout=120) as client:
            n = 0
            while not self.stop.is_set():
                ids, times = _request_mix(k + n)
                start = time.monotonic()
                try:
                    states = client.get_states(ids, times)
                    error = None if states.shape == (2, 6, 6) and np.isfinite(states).all() else "bad states"
                except Exception as exc:  # counted, not raised: the test judges the whole log
                    error = repr(exc)
                self._record("grpc", start, error)
                n += 1

    def _http(self, k: int) -> None:
        with httpx.Client(base_url=self.http_base, timeout=120) as client:
            n = 0
            while not self.stop.is_set():
                start = time.monotonic()
                try:
                    start_jd = T0 + (k + n) % 7
                    r = client.get(f"/api/comets/{IDS[(k + n) % len(IDS)]}/trajectory",
                                   params={"start": str(start_jd), "stop": str(start_jd + 5), "step": "1d"})
                    good = r.status_code == 200 and len(r.json()["positions"]) == 6
                    error = None if good else f"HTTP {r.status_code}: {r.text[:200]}"
                except Exception as exc:
                    error = repr(exc)
                self._record("http", start, error)
                n += 1

    def count(self, since: float = 0.0) -> dict:
        with self.lock:
            rows = [r for r in self.log if r[1] >= since]
        return {p: sum(1 for r in rows if r[0] == p) for p in ("grpc", "http")}


@pytest.mark.slow
def test_replicas_behind_nginx_survive_a_killed_replica(shared_data, redis_url, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.skip("nginx is not installed (make system-deps installs it)")
    replicas = [Replica(shared_data / CATALOG, redis_url, tmp_path, f"replica{k}") for k in range(3)]
    proxy = None
    try:
        for r in replicas:
            r.wait_ready()
        grpc_port, http_port = free_ports(2)
        conf = render_nginx(tmp_path, grpc_port, http_port, replicas)
        proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{http_port}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        victim = replicas[1]
        with Load(f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{http_port}") as load:
            while min(load.count().values()) < 4 * CLIENTS:  # every client under way, every replica warm
                time.sleep(0.2)
            # The replica goes away over [killing, killed]: SIGKILL is sent at once, but a process
            # holding gigabytes takes a while to exit on a loaded machine, and until its sockets
            # close the kernel still completes connections to it, so nginx still sends it requests
            # (which then fail "while reading response header"). A request was in flight on the
            # killed replica only if its lifetime overlaps that interval.
            killing = time.monotonic()
            killed = victim.kill()
            while min(load.count(since=killed + 0.5).values()) < 4 * CLIENTS:
                time.sleep(0.2)
        failures = [r for r in load.log if r[3] is not None]
        in_flight = [r for r in load.log if r[1] < killed and r[2] > killing]
        after = load.count(since=killed)
        retried = [line for line in (tmp_path / "access.log").read_text().splitlines()
                   if f":{victim.grpc_port}" in line.split("upstream=")[1].split()[0] and "," in line
                   or f":{victim.http_port}," in line]
        print(f"requests {len(load.log)} ({load.count()}), after the kill {after}; in flight on all replicas at "
              f"the kill {len(in_flight)}; failed {len(failures)}; resent by nginx from the killed replica "
              f"{len(retried)}; the kill took {1e3 * (killed - killing):.1f} ms")
        assert all(r[1] < killed and r[2] > killing for r in failures), (killing, killed, failures[:5])  # in flight
        assert len(failures) <= len(in_flight)
        assert min(after.values()) >= 4 * CLIENTS

        # the killed replica comes back and serves what the others computed from the shared Redis
        victim.start()
        victim.wait_ready()
        with Client(f"127.0.0.1:{victim.grpc_port}") as client:
            for k in range(5):
                ids, times = _request_mix(k)
                assert client.get_states(ids, times).shape == (2, 6, 6)
        assert victim.metric("encke_cache_hits_total") == 5 and victim.metric("encke_cache_misses_total") == 0
    finally:
        if proxy is not None:
            os.killpg(proxy.pid, signal.SIGTERM)
            proxy.wait(15)
        for r in replicas:
            r.stop()
