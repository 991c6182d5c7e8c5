"""Checks coded documents against gold examples of the rules (``tests/data/*_rules.jsonl``).

One case is a JSON object ``{"id", "text", "published", "expect": [...], "forbid": [...]}``. For events an
expected item is ``{"cameo_root" or "plover", "source", "target"}`` (ISO alpha-3, ``IGO``, or null for
"unconstrained"); for quotes it is ``{"kind", "speaker", "content", "cue"}``. ``check_events`` and
``check_quotes`` return the list of problems (empty when the case passes), so the same function serves the
test suite and anyone extending the rules with their own cases.
"""

from __future__ import annotations

from .records import Document

__all__ = ["check_events", "check_quotes", "speaker_accuracy_by_mention"]

PRONOUNS = {"he", "she", "it", "they", "we", "i"}


def _slots_ok(want: dict, e) -> bool:
    """Source and target against the expectation, compound and reciprocal events included: any source
    party may match, and the target may be any other party (as ``score_seed.py`` reads them)."""
    sources = e.sources or ([e.source] if e.source else [])
    targets = e.targets or ([e.target] if e.target else [])
    for i, s in enumerate(sources or [None]):
        if want.get("source") is not None and (s is None or s.country != want["source"]):
            continue
        if want.get("target") is None:
            return True
        others = targets or [x for j, x in enumerate(sources) if j != i]
        if any(t.country == want["target"] for t in others):
            return True
    return False


def check_events(doc: Document, case: dict) -> list[str]:
    problems = []
    for want in case.get("expect", []):
        hit = False
        for e in doc.events:
            kind_ok = (want.get("plover") and e.plover == want["plover"]) or (
                want.get("cameo_root") and e.cameo.startswith(want["cameo_root"]))
            if kind_ok and _slots_ok(want, e):
                hit = True
                break
        if not hit:
            got = [(e.cameo, e.plover, e.source and e.source.country, e.target and e.target.country) for e in doc.events]
            problems.append(f"missing {want}; got {got}")
    for forbidden in case.get("forbid", []):
        bad = [e for e in doc.events if e.plover == forbidden]
        if bad:
            problems.append(f"forbidden {forbidden} produced by '{bad[0].trigger.text}'")
    return problems


def check_quotes(doc: Document, case: dict) -> list[str]:
    problems = []
    expected = case.get("expect", [])
    if not expected and doc.quotes:
        problems.append(f"expected no quote, got {[q.content.text for q in doc.quotes]}")
    for want in expected:
        q = next((q for q in doc.quotes if want["content"] in q.content.text or q.content.text in want["content"]
                  and len(q.content.text) > 3), None)
        if q is None:
            problems.append(f"missing quote {want['content']!r}; got {[q.content.text for q in doc.quotes]}")
            continue
        if want.get("kind") and q.kind != want["kind"]:
            problems.append(f"{want['content']!r}: kind {q.kind}, expected {want['kind']}")
        speaker = (q.speaker.name or q.speaker.text) if q.speaker else ""
        last = want["speaker"].split()[-1].lower() if want.get("speaker") else ""
        if last and last not in (speaker or "").lower():
            problems.append(f"{want['content']!r}: speaker {speaker!r}, expected {want['speaker']!r}")
    return problems


def speaker_accuracy_by_mention(pairs: list[tuple[Document, dict]]) -> dict[str, tuple[int, int]]:
    """(right, total) speaker attributions, split by how the text names the speaker at the cue: a
    pronoun ("she said") or a name or noun. The coreference bar: pronouns right as often as names."""
    out = {"pronoun": [0, 0], "named": [0, 0]}
    for doc, case in pairs:
        for want in case.get("expect", []):
            q = next((q for q in doc.quotes if want["content"] in q.content.text), None)
            if q is None or q.speaker is None or not want.get("speaker"):
                continue
            bucket = "pronoun" if q.speaker.text.lower() in PRONOUNS else "named"
            out[bucket][1] += 1
            out[bucket][0] += want["speaker"].split()[-1].lower() in (q.speaker.name or q.speaker.text).lower()
    return {k: (v[0], v[1]) for k, v in out.items()}
