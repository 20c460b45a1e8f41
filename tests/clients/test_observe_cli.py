"""`encke observe` and `encke tonight`, run in-process through the real CLI entry point on the
shared MPC catalog of 2024-09-07. Values are checked against the engine API called directly and
against astropy (Sun altitude, horizon coordinates), never against numbers copied from output."""
import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import (AltAz, CartesianRepresentation, EarthLocation, SkyCoord, get_body,
                                 get_body_barycentric)
from astropy.time import Time

import encke
from encke.client.cli import main
from encke.engine.observers import offline_iers, resolve_observer

CATALOG = "cometels/CometEls-2024-09-07.txt"


@pytest.fixture(scope="module")
def catalog_path(shared_data):
    return str(shared_data / CATALOG)


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _observe_args(catalog_path, *extra):
    return ("observe", "--comet", "12P", "--observer", "500", "--start", "2024-08-16", "--stop", "2024-08-20",
            "--step", "1d", "--model", "kepler", "--catalog", catalog_path, *extra)


def _dms(text):
    sign = -1 if text.strip().startswith("-") else 1
    a, b, c = (abs(float(x)) for x in text.split())
    return sign * (a + b / 60 + c / 3600)


def test_observe_formats_agree_with_the_engine(capsys, catalog_path):
    code, out_csv, err = _run(capsys, *_observe_args(catalog_path, "--format", "csv"))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out_csv)))
    assert [r["time_utc"][:10] for r in rows] == [f"2024-08-{d}" for d in range(16, 21)]
    # the engine, called directly: the catalog row, UTC -> TDB through astropy
    cat = encke.read_comets(catalog_path)
    t = Time([r["time_utc"] for r in rows], scale="utc").tdb.jd
    ref = encke.observe(cat.get("12P"), t, "earth", model="kepler")
    for name, field in (("ra_deg", "ra"), ("dec_deg", "dec"), ("delta_au", "delta"), ("r_au", "r"),
                        ("deldot_km_s", "deldot"), ("elongation_deg", "elongation"), ("tmag", "tmag")):
        np.testing.assert_allclose([float(r[name]) for r in rows], getattr(ref, field)[0], rtol=0, atol=1e-9)
    comet = cat.get("12P")
    assert float(rows[0]["tmag"]) == pytest.approx(
        comet.H + 5 * np.log10(float(rows[0]["delta_au"])) + 2.5 * comet.K * np.log10(float(rows[0]["r_au"])))

    code, out_text, _ = _run(capsys, *_observe_args(catalog_path))
    assert code == 0
    lines = out_text.splitlines()
    assert lines[0].startswith("12P (Pons-Brooks)") and "astrometric ICRF" in lines[0]
    body = lines[3:]
    assert len(body) == 5 and body[0].startswith("2024-Aug-16 00:00")
    for line, row in zip(body, rows):
        ra_h = _dms(line[19:30])
        dec = _dms(line[32:43])
        assert abs(ra_h * 15 - float(row["ra_deg"])) * 3600 < 0.2  # printed to 0.01 s of time
        assert abs(dec - float(row["dec_deg"])) * 3600 < 0.1  # printed to 0.1 arcsec
    code, out_json, _ = _run(capsys, *_observe_args(catalog_path, "--format", "json"))
    doc = json.loads(out_json)
    assert code == 0 and doc["comet"] == "12P" and doc["frame"] == "ICRF" and len(doc["rows"]) == 5
    assert doc["rows"][2]["delta_au"] == pytest.approx(float(rows[2]["delta_au"]), abs=1e-12)


