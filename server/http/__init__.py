"""The HTTP/WebSocket gateway (FastAPI): the browser's view of the service layer.

app.py assembles the application; deps.py holds the dependencies every route shares (the
service and its worker pool, the bearer token, the rate limit); responses.py the JSON and
packed-binary encodings; routes/ one APIRouter per area of the contract.
"""
from .app import create_app

__all__ = ["create_app"]
