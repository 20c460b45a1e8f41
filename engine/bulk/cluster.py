"""Bulk chunks as Ray tasks: one job over the devices of many machines.

Why Ray: it is what the field's pipelines already run (adam_core and THOR parallelise with it),
it schedules GPUs as resources, re-runs a task whose worker or node died, and runs on a laptop,
a cluster or Kubernetes (KubeRay) alike; encke adds no scheduler of its own. Only
engine.bulk.job imports this module, and only when a cluster is asked for, so Ray stays an
optional extra (`encke[cluster]`).

Each chunk is one task that runs the batched engine on its node (all of the node's JAX devices;
it asks Ray for a GPU when the cluster has GPUs) and writes its own part of the dataset, so
states never travel through Ray's object store: the output folder must be one that every node
sees (a shared filesystem). The task returns the part's record, and the driver keeps the
manifest. A task lost with its worker or node is retried (MAX_RETRIES); its half-written part
lives under a temporary name and is replaced by the retry's. Every attempt appends a line to
OUT/_attempts.jsonl, which is how the summary counts retries. The engine is deterministic per
chunk, so a cluster run writes the same numbers as a run in one process.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import ray

from . import job

MAX_RETRIES = 5
ATTEMPTS = "_attempts.jsonl"


def connect(address: str | None) -> str:
    """ray.init for `address`: "auto" (or None) joins $RAY_ADDRESS when set, else starts a local
    Ray; anything else ("host:6379", "ray://host:10001") joins that cluster. Returns a label."""
    if address in (None, "", "auto"):
        address = os.environ.get("RAY_ADDRESS") or "local"
    if address == "local":
        ray.init(address="local", include_dashboard=False, logging_level="warning", log_to_driver=False)
        return "ray (local, started for this job)"
    ray.init(address=address, logging_level="warning", log_to_driver=False)
    return f"ray {address}"


@ray.remote(max_retries=MAX_RETRIES, num_cpus=1)
def _chunk_task(chunk, plan, folder: str, run_id: str):
    """Compute and write one chunk on whichever node Ray chose; log the attempt first."""
    worker = f"{job.worker_name()} node {ray.get_runtime_context().get_node_id()[:12]}"
    line = json.dumps({"run": run_id, "chunk": chunk.index, "worker": worker}) + "\n"
    fd = os.open(Path(folder) / ATTEMPTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one small O_APPEND write: lines from many workers do not mix
    finally:
        os.close(fd)
    return job.run_chunk(chunk, plan, folder, worker)


def run(chunks, plan, folder, record, address) -> tuple[str, int]:
    """Submit every chunk as a task, record parts as they finish; returns (label, attempts)."""
    label = connect(address)
    run_id = uuid.uuid4().hex
    try:
        resources = ray.cluster_resources()
        options = {"num_gpus": 1} if resources.get("GPU", 0) > 0 else {}
        # Tasks in flight: enough to keep every CPU busy while results come back, few enough
        # that the driver holds only a handful of chunks of the (streamed) input.
        window = max(2, 2 * int(resources.get("CPU", 1)))
        plan_ref = ray.put(plan)
        pending = []
        for chunk in chunks:
            if chunk is None:
                continue
            pending.append(_chunk_task.options(**options).remote(chunk, plan_ref, str(folder), run_id))
            while len(pending) >= window:
                pending = _collect(pending, record)
        while pending:
            pending = _collect(pending, record)
    finally:
        ray.shutdown()
    return label, _attempts(folder, run_id)


def _collect(pending, record):
    """Wait for one task, record its part; returns the tasks still pending."""
    done, pending = ray.wait(pending, num_returns=1)
    try:
        record(ray.get(done[0]))
    except ray.exceptions.RayError as exc:
        raise RuntimeError(f"a bulk chunk failed on the cluster after {MAX_RETRIES} retries: {exc}") from None
    return pending


def _attempts(folder, run_id: str) -> int:
    path = Path(folder) / ATTEMPTS
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line and json.loads(line)["run"] == run_id)