def test_observe_site_adds_horizon_columns(capsys, catalog_path):
    code, out, err = _run(capsys, "observe", "--comet", "C/2023 A3", "--observer", "G96", "--start",
                          "2024-10-14T00:00", "--stop", "2024-10-14T12:00", "--step", "6h", "--model", "kepler",
                          "--catalog", catalog_path, "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert len(rows) == 3
    site = resolve_observer("G96")
    loc = EarthLocation.from_geocentric(*site.itrs_m, unit=u.m)
    times = Time([r["time_utc"] for r in rows], scale="utc")
    with offline_iers():
        sun = get_body("sun", times, loc).transform_to(AltAz(obstime=times, location=loc, pressure=0 * u.hPa))
    np.testing.assert_allclose([r["sun_elevation_deg"] for r in rows], sun.alt.deg, atol=0.01)


@pytest.mark.parametrize("argv, code, message", [
    (("--comet", "999P"), 2, "--comet"),
    (("--step", "1 fortnight"), 2, "--step"),
    (("--stop", "2024-08-01"), 2, "before --start"),
    (("--observer", "C51"), 2, "no fixed position"),
    (("--observer", "XYZ9"), 2, "observer"),
    (("--start", "2060-01-01", "--stop", "2060-01-02"), 2, "outside ephemeris"),
])
def test_observe_bad_arguments_name_the_problem(capsys, catalog_path, argv, code, message):
    base = dict(zip(["--comet", "--observer", "--start", "--stop", "--step"],
                    ["12P", "500", "2024-08-16", "2024-08-20", "1d"]))
    base.update(dict(zip(argv[::2], argv[1::2])))
    args = ["observe", "--model", "kepler", "--catalog", catalog_path]
    for k, v in base.items():
        args += [k, v]
    got, _, err = _run(capsys, *args)
    assert got == code and message in err, err


def test_observe_without_a_configured_catalog_uses_the_shipped_snapshot(capsys, monkeypatch, tmp_path):
    from encke.engine.catalog.default import snapshot

    monkeypatch.delenv("ENCKE_CATALOG", raising=False)
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path))  # no cached download either
    argv = ("observe", "--comet", "12P", "--observer", "500", "--start", "2026-01-10", "--stop", "2026-01-12",
            "--step", "1d", "--model", "kepler")
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    assert "12P (Pons-Brooks)" in out and out.count("2026-Jan-1") == 3
    assert _run(capsys, *argv, "--catalog", str(snapshot().path))[1] == out  # the same catalog was read


def test_tonight_lists_visible_comets_brightest_first(capsys, catalog_path, monkeypatch):
    monkeypatch.setenv("ENCKE_CATALOG", catalog_path)  # the environment route to the catalog
    code, out, err = _run(capsys, "tonight", "--observer", "G96", "--date", "2024-10-14", "--twilight", "nautical",
                          "--limit-mag", "14", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    comets = doc["comets"]
    assert comets, "nothing visible"
    mags = [c["tmag"] for c in comets]
    assert mags == sorted(mags) and max(mags) <= 14
    assert all(c["max_elevation_deg"] > 10 for c in comets)
    # C/2023 A3 (Tsuchinshan-ATLAS) was the bright evening comet of mid-October 2024, low in the west
    a3 = next(c for c in comets if c["designation"] == "C/2023 A3")
    assert a3["tmag"] < 6 and 180 < a3["azimuth_deg"] < 300
    assert "3D-A" not in [c["designation"] for c in comets]  # defunct comets are left out
    # Independent check with astropy: the Sun is below -12 deg at each listed time, and the
    # comet's elevation follows from its listed (topocentric astrometric) RA/Dec and distance,
    # placed at the site with astropy's own Earth ephemeris and Earth rotation.
    site = resolve_observer("G96")
    loc = EarthLocation.from_geocentric(*site.itrs_m, unit=u.m)
    times = Time([c["time_utc"] for c in comets], scale="utc")
    ra, dec = np.radians([c["ra_deg"] for c in comets]), np.radians([c["dec_deg"] for c in comets])
    unit = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    with offline_iers():
        frame = AltAz(obstime=times, location=loc, pressure=0 * u.hPa)
        sun = get_body("sun", times, loc).transform_to(frame)
        site_gcrs, _ = loc.get_gcrs_posvel(times)
        earth = get_body_barycentric("earth", times)
        xyz = earth.xyz + site_gcrs.xyz + unit * np.array([c["delta_au"] for c in comets]) * u.au
        alt = SkyCoord(CartesianRepresentation(xyz), frame="icrs").transform_to(frame).alt.deg
    assert np.all(sun.alt.deg < -12)
    assert np.all(np.abs(alt - [c["max_elevation_deg"] for c in comets]) < 0.01)


def test_tonight_refuses_places_without_night(capsys, catalog_path):
    code, _, err = _run(capsys, "tonight", "--observer", "earth", "--catalog", catalog_path, "--date", "2024-10-14")
    assert code == 2 and "not a place on the Earth" in err
    code, _, err = _run(capsys, "tonight", "--observer", "15,78", "--catalog", catalog_path, "--date", "2024-06-21")
    assert code == 2 and "twilight" in err


def test_console_script_help():
    done = subprocess.run([sys.executable, "-m", "encke.client.cli", "tonight", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "--limit-mag" in done.stdout
