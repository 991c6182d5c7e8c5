"""Deduplication: copies of one story on several outlets are clustered (MinHash, LSH), incrementally
and reproducibly, and their events merged with counts of articles and outlets. Runs on DuckDB in memory,
and on PostgreSQL too when EVENTWIRE_TEST_PG names a server (each test in a schema of its own)."""

from __future__ import annotations

import json
import os
import re
import uuid
from urllib.parse import quote

import numpy as np
import pytest
from typer.testing import CliRunner

from eventwire import dedup
from eventwire.cli import app
from eventwire.pipeline import document_id
from eventwire.records import Document
from eventwire.store import Store
from eventwire.store.query import as_frame

# ------------------------------------------------------------------------------------------- the articles
# One story as a wire service wrote it (BALTIC), as another outlet rewrote it (EURO: its own headline,
# two paragraphs swapped, a sentence reworded, a paragraph added), and a corrected version on the first
# outlet's site. OTHER is a different story about the same two countries.
BALTIC = """Poland summoned the Belarusian ambassador on Tuesday after shots were fired across the border near the village of Bialowieza, the foreign ministry in Warsaw said.

Polish Foreign Minister Radoslaw Sikorski condemned Belarus for what he called a deliberate provocation and demanded an explanation within 48 hours.

According to the Polish border guard, two soldiers patrolling the fence heard several shots from the Belarusian side late on Monday. Nobody was injured, and the soldiers did not return fire.

Belarus denied the accusation. A spokesman for the State Border Committee in Minsk said Belarusian guards had not opened fire and accused Poland of staging the incident to justify new restrictions.

The European Union expressed support for Poland and called on Belarus to stop provocations along the bloc's eastern border.

Relations between Warsaw and Minsk have been tense since 2021, when thousands of migrants tried to cross into Poland from Belarus.
"""

EURO = """Poland summoned the Belarusian ambassador on Tuesday after shots were fired across the border near the village of Bialowieza, the Polish foreign ministry said.

According to the Polish border guard, two soldiers patrolling the fence heard several shots from the Belarusian side late on Monday. Nobody was injured, and the soldiers did not return fire.

Polish Foreign Minister Radoslaw Sikorski condemned Belarus for what he called a deliberate provocation and demanded an explanation within 48 hours.

Belarus denied the accusation. A spokesman for the State Border Committee in Minsk said Belarusian guards had not opened fire, and he accused Poland of staging the incident to justify new restrictions.

NATO said it was following the situation closely. Lithuania, which also borders Belarus, said it would reinforce its own patrols along the frontier this week.

The European Union expressed support for Poland and called on Belarus to stop provocations along the bloc's eastern border.

Relations between Warsaw and Minsk have been tense since 2021, when thousands of migrants tried to cross into Poland from Belarus.
"""

BALTIC_CORRECTED = BALTIC.replace("late on Monday.", "late on Monday evening.") + (
    "\nThis story was corrected to give the time of the shooting.\n")

OTHER = """Belarus released a Polish journalist on Thursday after eleven months in detention, and Poland thanked Minsk for the gesture.

The reporter, who had covered the 2020 protests in Minsk, crossed into Poland at the Terespol checkpoint, the Polish foreign ministry said.

Polish Foreign Minister Radoslaw Sikorski praised the release but said relations with Belarus would stay frozen while political prisoners remained behind bars.

Belarusian officials said the journalist had been pardoned by President Alexander Lukashenko on humanitarian grounds.

Poland and Belarus have not held formal talks since the border crisis of 2021.
"""

