"""``eventwire.events.v1``: who did what to whom, coded in CAMEO and PLOVER by rules over the parse.

Triggers come from the knowledge tables: ``verbs.csv`` (a verb lemma, optionally with a particle, an
object and the preposition that introduces the target) and ``nouns.csv`` (nominal events: "the
offensive", "a ceasefire"). For each trigger:

* **source**: the subject; the agent of a passive ("was brokered by Moscow"); the subject of the verb a
  non-finite or coordinated trigger hangs from ("moving to accept", "by holding an exercise"); the head
  of a relative clause ("a court that issued ..."); for a noun, its nationality, possessor or "by"/"from"
  phrase ("Baku's demands", "a rebuke from Moscow").
* **target**: as the rule says: the object, the object of its preposition, or the subject of the clause
  a reporting verb introduces ("charged that the peacekeepers failed ..."); for a passive, the subject.
* **negated**: a negation on the trigger, on the verb it is coordinated with ("did not specify ... or
  blame"), or a head that denies it ("failed to honor"). Negated events never enter ``events``: they go
  to ``Doc._.ew_negated_events`` (the JSON's ``negated_events``), flagged, so a user can audit them.
* **modality**: reported (inside someone's quote; ``reported_by`` names it), intended (under hope,
  plan, want, vow ...), hypothetical (would, could, might, if) or asserted.
* **date** and **location**: the time expression and the location nearest the trigger in its sentence;
  without one, the publication date (``date_source: published``).

No trigger means no event: there is no default code.
"""

from __future__ import annotations

import bisect

from spacy.language import Language
from spacy.tokens import Doc, Token

from ..coref import actor_for
from ..knowledge import KnowledgeBase, VerbRule, load_knowledge
from ..records import Actor, ActorRef, Event, Quote
from ..records import Span as TextSpan

VERSION = "eventwire.events.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_events_v1"  # spaCy forbids dots in factory names
CODER = "eventwire.rules.v1"

_INTEND = {"hope", "plan", "intend", "want", "seek", "aim", "try", "vow", "pledge", "promise", "threaten",
           "expect", "prepare", "offer", "propose", "consider", "agree", "decide", "move", "wish", "attempt"}
_HYPOTHETICAL = {"would", "could", "might", "may", "should"}
_SUBJ = ("nsubj", "csubj")
_RELATIVE = {"that", "which", "who", "whom"}
_TARGET_PREPS = ("against", "at", "on", "with", "to", "toward", "towards", "between", "for", "into")


def _subject(tok: Token, depth: int = 0) -> Token | None:
    """The subject of a verb, inherited along xcomp, conj, advcl and pcomp chains."""
    for c in tok.children:
        if c.dep_ in _SUBJ:
            if c.lower_ in _RELATIVE and tok.dep_ == "relcl":
                return tok.head
            return c
    if depth > 4:
        return None
    if tok.dep_ == "relcl":
        return tok.head
    if tok.dep_ == "acl" and tok.head.pos_ == "NOUN":
        poss = next((c for c in tok.head.children if c.dep_ == "poss"), None)
        if poss is not None:
            return poss
    if tok.dep_ in ("xcomp", "conj", "advcl", "pcomp", "ccomp") and tok.head.i != tok.i:
        head = tok.head
        if head.dep_ == "prep" and tok.dep_ == "pcomp":
            head = head.head
        if tok.dep_ == "ccomp":
            return None
        if tok.dep_ == "advcl" and tok.tag_ not in ("VBG", "VBN", "VB"):
            return None
        return _subject(head, depth + 1)
    return None


def _passive(tok: Token) -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children):
        return True
    return tok.dep_ == "acl" and tok.tag_ == "VBN"


def _agent(tok: Token) -> Token | None:
    for c in tok.children:
        if c.dep_ == "agent":
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


