"""Download and cache the Minor Planet Center's comet orbit file, CometEls.txt.

    from encke.engine.sources import mpc
    result = mpc.fetch_catalog()          # FetchResult(path, status, ...)
    cat = encke.read_comets(result.path)

Where it comes from: ``DEFAULT_URL``, or the full file URL in $ENCKE_MPC_URL (for example
``ENCKE_MPC_URL=http://127.0.0.1:8000/CometEls.txt``; the variable holds the whole URL of the
file, not a base), or the ``url`` argument, which wins over both.

Where it goes: ``<cache dir>/CometEls.txt``, with ``CometEls.txt.meta.json`` beside it (URL,
ETag, Last-Modified, size, download time). The cache dir is $ENCKE_CACHE_DIR or the user cache
folder (see ``http.cache_dir``).

Design decisions:
- Conditional GET. The sidecar's ETag and Last-Modified go out as If-None-Match and
  If-Modified-Since, so an unchanged file costs one 304 and no body. They are sent only when
  the cached file is still the one the sidecar describes (same URL, same size), so a hand-edited
  or truncated cache is downloaded again rather than kept by a 304.
- Atomic replacement. The body streams into a temporary file in the cache folder; only after
  its length matches Content-Length and its lines look like CometEls lines does ``os.replace``
  put it in place (atomic on POSIX within one file system).
  "Look like" means encke's own catalog parser reads it, and more lines parse than are rejected. The sidecar is replaced after the
  data, so a crash between the two leaves old validators that no longer match: the next fetch
  downloads again instead of wrongly trusting a 304. A cut connection therefore never leaves a
  corrupt cache, and the temporary file is always removed.
- Offline is not a failure when a cached copy exists. If the server cannot be reached
  (connection refused, DNS failure, timeout) after the retries, the cached copy is kept and
  reported with the date it was downloaded; with no cached copy it is an error. An HTTP error
  or a corrupt download is an error either way (the cached copy stays untouched).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from tqdm import tqdm

from . import http

DEFAULT_URL = "https://minorplanetcenter.net/iau/MPCORB/CometEls.txt"
URL_ENV = "ENCKE_MPC_URL"
FILENAME = "CometEls.txt"
SIDECAR_SUFFIX = ".meta.json"

STATUSES = ("downloaded", "not-modified", "offline-cached")


class CatalogFetchError(http.FetchError):
    """The catalog could not be fetched and no cached copy could stand in for it."""


@dataclasses.dataclass(frozen=True)
class FetchResult:
    """What ``fetch_catalog`` did.

    path: the cached CometEls.txt, ready to read.
    status: 'downloaded' (a new copy), 'not-modified' (the server answered 304, the cached copy
        is current) or 'offline-cached' (the server could not be reached; the cached copy is used).
    url: the URL asked. fetched_at: when the cached copy was downloaded (UTC).
    etag, last_modified: the server's validators for the cached copy (None when not sent).
    size_bytes: the cached file's size. n_comets: comets parsed from a new download (None
    when the cached copy was kept: it was counted when it arrived). message: one line for a user.
    """

    path: Path
    status: str
    url: str
    fetched_at: dt.datetime | None
    etag: str | None
    last_modified: str | None
    size_bytes: int
    message: str
    n_comets: int | None = None


def catalog_url(url: str | None = None) -> str:
    """The URL to fetch: ``url``, else $ENCKE_MPC_URL, else the MPC's own."""
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def cached_catalog_path(cache_dir: str | os.PathLike | None = None) -> Path | None:
    """The cached CometEls.txt, or None when none has been downloaded yet."""
    path = http.cache_dir(cache_dir) / FILENAME
    return path if path.is_file() else None


def fetch_catalog(
    url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    *,
    timeout=http.DEFAULT_TIMEOUT,
    retries: int = http.DEFAULT_RETRIES,
    backoff_s: float = http.DEFAULT_BACKOFF_S,
    progress: bool | None = None,
    force: bool = False,
) -> FetchResult:
    """Bring the cached MPC comet file up to date and return where it is.

    url: the file's URL (default: $ENCKE_MPC_URL, else DEFAULT_URL).
    cache_dir: the folder (default: $ENCKE_CACHE_DIR, else the user cache folder).
    timeout: seconds, one number or (connect, read). retries, backoff_s: transient failures are
        retried ``retries`` times after pauses of backoff_s, 2 backoff_s, 4 backoff_s, ...
    progress: show a tqdm bar on stderr; None shows it when stderr is a terminal.
    force: download even if the cached copy's validators say it is current.

    Raises CatalogFetchError (no cached copy and no server), or the http.FetchError subclass
    of the failure (HttpStatusError, IncompleteDownload, InvalidContent, ...) when the server
    answered but gave no usable file; the cached copy is never damaged.
    """
    url = catalog_url(url)
    folder = http.cache_dir(cache_dir)
    path = folder / FILENAME
    meta = _read_sidecar(path)
    headers = {} if force else _conditional_headers(path, meta, url)
    if progress is None:
        progress = sys.stderr.isatty()

    session = http.make_session()
    try:
        return http.retry_call(
            lambda: _attempt(session, url, path, headers, timeout, progress),
            retries=retries,
            backoff_s=backoff_s,
        )
    except (http.FetchConnectionError, http.FetchTimeout) as exc:
        if not path.is_file():
            raise CatalogFetchError(f"{exc}; no cached copy in {folder}", url) from exc
        return _cached_result(path, url, "offline-cached",
                              lambda when, exc=exc: f"{exc}; using the cached copy from {when} ({path})")
    finally:
        session.close()


