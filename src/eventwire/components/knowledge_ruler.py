"""``eventwire.knowledge_ruler.v1``: entities from the knowledge base, before and after the statistical NER.

It runs twice. Before ``ner`` (``before_ner=True``) it sets every name it knows as an entity, so the
model labels the rest around them and never tags "Yerevan" as a person (the small English pipeline
does, and "Stepanakert" and "Azerbaijani" too). It matches every name the knowledge base knows
(countries, adjectives and demonyms, capitals, places, international bodies, groups, seats of power,
officeholders) on exact token text. After ``ner`` it reconciles ``doc.ents``:

* our matches win over the model's entities they overlap, and each carries its knowledge-base key in
  ``Span.kb_id_`` (``country:ARM``, ``nationality:ARM``, ``capital:ARM``, ``place:AZE:Stepanakert``,
  ``org:UNO``, ``seat:RUS``, ``group:hamas``, ``person``);
* except that a model ORG/FAC/EVENT/LAW entity that merely contains a nationality or country word
  ("the Russian Foreign Ministry", "Armenia's Security Council") is kept whole: the actors stage reads
  the country from inside it.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..knowledge import KnowledgeBase, load_knowledge

SPAN_GROUP = "ew_knowledge"  # doc.spans key holding every knowledge-base match
VERSION = "eventwire.knowledge_ruler.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_knowledge_ruler_v1"  # spaCy forbids dots in factory names

_CONTAINER_LABELS = {"ORG", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT"}
_INNER_KINDS = {"nationality", "country", "capital", "place"}
_POSSESSIVE = {"'s", "’s", "'", "’"}
_LOC_FEATURES = {"region", "sea", "river", "mountain", "island", "province", "district"}


_PARTICLES = {"de", "del", "la", "le", "of", "the", "d'", "di", "da"}


def _capitalise(term: str) -> str:
    """'quai d'orsay' -> "Quai d'Orsay", 'white house' -> 'White House' (seat names are stored lower-case)."""
    if term != term.lower():
        return term
    words = []
    for w in term.split():
        if w in _PARTICLES:
            words.append(w)
        elif w.startswith("d'") and len(w) > 2:
            words.append("d'" + w[2:3].upper() + w[3:])
        else:
            words.append(w[:1].upper() + w[1:])
    return " ".join(words)


def _patterns(kb: KnowledgeBase):
    """(label, kb_id, phrase) for every name in the knowledge base."""
    for c in kb.countries.values():
        for n in c.names:
            yield "GPE", f"country:{c.iso3}", n
        for n in (*c.adjectives, *c.demonyms):
            yield "NORP", f"nationality:{c.iso3}", n
        for n in c.capital_names:
            yield "GPE", f"capital:{c.iso3}", n
    for p in kb.places.values():
        label = "LOC" if p.feature in _LOC_FEATURES else "GPE"
        for n in p.names:
            yield label, f"place:{p.key}", n
    for o in kb.organisations.values():
        for n in o.names:
            yield "ORG", f"org:{o.code}", n
    for term, row in kb.sectors.items():
        if row.get("kind") == "seat" and row.get("country"):
            yield "ORG", f"seat:{row['country'].upper()}", _capitalise(term)
    for key, rows in kb.groups.items():
        label = "NORP" if rows[0].kind == "ethnic_group" else "ORG"
        for g in rows:
            for n in g.names:
                yield label, f"group:{key}", n
    for o in kb.officeholders:
        for n in o.names:
            yield "PERSON", "person", n


class KnowledgeRuler:
    def __init__(self, nlp: Language, name: str, knowledge: str = "", before_ner: bool = False):
        self.name = name
        self.before_ner = before_ner
        self.kb = load_knowledge(knowledge or None)
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.keys: dict[int, tuple[str, str]] = {}
        seen: set[tuple[str, str, str]] = set()
        batch: dict[str, list[Doc]] = {}
        for label, kb_id, phrase in _patterns(self.kb):
            if (label, kb_id, phrase) in seen or not phrase.strip():
                continue
            seen.add((label, kb_id, phrase))
            key = f"{label}|{kb_id}"
            batch.setdefault(key, []).append(nlp.make_doc(phrase))
        for key, docs in batch.items():
            self.matcher.add(key, docs)
            label, kb_id = key.split("|", 1)
            self.keys[nlp.vocab.strings[key]] = (label, kb_id)

    def __call__(self, doc: Doc) -> Doc:
        # the matches are the same before and after NER: find them once per document
        matches = doc.user_data.get("ew_kb_matches")
        if matches is None:
            matches = self.matcher(doc)
            doc.user_data["ew_kb_matches"] = matches
        if self.before_ner:
            # before the statistical NER: set what we know; NER labels the rest around it
            doc.ents = filter_spans([Span(doc, s, e, label=self.keys[m][0], kb_id=self.keys[m][1])
                                     for m, s, e in matches])
            return doc
        ours = []
        for match_id, start, end in matches:
            label, kb_id = self.keys[match_id]
            ours.append(Span(doc, start, end, label=label, kb_id=kb_id))
        # Prefer the longest match; among equal spans, people and bodies over places.
        ours = filter_spans(ours)
        # every match stays readable, even inside a model entity we keep whole
        doc.spans[SPAN_GROUP] = list(ours)
        keep = []
        model = list(doc.ents)
        for ent in model:
            inside = [s for s in ours if s.start >= ent.start and s.end <= ent.end]
            overlaps = [s for s in ours if s.start < ent.end and ent.start < s.end]
            if not overlaps:
                keep.append(ent)
                continue
            if (
                ent.label_ in _CONTAINER_LABELS
                and inside == overlaps
                and all(s.kb_id_.split(":")[0] in _INNER_KINDS for s in inside)
                and not any(s.start <= ent.root.i < s.end for s in inside)
                and doc[ent.end - 1].text not in _POSSESSIVE
            ):
                keep.append(ent)
                ours = [s for s in ours if s not in inside]
        doc.ents = filter_spans(ours + keep)
        return doc


@Language.factory(
    FACTORY,
    default_config={"knowledge": "", "before_ner": False},
    assigns=["doc.ents", "token.ent_type", "token.ent_iob", "doc.spans"],
    requires=[],
)
def make_knowledge_ruler(nlp: Language, name: str, knowledge: str, before_ner: bool) -> KnowledgeRuler:
    return KnowledgeRuler(nlp, name, knowledge, before_ner)
