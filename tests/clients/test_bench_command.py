"""`encke bench` finds the harness in the source tree and runs it (the smallest real run)."""
import os
import re
import subprocess
import sys

import pytest

from encke.client.commands.bench import find_source_root


def test_bench_command_runs_the_harness(tmp_path):
    root = find_source_root()
    assert root is not None and (root / "benchmarks" / "bench_kepler.py").is_file()
    env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
    env["ENCKE_CACHE_DIR"] = str(tmp_path)  # nothing configured, nothing downloaded
    proc = subprocess.run([sys.executable, "-m", "encke.client.cli", "bench", "--quick", "--no-peers", "--only", "kepler"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("catalog: the MPC snapshot shipped with encke")
    assert "## kepler (quick run" in proc.stdout
    assert re.search(r"^\| mpc \| 1000 \| 1 \| [0-9.e+-]+ \|", proc.stdout, re.MULTILINE), proc.stdout[-2000:]


def test_unknown_benchmark_is_an_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nope"], capture_output=True, text=True,
                          timeout=120, cwd=find_source_root())
    assert proc.returncode == 2 and "unknown benchmark" in proc.stderr


def test_bench_passes_the_chosen_catalog_to_the_harness(monkeypatch, tmp_path):
    """Every harness benchmark reads $ENCKE_CATALOG: the command sets it to the default catalog."""
    import encke.client.commands.bench as bench
    from encke.client.cli import main
    from encke.engine.catalog.default import snapshot

    seen = {}
    monkeypatch.delenv("ENCKE_CATALOG", raising=False)
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(bench.subprocess, "run",
                        lambda argv, cwd, env: seen.update(argv=argv, env=env) or subprocess.CompletedProcess(argv, 0))
    assert main(["bench", "--quick", "--only", "viewer"]) == 0
    assert seen["env"]["ENCKE_CATALOG"] == str(snapshot().path)
    assert seen["argv"][-4:] == ["benchmarks", "--quick", "--only", "viewer"]


@pytest.mark.slow
def test_packaged_engine_benchmark_prints_a_table(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
    env["ENCKE_CACHE_DIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "encke", "bench", "--quick", "--builtin"], capture_output=True,
                          text=True, timeout=900, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "catalog: the MPC snapshot shipped with encke (2026-01-03)"
    header = next(k for k, line in enumerate(lines) if line.startswith("case "))
    assert lines[header].split() == ["case", "comets", "epochs", "compile", "s", "steady", "s", "object-epochs/s"]
    kepler, nbody = (lines[header + 2].split(), lines[header + 3].split())
    assert kepler[:3] == ["kepler", "1008", "100"] and nbody[:3] == ["nbody", "20", "12"]
    assert all(float(x.replace(",", "")) > 0 for x in kepler[4:] + nbody[4:])
    assert "{" not in proc.stdout  # a table, not dicts
    assert "source checkout" in proc.stdout
