"""The HTTP/WebSocket gateway (FastAPI): the browser's view of the service layer.

Implements exactly the contract the viewer is built against (endpoints under /api, the
/ws/follow WebSocket, /metrics, the built viewer at /, OpenAPI at /docs). Each endpoint parses
its query, runs one service call on the worker pool (JAX work never blocks the event loop)
and encodes JSON with NaN as null. Service errors map to HTTP status once, in a handler.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import time
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response

from . import logs, observing, params
from .errors import InvalidArgument, LimitExceeded, ServiceError, Unauthenticated
from .follow import FRAME_INTERVAL_S, FollowSession
from .limits import RateLimiter
from .service import Selection, Service

_log = logging.getLogger("encke.server.http")
STATIC_DIR = Path(__file__).resolve().parent / "static"
FORMATS = ("json", "f32", "f64")  # bulk endpoints: JSON, or packed little-endian floats
_OPEN_PATHS = ("/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc", "/api/health")

_NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>encke</title></head>
<body><h1>encke</h1><p>The viewer isn't built. Build it with <code>make web</code>
(runs <code>npm ci &amp;&amp; npm run build</code> in clients/web), then reload.</p>
<p>The API is up: <a href="/docs">/docs</a>, <a href="/api/health">/api/health</a>.</p></body></html>"""


