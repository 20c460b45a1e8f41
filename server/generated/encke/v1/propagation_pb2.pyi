from encke.server.generated.encke.v1 import catalog_pb2 as _catalog_pb2
from encke.server.generated.encke.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetStatesRequest(_message.Message):
    __slots__ = ("ids", "times_tdb_jd", "options", "include_covariance")
    IDS_FIELD_NUMBER: _ClassVar[int]
    TIMES_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_COVARIANCE_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    times_tdb_jd: _containers.RepeatedScalarFieldContainer[float]
    options: _common_pb2.PropagationOptions
    include_covariance: bool
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., times_tdb_jd: _Optional[_Iterable[float]] = ..., options: _Optional[_Union[_common_pb2.PropagationOptions, _Mapping]] = ..., include_covariance: _Optional[bool] = ...) -> None: ...

class StreamTrajectoryRequest(_message.Message):
    __slots__ = ("ids", "start_tdb_jd", "stop_tdb_jd", "step_days", "options", "chunk_size")
    IDS_FIELD_NUMBER: _ClassVar[int]
    START_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STOP_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STEP_DAYS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    start_tdb_jd: float
    stop_tdb_jd: float
    step_days: float
    options: _common_pb2.PropagationOptions
    chunk_size: int
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., start_tdb_jd: _Optional[float] = ..., stop_tdb_jd: _Optional[float] = ..., step_days: _Optional[float] = ..., options: _Optional[_Union[_common_pb2.PropagationOptions, _Mapping]] = ..., chunk_size: _Optional[int] = ...) -> None: ...

class PropagateCatalogRequest(_message.Message):
    __slots__ = ("filter", "times_tdb_jd", "options", "block_size")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    TIMES_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_SIZE_FIELD_NUMBER: _ClassVar[int]
    filter: _catalog_pb2.CatalogFilter
    times_tdb_jd: _containers.RepeatedScalarFieldContainer[float]
    options: _common_pb2.PropagationOptions
    block_size: int
    def __init__(self, filter: _Optional[_Union[_catalog_pb2.CatalogFilter, _Mapping]] = ..., times_tdb_jd: _Optional[_Iterable[float]] = ..., options: _Optional[_Union[_common_pb2.PropagationOptions, _Mapping]] = ..., block_size: _Optional[int] = ...) -> None: ...

class CatalogBlock(_message.Message):
    __slots__ = ("offset", "total", "indices", "block")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    offset: int
    total: int
    indices: _containers.RepeatedScalarFieldContainer[int]
    block: _common_pb2.StateBlock
    def __init__(self, offset: _Optional[int] = ..., total: _Optional[int] = ..., indices: _Optional[_Iterable[int]] = ..., block: _Optional[_Union[_common_pb2.StateBlock, _Mapping]] = ...) -> None: ...

class FollowRequest(_message.Message):
    __slots__ = ("epoch_tdb_jd", "rate_days_per_s", "ids", "options")
    EPOCH_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    RATE_DAYS_PER_S_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    epoch_tdb_jd: float
    rate_days_per_s: float
    ids: _containers.RepeatedScalarFieldContainer[str]
    options: _common_pb2.PropagationOptions
    def __init__(self, epoch_tdb_jd: _Optional[float] = ..., rate_days_per_s: _Optional[float] = ..., ids: _Optional[_Iterable[str]] = ..., options: _Optional[_Union[_common_pb2.PropagationOptions, _Mapping]] = ...) -> None: ...

