"""REST API v1 in-process (httpx.ASGITransport): every endpoint, the filters against a reference
computed in Python, paging, SQL injection strings as literal text, the write token, the body limit,
cross-site and host-name guards, and a store locked by another process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import subprocess
import sys

import httpx
import pytest

from conftest import EXAMPLES

pytest.importorskip("fastapi")

from eventwire import Store, code_documents, read_paths  # noqa: E402
from eventwire.api import create_app  # noqa: E402
from eventwire.store import query as Q  # noqa: E402

BASE = "http://127.0.0.1"
INJECTIONS = ["x' OR '1'='1", "'; DROP TABLE events; --", '" OR 1=1 --', "%", "_", "\\", "') UNION SELECT * FROM documents --"]


class Client:
    """A synchronous face on an httpx.AsyncClient over the ASGI app (no server, no socket)."""

    def __init__(self, app, base_url: str = BASE):
        self.app = app
        self.base_url = base_url

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.base_url) as c:
                return await c.request(method, url, **kw)

        return asyncio.run(go())

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory, nlp):
    """The three examples, stored the way `eventwire code` stores them (rows only)."""
    path = tmp_path_factory.mktemp("api") / "examples.duckdb"
    with Store(path) as store:
        for doc in code_documents(read_paths([str(EXAMPLES)]), nlp):
            assert not isinstance(doc, Exception), doc
            store.add(doc)
    return path


@pytest.fixture(scope="module")
def client(examples_db):
    return Client(create_app(examples_db))


@pytest.fixture()
def writable(examples_db, tmp_path):
    """A copy of the examples store for tests that write."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(examples_db, path)
    return path


@pytest.fixture(scope="module")
def all_events(client):
    r = client.get("/v1/events", params={"limit": 10000})
    assert r.status_code == 200
    return r.json()["items"]


# ---------------------------------------------------------------------------------------------- reading
def test_health_and_overview_count_what_is_stored(client, examples_db):
    assert client.get("/v1/health").json() == {"status": "ok", "documents": 3}
    ov = client.get("/v1/overview").json()
    with Store(examples_db, read_only=True) as s:
        for table in ("documents", "events", "quotes", "actors", "places", "dates"):
            assert ov["counts"][table] == s.count(table)
    assert sum(t["count"] for t in ov["types"]) == ov["counts"]["events"]


def test_documents_list_and_paging(client):
    r = client.get("/v1/documents")
    body = r.json()
    assert body["total"] == 3 and len(body["items"]) == 3 and body["next"] is None
    titles = {d["title"] for d in body["items"]}
    assert any("Peru" in t for t in titles)
    assert all(d["n_events"] > 0 and d["n_quotes"] > 0 for d in body["items"])
    page = client.get("/v1/documents", params={"limit": 1, "offset": 1}).json()
    assert len(page["items"]) == 1 and page["items"][0]["id"] == body["items"][1]["id"]
    assert "offset=2" in page["next"]
    assert client.get("/v1/documents", params={"text": "coffee"}).json()["total"] == 1
    assert client.get("/v1/documents", params={"since": "2025"}).json()["total"] == 1


def test_document_rebuilt_from_rows_points_at_its_words(client):
    doc_id = client.get("/v1/documents").json()["items"][0]["id"]
    d = client.get(f"/v1/documents/{doc_id}").json()
    assert d["id"] == doc_id and d["rebuilt_from_rows"] is True and d["contract"]
    text = d["text"]
    assert d["events"] and d["quotes"] and d["actors"] and d["places"] and d["sentences"]
    for e in d["events"]:
        assert text[e["trigger"]["start"]:e["trigger"]["end"]] == e["trigger"]["text"]
        assert e["sentence"]["text"] == text[e["sentence"]["start"]:e["sentence"]["end"]]
        if e["source"]:
            assert text[e["source"]["start"]:e["source"]["end"]] == e["source"]["text"]
    for q in d["quotes"]:
        assert text[q["content"]["start"]:q["content"]["end"]] == q["content"]["text"]
        assert q["sentence"]["start"] <= q["content"]["start"] < q["sentence"]["end"]
    for a in d["actors"]:
        assert text[a["start"]:a["end"]] == a["text"]
    assert client.get("/v1/documents/ffffffffffffffff").status_code == 404


