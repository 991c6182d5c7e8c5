"""Read queries over the store: the library functions behind the REST API and the web pages.

Every function takes a ``Store`` (DuckDB or PostgreSQL) or a DuckDB connection as its first argument and returns plain
lists of dicts (JSON-ready: dates are ISO strings); ``as_frame`` turns such a list into a pandas
DataFrame. Filters are always bound as SQL parameters, never pasted into the SQL text, so whatever a
filter holds (quotes, ``%``, ``'; DROP TABLE``) is matched as literal text.

Event filters (every one optional; an empty string counts as absent):

==========  =====================================================================================
doc_id      the document's id
source      the source actor: a three-letter upper-case code (``RUS``, ``IGO``) matches its country,
            anything else is a case-insensitive substring of its name or mention text
target      the same for the target
actor       either side, as above
country     ISO alpha-3 code of either side (``ARM``)
sector      sector code of either side (``GOV``, ``MIL``)
type        PLOVER event type (``ACCUSE``); several separated by commas
cameo       CAMEO code prefix (``11`` finds 110..1125)
quad        QuadClass 1..4
modality    asserted, reported or intended
since       events dated on or after this ``YYYY[-MM[-DD]]``; an event dated to a month or year
            counts when its period reaches the bound
until       events dated on or before this ``YYYY[-MM[-DD]]`` (``until=2024`` keeps all of 2024)
place       substring of the location's name, or its ISO alpha-3 country
text        substring of the event's sentence
==========  =====================================================================================
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import json
import re
from collections.abc import Iterator
from typing import Any

from ..errors import EventwireError
from ..records import CONTRACT_VERSION

__all__ = [
    "QueryError",
    "EVENT_FILTERS",
    "EVENT_SORTS",
    "events",
    "count_events",
    "quotes",
    "count_quotes",
    "actors",
    "count_actors",
    "documents",
    "count_documents",
    "document",
    "dyads",
    "timeline",
    "top_dyads",
    "network",
    "locations",
    "overview",
    "export_rows",
    "as_frame",
    "ensure_document_json",
    "save_document_json",
    "choose_interval",
]

EVENT_FILTERS = ("doc_id", "source", "target", "actor", "country", "sector", "type", "cameo", "quad",
                 "modality", "since", "until", "place", "text")
QUOTE_FILTERS = ("doc_id", "speaker", "country", "text", "since", "until")
ACTOR_FILTERS = ("doc_id", "actor", "country", "sector", "kind", "since", "until")
DOCUMENT_FILTERS = ("text", "source", "since", "until")

#: sort keys of ``events`` and the columns behind them
EVENT_SORTS = {
    "date": "e.date",
    "published": "d.published",
    "cameo": "e.cameo",
    "plover": "e.plover",
    "goldstein": "e.goldstein",
    "quad": "e.quad",
    "source": "lower(coalesce(e.source_name, e.source_text))",
    "target": "lower(coalesce(e.target_name, e.target_text))",
    "location": "lower(e.location_name)",
    "confidence": "e.confidence",
    "document": "lower(d.title)",
}
INTERVALS = ("day", "week", "month", "year")
MAX_LIMIT = 10_000

_DATE_PREFIX = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CODE = re.compile(r"^[A-Z]{3}$")
# the sentence of an event, cut from its document's text (SQL's substr counts from 1)
_SENTENCE = "substr(d.text, e.sentence_start + 1, e.sentence_end - e.sentence_start)"
# an event date (YYYY, YYYY-MM or YYYY-MM-DD) as the first day of its period, NULL when it is no date;
# PostgreSQL has no TRY_CAST, so the store defines eventwire_day() there
_EVENT_DAY = ("TRY_CAST(CASE length(e.date) WHEN 4 THEN e.date || '-01-01' WHEN 7 THEN e.date || '-01' "
              "ELSE left(e.date, 10) END AS DATE)")
_EVENT_DAY_PG = "eventwire_day(e.date)"


class QueryError(EventwireError, ValueError):
    """A filter or parameter has a value the query cannot use (the message says which and why)."""


# ---------------------------------------------------------------------------------------------- helpers
def _con(db):
    return getattr(db, "con", db)


def _dialect(db) -> str:
    """``postgresql`` for a PostgreSQL store or connection, else ``duckdb``."""
    return getattr(_con(db), "dialect", "duckdb")


def _event_day(db) -> str:
    return _EVENT_DAY_PG if _dialect(db) == "postgresql" else _EVENT_DAY


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _json_ready(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _rows(db, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = _con(db).execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [{k: _json_ready(v) for k, v in zip(cols, row)} for row in cur.fetchall()]


def _columns(db, sql: str, params: list[Any]) -> list[list[Any]]:
    """The result as one list per column (NULL as None). DuckDB hands its result over column by
    column (``fetchnumpy``), far faster than as row tuples; PostgreSQL's rows are transposed here."""
    cur = _con(db).execute(sql, params)
    width = len(cur.description)
    if hasattr(cur, "fetchnumpy"):
        arrays = cur.fetchnumpy()
        if len(arrays) == width:  # (names are unique)
            return [a.tolist() for a in arrays.values()]  # a masked (NULL) entry becomes None
        return [list(c) for c in zip(*cur.execute(sql, params).fetchall())] or [[] for _ in range(width)]
    return [list(c) for c in zip(*cur.fetchall())] or [[] for _ in range(width)]


