"""convert.py: the fast packed-double path builds exactly the message the slow path builds."""
import numpy as np

from encke.server import convert
from encke.server.generated.encke.v1 import common_pb2, propagation_pb2


def test_state_block_equals_the_element_by_element_message():
    rng = np.random.default_rng(5)
    states = rng.normal(size=(7, 300, 6)) * 10.0 ** rng.integers(-300, 300, size=(7, 300, 6))
    states[2] = np.nan
    states[3, 4] = [np.inf, -np.inf, -0.0, 0.0, 5e-324, np.finfo(float).max]
    times = 2460600.5 + np.arange(300) * 0.1
    status = np.array([0, 0, 4, 0, 1, 0, 0])
    ids = [f"{k}P" for k in range(1, 8)]
    fast = convert.state_block(ids, times, states, status, "abc")
    slow = common_pb2.StateBlock(ids=ids, times_tdb_jd=times.tolist(), states=states.reshape(-1).tolist(),
                                 status=status.tolist(), catalog_version="abc")
    assert fast.SerializeToString(deterministic=True) == slow.SerializeToString(deterministic=True)
    back_ids, back_times, back_states, back_status = convert.state_block_arrays(fast)
    assert back_ids == ids and np.array_equal(back_times, times)
    assert np.array_equal(back_states, states, equal_nan=True) and np.array_equal(back_status, status)
    assert np.signbit(back_states[3, 4, 2])  # -0.0 survives


def test_set_doubles_appends_and_skips_empty_arrays():
    msg = propagation_pb2.ObserveChunk(ra_deg=[1.5])
    convert.set_doubles(msg, {"ra_deg": np.array([2.5, 3.5]), "dec_deg": np.array([]), "tmag": [7.0]})
    assert list(msg.ra_deg) == [1.5, 2.5, 3.5] and len(msg.dec_deg) == 0 and list(msg.tmag) == [7.0]
    big = np.arange(20_000, dtype=np.float64)  # a length that needs a 3-byte varint
    convert.set_doubles(msg, {"phase_deg": big})
    assert np.array_equal(np.array(msg.phase_deg), big)


def test_catalog_block_bytes_parse_to_the_element_by_element_message():
    states = np.arange(3 * 2 * 6, dtype=np.float64).reshape(3, 2, 6) / 7.0
    times, status, indices = np.array([2460600.5, 2460601.5]), np.array([0, 1, 0]), np.array([4, 9, 700])
    wire = convert.catalog_block_bytes(256, 1163, indices, ["a", "b", "c"], times, states, status, "v")
    slow = propagation_pb2.CatalogBlock(offset=256, total=1163, indices=indices.tolist(), block=common_pb2.StateBlock(
        ids=["a", "b", "c"], times_tdb_jd=times.tolist(), states=states.reshape(-1).tolist(), status=status.tolist(),
        catalog_version="v"))
    assert propagation_pb2.CatalogBlock.FromString(wire) == slow
