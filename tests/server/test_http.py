"""The HTTP gateway against a real uvicorn server on a free 127.0.0.1 port (httpx client).

Expected values come from outside the server: the catalog read directly, SPICE's conics
(spiceypy) for two-body states, and a JPL Horizons table for the Earth.
"""
import math
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np
import pytest
import spiceypy
from astropy.time import Time

from encke.engine.constants import GM_SUN, OBLIQUITY_J2000_RAD

AU_M = 149_597_870_700.0
T0 = 2460603.5  # 2024-10-20 0h TDB: a row of the Horizons Earth table (every 8 days from 1970)


@pytest.fixture(scope="module")
def http(live):
    with httpx.Client(base_url=live.http, timeout=120) as client:
        yield client


def conics(comet, times):
    """(M, 6) heliocentric ecliptic states from SPICE's conics, au and au/day."""
    el = [comet.q, comet.e, comet.i, comet.node, comet.argp, 0.0, comet.tp, GM_SUN]
    return np.array([spiceypy.conics(el, t) for t in times])


def ecliptic_to_icrf(v):
    c, s = math.cos(OBLIQUITY_J2000_RAD), math.sin(OBLIQUITY_J2000_RAD)
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return np.asarray(v) @ rot.T


def horizons_earth(shared_data, jd):
    text = (shared_data / "planets" / "horizons-Earth-helio-1970-2040.txt").read_text()
    body = text.split("$$SOE")[1].split("$$EOE")[0]
    for block in re.split(r"\n(?=\d{7}\.\d+ = )", body.strip()):
        if float(block.split()[0]) == jd:
            nums = [float(x) for x in re.findall(r"[-+]?\d\.\d+E[-+]\d+", block)]
            return np.array(nums[:3])
    raise KeyError(jd)


def test_health(http, catalog):
    assert http.get("/api/health").json() == {"status": "ok", "catalog_version": catalog.version,
                                              "comets": len(catalog)}


def test_list_search_filters_and_paging(http, catalog):
    r = http.get("/api/comets", params={"search": "halley"}).json()
    assert [c["id"] for c in r["comets"]] == [c.designation for c in catalog.search("halley")] == ["1P"]
    assert r["catalog_version"] == catalog.version

    periodic = http.get("/api/comets", params={"periodic": "true", "limit": 1}).json()
    assert periodic["total"] == len(catalog.periodic())

    q = np.asarray(catalog.elements.q)
    near = http.get("/api/comets", params={"q_max": 1.0, "limit": 1000}).json()
    assert near["total"] == int(np.sum(q <= 1.0)) and all(c["q"] <= 1.0 for c in near["comets"])
    hyperbolic = http.get("/api/comets", params={"e_min": 1.0000001, "limit": 1000}).json()
    assert hyperbolic["total"] == sum(c.e >= 1.0000001 for c in catalog)
    kinds = http.get("/api/comets", params={"orbit_type": "P", "limit": 1}).json()
    assert kinds["total"] == sum(c.orbit_type == "P" for c in catalog)

    pages, offset = [], 0
    while offset < 300:
        page = http.get("/api/comets", params={"limit": 100, "offset": offset}).json()
        pages += [c["index"] for c in page["comets"]]
        offset += 100
    assert pages == list(range(300))
    assert http.get("/api/comets", params={"limit": 5000}).status_code == 422


def test_summary_fields_match_the_catalog(http, catalog):
    c = catalog.get("2P")
    s = http.get("/api/comets", params={"search": "Encke"}).json()["comets"][0]
    assert s["id"] == "2P" and s["name"] == "Encke" and s["orbit_type"] == "P"
    assert s["q"] == c.q and s["e"] == c.e and s["tp_jd"] == c.tp
    assert math.isclose(s["i_deg"], math.degrees(c.i), rel_tol=1e-15)
    assert s["tp_iso"] == Time(c.tp, format="jd", scale="tdb").isot[:10] == "2023-10-22"
    assert math.isclose(s["period_years"], 2 * math.pi * math.sqrt((c.q / (1 - c.e)) ** 3 / GM_SUN) / 365.25)
    assert s["H"] == 11.5 and s["K"] == 6.0 and s["index"] == catalog.index_of("2P")


@pytest.mark.parametrize("key", ["1P", "0001P", "1P/Halley", "1p"])
def test_comet_detail_for_every_id_form(http, key):
    r = http.get(f"/api/comets/{key}")
    assert r.status_code == 200 and r.json()["id"] == "1P"


