"""eventwire evaluate: the scorer is a user feature; it must agree with the shared scorer on the seed."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT
from eventwire.cli import app

runner = CliRunner()

SENTENCES = [
    {"id": "s1", "date": "2024-01-10", "event": "DISAPPROVE", "text": "Norway condemned Belarus for the arrests.",
     "source": [{"code": "NOR"}], "target": [{"code": "BLR"}]},
    {"id": "s2", "date": "2024-01-10", "event": "AID", "text": "Canada sent medical supplies to Haiti.",
     "source": [{"code": "CAN"}], "target": [{"code": "HTI"}]},
    {"id": "s3", "date": "2024-01-10", "event": "FIGHT", "text": "Sudanese troops shelled rebel positions.",
     "source": [{"code": "SDN"}], "target": ""},
    {"id": "s4", "date": "2024-01-10", "event": "AGREE", "text": "The weather was fine in Oslo.",
     "source": [{"code": "***"}], "target": ""},
]


def test_sentence_gold_measures(tmp_path):
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(SENTENCES))
    r = runner.invoke(app, ["evaluate", str(path), "--json"])
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)[str(path)]
    assert m["records"] == 4
    # three of four right (old names mapped: DISAPPROVE->ACCUSE, FIGHT->ASSAULT); the fourth has no event
    assert m["type_accuracy"] == 0.75 and m["full_triple_accuracy"] == 0.75 and m["no_event"] == 0.25
    assert m["per_type"]["ACCUSE"]["f1"] == 1.0
    assert m["confusion"]["AGREE"] == {"NONE": 1}


def test_document_gold_with_its_article(tmp_path):
    text = (EXAMPLES / "ceasefire.txt").read_text(encoding="utf-8")
    sentence = next(s for s in text.split(". ") if "accused" in s)
    anchor = sentence[sentence.index("accused") - 20 : sentence.index("accused") + 7]
    gold = {"published": json.loads((EXAMPLES / "ceasefire.meta.json").read_text())["published"],
            "events": [{"id": "G1", "anchor": anchor, "plover": ["ACCUSE"], "cameo_root": ["11"], "source": None,
                        "target": None, "required": True}], "quotes": [], "negatives": [], "places": [], "dates": []}
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold))
    r = runner.invoke(app, ["evaluate", str(path), "--text", str(EXAMPLES / "ceasefire.txt"), "--json"])
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)[str(path)]
    assert m["event_recall"] == 1.0 and 0 < m["event_precision"] < 1


def test_bad_gold_file_is_a_clear_error(tmp_path):
    path = tmp_path / "gold.json"
    path.write_text('{"nothing": 1}')
    r = runner.invoke(app, ["evaluate", str(path)])
    assert r.exit_code == 1 and "neither document gold" in r.stderr


def test_agrees_with_the_shared_scorer_on_the_seed(shared, tmp_path):
    r = runner.invoke(app, ["evaluate", str(shared / "eval" / "seed_gold.json"), "--json"])
    assert r.exit_code == 0, r.output
    ours = json.loads(r.stdout)[str(shared / "eval" / "seed_gold.json")]
    out = tmp_path / "seed.json"
    r = runner.invoke(app, ["code", str(shared / "seed" / "karabakh-2023-09-20.txt"), "--published", "2023-09-20",
                            "--format", "json", "--no-db"])
    out.write_text(r.stdout)
    theirs = json.loads(subprocess.run([sys.executable, str(shared / "tools" / "score_seed.py"), str(out)],
                                       capture_output=True, text=True).stdout)
    for key in ("event_recall", "event_precision", "negation_errors", "quote_recall", "quote_speaker_acc",
                "place_acc", "date_acc", "event_date_acc"):
        assert ours[key] == theirs[key], key
    assert ours["metonym_acc"] == 1.0
