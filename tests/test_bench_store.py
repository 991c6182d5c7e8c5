"""benchmarks/store.py: its synthetic store is well formed, and the query library and its pandas
counterparts give the same answers on it (no timing here)."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

pd = pytest.importorskip("pandas")

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_store", ROOT / "benchmarks" / "store.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(bench, tmp_path_factory):
    from eventwire.store import Store

    docs, ev = bench.build_frames(2000, seed=3)
    path = str(tmp_path_factory.mktemp("bench") / "store.duckdb")
    bench.load_store(path, docs, ev)
    db = Store(path, read_only=True)
    frames = bench.pandas_frames(db)
    yield db, frames, docs, ev
    db.close()


def test_synthetic_store_is_well_formed(built):
    db, _, docs, ev = built
    from eventwire.store import query

    assert len(ev) == 2000 and query.count_events(db) == 2000
    assert len(docs) == 200 and db.con.execute("SELECT count(*) FROM documents").fetchone()[0] == 200
    from eventwire.store.schema import COLUMNS

    # the frames fill every column of the store's schema (a new column would otherwise go unfilled)
    assert set(COLUMNS["documents"]) <= set(docs.columns) and set(COLUMNS["events"]) <= set(ev.columns)
    # every event's offsets point at its words in its document's text
    text = dict(zip(docs["id"], docs["text"]))
    for r in ev.head(300).itertuples():
        t = text[r.doc_id]
        sentence = t[r.sentence_start:r.sentence_end]
        assert t[r.trigger_start:r.trigger_end] == r.trigger_text and r.trigger_text in sentence
        assert t[r.source_start:r.source_end] == r.source_text
        if r.target_text is not None and r.target_text == r.target_text:
            assert t[r.target_start:r.target_end] == r.target_text
    # a realistic spread: the head countries lead, several precisions, CAMEO facts from the table
    top = ev["source_country"].value_counts()
    assert top.index[0] == "USA" and top.iloc[0] > 5 * top.iloc[20]
    assert {"published", "day", "month", "year"} <= set(ev["date_precision"].dropna())
    assert ev["date"].dropna().str.len().isin([4, 7, 10]).all() and ev["date"].isna().any()
    from eventwire.knowledge import load_knowledge

    kb = load_knowledge()
    for r in ev.head(200).itertuples():
        info = kb.cameo[r.cameo]
        assert (r.quad, r.goldstein) == (info.quad, info.goldstein)


@pytest.mark.parametrize("actor", ["RUS", "USA", "putin", "biden", "troops"])
@pytest.mark.parametrize("offset", [0, 20])
def test_filtered_events_equal_pandas(bench, built, actor, offset):
    db, (ev, docs), _, _ = built
    n = bench.check_events(db, ev, docs, actor=actor, since="2022-06", until="2024-03-15", limit=20, offset=offset)
    assert n > 0


def test_filtered_events_cover_coarse_dates(bench, built):
    """Periods that only reach into the window (a month, a year) count on both sides."""
    db, (ev, docs), _, _ = built
    n = bench.check_events(db, ev, docs, actor="USA", since="2023-05-17", until="2023-05-20", limit=50)
    coarse = ev[(ev["date"].isin(["2023", "2023-05"])) & ((ev["source_country"] == "USA") |
                                                         (ev["target_country"] == "USA"))]
    assert n >= len(coarse) > 0


def test_weekly_dyads_equal_pandas(bench, built):
    db, (ev, docs), _, _ = built
    from eventwire.store import query

    n = bench.check_dyads(db, ev, docs)
    result = query.dyads(db, interval="week")
    assert n == sum(len(s["points"]) for s in result["series"]) > 100
    dyadic = ev[ev["source_country"].notna() & ev["target_country"].notna() & ev["date"].notna()]
    assert sum(s["count"] for s in result["series"]) == len(dyadic)


def test_a_wrong_answer_is_caught(bench, built):
    """The checks compare for real: a changed pandas row is noticed."""
    db, (ev, docs), _, _ = built
    changed = ev.copy()
    i = changed.index[(changed["source_country"] == "RUS") & changed["target_country"].notna()
                      & changed["date"].notna()][0]
    changed.loc[i, "source_country"] = "FRA"
    with pytest.raises(AssertionError):
        bench.check_dyads(db, changed, docs)
    with pytest.raises(AssertionError):
        bench.check_events(db, changed, docs, actor="RUS", since="2022", until="2024", limit=2000)


def test_postgresql_gives_the_same_answers(bench, built):
    """With EVENTWIRE_TEST_PG (a server whose role may create schemas), the benchmark's copy into
    PostgreSQL holds the same rows, and the library answers there as pandas does."""
    import os
    import uuid
    from urllib.parse import quote

    base = os.environ.get("EVENTWIRE_TEST_PG")
    if not base:
        pytest.skip("no PostgreSQL server: set EVENTWIRE_TEST_PG=postgresql://...")
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(base, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"the PostgreSQL server of EVENTWIRE_TEST_PG is not reachable: {str(exc).strip()[:200]}")
    from eventwire.store import Store

    db, (ev, docs), _, _ = built
    schema = "ewbench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        url = f"{base}{'&' if '?' in base else '?'}options={quote('-csearch_path=' + schema)}"
        bench.load_pg(url, db)
        with Store(url, read_only=True) as pg:
            assert pg.con.execute("SELECT count(*) FROM events").fetchone()[0] == 2000
            for actor in ("RUS", "putin"):
                assert bench.check_events(pg, ev, docs, actor=actor, since="2022-06", until="2024-03-15",
                                          limit=20) > 0
            assert bench.check_dyads(pg, ev, docs) > 100
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_sql_share_measures_the_library_s_own_sql(bench, built):
    """``sql_share`` times the SQL that ``dyads()`` really runs: a share above nothing, and None (not 0%)
    for a call that does not go through ``query._columns``."""
    db, _, _, _ = built
    from eventwire.store import query

    share = bench.sql_share(lambda: query.dyads(db, interval="week"), 2)
    assert share is not None and 0 < share <= 1
    assert bench.sql_share(lambda: query.count_events(db), 2) is None
