"""``eventwire actors``: who eventwire knows, from the shipped table, the stored texts and the user's file."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import EventwireError
from .knowledge import load_knowledge
from .people import load_user_actors
from .store import DEFAULT_DB, Store, is_url

COLUMNS = ["source", "name", "country", "sector", "role", "from", "to", "evidence"]


def known_actors(at: dt.date | None = None, name: str | None = None, store: Store | None = None,
                 user_file: str | None = None) -> list[dict]:
    """Every person eventwire would resolve on ``at``: the user's entries first (they win), then the
    officeholder table, then what stored texts taught."""
    needle = (name or "").lower()
    rows: list[dict] = []
    if user_file:
        for e in load_user_actors(user_file):
            if e.holds_on(at) and (not needle or any(needle in n.lower() for n in e.names)):
                rows.append({"source": "user", "name": e.name, "country": e.country, "sector": e.sector,
                             "role": e.role, "from": e.start, "to": e.end, "evidence": user_file})
    for o in load_knowledge().officeholders:
        if o.holds_on(at) and (not needle or any(needle in n.lower() for n in o.names)):
            rows.append({"source": "table", "name": o.name, "country": o.country, "sector": o.sector, "role": o.role,
                         "from": o.start, "to": o.end, "evidence": "officeholders.csv"})
    if store is not None:
        for r in store.learned_actors(at=at.isoformat() if at else None, name=name):
            rows.append({"source": "learned", "name": r["name"], "country": r["country"], "sector": r["sector"],
                         "role": r["role"], "from": r["first_seen"], "to": r["last_seen"],
                         "evidence": r["evidence_text"]})
    return rows


def actors(
    name: Annotated[Optional[str], typer.Option(help="Only people whose name or alias contains this.")] = None,
    at: Annotated[Optional[str], typer.Option(help="Only those in office (or seen) on this date, YYYY-MM-DD.")] = None,
    db: Annotated[str, typer.Option(help="Store whose learned actors to include.")] = DEFAULT_DB,
    no_db: Annotated[bool, typer.Option("--no-db", help="Leave out what stored texts taught.")] = False,
    actors_file: Annotated[Optional[str], typer.Option("--actors", help="Your YAML file of people (corrections win).")] = None,
    limit: Annotated[int, typer.Option(help="How many rows.", min=1)] = 100,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or jsonl.")] = "table",
) -> None:
    """List the people eventwire knows: the officeholder table, what stored texts taught, your own file."""
    err = Console(stderr=True)
    try:
        day = dt.date.fromisoformat(at) if at else None
    except ValueError:
        err.print(f"eventwire: --at {at!r} is not a date YYYY-MM-DD")
        raise typer.Exit(2)
    if format not in ("table", "json", "jsonl"):
        err.print(f"eventwire: --format {format!r}: use table, json or jsonl")
        raise typer.Exit(2)
    try:
        import pathlib

        store = None if no_db or not (is_url(db) or pathlib.Path(db).exists()) else Store(db, read_only=True)
        try:
            rows = known_actors(day, name, store, actors_file)[:limit]
        finally:
            if store is not None:
                store.close()
    except EventwireError as exc:
        err.print(f"[red]eventwire:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if format == "table":
        t = Table(expand=True)
        for c in COLUMNS:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*["" if r.get(c) is None else str(r[c]) for c in COLUMNS])
        Console().print(t)
    elif format == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, default=str, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=1) + "\n")
