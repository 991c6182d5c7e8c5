"""Export stored events in the formats analysts' tools read.

=================  ===========================================================================================
``plover-jsonl``   one PLOVER record per line (``id``, ``date``, ``actor``, ``recipient``, ``event``, ``mode``,
                   ``context``, ``event_loc``, ``event_text``, ``quad_code``, ``text_info``, ``coder``, ...)
``csv``            one flat row per event (``FLAT_COLUMNS``)
``parquet``        the same flat rows, typed (needs pyarrow)
``gdelt``          GDELT 2.0's 61 event columns, tab-separated with a header row, then provenance columns
``icews``          ICEWS's 20 columns, tab-separated with a header row, then provenance columns
``acled``          ACLED-style columns (comma-separated), then provenance columns
``gexf``           the actor network (GEXF 1.3, for Gephi): actors as nodes, who acted on whom as weighted edges
``sqlite``         tables ``events`` and ``documents`` in a SQLite file, for Datasette
=================  ===========================================================================================

In every format CAMEO codes (and every other code) are strings (``"010"``, never ``10``), coordinates are
``latitude``/``longitude`` (GDELT's ``ActionGeo_Lat`` and ICEWS's ``Latitude`` are kept too, in their own
columns), and every row carries its provenance:
the document id, its URL, where its text was read from (``origin``), the sentence's character offsets and the
coders' versions. The rows come from
``eventwire.store.query`` with the same filters as ``eventwire events``.

Nothing is written over an existing file unless ``force``; the file is written beside its target and
moved into place at the end, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from xml.sax.saxutils import quoteattr

from ..errors import EventwireError
from ..store import query as Q

__all__ = ["ExportError", "FORMATS", "FLAT_COLUMNS", "GDELT_COLUMNS", "ICEWS_COLUMNS", "ACLED_COLUMNS",
           "PROVENANCE_COLUMNS", "export_events", "flat_rows"]


class ExportError(EventwireError):
    """An export cannot be written (the message says why and what to do)."""


# ---------------------------------------------------------------------------------------------- flat rows
#: (column, type) of the flat row; the types are for Parquet and SQLite
FLAT_SCHEMA: list[tuple[str, str]] = [
    ("event_id", "string"), ("doc_id", "string"), ("event", "string"),
    ("date", "string"), ("date_precision", "string"), ("published", "string"),
    ("plover", "string"), ("mode", "string"), ("context", "string"), ("cameo", "string"), ("cameo_name", "string"),
    ("goldstein", "double"), ("quad", "string"),
    ("source_name", "string"), ("source_text", "string"), ("source_country", "string"), ("source_sector", "string"),
    ("source_start", "int"), ("source_end", "int"),
    ("target_name", "string"), ("target_text", "string"), ("target_country", "string"), ("target_sector", "string"),
    ("target_start", "int"), ("target_end", "int"),
    ("trigger_text", "string"), ("trigger_start", "int"), ("trigger_end", "int"),
    ("sentence_start", "int"), ("sentence_end", "int"), ("sentence_number", "int"), ("sentence_text", "string"),
    ("location_name", "string"), ("location_country", "string"), ("latitude", "double"), ("longitude", "double"),
    ("geonameid", "string"),
    ("negated", "bool"), ("modality", "string"), ("reported_by", "string"), ("confidence", "double"),
    ("coder", "string"), ("rule", "string"),
    ("doc_title", "string"), ("doc_source", "string"), ("url", "string"), ("origin", "string"), ("coders", "string"),
]
FLAT_COLUMNS = [c for c, _ in FLAT_SCHEMA]
#: what every tabular format appends (or already has) so each row can be checked against its text
PROVENANCE_COLUMNS = ["doc_id", "event", "url", "origin", "sentence_start", "sentence_end", "trigger_start", "trigger_end",
                      "coder", "rule", "coders", "latitude", "longitude", "cameo", "plover"]


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _documents(db, doc_ids: set[str]) -> dict[str, dict[str, Any]]:
    """id -> source and coders of the documents, and their sentence starts (for sentence numbers)."""
    if not doc_ids:
        return {}
    con = Q._con(db)
    ids = sorted(doc_ids)
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        for doc_id, source, coders, origin in con.execute(
                f"SELECT id, source, coders, origin FROM documents WHERE id IN ({marks})", chunk).fetchall():
            out[doc_id] = {"source": source, "coders": coders or "{}", "origin": origin, "sentences": {}}
        for doc_id, idx, start in con.execute(
                f"SELECT doc_id, idx, start_char FROM sentences WHERE doc_id IN ({marks})", chunk).fetchall():
            out[doc_id]["sentences"][start] = idx + 1
    return out


def _cameo_names() -> dict[str, str]:
    try:
        from ..knowledge import load_knowledge

        return {code: c.name for code, c in load_knowledge().cameo.items()}
    except EventwireError:  # pragma: no cover - the bundled tables are always there
        return {}


def flat_rows(db, *, page: int = 1000, limit: int | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
    """Every event matching the filters as a flat row (``FLAT_COLUMNS``), codes as strings."""
    names = _cameo_names()
    taken = 0
    batch: list[dict[str, Any]] = []

    def emit(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        docs = _documents(db, {r["doc_id"] for r in rows})
        for r in rows:
            d = docs.get(r["doc_id"], {"source": None, "coders": "{}", "origin": None, "sentences": {}})
            cameo = _str(r.get("cameo"))
            yield {
                "event_id": f"{r['doc_id']}-{r['id']}", "doc_id": r["doc_id"], "event": r["id"],
                "date": _str(r.get("date")), "date_precision": r.get("date_precision"),
                "published": _str(r.get("doc_published")),
                "plover": r.get("plover"), "mode": r.get("mode"), "context": r.get("context"),
                "cameo": cameo, "cameo_name": names.get(cameo or ""),
                "goldstein": r.get("goldstein"), "quad": _str(r.get("quad")),
                **{f"{side}_{k}": r.get(f"{side}_{k}") for side in ("source", "target")
                   for k in ("name", "text", "country", "sector", "start", "end")},
                "trigger_text": r.get("trigger_text"), "trigger_start": r.get("trigger_start"),
                "trigger_end": r.get("trigger_end"),
                "sentence_start": r.get("sentence_start"), "sentence_end": r.get("sentence_end"),
                "sentence_number": d["sentences"].get(r.get("sentence_start")),
                "sentence_text": r.get("sentence_text"),
                "location_name": r.get("location_name"), "location_country": r.get("location_country"),
                "latitude": r.get("latitude"), "longitude": r.get("longitude"),
                "geonameid": _str(r.get("geonameid")),
                "negated": r.get("negated"), "modality": r.get("modality"), "reported_by": r.get("reported_by"),
                "confidence": r.get("confidence"), "coder": r.get("coder"), "rule": r.get("rule"),
                "doc_title": r.get("doc_title"), "doc_source": d["source"], "url": r.get("doc_url"), "origin": d["origin"],
                "coders": d["coders"],
            }

    for r in Q.export_rows(db, "events", page=page, **filters):
        if limit is not None and taken >= limit:
            break
        taken += 1
        batch.append(r)
        if len(batch) >= page:
            yield from emit(batch)
            batch = []
    if batch:
        yield from emit(batch)


# ---------------------------------------------------------------------------------------------- writers
def _actor_code(row: dict[str, Any], side: str) -> str | None:
    """A CAMEO-style actor code: country then sector (``RUSGOV``); ``IGO`` bodies keep ``IGO``."""
    parts = [row.get(f"{side}_country") or "", row.get(f"{side}_sector") or ""]
    if parts[0] and parts[0] == parts[1]:
        parts[1] = ""
    code = "".join(parts)
    return code or None


def _provenance(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in PROVENANCE_COLUMNS}


def write_plover(rows: Iterable[dict[str, Any]], fh) -> int:
    n = 0
    for r in rows:
        loc = None
        if r["location_name"] is not None or r["latitude"] is not None:
            loc = {"name": r["location_name"], "country": r["location_country"], "latitude": r["latitude"],
                   "longitude": r["longitude"], "geonameid": r["geonameid"]}
        record = {
            "id": r["event_id"], "date": r["date"], "date_precision": r["date_precision"],
            "actor": _actor_code(r, "source"), "actor_name": r["source_name"] or r["source_text"],
            "actor_country": r["source_country"], "actor_sector": r["source_sector"], "actor_text": r["source_text"],
            "recipient": _actor_code(r, "target"), "recipient_name": r["target_name"] or r["target_text"],
            "recipient_country": r["target_country"], "recipient_sector": r["target_sector"],
            "recipient_text": r["target_text"],
            "event": r["plover"], "mode": r["mode"], "context": r["context"],
            "event_loc": loc, "event_text": r["sentence_text"], "quad_code": r["quad"],
            "cameo": r["cameo"], "goldstein": r["goldstein"],
            "negated": r["negated"], "modality": r["modality"], "confidence": r["confidence"],
            "text_info": {
                "doc_id": r["doc_id"], "event": r["event"], "headline": r["doc_title"], "source": r["doc_source"],
                "url": r["url"], "publication_date": r["published"],
                "sentence_start": r["sentence_start"], "sentence_end": r["sentence_end"],
                "sentence_number": r["sentence_number"], "trigger": r["trigger_text"],
                "trigger_start": r["trigger_start"], "trigger_end": r["trigger_end"],
            },
            "coder": r["coder"], "rule": r["rule"], "coders": json.loads(r["coders"] or "{}"),
        }
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n


def _write_table(rows: Iterable[dict[str, Any]], fh, columns: list[str], convert: Callable[[dict], dict],
                 delimiter: str) -> int:
    w = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    n = 0
    for r in rows:
        out = convert(r)
        w.writerow({k: "" if out.get(k) is None else out[k] for k in columns})
        n += 1
    return n


def write_csv(rows, fh) -> int:
    return _write_table(rows, fh, FLAT_COLUMNS, lambda r: r, ",")


# GDELT 2.0 event table: 61 columns
_GDELT_ACTOR = ["Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code", "Religion2Code",
                "Type1Code", "Type2Code", "Type3Code"]
_GDELT_GEO = ["Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID"]
GDELT_COLUMNS = (["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
                 + [f"Actor1{c}" for c in _GDELT_ACTOR] + [f"Actor2{c}" for c in _GDELT_ACTOR]
                 + ["IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
                    "NumMentions", "NumSources", "NumArticles", "AvgTone"]
                 + [f"Actor1Geo_{c}" for c in _GDELT_GEO] + [f"Actor2Geo_{c}" for c in _GDELT_GEO]
                 + [f"ActionGeo_{c}" for c in _GDELT_GEO] + ["DATEADDED", "SOURCEURL"])
_GDELT_EXTRA = list(PROVENANCE_COLUMNS)


def _day_parts(date: str | None) -> tuple[str, str, str, str]:
    """SQLDATE, MonthYear, Year, FractionDate (GDELT's), from an ISO date prefix."""
    if not date:
        return "", "", "", ""
    y = date[:4]
    m = date[5:7] if len(date) >= 7 else "00"
    d = date[8:10] if len(date) >= 10 else "00"
    import datetime as dt

    try:
        doy = dt.date(int(y), int(m or 1) or 1, int(d or 1) or 1).timetuple().tm_yday
        frac = f"{int(y) + doy / 365:.4f}"
    except ValueError:
        frac = ""
    return f"{y}{m}{d}", f"{y}{m}", y, frac


def _gdelt(r: dict[str, Any]) -> dict[str, Any]:
    sqldate, monthyear, year, frac = _day_parts(r["date"])
    cameo = r["cameo"] or ""
    out: dict[str, Any] = {
        "GLOBALEVENTID": r["event_id"], "SQLDATE": sqldate, "MonthYear": monthyear, "Year": year,
        "FractionDate": frac,
        "IsRootEvent": "1" if r["sentence_number"] == 1 else "0",
        "EventCode": cameo, "EventBaseCode": cameo[:3], "EventRootCode": cameo[:2], "QuadClass": r["quad"],
        "GoldsteinScale": r["goldstein"], "NumMentions": "1", "NumSources": "1", "NumArticles": "1", "AvgTone": "",
        "DATEADDED": (r["published"] or "").replace("-", ""), "SOURCEURL": r["url"] or r["doc_source"],
    }
    for n, side in (("1", "source"), ("2", "target")):
        out[f"Actor{n}Code"] = _actor_code(r, side)
        out[f"Actor{n}Name"] = (r[f"{side}_name"] or r[f"{side}_text"] or "").upper() or None
        out[f"Actor{n}CountryCode"] = r[f"{side}_country"]
        out[f"Actor{n}Type1Code"] = r[f"{side}_sector"]
    if r["latitude"] is not None or r["location_name"]:
        out.update({"ActionGeo_Type": "4" if r["latitude"] is not None else "", "ActionGeo_FullName": r["location_name"],
                    "ActionGeo_CountryCode": r["location_country"], "ActionGeo_Lat": r["latitude"],
                    "ActionGeo_Long": r["longitude"], "ActionGeo_FeatureID": r["geonameid"]})
    out.update(_provenance(r))
    return out


def write_gdelt(rows, fh) -> int:
    return _write_table(rows, fh, GDELT_COLUMNS + _GDELT_EXTRA, _gdelt, "\t")


ICEWS_COLUMNS = ["Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country", "Event Text",
                 "CAMEO Code", "Intensity", "Target Name", "Target Sectors", "Target Country", "Story ID",
                 "Sentence Number", "Publisher", "City", "District", "Province", "Country", "Latitude", "Longitude"]
_ICEWS_EXTRA = list(PROVENANCE_COLUMNS)  # ICEWS capitalises Latitude/Longitude: the lower-case names too


def _country_names() -> dict[str, str]:
    try:
        from ..knowledge import load_knowledge

        return {iso: c.name for iso, c in load_knowledge().countries.items()}
    except EventwireError:  # pragma: no cover
        return {}


def _icews(names: dict[str, str]) -> Callable[[dict], dict]:
    def convert(r: dict[str, Any]) -> dict[str, Any]:
        out = {
            "Event ID": r["event_id"], "Event Date": r["date"],
            "Source Name": r["source_name"] or r["source_text"], "Source Sectors": r["source_sector"],
            "Source Country": names.get(r["source_country"] or "", r["source_country"]),
            "Event Text": r["cameo_name"], "CAMEO Code": r["cameo"], "Intensity": r["goldstein"],
            "Target Name": r["target_name"] or r["target_text"], "Target Sectors": r["target_sector"],
            "Target Country": names.get(r["target_country"] or "", r["target_country"]),
            "Story ID": r["doc_id"], "Sentence Number": r["sentence_number"], "Publisher": r["doc_source"],
            "City": r["location_name"], "District": None, "Province": None,
            "Country": names.get(r["location_country"] or "", r["location_country"]),
            "Latitude": r["latitude"], "Longitude": r["longitude"],
        }
        out.update(_provenance(r))
        return out

    return convert


def write_icews(rows, fh) -> int:
    return _write_table(rows, fh, ICEWS_COLUMNS + _ICEWS_EXTRA, _icews(_country_names()), "\t")


ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "country", "admin1", "admin2", "admin3", "location",
                 "latitude", "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags",
                 "timestamp"]
