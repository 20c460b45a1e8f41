"""Orbits and non-gravitational parameters from the JPL Small-Body Database (SBDB) API.

    import encke
    r = encke.sbdb.fetch("67P")
    r.elements            # CometaryElements, length 1: heliocentric ecliptic J2000, TDB, radians
    r.elements.A1, r.elements.DT, r.sigmas["A1"], r.notes

The query is ``GET <base>?sstr=<designation>&phys-par=1&full-prec=1`` (SBDB API v1.3,
https://ssd-api.jpl.nasa.gov/doc/sbdb.html): ``sstr`` searches designations, numbers and names,
``phys-par`` adds the physical parameters (comet magnitudes M1/K1), ``full-prec`` gives every
digit. The base is ``DEFAULT_URL``, or the full endpoint URL in $ENCKE_SBDB_URL (for example
``http://127.0.0.1:8000/sbdb.api``), or the ``url`` argument.

What the API answers, and what this module makes of it:
- 200 with ``object`` and ``orbit``: the result. Elements come from ``orbit.elements`` (e, q,
  i, om, w, tp) at ``orbit.epoch``; their units are checked against each entry's ``units``
  field (au, deg, and TDB or JED, its label before API v1.3) rather than assumed. The Marsden
  parameters A1, A2, A3 (au/d^2) and DT (d) come from ``orbit.model_pars`` when the solution
  has them, else they are zero. Other model parameters (S0, the centre-of-light offset;
  non-standard g(r) constants) are not part of encke's force model: they are left out and
  named in ``notes``.
- 300 with ``list`` (entries with ``pdes`` and ``name``): several objects match: SbdbAmbiguous.
- "specified object was not found" (HTTP 404, or 200 from older servers): SbdbNotFound.
- Hyperbolic orbits have ``per`` (the period) and ``ad`` (aphelion) null: ``period_d`` is NaN.

Magnitudes: SBDB lists a comet's total magnitude as M1 and K1 in Horizons' convention,
m = M1 + 5 log10(delta) + K1 log10(r), where the MPC writes m = H + 5 log10(delta) + 2.5 K
log10(r). So H = M1 and K = K1 / 2.5 (67P: K1 = 7.5, K = 3.0). Both are kept.

Answers are cached, keyed by the full query URL: in memory for the life of the process, and
on disk under ``<cache dir>/sbdb/`` for ``max_age_s`` (default one day; orbit solutions change
rarely), so repeated look-ups make no request.
"""
from __future__ import annotations

import collections
import copy
import dataclasses
import hashlib
import json
import math
import os
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from ..elements import CometaryElements
from . import http

DEFAULT_URL = "https://ssd-api.jpl.nasa.gov/sbdb.api"
URL_ENV = "ENCKE_SBDB_URL"
DEFAULT_MAX_AGE_S = 86_400.0
_MEMORY_ENTRIES = 256

# SBDB element name -> (CometaryElements field, the unit labels SBDB writes for it, factor to
# engine units). Every label any API version used is accepted: the time of perihelion is "TDB"
# since v1.3 and was "JED" (Julian Ephemeris Date, the same TDB Julian date) before, as in a
# recorded v1.0 answer (issue 16).
_ELEMENTS = {
    "q": ("q", ("au",), 1.0),
    "e": ("e", (None,), 1.0),
    "i": ("i", ("deg",), math.pi / 180.0),
    "om": ("node", ("deg",), math.pi / 180.0),
    "w": ("argp", ("deg",), math.pi / 180.0),
    "tp": ("tp", ("TDB", "JED"), 1.0),
}
# Marsden, Sekanina and Yeomans (1973) parameters encke integrates, with their SBDB units.
_NONGRAV = {"A1": ("au/d^2",), "A2": ("au/d^2",), "A3": ("au/d^2",), "DT": ("d",)}


class SbdbError(Exception):
    """An SBDB look-up failed; ``designation`` is what was asked."""

    def __init__(self, message: str, designation: str):
        super().__init__(message)
        self.designation = designation


class SbdbNotFound(SbdbError):
    """SBDB knows no object by that designation."""


class SbdbAmbiguous(SbdbError):
    """Several objects match; ``candidates`` lists (primary designation, name) pairs."""

    def __init__(self, message: str, designation: str, candidates: list[tuple[str, str]]):
        super().__init__(message, designation)
        self.candidates = candidates


class SbdbHttpError(SbdbError):
    """The API answered an HTTP error; ``status`` is its code."""

    def __init__(self, message: str, designation: str, status: int):
        super().__init__(message, designation)
        self.status = status


class SbdbTimeout(SbdbError):
    """The API did not answer within the timeout (after the retries)."""