def test_events_page_and_envelope(client, all_events):
    body = client.get("/v1/events", params={"limit": 5}).json()
    assert body["total"] == len(all_events) > 5 and len(body["items"]) == 5
    assert body["next"].endswith("offset=5") or "offset=5" in body["next"]
    e = body["items"][0]
    for key in ("doc_id", "id", "cameo", "plover", "goldstein", "quad", "source_name", "target_country", "date",
                "trigger_text", "doc_title", "sentence_text"):
        assert key in e
    assert isinstance(e["cameo"], str)


def test_paging_walks_every_event_once(client, all_events):
    seen = []
    offset = 0
    while True:
        body = client.get("/v1/events", params={"limit": 7, "offset": offset, "sort": "cameo", "order": "asc"}).json()
        seen += [(e["doc_id"], e["id"]) for e in body["items"]]
        if not body["next"]:
            break
        offset += 7
    assert len(seen) == len(set(seen)) == len(all_events)


def test_sorting(client):
    rows = client.get("/v1/events", params={"sort": "goldstein", "order": "asc", "limit": 1000}).json()["items"]
    values = [e["goldstein"] for e in rows if e["goldstein"] is not None]
    assert values == sorted(values) and values[0] < values[-1]
    rows = client.get("/v1/events", params={"sort": "date", "order": "desc", "limit": 1000}).json()["items"]
    dates = [e["date"] for e in rows if e["date"]]
    assert dates == sorted(dates, reverse=True)


def _party_matches(e, side, value):
    if len(value) == 3 and value.isalpha() and value.isupper():
        return e[f"{side}_country"] == value
    hay = f"{e[f'{side}_name'] or ''} {e[f'{side}_text'] or ''}".lower()
    return value.lower() in hay


def _reference(events, name, value):
    """The meaning of each filter, written independently of the SQL."""
    out = []
    for e in events:
        if name in ("source", "target"):
            ok = _party_matches(e, name, value)
        elif name == "actor":
            ok = _party_matches(e, "source", value) or _party_matches(e, "target", value)
        elif name == "country":
            ok = value in (e["source_country"], e["target_country"])
        elif name == "type":
            ok = (e["plover"] or "").upper() in {v.strip().upper() for v in value.split(",")}
        elif name == "cameo":
            ok = e["cameo"].startswith(value)
        elif name == "quad":
            ok = e["quad"] == int(value)
        elif name == "since":
            ok = e["date"] is not None and e["date"] >= value[:len(e["date"])]
        elif name == "until":
            ok = e["date"] is not None and e["date"][:len(value)] <= value
        elif name == "place":
            ok = value.lower() in (e["location_name"] or "").lower() or e["location_country"] == value
        elif name == "text":
            ok = value.lower() in e["sentence_text"].lower()
        elif name == "doc_id":
            ok = e["doc_id"] == value
        elif name == "modality":
            ok = e["modality"] == value
        else:
            raise AssertionError(name)
        if ok:
            out.append((e["doc_id"], e["id"]))
    return set(out)


@pytest.mark.parametrize("name,value", [
    ("country", "VNM"), ("country", "PER"), ("source", "MEX"), ("source", "cárdenas"), ("target", "PER"),
    ("target", "government"), ("actor", "VNM"), ("actor", "united nations"), ("type", "ASSAULT"),
    ("type", "accuse,protest"), ("cameo", "1"), ("cameo", "04"), ("cameo", "0874"), ("quad", "4"), ("quad", "1"),
    ("since", "2025-03-11"), ("since", "2024-10"), ("until", "2024-09-16"), ("until", "2024"), ("place", "lima"),
    ("place", "PER"), ("text", "curfew"), ("text", "coffee"), ("modality", "reported"),
])
def test_each_event_filter_matches_its_reference(client, all_events, name, value):
    body = client.get("/v1/events", params={name: value, "limit": 10000}).json()
    got = {(e["doc_id"], e["id"]) for e in body["items"]}
    want = _reference(all_events, name, value)
    assert got == want and body["total"] == len(want)
    assert want or name == "modality", f"the examples should have some events for {name}={value}"


def test_filters_combine(client, all_events):
    body = client.get("/v1/events", params={"country": "VNM", "quad": 1, "limit": 10000}).json()
    want = _reference(all_events, "country", "VNM") & _reference(all_events, "quad", "1")
    assert {(e["doc_id"], e["id"]) for e in body["items"]} == want and want
    doc_id = all_events[0]["doc_id"]
    assert client.get("/v1/events", params={"doc_id": doc_id}).json()["total"] == len(_reference(all_events, "doc_id", doc_id))


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"until": "2024-13-01"}, {"quad": 7}, {"sort": "evil"},
                                    {"order": "sideways"}, {"limit": -1}, {"cameo": "1a"}, {"modality": "wished"}])