def test_comet_detail_and_next_perihelion(http, catalog):
    d = http.get("/api/comets/C%2F2023%20A3", params={"time": T0}).json()
    c = catalog.get("C/2023 A3")
    assert d["id"] == "C/2023 A3" and d["name"] == "Tsuchinshan-ATLAS" and d["period_years"] is None
    assert d["epoch_jd"] == c.epoch and d["A1"] == 0.0 and d["reference"] == "MPEC 2024-R10"
    assert d["next_perihelion_jd"] is None  # e > 1, perihelion (2024-09-27) already passed on 2024-10-20
    assert http.get("/api/comets/C%2F2023%20A3", params={"time": "2024-09-01"}).json()["next_perihelion_jd"] == c.tp

    encke = catalog.get("2P")
    period = encke.period_years * 365.25
    nxt = http.get("/api/comets/2P", params={"time": T0}).json()["next_perihelion_jd"]
    assert T0 < nxt <= T0 + period + 1e-6
    assert abs((nxt - encke.tp) / period - round((nxt - encke.tp) / period)) < 1e-9


def test_unknown_comet_is_404(http):
    r = http.get("/api/comets/ZZZ999")
    assert r.status_code == 404 and r.json() == {"detail": "unknown comet 'ZZZ999'"}
    assert http.get("/api/comets/ZZZ999/position").status_code == 404


def test_trajectory_matches_spice_conics(http, catalog):
    r = http.get("/api/comets/2P/trajectory", params={"start": "2024-01-01", "stop": "2024-12-31",
                                                       "step": "10d"})
    assert r.status_code == 200
    body = r.json()
    times = np.array(body["times_jd"])
    assert len(times) == 37 and np.allclose(np.diff(times), 10.0, rtol=0, atol=1e-9)
    assert abs(times[0] - Time("2024-01-01", scale="utc").tdb.jd) < 1e-9
    expected = conics(catalog.get("2P"), times)
    assert np.max(np.abs(np.array(body["positions"]) - expected[:, :3])) * AU_M < 1.0  # metres
    assert np.max(np.abs(np.array(body["velocities"]) - expected[:, 3:])) * AU_M / 86400 < 1e-3  # m/s
    assert (body["model"], body["frame"], body["center"]) == ("kepler", "ecliptic", "sun")

    icrf = http.get("/api/comets/2P/trajectory", params={"start": T0, "stop": T0 + 20, "step": 5,
                                                          "frame": "icrf"}).json()
    ecl = http.get("/api/comets/2P/trajectory", params={"start": T0, "stop": T0 + 20, "step": 5}).json()
    assert np.max(np.abs(np.array(icrf["positions"]) - ecliptic_to_icrf(ecl["positions"]))) * AU_M < 1e-3


@pytest.mark.parametrize("query, status, field", [
    ({"start": T0 + 10, "stop": T0, "step": 1}, 422, "stop"),
    ({"start": T0, "stop": T0 + 10, "step": 0}, 422, "step"),
    ({"start": T0, "stop": T0 + 10, "step": "-1d"}, 422, "step"),
    ({"start": "nan", "stop": T0 + 10, "step": 1}, 422, "start"),
    ({"start": T0, "stop": "inf", "step": 1}, 422, "stop"),
    ({"start": T0, "stop": T0 + 10, "step": 1, "model": "warp"}, 422, "model"),
    ({"start": T0, "stop": T0 + 10, "step": 1, "frame": "galactic"}, 422, "frame"),
    ({"start": T0, "stop": T0 + 10, "step": 1, "center": "earth"}, 422, "center"),
    ({"start": T0, "stop": T0 + 30000, "step": "1d"}, 413, "samples"),
    ({"start": T0, "stop": T0 + 1e6, "step": "1000d"}, 413, "days"),
    ({"start": T0, "stop": T0 + 10}, 422, "step"),
])
def test_trajectory_bad_input(http, query, status, field):
    r = http.get("/api/comets/1P/trajectory", params=query)
    assert r.status_code == status, r.text
    assert field in r.json()["detail"]
    if status == 413:
        assert "limit" in r.json()["detail"]


def sun_barycentric(t):
    """(3,) the Sun's barycentric ICRF position (au) at TDB JD t, read by SPICE from DE421."""
    import importlib.util

    # the package's data folder, found without importing it (its import warns about expiry dates)
    kernel = str(Path(importlib.util.find_spec("skyfield_data").origin).parent / "data" / "de421.bsp")
    spiceypy.furnsh(kernel)
    try:
        km, _ = spiceypy.spkgps(10, (t - 2451545.0) * 86400.0, "J2000", 0)
    finally:
        spiceypy.unload(kernel)
    return np.array(km) * 1000.0 / AU_M


