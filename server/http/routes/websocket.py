"""/ws/follow: live positions of the comets a browser shows, paced by its clock (follow.py)."""
from __future__ import annotations

import json
import time

import numpy as np
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from ... import logs
from ...auth import bearer_ok
from ...errors import InvalidArgument, LimitExceeded, ServiceError
from ...follow import FollowFrame, FollowSession, follow
from ..deps import Engine, client_host, engine
from ..responses import dumps

router = APIRouter()


@router.websocket("/ws/follow")
async def ws_follow(ws: WebSocket, eng: Engine = Depends(engine)):
    header = ws.headers.get("authorization")
    if header is None and ws.query_params.get("token"):
        header = f"Bearer {ws.query_params['token']}"  # browsers cannot set WebSocket headers
    if not bearer_ok(header, ws.app.state.token):
        await ws.close(code=1008, reason="missing or wrong bearer token")
        return
    await ws.accept()
    started, status = time.perf_counter(), "closed"
    try:
        with eng.service.stream_slot():
            async for item in follow(FollowSession(eng.service), eng.pool, _clocks(ws)):
                await ws.send_text(_encode(item))
    except LimitExceeded as exc:
        await ws.send_json({"error": exc.message})
        await ws.close(code=1013)  # try again later
        status = "refused"
    except WebSocketDisconnect:
        status = "disconnected"
    finally:
        elapsed = time.perf_counter() - started
        eng.service.metrics.observe("ws", "/ws/follow", status, elapsed)
        logs.access("ws", "/ws/follow", status, elapsed, client_host(ws))


async def _clocks(ws: WebSocket):
    """The client's JSON messages as clocks; an undecodable one becomes its InvalidArgument."""
    while True:
        text = await ws.receive_text()
        try:
            msg = json.loads(text)
        except json.JSONDecodeError as exc:
            yield InvalidArgument("message", f"not JSON ({exc.msg})")
            continue
        if not isinstance(msg, dict):
            yield InvalidArgument("message", "expected a JSON object")
            continue
        yield {"epoch_jd": msg.get("epoch_jd"), "rate": msg.get("rate", 0.0), "ids": msg.get("ids"),
               "model": msg.get("model"), "frame": msg.get("frame"), "center": msg.get("center")}


def _encode(item: FollowFrame | ServiceError) -> str:
    if isinstance(item, ServiceError):
        return dumps({"error": item.message})
    finite = [bool(np.all(np.isfinite(s))) for s in item.states]
    return dumps({"epoch_jd": item.epoch_jd, "ids": list(item.ids),
                  "positions": [s[:3] if ok else None for s, ok in zip(item.states, finite)],
                  "velocities": [s[3:] if ok else None for s, ok in zip(item.states, finite)]})