def _pobj(tok: Token, preps: tuple[str, ...]) -> Token | None:
    for c in tok.children:
        if c.dep_ in ("prep", "dative") and c.lower_ in preps:
            p = next((g for g in c.children if g.dep_ == "pobj"), None)
            if p is not None:
                return p
    return None


_NEGATING_HEADS = {"fail", "refuse", "decline", "deny", "avoid", "stop", "cease"}


def _negated(tok: Token) -> bool:
    """True when the text says the event did not happen: "did not blame", "did not specify ... or
    blame", "failed to honor", "refused to sign"."""
    if any(c.dep_ == "neg" for c in tok.children):
        return True
    if tok.pos_ in ("VERB", "AUX"):
        if tok.dep_ == "conj" and not any(c.dep_ in _SUBJ for c in tok.children):
            return _negated(tok.head)
        if tok.dep_ == "xcomp" and tok.head.lemma_ in _NEGATING_HEADS:
            return True
    return False


class EventCoder:
    def __init__(self, kb: KnowledgeBase, doc: Doc):
        self.kb = kb
        self.doc = doc
        self.events: list[Event] = []
        self.sent_starts = [s.start for s in doc.sents]
        self.sents = list(doc.sents)
        self.text = doc.text  # built once: Doc.text and Span.text rebuild strings from tokens
        self.quotes: list[Quote] = doc._.ew_quotes or []

    # ---------------------------------------------------------------- rules
    def match_rule(self, tok: Token) -> VerbRule | None:
        rules = self.kb.verbs.get(tok.lemma_.lower())
        if not rules:
            return None
        children = list(tok.children)
        # spaCy parses "hit back" with an advmod, "pulled out of" with a prep: all count as particles
        particles = {c.lower_ for c in children if c.dep_ in ("prt", "advmod", "prep")}
        preps = {c.lower_ for c in children if c.dep_ in ("prep", "dative", "agent")}
        objects = {c.lemma_.lower() for c in children if c.dep_ in ("dobj", "attr", "oprd", "nsubjpass")}
        objects |= {g.lemma_.lower() for c in children if c.dep_ in ("prep", "xcomp") for g in c.children if g.dep_ in ("pobj", "dobj")}
        if tok.dep_ == "acl" or tok.dep_ == "relcl":
            objects.add(tok.head.lemma_.lower())
        for r in rules:
            if r.particle and r.particle not in particles:
                continue
            if r.objects and not (set(r.objects) & objects):
                continue
            if r.prep and r.target == "prep" and r.prep not in preps and not r.objects:
                continue  # a rule for "call on X" does not fire on "call"; a plainer rule for the lemma may
            if r.target == "ccomp_subj" and not any(c.dep_ == "ccomp" for c in children):
                continue  # "charged that X ..." needs its clause; "charged with murder" falls through
            return r
        return None

    # ---------------------------------------------------------------- slots
    def verb_slots(self, tok: Token, rule: VerbRule) -> tuple[Actor | None, Actor | None]:
        doc = self.doc
        if _passive(tok):
            source = actor_for(doc, _agent(tok))
            if tok.dep_ == "acl":
                target = actor_for(doc, tok.head, through_preps=True)
            else:
                subj = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
                target = actor_for(doc, subj, through_preps=True)
            return source, target
        source = actor_for(doc, _subject(tok))
        target = None
        obj = next((c for c in tok.children if c.dep_ in ("dobj", "dative")), None)
        if rule.target == "none":
            target = None
        elif rule.target == "ccomp_subj":
            clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if clause is not None:
                target = actor_for(doc, next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None))
            if target is None:
                target = actor_for(doc, obj, through_preps=True)
        elif rule.target == "prep" and rule.prep:
            p = _pobj(tok, (rule.prep,)) or (obj is not None and _pobj(obj, (rule.prep,))) or None
            target = actor_for(doc, p, through_preps=True)
            if target is None and obj is not None and not rule.objects:
                target = actor_for(doc, obj, through_preps=True)
        else:
            if obj is not None and not rule.objects:
                target = actor_for(doc, obj, through_preps=True)
            if target is None:
                holder = obj if obj is not None else tok
                p = _pobj(holder, _TARGET_PREPS) or _pobj(tok, _TARGET_PREPS)
                target = actor_for(doc, p, through_preps=True)
        return source, target

    def noun_slots(self, tok: Token) -> tuple[Actor | None, Actor | None]:
        doc = self.doc
        at = doc._.ew_actor_at
        actors = doc._.ew_actors
        source = None
        for c in tok.children:
            if c.dep_ in ("amod", "compound", "poss", "nmod", "npadvmod") and c.i < tok.i:
                a = actor_for(doc, c)
                if a is None:
                    for t in c.subtree:
                        if at[t.i] >= 0:
                            a = actors[at[t.i]]
                            break
                if a is not None:
                    source = a
                    break
        if source is None:
            source = actor_for(doc, _pobj(tok, ("by", "from")))
        if source is None and tok.dep_ == "dobj":
            source = actor_for(doc, _pobj(tok.head, ("from",)))
        if source is None:
            for c in tok.children:
                if c.dep_ == "acl":
                    source = actor_for(doc, _agent(c))
                    if source is not None:
                        break
        target = actor_for(doc, _pobj(tok, ("against", "on", "with", "to", "toward", "towards", "between")), through_preps=True)
        return source, target

    # ---------------------------------------------------------------- context
    def modality(self, tok: Token) -> tuple[str, str | None]:
        for q in self.quotes:
            if q.content.start <= tok.idx < q.content.end:
                return "reported", q.id
        if any(c.lower_ in _HYPOTHETICAL and c.dep_ == "aux" for c in tok.children):
            return "hypothetical", None
        node, steps = tok, 0
        while node.head.i != node.i and steps < 4:
            if node.dep_ in ("xcomp", "ccomp") and node.head.lemma_ in _INTEND:
                return "intended", None
            if any(c.lower_ == "if" and c.dep_ == "mark" for c in node.children):
                return "hypothetical", None
            node, steps = node.head, steps + 1
        return "asserted", None

    def nearest(self, tok: Token, items, sent) -> object | None:
        """The item (date or place record) in the trigger's sentence closest to it in the tree."""
        best, best_d = None, 1e9
        path = {}
        node, d = tok, 0
        while True:
            path[node.i] = d
            if node.head.i == node.i:
                break
            node, d = node.head, d + 1
        for it in items:
            if not (sent.start_char <= it.start < sent.end_char):
                continue
            span = self.doc.char_span(it.start, it.end, alignment_mode="expand")
            if span is None:
                continue
            n, up = span.root, 0
            while n.i not in path and n.head.i != n.i:
                n, up = n.head, up + 1
            dist = up + path.get(n.i, 20) + (0 if tok.left_edge.i <= span.root.i <= tok.right_edge.i else 3)
            if dist < best_d:
                best, best_d = it, dist
        return best

    # ---------------------------------------------------------------- run
    def emit(self, tok: Token, code: str, source: Actor | ActorRef | None, target: Actor | None, rule: str,
             nominal: bool) -> None:
        info = self.kb.cameo_info(code)
        if info is None or (source is None and target is None):
            return  # with no actor at all it says nothing about who did what to whom: not a record
        if isinstance(source, Actor) and target is not None and source.entity is not None and source.entity == target.entity:
            target = None
        if isinstance(source, Actor):
            source = source.ref()
        sent = self.sents[bisect.bisect_right(self.sent_starts, tok.i) - 1]
        modality, reported_by = self.modality(tok)
        date = self.nearest(tok, self.doc._.ew_dates or [], sent)
        place = self.nearest(tok, [p for p in (self.doc._.ew_places or []) if p.role == "location"], sent)
        published = self.doc._.ew_published
        conf = 0.45 + (0.2 if source is not None and source.country else 0) + (0.15 if target is not None and target.country else 0)
        if nominal:
            conf -= 0.1
        ev = Event(
            id=f"e{len(self.events) + 1}",
            cameo=code,
            plover=info.plover,
            mode=info.mode,
            context=info.context,
            goldstein=info.goldstein,
            quad=info.quad,
            source=source,
            target=target.ref() if target else None,
            trigger=TextSpan(tok.idx, tok.idx + len(tok.text), tok.text),
            sentence=TextSpan(sent.start_char, sent.end_char, self.text[sent.start_char : sent.end_char]),
            date=date.value if date is not None and date.value else (published.isoformat() if published else None),
            date_precision=(date.precision if date is not None and date.value else ("day" if published else None)),
            location=({"name": place.name, "country": place.country, "latitude": place.latitude,
                       "longitude": place.longitude, "geonameid": place.geonameid} if place is not None else None),
            negated=_negated(tok),
            modality=modality,
            reported_by=reported_by,
            confidence=max(0.05, min(conf, 0.95)),
            coder=CODER,
            rule=rule,
        )
        self.events.append(ev)

    def run(self) -> list[Event]:
        doc = self.doc
        fired_objects: set[int] = set()
        for tok in doc:
            if tok.pos_ not in ("VERB",) and not (tok.pos_ == "AUX" and tok.lemma_ != "be"):
                continue
            rule = self.match_rule(tok)
            if rule is None:
                continue
            if rule.target == "reported_subj":
                # "X failed to honor its commitments", said by someone: the speaker accuses X
                quote = next((q for q in self.quotes if q.content.start <= tok.idx < q.content.end and q.kind != "direct"), None)
                if quote is None or quote.speaker is None:
                    continue
                subj = actor_for(doc, _subject(tok))
                self.emit(tok, rule.cameo, quote.speaker, subj, f"verbs.csv:{rule.lemma}", nominal=False)
                self.events[-1].modality = "asserted"
                continue
            source, target = self.verb_slots(tok, rule)
            for c in tok.children:
                if c.dep_ in ("dobj", "attr", "nsubjpass"):
                    fired_objects.add(c.i)
            key = rule.lemma + (f" {rule.particle}" if rule.particle else "") + (f" +{'|'.join(rule.objects)}" if rule.objects else "") + (f" {rule.prep}" if rule.prep else "")
            self.emit(tok, rule.cameo, source, target, f"verbs.csv:{key}", nominal=False)
        for tok in doc:
            if tok.pos_ not in ("NOUN", "PROPN") or tok.i in fired_objects:
                continue
            code = self.kb.nouns.get(tok.lemma_.lower())
            if code is None or (doc._.ew_actor_at and doc._.ew_actor_at[tok.i] >= 0):
                continue
            source, target = self.noun_slots(tok)
            self.emit(tok, code, source, target, f"nouns.csv:{tok.lemma_.lower()}", nominal=True)
        self.events.sort(key=lambda e: e.trigger.start)
        for n, e in enumerate(self.events, 1):
            e.id = f"e{n}"
        return self.events


class EventsComponent:
    def __init__(self, nlp: Language, name: str, knowledge: str = ""):
        self.name = name
        self.kb = load_knowledge(knowledge or None)

    def __call__(self, doc: Doc) -> Doc:
        coded = EventCoder(self.kb, doc).run()
        # "did not blame either side" is no accusation: negated events are kept apart, for audit only
        doc._.ew_events = [e for e in coded if not e.negated]
        doc._.ew_negated_events = [e for e in coded if e.negated]
        return doc


@Language.factory(
    FACTORY,
    default_config={"knowledge": ""},
    assigns=["doc._.ew_events", "doc._.ew_negated_events"],
    requires=["doc._.ew_actors", "doc._.ew_dates", "doc._.ew_places", "doc._.ew_quotes", "token.dep"],
)
def make_events(nlp: Language, name: str, knowledge: str) -> EventsComponent:
    return EventsComponent(nlp, name, knowledge)