def _scalar(db, sql: str, params: list[Any]) -> Any:
    row = _con(db).execute(sql, params).fetchone()
    return row[0] if row else None


def _date_prefix(value: str | None, name: str) -> str | None:
    value = _clean(value)
    if value is None:
        return None
    value = str(value)
    if not _DATE_PREFIX.match(value):
        raise QueryError(f"{name}={value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        dt.date.fromisoformat((value + "-01-01")[:10] if len(value) < 10 else value)
    except ValueError:
        raise QueryError(f"{name}={value!r} is not a real date") from None
    return value


def _paging(limit: int, offset: int) -> tuple[int, int]:
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise QueryError("limit and offset must be whole numbers") from None
    if limit < 0 or offset < 0:
        raise QueryError("limit and offset cannot be negative")
    return min(limit, MAX_LIMIT), offset


def _contains(haystack: str, dialect: str | None) -> str:
    """SQL true when ``haystack`` (a lower-cased expression) holds the lower-cased parameter: DuckDB's
    ``contains`` is its fastest substring test, ``strpos`` the portable one; both treat the text literally."""
    if dialect == "duckdb":
        return f"contains({haystack}, lower(?))"
    return f"strpos({haystack}, lower(?)) > 0"


def _party(side: str, value: str, clauses: list[str], params: list[Any], dialect: str | None = None) -> None:
    """One side's actor filter: a country code, or a name substring."""
    if _CODE.match(value):
        clauses.append(f"e.{side}_country = ?")
        params.append(value)
    elif " " not in value:
        # a substring of ``name || ' ' || text`` without a space lies within one of the two: testing each
        # column on its own gives the same rows without building the joined string for every row
        clauses.append(f"({_contains(f'lower(e.{side}_name)', dialect)} OR "
                       f"{_contains(f'lower(e.{side}_text)', dialect)})")
        params += [value, value]
    else:
        clauses.append(_contains(f"lower(coalesce(e.{side}_name, '') || ' ' || coalesce(e.{side}_text, ''))",
                                 dialect))
        params.append(value)


def _prefix_range(column: str, since: str | None, until: str | None, clauses: list[str], params: list[Any]) -> None:
    """``column`` holds an ISO date prefix; keep the rows whose period meets [since, until]."""
    if since:
        clauses.append(f"{column} >= left(?, length({column}))")
        params.append(since)
    if until:
        clauses.append(f"left({column}, length(?)) <= ?")
        params += [until, until]


def event_where(**filters: Any) -> tuple[str, list[Any]]:
    """The WHERE clause (with its parameters) for the event filters; unknown names are an error.
    It reads ``events e`` and, for the ``text`` filter, ``documents d`` (joined on ``d.id = e.doc_id``)."""
    where, params, _ = _event_where(None, **filters)
    return where, params


def _event_where(dialect: str | None, **filters: Any) -> tuple[str, list[Any], bool]:
    """``event_where`` in ``dialect``'s fastest form, and whether the clause reads ``documents d``."""
    unknown = set(filters) - set(EVENT_FILTERS)
    if unknown:
        raise QueryError(f"unknown event filter(s): {', '.join(sorted(unknown))}")
    f = {k: _clean(v) for k, v in filters.items()}
    clauses: list[str] = []
    params: list[Any] = []
    if f.get("doc_id"):
        clauses.append("e.doc_id = ?")
        params.append(f["doc_id"])
    for side in ("source", "target"):
        if f.get(side):
            _party(side, str(f[side]), clauses, params, dialect)
    if f.get("actor"):
        sub_s: list[str] = []
        sub_t: list[str] = []
        p_s: list[Any] = []
        p_t: list[Any] = []
        _party("source", str(f["actor"]), sub_s, p_s, dialect)
        _party("target", str(f["actor"]), sub_t, p_t, dialect)
        clauses.append(f"({sub_s[0]} OR {sub_t[0]})")
        params += p_s + p_t
    if f.get("country"):
        clauses.append("(e.source_country = ? OR e.target_country = ?)")
        params += [str(f["country"]).upper()] * 2
    if f.get("sector"):
        clauses.append("(e.source_sector = ? OR e.target_sector = ?)")
        params += [str(f["sector"]).upper()] * 2
    if f.get("type"):
        types = [t.strip().upper() for t in str(f["type"]).split(",") if t.strip()]
        if types:
            clauses.append("upper(e.plover) IN (" + ", ".join("?" * len(types)) + ")")
            params += types
    if f.get("cameo"):
        clauses.append("starts_with(e.cameo, ?)")
        params.append(str(f["cameo"]))
    if f.get("quad") is not None:
        try:
            quad = int(f["quad"])
        except (TypeError, ValueError):
            raise QueryError(f"quad={f['quad']!r} is not 1, 2, 3 or 4") from None
        if quad not in (1, 2, 3, 4):
            raise QueryError(f"quad={quad} is not 1, 2, 3 or 4")
        clauses.append("e.quad = ?")
        params.append(quad)
    if f.get("modality"):
        clauses.append("e.modality = ?")
        params.append(str(f["modality"]).lower())
    _prefix_range("e.date", _date_prefix(f.get("since"), "since"), _date_prefix(f.get("until"), "until"),
                  clauses, params)
    if f.get("place"):
        place = str(f["place"])
        location = "lower(coalesce(e.location_name, ''))"
        clauses.append(f"({_contains(location, dialect)} OR e.location_country = ?)")
        params += [place, place]
    needs_documents = bool(f.get("text"))
    if needs_documents:
        clauses.append(_contains(f"lower({_SENTENCE})", dialect))
        params.append(str(f["text"]))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params, needs_documents


def _events_from(needs_documents: bool) -> str:
    """The FROM clause of an event query. Every stored event has its document (``Store`` writes a
    document's rows in one transaction, and nothing deletes documents), so joining ``documents``
    drops no event: it is joined only when a filter or the sort reads it."""
    return "events e JOIN documents d ON d.id = e.doc_id" if needs_documents else "events e"


# ---------------------------------------------------------------------------------------------- events
_DOC_SORTS = ("published", "document")


def _sentence(db, text: str | None, start: int | None, end: int | None) -> str | None:
    """``_SENTENCE`` (SQL's ``substr(text, start + 1, end - start)``) computed here: Python's slice for
    offsets the store writes (0 <= start <= end), the database itself for anything else."""
    if text is None or start is None or end is None:
        return None
    if 0 <= start <= end:
        return text[start:end]
    return _scalar(db, "SELECT substr(CAST(? AS VARCHAR), CAST(? AS INTEGER) + 1, "
                       "CAST(? AS INTEGER) - CAST(? AS INTEGER))", [text, start, end, start])


def events(db, *, limit: int = 50, offset: int = 0, sort: str = "date", order: str = "desc",
           **filters: Any) -> list[dict[str, Any]]:
    """Events matching the filters, each with its document's title and its sentence's text.

    The page is chosen from ``events`` alone (joined with ``documents`` only when the ``text`` filter
    or the sort reads it); then only the page's documents are read, for their titles and sentences."""
    limit, offset = _paging(limit, offset)
    if sort not in EVENT_SORTS:
        raise QueryError(f"sort={sort!r} is not one of {', '.join(EVENT_SORTS)}")
    if str(order).lower() not in ("asc", "desc"):
        raise QueryError(f"order={order!r} is not asc or desc")
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    direction = "ASC" if str(order).lower() == "asc" else "DESC"
    order_by = f"ORDER BY {EVENT_SORTS[sort]} {direction} NULLS LAST, e.doc_id, e.trigger_start"
    if limit == 0:
        return []
    cur = _con(db).execute(
        f"SELECT e.* FROM {_events_from(needs_documents or sort in _DOC_SORTS)} {where} {order_by} LIMIT ? OFFSET ?",
        params + [limit, offset])
    cols = [c[0] for c in cur.description]
    page = cur.fetchall()
    if not page:
        return []
    at = {c: i for i, c in enumerate(cols)}
    i_doc, i_start, i_end = at["doc_id"], at["sentence_start"], at["sentence_end"]
    docs: dict[str, tuple] = {}
    ids = list(dict.fromkeys(r[i_doc] for r in page))
    for k in range(0, len(ids), 1000):
        chunk = ids[k:k + 1000]
        docs.update((r[0], r[1:]) for r in _con(db).execute(
            f"SELECT id, title, published, url, text FROM documents WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk).fetchall())
    if len(docs) < len(ids):  # an event without its document, which the join would have left out
        return _rows(
            db,
            f"SELECT e.*, d.title AS doc_title, d.published AS doc_published, d.url AS doc_url, "
            f"{_SENTENCE} AS sentence_text FROM events e JOIN documents d ON d.id = e.doc_id {where} "
            f"{order_by} LIMIT ? OFFSET ?",
            params + [limit, offset],
        )
    out = []
    for row in page:
        title, published, url, text = docs[row[i_doc]]
        r = {k: _json_ready(v) for k, v in zip(cols, row)}
        r["doc_title"] = _json_ready(title)
        r["doc_published"] = _json_ready(published)
        r["doc_url"] = _json_ready(url)
        r["sentence_text"] = _json_ready(_sentence(db, text, row[i_start], row[i_end]))
        out.append(r)
    return out


def count_events(db, **filters: Any) -> int:
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    return _scalar(db, f"SELECT count(*) FROM {_events_from(needs_documents)} {where}", params)


# ---------------------------------------------------------------------------------------------- quotes
def _quote_where(**filters: Any) -> tuple[str, list[Any]]:
    unknown = set(filters) - set(QUOTE_FILTERS)
    if unknown:
        raise QueryError(f"unknown quote filter(s): {', '.join(sorted(unknown))}")
    f = {k: _clean(v) for k, v in filters.items()}
    clauses, params = [], []
    if f.get("doc_id"):
        clauses.append("q.doc_id = ?")
        params.append(f["doc_id"])
    if f.get("speaker"):
        clauses.append("strpos(lower(coalesce(q.speaker_name, '') || ' ' || coalesce(q.speaker_text, '')), lower(?)) > 0")
        params.append(str(f["speaker"]))
    if f.get("country"):
        clauses.append("q.speaker_country = ?")
        params.append(str(f["country"]).upper())
    if f.get("text"):
        clauses.append("strpos(lower(q.content_text), lower(?)) > 0")
        params.append(str(f["text"]))
    _prefix_range("CAST(d.published AS VARCHAR)", _date_prefix(f.get("since"), "since"),
                  _date_prefix(f.get("until"), "until"), clauses, params)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def quotes(db, *, limit: int = 50, offset: int = 0, **filters: Any) -> list[dict[str, Any]]:
    """Quotes with their speakers; ``since``/``until`` bound the document's publication date."""
    limit, offset = _paging(limit, offset)
    where, params = _quote_where(**filters)
    return _rows(
        db,
        f"SELECT q.*, d.title AS doc_title, d.published AS doc_published FROM quotes q "
        f"JOIN documents d ON d.id = q.doc_id {where} "
        "ORDER BY d.published DESC NULLS LAST, q.doc_id, q.content_start LIMIT ? OFFSET ?",
        params + [limit, offset],
    )


def count_quotes(db, **filters: Any) -> int:
    where, params = _quote_where(**filters)
    return _scalar(db, f"SELECT count(*) FROM quotes q JOIN documents d ON d.id = q.doc_id {where}", params)


# ---------------------------------------------------------------------------------------------- actors
def _actor_where(**filters: Any) -> tuple[str, list[Any]]:
    unknown = set(filters) - set(ACTOR_FILTERS)
    if unknown:
        raise QueryError(f"unknown actor filter(s): {', '.join(sorted(unknown))}")
    f = {k: _clean(v) for k, v in filters.items()}
    clauses, params = [], []
    if f.get("doc_id"):
        clauses.append("a.doc_id = ?")
        params.append(f["doc_id"])
    if f.get("actor"):
        clauses.append("strpos(lower(coalesce(a.name, '') || ' ' || coalesce(a.text, '')), lower(?)) > 0")
        params.append(str(f["actor"]))
    for key in ("country", "sector"):
        if f.get(key):
            clauses.append(f"a.{key} = ?")
            params.append(str(f[key]).upper())
    if f.get("kind"):
        clauses.append("a.kind = ?")
        params.append(str(f["kind"]).lower())
    _prefix_range("CAST(d.published AS VARCHAR)", _date_prefix(f.get("since"), "since"),
                  _date_prefix(f.get("until"), "until"), clauses, params)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


_ACTOR_GROUPS = ("SELECT coalesce(a.name, a.text) AS name, a.country, a.sector, a.kind, count(*) AS mentions, "
                 "count(DISTINCT a.doc_id) AS documents, array_agg(DISTINCT a.text ORDER BY a.text) AS texts "
                 "FROM actors a JOIN documents d ON d.id = a.doc_id {where} GROUP BY 1, 2, 3, 4")


def actors(db, *, limit: int = 50, offset: int = 0, **filters: Any) -> list[dict[str, Any]]:
    """Actors: one row per (name, country, sector, kind), with how often and in how many documents
    they are mentioned, and the mention texts."""
    limit, offset = _paging(limit, offset)
    where, params = _actor_where(**filters)
    rows = _rows(db, f"SELECT * FROM ({_ACTOR_GROUPS.format(where=where)}) AS g "
                 "ORDER BY mentions DESC, lower(name), country NULLS LAST LIMIT ? OFFSET ?", params + [limit, offset])
    for r in rows:
        r["texts"] = list(r["texts"] or [])[:10]
    return rows


def count_actors(db, **filters: Any) -> int:
    where, params = _actor_where(**filters)
    return _scalar(db, f"SELECT count(*) FROM ({_ACTOR_GROUPS.format(where=where)}) AS g", params)


# ---------------------------------------------------------------------------------------------- documents
def _document_where(**filters: Any) -> tuple[str, list[Any]]:
    unknown = set(filters) - set(DOCUMENT_FILTERS)
    if unknown:
        raise QueryError(f"unknown document filter(s): {', '.join(sorted(unknown))}")
    f = {k: _clean(v) for k, v in filters.items()}
    clauses, params = [], []
    if f.get("text"):
        clauses.append("(strpos(lower(coalesce(d.title, '')), lower(?)) > 0 OR strpos(lower(d.text), lower(?)) > 0)")
        params += [str(f["text"])] * 2
    if f.get("source"):
        clauses.append("strpos(lower(coalesce(d.source, '')), lower(?)) > 0")
        params.append(str(f["source"]))
    _prefix_range("CAST(d.published AS VARCHAR)", _date_prefix(f.get("since"), "since"),
                  _date_prefix(f.get("until"), "until"), clauses, params)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def documents(db, *, limit: int = 50, offset: int = 0, **filters: Any) -> list[dict[str, Any]]:
    """Stored documents, newest first, with how many events, quotes and actors each has."""
    limit, offset = _paging(limit, offset)
    where, params = _document_where(**filters)
    return _rows(
        db,
        "SELECT d.id, d.title, d.published, d.source, d.url, d.n_chars, d.coded_at, "
        "(SELECT count(*) FROM events e WHERE e.doc_id = d.id) AS n_events, "
        "(SELECT count(*) FROM quotes q WHERE q.doc_id = d.id) AS n_quotes, "
        "(SELECT count(*) FROM actors a WHERE a.doc_id = d.id) AS n_actors "
        f"FROM documents d {where} ORDER BY d.published DESC NULLS LAST, d.coded_at DESC, d.id LIMIT ? OFFSET ?",
        params + [limit, offset],
    )


def count_documents(db, **filters: Any) -> int:
    where, params = _document_where(**filters)
    return _scalar(db, f"SELECT count(*) FROM documents d {where}", params)


# ---------------------------------------------------------------------------------------------- one document
JSON_TABLE = "document_json"


def _has_table(db, name: str) -> bool:
    return bool(_scalar(db, "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                            "AND table_schema = current_schema()", [name]))


def ensure_document_json(db) -> None:
    """Create the table that keeps each document's full JSON contract (written by the API)."""
    _con(db).execute(f"CREATE TABLE IF NOT EXISTS {JSON_TABLE} (doc_id VARCHAR PRIMARY KEY, json VARCHAR NOT NULL)")


def save_document_json(db, doc: dict[str, Any]) -> None:
    """Keep the full contract of a stored document, so that ``document`` returns it exactly."""
    ensure_document_json(db)
    _con(db).execute(f"INSERT INTO {JSON_TABLE} (doc_id, json) VALUES (?, ?) "
                     "ON CONFLICT (doc_id) DO UPDATE SET json = excluded.json",
                     [doc["id"], json.dumps(doc, ensure_ascii=False)])


def _ref(row: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    if row.get(f"{prefix}_text") is None and row.get(f"{prefix}_name") is None:
        return None
    return {"start": row.get(f"{prefix}_start"), "end": row.get(f"{prefix}_end"), "text": row.get(f"{prefix}_text"),
            "name": row.get(f"{prefix}_name"), "country": row.get(f"{prefix}_country"),
            "sector": row.get(f"{prefix}_sector"), "kind": None, "resolved": None, "canonical": None, "via": None}


def document(db, doc_id: str) -> dict[str, Any] | None:
    """One document with all its records, in the JSON contract's shape; ``None`` when it is not stored.

    Documents stored through the API keep their full JSON. Others (stored by ``eventwire code``) are
    rebuilt from the store's rows; such a document has ``"rebuilt_from_rows": true`` and a warning,
    since the rows do not keep everything (nonfactual events, every party of an event, speaker kinds)."""
    if _has_table(db, JSON_TABLE):
        raw = _scalar(db, f"SELECT json FROM {JSON_TABLE} WHERE doc_id = ?", [doc_id])
        if raw is not None:
            return json.loads(raw)
    docs = _rows(db, "SELECT * FROM documents WHERE id = ?", [doc_id])
    if not docs:
        return None
    d = docs[0]
    text = d["text"]
    sentences = _rows(db, "SELECT start_char, end_char FROM sentences WHERE doc_id = ? ORDER BY idx", [doc_id])
    starts = [s["start_char"] for s in sentences]

    def sentence_of(offset: int | None) -> dict[str, Any] | None:
        if offset is None or not sentences:
            return None
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return None
        s = sentences[i]
        return {"start": s["start_char"], "end": s["end_char"], "text": text[s["start_char"]:s["end_char"]]}

    actors_ = [
        {"text": a["text"], "start": a["start_char"], "end": a["end_char"], "name": a["name"], "country": a["country"],
         "sector": a["sector"], "kind": a["kind"], "resolved": a["resolved"], "entity": None, "role": a["role"],
         "via": a["via"], "canonical": None, "also": []}
        for a in _rows(db, "SELECT * FROM actors WHERE doc_id = ? ORDER BY idx", [doc_id])
    ]
    quotes_ = []
    for q in _rows(db, "SELECT * FROM quotes WHERE doc_id = ? ORDER BY content_start, id", [doc_id]):
        cue = None
        if q["cue_start"] is not None:
            cue = {"start": q["cue_start"], "end": q["cue_end"], "text": q["cue_text"], "lemma": q["cue_lemma"]}
        addressee = None
        if q["addressee_name"] is not None or q["addressee_country"] is not None:
            addressee = {"start": None, "end": None, "text": None, "name": q["addressee_name"],
                         "country": q["addressee_country"], "sector": None, "kind": None, "resolved": None,
                         "canonical": None, "via": None}
        quotes_.append({
            "id": q["id"], "kind": q["kind"],
            "content": {"start": q["content_start"], "end": q["content_end"], "text": q["content_text"]},
            "cue": cue, "speaker": _ref(q, "speaker"), "addressee": addressee, "confidence": q["confidence"],
            "sentence": sentence_of(q["content_start"]),
        })
    events_ = []
    for e in _rows(db, "SELECT * FROM events WHERE doc_id = ? ORDER BY trigger_start, id", [doc_id]):
        source, target = _ref(e, "source"), _ref(e, "target")
        location = None
        if e["location_name"] is not None or e["latitude"] is not None:
            location = {"name": e["location_name"], "country": e["location_country"], "latitude": e["latitude"],
                        "longitude": e["longitude"], "geonameid": e["geonameid"]}
        events_.append({
            "id": e["id"], "plover": e["plover"], "mode": e["mode"], "context": e["context"], "cameo": e["cameo"],
            "goldstein": e["goldstein"], "quad": e["quad"], "source": source, "target": target,
            "trigger": {"start": e["trigger_start"], "end": e["trigger_end"], "text": e["trigger_text"]},
            "sentence": {"start": e["sentence_start"], "end": e["sentence_end"],
                         "text": text[e["sentence_start"]:e["sentence_end"]]},
            "date": e["date"], "date_precision": e["date_precision"], "location": location,
            "negated": e["negated"], "modality": e["modality"], "reported_by": e["reported_by"],
            "confidence": e["confidence"], "coder": e["coder"], "rule": e["rule"],
            "sources": [source] if source else [], "targets": [target] if target else [],
            "reciprocal": False, "date_source": None,
        })
    places_ = [
        {"text": p["text"], "start": p["start_char"], "end": p["end_char"], "name": p["name"], "country": p["country"],
         "latitude": p["latitude"], "longitude": p["longitude"], "geonameid": p["geonameid"], "feature": p["feature"],
         "role": p["role"]}
        for p in _rows(db, "SELECT * FROM places WHERE doc_id = ? ORDER BY idx", [doc_id])
    ]
    dates_ = [
        {"text": t["text"], "start": t["start_char"], "end": t["end_char"], "value": t["value"],
         "precision": t["precision"]}
        for t in _rows(db, "SELECT * FROM dates WHERE doc_id = ? ORDER BY idx", [doc_id])
    ]
    warnings = json.loads(d["warnings"]) if d.get("warnings") else []
    warnings.append("rebuilt from the store's rows: nonfactual events, every party of an event beyond the first, "
                    "and speaker kinds are not kept there")
    return {
        "id": d["id"], "contract": CONTRACT_VERSION, "text": text, "title": d["title"],
        "published": d["published"], "source": d["source"], "url": d["url"],
        "sentences": [{"start": s["start_char"], "end": s["end_char"]} for s in sentences],
        "actors": actors_, "quotes": quotes_, "events": events_, "nonfactual_events": [],
        "places": places_, "dates": dates_, "warnings": warnings,
        "coders": json.loads(d["coders"]) if d.get("coders") else {},
        "rebuilt_from_rows": True,
    }


# ---------------------------------------------------------------------------------------------- time series
def choose_interval(db, **filters: Any) -> str:
    """day for up to about two months of events, week up to a year and a half, else month."""
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    day = _event_day(db)
    lo, hi = _con(db).execute(
        f"SELECT min({day}), max({day}) FROM {_events_from(needs_documents)} {where}",
        params).fetchone()
    if lo is None:
        return "day"
    span = (hi - lo).days
    return "day" if span <= 62 else "week" if span <= 550 else "month"


def _interval(db, interval: str, filters: dict[str, Any]) -> str:
    interval = (interval or "auto").lower()
    if interval == "auto":
        return choose_interval(db, **filters)
    if interval not in INTERVALS:
        raise QueryError(f"interval={interval!r} is not one of auto, {', '.join(INTERVALS)}")
    return interval


def _key(side: str, by: str) -> str:
    if by == "country":
        return f"e.{side}_country"
    if by == "actor":
        return f"coalesce(e.{side}_name, e.{side}_text)"
    raise QueryError(f"by={by!r} is not country or actor")


_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}
_BUCKET = ("count(*) AS count, avg(e.goldstein) AS goldstein_mean, "
           "count(*) FILTER (WHERE e.quad = 1) AS quad1, count(*) FILTER (WHERE e.quad = 2) AS quad2, "
           "count(*) FILTER (WHERE e.quad = 3) AS quad3, count(*) FILTER (WHERE e.quad = 4) AS quad4, "
           "count(*) FILTER (WHERE (CASE e.date_precision WHEN 'day' THEN 0 WHEN 'week' THEN 1 WHEN 'month' THEN 2 "
           "WHEN 'year' THEN 3 END) > ?) AS coarser")


def _point(r: dict[str, Any]) -> dict[str, Any]:
    return {"period": r["period"], "count": r["count"],
            "goldstein_mean": None if r["goldstein_mean"] is None else round(r["goldstein_mean"], 3),
            "quad": {str(q): r[f"quad{q}"] for q in (1, 2, 3, 4)}, "coarser": r["coarser"]}


def timeline(db, *, interval: str = "auto", **filters: Any) -> dict[str, Any]:
    """One series over all events matching the filters: per period, the count, the mean Goldstein
    score and the QuadClass mix. An event dated only to a coarser period than ``interval`` (a month,
    when counting days) is counted on its period's first day; ``coarser`` says how many such there are."""
    interval = _interval(db, interval, filters)
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    day = _event_day(db)
    where = (where + " AND " if where else "WHERE ") + f"{day} IS NOT NULL"
    rows = _rows(
        db,
        f"SELECT CAST(date_trunc(?, CAST({day} AS TIMESTAMP)) AS DATE) AS period, {_BUCKET} "
        f"FROM {_events_from(needs_documents)} {where} GROUP BY period ORDER BY period",
        [interval, _RANK[interval]] + params,
    )
    return {"interval": interval, "points": [_point(r) for r in rows]}


def dyads(db, *, by: str = "country", interval: str = "auto", **filters: Any) -> dict[str, Any]:
    """Time series per directed (source, target) pair: the count, mean Goldstein score and QuadClass
    mix of their events per day, week, month or year. ``by`` is ``country`` (ISO codes) or ``actor``
    (names); events that lack either side are not dyadic and are left out."""
    interval = _interval(db, interval, filters)
    src, tgt = _key("source", by), _key("target", by)
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    day = _event_day(db)
    # events without a day are left out below, by their (NULL) period: testing the day in WHERE too
    # would work it out twice per event
    where = (where + " AND " if where else "WHERE ") + f"{src} IS NOT NULL AND {tgt} IS NOT NULL"
    period = f"CAST(date_trunc(?, CAST({day} AS TIMESTAMP)) AS DATE)"
    duck = _dialect(db) == "duckdb"
    if duck:  # its ISO text (DuckDB's, as date.isoformat() writes it), in date order too
        period = f"CAST({period} AS VARCHAR)"
    columns = _columns(
        db,
        f"SELECT {src} AS source, {tgt} AS target, {period} AS period, "
        f"{_BUCKET} FROM {_events_from(needs_documents)} {where} GROUP BY 1, 2, 3 "
        "ORDER BY source, target, period NULLS LAST",
        [interval, _RANK[interval]] + params,
    )
    if not duck:
        columns[2] = [_json_ready(p) for p in columns[2]]
    # one Python step per dyad-period (on a big store this is most of the time): each point's dict made
    # in one comprehension, the pairs' runs and totals found by numpy, and no garbage collection passes
    # over the objects made here (none of them can be garbage yet)
    import numpy as np

    sources, targets, periods, counts = columns[:4]
    series: dict[tuple[str, str], dict[str, Any]] = {}
    collect = gc.isenabled()
    gc.disable()
    try:
        means = [None if m is None or m != m else round(m, 3) for m in columns[4]]
        points = [{"period": p, "count": n, "goldstein_mean": g, "quad": {"1": q1, "2": q2, "3": q3, "4": q4},
                   "coarser": c} for p, n, g, q1, q2, q3, q4, c in zip(periods, counts, means, *columns[5:])]
        if points:
            # the rows come grouped by pair, each pair's periods in order and its events without a day
            # (period NULL, at most one row) last: a run per pair, less that row
            src, tgt = np.array(sources, dtype=object), np.array(targets, dtype=object)
            cuts = (np.flatnonzero((src[1:] != src[:-1]) | (tgt[1:] != tgt[:-1])) + 1).tolist()
            starts = [0] + cuts
            undated = np.equal(np.array(periods, dtype=object), None)
            n = np.array(counts, dtype=np.int64)
            n[undated] = 0
            totals = np.add.reduceat(n, starts).tolist()
            drop = np.add.reduceat(undated.astype(np.int64), starts).tolist()
            for a, b, total, k in zip(starts, cuts + [len(points)], totals, drop):
                if b - k <= a:  # only undated events
                    continue
                key = (sources[a], targets[a])
                s = series.get(key)
                if s is None:
                    series[key] = {"source": key[0], "target": key[1], "count": total, "points": points[a:b - k]}
                else:  # (not expected: the same pair in two runs)
                    s["count"] += total
                    s["points"] += points[a:b - k]
    finally:
        if collect:
            gc.enable()
    ordered = sorted(series.values(), key=lambda s: (-s["count"], s["source"], s["target"]))
    return {"interval": interval, "by": by, "series": ordered}


def top_dyads(db, *, by: str = "country", limit: int = 20, **filters: Any) -> list[dict[str, Any]]:
    """The (source, target) pairs with the most events."""
    limit, _ = _paging(limit, 0)
    src, tgt = _key("source", by), _key("target", by)
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    where = (where + " AND " if where else "WHERE ") + f"{src} IS NOT NULL AND {tgt} IS NOT NULL"
    rows = _rows(
        db,
        f"SELECT {src} AS source, {tgt} AS target, count(*) AS count, avg(e.goldstein) AS goldstein_mean "
        f"FROM {_events_from(needs_documents)} {where} GROUP BY 1, 2 "
        "ORDER BY count DESC, source, target LIMIT ?",
        params + [limit],
    )
    for r in rows:
        r["goldstein_mean"] = None if r["goldstein_mean"] is None else round(r["goldstein_mean"], 3)
    return rows


# ---------------------------------------------------------------------------------------------- network and map
def network(db, *, by: str = "actor", limit: int = 40, **filters: Any) -> dict[str, Any]:
    """Who acts on whom: directed edges (source -> target) with their event count and mean Goldstein
    score, among the ``limit`` nodes with the most events. Events with one side missing, and events
    of an actor on itself, are not edges."""
    limit, _ = _paging(limit, 0)
    src, tgt = _key("source", by), _key("target", by)
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    where = (where + " AND " if where else "WHERE ") + f"{src} IS NOT NULL AND {tgt} IS NOT NULL AND {src} <> {tgt}"
    # an actor's country: the first in code order when the events disagree (the same on every database)
    country = ("min(e.source_country) AS source_country, min(e.target_country) AS target_country"
               if by == "actor" else "e.source_country AS source_country, e.target_country AS target_country")
    group = "GROUP BY 1, 2" if by == "actor" else "GROUP BY 1, 2, 5, 6"
    edges = _rows(
        db,
        f"SELECT {src} AS source, {tgt} AS target, count(*) AS count, avg(e.goldstein) AS goldstein_mean, {country} "
        f"FROM {_events_from(needs_documents)} {where} {group} ORDER BY count DESC, source, target",
        params,
    )
    weight: dict[str, int] = {}
    country_of: dict[str, str | None] = {}
    for ed in edges:
        for key, c in ((ed["source"], ed["source_country"]), (ed["target"], ed["target_country"])):
            weight[key] = weight.get(key, 0) + ed["count"]
            country_of.setdefault(key, c)
    keep = set(sorted(weight, key=lambda k: (-weight[k], k))[:limit])
    nodes = [{"id": k, "country": country_of[k], "count": weight[k]}
             for k in sorted(keep, key=lambda k: (-weight[k], k))]
    kept = []
    for ed in edges:
        if ed["source"] in keep and ed["target"] in keep:
            kept.append({"source": ed["source"], "target": ed["target"], "count": ed["count"],
                         "goldstein_mean": None if ed["goldstein_mean"] is None else round(ed["goldstein_mean"], 3)})
    return {"by": by, "nodes": nodes, "edges": kept}


def locations(db, **filters: Any) -> list[dict[str, Any]]:
    """Event locations with coordinates: one row per place, with its event count, mean Goldstein
    score and QuadClass mix."""
    where, params, needs_documents = _event_where(_dialect(db), **filters)
    where = (where + " AND " if where else "WHERE ") + "e.latitude IS NOT NULL AND e.longitude IS NOT NULL"
    rows = _rows(
        db,
        "SELECT e.location_name AS name, e.location_country AS country, e.latitude AS latitude, "
        "e.longitude AS longitude, count(*) AS count, avg(e.goldstein) AS goldstein_mean, "
        "count(*) FILTER (WHERE e.quad = 1) AS quad1, count(*) FILTER (WHERE e.quad = 2) AS quad2, "
        "count(*) FILTER (WHERE e.quad = 3) AS quad3, count(*) FILTER (WHERE e.quad = 4) AS quad4 "
        f"FROM {_events_from(needs_documents)} {where} GROUP BY 1, 2, 3, 4 ORDER BY count DESC, name",
        params,
    )
    for r in rows:
        r["goldstein_mean"] = None if r["goldstein_mean"] is None else round(r["goldstein_mean"], 3)
        r["quad"] = {str(q): r.pop(f"quad{q}") for q in (1, 2, 3, 4)}
    return rows


def overview(db) -> dict[str, Any]:
    """Counts of everything, the date range of the events, the commonest event types and countries."""
    counts = {t: _scalar(db, f"SELECT count(*) FROM {t}", [])
              for t in ("documents", "events", "quotes", "actors", "places", "dates")}
    day = _event_day(db)
    lo, hi = _con(db).execute(f"SELECT min({day}), max({day}) FROM events e").fetchone()
    types = _rows(db, "SELECT coalesce(plover, '(statement)') AS type, count(*) AS count, avg(goldstein) AS "
                      "goldstein_mean FROM events GROUP BY 1 ORDER BY count DESC, type", [])
    countries = _rows(db, "SELECT country, count(*) AS count FROM (SELECT source_country AS country FROM events "
                          "UNION ALL SELECT target_country FROM events) AS sides WHERE country IS NOT NULL "
                          "GROUP BY 1 ORDER BY count DESC, country LIMIT 15", [])
    speakers = _rows(db, "SELECT speaker_name AS name, speaker_country AS country, count(*) AS count FROM quotes "
                         "WHERE speaker_name IS NOT NULL GROUP BY 1, 2 ORDER BY count DESC, name LIMIT 10", [])
    return {"counts": counts, "first_event": _json_ready(lo), "last_event": _json_ready(hi), "types": types,
            "countries": countries, "speakers": speakers}


# ---------------------------------------------------------------------------------------------- export
EXPORTS = {
    "events": (events, EVENT_FILTERS),
    "quotes": (quotes, QUOTE_FILTERS),
    "actors": (actors, ACTOR_FILTERS),
    "documents": (documents, DOCUMENT_FILTERS),
}


def export_rows(db, table: str = "events", *, page: int = 1000, **filters: Any) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` (events, quotes, actors or documents) matching the filters, fetched a
    page at a time. Filters that do not apply to the table are an error."""
    if table not in EXPORTS:
        raise QueryError(f"table={table!r} is not one of {', '.join(EXPORTS)}")
    fn, allowed = EXPORTS[table]
    given = {k: v for k, v in filters.items() if _clean(v) is not None}
    unknown = set(given) - set(allowed)
    if unknown:
        raise QueryError(f"{table} cannot be filtered by {', '.join(sorted(unknown))}")
    offset = 0
    while True:
        rows = fn(db, limit=page, offset=offset, **given)
        yield from rows
        if len(rows) < page:
            return
        offset += page


def as_frame(rows: list[dict[str, Any]]):
    """A pandas DataFrame of query rows (pandas is the ``scale`` extra)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the installation
        raise QueryError("as_frame needs pandas: pip install 'eventwire[scale]'") from None
    return pd.DataFrame.from_records(list(rows))
