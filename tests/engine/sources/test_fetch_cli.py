"""`encke fetch` end to end: the real console entry point in a subprocess, against the replay server."""
import os
import subprocess
import sys

import pytest

from encke.client import cli

PATH = "/CometEls.txt"


def encke_fetch(*args, env_extra, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCKE_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "encke", "fetch", "--retries", "0", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture
def served(replay, rs, cometels_bytes):
    replay.route(PATH, rs.static(cometels_bytes, etag='"v1"'))
    return replay


def test_fetch_downloads_then_304_then_offline_uses_the_cache(served, rs, tmp_path, cometels_bytes):
    env = {"ENCKE_MPC_URL": served.url(PATH), "ENCKE_CACHE_DIR": str(tmp_path)}
    first = encke_fetch(env_extra=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("downloaded 1,163 comets")
    assert (tmp_path / "CometEls.txt").read_bytes() == cometels_bytes
    assert first.stderr == ""  # no progress bar when stderr is not a terminal

    second = encke_fetch(env_extra=env)
    assert second.returncode == 0, second.stderr
    assert "is current (not modified since" in second.stdout
    assert served.requests[-1].headers["if-none-match"] == '"v1"'

    offline = encke_fetch(env_extra={**env, "ENCKE_MPC_URL": f"http://127.0.0.1:{rs.free_port()}/CometEls.txt"})
    assert offline.returncode == 0
    assert "could not reach" in offline.stderr and "using the cached copy from" in offline.stderr
    assert served.count(PATH) == 2


def test_fetch_offline_without_cache_exits_1(rs, tmp_path):
    url = f"http://127.0.0.1:{rs.free_port()}/CometEls.txt"
    result = encke_fetch("--url", url, env_extra={"ENCKE_CACHE_DIR": str(tmp_path / "empty")})
    assert result.returncode == 1
    assert f"could not reach {url}: connection refused" in result.stderr
    assert "no cached copy" in result.stderr
    assert result.stdout == ""


def test_fetch_server_error_keeps_cache_and_exits_1(served, rs, tmp_path, capsys):
    args = ["fetch", "--url", served.url(PATH), "--cache-dir", str(tmp_path), "--retries", "1", "--backoff", "0"]
    assert cli.main(args) == 0
    served.route(PATH, rs.fixed(rs.Reply(status=500)))
    assert cli.main(args + ["--force"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 500" in err and "is unchanged" in err
    assert served.count(PATH) == 3


def test_fetch_quiet_prints_nothing(served, tmp_path, capsys):
    assert cli.main(["fetch", "--url", served.url(PATH), "--cache-dir", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_fetch_rejects_bad_arguments(tmp_path, capsys):
    assert cli.main(["fetch", "--timeout", "0", "--cache-dir", str(tmp_path)]) == 2
    assert "--timeout must be a positive" in capsys.readouterr().err


def test_fetch_sbdb_prints_elements_and_fails_on_unknown(replay, rs, shared_data, tmp_path):
    recorded = (shared_data / "sbdb" / "sbdb-67P.json").read_bytes()
    not_found = rs.json_reply({"code": "404", "message": "specified object was not found"}, status=404)
    replay.route("/sbdb.api", lambda request: rs.Reply(body=recorded) if request.query["sstr"] == "67P" else not_found)
    env = {"ENCKE_SBDB_URL": replay.url("/sbdb.api"), "ENCKE_CACHE_DIR": str(tmp_path)}
    result = encke_fetch("--sbdb", "67P", "--sbdb", "9999P", env_extra=env)
    assert result.returncode == 1
    assert "67P/Churyumov-Gerasimenko" in result.stdout
    assert "q 1.243265641417 au" in result.stdout and "DT 45.689 d" in result.stdout
    assert "A3 2.960945e-10" in result.stdout
    assert "H 12.9   K 3" in result.stdout
    assert "SBDB has no object '9999P'" in result.stderr
