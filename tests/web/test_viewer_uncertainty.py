"""The viewer's uncertainty toggle and the catalog-wide "upcoming close approaches" list, in
headless Chromium against a live `encke serve` whose SBDB look-ups are answered by a real
replay server with the recorded SBDB answers (tests/web/conftest.py). Expected values come
from the engine (encke.sample_orbits, encke.propagate, encke.observe(..., covariance=...),
encke.close_approaches), never from the viewer's code.
"""
from __future__ import annotations

import io
import time

import httpx
import numpy as np
import pytest
from PIL import Image

import encke
from encke.engine.sources import sbdb

READY = "() => window.encke && window.encke.ready && window.encke.catalogCount > 0"
EPOCH = 2460600.5  # 2024-10-16
COMET = "67P"  # has a recorded SBDB answer with a covariance
# camera 0.9 au from 67P (at -3.20, -4.58, -0.06 au on that date), looking at it
CAMERA = "-3.35,-5.35,0.45,-3.197,-4.584,-0.06"
MAGENTA = np.array([0xFF, 0x4F, 0xD8])


def open_viewer(page, base: str, query: str = ""):
    page.goto(f"{base}/{query}")
    page.wait_for_function(READY, timeout=60_000)
    return page


def hook(page, name: str):
    return page.evaluate(f"() => window.encke.{name}")


