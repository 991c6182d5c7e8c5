"""The JSON output contract (docs/output.md): every field a scorer reads, with the right types."""

from __future__ import annotations

import json
import re

from conftest import EXAMPLES

ISO3 = re.compile(r"^([A-Z]{3}|IGO)$")
SECTOR = re.compile(r"^[A-Z]{3}$")

DOC_FIELDS = {"id", "text", "title", "published", "source", "url", "sentences", "actors", "quotes", "events",
              "nonfactual_events", "places", "dates"}
ACTOR_FIELDS = {"text", "start", "end", "name", "country", "sector", "kind", "resolved"}
QUOTE_FIELDS = {"kind", "content", "cue", "speaker", "addressee", "confidence"}
EVENT_FIELDS = {"plover", "mode", "context", "cameo", "goldstein", "quad", "source", "target", "trigger", "sentence",
                "date", "date_precision", "location", "negated", "modality", "reported_by", "confidence", "coder"}
PLACE_FIELDS = {"text", "start", "end", "name", "country", "latitude", "longitude", "geonameid", "feature", "role"}
DATE_FIELDS = {"text", "start", "end", "value", "precision"}
PLOVER = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
          "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}


def _span_ok(text: str, obj: dict) -> None:
    assert 0 <= obj["start"] <= obj["end"] <= len(text)
    if "text" in obj and obj["text"] is not None:
        assert text[obj["start"] : obj["end"]] == obj["text"], obj


def _country_ok(value):
    assert value is None or ISO3.match(value), value


def test_every_field_of_the_contract(code):
    text = (EXAMPLES / "ceasefire.txt").read_text(encoding="utf-8")
    d = json.loads(json.dumps(code(text, "2025-06-12").to_dict()))  # through JSON, as users read it
    assert DOC_FIELDS <= d.keys()
    text = d["text"]
    assert d["events"] and d["quotes"] and d["actors"] and d["places"] and d["dates"]
    for s in d["sentences"]:
        _span_ok(text, s)
    for a in d["actors"]:
        assert ACTOR_FIELDS <= a.keys()
        _span_ok(text, a)
        _country_ok(a["country"])
        assert a["sector"] is None or SECTOR.match(a["sector"])
        assert isinstance(a["resolved"], bool)
    for q in d["quotes"]:
        assert QUOTE_FIELDS <= q.keys()
        assert q["kind"] in ("direct", "indirect", "mixed")
        _span_ok(text, q["content"])
        if q["cue"]:
            _span_ok(text, q["cue"])
            assert q["cue"]["lemma"]
        if q["speaker"]:
            assert {"start", "end", "text", "name", "country", "sector"} <= q["speaker"].keys()
            _span_ok(text, q["speaker"])
        assert 0 <= q["confidence"] <= 1
    quote_ids = {q["id"] for q in d["quotes"]}
    for e in d["events"]:
        assert EVENT_FIELDS <= e.keys()
        assert isinstance(e["cameo"], str) and re.fullmatch(r"\d{2,4}", e["cameo"]), e["cameo"]
        assert e["plover"] is None or e["plover"] in PLOVER
        if e["plover"] is None:
            assert e["cameo"].startswith("01"), "only CAMEO 01 statements go without a PLOVER type"
        assert e["quad"] in (1, 2, 3, 4)
        assert isinstance(e["goldstein"], float) and -10 <= e["goldstein"] <= 10
        _span_ok(text, e["trigger"])
        _span_ok(text, e["sentence"])
        assert e["sentence"]["start"] <= e["trigger"]["start"] < e["sentence"]["end"]
        for slot in ("source", "target"):
            if e[slot]:
                _span_ok(text, e[slot])
                _country_ok(e[slot]["country"])
        assert e["modality"] in ("asserted", "reported", "intended")
        assert e["negated"] is False
        assert e["sources"] and e["sources"][0] == e["source"] or not e["sources"] and e["source"] is None
        assert e["reported_by"] is None or e["reported_by"] in quote_ids
        assert e["coder"] == "eventwire.rules.v1"
        assert e["date"] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", e["date"])
    for e in d["nonfactual_events"]:
        assert EVENT_FIELDS <= e.keys()
        assert e["negated"] or e["modality"] in ("hypothetical", "alleged", "requested")
    for p in d["places"]:
        assert PLACE_FIELDS <= p.keys()
        _span_ok(text, p)
        _country_ok(p["country"])
    for t in d["dates"]:
        assert DATE_FIELDS <= t.keys()
        _span_ok(text, t)
    assert d["coders"]["ew_events"] == "eventwire.events.v1"


def test_offsets_survive_curly_quotes_and_non_ascii(code):
    text = "Ms. Çelik, the mayor of İzmir, said: “We will rebuild the harbour.” Turkey’s army attacked rebels on Monday."
    d = code(text, "2024-01-10").to_dict()
    for q in d["quotes"]:
        _span_ok(text, q["content"])
    for e in d["events"]:
        _span_ok(text, e["trigger"])


def test_cameo_codes_stay_strings_with_leading_zeros(code):
    d = code("The French government praised Germany on Friday.", "2024-01-10").to_dict()
    codes = [e["cameo"] for e in d["events"]]
    assert codes and all(isinstance(c, str) for c in codes)
    assert any(c.startswith("05") for c in codes), codes
