"""The next-perihelion route: when the selected comet next passes perihelion, with the model
the viewer shows (two-body time law, or the N-body integration: engine/passages.py)."""
from __future__ import annotations

import math

from fastapi import APIRouter, Depends

from ... import params
from ...errors import InvalidArgument
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)


@router.get("/api/comets/{id:path}/perihelion", summary="The next perihelion at or after a time, with a model")
async def next_perihelion(id: str, time: str | None = None, model: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        from encke.engine.ephemeris import EphemerisCoverageError
        from encke.engine.passages import next_perihelia

        index = service.index_of(id)
        t, m = params.time_or_now(time), params.model(model)
        eph = service.ephemeris()
        try:
            jd = float(next_perihelia(service.catalog.elements[index:index + 1], t, m, ephemeris=eph)[0])
        except EphemerisCoverageError as exc:
            raise InvalidArgument("time", str(exc)) from None
        reason = ""
        if not math.isfinite(jd):
            reason = "none ahead (open orbit)" if service.summary(index)["e"] >= 1 else "none within the ephemeris"
        return {"id": service.summary(index)["id"], "model": m, "time_jd": t,
                "next_perihelion_jd": jd if math.isfinite(jd) else None, "reason": reason}

    return await eng.answer(work)
