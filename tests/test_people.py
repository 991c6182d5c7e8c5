"""People across documents: what stored texts taught, and the user's corrections, which win."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from eventwire import KnowledgeError, Store, code_documents
from eventwire.cli import app
from eventwire.knowledge import load_knowledge
from eventwire.people import PeopleBook, load_user_actors
from eventwire.pipeline import SourceDoc


def _person(doc, name):
    return next(a for a in doc.actors if a.kind == "person" and name in a.text)


def test_a_title_learned_in_one_document_resolves_the_next(nlp):
    first = SourceDoc("Chilean Deputy Foreign Minister Tomas Ibarra arrived in Lima on Monday.", published="2024-03-04")
    later = SourceDoc("Tomas Ibarra criticised Argentina over the fishing dispute.", published="2024-03-08")
    with Store(":memory:") as store:
        store.add(next(code_documents([first], nlp)))
        rows = store.learned_actors(at="2024-03-08")
        assert [(r["name"], r["country"]) for r in rows] == [("Tomas Ibarra", "CHL")]
        alone = next(code_documents([later], nlp))
        assert _person(alone, "Ibarra").country is None
        taught = next(code_documents([later], nlp, people=PeopleBook.from_rows(rows)))
        a = _person(taught, "Ibarra")
        assert (a.country, a.via) == ("CHL", "learned")
        assert store.learned_actors(at="2024-03-01") == []  # not known before it was seen


def test_the_users_file_wins(nlp, tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("- name: Vladimir Putin\n  country: RUS\n  sector: ELI\n  role: test override\n")
    book = PeopleBook.from_rows([], load_user_actors(path))
    doc = next(code_documents([SourceDoc("Vladimir Putin met Xi Jinping.", published="2024-03-04")], nlp, people=book))
    a = _person(doc, "Putin")
    assert (a.sector, a.via) == ("ELI", "user")


@pytest.mark.parametrize("text,problem", [("name: x", "list"), ("- country: RUS", "name"),
                                          ("- name: X\n  country: Russia", "ISO"), ("- [", "YAML")])
def test_bad_user_file_names_the_problem(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(KnowledgeError, match=problem):
        load_user_actors(path)


def test_office_changes_are_honoured_by_date(code):
    before = code("Medvedev met the French president in Moscow.", "2010-06-01")
    after = code("Medvedev met the French president in Moscow.", "2022-06-01")
    kb = load_knowledge()
    assert kb.people("Medvedev", dt.date(2010, 6, 1))[0].role.lower().startswith("president")
    assert "security council" in kb.people("Medvedev", dt.date(2022, 6, 1))[0].role.lower()
    assert _person(before, "Medvedev").role != _person(after, "Medvedev").role


def test_actors_command_lists_table_learned_and_user(tmp_path):
    runner = CliRunner()
    db = tmp_path / "s.duckdb"
    r = runner.invoke(app, ["code", "-", "--published", "2024-03-04", "--db", str(db), "--format", "jsonl"],
                      input="Chilean Deputy Foreign Minister Tomas Ibarra arrived in Lima on Monday.")
    assert r.exit_code == 0, r.output
    user = tmp_path / "p.yaml"
    user.write_text("- name: Ana Quispe\n  country: PER\n  sector: LEG\n")
    r = runner.invoke(app, ["actors", "--at", "2024-03-04", "--db", str(db), "--actors", str(user), "-f", "json",
                            "--limit", "5000"])
    assert r.exit_code == 0, r.output
    import json

    rows = json.loads(r.stdout)
    sources = {(x["source"], x["name"]) for x in rows}
    assert ("learned", "Tomas Ibarra") in sources and ("user", "Ana Quispe") in sources
    assert ("table", "Vladimir Putin") in sources
    r = runner.invoke(app, ["actors", "--at", "yesterday"])
    assert r.exit_code == 2


def test_code_command_uses_what_the_store_learned_and_the_users_file(tmp_path):
    import json

    runner = CliRunner()
    db = tmp_path / "s.duckdb"
    first = runner.invoke(app, ["code", "-", "--published", "2024-03-04", "--db", str(db), "--format", "jsonl"],
                          input="Chilean Deputy Foreign Minister Tomas Ibarra arrived in Lima on Monday.")
    assert first.exit_code == 0, first.output
    later = runner.invoke(app, ["code", "-", "--published", "2024-03-08", "--db", str(db), "--format", "json"],
                          input="Tomas Ibarra criticised Argentina over the fishing dispute.")
    assert later.exit_code == 0, later.output
    a = next(x for x in json.loads(later.stdout)["actors"] if x["text"] == "Tomas Ibarra")
    assert (a["country"], a["via"]) == ("CHL", "learned")
    user = tmp_path / "p.yaml"
    user.write_text("- name: Tomas Ibarra\n  country: PER\n  sector: GOV\n")
    corrected = runner.invoke(app, ["code", "-", "--published", "2024-03-09", "--no-db", "--format", "json",
                                    "--actors", str(user)], input="Tomas Ibarra criticised Argentina again.")
    a = next(x for x in json.loads(corrected.stdout)["actors"] if x["text"] == "Tomas Ibarra")
    assert (a["country"], a["via"]) == ("PER", "user")
    bad = runner.invoke(app, ["code", "-", "--no-db", "--actors", str(tmp_path / "missing.yaml")], input="x y z.")
    assert bad.exit_code == 1 and "missing.yaml" in bad.stderr
