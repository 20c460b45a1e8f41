"""Monte Carlo clones of one comet's orbit, for the viewer's uncertainty cloud.

    GET /api/comets/{id}/covariance
    GET /api/comets/{id}/clones?n=500&time=&model=kepler&seed=0

The catalog (MPC elements) has no covariance: both routes take the comet's SBDB solution
(server/orbit_solutions.py, cached in memory and on disk). `covariance` only says whether there
is one (the viewer enables its uncertainty toggle from it, without computing anything);
`clones` draws n clones from that solution's covariance (encke.sample_orbits, seeded, so the
same clones come back at every time and the cloud moves smoothly) and propagates them and the
solution's own orbit (`nominal`) to one time with the model: heliocentric ecliptic J2000, au.
Without a covariance the answer is still 200, with `positions` null and `uncertainty_note`
saying why, as /observe?uncertainty=true does.
"""
from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Depends

from ... import params
from ..deps import GUARDED, Engine, engine

router = APIRouter(dependencies=GUARDED)

DEFAULT_CLONES = 500
MAX_SEED = 2**32 - 1


@router.get("/api/comets/{id:path}/covariance", summary="Whether SBDB has an orbit covariance for the comet")
async def covariance(id: str, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        from ...orbit_solutions import sbdb_covariance

        designation = service.summary(service.index_of(id))["id"]
        solution, note = sbdb_covariance(designation)
        if solution is None:
            return {"id": designation, "available": False, "orbit": "catalog", "uncertainty_note": note,
                    "epoch_jd": None, "labels": None}
        cov = solution.covariance
        return {"id": designation, "available": True, "orbit": f"sbdb {solution.orbit_id}", "uncertainty_note": note,
                "epoch_jd": float(np.asarray(cov.epoch).reshape(-1)[0]), "labels": list(cov.labels)}

    return await eng.answer(work)


@router.get("/api/comets/{id:path}/clones", summary="Monte Carlo clones of the comet's SBDB orbit at one time")
async def clones(id: str, n: str | None = None, time: str | None = None, model: str | None = None,
                 seed: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        from encke.engine.elements import CometaryElements
        from encke.engine.propagate import propagate
        from encke.engine.sampling import sample_orbits

        from ...orbit_solutions import sbdb_covariance

        designation = service.summary(service.index_of(id))["id"]
        count = params.count(n, "n", DEFAULT_CLONES, 1)
        service.limits.check_clones(count)  # a valid number, over what one request may cost: 413
        m = params.model(model)
        t = params.time_or_now(time)
        draw_seed = params.count(seed, "seed", 0, 0, MAX_SEED)
        answer = {"id": designation, "time_jd": t, "model": m, "n": count, "seed": draw_seed, "frame": "ecliptic",
                  "center": "sun"}
        solution, note = sbdb_covariance(designation)
        if solution is None:
            return {**answer, "orbit": "catalog", "uncertainty_note": note, "nominal": None, "positions": None}
        eph = service.ephemeris()
        if m == "nbody":
            eph.check_coverage(np.array([t]))
        sampled = sample_orbits(solution.elements, solution, count, seed=draw_seed)
        nominal = solution.elements.to_numpy()
        nominal = nominal.replace(epoch=np.where(np.isfinite(nominal.epoch), nominal.epoch, sampled.epoch[:1]))
        # the clones and the nominal orbit in one batched call
        both = CometaryElements.concatenate([sampled, nominal])
        out = propagate(both, np.array([t]), model=m, ephemeris=eph)[:, 0, :3]
        states, nominal = out[:-1], out[-1]
        return {**answer, "orbit": f"sbdb {solution.orbit_id}", "uncertainty_note": note, "nominal": nominal,
                "positions": states}

    return await eng.answer(work)
