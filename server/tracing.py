"""OpenTelemetry tracing: a span for every gRPC and HTTP request, and one for the engine work
inside it, exported over OTLP/gRPC when `encke serve --otlp-endpoint HOST:PORT` is given.

Without an endpoint, tracing is off: `Tracing.off()` uses the OpenTelemetry API's no-op tracer,
so the hooks below cost a few attribute look-ups and export nothing.

- `TracingInterceptor`: a grpc.aio server interceptor; one SERVER span per RPC, named by its
  full method ("/encke.v1.PropagationService/GetStates"), with the status code.
- `TracingMiddleware`: a plain ASGI middleware for FastAPI; one SERVER span per HTTP request
  or WebSocket, named "GET /api/comets/{id}" (the route template, never the raw path, so that
  ids and tokens stay out of span names), with the response status.
- `Tracing.executor(pool)`: wraps the engine's thread pool so that each job runs in the
  context of the request that submitted it, inside an "engine <function>" span. asyncio's
  run_in_executor does not carry contextvars into the worker thread; this does.
Incoming W3C trace context (traceparent headers, gRPC metadata) is honoured, so a caller's
trace continues through encke.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import time

import grpc
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

SERVICE_NAME = "encke"
# Status codes that mean the server failed; the others describe the request (bad input, not
# found, a deadline the client chose) and leave the span's status unset.
_SERVER_FAULTS = frozenset({"UNKNOWN", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNIMPLEMENTED"})


class Tracing:
    """A tracer and the hooks that use it. Build with `Tracing.off()`, `Tracing.otlp(endpoint)`
    or `Tracing(provider)` (tests pass an SDK provider with an in-memory exporter)."""

    def __init__(self, provider=None):
        self.provider = provider
        self.enabled = provider is not None
        source = provider if provider is not None else trace.NoOpTracerProvider()
        self.tracer = source.get_tracer("encke.server")

    @classmethod
    def off(cls) -> "Tracing":
        return cls(None)

    @classmethod
    def otlp(cls, endpoint: str | None, insecure: bool = True) -> "Tracing":
        """Spans batched and sent to an OTLP/gRPC collector at `endpoint` ("host:port" or a
        URL); tracing off when endpoint is None or empty."""
        if not endpoint:
            return cls.off()
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=insecure)))
        return cls(provider)

    def shutdown(self) -> None:
        """Flush and stop the exporter (at server shutdown)."""
        if self.provider is not None:
            self.provider.shutdown()

    def executor(self, pool: concurrent.futures.Executor) -> concurrent.futures.Executor:
        """`pool`, or a wrapper of it that runs each job in its submitter's trace context and in
        an "engine <function>" span (the pool itself when tracing is off)."""
        return _TracedExecutor(pool, self.tracer) if self.enabled else pool


class _TracedExecutor(concurrent.futures.Executor):
    """Delegates to a pool; `submit` captures the caller's contextvars (the request's span)."""

    def __init__(self, pool: concurrent.futures.Executor, tracer):
        self._pool = pool
        self._tracer = tracer

    def submit(self, fn, /, *args, **kwargs):
        context = contextvars.copy_context()
        name = getattr(fn, "__qualname__", None) or getattr(getattr(fn, "func", None), "__qualname__", "work")

        def run():
            with self._tracer.start_as_current_span(f"engine {name}", kind=SpanKind.INTERNAL):
                return fn(*args, **kwargs)

        return self._pool.submit(context.run, run)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def __getattr__(self, name):  # _max_workers and the like, read by callers of the pool
        return getattr(self._pool, name)


def _finish(span, ok: bool, code_text: str) -> None:
    if not ok:
        span.set_status(Status(StatusCode.ERROR, code_text))


class TracingMiddleware:
    """ASGI middleware: one SERVER span per HTTP request and per WebSocket session."""

    def __init__(self, app, tracing: Tracing):
        self.app = app
        self.tracing = tracing

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or not self.tracing.enabled:
            return await self.app(scope, receive, send)
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
        method = scope.get("method", "WS")
        attributes = {"http.request.method": method, "url.scheme": scope.get("scheme", "http"),
                      "network.protocol.name": scope["type"]}
        status = {"code": None}

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        with self.tracing.tracer.start_as_current_span(
                method, context=propagate.extract(carrier), kind=SpanKind.SERVER, attributes=attributes) as span:
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                route = getattr(scope.get("route"), "path", None)
                span.update_name(f"{method} {route}" if route else f"{method} (no route)")
                if route:
                    span.set_attribute("http.route", route)
                if status["code"] is not None:
                    span.set_attribute("http.response.status_code", status["code"])
                    _finish(span, status["code"] < 500, str(status["code"]))


class TracingInterceptor(grpc.aio.ServerInterceptor):
    """grpc.aio server interceptor: one SERVER span per RPC. Register it with
    `grpc.aio.server(interceptors=[TracingInterceptor(tracing), ...])`."""

    def __init__(self, tracing: Tracing):
        self.tracing = tracing

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or not self.tracing.enabled:
            return handler
        method = handler_call_details.method
        for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            behaviour = getattr(handler, kind)
            if behaviour is not None:
                wrap = _wrap_stream if inspect.isasyncgenfunction(behaviour) else _wrap_unary
                factory = getattr(grpc, f"{kind}_rpc_method_handler")
                return factory(wrap(behaviour, self.tracing.tracer, method, handler_call_details),
                               request_deserializer=handler.request_deserializer,
                               response_serializer=handler.response_serializer)
        return handler


def _rpc_span(tracer, method: str, details):
    carrier = {key: value for key, value in (details.invocation_metadata or ()) if isinstance(value, str)}
    service, _, name = method.lstrip("/").rpartition("/")
    # Exceptions are judged below: an abort (NOT_FOUND, ...) is the request's fault, not a failure.
    return tracer.start_as_current_span(
        method, context=propagate.extract(carrier), kind=SpanKind.SERVER, record_exception=False,
        set_status_on_exception=False, attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": name})


class _RpcOutcome:
    """Notes how an RPC ended on its span: the status code, and the exception of a fault."""

    def __init__(self, span, context):
        self.span, self.context = span, context

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        fault = exc is not None and not isinstance(exc, (grpc.aio.AbortError, asyncio.CancelledError, GeneratorExit))
        if fault:
            self.span.record_exception(exc)
        code = self.context.code()
        name = getattr(code, "name", None) or ("UNKNOWN" if fault else "OK")  # None: no status set
        self.span.set_attribute("rpc.grpc.status_code", name)
        _finish(self.span, name not in _SERVER_FAULTS, name)
        return False


def _wrap_unary(behaviour, tracer, method, details):
    """A coroutine handler (unary response, or a stream written with context.write)."""

    @functools.wraps(behaviour)
    async def traced(request_or_iterator, context):
        with _rpc_span(tracer, method, details) as span, _RpcOutcome(span, context):
            return await behaviour(request_or_iterator, context)

    return traced


def _wrap_stream(behaviour, tracer, method, details):
    """An async-generator handler (a streamed response)."""

    @functools.wraps(behaviour)
    async def traced(request_or_iterator, context):
        with _rpc_span(tracer, method, details) as span, _RpcOutcome(span, context):
            started, sent = time.perf_counter(), 0
            try:
                async for response in behaviour(request_or_iterator, context):
                    sent += 1
                    yield response
            finally:
                span.set_attribute("rpc.messages_sent", sent)
                span.set_attribute("encke.stream_seconds", time.perf_counter() - started)

    return traced
