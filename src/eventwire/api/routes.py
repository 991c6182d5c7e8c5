"""REST API v1. Every route is a thin shell over ``eventwire.store.query`` and ``eventwire.pipeline``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from .. import dedup
from ..errors import InputError
from ..store import query as Q
from .app import code_document
from .security import authorize

router = APIRouter(prefix="/v1")

Limit = Annotated[int, Query(ge=0, le=Q.MAX_LIMIT, description="How many rows (at most 10,000).")]
Offset = Annotated[int, Query(ge=0, description="Skip this many rows.")]
DatePrefix = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
                                         description="YYYY, YYYY-MM or YYYY-MM-DD")]


# ---------------------------------------------------------------------------------------------- models
class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="The article text, as UTF-8.")
    title: str | None = None
    date: str | None = Field(None, validation_alias=AliasChoices("date", "published"),
                             description="Publication date YYYY-MM-DD, against which relative dates resolve.")
    url: str | None = None
    source: str | None = Field(None, description="Where it came from (defaults to 'api').")
    store: bool = Field(False, description="Also keep the coded document in the store (needs the write token "
                                           "where one is required).")


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    title: str | None = None
    date: str | None = Field(None, validation_alias=AliasChoices("date", "published"))
    url: str | None = None
    source: str | None = None


class Created(BaseModel):
    id: str = Field(description="The document's id (content hash).")
    created: bool = Field(description="False when the same text was already stored.")
    events: int
    quotes: int
    actors: int
    url: str = Field(description="Where to read it back.")


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next: str | None = Field(None, description="The URL of the next page, when there is one.")


# ---------------------------------------------------------------------------------------------- helpers
def event_filters(
    source: Annotated[str | None, Query(description="Source actor: ISO alpha-3 code (RUS, IGO) or part of a name.")] = None,
    target: Annotated[str | None, Query(description="Target actor: ISO alpha-3 code or part of a name.")] = None,
    actor: Annotated[str | None, Query(description="Either side: ISO alpha-3 code or part of a name.")] = None,
    country: Annotated[str | None, Query(description="ISO alpha-3 code of either side.")] = None,
    sector: Annotated[str | None, Query(description="Sector code of either side (GOV, MIL, ...).")] = None,
    type: Annotated[str | None, Query(description="PLOVER event type(s), comma-separated (ACCUSE,ASSAULT).")] = None,
    cameo: Annotated[str | None, Query(pattern=r"^\d{1,4}$", description="CAMEO code prefix (11 finds 110-1125).")] = None,
    quad: Annotated[int | None, Query(ge=1, le=4, description="QuadClass 1-4.")] = None,
    modality: Annotated[Literal["asserted", "reported", "intended"] | None, Query()] = None,
    since: DatePrefix = None,
    until: DatePrefix = None,
    place: Annotated[str | None, Query(description="Part of the location's name, or its ISO alpha-3 country.")] = None,
    text: Annotated[str | None, Query(description="Part of the event's sentence.")] = None,
    doc_id: Annotated[str | None, Query(description="Only this document's events.")] = None,
) -> dict[str, Any]:
    values = dict(source=source, target=target, actor=actor, country=country, sector=sector, type=type, cameo=cameo,
                  quad=quad, modality=modality, since=since, until=until, place=place, text=text, doc_id=doc_id)
    return {k: v for k, v in values.items() if v is not None and v != ""}


EventFilters = Annotated[dict[str, Any], Depends(event_filters)]


def _page(request: Request, items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = None
    if offset + len(items) < total and limit > 0:
        nxt = str(request.url.include_query_params(offset=offset + limit))
    return {"items": items, "total": total, "limit": limit, "offset": offset, "next": nxt}


# ---------------------------------------------------------------------------------------------- writing
@router.post("/code", summary="Code an article and return the JSON contract",
             responses={200: {"description": "The document in the JSON contract (docs/output.md); with "
                                             "`store=true` it also has `stored` (false when already there)."}})
def post_code(body: CodeRequest, request: Request) -> JSONResponse:
    """Code `text` (with its optional `title`, publication `date` and `url`) and return the document in the
    JSON contract. Nothing is kept unless `store` is true."""
    authorize(request)
    doc = code_document(request, body.text, body.date, body.title, body.url, body.source)
    payload = doc.to_dict()
    if body.store:
        payload["stored"] = _store(request, doc, payload)
    return JSONResponse(payload)


def _store(request: Request, doc, payload: dict[str, Any]) -> bool:
    with request.app.state.settings.db.write() as store:
        added = store.add(doc)
        if added:
            Q.save_document_json(store, payload)
            dedup.on_stored(store, doc)  # clustered with copies of the same story as it arrives
    return added


@router.post("/documents", status_code=201, response_model=Created, summary="Ingest an article",
             responses={200: {"description": "The same text was already stored (`created` is false)."}})
def post_document(body: DocumentIn, request: Request):
    """Code the article and keep it in the store. Answers with the document's id (201), or 200 with
    `created: false` when the same text was already there."""
    authorize(request)
    doc = code_document(request, body.text, body.date, body.title, body.url, body.source)
    added = _store(request, doc, doc.to_dict())
    result = {"id": doc.id, "created": added, "events": len(doc.events), "quotes": len(doc.quotes),
              "actors": len(doc.actors), "url": f"/v1/documents/{doc.id}"}
    return JSONResponse(result, status_code=201 if added else 200)


# ---------------------------------------------------------------------------------------------- reading
@router.get("/documents", response_model=Page, summary="List stored documents")
def get_documents(
    request: Request,
    text: Annotated[str | None, Query(description="Part of the title or text.")] = None,
    source: Annotated[str | None, Query(description="Part of the source's name.")] = None,
    since: DatePrefix = None,
    until: DatePrefix = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Documents, newest publication first, with their counts of events, quotes and actors."""
    f = {k: v for k, v in dict(text=text, source=source, since=since, until=until).items() if v}
    with request.app.state.settings.db.read() as con:
        return _page(request, Q.documents(con, limit=limit, offset=offset, **f), Q.count_documents(con, **f),
                     limit, offset)