class FollowUpdate(_message.Message):
    __slots__ = ("epoch_tdb_jd", "block", "error")
    EPOCH_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    epoch_tdb_jd: float
    block: _common_pb2.StateBlock
    error: str
    def __init__(self, epoch_tdb_jd: _Optional[float] = ..., block: _Optional[_Union[_common_pb2.StateBlock, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start_tdb_jd", "stop_tdb_jd", "step_days")
    START_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STOP_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STEP_DAYS_FIELD_NUMBER: _ClassVar[int]
    start_tdb_jd: float
    stop_tdb_jd: float
    step_days: float
    def __init__(self, start_tdb_jd: _Optional[float] = ..., stop_tdb_jd: _Optional[float] = ..., step_days: _Optional[float] = ...) -> None: ...

class Site(_message.Message):
    __slots__ = ("lon_deg", "lat_deg", "height_m")
    LON_DEG_FIELD_NUMBER: _ClassVar[int]
    LAT_DEG_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_M_FIELD_NUMBER: _ClassVar[int]
    lon_deg: float
    lat_deg: float
    height_m: float
    def __init__(self, lon_deg: _Optional[float] = ..., lat_deg: _Optional[float] = ..., height_m: _Optional[float] = ...) -> None: ...

class ObserveRequest(_message.Message):
    __slots__ = ("ids", "times_tdb_jd", "range", "observer", "site", "model", "apparent", "chunk_size", "uncertainty")
    IDS_FIELD_NUMBER: _ClassVar[int]
    TIMES_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    OBSERVER_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    APPARENT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    UNCERTAINTY_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    times_tdb_jd: _containers.RepeatedScalarFieldContainer[float]
    range: TimeRange
    observer: str
    site: Site
    model: _common_pb2.Model
    apparent: bool
    chunk_size: int
    uncertainty: bool
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., times_tdb_jd: _Optional[_Iterable[float]] = ..., range: _Optional[_Union[TimeRange, _Mapping]] = ..., observer: _Optional[str] = ..., site: _Optional[_Union[Site, _Mapping]] = ..., model: _Optional[_Union[_common_pb2.Model, str]] = ..., apparent: _Optional[bool] = ..., chunk_size: _Optional[int] = ..., uncertainty: _Optional[bool] = ...) -> None: ...

class ObserveChunk(_message.Message):
    __slots__ = ("ids", "times_tdb_jd", "ra_deg", "dec_deg", "delta_au", "r_au", "rdot_km_s", "deldot_km_s", "elongation_deg", "phase_deg", "tmag", "light_time_days", "azimuth_deg", "elevation_deg", "sun_elevation_deg", "status", "observer", "frame", "catalog_version", "ra_3sigma_arcsec", "dec_3sigma_arcsec", "smaa_3sigma_arcsec", "smia_3sigma_arcsec", "theta_deg", "range_3sigma_km", "uncertainty_notes")
    IDS_FIELD_NUMBER: _ClassVar[int]
    TIMES_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    RA_DEG_FIELD_NUMBER: _ClassVar[int]
    DEC_DEG_FIELD_NUMBER: _ClassVar[int]
    DELTA_AU_FIELD_NUMBER: _ClassVar[int]
    R_AU_FIELD_NUMBER: _ClassVar[int]
    RDOT_KM_S_FIELD_NUMBER: _ClassVar[int]
    DELDOT_KM_S_FIELD_NUMBER: _ClassVar[int]
    ELONGATION_DEG_FIELD_NUMBER: _ClassVar[int]
    PHASE_DEG_FIELD_NUMBER: _ClassVar[int]
    TMAG_FIELD_NUMBER: _ClassVar[int]
    LIGHT_TIME_DAYS_FIELD_NUMBER: _ClassVar[int]
    AZIMUTH_DEG_FIELD_NUMBER: _ClassVar[int]
    ELEVATION_DEG_FIELD_NUMBER: _ClassVar[int]
    SUN_ELEVATION_DEG_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OBSERVER_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    RA_3SIGMA_ARCSEC_FIELD_NUMBER: _ClassVar[int]
    DEC_3SIGMA_ARCSEC_FIELD_NUMBER: _ClassVar[int]
    SMAA_3SIGMA_ARCSEC_FIELD_NUMBER: _ClassVar[int]
    SMIA_3SIGMA_ARCSEC_FIELD_NUMBER: _ClassVar[int]
    THETA_DEG_FIELD_NUMBER: _ClassVar[int]
    RANGE_3SIGMA_KM_FIELD_NUMBER: _ClassVar[int]
    UNCERTAINTY_NOTES_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    times_tdb_jd: _containers.RepeatedScalarFieldContainer[float]
    ra_deg: _containers.RepeatedScalarFieldContainer[float]
    dec_deg: _containers.RepeatedScalarFieldContainer[float]
    delta_au: _containers.RepeatedScalarFieldContainer[float]
    r_au: _containers.RepeatedScalarFieldContainer[float]
    rdot_km_s: _containers.RepeatedScalarFieldContainer[float]
    deldot_km_s: _containers.RepeatedScalarFieldContainer[float]
    elongation_deg: _containers.RepeatedScalarFieldContainer[float]
    phase_deg: _containers.RepeatedScalarFieldContainer[float]
    tmag: _containers.RepeatedScalarFieldContainer[float]
    light_time_days: _containers.RepeatedScalarFieldContainer[float]
    azimuth_deg: _containers.RepeatedScalarFieldContainer[float]
    elevation_deg: _containers.RepeatedScalarFieldContainer[float]
    sun_elevation_deg: _containers.RepeatedScalarFieldContainer[float]
    status: _containers.RepeatedScalarFieldContainer[int]
    observer: str
    frame: str
    catalog_version: str
    ra_3sigma_arcsec: _containers.RepeatedScalarFieldContainer[float]
    dec_3sigma_arcsec: _containers.RepeatedScalarFieldContainer[float]
    smaa_3sigma_arcsec: _containers.RepeatedScalarFieldContainer[float]
    smia_3sigma_arcsec: _containers.RepeatedScalarFieldContainer[float]
    theta_deg: _containers.RepeatedScalarFieldContainer[float]
    range_3sigma_km: _containers.RepeatedScalarFieldContainer[float]
    uncertainty_notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., times_tdb_jd: _Optional[_Iterable[float]] = ..., ra_deg: _Optional[_Iterable[float]] = ..., dec_deg: _Optional[_Iterable[float]] = ..., delta_au: _Optional[_Iterable[float]] = ..., r_au: _Optional[_Iterable[float]] = ..., rdot_km_s: _Optional[_Iterable[float]] = ..., deldot_km_s: _Optional[_Iterable[float]] = ..., elongation_deg: _Optional[_Iterable[float]] = ..., phase_deg: _Optional[_Iterable[float]] = ..., tmag: _Optional[_Iterable[float]] = ..., light_time_days: _Optional[_Iterable[float]] = ..., azimuth_deg: _Optional[_Iterable[float]] = ..., elevation_deg: _Optional[_Iterable[float]] = ..., sun_elevation_deg: _Optional[_Iterable[float]] = ..., status: _Optional[_Iterable[int]] = ..., observer: _Optional[str] = ..., frame: _Optional[str] = ..., catalog_version: _Optional[str] = ..., ra_3sigma_arcsec: _Optional[_Iterable[float]] = ..., dec_3sigma_arcsec: _Optional[_Iterable[float]] = ..., smaa_3sigma_arcsec: _Optional[_Iterable[float]] = ..., smia_3sigma_arcsec: _Optional[_Iterable[float]] = ..., theta_deg: _Optional[_Iterable[float]] = ..., range_3sigma_km: _Optional[_Iterable[float]] = ..., uncertainty_notes: _Optional[_Iterable[str]] = ...) -> None: ...

class CloseApproachesRequest(_message.Message):
    __slots__ = ("ids", "start_tdb_jd", "stop_tdb_jd", "body", "max_distance_au", "uncertainty")
    IDS_FIELD_NUMBER: _ClassVar[int]
    START_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STOP_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_AU_FIELD_NUMBER: _ClassVar[int]
    UNCERTAINTY_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    start_tdb_jd: float
    stop_tdb_jd: float
    body: str
    max_distance_au: float
    uncertainty: bool
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., start_tdb_jd: _Optional[float] = ..., stop_tdb_jd: _Optional[float] = ..., body: _Optional[str] = ..., max_distance_au: _Optional[float] = ..., uncertainty: _Optional[bool] = ...) -> None: ...

