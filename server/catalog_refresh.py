"""Keep the served catalog current: serve the best local copy at once, refresh from the MPC behind it.

The server starts from `engine/catalog/default.choose_catalog()` (an explicit file, else the newer
of the cached MPC download and the snapshot shipped with encke), so it has comets before any
network call. `keep_current` then asks the MPC for CometEls.txt in a worker thread: a
conditional GET with a short timeout and no retries (`sources.mpc.fetch_catalog`, which replaces
the cached file atomically). When a new file arrives it is parsed and swapped into the service
in one step (`Service.replace_catalog`): the catalog version changes with it, so cached results
and clients' version checks never mix the two catalogs. Offline, the server keeps what it has
and says so once. An explicit catalog (--catalog, $ENCKE_CATALOG) is never replaced: the user
chose it; only when it could not be read, and the server has no catalog at all, does the MPC's
file fill the gap (the viewer's "no catalog" banner offers exactly that). `--no-refresh` turns
all of this off.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path

from encke.engine.catalog.default import CATALOG_ENV, CatalogChoice, choose_catalog

REFRESH_TIMEOUT_S = (5.0, 30.0)  # connect, read: a slow MPC must not hold the refresh for long
REFRESH_INTERVAL_S = 6 * 3600.0  # the MPC updates CometEls.txt about daily


@dataclasses.dataclass(frozen=True)
class Refresh:
    """What one refresh did. status: 'swapped' (a new catalog is served), 'current' (the MPC's
    file is the one served), 'offline' (the MPC could not be reached), 'failed' (it answered
    without a usable file) or 'explicit' (the catalog was named by the user: not refreshed)."""

    status: str
    message: str
    choice: CatalogChoice


def refresh_once(service, choice: CatalogChoice, *, url: str | None = None) -> Refresh:
    """One conditional GET of the MPC file; swaps the service's catalog when a new one arrived.

    Blocking (network and parsing): run it off the event loop. `url` overrides the MPC's
    ($ENCKE_MPC_URL also does, as for `encke fetch`).
    """
    from encke.engine.catalog import read_comets
    from encke.engine.sources import http, mpc

    if choice.origin in ("--catalog", CATALOG_ENV) and service.catalog is not None:
        return Refresh("explicit", f"serving {choice.describe()}; not refreshed from the MPC", choice)
    try:
        result = mpc.fetch_catalog(url, timeout=REFRESH_TIMEOUT_S, retries=0, progress=False)
    except (http.FetchConnectionError, http.FetchTimeout, mpc.CatalogFetchError) as exc:  # no cached copy either
        return Refresh("offline", f"the MPC could not be reached ({exc}); serving {choice.describe()}", choice)
    except http.FetchError as exc:
        return Refresh("failed", f"{exc}; serving {choice.describe()}", choice)
    if result.status == "offline-cached":
        return Refresh("offline", f"the MPC could not be reached; serving {choice.describe()}", choice)
    fresh = CatalogChoice(result.path, "download", result.fetched_at)
    if result.status != "downloaded" and fresh.date <= choice.date:
        return Refresh("current", f"the MPC file is unchanged; serving {choice.describe()}", choice)
    try:
        catalog = read_comets(result.path)
    except (OSError, ValueError) as exc:  # replaced under us, or unreadable: keep what is served
        return Refresh("failed", f"could not read {result.path}: {exc}; serving {choice.describe()}", choice)
    if catalog.version == service.version:
        return Refresh("current", f"the MPC file has the comets already served ({choice.describe()})", fresh)
    service.replace_catalog(catalog, fresh)
    return Refresh("swapped", f"now serving {len(catalog)} comets from {fresh.describe()}, "
                              f"version {catalog.version}", fresh)


def served_choice(explicit: str | None = None) -> CatalogChoice:
    """The catalog the server starts from (`choose_catalog`); an explicit file that does not exist
    still names it (undated), so that the server can report it and the refresh can fill the gap."""
    try:
        return choose_catalog(explicit)
    except FileNotFoundError:
        value = explicit or os.environ[CATALOG_ENV]
        origin = "--catalog" if explicit else CATALOG_ENV
        return CatalogChoice(Path(value), origin, dt.datetime.min.replace(tzinfo=dt.timezone.utc))


async def keep_current(service, choice: CatalogChoice, *, interval_s: float = REFRESH_INTERVAL_S,
                       url: str | None = None, say=None) -> None:
    """Refresh now, then every `interval_s`, until cancelled. Each outcome is said once: a server
    that stays offline logs it on the first attempt only, and again only after it was back."""
    say = say or (lambda text: print(f"encke: catalog: {text}", file=sys.stderr, flush=True))
    loop = asyncio.get_running_loop()
    last = None
    while True:
        outcome = await loop.run_in_executor(None, lambda: refresh_once(service, choice, url=url))
        if outcome.status != last or outcome.status == "swapped":
            say(outcome.message)
        last, choice = outcome.status, outcome.choice
        if outcome.status == "explicit":
            return  # a user's catalog is served: nothing to keep current
        await asyncio.sleep(interval_s)
