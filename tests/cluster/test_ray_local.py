"""`encke propagate --cluster auto` starts a Ray of its own on this machine, runs the job on it,
writes what a one-process run writes, and leaves no Ray process behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import encke
from encke.engine.bulk import propagate_bulk
from encke.engine.bulk.dataset import COLUMNS

from ..bulk.conftest import element_table, read_dataset
from .conftest import RAY, ray_env

CATALOG = "cometels/CometEls-2024-09-07.txt"
ROWS, CHUNK = 300, 128  # three chunks: more tasks than the local Ray's two workers
TIMES = 2460600.5 + np.arange(20) * 7.25  # TDB JD


def _marked(mark: str) -> dict[int, str]:
    """{pid: command line} of every process whose environment holds `mark`: the job and all that
    it started (Ray's GCS, raylet, agents and workers inherit the job's environment), wherever
    they were re-parented to and whatever process group or session they moved to."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if mark.encode() not in handle.read():
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                found[int(entry)] = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone, or not ours to read
            continue
    return found


@pytest.mark.slow
def test_cluster_auto_starts_a_local_ray_equals_a_local_run_and_stops_it(shared_data, tmp_path):
    if not RAY.exists():
        pytest.skip("ray is not installed (pip install encke[cluster])")
    pq.write_table(element_table(encke.read_comets(shared_data / CATALOG)).slice(0, ROWS), tmp_path / "in.parquet")
    (tmp_path / "epochs.txt").write_text("".join(f"{float(t)!r}\n" for t in TIMES))
    mark = f"encke-test-{uuid.uuid4().hex}"
    # RAY_ADDRESS unset (else "auto" would join that cluster); a token of the test's own, so that
    # Ray writes no ~/.ray/auth_token; the mark finds every process the job starts.
    env = {**ray_env(), "ENCKE_TEST_RAY_MARK": mark}
    argv = [sys.executable, "-m", "encke.client.cli", "propagate", "--input", str(tmp_path / "in.parquet"),
            "--times", str(tmp_path / "epochs.txt"), "--chunk-objects", str(CHUNK), "--output",
            str(tmp_path / "ray"), "--cluster", "auto", "--no-progress"]
    job = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           start_new_session=True)
    seen: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 420
        while job.poll() is None and time.monotonic() < deadline:
            seen.update(_marked(mark))
            time.sleep(0.5)
        _, err = job.communicate(timeout=60)
        left = _marked(mark)
        for _ in range(20):  # a process on its way out is given a few seconds
            if not left:
                break
            time.sleep(0.5)
            left = _marked(mark)
    finally:
        for pid in set(_marked(mark)) | ({job.pid} if job.poll() is None else set()):
            try:  # only what this test started: the job and the processes carrying its mark
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert job.returncode == 0, err[-3000:]
    assert f"{ROWS} objects x {TIMES.size} epochs = {ROWS * TIMES.size} rows" in err
    assert "on ray (local, started for this job)" in err, err[-3000:]
    started = {Path(c.split()[0]).name for c in seen.values()}
    assert {"gcs_server", "raylet"} <= started, sorted(seen.values())  # the local Ray was seen running ...
    assert any(c.startswith("ray::") for c in seen.values()), sorted(seen.values())  # ... with its workers
    assert not left, f"Ray processes left behind by the job: {left}"  # ... and is gone

    here = propagate_bulk(tmp_path / "in.parquet", TIMES, tmp_path / "here", chunk_objects=CHUNK)
    a, b = read_dataset(tmp_path / "ray"), read_dataset(here.path)
    assert a.num_rows == b.num_rows == ROWS * TIMES.size
    assert a.column("id").to_pylist() == b.column("id").to_pylist()
    np.testing.assert_array_equal(a.column("time_tdb_jd").to_numpy(), b.column("time_tdb_jd").to_numpy())
    np.testing.assert_array_equal(a.column("status").to_numpy(), b.column("status").to_numpy())
    for name in COLUMNS[2:8]:  # au, au/day
        np.testing.assert_allclose(a.column(name).to_numpy(), b.column(name).to_numpy(), rtol=0, atol=1e-12)
