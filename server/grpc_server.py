"""The gRPC transport (grpc.aio): CatalogService and PropagationService, health, reflection.

Servicer methods are short: decode with convert.py, run one service call on the worker pool
(so JAX never blocks the event loop), encode. One decorator per call shape does what every
call needs: bearer-token check, per-peer rate limit, concurrent-stream slot, mapping of
service errors to status codes, a metric and a JSON access-log line.

Cancellation: streams are async generators that compute one chunk, yield it, and only then
ask for the next. When a call is cancelled or its deadline passes, grpc.aio cancels the
generator at its next await, so at most the chunk in flight is computed after that.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import time
from concurrent.futures import Executor

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from . import convert, logs, params
from .errors import InvalidArgument, ServiceError, Unauthenticated
from .follow import FRAME_INTERVAL_S, FollowSession
from .generated.encke.v1 import catalog_pb2, catalog_pb2_grpc, propagation_pb2, propagation_pb2_grpc
from .limits import RateLimiter
from .service import Service

_log = logging.getLogger("encke.server.grpc")
SERVICE_NAMES = (catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name,
                 propagation_pb2.DESCRIPTOR.services_by_name["PropagationService"].full_name)


class _Base:
    def __init__(self, service: Service, executor: Executor | None, token: str | None, limiter: RateLimiter):
        self.service = service
        self.executor = executor
        self.token = token
        self.limiter = limiter

    async def run(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    def admit(self, context) -> str:
        """Check the bearer token and the caller's rate; returns the peer host."""
        peer = _peer_host(context.peer())
        if self.token:
            header = dict(context.invocation_metadata() or ()).get("authorization")
            expected = f"Bearer {self.token}"
            if header is None or not hmac.compare_digest(str(header).encode(), expected.encode()):
                raise Unauthenticated("missing or wrong bearer token: send metadata "
                                      "'authorization: Bearer <token>'")
        self.limiter.check(peer)
        return peer


def _peer_host(peer: str) -> str:
    """'ipv4:127.0.0.1:5555' -> '127.0.0.1'; rate limits are per host, not per connection."""
    kind, _, rest = (peer or "unknown").partition(":")
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return rest.rsplit(":", 1)[0] if kind == "ipv4" else peer


def _finish(base: _Base, name: str, start: float, code: str, peer: str) -> None:
    elapsed = time.perf_counter() - start
    base.service.metrics.observe("grpc", name, code, elapsed)
    logs.access("grpc", name, code, elapsed, peer)


def unary(name: str):
    """Wrap a unary handler: admission, error mapping, metrics, log."""

    def decorate(fn):
        @functools.wraps(fn)
        async def handler(self: _Base, request, context):
            start, code, peer = time.perf_counter(), "OK", _peer_host(context.peer())
            try:
                peer = self.admit(context)
                return await fn(self, request, context)
            except ServiceError as exc:
                code = exc.grpc_code
                await context.abort(getattr(grpc.StatusCode, exc.grpc_code), exc.message)
            except asyncio.CancelledError:
                code = "CANCELLED"
                raise
            except Exception as exc:  # a bug, not the client's fault: say so, keep serving
                code = "INTERNAL"
                _log.exception("%s failed", name)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
            finally:
                _finish(self, name, start, code, peer)

        return handler

    return decorate


def streaming(name: str):
    """Wrap a response-streaming handler: as `unary`, plus a concurrent-stream slot."""

    def decorate(fn):
        @functools.wraps(fn)
        async def handler(self: _Base, request, context):
            start, code, peer = time.perf_counter(), "OK", _peer_host(context.peer())
            slot = None
            try:
                peer = self.admit(context)
                slot = self.service.streams.acquire()
                self.service.metrics.stream_opened()
                async for message in fn(self, request, context):
                    yield message
            except ServiceError as exc:
                code = exc.grpc_code
                await context.abort(getattr(grpc.StatusCode, exc.grpc_code), exc.message)
            except (asyncio.CancelledError, GeneratorExit):
                code = "CANCELLED"
                raise
            except Exception as exc:  # a bug, not the client's fault: say so, keep serving
                code = "INTERNAL"
                _log.exception("%s failed", name)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
            finally:
                if slot is not None:
                    slot.release()
                    self.service.metrics.stream_closed()
                _finish(self, name, start, code, peer)

        return handler

    return decorate


