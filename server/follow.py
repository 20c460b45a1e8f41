"""Follow: a client's clock and the comets it shows, turned into a stream of positions.

Transport-neutral: the gRPC Follow stream and the /ws/follow WebSocket both run `follow`,
which holds one `FollowSession`. The client sends a clock (epoch_jd, rate in days per second)
and ids; the session validates it (raising InvalidArgument, which is reported without closing
the stream) and `frame(now)` gives the positions at epoch_jd + rate * (now - received). Each
transport only decodes its messages into clocks and encodes what `follow` yields.
"""
from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from typing import AsyncIterator

import numpy as np

from . import params
from .errors import InvalidArgument, ServiceError, StreamIdle, as_service_error

FRAME_INTERVAL_S = 0.1  # about ten frames per second


@dataclasses.dataclass(frozen=True)
class Clock:
    epoch_jd: float  # TDB JD at `received`
    rate: float  # days of model time per second of wall time (may be negative or 0)
    received: float  # time.monotonic() when the clock arrived
    ids: tuple[str, ...]
    indices: np.ndarray
    model: str
    frame: str
    center: str

    def epoch_at(self, now: float) -> float:
        return self.epoch_jd + self.rate * (now - self.received)


@dataclasses.dataclass(frozen=True)
class FollowFrame:
    epoch_jd: float
    ids: tuple[str, ...]
    states: np.ndarray  # (N, 6) au, au/day; NaN rows where an object failed
    status: np.ndarray  # (N,) engine status codes


class FollowSession:
    """One follower's clock over a service; `update` replaces the clock, `frame` computes."""

    def __init__(self, service):
        self.service = service
        self.clock: Clock | None = None

    def update(self, epoch_jd, rate, ids, model=None, frame=None, center=None, now: float | None = None) -> Clock:
        """Validate and install a new clock; the previous one stays if this one is invalid."""
        epoch = params.time_jd(epoch_jd, "epoch_jd")
        try:
            rate_value = float(rate if rate is not None else 0.0)
        except (TypeError, ValueError):
            raise InvalidArgument("rate", f"{rate!r} is not a number (days per second)") from None
        if not math.isfinite(rate_value):
            raise InvalidArgument("rate", f"{rate!r} is not finite")
        limit = self.service.limits.max_span_days
        if abs(rate_value) > limit:
            raise InvalidArgument("rate", f"{rate_value} days per second exceeds {limit:g}")
        id_list, indices = self.service.resolve(ids, "ids")
        self.clock = Clock(epoch, rate_value, time.monotonic() if now is None else now, tuple(id_list), indices,
                           params.model(model), params.frame(frame), params.center(center))
        return self.clock

    def frame(self, now: float | None = None) -> FollowFrame | None:
        """Positions at the clock's current epoch, or None before the first valid clock."""
        clock = self.clock
        if clock is None:
            return None
        epoch = clock.epoch_at(time.monotonic() if now is None else now)
        states, status = self.service.states(clock.indices, np.array([epoch]), clock.model, clock.frame,
                                             clock.center, use_cache=False)
        return FollowFrame(epoch, clock.ids, states[:, 0, :], status)


async def follow(session: FollowSession, pool, clocks: AsyncIterator) -> AsyncIterator[FollowFrame | ServiceError]:
    """Yield a FollowFrame about every FRAME_INTERVAL_S, and a ServiceError for each bad clock.

    `clocks` yields dicts of `FollowSession.update` keyword arguments, or a ServiceError for a
    message the transport could not decode; a bad clock leaves the previous one running. When
    `clocks` ends (a gRPC client half-closed) the clock keeps running until the caller stops
    iterating; when it raises (a WebSocket disconnected) that exception ends the stream.
    A client that sends no valid clock within `follow_first_clock_s`, or nothing at all for
    `follow_idle_s` (ServerLimits), gets StreamIdle: silent clients cannot hold the slots.
    """
    errors: asyncio.Queue[ServiceError] = asyncio.Queue()
    heard = [time.monotonic()]  # when the client last sent a message
    started = heard[0]
    reader = asyncio.create_task(_read_clocks(session, pool, clocks, errors, heard))
    try:
        while True:
            tick = time.monotonic()
            if reader.done() and reader.exception() is not None:
                raise reader.exception()
            _check_idle(session, tick - started, tick - heard[0])
            while not errors.empty():
                yield errors.get_nowait()
            item = await _frame(session, pool)
            if item is not None:
                yield item
            pause = max(0.0, FRAME_INTERVAL_S - (time.monotonic() - tick))
            if reader.done():
                await asyncio.sleep(pause)
            else:  # wake early on a disconnect, so the stream ends at once
                await asyncio.wait({reader}, timeout=pause)
    finally:
        reader.cancel()


def _check_idle(session: FollowSession, open_s: float, silent_s: float) -> None:
    limits = session.service.limits
    if session.clock is None and open_s > limits.follow_first_clock_s:
        raise StreamIdle(f"idle: no valid clock within {limits.follow_first_clock_s:g} s")
    if silent_s > limits.follow_idle_s:
        raise StreamIdle(f"idle: no message for {limits.follow_idle_s:g} s; send the clock again to stay")


async def _read_clocks(session, pool, clocks, errors, heard: list) -> None:
    async for clock in clocks:
        heard[0] = time.monotonic()
        if isinstance(clock, ServiceError):
            errors.put_nowait(clock)
            continue
        try:
            await pool.run(session.update, **clock)
        except Exception as exc:
            error = as_service_error(exc)
            if error is None:
                raise
            errors.put_nowait(error)


async def _frame(session, pool) -> FollowFrame | ServiceError | None:
    """The session's next frame; a ServiceError (and the clock dropped) if it cannot be computed."""
    try:
        return await pool.run(session.frame)
    except Exception as exc:
        error = as_service_error(exc)
        if error is None:
            raise
        session.clock = None
        return error
