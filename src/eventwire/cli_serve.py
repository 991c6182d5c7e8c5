"""``eventwire serve``: the REST API and the web workbench over a DuckDB store (a Typer command;
``cli.py`` registers it)."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated, Optional

import typer

from .store import DEFAULT_DB
from .store.postgres import redact


def serve(
    db: Annotated[str, typer.Option(help="DuckDB file to serve (created when missing).")] = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to bind. Anything but loopback makes writes need a token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8000,
    token: Annotated[Optional[str], typer.Option(envvar="EVENTWIRE_TOKEN", show_envvar=True,
                                                 help="Token that write endpoints require (Authorization: Bearer TOKEN). "
                                                      "On a non-loopback address without one, a random token is made and printed.")] = None,
    max_body: Annotated[int, typer.Option(help="Largest request body accepted, in bytes.", min=1024)] = 4 * 1024 * 1024,
    model: Annotated[Optional[str], typer.Option(help="Another installed spaCy pipeline for coding.")] = None,
    allow_host: Annotated[Optional[list[str]], typer.Option(help="Extra host name a loopback server answers to (repeatable), e.g. behind a local proxy.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds a request waits for the store while another process writes it, before 503.", min=0)] = 15.0,
) -> None:
    """Serve the REST API (/v1, reference at /docs) and the web workbench over a store."""
    try:
        import uvicorn

        from .api import create_app, is_loopback
    except ImportError as exc:
        typer.echo(f"eventwire: serve needs the api extra ({exc.name} is missing): pip install 'eventwire[api]'", err=True)
        raise typer.Exit(2) from None
    from .errors import EventwireError
    from .store.handoff import DatabasePathError, check_path

    try:
        check_path(db, write=True)
    except DatabasePathError as exc:
        typer.echo(f"eventwire: {exc}", err=True)
        raise typer.Exit(2) from None
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
        typer.echo(f"eventwire: {host} is reachable beyond this machine; write endpoints need this token:\n"
                   f"  Authorization: Bearer {token}\n(set your own with --token or EVENTWIRE_TOKEN)", err=True)
    try:
        app = create_app(db, host=host, token=token, max_body=max_body, model=model, allowed_hosts=tuple(allow_host or ()),
                         wait=wait)
    except EventwireError as exc:
        typer.echo(f"eventwire: {exc}", err=True)
        raise typer.Exit(1) from None
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"eventwire: serving {redact(db)} at http://{shown}:{port}/ (API reference at /docs); Ctrl-C stops", err=True)
    sys.stdout.flush()
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