class SbdbUnreachable(SbdbError):
    """The API could not be reached: no network, DNS failure, connection refused."""


class SbdbFormatError(SbdbError):
    """The answer is not in the shape this client understands; the message names the field."""


@dataclasses.dataclass(frozen=True)
class SbdbResult:
    """One object's orbit from SBDB.

    elements: CometaryElements of length 1, heliocentric ecliptic J2000; q au, angles radians,
        tp and epoch TDB Julian dates; A1, A2, A3 au/day^2 and DT days (zero when absent).
    sigmas: 1-sigma uncertainties in the same units, keyed like the elements' fields: q, e, i,
        node, argp, tp, A1, A2, A3, DT. NaN where SBDB gives none; 0 for a non-gravitational
        parameter the solution does not have (it is fixed at zero, not estimated).
    designation, fullname, orbit_id, kind: SBDB's primary designation ('67P', '2014 UN271'),
        full name, solution id and object kind ('cn', 'cu' comets; 'an', 'au' asteroids).
    H, K: magnitude parameters in the MPC convention (NaN when not given).
    M1, K1: the comet total magnitude as SBDB gives it (Horizons' convention, K1 = 2.5 K).
    period_d: the orbital period in days, NaN for an open orbit (SBDB's null).
    notes: what was left out and why. url: the query. raw: the parsed JSON answer.
    covariance: the solution's covariance.OrbitCovariance (SBDB's labels, epoch and units;
        sources/sbdb_covariance.py), or None when SBDB gives none (then a note says so).
    """

    elements: CometaryElements
    sigmas: dict
    designation: str
    fullname: str
    orbit_id: str
    kind: str
    H: float
    K: float
    M1: float
    K1: float
    period_d: float
    notes: tuple
    url: str
    raw: dict = dataclasses.field(repr=False)
    covariance: object = dataclasses.field(default=None, repr=False)  # covariance.OrbitCovariance or None


def query_url(designation: str, url: str | None = None) -> str:
    """The full SBDB query URL for ``designation`` (the cache key)."""
    base = url or os.environ.get(URL_ENV) or DEFAULT_URL
    params = {"sstr": designation, "phys-par": "1", "full-prec": "1"}
    return f"{base}?{urlencode(params, quote_via=quote)}"


def fetch(
    designation: str,
    *,
    url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    timeout=http.DEFAULT_TIMEOUT,
    retries: int = http.DEFAULT_RETRIES,
    backoff_s: float = http.DEFAULT_BACKOFF_S,
    cache: bool = True,
    max_age_s: float = DEFAULT_MAX_AGE_S,
) -> SbdbResult:
    """Look up ``designation`` ('67P', '1P/Halley', 'C/2014 UN271', ...) in SBDB.

    url: the API endpoint (default $ENCKE_SBDB_URL, else DEFAULT_URL). cache_dir: where answers
    are kept (default $ENCKE_CACHE_DIR, else the user cache folder). timeout, retries,
    backoff_s: as in ``http.get``. cache: False always asks the server (and refreshes the
    cache). max_age_s: how old a disk-cached answer may be.

    Raises SbdbNotFound, SbdbAmbiguous, SbdbHttpError, SbdbTimeout, SbdbUnreachable,
    SbdbFormatError (all SbdbError), or ValueError for an empty designation.
    """
    if not isinstance(designation, str) or not designation.strip():
        raise ValueError(f"designation must be a non-empty string, got {designation!r}")
    designation = designation.strip()
    full_url = query_url(designation, url)
    if cache:
        raw = _cache_get(full_url, cache_dir, max_age_s)
        if raw is not None:
            return parse_response(raw, designation, full_url)
    raw = _request(designation, full_url, timeout, retries, backoff_s)
    result = parse_response(raw, designation, full_url)  # only well-formed answers are cached
    _cache_put(full_url, raw, cache_dir)
    return result


