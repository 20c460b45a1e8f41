"""The wire format of states and observations: numpy arrays <-> encke.v1 messages.

Needs only numpy and protobuf (and the generated modules), so that the typed client
(`encke.client`) can use it without the engine, JAX or the server's web stack: a client-only
install is grpcio, protobuf and numpy. `convert.py` builds on it for the server's side (request
validation, Comet messages); both sides share one layout:
StateBlock.states is [object][epoch][x, y, z, vx, vy, vz], row-major.
"""
from __future__ import annotations

import numpy as np

from .generated.encke.v1 import common_pb2, propagation_pb2

MODEL_ENUM = {"kepler": common_pb2.MODEL_KEPLER, "nbody": common_pb2.MODEL_NBODY}
FRAME_ENUM = {"ecliptic": common_pb2.FRAME_ECLIPTIC, "icrf": common_pb2.FRAME_ICRF}
CENTER_ENUM = {"sun": common_pb2.CENTER_SUN, "ssb": common_pb2.CENTER_SSB}

# ObserveChunk's per-(comet, epoch) quantities; the two site fields are filled only for a site.
SITE_FIELDS = ("azimuth_deg", "elevation_deg")
# Only with ObserveRequest.uncertainty (then uncertainty_notes is set too)
SKY_FIELDS = ("ra_3sigma_arcsec", "dec_3sigma_arcsec", "smaa_3sigma_arcsec", "smia_3sigma_arcsec", "theta_deg",
              "range_3sigma_km")
OBSERVE_FIELDS = tuple(
    f.name for f in propagation_pb2.ObserveChunk.DESCRIPTOR.fields
    if f.type == f.TYPE_DOUBLE and f.name not in ("times_tdb_jd", "sun_elevation_deg", *SITE_FIELDS, *SKY_FIELDS))


def varint(value: int) -> bytes:
    """A protobuf base-128 varint (encoding spec), for tags and lengths."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def packed_doubles(number: int, array) -> list[bytes]:
    """The wire form of a packed `repeated double` field: tag, byte length, little-endian doubles."""
    data = np.ascontiguousarray(array, dtype="<f8").reshape(-1).data.cast("B")
    if not len(data):
        return []
    return [varint(number << 3 | 2) + varint(len(data)), data]


def set_doubles(msg, values: dict) -> None:
    """Append float64 arrays to `repeated double` fields of `msg` at memcpy speed.

    Filling a repeated field from numpy goes element by element through Python floats
    (~25 ms per 200,000 values: it was 80% of a PropagateCatalog call). Instead this writes
    each array as its wire form, a packed field (protobuf encoding spec), and lets the C parser
    merge it: the same message, ~100x faster.
    """
    fields = msg.DESCRIPTOR.fields_by_name
    msg.MergeFromString(b"".join(part for name, array in values.items()
                                 for part in packed_doubles(fields[name].number, array)))


def _state_block_parts(ids, times, states, status, version: str) -> list:
    fields = common_pb2.StateBlock.DESCRIPTOR.fields_by_name
    head = common_pb2.StateBlock(ids=list(ids), status=np.asarray(status, dtype=np.int32).tolist(),
                                 catalog_version=version).SerializeToString()
    return [head] + packed_doubles(fields["times_tdb_jd"].number, times) + packed_doubles(fields["states"].number,
                                                                                          states)


def state_block_bytes(ids, times: np.ndarray, states: np.ndarray, status: np.ndarray, version: str = "") -> bytes:
    """The serialised StateBlock of (N, M, 6) states (see `state_block`), built on the wire.

    The servicer hands these bytes to gRPC unchanged (grpc_server.py registers a pass-through
    serializer), so the states are copied once here (the join), never parsed or re-encoded.
    """
    return b"".join(_state_block_parts(ids, times, states, status, version))


def state_block(ids, times: np.ndarray, states: np.ndarray, status: np.ndarray,
                version: str = "") -> common_pb2.StateBlock:
    """A StateBlock of (N, M, 6) states; `ids` (N,) strings, `times` (M,) TDB JD, `status` (N,)."""
    return common_pb2.StateBlock.FromString(state_block_bytes(ids, times, states, status, version))


def state_block_arrays(block: common_pb2.StateBlock) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(ids, times (M,), states (N, M, 6), status (N,)) from a StateBlock."""
    ids = list(block.ids)
    times = np.array(block.times_tdb_jd, dtype=np.float64)
    states = np.array(block.states, dtype=np.float64).reshape(len(ids), len(times), 6)
    return ids, times, states, np.array(block.status, dtype=np.int32)


def catalog_block_bytes(offset: int, total: int, indices: np.ndarray, ids, times, states, status,
                        version: str) -> bytes:
    """The serialised CatalogBlock (offset, total, indices and the StateBlock), built on the wire."""
    head = propagation_pb2.CatalogBlock(offset=offset, total=total,
                                        indices=np.asarray(indices, dtype=np.int32).tolist()).SerializeToString()
    inner = _state_block_parts(ids, times, states, status, version)
    number = propagation_pb2.CatalogBlock.DESCRIPTOR.fields_by_name["block"].number
    size = sum(len(part) for part in inner)
    return b"".join([head, varint(number << 3 | 2), varint(size)] + inner)


def catalog_block(offset: int, total: int, indices: np.ndarray, ids, times, states, status,
                  version: str) -> propagation_pb2.CatalogBlock:
    return propagation_pb2.CatalogBlock.FromString(
        catalog_block_bytes(offset, total, indices, ids, times, states, status, version))


def follow_update(epoch_jd: float, ids, states: np.ndarray, status: np.ndarray,
                  version: str = "") -> propagation_pb2.FollowUpdate:
    """One Follow frame: (N, 6) states at one epoch."""
    return propagation_pb2.FollowUpdate(
        epoch_tdb_jd=epoch_jd,
        block=state_block(ids, np.array([epoch_jd]), np.asarray(states)[:, None, :], status, version))


def observe_chunk_arrays(msg: propagation_pb2.ObserveChunk) -> dict:
    """{name: array} of an ObserveChunk: times (m,), each quantity (N, m), status (N,), and
    azimuth_deg, elevation_deg (N, m) and sun_elevation_deg (m,) for a site, and with
    uncertainty the 3-sigma columns (N, m) and uncertainty_notes (N,)."""
    n, m = len(msg.ids), len(msg.times_tdb_jd)
    out = {"ids": list(msg.ids), "times": np.array(msg.times_tdb_jd, dtype=np.float64),
           "status": np.array(msg.status, dtype=np.int32), "observer": msg.observer, "frame": msg.frame}
    names = OBSERVE_FIELDS + (SITE_FIELDS if len(msg.elevation_deg) else ()) + \
        (SKY_FIELDS if len(msg.uncertainty_notes) else ())
    if len(msg.uncertainty_notes):
        out["uncertainty_notes"] = list(msg.uncertainty_notes)
    for name in names:
        out[name] = np.array(getattr(msg, name), dtype=np.float64).reshape(n, m)
    if len(msg.sun_elevation_deg):
        out["sun_elevation_deg"] = np.array(msg.sun_elevation_deg, dtype=np.float64)
    return out
