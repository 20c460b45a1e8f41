"""Close-approach routes: one comet's approaches to a body, and the whole catalog's.

    GET /api/comets/{id}/approaches?start=&stop=&body=earth&max_au=0.2&uncertainty=false
    GET /api/approaches?start=&stop=&body=earth&max_au=0.2

The engine finds them (engine/approaches.py, N-body, DE of the service). The catalog has no
covariance: with uncertainty=true the comet's orbit solution is fetched from JPL's SBDB (cached
by engine/sources/sbdb.py) and the 3-sigma of time and distance are added; when SBDB has none
or cannot be reached, the answer says so in `uncertainty_note` and the rows carry nulls.
"""
from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Depends

from ... import encounters, params
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)


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
        index = service.index_of(id)
        t0, t1, limit = encounters.window(service, start, stop, max_au)
        flag = uncertainty is not None and params.flag(uncertainty, "uncertainty")
        found, _, note = encounters.search(service, [index], t0, t1, body, limit, flag)
        return _answer(found, body, t0, t1, limit, note)

    return await eng.answer(work)


@router.get("/api/approaches", summary="The catalog's close approaches to a body (N-body, one batched call)")
async def catalog_approaches(start: str | None = None, stop: str | None = None, body: str = "earth",
                             max_au: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        catalog = service.require_catalog()
        t0, t1, limit = encounters.window(service, start, stop, max_au)
        found, _, _ = encounters.search(service, np.arange(len(catalog)), t0, t1, body, limit)
        return _answer(found, body, t0, t1, limit)

    return await eng.answer(work)
