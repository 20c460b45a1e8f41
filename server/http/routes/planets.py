"""The planets route: heliocentric ecliptic states and orbit lines for the viewer."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ... import params
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)


@router.get("/api/planets", summary="Planets' heliocentric ecliptic states and orbit lines")
async def planets(time: str | None = None, eng: Engine = Depends(engine)):
    def work():
        t = params.time_or_now(time)
        return {"time_jd": t, "planets": eng.service.planets(t)}

    return await eng.answer(work)
