"""The store's tables, in DDL that DuckDB and PostgreSQL both accept.

Types are the ones the two share (VARCHAR, INTEGER, BIGINT, DOUBLE PRECISION, BOOLEAN, DATE,
TIMESTAMP); every table is keyed by ``doc_id`` plus a position or record id, so a document's rows
can be found, and told apart, in either database.
"""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION", "SCHEMA", "TABLES", "COLUMNS"]

SCHEMA_VERSION = 3

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS documents (
        id VARCHAR PRIMARY KEY, title VARCHAR, published DATE, source VARCHAR, url VARCHAR,
        text VARCHAR NOT NULL, n_chars INTEGER, coders VARCHAR, warnings VARCHAR,
        coded_at TIMESTAMP DEFAULT current_timestamp, origin VARCHAR)""",
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
        addressee_name VARCHAR, addressee_country VARCHAR, confidence DOUBLE PRECISION,
        PRIMARY KEY (doc_id, id))""",
    """CREATE TABLE IF NOT EXISTS events (
        doc_id VARCHAR NOT NULL, id VARCHAR NOT NULL, plover VARCHAR, mode VARCHAR, context VARCHAR,
        cameo VARCHAR NOT NULL, goldstein DOUBLE PRECISION, quad INTEGER,
        source_text VARCHAR, source_start INTEGER, source_end INTEGER, source_name VARCHAR,
        source_country VARCHAR, source_sector VARCHAR,
        target_text VARCHAR, target_start INTEGER, target_end INTEGER, target_name VARCHAR,
        target_country VARCHAR, target_sector VARCHAR,
        trigger_start INTEGER, trigger_end INTEGER, trigger_text VARCHAR,
        sentence_start INTEGER, sentence_end INTEGER,
        date VARCHAR, date_precision VARCHAR,
        location_name VARCHAR, location_country VARCHAR, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION,
        geonameid BIGINT,
        negated BOOLEAN, modality VARCHAR, reported_by VARCHAR, confidence DOUBLE PRECISION, coder VARCHAR,
        rule VARCHAR,
        PRIMARY KEY (doc_id, id))""",
    """CREATE TABLE IF NOT EXISTS places (
        doc_id VARCHAR NOT NULL, idx INTEGER NOT NULL, text VARCHAR, start_char INTEGER, end_char INTEGER,
        name VARCHAR, country VARCHAR, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION, geonameid BIGINT,
        feature VARCHAR, role VARCHAR, PRIMARY KEY (doc_id, idx))""",
    """CREATE TABLE IF NOT EXISTS learned_actors (
        key VARCHAR PRIMARY KEY, name VARCHAR, country VARCHAR, sector VARCHAR, role VARCHAR,
        first_seen DATE, last_seen DATE, mentions INTEGER, evidence_doc VARCHAR, evidence_text VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS dates (
        doc_id VARCHAR NOT NULL, idx INTEGER NOT NULL, text VARCHAR, start_char INTEGER, end_char INTEGER,
        value VARCHAR, precision VARCHAR, PRIMARY KEY (doc_id, idx))""",
]

#: the per-document tables, in the order a document's rows are written
TABLES = ("documents", "sentences", "actors", "quotes", "events", "places", "dates")

#: the columns written for each table (``documents`` leaves ``coded_at`` to its default)
COLUMNS = {
    "documents": ("id", "title", "published", "source", "url", "text", "n_chars", "coders", "warnings", "origin"),
    "sentences": ("doc_id", "idx", "start_char", "end_char"),
    "actors": ("doc_id", "idx", "text", "start_char", "end_char", "name", "country", "sector", "kind", "resolved",
               "role", "via"),
    "quotes": ("doc_id", "id", "kind", "content_start", "content_end", "content_text", "cue_start", "cue_end",
               "cue_text", "cue_lemma", "speaker_text", "speaker_start", "speaker_end", "speaker_name",
               "speaker_country", "speaker_sector", "addressee_name", "addressee_country", "confidence"),
    "events": ("doc_id", "id", "plover", "mode", "context", "cameo", "goldstein", "quad",
               "source_text", "source_start", "source_end", "source_name", "source_country", "source_sector",
               "target_text", "target_start", "target_end", "target_name", "target_country", "target_sector",
               "trigger_start", "trigger_end", "trigger_text", "sentence_start", "sentence_end",
               "date", "date_precision", "location_name", "location_country", "latitude", "longitude", "geonameid",
               "negated", "modality", "reported_by", "confidence", "coder", "rule"),
    "places": ("doc_id", "idx", "text", "start_char", "end_char", "name", "country", "latitude", "longitude",
               "geonameid", "feature", "role"),
    "dates": ("doc_id", "idx", "text", "start_char", "end_char", "value", "precision"),
}
