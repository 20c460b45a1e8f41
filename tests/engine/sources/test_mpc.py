"""The MPC catalog download against a live local HTTP server replaying a real CometEls.txt."""
import json
import time

import pytest

import encke
from encke.engine.sources import http, mpc

FAST = {"timeout": (2.0, 2.0), "retries": 2, "backoff_s": 0.01, "progress": False}
PATH = "/CometEls.txt"


def leftovers(folder):
    """Files in the cache folder other than the catalog and its sidecar (temporary files)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (mpc.FILENAME, mpc.FILENAME + mpc.SIDECAR_SUFFIX))


@pytest.fixture
def served(replay, rs, cometels_bytes):
    replay.route(PATH, rs.static(cometels_bytes, etag='"v1"', last_modified=1725700000))
    return replay


def test_download_writes_the_file_and_validators(served, cache_dir, cometels_bytes):
    assert mpc.cached_catalog_path() is None
    result = mpc.fetch_catalog(served.url(PATH), **FAST)
    assert result.status == "downloaded"
    assert result.path == cache_dir / "CometEls.txt"
    assert result.path.read_bytes() == cometels_bytes
    assert result.size_bytes == len(cometels_bytes)
    assert result.n_comets == 1163  # every line of the 2024-09-07 file (data/README.md)
    assert result.message.startswith("downloaded 1,163 comets")
    assert result.etag == '"v1"'
    assert result.last_modified == "Sat, 07 Sep 2024 09:06:40 GMT"
    meta = json.loads((cache_dir / "CometEls.txt.meta.json").read_text())
    assert meta["etag"] == '"v1"' and meta["url"] == served.url(PATH) and meta["size"] == len(cometels_bytes)
    assert mpc.cached_catalog_path() == result.path
    assert leftovers(cache_dir) == []
    assert served.count(PATH) == 1


def test_second_fetch_is_a_conditional_get_answered_304(served, cache_dir, cometels_bytes):
    first = mpc.fetch_catalog(served.url(PATH), **FAST)
    mtime = first.path.stat().st_mtime_ns
    second = mpc.fetch_catalog(served.url(PATH), **FAST)
    assert second.status == "not-modified"
    assert second.path.read_bytes() == cometels_bytes
    assert second.path.stat().st_mtime_ns == mtime  # not rewritten
    assert second.fetched_at == first.fetched_at
    assert second.n_comets is None
    conditional = served.requests[-1].headers
    assert conditional["if-none-match"] == '"v1"'
    assert conditional["if-modified-since"] == "Sat, 07 Sep 2024 09:06:40 GMT"
    assert served.count(PATH) == 2


def test_changed_file_on_the_server_is_downloaded_again(served, rs, cache_dir, shared_data):
    mpc.fetch_catalog(served.url(PATH), **FAST)
    newer = (shared_data / "cometels" / "CometEls-2026-01-03.txt").read_bytes()
    served.route(PATH, rs.static(newer, etag='"v2"', last_modified=1767400000))
    result = mpc.fetch_catalog(served.url(PATH), **FAST)
    assert result.status == "downloaded"
    assert result.path.read_bytes() == newer
    assert result.etag == '"v2"'


def test_force_and_a_damaged_cache_skip_the_validators(served, cache_dir):
    mpc.fetch_catalog(served.url(PATH), **FAST)
    assert mpc.fetch_catalog(served.url(PATH), force=True, **FAST).status == "downloaded"
    assert "if-none-match" not in served.requests[-1].headers
    # A cache file edited behind encke's back no longer matches its sidecar: fetch it whole.
    with open(cache_dir / "CometEls.txt", "ab") as f:
        f.write(b"junk\n")
    assert mpc.fetch_catalog(served.url(PATH), **FAST).status == "downloaded"
    assert "if-none-match" not in served.requests[-1].headers


def test_url_comes_from_the_environment(served, cache_dir, monkeypatch):
    monkeypatch.setenv("ENCKE_MPC_URL", served.url(PATH))
    assert mpc.catalog_url() == served.url(PATH)
    assert encke.mpc.fetch_catalog(**FAST).status == "downloaded"  # the public facade
    assert encke.mpc.cached_catalog_path() == cache_dir / "CometEls.txt"
    assert served.count(PATH) == 1
    monkeypatch.delenv("ENCKE_MPC_URL")
    assert mpc.catalog_url() == mpc.DEFAULT_URL


def test_404_fails_at_once_and_names_the_url(replay, cache_dir):
    url = replay.url("/missing/CometEls.txt")
    with pytest.raises(http.HttpStatusError) as info:
        mpc.fetch_catalog(url, **FAST)
    assert info.value.status == 404
    assert url in str(info.value) and "404" in str(info.value)
    assert replay.count() == 1  # a 404 is an answer, not retried
    assert mpc.cached_catalog_path() is None


def test_500_is_retried_then_fails_and_keeps_the_cache(served, rs, cache_dir, cometels_bytes):
    mpc.fetch_catalog(served.url(PATH), **FAST)
    served.route(PATH, rs.fixed(rs.Reply(status=500, body=b"internal error")))
    with pytest.raises(http.HttpStatusError) as info:
        mpc.fetch_catalog(served.url(PATH), **FAST)
    assert info.value.status == 500 and "HTTP 500" in str(info.value)
    assert served.count(PATH) == 1 + 3  # the first download, then 1 + 2 retries
    assert (cache_dir / "CometEls.txt").read_bytes() == cometels_bytes
    assert leftovers(cache_dir) == []


def test_retries_recover_from_a_transient_503(replay, rs, cache_dir, cometels_bytes):
    good = rs.static(cometels_bytes)
    replies = iter([rs.Reply(status=503)])
    replay.route(PATH, lambda request: next(replies, None) or good(request))
    result = mpc.fetch_catalog(replay.url(PATH), **FAST)
    assert result.status == "downloaded" and replay.count(PATH) == 2


def test_slow_server_times_out(replay, rs, cache_dir):
    replay.route(PATH, rs.fixed(rs.Reply(body=b"late", delay_s=5.0)))
    start = time.monotonic()
    with pytest.raises(mpc.CatalogFetchError) as info:
        mpc.fetch_catalog(replay.url(PATH), timeout=(1.0, 0.2), retries=1, backoff_s=0.01, progress=False)
    assert time.monotonic() - start < 3.0
    assert "no answer from" in str(info.value) and "no cached copy" in str(info.value)
    assert isinstance(info.value.__cause__, http.FetchTimeout)
    assert replay.count(PATH) == 2


def test_cut_off_download_never_corrupts_the_cache(served, rs, cache_dir, cometels_bytes):
    mpc.fetch_catalog(served.url(PATH), **FAST)
    served.route(PATH, rs.fixed(rs.Reply(body=cometels_bytes, truncate_at=len(cometels_bytes) // 2)))
    with pytest.raises(http.IncompleteDownload) as info:
        mpc.fetch_catalog(served.url(PATH), force=True, **FAST)
    assert info.value.expected == len(cometels_bytes)
    assert info.value.received < len(cometels_bytes)
    assert "cut off" in str(info.value)
    assert served.count(PATH) == 1 + 3  # cut connections are retried
    assert (cache_dir / "CometEls.txt").read_bytes() == cometels_bytes
    assert leftovers(cache_dir) == []


def test_cut_off_first_download_leaves_no_file(replay, rs, cache_dir, cometels_bytes):
    replay.route(PATH, rs.fixed(rs.Reply(body=cometels_bytes, truncate_at=1000)))
    with pytest.raises(http.IncompleteDownload):
        mpc.fetch_catalog(replay.url(PATH), **FAST)
    assert mpc.cached_catalog_path() is None
    assert leftovers(cache_dir) == []


def test_html_error_page_is_rejected(served, rs, cache_dir, cometels_bytes):
    mpc.fetch_catalog(served.url(PATH), **FAST)
    page = b"<html><head><title>Maintenance</title></head><body>Back soon.</body></html>\n"
    served.route(PATH, rs.fixed(rs.Reply(body=page, headers={"Content-Type": "text/html"})))
    with pytest.raises(http.InvalidContent, match="did not send a CometEls file"):
        mpc.fetch_catalog(served.url(PATH), force=True, **FAST)
    assert (cache_dir / "CometEls.txt").read_bytes() == cometels_bytes
    assert leftovers(cache_dir) == []


def test_offline_without_cache_is_a_clear_error(rs, cache_dir):
    url = f"http://127.0.0.1:{rs.free_port()}/CometEls.txt"
    with pytest.raises(mpc.CatalogFetchError) as info:
        mpc.fetch_catalog(url, **FAST)
    message = str(info.value)
    assert f"could not reach {url}: connection refused" in message
    assert "no cached copy" in message


def test_offline_with_cache_uses_the_cached_copy(served, rs, cache_dir, cometels_bytes):
    first = mpc.fetch_catalog(served.url(PATH), **FAST)
    url = f"http://127.0.0.1:{rs.free_port()}/CometEls.txt"
    result = mpc.fetch_catalog(url, **FAST)
    assert result.status == "offline-cached"
    assert result.path == first.path and result.path.read_bytes() == cometels_bytes
    assert result.fetched_at == first.fetched_at
    assert "could not reach" in result.message
    assert f"using the cached copy from {first.fetched_at:%Y-%m-%d %H:%M} UTC" in result.message


def test_progress_bar_goes_to_stderr(served, cache_dir, capsys):
    mpc.fetch_catalog(served.url(PATH), timeout=2.0, retries=0, progress=True)
    assert "CometEls.txt" in capsys.readouterr().err
    mpc.fetch_catalog(served.url(PATH), timeout=2.0, retries=0, progress=False, force=True)
    assert capsys.readouterr().err == ""


def test_mostly_garbled_file_is_rejected(served, rs, cache_dir, cometels_bytes):
    lines = cometels_bytes.splitlines(keepends=True)
    garbled = b"".join(lines[:3]) + b"".join(b"#" + line[1:40] + b"\n" for line in lines[3:50])
    served.route(PATH, rs.fixed(rs.Reply(body=garbled)))
    with pytest.raises(http.InvalidContent, match="only 3 lines parse, 47 are rejected"):
        mpc.fetch_catalog(served.url(PATH), **FAST)
    assert mpc.cached_catalog_path() is None
    assert leftovers(cache_dir) == []
