"""Run both transports in one process and one asyncio loop: `encke serve`.

uvicorn's `Server.serve()` and a `grpc.aio` server share the loop; engine work runs on one
bounded thread pool that both use. Start-up: both servers bind, print their URLs (the real
ports, also with port 0), then the warm-up (warmup.py) compiles the common shapes on the pool
while requests are already served; /api/health says "warming" until it is done.

Shutdown (SIGINT/SIGTERM): uvicorn stops accepting, lets in-flight HTTP requests finish (at
most SHUTDOWN_GRACE_S) and closes WebSockets; then gRPC health turns NOT_SERVING (so a load
balancer drains this replica), and the gRPC server stops with the same grace: streams that
finish within it complete, the rest are cancelled (the client sees CANCELLED), and their
computation stops at the next chunk. The process then exits with status 0.
"""
from __future__ import annotations

import asyncio
import dataclasses
import sys
import threading
from pathlib import Path

from .cache import open_cache
from .http_protocol import http_protocol
from .limits import RateLimiter, ServerLimits
from .pool import EnginePool, background_priority
from .service import Service


@dataclasses.dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000  # HTTP; 0 = any free port
    grpc_port: int = 50051  # 0 = any free port; -1 = no gRPC
    catalog: str | None = None
    cache: str | None = None  # None/"memory", "none", or redis://host:port/db
    cache_bytes: int = 256 * 2**20
    ephemeris: str = "de440"  # 1550-2650: the viewer's whole time range
    token: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    limits: ServerLimits = dataclasses.field(default_factory=ServerLimits)
    log_level: str = "info"
    static_dir: str | None = None  # the built viewer; None: the package's server/static
    warmup: bool = True  # compile the common shapes at start-up (warmup.py)
    refresh: bool = True  # refresh the default catalog from the MPC in the background (catalog_refresh.py)
    otlp_endpoint: str | None = None  # OTLP/gRPC collector (host:port) for traces (tracing.py); None: off


SHUTDOWN_GRACE_S = 2.0  # seconds in-flight requests and streams get to finish on SIGTERM
KEEPALIVE_S = 20.0  # WebSocket ping interval and pong timeout; gRPC keepalive pings likewise: dead peers go


BACKGROUND_LOAD_BYTES = 16 * 2**20  # catalogs larger than this are parsed behind bound ports (health: "loading");
# the MPC's file (~0.3 MB) parses in well under a second, so it is served complete from the first request


def start_service(config: ServeConfig):
    """(service, choice): the service over a small catalog, read now (build_service); for a large one,
    a service without it yet, saying "loading", and the catalog choice that _load_catalog parses
    behind the bound ports, so that probes get an answer at once (a 200 MB catalog takes seconds)."""
    from .catalog_refresh import served_choice

    choice = served_choice(config.catalog)
    try:
        large = choice.path.stat().st_size > BACKGROUND_LOAD_BYTES
    except OSError:  # missing: build_service reports it
        large = False
    if not large:
        return build_service(config), None
    service = Service(None, catalog_error=f"the catalog {choice.describe()} is still loading", limits=config.limits,
                      cache=open_cache(config.cache, config.cache_bytes), ephemeris=config.ephemeris,
                      catalog_source=choice)
    service.loading = True
    return service, choice


def build_service(config: ServeConfig) -> Service:
    """The service over the best local catalog (catalog_refresh.served_choice), remembering its source."""
    from .catalog_refresh import served_choice

    choice = served_choice(config.catalog)
    cache = open_cache(config.cache, config.cache_bytes)
    return Service.from_path(choice.path, limits=config.limits, cache=cache, ephemeris=config.ephemeris,
                             catalog_source=choice)


def _http_server(config):
    """A uvicorn Server whose SIGINT/SIGTERM handling ends serve() normally (no re-raise), so the
    gRPC server beside it shuts down gracefully too and the process exits with status 0."""
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return Server(config)


