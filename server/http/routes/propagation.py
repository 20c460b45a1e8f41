"""Propagation routes of one comet: trajectory, position (with distances and magnitude), orbit line."""
from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Depends

from ... import params
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)


@router.get("/api/comets/{id:path}/trajectory", summary="States from start to stop every step")
async def trajectory(id: str, start: str, stop: str, step: str, model: str | None = None,
                     frame: str | None = None, center: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        index = service.index_of(id)
        m, f, c = params.model(model), params.frame(frame), params.center(center)
        times = service.trajectory_times(start, stop, step)
        states, _ = service.states(np.array([index]), times, m, f, c)
        return {"id": service.summary(index)["id"], "model": m, "frame": f, "center": c, "times_jd": times,
                "positions": states[0, :, :3], "velocities": states[0, :, 3:]}

    return await eng.answer(work)


@router.get("/api/comets/{id:path}/position", summary="Position, distances, speed and magnitude at one time")
async def position(id: str, time: str | None = None, model: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service
    return await eng.answer(lambda: service.position(service.index_of(id), params.time_or_now(time),
                                                     params.model(model)))


@router.get("/api/comets/{id:path}/orbit", summary="One two-body orbit line")
async def orbit(id: str, samples: int = 256, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        index = service.index_of(id)
        return {"id": service.summary(index)["id"], "positions": service.orbit(index, samples)}

    return await eng.answer(work)
