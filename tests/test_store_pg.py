"""The store on both databases: DuckDB files and PostgreSQL (``--db postgresql://...``).

PostgreSQL tests need a server: set ``EVENTWIRE_TEST_PG`` to a URL whose role may create schemas
(``.ci/run`` starts a throwaway cluster and sets it). Each test gets a schema of its own, dropped
afterwards. Without a reachable server those tests skip, saying why.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import threading
import time
import uuid
from urllib.parse import quote

import pytest

from eventwire.errors import StoreError
from eventwire.store import SCHEMA_VERSION, Store
from eventwire.store import query as Q
from eventwire.store.postgres import redact, translate

try:  # near-duplicate clusters are compared too where the dedup module is there
    from eventwire import dedup
except ImportError:  # pragma: no cover - an older tree
    dedup = None

PG_ENV = "EVENTWIRE_TEST_PG"


@functools.lru_cache(maxsize=1)
def _pg_problem() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    url = os.environ.get(PG_ENV)
    if not url:
        return f"no PostgreSQL server for the tests: set {PG_ENV}=postgresql://user:password@host:port/db"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'eventwire[postgres]')"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"the PostgreSQL server of {PG_ENV} ({redact(url)}) is not reachable: {str(exc).strip()[:200]}"
    return None


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote('-csearch_path=' + schema)}"


@pytest.fixture()
def pg_url():
    """A PostgreSQL URL whose tables live in a fresh schema of their own."""
    problem = _pg_problem()
    if problem:
        pytest.skip(problem)
    base = os.environ[PG_ENV]
    schema = "ewtest_" + uuid.uuid4().hex[:12]
    with _admin(base) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_schema(base, schema)
    finally:
        with _admin(base) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["duckdb", "postgresql"])
def db_url(request, tmp_path):
    """A store location on each backend: a DuckDB file, and a PostgreSQL schema."""
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    return request.getfixturevalue("pg_url")


STORY = ("Poland condemned Belarus on Monday over the detention of three journalists in Grodno. "
         "Polish Foreign Minister Radoslaw Sikorski said on Tuesday that Warsaw would expel a Belarusian diplomat.")
OTHER = "Kenya and Uganda signed a trade agreement in Nairobi on Friday."


# ------------------------------------------------------------------------------------------- unit: SQL
def test_translate_placeholders_outside_quotes_only():
    assert translate("SELECT ? WHERE a = '?' AND b LIKE 'x%'") == "SELECT %s WHERE a = '?' AND b LIKE 'x%%'"
    assert translate('SELECT "odd?name" FROM t WHERE c = ?') == 'SELECT "odd?name" FROM t WHERE c = %s'
    assert translate("SELECT 5 % 3, ?") == "SELECT 5 %% 3, %s"


def test_redact_hides_the_password():
    assert redact("postgresql://ann:s3cr%40t@db.example:5432/news") == "postgresql://ann:***@db.example:5432/news"
    assert redact("postgresql://db.example/news?password=hunter2&sslmode=require") == \
        "postgresql://db.example/news?password=***&sslmode=require"
    assert redact("postgresql://ann@db.example/news") == "postgresql://ann@db.example/news"


# ------------------------------------------------------------------------------------------- both backends
def test_schema_and_version(db_url):
    with Store(db_url) as store:
        assert store.con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert store.count("documents") == 0
    with Store(db_url) as store:  # opening again adds no second version row
        assert store.con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1


def test_newer_schema_is_refused(db_url):
    with Store(db_url) as store:
        store.con.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION + 1])
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        Store(db_url)


def test_version_1_store_is_migrated(db_url):
    with Store(db_url) as store:
        store.con.execute("DROP TABLE learned_actors")
        store.con.execute("UPDATE schema_version SET version = 1")
    with Store(db_url) as store:
        assert store.con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert store.learned_actors() == []


def test_version_2_store_gains_the_origin_column(db_url, code):
    doc = code(STORY, "2024-03-06")
    doc.origin = "wire/feed.jsonl:7"
    with Store(db_url) as store:
        store.con.execute("ALTER TABLE documents DROP COLUMN origin")
        store.con.execute("UPDATE schema_version SET version = 2")
    with Store(db_url) as store:
        assert store.con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        store.add(doc)
        assert store.con.execute("SELECT origin FROM documents WHERE id = ?", [doc.id]).fetchone()[0] == \
            "wire/feed.jsonl:7"


def test_add_is_idempotent_and_complete(db_url, code):
    doc = code(STORY, "2024-03-06")
    with Store(db_url) as store:
        assert store.add(doc) is True
        assert store.add(doc) is False
        assert store.has(doc.id)
        assert store.count("documents") == 1
        assert store.count("sentences") == len(doc.sentences)
        assert store.count("actors") == len(doc.actors)
        assert store.count("events") == len(doc.events) > 0
        assert store.count("quotes") == len(doc.quotes)
        assert store.count("places") == len(doc.places)
        assert store.count("dates") == len(doc.dates)
        learned = {r["name"] for r in store.learned_actors()}
        assert "Radoslaw Sikorski" in learned


def test_learned_people_accumulate(db_url, code):
    later = code("Tomas Ibarra, Chile's deputy foreign minister, met Peruvian officials in Lima on Monday.", "2024-03-04")
    earlier = code("Tomas Ibarra, Chile's deputy foreign minister, criticised Bolivia on Monday.", "2024-02-05")
    with Store(db_url) as store:
        store.add(later)
        store.add(earlier)
        (row,) = [r for r in store.learned_actors(name="ibarra")]
        assert row["mentions"] == 2 and row["country"] == "CHL"
        assert (str(row["first_seen"]), str(row["last_seen"])) == ("2024-02-05", "2024-03-04")
        assert row["evidence_doc"] == later.id  # the first text that taught it
        assert store.learned_actors(at="2024-01-01", name="ibarra") == []


def test_add_many_skips_stored_and_repeated(db_url, code):
    a, b = code(STORY, "2024-03-06"), code(OTHER, "2024-03-08")
    with Store(db_url) as store:
        assert store.add(a)
        assert store.add_many([a, b, b]) == 1
        assert store.add_many([a, b]) == 0
        assert store.count("documents") == 2
        assert store.count("events") == len(a.events) + len(b.events)
        assert store.present([a.id, b.id, "0" * 16]) == {a.id, b.id}


def test_failed_document_leaves_nothing(db_url, code):
    good, bad = code(OTHER, "2024-03-08"), code(STORY, "2024-03-06")
    bad.events[0].cameo = None  # the events table requires a CAMEO code
    with Store(db_url) as store:
        with pytest.raises(StoreError, match=f"could not store document {bad.id}.*nothing of it was written"):
            store.add(bad)
        assert store.count("documents") == 0 and store.count("actors") == 0
        with pytest.raises(StoreError, match="batch of 2 documents"):
            store.add_many([good, bad])
        assert store.count("documents") == 0  # the whole batch, good document included, was rolled back
        assert store.add(good)
        assert store.count("documents") == 1


def test_read_only_store_refuses_writes(db_url, code):
    Store(db_url).close()
    with Store(db_url, read_only=True) as store:
        with pytest.raises(StoreError, match="read-only"):
            store.add(code(OTHER))


def test_filters_with_percent_and_question_marks(db_url, code):
    with Store(db_url) as store:
        store.add(code("Poland condemned Belarus on Monday, citing a 40% rise in border crossings?", "2024-03-06"))
        assert Q.count_events(store, text="40%") == 1
        assert Q.count_events(store, text="crossings?") == 1
        assert Q.count_events(store, text="50%") == 0
        assert Q.count_events(store, text="'; DROP TABLE events; --") == 0
        assert store.count("events") >= 1


def test_document_json_round_trip(db_url, code):
    doc = code(STORY, "2024-03-06")
    with Store(db_url) as store:
        store.add(doc)
        Q.save_document_json(store, doc.to_dict())
        Q.save_document_json(store, doc.to_dict())  # replaced, not duplicated
        assert Q.document(store, doc.id) == json.loads(json.dumps(doc.to_dict()))
        assert store.con.execute("SELECT count(*) FROM document_json").fetchone()[0] == 1


# ------------------------------------------------------------------------------------------- PostgreSQL only
def test_refused_connection_names_host_not_password():
    pytest.importorskip("psycopg")
    url = "postgresql://ann:topsecret99@127.0.0.1:1/news"
    with pytest.raises(StoreError) as info:
        Store(url)
    message = str(info.value)
    assert "127.0.0.1" in message and "topsecret99" not in message
    assert "ann:***@127.0.0.1:1/news" in message


def test_bad_url_is_a_clear_error_without_password():
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as info:
        Store("postgresql://ann:topsecret99@db.example:notaport/news")
    message = str(info.value)
    assert "db.example" in message and "topsecret99" not in message and "cannot open" in message


def test_wait_retries_a_refused_connection_until_it_runs_out(monkeypatch):
    pytest.importorskip("psycopg")
    from eventwire.store.postgres import PGConnection

    tries = []
    real = PGConnection._connect_once

    def counted(self):
        tries.append(1)
        return real(self)

    monkeypatch.setattr(PGConnection, "_connect_once", counted)
    with pytest.raises(StoreError, match="cannot open the PostgreSQL database"):
        Store("postgresql://ann:pw@127.0.0.1:1/news", wait=0.6)
    assert len(tries) > 1
    tries.clear()
    with pytest.raises(StoreError):
        Store("postgresql://ann:pw@127.0.0.1:1/news")  # no wait: one try
    assert len(tries) == 1


def test_connection_killed_mid_document_is_retried(pg_url, code, monkeypatch):
    """The server ends our session half-way through a document's transaction: the document is written
    again on a new connection, once."""
    import eventwire.store as store_module

    doc = code(STORY, "2024-03-06")
    killed = []
    real_insert = store_module.Store._insert

    def insert(self, table, rows):
        real_insert(self, table, rows)
        if table == "actors" and not killed:  # documents and sentences are written, the rest is not
            pid = self.con._conn.info.backend_pid
            with _admin(os.environ[PG_ENV]) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            killed.append(pid)

    monkeypatch.setattr(store_module.Store, "_insert", insert)
    with Store(pg_url) as store:
        assert store.add(doc) is True
        assert killed and store.con.reconnects == 1
        assert store.con._conn.info.backend_pid != killed[0]
        assert store.count("documents") == 1
        assert store.count("events") == len(doc.events)
        assert store.count("actors") == len(doc.actors)
        assert store.add(doc) is False


def _pg_server():
    """(data dir, pg_ctl, user) of the test server when this machine runs it, else None."""
    data = os.environ.get("EVENTWIRE_TEST_PGDATA")
    ctl = shutil.which("pg_ctl") or "/usr/lib/postgresql/15/bin/pg_ctl"
    if not data or not os.path.exists(ctl):
        return None
    return data, ctl, os.environ.get("EVENTWIRE_TEST_PGUSER", "postgres")


def test_server_restart_during_ingest_loses_and_duplicates_nothing(pg_url, code):
    server = _pg_server()
    if server is None:
        pytest.skip("restarting the server needs EVENTWIRE_TEST_PGDATA (its data folder) and pg_ctl here")
    data, ctl, user = server
    docs = [code(f"Poland condemned Belarus on Monday over the arrest of reporter number {i} in Grodno.",
                 "2024-03-06") for i in range(40)]
    added: list[bool] = []
    errors: list[BaseException] = []
    started, restarted = threading.Event(), threading.Event()

    def ingest():
        try:
            with Store(pg_url, reconnect_wait=30) as store:
                for i, d in enumerate(docs):
                    added.append(store.add(d))
                    if i == 3:
                        started.set()
                    if not restarted.is_set():  # slow down until the restart is over, so that it falls mid-run
                        time.sleep(0.2)
                assert restarted.is_set() and store.con.reconnects >= 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            started.set()

    worker = threading.Thread(target=ingest)
    worker.start()
    assert started.wait(60)
    prefix = ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []
    # the server started by pg_ctl keeps its output: give it a log file, not our pipes
    subprocess.run(prefix + [ctl, "-D", data, "-l", os.path.join(data, "restart.log"), "restart", "-m", "fast",
                             "-w"], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    restarted.set()
    worker.join(120)
    assert not worker.is_alive()
    assert not errors, errors
    assert added == [True] * len(docs)
    with Store(pg_url, read_only=True) as store:
        assert store.count("documents") == len(docs)
        rows = store.con.execute("SELECT doc_id, count(*) FROM events GROUP BY doc_id").fetchall()
        assert {r[0]: r[1] for r in rows} == {d.id: len(d.events) for d in docs if d.events}


# ------------------------------------------------------------------------------------------- done when
TXT = ("Armenian Prime Minister Nikol Pashinian accused Azerbaijan on Wednesday of shelling villages near Jermuk. "
       "Azerbaijan's defence ministry denied the claim and said its troops had only returned fire.")
HTML = """<!doctype html><html><head><title>Chile and Peru sign water deal</title>
<meta property="article:published_time" content="2024-05-02"></head><body><article>
<h1>Chile and Peru sign water deal</h1>
<p>Chile and Peru signed an agreement on Thursday to share water from the Lauca river, ending a dispute
that had strained relations for a decade.</p>
<p>Peruvian President Dina Boluarte praised Chile for its patience during the talks in Lima.</p>
</article></body></html>"""
FEED_PAGE = """<!doctype html><html><head><title>Ghana protests over fuel prices</title></head><body><article>
<h1>Ghana protests over fuel prices</h1>
<p>Thousands of people protested in Accra on Saturday against a rise in fuel prices.</p>
<p>Police in Ghana arrested twelve protesters near the parliament building, witnesses said.</p>
</article></body></html>"""
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>{base}</link>
<description>test</description><item><title>Ghana protests over fuel prices</title><link>{base}/ghana.html</link>
<pubDate>Sat, 04 May 2024 09:00:00 GMT</pubDate></item></channel></rss>"""
OUTLET_A = ("Turkey and Greece agreed on Tuesday to reopen talks on maritime borders in the Aegean, officials said. "
            "Greek Prime Minister Kyriakos Mitsotakis met Turkish President Recep Tayyip Erdogan in Athens. "
            "The two leaders promised to keep channels of communication open and to avoid incidents at sea.")
