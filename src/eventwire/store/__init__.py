"""The embedded store: DuckDB, one file, ``./eventwire.duckdb`` by default.

Tables: ``documents``, ``sentences``, ``actors``, ``quotes``, ``events``, ``places``, ``dates``; each row
carries its ``doc_id`` and character offsets into the document text. Since schema version 2,
``learned_actors`` keeps what the texts themselves said about people ("Tomas Ibarra, Chile's deputy
foreign minister"), with dates and evidence, for coding later documents. Older stores are migrated in
place when opened for writing.
A document is identified by its content hash, so storing the same text twice adds nothing; each
document is written in one transaction, so a failure never leaves half a document behind.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import duckdb

from ..errors import StoreError
from ..records import Document

__all__ = ["Store", "SCHEMA_VERSION", "DEFAULT_DB"]

SCHEMA_VERSION = 2
DEFAULT_DB = "eventwire.duckdb"

_ACTOR_COLS = ["text", "start_char", "end_char", "name", "country", "sector"]

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS documents (
        id VARCHAR PRIMARY KEY, title VARCHAR, published DATE, source VARCHAR, url VARCHAR,
        text VARCHAR NOT NULL, n_chars INTEGER, coders VARCHAR, warnings VARCHAR,
        coded_at TIMESTAMP DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS sentences (
        doc_id VARCHAR NOT NULL, idx INTEGER NOT NULL, start_char INTEGER, end_char INTEGER,
        PRIMARY KEY (doc_id, idx))""",
    """CREATE TABLE IF NOT EXISTS actors (
        doc_id VARCHAR NOT NULL, idx INTEGER NOT NULL, text VARCHAR, start_char INTEGER, end_char INTEGER,
        name VARCHAR, country VARCHAR, sector VARCHAR, kind VARCHAR, resolved BOOLEAN, role VARCHAR, via VARCHAR,
        PRIMARY KEY (doc_id, idx))""",
    """CREATE TABLE IF NOT EXISTS quotes (
        doc_id VARCHAR NOT NULL, id VARCHAR NOT NULL, kind VARCHAR,
        content_start INTEGER, content_end INTEGER, content_text VARCHAR,
        cue_start INTEGER, cue_end INTEGER, cue_text VARCHAR, cue_lemma VARCHAR,
        speaker_text VARCHAR, speaker_start INTEGER, speaker_end INTEGER, speaker_name VARCHAR,
        speaker_country VARCHAR, speaker_sector VARCHAR,
        addressee_name VARCHAR, addressee_country VARCHAR, confidence DOUBLE,
        PRIMARY KEY (doc_id, id))""",
    """CREATE TABLE IF NOT EXISTS events (
        doc_id VARCHAR NOT NULL, id VARCHAR NOT NULL, plover VARCHAR, mode VARCHAR, context VARCHAR,
        cameo VARCHAR NOT NULL, goldstein DOUBLE, quad INTEGER,
        source_text VARCHAR, source_start INTEGER, source_end INTEGER, source_name VARCHAR,
        source_country VARCHAR, source_sector VARCHAR,
        target_text VARCHAR, target_start INTEGER, target_end INTEGER, target_name VARCHAR,
        target_country VARCHAR, target_sector VARCHAR,
        trigger_start INTEGER, trigger_end INTEGER, trigger_text VARCHAR,
        sentence_start INTEGER, sentence_end INTEGER,
        date VARCHAR, date_precision VARCHAR,
        location_name VARCHAR, location_country VARCHAR, latitude DOUBLE, longitude DOUBLE, geonameid BIGINT,
        negated BOOLEAN, modality VARCHAR, reported_by VARCHAR, confidence DOUBLE, coder VARCHAR, rule VARCHAR,
        PRIMARY KEY (doc_id, id))""",
    """CREATE TABLE IF NOT EXISTS places (
        doc_id VARCHAR NOT NULL, idx INTEGER NOT NULL, text VARCHAR, start_char INTEGER, end_char INTEGER,
        name VARCHAR, country VARCHAR, latitude DOUBLE, longitude DOUBLE, geonameid BIGINT, feature VARCHAR,
        role VARCHAR, PRIMARY KEY (doc_id, idx))""",
    """CREATE TABLE IF NOT EXISTS learned_actors (
        key VARCHAR PRIMARY KEY, name VARCHAR, country VARCHAR, sector VARCHAR, role VARCHAR,
        first_seen DATE, last_seen DATE, mentions INTEGER, evidence_doc VARCHAR, evidence_text VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS dates (
        doc_id VARCHAR NOT NULL, idx INTEGER NOT NULL, text VARCHAR, start_char INTEGER, end_char INTEGER,
        value VARCHAR, precision VARCHAR, PRIMARY KEY (doc_id, idx))""",
]


def _actor(ref) -> list[Any]:
    if ref is None:
        return [None] * 6
    return [ref.text, ref.start, ref.end, ref.name, ref.country, ref.sector]


