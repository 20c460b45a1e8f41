"""Request limits, concurrent-stream slots and per-client rate limiting.

Every request is bounded before any work starts, so nothing a client sends can make the
server allocate without bound. All limits live in one dataclass, `ServerLimits`, which the
`encke serve` flags fill in; exceeding one raises `LimitExceeded` (gRPC RESOURCE_EXHAUSTED,
HTTP 413 or 429) with the limit in the message.
"""
from __future__ import annotations

import dataclasses
import threading
import time

from .errors import LimitExceeded

DAYS_PER_YEAR = 365.25  # Julian year
JSON_BYTES_PER_DOUBLE = 24  # "-1.2345678901234567e-05," at most


@dataclasses.dataclass(frozen=True)
class ServerLimits:
    """Bounds on one request and on the server as a whole.

    max_samples: epochs in one request (times of GetStates, samples of a trajectory).
    max_span_days: stop - start of a trajectory, and the spread of requested epochs (days).
    max_ids: comets named in one request.
    max_object_epochs: objects x epochs in one request or stream chunk (bounds memory: 48 bytes each).
    max_stream_object_epochs: objects x epochs of a whole stream (StreamTrajectory, Observe,
        PropagateCatalog), checked before it starts (bounds the work one stream can ask for).
    max_streams: concurrent streams (gRPC server streams, Follow, WebSockets) server-wide.
    chunk_samples: epochs per StreamTrajectory chunk when the client does not choose.
    block_objects: objects per PropagateCatalog block when the client does not choose.
    max_orbit_samples: points in one orbit line.
    max_clones: Monte Carlo clones in one request (one batched propagation; the viewer draws 500).
    max_response_bytes: the size of one HTTP body or gRPC message, estimated before any work
        (JSON numbers at JSON_BYTES_PER_DOUBLE); stream chunks and blocks shrink to fit it.
    rate_per_s, rate_burst: per-client token bucket (requests/second, bucket size); 0 = off.
    workers: threads that run engine work off the event loop.
    follow_first_clock_s: a Follow stream or WebSocket must send a valid clock within this.
    follow_idle_s: ... and then some message at least this often (the viewer re-sends its clock
        when it reconnects), so silent clients cannot hold the stream slots.
    """

    max_samples: int = 100_000
    max_span_days: float = 2000 * DAYS_PER_YEAR
    max_ids: int = 1000
    max_object_epochs: int = 5_000_000
    max_stream_object_epochs: int = 20_000_000
    max_streams: int = 16
    chunk_samples: int = 512
    block_objects: int = 256
    max_orbit_samples: int = 4096
    max_clones: int = 2000
    max_response_bytes: int = 64 * 2**20
    rate_per_s: float = 0.0
    rate_burst: int = 20
    workers: int = 4
    follow_first_clock_s: float = 30.0
    follow_idle_s: float = 600.0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in ("rate_per_s",):
                if not value >= 0:
                    raise ValueError(f"ServerLimits.{field.name} must be >= 0, got {value!r}")
            elif not value > 0:
                raise ValueError(f"ServerLimits.{field.name} must be > 0, got {value!r}")

    def check_samples(self, n: int, what: str = "samples") -> None:
        if n > self.max_samples:
            raise LimitExceeded(f"{what}: {n} samples exceeds the limit of {self.max_samples} samples",
                                self.max_samples)

    def check_clones(self, n: int) -> None:
        if n > self.max_clones:
            raise LimitExceeded(f"n: {n} clones exceeds the limit of {self.max_clones} clones", self.max_clones)

    def check_ids(self, n: int) -> None:
        if n > self.max_ids:
            raise LimitExceeded(f"ids: {n} comets exceeds the limit of {self.max_ids} ids", self.max_ids)

    def check_span(self, span_days: float, field: str = "stop") -> None:
        if span_days > self.max_span_days:
            raise LimitExceeded(f"{field}: a span of {span_days:.6g} days exceeds the limit of "
                                f"{self.max_span_days:.6g} days", self.max_span_days)

    def check_response_bytes(self, n_bytes: int, hint: str = "") -> None:
        if n_bytes > self.max_response_bytes:
            raise LimitExceeded(f"response: about {n_bytes} bytes exceeds the limit of {self.max_response_bytes} "
                                f"bytes{'; ' + hint if hint else ''}", self.max_response_bytes)

    def fit_rows(self, rows: int, bytes_per_row: int) -> int:
        """`rows`, reduced so that rows x bytes_per_row fits max_response_bytes (at least 1)."""
        return max(1, min(rows, self.max_response_bytes // max(bytes_per_row, 1)))

    def check_stream_work(self, n_objects: int, n_epochs: int) -> None:
        if n_objects * n_epochs > self.max_stream_object_epochs:
            raise LimitExceeded(
                f"stream: {n_objects} objects x {n_epochs} epochs exceeds the limit of "
                f"{self.max_stream_object_epochs} object-epochs per stream", self.max_stream_object_epochs)

    def check_object_epochs(self, n_objects: int, n_epochs: int) -> None:
        if n_objects * n_epochs > self.max_object_epochs:
            raise LimitExceeded(
                f"{n_objects} objects x {n_epochs} epochs exceeds the limit of "
                f"{self.max_object_epochs} object-epochs", self.max_object_epochs)


class StreamSlots:
    """A counter of concurrent streams, bounded by `limit`; thread-safe.

    Use as `with slots.acquire(): ...`; over the limit, acquire raises LimitExceeded at once
    rather than queueing, so a flood of streams is refused instead of piling up.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def acquire(self) -> "_Slot":
        with self._lock:
            if self.active >= self.limit:
                raise LimitExceeded(f"streams: {self.active} concurrent streams already open; "
                                    f"the limit is {self.limit} streams", self.limit, http_status=429)
            self.active += 1
        return _Slot(self)

    def _release(self) -> None:
        with self._lock:
            self.active -= 1


class _Slot:
    def __init__(self, slots: StreamSlots):
        self._slots = slots
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class RateLimiter:
    """Token buckets keyed by client (peer address): `rate` tokens/s, at most `burst` stored.

    `check(key)` takes one token or raises LimitExceeded (HTTP 429). Idle buckets are dropped
    once full again, so the table cannot grow without bound from many distinct peers.
    """

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, key: str) -> None:
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise LimitExceeded(f"rate: more than {self.rate:g} requests/s (burst {self.burst:g}) "
                                    f"from {key}", self.rate, http_status=429)
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:
                self._prune(now)

    def _prune(self, now: float) -> None:
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]
