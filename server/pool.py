"""The engine's worker pool: the one way both transports run engine work off the event loop.

JAX calls block for milliseconds to seconds. Run on the asyncio loop they would stall every
other request, so gRPC and HTTP hand each call to this bounded thread pool (JAX releases the
GIL while XLA runs, so the threads compute in parallel). Lazy result iterators (the streams'
chunks) are advanced one `next()` at a time on the pool, so a stream computes a chunk only when
it is about to send it, and stops when the client goes away.

The workers run at a lower CPU priority than the rest of the process (`background_priority`):
the event-loop thread, which parses every request, sends every answer and answers /api/health
itself, then gets a core first when the cores are busy, and with it the GIL. Under 50 streams
and 50 HTTP clients on two shared cores, this with app.HealthResponder took health's p99 from
0.7-1 s to 63-77 ms (docs/performance.md, "Service under load"); idle cores, it changes nothing.
"""
from __future__ import annotations

import asyncio
import functools
import os
import sys
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import AsyncIterator, Iterator

_END = object()
ENGINE_NICENESS = 5  # added to the process's nice value for engine threads (Linux: 19 is the lowest priority)


def background_priority() -> None:
    """Lower the calling thread's CPU priority by ENGINE_NICENESS. Linux only, where a thread's
    id names that one thread to setpriority (elsewhere it would name a process); threads it
    starts inherit it (XLA's, when the first engine call creates them). No-op if refused."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + ENGINE_NICENESS))
    except OSError:  # a sandbox that forbids it: the threads keep the process's priority
        pass


class EnginePool:
    """`await pool.run(fn, *args)` runs fn on a worker thread; `pool.iterate(it)` walks a blocking
    iterator the same way. `executor`: an existing one (None: a pool of `workers` threads at
    background priority)."""

    def __init__(self, workers: int = 4, executor: Executor | None = None):
        self.executor = executor or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="encke-engine",
                                                       initializer=background_priority)

    async def run(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def iterate(self, iterator: Iterator) -> AsyncIterator:
        while (item := await self.run(next, iterator, _END)) is not _END:
            yield item

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