def wait_until(predicate, timeout_s: float = 15, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def magenta_pixels(png: bytes) -> np.ndarray:
    """(x, y) of the pixels drawn in the uncertainty colour (the cloud, the ellipse)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    ys, xs = np.nonzero((r > 110) & (b > 90) & (r - g > 60) & (b - g > 40))
    return np.stack([xs, ys], axis=1).astype(float)


@pytest.fixture(scope="module")
def catalog(viewer_catalog):
    return encke.read_comets(viewer_catalog)


@pytest.fixture(scope="module")
def solution(sbdb_answers):
    return sbdb.parse_response(sbdb_answers[COMET], COMET)


def test_clones_endpoint_is_the_engines_sampling_and_checks_its_input(live_server, solution):
    """/api/comets/{id}/clones: n clones of SBDB's orbit, equal to encke.sample_orbits with the
    same seed propagated by encke.propagate; bad input 422 naming the field (413 for n over the
    limit), and a clear note (200, positions null) for a comet SBDB has no covariance for."""
    base = f"{live_server.url}/api/comets"
    with httpx.Client(timeout=600) as client:
        r = client.get(f"{base}/{COMET}/clones", params={"n": 50, "time": EPOCH, "seed": 7})
        assert r.status_code == 200, r.text
        body = r.json()
        clones = encke.sample_orbits(solution.elements, solution, 50, seed=7)
        expected = np.asarray(encke.propagate(clones, np.array([EPOCH]), model="kepler"))[:, 0, :3]
        nominal = np.asarray(encke.propagate(solution.elements, np.array([EPOCH]), model="kepler"))[0, 0, :3]
        got = np.asarray(body["positions"], dtype=float)
        assert got.shape == (50, 3) and body["orbit"] == f"sbdb {solution.orbit_id}"
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)  # au: 15 cm
        np.testing.assert_allclose(body["nominal"], nominal, rtol=0, atol=1e-12)
        assert np.ptp(got, axis=0).max() > 0  # a cloud, not 50 copies
        info = client.get(f"{base}/{COMET}/covariance").json()
        assert info["available"] and info["orbit"] == body["orbit"] and info["labels"][:2] == ["e", "q"]
        for query, field, status in (({"n": 0}, "n", 422), ({"n": 2001}, "n", 413), ({"n": "many"}, "n", 422),
                                     ({"model": "x"}, "model", 422), ({"time": "yesterday"}, "time", 422),
                                     ({"seed": -1}, "seed", 422)):
            bad = client.get(f"{base}/{COMET}/clones", params={"time": EPOCH, **query})
            assert bad.status_code == status and bad.json()["detail"].startswith(field), (query, bad.text)
        none = client.get(f"{base}/C%2F2023%20A3/clones", params={"time": EPOCH, "n": 10}).json()
        assert none["positions"] is None and none["nominal"] is None
        assert none["uncertainty_note"].startswith("no covariance available")
        assert client.get(f"{base}/C%2F2023%20A3/covariance").json()["available"] is False
        assert client.get(f"{base}/NOPE-1/clones").status_code == 404


def test_uncertainty_toggle_shows_the_clone_cloud_and_the_3sigma_ellipse(page, live_server, catalog, solution,
                                                                        artifacts):
    """67P on 2024-10-16 with SBDB's recorded covariance: the toggle draws the server's clones
    around the comet in 3D (their spread is the engine's, magnified by the factor shown) and
    the 3-sigma ellipse on the sky chart, whose axes are the engine's smaa and smia (measured
    on the drawn pixels). A comet SBDB has no covariance for gets a disabled toggle and why."""
    open_viewer(page, live_server.url, f"?c={COMET}&t={EPOCH}&cam={CAMERA}")
    page.wait_for_function(f"() => window.encke.selected === {COMET!r}")
    toggle = page.get_by_test_id("uncertainty-toggle")
    page.wait_for_function("() => window.encke.uncertainty && window.encke.uncertainty.available === true")
    assert toggle.is_enabled()
    toggle.check()
    page.wait_for_function("() => window.encke.uncertainty.cloud !== null && window.encke.cloudVisible", timeout=240_000)
    state = hook(page, "uncertainty")
    cloud = state["cloud"]
    assert cloud["n"] == 500 and cloud["time_jd"] == EPOCH and cloud["model"] == "kepler"
    k = cloud["magnification"]
    assert k >= 1 and np.log10(k) == round(np.log10(k)) and cloud["rms_au"] * k >= 0.02
    # the clones as drawn: their offsets from one another are the engine's, times k (float32 in 3D)
    drawn = np.asarray(page.evaluate("() => window.encke.cloudPositions()"))
    clones = encke.sample_orbits(solution.elements, solution, 500, seed=0)
    engine = np.asarray(encke.propagate(clones, np.array([EPOCH]), model="kepler"))[:, 0, :3]
    assert drawn.shape == (500, 3)
    np.testing.assert_allclose((drawn - drawn[0]) / k, engine - engine[0], rtol=0, atol=3e-6 / k)
    # ... around the comet as drawn (the catalog's orbit), not SBDB's nominal
    nominal = np.asarray(cloud["nominal"])
    centre = drawn.mean(axis=0) - k * (engine.mean(axis=0) - nominal)
    assert np.linalg.norm(centre - np.asarray(hook(page, "selectedPosition"))) < 1e-5
    # and visible: the cloud's colour around the comet on the canvas
    assert len(magenta_pixels(page.get_by_test_id("scene-canvas").screenshot())) > 40
    note = page.get_by_test_id("uncertainty-note").text_content()
    assert "500 clones" in note and solution.orbit_id in note
    page.screenshot(path=str(artifacts / "uncertainty-cloud.png"))

    # the sky chart: the 3-sigma ellipse of SBDB's solution, as the engine and the observe endpoint give it
    page.get_by_test_id("tab-sky").click()
    page.wait_for_function("() => { const u = window.encke.uncertainty; return u.ellipse && u.ellipse.a_px !== null"
                           " && window.encke.skyChart !== null; }", timeout=240_000)
    ellipse = hook(page, "uncertainty")["ellipse"]
    j = catalog.index_of(COMET)
    ref = encke.observe(solution.elements, np.array([EPOCH]), "500", model="kepler", ephemeris="de440",
                        H=catalog.column("H")[j:j + 1], K=catalog.column("K")[j:j + 1], covariance=solution).uncertainty
    served = httpx.get(f"{live_server.url}/api/comets/{COMET}/observe",
                       params={"time": EPOCH, "uncertainty": "true"}, timeout=600).json()
    for name, key in (("smaa_arcsec", "smaa_3sigma_arcsec"), ("smia_arcsec", "smia_3sigma_arcsec"),
                      ("theta_deg", "theta_deg")):
        assert ellipse[name] == pytest.approx(getattr(ref, key)[0, 0], rel=1e-9, abs=1e-12), name
        assert ellipse[name] == served[key][0], name
    m, ppd = ellipse["magnification"], ellipse["px_per_deg"]
    assert ellipse["a_px"] == pytest.approx(ellipse["smaa_arcsec"] / 3600 * ppd * m, rel=1e-12)
    assert ellipse["b_px"] == pytest.approx(ellipse["smia_arcsec"] / 3600 * ppd * m, rel=1e-12)
    assert ellipse["a_px"] >= 24 and np.log10(m) == round(np.log10(m))
    # measure the drawn ellipse: its pixels, in the frame of its axes (PA from north through east)
    chart = page.get_by_test_id("sky-chart")
    px = magenta_pixels(chart.screenshot())
    cx, cy = ellipse["centre_px"]
    near = px[np.hypot(px[:, 0] - cx, px[:, 1] - cy) < 2 * ellipse["a_px"]]
    assert len(near) > 30
    t = np.radians(ellipse["theta_deg"])
    major, minor = np.array([-np.sin(t), -np.cos(t)]), np.array([np.cos(t), -np.sin(t)])
    rel = near - [cx, cy]
    assert np.abs(rel @ major).max() == pytest.approx(ellipse["a_px"], abs=2.0)  # the line is 1.5 px wide
    assert np.abs(rel @ minor).max() == pytest.approx(ellipse["b_px"], abs=2.0)
    # centred on the comet's place on the chart (the engine's /observe at the shown time)
    sky = hook(page, "skyChart")
    assert sky["epoch_jd"] == EPOCH and sky["id"] == COMET
    page.screenshot(path=str(artifacts / "uncertainty-sky.png"))

    # C/2023 A3 has no recorded SBDB answer (SBDB says "not found"): the toggle is off, and says why
    box = page.get_by_test_id("search-input")
    box.fill("C/2023 A3")
    page.get_by_test_id("search-result").first.wait_for()
    box.press("Enter")
    page.wait_for_function("() => window.encke.selected === 'C/2023 A3' && window.encke.uncertainty"
                           " && window.encke.uncertainty.available === false")
    assert toggle.is_disabled() and not hook(page, "cloudVisible")
    reason = page.get_by_test_id("uncertainty-note").text_content()
    assert "no covariance available" in reason and "C/2023 A3" in reason
    assert "no covariance available" in toggle.get_attribute("title")


def test_upcoming_close_approaches_are_the_engines(page, live_server, catalog, artifacts):
    """The catalog-wide list: every comet's approaches to the Earth within 1 au over the next 90
    days, equal to encke.close_approaches for the same window; the page keeps drawing while the
    server searches; a click selects the comet and moves the clock to the approach."""
    open_viewer(page, live_server.url, f"?t={EPOCH}")
    frames = hook(page, "frameCount")
    page.locator(".upcoming summary").click()
    status = page.get_by_test_id("upcoming-status")
    wait_until(lambda: hook(page, "upcomingLoading") or hook(page, "upcoming") is not None, what="the search")
    if hook(page, "upcomingLoading"):
        assert "Searching" in status.text_content()
    # the engine's answer for the same window, computed while the server searches
    found = encke.close_approaches(catalog, EPOCH, EPOCH + 90, ("earth",), 1.0, ephemeris="de440")
    page.wait_for_function("() => window.encke.upcoming !== null", timeout=400_000)
    assert hook(page, "frameCount") > frames + 10  # the page kept drawing
    shown = hook(page, "upcoming")
    assert shown["start_jd"] == EPOCH and shown["stop_jd"] == EPOCH + 90 and shown["max_au"] == 1.0
    expected = sorted(zip(found.time_tdb_jd, found.distance_au, found.designation), key=lambda r: (r[0], r[1]))
    rows = shown["rows"]
    assert len(rows) == len(expected) > 0
    for r, (t, d, name) in zip(rows, expected):
        assert r["designation"] == name
        assert abs(r["time_tdb_jd"] - t) < 1 / 1440 and abs(r["distance_au"] - d) < 1e-8  # a minute, 1.5 km
    items = page.get_by_test_id("upcoming-approaches").locator("button")
    assert items.count() == len(rows)
    page.screenshot(path=str(artifacts / "upcoming-approaches.png"))
    pick = rows[-1]
    items.nth(len(rows) - 1).click()
    page.wait_for_function(f"() => window.encke.selected === {pick['designation']!r}")
    wait_until(lambda: abs(hook(page, "epoch") - pick["time_tdb_jd"]) < 1e-9, what="the clock at the approach")
    assert not hook(page, "playing")
