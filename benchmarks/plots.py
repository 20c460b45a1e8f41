"""The benchmarks' pictures: throughput against batch size per engine and population, and
accuracy against speed. Drawn with matplotlib's Agg backend (no display), from the same rows
the tables print, into the folder beside the tables.
"""
from __future__ import annotations

import math
from pathlib import Path

MARKERS = "osD^vP*Xh"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _groups(rows, key):
    out: dict = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out


def throughput(rows: list[dict], path: Path, *, x: str, y: str, title: str, xlabel: str, ylabel: str) -> Path:
    """One panel per population: y against x (log-log), one line per engine."""
    plt = _pyplot()
    by_pop = _groups(rows, "population")
    cols = min(3, len(by_pop))
    nrows = math.ceil(len(by_pop) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.6 * nrows), squeeze=False, sharey=True)
    engines = sorted({r["engine"] for r in rows})
    for ax, (pop, prow) in zip(axes.flat, by_pop.items()):
        for k, (engine, erows) in enumerate(_groups(prow, "engine").items()):
            erows = sorted(erows, key=lambda r: r[x])
            ax.plot([r[x] for r in erows], [r[y] for r in erows], marker=MARKERS[engines.index(engine) % len(MARKERS)],
                    label=engine)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(pop)
        ax.set_xlabel(xlabel)
        ax.grid(True, which="both", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    for ax in list(axes.flat)[len(by_pop):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def accuracy_speed(rows: list[dict], path: Path, *, speed: str, error: str, title: str, xlabel: str,
                   ylabel: str) -> Path:
    """Error against speed: a colour per engine, a marker per population (log-log)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 5))
    pops = sorted({r["population"] for r in rows})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (engine, erows) in enumerate(_groups(rows, "engine").items()):
        for r in erows:
            if r.get(error) is None or not r[error] > 0:
                continue
            ax.scatter(r[speed], r[error], color=colors[k % len(colors)],
                       marker=MARKERS[pops.index(r["population"]) % len(MARKERS)], s=40)
    for k, engine in enumerate(_groups(rows, "engine")):
        ax.scatter([], [], color=colors[k % len(colors)], marker="o", label=engine)
    for j, pop in enumerate(pops):
        ax.scatter([], [], color="grey", marker=MARKERS[j % len(MARKERS)], label=pop)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
