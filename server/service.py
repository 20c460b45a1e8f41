"""The service layer: every operation of the API, with no transport in it.

Both transports (gRPC in grpc_server.py, HTTP/WebSocket in http_gateway.py) decode a request,
call one method here on a worker thread, and encode the answer. Methods are synchronous and
thread-safe; they validate their input (raising the typed errors of errors.py, naming the
field), bound it by `ServerLimits`, call the engine (compute.py) and consult the cache.

Units everywhere: au, au/day, TDB Julian dates, days; degrees only in the summaries the
clients display. States are heliocentric ecliptic J2000 unless a request chooses otherwise.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
from typing import Iterator

import numpy as np

from encke.engine import status as status_codes
from encke.engine.constants import AU_KM, DAY_S
from encke.engine.perihelion import next_perihelion_jd, orbit_points
from encke.engine.timescales import jd_to_iso

from . import cache as cache_mod
from . import compute, params
from .errors import InvalidArgument, NotFound, Unavailable
from .limits import ServerLimits, StreamSlots
from .metrics import Metrics

DEG_PER_RAD = 180.0 / math.pi
AU_PER_DAY_TO_KM_S = AU_KM / DAY_S
STATE_BYTES = 6 * 8  # one object at one epoch, packed doubles


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of ListComets: `indices` into the catalog, `total` matches before paging."""

    total: int
    offset: int
    limit: int
    indices: np.ndarray


@dataclasses.dataclass(frozen=True)
class Selection:
    """Catalog filters shared by ListComets and PropagateCatalog; None means no bound."""

    search: str | None = None
    periodic: bool = False
    q_min: float | None = None
    q_max: float | None = None
    e_min: float | None = None
    e_max: float | None = None
    i_min_deg: float | None = None
    i_max_deg: float | None = None
    orbit_type: tuple[str, ...] = ()


class _CatalogIndex:
    """Per-comet rows and perihelion dates of one catalog, prepared once for summaries."""

    def __init__(self, catalog):
        self.comets = list(catalog)
        self.tp_iso = [jd_to_iso(tp, with_time=False) if math.isfinite(tp) else "" for tp in
                       np.asarray(catalog.elements.tp, dtype=np.float64).tolist()]


