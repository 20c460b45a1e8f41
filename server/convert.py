"""The only place where protos and arrays meet.

Requests become validated Python values (raising InvalidArgument naming the proto field);
results become messages with states packed as `repeated double`. The state and observation
codecs themselves are in wire.py, which the typed client shares without importing the server.
"""
from __future__ import annotations

import numpy as np

from .errors import InvalidArgument
from .generated.encke.v1 import catalog_pb2, common_pb2, propagation_pb2
from .service import Selection
# The array codecs live in wire.py (numpy and protobuf only, so the client can use them alone).
from .wire import (CENTER_ENUM, FRAME_ENUM, MODEL_ENUM, catalog_block, catalog_block_bytes,  # noqa: F401
                   follow_update, observe_chunk_arrays, packed_doubles, set_doubles, state_block,
                   state_block_arrays, state_block_bytes)

_MODELS = {common_pb2.MODEL_UNSPECIFIED: "kepler", common_pb2.MODEL_KEPLER: "kepler",
           common_pb2.MODEL_NBODY: "nbody"}
_FRAMES = {common_pb2.FRAME_UNSPECIFIED: "ecliptic", common_pb2.FRAME_ECLIPTIC: "ecliptic",
           common_pb2.FRAME_ICRF: "icrf"}
_CENTERS = {common_pb2.CENTER_UNSPECIFIED: "sun", common_pb2.CENTER_SUN: "sun", common_pb2.CENTER_SSB: "ssb"}


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
        if len(page_token) > 20:  # tokens are decimal offsets
            raise ValueError(page_token)
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


def observe_request(msg: propagation_pb2.ObserveRequest):
    """(model, observer spec, explicit times or None, range or None) of an ObserveRequest.

    The observer spec is the `observer` string, or a (lon_deg, lat_deg, height_m) tuple from
    `site`; neither set means the geocentre. Exactly one of times_tdb_jd and range must be given.
    """
    model = _MODELS.get(msg.model)
    if model is None:
        raise InvalidArgument("model", f"unknown model enum value {msg.model}; expected kepler, nbody")
    which = msg.WhichOneof("where")
    observer = (msg.site.lon_deg, msg.site.lat_deg, msg.site.height_m) if which == "site" else (msg.observer or None)
    has_range = msg.HasField("range")
    if has_range and len(msg.times_tdb_jd):
        raise InvalidArgument("times_tdb_jd", "give either times_tdb_jd or range, not both")
    if not has_range and not len(msg.times_tdb_jd):
        raise InvalidArgument("times_tdb_jd", "at least one time is required (times_tdb_jd or range)")
    span = (msg.range.start_tdb_jd, msg.range.stop_tdb_jd, msg.range.step_days) if has_range else None
    return model, observer, (None if has_range else list(msg.times_tdb_jd)), span


def observe_chunk(ids, result, version: str = "") -> propagation_pb2.ObserveChunk:
    """An ObserveChunk from an engine Observation of N comets at m epochs."""
    from .observing import COLUMNS, SITE_COLUMNS

    fields = {name: np.ascontiguousarray(getattr(result, attr), dtype=np.float64).reshape(-1)
              for attr, name in COLUMNS}
    if result.elevation is not None:
        fields.update({name: np.ascontiguousarray(getattr(result, attr), dtype=np.float64).reshape(-1)
                       for attr, name in SITE_COLUMNS})
        fields["sun_elevation_deg"] = np.asarray(result.sun_elevation, dtype=np.float64)
    fields["times_tdb_jd"] = result.times
    msg = propagation_pb2.ObserveChunk(ids=list(ids), status=np.asarray(result.status, dtype=np.int32).tolist(),
                                       observer=result.observer.name, frame=result.frame, catalog_version=version)
    set_doubles(msg, fields)
    return msg


def state_block_with_covariance(ids, times, states, covariance, status, notes, version: str = "") -> bytes:
    """The serialised StateBlock of (N, M, 6) states with their (N, M, 6, 6) covariance and N
    notes. Serialised messages concatenate into one (protobuf merge: repeated fields append),
    so the covariance is appended to the states' wire form as a packed field."""
    number = common_pb2.StateBlock.DESCRIPTOR.fields_by_name["covariance"].number
    notes = common_pb2.StateBlock(uncertainty_notes=list(notes)).SerializeToString()
    return b"".join([state_block_bytes(ids, times, states, status, version), notes,
                     *packed_doubles(number, covariance)])


def close_approaches(found, designations, body: str, t0: float, t1: float, limit: float, note, version: str = ""
                     ) -> propagation_pb2.CloseApproachesResponse:
    """A CloseApproachesResponse from the engine's Approaches of comets `designations`."""
    rows = [propagation_pb2.CloseApproach(
        id=str(found.designation[j]), body=str(found.body[j]), time_tdb_jd=float(found.time_tdb_jd[j]),
        distance_au=float(found.distance_au[j]), speed_km_s=float(found.speed_km_s[j]),
        time_3sigma_days=float(found.time_3sigma_days[j]), distance_3sigma_au=float(found.distance_3sigma_au[j]))
        for j in range(len(found))]
    msg = propagation_pb2.CloseApproachesResponse(approaches=rows, ids=list(designations), body=body,
                                                  start_tdb_jd=t0, stop_tdb_jd=t1, max_distance_au=limit,
                                                  uncertainty_note=note or "", catalog_version=version)
    set_doubles(msg, {"moid_earth_au": found.moid_earth_au, "moid_jupiter_au": found.moid_jupiter_au})
    return msg


def observe_chunk_with_uncertainty(ids, result, sky: dict, notes, version: str = "") -> propagation_pb2.ObserveChunk:
    """An ObserveChunk with the 3-sigma sky columns ({name: (N, m)}) and N notes."""
    msg = observe_chunk(ids, result, version)
    msg.uncertainty_notes.extend(notes)
    set_doubles(msg, {name: np.ascontiguousarray(array, dtype=np.float64) for name, array in sky.items()})
    return msg


def chunk_size(value: int, field: str) -> int | None:
    """A client's chunk or block size: 0 means the server's default (None); negative is an error."""
    if value < 0:
        raise InvalidArgument(field, f"{value} is negative")
    return value or None


def follow_clock(msg: propagation_pb2.FollowRequest) -> dict:
    """`FollowSession.update` keyword arguments from one Follow request message."""
    model, frame, center = options(msg.options)
    return {"epoch_jd": msg.epoch_tdb_jd, "rate": msg.rate_days_per_s, "ids": list(msg.ids), "model": model,
            "frame": frame, "center": center}