@router.get("/documents/{doc_id}", summary="One document with all its annotations",
            responses={404: {"description": "No such document."}})
def get_document(request: Request, doc_id: Annotated[str, Path(max_length=64)]):
    """The document in the JSON contract. Documents stored by `eventwire code` are rebuilt from the store's
    rows (they carry `rebuilt_from_rows: true`)."""
    with request.app.state.settings.db.read() as con:
        doc = Q.document(con, doc_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {doc_id!r}")
    return doc


@router.get("/events", response_model=Page, summary="Events, filtered and paged")
def get_events(
    request: Request,
    filters: EventFilters,
    sort: Annotated[Literal[tuple(Q.EVENT_SORTS)], Query(description="Sort key.")] = "date",  # type: ignore[valid-type]
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Events with their document's title and their sentence's text."""
    with request.app.state.settings.db.read() as con:
        rows = Q.events(con, limit=limit, offset=offset, sort=sort, order=order, **filters)
        return _page(request, rows, Q.count_events(con, **filters), limit, offset)


@router.get("/quotes", response_model=Page, summary="Quotes with their speakers")
def get_quotes(
    request: Request,
    speaker: Annotated[str | None, Query(description="Part of the speaker's name or mention.")] = None,
    country: Annotated[str | None, Query(description="The speaker's ISO alpha-3 country.")] = None,
    text: Annotated[str | None, Query(description="Part of what was said.")] = None,
    since: DatePrefix = None,
    until: DatePrefix = None,
    doc_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Who said what; `since`/`until` bound the document's publication date."""
    f = {k: v for k, v in dict(speaker=speaker, country=country, text=text, since=since, until=until,
                               doc_id=doc_id).items() if v}
    with request.app.state.settings.db.read() as con:
        return _page(request, Q.quotes(con, limit=limit, offset=offset, **f), Q.count_quotes(con, **f), limit, offset)


@router.get("/actors", response_model=Page, summary="Actors, with how often they are mentioned")
def get_actors(
    request: Request,
    actor: Annotated[str | None, Query(description="Part of the actor's name or mention.")] = None,
    country: Annotated[str | None, Query(description="ISO alpha-3 code.")] = None,
    sector: Annotated[str | None, Query(description="Sector code (GOV, MIL, ...).")] = None,
    kind: Annotated[str | None, Query(description="person, org, igo, ngo, country, government, group")] = None,
    since: DatePrefix = None,
    until: DatePrefix = None,
    doc_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """One row per actor (name, country, sector, kind) with its mentions and documents."""
    f = {k: v for k, v in dict(actor=actor, country=country, sector=sector, kind=kind, since=since, until=until,
                               doc_id=doc_id).items() if v}
    with request.app.state.settings.db.read() as con:
        return _page(request, Q.actors(con, limit=limit, offset=offset, **f), Q.count_actors(con, **f), limit, offset)


Interval = Annotated[Literal["auto", "day", "week", "month", "year"], Query(description="Period of each point.")]
By = Annotated[Literal["country", "actor"], Query(description="Pair countries (ISO codes) or actors (names).")]


@router.get("/dyads", summary="Time series per source/target pair")
def get_dyads(request: Request, filters: EventFilters, by: By = "country", interval: Interval = "auto"):
    """For each directed (source, target) pair among the filtered events: per period, the event count, the
    mean Goldstein score and the QuadClass mix (`quad`: counts of 1 verbal cooperation, 2 material
    cooperation, 3 verbal conflict, 4 material conflict). Events dated only to a coarser period than the
    interval are counted on that period's first day (`coarser` says how many)."""
    with request.app.state.settings.db.read() as con:
        return Q.dyads(con, by=by, interval=interval, **filters)


@router.get("/timeline", summary="One time series over the filtered events")
def get_timeline(request: Request, filters: EventFilters, interval: Interval = "auto"):
    """Like `/v1/dyads`, but one series over every event the filters keep (a country: `country=ARM`)."""
    with request.app.state.settings.db.read() as con:
        return Q.timeline(con, interval=interval, **filters)


@router.get("/network", summary="Who acts on whom")
def get_network(request: Request, filters: EventFilters, by: Annotated[Literal["actor", "country"], Query()] = "actor",
                limit: Annotated[int, Query(ge=1, le=500, description="Most nodes.")] = 40):
    """Directed edges (source -> target) with their event count and mean Goldstein score."""
    with request.app.state.settings.db.read() as con:
        return Q.network(con, by=by, limit=limit, **filters)


@router.get("/locations", summary="Event locations with coordinates")
def get_locations(request: Request, filters: EventFilters):
    with request.app.state.settings.db.read() as con:
        return {"items": Q.locations(con, **filters)}


@router.get("/overview", summary="Counts and the commonest types, countries and speakers")
def get_overview(request: Request):
    with request.app.state.settings.db.read() as con:
        return Q.overview(con)


@router.get("/health", summary="Is the server up, and can it read the store?")
def get_health(request: Request):
    db = request.app.state.settings.db
    with db.read() as con:
        n = Q.count_documents(con)
    return {"status": "ok", "documents": n}


EXPORT_FILTERS = sorted(set(Q.EVENT_FILTERS) | set(Q.QUOTE_FILTERS) | set(Q.ACTOR_FILTERS) | set(Q.DOCUMENT_FILTERS))


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(buf, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in row.items()})
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, default=str) + "\n"


@router.get("/export", summary="Download events, quotes, actors or documents as CSV or JSON lines",
            responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
            # the filters are read from the query string as a whole; listed here so the reference shows them
            openapi_extra={"parameters": [{"name": name, "in": "query", "required": False,
                                           "schema": {"type": "string"}, "description": "A filter of the table's own endpoint."}
                                          for name in EXPORT_FILTERS]})
def get_export(
    request: Request,
    format: Annotated[Literal["csv", "jsonl"], Query(description="csv or jsonl")] = "csv",
    table: Annotated[Literal["events", "quotes", "actors", "documents"], Query()] = "events",
):
    """Every matching row, streamed. Filters are those of the table's own endpoint (events: source, target,
    actor, country, type, cameo, since, until, place, text...; quotes: speaker, country, text...)."""
    filters = {k: v for k, v in request.query_params.items() if k in EXPORT_FILTERS and v}
    unknown = [k for k in request.query_params if k not in EXPORT_FILTERS and k not in ("format", "table")]
    if unknown:
        raise Q.QueryError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    db = request.app.state.settings.db
    con = db.open_read()
    try:
        rows = Q.export_rows(con, table, **filters)
        first = next(rows, None)  # validates the filters before anything is sent
    except BaseException:
        db.close_read(con)
        raise

    def stream() -> Iterator[str]:
        try:
            if first is None:
                return
            chained = _chain(first, rows)
            yield from (_csv(chained) if format == "csv" else _jsonl(chained))
        finally:
            db.close_read(con)

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    name = f"eventwire-{table}.{format}"
    return StreamingResponse(stream(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


__all__ = ["router", "InputError"]
