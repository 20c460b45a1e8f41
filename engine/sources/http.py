"""Shared HTTP helpers for encke's downloads: one attempt, retries with backoff, typed errors.

Every network call in encke.engine.sources goes through here, so that all of them share one
policy:

- Timeouts are always set, as requests' ``(connect, read)`` pair in seconds. The read timeout
  bounds each wait for bytes, not the whole transfer, so a large file on a slow but live link
  still arrives.
- Transient failures are retried with exponential backoff (``backoff_s * 2**k``, capped): no
  connection (refused, DNS failure, reset), a timeout, a body cut off before its
  Content-Length, and the statuses in ``RETRY_STATUSES`` (429 and 5xx). Other statuses are
  answers, not failures, and go back to the caller untouched (a 304, a 404, SBDB's 300).
- requests' exceptions never leak: they become the ``FetchError`` subclasses below, each with
  the URL and a message a user can act on.

The cache directory is resolved here too: ``$ENCKE_CACHE_DIR`` when set (tests point it at a
temporary folder), otherwise ``platformdirs.user_cache_dir("encke")``.
"""
from __future__ import annotations

import dataclasses
import io
import json
import os
import time
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

import platformdirs
import requests

CACHE_DIR_ENV = "ENCKE_CACHE_DIR"
USER_AGENT = "encke/0.1.0 (comet trajectory engine; python-requests)"

# (connect, read) seconds. The read timeout is per socket read, see the module docstring.
DEFAULT_TIMEOUT = (10.0, 30.0)
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

T = TypeVar("T")


class FetchError(Exception):
    """A download failed; ``url`` names what was being fetched."""

    def __init__(self, message: str, url: str):
        super().__init__(message)
        self.url = url


class FetchConnectionError(FetchError):
    """The server could not be reached: connection refused or reset, DNS failure, no network."""


class FetchTimeout(FetchError):
    """The server did not connect or answer within the timeout."""


class HttpStatusError(FetchError):
    """The server answered with an error status; ``status`` is the HTTP code."""

    def __init__(self, message: str, url: str, status: int):
        super().__init__(message, url)
        self.status = status


class IncompleteDownload(FetchError):
    """The body ended before the length the server announced (a cut connection)."""

    def __init__(self, message: str, url: str, expected: int | None, received: int):
        super().__init__(message, url)
        self.expected = expected
        self.received = received


class InvalidContent(FetchError):
    """The body arrived whole but is not what was asked for (e.g. an HTML error page)."""


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The folder for encke's downloads: ``override``, else $ENCKE_CACHE_DIR, else the user
    cache folder from platformdirs (``~/.cache/encke`` on Linux). Created if missing."""
    chosen = override or os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("encke")
    path = Path(chosen).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_session() -> requests.Session:
    """A requests session with encke's User-Agent. Close it (or use ``with``) when done."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is worth another attempt after a pause."""
    if isinstance(error, HttpStatusError):
        return error.status in RETRY_STATUSES
    return isinstance(error, (FetchConnectionError, FetchTimeout, IncompleteDownload))


def backoff_delays(retries: int, backoff_s: float, max_backoff_s: float = MAX_BACKOFF_S) -> list[float]:
    """The pauses (seconds) before each retry: backoff_s, 2 backoff_s, 4 backoff_s, ... capped."""
    return [min(backoff_s * 2.0**k, max_backoff_s) for k in range(retries)]


def retry_call(
    attempt: Callable[[], T],
    *,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[FetchError, float], None] | None = None,
) -> T:
    """Call ``attempt()`` until it returns, retrying transient FetchErrors ``retries`` times.

    Non-transient errors propagate at once; after the last retry the last error propagates.
    ``on_retry(error, delay_s)`` is told about each retry before its pause (for logging).
    """
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if backoff_s < 0:
        raise ValueError(f"backoff_s must be >= 0, got {backoff_s}")
    delays = backoff_delays(retries, backoff_s)
    for k in range(retries + 1):
        try:
            return attempt()
        except FetchError as error:
            if k == retries or not is_transient(error):
                raise
            if on_retry is not None:
                on_retry(error, delays[k])
            sleep(delays[k])
    raise AssertionError("unreachable")  # the loop always returns or raises


