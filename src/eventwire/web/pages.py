"""The workbench's pages. Each reads through ``eventwire.store.query``, like the REST API does."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import dedup
from ..errors import InputError
from ..store import query as Q
from . import draw as R
from . import ENV, render

router = APIRouter(include_in_schema=False)

PAGE_SIZES = (25, 50, 100, 250)


@functools.lru_cache(maxsize=1)
def _cameo_names() -> dict[str, str]:
    from ..knowledge import load_knowledge

    try:
        return {code: c.name for code, c in load_knowledge().cameo.items()}
    except Exception:  # the pages work without labels
        return {}


def cameo_name(code: str | None) -> str | None:
    if not code:
        return None
    names = _cameo_names()
    for c in (code, code[:3], code[:2]):
        if c in names:
            return names[c]
    return None


ENV.globals.update(cameo_name=cameo_name, quad_names=R.QUAD_NAMES, quad_colours=R.QUAD_COLOURS,
                   actor_label=R.actor_label, goldstein_colour=R.goldstein_colour, safe_url=R.safe_url,
                   layers=R.LAYERS, plover_types=R.PLOVER_TYPES)


def _int(value: str | None, default: int, lo: int = 0, hi: int = 10_000) -> int:
    try:
        return max(lo, min(hi, int(value))) if value not in (None, "") else default
    except ValueError:
        raise Q.QueryError(f"{value!r} is not a whole number") from None


def _event_filters(request: Request) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if k in Q.EVENT_FILTERS and v.strip()}


def _db(request: Request):
    return request.app.state.settings.db


# ---------------------------------------------------------------------------------------------- overview
@router.get("/", response_class=HTMLResponse)
def overview(request: Request):
    limit = _int(request.query_params.get("limit"), 50, 1, 500)
    offset = _int(request.query_params.get("offset"), 0)
    text = (request.query_params.get("q") or "").strip()
    f = {"text": text} if text else {}
    with _db(request).read() as con:
        stats = Q.overview(con)
        docs = Q.documents(con, limit=limit, offset=offset, **f)
        total = Q.count_documents(con, **f)
        dyads = Q.top_dyads(con, limit=10)
    return render(request, "overview.html", title="Overview", stats=stats, docs=docs, total=total, limit=limit,
                  offset=offset, q=text, dyads=dyads)


# ---------------------------------------------------------------------------------------------- article view
def _segment_titles(view: dict[str, Any]) -> None:
    records = view["records"]

    def short(key: str) -> str:
        r = records[key]
        layer = r["layer"]
        if layer == "event":
            src, tgt = r.get("source") or {}, r.get("target") or {}
            return (f"event {r['cameo']} {r.get('plover') or 'statement'}: {src.get('name') or src.get('text') or '?'}"
                    f" → {tgt.get('name') or tgt.get('text') or '–'}")
        if layer == "actor":
            return f"actor: {R.actor_label(r.get('name') or r.get('text'), r.get('country'), r.get('sector'))}"
        if layer in ("quote", "speaker", "cue"):
            sp = r.get("speaker") or {}
            who = sp.get("name") or sp.get("text") or "unknown speaker"
            return {"quote": f"{r['kind']} quote by {who}", "speaker": f"speaker: {who}",
                    "cue": f"reporting verb of a quote by {who}"}[layer]
        if layer == "place":
            return f"place: {r.get('name') or r.get('text')} ({r.get('country') or '?'})"
        return f"time: {r.get('text')} = {r.get('value') or 'unresolved'}"

    for block in view["blocks"]:
        for seg in block["segments"]:
            seg["title"] = "; ".join(short(k) for k in seg["keys"].split()) if seg["keys"] else ""


def article_context(doc: dict[str, Any]) -> dict[str, Any]:
    view = R.document_view(doc)
    for key, rec in view["records"].items():
        if rec["layer"] == "event":
            rec["cameo_name"] = cameo_name(rec.get("cameo"))
            rec["quad_name"] = R.QUAD_NAMES.get(rec.get("quad"))
    _segment_titles(view)
    return {"doc": doc, "view": view, "doc_url": R.safe_url(doc.get("url"))}


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def article(request: Request, doc_id: str):
    with _db(request).read() as con:
        doc = Q.document(con, doc_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {doc_id!r} in this store")
    kept = request.query_params.get("kept") == "1"
    return render(request, "article.html", title=doc.get("title") or doc["id"], kept=kept, coded_only=False,
                  **article_context(doc))


# ---------------------------------------------------------------------------------------------- code an article
@router.get("/code", response_class=HTMLResponse)
def code_form(request: Request):
    return render(request, "code.html", title="Code an article", form={}, error=None)


@router.post("/code", response_class=HTMLResponse)
async def code_submit(request: Request):
    from ..api.app import code_document
    from ..api.security import authorize
    from starlette.concurrency import run_in_threadpool

    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    raw = (await request.body()).decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    keep = form.get("keep") in ("1", "on", "true")
    authorize(request, form.get("token") or None)
    try:
        doc = await run_in_threadpool(code_document, request, form.get("text", ""), form.get("published") or None,
                                      form.get("title") or None, form.get("url") or None, "web")
    except InputError as exc:
        return render(request, "code.html", status=422, title="Code an article", form=form, error=exc.problem)
    payload = doc.to_dict()
    if keep:
        def store() -> None:
            with _db(request).write() as s:
                if s.add(doc):
                    Q.save_document_json(s, payload)
                    dedup.on_stored(s, doc)  # clustered with copies of the same story as it arrives

        await run_in_threadpool(store)
        return RedirectResponse(f"/documents/{doc.id}?kept=1", status_code=303)
    return render(request, "code.html", title="Coded: " + (doc.title or "article"), form=form, error=None,
                  coded=True, **article_context(payload))


# ---------------------------------------------------------------------------------------------- events browser
@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request):
    filters = _event_filters(request)
    params = dict(request.query_params)
    limit = _int(params.get("limit"), 50, 1, 500)
    offset = _int(params.get("offset"), 0)
    sort = params.get("sort") or "date"
    order = params.get("order") or "desc"
    with _db(request).read() as con:
        rows = Q.events(con, limit=limit, offset=offset, sort=sort, order=order, **filters)
        total = Q.count_events(con, **filters)
    base = {**filters, "sort": sort, "order": order, "limit": limit}
    return render(request, "events.html", title="Events", rows=rows, total=total, filters=filters, limit=limit,
                  offset=offset, sort=sort, order=order, base=base, sorts=list(Q.EVENT_SORTS))


# ---------------------------------------------------------------------------------------------- timeline
@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request):
    filters = _event_filters(request)
    interval = request.query_params.get("interval") or "auto"
    with _db(request).read() as con:
        series = Q.timeline(con, interval=interval, **filters)
        if len(R.periods_between(series["points"][0]["period"], series["points"][-1]["period"], series["interval"])
               if series["points"] else []) > 400 and series["interval"] != "year":
            coarser = {"day": "week", "week": "month", "month": "year"}[series["interval"]]
            series = Q.timeline(con, interval=coarser, **filters)
        dyads = Q.top_dyads(con, limit=15)
        total = Q.count_events(con, **filters)
    chart = R.timeline_chart(series["points"], series["interval"])
    if filters.get("source") and filters.get("target"):
        subject = f"{filters['source']} → {filters['target']}"
    elif filters.get("country"):
        subject = f"events involving {filters['country']}"
    elif filters:
        subject = "filtered events"
    else:
        subject = "all events"
    return render(request, "timeline.html", title="Timeline", series=series, chart=chart, filters=filters,
                  interval=interval, dyads=dyads, subject=subject, total=total)


# ---------------------------------------------------------------------------------------------- network
@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request):
    filters = _event_filters(request)
    by = request.query_params.get("by") or "actor"
    if by not in ("actor", "country"):
        raise Q.QueryError(f"by={by!r} is not actor or country")
    limit = _int(request.query_params.get("limit"), 40, 2, 200)
    with _db(request).read() as con:
        net = Q.network(con, by=by, limit=limit, **filters)
    chart = R.network_chart(net)
    return render(request, "network.html", title="Actor network", net=net, chart=chart, filters=filters, by=by,
                  limit=limit)


# ---------------------------------------------------------------------------------------------- map
@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request):
    filters = _event_filters(request)
    whole = request.query_params.get("world") in ("1", "on", "true")
    with _db(request).read() as con:
        points = Q.locations(con, **filters)
        unlocated = Q.count_events(con, **filters) - sum(p["count"] for p in points)
    chart = R.map_chart(points, whole_world=whole)
    return render(request, "map.html", title="Map", points=points, chart=chart, filters=filters, whole=whole,
                  unlocated=unlocated)


# ---------------------------------------------------------------------------------------------- API reference
@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    spec = request.app.openapi()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _schema_type(p.get("schema", {})), "description": p.get("description") or
                       p.get("schema", {}).get("description", "")} for p in op.get("parameters", [])]
            body = None
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                ref = content["application/json"].get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                schema = spec.get("components", {}).get("schemas", {}).get(name, {})
                body = {"name": name, "fields": [
                    {"name": k, "type": _schema_type(v), "required": k in schema.get("required", []),
                     "description": v.get("description", "")} for k, v in schema.get("properties", {}).items()]}
            operations.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                               "description": op.get("description", ""), "params": params, "body": body,
                               "responses": {k: v.get("description", "") for k, v in op.get("responses", {}).items()}})
    return render(request, "apidocs.html", title="API reference", spec=spec, operations=operations)


def _schema_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_schema_type(s) for s in schema["anyOf"])
    if "const" in schema:
        return str(schema["const"])
    t = schema.get("type", "")
    extra = []
    if "pattern" in schema:
        extra.append(f"pattern {schema['pattern']}")
    if "minimum" in schema or "maximum" in schema:
        extra.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    return t + (f" ({', '.join(extra)})" if extra else "")