ARTICLES = [  # (text, title, source, url), in the order they are stored
    (BALTIC, "Poland summons Belarusian envoy after border shooting", "Baltic Wire",
     "https://balticwire.example/2024/06/04/border"),
    (EURO, "Warsaw protests to Minsk over shots fired at border patrol", None,
     "https://www.eurodaily.example/world/poland-belarus-shots"),
    (OTHER, "Belarus frees Polish reporter", "Baltic Wire", "https://balticwire.example/2024/05/30/reporter"),
    (BALTIC_CORRECTED, "Poland summons Belarusian envoy after border shooting (corrected)", "Baltic Wire",
     "https://balticwire.example/2024/06/04/border-corrected"),
]


def _exact_jaccard(a: str, b: str, k: int = 3) -> float:
    def sh(t):
        w = re.findall(r"\w+", t.lower())
        return {tuple(w[i:i + k]) for i in range(len(w) - k + 1)}

    x, y = sh(a), sh(b)
    return len(x & y) / len(x | y)


# ------------------------------------------------------------------------------------------- stores
PG_ENV = "EVENTWIRE_TEST_PG"


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request):
    """A fresh store: DuckDB in memory, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "duckdb":
        yield ":memory:"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"no PostgreSQL server: set {PG_ENV}=postgresql://user:password@host:port/db")
    psycopg = pytest.importorskip("psycopg")
    schema = "ewdedup_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote('-csearch_path=' + schema)}"
    finally:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture()
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def _plain(text: str, title=None, source=None, url=None) -> Document:
    """A document with its text and metadata only (clustering reads nothing else)."""
    return Document(id=document_id(text), text=text, title=title, source=source, url=url)


def _store_plain(store, articles=ARTICLES) -> list[str]:
    ids = []
    for text, title, source, url in articles:
        doc = _plain(text, title, source, url)
        store.add(doc)
        ids.append(doc.id)
    return ids


def _partition(db) -> dict[str, str]:
    return {r["doc_id"]: r["cluster_id"] for r in dedup.document_clusters(db)}


# ------------------------------------------------------------------------------------------- signatures
def test_the_articles_are_what_the_tests_claim():
    assert _exact_jaccard(BALTIC, EURO) > 0.6
    assert _exact_jaccard(BALTIC, BALTIC_CORRECTED) > 0.8
    assert _exact_jaccard(BALTIC, OTHER) < 0.05 and _exact_jaccard(EURO, OTHER) < 0.05


def test_signature_estimates_the_jaccard_index():
    for a, b in ((BALTIC, EURO), (BALTIC, BALTIC_CORRECTED), (EURO, OTHER)):
        est = dedup.similarity(dedup.signature(a)[0], dedup.signature(b)[0])
        assert abs(est - _exact_jaccard(a, b)) < 0.15, (est, _exact_jaccard(a, b))


def test_signature_is_deterministic_and_ignores_case_and_punctuation():
    sig, n = dedup.signature(BALTIC)
    assert sig.dtype == np.uint32 and sig.shape == (dedup.NUM_PERM,)
    assert n == len({tuple(w) for w in zip(*(dedup.words(BALTIC)[i:] for i in range(3)))})
    again, _ = dedup.signature(BALTIC)
    assert np.array_equal(sig, again)
    shouted, _ = dedup.signature(re.sub(r"[.,']", " ; ", BALTIC.upper()))
    assert np.array_equal(sig, shouted)
    assert len(dedup.band_buckets(sig)) == dedup.BANDS
    assert dedup.band_buckets(sig) == dedup.band_buckets(again)


def test_short_and_empty_texts():
    sig, n = dedup.signature("Ceasefire")
    assert n == 1
    same, _ = dedup.signature("ceasefire!")
    assert dedup.similarity(sig, same) == 1.0
    empty, n0 = dedup.signature(" -- ... ")
    assert n0 == 0 and dedup.similarity(empty, sig) == 0.0


def test_banding_catches_copies_and_skips_strangers():
    assert dedup.candidate_probability(0.5) > 0.99
    assert dedup.candidate_probability(0.7) > 0.9999
    assert dedup.candidate_probability(0.02) < 0.001
    assert dedup.BANDS * dedup.ROWS <= dedup.NUM_PERM


def test_outlet_is_the_source_else_the_url_host():
    assert dedup.outlet("Baltic Wire", "https://balticwire.example/x") == "Baltic Wire"
    assert dedup.outlet(None, "https://www.EuroDaily.example/world/x") == "eurodaily.example"
    assert dedup.outlet("https://feeds.example.org/item/3", None) == "feeds.example.org"
    assert dedup.outlet("  ", None) is None
    # where the text was read is not an outlet: the readers put it there when the input names none
    assert dedup.outlet("dumps/news.jsonl:12", "https://www.ap.example/x") == "ap.example"
    assert dedup.outlet("corpus/a1.txt", None) == "corpus/a1.txt"
    assert dedup.outlet("stdin", "http://outlet.example/a") == "outlet.example"


# ------------------------------------------------------------------------------------------- clustering
def test_copies_cluster_and_another_story_does_not(store):
    baltic, euro, other, corrected = _store_plain(store)
    report = dedup.cluster(store)
    assert report.documents == 4 and report.clusters == 1 and report.clustered == 4
    part = _partition(store)
    assert part[euro] == part[corrected] == part[baltic] == baltic  # the earliest stored names the cluster
    assert part[other] == other
    (c,) = dedup.clusters(store)
    assert c["cluster_id"] == baltic and c["size"] == 3 and c["sources"] == 2
    assert [d["doc_id"] for d in c["documents"]] == [baltic, euro, corrected]
    links = {(d["doc_id"], x["doc_id"]): x["similarity"] for d in c["documents"] for x in d["similar_to"]}
    assert links[(euro, baltic)] >= dedup.DEFAULT_THRESHOLD
    singles = dedup.clusters(store, min_size=1)
    assert {x["cluster_id"] for x in singles} == {baltic, other}


def test_reruns_add_nothing_and_delete_nothing(store):
    _store_plain(store)
    dedup.cluster(store)
    before = _partition(store)
    n_docs = store.count("documents")
    again = dedup.cluster(store)
    assert again.documents == 0 and again.links == 0
    assert _partition(store) == before
    assert store.count("documents") == n_docs


def test_rebuild_gives_the_same_clusters(store):
    _store_plain(store)
    dedup.cluster(store)
    before = _partition(store)
    rows = store.con.execute("SELECT count(*) FROM dedup_buckets").fetchone()[0]
    report = dedup.cluster(store, rebuild=True)
    assert report.rebuilt and report.documents == 4
    assert _partition(store) == before
    assert store.con.execute("SELECT count(*) FROM dedup_buckets").fetchone()[0] == rows


def test_one_by_one_as_stored_equals_all_at_once(store):
    ids = []
    for text, title, source, url in ARTICLES:
        doc = _plain(text, title, source, url)
        assert store.add(doc)
        assert dedup.on_stored(store, doc) is True  # the hook the ingest paths call
        ids.append(doc.id)
    incremental = _partition(store)
    assert incremental[ids[1]] == ids[0] and incremental[ids[2]] == ids[2]
    dedup.cluster(store, rebuild=True)
    assert _partition(store) == incremental


def test_a_bridging_document_joins_two_clusters_under_the_older_id(store):
    first = " ".join(BALTIC.split()[:80])
    second = " ".join(OTHER.split()[:80])
    bridge = first + " " + second
    a, b = _plain(first), _plain(second)
    store.add(a)
    store.add(b)
    dedup.cluster(store, threshold=0.35)
    assert _partition(store) == {a.id: a.id, b.id: b.id}
    c = _plain(bridge)
    store.add(c)
    assert dedup.on_stored(store, c)
    assert _partition(store) == {a.id: a.id, b.id: a.id, c.id: a.id}
    dedup.cluster(store, rebuild=True)
    assert _partition(store) == {a.id: a.id, b.id: a.id, c.id: a.id}


def test_threshold_is_checked_and_kept(store):
    _store_plain(store)
    with pytest.raises(dedup.DedupError, match="threshold=1.5 is outside"):
        dedup.cluster(store, threshold=1.5)
    with pytest.raises(dedup.DedupError, match="'high' is not a number"):
        dedup.cluster(store, threshold="high")
    dedup.cluster(store, threshold=0.6)
    with pytest.raises(dedup.DedupError, match="made with threshold 0.6, not 0.9.*--rebuild"):
        dedup.cluster(store, threshold=0.9)
    dedup.cluster(store, threshold=0.9, rebuild=True)
    part = _partition(store)
    ids = [document_id(a[0]) for a in ARTICLES]
    assert part[ids[3]] == ids[0]  # the corrected copy is above 0.9
    assert part[ids[1]] == ids[1]  # the rewritten one is not
    later = _plain("A wholly unrelated note about the weather in Lisbon on Sunday afternoon.")
    store.add(later)
    assert dedup.cluster(store).threshold == 0.9  # later runs keep the store's threshold


def test_unknown_document_is_named(store):
    with pytest.raises(dedup.DedupError, match="no stored document with id feedfacefeedface"):
        dedup.cluster(store, ["feedfacefeedface"])


def test_hook_failure_is_a_warning_not_a_lost_document(store, caplog):
    doc = _plain(BALTIC)
    store.add(doc)
    store.con.execute("CREATE TABLE IF NOT EXISTS dedup_settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    store.con.execute("INSERT INTO dedup_settings VALUES ('threshold', 'not a number')")
    with caplog.at_level("WARNING", logger="eventwire.dedup"):
        assert dedup.on_stored(store, doc) is False
    assert f"document {doc.id} was stored but not clustered" in caplog.text
    assert "eventwire dedup" in caplog.text
    assert store.has(doc.id)


# ------------------------------------------------------------------------------------------- merged events
@pytest.fixture()
def coded_store(store, code):
    ids = []
    for text, title, source, url in ARTICLES:
        doc = code(text, "2024-06-04")
        doc.title, doc.source, doc.url = title, source, url
        store.add(doc)
        dedup.on_stored(store, doc)
        ids.append(doc.id)
    return store, ids


def _shared(rows):
    """The merged event 'Sikorski accused Belarus' (CAMEO 111)."""
    return [r for r in rows if r["cameo"] == "111" and r["source_country"] == "POL" and r["target_country"] == "BLR"
            and "sikorski" in (r["source_name"] or "").lower()]


def test_merged_events_count_articles_and_outlets(coded_store):
    store, (baltic, euro, other, corrected) = coded_store
    rows = dedup.merged_events(store, limit=500)
    (shared,) = _shared(rows)
    assert shared["cluster_id"] == baltic
    assert shared["articles"] == 3 and shared["sources"] == 2  # Baltic Wire twice, eurodaily.example once
    assert sorted(shared["outlets"]) == ["Baltic Wire", "eurodaily.example"]
    assert sorted(shared["doc_ids"]) == sorted([baltic, euro, corrected])
    # reversible: the member ids are the stored events, one per article
    members = [tuple(x.split("/")) for x in shared["event_ids"]]
    assert len(members) == shared["events"] == 3
    for doc_id, event_id in members:
        row = store.con.execute("SELECT cameo, source_name FROM events WHERE doc_id = ? AND id = ?",
                                [doc_id, event_id]).fetchone()
        assert row[0] == "111" and "Sikorski" in row[1]
    # the other story's events stay apart, each reported once
    assert all(r["articles"] == 1 for r in rows if r["cluster_id"] == other)
    assert any(r["cluster_id"] == other for r in rows)
    # every stored event is in exactly one merged event
    total = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
    assert sum(r["events"] for r in rows) == total
    assert rows[0]["articles"] == max(r["articles"] for r in rows)


def test_merged_events_take_the_event_filters(coded_store):
    store, (baltic, euro, other, corrected) = coded_store
    ltu = dedup.merged_events(store, country="LTU")
    assert ltu and all(r["source_country"] == "LTU" or r["target_country"] == "LTU" for r in ltu)
    assert all(r["articles"] == 1 and r["doc_ids"] == [euro] for r in ltu)  # only EURO added Lithuania
    often = dedup.merged_events(store, min_articles=2)
    assert often and all(r["articles"] >= 2 for r in often)
    assert _shared(often)
    only_other = dedup.merged_events(store, doc_id=other)
    assert only_other and {r["cluster_id"] for r in only_other} == {other}
    frame = as_frame(dedup.merged_events(store, cameo="111"))
    assert {"cluster_id", "articles", "sources", "event_ids"} <= set(frame.columns)
    assert (frame["articles"] >= 1).all()
    with pytest.raises(ValueError, match="unknown event filter"):
        dedup.merged_events(store, colour="red")
    with pytest.raises(dedup.DedupError, match="min_articles=0"):
        dedup.merged_events(store, min_articles=0)


def test_merged_events_before_any_clustering_count_each_document_alone(store, code):
    doc = code(BALTIC, "2024-06-04")
    store.add(doc)  # no hook: the dedup tables do not exist yet
    rows = dedup.merged_events(store)
    assert rows and all(r["cluster_id"] == doc.id and r["articles"] == 1 for r in rows)
    assert dedup.clusters(store) == []


# ------------------------------------------------------------------------------------------- command line
runner = CliRunner()


def _jsonl_corpus(path):
    with open(path, "w", encoding="utf-8") as f:
        for text, title, source, url in ARTICLES:
            f.write(json.dumps({"text": text, "title": title, "source": source, "url": url,
                                "date": "2024-06-04"}) + "\n")


def test_ingest_clusters_as_it_stores_and_dedup_lists(tmp_path):
    corpus, db = tmp_path / "news.jsonl", str(tmp_path / "news.duckdb")
    _jsonl_corpus(corpus)
    r = runner.invoke(app, ["ingest", str(corpus), "--db", db])
    assert r.exit_code == 0, r.output
    ids = [document_id(a[0]) for a in ARTICLES]
    with Store(db, read_only=True) as s:
        part = _partition(s)
    assert part == {ids[0]: ids[0], ids[1]: ids[0], ids[2]: ids[2], ids[3]: ids[0]}  # clustered by the hook
    r = runner.invoke(app, ["dedup", "--db", db, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "clustered 0 document(s)" in r.stderr  # nothing was left for the command
    (c,) = json.loads(r.stdout)
    assert c["cluster_id"] == ids[0] and c["size"] == 3 and c["sources"] == 2
    r = runner.invoke(app, ["dedup", "--db", db, "--rebuild", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "rebuilt: clustered 4 document(s)" in r.stderr
    assert json.loads(r.stdout)[0]["documents"] == c["documents"]
    r = runner.invoke(app, ["dedup", "--db", db, "--events", "--min-articles", "2", "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    (shared,) = _shared(rows)
    assert shared["articles"] == 3 and shared["sources"] == 2
    r = runner.invoke(app, ["dedup", "--db", db])
    assert r.exit_code == 0 and "Poland summons Belarusian envoy" in r.stdout and "eurodaily.example" in r.stdout


def test_code_with_db_clusters_as_it_stores(tmp_path):
    folder, db = tmp_path / "articles", str(tmp_path / "code.duckdb")
    folder.mkdir()
    for i, (text, title, source, url) in enumerate(ARTICLES[:3]):
        (folder / f"a{i}.txt").write_text(text, encoding="utf-8")
        (folder / f"a{i}.meta.json").write_text(json.dumps({"title": title, "source": source, "url": url,
                                                            "published": "2024-06-04"}), encoding="utf-8")
    r = runner.invoke(app, ["code", str(folder), "--db", db, "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    ids = [document_id(a[0]) for a in ARTICLES[:3]]
    with Store(db, read_only=True) as s:
        part = _partition(s)
    assert part[ids[0]] == part[ids[1]] != part[ids[2]]


def test_dedup_usage_errors(tmp_path):
    missing = str(tmp_path / "none.duckdb")
    r = runner.invoke(app, ["dedup", "--db", missing])
    assert r.exit_code == 2 and "does not exist" in r.stderr
    db = str(tmp_path / "x.duckdb")
    with Store(db) as s:
        _store_plain(s)
    r = runner.invoke(app, ["dedup", "--db", db, "--threshold", "0"])
    assert r.exit_code == 2 and "threshold=0.0 is outside" in r.stderr
    r = runner.invoke(app, ["dedup", "--db", db, "--country", "POL"])
    assert r.exit_code == 2 and "add --events" in r.stderr
    r = runner.invoke(app, ["dedup", "--db", db, "--format", "xml"])
    assert r.exit_code == 2 and "xml" in r.stderr
    assert runner.invoke(app, ["dedup", "--db", db, "--threshold", "0.7"]).exit_code == 0
    r = runner.invoke(app, ["dedup", "--db", db, "--threshold", "0.4"])
    assert r.exit_code == 2 and "--rebuild" in r.stderr


def test_read_only_store_is_a_clear_error(tmp_path):
    db = str(tmp_path / "ro.duckdb")
    with Store(db) as s:
        _store_plain(s)
    with Store(db, read_only=True) as s:
        with pytest.raises(dedup.DedupError, match="could not cluster the documents of .*ro.duckdb"):
            dedup.cluster(s)
        assert dedup.clusters(s) == []  # reading needs no table
        assert {r["cluster_id"] for r in dedup.document_clusters(s)} == {None}


def test_loading_dask_partitions_clusters_as_it_stores(tmp_path, store):
    pytest.importorskip("pyarrow")
    from eventwire.scale.parquet import load_partitions, write_partition

    docs = [_plain(text, title, source, url) for text, title, source, url in ARTICLES]
    write_partition(tmp_path / "run", "0", docs[:2])
    write_partition(tmp_path / "run", "1", docs[2:])
    stats = load_partitions(tmp_path / "run", store)
    assert stats.added == 4
    part = _partition(store)
    assert part == {docs[0].id: docs[0].id, docs[1].id: docs[0].id, docs[2].id: docs[2].id, docs[3].id: docs[0].id}


def test_documents_stored_through_the_api_are_clustered_as_they_arrive(tmp_path):
    import asyncio

    import httpx

    from eventwire.api import create_app

    first = ("Chile and Peru signed a fisheries agreement in Lima on Monday after two years of talks, officials of "
             "both governments said. The accord sets catch limits for anchovy and creates a joint commission "
             "that will meet twice a year to review the quotas and settle disputes between fishing fleets.")
    second = ("Officials of both governments said Chile and Peru signed a fisheries agreement in Lima on Monday after "
              "two years of talks. The accord sets catch limits for anchovy and creates a joint commission that "
              "will meet twice a year to review the quotas and settle disputes between fishing fleets, they added.")
    app = create_app(str(tmp_path / "api.duckdb"))

    async def post(text: str, source: str):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
            r = await c.post("/v1/code", json={"text": text, "date": "2024-05-06", "source": source, "store": True})
            assert r.status_code == 200, r.text
            return r.json()["id"]

    a = asyncio.run(post(first, "Diario Uno"))
    b = asyncio.run(post(second, "Radio Dos"))
    from eventwire.store import Store

    with Store(tmp_path / "api.duckdb", read_only=True) as store:
        clusters = {d["doc_id"]: d["cluster_id"] for d in dedup.document_clusters(store)}
    assert clusters[a] is not None and clusters[a] == clusters[b]
