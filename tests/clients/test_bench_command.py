"""`encke bench` finds the harness in the source tree and runs it (the smallest real run)."""
import subprocess
import sys

from encke.client.commands.bench import find_source_root


def test_bench_command_runs_the_harness(tmp_path):
    root = find_source_root()
    assert root is not None and (root / "benchmarks" / "bench_kepler.py").is_file()
    proc = subprocess.run([sys.executable, "-m", "encke.client.cli", "bench", "--quick", "--no-peers", "--only", "kepler"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "## kepler (quick run" in proc.stdout and "| N | M |" in proc.stdout
    assert "encke obj-epochs/s" in proc.stdout


def test_unknown_benchmark_is_an_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nope"], capture_output=True, text=True,
                          timeout=120, cwd=find_source_root())
    assert proc.returncode == 2 and "unknown benchmark" in proc.stderr
