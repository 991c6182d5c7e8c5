"""The DuckDB store's own cases: a file another process holds, paths that cannot be used, and batched
writes that cross the multi-row statement size. (Behaviour shared with PostgreSQL is tested on both
databases in test_store_pg.py.)"""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest

from eventwire.errors import StoreError
from eventwire.store import Store, StoreLocked
from eventwire.store import query as Q

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()  # hold the file until the test says so
con.close()
"""


@pytest.fixture()
def holder(tmp_path):
    """Start a process that holds a DuckDB file; returns (path, process); release by writing a line."""
    path = tmp_path / "held.duckdb"
    Store(str(path)).close()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    try:
        yield path, proc
    finally:
        if proc.poll() is None:
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.wait(30)


def test_held_file_names_the_file_and_the_process(holder):
    path, proc = holder
    with pytest.raises(StoreLocked) as info:
        Store(str(path), wait=0.2)
    message = str(info.value)
    assert str(path) in message
    assert f"another process (PID {proc.pid}) holds it" in message
    assert "waiting 0.2 s" in message
    with pytest.raises(StoreLocked):  # readers are refused too while a writer holds the file
        Store(str(path), read_only=True)


def test_wait_gets_the_file_once_the_holder_lets_go(holder, tmp_path):
    path, proc = holder
    import threading

    def release():
        proc.stdin.write("\n")
        proc.stdin.flush()

    timer = threading.Timer(0.5, release)
    timer.start()
    try:
        with Store(str(path), wait=60) as store:
            assert store.count("documents") == 0
    finally:
        timer.cancel()


def test_missing_file_for_reading(tmp_path):
    path = tmp_path / "none.duckdb"
    with pytest.raises(StoreError, match=f"the database {path} does not exist"):
        Store(str(path), read_only=True)
    assert not path.exists()  # reading never creates it


def test_missing_folder(tmp_path):
    path = tmp_path / "no" / "such" / "news.duckdb"
    with pytest.raises(StoreError, match="the folder .* does not exist"):
        Store(str(path))


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(StoreError, match="is a folder, not a DuckDB file"):
        Store(str(tmp_path))


def _deny_writes(monkeypatch, *paths):
    """Root may write anything: make the permission check see read-only ``paths`` as a user would."""
    if os.geteuid() != 0:
        return
    import eventwire.store as store_module

    real = os.access
    denied = {os.path.realpath(p) for p in paths}

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and os.path.realpath(path) in denied:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(store_module.os, "access", access)


def test_read_only_file(tmp_path, monkeypatch, code):
    path = tmp_path / "news.duckdb"
    with Store(str(path)) as store:
        store.add(code("Kenya and Uganda signed a trade agreement in Nairobi on Friday."))
    path.chmod(0o444)
    _deny_writes(monkeypatch, path)
    with pytest.raises(StoreError, match=f"cannot write to the database {path}: the file is read-only"):
        Store(str(path))
    with Store(str(path), read_only=True) as store:  # reading it still works
        assert store.count("documents") == 1


def test_read_only_folder(tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    _deny_writes(monkeypatch, folder)
    try:
        with pytest.raises(StoreError, match=f"cannot create the database .*: the folder {folder} is read-only"):
            Store(str(folder / "news.duckdb"))
    finally:
        folder.chmod(0o755)


def test_not_a_duckdb_file(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match=f"cannot open the database {path}"):
        Store(str(path))


def test_bad_wait_values(tmp_path):
    with pytest.raises(StoreError, match="wait=-1 cannot be negative"):
        Store(str(tmp_path / "a.duckdb"), wait=-1)
    with pytest.raises(StoreError, match="wait='soon' is not a number"):
        Store(str(tmp_path / "a.duckdb"), wait="soon")


def test_add_many_across_statement_chunks(tmp_path, code, monkeypatch):
    """More rows than one INSERT statement takes: every copy stored with all its rows, once."""
    import eventwire.store as store_module

    monkeypatch.setattr(store_module, "_CHUNK", 50)
    base = code("Poland condemned Belarus on Monday. Lithuania and Latvia backed Warsaw on Tuesday.", "2024-03-06")
    docs = []
    for i in range(230):
        d = copy.copy(base)
        d.id = f"{i:016x}"
        docs.append(d)
    with Store(str(tmp_path / "many.duckdb")) as store:
        assert store.add_many(docs[:10]) == 10
        assert store.add_many(docs) == 220
        assert store.count("documents") == 230
        assert store.count("events") == 230 * len(base.events)
        assert store.count("actors") == 230 * len(base.actors)
        per_doc = store.con.execute("SELECT count(DISTINCT doc_id), count(*) FROM events").fetchone()
        assert per_doc == (230, 230 * len(base.events))
        assert Q.count_documents(store) == 230
