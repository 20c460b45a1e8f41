"""Bulk jobs: streaming an element table to a Parquet dataset, in one process and on Ray, against
the in-memory two-body engine, and the peak memory of a job far larger than one chunk.

    python -m benchmarks --only bulk [--quick]
    python -m benchmarks.bench_bulk [--quick] [--objects N] [--epochs M] [--rss-objects N] [--no-ray]

Cases (--quick divides the object counts by 10):
- in-memory: encke.propagate(elements, times) on N = 1e6 objects x M = 100 epochs (the whole
  (N, M, 6) array in memory); compile_s is the first call minus the steady one.
- engine in chunks: encke.propagate on the same objects in the bulk job's chunks, one call per
  chunk, each result dropped (no output kept, nothing written; compiled first): what the
  engine alone costs in the bulk job's shapes. Not a target; it separates the cost of writing
  from the in-memory case's own overheads (assembling the whole (N, M, 6) array).
- bulk: encke.propagate_bulk from a Parquet element table to a Parquet dataset, same N and M,
  the same process after a warm-up on one full chunk and one chunk of the job's last size (so
  compilation is not in it, as it is not in the in-memory steady time). Its rate over the
  in-memory rate is the streaming efficiency (target >= 0.70).
- writing alone: one chunk computed once, then written as every part of the job (the job's
  part count and sizes) by the job's WRITERS threads, no computing: the floor of the bulk
  case, what the Parquet files alone cost (encoding, checksums, the kernel's copy into the
  page cache and, past the kernel's dirty-page limit, the disk).
- ray: the same job with cluster="auto", a local Ray with one worker per core (two here),
  started by the job; start_s is a separate ray.init of the same kind, so the job's overhead
  beyond the one-process run is reported with and without it.
- rss: a fresh process runs a bulk job of 1e7 objects x 10 epochs; its peak RSS (target < 2 GB).
Every case runs in its own process (peak RSS per case); rates are object-epochs per second.
cpu_s is the process's CPU time (all its threads; for Ray, the driver's only): on a shared
machine, where a process gets a share of the cores that changes from minute to minute, the
ratio of CPU times says what the ratio of wall times would be on an idle one with the cores
all busy. The shared 2-core machine is noisy: compare the ratios of one run, not rates across
runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import register

EPOCHS = 100
OBJECTS = 1_000_000
RSS_OBJECTS, RSS_EPOCHS = 10_000_000, 10
T0 = 2460600.5


def write_table(path: Path, n: int, seed: int = 19) -> None:
    """A seeded population (ellipses to hyperbolas, q 0.1-10 au) as a bulk element table."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(path, _schema()) as writer:
        for start in range(0, n, 1_000_000):
            k = min(1_000_000, n - start)
            writer.write_table(pa.table({
                "id": pa.array([f"b{j}" for j in range(start, start + k)]),
                "q_au": rng.uniform(0.1, 10, k), "e": rng.uniform(0, 1.5, k), "i_deg": rng.uniform(0, 180, k),
                "node_deg": rng.uniform(0, 360, k), "argp_deg": rng.uniform(0, 360, k),
                "tp_tdb_jd": T0 + rng.uniform(-3000, 3000, k), "epoch_tdb_jd": np.full(k, T0)}, schema=_schema()))


def _schema():
    import pyarrow as pa

    return pa.schema([("id", pa.string())] + [(c, pa.float64()) for c in
                                              ("q_au", "e", "i_deg", "node_deg", "argp_deg", "tp_tdb_jd",
                                               "epoch_tdb_jd")])


def _times(m: int):
    import numpy as np

    return T0 + np.linspace(-3650, 3650, m)


def case_in_memory(table: str, m: int) -> dict:
    import encke

    el, times = _elements(table), _times(m)
    start = time.perf_counter()
    encke.propagate(el, times)
    first = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    states = encke.propagate(el, times)
    steady, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": steady, "cpu_s": cpu, "compile_s": max(first - steady, 0.0),
            "lanes": states.shape[0] * states.shape[1]}


