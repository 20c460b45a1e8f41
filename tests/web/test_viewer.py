"""The viewer in a real browser (headless Chromium + SwiftShader WebGL) against a live server.

Expected values come from the engine itself, computed here independently of the page
(encke.read_comets, encke.propagate) or from astropy (calendar -> TDB), never from the
viewer's code.
"""
from __future__ import annotations

import io
import math
import re
import time
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest
from PIL import Image

import encke

BACKGROUND = np.array([0x05, 0x07, 0x0D])
READY = "() => window.encke && window.encke.ready && window.encke.catalogCount > 0"
AU_KM = 149_597_870.7


def open_viewer(page, base: str, query: str = "", wait_ready: bool = True):
    """Load the viewer at base + "/" + query (base may also be a full URL with its query)."""
    page.goto(base if "?" in base else f"{base}/{query}")
    if wait_ready:
        page.wait_for_function(READY, timeout=60_000)
    return page


def canvas_pixels(page) -> np.ndarray:
    png = page.get_by_test_id("scene-canvas").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def drawn_fraction(pixels: np.ndarray) -> float:
    """Fraction of canvas pixels that differ visibly from the clear colour."""
    return float((np.abs(pixels - BACKGROUND).max(axis=2) > 24).mean())


def hook(page, name: str):
    return page.evaluate(f"() => window.encke.{name}")