def send(
    session: requests.Session,
    url: str,
    *,
    params: dict | None = None,
    headers: dict | None = None,
    timeout=DEFAULT_TIMEOUT,
    stream: bool = False,
) -> requests.Response:
    """One GET. Returns the response for any status not in RETRY_STATUSES (the caller reads or
    closes it); raises the typed FetchError for everything else."""
    try:
        response = session.get(url, params=params, headers=headers, timeout=timeout, stream=stream)
    except requests.exceptions.Timeout as exc:  # ConnectTimeout and ReadTimeout
        raise FetchTimeout(f"no answer from {url} within {_describe_timeout(timeout)}", url) from exc
    except requests.exceptions.ConnectionError as exc:
        raise FetchConnectionError(f"could not reach {url}: {_reason(exc)}", url) from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"request to {url} failed: {exc}", url) from exc
    if response.status_code in RETRY_STATUSES:
        status, reason = response.status_code, response.reason
        response.close()
        raise HttpStatusError(f"{url} answered HTTP {status} {reason}", url, status)
    return response


@dataclasses.dataclass(frozen=True)
class Body:
    """A whole response read into memory: what ``get`` returns."""

    url: str
    status: int
    reason: str
    headers: dict
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        """The body parsed as JSON; InvalidContent when it is not JSON."""
        try:
            return json.loads(self.content)
        except ValueError as exc:
            snippet = self.text[:80].replace("\n", " ")
            raise InvalidContent(f"{self.url} did not answer JSON (HTTP {self.status}): {snippet!r}", self.url) from exc


def get(
    url: str,
    *,
    params: dict | None = None,
    headers: dict | None = None,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    session: requests.Session | None = None,
) -> Body:
    """GET with retries, the body read whole into memory (for small API answers).

    Returns the Body for any status outside RETRY_STATUSES; raises FetchError subclasses.
    """
    own = session is None
    session = session or make_session()

    def attempt() -> Body:
        buffer = io.BytesIO()
        with send(session, url, params=params, headers=headers, timeout=timeout, stream=True) as response:
            read_body(response, buffer)  # a cut body is retried like any transient failure
            return Body(response.url, response.status_code, response.reason, dict(response.headers), buffer.getvalue())

    try:
        return retry_call(attempt, retries=retries, backoff_s=backoff_s)
    finally:
        if own:
            session.close()


def read_body(response: requests.Response, sink: BinaryIO, progress=None) -> int:
    """Stream a response body into ``sink`` (a binary file object).

    Checks the byte count against Content-Length (counted on the wire, so a gzip-encoded body
    is checked before decoding). ``progress``: an object with ``update(n)`` (a tqdm bar).
    Returns the number of decoded bytes written. Raises IncompleteDownload or FetchTimeout.
    """
    url = response.url
    expected = _content_length(response)
    received = 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            sink.write(chunk)
            received += len(chunk)
            if progress is not None:
                progress.update(len(chunk))
    except requests.exceptions.ConnectionError as exc:
        # requests reports a read timeout in mid-body as a ConnectionError around urllib3's
        # ReadTimeoutError; anything else here is the peer closing early.
        if "timed out" in str(exc).lower():
            raise FetchTimeout(f"{url} stopped sending after {received} bytes (read timeout)", url) from exc
        raise _incomplete(url, expected, received) from exc
    except requests.exceptions.RequestException as exc:  # ChunkedEncodingError, ...
        raise _incomplete(url, expected, received) from exc
    wire = _wire_bytes(response, received)
    if expected is not None and wire != expected:
        raise _incomplete(url, expected, wire)
    return received


def _incomplete(url: str, expected: int | None, received: int) -> IncompleteDownload:
    announced = f"of {expected} announced" if expected is not None else "(no length announced)"
    return IncompleteDownload(
        f"download of {url} was cut off after {received} bytes {announced}", url, expected, received
    )


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _wire_bytes(response: requests.Response, decoded: int) -> int:
    """Bytes read off the socket (urllib3 counts them before any gzip decoding)."""
    tell = getattr(response.raw, "tell", None)
    try:
        return int(tell()) if tell is not None else decoded
    except (OSError, ValueError, TypeError):
        return decoded


def _describe_timeout(timeout) -> str:
    if isinstance(timeout, tuple):
        return f"{timeout[0]:g} s to connect / {timeout[1]:g} s to read"
    return f"{timeout:g} s"


def _reason(exc: BaseException) -> str:
    """A short cause for a connection failure: 'connection refused', 'name resolution failed'."""
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered or (
        "resolve" in lowered or "resolution" in lowered
    ):
        return "name resolution failed (no network or unknown host)"
    if "reset" in lowered or "aborted" in lowered:
        return "connection reset"
    return text
