"""Run a bulk job: an element table to a Parquet dataset, chunk by chunk, resumable.

The table is read in chunks of objects (tables.py); each chunk is propagated to every epoch by
the batched engine (engine.propagate, with its own padding, tiling and device sharding) and
written as one part of the dataset (dataset.py) as soon as it is done. In this process the
next chunk is computed while earlier ones are written (WRITERS writer threads and a queue of
one chunk), so memory holds at most WRITERS + 2 chunks whatever the table's size. With a
cluster (cluster.py, Ray) each chunk is a task that computes and writes its own part.

A rerun with the same arguments finds the manifest, keeps the parts whose checksums match and
computes only the rest. Chunk sizes are powers-of-two-like bucket sizes (batching.py), so every
full chunk reuses one compiled program.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import queue
import socket
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import batching, frames
from ..errors import InvalidInput
from ..propagate import MODELS, propagate
from ..timescales import to_tdb_jd
from . import dataset
from .tables import ElementChunk, open_table

# Object-epochs per chunk by default: ~50 MB of states, enough to keep the engine at full
# speed and small enough that the four chunks in memory stay far below a gigabyte.
CHUNK_LANES = 2**20
# Threads writing parts. Writing a part costs about as much CPU as computing it (two-body), so
# one writer would be the job's bottleneck wherever a core is free; two write two parts at once.
# Memory holds four chunks: one computing, one queued, one per writer (the last three as
# columns in _COLUMNS' buffers).
WRITERS = 2


@dataclasses.dataclass(frozen=True)
class BulkPlan:
    """What every chunk is propagated with: (M,) TDB epochs and the engine's options."""

    times: np.ndarray
    model: str = "kepler"
    frame: str = "ecliptic"
    center: str = "sun"
    ephemeris: str = "de421"

    def metadata(self) -> dict:
        """Key-value metadata of every part file."""
        return {"frame": self.frame, "center": self.center, "model": self.model, "ephemeris": self.ephemeris,
                "time_scale": "TDB", "units": "au, au/day", "axes": f"{self.frame} J2000",
                "writer": "encke"}

    def fingerprint(self) -> dict:
        times = np.ascontiguousarray(self.times, dtype=np.float64)
        return {"epochs": int(times.size), "times_sha256": hashlib.sha256(times.tobytes()).hexdigest(),
                "model": self.model, "frame": self.frame, "center": self.center, "ephemeris": self.ephemeris}


class BulkSummary(NamedTuple):
    objects: int  # objects propagated (valid rows)
    rows: int  # output rows, objects x epochs
    failed: int  # propagated objects with a non-OK status (NaN rows)
    bad_rows: list  # [(row number, reason)] left out
    chunks: int
    resumed_chunks: int  # finished parts kept from an earlier run
    seconds: float
    executor: str  # "this process" or "ray <address>"
    task_attempts: int = 0  # chunk computations started (Ray: retries of lost tasks included)


class BulkResult(NamedTuple):
    path: Path
    summary: BulkSummary


def compute_chunk(chunk: ElementChunk, plan: BulkPlan):
    """(states (n, M, 6), status (n,)) of one chunk."""
    result = propagate(chunk.elements, plan.times, model=plan.model, frame=plan.frame, center=plan.center,
                       ephemeris=plan.ephemeris, return_status=True)
    return result.states, result.status


def run_chunk(chunk: ElementChunk, plan: BulkPlan, folder, worker: str = "") -> dataset.PartRecord:
    """Compute and write one chunk: what a cluster task runs."""
    states, codes = compute_chunk(chunk, plan)
    buffer = _COLUMNS.take(states.size)  # kept in the worker process for its next task
    try:
        return dataset.write_part(folder, chunk.index, chunk.rows, chunk.ids, plan.times,
                                  dataset.state_columns(states, buffer), codes, plan.metadata(), chunk.bad_rows,
                                  worker or worker_name())
    finally:
        _COLUMNS.give(buffer)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def propagate_bulk(table, times, output, *, model: str = "kepler", frame: str = "ecliptic", center: str = "sun",
                   ephemeris: str = "de421", scale: str | None = None, chunk_objects: int | None = None,
                   cluster: str | None = None, progress: bool = False, on_part=None) -> BulkResult:
    """Propagate every row of an element table to every epoch into a Parquet dataset.

    Args:
        table: path of an MPC CometEls.txt, or a Parquet or CSV element table (tables.py).
        times: (M,) epochs: TDB Julian dates, or anything engine.timescales.to_tdb_jd takes.
        output: the dataset folder (created; a folder from an interrupted run of the same job is
            resumed, one from another job is refused).
        model, frame, center, ephemeris: as engine.propagate.
        chunk_objects: input rows per chunk (default: about CHUNK_LANES / M, a bucket size).
        cluster: None runs here; "auto" starts a local Ray (or joins $RAY_ADDRESS); an address
            ("host:6379", "ray://host:10001") joins that Ray cluster. Needs `encke[cluster]`.
        progress: show a progress bar (objects done, rate, ETA) on stderr.
        on_part: called with each PartRecord as it is recorded (in the driver).
    Returns:
        BulkResult(path, summary): the dataset folder and a BulkSummary.
    Raises:
        SchemaError before any work when the table's columns are wrong; InvalidInput naming the
        argument for bad options or an output folder that holds another job.
    """
    started = time.perf_counter()
    plan = _plan(times, model, frame, center, ephemeris, scale)
    source = open_table(table)
    size = int(chunk_objects) if chunk_objects else default_chunk_objects(plan.times.size)
    if size < 1:
        raise InvalidInput("chunk_objects", f"chunk_objects must be >= 1, got {size}")
    fingerprint = {**source.fingerprint(), **plan.fingerprint(), "chunk_objects": size}
    manifest, _ = dataset.Manifest.open(output, fingerprint)
    manifest.remove_strays()
    resumed = set(manifest.parts)
    bar = _progress_bar(progress, source.n_rows, sum(manifest.parts[k].input_rows for k in resumed))

    def record(part: dataset.PartRecord) -> None:
        manifest.add(part)
        bar.update(part.input_rows)
        if on_part is not None:
            on_part(part)

    chunks = source.chunks(size, skip=resumed)
    try:
        if cluster is None:
            executor, attempts = "this process", _run_here(chunks, plan, manifest.folder, record)
        else:
            from . import cluster as ray_cluster  # Ray is imported only here

            executor, attempts = ray_cluster.run(chunks, plan, manifest.folder, record, cluster)
    finally:
        bar.close()
    manifest.complete = True
    manifest.save()
    return BulkResult(manifest.folder, _summary(manifest, resumed, time.perf_counter() - started, executor, attempts))