def light_time_delta(comet, earth_icrf, t):
    """Distance (au) from the Earth at t to the comet at emission t - tau, tau = delta / c (the
    observer-table delta of Horizons and of /observe), from SPICE; and the comet's heliocentric
    distance at emission. Heliocentric states are shifted by the Sun's barycentric motion over tau."""
    c_au_per_day = 299_792.458 * 86400 / (AU_M / 1000)
    sun_now = sun_barycentric(t)
    tau = 0.0
    for _ in range(6):  # converges to ~1e-13 day in three
        comet_icrf = ecliptic_to_icrf(conics(comet, [t - tau])[0, :3])
        delta = np.linalg.norm(comet_icrf + sun_barycentric(t - tau) - sun_now - earth_icrf)
        tau = delta / c_au_per_day
    return delta, np.linalg.norm(comet_icrf)


def test_position_distances_speed_and_magnitude(http, catalog, shared_data):
    p = http.get("/api/comets/2P/position", params={"time": T0}).json()
    c = catalog.get("2P")
    expected = conics(c, [T0])[0]
    assert np.max(np.abs(np.array(p["position"]) - expected[:3])) * AU_M < 1.0
    assert math.isclose(p["r_sun_au"], np.linalg.norm(expected[:3]), rel_tol=1e-12)
    delta, r_emitted = light_time_delta(c, horizons_earth(shared_data, T0), T0)
    assert abs(p["r_earth_au"] - delta) * AU_M < 5_000.0  # DE421 vs Horizons' DE441: ~0.3 km
    assert math.isclose(p["speed_km_s"], np.linalg.norm(expected[3:]) * AU_M / 1000 / 86400, rel_tol=1e-9)
    tmag = c.H + 5 * math.log10(delta) + 2.5 * c.K * math.log10(r_emitted)
    assert abs(p["tmag"] - tmag) < 1e-6
    assert p["status"] == "ok" and p["time_jd"] == T0 and p["model"] == "kepler"


@pytest.mark.parametrize("key, time", [("2P", T0), ("C/2023 A3", 2460600.5), ("12P", 2460400.25)])
def test_position_and_observe_agree_to_the_last_digit(http, key, time):
    """/position's distance from the Earth and magnitude are /observe's (geocentre), bit for bit."""
    p = http.get(f"/api/comets/{quote(key, safe='')}/position", params={"time": time}).json()
    o = http.get(f"/api/comets/{quote(key, safe='')}/observe", params={"time": time}).json()
    assert o["observer"] == "geocentre" and o["times_jd"] == [time]
    assert p["r_earth_au"] == o["delta_au"][0] and p["tmag"] == o["tmag"][0]
    assert p["tmag"] is not None and 0 < p["r_earth_au"] < 10


def test_orbit_lines_lie_on_the_conic(http, catalog):
    c = catalog.get("2P")
    pts = np.array(http.get("/api/comets/2P/orbit", params={"samples": 256}).json()["positions"])
    assert pts.shape == (256, 3)
    r = np.linalg.norm(pts, axis=1)
    aphelion = c.q * (1 + c.e) / (1 - c.e)
    assert abs(r.min() - c.q) < 1e-3 and abs(r.max() - aphelion) < 1e-9  # E = +-pi is sampled exactly
    normal = np.array([math.sin(c.i) * math.sin(c.node), -math.sin(c.i) * math.cos(c.node), math.cos(c.i)])
    assert np.max(np.abs(pts @ normal)) < 1e-12
    # every point on the ellipse: r = p / (1 + e cos nu), with nu measured from perihelion
    perihelion = conics(c, [c.tp])[0, :3]
    cos_nu = pts @ perihelion / (r * np.linalg.norm(perihelion))
    np.testing.assert_allclose(r, c.q * (1 + c.e) / (1 + c.e * cos_nu), rtol=1e-9)

    h = catalog.get("C/2014 UN271")  # e = 1.0037: the arc within max(3 q, 30 au)
    arc = np.array(http.get("/api/comets/C%2F2014%20UN271/orbit", params={"samples": 64}).json()["positions"])
    r = np.linalg.norm(arc, axis=1)
    assert abs(r[0] - 3 * h.q) < 1e-6 and abs(r[-1] - 3 * h.q) < 1e-6 and abs(r.min() - h.q) < 1e-2


