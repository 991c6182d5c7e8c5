"""``eventwire dedup``: cluster copies of the same story across outlets, list the clusters, and the events
merged across each cluster (a thin shell over ``eventwire.dedup``).

Nothing is deleted: clustering writes cluster ids beside the documents, and ``--rebuild`` computes them
all again from the texts, giving the same clusters. Exit status: 0, 1 when the store cannot be used,
2 for usage errors (a bad threshold, a database path that does not exist).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import dedup
from .cli_export import (Actor, Cameo, Country, DocId, Modality, Place, Quad, Sector, Since, Source, Target,
                         Text, Type, Until)
from .errors import EventwireError
from .store import DEFAULT_DB, WRITER_WAIT, Store
from .store.handoff import DatabasePathError, check_path

err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]eventwire:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _out() -> Console:
    out = Console()
    return out if out.is_terminal else Console(width=160)


def _write(rows: list[dict], format: str) -> None:
    if format == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, default=str, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=1) + "\n")


def _short(value: str | None, n: int = 70) -> str:
    value = value or ""
    return value if len(value) <= n else value[: n - 3] + "..."


def dedup_command(
    db: Annotated[str, typer.Option(help="DuckDB file (or postgresql:// URL) to cluster.")] = DEFAULT_DB,
    threshold: Annotated[Optional[float], typer.Option(
        help=f"Estimated Jaccard index of 3-word shingles at which two documents are copies; default: the "
             f"store's, else {dedup.DEFAULT_THRESHOLD}. Another value than the store's needs --rebuild.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Compute every signature and cluster again from the texts.")] = False,
    events: Annotated[bool, typer.Option("--events", help="List the events merged across each cluster instead of the clusters.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="List single documents too, not only clusters of two or more.")] = False,
    min_articles: Annotated[int, typer.Option(help="With --events: only events reported by at least this many documents.", min=1)] = 1,
    limit: Annotated[int, typer.Option(help="How many clusters or merged events to list.", min=0)] = 50,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or jsonl.")] = "table",
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
    """Cluster copies of the same story (MinHash of 3-word shingles, LSH banding), then list the clusters
    with their sizes, outlets and titles, or with --events the events merged across each cluster with how
    many articles and outlets report them. Documents are clustered as they are stored; this command
    clusters any left over. Nothing is deleted."""
    if format not in ("table", "json", "jsonl"):
        _fail(f"--format {format!r} is not table, json or jsonl", 2)
    filters = {k: v for k, v in dict(source=source, target=target, actor=actor, country=country, sector=sector,
                                     type=type, cameo=cameo, quad=quad, modality=modality, since=since,
                                     until=until, place=place, text=text, doc_id=doc_id).items() if v is not None}
    if filters and not events:
        _fail(f"--{next(iter(filters)).replace('_', '-')} filters events: add --events", 2)
    try:
        check_path(db, write=False)
        check_path(db, write=True)
    except DatabasePathError as exc:
        _fail(str(exc), 2)
    try:
        with Store(db, wait=WRITER_WAIT) as store:
            report = dedup.cluster(store, threshold=threshold, rebuild=rebuild)
            if events:
                rows = dedup.merged_events(store, limit=limit, min_articles=min_articles, **filters)
            else:
                rows = dedup.clusters(store, min_size=1 if all_ else 2, limit=limit)
    except dedup.DedupError as exc:
        _fail(str(exc), 2)
    except EventwireError as exc:
        _fail(str(exc), 1 if not isinstance(exc, ValueError) else 2)
    err.print(
        f"{'rebuilt: ' if rebuild else ''}clustered {report.documents} document(s) in {report.seconds:.2f} s "
        f"(threshold {report.threshold:g}): {report.links} new link(s), {report.merged} joined a cluster; "
        f"{report.clusters} cluster(s) of two or more among {report.clustered} clustered document(s)",
        highlight=False, soft_wrap=True)
    if format != "table":
        _write(rows, format)
        return
    out = _out()
    if events:
        t = Table(title=f"{len(rows)} merged events", expand=True)
        for c in ("articles", "sources", "cameo", "plover", "source", "target", "date", "cluster", "title"):
            t.add_column(c, overflow="fold", no_wrap=c in ("articles", "sources", "cameo", "date"))
        for r in rows:
            t.add_row(str(r["articles"]), str(r["sources"]), r["cameo"] or "", r["plover"] or "(statement)",
                      f"{r['source_name'] or '-'} [{r['source_country'] or '?'}]",
                      f"{r['target_name'] or '-'} [{r['target_country'] or '?'}]", r["date"] or "-",
                      r["cluster_id"], _short(r["doc_title"], 60))
        out.print(t)
        return
    t = Table(title=f"{len(rows)} clusters", expand=True, show_lines=True)
    for c in ("cluster", "size", "sources", "documents (outlet, title, similarity)"):
        t.add_column(c, overflow="fold", no_wrap=c in ("size", "sources"))
    for c in rows:
        lines = []
        for d in c["documents"]:
            sim = ", ".join(f"{x['similarity']:.2f} to {x['doc_id'][:8]}" for x in d["similar_to"])
            lines.append(f"{d['doc_id'][:8]}  {d['outlet'] or '-'}  {_short(d['title'] or '(untitled)')}"
                         + (f"  ({sim})" if sim else ""))
        t.add_row(c["cluster_id"], str(c["size"]), str(c["sources"]), "\n".join(lines))
    out.print(t)
