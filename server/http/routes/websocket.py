"""/ws/follow: live positions of the comets a browser shows, paced by its clock (follow.py).

Messages are validated before they are parsed (RFC 6455 close codes): a binary frame closes the
socket with 1003 (unsupported data), a text message over WS_MAX_MESSAGE_BYTES with 1009 (too
big; larger frames are refused by the WebSocket layer itself, uvicorn's ws_max_size), and text
that is not UTF-8 with 1007 (the WebSocket layer). JSON that does not parse, or nests too deep,
is answered with an error and the previous clock keeps running.
"""
from __future__ import annotations

import json
import time

import numpy as np
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from ... import logs
from ...auth import SUBPROTOCOL, websocket_credentials
from ...errors import InvalidArgument, LimitExceeded, ServiceError, StreamIdle
from ...follow import FollowFrame, FollowSession, follow
from ..deps import Engine, client_host, engine
from ..responses import dumps

router = APIRouter()
WS_MAX_MESSAGE_BYTES = 64 * 1024  # a clock with max_ids ids is a few kB
WS_MAX_FRAME_BYTES = 2**20  # uvicorn's ws_max_size: the WebSocket layer refuses larger (1009) unread
MAX_JSON_DEPTH = 8  # a clock is an object holding a list of strings: depth 2


class CloseSocket(Exception):
    """Close the WebSocket with `code` (RFC 6455 section 7.4.1) and `reason`."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@router.websocket("/ws/follow")
async def ws_follow(ws: WebSocket, eng: Engine = Depends(engine)):
    offered = ws.scope.get("subprotocols") or []
    try:
        ws.app.state.bearer.check(websocket_credentials(ws.headers, ws.query_params, offered), client_host(ws))
    except ServiceError:  # refused before the upgrade: the browser sees the handshake fail
        await ws.close(code=1008, reason="missing or wrong bearer token")
        return
    await ws.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    started, status = time.perf_counter(), "closed"
    try:
        with eng.service.stream_slot():
            async for item in follow(FollowSession(eng.service), eng.pool, _clocks(ws)):
                await ws.send_text(_encode(item))
    except LimitExceeded as exc:
        await ws.send_json({"error": exc.message})
        await ws.close(code=1013)  # try again later
        status = "refused"
    except CloseSocket as exc:
        await ws.close(code=exc.code, reason=exc.reason)
        status = f"closed {exc.code}"
    except StreamIdle as exc:
        await ws.close(code=1008, reason=exc.message)
        status = "idle"
    except WebSocketDisconnect:
        status = "disconnected"
    finally:
        elapsed = time.perf_counter() - started
        eng.service.metrics.observe("ws", "/ws/follow", status, elapsed)
        logs.access("ws", "/ws/follow", status, elapsed, client_host(ws))


async def _clocks(ws: WebSocket):
    """The client's JSON messages as clocks; an undecodable one becomes its InvalidArgument."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:
            raise CloseSocket(1003, "binary messages are not accepted: send JSON text")
        if len(text) > WS_MAX_MESSAGE_BYTES:
            raise CloseSocket(1009, f"message over {WS_MAX_MESSAGE_BYTES} bytes")
        yield _clock(text)


def _clock(text: str) -> dict | InvalidArgument:
    if _depth(text) > MAX_JSON_DEPTH:  # checked first: deep nesting makes json.loads recurse
        return InvalidArgument("message", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        msg = json.loads(text)
    except json.JSONDecodeError as exc:
        return InvalidArgument("message", f"not JSON ({exc.msg})")
    if not isinstance(msg, dict):
        return InvalidArgument("message", "expected a JSON object")
    return {"epoch_jd": msg.get("epoch_jd"), "rate": msg.get("rate", 0.0), "ids": msg.get("ids"),
            "model": msg.get("model"), "frame": msg.get("frame"), "center": msg.get("center")}


def _depth(text: str) -> int:
    """The deepest bracket nesting of `text`, outside strings (an upper bound for JSON)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _encode(item: FollowFrame | ServiceError) -> str:
    if isinstance(item, ServiceError):
        return dumps({"error": item.message})
    finite = [bool(np.all(np.isfinite(s))) for s in item.states]
    return dumps({"epoch_jd": item.epoch_jd, "ids": list(item.ids),
                  "positions": [s[:3] if ok else None for s, ok in zip(item.states, finite)],
                  "velocities": [s[3:] if ok else None for s, ok in zip(item.states, finite)]})
