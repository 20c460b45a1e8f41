"""Response encodings of the HTTP gateway: JSON with NaN as null, and packed binary floats."""
from __future__ import annotations

import json

import numpy as np
from fastapi.responses import JSONResponse, Response


def plain(value):
    """JSON-ready Python values: arrays to lists, non-finite floats to None."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            obj = value.astype(object)
            obj[~np.isfinite(value)] = None
            return obj.tolist()
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def dumps(content) -> str:
    """Compact JSON of `content` through `plain` (strict: no NaN tokens)."""
    return json.dumps(plain(content), allow_nan=False, separators=(",", ":"))


class NanSafeJSON(JSONResponse):
    """JSON where NaN and infinities are null (JSON has no NaN) and numpy values are plain."""

    def render(self, content) -> bytes:
        return dumps(content).encode()


def binary(values: np.ndarray, fmt: str, headers: dict, version: str) -> Response:
    """Packed little-endian float32 ("f32") or float64 of `values` (C order), NaN kept, with
    X-Encke-* headers (exposed to the browser) and the catalog version."""
    body = np.ascontiguousarray(values, dtype="<f4" if fmt == "f32" else "<f8").tobytes()
    headers = {k: str(v) for k, v in headers.items()}
    headers["X-Encke-Catalog-Version"] = version
    headers["Access-Control-Expose-Headers"] = ", ".join(sorted(headers))
    return Response(body, media_type="application/octet-stream", headers=headers)
