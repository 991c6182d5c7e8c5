"""The store: an embedded DuckDB file (``./eventwire.duckdb`` by default), or a PostgreSQL database
named by a ``postgresql://`` URL. Both have the same tables and behave the same.

Tables: ``documents``, ``sentences``, ``actors``, ``quotes``, ``events``, ``places``, ``dates``; each row
carries its ``doc_id`` and character offsets into the document text. Since schema version 2,
``learned_actors`` keeps what the texts themselves said about people ("Tomas Ibarra, Chile's deputy
foreign minister"), with dates and evidence, for coding later documents. Older stores are migrated in
place when opened for writing.
A document is identified by its content hash, so storing the same text twice adds nothing; each
document is written in one transaction, so a failure never leaves half a document behind
(``add_many`` writes a batch in one transaction). On PostgreSQL a connection lost mid-write (a
server restart) is reopened with bounded backoff and the transaction repeated.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import time
from collections.abc import Iterable
from typing import Any

import duckdb

from ..errors import StoreError
from ..records import Document
from . import postgres
from .schema import COLUMNS, SCHEMA, SCHEMA_VERSION, TABLES

__all__ = ["Store", "StoreLocked", "SCHEMA_VERSION", "DEFAULT_DB", "WRITER_WAIT", "is_url"]

DEFAULT_DB = "eventwire.duckdb"
#: how long the command line's writers wait for a DuckDB file another process holds (seconds)
WRITER_WAIT = 5.0

is_url = postgres.is_url


class StoreLocked(StoreError):
    """Another process holds the DuckDB file (DuckDB allows one writing process at a time)."""


_LOCK_SIGNS = ("could not set lock", "conflicting lock", "database is locked")
# rows per INSERT statement (DuckDB), so that one statement's lists stay small
_CHUNK = 5000
# a PostgreSQL function for query.py: an event date (YYYY, YYYY-MM or YYYY-MM-DD) as the first day
# of its period, NULL when it is no date (DuckDB does this with TRY_CAST)
_PG_EVENT_DAY = """CREATE FUNCTION eventwire_day(value VARCHAR) RETURNS DATE LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    RETURN CAST(CASE length(value) WHEN 4 THEN value || '-01-01' WHEN 7 THEN value || '-01'
                ELSE left(value, 10) END AS DATE);
EXCEPTION WHEN others THEN
    RETURN NULL;
END $fn$"""


def _locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(sign in text for sign in _LOCK_SIGNS)


def _actor(ref) -> list[Any]:
    if ref is None:
        return [None] * 6
    return [ref.text, ref.start, ref.end, ref.name, ref.country, ref.sector]


def _rows_of(d: Document) -> dict[str, list[list[Any]]]:
    """A document's rows, per table, in the column order of ``schema.COLUMNS``."""
    return {
        "documents": [[d.id, d.title, d.published, d.source, d.url, d.text, len(d.text), json.dumps(d.coders),
                       json.dumps(d.warnings), d.origin]],
        "sentences": [[d.id, i, s.start, s.end] for i, s in enumerate(d.sentences)],
        "actors": [[d.id, i, a.text, a.start, a.end, a.name, a.country, a.sector, a.kind, a.resolved, a.role, a.via]
                   for i, a in enumerate(d.actors)],
        "quotes": [[d.id, q.id, q.kind, q.content.start, q.content.end, q.content.text,
                    *([q.cue["start"], q.cue["end"], q.cue["text"], q.cue["lemma"]] if q.cue else [None] * 4),
                    *_actor(q.speaker),
                    q.addressee.name if q.addressee else None, q.addressee.country if q.addressee else None,
                    q.confidence] for q in d.quotes],
        "events": [[d.id, e.id, e.plover, e.mode, e.context, e.cameo, e.goldstein, e.quad,
                    *_actor(e.source), *_actor(e.target),
                    e.trigger.start, e.trigger.end, e.trigger.text, e.sentence.start, e.sentence.end,
                    e.date, e.date_precision,
                    *((e.location or {}).get(k) for k in ("name", "country", "latitude", "longitude", "geonameid")),
                    e.negated, e.modality, e.reported_by, e.confidence, e.coder, e.rule] for e in d.events],
        "places": [[d.id, i, p.text, p.start, p.end, p.name, p.country, p.latitude, p.longitude, p.geonameid,
                    p.feature, p.role] for i, p in enumerate(d.places)],
        "dates": [[d.id, i, t.text, t.start, t.end, t.value, t.precision] for i, t in enumerate(d.dates)],
    }