_ACLED_EXTRA = [c for c in PROVENANCE_COLUMNS if c not in ("latitude", "longitude")]
# ACLED's actor types ("inter" codes) by CAMEO sector
_INTER = {"GOV": "1", "MIL": "1", "COP": "1", "SPY": "1", "REB": "2", "INS": "2", "PTY": "3", "OPP": "3",
          "ETH": "4", "CVL": "7", "REF": "7", "MED": "7", "EDU": "7", "HLH": "7", "REL": "7", "LAB": "7",
          "IGO": "8", "NGO": "8", "BUS": "8"}


def _acled_type(r: dict[str, Any]) -> tuple[str, str, str]:
    """(disorder_type, event_type, sub_event_type) in ACLED's vocabulary, from the PLOVER type and CAMEO code."""
    plover, cameo = r["plover"] or "", r["cameo"] or ""
    if plover == "PROTEST" or cameo.startswith("14"):
        violent = cameo.startswith("145")
        return ("Demonstrations", "Riots" if violent else "Protests",
                "Violent demonstration" if violent else "Peaceful protest")
    if plover == "ASSAULT" or cameo[:2] in ("18", "19", "20"):
        if r["target_sector"] == "CVL" or cameo.startswith("18"):
            return "Political violence", "Violence against civilians", "Attack"
        if cameo.startswith(("195", "194")) or cameo.startswith("20"):
            return "Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack"
        return "Political violence", "Battles", "Armed clash"
    return "Strategic developments", "Strategic developments", (plover.title() if plover else "Other")