def test_bad_parameters_are_422(client, params):
    r = client.get("/v1/events", params=params)
    assert r.status_code == 422, r.text


def test_quotes_and_their_filters(client):
    everything = client.get("/v1/quotes", params={"limit": 10000}).json()
    assert everything["total"] == len(everything["items"]) > 10
    speakers = [q for q in everything["items"] if q["speaker_name"]]
    name = speakers[0]["speaker_name"]
    part = name.split()[-1].lower()
    body = client.get("/v1/quotes", params={"speaker": part, "limit": 10000}).json()
    want = {(q["doc_id"], q["id"]) for q in everything["items"]
            if part in f"{q['speaker_name'] or ''} {q['speaker_text'] or ''}".lower()}
    assert {(q["doc_id"], q["id"]) for q in body["items"]} == want and want
    country = next(q["speaker_country"] for q in everything["items"] if q["speaker_country"])
    body = client.get("/v1/quotes", params={"country": country, "limit": 10000}).json()
    assert body["items"] and all(q["speaker_country"] == country for q in body["items"])
    word = "curfew"
    body = client.get("/v1/quotes", params={"text": word, "limit": 10000}).json()
    assert all(word in q["content_text"].lower() for q in body["items"])
    assert body["total"] == sum(word in q["content_text"].lower() for q in everything["items"])
    assert client.get("/v1/quotes", params={"since": "2025"}).json()["total"] == sum(
        q["doc_published"] >= "2025" for q in everything["items"])


def test_actors_grouped_and_filtered(client, examples_db):
    body = client.get("/v1/actors", params={"limit": 10000}).json()
    with Store(examples_db, read_only=True) as s:
        assert sum(a["mentions"] for a in body["items"]) == s.count("actors")
    mexico = client.get("/v1/actors", params={"country": "MEX", "limit": 10000}).json()["items"]
    assert mexico and all(a["country"] == "MEX" for a in mexico)
    named = client.get("/v1/actors", params={"actor": "cárdenas"}).json()["items"]
    assert named and all("cárdenas" in (a["name"] + " " + " ".join(a["texts"])).lower() for a in named)
    assert client.get("/v1/actors", params={"kind": "person", "limit": 1}).json()["next"]


def test_dyads_are_time_series_per_pair(client, all_events):
    body = client.get("/v1/dyads", params={"interval": "day"}).json()
    assert body["interval"] == "day" and body["by"] == "country"
    dyadic = [e for e in all_events if e["source_country"] and e["target_country"] and e["date"]]
    assert sum(s["count"] for s in body["series"]) == len(dyadic)
    pairs = {(e["source_country"], e["target_country"]) for e in dyadic}
    assert {(s["source"], s["target"]) for s in body["series"]} == pairs
    for s in body["series"]:
        assert sum(p["count"] for p in s["points"]) == s["count"]
        for p in s["points"]:
            assert sum(p["quad"].values()) == p["count"]
            assert p["goldstein_mean"] is None or -10 <= p["goldstein_mean"] <= 10
    months = client.get("/v1/dyads", params={"interval": "month", "source": "MEX"}).json()
    assert months["series"] and all(s["source"] == "MEX" for s in months["series"])
    assert all(p["period"].endswith("-01") for s in months["series"] for p in s["points"])
    assert client.get("/v1/dyads", params={"by": "actor"}).json()["series"]
    assert client.get("/v1/dyads", params={"interval": "fortnight"}).status_code == 422


def test_timeline_counts_every_dated_event(client, all_events):
    body = client.get("/v1/timeline", params={"country": "PER"}).json()
    dated = [e for e in all_events if e["date"] and "PER" in (e["source_country"], e["target_country"])]
    assert sum(p["count"] for p in body["points"]) == len(dated) > 0
    assert body["interval"] in ("day", "week", "month")


def test_network_edges(client, all_events):
    body = client.get("/v1/network", params={"by": "country", "limit": 500}).json()
    pairs = {}
    for e in all_events:
        s, t = e["source_country"], e["target_country"]
        if s and t and s != t:
            pairs[(s, t)] = pairs.get((s, t), 0) + 1
    assert {(x["source"], x["target"]): x["count"] for x in body["edges"]} == pairs
    assert all(x["source"] != x["target"] for x in body["edges"])
    ids = {n["id"] for n in body["nodes"]}
    assert all(x["source"] in ids and x["target"] in ids for x in body["edges"])
    small = client.get("/v1/network", params={"limit": 3}).json()
    assert len(small["nodes"]) <= 3


