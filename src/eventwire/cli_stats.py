"""``eventwire dyads`` and ``eventwire stats``: aggregates over the store (thin shells over
``eventwire.store.query``)."""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import EventwireError
from .store import DEFAULT_DB, Store, is_url
from .store.handoff import reader_store
from .store import query


def _open(db: str) -> Store:
    if not is_url(db) and not pathlib.Path(db).exists():
        raise EventwireError(f"the database {db} does not exist; code some articles into it first (eventwire code ... --db {db})")
    return reader_store(db)


def _fail(message: str, code: int = 1) -> None:
    Console(stderr=True).print(f"[red]eventwire:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def dyads(
    db: Annotated[str, typer.Option(help="DuckDB file to read.")] = DEFAULT_DB,
    interval: Annotated[str, typer.Option(help="day, week, month, year or auto.")] = "week",
    by: Annotated[str, typer.Option(help="country (ISO codes) or actor (names).")] = "country",
    source: Annotated[Optional[str], typer.Option(help="Only this source (code or name).")] = None,
    target: Annotated[Optional[str], typer.Option(help="Only this target (code or name).")] = None,
    type: Annotated[Optional[str], typer.Option("--type", help="Only this PLOVER type.")] = None,
    since: Annotated[Optional[str], typer.Option(help="From this date (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Until this date, inclusive.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or jsonl.")] = "table",
) -> None:
    """Per source-target pair and period: event count, mean Goldstein score and QuadClass mix."""
    filters = {k: v for k, v in {"source": source, "target": target, "type": type, "since": since,
                                 "until": until}.items() if v}
    try:
        with _open(db) as store:
            result = query.dyads(store, by=by, interval=interval, **filters)
    except (EventwireError, ValueError) as exc:
        _fail(str(exc), 2 if isinstance(exc, ValueError) else 1)
    rows = [{"source": s["source"], "target": s["target"], "period": str(p["period"]), "count": p["count"],
             "goldstein_mean": p["goldstein_mean"], **{f"quad{q}": n for q, n in p["quad"].items()}}
            for s in result["series"] for p in s["points"]]
    if format == "json":
        sys.stdout.write(json.dumps(rows, default=str, indent=1) + "\n")
    elif format == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, default=str) + "\n")
    else:
        t = Table(title=f"dyads per {result['interval']}")
        for c in ("source", "target", "period", "count", "goldstein_mean", "quad1", "quad2", "quad3", "quad4"):
            t.add_column(c)
        for r in rows:
            t.add_row(*[str(r[c]) if r[c] is not None else "" for c in
                        ("source", "target", "period", "count", "goldstein_mean", "quad1", "quad2", "quad3", "quad4")])
        Console().print(t)


def stats(
    db: Annotated[str, typer.Option(help="DuckDB file to read.")] = DEFAULT_DB,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """What the store holds: counts, the events' date range, the commonest types, countries and speakers."""
    try:
        with _open(db) as store:
            o = query.overview(store)
    except EventwireError as exc:
        _fail(str(exc))
    if format == "json":
        sys.stdout.write(json.dumps(o, default=str, indent=1) + "\n")
        return
    out = Console()
    t = Table(title="store", show_header=False)
    for k, v in o["counts"].items():
        t.add_row(k, str(v))
    t.add_row("first event", str(o["first_event"]))
    t.add_row("last event", str(o["last_event"]))
    out.print(t)
    for title, rows, cols in (("event types", o["types"], ("type", "count", "goldstein_mean")),
                              ("countries", o["countries"], ("country", "count")),
                              ("speakers", o["speakers"], ("name", "country", "count"))):
        t = Table(title=title)
        for c in cols:
            t.add_column(c)
        for r in rows:
            t.add_row(*["" if r.get(c) is None else (f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c])) for c in cols])
        out.print(t)
