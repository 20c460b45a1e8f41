"""HTTP close approaches on a real server: the engine's rows, field-naming errors, and a clear
note when no covariance can be had (SBDB unreachable: the catalog has none of its own); the
clone route's bad and oversized counts."""
import httpx
import numpy as np
import pytest

import encke

START, STOP = "2029-06-01", "2030-06-01"


@pytest.mark.parametrize("query, status, field", [
    ({"start": START}, 422, "stop"),
    ({"start": STOP, "stop": START}, 422, "stop"),
    ({"start": START, "stop": STOP, "max_au": "3"}, 422, "max_au"),
    ({"start": START, "stop": STOP, "body": "vulcan"}, 422, "bodies"),
    ({"start": "1900-01-01", "stop": "2200-01-01"}, 413, "span"),
])
def test_approaches_errors_name_the_field(live, query, status, field):
    r = httpx.get(f"{live.http}/api/comets/249P/approaches", params=query, timeout=60)
    assert r.status_code == status and field in r.text, r.text
    assert httpx.get(f"{live.http}/api/comets/NOPE/approaches", params={"start": START, "stop": STOP},
                     timeout=60).status_code == 404


@pytest.mark.parametrize("query, status, text", [
    ({"n": "1.5"}, 422, "n: '1.5' is not an integer"),
    ({"n": "0"}, 422, "n: 0 is below the minimum 1"),
    ({"n": "100000000"}, 413, "n: 100000000 clones exceeds the limit of 2000"),
    ({"seed": "-5"}, 422, "seed: -5 is below the minimum 0"),
])
def test_clone_requests_name_the_field(live, query, status, text):
    r = httpx.get(f"{live.http}/api/comets/67P/clones", params=query, timeout=60)
    assert r.status_code == status and text in r.json()["detail"], r.text


@pytest.mark.slow
def test_comet_approaches_equal_the_engine_and_say_when_no_covariance(live, catalog, monkeypatch):
    monkeypatch.setenv("ENCKE_SBDB_URL", "http://127.0.0.1:9/sbdb.api")  # nothing listens: unreachable
    monkeypatch.setenv("ENCKE_CACHE_DIR", "/nonexistent-encke-cache")
    r = httpx.get(f"{live.http}/api/comets/249P/approaches",
                  params={"start": START, "stop": STOP, "max_au": 0.2, "uncertainty": "true"}, timeout=900)
    assert r.status_code == 200, r.text
    body = r.json()
    k = catalog.index_of("249P")
    ref = encke.close_approaches(catalog.elements[k], encke.to_tdb_jd(START), encke.to_tdb_jd(STOP), ("earth",),
                                 0.2, ephemeris=live.service.ephemeris())
    assert len(body["approaches"]) == len(ref) == 1
    row = body["approaches"][0]
    assert row["designation"] == "249P" and row["body"] == "earth"
    assert row["distance_au"] == ref.distance_au[0] and row["time_tdb_jd"] == ref.time_tdb_jd[0]
    assert row["time_3sigma_days"] is None and "no covariance available" in body["uncertainty_note"]
    assert np.isclose(row["moid_earth_au"], ref.moid_earth_au[0])
