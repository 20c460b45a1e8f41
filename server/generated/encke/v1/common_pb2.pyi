from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Model(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_UNSPECIFIED: _ClassVar[Model]
    MODEL_KEPLER: _ClassVar[Model]
    MODEL_NBODY: _ClassVar[Model]

class Frame(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAME_UNSPECIFIED: _ClassVar[Frame]
    FRAME_ECLIPTIC: _ClassVar[Frame]
    FRAME_ICRF: _ClassVar[Frame]

class Center(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CENTER_UNSPECIFIED: _ClassVar[Center]
    CENTER_SUN: _ClassVar[Center]
    CENTER_SSB: _ClassVar[Center]
MODEL_UNSPECIFIED: Model
MODEL_KEPLER: Model
MODEL_NBODY: Model
FRAME_UNSPECIFIED: Frame
FRAME_ECLIPTIC: Frame
FRAME_ICRF: Frame
CENTER_UNSPECIFIED: Center
CENTER_SUN: Center
CENTER_SSB: Center

class PropagationOptions(_message.Message):
    __slots__ = ("model", "frame", "center")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    CENTER_FIELD_NUMBER: _ClassVar[int]
    model: Model
    frame: Frame
    center: Center
    def __init__(self, model: _Optional[_Union[Model, str]] = ..., frame: _Optional[_Union[Frame, str]] = ..., center: _Optional[_Union[Center, str]] = ...) -> None: ...

class StateBlock(_message.Message):
    __slots__ = ("ids", "times_tdb_jd", "states", "status", "catalog_version", "covariance", "uncertainty_notes")
    IDS_FIELD_NUMBER: _ClassVar[int]
    TIMES_TDB_JD_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    COVARIANCE_FIELD_NUMBER: _ClassVar[int]
    UNCERTAINTY_NOTES_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    times_tdb_jd: _containers.RepeatedScalarFieldContainer[float]
    states: _containers.RepeatedScalarFieldContainer[float]
    status: _containers.RepeatedScalarFieldContainer[int]
    catalog_version: str
    covariance: _containers.RepeatedScalarFieldContainer[float]
    uncertainty_notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., times_tdb_jd: _Optional[_Iterable[float]] = ..., states: _Optional[_Iterable[float]] = ..., status: _Optional[_Iterable[int]] = ..., catalog_version: _Optional[str] = ..., covariance: _Optional[_Iterable[float]] = ..., uncertainty_notes: _Optional[_Iterable[str]] = ...) -> None: ...
