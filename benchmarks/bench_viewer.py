"""Benchmark: the web viewer in headless Chromium with the whole catalog.

    python -m benchmarks.bench_viewer [--quick] [--catalog PATH] [--out-dir DIR]

Starts `encke serve` with the shared MPC catalog (1,163 comets, orbit lines of 128 points
each: ~150,000 line vertices), warms the engine (compilation is reported apart, as
server_warmup_s), then loads the built viewer in headless Chromium at 1400 x 850 and reads the
page's own timings from its read-only hook `window.encke`:

- load to first frame: `firstFrameMs`, milliseconds from navigation start to the first frame
  drawn with every comet's position (catalog summaries + one packed float32 positions request),
  and `firstOrbitsFrameMs`, to the first frame with the orbit lines too. Cold page loads, each
  in a fresh browser context (no HTTP cache); the table gives the median and the worst.
- frame time while playing (the scene redraws every frame: positions blend between server
  samples, new packed samples arrive several times a second): intervals between
  requestAnimationFrame callbacks (`frameTimes`) and the viewer's main-thread work per frame
  (`frameWork`: tick + render submission), median and 95th percentile, with orbit lines on and
  off, and with the comets' comae and tails (instanced, drawn on the GPU) on and off.

WebGL here is SwiftShader (a CPU rasterizer, as on CI machines without a GPU), so frame times
are an upper bound for a desktop browser with a GPU. --quick: one cold load, 2 s per scenario.
"""
from __future__ import annotations

import os
import platform
import statistics
import time

from . import write_results
from .viewer_live import live_viewer

VIEWPORT = {"width": 1400, "height": 850}
# A date with several bright comets near the Sun (C/2023 A3 after perihelion, October 2024).
EPOCH_JD = 2460600.5
READY = "() => window.encke && window.encke.firstFrameMs !== null && window.encke.firstOrbitsFrameMs !== null"


def _quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    pos = q * (len(s) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _cold_load(browser, url: str) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{url}/?t={EPOCH_JD}")
        page.wait_for_function(READY, timeout=120_000)
        timing = page.evaluate("""() => ({
            first: window.encke.firstFrameMs, orbits: window.encke.firstOrbitsFrameMs,
            dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
            count: window.encke.catalogCount,
            renderer: (() => { const gl = document.createElement('canvas').getContext('webgl2');
                               const i = gl && gl.getExtension('WEBGL_debug_renderer_info');
                               return gl ? String(gl.getParameter(i ? i.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'none'; })(),
        })""")
        return timing
    finally:
        context.close()


def _frames(browser, url: str, orbits: bool, seconds: float, tails: bool = True) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{url}/?t={EPOCH_JD}")
        page.wait_for_function(READY, timeout=120_000)
        if not orbits:
            page.get_by_test_id("toggle-orbits").uncheck()
        if not tails:
            page.get_by_test_id("tails-toggle").uncheck()
        page.get_by_test_id("rate-select").select_option(label="1 week / s")
        page.get_by_test_id("play-button").click()
        time.sleep(1.0)  # let the sampler reach its steady rhythm
        start = page.evaluate("() => window.encke.frameCount")
        time.sleep(seconds)
        data = page.evaluate("() => ({n: window.encke.frameCount, t: window.encke.frameTimes, w: window.encke.frameWork})")
        new = min(data["n"] - start, len(data["t"]))
        intervals, work = data["t"][-new:], data["w"][-new:]
        return {
            "scenario": f"playing, orbits {'on' if orbits else 'off'}, tails {'on' if tails else 'off'}",
            "frames": new,
            "fps": round(1000 / statistics.fmean(intervals), 1) if intervals else float("nan"),
            "frame_median_ms": round(_quantile(intervals, 0.5), 2),
            "frame_p95_ms": round(_quantile(intervals, 0.95), 2),
            "work_median_ms": round(_quantile(work, 0.5), 2),
            "work_p95_ms": round(_quantile(work, 0.95), 2),
        }
    finally:
        context.close()


def main(quick: bool = False, out_dir: str | os.PathLike | None = None, catalog: str | None = None) -> list[dict]:
    loads = 1 if quick else 3
    seconds = 2.0 if quick else 5.0
    rows: list[dict] = []
    with live_viewer(catalog) as (url, browser, warmup_s):
        timings = [_cold_load(browser, url) for _ in range(loads)]
        first = [t["first"] for t in timings]
        orbit = [t["orbits"] for t in timings]
        rows.append({
            "scenario": f"cold load x{loads}", "comets": timings[0]["count"],
            "dom_ready_ms": round(statistics.median(t["dcl"] for t in timings), 1),
            "first_frame_ms": round(statistics.median(first), 1), "first_frame_max_ms": round(max(first), 1),
            "orbits_frame_ms": round(statistics.median(orbit), 1), "orbits_frame_max_ms": round(max(orbit), 1),
        })
        for orbits, tails in ((True, True), (False, True), (True, False)):
            rows.append(_frames(browser, url, orbits, seconds, tails))
    renderer = timings[0]["renderer"]
    meta = {"renderer": renderer, "viewport": VIEWPORT, "server_warmup_s": round(warmup_s, 1),
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "quick": quick}
    lines = [f"encke viewer benchmark: headless Chromium {VIEWPORT['width']}x{VIEWPORT['height']}, WebGL {renderer}; "
             f"server warm-up (JIT) {warmup_s:.1f} s, not included below",
             f"load to first frame (catalog points): median {statistics.median(first):.0f} ms, worst {max(first):.0f} ms; "
             f"with orbit lines: median {statistics.median(orbit):.0f} ms ({loads} cold loads, {timings[0]['count']} comets)",
             f"{'scenario':<32} {'frames':>6} {'fps':>6} {'frame med ms':>12} {'frame p95 ms':>12} "
             f"{'work med ms':>11} {'work p95 ms':>11}"]
    for r in rows[1:]:
        lines.append(f"{r['scenario']:<32} {r['frames']:>6} {r['fps']:>6} {r['frame_median_ms']:>12} "
                     f"{r['frame_p95_ms']:>12} {r['work_median_ms']:>11} {r['work_p95_ms']:>11}")
    print("\n".join(lines))
    write_results(out_dir, "viewer", meta, rows, "\n".join(lines))
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one cold load, 2 s per scenario")
    parser.add_argument("--catalog", help="MPC CometEls.txt (default: $ENCKE_CATALOG, else the shared 2024-09-07 file)")
    parser.add_argument("--out-dir", help="write bench_viewer.json and .txt here")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir, catalog=args.catalog)
