"""Tracing end to end: an encke server started with an OTLP endpoint sends a span for each gRPC
and HTTP request, with the engine work inside it as a child span, to a real OTLP/gRPC receiver
on a real port (issue 16). Without an endpoint nothing is sent (test_tracing.py)."""
import concurrent.futures
import time

import grpc
import httpx
import numpy as np
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from encke.client import Client
from encke.server.service import Service

T0 = 2460603.5


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self):
        self.spans = []

    def Export(self, request, context):
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.spans.extend(scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


def test_requests_and_their_engine_work_reach_the_otlp_receiver(catalog, start_server):
    receiver = Receiver()
    collector = grpc.server(concurrent.futures.ThreadPoolExecutor(2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, collector)
    port = collector.add_insecure_port("127.0.0.1:0")
    collector.start()
    try:
        server = start_server(Service(catalog), otlp_endpoint=f"127.0.0.1:{port}")
        with Client(server.grpc) as client:
            client.get_states(["1P"], T0 + np.arange(3.0))
        r = httpx.get(server.http + "/api/comets/2P/trajectory", params={"start": T0, "stop": T0 + 9, "step": "3d"},
                      timeout=60)
        assert r.status_code == 200
        server.stop()  # flushes the batch of spans
        deadline = time.monotonic() + 30  # the export may still be on its way on a loaded machine
        while time.monotonic() < deadline and not ({"/encke.v1.PropagationService/GetStates"}
                                                   <= {span.name for span in receiver.spans}):
            time.sleep(0.1)
    finally:
        collector.stop(None)
    by_name = {}
    for span in receiver.spans:
        by_name.setdefault(span.name, []).append(span)
    grpc_span = by_name["/encke.v1.PropagationService/GetStates"][0]
    http_span = next(spans[0] for name, spans in by_name.items()  # the route template, not the id
                     if name.startswith("GET /api/comets/{id") and name.endswith("}/trajectory"))
    engine = [span for name, spans in by_name.items() if name.startswith("engine ") for span in spans]
    for request in (grpc_span, http_span):
        children = [span for span in engine if span.parent_span_id == request.span_id]
        assert children and all(span.trace_id == request.trace_id for span in children), request.name
