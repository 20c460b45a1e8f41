"""Property-based fuzzing of every gRPC method with Hypothesis (issue 16), against the shared
live server (tests/server/conftest.py: real ports, small limits).

Requests are built from the protobuf descriptors, so a new field is fuzzed without a change
here: numbers include NaN, infinities, subnormals (1e-320) and Julian dates near the catalog's
epochs; strings include real designations, observatory codes and 10 KB of text; repeated fields
hold up to 8 items. Raw bytes that are not protobuf at all are sent too. Any answer is fine
except UNKNOWN or INTERNAL, which mean an unhandled server error; streams are read for a few
messages, then cancelled. Bounded by MAX_EXAMPLES per method (about 40 s in all here).
"""
import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encke.server.generated.encke.v1 import catalog_pb2, propagation_pb2

pytestmark = pytest.mark.fuzz
MAX_EXAMPLES = {"Follow": 10}  # each Follow session waits out a short deadline; 25 otherwise
SERVER_FAULTS = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}


def fuzz_settings(method):
    return settings(max_examples=MAX_EXAMPLES.get(method, 25), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-320, 5e-324, 1e-9, 0.01, 1.0, 30.0, 1e300, 2400000.5, 2451545.0,
                     2460000.5, 2460603.5, 2463000.5, 5373484.5]),
    st.floats(min_value=2.4e6, max_value=2.5e6),
)
TEXT = st.one_of(
    st.sampled_from(["", "1P", "2P", "1P/Halley", "2P/Halley", "C/2023 A3", "0002P", "CK23A030", "73P-B",
                     "G96", "I11", "500", "earth", "sun", "-70.7,-30.2,2700", "kepler", "nbody", "icrf",
                     "ecliptic", "ssb", "sun", "de421", "x" * 10_000, "\x00", "é" * 100, "1P\n2P"]),
    st.text(max_size=40),
)
INTEGERS = {
    FieldDescriptor.TYPE_INT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: st.integers(0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: st.integers(0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: st.integers(0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: st.integers(0, 2**64 - 1),
}
SMALL_INTEGERS = st.one_of(st.integers(-3, 70), st.sampled_from([2**31 - 1, -(2**31)]))


def scalar(field):
    kind = field.type
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return NUMBERS if kind == FieldDescriptor.TYPE_DOUBLE else st.floats(width=32, allow_nan=True)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_STRING:
        return TEXT
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == FieldDescriptor.TYPE_ENUM:
        return st.one_of(st.sampled_from([v.number for v in field.enum_type.values]), st.integers(-5, 50))
    return st.one_of(SMALL_INTEGERS, INTEGERS[kind])


@st.composite
def message(draw, cls, depth=0):
    """A message of type `cls` with a random subset of its fields set to hostile values."""
    msg = cls()
    for field in cls.DESCRIPTOR.fields:
        if not draw(st.booleans()):
            continue
        nested = field.type == FieldDescriptor.TYPE_MESSAGE
        if nested and depth >= 3:
            continue
        one = message(field.message_type._concrete_class, depth + 1) if nested else scalar(field)
        if field.is_repeated:
            values = draw(st.lists(one, max_size=8))
            target = getattr(msg, field.name)
            for value in values:
                target.add().CopyFrom(value) if nested else target.append(value)
        elif nested:
            getattr(msg, field.name).CopyFrom(draw(one))
        else:
            setattr(msg, field.name, draw(one))
    return msg


# (service, method, request class, response class, kind)
METHODS = [
    ("encke.v1.CatalogService", "ListComets", catalog_pb2.ListCometsRequest, catalog_pb2.ListCometsResponse, "unary"),
    ("encke.v1.CatalogService", "GetComet", catalog_pb2.GetCometRequest, catalog_pb2.Comet, "unary"),
    ("encke.v1.PropagationService", "GetStates", propagation_pb2.GetStatesRequest, None, "unary"),
    ("encke.v1.PropagationService", "StreamTrajectory", propagation_pb2.StreamTrajectoryRequest, None, "stream"),
    ("encke.v1.PropagationService", "PropagateCatalog", propagation_pb2.PropagateCatalogRequest, None, "stream"),
    ("encke.v1.PropagationService", "Observe", propagation_pb2.ObserveRequest, None, "stream"),
    ("encke.v1.PropagationService", "Follow", propagation_pb2.FollowRequest, None, "bidi"),
]


@pytest.fixture(scope="module")
def channel(live):
    with grpc.insecure_channel(live.grpc) as ch:
        yield ch


def call(channel, service, method, kind, payloads: list[bytes]):
    """Send raw request bytes; read at most 3 answers; return the status code (OK if none)."""
    path = f"/{service}/{method}"
    identity = {"request_serializer": None, "response_deserializer": None}
    try:
        if kind == "unary":
            channel.unary_unary(path, **identity)(payloads[0], timeout=60)
        elif kind == "stream":
            answers = channel.unary_stream(path, **identity)(payloads[0], timeout=60)
            for k, _ in enumerate(answers):
                if k == 2:
                    answers.cancel()
                    break
        else:
            # Follow answers while the client's clock runs: a short deadline ends a quiet session
            answers = channel.stream_stream(path, **identity)(iter(payloads), timeout=2)
            for k, _ in enumerate(answers):
                if k == 1:
                    answers.cancel()
                    break
    except grpc.RpcError as exc:
        return exc.code(), exc.details()
    return grpc.StatusCode.OK, ""


def check(code, details, what):
    assert code not in SERVER_FAULTS, f"{what}: {code.name}: {details}"


@pytest.mark.parametrize("service, method, request_cls, response_cls, kind", METHODS,
                         ids=[m[1] for m in METHODS])
def test_generated_requests_never_cause_server_faults(channel, service, method, request_cls, response_cls, kind):
    @fuzz_settings(method)
    @given(requests=st.lists(message(request_cls), min_size=1, max_size=2 if kind == "bidi" else 1))
    def fuzz(requests):
        code, details = call(channel, service, method, kind, [r.SerializeToString() for r in requests])
        check(code, details, f"{method}({requests[0]!r:.300})")

    fuzz()


@pytest.mark.parametrize("service, method, request_cls, response_cls, kind", METHODS,
                         ids=[m[1] for m in METHODS])
def test_undecodable_bytes_are_invalid_argument(channel, service, method, request_cls, response_cls, kind):
    @fuzz_settings(method)
    @given(payload=st.one_of(st.binary(min_size=1, max_size=64),
                             st.sampled_from([b"\xff\xff\xff\xff\x0f", b"\x0a\xff\xff\xff\xff\x0f", b"\x08"])))
    def fuzz(payload):
        try:
            request_cls.FromString(payload)
            decodable = True
        except Exception:
            decodable = False
        code, details = call(channel, service, method, kind, [payload])
        check(code, details, f"{method}(bytes {payload!r})")
        if not decodable:
            assert code == grpc.StatusCode.INVALID_ARGUMENT, f"{method}(bytes {payload!r}): {code.name}: {details}"

    fuzz()


def test_the_server_still_answers_after_the_fuzzing(channel):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
