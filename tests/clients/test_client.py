"""The typed client (encke.client.Client) against a real gRPC server on a free port."""
import grpc
import numpy as np
import pytest

from encke.client import Client, EnckeError, TrajectoryChunk

T0 = 2460603.5


@pytest.fixture(scope="module")
def address(shared_data, grpc_server):
    """A token-protected server over the 2024 catalog, limited to 3 ids per request."""
    from encke.server.limits import ServerLimits
    from encke.server.service import Service

    service = Service.from_path(shared_data / "cometels" / "CometEls-2024-09-07.txt",
                                limits=ServerLimits(max_ids=3))
    with grpc_server(service, token="tok") as address:
        yield address


def test_errors_are_typed_with_code_and_message(address):
    with Client(address) as c:
        with pytest.raises(EnckeError) as err:
            c.get_comet("1P")
    assert err.value.code is grpc.StatusCode.UNAUTHENTICATED and "bearer" in err.value.message
    assert str(err.value).startswith("UNAUTHENTICATED: ")
    with Client(address, token="tok") as c:
        with pytest.raises(EnckeError) as err:
            c.get_states(["1P", "2P", "12P", "29P"], [T0])
        assert err.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED and "limit of 3 ids" in err.value.message
        with pytest.raises(ValueError, match="unknown option 'warp'"):
            c.get_states(["1P"], [T0], model="warp")


def test_typed_results(address):
    with Client(address, token="tok") as c:
        page = c.list_comets("encke", page_size=5)
        assert page.total == 1 and page.comets[0].designation == "2P" and page.next_page_token == ""
        states, status = c.get_states(["2P", "1P"], [T0, T0 + 1.0], return_status=True)
        assert states.dtype == np.float64 and states.shape == (2, 2, 6) and status.tolist() == [0, 0]
        # ISO strings are UTC; 2024-10-20T00:00:00 UTC is 69.184 s of TT-UTC (+ < 2 ms TDB-TT) later in TDB
        iso = c.get_states(["2P"], ["2024-10-20T00:00:00"])
        later = c.get_states(["2P"], [T0 + 69.184 / 86400])
        assert np.max(np.abs(iso - later)) < 1e-9
        with c.stream_trajectory(["2P"], T0, T0 + 100, 1.0, chunk_size=10) as stream:
            first = next(stream)
        assert isinstance(first, TrajectoryChunk) and first.states.shape == (1, 10, 6)
        assert list(stream) == []  # cancelled: the iterator just ends
        blocks = list(c.propagate_catalog([T0], orbit_types=["I"]))
        assert sum(len(b.ids) for b in blocks) == 2 and {i for b in blocks for i in b.ids} == {"1I", "2I"}
        assert c.health("encke.v1.PropagationService") == "SERVING"
