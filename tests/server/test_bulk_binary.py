"""Binary bulk data for the viewer: /api/catalog/positions and /orbits with format=f32|f64."""
import httpx
import numpy as np
import pytest

import encke

T = 2460603.5


def get(live, path, **params):
    r = httpx.get(f"{live.http}{path}", params=params, timeout=120)
    assert r.status_code == 200, r.text
    return r


def from_json(values):
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def test_positions_f64_equal_json_and_the_engine(live, catalog):
    r = get(live, "/api/catalog/positions", time=T, format="f64")
    assert r.headers["content-type"] == "application/octet-stream"
    n = len(catalog)
    assert int(r.headers["x-encke-count"]) == n and float(r.headers["x-encke-time-jd"]) == T
    assert r.headers["x-encke-catalog-version"] == catalog.version
    assert "X-Encke-Count" in r.headers["access-control-expose-headers"]
    assert len(r.content) == 3 * n * 8
    packed = np.frombuffer(r.content, dtype="<f8").reshape(n, 3)
    direct = encke.propagate(catalog.elements, np.array([T]), model="kepler")[:, 0, :3]
    assert np.array_equal(packed, direct, equal_nan=True)
    as_json = from_json(get(live, "/api/catalog/positions", time=T).json()["positions"]).reshape(n, 3)
    assert np.array_equal(packed, as_json, equal_nan=True)
    f32 = get(live, "/api/catalog/positions", time=T, format="F32")  # case-insensitive
    assert len(f32.content) == 3 * n * 4
    assert np.array_equal(np.frombuffer(f32.content, dtype="<f4").reshape(n, 3), packed.astype(np.float32),
                          equal_nan=True)


def test_orbits_binary_equal_json(live, catalog):
    n, s = len(catalog), 16
    as_json = get(live, "/api/catalog/orbits", samples=s).json()
    f64 = get(live, "/api/catalog/orbits", samples=s, format="f64")
    assert int(f64.headers["x-encke-count"]) == n and int(f64.headers["x-encke-samples"]) == s
    lines = np.frombuffer(f64.content, dtype="<f8").reshape(n, s, 3)
    assert np.array_equal(lines.reshape(-1), from_json(as_json["positions"]), equal_nan=True)
    f32 = get(live, "/api/catalog/orbits", samples=s, format="f32")
    assert np.array_equal(np.frombuffer(f32.content, dtype="<f4").reshape(n, s, 3), lines.astype(np.float32),
                          equal_nan=True)
    # an ellipse's line is closed (first and last samples are E = -pi and pi: aphelion twice)
    k = catalog.index_of("2P")
    assert np.max(np.abs(lines[k, 0] - lines[k, -1])) < 1e-9


@pytest.mark.parametrize("path", ["/api/catalog/positions", "/api/catalog/orbits"])
def test_unknown_format_is_422(live, path):
    r = httpx.get(f"{live.http}{path}", params={"format": "png"}, timeout=30)
    assert r.status_code == 422 and r.json()["detail"].startswith("format: unknown format 'png'")
