"""encke's benchmark harness (not part of the test run): `python -m benchmarks [--quick]`.

Each benchmark module registers a function with @register("name"); the function takes the
parsed options and returns a list of result rows (dicts). __main__ runs them all, prints one
markdown table per benchmark with a machine description, and writes the same markdown to
benchmarks/results/<name>-<timestamp>.md (gitignored).
"""
from __future__ import annotations

import importlib
import json
import os
import platform
from pathlib import Path
from typing import Callable

REGISTRY: dict[str, Callable] = {}
MODULES = (
    "benchmarks.bench_kepler",
    "benchmarks.bench_nbody",
    "benchmarks.bench_compile",
    "benchmarks.bench_observe",
    "benchmarks.bench_service",
    "benchmarks.bench_viewer",
    "benchmarks.bench_bulk",
    "benchmarks.bench_uncertainty",
)
RESULTS = Path(__file__).resolve().parent / "results"


def load_all() -> None:
    """Import every benchmark module. A module without @register but with
    `main(quick, out_dir) -> rows` (it prints its own table) is registered under its name."""
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        name = module_name.rsplit(".bench_", 1)[1]
        if name not in REGISTRY and hasattr(module, "main"):
            REGISTRY[name] = _from_main(module.main)


def _from_main(main):
    def run(args):
        return main(quick=args.quick, out_dir=RESULTS), ""

    return run


def register(name: str):
    def decorate(func):
        REGISTRY[name] = func
        return func

    return decorate


def write_results(out_dir, name: str, meta: dict, rows: list[dict], text: str) -> None:
    """Write bench_<name>.json ({"meta", "rows"}) and bench_<name>.txt (the printed table)
    into out_dir; nothing when out_dir is None."""
    if out_dir is None:
        return
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench_{name}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    (out / f"bench_{name}.txt").write_text(text.rstrip("\n") + "\n")


def machine_description() -> str:
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = ", load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = ""
    devices = ", ".join(sorted({f"{d.platform}:{d.device_kind}" for d in jax.devices()}))
    return (f"{cpu}, {os.cpu_count()} logical CPUs{load}; Python {platform.python_version()}, "
            f"jax {jax.__version__} on {len(jax.devices())} device(s) ({devices})")


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)\n"
    columns = list(rows[0])
    for row in rows[1:]:
        columns += [c for c in row if c not in columns]
    out = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        out.append("| " + " | ".join(_fmt(row.get(c, "")) for c in columns) + " |")
    return "\n".join(out) + "\n"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
