"""Close-approach routes: one comet's approaches to a body, and the whole catalog's.

    GET /api/comets/{id}/approaches?start=&stop=&body=earth&max_au=0.2&uncertainty=false
    GET /api/approaches?start=&stop=&body=earth&max_au=0.2

The engine finds them (engine/approaches.py, N-body, DE of the service). The catalog has no
covariance: with uncertainty=true the comet's orbit solution is fetched from JPL's SBDB (cached
by engine/sources/sbdb.py) and the 3-sigma of time and distance are added; when SBDB has none
or cannot be reached, the answer says so in `uncertainty_note` and the rows carry nulls.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ... import params
from ...errors import InvalidArgument, LimitExceeded
from ...orbit_solutions import sbdb_covariance
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)
MAX_AU = 2.0


def _window(service, start, stop, max_au):
    t0, t1 = params.time_jd(start, "start"), params.time_jd(stop, "stop")
    if not t1 > t0:
        raise InvalidArgument("stop", "stop must be after start")
    if t1 - t0 > service.limits.max_span_days:
        raise LimitExceeded(f"span: {t1 - t0:.0f} days is over the limit of {service.limits.max_span_days:.0f}",
                            service.limits.max_span_days)
    limit = params.optional_float(max_au, "max_au")
    limit = 0.2 if limit is None else limit
    if not 0 < limit <= MAX_AU:
        raise InvalidArgument("max_au", f"max_au must be in (0, {MAX_AU}] au, got {limit}")
    return t0, t1, limit


def _answer(found, body, t0, t1, limit, note=None):
    rows = found.rows()
    for r in rows:
        r["moid_earth_au"] = float(found.moid_earth_au[r["comet"]])
        r["moid_jupiter_au"] = float(found.moid_jupiter_au[r["comet"]])
        del r["comet"]
    answer = {"body": body, "start_jd": t0, "stop_jd": t1, "max_au": limit, "approaches": rows}
    if note is not None:
        answer["uncertainty_note"] = note
    return answer


@router.get("/api/comets/{id:path}/approaches", summary="A comet's close approaches to a body (N-body)")
async def comet_approaches(id: str, start: str | None = None, stop: str | None = None, body: str = "earth",
                           max_au: str | None = None, uncertainty: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        from encke.engine.approaches import close_approaches

        index = service.index_of(id)
        t0, t1, limit = _window(service, start, stop, max_au)
        designation = service.summary(index)["id"]
        elements, covariance, note = service.catalog.elements[index:index + 1], None, None
        if uncertainty is not None and params.flag(uncertainty, "uncertainty"):
            covariance, note = sbdb_covariance(designation)
            if covariance is not None:
                elements = covariance.elements
        found = close_approaches(elements, t0, t1, (body,), limit, covariance=covariance,
                                 designations=[designation], ephemeris=service.ephemeris())
        return _answer(found, body, t0, t1, limit, note)

    return await eng.answer(work)


@router.get("/api/approaches", summary="The catalog's close approaches to a body (N-body, one batched call)")
async def catalog_approaches(start: str | None = None, stop: str | None = None, body: str = "earth",
                             max_au: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        from encke.engine.approaches import close_approaches

        catalog = service.require_catalog()
        t0, t1, limit = _window(service, start, stop, max_au)
        found = close_approaches(catalog.elements, t0, t1, (body,), limit, designations=catalog.designations,
                                 ephemeris=service.ephemeris())
        return _answer(found, body, t0, t1, limit)

    return await eng.answer(work)
