"""Cross-cutting gRPC concerns as `grpc.aio.ServerInterceptor`s, as gRPC's own examples do them.

Servicers (grpc_server.py) only decode, call the service and encode. Around every call of
CatalogService and PropagationService, outermost first:

1. `AccessInterceptor`: one metric and one JSON access-log line per call, with its status code.
2. `ErrorInterceptor`: service errors (and the engine's InvalidInput) become their status code;
   anything else is INTERNAL, logged with its traceback.
3. `AuthInterceptor`: the bearer token (auth.py).
4. `LimitInterceptor`: the per-host rate limit, and for server-streaming calls one of the
   concurrent-stream slots, held until the stream ends.
5. `DecodeInterceptor`: a request whose bytes did not decode is INVALID_ARGUMENT.

Inner interceptors raise ServiceErrors; only ErrorInterceptor aborts the call, so the access
line always sees the final code. Health and reflection stay open for probes and tools.

Each interceptor gives one async context manager (`guard`, a Scope) entered around the call's
behaviour; `_rewrap` applies it to any of the four call shapes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import grpc

from . import logs
from .auth import BearerGuard
from .errors import as_service_error

_log = logging.getLogger("encke.server.grpc")
OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


def peer_host(peer: str) -> str:
    """'ipv4:127.0.0.1:5555' -> '127.0.0.1'; rate limits are per host, not per connection."""
    kind, _, rest = (peer or "unknown").partition(":")
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return rest.rsplit(":", 1)[0] if kind == "ipv4" else peer


def _rewrap(handler: grpc.RpcMethodHandler, guard, method: str) -> grpc.RpcMethodHandler:
    """`handler` with its behaviour run inside `guard(method, context, streaming, request)`."""

    def unary(behavior, streaming):
        async def call(request, context):
            async with guard(method, context, streaming, request):
                return await behavior(request, context)

        return call

    def stream(behavior, streaming):
        async def call(request, context):
            async with guard(method, context, streaming, request):
                async for message in behavior(request, context):
                    yield message

        return call

    shapes = (("unary_unary", grpc.unary_unary_rpc_method_handler, unary, False),
              ("unary_stream", grpc.unary_stream_rpc_method_handler, stream, True),
              ("stream_unary", grpc.stream_unary_rpc_method_handler, unary, False),
              ("stream_stream", grpc.stream_stream_rpc_method_handler, stream, True))
    for attr, make, wrap, streaming in shapes:
        behavior = getattr(handler, attr)
        if behavior is not None:
            return make(wrap(behavior, streaming), request_deserializer=handler.request_deserializer,
                        response_serializer=handler.response_serializer)
    return handler


class Scope:
    """An async context manager made of two callbacks: `enter()` and `exit(exc)` (exc is None
    on success; exit may raise a replacement, as an abort does). A class rather than
    @asynccontextmanager on purpose: a cancelled stream's nested generators may be finalized in
    any order at shutdown, and a generator-based guard closed before its stream then fails with
    "generator didn't stop after athrow()"."""

    def __init__(self, enter=None, exit=None):
        self._enter, self._exit = enter, exit

    async def __aenter__(self):
        if self._enter is not None:
            await self._enter()

    async def __aexit__(self, kind, exc, tb):
        if self._exit is not None:
            await self._exit(exc)
        return False


class _GuardInterceptor(grpc.aio.ServerInterceptor):
    """Base: enter `self.guard(method, context, streaming, request)` (a Scope) around every
    non-exempt call."""

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_PREFIXES):
            return handler
        return _rewrap(handler, self.guard, method)

    def guard(self, method: str, context, streaming: bool, request) -> Scope:
        raise NotImplementedError


class AccessInterceptor(_GuardInterceptor):
    def __init__(self, metrics):
        self.metrics = metrics

    def guard(self, method, context, streaming, request):
        # the peer is read now: after a shutdown has torn the call down, context.peer() crashes
        start, peer = time.perf_counter(), peer_host(context.peer())

        async def exit(exc):
            if exc is None:
                code = "OK"
            elif isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
                code = "CANCELLED"
            else:
                code = _code_name(context)
            elapsed = time.perf_counter() - start
            self.metrics.observe("grpc", method, code, elapsed)
            logs.access("grpc", method, code, elapsed, peer)

        return Scope(exit=exit)


def _code_name(context) -> str:
    """The name of the status a call ended with (the aio context reports the enum or its number)."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return next((status.name for status in grpc.StatusCode if status.value[0] == code), "UNKNOWN")


class ErrorInterceptor(_GuardInterceptor):
    def guard(self, method, context, streaming, request):
        async def exit(exc):
            if not isinstance(exc, Exception) or isinstance(exc, grpc.aio.AbortError):
                return  # success, cancellation, or already answered
            error = as_service_error(exc)
            if error is None:  # a bug, not the client's fault: say so, keep serving
                _log.error("%s failed", method, exc_info=exc)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}"[:300])
            await context.abort(getattr(grpc.StatusCode, error.grpc_code), error.message)

        return Scope(exit=exit)


class AuthInterceptor(_GuardInterceptor):
    def __init__(self, bearer: BearerGuard):
        self.bearer = bearer

    def guard(self, method, context, streaming, request):
        async def enter():
            header = dict(context.invocation_metadata() or ()).get("authorization")
            self.bearer.check(header, peer_host(context.peer()))

        return Scope(enter=enter)


class LimitInterceptor(_GuardInterceptor):
    def __init__(self, service, limiter):
        self.service = service
        self.limiter = limiter

    def guard(self, method, context, streaming, request):
        held = contextlib.ExitStack()  # the stream slot, released when the call ends

        async def enter():
            self.limiter.check(peer_host(context.peer()))
            if streaming:
                held.enter_context(self.service.stream_slot())

        async def exit(exc):
            held.close()

        return Scope(enter, exit)


class DecodeInterceptor(_GuardInterceptor):
    """Undecodable unary requests (grpc_server's lenient deserializer marks them with
    `undecodable_type`) are INVALID_ARGUMENT before the servicer runs."""

    def __init__(self, undecodable_type):
        self.undecodable_type = undecodable_type

    def guard(self, method, context, streaming, request):
        async def enter():
            if isinstance(request, self.undecodable_type):
                raise request.error()

        return Scope(enter=enter)
