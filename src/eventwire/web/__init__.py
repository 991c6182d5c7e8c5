"""The web workbench: HTML pages rendered by Jinja2 with autoescaping, plus eventwire's own static assets
(CSS, a little vanilla JavaScript, the offline world outline). Nothing is loaded from elsewhere."""

from __future__ import annotations

import pathlib
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__

HERE = pathlib.Path(__file__).resolve().parent

__all__ = ["mount", "render", "error_page", "ENV"]


def _query(base: dict[str, Any], **changes: Any) -> str:
    """A query string from ``base`` with ``changes`` applied (None removes a key)."""
    merged = {k: v for k, v in {**base, **changes}.items() if v not in (None, "")}
    return ("?" + urlencode(merged)) if merged else ""


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / "templates")),
    autoescape=True,  # every value is HTML-escaped unless a template says otherwise (none does)
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
ENV.globals.update(version=__version__, query=_query)
ENV.filters["num"] = _num


def render(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    settings = request.app.state.settings
    html = ENV.get_template(template).render(request=request, path=request.url.path,
                                             token_required=settings.token_required, db_name=settings.db.display,
                                             db_file=pathlib.Path(settings.db.display).name,
                                             **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(request: Request, status: int, title: str, detail: str,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, headers=headers, title=title, detail=detail, status_code=status)


def mount(app: FastAPI) -> None:
    """Add the pages and ``/static`` to ``app``."""
    from .pages import router

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)
