"""Typed service errors: the one vocabulary the service layer speaks to its transports.

The service layer never imports grpc or FastAPI. It raises these, and each transport maps
them once: gRPC to a status code (`grpc_code`), HTTP to a status (`http_status`). Messages
name the field and the problem so a user can act on them. The engine's own validation errors
(`encke.engine.errors.InvalidInput`, which carry `.field`) become InvalidArgument through
`as_service_error`, the one translation both transports use.
"""
from __future__ import annotations


MAX_MESSAGE_CHARS = 1000  # gRPC sends the message as metadata (8 kB at most): echoed input is cut


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, cut to `limit` characters with a note when longer."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


class ServiceError(Exception):
    """Base class. `message` is shown to the client (clipped to MAX_MESSAGE_CHARS)."""

    grpc_code = "INTERNAL"
    http_status = 500

    def __init__(self, message: str):
        message = clip(message)
        super().__init__(message)
        self.message = message


class InvalidArgument(ServiceError):
    """Bad input: gRPC INVALID_ARGUMENT, HTTP 422. The message starts with the field name."""

    grpc_code = "INVALID_ARGUMENT"
    http_status = 422

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field

    @classmethod
    def from_engine(cls, exc) -> "InvalidArgument":
        """From the engine's InvalidInput: its `field`, and its message as the problem (kept whole
        when the engine's message already begins with the field's name)."""
        problem = str(exc)
        error = cls(exc.field, problem)
        if problem.startswith(exc.field):
            error.message = clip(problem)
            error.args = (error.message,)
        return error


class NotFound(ServiceError):
    """An unknown comet: gRPC NOT_FOUND, HTTP 404."""

    grpc_code = "NOT_FOUND"
    http_status = 404


class LimitExceeded(ServiceError):
    """A request over a configured limit: gRPC RESOURCE_EXHAUSTED, HTTP 413 (429 for rates)."""

    grpc_code = "RESOURCE_EXHAUSTED"
    http_status = 413

    def __init__(self, message: str, limit: float, http_status: int = 413):
        super().__init__(message)
        self.limit = limit
        self.http_status = http_status


class Unavailable(ServiceError):
    """The server cannot answer yet (no catalog loaded): gRPC UNAVAILABLE, HTTP 503."""

    grpc_code = "UNAVAILABLE"
    http_status = 503


class Unauthenticated(ServiceError):
    """A missing or wrong bearer token: gRPC UNAUTHENTICATED, HTTP 401."""

    grpc_code = "UNAUTHENTICATED"
    http_status = 401


class StreamIdle(ServiceError):
    """A Follow stream or WebSocket whose client went silent past the idle limits (limits.py):
    gRPC DEADLINE_EXCEEDED, HTTP 408; a WebSocket is closed with 1008."""

    grpc_code = "DEADLINE_EXCEEDED"
    http_status = 408


def as_service_error(exc: BaseException) -> ServiceError | None:
    """The ServiceError a transport reports for `exc`: itself, or an InvalidArgument for the
    engine's InvalidInput; None for anything else (a bug: the transport answers "internal")."""
    from encke.engine.errors import InvalidInput

    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, InvalidInput):
        return InvalidArgument.from_engine(exc)
    return None
