"""The command line, run in-process: exit codes, formats, bad inputs, the store."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT
from eventwire.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_code_examples_into_the_store_twice_adds_nothing(tmp_path):
    db = tmp_path / "ew.duckdb"
    first = run("code", str(EXAMPLES), "--db", str(db), "--format", "jsonl")
    assert first.exit_code == 0, first.output
    docs = [json.loads(line) for line in first.stdout.splitlines() if line.startswith("{")]
    assert len(docs) == 3
    con = duckdb.connect(str(db))
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "events", "quotes")}
    con.close()
    assert counts["documents"] == 3 and counts["events"] > 0 and counts["quotes"] > 0
    second = run("code", str(EXAMPLES), "--db", str(db), "--format", "jsonl")
    assert second.exit_code == 0
    con = duckdb.connect(str(db))
    again = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "events", "quotes")}
    con.close()
    assert again == counts


def test_table_format_prints_events_and_quotes(tmp_path):
    r = run("code", str(EXAMPLES / "state-visit.txt"), "--no-db")
    assert r.exit_code == 0, r.output
    assert "events" in r.stdout and "quotes" in r.stdout


def test_json_is_one_object_for_one_document():
    r = run("code", str(EXAMPLES / "protest.txt"), "--no-db", "--format", "json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert isinstance(d, dict) and d["published"]  # from protest.meta.json


def test_stdin_with_published():
    r = run("code", "-", "--published", "2024-02-01", "--no-db", "--format", "json",
            input="Egypt urged Israel to allow aid into Gaza on Tuesday.")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["published"] == "2024-02-01"
    assert any(t["value"] == "2024-01-30" for t in d["dates"])


def test_bad_inputs_are_named_and_the_rest_still_coded(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp_path / "latin1.txt").write_bytes("Le président a dénoncé l'attaque.".encode("latin-1"))
    (tmp_path / "huge.txt").write_text("Word " * 4_200_000)  # 21 MB
    good = tmp_path / "good.txt"
    good.write_text("Japan praised South Korea on Monday for its help.")
    r = run("code", *(str(tmp_path / n) for n in ("empty.txt", "binary.txt", "latin1.txt", "huge.txt", "good.txt")),
            "--no-db", "--format", "jsonl", "--published", "2024-05-01")
    assert r.exit_code == 1
    err = r.stderr
    for name, problem in (("empty.txt", "empty"), ("binary.txt", "binary"), ("latin1.txt", "UTF-8"), ("huge.txt", "limit")):
        line = next((l for l in err.splitlines() if name in l), "")
        assert problem in line, err
    coded = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert len(coded) == 1 and coded[0]["text"].startswith("Japan")


def test_missing_file_and_usage_errors():
    r = run("code", "/nonexistent/article.txt", "--no-db")
    assert r.exit_code == 1 and "does not exist" in r.stderr
    r = run("code", str(EXAMPLES), "--published", "yesterday", "--no-db")
    assert r.exit_code == 2
    r = run("code", str(EXAMPLES), "--format", "xml")
    assert r.exit_code == 2


def test_database_in_missing_folder_is_a_clear_error(tmp_path):
    r = run("code", str(EXAMPLES / "protest.txt"), "--db", str(tmp_path / "nope" / "x.duckdb"))
    assert r.exit_code == 2 and "does not exist" in r.stderr  # a database path that cannot be used: exit 2


def test_events_and_quotes_commands_read_the_store(tmp_path):
    db = tmp_path / "ew.duckdb"
    assert run("code", str(EXAMPLES), "--db", str(db), "--format", "jsonl").exit_code == 0
    r = run("events", "--db", str(db), "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)
    r = run("quotes", "--db", str(db), "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert commands
    for name in commands:
        assert re.search(rf"eventwire {name}\b", readme), f"README does not document 'eventwire {name}'"