class Store:
    """An event store. Use as a context manager, or call ``close()``.

    ``path`` is a DuckDB file, ``":memory:"`` for a throwaway store (tests), or a PostgreSQL URL
    (``postgresql://user:password@host:5432/dbname``; needs the ``postgres`` extra).
    ``wait``: while another process holds the DuckDB file (or PostgreSQL refuses connections), keep
    trying with backoff for up to this many seconds before giving up with ``StoreError``.
    ``reconnect_wait``: on PostgreSQL, how long to try to reconnect after a connection broke."""

    def __init__(self, path: str | pathlib.Path = DEFAULT_DB, read_only: bool = False, wait: float = 0.0,
                 reconnect_wait: float = 30.0):
        self.path = str(path)
        self.read_only = read_only
        self._types: dict[str, dict[str, str]] = {}
        try:
            wait = float(wait)
        except (TypeError, ValueError):
            raise StoreError(f"wait={wait!r} is not a number of seconds") from None
        if wait < 0:
            raise StoreError(f"wait={wait:g} cannot be negative: give the seconds to wait for the database")
        if is_url(self.path):
            self.dialect = "postgresql"
            self.display = postgres.redact(self.path)
            self.con = postgres.PGConnection(self.path, read_only=read_only, wait=wait,
                                             reconnect_wait=reconnect_wait)
        else:
            self.dialect = "duckdb"
            self.display = self.path
            self.con = self._open_duckdb(wait)
        if not read_only:
            try:
                self._migrate()
            except BaseException:
                self.con.close()
                raise

    def _open_duckdb(self, wait: float):
        path, read_only = self.path, self.read_only
        if path != ":memory:":
            file = pathlib.Path(path)
            parent = file.resolve().parent
            if file.is_dir():
                raise StoreError(f"cannot open the database {path}: it is a folder, not a DuckDB file")
            if read_only and not file.exists():
                raise StoreError(f"the database {path} does not exist; code some articles into it first "
                                 f"(eventwire code ... --db {path})")
            if not parent.is_dir():
                raise StoreError(f"cannot open the database {path}: the folder {parent} does not exist")
            if not read_only:
                if file.exists() and not os.access(file, os.W_OK):
                    raise StoreError(f"cannot write to the database {path}: the file is read-only "
                                     "(open it read-only, or change its permissions)")
                if not file.exists() and not os.access(parent, os.W_OK | os.X_OK):
                    raise StoreError(f"cannot create the database {path}: the folder {parent} is read-only")
        deadline = time.monotonic() + wait
        delay = 0.05
        while True:
            try:
                return duckdb.connect(path, read_only=read_only)
            except duckdb.Error as exc:
                if not _locked(exc):
                    raise StoreError(f"cannot open the database {path}: {exc}") from None
                left = deadline - time.monotonic()
                if left <= 0:
                    pid = re.search(r"PID (\d+)", str(exc))
                    who = f"another process (PID {pid.group(1)})" if pid else "another process"
                    waited = f" after waiting {wait:g} s" if wait else ""
                    raise StoreLocked(f"cannot open the database {path}{waited}: {who} holds it; try again when "
                                      f"it has finished ({exc})") from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 1.0)

    # ------------------------------------------------------------------ lifecycle
    def _migrate(self) -> None:
        con = self.con
        pg = self.dialect == "postgresql"
        for attempt in range(3):
            try:
                con.execute("BEGIN TRANSACTION")
                if pg:  # one migration at a time when several writers start together
                    con.execute("SELECT pg_advisory_xact_lock(?)", [7_406_211])
                for stmt in SCHEMA:
                    con.execute(stmt)
                if pg and con.execute("SELECT to_regprocedure('eventwire_day(varchar)')").fetchone()[0] is None:
                    con.execute(_PG_EVENT_DAY)
                row = con.execute("SELECT max(version) FROM schema_version").fetchone()
                current = row[0] if row else None
                if current is None:
                    con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
                elif current < SCHEMA_VERSION:
                    # 1 -> 2 added learned_actors, created above; 2 -> 3 added documents.origin (where each
                    # text was read from), empty for documents stored before
                    if current < 3:
                        con.execute("ALTER TABLE documents ADD COLUMN IF NOT EXISTS origin VARCHAR")
                    con.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION])
                elif current > SCHEMA_VERSION:
                    raise StoreError(
                        f"the database {self.display} has schema version {current}, newer than this eventwire "
                        f"({SCHEMA_VERSION}); upgrade eventwire"
                    )
                con.execute("COMMIT")
                return
            except postgres.ConnectionLost:
                self.con.reconnect()
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, StoreError):
                    raise
                if isinstance(exc, Exception):
                    raise StoreError(f"cannot set up the tables of the database {self.display}: {exc}") from None
                raise
        raise StoreError(f"cannot set up the tables of the database {self.display}: the connection kept breaking")

    def _rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - no transaction open, or the connection is gone: nothing to undo
            pass

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def has(self, doc_id: str) -> bool:
        return self.con.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is not None

    def present(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of these ids are stored already (one query per 500 ids)."""
        ids = list(dict.fromkeys(doc_ids))
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(r[0] for r in self.con.execute(f"SELECT id FROM documents WHERE id IN ({marks})",
                                                        chunk).fetchall())
        return found

    def add(self, d: Document) -> bool:
        """Store a coded document in one transaction. Returns False when it was already there."""
        return self._write([d]) == 1

    def add_many(self, docs: Iterable[Document]) -> int:
        """Store a batch of coded documents in one transaction (all or none of them); documents
        already stored, or repeated in the batch, are skipped. Returns how many were added."""
        return self._write(list(docs))

    def _write(self, docs: list[Document]) -> int:
        if self.read_only:
            raise StoreError(f"the database {self.display} was opened read-only; nothing can be stored in it")
        pending: set[str] = set()  # ids a broken attempt was writing: its COMMIT may have landed
        for attempt in range(5):
            try:
                return self._write_once(docs, pending)
            except postgres.ConnectionLost:
                # the server went away mid-transaction: nothing of it was kept; reconnect and repeat
                self.con.reconnect()
        names = ", ".join(f"{d.id} ({d.source})" for d in docs[:3])
        raise StoreError(f"could not store {names} in {self.display}: the connection kept breaking; "
                         "nothing of it was written")

    def _write_once(self, docs: list[Document], pending: set[str]) -> int:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            stored = self.present(d.id for d in docs)
            # stored by an earlier attempt of this very call, whose connection broke as it committed
            landed = len(stored & pending)
            todo: dict[str, Document] = {}
            for d in docs:
                if d.id not in stored and d.id not in todo:
                    todo[d.id] = d
            pending.update(todo)
            if todo:
                tables: dict[str, list[list[Any]]] = {t: [] for t in TABLES}
                for d in todo.values():
                    for table, rows in _rows_of(d).items():
                        tables[table].extend(rows)
                for table in TABLES:
                    self._insert(table, tables[table])
                for d in todo.values():
                    self._learn(d)
            con.execute("COMMIT")
        except postgres.ConnectionLost:
            raise
        except Exception as exc:
            self._rollback()
            if self.dialect == "postgresql" and self.con.broken:
                raise postgres.ConnectionLost(str(exc)) from exc
            names = ", ".join(f"{d.id} ({d.source})" for d in docs[:3]) + (" ..." if len(docs) > 3 else "")
            what = "document" if len(docs) == 1 else f"batch of {len(docs)} documents"
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"could not store {what} {names}: {reason}; nothing of it was written") from exc
        return len(todo) + landed

    def _insert(self, table: str, rows: list[list[Any]]) -> None:
        if not rows:
            return
        cols = COLUMNS[table]
        if self.dialect == "postgresql":
            self.con.copy_rows(table, cols, rows)
            return
        # DuckDB: one list per column, unnested side by side in a single statement; binding a few
        # lists is far cheaper than binding (or parsing) thousands of single values
        types = self._column_types(table)
        select = ", ".join(f"unnest(?::{types[c]}[])" for c in cols)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select}"
        for i in range(0, len(rows), _CHUNK):
            self.con.execute(sql, [list(column) for column in zip(*rows[i:i + _CHUNK])])

    def _column_types(self, table: str) -> dict[str, str]:
        if table not in self._types:
            described = self.con.execute(f"DESCRIBE {table}").fetchall()
            self._types[table] = {row[0]: row[1] for row in described}
        return self._types[table]

    def _learn(self, d: Document) -> None:
        """Remember people the document describes itself (a title or an appositive with a country)."""
        for a in d.actors:
            if a.kind != "person" or a.via not in ("title", "appositive") or not a.country or not a.name:
                continue
            if len(a.name.split()) < 2:
                continue
            sent = next((s for s in d.sentences if s.start <= a.start < s.end), None)
            evidence = d.text[sent.start : sent.end] if sent else a.text
            day = d.published
            key = a.name.lower()
            # one statement: a new person is inserted, a known one updated (the latest description wins:
            # people change office)
            self.con.execute(
                "INSERT INTO learned_actors AS old VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (key) DO UPDATE "
                "SET mentions = old.mentions + 1, first_seen = least(old.first_seen, excluded.first_seen), "
                "last_seen = greatest(old.last_seen, excluded.last_seen), "
                "country = CASE WHEN excluded.last_seen >= old.last_seen OR old.last_seen IS NULL "
                "THEN excluded.country ELSE old.country END, "
                "sector = CASE WHEN excluded.last_seen >= old.last_seen OR old.last_seen IS NULL "
                "THEN excluded.sector ELSE old.sector END, role = coalesce(excluded.role, old.role)",
                [key, a.name, a.country, a.sector, a.role, day, day, d.id, evidence[:500]],
            )

    def learned_actors(self, at: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        """People learned from stored texts (seen on or before ``at``), optionally by name."""
        clauses, params = [], []
        if at:
            clauses.append("(first_seen IS NULL OR first_seen <= CAST(? AS DATE))")
            params.append(at)
        if name:
            clauses.append("strpos(key, ?) > 0")  # literal text: % and _ are not wildcards
            params.append(name.lower())
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(f"SELECT * FROM learned_actors {where} ORDER BY name", params)

    # ------------------------------------------------------------------ reading
    def _rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise StoreError(f"no table named {table!r}")
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def events(self, doc_id: str | None = None, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        """Events, newest documents first, in text order within a document."""
        where, params = ("WHERE e.doc_id = ?", [doc_id]) if doc_id else ("", [])
        return self._rows(
            f"SELECT e.*, d.title AS doc_title FROM events e JOIN documents d ON d.id = e.doc_id {where} "
            "ORDER BY d.published DESC NULLS LAST, e.doc_id, e.trigger_start LIMIT ? OFFSET ?",
            params + [limit, offset],
        )

    def quotes(self, doc_id: str | None = None, speaker: str | None = None, limit: int = 1000,
               offset: int = 0) -> list[dict[str, Any]]:
        clauses, params = [], []
        if doc_id:
            clauses.append("q.doc_id = ?")
            params.append(doc_id)
        if speaker:
            clauses.append("strpos(lower(q.speaker_name), ?) > 0")  # literal text: % and _ are not wildcards
            params.append(speaker.lower())
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(
            f"SELECT q.*, d.title AS doc_title FROM quotes q JOIN documents d ON d.id = q.doc_id {where} "
            "ORDER BY d.published DESC NULLS LAST, q.doc_id, q.content_start LIMIT ? OFFSET ?",
            params + [limit, offset],
        )

    def documents(self) -> list[dict[str, Any]]:
        return self._rows("SELECT id, title, published, source, url, n_chars, coded_at FROM documents ORDER BY published", [])