def test_catalog_positions_and_orbits(http, catalog):
    body = http.get("/api/catalog/positions", params={"time": T0}).json()
    assert body["count"] == len(catalog) and len(body["positions"]) == 3 * len(catalog)
    assert body["catalog_version"] == catalog.version
    pos = np.array([np.nan if v is None else v for v in body["positions"]]).reshape(-1, 3)
    for key in ("1P", "2P", "C/2014 UN271"):
        k = catalog.index_of(key)
        assert np.max(np.abs(pos[k] - conics(catalog[k], [T0])[0, :3])) * AU_M < 1.0
    orbits = http.get("/api/catalog/orbits", params={"samples": 16}).json()
    assert orbits["count"] == len(catalog) and orbits["samples"] == 16
    assert len(orbits["positions"]) == 3 * 16 * len(catalog)
    assert http.get("/api/catalog/orbits", params={"samples": 1}).status_code == 422


def test_planets_against_horizons(http, shared_data):
    body = http.get("/api/planets", params={"time": T0}).json()
    names = [p["name"] for p in body["planets"]]
    assert names == ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune", "Pluto"]
    earth = body["planets"][2]
    assert earth["naif_id"] == 399
    error_m = np.linalg.norm(ecliptic_to_icrf(earth["position"]) - horizons_earth(shared_data, T0)) * AU_M
    assert error_m < 5_000.0
    r = np.linalg.norm(np.array(earth["orbit"]), axis=1)
    assert len(r) == 128 and 0.98 < r.min() < r.max() < 1.02
    assert http.get("/api/planets", params={"time": "1500-01-01"}).status_code == 422


def test_metrics_and_docs(http):
    http.get("/api/health")
    text = http.get("/metrics").text
    assert any(line.startswith("encke_requests_total{") and all(label in line for label in (  # any label order
        'transport="http"', 'method="GET /api/health"', 'code="200"')) for line in text.splitlines())
    for name in ("encke_request_duration_seconds_bucket", "encke_cache_hit_ratio", "encke_jit_compiles_total",
                 "encke_streams_open"):
        assert name in text
    compiles = float(re.search(r"^encke_jit_compiles_total (\S+)$", text, re.M).group(1))
    assert compiles > 0  # the propagations above compiled the engine's kernels
    assert "swagger" in http.get("/docs").text.lower()
    assert "/api/comets/{id}/trajectory" in http.get("/openapi.json").text


def test_viewer_page_or_build_hint(http):
    r = http.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert http.get("/no/such/file.js").status_code == 404
    assert http.get("/../pyproject.toml").status_code == 404


@pytest.mark.slow
def test_nbody_model_through_the_gateway(http):
    """N-body differs from two-body by the planets' pull: finite, status ok, and a plausible gap."""
    params = {"start": T0, "stop": T0 + 30, "step": "15d"}
    r = http.get("/api/comets/2P/trajectory", params={**params, "model": "nbody"})
    assert r.status_code == 200, r.text
    nbody = r.json()
    kepler = http.get("/api/comets/2P/trajectory", params=params).json()
    assert nbody["model"] == "nbody"
    gap_km = np.linalg.norm(np.array(nbody["positions"]) - np.array(kepler["positions"]), axis=1) * AU_M / 1000
    assert np.all(gap_km > 1.0) and np.all(gap_km < 1e5), gap_km
    p = http.get("/api/comets/2P/position", params={"time": T0, "model": "nbody"}).json()
    assert p["status"] == "ok" and p["position"] == nbody["positions"][0]


def test_times_outside_the_ephemeris_are_422(http):
    for path, params in (("/api/comets/2P/position", {"time": "1700-01-01"}),
                         ("/api/comets/2P/trajectory", {"start": "1700-01-01", "stop": "1700-01-05", "step": 1,
                                                        "center": "ssb"})):
        r = http.get(path, params=params)
        assert r.status_code == 422 and r.json()["detail"].startswith(("time", "times")), r.text
    # two-body, heliocentric: no ephemeris needed, any epoch works
    assert http.get("/api/comets/2P/trajectory", params={"start": "1700-01-01", "stop": "1700-01-05",
                                                         "step": 1}).status_code == 200


def test_list_filters_accept_empty_values_and_reject_bad_ones(http, catalog):
    everything = http.get("/api/comets", params={"search": "", "periodic": "", "q_min": "", "q_max": "",
                                                 "orbit_type": "", "limit": 1}).json()
    assert everything["total"] == len(catalog)
    assert http.get("/api/comets", params={"periodic": "1", "limit": 1}).json()["total"] == len(catalog.periodic())
    for query, field in (({"q_max": "abc"}, "q_max"), ({"periodic": "maybe"}, "periodic"),
                         ({"e_min": "nan"}, "e_min"), ({"orbit_type": "Q"}, "orbit_type"),
                         ({"limit": "ten"}, "limit"), ({"offset": -1}, "offset")):
        r = http.get("/api/comets", params=query)
        assert r.status_code == 422 and r.json()["detail"].startswith(field), r.text