def case_engine_chunks(table: str, m: int) -> dict:
    import numpy as np

    import encke
    from encke.engine.batching import chunk_bounds
    from encke.engine.bulk.job import default_chunk_objects

    el, times = _elements(table), _times(m)
    bounds = chunk_bounds(len(el), default_chunk_objects(m))
    for start, stop in {bounds[0], bounds[-1]}:  # compile the two chunk sizes
        encke.propagate(el[start:stop], times, return_status=True)
    start_wall, cpu = time.perf_counter(), time.process_time()
    for start, stop in bounds:
        encke.propagate(el[start:stop], times, return_status=True)
    seconds, cpu = time.perf_counter() - start_wall, time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "lanes": len(el) * int(np.size(times)), "chunks": len(bounds)}


def case_write_alone(table: str, m: int, out: str) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    import encke
    from encke.engine.batching import chunk_bounds
    from encke.engine.bulk import dataset, job

    el, times = _elements(table), _times(m)
    bounds = chunk_bounds(len(el), job.default_chunk_objects(m))
    size = bounds[0][1]
    states, codes = encke.propagate(el[:size], times, return_status=True)
    columns = dataset.state_columns(states)  # object-major: the first n objects are columns[:, :n M]
    ids, plan = [f"b{j}" for j in range(size)], job.BulkPlan(times)
    Path(out).mkdir()

    def write(k: int) -> None:
        n = bounds[k][1] - bounds[k][0]
        dataset.write_part(out, k, n, ids[:n], plan.times, columns[:, : n * m], codes[:n], plan.metadata(), [],
                           "bench")

    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(job.WRITERS) as pool:
        list(pool.map(write, range(len(bounds))))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "lanes": len(el) * m, "chunks": len(bounds)}


def _elements(table: str):
    import numpy as np
    import pyarrow.parquet as pq

    import encke

    t = pq.read_table(table)
    return encke.CometaryElements(q=t["q_au"].to_numpy(), e=t["e"].to_numpy(), i=np.radians(t["i_deg"].to_numpy()),
                                  node=np.radians(t["node_deg"].to_numpy()),
                                  argp=np.radians(t["argp_deg"].to_numpy()), tp=t["tp_tdb_jd"].to_numpy())


def case_bulk(table: str, m: int, out: str, cluster: str | None = None) -> dict:
    import encke

    import pyarrow as pa
    import pyarrow.parquet as pq

    from encke.engine.bulk.job import default_chunk_objects

    times = _times(m)
    if cluster is None:  # warm-up: the job's two chunk sizes (a full one, the last one) compiled
        size = default_chunk_objects(m)
        rows = pq.ParquetFile(table).metadata.num_rows
        first = next(pq.ParquetFile(table).iter_batches(batch_size=min(rows, size + rows % size)))
        pq.write_table(pa.Table.from_batches([first]), out + "-warm.parquet")
        encke.propagate_bulk(out + "-warm.parquet", times, out + "-warm", chunk_objects=size)
    start, cpu = time.perf_counter(), time.process_time()
    result = encke.propagate_bulk(table, times, out, cluster=cluster)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "lanes": result.summary.rows, "chunks": result.summary.chunks,
            "attempts": result.summary.task_attempts}


def case_ray_start() -> dict:
    import ray

    start = time.perf_counter()
    ray.init(address="local", include_dashboard=False, logging_level="warning", log_to_driver=False)
    seconds = time.perf_counter() - start
    cpus = ray.cluster_resources().get("CPU", 0)
    ray.shutdown()
    return {"seconds": seconds, "cpus": cpus}


def _child(case: str, *args) -> dict:
    """Run one case in a fresh process; its result plus the process's peak RSS."""
    code = ("import json, resource, sys; from benchmarks import bench_bulk as b; "
            f"r = b.case_{case}(*json.loads(sys.argv[1])); "
            "r['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))")
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"case {case} failed: {proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]  # the 1-minute load average as the case ended
    print(f"# {case} {args}: {result}", file=sys.stderr, flush=True)  # progress of a long run
    return result


