"""The default catalog: an explicit file, else the newer of the cached MPC download and the
snapshot shipped in the package (engine/catalog/default.py), as `encke.read_comets()` reads it."""
import datetime as dt
import os
from pathlib import Path

import pytest

import encke
from encke.engine.catalog.default import choose_catalog, snapshot


@pytest.fixture
def nothing_configured(monkeypatch, tmp_path):
    """No $ENCKE_CATALOG and an empty download cache: a fresh machine."""
    monkeypatch.delenv("ENCKE_CATALOG", raising=False)
    monkeypatch.setenv("ENCKE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _cache_a_download(cache: Path, text: str, when: dt.datetime) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "CometEls.txt"
    path.write_text(text)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def test_with_nothing_configured_read_comets_reads_the_shipped_snapshot(nothing_configured):
    cat = encke.read_comets()
    choice = choose_catalog()
    assert choice.origin == "snapshot" and choice.date.date() == dt.date(2026, 1, 3)
    assert Path(cat.source) == choice.path and choice.path.is_file()
    assert len(cat) > 900 and not cat.rejected
    assert cat.get("1P").name == "Halley" and cat.get("C/1995 O1").name == "Hale-Bopp"
    assert "2026-01-03" in choice.describe()


def test_a_newer_cached_download_wins_over_the_snapshot_and_an_older_one_does_not(nothing_configured):
    halley = snapshot().path.read_text().splitlines()
    one_comet = next(line for line in halley if line.startswith("0001P")) + "\n"
    newer = _cache_a_download(nothing_configured, one_comet, dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
    choice = choose_catalog()
    assert (choice.origin, choice.path) == ("download", newer)
    assert len(encke.read_comets()) == 1
    os.utime(newer, (dt.datetime(2025, 6, 1).timestamp(),) * 2)  # a download older than the snapshot
    assert choose_catalog().origin == "snapshot" and len(encke.read_comets()) > 900


def test_an_explicit_catalog_wins_whatever_its_age(nothing_configured, monkeypatch, tmp_path):
    old = tmp_path / "mine.txt"
    old.write_text(next(line for line in snapshot().path.read_text().splitlines() if line.startswith("0002P")) + "\n")
    os.utime(old, (0, 0))
    monkeypatch.setenv("ENCKE_CATALOG", str(old))
    assert choose_catalog().origin == "ENCKE_CATALOG" and [c.name for c in encke.read_comets()] == ["Encke"]
    assert choose_catalog(str(old)).origin == "--catalog"


def test_a_missing_explicit_catalog_is_an_error_naming_its_origin(nothing_configured, monkeypatch, tmp_path):
    monkeypatch.setenv("ENCKE_CATALOG", str(tmp_path / "nope.txt"))
    with pytest.raises(FileNotFoundError, match=r"nope\.txt.*ENCKE_CATALOG"):
        encke.read_comets()