def _plain(value):
    """JSON-ready Python values: arrays to lists, non-finite floats to None."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            obj = value.astype(object)
            obj[~np.isfinite(value)] = None
            return obj.tolist()
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


class NanSafeJSON(JSONResponse):
    def render(self, content) -> bytes:
        return json.dumps(_plain(content), allow_nan=False, separators=(",", ":")).encode()


def create_app(service: Service, *, token: str | None = None, rate_limiter: RateLimiter | None = None,
               executor: Executor | None = None, static_dir: Path | None = None) -> FastAPI:
    """The FastAPI application over `service`. `token`: require "Authorization: Bearer <token>"."""
    app = FastAPI(title="encke", version="0.1.0", default_response_class=NanSafeJSON,
                  description="Comet positions from the MPC catalog: two-body or N-body, TDB Julian dates, "
                              "au and au/day, heliocentric ecliptic J2000 unless frame/center say otherwise.")
    static = static_dir or STATIC_DIR
    rendered: dict[tuple[str, int], bytes] = {}  # the last /api/catalog/orbits body
    limiter = rate_limiter or RateLimiter(0, 1)

    async def run(fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    async def answer(fn):
        """Run `fn` on the worker pool and encode its result (numpy arrays, NaN -> null)."""
        result = await run(fn)
        return result if isinstance(result, Response) else NanSafeJSON(result)

    def binary(values: np.ndarray, fmt: str, headers: dict) -> Response:
        """Packed little-endian float32/float64 of `values` (C order), NaN kept, with X-Encke-* headers."""
        body = np.ascontiguousarray(values, dtype="<f4" if fmt == "f32" else "<f8").tobytes()
        headers = {k: str(v) for k, v in headers.items()}
        headers["X-Encke-Catalog-Version"] = service.version
        headers["Access-Control-Expose-Headers"] = ", ".join(sorted(headers))
        return Response(body, media_type="application/octet-stream", headers=headers)

    def authorized(header: str | None) -> bool:
        if not token:
            return True
        expected = f"Bearer {token}"
        return header is not None and hmac.compare_digest(header.encode(), expected.encode())

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError):
        return NanSafeJSON({"detail": exc.message}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
            parts.append(f"{field}: {err.get('msg', 'invalid')} (got {err.get('input')!r})")
        return NanSafeJSON({"detail": "; ".join(parts)}, status_code=422)

    @app.middleware("http")
    async def _access(request: Request, call_next):
        start = time.perf_counter()
        peer = request.client.host if request.client else "unknown"
        path = request.url.path
        try:
            if path.startswith(("/api/", "/metrics")) and path not in _OPEN_PATHS:
                if not authorized(request.headers.get("authorization")):
                    raise Unauthenticated("missing or wrong bearer token: send 'Authorization: Bearer <token>'")
                limiter.check(peer)
            response = await call_next(request)
        except ServiceError as exc:
            response = NanSafeJSON({"detail": exc.message}, status_code=exc.http_status)
            if isinstance(exc, Unauthenticated):
                response.headers["WWW-Authenticate"] = "Bearer"
        except Exception as exc:  # a bug, not the client's fault: say so, log it, keep serving
            _log.exception("%s %s failed", request.method, path)
            response = NanSafeJSON({"detail": f"internal error: {type(exc).__name__}: {exc}"}, status_code=500)
        route = request.scope.get("route")
        method = f"{request.method} {route.path if route is not None else 'unmatched'}"
        elapsed = time.perf_counter() - start
        service.metrics.observe("http", method, str(response.status_code), elapsed)
        logs.access("http", method, response.status_code, elapsed, peer, path=path)
        return response

    # -- catalog -------------------------------------------------------------------------------
    @app.get("/api/health", summary="Liveness and the loaded catalog")
    async def health():
        return service.health()

    @app.get("/api/comets", summary="List comets (paged, filtered)")
    async def list_comets(search: str | None = None, periodic: str | None = None, q_min: str | None = None,
                          q_max: str | None = None, e_min: str | None = None, e_max: str | None = None,
                          orbit_type: str | None = None, limit: int = Query(50, ge=1, le=1000),
                          offset: int = Query(0, ge=0)):
        # empty values mean "no filter", so a form can send every field
        sel = Selection(search=search or None, periodic=params.flag(periodic, "periodic"),
                        q_min=params.optional_float(q_min, "q_min"), q_max=params.optional_float(q_max, "q_max"),
                        e_min=params.optional_float(e_min, "e_min"), e_max=params.optional_float(e_max, "e_max"),
                        orbit_type=tuple((orbit_type or "").replace(",", " ").split()))

        def work():
            page = service.list_comets(sel, limit, offset)
            return {"total": page.total, "offset": page.offset, "limit": page.limit,
                    "catalog_version": service.version, "comets": [service.summary(k) for k in page.indices]}

        return await answer(work)

    @app.get("/api/comets/{id:path}/trajectory", summary="States from start to stop every step")
    async def trajectory(id: str, start: str, stop: str, step: str, model: str | None = None,
                         frame: str | None = None, center: str | None = None):
        def work():
            index = service.index_of(id)
            m, f, c = params.model(model), params.frame(frame), params.center(center)
            times = service.trajectory_times(start, stop, step)
            states, _ = service.states(np.array([index]), times, m, f, c)
            return {"id": service.summary(index)["id"], "model": m, "frame": f, "center": c, "times_jd": times,
                    "positions": states[0, :, :3], "velocities": states[0, :, 3:]}

        return await answer(work)

    @app.get("/api/comets/{id:path}/position", summary="Position, distances, speed and magnitude at one time")
    async def position(id: str, time: str | None = None, model: str | None = None):
        def work():
            index = service.index_of(id)
            return service.position(index, params.time_or_now(time), params.model(model))

        return await answer(work)

    @app.get("/api/comets/{id:path}/observe", summary="Observer ephemeris: RA/Dec, distances, elongation, magnitude")
    async def observe(id: str, time: str | None = None, start: str | None = None, stop: str | None = None,
                      step: str | None = None, observer: str | None = None, model: str | None = None,
                      apparent: str | None = None):
        def work():
            index = service.index_of(id)
            m, flag = params.model(model), params.flag(apparent, "apparent")
            times = observing.times_from_query(service, time, start, stop, step)
            return service.observing.ephemeris_json(index, times, observer, m, flag)

        return await answer(work)

    @app.get("/api/comets/{id:path}/orbit", summary="One two-body orbit line")
    async def orbit(id: str, samples: int = 256):
        def work():
            index = service.index_of(id)
            return {"id": service.summary(index)["id"], "positions": service.orbit(index, samples)}

        return await answer(work)

    @app.get("/api/comets/{id:path}", summary="One comet: elements, non-grav parameters, next perihelion")
    async def get_comet(id: str, time: str | None = None):
        def work():
            return service.detail(service.index_of(id), params.time_or_now(time))

        return await answer(work)

    @app.get("/api/catalog/positions", summary="Every comet's position at one time (flat x,y,z)")
    async def catalog_positions(time: str | None = None, model: str | None = None, format: str | None = None):
        def work():
            t, m, fmt = params.time_or_now(time), params.model(model), params.choice(format, "format", FORMATS, "json")
            pos = service.catalog_positions(t, m)
            if fmt != "json":
                return binary(pos, fmt, {"X-Encke-Count": len(pos), "X-Encke-Time-Jd": repr(float(t))})
            return {"time_jd": t, "catalog_version": service.version, "count": len(pos), "positions": pos.reshape(-1)}

        return await answer(work)

    @app.get("/api/catalog/orbits", summary="Every comet's orbit line (flat x,y,z per sample)")
    async def catalog_orbits(samples: int = 128, format: str | None = None):
        def work():
            fmt = params.choice(format, "format", FORMATS, "json")
            if fmt != "json":
                lines = service.catalog_orbits(samples)
                return binary(lines, fmt, {"X-Encke-Count": lines.shape[0], "X-Encke-Samples": samples})
            key = (service.version, samples)
            body = rendered.get(key)
            if body is None:  # ~9 MB of JSON for 1,163 comets x 128: encode once per catalog and size
                lines = service.catalog_orbits(samples)
                body = NanSafeJSON({"catalog_version": service.version, "count": lines.shape[0],
                                    "samples": samples, "positions": lines.reshape(-1)}).body
                rendered.clear()
                rendered[key] = body
            return Response(body, media_type="application/json")

        return await answer(work)

    @app.get("/api/planets", summary="Planets' heliocentric ecliptic states and orbit lines")
    async def planets(time: str | None = None):
        def work():
            t = params.time_or_now(time)
            return {"time_jd": t, "planets": service.planets(t)}

        return await answer(work)

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics():
        return PlainTextResponse(service.metrics.render(), media_type="text/plain; version=0.0.4")

    # -- live positions ------------------------------------------------------------------------
    @app.websocket("/ws/follow")
    async def ws_follow(ws: WebSocket):
        peer = ws.client.host if ws.client else "unknown"
        header = ws.headers.get("authorization")
        if header is None and ws.query_params.get("token"):
            header = f"Bearer {ws.query_params['token']}"  # browsers cannot set WebSocket headers
        if not authorized(header):
            await ws.close(code=1008, reason="missing or wrong bearer token")
            return
        await ws.accept()
        started = time.perf_counter()
        try:
            slot = service.streams.acquire()
        except LimitExceeded as exc:
            await ws.send_json({"error": exc.message})
            await ws.close(code=1013)
            return
        service.metrics.stream_opened()
        session = FollowSession(service)
        status = "closed"
        try:
            await _follow_loop(ws, session, run)
        except WebSocketDisconnect:
            status = "disconnected"
        finally:
            slot.release()
            service.metrics.stream_closed()
            elapsed = time.perf_counter() - started
            service.metrics.observe("ws", "/ws/follow", status, elapsed)
            logs.access("ws", "/ws/follow", status, elapsed, peer)

    # -- the viewer ----------------------------------------------------------------------------
    @app.get("/{path:path}", include_in_schema=False)
    async def viewer(path: str):
        root = static.resolve()
        target = (root / (path or "index.html")).resolve()
        if root in target.parents and target.is_file():
            return FileResponse(target)
        if path in ("", "index.html"):
            return HTMLResponse(_NOT_BUILT)
        return NanSafeJSON({"detail": f"not found: /{path}"}, status_code=404)

    return app


async def _follow_loop(ws: WebSocket, session: FollowSession, run) -> None:
    """Read clocks as they come and send a frame about every FRAME_INTERVAL_S until disconnect."""

    async def receive():
        while True:
            text = await ws.receive_text()
            try:
                msg = json.loads(text)
                if not isinstance(msg, dict):
                    raise InvalidArgument("message", "expected a JSON object")
                await run(session.update, msg.get("epoch_jd"), msg.get("rate", 0.0), msg.get("ids"),
                          msg.get("model"), msg.get("frame"), msg.get("center"))
            except json.JSONDecodeError as exc:
                await ws.send_json({"error": f"message: not JSON ({exc.msg})"})
            except ServiceError as exc:
                await ws.send_json({"error": exc.message})

    receiver = asyncio.create_task(receive())
    try:
        while not receiver.done():
            tick = time.monotonic()
            try:
                frame = await run(session.frame)
            except ServiceError as exc:
                session.clock = None
                await ws.send_json({"error": exc.message})
                frame = None
            if frame is not None:
                await ws.send_text(json.dumps(_plain({
                    "epoch_jd": frame.epoch_jd, "ids": list(frame.ids),
                    "positions": [None if not np.all(np.isfinite(s)) else s[:3] for s in frame.states],
                    "velocities": [None if not np.all(np.isfinite(s)) else s[3:] for s in frame.states]}),
                    allow_nan=False))
            await asyncio.wait({receiver}, timeout=max(0.0, FRAME_INTERVAL_S - (time.monotonic() - tick)))
        receiver.result()  # re-raise WebSocketDisconnect
    finally:
        receiver.cancel()
