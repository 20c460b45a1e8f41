"""Observer ephemerides in the service: where catalog comets appear in the sky.

Transport-neutral, like service.py: the gRPC `Observe` stream and the HTTP
`/api/comets/{id}/observe` endpoint both call `Observing`. The numbers are the engine's
`encke.observe`, bit for bit: the comets' barycentric ICRF states come through the service's
state cache (`Service.states(..., frame="icrf", center="ssb")`, the very call `observe` makes
to `propagate`), and the geometry half is `encke.engine.observe.observe_states`.

Errors name the field: the engine's InvalidInput carries it (`observer` for an observer the
engine cannot place, `times` for epochs outside the planetary ephemeris), and the transports
report it as a bad argument (errors.as_service_error).

Units: times TDB Julian dates; angles degrees; distances au; range rates km/s.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from .errors import InvalidArgument

# Observation attribute -> the name both transports use (unit in the suffix).
COLUMNS = (("ra", "ra_deg"), ("dec", "dec_deg"), ("delta", "delta_au"), ("r", "r_au"), ("rdot", "rdot_km_s"),
           ("deldot", "deldot_km_s"), ("elongation", "elongation_deg"), ("phase", "phase_deg"), ("tmag", "tmag"),
           ("light_time", "light_time_days"))
SITE_COLUMNS = (("azimuth", "azimuth_deg"), ("elevation", "elevation_deg"))
# Horizons' 3-sigma plane-of-sky quantities (engine/sky_uncertainty.py): arcsec, degrees, km.
UNCERTAINTY_COLUMNS = ("ra_3sigma_arcsec", "dec_3sigma_arcsec", "smaa_3sigma_arcsec", "smia_3sigma_arcsec",
                       "theta_deg", "range_3sigma_km")


def resolve_observer(spec=None, site: tuple | None = None):
    """An engine `Observer` from a string ("500", "earth", "sun", "G96", "lon,lat[,h]") or a
    (lon_deg, lat_deg, height_m) site; None and "" mean the geocentre. Raises ObserverError
    (an InvalidInput on the field "observer")."""
    from encke.engine.observers import resolve_observer as engine_resolve

    from . import params

    if isinstance(spec, str):
        params.text(spec, "observer")
    return engine_resolve(site if site is not None else (spec if spec not in (None, "") else "500"))


class Observing:
    """Observer ephemerides of one service's catalog comets."""

    def __init__(self, service):
        self.service = service

    def observe(self, indices: np.ndarray, times: np.ndarray, observer, model: str = "kepler",
                apparent: bool = False):
        """An engine Observation of catalog comets `indices` (N,) at TDB JD `times` (M,)."""
        from encke.engine.observe import observe_states

        service = self.service
        catalog = service.require_catalog()
        indices = np.asarray(indices, dtype=np.int64)
        obs = observer if not isinstance(observer, (str, tuple, type(None))) else resolve_observer(observer)
        eph = service.ephemeris()
        eph.check_coverage(np.asarray(times, dtype=np.float64))  # before propagating: fail fast
        states, status = service.states(indices, times, model, "icrf", "ssb")
        return observe_states(states, times, obs, ephemeris=eph, H=catalog.column("H")[indices],
                              K=catalog.column("K")[indices], apparent=bool(apparent), status=status)

    def chunks(self, indices: np.ndarray, times: np.ndarray, observer, model: str = "kepler",
               apparent: bool = False, chunk: int | None = None) -> Iterator:
        """Lazily yields Observations of at most `chunk` epochs each (nothing before it is asked
        for, so a cancelled stream stops within one chunk)."""
        times, obs, chunk = self._plan(indices, times, observer, chunk, 13)
        for k in range(0, times.size, chunk):
            result = self.observe(indices, times[k:k + chunk], obs, model, apparent)
            self.service.metrics.chunk_computed()
            yield result

    def uncertainty_chunks(self, indices: np.ndarray, times: np.ndarray, observer, model: str = "kepler",
                           apparent: bool = False, chunk: int | None = None) -> Iterator:
        """Like `chunks`, with Horizons' 3-sigma sky quantities: (Observation, {column: (N, m)},
        notes (N,)). Each comet's SBDB solution is fetched first (cached); comets with a
        covariance are observed from that solution (as `uncertainty_json`), the others keep the
        catalog's ephemeris and NaN columns, and their note says why."""
        from .orbit_solutions import sbdb_covariance

        indices = np.asarray(indices, dtype=np.int64)
        times, obs, chunk = self._plan(indices, times, observer, chunk, 13 + len(UNCERTAINTY_COLUMNS))
        solutions = [sbdb_covariance(self.service.summary(int(k))["id"]) for k in indices]
        notes = [note for _, note in solutions]
        for k in range(0, times.size, chunk):
            result, sky = self._observe_solutions(indices, times[k:k + chunk], obs, model, apparent, solutions)
            self.service.metrics.chunk_computed()
            yield result, sky, notes

    def _plan(self, indices, times, observer, chunk, doubles_per_sample: int):
        """(times, Observer, epochs per chunk) of a stream, its limits checked before any work."""
        limits = self.service.limits
        # an ObserveChunk carries about `doubles_per_sample` doubles per comet and epoch
        chunk = limits.fit_rows(chunk or limits.chunk_samples, len(indices) * doubles_per_sample * 8)
        times = np.asarray(times, dtype=np.float64)
        limits.check_samples(times.size, "times")
        limits.check_stream_work(len(indices), times.size)
        limits.check_object_epochs(len(indices), min(chunk, times.size))
        obs = resolve_observer(observer) if isinstance(observer, (str, tuple, type(None))) else observer
        return times, obs, chunk

    def _observe_solutions(self, indices, times, obs, model, apparent, solutions):
        """(Observation, {column: (N, m)}): the catalog's ephemeris, each comet with an SBDB
        solution replaced by that solution's, with its 3-sigma columns (NaN for the others)."""
        from encke.engine.sky_uncertainty import observe_uncertainty

        catalog = self.service.require_catalog()
        result = self.observe(indices, times, obs, model, apparent)
        sky = {name: np.full(result.ra.shape, np.nan) for name in UNCERTAINTY_COLUMNS}
        rows = {}
        for j, (solution, _) in enumerate(solutions):
            if solution is not None:
                k = slice(indices[j], indices[j] + 1)
                rows[j], one = observe_uncertainty(solution.elements, times, solution, obs, model=model,
                                                   ephemeris=self.service.ephemeris(), apparent=bool(apparent),
                                                   H=catalog.column("H")[k], K=catalog.column("K")[k])
                for name in UNCERTAINTY_COLUMNS:
                    sky[name][j] = getattr(one, name)[0]
        return _replace_rows(result, rows), sky

    def ephemeris_json(self, index: int, times: np.ndarray, observer, model: str = "kepler",
                       apparent: bool = False) -> dict:
        """The HTTP contract's /observe answer for one comet: (M,) arrays by name."""
        times = np.asarray(times, dtype=np.float64)
        self.service.limits.check_samples(times.size, "times")
        result = self.observe(np.array([index]), times, observer, model, apparent)
        return self._answer(index, result, model, apparent)

    def uncertainty_json(self, index: int, times: np.ndarray, observer, model: str = "kepler",
                         apparent: bool = False) -> dict:
        """/observe?uncertainty=true: Horizons' 3-sigma sky columns from SBDB's covariance.

        The catalog has no covariance, so the comet's SBDB solution is fetched (cached); the
        ephemeris is then computed from that solution's elements, so that positions and their
        uncertainties belong to one orbit (as `encke observe --uncertainty` does). Without a
        covariance the catalog's ephemeris is answered, the columns are null and
        `uncertainty_note` says why."""
        from encke.engine.sky_uncertainty import observe_uncertainty

        from .orbit_solutions import sbdb_covariance

        service = self.service
        times = np.asarray(times, dtype=np.float64)
        service.limits.check_samples(times.size, "times")
        solution, note = sbdb_covariance(service.summary(index)["id"])
        if solution is None:
            out = self.ephemeris_json(index, times, observer, model, apparent)
            out.update({name: None for name in UNCERTAINTY_COLUMNS})
            return {**out, "orbit": "catalog", "uncertainty_note": note}
        eph = service.ephemeris()
        eph.check_coverage(times)
        catalog = service.require_catalog()
        obs = observer if not isinstance(observer, (str, tuple, type(None))) else resolve_observer(observer)
        result, sky = observe_uncertainty(solution.elements, times, solution, obs, model=model, ephemeris=eph,
                                          apparent=bool(apparent), H=catalog.column("H")[index:index + 1],
                                          K=catalog.column("K")[index:index + 1])
        out = self._answer(index, result, model, apparent)
        out.update({name: getattr(sky, name)[0] for name in UNCERTAINTY_COLUMNS})
        return {**out, "orbit": f"sbdb {solution.orbit_id}", "uncertainty_note": note}

    def _answer(self, index: int, result, model: str, apparent: bool) -> dict:
        from encke.engine import status as status_codes

        out = {"id": self.service.summary(index)["id"], "observer": result.observer.name, "model": model,
               "apparent": bool(apparent), "frame": result.frame,
               "status": status_codes.describe(int(result.status[0])), "times_jd": result.times}
        for attr, name in COLUMNS:
            out[name] = getattr(result, attr)[0]
        if result.elevation is not None:
            for attr, name in SITE_COLUMNS:
                out[name] = getattr(result, attr)[0]
            out["sun_elevation_deg"] = result.sun_elevation
        return out


def _replace_rows(result, rows: dict):
    """`result` (an Observation of N comets) with comet j's row taken from the one-comet
    Observation rows[j]."""
    import dataclasses

    if not rows:
        return result
    per_comet = [attr for attr, _ in COLUMNS + SITE_COLUMNS] + ["status"]
    changes = {}
    for attr in per_comet:
        value = getattr(result, attr)
        if value is not None:
            value = np.array(value, copy=True)
            for j, one in rows.items():
                value[j] = getattr(one, attr)[0]
            changes[attr] = value
    return dataclasses.replace(result, **changes)


def times_from_query(service, time, start, stop, step) -> np.ndarray:
    """(M,) TDB JD from `time=` or `start=&stop=&step=` (all three); none of them: now."""
    from . import params

    ranged = [v not in (None, "") for v in (start, stop, step)]
    if time not in (None, "") and any(ranged):
        raise InvalidArgument("time", "give either time= or start=, stop= and step=, not both")
    if any(ranged):
        if not all(ranged):
            missing = [n for n, r in zip(("start", "stop", "step"), ranged) if not r][0]
            raise InvalidArgument(missing, "start=, stop= and step= go together")
        return service.trajectory_times(start, stop, step)
    return np.array([params.time_or_now(time)])
