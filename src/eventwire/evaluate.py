"""Scoring the pipeline against gold annotations: a user feature, not only a test.

Two gold formats are read:

* **Document gold** (``seed_gold.json`` style): one article, with ``events[]``, ``quotes[]``, ``places[]``,
  ``dates[]`` and ``negatives[]`` located by anchors (strings occurring once in the text). The measures
  are those described in ``../shared/eval/README.md``: recall over required items, precision over what was
  extracted.
* **Sentence gold** (the PLOVER gold-standard records, ``PLOVER_GSR_CAMEO.json`` style): a list of
  single sentences with ``event``, ``source[]`` and ``target[]`` codes. Each sentence is coded and its
  main event (the most confident one with a PLOVER type) compared with the gold: type accuracy, per-type
  precision/recall/F1, a confusion table, and the full-triple accuracy (type, source country and target
  country all right; an empty gold target is unconstrained).

``evaluate_document`` and ``evaluate_sentences`` return plain dicts; ``eventwire evaluate`` prints them.
"""

from __future__ import annotations

import json
import math
import pathlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from spacy.language import Language

from .pipeline import code_text
from .records import Document, Event

__all__ = ["evaluate_document", "evaluate_sentences", "main_event", "OLD_PLOVER_NAMES"]

#: PLOVER 0.5b1 names in the gold-standard records and the current type each maps to.
OLD_PLOVER_NAMES = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "FIGHT": "ASSAULT"}
_PRONOUNS = {"he", "she", "it", "they", "him", "her", "them", "we", "i", "you"}
_ISO = re.compile(r"^[A-Z]{3}$")


# ----------------------------------------------------------------------------------------- helpers
def _within(pos: int, span) -> bool:
    return span is not None and span.start <= pos < span.end


def _country_ok(accepted: list | None, ref) -> bool:
    if accepted is None:
        return True
    return (ref.country if ref is not None else None) in accepted


def _sector_ok(accepted: list | None, ref) -> bool:
    if not accepted or ref is None or ref.country is None:
        return True
    return (ref.sector or "")[:3].upper() in accepted


def _slot_ok(gold_slot: dict | None, ref) -> bool:
    if gold_slot is None:
        return True
    return _country_ok(gold_slot.get("country"), ref) and _sector_ok(gold_slot.get("sector"), ref)


def _parties_ok(gold: dict, e: Event) -> bool:
    """Any source party may fill the gold source; the target may be any target or, for a reciprocal
    event, any other party."""
    sources = e.sources or ([e.source] if e.source else [])
    targets = e.targets or ([e.target] if e.target else [])
    for i, s in enumerate(sources or [None]):
        if gold["source"] is not None:
            if s is None and None not in (gold["source"].get("country") or []):
                continue
            if s is not None and not _slot_ok(gold["source"], s):
                continue
        if gold["target"] is None:
            return True
        others = targets or [x for j, x in enumerate(sources) if j != i]
        if not others and None in (gold["target"].get("country") or []):
            return True
        if any(_slot_ok(gold["target"], t) for t in others):
            return True
    return False


def _kind_ok(gold: dict, e: Event) -> bool:
    return (e.plover or "") in gold.get("plover", []) or any(e.cameo.startswith(r) for r in gold.get("cameo_root", []))


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


