"""Catalog routes: list and search comets, one comet's detail, every comet's position and orbit."""
from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from ... import params
from ...limits import JSON_BYTES_PER_DOUBLE
from ...service import Selection
from ..deps import GUARDED, Engine, engine
from ..responses import binary, dumps

FORMATS = ("json", "f32", "f64")  # bulk endpoints: JSON, or packed little-endian floats
CACHED_JSON_BYTES = 16 * 2**20  # orbit bodies up to this size (and 1/4 of the response limit) are kept
router = APIRouter(dependencies=GUARDED)
details = APIRouter(dependencies=GUARDED)  # /api/comets/{id}: included after the /api/comets/{id}/... routes


@router.get("/api/comets", summary="List comets (paged, filtered)")
async def list_comets(search: str | None = None, periodic: str | None = None, q_min: str | None = None,
                      q_max: str | None = None, e_min: str | None = None, e_max: str | None = None,
                      orbit_type: str | None = None, limit: int = Query(50, ge=1, le=1000),
                      offset: int = Query(0, ge=0), eng: Engine = Depends(engine)):
    # empty values mean "no filter", so a form can send every field
    sel = Selection(search=search or None, periodic=params.flag(periodic, "periodic"),
                    q_min=params.optional_float(q_min, "q_min"), q_max=params.optional_float(q_max, "q_max"),
                    e_min=params.optional_float(e_min, "e_min"), e_max=params.optional_float(e_max, "e_max"),
                    orbit_type=tuple((orbit_type or "").replace(",", " ").split()))
    service = eng.service

    def work():
        page = service.list_comets(sel, limit, offset)
        return {"total": page.total, "offset": page.offset, "limit": page.limit,
                "catalog_version": service.version, "comets": [service.summary(k) for k in page.indices]}

    return await eng.answer(work)


@details.get("/api/comets/{id:path}", summary="One comet: elements, non-grav parameters, next perihelion")
async def get_comet(id: str, time: str | None = None, eng: Engine = Depends(engine)):
    service = eng.service
    return await eng.answer(lambda: service.detail(service.index_of(id), params.time_or_now(time)))


@router.get("/api/catalog/positions", summary="Every comet's position at one time (flat x,y,z)")
async def catalog_positions(time: str | None = None, model: str | None = None, format: str | None = None,
                            eng: Engine = Depends(engine)):
    service = eng.service

    def work():
        t, m, fmt = params.time_or_now(time), params.model(model), params.choice(format, "format", FORMATS, "json")
        pos = service.catalog_positions(t, m)
        if fmt != "json":
            return binary(pos, fmt, {"X-Encke-Count": len(pos), "X-Encke-Time-Jd": repr(float(t))}, service.version)
        return {"time_jd": t, "catalog_version": service.version, "count": len(pos), "positions": pos.reshape(-1)}

    return await eng.answer(work)


@router.get("/api/catalog/orbits", summary="Every comet's orbit line (flat x,y,z per sample)")
async def catalog_orbits(request: Request, samples: int = 128, format: str | None = None,
                         eng: Engine = Depends(engine)):
    service = eng.service
    rendered: dict = request.app.state.rendered_orbits  # the viewer's JSON body, by (version, samples)

    def work():
        fmt = params.choice(format, "format", FORMATS, "json")
        count = len(service.require_catalog())
        if fmt != "json":
            service.limits.check_response_bytes(count * samples * 3 * (4 if fmt == "f32" else 8), "ask fewer samples")
            lines = service.catalog_orbits(samples)
            return binary(lines, fmt, {"X-Encke-Count": lines.shape[0], "X-Encke-Samples": samples}, service.version)
        size = count * samples * 3 * JSON_BYTES_PER_DOUBLE
        service.limits.check_response_bytes(size, "use format=f32 or fewer samples")
        head = {"catalog_version": service.version, "count": count, "samples": samples}
        body = rendered.get((service.version, samples))
        if body is not None:
            return Response(body, media_type="application/json")
        positions = service.catalog_orbits(samples).reshape(-1)
        if size > min(CACHED_JSON_BYTES, service.limits.max_response_bytes // 4):  # streamed, never held whole
            return StreamingResponse(_json_with_array(head, "positions", positions), media_type="application/json")
        body = "".join(_json_with_array(head, "positions", positions)).encode()
        rendered.clear()  # keep one: the viewer asks for one size (~9 MB at 128 samples)
        rendered[(service.version, samples)] = body
        return Response(body, media_type="application/json")

    return await eng.answer(work)


def _json_with_array(head: dict, name: str, values: np.ndarray, piece: int = 2**16):
    """The JSON text of {**head, name: values} in pieces of `piece` numbers (NaN as null)."""
    yield dumps(head)[:-1] + f',"{name}":['
    for start in range(0, values.size, piece):
        yield ("," if start else "") + dumps(values[start:start + piece])[1:-1]
    yield "]}"
