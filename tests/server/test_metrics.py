"""Metrics: Prometheus text (read back with prometheus-client's own parser), cumulative
histograms, stream and cache counts, and the XLA compile counter."""
import re

import jax
import jax.numpy as jnp
from prometheus_client.parser import text_string_to_metric_families

from encke.server import metrics as metrics_mod
from encke.server.cache import MemoryCache


def parse(text):
    """{(sample name, frozenset of label items): value}, every HELP/TYPE line checked."""
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"# (HELP|TYPE) encke_\w+ ", line), line
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def test_render_counts_latencies_and_cache_ratio():
    m = metrics_mod.Metrics()
    m.cache = MemoryCache(100)
    m.cache.put("k", b"x")
    m.cache.get("k")
    m.cache.get("nope")
    m.cache.get("nope")
    for seconds in (0.002, 0.02, 3.0):
        m.observe("grpc", "/encke.v1.CatalogService/GetComet", "OK", seconds)
    m.observe("http", 'GET /a"b', "404", 0.001)
    text = m.render()
    s = parse(text)
    grpc = {"transport": "grpc", "method": "/encke.v1.CatalogService/GetComet"}
    assert sample(s, "encke_requests_total", code="OK", **grpc) == 3
    assert sample(s, "encke_requests_total", transport="http", method='GET /a"b', code="404") == 1
    assert 'method="GET /a\\"b"' in text  # the quote is escaped in the exposition
    assert sample(s, "encke_request_duration_seconds_bucket", le="0.005", **grpc) == 1
    assert sample(s, "encke_request_duration_seconds_bucket", le="0.025", **grpc) == 2
    assert sample(s, "encke_request_duration_seconds_bucket", le="+Inf", **grpc) == 3
    assert abs(sample(s, "encke_request_duration_seconds_sum", **grpc) - 3.022) < 1e-9
    assert sample(s, "encke_cache_hits_total") == 1 and sample(s, "encke_cache_misses_total") == 2
    assert abs(sample(s, "encke_cache_hit_ratio") - 1 / 3) < 1e-6
    assert sample(s, "encke_cache_errors_total") == 0
    assert ("encke_warmup_seconds", frozenset()) not in s  # only once a warm-up has run
    m.warmup_seconds = 1.25
    assert sample(parse(m.render()), "encke_warmup_seconds") == 1.25


def test_streams_and_chunks_are_counted_per_server():
    a, b = metrics_mod.Metrics(), metrics_mod.Metrics()
    a.stream_opened()
    a.stream_opened()
    a.stream_closed()
    for _ in range(5):
        a.chunk_computed()
    assert (a.streams_open, a.chunks_computed) == (1, 5)
    assert (b.streams_open, b.chunks_computed) == (0, 0)  # each server has its own registry
    s = parse(a.render())
    assert sample(s, "encke_streams_open") == 1 and sample(s, "encke_stream_chunks_computed_total") == 5


def test_jit_compiles_are_counted():
    metrics_mod.install_jit_listener()
    before = metrics_mod.jit_compiles()

    @jax.jit
    def fresh(x):
        return jnp.sin(x) * 3.0 + 1.0

    fresh(jnp.ones(7)).block_until_ready()
    after_first = metrics_mod.jit_compiles()
    fresh(jnp.ones(7)).block_until_ready()  # cached: no new compilation
    assert after_first >= before + 1 and metrics_mod.jit_compiles() == after_first
    exposed = sample(parse(metrics_mod.Metrics().render()), "encke_jit_compiles_total")
    assert exposed == metrics_mod.jit_compiles()
