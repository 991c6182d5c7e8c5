"""The command line: a thin shell over the library.

Exit status: 0 when every input was coded, 1 when some failed (each named on stderr with its reason),
2 for usage errors.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .errors import EventwireError, InputError
from .ingest import read_paths
from .nlp import load_pipeline
from .pipeline import MAX_CHARS, MAX_SENTENCE_TOKENS, code_documents, parse_published
from .records import Document
from .scale import CodingRun, ScaleError, count_inputs, make_engine, reporter_for, sized
from .scale import cliopts as scale_cli
from .knowledge import load_knowledge
from .people import PeopleBook, load_user_actors
from .store import DEFAULT_DB, WRITER_WAIT, Store, is_url
from .store.postgres import redact
from .store.handoff import DatabasePathError, check_path, reader_store, writer_store

app = typer.Typer(
    name="eventwire",
    help="Turn news articles into checkable event data: who did what to whom, who said what, when and where.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
if not out.is_terminal:
    out = Console(width=160)  # piped tables keep their columns readable
err = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eventwire {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """eventwire: PLOVER/CAMEO events, quotes, actors, places and dates from news text, offline."""


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]eventwire:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _check_db(db: str, write: bool) -> None:
    """A database path that cannot be used (missing folder or file, read-only) is a usage error (exit 2)."""
    try:
        check_path(db, write=write)
    except DatabasePathError as exc:
        _fail(str(exc), 2)


def _check_published(published: str | None) -> None:
    """A --published that is not YYYY-MM-DD is a usage error (exit 2)."""
    if published:
        try:
            parse_published(published, "--published")
        except InputError as exc:
            _fail(str(exc), 2)


def _actor(a: dict | None) -> str:
    if not a:
        return "-"
    code = "/".join(x for x in (a.get("country") or "?", a.get("sector")) if x)
    return f"{a.get('name') or a.get('text')} [{code}]"


def people_book(db: str | None, actors_file: str | None) -> PeopleBook | None:
    """What the store learned about people, with the user's file on top; None when there is neither."""
    import pathlib

    user = load_user_actors(actors_file) if actors_file else []
    rows = []
    if db and (is_url(db) or pathlib.Path(db).exists()):
        try:
            with Store(db, read_only=True) as store:
                rows = store.learned_actors()
        except EventwireError:
            rows = []  # an older or locked store: code without what it learned
    return PeopleBook.from_rows(rows, user) if (rows or user) else None


def print_document(d: Document) -> None:
    out.rule(f"[bold]{d.title or d.source or d.id}[/bold]  {d.published or 'undated'}  id={d.id}")
    t = Table(title=f"{len(d.events)} events", show_lines=False, expand=True)
    for col in ("trigger", "CAMEO", "PLOVER", "source", "target", "date", "notes"):
        t.add_column(col, overflow="fold", no_wrap=col in ("CAMEO", "PLOVER", "date"))
    for e in d.events:
        notes = []
        if e.negated:
            notes.append("negated")
        if e.modality != "asserted":
            notes.append(e.modality)
        t.add_row(e.trigger.text, e.cameo, e.plover or "(statement)", _actor(e.source and e.source.to_dict()),
                  _actor(e.target and e.target.to_dict()), e.date or "-", ", ".join(notes))
    out.print(t)
    q = Table(title=f"{len(d.quotes)} quotes", expand=True)
    for col in ("kind", "speaker", "cue", "content"):
        q.add_column(col, overflow="fold", no_wrap=col == "kind")
    for x in d.quotes:
        content = x.content.text if len(x.content.text) < 140 else x.content.text[:137] + "..."
        q.add_row(x.kind, _actor(x.speaker and x.speaker.to_dict()), (x.cue or {}).get("text") or "-", content)
    out.print(q)


