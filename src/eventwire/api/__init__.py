"""eventwire's server: REST API v1 and the web workbench (``eventwire serve``).

    from eventwire.api import create_app
    app = create_app("eventwire.duckdb")          # an ASGI app: uvicorn.run(app), or httpx.ASGITransport(app)

Needs the ``api`` extra (FastAPI, uvicorn, Jinja2).
"""

from __future__ import annotations

from .app import MAX_BODY, create_app
from .db import Database, StoreBusy
from .security import is_loopback

__all__ = ["create_app", "MAX_BODY", "Database", "StoreBusy", "is_loopback"]
