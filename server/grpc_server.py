"""The gRPC transport (grpc.aio): CatalogService and PropagationService, health, reflection.

Servicer methods are short: decode with convert.py, run the service call on the engine pool
(pool.py, so JAX never blocks the event loop), encode. What every call needs (bearer token,
rate limit, stream slots, error mapping, metrics and the access log) is done by the
interceptors of interceptors.py, the way gRPC's own examples do it.

Cancellation: streams are async generators that compute one chunk, yield it, and only then
ask for the next. When a call is cancelled or its deadline passes, grpc.aio cancels the
generator at its next await, so at most the chunk in flight is computed after that.
"""
from __future__ import annotations

import grpc
import numpy as np
from google.protobuf import message_factory
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from . import convert, encounters, params
from .auth import BearerGuard
from .errors import InvalidArgument, ServiceError
from .follow import FollowSession, follow
from .generated.encke.v1 import catalog_pb2, catalog_pb2_grpc, propagation_pb2, propagation_pb2_grpc
from .interceptors import AccessInterceptor, AuthInterceptor, DecodeInterceptor, ErrorInterceptor, LimitInterceptor
from .limits import RateLimiter
from .pool import EnginePool
from .service import Service

SERVICE_NAMES = (catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name,
                 propagation_pb2.DESCRIPTOR.services_by_name["PropagationService"].full_name)


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, service: Service, pool: EnginePool):
        self.service = service
        self.pool = pool

    async def ListComets(self, request, context):
        sel = convert.selection(request.filter)
        limit, offset = convert.page(request.page_size, request.page_token)
        return await self.pool.run(self._page, sel, limit, offset)

    def _page(self, sel, limit: int, offset: int) -> catalog_pb2.ListCometsResponse:
        page = self.service.list_comets(sel, limit, offset)
        now = params.now_jd()
        comets = [convert.comet(self.service.detail(k, now)) for k in page.indices]
        more = offset + len(page.indices) < page.total
        return catalog_pb2.ListCometsResponse(comets=comets, total=page.total, catalog_version=self.service.version,
                                              next_page_token=str(offset + len(page.indices)) if more else "")

    async def GetComet(self, request, context):
        return await self.pool.run(self._comet, request.id)

    def _comet(self, key: str) -> catalog_pb2.Comet:
        return convert.comet(self.service.detail(self.service.index_of(key), params.now_jd()))


class PropagationServicer(propagation_pb2_grpc.PropagationServiceServicer):
    def __init__(self, service: Service, pool: EnginePool):
        self.service = service
        self.pool = pool

    async def GetStates(self, request, context):
        return await self.pool.run(self._states, request, *convert.options(request.options))

    def _states(self, request, model, frame, center) -> bytes:
        ids, indices = self.service.resolve(request.ids)
        times = params.times_jd(request.times_tdb_jd, "times_tdb_jd")
        if request.include_covariance:  # from SBDB's solutions, fetched on demand (cached)
            states, cov, status, notes = encounters.state_covariances(self.service, indices, times, model, frame,
                                                                      center)
            return convert.state_block_with_covariance(ids, times, states, cov, status, notes, self.service.version)
        states, status = self.service.states(indices, times, model, frame, center)
        return convert.state_block_bytes(ids, times, states, status, self.service.version)

    async def CloseApproaches(self, request, context):
        return await self.pool.run(self._approaches, request)

    def _approaches(self, request) -> propagation_pb2.CloseApproachesResponse:
        service = self.service
        catalog = service.require_catalog()
        indices = service.resolve(request.ids)[1] if len(request.ids) else np.arange(len(catalog))
        # proto3 zeros mean "not given": a missing time is an error, a missing limit the default
        t0, t1, limit = encounters.window(service, request.start_tdb_jd or None, request.stop_tdb_jd or None,
                                          request.max_distance_au or None)
        body = request.body or "earth"
        found, designations, note = encounters.search(service, indices, t0, t1, body, limit, request.uncertainty)
        return convert.close_approaches(found, designations, body, t0, t1, limit, note, service.version)

    async def StreamTrajectory(self, request, context):
        options = convert.options(request.options)
        chunk = convert.chunk_size(request.chunk_size, "chunk_size")
        async for block in self.pool.iterate(await self.pool.run(self._trajectory, request, options, chunk)):
            yield block

    def _trajectory(self, request, options, chunk):
        """Lazily encoded StateBlocks (encoding runs on the pool too: it copies megabytes)."""
        ids, indices = self.service.resolve(request.ids)
        times = self.service.trajectory_times(request.start_tdb_jd, request.stop_tdb_jd, request.step_days)
        version = self.service.version
        return (convert.state_block_bytes(ids, part, states, status, version)
                for part, states, status in self.service.trajectory_chunks(indices, times, *options, chunk))

    async def PropagateCatalog(self, request, context):
        options = convert.options(request.options)
        block = convert.chunk_size(request.block_size, "block_size")
        sel = convert.selection(request.filter)
        async for message in self.pool.iterate(await self.pool.run(self._catalog, request, sel, options, block)):
            yield message

    def _catalog(self, request, sel, options, block):
        """Lazily encoded CatalogBlocks of the selection."""
        indices = self.service.select(sel)
        times = params.times_jd(request.times_tdb_jd, "times_tdb_jd")
        designations, version = self.service.catalog.designations, self.service.version
        return (convert.catalog_block_bytes(offset, len(indices), part, [designations[k] for k in part], times,
                                            states, status, version)
                for offset, part, states, status in self.service.catalog_blocks(indices, times, *options, block))

    async def Observe(self, request, context):
        model, observer, explicit, span = convert.observe_request(request)
        chunk = convert.chunk_size(request.chunk_size, "chunk_size")

        def plan():  # the chunks are encoded on the pool too, off the event loop
            ids, indices = self.service.resolve(request.ids)
            times = self.service.trajectory_times(*span) if span is not None else \
                params.times_jd(explicit, "times_tdb_jd")
            observing, version = self.service.observing, self.service.version
            if request.uncertainty:  # 3-sigma from SBDB's covariances, fetched on demand (cached)
                parts = observing.uncertainty_chunks(indices, times, observer, model, request.apparent, chunk)
                return (convert.observe_chunk_with_uncertainty(ids, result, sky, notes, version)
                        for result, sky, notes in parts)
            chunks = observing.chunks(indices, times, observer, model, request.apparent, chunk)
            return (convert.observe_chunk(ids, result, version) for result in chunks)

        async for message in self.pool.iterate(await self.pool.run(plan)):
            yield message

    async def Follow(self, request_iterator, context):
        async for item in follow(FollowSession(self.service), self.pool, _clocks(request_iterator)):
            if isinstance(item, ServiceError):
                yield propagation_pb2.FollowUpdate(error=item.message)
            else:
                yield convert.follow_update(item.epoch_jd, item.ids, item.states, item.status, self.service.version)


