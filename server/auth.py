"""The bearer-token check, one for both transports.

A server started with a token requires "Authorization: Bearer <token>": an HTTP header, gRPC
metadata, or for a browser's WebSocket (which cannot set headers) the subprotocol
"encke.bearer.<token>" offered beside "encke" (the server answers "encke"; the older
`?token=` query still works, and logs redact it). Comparison is constant-time (hmac), so the
answer's timing does not reveal how much of a guess was right.

Wrong tokens are rate-limited per host whether or not request rate limits are on: after
FAILURE_BURST failures the host gets 429 / RESOURCE_EXHAUSTED, refilled at FAILURES_PER_S,
so a token cannot be guessed at network speed.
"""
from __future__ import annotations

import hmac

from .errors import Unauthenticated
from .limits import RateLimiter

HINT = "missing or wrong bearer token: send 'Authorization: Bearer <token>' (HTTP header or gRPC metadata)"
SUBPROTOCOL = "encke"
SUBPROTOCOL_TOKEN_PREFIX = "encke.bearer."
FAILURE_BURST = 10
FAILURES_PER_S = 1.0


def bearer_ok(header: str | None, token: str | None) -> bool:
    """True when no token is configured, or `header` is exactly "Bearer <token>"."""
    if not token:
        return True
    return header is not None and hmac.compare_digest(str(header).encode(), f"Bearer {token}".encode())


class BearerGuard:
    """The token of one server and its per-host budget of failed attempts."""

    def __init__(self, token: str | None):
        self.token = token
        self.failures = RateLimiter(FAILURES_PER_S, FAILURE_BURST)

    def check(self, header: str | None, host: str) -> None:
        """Pass, or raise Unauthenticated; LimitExceeded (429) once `host` has failed too often."""
        if bearer_ok(header, self.token):
            return
        self.failures.check(host)
        raise Unauthenticated(HINT)


def websocket_credentials(headers, query_params, subprotocols) -> str | None:
    """The "Bearer <token>" a WebSocket handshake carries: its Authorization header, else an
    "encke.bearer.<token>" subprotocol, else the `token` query parameter."""
    header = headers.get("authorization")
    if header is not None:
        return header
    for offered in subprotocols or ():
        if offered.startswith(SUBPROTOCOL_TOKEN_PREFIX):
            return f"Bearer {offered[len(SUBPROTOCOL_TOKEN_PREFIX):]}"
    token = query_params.get("token")
    return f"Bearer {token}" if token else None
