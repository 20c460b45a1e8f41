"""A real two-node Ray cluster on 127.0.0.1 for the cluster tests: a head and a worker, each
started by `ray start --block` in its own process group, and stopped only by that group (never
a machine-wide `ray stop`, which would end other people's Ray processes too)."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

RAY = Path(sys.executable).with_name("ray")
# Small and quiet for a 2-core machine: one CPU per node, a small object store, no dashboard;
# a dead node is noticed within a few seconds rather than the default half minute.
FAST_FAILURE = {"RAY_health_check_initial_delay_ms": "1000", "RAY_health_check_period_ms": "500",
                "RAY_health_check_timeout_ms": "1000", "RAY_health_check_failure_threshold": "4",
                "RAY_USAGE_STATS_ENABLED": "0"}
OBJECT_STORE_BYTES = 100 * 2**20
# Ray's token authentication, with a token of this test's own (the nodes and every driver get it
# through the environment; nothing is written to ~/.ray).
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}


def ray_env() -> dict:
    """The environment of a process that talks to the test cluster (RAY_ADDRESS not set)."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return {**env, **FAST_FAILURE, **AUTH}


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class RayNode:
    """One `ray start --block` process group."""

    def __init__(self, args: list[str], log: Path):
        self.log = log
        env = ray_env()
        with open(log, "wb") as out:
            self.proc = subprocess.Popen([str(RAY), "start", "--block", *args], stdout=out, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)
        self.pgid = self.proc.pid  # session leader: its group is its own pid

    def kill(self) -> None:
        """SIGKILL the node as a machine that dies: its process group (ray start, raylet, object
        store, agents) and every process it started (Ray's task workers run in groups of their own)."""
        for pid in self.members():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)

    def stop(self) -> None:
        """SIGTERM the group, then SIGKILL whatever of the node is left."""
        try:
            os.killpg(self.pgid, signal.SIGTERM)
            self.proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def members(self) -> set[int]:
        """Pids of this node now: `ray start` and all its descendants, and its process group."""
        parents, groups = {}, {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
                parents[int(entry)], groups[int(entry)] = int(fields[1]), int(fields[2])
        found = {pid for pid, group in groups.items() if group == self.pgid} | {self.proc.pid}
        grew = True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in found} - found
            found |= more
            grew = bool(more)
        return {pid for pid in found if pid in parents}


def _node_args(ports: list[int]) -> list[str]:
    """Ports of the per-node agents, chosen free, so that two nodes on one machine do not collide."""
    agent, agent_grpc, metrics, runtime_env = ports
    return ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--num-gpus=0", f"--object-store-memory={OBJECT_STORE_BYTES}",
            "--disable-usage-stats", f"--dashboard-agent-listen-port={agent}", f"--dashboard-agent-grpc-port={agent_grpc}",
            f"--metrics-export-port={metrics}", f"--runtime-env-agent-port={runtime_env}"]


STARTED = b"Ray runtime started."  # what `ray start` prints once its node is up


def _check_running(nodes) -> None:
    for node in nodes:
        if node.proc.poll() is not None:
            raise NodeExited(f"ray start exited: {node.log.read_text()[-2000:]}")


class NodeExited(RuntimeError):
    """`ray start` gave up (its raylet must register within 30 s, which a loaded machine can miss)."""


def _wait_started(nodes, timeout: float = 180) -> None:
    """Until every node's `ray start` has printed that its node is up (a file read, no Ray)."""
    deadline = time.monotonic() + timeout
    while not all(STARTED in node.log.read_bytes() for node in nodes):
        _check_running(nodes)
        if time.monotonic() > deadline:
            raise RuntimeError(f"ray start did not report its node up within {timeout} s")
        time.sleep(0.2)


def _wait_for_nodes(address: str, count: int, nodes, timeout: float = 180) -> list[str]:
    script = ("import ray, sys; ray.init(address=sys.argv[1], logging_level='error', log_to_driver=False); "
              "alive = [n for n in ray.nodes() if n['Alive']]; "
              "print(len(alive), *[n['NodeID'] for n in alive if 'node:__internal_head__' not in n['Resources']])")
    deadline = time.monotonic() + timeout
    # A poll is a Python process that imports Ray and joins the cluster (seconds of CPU, taken from
    # the nodes that are starting): poll only once every `ray start` says its node is up.
    _wait_started(nodes, timeout)
    while time.monotonic() < deadline:
        _check_running(nodes)
        proc = subprocess.run([sys.executable, "-c", script, address], capture_output=True, text=True, timeout=120,
                              env=ray_env())
        words = proc.stdout.split()
        if proc.returncode == 0 and words and words[0] == str(count):
            return words[1:]  # the ids of the nodes other than the head
        time.sleep(1)
    raise RuntimeError(f"the Ray cluster did not reach {count} nodes")


@pytest.fixture(scope="module")
def ray_cluster():
    """{"address", "head", "worker", "env"}: a head and a worker node on 127.0.0.1, and the
    environment a driver needs to join them."""
    if not RAY.exists():
        pytest.skip("ray is not installed (pip install encke[cluster])")
    temp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))  # short: Ray's socket paths are length-limited
    ports = free_ports(10)
    gcs, client, head_ports, worker_ports = ports[0], ports[1], ports[2:6], ports[6:10]
    nodes = []
    try:
        head = RayNode(["--head", f"--port={gcs}", f"--ray-client-server-port={client}", "--include-dashboard=false",
                        f"--temp-dir={temp}", *_node_args(head_ports)], temp.parent / f"{temp.name}-head.log")
        nodes.append(head)
        address = f"127.0.0.1:{gcs}"
        _wait_started(nodes)  # the head's GCS is up: the worker can join (checked with it, below)
        for attempt in range(3):
            worker = RayNode([f"--address={address}", *_node_args(worker_ports)], temp.parent / f"{temp.name}-worker.log")
            nodes.append(worker)
            try:
                (worker.node_id,) = _wait_for_nodes(address, 2, nodes)
                break
            except NodeExited:
                nodes.pop().stop()
                if attempt == 2:
                    raise
        yield {"address": address, "head": head, "worker": worker, "env": ray_env()}
    finally:
        for node in reversed(nodes):
            node.stop()
            node.log.unlink(missing_ok=True)
        shutil.rmtree(temp, ignore_errors=True)