class CloseApproach(_message.Message):
    __slots__ = ("id", "body", "time_tdb_jd", "distance_au", "speed_km_s", "time_3sigma_days", "distance_3sigma_au")
    ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    TIME_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_AU_FIELD_NUMBER: _ClassVar[int]
    SPEED_KM_S_FIELD_NUMBER: _ClassVar[int]
    TIME_3SIGMA_DAYS_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_3SIGMA_AU_FIELD_NUMBER: _ClassVar[int]
    id: str
    body: str
    time_tdb_jd: float
    distance_au: float
    speed_km_s: float
    time_3sigma_days: float
    distance_3sigma_au: float
    def __init__(self, id: _Optional[str] = ..., body: _Optional[str] = ..., time_tdb_jd: _Optional[float] = ..., distance_au: _Optional[float] = ..., speed_km_s: _Optional[float] = ..., time_3sigma_days: _Optional[float] = ..., distance_3sigma_au: _Optional[float] = ...) -> None: ...

class CloseApproachesResponse(_message.Message):
    __slots__ = ("approaches", "ids", "moid_earth_au", "moid_jupiter_au", "body", "start_tdb_jd", "stop_tdb_jd", "max_distance_au", "uncertainty_note", "catalog_version")
    APPROACHES_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    MOID_EARTH_AU_FIELD_NUMBER: _ClassVar[int]
    MOID_JUPITER_AU_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    START_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STOP_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_AU_FIELD_NUMBER: _ClassVar[int]
    UNCERTAINTY_NOTE_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    approaches: _containers.RepeatedCompositeFieldContainer[CloseApproach]
    ids: _containers.RepeatedScalarFieldContainer[str]
    moid_earth_au: _containers.RepeatedScalarFieldContainer[float]
    moid_jupiter_au: _containers.RepeatedScalarFieldContainer[float]
    body: str
    start_tdb_jd: float
    stop_tdb_jd: float
    max_distance_au: float
    uncertainty_note: str
    catalog_version: str
    def __init__(self, approaches: _Optional[_Iterable[_Union[CloseApproach, _Mapping]]] = ..., ids: _Optional[_Iterable[str]] = ..., moid_earth_au: _Optional[_Iterable[float]] = ..., moid_jupiter_au: _Optional[_Iterable[float]] = ..., body: _Optional[str] = ..., start_tdb_jd: _Optional[float] = ..., stop_tdb_jd: _Optional[float] = ..., max_distance_au: _Optional[float] = ..., uncertainty_note: _Optional[str] = ..., catalog_version: _Optional[str] = ...) -> None: ...
