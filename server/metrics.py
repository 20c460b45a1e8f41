"""Prometheus text-format metrics, hand-written (no client library needed).

Counted here: requests by transport, method and result code; request latency (a histogram);
stream chunks computed (the cancellation test reads it); open streams; cache hits and misses;
and XLA compilations, from jax.monitoring's backend-compile event, which jax 0.10 records once
per compilation of any jitted function in the process.
"""
from __future__ import annotations

import bisect
import threading

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


class Metrics:
    """Counters for one server process; thread-safe; `render()` gives the exposition text."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[tuple[str, str], list] = {}  # (transport, method) -> [bucket counts, sum, count]
        self.chunks_computed = 0
        self.streams_open = 0
        self.cache = None  # set by the service: an object with hits, misses
        self.warmup_seconds: float | None = None  # set by warmup.warm_up when it finishes
        install_jit_listener()

    def observe(self, transport: str, method: str, code: str, seconds: float) -> None:
        with self._lock:
            key = (transport, method, code)
            self.requests[key] = self.requests.get(key, 0) + 1
            hist = self.latency.setdefault((transport, method), [[0] * (len(_BUCKETS) + 1), 0.0, 0])
            hist[0][bisect.bisect_left(_BUCKETS, seconds)] += 1
            hist[1] += seconds
            hist[2] += 1

    def chunk_computed(self) -> None:
        with self._lock:
            self.chunks_computed += 1

    def stream_opened(self) -> None:
        with self._lock:
            self.streams_open += 1

    def stream_closed(self) -> None:
        with self._lock:
            self.streams_open -= 1

    def render(self) -> str:
        lines: list[str] = []

        def head(name: str, kind: str, text: str) -> None:
            lines.append(f"# HELP {name} {text}")
            lines.append(f"# TYPE {name} {kind}")

        with self._lock:
            head("encke_requests_total", "counter", "Requests by transport, method and result code.")
            for (transport, method, code), n in sorted(self.requests.items()):
                lines.append(f'encke_requests_total{{transport="{transport}",method="{_esc(method)}",'
                             f'code="{code}"}} {n}')
            head("encke_request_duration_seconds", "histogram", "Request latency in seconds.")
            for (transport, method), (buckets, total, count) in sorted(self.latency.items()):
                labels = f'transport="{transport}",method="{_esc(method)}"'
                cumulative = 0
                for le, n in zip(_BUCKETS + (float("inf"),), buckets):
                    cumulative += n
                    le_text = "+Inf" if le == float("inf") else repr(le)
                    lines.append(f'encke_request_duration_seconds_bucket{{{labels},le="{le_text}"}} {cumulative}')
                lines.append(f"encke_request_duration_seconds_sum{{{labels}}} {total:.6f}")
                lines.append(f"encke_request_duration_seconds_count{{{labels}}} {count}")
            head("encke_stream_chunks_computed_total", "counter", "Stream chunks and blocks computed.")
            lines.append(f"encke_stream_chunks_computed_total {self.chunks_computed}")
            head("encke_streams_open", "gauge", "Streams open now (gRPC streams and WebSockets).")
            lines.append(f"encke_streams_open {self.streams_open}")
        if self.warmup_seconds is not None:
            head("encke_warmup_seconds", "gauge", "Seconds the start-up warm-up (compilation) took.")
            lines.append(f"encke_warmup_seconds {self.warmup_seconds:.6f}")
        cache = self.cache
        if cache is not None:
            hits, misses = cache.hits, cache.misses
            head("encke_cache_hits_total", "counter", "State cache hits.")
            lines.append(f"encke_cache_hits_total {hits}")
            head("encke_cache_misses_total", "counter", "State cache misses.")
            lines.append(f"encke_cache_misses_total {misses}")
            head("encke_cache_hit_ratio", "gauge", "Hits / (hits + misses) since start; 0 before any lookup.")
            lines.append(f"encke_cache_hit_ratio {hits / (hits + misses) if hits + misses else 0.0:.6f}")
        head("encke_jit_compiles_total", "counter", "XLA compilations in this process (jax.monitoring).")
        lines.append(f"encke_jit_compiles_total {_jit['count']}")
        head("encke_jit_compile_seconds_total", "counter", "Seconds spent in XLA compilation.")
        lines.append(f"encke_jit_compile_seconds_total {_jit['seconds']:.6f}")
        return "\n".join(lines) + "\n"


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
