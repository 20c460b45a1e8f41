"""Cache of computed states, keyed by (catalog version, ids, model, frame, centre, times).

Two back ends with one interface (`get(key) -> bytes | None`, `put(key, value)`):
- `MemoryCache`: an in-process LRU bounded in bytes (the default);
- `RedisCache`: a shared Redis (`--cache redis://host:port/db`), so stateless replicas behind
  a load balancer reuse each other's results.
Values are (states, status) arrays serialised by `pack`/`unpack`; keys are SHA-256 digests of
the inputs, so a key never grows with the request. A Redis that goes away degrades to misses,
logged once, never to a failed request.
"""
from __future__ import annotations

import collections
import hashlib
import logging
import struct
import threading

import numpy as np

log = logging.getLogger("encke.server.cache")


def make_key(version: str, ids, model: str, frame: str, center: str, times) -> str:
    """A stable hex key for one computation; `times` (M,) float64 TDB JD hashed bit-exactly."""
    h = hashlib.sha256()
    for part in (version, model, frame, center):
        h.update(str(part).encode() + b"\0")
    h.update("\x1f".join(ids).encode() + b"\0")
    h.update(np.ascontiguousarray(times, dtype="<f8").tobytes())
    return "encke:states1:" + h.hexdigest()  # 1: the value format of `pack`


_MAGIC = b"ENCKE\x01"  # format 1: magic, <u8 N, <u8 M, N*M*6 <f8 states, N <i4 status
_HEADER = struct.Struct("<6sQQ")


def pack(states: np.ndarray, status: np.ndarray) -> bytes:
    """Serialise (N, M, 6) float64 states and (N,) int32 status: a fixed header and the raw
    little-endian arrays (one copy; .npy through BytesIO made three and cost 7 ms per 20 MB)."""
    n, m = states.shape[0], states.shape[1]
    return b"".join([_HEADER.pack(_MAGIC, n, m), np.ascontiguousarray(states, dtype="<f8").data.cast("B"),
                     np.ascontiguousarray(status, dtype="<i4").data.cast("B")])


def unpack(value: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(states (N, M, 6), status (N,)) from `pack`'s bytes: read-only views, no copy."""
    magic, n, m = _HEADER.unpack_from(value)
    if magic != _MAGIC or len(value) != _HEADER.size + n * m * 48 + n * 4:
        raise ValueError("cache value is not in encke's state format 1")
    states = np.frombuffer(value, dtype="<f8", count=n * m * 6, offset=_HEADER.size).reshape(n, m, 6)
    status = np.frombuffer(value, dtype="<i4", count=n, offset=_HEADER.size + n * m * 48)
    return states, status


class _Stats:
    def __init__(self):
        self.hits = 0
        self.misses = 0
        self.errors = 0
        self._lock = threading.Lock()

    def count(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1


class NullCache(_Stats):
    """No caching (`--cache none`)."""

    kind = "none"

    def get(self, key: str) -> bytes | None:
        self.count(False)
        return None

    def put(self, key: str, value: bytes) -> None:
        pass

    def describe(self) -> str:
        return "none"


class MemoryCache(_Stats):
    """An LRU of bytes values whose total size stays at or under `max_bytes`.

    A value larger than the whole budget is not stored. Thread-safe: the engine work that
    fills it runs on worker threads.
    """

    kind = "memory"

    def __init__(self, max_bytes: int = 256 * 2**20):
        super().__init__()
        if max_bytes <= 0:
            raise ValueError(f"cache max_bytes must be > 0, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self.bytes = 0
        self._items: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
        self.count(value is not None)
        return value

    def put(self, key: str, value: bytes) -> None:
        size = len(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= len(old)
            self._items[key] = value
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self.bytes -= len(evicted)

    def describe(self) -> str:
        return f"memory (LRU, {self.max_bytes} bytes)"


class RedisCache(_Stats):
    """Entries in a Redis server shared by replicas; each expires after `ttl_s` seconds."""

    kind = "redis"

    def __init__(self, url: str, ttl_s: int = 24 * 3600, max_value_bytes: int = 64 * 2**20):
        super().__init__()
        import redis

        self.url = url
        self.ttl_s = int(ttl_s)
        self.max_value_bytes = max_value_bytes
        self._client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._warned = False

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self.errors += 1
        if not self._warned:
            self._warned = True
            log.warning("redis cache %s unavailable (%s); computing without the cache", self.url, exc)

    def get(self, key: str) -> bytes | None:
        import redis

        try:
            value = self._client.get(key)
        except redis.RedisError as exc:
            self._failed(exc)
            value = None
        self.count(value is not None)
        return value

    def put(self, key: str, value: bytes) -> None:
        import redis

        if len(value) > self.max_value_bytes:
            return
        try:
            self._client.set(key, value, ex=self.ttl_s)
        except redis.RedisError as exc:
            self._failed(exc)

    def ping(self) -> bool:
        import redis

        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self._client.close()

    def describe(self) -> str:
        return f"redis {self.url}"


def open_cache(url: str | None, max_bytes: int = 256 * 2**20):
    """The cache for a `--cache` value: None or "memory" (LRU of `max_bytes`), "none", or redis://..."""
    if url is None or url == "memory":
        return MemoryCache(max_bytes)
    if url == "none":
        return NullCache()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisCache(url)
    raise ValueError(f"--cache: {url!r} is not 'memory', 'none' or a redis:// URL")