class CatalogServicer(_Base, catalog_pb2_grpc.CatalogServiceServicer):
    @unary("/encke.v1.CatalogService/ListComets")
    async def ListComets(self, request, context):
        sel = convert.selection(request.filter)
        limit, offset = convert.page(request.page_size, request.page_token)

        def work():
            page = self.service.list_comets(sel, limit, offset)
            now = params.now_jd()
            comets = [convert.comet(self.service.detail(k, now)) for k in page.indices]
            more = offset + len(page.indices) < page.total
            return catalog_pb2.ListCometsResponse(comets=comets, total=page.total, catalog_version=self.service.version,
                                                  next_page_token=str(offset + len(page.indices)) if more else "")

        return await self.run(work)

    @unary("/encke.v1.CatalogService/GetComet")
    async def GetComet(self, request, context):
        def work():
            return convert.comet(self.service.detail(self.service.index_of(request.id), params.now_jd()))

        return await self.run(work)


class PropagationServicer(_Base, propagation_pb2_grpc.PropagationServiceServicer):
    @unary("/encke.v1.PropagationService/GetStates")
    async def GetStates(self, request, context):
        model, frame, center = convert.options(request.options)

        def work():
            indices = self.service.resolve(request.ids)
            times = params.times_jd(request.times_tdb_jd, "times_tdb_jd")
            states, status = self.service.states(indices, times, model, frame, center)
            return convert.state_block_bytes(request.ids, times, states, status, self.service.version)

        return await self.run(work)

    @streaming("/encke.v1.PropagationService/StreamTrajectory")
    async def StreamTrajectory(self, request, context):
        model, frame, center = convert.options(request.options)
        if request.chunk_size < 0:
            raise InvalidArgument("chunk_size", f"{request.chunk_size} is negative")

        def plan():
            indices = self.service.resolve(request.ids)
            times = self.service.trajectory_times(request.start_tdb_jd, request.stop_tdb_jd, request.step_days)
            return self.service.trajectory_chunks(indices, times, model, frame, center, request.chunk_size or None)

        def encoded(chunks, ids):  # encode on the worker thread too: it copies megabytes
            for times, states, status in chunks:
                yield convert.state_block_bytes(ids, times, states, status, self.service.version)

        blocks = encoded(await self.run(plan), list(request.ids))
        while (block := await self.run(next, blocks, None)) is not None:
            yield block

    @streaming("/encke.v1.PropagationService/PropagateCatalog")
    async def PropagateCatalog(self, request, context):
        model, frame, center = convert.options(request.options)
        if request.block_size < 0:
            raise InvalidArgument("block_size", f"{request.block_size} is negative")
        sel = convert.selection(request.filter)

        def plan():
            indices = self.service.select(sel)
            times = params.times_jd(request.times_tdb_jd, "times_tdb_jd")
            return indices, times, self.service.catalog_blocks(indices, times, model, frame, center,
                                                               request.block_size or None)

        indices, times, blocks = await self.run(plan)
        designations = self.service.catalog.designations

        def encoded():  # encode on the worker thread too: it copies megabytes
            for offset, part, states, status in blocks:
                yield convert.catalog_block_bytes(offset, len(indices), part, [designations[k] for k in part], times,
                                                  states, status, self.service.version)

        messages = encoded()
        while (message := await self.run(next, messages, None)) is not None:
            yield message

    @streaming("/encke.v1.PropagationService/Observe")
    async def Observe(self, request, context):
        model, observer, explicit, span = convert.observe_request(request)
        if request.chunk_size < 0:
            raise InvalidArgument("chunk_size", f"{request.chunk_size} is negative")

        def plan():
            indices = self.service.resolve(request.ids)
            if span is not None:
                times = self.service.trajectory_times(*span)
            else:
                times = params.times_jd(explicit, "times_tdb_jd")
            return self.service.observing.chunks(indices, times, observer, model, request.apparent,
                                                 request.chunk_size or None)

        chunks = await self.run(plan)
        ids = list(request.ids)
        while (result := await self.run(next, chunks, None)) is not None:
            yield convert.observe_chunk(ids, result, self.service.version)

    @streaming("/encke.v1.PropagationService/Follow")
    async def Follow(self, request_iterator, context):
        session = FollowSession(self.service)
        errors: asyncio.Queue[str] = asyncio.Queue()

        async def read_clocks():
            async for req in request_iterator:
                try:
                    model, frame, center = convert.options(req.options)
                    await self.run(session.update, req.epoch_tdb_jd, req.rate_days_per_s, list(req.ids),
                                   model, frame, center)
                except ServiceError as exc:
                    errors.put_nowait(exc.message)

        reader = asyncio.create_task(read_clocks())
        try:
            while True:
                tick = time.monotonic()
                while not errors.empty():
                    yield propagation_pb2.FollowUpdate(error=errors.get_nowait())
                try:
                    frame = await self.run(session.frame)
                except ServiceError as exc:
                    session.clock = None
                    yield propagation_pb2.FollowUpdate(error=exc.message)
                    frame = None
                if frame is not None:
                    yield convert.follow_update(frame.epoch_jd, frame.ids, frame.states, frame.status,
                                                self.service.version)
                if reader.done() and reader.exception() is not None:
                    raise reader.exception()
                # the clock keeps running after the client half-closes; the client cancels to stop
                await asyncio.sleep(max(0.0, FRAME_INTERVAL_S - (time.monotonic() - tick)))
        finally:
            reader.cancel()