@app.command()
def code(
    paths: Annotated[list[str], typer.Argument(help="Text files, folders of .txt files, or - for stdin.")],
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD (overrides any .meta.json).")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="table, json (one object, or a list for several) or jsonl.")] = Format.table,
    db: Annotated[str, typer.Option(help="DuckDB file to store the coded documents in.")] = DEFAULT_DB,
    no_db: Annotated[bool, typer.Option("--no-db", help="Do not store anything.")] = False,
    model: Annotated[Optional[str], typer.Option(help="Another installed spaCy pipeline, e.g. en_core_web_lg.")] = None,
    batch_size: Annotated[int, typer.Option(help="Documents per nlp.pipe batch.", min=1)] = 32,
    max_chars: Annotated[int, typer.Option(help="Refuse documents longer than this many characters.", min=1)] = MAX_CHARS,
    doc_timeout: scale_cli.DocTimeoutOption = None,
    max_sentence_tokens: scale_cli.MaxSentenceTokensOption = MAX_SENTENCE_TOKENS,
    workers: scale_cli.WorkersOption = None,
    engine: scale_cli.EngineOption = scale_cli.Engine.local,
    scheduler: scale_cli.SchedulerOption = None,
    resume: scale_cli.ResumeOption = None,
    checkpoint: scale_cli.CheckpointOption = None,
    run_dir: scale_cli.RunDirOption = None,
    actors_file: Annotated[Optional[str], typer.Option("--actors", help="Your YAML file of people; its entries win.")] = None,
    lexicon: Annotated[Optional[str], typer.Option(help="Your YAML file of extra verb and noun triggers.")] = None,
) -> None:
    """Code articles: events, quotes, actors, places and dates, as a table or JSON. People described in
    documents already stored (a title, an appositive) are known when coding new ones."""
    _check_published(published)
    if not no_db:
        _check_db(db, write=True)
    try:
        people = people_book(None if no_db else db, actors_file)
        if lexicon:
            load_knowledge(None, lexicon)  # a bad lexicon is a clear error before anything starts
    except EventwireError as exc:
        _fail(str(exc), 1)
    try:
        options = scale_cli.scale_options(
            workers=workers, engine=engine, scheduler=scheduler, resume=resume, checkpoint=checkpoint,
            run_dir=run_dir, model=model, batch_size=batch_size, max_chars=max_chars, stored=not no_db,
            doc_timeout=doc_timeout, max_sentence_tokens=max_sentence_tokens,
            streamed=format is not Format.json, lexicon=lexicon, people=people)
    except ScaleError as exc:
        _fail(str(exc), 2)
    # how many inputs: from the names when they tell, else read ahead a little (for the default --workers)
    sources, total = sized(read_paths(paths, published), count_inputs(paths))
    store = runner = None
    try:
        runner = make_engine(options, total, db=None if no_db else db)
        runner.start()  # loads the model (or starts the workers) before anything is written
        # a DuckDB file is held only while writing; PostgreSQL takes many writers and readers at once
        store = None if no_db else Store(db, wait=WRITER_WAIT) if is_url(db) else writer_store(db, wait=WRITER_WAIT)
    except EventwireError as exc:
        if runner is not None:
            runner.close()
        _fail(str(exc), 1)
    failed = 0
    coded: list[Document] = []
    run = CodingRun(sources, options, store=store, total=total, engine=runner,
                    progress=reporter_for(err, total, interval=options.log_interval))
    try:
        for result in run:
            if isinstance(result, EventwireError):
                failed += 1
                err.print(f"[red]eventwire:[/red] {result}", highlight=False, soft_wrap=True)
            elif format is Format.jsonl:
                sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
                sys.stdout.flush()  # written out before the run records it as done
            elif format is Format.table:
                print_document(result)
            else:
                coded.append(result)
    except EventwireError as exc:  # the model or the cluster failed: nothing more can be coded
        _fail(str(exc), 1)
    finally:
        runner.close()
        if store is not None:
            store.close()
    if format is Format.json:
        payload = coded[0].to_dict() if len(coded) == 1 else [d.to_dict() for d in coded]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    stats = run.stats
    if stats.recovered:
        err.print(f"delivered {stats.recovered} document(s) that an interrupted run had coded", highlight=False)
    if stats.skipped:
        err.print(f"skipped {stats.skipped} document(s) done before (resume; --no-resume codes them again)",
                  highlight=False)
    if store is not None:
        err.print(f"stored {stats.added} new document(s) in {redact(db)}", highlight=False)
    if failed:
        err.print(f"{failed} of {stats.inputs} input(s) failed", highlight=False)
        raise typer.Exit(1)


from .cli_export import (Actor, Cameo, Country, DocId, Modality, Place, Quad, Sector, Since,  # noqa: E402
                         Source, Target, Text, Type, Until)


