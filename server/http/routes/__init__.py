"""One APIRouter per area of the HTTP contract; app.py includes them in a fixed order (the
comet detail route `/api/comets/{id}` after the longer `/api/comets/{id}/...` routes)."""