def _serialize(message) -> bytes:
    """Responses already encoded by convert.*_bytes pass through; messages are serialised."""
    return message if isinstance(message, bytes) else message.SerializeToString()


def _add_propagation_service(servicer, server) -> None:
    """Register PropagationService like the generated add_..._to_server, but with `_serialize`
    as every response serializer, so the bulk-state methods can yield pre-encoded bytes.
    Handlers are derived from the service descriptor, so a new RPC in the proto is picked up."""
    from google.protobuf import message_factory

    descriptor = propagation_pb2.DESCRIPTOR.services_by_name["PropagationService"]
    kinds = {(False, False): grpc.unary_unary_rpc_method_handler, (False, True): grpc.unary_stream_rpc_method_handler,
             (True, False): grpc.stream_unary_rpc_method_handler, (True, True): grpc.stream_stream_rpc_method_handler}
    handlers = {}
    for method in descriptor.methods:
        make = kinds[(method.client_streaming, method.server_streaming)]
        request_class = message_factory.GetMessageClass(method.input_type)
        handlers[method.name] = make(getattr(servicer, method.name), request_deserializer=request_class.FromString,
                                     response_serializer=_serialize)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(descriptor.full_name, handlers),))
    server.add_registered_method_handlers(descriptor.full_name, handlers)


async def create_grpc_server(service: Service, address: str = "127.0.0.1:0", *, token: str | None = None,
                             rate_limiter: RateLimiter | None = None, executor: Executor | None = None,
                             tls_cert: str | None = None, tls_key: str | None = None):
    """A grpc.aio server (not started) with both services, health and reflection; returns (server, port)."""
    limiter = rate_limiter or RateLimiter(0, 1)
    server = grpc.aio.server(options=[("grpc.max_send_message_length", 256 * 2**20),
                                      ("grpc.max_receive_message_length", 8 * 2**20)])
    catalog_pb2_grpc.add_CatalogServiceServicer_to_server(CatalogServicer(service, executor, token, limiter), server)
    _add_propagation_service(PropagationServicer(service, executor, token, limiter), server)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    serving = health_pb2.HealthCheckResponse.SERVING if service.catalog is not None else \
        health_pb2.HealthCheckResponse.NOT_SERVING
    await health.set("", health_pb2.HealthCheckResponse.SERVING)
    for name in SERVICE_NAMES:
        await health.set(name, serving)
    reflection.enable_server_reflection(SERVICE_NAMES + (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                                                         reflection.SERVICE_NAME), server)
    if tls_cert and tls_key:
        with open(tls_key, "rb") as key, open(tls_cert, "rb") as cert:
            credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"gRPC could not bind {address}")
    server.encke_health = health  # the runner turns it NOT_SERVING on shutdown
    return server, port
