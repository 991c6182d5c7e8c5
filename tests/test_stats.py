"""eventwire dyads and eventwire stats over a store of the examples."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from eventwire.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats") / "s.duckdb"
    r = runner.invoke(app, ["code", str(EXAMPLES), "--db", str(path), "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    return path


def test_dyads_by_month(db):
    r = runner.invoke(app, ["dyads", "--db", str(db), "--interval", "month", "-f", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows and all(len(x["period"]) == 10 for x in rows)
    for x in rows:
        assert x["count"] == sum(x[f"quad{q}"] for q in "1234")
        assert x["goldstein_mean"] is None or -10 <= x["goldstein_mean"] <= 10


def test_dyads_filtered_by_source(db):
    r = runner.invoke(app, ["dyads", "--db", str(db), "--source", "KGZ", "-f", "json"])
    assert r.exit_code == 0
    assert {x["source"] for x in json.loads(r.stdout)} <= {"KGZ"}


def test_stats(db):
    r = runner.invoke(app, ["stats", "--db", str(db), "-f", "json"])
    assert r.exit_code == 0, r.output
    o = json.loads(r.stdout)
    assert o["counts"]["documents"] == 3 and o["counts"]["events"] > 0


def test_missing_store_is_a_clear_error(tmp_path):
    r = runner.invoke(app, ["stats", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 1 and "does not exist" in r.stderr
