"""The background catalog refresh (server/catalog_refresh.py) against a real HTTP server on
127.0.0.1 that replays an MPC file (tests/engine/sources/replay_server.py), and `encke serve`
end to end: the shipped snapshot at once, the MPC's file swapped in when it arrives."""
import asyncio
import dataclasses
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

import encke
from encke.engine.catalog.default import choose_catalog, snapshot
from encke.server.catalog_refresh import keep_current, refresh_once
from encke.server.service import Service





@pytest.fixture
def fresh_machine(monkeypatch, tmp_path):
    monkeypatch.delenv("ENCKE_CATALOG", raising=False)
    monkeypatch.delenv("ENCKE_MPC_URL", raising=False)
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def _mpc_file() -> bytes:
    """A 'newer' MPC file: the snapshot's first 600 comets (a different catalog version)."""
    lines = snapshot().path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[:600])


def _dead_url(rs) -> str:
    return f"http://127.0.0.1:{rs.free_port()}/CometEls.txt"  # nothing listens there


def test_a_new_mpc_file_is_swapped_in_under_a_new_version(rs, fresh_machine):
    service = Service(encke.read_comets(), catalog_source=choose_catalog())
    old_version = service.version
    with rs.ReplayServer() as mpc:
        mpc.route("/CometEls.txt", rs.static(_mpc_file(), etag='"v2"'))
        outcome = refresh_once(service, choose_catalog(), url=mpc.url("/CometEls.txt"))
        assert outcome.status == "swapped", outcome.message
        assert len(service.catalog) == 600 and service.version != old_version
        health = service.health()
        assert health["comets"] == 600 and health["catalog_version"] == service.version
        assert health["catalog_source"] == "MPC download"
        assert health["catalog_date"] == dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
        # the next refresh is a conditional GET: 304, nothing swapped
        again = refresh_once(service, outcome.choice, url=mpc.url("/CometEls.txt"))
        assert again.status == "current" and mpc.count("/CometEls.txt") == 2
        assert mpc.requests[-1].headers.get("if-none-match") == '"v2"'
    # and a restarted server starts from the download, now the newest local copy
    assert choose_catalog().origin == "download" and len(encke.read_comets()) == 600


def test_offline_keeps_the_snapshot_and_says_so_once(rs, fresh_machine):
    service = Service(encke.read_comets(), catalog_source=choose_catalog())
    said = []

    async def run_for_a_while():
        task = asyncio.create_task(keep_current(service, choose_catalog(), interval_s=0.05, url=_dead_url(rs),
                                                say=said.append))
        while len(said) < 1:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)  # several more refreshes, all offline
        task.cancel()

    asyncio.run(run_for_a_while())
    assert len(said) == 1 and "could not be reached" in said[0] and "snapshot shipped with encke" in said[0]
    assert len(service.catalog) == len(encke.read_comets(snapshot().path))
    assert service.health()["catalog_source"] == "MPC snapshot shipped with encke"
    assert service.health()["catalog_date"] == "2026-01-03"


def test_an_explicit_catalog_is_never_replaced(rs, fresh_machine):
    mine = fresh_machine / "mine.txt"
    mine.write_bytes(_mpc_file())
    service = Service(encke.read_comets(mine), catalog_source=choose_catalog(mine))
    with rs.ReplayServer() as mpc:
        mpc.route("/CometEls.txt", rs.static(snapshot().path.read_bytes()))
        outcome = refresh_once(service, choose_catalog(mine), url=mpc.url("/CometEls.txt"))
        assert outcome.status == "explicit" and mpc.count() == 0 and len(service.catalog) == 600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, mpc_url, *args):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ENCKE_CATALOG"}
    env.update(ENCKE_CACHE_DIR=str(tmp_path / "cache"), ENCKE_MPC_URL=mpc_url)
    proc = subprocess.Popen([sys.executable, "-m", "encke", "serve", "--port", str(port), "--grpc-port", "-1",
                             "--no-warmup", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    return proc, f"http://127.0.0.1:{port}"


def _wait_for(url, proc, check, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            health = httpx.get(f"{url}/api/health", timeout=2).json()
            if check(health):
                return health
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"the server never satisfied the check:\n{proc.communicate()[1][-3000:]}")


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=30)


@pytest.mark.slow
def test_encke_serve_starts_from_the_snapshot_and_swaps_in_the_mpc_file(rs, tmp_path):
    with rs.ReplayServer() as mpc:
        served = rs.static(_mpc_file(), etag='"v2"')
        mpc.route("/CometEls.txt", lambda request: dataclasses.replace(served(request), delay_s=3.0))  # a slow MPC
        proc, url = _serve(tmp_path, mpc.url("/CometEls.txt"))
        try:
            first = _wait_for(url, proc, lambda h: h["comets"] > 0)
            assert first["comets"] > 900 and first["catalog_source"] == "MPC snapshot shipped with encke"
            comets = httpx.get(f"{url}/api/comets", params={"limit": 3}, timeout=30).json()
            assert comets["total"] > 900 and len(comets["comets"]) == 3
            swapped = _wait_for(url, proc, lambda h: h["comets"] == 600)
            assert swapped["catalog_source"] == "MPC download" and swapped["catalog_version"] != first["catalog_version"]
            assert httpx.get(f"{url}/api/comets", timeout=30).json()["total"] == 600
        finally:
            _, err = _stop(proc)
    assert "now serving 600 comets" in err


@pytest.mark.slow
def test_encke_serve_offline_and_with_no_refresh(rs, tmp_path):
    proc, url = _serve(tmp_path, _dead_url(rs))
    try:
        health = _wait_for(url, proc, lambda h: h["comets"] > 900)
        time.sleep(2.0)  # time for the refresh to fail
    finally:
        _, err = _stop(proc)
    assert err.count("could not be reached") == 1 and health["catalog_date"] == "2026-01-03"
    with rs.ReplayServer() as mpc:
        mpc.route("/CometEls.txt", rs.static(_mpc_file()))
        proc, url = _serve(tmp_path, mpc.url("/CometEls.txt"), "--no-refresh")
        try:
            _wait_for(url, proc, lambda h: h["comets"] > 900)
            time.sleep(2.0)
            assert mpc.count() == 0
        finally:
            _stop(proc)