class Service:
    """All encke operations over one catalog (or none yet: catalog calls then raise Unavailable)."""

    def __init__(self, catalog=None, *, catalog_error: str | None = None, limits: ServerLimits | None = None,
                 cache=None, metrics: Metrics | None = None, ephemeris: str = "de421",
                 catalog_source=None):
        self.catalog = catalog
        self.catalog_source = catalog_source  # a CatalogChoice (engine/catalog/default.py) or None
        self.catalog_error = catalog_error or ("no catalog was given: pass --catalog PATH, set "
                                               "ENCKE_CATALOG, or run `encke fetch`")
        self.limits = limits or ServerLimits()
        self.cache = cache if cache is not None else cache_mod.MemoryCache()
        self.metrics = metrics or Metrics()
        self.metrics.cache = self.cache
        self.ephemeris_name = ephemeris
        self.streams = StreamSlots(self.limits.max_streams)
        self._index = _CatalogIndex(catalog) if catalog is not None else None
        self._ephemeris = None
        self._lock = threading.Lock()
        self._orbits: dict[int, np.ndarray] = {}
        from .observing import Observing

        self.observing = Observing(self)  # observer ephemerides (observing.py)
        self.warming = False  # set while warmup.warm_up runs: health says "warming"
        self.loading = False  # set while the runner parses the catalog in the background: health says "loading"

    @classmethod
    def from_path(cls, path, **kwargs) -> "Service":
        """A service over the catalog file at `path`; if it cannot be read, a service without one."""
        import encke

        if path is None:
            return cls(None, **kwargs)
        try:
            catalog = encke.read_comets(path)
        except (OSError, ValueError) as exc:
            return cls(None, catalog_error=f"could not read {path}: {exc}", **kwargs)
        return cls(catalog, **kwargs)

    # -- catalog -------------------------------------------------------------------------------
    def require_catalog(self):
        """The catalog; Unavailable when the server has none."""
        if self.catalog is None:
            raise Unavailable(f"catalog not loaded: {self.catalog_error}")
        return self.catalog

    @property
    def version(self) -> str:
        return self.catalog.version if self.catalog is not None else ""

    def health(self) -> dict:
        """status: "loading" (the catalog is parsed in the background), "no catalog", "warming" (start-up
        compilation under way; requests are served) or "ok"; with a known source, also where the
        catalog came from and its date (catalog_refresh.py)."""
        status = "loading" if self.loading else \
            "no catalog" if self.catalog is None else ("warming" if self.warming else "ok")
        out = {"status": status,
               "catalog_version": self.version, "comets": len(self.catalog) if self.catalog is not None else 0}
        source = self.catalog_source
        if source is not None and self.catalog is not None:
            out.update(catalog_source=source.label, catalog_date=source.date.strftime("%Y-%m-%d"))
        return out

    def replace_catalog(self, catalog, source=None) -> None:
        """Serve `catalog` from now on (the background refresh, catalog_refresh.py). Its index is
        built first; then catalog, index and source change together under the lock. Cached states
        are keyed by catalog version, so none of the old catalog's can answer for the new one."""
        index = _CatalogIndex(catalog)
        with self._lock:
            self.catalog, self._index, self.catalog_source, self._orbits = catalog, index, source, {}

    def select(self, sel: Selection) -> np.ndarray:
        """Catalog indices (ascending) of the comets matching every filter: `Catalog.filter_mask`
        for the bounds and orbit types (periodic: types P and D), `Catalog.search_mask` for text."""
        self.require_catalog()
        catalog = self.catalog
        types = [t.strip() for t in sel.orbit_type if t.strip()]
        mask = catalog.filter_mask(q_min=sel.q_min, q_max=sel.q_max, e_min=sel.e_min, e_max=sel.e_max,
                                   i_min_deg=sel.i_min_deg, i_max_deg=sel.i_max_deg, orbit_type=types or None)
        if sel.periodic:
            mask &= catalog.filter_mask(orbit_type=("P", "D"))
        if sel.search:
            mask &= catalog.search_mask(params.text(sel.search, "search"))
        return np.flatnonzero(mask)

    @contextlib.contextmanager
    def stream_slot(self):
        """Hold one of the `max_streams` concurrent-stream slots (LimitExceeded when none is free),
        counted in the open-streams metric, for as long as the stream lasts."""
        slot = self.streams.acquire()
        self.metrics.stream_opened()
        try:
            yield
        finally:
            slot.release()
            self.metrics.stream_closed()

    def list_comets(self, sel: Selection, limit: int = 50, offset: int = 0) -> Page:
        if limit < 1 or limit > 1000:
            raise InvalidArgument("limit", f"{limit} is outside 1..1000")
        if offset < 0:
            raise InvalidArgument("offset", f"{offset} is negative")
        matches = self.select(sel)
        return Page(total=int(matches.size), offset=offset, limit=limit, indices=matches[offset:offset + limit])

    def index_of(self, key: str, field: str = "id", not_found: bool = True) -> int:
        """The catalog index of a comet id in any form the catalog accepts ("1P", "0001P",
        "1P/Halley"); a name that contradicts the designation ("2P/Halley") is unknown, as is
        anything after the name (an unknown path segment such as "1P/Halley/extra")."""
        self.require_catalog()
        key = str(key).strip()
        if not key:
            raise InvalidArgument(field, "empty comet id")
        if len(key) > params.MAX_ID_CHARS:
            raise InvalidArgument(field, f"{len(key)} characters; a comet id has at most {params.MAX_ID_CHARS}")
        try:
            index = int(self.catalog.index_of(key))
        except KeyError:
            index = None
        if index is None or not _name_agrees(key, self._index.comets[index]):
            if not_found:
                raise NotFound(f"unknown comet '{key}'") from None
            raise InvalidArgument(field, f"unknown comet '{key}'") from None
        return index

    def resolve(self, ids, field: str = "ids") -> tuple[list[str], np.ndarray]:
        """(ids, (N,) catalog indices) of a list of ids with duplicates merged, the first of each
        kept in order: a comet named twice ("1P", "0001P") is computed and sent once. The count
        is bounded before merging; an unknown id is INVALID_ARGUMENT naming its index."""
        ids = params.ids(ids, field)
        self.limits.check_ids(len(ids))
        first: dict[int, str] = {}
        for k, key in enumerate(ids):
            first.setdefault(self.index_of(key, f"{field}[{k}]", not_found=False), key)
        return list(first.values()), np.fromiter(first, dtype=np.int64, count=len(first))

    def summary(self, index: int) -> dict:
        """The contract's Summary of one comet: degrees for angles, TDB JD for times."""
        self.require_catalog()
        idx = self._index
        c = idx.comets[index]
        return {"id": c.designation, "designation": c.designation, "name": c.name or "",
                "orbit_type": c.orbit_type, "q": float(c.q), "e": float(c.e), "i_deg": float(c.i) * DEG_PER_RAD,
                "node_deg": float(c.node) * DEG_PER_RAD, "argp_deg": float(c.argp) * DEG_PER_RAD,
                "tp_jd": float(c.tp), "tp_iso": idx.tp_iso[index], "period_years": _finite(c.period_years),
                "H": _finite(c.H), "K": _finite(c.K), "index": int(index)}

    def detail(self, index: int, time_jd: float) -> dict:
        """Summary plus epoch, non-gravitational parameters, reference and the next perihelion."""
        out = self.summary(index)
        el = self.catalog.elements
        c = self._index.comets[index]
        out.update({"packed": c.packed or "", "number": c.number,
                    "epoch_jd": _finite(el.epoch[index]), "A1": float(el.A1[index]), "A2": float(el.A2[index]),
                    "A3": float(el.A3[index]), "DT": float(el.DT[index]), "reference": c.reference or "",
                    "catalog_version": self.version,
                    "next_perihelion_jd": next_perihelion_jd(float(c.q), float(c.e), float(c.tp), time_jd)})
        return out

    # -- propagation ---------------------------------------------------------------------------
    def _elements(self, indices: np.ndarray):
        el = self.catalog.elements
        return el[np.asarray(indices, dtype=np.int64)]

    def states(self, indices: np.ndarray, times: np.ndarray, model: str = "kepler", frame: str = "ecliptic",
               center: str = "sun", cache_ids=None, use_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(N, M, 6) states and (N,) status for catalog indices at TDB JD times, through the cache.

        `use_cache=False` skips the cache for one-off epochs (a Follow clock's every tick).
        """
        self.require_catalog()
        times = params.times_jd(times)
        if times.size == 0:
            raise InvalidArgument("times", "at least one time is required")
        self.limits.check_samples(times.size, "times")
        self.limits.check_object_epochs(len(indices), times.size)
        if times.size > 1:
            self.limits.check_span(float(times.max() - times.min()), "times")
        if not use_cache:
            return self._propagate(indices, times, model, frame, center)
        ids = cache_ids if cache_ids is not None else [self._index.comets[k].designation + f"#{int(k)}"
                                                       for k in indices]
        key = cache_mod.make_key(self.version, ids, model, frame, center, times)
        hit = self.cache.get(key)
        if hit is not None:
            try:
                return cache_mod.unpack(hit)
            except ValueError:  # not our format (a foreign writer, a truncated value): recompute
                pass
        states, status = self._propagate(indices, times, model, frame, center)
        self.cache.put(key, cache_mod.pack(states, status))
        return states, status

    def _propagate(self, indices, times, model, frame, center):
        # what the engine still rejects (times outside the ephemeris) is an InvalidInput naming
        # its field, which the transports report as a bad argument
        return compute.propagate(self._elements(indices), times, model, frame, center, self.ephemeris_name)

    def trajectory_times(self, start, stop, step) -> np.ndarray:
        """(M,) TDB JD from start to stop (inclusive when it falls on a step) every `step` days."""
        t0 = params.time_jd(start, "start")
        t1 = params.time_jd(stop, "stop")
        dt = params.step_days(step, "step")
        if t1 < t0:
            raise InvalidArgument("stop", f"stop ({t1}) is before start ({t0})")
        self.limits.check_span(t1 - t0, "stop")
        # span and step are bounded (limits, params.MIN_STEP_DAYS), so the count is finite; it is
        # checked before any array is made
        n = math.floor((t1 - t0) / dt * (1 + 1e-12)) + 1
        self.limits.check_samples(n, "step")
        return t0 + dt * np.arange(n, dtype=np.float64)

    def trajectory_chunks(self, indices: np.ndarray, times: np.ndarray, model: str, frame: str, center: str,
                          chunk: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Lazily yields (times (m,), states (N, m, 6), status (N,)) chunks of at most `chunk` epochs.

        Nothing is computed before the consumer asks for the next chunk, so a stream that stops
        asking (cancelled, disconnected) stops the computation within one chunk.
        """
        chunk = self.limits.fit_rows(chunk or self.limits.chunk_samples, len(indices) * STATE_BYTES)
        self.limits.check_stream_work(len(indices), len(times))
        self.limits.check_object_epochs(len(indices), min(chunk, len(times)))
        for k in range(0, len(times), chunk):
            part = times[k:k + chunk]
            states, status = self.states(indices, part, model, frame, center)
            self.metrics.chunk_computed()
            yield part, states, status

    def catalog_blocks(self, indices: np.ndarray, times: np.ndarray, model: str, frame: str, center: str,
                       block: int | None = None) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """Lazily yields (offset, indices (n,), states (n, M, 6), status (n,)) blocks of the selection."""
        times = params.times_jd(times)
        block = self.limits.fit_rows(block or self.limits.block_objects, times.size * STATE_BYTES)
        if times.size == 0:
            raise InvalidArgument("times", "at least one time is required")
        self.limits.check_samples(times.size, "times")
        self.limits.check_stream_work(len(indices), times.size)
        self.limits.check_object_epochs(min(block, max(len(indices), 1)), times.size)
        for k in range(0, len(indices), block):
            part = indices[k:k + block]
            states, status = self.states(part, times, model, frame, center)
            self.metrics.chunk_computed()
            yield k, part, states, status

    def position(self, index: int, time_jd: float, model: str = "kepler") -> dict:
        """The contract's /position answer: heliocentric ecliptic state, speed, and the distance
        from the Earth and magnitude of /observe (observer "500", the geocentre: the engine's
        light-time-corrected geometry and photometry), so the two endpoints agree to the digit."""
        states, status = self.states(np.array([index]), np.array([time_jd]), model, "ecliptic", "sun")
        seen = self.observing.observe(np.array([index]), np.array([time_jd]), "500", model)
        r, v = states[0, 0, :3], states[0, 0, 3:]
        return {"id": self._index.comets[index].designation, "time_jd": time_jd, "model": model,
                "position": r, "velocity": v, "r_sun_au": float(np.linalg.norm(r)),
                "r_earth_au": _finite(seen.delta[0, 0]), "speed_km_s": float(np.linalg.norm(v)) * AU_PER_DAY_TO_KM_S,
                "tmag": _finite(seen.tmag[0, 0]), "status": status_codes.describe(int(status[0]))}

    def orbit(self, index: int, samples: int = 256) -> np.ndarray:
        """(S, 3) heliocentric ecliptic points (au) along the comet's two-body orbit."""
        self.require_catalog()
        self._check_orbit_samples(samples)
        return orbit_points(self._elements(np.array([index])), samples)[0]

    def catalog_orbits(self, samples: int = 128) -> np.ndarray:
        """(N, S, 3) orbit lines of the whole catalog (computed once per sample count)."""
        self.require_catalog()
        self._check_orbit_samples(samples)
        self.limits.check_object_epochs(len(self.catalog), samples)
        self.limits.check_response_bytes(len(self.catalog) * samples * 3 * 8, "ask for fewer samples")
        with self._lock:
            lines = self._orbits.get(samples)
        if lines is None:
            lines = orbit_points(self.catalog.elements, samples)
            with self._lock:
                self._orbits = {samples: lines}  # keep one: the viewer asks for one size
        return lines

    def catalog_positions(self, time_jd: float, model: str = "kepler") -> np.ndarray:
        """(N, 3) heliocentric ecliptic positions (au) of every comet at one TDB JD; NaN where failed."""
        self.require_catalog()
        indices = np.arange(len(self.catalog))
        states, _ = self.states(indices, np.array([time_jd]), model, "ecliptic", "sun", cache_ids=["*catalog*"])
        return states[:, 0, :3]

    def planets(self, time_jd: float) -> list[dict]:
        """Heliocentric ecliptic states and orbit lines of the planets at one TDB JD."""
        return compute.planets(self.ephemeris(), time_jd)

    def ephemeris(self):
        with self._lock:
            if self._ephemeris is None:
                import encke

                self._ephemeris = encke.load_ephemeris(self.ephemeris_name)
            return self._ephemeris

    def _check_orbit_samples(self, samples: int) -> None:
        if not 2 <= samples <= self.limits.max_orbit_samples:
            raise InvalidArgument("samples", f"{samples} is outside 2..{self.limits.max_orbit_samples}")


def _name_agrees(key: str, comet) -> bool:
    """False when `key` is the comet's designation followed by a name other than its own:
    "2P/Halley", "1P/trajectory/extra", "C/2023 A3 (Hale-Bopp)". Packed and bare forms agree."""
    text = " ".join(key.split()).lower()
    designation = comet.designation.lower()
    if not text.startswith(designation):
        return True  # a packed or other form the catalog resolved: it carries no name
    rest = text[len(designation):].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = "/" + rest[1:-1].strip()
    return rest in ("", "/") or rest == "/" + comet.name.lower()


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
