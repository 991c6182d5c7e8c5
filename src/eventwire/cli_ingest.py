"""``eventwire ingest``: read a corpus (files, folders, globs, feeds, URLs, stdin), code it and store it.

Re-ingesting is idempotent: a document whose content hash is already stored is neither coded nor
written again, so an interrupted ingest is finished by running the same command again. ``--dry-run``
reads everything and says, per document, whether it is new or already stored, without coding or
writing anything.

Exit status: 0 when every input was read and coded, 1 when some failed (each named on stderr, with
its file and line or its URL), 2 for usage errors.
"""

from __future__ import annotations

import json
import pathlib
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console

from .errors import EventwireError, InputError
from .ingest import ReadOptions, read_paths
from .pipeline import MAX_CHARS, MAX_SENTENCE_TOKENS, code_documents, document_id, parse_published
from .scale.cliopts import DocTimeoutOption, MaxSentenceTokensOption
from . import dedup
from .store import DEFAULT_DB, WRITER_WAIT, Store, is_url
from .store.postgres import redact
from .store.handoff import DatabasePathError, check_path, writer_store

err = Console(stderr=True)

TextField = Annotated[Optional[str], typer.Option("--text-field", help="Field (or column) with the text in JSON/JSONL/CSV; default text, body or content. Dotted paths reach into nested JSON.")]
TitleField = Annotated[Optional[str], typer.Option("--title-field", help="Field with the title; default title or headline.")]
DateField = Annotated[Optional[str], typer.Option("--date-field", help="Field with the publication date; default date, published, publish_date or pubdate.")]
UrlField = Annotated[Optional[str], typer.Option("--url-field", help="Field with the URL; default url or link.")]
SourceField = Annotated[Optional[str], typer.Option("--source-field", help="Field with the outlet; default source, publisher or outlet.")]
AllowPrivate = Annotated[bool, typer.Option("--allow-private", help="Let URLs and feed items reach private, loopback and link-local addresses.")]
FeedFlag = Annotated[bool, typer.Option("--feed", help="Read every URL or file given as an RSS/Atom feed.")]
Timeout = Annotated[float, typer.Option(help="Seconds to wait for each HTTP request.", min=0.1)]
MaxBytes = Annotated[int, typer.Option(help="The most bytes a fetched page or feed may weigh.", min=1)]


class StdinFormat(str, Enum):
    txt = "txt"
    html = "html"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class DryFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"


def read_options(*, text_field=None, title_field=None, date_field=None, url_field=None, source_field=None,
                 allow_private=False, feed=False, timeout=20.0, max_bytes=16 * 1024 * 1024,
                 stdin_format: StdinFormat | str = "txt") -> ReadOptions:
    return ReadOptions(text_field=text_field, title_field=title_field, date_field=date_field, url_field=url_field,
                       source_field=source_field, allow_private=allow_private, feed=feed, timeout=timeout,
                       max_bytes=max_bytes, stdin_format=getattr(stdin_format, "value", stdin_format))


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]eventwire:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _problem(exc: EventwireError) -> None:
    err.print(f"[red]eventwire:[/red] {exc}", highlight=False, soft_wrap=True)