class Store:
    """A DuckDB event store. Use as a context manager, or call ``close()``.

    ``path`` may be ``":memory:"`` for a throwaway store (tests)."""

    def __init__(self, path: str | pathlib.Path = DEFAULT_DB, read_only: bool = False):
        self.path = str(path)
        if self.path != ":memory:":
            parent = pathlib.Path(self.path).resolve().parent
            if not parent.is_dir():
                raise StoreError(f"cannot open the database {self.path}: the folder {parent} does not exist")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from None
        if not read_only:
            self._migrate()

    # ------------------------------------------------------------------ lifecycle
    def _migrate(self) -> None:
        for stmt in SCHEMA:
            self.con.execute(stmt)
        row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] if row else None
        if current is None:
            self.con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
        elif current < SCHEMA_VERSION:
            # 1 -> 2 added learned_actors, created above; nothing else changed
            self.con.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION])
        elif current > SCHEMA_VERSION:
            raise StoreError(
                f"the database {self.path} has schema version {current}, newer than this eventwire "
                f"({SCHEMA_VERSION}); upgrade eventwire"
            )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def has(self, doc_id: str) -> bool:
        return self.con.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is not None

    def add(self, d: Document) -> bool:
        """Store a coded document in one transaction. Returns False when it was already there."""
        if self.has(d.id):
            return False
        con = self.con
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO documents (id, title, published, source, url, text, n_chars, coders, warnings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [d.id, d.title, d.published, d.source, d.url, d.text, len(d.text), json.dumps(d.coders),
                 json.dumps(d.warnings)],
            )
            if d.sentences:
                con.executemany("INSERT INTO sentences VALUES (?, ?, ?, ?)",
                                [[d.id, i, s.start, s.end] for i, s in enumerate(d.sentences)])
            if d.actors:
                con.executemany(
                    "INSERT INTO actors VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[d.id, i, a.text, a.start, a.end, a.name, a.country, a.sector, a.kind, a.resolved, a.role, a.via]
                     for i, a in enumerate(d.actors)],
                )
            if d.quotes:
                con.executemany(
                    "INSERT INTO quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[d.id, q.id, q.kind, q.content.start, q.content.end, q.content.text,
                      *(([q.cue["start"], q.cue["end"], q.cue["text"], q.cue["lemma"]]) if q.cue else [None] * 4),
                      *(_actor(q.speaker)),
                      q.addressee.name if q.addressee else None, q.addressee.country if q.addressee else None,
                      q.confidence] for q in d.quotes],
                )
            if d.events:
                rows = [[d.id, e.id, e.plover, e.mode, e.context, e.cameo, e.goldstein, e.quad,
                      *_actor(e.source), *_actor(e.target),
                      e.trigger.start, e.trigger.end, e.trigger.text, e.sentence.start, e.sentence.end,
                      e.date, e.date_precision,
                      *((e.location or {}).get(k) for k in ("name", "country", "latitude", "longitude", "geonameid")),
                      e.negated, e.modality, e.reported_by, e.confidence, e.coder, e.rule] for e in d.events]
                con.executemany("INSERT INTO events VALUES (" + ", ".join(["?"] * len(rows[0])) + ")", rows)
            if d.places:
                con.executemany(
                    "INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[d.id, i, p.text, p.start, p.end, p.name, p.country, p.latitude, p.longitude, p.geonameid,
                      p.feature, p.role] for i, p in enumerate(d.places)],
                )
            if d.dates:
                con.executemany(
                    "INSERT INTO dates VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [[d.id, i, t.text, t.start, t.end, t.value, t.precision] for i, t in enumerate(d.dates)],
                )
            self._learn(d)
            con.execute("COMMIT")
        except Exception as exc:
            con.execute("ROLLBACK")
            raise StoreError(f"could not store document {d.id} ({d.source}): {exc}; nothing of it was written") from exc
        return True

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
            row = self.con.execute("SELECT first_seen, last_seen FROM learned_actors WHERE key = ?", [key]).fetchone()
            if row is None:
                self.con.execute(
                    "INSERT INTO learned_actors VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    [key, a.name, a.country, a.sector, a.role, day, day, d.id, evidence[:500]],
                )
            else:
                # the latest description wins: people change office
                self.con.execute(
                    "UPDATE learned_actors SET mentions = mentions + 1, first_seen = least(first_seen, ?), "
                    "last_seen = greatest(last_seen, ?), country = CASE WHEN ? >= last_seen OR last_seen IS NULL "
                    "THEN ? ELSE country END, sector = CASE WHEN ? >= last_seen OR last_seen IS NULL THEN ? ELSE sector END, "
                    "role = coalesce(?, role) WHERE key = ?",
                    [day, day, day, a.country, day, a.sector, a.role, key],
                )

    def learned_actors(self, at: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        """People learned from stored texts (seen on or before ``at``), optionally by name."""
        clauses, params = [], []
        if at:
            clauses.append("(first_seen IS NULL OR first_seen <= CAST(? AS DATE))")
            params.append(at)
        if name:
            clauses.append("key LIKE ?")
            params.append(f"%{name.lower()}%")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(f"SELECT * FROM learned_actors {where} ORDER BY name", params)

    # ------------------------------------------------------------------ reading
    def _rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def count(self, table: str) -> int:
        if table not in ("documents", "sentences", "actors", "quotes", "events", "places", "dates"):
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
            clauses.append("lower(q.speaker_name) LIKE ?")
            params.append(f"%{speaker.lower()}%")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(
            f"SELECT q.*, d.title AS doc_title FROM quotes q JOIN documents d ON d.id = q.doc_id {where} "
            "ORDER BY d.published DESC NULLS LAST, q.doc_id, q.content_start LIMIT ? OFFSET ?",
            params + [limit, offset],
        )

    def documents(self) -> list[dict[str, Any]]:
        return self._rows("SELECT id, title, published, source, url, n_chars, coded_at FROM documents ORDER BY published", [])
