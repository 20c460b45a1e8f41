"""The FastAPI application: the routers of routes/, the shared dependencies of deps.py, one
access middleware (metric and JSON log line per request) and the error handlers.

Implements exactly the contract the viewer is built against (endpoints under /api, the
/ws/follow WebSocket, /metrics, the built viewer at /, OpenAPI at /docs). Every route runs
its service call on the engine pool (JAX work never blocks the event loop). Service errors,
and the engine's InvalidInput, map to an HTTP status once, here (errors.as_service_error).

/api/health is answered by `HealthResponder`, in front of the routing, in the event loop: it
never waits for the engine pool, and it does the least work the loop can do for a request.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline

from encke.engine.errors import InvalidInput

from .. import logs
from ..auth import BearerGuard
from ..errors import ServiceError, Unauthenticated, as_service_error
from ..limits import RateLimiter
from ..pool import EnginePool
from ..service import Service
from .deps import Engine, client_host
from .responses import NanSafeJSON
from .routes import approaches, catalog, clones, observe, ops, passages, planets, propagation, static, websocket

_log = logging.getLogger("encke.server.http")
DESCRIPTION = ("Comet positions from the MPC catalog: two-body or N-body, TDB Julian dates, au and au/day, "
               "heliocentric ecliptic J2000 unless frame/center say otherwise.")
# order matters: /api/comets/{id}/... before /api/comets/{id}, and the viewer's catch-all last
ROUTERS = (ops.health_router, ops.metrics_router, catalog.router, propagation.router, observe.router,
           passages.router, approaches.router, clones.router, catalog.details, planets.router, websocket.router, static.router)


def create_app(service: Service, *, token: str | None = None, rate_limiter: RateLimiter | None = None,
               pool: EnginePool | None = None, static_dir: Path | None = None) -> FastAPI:
    """The FastAPI application over `service`. `token`: require "Authorization: Bearer <token>"."""
    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from the package, not a CDN
    app = FastAPIOffline(title="encke", version="0.1.0", default_response_class=NanSafeJSON, description=DESCRIPTION)
    app.state.engine = Engine(service, pool or EnginePool(service.limits.workers))
    app.state.bearer = BearerGuard(token)
    app.state.limiter = rate_limiter or RateLimiter(0, 1)
    app.state.static_dir = static_dir or static.STATIC_DIR
    app.state.rendered_orbits = {}
    app.add_exception_handler(ServiceError, _error)
    app.add_exception_handler(InvalidInput, _error)  # the engine's validation errors name their field
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.middleware("http")(_access)
    for router in ROUTERS:
        app.include_router(router)
    health_route = next(r for r in ops.health_router.routes if r.path == HEALTH_PATH)
    app.add_middleware(HealthResponder, service=service, route=health_route)  # outside _access
    return app


HEALTH_PATH = "/api/health"


class HealthResponder:
    """Pure ASGI middleware that answers GET /api/health from `Service.health()` (the same answer
    as the route in routes/ops.py, which stays for the OpenAPI schema) before routing,
    dependencies and `_access` (a BaseHTTPMiddleware, which costs the loop a task and a stream
    per request). It still counts in the metrics and the access log, and tracing wraps it. Under
    load the event loop is the bottleneck, shared by every request; the less it does for a
    probe, the sooner the probe is answered. Anything else passes through."""

    def __init__(self, app, service: Service, route):
        self.app, self.service, self.route = app, service, route

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != HEALTH_PATH or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        scope["route"] = self.route  # as the router would set it: tracing names the span by it
        response = NanSafeJSON(self.service.health())
        await response(scope, receive, send)
        client = scope.get("client")
        _record(self.service, f"GET {HEALTH_PATH}", response.status_code, time.perf_counter() - start,
                client[0] if client else "unknown", HEALTH_PATH)


def error_response(exc: BaseException) -> NanSafeJSON | None:
    """The JSON error answer of a service error or engine InvalidInput; None for anything else."""
    error = as_service_error(exc)
    if error is None:
        return None
    response = NanSafeJSON({"detail": error.message}, status_code=error.http_status)
    if isinstance(error, Unauthenticated):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _error(request: Request, exc: Exception):
    return error_response(exc)


async def _validation_error(request: Request, exc: RequestValidationError):
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
        parts.append(f"{field}: {err.get('msg', 'invalid')} (got {err.get('input')!r})")
    return NanSafeJSON({"detail": "; ".join(parts)}, status_code=422)


async def _access(request: Request, call_next):
    """One metric and one JSON access line per request; an unhandled error is a logged 500."""
    start, path = time.perf_counter(), request.url.path
    try:
        response = await call_next(request)
    except Exception as exc:  # a bug, not the client's fault: say so, log it, keep serving
        response = error_response(exc)
        if response is None:
            _log.exception("%s %s failed", request.method, path)
            response = NanSafeJSON({"detail": f"internal error: {type(exc).__name__}: {exc}"[:300]},
                                   status_code=500)
    route = request.scope.get("route")
    method = f"{request.method} {route.path if route is not None else 'unmatched'}"
    _record(request.app.state.engine.service, method, response.status_code, time.perf_counter() - start,
            client_host(request), path)
    return response


def _record(service: Service, method: str, status: int, elapsed: float, client: str, path: str) -> None:
    service.metrics.observe("http", method, str(status), elapsed)
    logs.access("http", method, status, elapsed, client, path=path)
