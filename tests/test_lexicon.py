"""A user's lexicon (--lexicon extra.yaml) extends the event rules without touching the shipped tables."""

from __future__ import annotations

import pytest

from eventwire import KnowledgeError, code_text
from eventwire.knowledge import load_knowledge
from eventwire.nlp import load_pipeline

LEXICON = """
verbs:
  - {lemma: airlift, object: aid|food|supply|medicine, prep: to, cameo: "073", target: prep}
  - {lemma: snub, cameo: "125", target: obj, note: snubbed an invitation from X}
nouns:
  - {lemma: airlift, cameo: "073"}
"""


def test_user_rows_are_used(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text(LEXICON)
    nlp = load_pipeline(None, None, str(path))
    d = code_text("Jordan airlifted medicine to Gaza on Friday.", published="2024-03-08", nlp=nlp)
    e = next(e for e in d.events if e.cameo == "073")
    assert (e.source.country, e.target.country) == ("JOR", "PSE")
    d = code_text("Japan snubbed China over the summit.", published="2024-03-08", nlp=nlp)
    assert any(e.cameo == "125" and e.target and e.target.country == "CHN" for e in d.events)
    # the shipped knowledge is untouched
    assert not any(r.note == "snubbed an invitation from X" for r in load_knowledge().verbs.get("snub", []))


@pytest.mark.parametrize("text,problem", [
    ("verbs: [{lemma: x}]", "CAMEO code"),
    ("verbs: [{lemma: x, cameo: '999'}]", "CAMEO code"),
    ("adjectives: []", "mapping"),
    ("verbs: [{lemma: x, cameo: '111', target: sideways}]", "target"),
])
def test_bad_lexicon_is_a_clear_error(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(KnowledgeError, match=problem):
        load_knowledge(None, path)


def test_code_command_takes_a_lexicon(tmp_path):
    import json

    from typer.testing import CliRunner

    from eventwire.cli import app

    path = tmp_path / "extra.yaml"
    path.write_text(LEXICON)
    r = CliRunner().invoke(app, ["code", "-", "--no-db", "--format", "json", "--published", "2024-03-08",
                                 "--lexicon", str(path)], input="Jordan airlifted medicine to Gaza on Friday.")
    assert r.exit_code == 0, r.output
    assert any(e["cameo"] == "073" for e in json.loads(r.stdout)["events"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("verbs: [{lemma: x}]")
    r = CliRunner().invoke(app, ["code", "-", "--no-db", "--lexicon", str(bad)], input="Chile praised Peru.")
    assert r.exit_code == 1 and "CAMEO code" in r.stderr
