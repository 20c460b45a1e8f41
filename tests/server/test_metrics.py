"""Metrics: Prometheus text, cumulative histograms, and the XLA compile counter."""
import re

import jax
import jax.numpy as jnp

from encke.server import metrics as metrics_mod
from encke.server.cache import MemoryCache


def parse(text):
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"# (HELP|TYPE) encke_\w+ ", line), line
            continue
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


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
    s = parse(m.render())
    assert s['encke_requests_total{transport="grpc",method="/encke.v1.CatalogService/GetComet",code="OK"}'] == 3
    assert s['encke_requests_total{transport="http",method="GET /a\\"b",code="404"}'] == 1  # escaped label
    labels = 'transport="grpc",method="/encke.v1.CatalogService/GetComet"'
    assert s[f'encke_request_duration_seconds_bucket{{{labels},le="0.005"}}'] == 1
    assert s[f'encke_request_duration_seconds_bucket{{{labels},le="0.025"}}'] == 2
    assert s[f'encke_request_duration_seconds_bucket{{{labels},le="+Inf"}}'] == 3
    assert abs(s[f"encke_request_duration_seconds_sum{{{labels}}}"] - 3.022) < 1e-9
    assert s["encke_cache_hits_total"] == 1 and s["encke_cache_misses_total"] == 2
    assert abs(s["encke_cache_hit_ratio"] - 1 / 3) < 1e-6


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
