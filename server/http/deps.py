"""FastAPI dependencies shared by the routes: the engine (service + worker pool), the bearer
token and the per-client rate limit. Auth and rate limit apply to every /api route but health
(routes declare `dependencies=GUARDED`), as FastAPI's own examples attach security."""
from __future__ import annotations

import dataclasses

from fastapi import Depends, Request, Response
from starlette.requests import HTTPConnection

from ..pool import EnginePool
from ..service import Service
from .responses import NanSafeJSON


@dataclasses.dataclass(frozen=True)
class Engine:
    """What a route works with: the service and the pool that runs its calls."""

    service: Service
    pool: EnginePool

    async def answer(self, fn) -> Response:
        """Run `fn` on the pool; a dict (or any JSON value) is encoded there too (megabytes of
        JSON would otherwise hold the event loop, and /api/health with it); a Response passes."""

        def work():
            result = fn()
            return result if isinstance(result, Response) else NanSafeJSON(result)

        return await self.pool.run(work)


async def engine(connection: HTTPConnection) -> Engine:
    """async: FastAPI runs a plain `def` dependency on anyio's thread pool, a thread hop per request."""
    return connection.app.state.engine


def client_host(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


async def authorize(request: Request) -> None:
    request.app.state.bearer.check(request.headers.get("authorization"), client_host(request))


async def rate_limit(request: Request) -> None:
    request.app.state.limiter.check(client_host(request))


GUARDED = [Depends(authorize), Depends(rate_limit)]
