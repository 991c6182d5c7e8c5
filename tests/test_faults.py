"""Faults around the store: a writer killed with SIGKILL, database paths that cannot be used, two writers
on one DuckDB file, a file held by a process that does not take part, and the server waiting for the
file instead of failing.

The kill-and-resume of parallel coding runs is in test_scale.py; here the question is whether the store
itself stays whole. Nothing here asserts how long anything takes.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from conftest import ROOT
from eventwire.cli import app
from eventwire.errors import StoreError
from eventwire.ingest import read_paths
from eventwire.pipeline import code_documents, document_id
from eventwire.store import Store
from eventwire.store.handoff import (DatabasePathError, HandoffStore, ReaderWaiting, StoreBusy, check_path,
                                     leave_turn, reader_may_pass, readers_waiting, writer_turn)

runner = CliRunner()
CHILD_TABLES = ("sentences", "actors", "quotes", "events", "places", "dates")
ROOT_USER = os.geteuid() == 0

PLACES = [("Ireland", "Irish", "Dublin"), ("Mali", "Malian", "Bamako"), ("Laos", "Lao", "Vientiane"),
          ("Cuba", "Cuban", "Havana"), ("Greece", "Greek", "Athens"), ("Sudan", "Sudanese", "Khartoum"),
          ("Panama", "Panamanian", "Panama City")]


def report(i: int) -> str:
    """A short article with events and a quote; every ``i`` gives a different text."""
    a, b = PLACES[i % len(PLACES)], PLACES[(i * 2 + 3) % len(PLACES)]
    if a == b:
        b = PLACES[(i + 1) % len(PLACES)]
    return (f"{a[0]} condemned {b[0]} on Wednesday after {i + 4} soldiers crossed the river. "
            f"\"This provocation will not go unanswered,\" the {a[1]} defence minister said in {a[2]}. "
            f"{b[0]} denied the charge and offered talks in {b[2]} within {i % 5 + 2} days. "
            f"Aid groups in {a[2]} said {i * 10 + 30} families had fled the border villages.")


def write_reports(folder: pathlib.Path, numbers) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for i in numbers:
        text = report(i)
        (folder / f"r{i:03d}.txt").write_text(text, encoding="utf-8")
        texts.append(text)
    return texts


def eventwire() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "eventwire"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "eventwire.cli"]


ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def rows_per_document(con) -> dict[str, dict[str, int]]:
    """For each stored document, how many rows it has in every table that hangs off it."""
    counts = {doc_id: {} for (doc_id,) in con.execute("SELECT id FROM documents").fetchall()}
    for table in CHILD_TABLES:
        for doc_id, n in con.execute(f"SELECT doc_id, count(*) FROM {table} GROUP BY doc_id").fetchall():
            counts.setdefault(doc_id, {})[table] = n
    return counts


def orphans(con) -> dict[str, int]:
    """Rows whose document is not stored: what a half-written document would leave."""
    found = {}
    for table in CHILD_TABLES:
        n = con.execute(f"SELECT count(*) FROM {table} WHERE doc_id NOT IN (SELECT id FROM documents)").fetchone()[0]
        if n:
            found[table] = n
    return found


def table_sizes(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", *CHILD_TABLES)}


@pytest.fixture(scope="module")
def reference(nlp, tmp_path_factory):
    """Thirty reports coded cleanly in one run into a store of their own: rows per document."""
    folder = tmp_path_factory.mktemp("reference") / "corpus"
    write_reports(folder, range(30))
    with Store(":memory:") as store:
        for d in code_documents(read_paths([str(folder)]), nlp):
            assert store.add(d)
        return rows_per_document(store.con)


def read_only_con(db: pathlib.Path):
    return duckdb.connect(str(db), read_only=True)


# ---------------------------------------------------------------------------------------------- SIGKILL
def kill_after(cmd: list[str], stream: str, marker: str, count: int) -> int:
    """Run ``cmd`` and SIGKILL it once ``count`` lines starting with ``marker`` appeared on ``stream``.
    Returns how many it saw."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL} if stream == "stdout" else \
        {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    proc = subprocess.Popen(cmd, text=True, env=ENV, **pipes)
    seen = 0
    try:
        for line in getattr(proc, stream):
            if line.startswith(marker):
                seen += 1
                if seen == count:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return seen


