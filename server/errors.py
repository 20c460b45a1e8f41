"""Typed service errors: the one vocabulary the service layer speaks to its transports.

The service layer never imports grpc or FastAPI. It raises these, and each transport maps
them once: gRPC to a status code (`GRPC_CODE`), HTTP to a status (`HTTP_STATUS`). Messages
name the field and the problem so a user can act on them.
"""
from __future__ import annotations


class ServiceError(Exception):
    """Base class. `message` is shown to the client unchanged."""

    grpc_code = "INTERNAL"
    http_status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgument(ServiceError):
    """Bad input: gRPC INVALID_ARGUMENT, HTTP 422. The message starts with the field name."""

    grpc_code = "INVALID_ARGUMENT"
    http_status = 422

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field


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