def run_all(objects: int, epochs: int, rss_objects: int, with_ray: bool, with_rss: bool = True) -> tuple[list[dict], str]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="encke-bulk-bench-") as tmp:
        table = str(Path(tmp) / "elements.parquet")
        write_table(Path(table), objects)
        memory = _child("in_memory", table, epochs)
        rows.append({"case": "in-memory propagate", "objects": objects, "epochs": epochs, **_rate(memory)})
        engine = _child("engine_chunks", table, epochs)
        rows.append({"case": f"engine alone, {engine['chunks']} chunks, output dropped", "objects": objects,
                     "epochs": epochs, **_rate(engine)})
        bulk = _child("bulk", table, epochs, str(Path(tmp) / "out"))
        rows.append({"case": "bulk to Parquet, one process", "objects": objects, "epochs": epochs, **_rate(bulk),
                     "vs_in_memory": round(memory["seconds"] / bulk["seconds"], 3),
                     "cpu_vs_in_memory": round(memory["cpu_s"] / bulk["cpu_s"], 3),
                     "vs_engine_alone": round(engine["seconds"] / bulk["seconds"], 3),
                     "cpu_vs_engine_alone": round(engine["cpu_s"] / bulk["cpu_s"], 3)})
        shutil.rmtree(Path(tmp) / "out")  # its pages are dropped, not written back during the next case
        alone = _child("write_alone", table, epochs, str(Path(tmp) / "alone"))
        rows.append({"case": f"writing alone, {alone['chunks']} parts of one precomputed chunk", "objects": objects,
                     "epochs": epochs, **_rate(alone), "vs_in_memory": round(memory["seconds"] / alone["seconds"], 3),
                     "cpu_vs_in_memory": round(memory["cpu_s"] / alone["cpu_s"], 3),
                     "vs_engine_alone": round(engine["seconds"] / alone["seconds"], 3),
                     "cpu_vs_engine_alone": round(engine["cpu_s"] / alone["cpu_s"], 3)})
        shutil.rmtree(Path(tmp) / "alone")
        if with_ray:
            start = _child("ray_start")
            ray_job = _child("bulk", table, epochs, str(Path(tmp) / "ray"), "auto")
            rows.append({"case": f"bulk on local Ray ({int(start['cpus'])} workers)", "objects": objects,
                         "epochs": epochs, **_rate(ray_job), "vs_in_memory": round(memory["seconds"] /
                                                                                    ray_job["seconds"], 3),
                         "ray_start_s": round(start["seconds"], 2),
                         "overhead_s": round(ray_job["seconds"] - bulk["seconds"], 2)})
        Path(table).unlink()
        if with_rss:
            big = str(Path(tmp) / "big.parquet")
            write_table(Path(big), rss_objects)
            rss = _child("bulk", big, RSS_EPOCHS, str(Path(tmp) / "big-out"))
            rows.append({"case": "bulk to Parquet, peak RSS", "objects": rss_objects, "epochs": RSS_EPOCHS,
                         **_rate(rss)})
    notes = ("vs_in_memory: the in-memory engine's time over this case's (1.0 = as fast); cpu_vs_in_memory: "
             "the same with CPU times; vs_engine_alone, cpu_vs_engine_alone: the same against the engine "
             "alone in the bulk job's chunks (not a target). Ray rows include "
             "starting the local Ray (ray_start_s, measured alone) and each worker's JAX start-up and "
             "compilation; overhead_s is the Ray job's time minus the one-process bulk job's.")
    return rows, notes


def _rate(result: dict) -> dict:
    return {"seconds": round(result["seconds"], 2), "cpu_s": round(result["cpu_s"], 2),
            "compile_s": round(result.get("compile_s", 0.0), 2),
            "Mlanes_per_s": round(result["lanes"] / result["seconds"] / 1e6, 2),
            "peak_rss_mb": round(result["peak_rss_mb"]), "load_1m": round(result["load"], 1)}


@register("bulk")
def run(args):
    scale = 10 if args.quick else 1
    return run_all(OBJECTS // scale, EPOCHS, RSS_OBJECTS // scale, with_ray=True)


def main(argv=None) -> int:
    from . import machine_description, markdown_table

    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_bulk", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--objects", type=int)
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--rss-objects", type=int)
    p.add_argument("--no-ray", action="store_true")
    p.add_argument("--no-rss", action="store_true", help="leave out the peak-RSS case (1e7 x 10)")
    args = p.parse_args(argv)
    scale = 10 if args.quick else 1
    rows, notes = run_all(args.objects or OBJECTS // scale, args.epochs, args.rss_objects or RSS_OBJECTS // scale,
                          with_ray=not args.no_ray, with_rss=not args.no_rss)
    print(f"Machine: {machine_description()}\n\n{markdown_table(rows)}\n{notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
