"""GET /api/comets/{id}/perihelion: the next perihelion with the viewer's model (engine/passages.py).

Two-body here (the N-body search is checked in tests/engine/test_passages.py and, end to end
through the page, in tests/web/test_viewer_panels.py).
"""
import httpx
import pytest

from encke.engine.perihelion import next_perihelion_jd


@pytest.fixture(scope="module")
def http(live):
    with httpx.Client(base_url=live.http, timeout=120) as client:
        yield client


def test_kepler_next_perihelion_is_the_two_body_time_law(http, catalog):
    t = 2446431.5  # 1986-01-01
    body = http.get("/api/comets/1P/perihelion", params={"time": t, "model": "kepler"}).json()
    c = catalog.get("1P")
    assert body["id"] == "1P" and body["model"] == "kepler" and body["time_jd"] == t
    assert body["next_perihelion_jd"] == next_perihelion_jd(float(c.q), float(c.e), float(c.tp), t)
    assert body["reason"] == ""


def test_open_orbit_after_perihelion_says_so(http, catalog):
    tp = float(catalog.get("C/2023 A3").tp)
    body = http.get("/api/comets/C/2023 A3/perihelion", params={"time": tp + 50, "model": "kepler"}).json()
    assert body["next_perihelion_jd"] is None and "open orbit" in body["reason"]


def test_bad_model_and_unknown_comet(http):
    bad = http.get("/api/comets/1P/perihelion", params={"model": "verlet"})
    assert bad.status_code == 422 and "model" in bad.json()["detail"]
    assert http.get("/api/comets/C/1801 Z9/perihelion").status_code == 404