@app.command()
def events(
    db: Annotated[str, typer.Option(help="DuckDB file to read.")] = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="How many rows.", min=1)] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many rows.", min=0)] = 0,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
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
    sort: Annotated[str, typer.Option(help="date, published, cameo, plover, goldstein, quad, source, target, location, confidence or document.")] = "date",
    order: Annotated[str, typer.Option(help="asc or desc.")] = "desc",
) -> None:
    """List stored events, filtered by actor, country, type, CAMEO code, date, place or words."""
    from .store import query

    filters = dict(source=source, target=target, actor=actor, country=country, sector=sector, type=type,
                   cameo=cameo, quad=quad, modality=modality, since=since, until=until, place=place, text=text,
                   doc_id=doc_id)
    _check_db(db, write=False)
    try:
        with reader_store(db) as store:
            rows = query.events(store, limit=limit, offset=offset, sort=sort, order=order, **filters)
    except query.QueryError as exc:
        _fail(str(exc), 2)
    except EventwireError as exc:
        _fail(str(exc))
    _print_rows(rows, format, ["doc_title", "trigger_text", "cameo", "plover", "source_name", "source_country",
                               "target_name", "target_country", "date", "negated", "modality"])


@app.command()
def quotes(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Articles to read (files, folders, - for stdin); without any, the store.")] = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD for the articles.")] = None,
    db: Annotated[str, typer.Option(help="DuckDB file to read when no PATH is given.")] = DEFAULT_DB,
    speaker: Annotated[Optional[str], typer.Option(help="Only quotes whose speaker name contains this.")] = None,
    limit: Annotated[int, typer.Option(help="How many rows from the store.", min=1)] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many rows of the store.", min=0)] = 0,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
    model: Annotated[Optional[str], typer.Option(help="Another installed spaCy pipeline.")] = None,
) -> None:
    """Who said what: quotes with their speakers, from articles or from the store."""
    columns = ["doc_title", "kind", "speaker_name", "speaker_country", "cue_text", "content_text"]
    if not paths:
        try:
            with reader_store(db) as store:
                rows = store.quotes(speaker=speaker, limit=limit, offset=offset)
        except EventwireError as exc:
            _fail(str(exc))
        _print_rows(rows, format, columns)
        return
    _check_published(published)
    try:
        nlp = load_pipeline(model)
    except EventwireError as exc:
        _fail(str(exc))
    rows, failed = [], 0
    for result in code_documents(read_paths(paths, published), nlp):
        if isinstance(result, InputError):
            failed += 1
            err.print(f"[red]eventwire:[/red] {result}", highlight=False, soft_wrap=True)
            continue
        for q in result.quotes:
            name = (q.speaker.name or q.speaker.text) if q.speaker else None
            if speaker and speaker.lower() not in (name or "").lower():
                continue
            rows.append({
                "doc_id": result.id, "doc_title": result.title or result.source, "id": q.id, "kind": q.kind,
                "speaker_name": name, "speaker_text": q.speaker.text if q.speaker else None,
                "speaker_country": q.speaker.country if q.speaker else None,
                "speaker_sector": q.speaker.sector if q.speaker else None,
                "cue_text": (q.cue or {}).get("text"), "content_text": q.content.text,
                "content_start": q.content.start, "content_end": q.content.end, "confidence": q.confidence,
            })
    _print_rows(rows, format, columns)
    if failed:
        raise typer.Exit(1)


def _print_rows(rows: list[dict], format: Format, columns: list[str]) -> None:
    if format is Format.table:
        t = Table(expand=True)
        for c in columns:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in columns])
        out.print(t)
    elif format is Format.jsonl:
        for r in rows:
            sys.stdout.write(json.dumps(r, default=str, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=1) + "\n")


from .cli_evaluate import evaluate  # noqa: E402
from .cli_actors import actors  # noqa: E402
from .cli_stats import dyads, stats  # noqa: E402

app.command()(evaluate)
app.command()(actors)
app.command()(dyads)
app.command()(stats)


from .cli_serve import serve  # noqa: E402
app.command()(serve)

from .cli_ingest import ingest  # noqa: E402
app.command()(ingest)

from .cli_export import export  # noqa: E402
app.command()(export)

from .cli_dedup import dedup_command  # noqa: E402
app.command("dedup")(dedup_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
