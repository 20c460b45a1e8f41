"""Fixtures for the download tests: a live replay HTTP server and an isolated cache folder.

replay_server.py is loaded by path because pytest runs with --import-mode=importlib, which
puts no test folder on sys.path.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

_NAME = "encke_tests_replay_server"


def _load_replay_server():
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("replay_server.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module  # before exec, so dataclasses can find their module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


@pytest.fixture(scope="session")
def rs():
    """The replay_server module: ReplayServer, Reply, static, fixed, json_reply, free_port."""
    return _load_replay_server()


@pytest.fixture
def replay(rs):
    """A started ReplayServer on 127.0.0.1, stopped after the test."""
    with rs.ReplayServer() as server:
        yield server


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache folder, also set as $ENCKE_CACHE_DIR; the URL variables are cleared."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(folder))
    monkeypatch.delenv("ENCKE_MPC_URL", raising=False)
    monkeypatch.delenv("ENCKE_SBDB_URL", raising=False)
    return folder


@pytest.fixture(scope="session")
def cometels_bytes(shared_data) -> bytes:
    """A real MPC CometEls.txt (1,163 lines, 2024-09-07), as served by the MPC."""
    return (shared_data / "cometels" / "CometEls-2024-09-07.txt").read_bytes()
