"""The state cache: an LRU bounded in bytes, and a Redis shared by replicas."""
import numpy as np
import pytest

from encke.server import cache


def _entry(n_bytes: int) -> bytes:
    return bytes(n_bytes)


def test_memory_cache_is_bounded_in_bytes_and_evicts_least_recently_used():
    c = cache.MemoryCache(max_bytes=1000)
    c.put("a", _entry(400))
    c.put("b", _entry(400))
    assert c.get("a") is not None  # a is now the most recently used
    c.put("c", _entry(400))  # over 1000 bytes: b (least recently used) goes
    assert c.get("b") is None and c.get("a") is not None and c.get("c") is not None
    assert c.bytes == 800 and c.bytes <= c.max_bytes
    c.put("huge", _entry(1001))  # larger than the whole budget: not stored, nothing evicted
    assert c.get("huge") is None and len(c) == 2
    c.put("a", _entry(100))  # replacing an entry re-counts its size
    assert c.bytes == 500
    assert (c.hits, c.misses) == (3, 2)


def test_pack_round_trip_is_exact():
    rng = np.random.default_rng(1)
    states = rng.normal(size=(3, 5, 6))
    states[1] = np.nan
    status = np.array([0, 4, 0], dtype=np.int32)
    back_states, back_status = cache.unpack(cache.pack(states, status))
    assert back_states.tobytes() == states.tobytes()
    np.testing.assert_array_equal(back_status, status)
    packed = cache.pack(states, status)
    assert len(packed) == 22 + states.nbytes + 3 * 4  # header, the raw doubles, the int32 codes
    for bad in (packed[:-1], b"\x93NUMPY" + packed[6:]):  # truncated; another format (.npy)
        with pytest.raises(ValueError, match="state format"):
            cache.unpack(bad)


def test_keys_change_with_every_input():
    t = np.array([2460000.5, 2460001.5])
    base = cache.make_key("v1", ["1P"], "kepler", "ecliptic", "sun", t)
    assert base == cache.make_key("v1", ["1P"], "kepler", "ecliptic", "sun", t.copy())
    variants = [cache.make_key("v2", ["1P"], "kepler", "ecliptic", "sun", t),
                cache.make_key("v1", ["2P"], "kepler", "ecliptic", "sun", t),
                cache.make_key("v1", ["1P", "2P"], "kepler", "ecliptic", "sun", t),
                cache.make_key("v1", ["1P"], "nbody", "ecliptic", "sun", t),
                cache.make_key("v1", ["1P"], "kepler", "icrf", "sun", t),
                cache.make_key("v1", ["1P"], "kepler", "ecliptic", "ssb", t),
                cache.make_key("v1", ["1P"], "kepler", "ecliptic", "sun", t + 1e-9)]
    assert len({base, *variants}) == 8


def test_open_cache_urls():
    assert isinstance(cache.open_cache(None), cache.MemoryCache)
    assert isinstance(cache.open_cache("none"), cache.NullCache)
    with pytest.raises(ValueError, match="--cache"):
        cache.open_cache("memcached://x")


def test_redis_cache_round_trip_and_ttl(redis_url):
    c = cache.RedisCache(redis_url, ttl_s=60)
    assert c.ping()
    c.put("encke:test:k", b"value")
    assert c.get("encke:test:k") == b"value" and c.get("encke:test:missing") is None
    assert (c.hits, c.misses) == (1, 1)
    assert 0 < c._client.ttl("encke:test:k") <= 60
    c.close()


def test_redis_that_is_down_degrades_to_misses():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    c = cache.RedisCache(f"redis://127.0.0.1:{port}/0")
    c.put("k", b"v")
    assert c.get("k") is None
    # the failed put opened the circuit breaker: the get skipped Redis and counts as a miss
    assert c.errors == 1 and c.skipped == 1 and c.misses == 1
