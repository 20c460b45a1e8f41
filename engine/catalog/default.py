"""Which comet catalog to use when none is named: the one order shared by `encke.read_comets()`,
`encke serve` and every CLI command.

    from encke.engine.catalog.default import choose_catalog
    choice = choose_catalog()      # CatalogChoice(path, origin, date)
    choice.describe()              # "the MPC snapshot shipped with encke (2026-01-03)"

The order: an explicit file (--catalog, else $ENCKE_CATALOG) always wins, because the user asked
for it. Otherwise the newer of the MPC download cached by `encke fetch` (or by the server's
background refresh) and the snapshot of the MPC's CometEls.txt shipped inside the package, so a
fresh install shows comets with no network and no set-up, and a stale download never hides a
newer snapshot. The snapshot is published MPC orbit data (about 200 KB): `data/CometEls-DATE.txt`,
where DATE is the day it was downloaded; replacing the file is how it is updated.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path

CATALOG_ENV = "ENCKE_CATALOG"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "data"
_SNAPSHOT_NAME = re.compile(r"^CometEls-(\d{4}-\d{2}-\d{2})\.txt$")

ORIGINS = ("--catalog", CATALOG_ENV, "download", "snapshot")


@dataclasses.dataclass(frozen=True)
class CatalogChoice:
    """The catalog file chosen and why.

    path: the CometEls.txt file. origin: '--catalog', 'ENCKE_CATALOG', 'download' (the cached
    MPC download) or 'snapshot' (shipped in the package). date: the snapshot's download day, the
    cached download's time, or an explicit file's modification time (UTC).
    """

    path: Path
    origin: str
    date: dt.datetime

    @property
    def label(self) -> str:
        """A short public name of the source, e.g. for /api/health: no folder names."""
        return {"snapshot": "MPC snapshot shipped with encke", "download": "MPC download"}.get(
            self.origin, self.path.name)

    def describe(self) -> str:
        """One line for logs, banners and /api/health."""
        day = self.date.strftime("%Y-%m-%d")
        if self.origin == "snapshot":
            return f"the MPC snapshot shipped with encke ({day})"
        if self.origin == "download":
            return f"the cached MPC download of {self.date.strftime('%Y-%m-%d %H:%M UTC')} ({self.path})"
        if not self.path.is_file():
            return f"{self.path} (from {self.origin}; no such file)"
        return f"{self.path} (from {self.origin}, modified {day})"


def snapshot() -> CatalogChoice:
    """The newest CometEls snapshot shipped in the package (its date comes from its name)."""
    found = sorted((m.group(1), p) for p in SNAPSHOT_DIR.glob("CometEls-*.txt")
                   if (m := _SNAPSHOT_NAME.match(p.name)))
    if not found:
        raise FileNotFoundError(f"no CometEls-YYYY-MM-DD.txt snapshot in {SNAPSHOT_DIR}: the package is incomplete")
    day, path = found[-1]
    return CatalogChoice(path, "snapshot", dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc))


def cached_download() -> CatalogChoice | None:
    """The MPC file cached by `encke fetch`, dated by when it was written; None when absent."""
    from ..sources.mpc import cached_catalog_path

    try:
        path = cached_catalog_path()
    except OSError:  # an unreadable cache folder means no cached catalog, not a crash
        return None
    return None if path is None else CatalogChoice(path, "download", _modified(path))


def choose_catalog(explicit: str | os.PathLike | None = None) -> CatalogChoice:
    """The catalog to read: `explicit`, else $ENCKE_CATALOG, else the newer of the cached
    download and the shipped snapshot. An explicit file that does not exist is an error naming
    where it came from (FileNotFoundError), not a silent fall-back."""
    for value, origin in ((explicit, "--catalog"), (os.environ.get(CATALOG_ENV), CATALOG_ENV)):
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"catalog file {str(path)!r} (from {origin}) does not exist")
            return CatalogChoice(path, origin, _modified(path))
    shipped = snapshot()
    cached = cached_download()
    return cached if cached is not None and cached.date > shipped.date else shipped


def _modified(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