def wait_until(predicate, timeout_s: float = 15, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def select_via_search(page, text: str, expect_id: str):
    page.get_by_test_id("search-input").fill(text)
    result = page.get_by_test_id("search-results").get_by_test_id("search-result").filter(has_text=expect_id).first
    result.click()
    page.wait_for_function(f"() => window.encke.selected === {expect_id!r}")
    page.get_by_test_id("info-panel").wait_for(state="visible")


def save_view(page, artifacts, name: str) -> None:
    """Keep a screenshot of the whole page as a test artifact (not compared: for people)."""
    page.screenshot(path=str(artifacts / f"{name}.png"))


def wait_info_current(page):
    """Wait until the info panel shows the state at the displayed epoch (clock paused)."""
    page.wait_for_function("() => window.encke.infoEpoch !== null && window.encke.infoEpoch === window.encke.epoch")


@pytest.fixture(scope="module")
def catalog(viewer_catalog):
    return encke.read_comets(viewer_catalog)


def test_page_loads_and_draws_catalog_and_orbits(page, live_server, catalog, artifacts):
    # No console errors and no uncaught exceptions: the page fixture asserts it at the end.
    open_viewer(page, live_server.url)
    assert hook(page, "catalogCount") == len(catalog)
    page.wait_for_function("() => window.encke.orbitsLoaded && window.encke.firstOrbitsFrameMs !== null")
    assert page.get_by_test_id("error-banner").is_hidden()
    # The load-to-first-frame timings are exposed for the benchmark, in order.
    assert 0 < hook(page, "firstFrameMs") <= hook(page, "firstOrbitsFrameMs")
    time.sleep(0.5)
    save_view(page, artifacts, "overview")
    with_orbits = canvas_pixels(page)
    # The Sun's dot is drawn at the centre of the default view: a warm, bright pixel cluster.
    sun = (with_orbits[:, :, 0] > 200) & (with_orbits[:, :, 1] > 150) & (with_orbits[:, :, 2] < 170)
    assert sun.sum() > 20
    drawn = drawn_fraction(with_orbits)
    assert drawn > 0.02, f"canvas nearly blank: {drawn:.4f} of pixels drawn"
    # Turning the catalog's orbit lines off removes a visible share of the drawing.
    page.get_by_test_id("toggle-orbits").uncheck()
    time.sleep(0.5)
    without = drawn_fraction(canvas_pixels(page))
    assert without < drawn * 0.8, f"orbit lines made no visible difference ({drawn:.4f} vs {without:.4f})"


def test_select_halley_shows_catalog_elements_and_engine_distance(page, live_server, catalog):
    open_viewer(page, live_server.url)
    select_via_search(page, "Halley", "1P")
    comet = catalog.get("1P")
    # Display rounding: 6 decimals for q and e.
    assert abs(float(page.get_by_test_id("info-q").text_content()) - comet.q) <= 5e-7 + 1e-12
    assert abs(float(page.get_by_test_id("info-e").text_content()) - comet.e) <= 5e-7 + 1e-12
    wait_info_current(page)
    epoch = hook(page, "epoch")
    k = catalog.index_of("1P")
    state = np.asarray(encke.propagate(catalog.elements[k:k + 1], np.array([epoch]), model="kepler"))[0, 0]
    r_sun = float(np.linalg.norm(state[:3]))
    shown = float(page.get_by_test_id("info-r-sun").text_content())
    assert abs(shown - r_sun) <= 5e-5 + 1e-9, f"info-r-sun {shown} vs engine {r_sun:.6f} au"
    # The position the page received (follow stream or position call) is the engine's, to 1 km.
    page.wait_for_function("() => window.encke.selectedPosition !== null && window.encke.selectedPositionEpoch === window.encke.epoch")
    received = np.array(hook(page, "selectedPosition"))
    assert np.linalg.norm(received - state[:3]) * AU_KM < 1.0


def test_halley_near_the_sun_in_february_1986(page, live_server, artifacts):
    """1P/Halley passed perihelion (q = 0.587 au) on 1986-02-09. From the 2024 catalog orbit
    only the N-body model gets there: two-body motion misses the 1986 passage by weeks (the
    planets changed the period), so the page is switched to N-body first."""
    from astropy.time import Time

    open_viewer(page, live_server.url)
    select_via_search(page, "Halley", "1P")
    page.get_by_test_id("model-select").select_option("nbody")
    date = page.get_by_test_id("date-input")
    date.fill("1986-02-09")
    date.press("Enter")
    expected = Time("1986-02-09 00:00:00", scale="utc").tdb.jd
    wait_until(lambda: abs(hook(page, "epoch") - expected) < 1e-6, what="epoch 1986-02-09")
    page.wait_for_function("() => window.encke.infoEpoch === window.encke.epoch", timeout=90_000)
    epoch = hook(page, "epoch")
    shown = float(page.get_by_test_id("info-r-sun").text_content())
    assert shown < 0.6, f"Halley at {shown} au from the Sun on 1986-02-09"
    page.wait_for_function("() => window.encke.selectedPositionEpoch === window.encke.epoch", timeout=60_000)
    received = np.array(hook(page, "selectedPosition"))
    assert np.linalg.norm(received) < 0.6
    # The panel and the hook show the server's N-body state for that instant.
    nbody = httpx.get(f"{live_server.url}/api/comets/1P/position", params={"time": epoch, "model": "nbody"}, timeout=120).json()
    assert abs(shown - nbody["r_sun_au"]) <= 5e-5 + 1e-9
    assert np.linalg.norm(received - np.array(nbody["position"])) * AU_KM < 1.0
    save_view(page, artifacts, "halley-1986-02-09")


def test_halleys_2061_return_has_planets_and_a_filled_panel(page, live_server, artifacts):
    """At Halley's 2061 perihelion (two-body, 2061-07-28), beyond DE421's 2053, the server's DE440
    still gives the planets, and every field of the panel is filled: none is left as a dash."""
    import warnings

    from astropy.time import Time
    from erfa import ErfaWarning

    open_viewer(page, live_server.url)
    select_via_search(page, "Halley", "1P")
    date = page.get_by_test_id("date-input")
    date.fill("2061-07-28")
    date.press("Enter")
    with warnings.catch_warnings():  # no leap-second table reaches 2061: ERFA calls the year dubious
        warnings.simplefilter("ignore", ErfaWarning)
        expected = Time("2061-07-28 00:00:00", scale="utc").tdb.jd
    wait_until(lambda: abs(hook(page, "epoch") - expected) < 1e-6, what="epoch 2061-07-28")
    page.wait_for_function("() => window.encke.infoEpoch === window.encke.epoch", timeout=90_000)
    page.wait_for_function("() => window.encke.observeEpoch === window.encke.epoch", timeout=90_000)
    wait_until(lambda: abs((hook(page, "planetsEpoch") or 0) - expected) < 2.0, what="planets at 2061-07-28")
    page.wait_for_function("() => window.encke.nextPerihelion !== null && !window.encke.busy", timeout=90_000)
    assert page.get_by_test_id("error-banner").is_hidden()
    keys = ["q", "e", "i", "node", "argp", "tp", "period", "next-perihelion", "r-sun", "r-earth", "speed",
            "ra", "dec", "elongation", "phase", "tmag"]
    shown = {key: page.get_by_test_id(f"info-{key}").text_content().strip() for key in keys}
    empty = [key for key, text in shown.items() if text in ("", "\u2014", "-", "unavailable")]
    assert not empty, f"panel fields left empty at 2061-07-28: {empty} ({shown})"
    assert float(shown["r-sun"]) < 1.5  # near the Sun: this is the 2061 return
    assert shown["next-perihelion"].startswith("2061")
    save_view(page, artifacts, "halley-2061-07-28")


def test_observing_panel_matches_engine_observe(page, live_server, catalog, artifacts):
    """RA/Dec, elongation and magnitude from the geocentre (observer 500) as encke.observe gives
    them at the page's epoch, to the panel's rounding (0.1 s of RA, 1 arcsec, 0.1 deg, 0.1 mag)."""
    open_viewer(page, live_server.url, "?c=C%2F2023%20A3&t=2460600.5&cam=0.4,-2.4,1.5,0,0,0")
    page.wait_for_function("() => window.encke.selected === 'C/2023 A3'")
    page.wait_for_function("() => window.encke.observeEpoch !== null && window.encke.observeEpoch === window.encke.epoch")
    epoch = hook(page, "epoch")
    obs = encke.observe(catalog.get("C/2023 A3"), np.array([epoch]), "500", model="kepler")
    ra, dec = float(obs.ra[0, 0]), float(obs.dec[0, 0])

    def parse(testid):
        text = page.get_by_test_id(testid).text_content()
        sign = -1.0 if text.startswith(("-", "\u2212")) else 1.0
        a, b, c = (float(x) for x in re.findall(r"\d+(?:\.\d+)?", text))
        return sign * (a + b / 60 + c / 3600), text

    ra_h, ra_text = parse("info-ra")
    assert re.fullmatch(r"\d\dh \d\dm \d\d\.\ds", ra_text), ra_text
    assert abs(ra_h - ra / 15) * 3600 <= 0.05 + 1e-6, f"RA {ra_text} vs engine {ra / 15:.7f} h"
    dec_deg, dec_text = parse("info-dec")
    assert abs(dec_deg - dec) * 3600 <= 0.5 + 1e-6, f"Dec {dec_text} vs engine {dec:.6f} deg"
    assert abs(float(page.get_by_test_id("info-elongation").text_content()) - obs.elongation[0, 0]) <= 0.05 + 1e-9
    assert abs(float(page.get_by_test_id("info-tmag").text_content()) - obs.tmag[0, 0]) <= 0.05 + 1e-9
    # Mid-October 2024 the comet was 20-30 degrees from the Sun in the evening sky, near magnitude 4.
    assert 10 < obs.elongation[0, 0] < 40 and obs.tmag[0, 0] < 7
    save_view(page, artifacts, "observing-panel")


def test_date_input_sets_epoch(page, live_server):
    from astropy.time import Time

    # The server's default ephemeris (DE440, 1550-2650) covers the scrubber's whole +/-200 years, so
    # the planets and the panel stay filled at its ends.
    open_viewer(page, live_server.url)
    date = page.get_by_test_id("date-input")
    date.fill("2025-06-15 12:00")
    date.press("Enter")
    expected = Time("2025-06-15 12:00:00", scale="utc").tdb.jd
    wait_until(lambda: abs(hook(page, "epoch") - expected) < 1e-6, what=f"epoch {expected}")
    # An impossible date is refused with a message naming the problem; the epoch stays.
    date.fill("2025-02-30")
    date.press("Enter")
    banner = page.get_by_test_id("error-banner")
    banner.wait_for(state="visible")
    assert "day 30" in banner.text_content()
    assert abs(hook(page, "epoch") - expected) < 1e-6
    # "Now" returns to the present; the scrubber spans +/-200 years around it.
    page.get_by_test_id("now-button").click()
    now = Time.now().tdb.jd
    assert abs(hook(page, "epoch") - now) < 60 / 86400
    assert banner.is_hidden()  # the date complaint is gone once a valid time is chosen
    for years in (100, 200, -200):
        page.get_by_test_id("scrubber").fill(str(years * 365.25))
        target = now + years * 365.25
        wait_until(lambda: abs(hook(page, "epoch") - target) < 1.0, what=f"scrubber at {years:+d} years")
        wait_until(lambda: abs((hook(page, "planetsEpoch") or 0) - target) < 2.0, what=f"planets at {years:+d} years")
        assert banner.is_hidden()


def test_play_advances_and_reverse_goes_back(page, live_server):
    open_viewer(page, live_server.url)
    start = hook(page, "epoch")
    page.get_by_test_id("play-button").click()
    time.sleep(1.0)
    later = hook(page, "epoch")
    assert later - start > 0.5, "1 day/s for 1 s should move the clock about a day forward"
    page.get_by_test_id("reverse-button").click()
    assert hook(page, "rate") < 0
    t0 = hook(page, "epoch")
    time.sleep(1.0)
    t1 = hook(page, "epoch")
    assert t0 - t1 > 0.5
    page.get_by_test_id("reverse-button").click()  # pause
    assert hook(page, "playing") is False
    paused = hook(page, "epoch")
    time.sleep(0.3)
    assert hook(page, "epoch") == paused


def test_url_state_round_trip(page, live_server):
    open_viewer(page, live_server.url, "?c=C%2F2022%20O1&t=2460600.25")
    page.wait_for_function("() => window.encke.selected === 'C/2022 O1'")
    assert hook(page, "epoch") == pytest.approx(2460600.25, abs=1e-9)
    # The throttled URL update ran with the selection in place.
    page.wait_for_function("() => location.search.includes('cam=') && window.encke.selected !== null")
    time.sleep(0.7)
    url = page.url
    query = parse_qs(urlparse(url).query)
    assert query["c"] == ["C/2022 O1"]
    assert float(query["t"][0]) == pytest.approx(2460600.25, abs=1e-6)
    # A reload with that URL restores the selection and the date.
    page.reload()
    page.wait_for_function(READY, timeout=60_000)
    page.wait_for_function("() => window.encke.selected === 'C/2022 O1'")
    assert hook(page, "epoch") == pytest.approx(2460600.25, abs=1e-6)


def test_clicking_a_point_selects_that_comet(page, live_server):
    ids = [c["id"] for c in httpx.get(f"{live_server.url}/api/comets", params={"limit": 1000}).json()["comets"]]
    ids += [c["id"] for c in httpx.get(f"{live_server.url}/api/comets", params={"limit": 1000, "offset": 1000}).json()["comets"]]
    open_viewer(page, live_server.url, "?t=2460600.5&cam=0,-4,3,0,0,0")
    page.wait_for_function("() => Math.abs(window.encke.epoch - 2460600.5) < 1e-9")
    time.sleep(0.5)
    screen = page.evaluate("ids => ids.map(id => window.encke.screenPositionOf(id))", ids)
    blocked = [page.locator(sel).bounding_box() for sel in (".left-column", ".time-controls")]
    view = page.viewport_size

    def free(xy):
        x, y = xy
        if not (20 < x < view["width"] - 20 and 20 < y < view["height"] - 20):
            return False
        return not any(b and b["x"] - 10 <= x <= b["x"] + b["width"] + 10 and b["y"] - 10 <= y <= b["y"] + b["height"] + 10
                       for b in blocked)

    candidates = [(i, xy) for i, xy in zip(ids, screen) if xy is not None and free(xy)]
    assert len(candidates) > 50
    points = np.array([xy for _, xy in candidates])
    # The most isolated point, so the click cannot be mistaken for a neighbour.
    d = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    best = int(np.argmax(d.min(axis=1)))
    assert d[best].min() > 12, "no isolated comet point on screen"
    target_id, (x, y) = candidates[best]
    page.mouse.click(x + 1, y)
    page.wait_for_function(f"() => window.encke.selected === {target_id!r}")
    page.get_by_test_id("info-panel").wait_for(state="visible")


def test_camera_follows_the_selected_comet(page, live_server):
    open_viewer(page, live_server.url, "?c=2P&t=2460240.5")
    page.wait_for_function("() => window.encke.selectedPosition !== null")
    page.get_by_test_id("follow-checkbox").check()
    page.get_by_test_id("play-button").click()
    time.sleep(1.5)
    page.get_by_test_id("play-button").click()  # pause
    page.wait_for_function("() => window.encke.selectedPositionEpoch === window.encke.epoch")
    time.sleep(0.3)
    target = np.array(hook(page, "camera")[3:])
    comet = np.array(hook(page, "selectedPosition"))
    assert np.linalg.norm(target - comet) < 1e-3, f"camera target {target} vs comet {comet} (au)"
    assert hook(page, "epoch") > 2460240.5 + 0.5


def test_model_switch_asks_the_server_for_nbody(page, live_server):
    epoch = 2460240.5
    open_viewer(page, live_server.url, f"?c=2P&t={epoch}")
    wait_info_current(page)
    kepler_r = float(page.get_by_test_id("info-r-sun").text_content())
    page.get_by_test_id("model-select").select_option("nbody")
    page.wait_for_function("() => new URLSearchParams(location.search).get('m') === 'nbody'")
    wait_info_current(page)
    page.get_by_text("N-body", exact=False).first.wait_for()
    nbody = httpx.get(f"{live_server.url}/api/comets/2P/position", params={"time": epoch, "model": "nbody"}, timeout=120).json()
    shown = float(page.get_by_test_id("info-r-sun").text_content())
    assert abs(shown - nbody["r_sun_au"]) <= 5e-5 + 1e-9
    page.wait_for_function(f"() => window.encke.selectedPositionEpoch === {epoch}")
    received = np.array(hook(page, "selectedPosition"))
    assert np.linalg.norm(received - np.array(nbody["position"])) * AU_KM < 1.0
    # Planetary perturbations over the 11 months back from the element epoch move 2P by
    # tens of thousands of km: the page really switched model (it is not Kepler relabelled).
    kepler = httpx.get(f"{live_server.url}/api/comets/2P/position", params={"time": epoch, "model": "kepler"}).json()
    assert abs(kepler["r_sun_au"] - kepler_r) <= 5e-5 + 1e-9
    assert np.linalg.norm(received - np.array(kepler["position"])) * AU_KM > 1000.0


def shown_count(page) -> int:
    return int(page.get_by_test_id("shown-count").text_content().split(" of ")[0].replace(",", ""))


def test_filters_match_the_catalog_and_engine_positions(page, live_server, catalog):
    epoch = 2460600.5
    open_viewer(page, live_server.url, f"?t={epoch}")
    page.wait_for_function(f"() => window.encke.epoch === {epoch}")
    assert shown_count(page) == len(catalog)
    page.get_by_test_id("filter-periodic").check()
    assert shown_count(page) == int((catalog.elements.e < 1).sum())
    page.get_by_test_id("filter-periodic").uncheck()
    page.get_by_test_id("filter-q-max").fill("1.5")
    assert shown_count(page) == int((catalog.elements.q <= 1.5).sum())
    page.get_by_test_id("filter-q-max").fill("")
    # "Near the Sun now": r < 3 au at the shown epoch, against the engine's own propagation.
    states = np.asarray(encke.propagate(catalog.elements, np.array([epoch]), model="kepler"))[:, 0, :3]
    near = int((np.linalg.norm(states, axis=1) < 3.0).sum())
    page.get_by_test_id("filter-near-sun").check()
    assert shown_count(page) == near
    assert 0 < near < len(catalog)


def test_error_banner_when_server_unreachable(page, live_server, dead_port):
    page.allow_console_errors(r"ERR_CONNECTION_REFUSED|WebSocket connection")
    dead = f"http://127.0.0.1:{dead_port}"
    open_viewer(page, live_server.url, f"?api={dead}", wait_ready=False)
    banner = page.get_by_test_id("error-banner")
    banner.wait_for(state="visible")
    assert "Cannot reach the encke server" in banner.text_content()
    assert dead in banner.text_content()
    # Never a blank canvas: the Sun, the grid and the stars are still drawn.
    assert drawn_fraction(canvas_pixels(page)) > 0.002


def test_error_banner_for_unknown_comet(page, live_server):
    page.allow_console_errors(r"status of 404")
    open_viewer(page, live_server.url, "?c=C%2F1801%20Z9")
    banner = page.get_by_test_id("error-banner")
    banner.wait_for(state="visible")
    text = banner.text_content()
    assert "C/1801 Z9" in text and "nknown comet" in text
    assert hook(page, "selected") is None
    assert page.get_by_test_id("info-panel").is_hidden()


def test_error_banner_when_no_catalog(page, tmp_path, server_factory, monkeypatch):
    # With nothing configured the server serves the shipped snapshot; a catalog file that does not
    # exist leaves it without one (and the MPC, which could fill the gap, is out of reach).
    page.allow_console_errors(r"status of 503")
    monkeypatch.setenv("ENCKE_MPC_URL", "http://127.0.0.1:9/CometEls.txt")
    server = server_factory(tmp_path / "missing.txt", tmp_path / "empty-cache", tmp_path / "server.log")
    try:
        server.wait_healthy()
        open_viewer(page, server.url, wait_ready=False)
        banner = page.get_by_test_id("error-banner")
        banner.wait_for(state="visible")
        assert "no comet catalog loaded" in banner.text_content()
        assert drawn_fraction(canvas_pixels(page)) > 0.002
        page.wait_for_function("() => window.encke.planetsLoaded", timeout=60_000)  # the planets still show
        page.goto("about:blank")  # leave before the server stops: no request in flight at shutdown
    finally:
        server.stop()


def test_error_banner_when_the_server_stops(page, live_server, viewer_catalog, tmp_path, server_factory, artifacts):
    # A second server with the catalog; it shares the session server's JAX compilation cache,
    # so it starts warm. The page is fully loaded, then the server goes away.
    page.allow_console_errors(r"ERR_CONNECTION_REFUSED|WebSocket connection|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET")
    server = server_factory(viewer_catalog, live_server.cache_dir, tmp_path / "server.log")
    try:
        server.wait_healthy()
        open_viewer(page, server.url, "?c=1P&t=2460600.5")
        page.wait_for_function("() => window.encke.selected === '1P'")
        # Everything loaded, nothing in flight: the failure below comes from the server going away.
        page.wait_for_function("() => window.encke.planetsLoaded && window.encke.orbitsLoaded"
                               " && window.encke.infoEpoch === window.encke.epoch"
                               " && window.encke.observeEpoch === window.encke.epoch"
                               " && window.encke.uncertainty && window.encke.uncertainty.available !== null",
                               timeout=60_000)
        banner = page.get_by_test_id("error-banner")
        assert banner.is_hidden()
    finally:
        server.stop()
    banner.wait_for(state="visible", timeout=15_000)  # the page checks the server's health every 5 s
    assert "Cannot reach the encke server" in banner.text_content()
    assert server.url in banner.text_content()
    save_view(page, artifacts, "server-stopped")