# ----------------------------------------------------------------------------------------- document gold
def evaluate_document(doc: Document, gold: dict) -> dict:
    """Score one coded document against its anchor-based gold annotation."""
    text = doc.text
    sentence_of = {}
    for s in doc.sentences:
        sentence_of[(s.start, s.end)] = s
    out: dict = {}

    def sentence_at(pos: int):
        return next((s for s in doc.sentences if s.start <= pos < s.end), None)

    # events
    hit_events: set[int] = set()
    found = dated = date_ok = 0
    misses = []
    for g in gold.get("events", []):
        pos = text.index(g["anchor"])
        sent = sentence_at(pos)
        hits = [i for i, e in enumerate(doc.events)
                if sent is not None and e.sentence.start == sent.start and _kind_ok(g, e) and _parties_ok(g, e)]
        hit_events.update(hits)
        if g.get("required"):
            if hits:
                found += 1
                if g.get("date"):
                    dated += 1
                    date_ok += any(str(doc.events[i].date or "").startswith(g["date"]) for i in hits)
            else:
                misses.append(g.get("id", g["anchor"]))
    required = sum(1 for g in gold.get("events", []) if g.get("required"))
    out["event_recall"] = _ratio(found, required)
    out["event_precision"] = _ratio(len(hit_events), len(doc.events))
    out["events_extracted"] = len(doc.events)
    out["event_misses"] = misses
    out["event_date_acc"] = _ratio(date_ok, dated)
    errors = 0
    for n in gold.get("negatives", []):
        sent = sentence_at(text.index(n["anchor"]))
        errors += sum(1 for e in doc.events if sent is not None and e.sentence.start == sent.start
                      and (e.plover or "") in n["forbidden_plover"])
    out["negation_errors"] = errors

    # quotes
    matched_quotes: set[int] = set()
    q_found = q_speaker = 0
    q_misses = []
    for g in gold.get("quotes", []):
        a0 = text.index(g["content_anchor"])
        a1 = a0 + len(g["content_anchor"])
        overlapping = [i for i, q in enumerate(doc.quotes) if q.content.start < a1 and a0 < q.content.end]
        matched_quotes.update(overlapping)
        speaker_ok = False
        for i in overlapping:
            sp = doc.quotes[i].speaker
            name = ((sp.name or sp.text) if sp else "") or ""
            if name.strip().lower() in _PRONOUNS:
                continue
            norm = name.lower().replace("\u2019", "'")
            if any(re.search(r"\b" + re.escape(alias.lower().replace("\u2019", "'").split()[-1]) + r"\b", norm)
                   for alias in g["speaker"]):
                speaker_ok = True
        if g.get("required"):
            if overlapping:
                q_found += 1
                q_speaker += speaker_ok
                if not speaker_ok:
                    q_misses.append(f"{g.get('id', '?')}:speaker")
            else:
                q_misses.append(g.get("id", g["content_anchor"]))
    q_required = sum(1 for g in gold.get("quotes", []) if g.get("required"))
    out["quote_recall"] = _ratio(q_found, q_required)
    out["quote_speaker_acc"] = _ratio(q_speaker, q_required)
    out["quote_precision"] = _ratio(len(matched_quotes), len(doc.quotes))
    out["quotes_extracted"] = len(doc.quotes)
    out["quote_misses"] = q_misses

    # places
    p_ok, p_misses = 0, []
    for g in gold.get("places", []):
        names = [g["mention"], *g.get("also_known_as", [])]
        ok = False
        for p in doc.places:
            if not any(n.lower() in (p.text or "").lower() for n in names) or p.country != g["country"]:
                continue
            if "lat" in g:
                if p.latitude is None or p.longitude is None:
                    continue
                if _km(p.latitude, p.longitude, g["lat"], g["lon"]) > g["radius_km"]:
                    continue
            ok = True
            break
        p_ok += ok
        if not ok:
            p_misses.append(g["mention"])
    out["place_acc"] = _ratio(p_ok, len(gold.get("places", [])))
    out["place_misses"] = p_misses

    # dates
    d_ok, d_misses = 0, []
    for g in gold.get("dates", []):
        a0 = text.index(g["anchor"])
        a1 = a0 + len(g["anchor"])
        ok = any(t.start < a1 and a0 < t.end and str(t.value or "").startswith(g["value"]) for t in doc.dates)
        d_ok += ok
        if not ok:
            d_misses.append(g["expression"])
    out["date_acc"] = _ratio(d_ok, len(gold.get("dates", [])))
    out["date_misses"] = d_misses

    # metonyms: capitals standing for governments must be coded as that government's actor
    m_ok, m_misses = 0, []
    for g in gold.get("metonyms", []):
        a0 = text.index(g["anchor"])
        a1 = a0 + len(g["anchor"])
        ok = any(a.start < a1 and a0 < a.end and g["mention"] in a.text
                 and f"{a.country}{a.sector or ''}" == g["actor"] for a in doc.actors)
        m_ok += ok
        if not ok:
            m_misses.append(g["anchor"])
    out["metonym_acc"] = _ratio(m_ok, len(gold.get("metonyms", [])))
    out["metonym_misses"] = m_misses
    return out


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


