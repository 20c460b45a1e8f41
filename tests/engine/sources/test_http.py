"""The shared download helpers: retries and backoff, typed errors, body length checks."""
import gzip
import io

import pytest

from encke.engine.sources import http, mpc


def test_backoff_doubles_and_is_capped():
    assert http.backoff_delays(4, 0.5) == [0.5, 1.0, 2.0, 4.0]
    assert http.backoff_delays(3, 20.0) == [20.0, 30.0, 30.0]
    assert http.backoff_delays(0, 1.0) == []


def test_retry_call_retries_transient_errors_only():
    slept, seen = [], []
    calls = iter([http.FetchTimeout("slow", "u"), http.HttpStatusError("busy", "u", 503), "done"])

    def attempt():
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = http.retry_call(attempt, retries=3, backoff_s=0.25, sleep=slept.append,
                             on_retry=lambda error, delay: seen.append((type(error).__name__, delay)))
    assert result == "done"
    assert slept == [0.25, 0.5]
    assert seen == [("FetchTimeout", 0.25), ("HttpStatusError", 0.5)]

    def not_found():
        slept.append("called")
        raise http.HttpStatusError("gone", "u", 404)

    slept.clear()
    with pytest.raises(http.HttpStatusError):
        http.retry_call(not_found, retries=3, backoff_s=0.25, sleep=slept.append)
    assert slept == ["called"]  # one attempt, no pause


def test_retry_call_gives_up_with_the_last_error():
    attempts = []

    def always_refused():
        attempts.append(1)
        raise http.FetchConnectionError(f"refused #{len(attempts)}", "u")

    with pytest.raises(http.FetchConnectionError, match="refused #3"):
        http.retry_call(always_refused, retries=2, backoff_s=0.0, sleep=lambda s: None)
    with pytest.raises(ValueError, match="retries"):
        http.retry_call(always_refused, retries=-1)


def test_get_reads_json_and_returns_4xx_as_answers(replay, rs):
    replay.route("/ok", rs.fixed(rs.json_reply({"a": 1})))
    body = http.get(replay.url("/ok"), params={"x": "1 2"}, retries=0)
    assert body.status == 200 and body.json() == {"a": 1}
    assert replay.requests[-1].query == {"x": "1 2"}
    assert replay.requests[-1].headers["user-agent"].startswith("encke/")
    missing = http.get(replay.url("/nothing"), retries=0)
    assert missing.status == 404
    with pytest.raises(http.InvalidContent, match="did not answer JSON"):
        missing.json()


def test_gzip_body_is_checked_on_the_wire_and_decoded(replay, rs, cometels_bytes, cache_dir):
    # Web servers may gzip a text file: Content-Length then counts the compressed bytes.
    packed = gzip.compress(cometels_bytes)
    replay.route("/CometEls.txt", rs.fixed(rs.Reply(body=packed, headers={"Content-Encoding": "gzip"})))
    result = mpc.fetch_catalog(replay.url("/CometEls.txt"), retries=0, progress=False)
    assert result.path.read_bytes() == cometels_bytes
    assert result.size_bytes == len(cometels_bytes)


def test_stall_in_mid_body_is_a_timeout(replay, rs):
    replay.route("/stall", rs.fixed(rs.Reply(body=b"x" * 10_000, stall_at=4000, stall_s=5.0)))
    session = http.make_session()
    with session, http.send(session, replay.url("/stall"), timeout=(1.0, 0.2), stream=True) as response:
        with pytest.raises(http.FetchTimeout, match=r"stopped sending after \d+ bytes \(read timeout\)"):
            http.read_body(response, io.BytesIO())


def test_dns_failure_is_a_connection_error():
    # '.invalid' is reserved (RFC 2606) and never resolves, with or without a network.
    with pytest.raises(http.FetchConnectionError, match="name resolution failed"):
        http.get("http://encke-test.invalid/x", retries=0, timeout=(2.0, 2.0))


def test_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path / "env"))
    assert http.cache_dir() == tmp_path / "env" and (tmp_path / "env").is_dir()
    assert http.cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("ENCKE_CACHE_DIR")
    assert http.cache_dir().name == "encke"
