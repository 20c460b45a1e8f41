"""The observer-ephemeris route: RA/Dec, distances, elongation and magnitude of one comet."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ... import observing, params
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)


@router.get("/api/comets/{id:path}/observe", summary="Observer ephemeris: RA/Dec, distances, elongation, magnitude")
async def observe(id: str, time: str | None = None, start: str | None = None, stop: str | None = None,
                  step: str | None = None, observer: str | None = None, model: str | None = None,
                  apparent: str | None = None, uncertainty: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        index = service.index_of(id)
        m, flag = params.model(model), params.flag(apparent, "apparent")
        times = observing.times_from_query(service, time, start, stop, step)
        if uncertainty is not None and params.flag(uncertainty, "uncertainty"):
            # Horizons' 3-sigma columns from SBDB's covariance, fetched on demand (cached)
            return service.observing.uncertainty_json(index, times, observer, m, flag)
        return service.observing.ephemeris_json(index, times, observer, m, flag)

    return await eng.answer(work)