def _acled(names: dict[str, str]) -> Callable[[dict], dict]:
    def convert(r: dict[str, Any]) -> dict[str, Any]:
        disorder, etype, sub = _acled_type(r)
        inter1 = _INTER.get(r["source_sector"] or "", "8" if r["source_country"] else "")
        inter2 = _INTER.get(r["target_sector"] or "", "8" if r["target_country"] else "") if r["target_country"] or r["target_name"] else ""
        precision = {"day": "1", "week": "2", "month": "3", "year": "3", "published": "1"}.get(r["date_precision"] or "", "")
        country = r["location_country"] or r["source_country"] or r["target_country"]
        out = {
            "event_id_cnty": r["event_id"], "event_date": r["date"], "year": (r["date"] or "")[:4] or None,
            "time_precision": precision, "disorder_type": disorder, "event_type": etype, "sub_event_type": sub,
            "actor1": r["source_name"] or r["source_text"], "inter1": inter1,
            "actor2": r["target_name"] or r["target_text"], "inter2": inter2,
            "interaction": "".join(sorted(x for x in (inter1, inter2) if x)) or None,
            "civilian_targeting": "Civilian targeting" if etype == "Violence against civilians" else "",
            "iso": country, "country": names.get(country or "", country),
            "location": r["location_name"], "latitude": r["latitude"], "longitude": r["longitude"],
            "geo_precision": "1" if r["latitude"] is not None else "", "source": r["doc_source"],
            "source_scale": "", "notes": r["sentence_text"], "fatalities": "", "tags": r["modality"],
            "timestamp": "",
        }
        out.update(_provenance(r))
        return out

    return convert


