"""Prometheus metrics through `prometheus-client` (the maintained library: exposition format,
label escaping and histogram buckets are its job, not ours).

Counted here: requests by transport, method and result code; request latency (a histogram);
stream chunks computed (the cancellation test reads it); open streams; cache hits, misses and
errors; the warm-up time; and XLA compilations, from jax.monitoring's backend-compile event,
which jax 0.10 records once per compilation of any jitted function in the process.

Each `Metrics` has its own registry, so several servers in one process (the tests) keep
separate counts; the compile counters are process-wide by nature and read at scrape time.
"""
from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

# Latency buckets (seconds): from a cached lookup to a long N-body run.
_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"

_jit = {"count": 0, "seconds": 0.0}
_jit_lock = threading.Lock()
_jit_registered = False


def _on_duration(event: str, duration_s: float, **_kwargs) -> None:
    if event == _COMPILE_EVENT:
        with _jit_lock:
            _jit["count"] += 1
            _jit["seconds"] += duration_s


def install_jit_listener() -> None:
    """Start counting compilations (idempotent; listeners are process-wide)."""
    global _jit_registered
    with _jit_lock:
        if _jit_registered:
            return
        _jit_registered = True
    import jax.monitoring

    jax.monitoring.register_event_duration_secs_listener(_on_duration)


def jit_compiles() -> int:
    return _jit["count"]


class _ScrapeTimeValues:
    """A collector for values owned elsewhere (the cache's counts, the warm-up time, the
    process-wide compile counters): read when Prometheus scrapes, never copied."""

    def __init__(self, metrics: Metrics):
        self._metrics = metrics

    def collect(self):
        if self._metrics.warmup_seconds is not None:
            yield GaugeMetricFamily("encke_warmup_seconds", "Seconds the start-up warm-up (compilation) took.",
                                    value=self._metrics.warmup_seconds)
        cache = self._metrics.cache
        if cache is not None:
            hits, misses = cache.hits, cache.misses
            yield CounterMetricFamily("encke_cache_hits", "State cache hits.", value=hits)
            yield CounterMetricFamily("encke_cache_misses", "State cache misses.", value=misses)
            yield CounterMetricFamily("encke_cache_errors", "State cache back-end errors and timeouts.",
                                      value=getattr(cache, "errors", 0))
            yield GaugeMetricFamily("encke_cache_hit_ratio", "Hits / (hits + misses) since start; 0 before any lookup.",
                                    value=hits / (hits + misses) if hits + misses else 0.0)
        with _jit_lock:
            count, seconds = _jit["count"], _jit["seconds"]
        yield CounterMetricFamily("encke_jit_compiles", "XLA compilations in this process (jax.monitoring).",
                                  value=count)
        yield CounterMetricFamily("encke_jit_compile_seconds", "Seconds spent in XLA compilation.", value=seconds)


class Metrics:
    """The metrics of one server; thread-safe; `render()` gives the Prometheus text exposition."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self._requests = Counter("encke_requests", "Requests by transport, method and result code.",
                                 ["transport", "method", "code"], registry=self.registry)
        self._latency = Histogram("encke_request_duration_seconds", "Request latency in seconds.",
                                  ["transport", "method"], buckets=_BUCKETS, registry=self.registry)
        self._chunks = Counter("encke_stream_chunks_computed", "Stream chunks and blocks computed.",
                               registry=self.registry)
        self._streams = Gauge("encke_streams_open", "Streams open now (gRPC streams and WebSockets).",
                              registry=self.registry)
        self.cache = None  # set by the service: an object with hits, misses (and errors)
        self.warmup_seconds: float | None = None  # set by warmup.warm_up when it finishes
        self.registry.register(_ScrapeTimeValues(self))
        install_jit_listener()

    def observe(self, transport: str, method: str, code: str, seconds: float) -> None:
        self._requests.labels(transport, method, code).inc()
        self._latency.labels(transport, method).observe(seconds)

    def chunk_computed(self) -> None:
        self._chunks.inc()

    def stream_opened(self) -> None:
        self._streams.inc()

    def stream_closed(self) -> None:
        self._streams.dec()

    @property
    def chunks_computed(self) -> int:
        return int(self.registry.get_sample_value("encke_stream_chunks_computed_total"))

    @property
    def streams_open(self) -> int:
        return int(self.registry.get_sample_value("encke_streams_open"))

    def render(self) -> str:
        return generate_latest(self.registry).decode("utf-8")
