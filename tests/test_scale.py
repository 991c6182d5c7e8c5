"""eventwire.scale: worker processes, Dask, Parquet partitions, checkpoints and resume, progress.

The runs here are small (a few tiny documents, two workers) so that the suite stays quick on a 2-core CI
machine; nothing here asserts how long anything takes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import duckdb
import psutil
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT
from eventwire import records
from eventwire.cli import app
from eventwire.errors import InputError
from eventwire.pipeline import SourceDoc, code_documents, document_id
from eventwire.records import Document
from eventwire.scale import (
    CodingRun,
    FileCheckpoint,
    LogReporter,
    Manifest,
    Reporter,
    ScaleError,
    ScaleOptions,
    auto_workers,
    count_inputs,
    load_partitions,
    read_partition,
    write_partition,
)
from eventwire.scale.local import CRASH_MARKER_ENV, Reorder
from eventwire.scale.options import MIN_DOCS_PER_WORKER
from eventwire.scale.parquet import document_json
from eventwire.scale.wire import chunked, code_chunk
from eventwire.store import Store

runner = CliRunner()
TABLES = ("documents", "sentences", "actors", "quotes", "events", "places", "dates")

COUNTRIES = [("Kenya", "Kenyan", "Nairobi"), ("Uganda", "Ugandan", "Kampala"), ("Peru", "Peruvian", "Lima"),
             ("Chile", "Chilean", "Santiago"), ("Poland", "Polish", "Warsaw"), ("Belarus", "Belarusian", "Minsk"),
             ("Egypt", "Egyptian", "Cairo"), ("Jordan", "Jordanian", "Amman")]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def article(i: int, sentences: int = 3) -> str:
    """A short news-like text, different for every ``i``."""
    a, b = COUNTRIES[i % len(COUNTRIES)], COUNTRIES[(i * 3 + 1) % len(COUNTRIES)]
    if a == b:
        b = COUNTRIES[(i + 1) % len(COUNTRIES)]
    day = DAYS[i % len(DAYS)]
    pool = [
        f"{a[0]} accused {b[0]} on {day} of moving {i + 3} armoured vehicles towards the border.",
        f"The {a[1]} foreign minister met his {b[1]} counterpart in {a[2]} to discuss the dispute.",
        f"\"We will not accept threats,\" a spokesman for the {b[1]} government said in {b[2]}.",
        f"{a[0]} pledged {i + 10} million dollars in aid to {b[0]} after the floods.",
        f"Hundreds of people protested outside the {a[1]} embassy in {b[2]}, police said.",
        f"Officials in {b[2]} said talks with {a[0]} would resume within {i % 9 + 2} weeks.",
    ]
    return " ".join(pool[(i + k) % len(pool)] for k in range(sentences))


def write_corpus(folder: pathlib.Path, n: int, sentences: int = 3) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for i in range(n):
        text = article(i, sentences)
        (folder / f"a{i:04d}.txt").write_text(text, encoding="utf-8")
        (folder / f"a{i:04d}.meta.json").write_text(json.dumps({"published": f"2024-05-{i % 28 + 1:02d}"}))
        texts.append(text)
    return texts


def table_rows(con, table: str) -> list[tuple]:
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "coded_at"]
    return sorted(con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)


def same(a, b) -> bool:
    if isinstance(a, Document) or isinstance(b, Document):
        return a == b
    return isinstance(a, InputError) and isinstance(b, InputError) and str(a) == str(b)


def mixed_inputs() -> list:
    """Good articles and every kind of bad input, in one stream."""
    items = [SourceDoc((EXAMPLES / "ceasefire.txt").read_text(encoding="utf-8"), name="ceasefire.txt",
                       published="2025-06-12")]
    items += [SourceDoc(article(i), name=f"a{i}.txt", published="2024-05-06") for i in range(6)]
    items.insert(2, SourceDoc("", name="empty.txt"))
    items.insert(4, SourceDoc("text\x00with a NUL byte", name="binary.txt"))
    items.insert(5, InputError("missing.txt", "does not exist"))
    items.append(SourceDoc("Word " * 3000, name="long.txt"))  # over max_chars below
    items.append(SourceDoc(article(0), name="again.txt", published="2024-05-06"))  # a duplicate text
    return items


# ---------------------------------------------------------------------------------------------- records
def test_document_round_trips_exactly_through_its_parquet_json(code):
    for name in ("ceasefire", "protest", "state-visit"):
        d = code((EXAMPLES / f"{name}.txt").read_text(encoding="utf-8"), "2025-06-12")
        if d.quotes:  # every kind of nested field filled in, including the optional ones
            d.quotes[0].relayed_by = d.quotes[0].speaker or d.actors[0].ref()
        back = Document.from_dict(json.loads(document_json(d)))
        assert back == d
        assert Document.from_dict(json.loads(json.dumps(d.to_dict()))).to_dict() == d.to_dict()


def test_every_record_field_type_has_a_way_back_from_json():
    plain = {"str", "str | None", "int", "int | None", "float", "float | None", "bool", "dict[str, Any] | None",
             "dict[str, str]", "list[str]"}
    nested = {"list[Actor]", "list[Event]", "list[Place]", "list[Quote]", "list[Span]", "list[TimeExpr]"}  # Document's
    for cls in (records.Span, records.ActorRef, records.Actor, records.Quote, records.Event, records.Place,
                records.TimeExpr, records.Document):
        for f in dataclasses.fields(cls):
            assert f.type in plain or f.type in records._FROM_JSON or (cls is Document and f.type in nested), \
                f"{cls.__name__}.{f.name}: {f.type} has no conversion in records._FROM_JSON"


# ---------------------------------------------------------------------------------------------- small parts
def test_options_defaults_and_usage_errors():
    assert auto_workers(None, cores=8) == 8
    assert auto_workers(3, cores=8) == 1
    assert auto_workers(MIN_DOCS_PER_WORKER * 3, cores=8) == 3
    assert auto_workers(10**6, cores=8) == 8
    o = ScaleOptions(workers=2)
    assert o.effective_resume(100) and o.effective_ordered()
    assert not ScaleOptions(workers=1).effective_resume(100)
    assert ScaleOptions(workers=1, checkpoint="x.ckpt").effective_resume(100)
    assert not ScaleOptions(workers=4, resume=False).effective_resume(100)
    assert ScaleOptions(engine="dask").effective_resume(1) and not ScaleOptions(engine="dask").effective_ordered()
    assert ScaleOptions(workers=2).effective_chunk_size(6, 2) == 2  # both workers get some of a small input
    assert ScaleOptions(workers=2).effective_chunk_size(10_000, 2) == 32
    assert ScaleOptions(engine="dask").effective_chunk_size(None, 2) == 64
    assert ScaleOptions().effective_run_dir("data/news.duckdb") == pathlib.Path("data/news.parts")
    for bad in (ScaleOptions(engine="spark"), ScaleOptions(scheduler="tcp://x:1"), ScaleOptions(workers=0)):
        with pytest.raises(ScaleError):
            bad.validate()


def test_cli_usage_errors_exit_2(tmp_path):
    r = runner.invoke(app, ["code", str(EXAMPLES), "--no-db", "--scheduler", "tcp://127.0.0.1:1"])
    assert r.exit_code == 2 and "--engine dask" in r.stderr
    r = runner.invoke(app, ["code", str(EXAMPLES), "--no-db", "--checkpoint", str(tmp_path / "c"), "--format", "json"])
    assert r.exit_code == 2 and "jsonl" in r.stderr
    r = runner.invoke(app, ["code", str(EXAMPLES), "--no-db", "--workers", "0"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["code", str(EXAMPLES), "--no-db", "--engine", "spark"])
    assert r.exit_code == 2


def test_chunks_are_bounded_by_count_and_characters():
    items = [SourceDoc("x" * n, name=str(i)) for i, n in enumerate([10, 10, 10, 500, 10, 10])]
    sizes = [[len(s.text) for s in c] for c in chunked(items, 4, budget_chars=100)]
    assert sizes == [[10, 10, 10], [500], [10, 10]]
    assert [len(c) for c in chunked(items, 4, budget_chars=10**6)] == [4, 2]


def test_reorder_gives_input_order_or_completion_order():
    r = Reorder(ordered=True)
    assert r.add(1, "b") == [] and len(r) == 1
    assert r.add(0, "a") == ["a", "b"] and len(r) == 0
    assert Reorder(ordered=False).add(5, "x") == ["x"]


def test_log_lines_give_rate_eta_and_skipped():
    now = [0.0]
    lines = []
    rep = LogReporter(lines.append, interval=0, clock=lambda: now[0])
    rep.start(110)
    rep.advance(skipped=10)
    now[0] = 10.0
    rep.advance(coded=48, failed=2)
    rep.emit()
    line = lines[-1]
    assert "50 of 100 documents (50%)" in line and "5.0 documents/s" in line and "ETA 10s" in line
    assert "2 failed" in line and "10 done before, skipped" in line
    assert Reporter().line().startswith("eventwire: 0 documents")


def test_log_reporter_writes_periodically_from_a_thread():
    lines = []
    rep = LogReporter(lines.append, interval=0.05)
    rep.start(10)
    rep.advance(coded=3)
    deadline = time.monotonic() + 5
    while len(lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    rep.close()
    assert len(lines) >= 3 and "3 of 10 documents" in lines[-1]  # the last line comes from close()


def test_a_terminal_gets_a_bar_with_rate_and_time_left_and_a_pipe_gets_log_lines():
    import io

    from rich.console import Console

    from eventwire.scale import BarReporter, reporter_for

    screen = io.StringIO()
    bar = reporter_for(Console(file=screen, force_terminal=True, width=120), 40)
    assert isinstance(bar, BarReporter)
    bar.start(40)
    for _ in range(10):
        time.sleep(0.01)
        bar.advance(coded=1)
    bar.advance(skipped=5)
    bar.close()
    text = screen.getvalue()
    assert "10/35" in text and "docs/s" in text and "5 done before" in text
    assert isinstance(reporter_for(Console(file=io.StringIO()), 40), LogReporter)


def test_count_inputs_matches_what_the_reader_yields(tmp_path):
    write_corpus(tmp_path / "c", 4)
    (tmp_path / "empty_dir").mkdir()
    paths = [str(tmp_path / "c"), str(tmp_path / "empty_dir"), str(tmp_path / "nope.txt"), str(EXAMPLES / "protest.txt")]
    from eventwire.ingest import read_paths

    assert count_inputs(paths) == len(list(read_paths(paths))) == 7


def test_inputs_that_hold_many_documents_are_not_counted_by_name(tmp_path):
    from eventwire.scale import sized

    (tmp_path / "feed.jsonl").write_text("".join(json.dumps({"text": article(i)}) + "\n" for i in range(3)))
    (tmp_path / "empty.txt").write_text("")
    assert count_inputs([str(tmp_path / "empty.txt")]) == 1
    assert count_inputs([str(tmp_path)]) is None  # the JSON lines file may hold any number
    it, n = sized(iter(range(5)), None, look_ahead=10)
    assert (list(it), n) == ([0, 1, 2, 3, 4], 5)
    it, n = sized(iter(range(50)), None, look_ahead=10)
    assert (len(list(it)), n) == (50, None)  # read ahead, nothing lost
    r = runner.invoke(app, ["code", str(tmp_path), "--no-db", "--format", "jsonl"])
    assert r.exit_code == 1 and len(r.stdout.splitlines()) == 3
    assert "1 of 4 input(s) failed" in r.stderr


def test_memory_zone_chunks_give_the_same_records_and_keep_the_vocabulary(nlp):
    items = [SourceDoc(article(i) + f" Zorblat{i} Quenvarix{i} said so.", name=f"z{i}", published="2024-05-06")
             for i in range(3)]
    plain = list(code_documents(items, nlp))
    before = len(nlp.vocab.strings)
    zoned = code_chunk(nlp, items, batch_size=32, max_chars=10**6, chunk_chars=10**5, memory_zone=True)
    assert len(nlp.vocab.strings) == before  # the new words went with the zone
    assert zoned == plain


# ---------------------------------------------------------------------------------------------- local workers
def test_local_workers_give_what_code_documents_gives(nlp):
    """Two worker processes, recycled after a few documents: same documents, same failures, same order."""
    items = mixed_inputs()
    options = ScaleOptions(workers=2, chunk_size=3, recycle_after=6, max_chars=10_000)
    run = CodingRun(items, options, total=len(items))
    got = list(run)
    want = list(code_documents(items, nlp, max_chars=10_000))
    assert len(got) == len(want) == len(items)
    for g, w in zip(got, want):
        assert same(g, w), (g, w)
    reasons = {e.source: e.problem for e in got if isinstance(e, InputError)}
    assert set(reasons) == {"empty.txt", "binary.txt", "missing.txt", "long.txt"}
    assert "empty" in reasons["empty.txt"] and "NUL" in reasons["binary.txt"] and "limit" in reasons["long.txt"]
    assert run.stats.coded == len(items) - 4 and run.stats.failed == 4
    assert run.engine.started_processes > 2  # workers were replaced after recycle_after documents
    workers = [k for k in run.stats.memory_kib if k.startswith("worker")]
    assert len(workers) >= 2 and all(run.stats.memory_kib[k] > 0 for k in workers)


def test_a_document_that_kills_its_worker_is_reported_and_the_rest_are_coded(monkeypatch):
    marker = "Xq7-crash-me"
    monkeypatch.setenv(CRASH_MARKER_ENV, marker)
    items = [SourceDoc(article(i), name=f"a{i}.txt", published="2024-05-06") for i in range(5)]
    items.insert(2, SourceDoc(article(9) + " " + marker, name="poison.txt", published="2024-05-06"))
    run = CodingRun(items, ScaleOptions(workers=2, chunk_size=3), total=len(items))
    got = list(run)
    assert [getattr(g, "source", None) for g in got if isinstance(g, InputError)] == ["poison.txt"]
    assert "crashed a worker process twice" in str(got[2])
    assert [g.id for g in got if isinstance(g, Document)] == [document_id(i.text) for i in items if i.name != "poison.txt"]
    assert run.engine.crashes >= 2


# ---------------------------------------------------------------------------------------------- Parquet and store
def test_parquet_partitions_load_into_the_store_exactly_and_idempotently(code, tmp_path):
    docs = [code((EXAMPLES / f"{n}.txt").read_text(encoding="utf-8"), "2025-06-12")
            for n in ("ceasefire", "protest", "state-visit")]
    docs.append(code(article(1), "2024-05-06"))
    run_dir = tmp_path / "run"
    write_partition(run_dir, "one", docs[:2])
    write_partition(run_dir, "two", docs[2:] + docs[:1])  # a document in two partitions is stored once
    assert [d.id for d in read_partition(run_dir / "part-one.parquet")] == [d.id for d in docs[:2]]
    loaded, direct = Store(tmp_path / "loaded.duckdb"), Store(tmp_path / "direct.duckdb")
    stats = load_partitions(run_dir, loaded)
    assert (stats.partitions, stats.documents, stats.added) == (2, 5, 4)
    for d in docs:
        direct.add(d)
    for t in TABLES:
        assert table_rows(loaded.con, t) == table_rows(direct.con, t), t
    assert load_partitions(run_dir, loaded).partitions == 0  # delivered already
    again = load_partitions(run_dir, loaded, only_new=False)
    assert again.documents == 5 and again.added == 0
    assert loaded.count("documents") == 4
    # the partitions are a dataset in their own right
    rows = duckdb.sql(f"SELECT id, n_events FROM read_parquet('{run_dir}/part-*.parquet')").fetchall()
    assert {r[0] for r in rows} == {d.id for d in docs}
    loaded.close()
    direct.close()


def test_partitions_left_by_a_killed_dask_run_are_delivered_first(code, tmp_path):
    from eventwire.scale.dask_engine import DaskEngine

    docs = [code(article(i), "2024-05-06") for i in range(3)]
    run_dir = tmp_path / "news.parts"
    write_partition(run_dir, "left", docs)  # written by a worker; the coordinator was killed before storing
    Manifest(run_dir).add(write_partition(run_dir, "done", docs[:1]))  # delivered before the kill
    engine = DaskEngine(ScaleOptions(engine="dask"), 1, 4, run_dir)
    engine.client = object()  # stands for a started cluster: nothing is left to code but the partitions
    with Store(tmp_path / "news.duckdb") as store:
        run = CodingRun([], ScaleOptions(engine="dask"), store=store, engine=engine)
        got = list(run)
        assert [d.id for d in got] == [d.id for d in docs]
        assert run.stats.recovered == 3 and run.stats.added == 3 and store.count("documents") == 3
    assert Manifest(run_dir).pending() == []


# ---------------------------------------------------------------------------------------------- Dask
def test_dask_local_cluster_through_the_cli(nlp, tmp_path):
    corpus = tmp_path / "corpus"
    texts = write_corpus(corpus, 6)
    (corpus / "zz-empty.txt").write_text("")
    db = tmp_path / "news.duckdb"
    r = runner.invoke(app, ["code", str(corpus), "--engine", "dask", "--workers", "2", "--db", str(db),
                            "--format", "jsonl"])
    assert r.exit_code == 1, r.output  # one input failed
    assert "zz-empty.txt" in r.stderr and "empty" in r.stderr and "1 of 7 input(s) failed" in r.stderr
    got = {d["id"]: d for d in (json.loads(line) for line in r.stdout.splitlines() if line.startswith("{"))}
    from eventwire.ingest import read_paths

    want = {d.id: json.loads(json.dumps(d.to_dict())) for d in code_documents(read_paths([str(corpus)]), nlp)
            if isinstance(d, Document)}
    assert got == want and len(got) == len(texts)
    parts = sorted((tmp_path / "news.parts").glob("part-*.parquet"))
    assert parts and Manifest(tmp_path / "news.parts").pending() == []
    assert sorted(d.id for p in parts for d in read_partition(p)) == sorted(want)
    con = duckdb.connect(str(db), read_only=True)
    assert {r[0] for r in con.execute("SELECT id FROM documents").fetchall()} == set(want)
    con.close()


def test_dask_cluster_by_scheduler_address_without_a_store(nlp, tmp_path):
    distributed = pytest.importorskip("distributed")
    from eventwire.scale.dask_engine import plugin_name

    items = [SourceDoc(article(i), name=f"a{i}.txt", published="2024-05-06") for i in range(4)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        options = ScaleOptions(engine="dask", scheduler=cluster.scheduler_address, run_dir=str(tmp_path / "run"),
                               ordered=True)
        got = list(CodingRun(items, options, total=len(items)))
        with distributed.Client(cluster) as client:  # the plugin loaded the model on every worker
            loaded = client.run(lambda dask_worker: plugin_name(None) in dask_worker.plugins)
        assert len(loaded) == 2 and all(loaded.values())
        again = CodingRun(items, options, total=len(items))  # resumes from the run folder's checkpoint
        assert list(again) == [] and again.stats.skipped == 4
    assert got == list(code_documents(items, nlp))
    ckpt = FileCheckpoint(tmp_path / "run" / "checkpoint.duckdb")
    assert ckpt.count() == 4
    ckpt.close()


# ---------------------------------------------------------------------------------------------- resume
def test_checkpoint_file_resumes_a_run_without_a_store(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 3)
    ckpt = tmp_path / "run.ckpt"
    args = ["code", str(corpus), "--no-db", "--checkpoint", str(ckpt), "--format", "jsonl", "--workers", "1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and len(first.stdout.splitlines()) == 3
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and second.stdout == "" and "skipped 3 document(s)" in second.stderr
    (corpus / "new.txt").write_text(article(50))
    third = runner.invoke(app, args)
    assert [json.loads(line)["text"] for line in third.stdout.splitlines()] == [article(50)]
    # --no-resume codes everything again (and still records it)
    assert len(runner.invoke(app, args + ["--no-resume"]).stdout.splitlines()) == 4


def test_workers_1_keeps_the_old_behaviour_of_coding_everything(tmp_path):
    db = tmp_path / "ew.duckdb"
    args = ["code", str(EXAMPLES), "--db", str(db), "--format", "jsonl", "--workers", "1"]
    assert len(runner.invoke(app, args).stdout.splitlines()) == 3
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and len(second.stdout.splitlines()) == 3  # printed again, stored once
    assert "stored 0 new document(s)" in second.stderr


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_sigkill_and_resume_codes_every_document_exactly_once(nlp, tmp_path):
    n = 60
    corpus = tmp_path / "corpus"
    texts = write_corpus(corpus, n, sentences=5)
    db = tmp_path / "news.duckdb"
    cmd = [str(ROOT / ".venv" / "bin" / "eventwire"), "code", str(corpus), "--db", str(db), "--workers", "2",
           "--batch-size", "2", "--format", "jsonl"]
    if not pathlib.Path(cmd[0]).exists():
        cmd[0:1] = [sys.executable, "-m", "eventwire.cli"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    seen, workers = 0, []
    try:
        for line in first.stdout:
            if line.startswith("{"):
                seen += 1
                workers = workers or _children(first.pid)
            if seen == 6:
                os.kill(first.pid, signal.SIGKILL)
                break
    finally:
        first.kill()
        first.wait(timeout=30)
    assert seen == 6, "the first run ended before it could be killed"
    assert first.returncode == -signal.SIGKILL
    # its worker processes notice and exit: nothing is left running
    deadline = time.monotonic() + 20
    while any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]

    con = duckdb.connect(str(db), read_only=True)
    stored_before = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    con.close()
    assert 6 <= stored_before < n, "the kill should land in the middle of the run"

    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0, second.stderr
    coded_again = [json.loads(line)["id"] for line in second.stdout.splitlines() if line.startswith("{")]
    assert len(coded_again) == n - stored_before  # only what was left was coded
    assert f"skipped {stored_before} document(s) done before" in second.stderr

    con = duckdb.connect(str(db), read_only=True)
    ids = [r[0] for r in con.execute("SELECT id FROM documents").fetchall()]
    assert sorted(ids) == sorted(document_id(t) for t in texts)  # every document, each exactly once
    reference = Store(":memory:")
    from eventwire.ingest import read_paths

    for d in code_documents(read_paths([str(corpus)]), nlp):
        reference.add(d)
    for t in TABLES[1:]:  # no record lost or doubled by the kill
        assert table_rows(con, t) == table_rows(reference.con, t), t
    con.close()
    reference.close()


def test_regression_a_source_whose_text_is_not_a_string_is_reported_by_every_engine(tmp_path):
    # the resume lookup hashed every text before a worker saw it, and a non-string text crashed the run
    from eventwire.errors import InputError
    from eventwire.pipeline import SourceDoc
    from eventwire.scale import ScaleOptions, code_corpus
    from eventwire.store import Store

    sources = [SourceDoc(text=b"raw bytes", name="odd.bin"),
               SourceDoc(text="Chile accused Peru of violating the border agreement.", name="ok.txt",
                         published="2024-01-02")]
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.duckdb") as store:
            results = list(code_corpus(sources, ScaleOptions(workers=workers, resume=True), store=store))
        errors = [r for r in results if isinstance(r, InputError)]
        assert len(errors) == 1 and "odd.bin" in str(errors[0]) and "not a string" in str(errors[0])
        assert any(getattr(r, "events", None) for r in results)