def write_acled(rows, fh) -> int:
    return _write_table(rows, fh, ACLED_COLUMNS + _ACLED_EXTRA, _acled(_country_names()), ",")


def write_parquet(rows, path: pathlib.Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("parquet needs pyarrow: pip install 'eventwire[scale]' (or pyarrow)") from None
    types = {"string": pa.string(), "double": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}
    schema = pa.schema([(c, types[t]) for c, t in FLAT_SCHEMA])
    n = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict] = []
        for r in rows:
            batch.append(r)
            n += 1
            if len(batch) >= 5000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return n


def write_sqlite(rows, path: pathlib.Path) -> int:
    types = {"string": "TEXT", "double": "REAL", "int": "INTEGER", "bool": "INTEGER"}
    con = sqlite3.connect(str(path))
    try:
        cols = ", ".join(f'"{c}" {types[t]}' + (" PRIMARY KEY" if c == "event_id" else "") for c, t in FLAT_SCHEMA)
        con.execute(f"CREATE TABLE events ({cols})")
        con.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, title TEXT, published TEXT, source TEXT, url TEXT, "
                    "coders TEXT, n_events INTEGER)")
        insert = f"INSERT INTO events VALUES ({', '.join('?' * len(FLAT_COLUMNS))})"
        docs: dict[str, list[Any]] = {}
        n = 0
        batch: list[list[Any]] = []
        for r in rows:
            batch.append([r[c] for c in FLAT_COLUMNS])
            d = docs.setdefault(r["doc_id"], [r["doc_id"], r["doc_title"], r["published"], r["doc_source"], r["url"],
                                              r["coders"], 0])
            d[-1] += 1
            n += 1
            if len(batch) >= 5000:
                con.executemany(insert, batch)
                batch = []
        con.executemany(insert, batch)
        con.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)", list(docs.values()))
        for c in ("doc_id", "date", "cameo", "plover", "source_country", "target_country"):
            con.execute(f'CREATE INDEX "events_{c}" ON events ("{c}")')
        con.commit()
    finally:
        con.close()
    return n