def _cached_result(path: Path, url: str, status: str, message) -> FetchResult:
    """A FetchResult for the copy already in the cache; message(formatted fetch time) -> str."""
    meta = _read_sidecar(path)
    fetched_at = _fetched_at(path, meta)
    return FetchResult(path=path, status=status, url=url, fetched_at=fetched_at, etag=meta.get("etag"),
                       last_modified=meta.get("last_modified"), size_bytes=path.stat().st_size,
                       message=message(_format_time(fetched_at)))


def _attempt(session, url: str, path: Path, headers: dict, timeout, progress: bool) -> FetchResult:
    """One GET: a 304 keeps the cache, a 200 replaces it atomically, anything else raises."""
    with http.send(session, url, headers=headers, timeout=timeout, stream=True) as response:
        if response.status_code == 304:
            if not path.is_file():  # removed while we asked; a 304 cannot restore it
                raise http.InvalidContent(f"{url} answered 304 Not Modified, but {path} is gone", url)
            return _cached_result(path, url, "not-modified",
                                  lambda when: f"{path} is current (not modified since {when})")
        if response.status_code != 200:
            raise http.HttpStatusError(
                f"{url} answered HTTP {response.status_code} {response.reason}", url, response.status_code
            )
        size, n_comets = _download_replace(response, path, progress)
        now = dt.datetime.now(dt.timezone.utc)
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
    _write_sidecar(path, {"url": url, "etag": etag, "last_modified": last_modified, "size": size,
                          "fetched_at": now.isoformat()})
    return FetchResult(
        path=path,
        status="downloaded",
        url=url,
        fetched_at=now,
        etag=etag,
        last_modified=last_modified,
        size_bytes=size,
        n_comets=n_comets,
        message=f"downloaded {n_comets:,} comets ({size:,} bytes) from {url} to {path}",
    )


def _download_replace(response, path: Path, progress: bool) -> tuple[int, int]:
    """Stream the body to a temporary file beside ``path``, validate it, then os.replace.

    Returns (bytes written, comets parsed)."""
    total = response.headers.get("Content-Length")
    if response.headers.get("Content-Encoding"):
        total = None  # the length counts compressed bytes; the bar counts decoded ones
    fd, tmp_name = tempfile.mkstemp(prefix=f".{FILENAME}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as sink, tqdm(
            total=int(total) if total and total.isdigit() else None,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=FILENAME,
            disable=not progress,
            leave=False,
        ) as bar:
            size = http.read_body(response, sink, progress=bar)
            sink.flush()
            os.fsync(sink.fileno())
        n_comets = _validate(tmp, response.url)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # gone already after os.replace; removes a failed partial
    return size, n_comets


def _validate(path: Path, url: str) -> int:
    """The number of comets in a downloaded file; InvalidContent unless most lines parse.

    Uses the catalog's own parser (encke.engine.catalog.read_comets), so a file accepted here
    is one the rest of encke can read. An HTML error page, JSON or a binary blob fails it; so
    does a file where fewer lines parse than are rejected (a changed or garbled format).
    """
    from ..catalog import CatalogFormatError, read_comets

    try:
        catalog = read_comets(path)
    except CatalogFormatError as exc:
        raise http.InvalidContent(f"{url} did not send a CometEls file: {exc}", url) from exc
    n_comets, n_rejected = len(catalog), len(catalog.rejected)
    if n_comets < n_rejected:
        raise http.InvalidContent(
            f"{url} did not send a usable CometEls file: only {n_comets} lines parse, "
            f"{n_rejected} are rejected (first: {catalog.rejected[0]})", url)
    return n_comets


def _sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _read_sidecar(path: Path) -> dict:
    try:
        meta = json.loads(_sidecar_path(path).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_sidecar(path: Path, meta: dict) -> None:
    sidecar = _sidecar_path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{sidecar.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(meta, out, indent=1)
        os.replace(tmp_name, sidecar)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _conditional_headers(path: Path, meta: dict, url: str) -> dict:
    """If-None-Match / If-Modified-Since, only while the sidecar still describes the file."""
    if not path.is_file() or meta.get("url") != url or meta.get("size") != path.stat().st_size:
        return {}
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def _fetched_at(path: Path, meta: dict) -> dt.datetime:
    """When the cached copy was downloaded: the sidecar's record, else the file's mtime."""
    try:
        return dt.datetime.fromisoformat(meta["fetched_at"])
    except (KeyError, TypeError, ValueError):
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)


def _format_time(when: dt.datetime | None) -> str:
    return "an unknown date" if when is None else when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def resolve_catalog_path(explicit=None) -> tuple[str | None, str]:
    """The catalog file to use and where it came from: `explicit` (--catalog), else
    $ENCKE_CATALOG, else the copy cached by `encke fetch`; (None, "") when there is none.
    The server and every CLI command share this order."""
    if explicit:
        return str(explicit), "--catalog"
    env = os.environ.get("ENCKE_CATALOG")
    if env:
        return env, "ENCKE_CATALOG"
    try:
        cached = cached_catalog_path()
    except OSError:  # an unreadable cache folder means no cached catalog, not a crash
        cached = None
    return (str(cached), "the MPC download cache") if cached else (None, "")
