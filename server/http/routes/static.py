"""The built viewer (clients/web, copied into server/static) at /, with a hint page when it is
not built. Registered last: its catch-all path must not shadow the API."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from ..responses import NanSafeJSON

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
router = APIRouter()

_NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>encke</title></head>
<body><h1>encke</h1><p>The viewer isn't built. Build it with <code>make web</code>
(runs <code>npm ci &amp;&amp; npm run build</code> in clients/web), then reload.</p>
<p>The API is up: <a href="/docs">/docs</a>, <a href="/api/health">/api/health</a>.</p></body></html>"""


@router.get("/{path:path}", include_in_schema=False)
async def viewer(path: str, request: Request):
    if "\x00" in path:  # no file name holds a NUL (the OS would refuse it): not found, not a 500
        return NanSafeJSON({"detail": "not found: the path holds a NUL byte"}, status_code=404)
    root = request.app.state.static_dir.resolve()
    target = (root / (path or "index.html")).resolve()
    if root in target.parents and target.is_file():
        return FileResponse(target)
    if path in ("", "index.html"):
        return HTMLResponse(_NOT_BUILT)
    return NanSafeJSON({"detail": f"not found: /{path}"}, status_code=404)