# ----------------------------------------------------------------------------------------- sentence gold
def main_event(doc: Document) -> Event | None:
    """The event a one-sentence gold record is about: the most confident one with a PLOVER type,
    the earliest on a tie."""
    typed = [e for e in doc.events if e.plover]
    if not typed:
        return None
    return max(typed, key=lambda e: (e.confidence, -e.trigger.start))


def _codes(slot) -> list[str]:
    """Valid ISO codes (or IGO) of a gold slot; malformed ones (JAP, ***) leave it unconstrained."""
    if not slot or isinstance(slot, str):
        return []
    out = []
    for a in slot:
        code = str(a.get("code") or "").upper()
        if code == "IGO" or code.startswith("IGO"):
            out.append("IGO")
        elif _ISO.match(code):
            out.append(code)
    return out


def evaluate_sentences(records: Iterable[dict], nlp: Language, known_countries: set[str] | None = None) -> dict:
    """Score the coder on one-sentence gold records (PLOVER GSR format)."""
    rows = []
    for r in records:
        gold_type = r.get("event")
        if not gold_type or gold_type == "DOCUMENT" or not r.get("text"):
            continue
        gold_type = OLD_PLOVER_NAMES.get(gold_type, gold_type)
        doc = code_text(r["text"], published=str(r.get("date") or "")[:10] or None, nlp=nlp)
        e = main_event(doc)
        sources = [c for c in _codes(r.get("source")) if known_countries is None or c in known_countries or c == "IGO"]
        targets = [c for c in _codes(r.get("target")) if known_countries is None or c in known_countries or c == "IGO"]
        predicted = e.plover if e is not None else "NONE"
        triple = False
        if e is not None and predicted == gold_type:
            got_sources = {a.country for a in (e.sources or [e.source] if e.source else [])}
            got_targets = {a.country for a in (e.targets or [e.target] if e.target else [])}
            source_ok = not sources or bool(set(sources) & got_sources)
            target_ok = not targets or bool(set(targets) & (got_targets | got_sources))
            triple = source_ok and target_ok
        rows.append({"id": r.get("id"), "gold": gold_type, "predicted": predicted, "triple": triple,
                     "any": gold_type in {x.plover for x in doc.events}})
    n = len(rows)
    per_type: dict[str, dict] = {}
    labels = sorted({x["gold"] for x in rows} | {x["predicted"] for x in rows} - {"NONE"})
    for label in labels:
        tp = sum(1 for x in rows if x["gold"] == label and x["predicted"] == label)
        fp = sum(1 for x in rows if x["gold"] != label and x["predicted"] == label)
        fn = sum(1 for x in rows if x["gold"] == label and x["predicted"] != label)
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        per_type[label] = {"precision": round(p, 3), "recall": round(rc, 3),
                           "f1": round(2 * p * rc / (p + rc), 3) if p + rc else 0.0, "support": tp + fn}
    confusion: dict[str, Counter] = defaultdict(Counter)
    for x in rows:
        confusion[x["gold"]][x["predicted"]] += 1
    return {
        "records": n,
        "type_accuracy": _ratio(sum(x["gold"] == x["predicted"] for x in rows), n),
        "type_in_any_event": _ratio(sum(x["any"] for x in rows), n),
        "full_triple_accuracy": _ratio(sum(x["triple"] for x in rows), n),
        "no_event": _ratio(sum(x["predicted"] == "NONE" for x in rows), n),
        "per_type": per_type,
        "confusion": {g: dict(c) for g, c in sorted(confusion.items())},
        "misses": [x["id"] for x in rows if x["gold"] != x["predicted"]],
    }


def load_json(path: str | pathlib.Path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