async def serve(config: ServeConfig, service: Service | None = None, ready=None) -> None:
    """Start HTTP (and gRPC unless grpc_port == -1), print the URLs, run until a signal."""
    from . import logs

    logs.configure()
    refresh = config.refresh and service is None  # a service handed in is the caller's to manage
    service, loading = (service, None) if service is not None else start_service(config)
    pool = EnginePool(config.limits.workers)
    from .tracing import Tracing, TracingInterceptor, TracingMiddleware

    tracing = Tracing.otlp(config.otlp_endpoint)  # off (no-op) without an endpoint
    pool.executor = tracing.executor(pool.executor)  # engine work as child spans of its request
    limiter = RateLimiter(config.limits.rate_per_s, config.limits.rate_burst)
    http_server = _http_server(_uvicorn_config(config, service, pool, limiter))
    http_server.config.app.add_middleware(TracingMiddleware, tracing=tracing)
    http_server.config.http = http_protocol()  # llhttp, header deadline and size cap (http_protocol.py)
    grpc_server = grpc_port = None
    if config.grpc_port != -1:
        from .grpc_server import create_grpc_server

        grpc_server, grpc_port = await create_grpc_server(
            service, f"{config.host}:{config.grpc_port}", token=config.token, rate_limiter=limiter,
            pool=pool, tls_cert=config.tls_cert, tls_key=config.tls_key,
            outer_interceptors=(TracingInterceptor(tracing),))
        await grpc_server.start()
    service.warming = config.warmup  # before the first request can ask for /api/health
    http_task = asyncio.create_task(http_server.serve())
    while not http_server.started and not http_task.done():
        await asyncio.sleep(0.02)
    if http_server.started:
        port = http_server.servers[0].sockets[0].getsockname()[1]
        _print_banner(config, service, port, grpc_port)
        if ready is not None:
            ready(port, grpc_port, http_server)  # http_server.should_exit = True stops everything
    if loading is not None:  # the ports answer meanwhile; a signal during the parse ends serve() at once
        load_task = asyncio.create_task(_load_catalog(service, loading, grpc_server))
        await asyncio.wait({load_task, http_task}, return_when=asyncio.FIRST_COMPLETED)
        load_task.cancel()
    stop_warming = threading.Event()
    running = not http_task.done()  # a signal during the catalog's parse: no warm-up, no refresh
    warm_task = asyncio.create_task(_warm(service, pool, stop_warming)) if config.warmup and running else None
    refresh_task = asyncio.create_task(_keep_current(service)) \
        if refresh and service.catalog_source and running else None
    try:
        await http_task
    finally:
        if refresh_task is not None:
            refresh_task.cancel()
        stop_warming.set()
        service.warming = False
        await _shut_down(grpc_server, warm_task)
        pool.shutdown()
        tracing.shutdown()  # flushes the last spans