def write_gexf(rows, fh) -> int:
    """The actor network: one node per actor (its name, else its mention), one directed edge per
    (source, target) pair with the count of events, their mean Goldstein score, and the events' ids,
    documents, URLs and CAMEO codes as provenance."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    n = 0
    for r in rows:
        s = r["source_name"] or r["source_text"]
        t = r["target_name"] or r["target_text"]
        if not s or not t:
            continue
        n += 1
        for key, side in ((s, "source"), (t, "target")):
            node = nodes.setdefault(key, {"country": r[f"{side}_country"], "sector": r[f"{side}_sector"], "events": 0})
            node["events"] += 1
        e = edges.setdefault((s, t), {"count": 0, "goldstein": [], "event_ids": [], "doc_ids": [], "urls": [],
                                      "cameo": [], "first": None, "last": None})
        e["count"] += 1
        if r["goldstein"] is not None:
            e["goldstein"].append(r["goldstein"])
        e["event_ids"].append(r["event_id"])
        for k, v in (("doc_ids", r["doc_id"]), ("urls", r["url"]), ("cameo", r["cameo"])):
            if v and v not in e[k]:
                e[k].append(v)
        if r["date"]:
            e["first"] = min(e["first"] or r["date"], r["date"])
            e["last"] = max(e["last"] or r["date"], r["date"])
    ids = {name: f"n{i}" for i, name in enumerate(sorted(nodes))}
    a = quoteattr
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
             '  <meta><creator>eventwire</creator><description>actor network: who acted on whom</description></meta>\n'
             '  <graph defaultedgetype="directed" mode="static">\n'
             '    <attributes class="node">\n'
             '      <attribute id="country" title="country" type="string"/>\n'
             '      <attribute id="sector" title="sector" type="string"/>\n'
             '      <attribute id="events" title="events" type="integer"/>\n'
             '    </attributes>\n'
             '    <attributes class="edge">\n'
             '      <attribute id="count" title="count" type="integer"/>\n'
             '      <attribute id="goldstein_mean" title="goldstein_mean" type="double"/>\n'
             '      <attribute id="cameo" title="cameo" type="string"/>\n'
             '      <attribute id="event_ids" title="event_ids" type="string"/>\n'
             '      <attribute id="doc_ids" title="doc_ids" type="string"/>\n'
             '      <attribute id="urls" title="urls" type="string"/>\n'
             '      <attribute id="first_date" title="first_date" type="string"/>\n'
             '      <attribute id="last_date" title="last_date" type="string"/>\n'
             '    </attributes>\n'
             '    <nodes>\n')
    for name in sorted(nodes):
        node = nodes[name]
        fh.write(f'      <node id={a(ids[name])} label={a(name)}><attvalues>'
                 f'<attvalue for="country" value={a(node["country"] or "")}/>'
                 f'<attvalue for="sector" value={a(node["sector"] or "")}/>'
                 f'<attvalue for="events" value="{node["events"]}"/></attvalues></node>\n')
    fh.write('    </nodes>\n    <edges>\n')
    for i, ((s, t), e) in enumerate(sorted(edges.items())):
        mean = sum(e["goldstein"]) / len(e["goldstein"]) if e["goldstein"] else 0.0
        values = {"count": str(e["count"]), "goldstein_mean": f"{mean:.3f}", "cameo": " ".join(e["cameo"]),
                  "event_ids": " ".join(e["event_ids"]), "doc_ids": " ".join(e["doc_ids"]),
                  "urls": " ".join(e["urls"]), "first_date": e["first"] or "", "last_date": e["last"] or ""}
        att = "".join(f'<attvalue for="{k}" value={a(v)}/>' for k, v in values.items())
        fh.write(f'      <edge id="e{i}" source={a(ids[s])} target={a(ids[t])} weight="{e["count"]}">'
                 f'<attvalues>{att}</attvalues></edge>\n')
    fh.write('    </edges>\n  </graph>\n</gexf>\n')
    return n


#: format -> (writer, writes to a text handle (True) or to a path (False), the usual file suffix)
FORMATS: dict[str, tuple[Callable, bool, str]] = {
    "plover-jsonl": (write_plover, True, ".jsonl"),
    "csv": (write_csv, True, ".csv"),
    "parquet": (write_parquet, False, ".parquet"),
    "gdelt": (write_gdelt, True, ".tsv"),
    "icews": (write_icews, True, ".tsv"),
    "acled": (write_acled, True, ".csv"),
    "gexf": (write_gexf, True, ".gexf"),
    "sqlite": (write_sqlite, False, ".sqlite"),
}


def export_events(db, format: str, path: str | os.PathLike, *, force: bool = False, limit: int | None = None,
                  **filters: Any) -> int:
    """Write the events matching ``filters`` (those of ``eventwire.store.query.events``) to ``path``
    in ``format``; returns how many events were written. Refuses to replace an existing file unless ``force``."""
    if format not in FORMATS:
        raise ExportError(f"format {format!r} is not one of {', '.join(FORMATS)}")
    target = pathlib.Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a folder: name a file to write")
    if target.exists() and not force:
        raise ExportError(f"{target} exists: choose another file, or pass --force to replace it")
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {target}: the folder {target.parent} does not exist")
    Q.event_where(**{k: v for k, v in filters.items() if Q._clean(v) is not None})  # bad filters fail before writing
    writer, text, _ = FORMATS[format]
    rows = flat_rows(db, limit=limit, **filters)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = pathlib.Path(tmp)
    try:
        if text:
            with open(tmp_path, "w", encoding="utf-8", newline="") as fh:
                n = writer(rows, fh)
        else:
            tmp_path.unlink()  # sqlite and parquet create their own file
            n = writer(rows, tmp_path)
        os.replace(tmp_path, target)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return n
