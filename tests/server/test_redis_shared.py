"""Two server instances sharing one real redis-server reuse each other's results."""
import httpx
import numpy as np

from encke.client import Client
from encke.server.cache import RedisCache
from encke.server.service import Service

T0 = 2460603.5


def test_two_servers_share_one_redis(catalog, start_server, redis_url):
    a = start_server(Service(catalog, cache=RedisCache(redis_url)))
    b = start_server(Service(catalog, cache=RedisCache(redis_url)))
    times = T0 + np.arange(5) * 7.25
    with Client(a.grpc) as ca, Client(b.grpc) as cb:
        first = ca.get_states(["1P", "2P"], times)
        assert (a.service.cache.hits, a.service.cache.misses) == (0, 1)
        second = cb.get_states(["1P", "2P"], times)
        assert (b.service.cache.hits, b.service.cache.misses) == (1, 0)  # B computed nothing
        np.testing.assert_array_equal(first, second)
        cb.get_states(["1P", "2P"], times, frame="icrf")  # another key: a miss on B, then a hit on A
        ca.get_states(["1P", "2P"], times, frame="icrf")
        assert (a.service.cache.hits, b.service.cache.misses) == (1, 1)
    params = {"start": T0, "stop": T0 + 30, "step": "3d"}
    body_a = httpx.get(a.http + "/api/comets/2P/trajectory", params=params, timeout=60).json()
    hits = b.service.cache.hits
    body_b = httpx.get(b.http + "/api/comets/2P/trajectory", params=params, timeout=60).json()
    assert b.service.cache.hits == hits + 1 and body_a == body_b
    metrics = httpx.get(b.http + "/metrics", timeout=10).text
    assert f"encke_cache_hits_total {b.service.cache.hits}" in metrics