def _uvicorn_config(config: ServeConfig, service: Service, pool: EnginePool, limiter: RateLimiter):
    import uvicorn

    from . import logs
    from .http import create_app
    from .http.routes.websocket import WS_MAX_FRAME_BYTES

    tls = bool(config.tls_cert and config.tls_key)
    app = create_app(service, token=config.token, rate_limiter=limiter, pool=pool,
                     static_dir=Path(config.static_dir) if config.static_dir else None)
    uv_config = uvicorn.Config(app, host=config.host, port=config.port, log_level=config.log_level,
                               access_log=False, ssl_certfile=config.tls_cert if tls else None,
                               ssl_keyfile=config.tls_key if tls else None, ws="websockets-sansio",
                               ws_max_size=WS_MAX_FRAME_BYTES, ws_ping_interval=KEEPALIVE_S,
                               ws_ping_timeout=KEEPALIVE_S, timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
    logs.redact_server_logs()  # after uvicorn.Config, which configures its loggers
    return uv_config


def _print_banner(config: ServeConfig, service: Service, port: int, grpc_port: int | None) -> None:
    """The URLs (real ports, also with port 0), the cache and the catalog, for the operator."""
    scheme = "https" if config.tls_cert and config.tls_key else "http"
    host = f"[{config.host}]" if ":" in config.host else config.host
    print(f"encke: viewer  {scheme}://{host}:{port}/", flush=True)
    print(f"encke: API     {scheme}://{host}:{port}/docs", flush=True)
    if grpc_port is not None:
        print(f"encke: gRPC    {host}:{grpc_port}", flush=True)
    ping = getattr(service.cache, "ping", None)
    if ping is not None and not ping():
        print(f"encke: warning: cache {service.cache.describe()} is not reachable; computing without it",
              file=sys.stderr, flush=True)
    print(f"encke: cache   {service.cache.describe()}", flush=True)
    if service.loading:
        print(f"encke: catalog loading {service.catalog_source.describe()} (health says \"loading\" until done)",
              flush=True)
    else:
        _print_catalog(service)


def _print_catalog(service: Service) -> None:
    if service.catalog is None:
        print(f"encke: catalog not loaded: {service.catalog_error}", file=sys.stderr, flush=True)
        print("encke: serving the planets only; to get a catalog run `encke fetch`, or pass --catalog PATH "
              "or set ENCKE_CATALOG=PATH", file=sys.stderr, flush=True)
    else:
        if service.catalog.rejected:  # the count and first reasons of the lines the catalog lost
            print(f"encke: warning: catalog {service.catalog.rejected_summary()}", file=sys.stderr, flush=True)
        source = f" from {service.catalog_source.describe()}" if service.catalog_source else ""
        print(f"encke: catalog {len(service.catalog)} comets, version {service.version}{source}", flush=True)


async def _load_catalog(service: Service, choice, grpc_server) -> None:
    """Parse the catalog in a daemon thread (a signal need not wait for a long parse), serve it
    (Service.replace_catalog) and turn gRPC health SERVING; an unreadable file leaves the service
    without a catalog, reported as build_service does."""
    import encke

    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def parse():
        background_priority()  # the loop answers health ("loading") meanwhile, first in line for the CPU
        try:
            service.replace_catalog(encke.read_comets(choice.path), choice)
            error = None
        except (OSError, ValueError) as exc:
            error = f"could not read {choice.path}: {exc}"
        try:
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(error))
        except RuntimeError:  # the loop closed: the server stopped while we parsed
            pass

    threading.Thread(target=parse, name="encke-catalog-load", daemon=True).start()
    try:
        error = await done
        if error is not None:
            service.catalog_error = error
        elif grpc_server is not None:
            from grpc_health.v1 import health_pb2

            from .grpc_server import SERVICE_NAMES

            for name in SERVICE_NAMES:
                await grpc_server.encke_health.set(name, health_pb2.HealthCheckResponse.SERVING)
    finally:
        service.loading = False
    _print_catalog(service)


async def _shut_down(grpc_server, warm_task) -> None:
    """gRPC health NOT_SERVING (balancers drain us), then stop with SHUTDOWN_GRACE_S of grace."""
    if grpc_server is not None:
        health = getattr(grpc_server, "encke_health", None)
        if health is not None:
            await health.enter_graceful_shutdown()
        await grpc_server.stop(grace=SHUTDOWN_GRACE_S)
    if warm_task is not None:
        warm_task.cancel()
    # stop() returns while the RPC tasks it cancelled are still unwinding; let them finish here
    # rather than be cancelled again by asyncio.run's teardown (grpc prints those as tracebacks)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    if others:
        await asyncio.wait(others, timeout=SHUTDOWN_GRACE_S)


async def _keep_current(service: Service) -> None:
    from .catalog_refresh import keep_current

    await keep_current(service, service.catalog_source)


async def _warm(service: Service, pool: EnginePool, stop) -> None:
    """Run warmup.warm_up on the pool and print what it did."""
    from .warmup import warm_up

    print("encke: warm-up: compiling the common request shapes (requests are served meanwhile)", flush=True)
    result = await pool.run(warm_up, service, None, stop)
    failed = f"; failed: {', '.join(result['failed'])}" if result["failed"] else ""
    print(f"encke: warm-up done in {result['seconds']:.1f} s ({result['compilations']} compilations){failed}",
          flush=True)
