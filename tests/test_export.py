"""`eventwire export`: every format written from the three examples (coded once) and read back by the
tools analysts use; codes stay strings, coordinates are latitude/longitude, provenance on every row."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from eventwire import Store, code_documents, read_paths
from eventwire.cli import app
from eventwire.export import (ACLED_COLUMNS, FLAT_COLUMNS, FORMATS, GDELT_COLUMNS, ICEWS_COLUMNS, ExportError,
                              export_events)
from eventwire.store import query as Q

runner = CliRunner()
PROVENANCE = ("doc_id", "url", "sentence_start", "sentence_end", "coders")


@pytest.fixture(scope="module")
def db(tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("export") / "examples.duckdb"
    with Store(path) as store:
        for doc in code_documents(read_paths([str(EXAMPLES)]), nlp):
            assert not isinstance(doc, Exception), doc
            store.add(doc)
    return path


@pytest.fixture(scope="module")
def reference(db):
    """The events as the query library returns them: what every export must contain."""
    with Store(db, read_only=True) as store:
        rows = list(Q.export_rows(store, "events"))
    assert rows and any(r["latitude"] is not None for r in rows)
    return {f"{r['doc_id']}-{r['id']}": r for r in rows}


def export(db, fmt, out, *args):
    r = runner.invoke(app, ["export", "--format", fmt, "-o", str(out), "--db", str(db), *map(str, args)])
    assert r.exit_code == 0, r.output
    return r


def _tsv(path, delimiter="\t"):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def test_plover_jsonl(db, reference, tmp_path):
    out = tmp_path / "events.jsonl"
    export(db, "plover-jsonl", out)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["id"] for r in records} == set(reference)
    for r in records:
        for key in ("id", "date", "actor", "recipient", "event", "mode", "context", "event_loc", "event_text",
                    "quad_code", "text_info", "coder"):
            assert key in r
        ref = reference[r["id"]]
        assert isinstance(r["cameo"], str) and r["cameo"] == ref["cameo"]
        assert isinstance(r["quad_code"], str)
        info = r["text_info"]
        assert info["doc_id"] == ref["doc_id"] and info["sentence_start"] == ref["sentence_start"]
        assert r["event_text"] == ref["sentence_text"] and r["coders"]["eventwire"]
        if r["event_loc"]:
            assert {"latitude", "longitude"} <= set(r["event_loc"])
    assert any(r["cameo"].startswith("0") for r in records)  # a code with a leading zero survives


def test_csv_and_parquet_with_pandas(db, reference, tmp_path):
    pd = pytest.importorskip("pandas")
    export(db, "csv", tmp_path / "e.csv")
    export(db, "parquet", tmp_path / "e.parquet")
    frames = [pd.read_csv(tmp_path / "e.csv", dtype={"cameo": str, "quad": str, "geonameid": str}),
              pd.read_parquet(tmp_path / "e.parquet")]
    for df in frames:
        assert list(df.columns) == FLAT_COLUMNS and len(df) == len(reference)
        assert set(df["event_id"]) == set(reference)
        for c in PROVENANCE + ("latitude", "longitude"):
            assert c in df.columns
        assert df["doc_id"].notna().all() and df["coders"].notna().all() and df["sentence_start"].notna().all()
        by_id = df.set_index("event_id")
        for eid, ref in reference.items():
            assert by_id.loc[eid, "cameo"] == ref["cameo"]
    parquet = frames[1]
    assert parquet["cameo"].map(type).eq(str).all()  # typed as strings in the file itself
    assert str(parquet["latitude"].dtype) == "float64"


def test_csv_read_plainly_keeps_leading_zeros(db, tmp_path):
    export(db, "csv", tmp_path / "e.csv")
    rows = _tsv(tmp_path / "e.csv", ",")
    assert any(r["cameo"].startswith("0") for r in rows)


def test_gdelt_icews_acled_with_the_csv_module(db, reference, tmp_path):
    export(db, "gdelt", tmp_path / "g.tsv")
    export(db, "icews", tmp_path / "i.tsv")
    export(db, "acled", tmp_path / "a.csv")
    g, i, a = _tsv(tmp_path / "g.tsv"), _tsv(tmp_path / "i.tsv"), _tsv(tmp_path / "a.csv", ",")
    assert list(g[0])[:61] == GDELT_COLUMNS and len(GDELT_COLUMNS) == 61
    assert list(i[0])[:20] == ICEWS_COLUMNS and len(ICEWS_COLUMNS) == 20
    assert list(a[0])[:len(ACLED_COLUMNS)] == ACLED_COLUMNS
    assert len(g) == len(i) == len(a) == len(reference)
    for row in g:
        ref = reference[row["GLOBALEVENTID"]]
        assert row["EventCode"] == ref["cameo"] and row["EventRootCode"] == ref["cameo"][:2]
        assert row["QuadClass"] == str(ref["quad"])
        if ref["date"] and len(ref["date"]) == 10:
            assert row["SQLDATE"] == ref["date"].replace("-", "")
    for row in i:
        ref = reference[row["Event ID"]]
        assert row["CAMEO Code"] == ref["cameo"] and row["Story ID"] == ref["doc_id"]
        assert row["Latitude"] == ("" if ref["latitude"] is None else str(ref["latitude"]))
    located = [row for row in a if row["latitude"]]
    assert located
    for row in a:
        ref = reference[row["event_id_cnty"]]
        assert row["cameo"] == ref["cameo"] and row["event_type"]
    for rows in (g, i, a):
        for row in rows:
            for c in PROVENANCE + ("latitude", "longitude"):
                assert c in row
            assert row["doc_id"] and row["sentence_start"] and json.loads(row["coders"])["eventwire"]


def test_gexf_with_networkx(db, reference, tmp_path):
    nx = pytest.importorskip("networkx")
    out = tmp_path / "net.gexf"
    export(db, "gexf", out)
    g = nx.read_gexf(out)
    assert g.is_directed() and g.number_of_edges() > 0
    dyadic = [r for r in reference.values() if (r["source_name"] or r["source_text"]) and
              (r["target_name"] or r["target_text"])]
    assert sum(int(d["count"]) for _, _, d in g.edges(data=True)) == len(dyadic)
    for _, _, d in g.edges(data=True):
        assert d["doc_ids"] and d["event_ids"] and isinstance(d["cameo"], str)
        for eid in d["event_ids"].split():
            assert eid in reference


def test_sqlite_for_datasette(db, reference, tmp_path):
    out = tmp_path / "events.sqlite"
    export(db, "sqlite", out)
    con = sqlite3.connect(out)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT * FROM events").fetchall()
    assert len(rows) == len(reference)
    for row in rows:
        assert isinstance(row["cameo"], str) and row["cameo"] == reference[row["event_id"]]["cameo"]
        assert row["doc_id"] and row["coders"]
    assert [tuple(r) for r in con.execute("SELECT typeof(cameo) FROM events GROUP BY 1")] == [("text",)]
    n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert n_docs == len({r["doc_id"] for r in reference.values()})
    con.close()


def test_filters_are_those_of_the_events_query(db, tmp_path):
    with Store(db, read_only=True) as store:
        expected = {f"{r['doc_id']}-{r['id']}" for r in Q.export_rows(store, "events", country="PER", since="2025-03-11")}
        assert expected
        n = export_events(store, "plover-jsonl", tmp_path / "per.jsonl", country="PER", since="2025-03-11")
    got = {json.loads(x)["id"] for x in (tmp_path / "per.jsonl").read_text().splitlines()}
    assert got == expected and n == len(expected)
    export(db, "csv", tmp_path / "cameo.csv", "--cameo", "0")
    rows = _tsv(tmp_path / "cameo.csv", ",")
    assert rows and all(r["cameo"].startswith("0") for r in rows)


def test_refuses_to_overwrite_without_force(db, tmp_path):
    out = tmp_path / "e.csv"
    out.write_text("keep me")
    r = runner.invoke(app, ["export", "--format", "csv", "-o", str(out), "--db", str(db)])
    assert r.exit_code == 1 and "--force" in r.output and out.read_text() == "keep me"
    export(db, "csv", out, "--force")
    assert out.read_text().startswith("event_id,")
    r = runner.invoke(app, ["export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--db", str(db),
                            "--since", "2023-13"])
    assert r.exit_code == 2 and not (tmp_path / "x.csv").exists()
    with Store(db, read_only=True) as store, pytest.raises(ExportError):
        export_events(store, "nope", tmp_path / "y")
    assert not list(tmp_path.glob(".*.part"))


def test_every_format_is_offered():
    assert set(FORMATS) == {"plover-jsonl", "csv", "parquet", "gdelt", "icews", "acled", "gexf", "sqlite"}


def test_events_command_takes_the_same_filters(db):
    with Store(db, read_only=True) as store:
        expected = {(r["doc_id"], r["id"]) for r in Q.export_rows(store, "events", country="PER", type="ACCUSE,COERCE,PROTEST")}
    r = runner.invoke(app, ["events", "--db", str(db), "--country", "PER", "--type", "ACCUSE,COERCE,PROTEST",
                            "--limit", "1000", "--format", "json"])
    assert r.exit_code == 0, r.output
    got = {(x["doc_id"], x["id"]) for x in json.loads(r.stdout)}
    assert got == expected and got
    r = runner.invoke(app, ["events", "--db", str(db), "--cameo", "0", "--format", "json"])
    assert all(x["cameo"].startswith("0") for x in json.loads(r.stdout))
    assert runner.invoke(app, ["events", "--db", str(db), "--until", "soon"]).exit_code == 2
