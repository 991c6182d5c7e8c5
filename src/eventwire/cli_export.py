"""``eventwire export``: stored events, filtered like ``eventwire events``, in an analyst's format."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console

from .errors import EventwireError
from .export import FORMATS, export_events
from .store import DEFAULT_DB
from .store.handoff import reader_store
from .store.query import QueryError

err = Console(stderr=True)

ExportFormat = Enum("ExportFormat", {name.replace("-", "_"): name for name in FORMATS}, type=str)  # type: ignore[misc]

# the event filters of eventwire.store.query, as options (shared with the query commands)
Source = Annotated[Optional[str], typer.Option(help="Source actor: a country code (RUS) or part of a name.")]
Target = Annotated[Optional[str], typer.Option(help="Target actor: a country code or part of a name.")]
Actor = Annotated[Optional[str], typer.Option(help="Either side: a country code or part of a name.")]
Country = Annotated[Optional[str], typer.Option(help="ISO alpha-3 country of either side.")]
Sector = Annotated[Optional[str], typer.Option(help="Sector code of either side (GOV, MIL...).")]
Type = Annotated[Optional[str], typer.Option("--type", help="PLOVER event type(s), comma-separated.")]
Cameo = Annotated[Optional[str], typer.Option(help="CAMEO code prefix (11 finds 110..1125).")]
Quad = Annotated[Optional[int], typer.Option(help="QuadClass 1..4.", min=1, max=4)]
Modality = Annotated[Optional[str], typer.Option(help="asserted, reported or intended.")]
Since = Annotated[Optional[str], typer.Option(help="Events dated on or after YYYY[-MM[-DD]].")]
Until = Annotated[Optional[str], typer.Option(help="Events dated on or before YYYY[-MM[-DD]].")]
Place = Annotated[Optional[str], typer.Option(help="Part of the location's name, or its ISO alpha-3 country.")]
Text = Annotated[Optional[str], typer.Option(help="Words in the event's sentence.")]
DocId = Annotated[Optional[str], typer.Option("--doc-id", help="One document's id.")]


def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="plover-jsonl, csv, parquet, gdelt, icews, acled, gexf or sqlite.")],
    output: Annotated[str, typer.Option("--output", "-o", help="The file to write.")],
    db: Annotated[str, typer.Option(help="DuckDB file to read.")] = DEFAULT_DB,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
    limit: Annotated[Optional[int], typer.Option(help="At most this many events.", min=0)] = None,
    source: Source = None,
    target: Target = None,
    actor: Actor = None,
    country: Country = None,
    sector: Sector = None,
    type: Type = None,
    cameo: Cameo = None,
    quad: Quad = None,
    modality: Modality = None,
    since: Since = None,
    until: Until = None,
    place: Place = None,
    text: Text = None,
    doc_id: DocId = None,
) -> None:
    """Export stored events (filtered like `eventwire events`) as PLOVER JSONL, CSV, Parquet, GDELT, ICEWS, ACLED, GEXF or SQLite."""
    filters = dict(source=source, target=target, actor=actor, country=country, sector=sector, type=type,
                   cameo=cameo, quad=quad, modality=modality, since=since, until=until, place=place, text=text,
                   doc_id=doc_id)
    try:
        with reader_store(db) as store:
            n = export_events(store, format.value, output, force=force, limit=limit, **filters)
    except EventwireError as exc:
        err.print(f"[red]eventwire:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2 if isinstance(exc, QueryError) else 1) from None
    err.print(f"wrote {n} event(s) to {output} ({format.value})", highlight=False, soft_wrap=True)

