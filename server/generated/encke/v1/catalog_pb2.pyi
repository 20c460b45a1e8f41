from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CatalogFilter(_message.Message):
    __slots__ = ("search", "periodic_only", "q_min_au", "q_max_au", "e_min", "e_max", "i_min_deg", "i_max_deg", "orbit_types")
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    PERIODIC_ONLY_FIELD_NUMBER: _ClassVar[int]
    Q_MIN_AU_FIELD_NUMBER: _ClassVar[int]
    Q_MAX_AU_FIELD_NUMBER: _ClassVar[int]
    E_MIN_FIELD_NUMBER: _ClassVar[int]
    E_MAX_FIELD_NUMBER: _ClassVar[int]
    I_MIN_DEG_FIELD_NUMBER: _ClassVar[int]
    I_MAX_DEG_FIELD_NUMBER: _ClassVar[int]
    ORBIT_TYPES_FIELD_NUMBER: _ClassVar[int]
    search: str
    periodic_only: bool
    q_min_au: float
    q_max_au: float
    e_min: float
    e_max: float
    i_min_deg: float
    i_max_deg: float
    orbit_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, search: _Optional[str] = ..., periodic_only: _Optional[bool] = ..., q_min_au: _Optional[float] = ..., q_max_au: _Optional[float] = ..., e_min: _Optional[float] = ..., e_max: _Optional[float] = ..., i_min_deg: _Optional[float] = ..., i_max_deg: _Optional[float] = ..., orbit_types: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCometsRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: CatalogFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[CatalogFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCometsResponse(_message.Message):
    __slots__ = ("comets", "total", "next_page_token", "catalog_version")
    COMETS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    comets: _containers.RepeatedCompositeFieldContainer[Comet]
    total: int
    next_page_token: str
    catalog_version: str
    def __init__(self, comets: _Optional[_Iterable[_Union[Comet, _Mapping]]] = ..., total: _Optional[int] = ..., next_page_token: _Optional[str] = ..., catalog_version: _Optional[str] = ...) -> None: ...

class GetCometRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Comet(_message.Message):
    __slots__ = ("designation", "name", "packed", "orbit_type", "number", "q_au", "e", "i_deg", "node_deg", "argp_deg", "tp_tdb_jd", "epoch_tdb_jd", "a1_au_d2", "a2_au_d2", "a3_au_d2", "dt_days", "h_mag", "k_slope", "reference", "period_years", "index", "catalog_version")
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PACKED_FIELD_NUMBER: _ClassVar[int]
    ORBIT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    Q_AU_FIELD_NUMBER: _ClassVar[int]
    E_FIELD_NUMBER: _ClassVar[int]
    I_DEG_FIELD_NUMBER: _ClassVar[int]
    NODE_DEG_FIELD_NUMBER: _ClassVar[int]
    ARGP_DEG_FIELD_NUMBER: _ClassVar[int]
    TP_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    EPOCH_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    A1_AU_D2_FIELD_NUMBER: _ClassVar[int]
    A2_AU_D2_FIELD_NUMBER: _ClassVar[int]
    A3_AU_D2_FIELD_NUMBER: _ClassVar[int]
    DT_DAYS_FIELD_NUMBER: _ClassVar[int]
    H_MAG_FIELD_NUMBER: _ClassVar[int]
    K_SLOPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_YEARS_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    designation: str
    name: str
    packed: str
    orbit_type: str
    number: int
    q_au: float
    e: float
    i_deg: float
    node_deg: float
    argp_deg: float
    tp_tdb_jd: float
    epoch_tdb_jd: float
    a1_au_d2: float
    a2_au_d2: float
    a3_au_d2: float
    dt_days: float
    h_mag: float
    k_slope: float
    reference: str
    period_years: float
    index: int
    catalog_version: str
    def __init__(self, designation: _Optional[str] = ..., name: _Optional[str] = ..., packed: _Optional[str] = ..., orbit_type: _Optional[str] = ..., number: _Optional[int] = ..., q_au: _Optional[float] = ..., e: _Optional[float] = ..., i_deg: _Optional[float] = ..., node_deg: _Optional[float] = ..., argp_deg: _Optional[float] = ..., tp_tdb_jd: _Optional[float] = ..., epoch_tdb_jd: _Optional[float] = ..., a1_au_d2: _Optional[float] = ..., a2_au_d2: _Optional[float] = ..., a3_au_d2: _Optional[float] = ..., dt_days: _Optional[float] = ..., h_mag: _Optional[float] = ..., k_slope: _Optional[float] = ..., reference: _Optional[str] = ..., period_years: _Optional[float] = ..., index: _Optional[int] = ..., catalog_version: _Optional[str] = ...) -> None: ...
