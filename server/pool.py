"""The engine's worker pool: the one way both transports run engine work off the event loop.

JAX calls block for milliseconds to seconds. Run on the asyncio loop they would stall every
other request, so gRPC and HTTP hand each call to this bounded thread pool (JAX releases the
GIL while XLA runs, so the threads compute in parallel). Lazy result iterators (the streams'
chunks) are advanced one `next()` at a time on the pool, so a stream computes a chunk only when
it is about to send it, and stops when the client goes away.
"""
from __future__ import annotations

import asyncio
import functools
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import AsyncIterator, Iterator

_END = object()


class EnginePool:
    """`await pool.run(fn, *args)` runs fn on a worker thread; `pool.iterate(it)` walks a blocking
    iterator the same way. `executor`: an existing one (None: a pool of `workers` threads)."""

    def __init__(self, workers: int = 4, executor: Executor | None = None):
        self.executor = executor or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="encke-engine")

    async def run(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def iterate(self, iterator: Iterator) -> AsyncIterator:
        while (item := await self.run(next, iterator, _END)) is not _END:
            yield item

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