def ingest(
    sources: Annotated[list[str], typer.Argument(help="Files (.txt, .html, .json, .jsonl, .csv, .rss/.atom/.xml, .gz of them), folders, globs, http(s) URLs, or - for stdin.")],
    db: Annotated[str, typer.Option(help="DuckDB file to store the coded documents in.")] = DEFAULT_DB,
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD for every document (overrides what the inputs say).")] = None,
    model: Annotated[Optional[str], typer.Option(help="Another installed spaCy pipeline, e.g. en_core_web_lg.")] = None,
    text_field: TextField = None,
    title_field: TitleField = None,
    date_field: DateField = None,
    url_field: UrlField = None,
    source_field: SourceField = None,
    allow_private: AllowPrivate = False,
    feed: FeedFlag = False,
    stdin_format: Annotated[StdinFormat, typer.Option(help="What stdin (-) holds.")] = StdinFormat.txt,
    timeout: Timeout = 20.0,
    max_bytes: MaxBytes = 16 * 1024 * 1024,
    batch_size: Annotated[int, typer.Option(help="Documents per nlp.pipe batch.", min=1)] = 32,
    max_chars: Annotated[int, typer.Option(help="Refuse documents longer than this many characters.", min=1)] = MAX_CHARS,
    doc_timeout: DocTimeoutOption = None,
    max_sentence_tokens: MaxSentenceTokensOption = MAX_SENTENCE_TOKENS,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only read: list each document as new or already stored; code and write nothing.")] = False,
    format: Annotated[DryFormat, typer.Option("--format", "-f", help="How --dry-run lists documents: table or jsonl.")] = DryFormat.table,
) -> None:
    """Read a corpus, code it and store it; documents already stored are skipped (by content hash)."""
    if published:
        try:
            parse_published(published, "--published")
        except InputError as exc:
            _fail(str(exc), 2)
    options = read_options(text_field=text_field, title_field=title_field, date_field=date_field,
                           url_field=url_field, source_field=source_field, allow_private=allow_private, feed=feed,
                           timeout=timeout, max_bytes=max_bytes, stdin_format=stdin_format)
    if not (dry_run and not pathlib.Path(db).exists()):  # a dry run before the first ingest: all is new
        try:
            check_path(db, write=not dry_run)
        except DatabasePathError as exc:
            _fail(str(exc), 2)
    docs = read_paths(sources, published, options)
    if dry_run:
        raise typer.Exit(_dry_run(docs, db, format))

    from .nlp import load_pipeline

    try:
        nlp = load_pipeline(model)
        # a DuckDB file is held only while writing (a server reads between); PostgreSQL needs no turns
        store = Store(db, wait=WRITER_WAIT) if is_url(db) else writer_store(db, wait=WRITER_WAIT)
    except EventwireError as exc:
        _fail(str(exc), 1)
    counts = {"added": 0, "stored": 0, "repeated": 0, "failed": 0}
    seen: dict[str, str] = {}  # content hash -> where it was read

    def fresh():
        for src in docs:
            if isinstance(src, InputError):
                yield src
                continue
            doc_id = document_id(src.text)
            if doc_id in seen:
                counts["repeated"] += 1
                continue
            if store.has(doc_id):
                counts["stored"] += 1
                continue
            seen[doc_id] = src.name
            yield src

    try:
        for result in code_documents(fresh(), nlp, batch_size=batch_size, max_chars=max_chars,
                                     max_sentence_tokens=max_sentence_tokens, doc_timeout=doc_timeout):
            if isinstance(result, EventwireError):
                counts["failed"] += 1
                _problem(result)
                continue
            try:
                if store.add(result):
                    counts["added"] += 1
                    dedup.on_stored(store, result)  # clusters copies of the same story (eventwire dedup)
                    err.print(f"added {result.id}  {seen.get(result.id, result.source)}", highlight=False, soft_wrap=True)
                else:
                    counts["stored"] += 1
            except EventwireError as exc:
                counts["failed"] += 1
                _problem(exc)
    except EventwireError as exc:
        _fail(str(exc), 1)
    finally:
        store.close()
    err.print(f"stored {counts['added']} new document(s) in {redact(db)}; {counts['stored']} already there"
              + (f", {counts['repeated']} repeated in the input" if counts["repeated"] else ""), highlight=False, soft_wrap=True)
    if counts["failed"]:
        err.print(f"{counts['failed']} input(s) failed", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _dry_run(docs, db: str, format: DryFormat) -> int:
    store = None
    if is_url(db) or (db != ":memory:" and pathlib.Path(db).exists()):
        try:
            store = Store(db, read_only=True)
        except EventwireError as exc:
            _fail(str(exc), 1)
    seen: set[str] = set()
    counts = {"new": 0, "stored": 0, "repeated": 0}
    failed = 0
    try:
        for src in docs:
            if isinstance(src, InputError):
                failed += 1
                _problem(src)
                continue
            doc_id = document_id(src.text)
            status = ("repeated" if doc_id in seen else "stored" if store is not None and store.has(doc_id)
                      else "new")
            seen.add(doc_id)
            counts[status] += 1
            row = {"status": status, "id": doc_id, "name": src.name, "title": src.title,
                   "published": src.published, "source": src.source, "url": src.url, "chars": len(src.text)}
            if format is DryFormat.jsonl:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(f"{status:<8}  {doc_id}  {src.published or 'undated':<10}  {src.name}"
                                 + (f"  {src.title}" if src.title else "") + "\n")
    finally:
        if store is not None:
            store.close()
    err.print(f"dry run: {counts['new']} new, {counts['stored']} already stored, {counts['repeated']} repeated "
              f"in the input, {failed} failed; nothing was coded or written", highlight=False, soft_wrap=True)
    return 1 if failed else 0