def parse_response(raw: dict, designation: str = "", url: str = "") -> SbdbResult:
    """Turn a parsed SBDB answer (a dict, e.g. a recorded response) into an SbdbResult."""
    asked = designation or "?"
    if not isinstance(raw, dict):
        raise SbdbFormatError(f"SBDB answer for {asked!r} is not a JSON object", asked)
    _raise_for_message(raw, asked)
    obj, orbit = raw.get("object"), raw.get("orbit")
    if not isinstance(obj, dict) or not isinstance(orbit, dict):
        raise SbdbFormatError(f"SBDB answer for {asked!r} has no 'object' and 'orbit'", asked)
    if orbit.get("equinox") not in (None, "J2000"):
        raise SbdbFormatError(f"SBDB orbit for {asked!r} has equinox {orbit['equinox']!r}, expected J2000", asked)

    values, sigmas, period_d = _orbit_elements(orbit, asked)
    notes = _nongrav_parameters(orbit, asked, values, sigmas)
    H, K, M1, K1 = _magnitude_law(raw, asked)
    elements = CometaryElements(epoch=_number(orbit.get("epoch"), "orbit.epoch", asked), **values)
    from .sbdb_covariance import parse_covariance  # here: it imports this package's covariance module

    covariance, cov_note = parse_covariance(orbit)
    notes += [cov_note] if cov_note else []
    return SbdbResult(
        elements=elements,
        sigmas=sigmas,
        designation=str(obj.get("des") or designation),
        fullname=str(obj.get("fullname") or obj.get("des") or designation),
        orbit_id=str(orbit.get("orbit_id") or obj.get("orbit_id") or ""),
        kind=str(obj.get("kind") or ""),
        H=H,
        K=K,
        M1=M1,
        K1=K1,
        period_d=period_d,
        notes=tuple(notes),
        url=url,
        raw=raw,
        covariance=covariance,
    )


def _orbit_elements(orbit: dict, asked: str) -> tuple[dict, dict, float]:
    """The six elements and their sigmas in encke's units, and the period (days; NaN if open)."""
    entries = {entry.get("name"): entry for entry in orbit.get("elements") or [] if isinstance(entry, dict)}
    values, sigmas = {}, {}
    for name, (field, unit, factor) in _ELEMENTS.items():
        entry = entries.get(name)
        if entry is None:
            raise SbdbFormatError(f"SBDB orbit for {asked!r} lacks the element {name!r}", asked)
        _check_unit(entry, unit, f"orbit.elements.{name}", asked)
        values[field] = _number(entry.get("value"), f"orbit.elements.{name}.value", asked) * factor
        sigmas[field] = _optional_number(entry.get("sigma"), f"orbit.elements.{name}.sigma", asked) * factor
    period = entries.get("per", {}).get("value")
    return values, sigmas, _optional_number(period, "orbit.elements.per.value", asked)


def _nongrav_parameters(orbit: dict, asked: str, values: dict, sigmas: dict) -> list[str]:
    """Add A1..DT (and their sigmas) to values/sigmas; notes on the model and what was ignored."""
    notes = []
    sigmas.update({name: 0.0 for name in _NONGRAV})  # absent: fixed at zero, not estimated
    for entry in orbit.get("model_pars") or []:
        name = entry.get("name")
        if name in _NONGRAV:
            _check_unit(entry, _NONGRAV[name], f"orbit.model_pars.{name}", asked)
            values[name] = _number(entry.get("value"), f"orbit.model_pars.{name}.value", asked)
            sigmas[name] = _optional_number(entry.get("sigma"), f"orbit.model_pars.{name}.sigma", asked)
        else:
            notes.append(_ignored_note(entry))
    if any(name in values for name in ("A1", "A2", "A3")):
        notes.append("non-gravitational accelerations use the standard water-ice g(r) of Marsden et al. (1973)")
    return notes


def _magnitude_law(raw: dict, asked: str) -> tuple[float, float, float, float]:
    """(H, K, M1, K1): the comet's total-magnitude law, or an asteroid's H (K NaN)."""
    phys = {p.get("name"): p.get("value") for p in raw.get("phys_par") or [] if isinstance(p, dict)}
    M1 = _optional_number(phys.get("M1"), "phys_par.M1", asked)
    K1 = _optional_number(phys.get("K1"), "phys_par.K1", asked)
    if "M1" in phys:
        return M1, K1 / 2.5, M1, K1  # Horizons' K1 multiplies log10 r; the MPC's K is K1 / 2.5
    return _optional_number(phys.get("H"), "phys_par.H", asked), math.nan, M1, K1  # asteroids: H (and G)


def clear_cache(cache_dir: str | os.PathLike | None = None, *, disk: bool = False) -> None:
    """Forget the answers held in memory; with disk=True, also delete the cached files."""
    with _memory_lock:
        _memory.clear()
    if disk:
        for path in _disk_folder(cache_dir).glob("*.json"):
            path.unlink(missing_ok=True)


