"""Fixtures for the viewer's browser tests: a live `encke serve` and headless Chromium.

The server is a real subprocess on free ports, serving the built viewer from server/static
(build it first: `cd clients/web && npm ci && npm run build`). Chromium is Debian's
/usr/bin/chromium (the Makefile's system-deps target installs it); WebGL runs on SwiftShader.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC_INDEX = ROOT / "server" / "static" / "index.html"
CHROMIUM = os.environ.get("ENCKE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
    # Software WebGL: headless machines have no GPU.
    "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]
CATALOG_NAME = "cometels/CometEls-2024-09-07.txt"
# Screenshots of the main views, kept as test artifacts (gitignored).
ARTIFACTS = Path(os.environ.get("ENCKE_ARTIFACTS") or ROOT / "tests" / "web" / "artifacts")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """An `encke serve` subprocess; `url` is its HTTP base."""

    def __init__(self, catalog: Path | None, cache_dir: Path, log_path: Path, env: dict | None = None):
        self.port, grpc_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.cache_dir = cache_dir
        args = [sys.executable, "-m", "encke.client.cli", "serve", "--port", str(self.port),
                "--grpc-port", str(grpc_port), "--log-level", "warning"]
        if catalog is not None:
            args += ["--catalog", str(catalog)]
        extra = env or {}
        env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
        env["ENCKE_CACHE_DIR"] = str(cache_dir)  # never the user's cached MPC download
        env.update(extra)
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"encke serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"encke serve did not answer /api/health within {timeout_s} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture(scope="session")
def viewer_catalog(shared_data) -> Path:
    path = shared_data / CATALOG_NAME
    if not path.is_file():
        pytest.skip(f"catalog {path} is absent")
    return path


def _replay_module():
    """tests/engine/sources/replay_server.py (a real HTTP server replaying recorded answers),
    loaded by path under the name tests/engine/sources/conftest.py and tests/server use."""
    name = "encke_tests_replay_server"
    if name not in sys.modules:
        path = ROOT / "tests" / "engine" / "sources" / "replay_server.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before exec, so dataclasses can find their module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def sbdb_answers(shared_data) -> dict:
    """The recorded SBDB answers of ../shared/data/sbdb by designation ("67P", "C/2014 UN271")."""
    answers = {}
    for path in sorted((shared_data / "sbdb").glob("sbdb-*.json")):
        designation = path.stem[len("sbdb-"):].replace("_", "/", 1).replace("_", " ")
        answers[designation] = json.loads(path.read_text())
    return answers


@pytest.fixture(scope="session")
def sbdb_replay(sbdb_answers):
    """A real HTTP server on 127.0.0.1 answering SBDB queries with the recorded answers; any other
    comet is "not found" (404), as SBDB answers an unknown object. The live server asks it."""
    rs = _replay_module()

    def handle(request):
        found = sbdb_answers.get(request.query.get("sstr"))
        if found is None:
            return rs.json_reply({"message": "specified object was not found"}, status=404)
        return rs.json_reply(found)

    with rs.ReplayServer() as server:
        server.route("/sbdb.api", handle)
        yield server


@pytest.fixture(scope="session")
def live_server(viewer_catalog, sbdb_replay, tmp_path_factory):
    """`encke serve` with the shared catalog and the built viewer, warmed up (JIT compiled); its
    SBDB look-ups go to the replay server."""
    if not STATIC_INDEX.is_file():
        pytest.fail(f"{STATIC_INDEX} is missing: build the viewer first with "
                    "`cd clients/web && npm ci && npm run build` (make test does this)")
    tmp = tmp_path_factory.mktemp("viewer-server")
    server = LiveServer(viewer_catalog, tmp / "cache", tmp / "server.log",
                        env={"ENCKE_SBDB_URL": sbdb_replay.url("/sbdb.api")})
    try:
        server.wait_healthy()
        # Compile the engine's kernels before the browser's short timeouts start counting.
        with httpx.Client(base_url=server.url, timeout=600) as client:  # minutes on a loaded 2-core machine
            for path in ("/api/catalog/positions?time=2460600.5", "/api/catalog/orbits?samples=128",
                         "/api/planets?time=2460600.5", "/api/comets/1P/position?time=2460600.5",
                         "/api/comets/1P/orbit?samples=512", "/api/comets/2P/position?time=2460240.5&model=nbody",
                         # the panels' series: +/-2 years every 4 days, +/-30 days daily
                         "/api/comets/C%2F2023%20A3/observe?start=2459870.5&stop=2461330.5&step=4",
                         "/api/comets/C%2F2023%20A3/observe?start=2460570.5&stop=2460630.5&step=1",
                         "/api/comets/1P/perihelion?time=2446431.5&model=nbody"):
                response = client.get(path)
                assert response.status_code == 200, f"warm-up {path}: {response.status_code} {response.text[:300]}"
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (make test's system-deps does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page at 1400 x 850. Uncaught exceptions and console errors fail the test, except
    console errors the test announced with page.allow_console_errors(regex) (a test that makes
    the server fail expects the browser to log the failed requests)."""
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    allowed: list[re.Pattern] = []
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    pg.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text} [{msg.location.get('url', '')}]")
          if msg.type == "error" else None)
    pg.page_errors = errors
    pg.allow_console_errors = lambda pattern: allowed.append(re.compile(pattern))
    yield pg
    context.close()
    unexpected = [e for e in errors if e.startswith("pageerror") or not any(a.search(e) for a in allowed)]
    assert not unexpected, f"errors in the page: {unexpected}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots of the main views ($ENCKE_ARTIFACTS, default tests/web/artifacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def server_factory(sbdb_replay):
    """LiveServer(catalog or None, cache_dir, log_path): start extra servers (stopped by the test).
    Their SBDB look-ups go to the replay server too: a look-up sent to the real SBDB would wait
    on a network the test machines do not have, and still be in flight when a test stops it."""
    return functools.partial(LiveServer, env={"ENCKE_SBDB_URL": sbdb_replay.url("/sbdb.api")})


@pytest.fixture
def dead_port() -> int:
    """A port that was free a moment ago (bound, then released): nothing listens there."""
    return free_port()
