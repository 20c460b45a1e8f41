"""Issue 16's transport defects, each reproduced against real servers: what a hostile client
sends must get a 4xx / INVALID_ARGUMENT / RESOURCE_EXHAUSTED naming the field, never a 5xx,
UNKNOWN or INTERNAL, and must not let one client hold the server."""
import grpc
import httpx
import pytest

from encke.client import Client, EnckeError
from encke.server.generated.encke.v1 import propagation_pb2, propagation_pb2_grpc

T0 = 2460603.5
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture(scope="module")
def http(live):
    with httpx.Client(base_url=live.http, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def stub(live):
    with grpc.insecure_channel(live.grpc) as channel:
        yield propagation_pb2_grpc.PropagationServiceStub(channel)


# -- defect 1: a tiny step overflowed the sample count (500 / INTERNAL) ---------------------------
@pytest.mark.parametrize("path", ["trajectory", "observe"])
@pytest.mark.parametrize("step", ["1e-320", "5e-324", "1e-12", "1e-300d"])
def test_http_tiny_steps_are_422_naming_the_step(http, path, step):
    r = http.get(f"/api/comets/1P/{path}", params={"start": 2460000, "stop": 2460010, "step": step})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("step:") and "at least" in r.json()["detail"]


@pytest.mark.parametrize("step", [1e-320, 5e-324, 1e-12])
def test_grpc_tiny_steps_are_invalid_argument(stub, step):
    trajectory = propagation_pb2.StreamTrajectoryRequest(ids=["1P"], start_tdb_jd=T0, stop_tdb_jd=T0 + 10,
                                                         step_days=step)
    observe = propagation_pb2.ObserveRequest(ids=["1P"], range=propagation_pb2.TimeRange(
        start_tdb_jd=T0, stop_tdb_jd=T0 + 10, step_days=step))
    for call, request in ((stub.StreamTrajectory, trajectory), (stub.Observe, observe)):
        with pytest.raises(grpc.RpcError) as err:
            list(call(request, timeout=30))
        assert err.value.code() == INVALID and err.value.details().startswith("step"), err.value.details()


def test_a_step_that_makes_too_many_samples_is_refused_before_any_work(live):
    with Client(live.grpc) as c, pytest.raises(EnckeError) as err:
        list(c.stream_trajectory(["1P"], 2400000.5, 2400000.5 + 999.99, 1e-7))
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "limit of 20000 samples" in err.value.message