OUTLET_B = ("Greece and Turkey agreed on Tuesday to reopen talks on maritime borders in the Aegean, officials said. "
            "Greek Prime Minister Kyriakos Mitsotakis met Turkish President Recep Tayyip Erdogan in Athens. "
            "The two leaders promised to keep channels of communication open and to avoid incidents at sea, "
            "according to a joint statement.")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def corpus(tmp_path):
    """A mixed corpus on disk plus a feed on a local HTTP server: (paths, feed URL)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "ghana.html").write_text(FEED_PAGE, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (site / "feed.rss").write_text(RSS.format(base=base), encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    files = tmp_path / "in"
    files.mkdir()
    (files / "jermuk.txt").write_text(TXT, encoding="utf-8")
    (files / "jermuk.meta.json").write_text(json.dumps({"published": "2024-05-01", "title": "Jermuk"}))
    (files / "lauca.html").write_text(HTML, encoding="utf-8")
    lines = [json.dumps({"text": OUTLET_A, "title": "Aegean talks", "date": "2024-05-07", "source": "Outlet A"}),
             "{this line is broken",
             json.dumps({"text": OUTLET_B, "title": "Aegean talks resume", "date": "2024-05-07", "source": "Outlet B"})]
    (files / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        yield [str(files / "jermuk.txt"), str(files / "lauca.html"), str(files / "wire.jsonl"),
               f"{base}/feed.rss"]
    finally:
        server.shutdown()
        server.server_close()


def _ingest(paths, url, nlp):
    from eventwire.errors import InputError
    from eventwire.ingest import read_paths
    from eventwire.pipeline import code_documents

    failures = []
    with Store(url) as store:
        docs = []
        for result in code_documents(read_paths(paths, allow_private=True), nlp):
            if isinstance(result, InputError):
                failures.append(str(result))
            else:
                docs.append(result)
        assert store.add_many(docs[:2]) == 2
        for d in docs[2:]:
            assert store.add(d)
        if dedup is not None:
            dedup.cluster(store)
    return failures


def _no_times(value):
    """The same structure without ``coded_at`` (when each database wrote a row is not its content)."""
    if isinstance(value, dict):
        return {k: _no_times(v) for k, v in value.items() if k != "coded_at"}
    if isinstance(value, list):
        return [_no_times(v) for v in value]
    return value


def _snapshot(url):
    with Store(url, read_only=True) as store:
        docs = Q.documents(store, limit=100)
        for d in docs:
            d.pop("coded_at")
        snap = {
            "events": Q.events(store, limit=1000, sort="source", order="asc"),
            "events_filtered": Q.events(store, country="GHA", since="2024-05"),
            "count": Q.count_events(store),
            "quotes": Q.quotes(store, limit=100),
            "actors": Q.actors(store, limit=100),
            "count_actors": Q.count_actors(store),
            "documents": docs,
            "dyads": Q.dyads(store, interval="week"),
            "dyads_actor": Q.dyads(store, by="actor", interval="month"),
            "top_dyads": Q.top_dyads(store),
            "timeline": Q.timeline(store, interval="auto"),
            "network": Q.network(store),
            "locations": Q.locations(store),
            "overview": Q.overview(store),
            "learned": [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
                        for r in store.learned_actors()],
            "rebuilt": [Q.document(store, d["id"]) for d in docs],
        }
        if dedup is not None:  # near-duplicate clusters, and events merged across them
            snap["clusters"] = _no_times(dedup.clusters(store))
            snap["merged"] = _no_times(dedup.merged_events(store, limit=1000))
    return json.loads(json.dumps(snap, sort_keys=True, default=str))


def test_mixed_corpus_gives_identical_results_on_both_backends(corpus, pg_url, tmp_path, nlp):
    duck = str(tmp_path / "corpus.duckdb")
    failures_duck = _ingest(corpus, duck, nlp)
    failures_pg = _ingest(corpus, pg_url, nlp)
    assert len(failures_duck) == 1 and "wire.jsonl:2" in failures_duck[0]
    assert failures_pg == failures_duck
    a, b = _snapshot(duck), _snapshot(pg_url)
    assert a["overview"]["counts"]["documents"] == 5
    assert {d["source"] for d in a["documents"]} >= {"Outlet A", "Outlet B"}
    assert a["count"] > 0 and a["dyads"]["series"]
    assert any(e["source_country"] == "GHA" or e["target_country"] == "GHA" for e in a["events"])
    if dedup is not None:  # the two outlets' versions of the Aegean story form one cluster
        (pair,) = a["clusters"]
        assert {d["source"] for d in pair["documents"]} == {"Outlet A", "Outlet B"}
    for key in a:
        assert a[key] == b[key], key


def test_api_serves_the_same_on_both_backends(db_url):
    """The REST API over either database: store a document through it, then read it back."""
    pytest.importorskip("fastapi")
    import asyncio

    import httpx

    from eventwire.api import create_app

    app = create_app(db_url)

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
            posted = await c.post("/v1/documents", json={"text": STORY, "date": "2024-03-06", "title": "Grodno"})
            events = await c.get("/v1/events", params={"country": "BLR", "text": "journalists"})
            one = await c.get(f"/v1/documents/{posted.json()['id']}")
            return posted, events, one

    posted, events, one = asyncio.run(go())
    assert posted.status_code == 201, posted.text
    assert events.status_code == 200 and events.json()["total"] >= 1
    assert one.status_code == 200 and one.json()["title"] == "Grodno"
    assert "sekret" not in repr(app.state.settings.db.display)


def test_cli_commands_take_a_postgresql_url(pg_url, tmp_path, nlp):
    """--db postgresql://... through ingest, code, events, stats, dyads and export; the password never shown."""
    from typer.testing import CliRunner

    from eventwire.cli import app

    runner = CliRunner()
    (tmp_path / "jermuk.txt").write_text(TXT, encoding="utf-8")
    (tmp_path / "aegean.txt").write_text(OUTLET_A, encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(tmp_path / "jermuk.txt"), "--db", pg_url, "--published", "2024-05-01"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["code", str(tmp_path / "aegean.txt"), "--db", pg_url, "--published", "2024-05-07",
                            "--format", "jsonl", "--workers", "1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["events", "--db", pg_url, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert {e["source_country"] for e in json.loads(r.stdout)} >= {"ARM"}
    r = runner.invoke(app, ["stats", "--db", pg_url, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["counts"]["documents"] == 2
    r = runner.invoke(app, ["dyads", "--db", pg_url, "--format", "json"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "events.csv"
    r = runner.invoke(app, ["export", "--db", pg_url, "--format", "csv", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().count("\n") >= 2
    assert "sekret" not in r.output
    r = runner.invoke(app, ["stats", "--db", "postgresql://ann:topsecret99@127.0.0.1:1/none"])
    assert r.exit_code != 0
    assert "127.0.0.1" in r.output and "topsecret99" not in r.output


def test_missing_database_fails_at_once_without_showing_the_password(pg_url, monkeypatch):
    """Waiting helps while a server starts, not for a database that does not exist: one try, a clear error."""
    from eventwire.store.postgres import PGConnection

    base = os.environ[PG_ENV]
    user = base.partition("://")[2].partition("@")[0].partition(":")[0]
    host = base.partition("@")[2].partition("/")[0]
    tries = []
    real = PGConnection._connect_once

    def counted(self):
        tries.append(1)
        return real(self)

    monkeypatch.setattr(PGConnection, "_connect_once", counted)
    with pytest.raises(StoreError) as info:
        Store(f"postgresql://{user}:Pa55-not-shown@{host}/no_such_database_here", wait=30)
    message = str(info.value)
    assert "Pa55-not-shown" not in message and host.split(":")[0] in message
    assert "no_such_database_here" in message
    assert len(tries) == 1