def default_chunk_objects(epochs: int) -> int:
    return batching.bucket_floor(max(CHUNK_LANES // batching.bucket_size(max(epochs, 1)), 1),
                                 batching.MIN_OBJECT_BUCKET)


def _plan(times, model, frame, center, ephemeris, scale) -> BulkPlan:
    if model not in MODELS:
        raise InvalidInput("model", f"model must be one of {MODELS}, got {model!r}")
    frames.check_frame_name(frame)
    frames.check_center_name(center)
    t = np.atleast_1d(to_tdb_jd(times, scale)).astype(np.float64)
    if t.ndim != 1 or t.size == 0:
        raise InvalidInput("times", f"times must be a non-empty 1-D list of epochs, got shape {t.shape}")
    if not np.isfinite(t).all():
        raise InvalidInput("times", "times must be finite")
    return BulkPlan(t, model, frame, center, str(ephemeris))


def _run_here(chunks, plan: BulkPlan, folder, record) -> int:
    """Compute chunks in this thread and write them on WRITERS others; returns the chunks computed."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    failure: list = []
    recording = threading.Lock()  # the manifest and the progress bar, one part at a time

    def writer() -> None:
        while (item := handoff.get()) is not None:
            if failure:
                continue  # drain after a failure so that the producer never blocks
            try:
                chunk, buffer, columns, codes = item
                del item
                part = dataset.write_part(folder, chunk.index, chunk.rows, chunk.ids, plan.times, columns, codes,
                                          plan.metadata(), chunk.bad_rows, worker_name())
                del columns
                _COLUMNS.give(buffer)
                del buffer  # the chunk's memory is back in the pool before the next one is taken
                with recording:
                    record(part)
            except BaseException as exc:  # reported in the caller's thread
                failure.append(exc)

    threads = [threading.Thread(target=writer, name=f"encke-bulk-writer-{k}", daemon=True) for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    computed = 0
    try:
        for chunk in chunks:
            if failure:
                break
            if chunk is None:
                continue
            states, codes = compute_chunk(chunk, plan)
            computed += 1
            # The states become columns here, in a kept buffer, and the engine's result is let go
            # at once, so that the next chunk is computed into its memory (propagate._OutputSpare)
            # instead of into fresh memory, which costs more than the copy.
            buffer = _COLUMNS.take(states.size)
            columns = dataset.state_columns(states, buffer)
            del states
            handoff.put((chunk, buffer, columns, codes))
            del buffer, columns
    finally:
        for _ in threads:
            handoff.put(None)
        for thread in threads:
            thread.join()
    if failure:
        raise failure[0]
    return computed


class _Buffers:
    """float64 buffers kept for the states of later chunks (and later jobs in this process): one
    per chunk in flight, WRITERS + 2 at most. Fresh memory costs a page fault per 4 kB."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list = []

    def take(self, size: int) -> np.ndarray:
        with self._lock:
            fits = [k for k, b in enumerate(self._idle) if b.size >= size]
            if fits:
                return self._idle.pop(min(fits, key=lambda k: self._idle[k].size))
            if len(self._idle) >= WRITERS + 2:  # too small for this job: replaced
                self._idle.pop(0)
        return np.empty(size)

    def give(self, buffer: np.ndarray) -> None:
        with self._lock:
            self._idle.append(buffer)


_COLUMNS = _Buffers()


def _progress_bar(enabled: bool, total, initial: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="obj", unit_scale=True, disable=not enabled, file=sys.stderr,
                desc="propagate", smoothing=0.1)


def _summary(manifest, resumed, seconds, executor, attempts) -> BulkSummary:
    parts = [manifest.parts[k] for k in sorted(manifest.parts)]
    bad = [tuple(b) for p in parts for b in p.bad_rows]
    return BulkSummary(objects=sum(p.objects for p in parts), rows=sum(p.rows for p in parts),
                       failed=sum(p.failed for p in parts), bad_rows=bad, chunks=len(parts),
                       resumed_chunks=len(resumed), seconds=seconds, executor=executor, task_attempts=attempts)
