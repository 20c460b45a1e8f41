"""The bearer-token check, one for both transports.

A server started with a token requires "Authorization: Bearer <token>": an HTTP header, gRPC
metadata, or the WebSocket handshake's header. Comparison is constant-time (hmac), so the
answer's timing does not reveal how much of a guess was right.
"""
from __future__ import annotations

import hmac

from .errors import Unauthenticated

HINT = "missing or wrong bearer token: send 'Authorization: Bearer <token>' (HTTP header or gRPC metadata)"


def bearer_ok(header: str | None, token: str | None) -> bool:
    """True when no token is configured, or `header` is exactly "Bearer <token>"."""
    if not token:
        return True
    return header is not None and hmac.compare_digest(str(header).encode(), f"Bearer {token}".encode())


def require_bearer(header: str | None, token: str | None) -> None:
    """Raise Unauthenticated unless `bearer_ok(header, token)`."""
    if not bearer_ok(header, token):
        raise Unauthenticated(HINT)