def test_locations(client, all_events):
    items = client.get("/v1/locations").json()["items"]
    located = [e for e in all_events if e["latitude"] is not None]
    assert sum(p["count"] for p in items) == len(located) > 0
    assert all(-90 <= p["latitude"] <= 90 and -180 <= p["longitude"] <= 180 for p in items)


def test_export_csv_and_jsonl(client, all_events):
    r = client.get("/v1/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="eventwire-events.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(all_events)
    assert {row["cameo"] for row in rows} == {e["cameo"] for e in all_events}  # "010" stays "010"
    r = client.get("/v1/export", params={"format": "jsonl", "country": "VNM"})
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert len(lines) == len(_reference(all_events, "country", "VNM")) and all(
        "VNM" in (x["source_country"], x["target_country"]) for x in lines)
    quotes = client.get("/v1/export", params={"format": "jsonl", "table": "quotes"}).text.splitlines()
    assert len(quotes) == client.get("/v1/quotes").json()["total"]
    actors = list(csv.DictReader(io.StringIO(client.get("/v1/export", params={"table": "actors"}).text)))
    assert json.loads(actors[0]["texts"])  # lists are JSON in CSV cells
    assert client.get("/v1/export", params={"table": "events", "speaker": "x"}).status_code == 422
    assert client.get("/v1/export", params={"bogus": "1"}).status_code == 422
    assert client.get("/v1/export", params={"format": "xml"}).status_code == 422
    assert client.get("/v1/export", params={"country": "ZZZ"}).text == ""


def test_openapi_and_reference_page(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/code", "/v1/documents", "/v1/documents/{doc_id}", "/v1/events", "/v1/quotes", "/v1/actors",
                 "/v1/dyads", "/v1/export"):
        assert path in spec["paths"]
    page = client.get("/docs")
    assert page.status_code == 200 and "/v1/dyads" in page.text and "cdn" not in page.text.lower()
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_every_page_answers(client):
    doc_id = client.get("/v1/documents").json()["items"][0]["id"]
    for url in ("/", f"/documents/{doc_id}", "/code", "/events", "/events?country=VNM&sort=goldstein", "/timeline",
                "/timeline?source=MEX&target=VNM", "/network", "/network?by=country", "/map", "/map?world=1"):
        r = client.get(url, headers={"accept": "text/html"})
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["content-type"].startswith("text/html") and "<script>" not in r.text
    assert client.get("/documents/nope", headers={"accept": "text/html"}).status_code == 404
    assert client.get("/events?since=soon", headers={"accept": "text/html"}).status_code == 422
    assert client.get("/static/style.css").status_code == 200


# ---------------------------------------------------------------------------------------------- SQL injection
@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_are_literal_text(client, examples_db, payload):
    before = client.get("/v1/overview").json()["counts"]
    for name in ("source", "target", "actor", "country", "sector", "type", "place", "text", "doc_id"):
        r = client.get("/v1/events", params={name: payload})
        assert r.status_code == 200, (name, r.text)
        assert r.json()["total"] == 0 or payload in ("%", "_", "\\"), (name, payload)
    for url, names in (("/v1/quotes", ("speaker", "country", "text", "doc_id")),
                       ("/v1/actors", ("actor", "country", "sector", "kind", "doc_id")),
                       ("/v1/documents", ("text", "source"))):
        for name in names:
            r = client.get(url, params={name: payload})
            assert r.status_code == 200, (url, name, r.text)
    assert client.get(f"/v1/documents/{payload}").status_code in (404, 405)
    assert client.get("/v1/overview").json()["counts"] == before


def test_wildcards_are_not_wildcards(client, all_events):
    for payload in ("%", "_"):
        got = client.get("/v1/events", params={"text": payload, "limit": 10000}).json()["total"]
        assert got == sum(payload in e["sentence_text"] for e in all_events)
    assert client.get("/v1/events", params={"cameo": "0%"}).status_code == 422  # not a code prefix


def test_quote_marks_in_text_match_literally(writable):
    c = Client(create_app(writable))
    text = "O'Brien's party said Ireland \"condemned\" Britain on Monday; 50% of voters agreed."
    assert c.post("/v1/documents", json={"text": text, "date": "2024-05-08"}).status_code == 201
    assert c.get("/v1/documents", params={"text": "O'Brien's"}).json()["total"] == 1
    assert c.get("/v1/documents", params={"text": '"condemned"'}).json()["total"] == 1
    assert c.get("/v1/documents", params={"text": "50%"}).json()["total"] == 1
    assert c.get("/v1/documents", params={"text": "5_%"}).json()["total"] == 0


# ---------------------------------------------------------------------------------------------- writing
CONTRACT_KEYS = {"id", "contract", "text", "title", "published", "source", "url", "sentences", "actors", "quotes",
                 "events", "nonfactual_events", "places", "dates", "warnings", "coders"}


def test_code_returns_the_contract_and_stores_only_when_asked(writable):
    c = Client(create_app(writable))
    text = "Poland condemned Belarus on Monday, the foreign ministry said."
    r = c.post("/v1/code", json={"text": text, "date": "2024-04-10", "title": "Warsaw", "url": "https://example.org/a"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert CONTRACT_KEYS <= set(d) and "stored" not in d
    assert d["published"] == "2024-04-10" and d["title"] == "Warsaw" and d["url"] == "https://example.org/a"
    assert any(e["source"] and e["source"]["country"] == "POL" and e["date"] == "2024-04-08" for e in d["events"])
    assert c.get("/v1/documents").json()["total"] == 3
    stored = c.post("/v1/code", json={"text": text, "published": "2024-04-10", "store": True}).json()
    assert stored["stored"] is True
    again = c.post("/v1/code", json={"text": text, "published": "2024-04-10", "store": True}).json()
    assert again["stored"] is False
    back = c.get(f"/v1/documents/{stored['id']}").json()
    stored.pop("stored")
    assert back == stored  # kept as coded, not rebuilt
    assert c.get("/v1/documents").json()["total"] == 4


def test_ingest_answers_with_the_new_id(writable):
    c = Client(create_app(writable))
    r = c.post("/v1/documents", json={"text": "Turkey accused Greece of violating its airspace on Monday.",
                                      "date": "2024-05-08", "title": "Aegean"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["id"]) == 16 and body["created"] is True and body["events"] >= 1
    assert body["url"] == f"/v1/documents/{body['id']}"
    again = c.post("/v1/documents", json={"text": "Turkey accused Greece of violating its airspace on Monday.",
                                          "date": "2024-05-08"})
    assert again.status_code == 200 and again.json() == {**body, "created": False}
    events = c.get("/v1/events", params={"doc_id": body["id"]}).json()
    assert events["total"] == body["events"] and events["items"][0]["source_country"] == "TUR"


@pytest.mark.parametrize("payload", [{"text": ""}, {"text": "   "}, {"text": "x", "date": "yesterday"},
                                     {"text": "x", "colour": "red"}, {"title": "no text"}])
def test_bad_bodies_are_422(writable, payload):
    c = Client(create_app(writable))
    assert c.post("/v1/code", json=payload).status_code == 422
    assert c.post("/v1/documents", json=payload).status_code == 422
    assert c.get("/v1/documents").json()["total"] == 3


def test_reads_see_what_another_writer_added(writable, nlp):
    c = Client(create_app(writable))
    assert c.get("/v1/documents").json()["total"] == 3
    from eventwire import code_text

    with Store(writable) as s:  # like `eventwire code`, between two requests
        s.add(code_text("Japan praised South Korea on Friday.", published="2024-06-02", nlp=nlp))
    assert c.get("/v1/documents").json()["total"] == 4


def test_a_store_locked_by_another_process_gives_503(writable):
    c = Client(create_app(writable, wait=0.3))  # requests wait this long for the file, then 503
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
                               "sys.stdin.read()", str(writable)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = c.get("/v1/events")
        assert r.status_code == 503 and r.headers["retry-after"]
        assert "another process" in r.json()["detail"]
        page = c.get("/events", headers={"accept": "text/html"})
        assert page.status_code == 503 and "another process" in page.text
        w = c.post("/v1/documents", json={"text": "Chile thanked Peru on Monday.", "date": "2024-05-08"})
        assert w.status_code == 503
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert c.get("/v1/events").status_code == 200
    assert c.get("/v1/documents").json()["total"] == 3


# ---------------------------------------------------------------------------------------------- guards
def test_token_needed_on_a_non_loopback_bind(writable):
    c = Client(create_app(writable, host="0.0.0.0", token="s3cret-token"), base_url="http://192.0.2.10:8000")
    body = {"text": "Chile thanked Peru on Monday.", "date": "2024-05-08"}
    assert c.post("/v1/documents", json=body).status_code == 401
    assert c.post("/v1/documents", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post("/v1/code", json=body).status_code == 401
    assert c.get("/v1/documents").json()["total"] == 3  # reads stay open
    assert c.post("/v1/documents", json=body, headers={"Authorization": "Bearer s3cret-token"}).status_code == 201
    assert c.post("/v1/code", json=body, headers={"X-Eventwire-Token": "s3cret-token"}).status_code == 200
    form = c.post("/code", content="text=Chile+thanked+Peru.&keep=1",
                  headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"})
    assert form.status_code == 401


def test_non_loopback_without_a_token_refuses_writes(writable):
    c = Client(create_app(writable, host="0.0.0.0"), base_url="http://192.0.2.10:8000")
    r = c.post("/v1/documents", json={"text": "Chile thanked Peru on Monday."})
    assert r.status_code == 403 and "--token" in r.json()["detail"]
    assert c.get("/v1/events").status_code == 200


def test_loopback_writes_need_no_token_unless_one_is_set(writable):
    open_ = Client(create_app(writable))
    assert open_.post("/v1/code", json={"text": "Chile thanked Peru on Monday."}).status_code == 200
    closed = Client(create_app(writable, token="t0k"))
    assert closed.post("/v1/code", json={"text": "Chile thanked Peru on Monday."}).status_code == 401


def test_body_size_limit(writable):
    c = Client(create_app(writable, max_body=2000))
    big = {"text": "Chile thanked Peru. " * 200}
    r = c.post("/v1/code", json=big)
    assert r.status_code == 413 and "2,000" in r.json()["detail"]

    async def chunks():  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b"x" * 500

    r = c.post("/v1/code", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert c.post("/v1/code", json={"text": "Chile thanked Peru on Monday."}).status_code == 200
    assert c.get("/v1/documents").json()["total"] == 3


def test_cross_site_writes_and_foreign_host_names_are_refused(writable):
    c = Client(create_app(writable))
    body = {"text": "Chile thanked Peru on Monday."}
    assert c.post("/v1/code", json=body, headers={"Origin": "https://evil.example"}).status_code == 403
    assert c.post("/v1/code", json=body, headers={"Origin": "null"}).status_code == 403
    assert c.post("/v1/code", json=body, headers={"Origin": BASE}).status_code == 200
    rebinding = Client(c.app, base_url="http://attacker.example")
    assert rebinding.get("/v1/events").status_code == 421
    assert Client(c.app, base_url="http://localhost:8000").get("/v1/health").status_code == 200
    assert Client(create_app(writable, allowed_hosts=("ew.internal",)), base_url="http://ew.internal").get(
        "/v1/health").status_code == 200


def test_code_form_codes_and_keeps(writable):
    c = Client(create_app(writable))
    form = {"content": "text=Chile+thanked+Peru+on+Monday.&published=2024-05-08&title=%3Cb%3ET%3C%2Fb%3E",
            "headers": {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}}
    r = c.post("/code", **form)
    assert r.status_code == 200 and "Coded, not stored" in r.text and "&lt;b&gt;T&lt;/b&gt;" in r.text
    assert c.get("/v1/documents").json()["total"] == 3
    kept = c.post("/code", content=form["content"] + "&keep=1", headers=form["headers"])
    assert kept.status_code == 303 and kept.headers["location"].startswith("/documents/")
    assert c.get("/v1/documents").json()["total"] == 4
    empty = c.post("/code", content="text=+&published=", headers=form["headers"])
    assert empty.status_code == 422 and "empty" in empty.text


def test_query_functions_work_on_a_store_and_as_frames(examples_db):
    with Store(examples_db, read_only=True) as s:
        rows = Q.events(s, country="VNM", limit=1000)
        frame = Q.as_frame(rows)
        assert len(frame) == Q.count_events(s, country="VNM") == len(rows)
        assert set(frame["doc_id"]) <= {d["id"] for d in Q.documents(s)}
        with pytest.raises(Q.QueryError):
            Q.events(s, colour="red")
        assert sum(1 for _ in Q.export_rows(s, "events", page=5)) == Q.count_events(s)


def test_a_model_that_cannot_load_is_a_clear_500(writable):
    c = Client(create_app(writable, model="no_such_spacy_pipeline"))
    r = c.post("/v1/code", json={"text": "Chile thanked Peru on Monday."})
    assert r.status_code == 500 and "no_such_spacy_pipeline" in r.json()["detail"]
    assert c.get("/v1/health").status_code == 200
