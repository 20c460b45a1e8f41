"""A live `encke serve` and headless Chromium for the viewer's benchmark and screenshot script.

`live_viewer(catalog)` starts `encke serve` on free local ports with the built viewer
(server/static, from `cd clients/web && npm run build`), waits for /api/health, warms the
engine's common shapes (so JIT compilation is not counted as page time), and yields
(server URL, Playwright browser). Chromium is Debian's /usr/bin/chromium (or $ENCKE_CHROMIUM)
with software WebGL (SwiftShader), as in the browser tests (tests/web/conftest.py).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC_INDEX = ROOT / "server" / "static" / "index.html"
DEFAULT_CATALOG = ROOT / ".." / "shared" / "data" / "cometels" / "CometEls-2024-09-07.txt"
CHROMIUM = os.environ.get("ENCKE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
    "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]
WARM_PATHS = ("/api/catalog/positions?time=2460600.5&format=f32", "/api/catalog/orbits?samples=128&format=f32",
              "/api/planets?time=2460600.5", "/api/comets/1P/position?time=2460600.5",
              "/api/comets/1P/orbit?samples=512", "/api/comets/1P/observe?time=2460600.5")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"encke serve exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"encke serve did not answer /api/health within {timeout_s} s")


@contextlib.contextmanager
def live_viewer(catalog: str | os.PathLike | None = None, *, warm: bool = True):
    """Yield (url, browser, warmup_s): a running `encke serve` with `catalog` and a headless Chromium."""
    import httpx
    from playwright.sync_api import sync_playwright

    catalog = Path(catalog or os.environ.get("ENCKE_CATALOG") or DEFAULT_CATALOG)
    if not catalog.is_file():
        raise SystemExit(f"no catalog at {catalog}; pass --catalog PATH or set ENCKE_CATALOG")
    if not STATIC_INDEX.is_file():
        raise SystemExit(f"{STATIC_INDEX} is missing: build the viewer with `cd clients/web && npm ci && npm run build`")
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium, or set ENCKE_CHROMIUM")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="encke-viewer-") as tmp:
        log = Path(tmp) / "server.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "encke.client.cli", "serve", "--port", str(port), "--grpc-port", "-1",
                 "--catalog", str(catalog), "--log-level", "warning"],
                cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                t0 = time.perf_counter()
                _wait_healthy(url, process, log, 120)
                if warm:
                    with httpx.Client(base_url=url, timeout=300) as client:
                        for path in WARM_PATHS:
                            client.get(path).raise_for_status()
                warmup_s = time.perf_counter() - t0
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                    try:
                        yield url, browser, warmup_s
                    finally:
                        browser.close()
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
