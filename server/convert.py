"""The only place where protos and arrays meet.

Requests become validated Python values (raising InvalidArgument naming the proto field);
results become messages with states packed as `repeated double`. The typed client uses the
`*_arrays` functions to turn messages back into numpy arrays, so both sides share one layout:
StateBlock.states is [object][epoch][x, y, z, vx, vy, vz], row-major.
"""
from __future__ import annotations

import numpy as np

from .errors import InvalidArgument
from .generated.encke.v1 import catalog_pb2, common_pb2, propagation_pb2
from .service import Selection

_MODELS = {common_pb2.MODEL_UNSPECIFIED: "kepler", common_pb2.MODEL_KEPLER: "kepler",
           common_pb2.MODEL_NBODY: "nbody"}
_FRAMES = {common_pb2.FRAME_UNSPECIFIED: "ecliptic", common_pb2.FRAME_ECLIPTIC: "ecliptic",
           common_pb2.FRAME_ICRF: "icrf"}
_CENTERS = {common_pb2.CENTER_UNSPECIFIED: "sun", common_pb2.CENTER_SUN: "sun", common_pb2.CENTER_SSB: "ssb"}
MODEL_ENUM = {"kepler": common_pb2.MODEL_KEPLER, "nbody": common_pb2.MODEL_NBODY}
FRAME_ENUM = {"ecliptic": common_pb2.FRAME_ECLIPTIC, "icrf": common_pb2.FRAME_ICRF}
CENTER_ENUM = {"sun": common_pb2.CENTER_SUN, "ssb": common_pb2.CENTER_SSB}


def options(msg: common_pb2.PropagationOptions) -> tuple[str, str, str]:
    """(model, frame, center) names; an enum number the server does not know is INVALID_ARGUMENT."""
    out = []
    for field, table in (("model", _MODELS), ("frame", _FRAMES), ("center", _CENTERS)):
        value = getattr(msg, field)
        if value not in table:
            names = ", ".join(dict.fromkeys(table.values()))
            raise InvalidArgument(f"options.{field}", f"unknown {field} enum value {value}; expected {names}")
        out.append(table[value])
    return out[0], out[1], out[2]


def selection(msg: catalog_pb2.CatalogFilter) -> Selection:
    def opt(name):
        return getattr(msg, name) if msg.HasField(name) else None

    return Selection(search=msg.search or None, periodic=msg.periodic_only, q_min=opt("q_min_au"),
                     q_max=opt("q_max_au"), e_min=opt("e_min"), e_max=opt("e_max"), i_min_deg=opt("i_min_deg"),
                     i_max_deg=opt("i_max_deg"), orbit_type=tuple(msg.orbit_types))


def page(page_size: int, page_token: str) -> tuple[int, int]:
    """(limit, offset) from a page size (0 -> 50) and the opaque token (a decimal offset)."""
    limit = page_size or 50
    if not 1 <= limit <= 1000:
        raise InvalidArgument("page_size", f"{page_size} is outside 1..1000")
    try:
        offset = int(page_token) if page_token else 0
    except ValueError:
        raise InvalidArgument("page_token", f"{page_token!r} is not a token this server issued") from None
    if offset < 0:
        raise InvalidArgument("page_token", f"{page_token!r} is not a token this server issued")
    return limit, offset


def comet(detail: dict) -> catalog_pb2.Comet:
    """A Comet message from the service's detail (or summary) dict."""
    msg = catalog_pb2.Comet(
        designation=detail["designation"], name=detail["name"], packed=detail.get("packed", ""),
        orbit_type=detail["orbit_type"], q_au=detail["q"], e=detail["e"], i_deg=detail["i_deg"],
        node_deg=detail["node_deg"], argp_deg=detail["argp_deg"], tp_tdb_jd=detail["tp_jd"],
        a1_au_d2=detail.get("A1", 0.0), a2_au_d2=detail.get("A2", 0.0), a3_au_d2=detail.get("A3", 0.0),
        dt_days=detail.get("DT", 0.0), reference=detail.get("reference", ""), index=detail["index"],
        catalog_version=detail.get("catalog_version", ""))
    for field, key in (("number", "number"), ("epoch_tdb_jd", "epoch_jd"), ("h_mag", "H"), ("k_slope", "K"),
                       ("period_years", "period_years")):
        if detail.get(key) is not None:
            setattr(msg, field, detail[key])
    return msg


def state_block(ids, times: np.ndarray, states: np.ndarray, status: np.ndarray,
                version: str = "") -> common_pb2.StateBlock:
    """A StateBlock of (N, M, 6) states; `ids` (N,) strings, `times` (M,) TDB JD, `status` (N,)."""
    return common_pb2.StateBlock(ids=list(ids), times_tdb_jd=np.asarray(times, dtype=np.float64),
                                 states=np.ascontiguousarray(states, dtype=np.float64).reshape(-1),
                                 status=np.asarray(status, dtype=np.int32), catalog_version=version)


def state_block_arrays(block: common_pb2.StateBlock) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(ids, times (M,), states (N, M, 6), status (N,)) from a StateBlock."""
    ids = list(block.ids)
    times = np.array(block.times_tdb_jd, dtype=np.float64)
    states = np.array(block.states, dtype=np.float64).reshape(len(ids), len(times), 6)
    return ids, times, states, np.array(block.status, dtype=np.int32)


def catalog_block(offset: int, total: int, indices: np.ndarray, ids, times, states, status,
                  version: str) -> propagation_pb2.CatalogBlock:
    return propagation_pb2.CatalogBlock(offset=offset, total=total, indices=np.asarray(indices, dtype=np.int32),
                                        block=state_block(ids, times, states, status, version))


def follow_update(epoch_jd: float, ids, states: np.ndarray, status: np.ndarray,
                  version: str = "") -> propagation_pb2.FollowUpdate:
    """One Follow frame: (N, 6) states at one epoch."""
    return propagation_pb2.FollowUpdate(
        epoch_tdb_jd=epoch_jd,
        block=state_block(ids, np.array([epoch_jd]), np.asarray(states)[:, None, :], status, version))
