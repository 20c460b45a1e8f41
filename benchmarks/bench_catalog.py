"""Benchmark: reading a large MPC comet catalog (`encke.read_comets`).

    python -m benchmarks.bench_catalog [--quick] [--mb 30] [--reference]

The real catalog (../shared/data/cometels, 1,163 comets) is repeated until the file reaches
--mb megabytes; every copy after the first gets new provisional designations (columns 1-12
and the name field), so that no line duplicates another, as in a catalog of synthetic
objects. The file is written to a temporary folder, read once to warm the page cache, then
timed with `read_comets` (best of --repeats, wall and CPU seconds). Unless --no-reference, the per-line reader
alone (`parse_comet_lines(text, fast=False)`, every line through `mpc._parse_line` as before
issue 16, with the new TT -> TDB) is timed on the same text in the same run. --quick: 5 MB.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from . import markdown_table, write_results

ROOT = Path(__file__).resolve().parents[1]
BASE_CATALOG = ROOT / ".." / "shared" / "data" / "cometels" / "CometEls-2024-09-07.txt"
_DIGITS62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_HALF_MONTHS = "ABCDEFGHJKLMNOPQRSTUVWXY"


def _provisional(k: int, orbit_type: str) -> tuple[str, str]:
    """The k-th distinct (packed, unpacked) provisional designation, years 1800-2099."""
    order, rest = k % 619 + 1, k // 619
    half, rest = _HALF_MONTHS[rest % 24], rest // 24
    year = 1800 + rest % 300
    packed = f"{orbit_type}{_DIGITS62[year // 100]}{year % 100:02d}{half}{_DIGITS62[order // 10]}{order % 10}0"
    return packed, f"{orbit_type}/{year} {half}{order}"


def synthetic_catalog(target_bytes: int, base: Path = BASE_CATALOG) -> str:
    """An MPC comet file of about target_bytes: the base file, then copies with new designations."""
    lines = [line for line in base.read_text().split("\n") if line.strip()]
    out, size, k = [], 0, 0
    while size < target_bytes:
        for line in lines:
            if out and size >= target_bytes:
                break
            if k >= len(lines):  # every copy after the first: a new, unique designation
                packed, unpacked = _provisional(k, line[4] if line[4] in "CPDXAI" else "C")
                line = packed.rjust(12) + line[12:102] + unpacked.ljust(56) + line[158:]
            out.append(line)
            size += len(line) + 1
            k += 1
    return "\n".join(out) + "\n"


def _best(fn, repeats: int) -> tuple[float, float]:
    """Best wall and best CPU (process) seconds of `repeats` calls. CPU time is the figure to
    compare on a shared machine: other jobs stretch the wall time, not the CPU time."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return wall, cpu


def run(mb: float, repeats: int, reference: bool) -> list[dict]:
    import encke
    from encke.engine.catalog import mpc

    text = synthetic_catalog(int(mb * 1e6))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "CometEls-synthetic.txt"
        path.write_text(text)
        n_lines = text.count("\n")
        encke.read_comets(path)  # imports astropy, warms the page cache
        wall, cpu = _best(lambda: encke.read_comets(path), repeats)
        rows = [{"parser": "read_comets", "MB": round(path.stat().st_size / 1e6, 1), "lines": n_lines,
                 "seconds": wall, "CPU seconds": cpu}]
        if reference:
            wall, cpu = _best(lambda: mpc.parse_comet_lines(text, fast=False), 1)
            rows.append({"parser": "per-line reader", "MB": rows[0]["MB"], "lines": n_lines,
                         "seconds": wall, "CPU seconds": cpu})
    for row in rows:
        row["lines/s"] = round(row["lines"] / row["seconds"])
    if reference:
        rows[0]["speed-up"] = round(rows[1]["seconds"] / rows[0]["seconds"], 1)
        rows[0]["CPU speed-up"] = round(rows[1]["CPU seconds"] / rows[0]["CPU seconds"], 1)
    return rows


def main(quick: bool = False, out_dir: str | os.PathLike | None = None, mb: float | None = None,
         repeats: int = 3, reference: bool = True) -> list[dict]:
    from . import machine_description

    rows = run(mb or (5.0 if quick else 30.0), repeats, reference)
    text = f"catalog parsing, {machine_description()}\n\n" + markdown_table(rows)
    print(text)
    write_results(out_dir, "catalog", {"machine": machine_description()}, rows, text)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mb", type=float, default=None, help="size of the synthetic catalog (default 30)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true", help="skip the per-line reference parser")
    args = parser.parse_args()
    main(args.quick, None, args.mb, args.repeats, not args.no_reference)
