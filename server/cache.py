"""Cache of computed states, keyed by (catalog version, ids, model, frame, centre, times).

Two back ends with one interface (`get(key) -> bytes | None`, `put(key, value)`):
- `MemoryCache`: an in-process LRU bounded in bytes (the default);
- `RedisCache`: a shared Redis (`--cache redis://host:port/db`), so stateless replicas behind
  a load balancer reuse each other's results.
Values are (states, status) arrays serialised by `pack`/`unpack`; keys are SHA-256 digests of
the inputs, so a key never grows with the request. A Redis that goes away or freezes degrades
to misses, logged once, never to a failed or a stalled request: short socket timeouts and a
circuit breaker bound what it costs.
"""
from __future__ import annotations

import collections
import hashlib
import logging
import struct
import threading
import time

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


class CircuitBreaker:
    """Stop calling a back end that fails, for a while, then try it again with one call.

    Closed: calls go through. A failure (an error or a timeout) opens it: for `cooldown_s`
    seconds `allow()` says no and callers skip the back end, so a frozen Redis costs each
    request nothing instead of a socket timeout. Then it is half-open: one caller gets a trial
    call; its success closes the breaker and its failure opens it again. Thread-safe.
    """

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, cooldown_s: float = 5.0, clock=time.monotonic):
        self.cooldown_s = float(cooldown_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._state = self.CLOSED
        self._opened_at = 0.0

    @property
    def state(self) -> str:
        with self._lock:
            if self._state == self.OPEN and self._clock() - self._opened_at >= self.cooldown_s:
                return self.HALF_OPEN
            return self._state

    def allow(self) -> bool:
        """May the caller use the back end now? (True for the one trial call when half-open.)"""
        with self._lock:
            if self._state == self.CLOSED:
                return True
            if self._state == self.OPEN and self._clock() - self._opened_at >= self.cooldown_s:
                self._state = self.HALF_OPEN  # this caller makes the trial; others keep skipping
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._state = self.CLOSED

    def failed(self) -> None:
        with self._lock:
            self._state = self.OPEN
            self._opened_at = self._clock()


class RedisCache(_Stats):
    """Entries in a Redis server shared by replicas; each expires after `ttl_s` seconds.

    A slow or frozen Redis must cost a request no more than a miss (issue 16, defect 6): every
    socket operation times out after `timeout_s` (Redis answers a healthy GET in well under a
    millisecond on a LAN), and a `CircuitBreaker` skips Redis for `cooldown_s` after a failure.
    Skipped lookups count as misses and in `skipped`; failed calls count in `errors`.
    """

    kind = "redis"

    def __init__(self, url: str, ttl_s: int = 24 * 3600, max_value_bytes: int = 64 * 2**20,
                 timeout_s: float = 0.25, cooldown_s: float = 5.0):
        super().__init__()
        import redis

        self.url = url
        self.ttl_s = int(ttl_s)
        self.max_value_bytes = max_value_bytes
        self.skipped = 0
        self.breaker = CircuitBreaker(cooldown_s)
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._warned = False

    def _call(self, method, *args, **kwargs):
        """(True, result) from the Redis call, or (False, None) when it failed or was skipped."""
        import redis

        if not self.breaker.allow():
            with self._lock:
                self.skipped += 1
            return False, None
        try:
            result = method(*args, **kwargs)
        except redis.RedisError as exc:  # timeouts and refused connections included
            self.breaker.failed()
            self._failed(exc)
            return False, None
        except BaseException:
            self.breaker.failed()  # never leave a half-open trial pending
            raise
        self.breaker.succeeded()
        return True, result

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self.errors += 1
        if not self._warned:
            self._warned = True
            log.warning("redis cache %s unavailable (%s); computing without the cache for %.0f s at a time",
                        self.url, exc, self.breaker.cooldown_s)

    def get(self, key: str) -> bytes | None:
        _, value = self._call(self._client.get, key)
        self.count(value is not None)
        return value

    def put(self, key: str, value: bytes) -> None:
        if len(value) > self.max_value_bytes:
            return
        self._call(self._client.set, key, value, ex=self.ttl_s)

    def ping(self) -> bool:
        ok, answer = self._call(self._client.ping)
        return ok and bool(answer)

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