@pytest.mark.parametrize("command", ["ingest"])  # code --db --workers 2: test_scale.py kills it the same way
def test_sigkill_mid_run_leaves_every_document_whole_and_the_rerun_completes(command, reference, tmp_path):
    corpus = tmp_path / "corpus"
    texts = write_reports(corpus, range(30))
    db = tmp_path / "news.duckdb"
    if command == "ingest":
        cmd = eventwire() + ["ingest", str(corpus), "--db", str(db), "--batch-size", "4"]
        stream, marker = "stderr", "added "
    else:
        cmd = eventwire() + ["code", str(corpus), "--db", str(db), "--workers", "1", "--batch-size", "4",
                             "--format", "jsonl"]
        stream, marker = "stdout", "{"

    assert kill_after(cmd, stream, marker, 5) == 5
    con = read_only_con(db)  # DuckDB replays its log: what was committed is there, the rest is not
    after_kill = rows_per_document(con)
    assert not orphans(con), "a killed write left rows of a document that is not stored"
    con.close()
    assert 5 <= len(after_kill) < 30, "the kill should land in the middle of the run"
    for doc_id, counts in after_kill.items():
        assert counts == reference[doc_id], f"document {doc_id} is stored with missing or extra rows"

    again = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"stored {30 - len(after_kill)} new document(s)" in again.stderr
    con = read_only_con(db)
    final = rows_per_document(con)
    sizes = table_sizes(con)
    assert not orphans(con)
    con.close()
    assert sorted(final) == sorted(document_id(t) for t in texts)  # nothing lost
    assert final == reference  # every document with exactly the rows of a clean run: nothing doubled
    assert sizes["documents"] == 30
    for table in CHILD_TABLES:
        assert sizes[table] == sum(c.get(table, 0) for c in reference.values()), table


# ---------------------------------------------------------------------------------------------- paths
def test_check_path_names_the_path_and_the_problem(tmp_path):
    missing_folder = tmp_path / "no-such-folder" / "news.duckdb"
    for write in (True, False):
        with pytest.raises(DatabasePathError, match=f"{missing_folder}.*folder .*no-such-folder.* does not exist"):
            check_path(missing_folder, write=write)
    with pytest.raises(DatabasePathError, match=f"the database {tmp_path / 'absent.duckdb'} does not exist"):
        check_path(tmp_path / "absent.duckdb", write=False)
    check_path(tmp_path / "absent.duckdb", write=True)  # a new store is created
    with pytest.raises(DatabasePathError, match="it is a folder"):
        check_path(tmp_path, write=True)
    with pytest.raises(DatabasePathError, match="path is empty"):
        check_path("", write=True)
    check_path(":memory:", write=True)
    check_path("postgresql://user@localhost/news", write=True)  # not a file: the server says
    with pytest.raises(StoreError, match=str(missing_folder)):
        Store(missing_folder)
    with pytest.raises(DatabasePathError, match=str(missing_folder)):
        HandoffStore(missing_folder)


