"""Structured access logs: one JSON line per request on the "encke.server.access" logger.

Each line has ts (UTC ISO), transport (grpc|http|ws), method, status (gRPC code name or
HTTP status), latency_ms and peer; `configure()` installs a stderr handler that writes the
record as JSON, so log shippers need no parsing rules.
"""
from __future__ import annotations

import datetime
import json
import logging
import re
import sys

ACCESS = logging.getLogger("encke.server.access")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; fields passed as `extra={"fields": {...}}` are merged."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            payload.update(fields)
        else:
            payload["message"] = record.getMessage()
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure(level: int = logging.INFO, stream=None) -> None:
    """Send encke.server logs to `stream` (stderr) as JSON lines; idempotent."""
    logger = logging.getLogger("encke.server")
    for handler in logger.handlers:
        if getattr(handler, "_encke_json", False):
            return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._encke_json = True
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def access(transport: str, method: str, status, latency_s: float, peer: str | None = None, **extra) -> None:
    """Log one finished request."""
    fields = {"transport": transport, "method": method, "status": status,
              "latency_ms": round(latency_s * 1000.0, 3), "peer": peer}
    fields.update(extra)
    ACCESS.info("%s %s %s", transport, method, status, extra={"fields": fields})


_SECRET_QUERY = re.compile(r"((?:^|[?&])(?:token|access_token)=)[^&\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with the values of token= query parameters replaced by ***."""
    return _SECRET_QUERY.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments through `redact`: uvicorn logs a
    WebSocket handshake's whole path, query string included."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_server_logs() -> None:
    """Install RedactSecrets on uvicorn's loggers (idempotent; after uvicorn configured them)."""
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
