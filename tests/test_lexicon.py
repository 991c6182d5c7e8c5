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
