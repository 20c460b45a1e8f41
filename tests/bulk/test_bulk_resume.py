"""A bulk job killed mid-run (SIGKILL, a real subprocess) resumes on a rerun with the same arguments;
and a job without --cluster never imports Ray (the optional extra)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from encke.engine.bulk import propagate_bulk
from encke.engine.bulk.dataset import COLUMNS

from .conftest import element_table, read_dataset


def _parts_done(folder) -> int:
    try:
        return len(json.loads((folder / "_manifest.json").read_text())["parts"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0


def _imported(importtime_log: str) -> set[str]:
    """Top-level packages named in the stderr of `python -X importtime`."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in importtime_log.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


@pytest.mark.slow
def test_killed_job_resumes_and_equals_an_uninterrupted_run(catalog, tmp_path):
    table = element_table(catalog, copies=8)  # ~8,000 objects, 16 chunks
    pq.write_table(table, tmp_path / "in.parquet")
    argv = [sys.executable, "-m", "encke.client.cli", "propagate", "--input", str(tmp_path / "in.parquet"),
            "--start", "2025-01-01", "--stop", "2025-12-31", "--step", "7d", "--chunk-objects", "512",
            "--output", str(tmp_path / "out")]
    chunks = -(-table.num_rows // 512)
    job = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while _parts_done(tmp_path / "out") < 3 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    job.send_signal(signal.SIGKILL)
    job.communicate(timeout=30)
    done_at_kill = _parts_done(tmp_path / "out")
    assert job.returncode == -signal.SIGKILL and 3 <= done_at_kill < chunks, (job.returncode, done_at_kill)
    # a half-written part of the killed run, to be cleared away (not mistaken for a finished one)
    (tmp_path / "out" / f".part-{chunks - 1:05d}.parquet.0000.tmp").write_bytes(b"PAR1 half")
    # corrupt one finished part: the rerun must notice by its checksum and recompute it
    corrupted = sorted((tmp_path / "out").glob("part-*.parquet"))[0]
    corrupted.write_bytes(corrupted.read_bytes()[:-100] + bytes(100))

    # the rerun also lists every module it imports: a job without --cluster never imports Ray
    rerun = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    kept = done_at_kill - 1
    assert f"{chunks} parts, {kept} kept from an earlier run" in rerun.stderr
    assert "obj/s" in rerun.stderr  # the progress bar: objects, rate and ETA
    assert not list((tmp_path / "out").glob(".*.tmp"))
    imported = _imported(rerun.stderr)
    assert {"encke", "jax", "pyarrow", "tqdm"} <= imported and "ray" not in imported

    whole = propagate_bulk(tmp_path / "in.parquet", read_dataset(tmp_path / "out").column("time_tdb_jd")
                           .to_numpy()[:53], tmp_path / "whole", chunk_objects=4096)
    a, b = read_dataset(tmp_path / "out"), read_dataset(whole.path)
    assert a.num_rows == b.num_rows == table.num_rows * 53
    assert a.column("id").to_pylist() == b.column("id").to_pylist()
    for name in COLUMNS[1:]:
        np.testing.assert_array_equal(a.column(name).to_numpy(), b.column(name).to_numpy())
    assert os.path.getsize(tmp_path / "out" / "_manifest.json") > 0