async def _clocks(request_iterator):
    """Follow requests as clocks; one with bad options becomes its InvalidArgument. Bytes that
    are no FollowRequest end the stream with INVALID_ARGUMENT."""
    async for request in request_iterator:
        if isinstance(request, Undecodable):
            raise request.error()
        try:
            yield convert.follow_clock(request)
        except ServiceError as exc:
            yield exc


def _serialize(message) -> bytes:
    """Responses already encoded by convert.*_bytes pass through; messages are serialised."""
    return message if isinstance(message, bytes) else message.SerializeToString()


class Undecodable:
    """What `_lenient` hands a servicer for bytes that are not a valid request message."""

    def __init__(self, message_name: str, problem: str):
        self.message_name, self.problem = message_name, problem

    def error(self) -> InvalidArgument:
        return InvalidArgument("request", f"not a valid {self.message_name} message ({self.problem[:200]})")


def _lenient(request_class):
    """A request deserializer that returns Undecodable instead of raising: grpc would answer a
    raising deserializer with UNKNOWN (unary) or INTERNAL (streams); the client's bytes are
    bad input, INVALID_ARGUMENT, raised by the servicer (or DecodeInterceptor) instead."""

    def deserialize(data: bytes):
        try:
            return request_class.FromString(data)
        except DecodeError as exc:
            return Undecodable(request_class.DESCRIPTOR.full_name, str(exc))

    return deserialize


def _add_service(servicer, descriptor, server) -> None:
    """Register a service like the generated add_..._to_server, but with `_lenient` request
    deserializers, and `_serialize` as every response serializer so the bulk-state methods can
    yield pre-encoded bytes. Handlers come from the service descriptor, so a new RPC in the
    proto is picked up."""
    kinds = {(False, False): grpc.unary_unary_rpc_method_handler, (False, True): grpc.unary_stream_rpc_method_handler,
             (True, False): grpc.stream_unary_rpc_method_handler, (True, True): grpc.stream_stream_rpc_method_handler}
    handlers = {}
    for method in descriptor.methods:
        make = kinds[(method.client_streaming, method.server_streaming)]
        request_class = message_factory.GetMessageClass(method.input_type)
        handlers[method.name] = make(getattr(servicer, method.name), request_deserializer=_lenient(request_class),
                                     response_serializer=_serialize)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(descriptor.full_name, handlers),))
    server.add_registered_method_handlers(descriptor.full_name, handlers)


async def create_grpc_server(service: Service, address: str = "127.0.0.1:0", *, token: str | None = None,
                             rate_limiter: RateLimiter | None = None, pool: EnginePool | None = None,
                             tls_cert: str | None = None, tls_key: str | None = None, outer_interceptors=()):
    """A grpc.aio server (not started) with both services, health and reflection; returns (server, port)."""
    limiter = rate_limiter or RateLimiter(0, 1)
    pool = pool or EnginePool(service.limits.workers)
    interceptors = [AccessInterceptor(service.metrics), ErrorInterceptor(), AuthInterceptor(BearerGuard(token)),
                    LimitInterceptor(service, limiter), DecodeInterceptor(Undecodable)]
    server = grpc.aio.server(interceptors=[*outer_interceptors, *interceptors],  # outer: tracing.py
                             options=[("grpc.max_send_message_length", 256 * 2**20),
                                      ("grpc.max_receive_message_length", 8 * 2**20),
                                      # pings find dead peers of long streams (Follow) within ~40 s
                                      ("grpc.keepalive_time_ms", 20_000), ("grpc.keepalive_timeout_ms", 20_000)])
    _add_service(CatalogServicer(service, pool), catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"], server)
    _add_service(PropagationServicer(service, pool), propagation_pb2.DESCRIPTOR.services_by_name["PropagationService"],
                 server)
    health = health_aio.HealthServicer()
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
