"""Operations routes: health (open, for probes) and Prometheus metrics (behind the token)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from ..deps import GUARDED, Engine, engine

health_router = APIRouter()
metrics_router = APIRouter(dependencies=GUARDED)


# answered before routing by app.HealthResponder (the same value); this route gives it its schema
@health_router.get("/api/health", summary="Liveness and the loaded catalog")
async def health(eng: Engine = Depends(engine)):
    return eng.service.health()


@metrics_router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics(eng: Engine = Depends(engine)):
    return PlainTextResponse(eng.service.metrics.render(), media_type="text/plain; version=0.0.4")