COMMANDS = {
    "code": lambda db, article: ["code", str(article), "--db", str(db), "--format", "jsonl"],
    "ingest": lambda db, article: ["ingest", str(article), "--db", str(db)],
    "events": lambda db, article: ["events", "--db", str(db)],
    "serve": lambda db, article: ["serve", "--db", str(db), "--port", "9"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_database_in_a_missing_folder_is_exit_2_naming_it(command, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(report(1), encoding="utf-8")
    db = tmp_path / "gone" / "news.duckdb"
    result = runner.invoke(app, COMMANDS[command](db, article))
    assert result.exit_code == 2, result.output
    assert str(db) in result.stderr and "does not exist" in result.stderr
    assert not db.parent.exists()


def test_events_on_a_database_that_does_not_exist_is_exit_2_and_creates_nothing(tmp_path):
    db = tmp_path / "never-made.duckdb"
    result = runner.invoke(app, ["events", "--db", str(db)])
    assert result.exit_code == 2
    assert f"the database {db} does not exist" in result.stderr
    assert not db.exists()


@pytest.fixture(scope="module")
def read_only_db(tmp_path_factory, nlp):
    """A coded store whose file may not be written, with an article beside it. Its permissions say
    read-only; as root, for whom permissions do not hold, the file is also made immutable (chattr +i)."""
    folder = tmp_path_factory.mktemp("read-only")
    article = folder / "a.txt"
    article.write_text(report(2), encoding="utf-8")
    db = folder / "ro.duckdb"
    with Store(db) as store:
        for d in code_documents(read_paths([str(article)]), nlp):
            store.add(d)
    db.chmod(0o444)
    immutable = False
    if ROOT_USER:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(db)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system where a file cannot be made immutable")
        immutable = True
    try:
        assert not os.access(db, os.W_OK)
        yield db, article
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr"), "-i", str(db)], check=True)
        db.chmod(0o644)


@pytest.mark.parametrize("command", ["code", "ingest", "serve"])
def test_a_read_only_database_is_exit_2_naming_it_for_writers(command, read_only_db):
    db, article = read_only_db
    before = db.stat().st_mtime_ns
    result = runner.invoke(app, COMMANDS[command](db, article))
    assert result.exit_code == 2, result.output
    assert f"cannot write the database {db}: the file is read-only" in result.stderr
    assert db.stat().st_mtime_ns == before


def test_a_read_only_database_can_still_be_read(read_only_db):
    db, _ = read_only_db
    result = runner.invoke(app, ["events", "--db", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() and all(json.loads(line)["doc_id"] for line in result.stdout.splitlines())


def test_the_library_store_refuses_a_read_only_file_naming_it(read_only_db):
    db, _ = read_only_db
    with pytest.raises(StoreError, match=f"{db}.*read-only"):
        Store(db)
    with pytest.raises(DatabasePathError, match=f"cannot write the database {db}: the file is read-only"):
        HandoffStore(db)
    with Store(db, read_only=True) as store:
        assert store.count("documents") == 1


# ---------------------------------------------------------------------------------------------- two writers
def test_two_ingests_on_one_file_take_turns_and_store_each_document_once(reference, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    texts = write_reports(first, range(0, 20)) + write_reports(second, range(10, 30))  # ten in both
    db = tmp_path / "news.duckdb"
    procs = [subprocess.Popen(eventwire() + ["ingest", str(folder), "--db", str(db), "--batch-size", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
             for folder in (first, second)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    added = sum(int(err.split("stored ", 1)[1].split(" new", 1)[0]) for _, err in outs)
    assert added == 30  # each document added by exactly one of them
    con = read_only_con(db)
    final = rows_per_document(con)
    assert not orphans(con)
    con.close()
    assert sorted(final) == sorted(set(document_id(t) for t in texts))
    assert final == reference  # every document whole, none twice


def hold_file(db: pathlib.Path, seconds: float) -> subprocess.Popen:
    """A process that does not take part in the handoff (like a duckdb shell) and holds the file."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
                               "time.sleep(float(sys.argv[2])); c.close()", str(db), str(seconds)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_an_ingest_waits_for_a_file_held_briefly_and_names_one_held_too_long(tmp_path):
    corpus = tmp_path / "corpus"
    write_reports(corpus, range(3))
    db = tmp_path / "news.duckdb"
    Store(db).close()
    holder = hold_file(db, 1.5)  # let go well within the writers' wait (5 s)
    try:
        waited = subprocess.run(eventwire() + ["ingest", str(corpus), "--db", str(db)], capture_output=True,
                                text=True, env=ENV, timeout=600)
    finally:
        holder.wait(timeout=60)
    assert waited.returncode == 0, waited.stderr
    assert "stored 3 new document(s)" in waited.stderr

    holder = hold_file(db, 600)
    try:
        refused = subprocess.run(eventwire() + ["ingest", str(corpus / "r000.txt"), "--db", str(db)],
                                 capture_output=True, text=True, env=ENV, timeout=600)
    finally:
        holder.kill()
        holder.wait(timeout=60)
    assert refused.returncode == 1
    assert f"the database {db} is held by another process" in refused.stderr
    with Store(db, read_only=True) as store:
        assert store.count("documents") == 3


# ---------------------------------------------------------------------------------------------- handoff
def test_the_writer_lets_go_of_the_file_between_batches(code, tmp_path):
    db = tmp_path / "news.duckdb"
    with HandoffStore(db, hold=5.0, idle=0.05) as store:
        assert store.add(code("Kenya praised Uganda on Monday."))
        deadline = time.monotonic() + 30
        while store.holding and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not store.holding, "an idle writer should have let go of the file"
        con = duckdb.connect(str(db), read_only=True)  # refused in this process while the writer holds it
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
        con.close()
        opens = store.opens
        assert not store.add(code("Kenya praised Uganda on Monday."))  # the same text: nothing added
        assert store.add(code("Peru thanked Chile on Friday."))
        assert store.opens > opens  # taken again to write
    with Store(db, read_only=True) as s:
        assert s.count("documents") == 2
    with pytest.raises(ValueError, match="hold"):
        HandoffStore(db, hold=-1)


def test_a_writer_waiting_for_the_file_keeps_new_readers_out(tmp_path):
    db = tmp_path / "news.duckdb"
    Store(db).close()
    assert reader_may_pass(db)
    turn = writer_turn(db)
    try:
        assert not reader_may_pass(db)
        with pytest.raises(BlockingIOError):
            writer_turn(db)  # one writer at a time
    finally:
        leave_turn(turn)
    assert reader_may_pass(db)


def test_a_waiting_reader_makes_the_writer_let_go_after_its_current_write(code, tmp_path):
    db = tmp_path / "news.duckdb"
    docs = [code(report(i)) for i in range(3)]
    with HandoffStore(db, hold=60, yield_after=0, idle=60, gap=0) as store:
        assert store.add(docs[0])
        assert store.holding  # nobody waits: it keeps the file (idle and hold are a minute here)
        assert not readers_waiting(db)
        with ReaderWaiting(db):
            assert readers_waiting(db)
            assert store.add(docs[1])
            assert not store.holding  # let go for the reader
            con = duckdb.connect(str(db), read_only=True)
            assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
            con.close()
        assert not readers_waiting(db)
        assert store.add(docs[2])
        assert store.holding
    with Store(db, read_only=True) as s:
        assert s.count("documents") == 3


def test_the_server_waits_for_a_file_another_process_holds(tmp_path, code):
    from eventwire.api import create_app

    db = tmp_path / "news.duckdb"
    with Store(db) as store:
        store.add(code("Poland condemned Belarus on Monday."))
    application = create_app(db, wait=30)

    async def get(url):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                                     base_url="http://127.0.0.1") as c:
            return await c.get(url)

    holder = hold_file(db, 1.0)
    try:
        r = asyncio.run(get("/v1/events"))
    finally:
        holder.wait(timeout=60)
    assert r.status_code == 200 and r.json()["total"] >= 1

    # while an ingest takes turns with the file, every request is answered
    corpus = tmp_path / "corpus"
    write_reports(corpus, range(8))
    writer = subprocess.Popen(eventwire() + ["ingest", str(corpus), "--db", str(db), "--batch-size", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    statuses = []
    try:
        while writer.poll() is None:
            statuses.append(asyncio.run(get("/v1/documents")).status_code)
    finally:
        _, err = writer.communicate(timeout=600)
    assert writer.returncode == 0, err
    assert statuses and set(statuses) == {200}
    assert asyncio.run(get("/v1/documents")).json()["total"] == 9


def test_a_reader_gives_up_with_store_busy_past_its_wait(tmp_path):
    from eventwire.api.db import Database

    db = tmp_path / "news.duckdb"
    Store(db).close()
    holder = hold_file(db, 600)
    try:
        with pytest.raises(StoreBusy, match=f"the database {db} has been held by another process"):
            with Database(db, wait=0.2).read():
                pass
        with pytest.raises(StoreBusy, match=str(db)):
            with Database(db, wait=0.2).write():
                pass
    finally:
        holder.kill()
        holder.wait(timeout=60)
    with Database(db, wait=0.2).read() as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_read_commands_wait_for_a_file_held_briefly(tmp_path):
    # `eventwire events`, `stats` and `export` failed at once while a writer held the file
    from eventwire.store.handoff import reader_store

    db = tmp_path / "news.duckdb"
    Store(db).close()
    holder = hold_file(db, 1.5)
    try:
        for args in (["events"], ["stats"], ["export", "-f", "csv", "-o", str(tmp_path / "out.csv")]):
            done = subprocess.run(eventwire() + args + ["--db", str(db)], capture_output=True, text=True, env=ENV,
                                  timeout=600)
            assert done.returncode == 0, (args, done.stderr)
    finally:
        holder.wait(timeout=60)
    holder = hold_file(db, 600)
    try:
        with pytest.raises(StoreBusy, match=f"the database {db} has been held by another process"):
            reader_store(db, wait=0.2)
    finally:
        holder.kill()
        holder.wait(timeout=60)
