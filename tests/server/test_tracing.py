"""OpenTelemetry tracing (server/tracing.py) against real gRPC and HTTP servers on real ports,
with the SDK's in-memory exporter; and OTLP export to a real OTLP/gRPC receiver."""
import asyncio
import concurrent.futures
import socket
import threading
import time

import grpc
import httpx
import pytest
from fastapi import FastAPI
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from encke.server.tracing import Tracing, TracingInterceptor, TracingMiddleware

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def traced():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider), exporter


class LoopThread:
    """An asyncio loop on a thread, for servers the test talks to from the main thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout=30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def failing_handler():
    """/test.Faulty/Boom raises (an INTERNAL fault); /test.Faulty/Missing aborts NOT_FOUND."""

    async def boom(request, context):
        raise RuntimeError("engine exploded")

    async def missing(request, context):
        await context.abort(grpc.StatusCode.NOT_FOUND, "no such comet")

    identity = {"request_deserializer": bytes, "response_serializer": bytes}
    return grpc.method_handlers_generic_handler("test.Faulty", {
        "Boom": grpc.unary_unary_rpc_method_handler(boom, **identity),
        "Missing": grpc.unary_unary_rpc_method_handler(missing, **identity),
    })


def test_grpc_calls_get_server_spans_with_status_and_the_callers_trace(traced):
    tracing, exporter = traced
    loop, port = LoopThread(), free_port()

    async def start():
        server = grpc.aio.server(interceptors=[TracingInterceptor(tracing)])
        health = HealthServicer()
        await health.set("encke.v1.PropagationService", health_pb2.HealthCheckResponse.SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        server.add_generic_rpc_handlers([failing_handler()])
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        return server

    server = loop.run(start())
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest(service="encke.v1.PropagationService")
            stub.Check(request, metadata=[("traceparent", TRACEPARENT)])
            watch = stub.Watch(request)
            next(watch)  # a streamed answer (written with context.write)
            watch.cancel()
            with pytest.raises(grpc.RpcError) as missing:
                channel.unary_unary("/test.Faulty/Missing")(b"x")
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
            with pytest.raises(grpc.RpcError) as boom:
                channel.unary_unary("/test.Faulty/Boom")(b"x")
            assert boom.value.code() == grpc.StatusCode.UNKNOWN
        deadline = time.monotonic() + 10
        while len(exporter.get_finished_spans()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.run(server.stop(None))
        loop.stop()
    spans = {span.name: span for span in exporter.get_finished_spans()}
    check = spans["/grpc.health.v1.Health/Check"]
    assert check.kind == SpanKind.SERVER and check.attributes["rpc.system"] == "grpc"
    assert check.attributes["rpc.service"] == "grpc.health.v1.Health" and check.attributes["rpc.method"] == "Check"
    assert check.attributes["rpc.grpc.status_code"] == "OK" and check.status.status_code == StatusCode.UNSET
    assert format(check.context.trace_id, "032x") == TRACE_ID  # the caller's trace continues
    assert "/grpc.health.v1.Health/Watch" in spans
    assert spans["/test.Faulty/Missing"].attributes["rpc.grpc.status_code"] == "NOT_FOUND"
    assert spans["/test.Faulty/Missing"].status.status_code == StatusCode.UNSET  # the client's error
    assert spans["/test.Faulty/Boom"].status.status_code == StatusCode.ERROR  # the server's
    assert any(event.name == "exception" for event in spans["/test.Faulty/Boom"].events)


def test_http_requests_and_their_engine_work_are_spans(traced):
    import uvicorn

    tracing, exporter = traced
    pool = concurrent.futures.ThreadPoolExecutor(2)
    engine = tracing.executor(pool)
    app = FastAPI()

    def propagate(comet_id):
        return {"id": comet_id, "thread": threading.current_thread().name}

    @app.get("/api/comets/{comet_id}/trajectory")
    async def trajectory(comet_id: str):
        return await asyncio.get_running_loop().run_in_executor(engine, propagate, comet_id)

    @app.get("/api/broken")
    async def broken():
        raise RuntimeError("boom")

    app.add_middleware(TracingMiddleware, tracing=tracing)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            r = http.get("/api/comets/secret-token-1P/trajectory", headers={"traceparent": TRACEPARENT})
            assert r.status_code == 200 and r.json()["thread"] != threading.current_thread().name
            # uvicorn closes the connection after an application error: do not reuse it
            assert http.get("/api/broken", headers={"Connection": "close"}).status_code == 500
            assert http.get("/nowhere").status_code == 404
    finally:
        server.should_exit = True
        thread.join(10)
        pool.shutdown()
    spans = exporter.get_finished_spans()
    request = next(s for s in spans if s.name == "GET /api/comets/{comet_id}/trajectory")
    assert request.kind == SpanKind.SERVER and request.attributes["http.response.status_code"] == 200
    assert request.attributes["http.route"] == "/api/comets/{comet_id}/trajectory"
    assert format(request.context.trace_id, "032x") == TRACE_ID
    assert not any("secret-token" in s.name for s in spans)  # route templates, not raw paths
    engine_span = next(s for s in spans if s.name.startswith("engine "))
    assert engine_span.name.endswith("propagate") and engine_span.kind == SpanKind.INTERNAL
    assert engine_span.parent.span_id == request.context.span_id  # across the worker thread
    broken = next(s for s in spans if s.name == "GET /api/broken")
    assert broken.status.status_code == StatusCode.ERROR
    assert any(s.name == "GET (no route)" and s.attributes["http.response.status_code"] == 404 for s in spans)


def test_tracing_off_exports_nothing_and_leaves_the_pool_alone():
    tracing = Tracing.otlp(None)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        assert not tracing.enabled and tracing.executor(pool) is pool
        with tracing.tracer.start_as_current_span("x") as span:
            assert not span.get_span_context().is_valid  # the API's no-op span
    finally:
        pool.shutdown()


def test_spans_are_exported_over_otlp_to_a_real_receiver():
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    received = []

    class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):
            received.append(request)
            return trace_service_pb2.ExportTraceServiceResponse()

    receiver = grpc.server(concurrent.futures.ThreadPoolExecutor(2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Receiver(), receiver)
    port = receiver.add_insecure_port("127.0.0.1:0")
    receiver.start()
    try:
        tracing = Tracing.otlp(f"127.0.0.1:{port}")
        with tracing.tracer.start_as_current_span("GET /api/health", kind=SpanKind.SERVER):
            pass
        tracing.shutdown()  # flushes the batch
    finally:
        receiver.stop(None)
    spans = [span for request in received for resource in request.resource_spans
             for scope in resource.scope_spans for span in scope.spans]
    assert [span.name for span in spans] == ["GET /api/health"]
    resource = received[0].resource_spans[0].resource
    assert {a.key: a.value.string_value for a in resource.attributes}["service.name"] == "encke"
