"""The application factory: REST API v1 under ``/v1``, the web workbench at ``/``, the API reference at
``/docs`` (the OpenAPI document itself at ``/openapi.json``)."""

from __future__ import annotations

import pathlib
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from .. import __version__
from ..errors import EventwireError, InputError, StoreError
from ..records import Document
from ..store import DEFAULT_DB
from ..store.query import QueryError
from .db import WAIT, Database, StoreBusy
from .security import BodyLimit, Guard, is_loopback, write_guard

__all__ = ["create_app", "Settings", "MAX_BODY", "code_document"]

#: default limit on a request body, in bytes
MAX_BODY = 4 * 1024 * 1024


@dataclass
class Settings:
    db: Database
    host: str = "127.0.0.1"
    token: str | None = None
    token_required: bool = False
    max_body: int = MAX_BODY
    model: str | None = None
    nlp_lock: threading.Lock = field(default_factory=threading.Lock)


def code_document(request: Request, text: str, published: str | None, title: str | None = None,
                  url: str | None = None, source: str | None = None) -> Document:
    """Code one text with the server's pipeline (one document at a time: spaCy pipelines are not
    thread-safe). Raises ``InputError`` for texts that cannot be coded."""
    from ..nlp import load_pipeline
    from ..pipeline import code_text

    settings: Settings = request.app.state.settings
    with settings.nlp_lock:
        nlp = load_pipeline(settings.model)
        return code_text(text, published=published or None, title=title or None, url=url or None,
                         source=source or "api", nlp=nlp)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/v1", "/openapi")) and "text/html" in request.headers.get("accept", "")


def create_app(
    db_path: str | pathlib.Path = DEFAULT_DB,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    max_body: int = MAX_BODY,
    model: str | None = None,
    allowed_hosts: tuple[str, ...] = (),
    web: bool = True,
    wait: float = WAIT,
) -> FastAPI:
    """The eventwire server as an ASGI app over the DuckDB file ``db_path``.

    ``host`` is the address the server binds to: on anything but loopback, writes need ``token``
    (and are refused when there is none). ``max_body`` limits request bodies (bytes). ``model`` picks
    another installed spaCy pipeline for ``POST /v1/code``. ``allowed_hosts`` adds host names a
    loopback server answers to (e.g. behind a local proxy). ``web=False`` serves the API alone. ``wait``:
    how long a request waits for the file while another process writes it, before 503."""
    db = Database(db_path, wait=wait)
    db.ensure()
    settings = Settings(db=db, host=host, token=token or None, max_body=max_body, model=model,
                        token_required=bool(token) or not is_loopback(host))
    app = FastAPI(
        title="eventwire",
        version=__version__,
        summary="News articles in, checkable event data out: PLOVER/CAMEO events, quotes, actors, places, dates.",
        description=(
            "REST API v1 of eventwire. Reads never lock the store: each request opens the DuckDB file "
            "read-only for its own duration, so `eventwire code` can write between requests; while another "
            "process holds the file, a request waits for it (15 s by default), then gets 503 with `Retry-After`. Write endpoints (`POST`) need "
            "`Authorization: Bearer TOKEN` when the server was started with a token, and always when it binds "
            "to a non-loopback address. Request bodies are limited in size (413 beyond)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(write_guard)],  # every write route, present and future, checks the token first
    )
    app.state.settings = settings

    from .routes import router

    app.include_router(router)
    if web:
        from ..web import mount

        mount(app)

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError):
        busy = isinstance(exc, StoreBusy)
        headers = {"Retry-After": "2"} if busy else {}
        if _wants_html(request):
            from ..web import error_page

            return error_page(request, 503, "The store is not available" if not busy else "The store is busy",
                              str(exc), headers)
        return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)

    @app.exception_handler(QueryError)
    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: Exception):
        if _wants_html(request):
            from ..web import error_page

            return error_page(request, 422, "That request cannot be answered", str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(EventwireError)
    async def _eventwire_error(request: Request, exc: EventwireError):
        # the model or the knowledge could not be loaded: say so, in the server's own words
        if _wants_html(request):
            from ..web import error_page

            return error_page(request, 500, "eventwire could not do that", str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=500)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        if _wants_html(request) and exc.status_code >= 400:
            from ..web import error_page

            return error_page(request, exc.status_code, "Not found" if exc.status_code == 404 else "Refused",
                              str(exc.detail), exc.headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors: list[dict[str, Any]] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        if _wants_html(request):
            from ..web import error_page

            detail = "; ".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}" for e in errors)
            return error_page(request, 422, "That request cannot be answered", detail)
        return JSONResponse({"detail": errors}, status_code=422)

    app.add_middleware(BodyLimit, max_body=max_body)
    app.add_middleware(Guard, loopback=is_loopback(host), allowed_hosts=allowed_hosts)
    return app
