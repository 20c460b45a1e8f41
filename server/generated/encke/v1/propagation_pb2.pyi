from encke.server.generated.encke.v1 import catalog_pb2 as _catalog_pb2
from encke.server.generated.encke.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetStatesRequest(_message.Message):
    __slots__ = ("ids", "times_tdb_jd", "options")
    IDS_FIELD_NUMBER: _ClassVar[int]
    TIMES_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    times_tdb_jd: _containers.RepeatedScalarFieldContainer[float]
    options: _common_pb2.PropagationOptions
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., times_tdb_jd: _Optional[_Iterable[float]] = ..., options: _Optional[_Union[_common_pb2.PropagationOptions, _Mapping]] = ...) -> None: ...

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