def _request(designation: str, url: str, timeout, retries: int, backoff_s: float) -> dict:
    try:
        body = http.get(url, timeout=timeout, retries=retries, backoff_s=backoff_s)
    except http.FetchTimeout as exc:
        raise SbdbTimeout(f"SBDB look-up of {designation!r} timed out: {exc}", designation) from exc
    except http.FetchConnectionError as exc:
        raise SbdbUnreachable(f"SBDB look-up of {designation!r} failed: {exc}", designation) from exc
    except http.HttpStatusError as exc:
        raise SbdbHttpError(f"SBDB look-up of {designation!r} failed: {exc}", designation, exc.status) from exc
    except http.FetchError as exc:
        raise SbdbError(f"SBDB look-up of {designation!r} failed: {exc}", designation) from exc
    try:
        raw = body.json()
    except http.InvalidContent as exc:
        if body.status != 200:
            raise SbdbHttpError(
                f"SBDB look-up of {designation!r}: {url} answered HTTP {body.status} {body.reason}",
                designation, body.status,
            ) from exc
        raise SbdbFormatError(f"SBDB look-up of {designation!r}: {exc}", designation) from exc
    _raise_for_message(raw, designation)
    if body.status != 200:
        raise SbdbHttpError(
            f"SBDB look-up of {designation!r}: {url} answered HTTP {body.status} {body.reason}: "
            f"{raw.get('message', '') if isinstance(raw, dict) else ''}".rstrip(": "),
            designation, body.status,
        )
    return raw


def _raise_for_message(raw, designation: str) -> None:
    """SBDB reports problems in the body ('code', 'message', 'list'), whatever the status."""
    if not isinstance(raw, dict) or "object" in raw:
        return
    message = str(raw.get("message") or "")
    if isinstance(raw.get("list"), list):
        candidates = [(str(c.get("pdes", "")), str(c.get("name", ""))) for c in raw["list"] if isinstance(c, dict)]
        shown = "; ".join(f"{pdes} ({name})" if name and name != pdes else pdes for pdes, name in candidates)
        raise SbdbAmbiguous(
            f"{designation!r} matches {len(candidates)} SBDB objects: {shown}. Ask for one of them.",
            designation, candidates,
        )
    if "not found" in message.lower():
        raise SbdbNotFound(f"SBDB has no object {designation!r} ({message})", designation)
    if message:
        code = raw.get("code")
        status = int(code) if str(code).isdigit() else 0
        raise SbdbHttpError(f"SBDB look-up of {designation!r} failed: {message} (code {code})", designation, status)


def _check_unit(entry: dict, accepted: tuple, where: str, designation: str) -> None:
    units = entry.get("units")
    if units not in accepted:
        expected = repr(accepted[0]) if len(accepted) == 1 else "one of " + ", ".join(map(repr, accepted))
        raise SbdbFormatError(f"SBDB {where} for {designation!r} is in {units!r}, expected {expected}", designation)


def _number(value, where: str, designation: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SbdbFormatError(f"SBDB {where} for {designation!r} is {value!r}, not a number", designation) from None
    if not math.isfinite(number):
        raise SbdbFormatError(f"SBDB {where} for {designation!r} is {value!r}, not finite", designation)
    return number


def _optional_number(value, where: str, designation: str) -> float:
    return math.nan if value is None or value == "" else _number(value, where, designation)


def _ignored_note(entry: dict) -> str:
    name, value, units = entry.get("name"), entry.get("value"), entry.get("units")
    amount = f"{value} {units}" if units else f"{value}"
    if name == "S0":
        return (f"S0 ignored: encke models no centre-of-light offset (S0 = {amount}); "
                "astrometric residuals of this solution assume it")
    return f"{name} ignored: not a parameter of encke's Marsden force model ({name} = {amount})"


# The caches: memory (an LRU of parsed JSON) in front of disk (one JSON file per URL).
_memory: collections.OrderedDict[str, dict] = collections.OrderedDict()
_memory_lock = threading.Lock()


def _disk_folder(cache_dir) -> Path:
    folder = http.cache_dir(cache_dir) / "sbdb"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _disk_path(url: str, cache_dir) -> Path:
    return _disk_folder(cache_dir) / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")


def _cache_get(url: str, cache_dir, max_age_s: float) -> dict | None:
    with _memory_lock:
        if url in _memory:
            _memory.move_to_end(url)
            return copy.deepcopy(_memory[url])  # callers own their result's raw dict
    try:
        stored = json.loads(_disk_path(url, cache_dir).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("url") != url:
        return None
    if time.time() - float(stored.get("fetched_at", 0)) > max_age_s:
        return None
    _memory_put(url, copy.deepcopy(stored["response"]))
    return stored["response"]


def _cache_put(url: str, raw: dict, cache_dir) -> None:
    _memory_put(url, copy.deepcopy(raw))
    path = _disk_path(url, cache_dir)
    fd, tmp = tempfile.mkstemp(prefix=".sbdb.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump({"url": url, "fetched_at": time.time(), "response": raw}, out)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _memory_put(url: str, raw: dict) -> None:
    with _memory_lock:
        _memory[url] = raw
        _memory.move_to_end(url)
        while len(_memory) > _MEMORY_ENTRIES:
            _memory.popitem(last=False)
