"""``eventwire.events.v1``: who did what to whom, coded in CAMEO and PLOVER by rules over the parse.

Triggers come from the knowledge tables: ``verbs.csv`` (a verb lemma, optionally with a particle, an
object and the preposition that introduces the target) and ``nouns.csv`` (nominal events: "the
offensive", "a ceasefire"). For each trigger:

* **source**: the subject; the agent of a passive ("was brokered by Moscow"); the subject of the verb a
  non-finite or coordinated trigger hangs from ("moving to accept", "by holding an exercise"); the head
  of a relative clause ("a court that issued ..."); the possessor of a noun an infinitive hangs from
  ("Pashinian's decision to recognize"); for a noun, its nationality, possessor or "by"/"from" phrase.
* **target**: as the rule says: the object (or an actor inside it: "a French proposal"), the object of
  its preposition, or the subject of the clause a reporting verb introduces ("charged that the
  peacekeepers failed ..."); for a passive, the subject. For material conflict with no actor as target,
  the country where it happened ("struck targets in southern Lebanon").
* **compound actors**: "Lithuania and Poland", "Russian and Chinese diplomats" fill a slot with every
  party (``sources``/``targets``; ``source``/``target`` hold the first). A reciprocal event ("Egypt and
  Sudan are cooperating", "X and Y met") is coded once, with the parties on both sides.
* **modality**: ``reported`` (inside someone's words, ``reported_by`` names the quote), ``requested``
  (what a demand or an appeal asks for: "urged Israel to allow aid in"), ``intended``
  (under hope, plan, want, or "will"/"would": coded as the CAMEO expression of intent, e.g. 087
  de-escalate becomes 0356 intent to de-escalate), ``hypothetical`` (could, might, may, should, if),
  ``alleged`` (inside an accusation or a denial: "accused Ukraine of shelling"), or ``asserted``.
* **negated**: a negation on the trigger, on the verb it is coordinated with ("did not specify ... or
  blame"), or a head that denies it ("failed to honor", "refused to sign", "stopped short of").

Only what the text presents as happening (asserted, reported or intended, not negated) enters
``events``; negated, hypothetical, alleged and requested events go to ``Doc._.ew_nonfactual_events``.
When an intent verb is itself a trigger ("threatened to strike", "vowed to retaliate"), it is coded and
the embedded act is not; its target comes from the embedded act. No trigger means no event: there is no
default code.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc, Token

from ..coref import actor_for, is_attitude
from ..knowledge import KnowledgeBase, VerbRule, load_knowledge
from ..records import Actor, ActorRef, Event, Quote
from ..records import Span as TextSpan

VERSION = "eventwire.events.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_events_v1"  # spaCy forbids dots in factory names
CODER = "eventwire.rules.v1"

_INTEND = {"hope", "plan", "intend", "want", "seek", "aim", "try", "wish", "attempt", "prepare", "expect",
           "decide", "move", "consider", "propose", "look"}
_SPEECH = {"speak", "talk", "say", "tell", "add", "note", "remark"}
_READY = {"ready", "willing", "prepared", "eager", "determined", "keen", "poised", "set"}
_HYPOTHETICAL = {"could", "might", "may", "should", "must", "can"}
_FUTURE = {"will", "would", "shall", "'ll"}
_SUBJ = ("nsubj", "csubj")
_RELATIVE = {"that", "which", "who", "whom"}
_TARGET_PREPS = ("against", "at", "on", "with", "to", "toward", "towards", "between", "into")
_NEGATING_HEADS = {"fail", "refuse", "decline", "avoid", "stop", "cease", "deny", "reject"}
_ALLEGING = {"hostile", "denial", "suggest"}
_RECIPROCAL_ROOTS = {"03", "04", "05", "06"}
_PROVOKED = {"prompt", "draw", "trigger", "provoke", "spark", "earn", "attract", "invite", "elicit", "bring"}
_RECIPROCAL_LEMMAS = {"clash", "fight", "battle", "skirmish", "exchange", "trade"}
_LOCATING_PREPS = ("in", "of", "from", "throughout", "across", "inside", "at")
_LOCATING_PARTICIPLES = {"base", "station", "live", "operate", "deploy", "hold", "detain"}
#: roots whose acts are coded to an unidentified actor of the place when no one is named
_UNIDENTIFIED_ROOTS = {"14", "15", "17", "18", "19", "20"}
#: roots of verbs whose infinitive complement they announce rather than report ("threatened to strike")
_ANNOUNCING_ROOTS = ("03", "13", "02", "10", "12")
#: roots whose target, when no actor is named, is the country where the act takes place
_LOCATED_ROOTS = {"04", "08", "14", "15", "17", "18", "19", "20"}

#: CAMEO's own "express intent to ..." codes for acts announced rather than done.
_INTENT = {
    "04": "036", "045": "039", "046": "036", "05": "032", "06": "031", "061": "0311", "062": "0312",
    "063": "0313", "064": "0314", "07": "033", "071": "0331", "072": "0332", "073": "0333", "074": "0334",
    "08": "035", "081": "0351", "082": "0352", "084": "0353", "085": "0354", "086": "0355", "087": "0356",
    "14": "133", "16": "1313", "163": "1312", "17": "130", "18": "138", "19": "138", "20": "138",
}


#: What refusing an act of cooperation is, in CAMEO ("will not accept refugees" -> 122).
_REFUSAL = {"03": "120", "04": "125", "036": "125", "046": "125", "045": "126", "05": "120", "057": "127",
            "06": "121", "07": "122", "08": "124", "087": "1246", "0871": "1246"}


def refusal_code(code: str) -> str | None:
    """The CAMEO rejection code for declining ``code``, or None when declining it is no event."""
    for key in (code[:4], code[:3], code[:2]):
        if key in _REFUSAL:
            return _REFUSAL[key]
    return None


#: Verbs that stop an event named by their object, and what stopping it is in CAMEO.
_HALTING = {"cancel", "postpone", "suspend", "halt", "scrap", "abandon", "freeze", "prevent", "ban", "block",
            "prohibit", "curtail",
            "disperse", "break", "cut", "stop", "end", "call"}
#: nouns that carry the act of the noun before them: "a mediation mission", "a mediation effort"
_CARRIERS = {"mission", "effort", "bid", "initiative", "drive", "campaign", "attempt", "push"}
_TAKING_PART = {"engage", "involve", "participate", "join", "take"}
_MOTION = {"return", "come", "go", "arrive", "travel", "converge", "gather", "head", "fly", "assemble", "sit",
           "meet", "reconvene", "convene"}
_LIGHT = {"begin", "start", "continue", "stage", "hold", "launch", "mount", "resume", "conduct", "wage",
          "organize", "organise", "undertake", "carry", "step", "intensify", "escalate"}
_HALTED = {"04": "164", "045": "165", "05": "160", "06": "161", "07": "162", "14": "172", "03": "160"}


def halted_code(code: str) -> str | None:
    """What halting an event is: talks broken off (164), aid stopped (162), a protest prevented (172);
    None when stopping it is no event of its own."""
    for key in (code[:3], code[:2]):
        if key in _HALTED:
            return _HALTED[key]
    return None


def intent_code(code: str) -> str:
    """The CAMEO code for announcing ``code`` rather than doing it ("will withdraw" -> 0356)."""
    for key in (code[:4], code[:3], code[:2]):
        if key in _INTENT:
            return _INTENT[key]
    return code


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
        if tok.tag_ == "VBG" and tok.head.dep_ == "dobj" and tok.head.head.pos_ == "VERB":
            # "issued a declaration demanding ...": who issued it demands
            return _subject(tok.head.head, depth + 1)
    if tok.dep_ in ("xcomp", "conj", "advcl", "pcomp", "acomp") and tok.head.i != tok.i:
        head = tok.head
        if head.dep_ == "prep" and tok.dep_ == "pcomp":
            head = head.head
        if tok.dep_ == "advcl" and tok.tag_ not in ("VBG", "VBN", "VB"):
            return None
        return _subject(head, depth + 1)
    return None


def _passive(tok: Token) -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children):
        return True
    # "moves condemned by the ministry", "Asked about the talks, the minister said": participles
    return tok.tag_ == "VBN" and (tok.dep_ == "acl" or (tok.dep_ == "advcl" and not any(c.dep_ == "aux" for c in tok.children)))


def _agent(tok: Token) -> Token | None:
    for c in tok.children:
        if c.dep_ == "agent":
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


def _pobj(tok: Token | None, preps: tuple[str, ...], depth: int = 2) -> Token | None:
    """The object of the first of ``preps`` under ``tok``, looking through particles and other
    prepositional phrases ("hit out at X", "spoke by phone with X")."""
    if tok is None:
        return None
    frontier = [tok]
    for _ in range(depth + 1):
        nxt = []
        for node in frontier:
            for c in node.children:
                if c.dep_ in ("prep", "dative", "agent") and c.lower_ in preps:
                    p = next((g for g in c.children if g.dep_ == "pobj"), None)
                    if p is not None:
                        return p
                    if c.dep_ == "dative" and c.pos_ in ("NOUN", "PROPN", "PRON"):
                        return c
                if c.dep_ in ("prt", "advmod", "prep", "pobj"):
                    nxt.append(c)
        frontier = nxt
    return None


def _negated(tok: Token) -> bool:
    """True when the text says the event did not happen."""
    if any(c.dep_ == "neg" for c in tok.children):
        return True
    if tok.pos_ in ("VERB", "AUX"):
        if tok.dep_ == "conj" and not any(c.dep_ in _SUBJ for c in tok.children):
            return _negated(tok.head)
    # "failed to honor", "refused to sign", "stopped short of criticising"
    node, steps = tok, 0
    while node.dep_ in ("xcomp", "pcomp", "pobj", "prep", "acomp", "advmod") and steps < 4:
        node, steps = node.head, steps + 1
        if node.lemma_ in _NEGATING_HEADS:
            return True
    return False


_BACKGROUND_MARKS = {"after", "before", "since", "when", "while", "as", "until", "once", "because"}


def _subordinate(tok: Token) -> str | None:
    """Is the trigger in a clause that serves another one: a purpose ("staged protests to demand
    reforms") or a circumstance ("suspended aid after their vehicles were hit")? Says which, or None."""
    node = tok
    for _ in range(3):
        if node.dep_ in ("advcl", "acl"):
            marks = {c.lower_ for c in node.children if c.dep_ in ("mark", "aux")}
            if "to" in marks and (node.dep_ == "advcl" or node.head.pos_ == "NOUN"):
                return "purpose"
            if node.dep_ == "acl":
                return None
            # "demonstrated in Kirkuk, calling for independence": a participle after its head adds a
            # circumstance to the main act
            if marks & _BACKGROUND_MARKS or (node.tag_ == "VBG" and node.i > node.head.i and not marks):
                return "circumstance"
            return None
        if node.dep_ not in ("conj", "xcomp", "ccomp") or node.head.i == node.i:
            return None
        node = node.head
    return None


def _infinitive(tok: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def _complement(tok: Token) -> bool:
    """An infinitive completing its head: "threatened to strike" (xcomp), "swore to fight" (parsed advcl)."""
    return tok.dep_ == "xcomp" or (tok.dep_ == "advcl" and _infinitive(tok))


def _country_weight(ref: ActorRef | None, weight: float) -> float:
    if ref is None or not ref.country:
        return 0.0
    return weight / 3 if ref.via in ("location", "setting") else weight


class EventCoder:
    """Codes the events of one document; one instance per document."""

    def __init__(self, kb: KnowledgeBase, doc: Doc):
        self.kb = kb
        self.doc = doc
        self.events: list[Event] = []
        self.sents = list(doc.sents)
        self.sent_starts = [s.start for s in self.sents]
        self.text = doc.text  # built once: Doc.text and Span.text rebuild strings from tokens
        self.quotes: list[Quote] = doc._.ew_quotes or []
        self.all_places = list(doc._.ew_places or [])
        self.places = [p for p in self.all_places if p.role == "location"]
        self.attitudes = {t.idx for t in doc if is_attitude(t)}  # character starts of "anti-X", "pro-X"
        self._mentions: dict[int, list[tuple[int, int, str]]] = {}

    # ---------------------------------------------------------------- rules
    def match_rule(self, tok: Token) -> VerbRule | None:
        rules = self.kb.verbs.get(tok.lemma_.lower())
        if not rules:
            return None
        children = list(tok.children)
        # spaCy parses "hit back" with an advmod, "pulled out of" with a prep: all count as particles
        particles = {c.lower_ for c in children if c.dep_ in ("prt", "advmod", "prep")}
        preps = {c.lower_ for c in children if c.dep_ in ("prep", "dative", "agent")}
        preps |= {g.lower_ for c in children if c.dep_ in ("prt", "advmod", "prep", "dobj") for g in c.children
                  if g.dep_ == "prep"}
        objects = set()
        for c in children:
            if c.dep_ in ("dobj", "attr", "oprd", "nsubjpass", "xcomp", "ccomp") or (c.dep_ == "advcl" and _complement(c)):
                objects.add(c.lemma_.lower())
                # "50 tonnes of medical supplies", "chemical weapons"
                objects |= {g.lemma_.lower() for g in c.children if g.dep_ in ("amod", "compound")}
                for g in c.children:
                    if g.dep_ == "prep" and g.lower_ == "of":
                        objects |= {x.lemma_.lower() for x in g.children if x.dep_ == "pobj"}
            if c.dep_ in ("prep", "xcomp", "dative") or (c.dep_ == "ccomp" and _infinitive(c)):
                # "allowed the opposition leader to bring out a rally": the infinitive's object counts
                objects |= {g.lemma_.lower() for g in c.children if g.dep_ in ("pobj", "dobj")}
        if tok.dep_ in ("acl", "relcl"):
            objects.add(tok.head.lemma_.lower())
        subject_is_compound = any(c.dep_ in _SUBJ and any(g.dep_ == "conj" for g in c.children) for c in children)
        fallback = None
        for r in rules:
            if r.particle and r.particle not in particles:
                continue
            if r.objects and not (set(r.objects) & objects):
                continue
            if r.target == "ccomp_subj" and not any(c.dep_ == "ccomp" for c in children):
                continue  # "charged that X ..." needs its clause; "charged with murder" falls through
            if r.prep and r.prep not in preps and not r.objects and not r.particle:
                # the preposition is all that tells this row apart ("call on X", "speak with X"): it must
                # be there for a speech verb ("speaking on condition of anonymity" consults no one); other
                # verbs fall back on it when nothing else fits ("Egypt and Sudan are cooperating")
                if subject_is_compound or tok.lemma_.lower() not in _SPEECH:
                    fallback = fallback or r
                continue
            if r.target == "obj" and not r.objects and any(
                    c.dep_ == "dobj" and c.lower_ in ("what", "whatever") for c in children):
                continue  # "what she called a provocation" names something; no one is called
            return r
        return fallback

    # ---------------------------------------------------------------- slots
    def parties(self, token: Token | None, through_preps: bool = False) -> list[Actor]:
        """Every actor a slot names: the head's, its conjuncts' ("Lithuania and Poland"), and the
        other countries of a compound mention ("Russian and Chinese diplomats")."""
        if token is None:
            return []
        found: list[Actor] = []
        for t in (token, *token.conjuncts):
            a = actor_for(self.doc, t, through_preps=through_preps) or self.place_actor(t)
            if a is not None and all((a.start, a.country) != (b.start, b.country) for b in found):
                found.append(a)
        out: list[Actor] = []
        for a in found:
            out.append(a)
            for c in a.also:
                name = self.kb.countries[c].name if c in self.kb.countries else c
                out.append(replace(a, country=c, name=f"{a.text} ({name})", also=()))
        return out

    def prep_parties(self, tok: Token, preps: tuple[str, ...]) -> list[Actor]:
        """The parties of the first of ``tok``'s own prepositional phrases that names any ("gave a welcome
        on Thursday to the South African leader": not Thursday)."""
        for c in tok.children:
            if c.dep_ in ("prep", "dative") and c.lower_ in preps:
                found = self.parties(next((g for g in c.children if g.dep_ == "pobj"), None), through_preps=True)
                if found:
                    return found
        return []

    def place_actor(self, token: Token) -> Actor | None:
        """A place filling a slot stands for its country: "airlifted medicine to Gaza", "shelled Kharkiv"."""
        for place in self.all_places:
            if place.start <= token.idx < place.end and place.country:
                name = self.kb.countries[place.country].name if place.country in self.kb.countries else place.country
                return Actor(text=place.text, start=place.start, end=place.end, name=name, country=place.country,
                             sector=None, kind="country", resolved=True, via="place")
        return None

    def location_target(self, tok: Token, obj: Token | None) -> list[Actor]:
        """For material conflict with no actor to hit: the country where it happened."""
        holders = [t for t in (obj, tok) if t is not None]
        # "in the northern city of Kirkuk": a place named inside a locative phrase counts as well
        for place in sorted((p for p in self.all_places if p.role != "actor"), key=lambda p: p.role != "location"):
            if place.country is None:
                continue
            span = self.doc.char_span(place.start, place.end, alignment_mode="expand")
            if span is None:
                continue
            for h in holders:
                if h.left_edge.i <= span.root.i <= h.right_edge.i:
                    name = self.kb.countries[place.country].name if place.country in self.kb.countries else place.country
                    return [Actor(text=place.text, start=place.start, end=place.end, name=name, country=place.country,
                                  sector=None, kind="country", resolved=True, via="location")]
        return []

    def verb_slots(self, tok: Token, rule: VerbRule) -> tuple[list[Actor], list[Actor]]:
        if _passive(tok):
            sources = self.parties(_agent(tok))
            if tok.dep_ == "acl":
                targets = self.parties(tok.head, through_preps=True)
            elif tok.dep_ == "advcl" and not any(c.dep_ == "nsubjpass" for c in tok.children):
                targets = self.parties(_subject(tok.head))
            else:
                targets = self.parties(next((c for c in tok.children if c.dep_ == "nsubjpass"), None), True)
            return sources, targets
        sources = self.parties(_subject(tok))
        obj = next((c for c in tok.children if c.dep_ in ("dobj", "dative")), None)
        targets: list[Actor] = []
        if rule.target == "ccomp_subj":
            clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if clause is not None:
                targets = self.parties(next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None))
            if not targets:
                targets = self.parties(obj, through_preps=True)
        elif rule.target == "prep" and rule.prep:
            # the verb's and its object's own preposition before any deeper one ("break off relations with
            # Congo over its ties with Israel")
            targets = self.parties(_pobj(tok, (rule.prep,), depth=0) or _pobj(obj, (rule.prep,), depth=0)
                                   or _pobj(tok, (rule.prep,)) or _pobj(obj, (rule.prep,)), through_preps=True)
            if not targets:
                targets = self.parties(obj, through_preps=True)
        elif rule.target != "none":
            targets = self.parties(obj, through_preps=True)
            if not targets:
                targets = self.parties(_pobj(obj, _TARGET_PREPS) or _pobj(tok, _TARGET_PREPS), through_preps=True)
        else:
            # the object is not the target ("rejected the criticism", "froze assets"), but an actor that
            # modifies it is ("the Armenian criticism", "Russian assets"), as is "against X"
            at = self.doc._.ew_actor_at
            holder = obj
            if holder is None and rule.objects:
                # the matched object may sit in a prepositional phrase: "agreed to US mediation"
                holder = next((g for c in tok.children if c.dep_ == "prep" for g in c.children
                               if g.dep_ == "pobj" and g.lemma_.lower() in rule.objects), None)
            if holder is not None and at[holder.i] < 0:
                targets = self.parties(holder, through_preps=True)
            if not targets:
                targets = self.parties(_pobj(tok, ("against", "at", "on", "toward", "towards")), through_preps=True)
            if not targets and rule.cameo[:2] in ("02", "10", "13"):
                # "demanded that Hamas release the hostages": the demand is on the clause's subject
                clause = next((c for c in tok.children if c.dep_ in ("ccomp", "xcomp")), None)
                if clause is not None:
                    targets = self.parties(next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None))
        if not any(t.country for t in targets) and rule.target != "ccomp_subj":
            # "granted asylum to Panamanian officers", "received observers from the OSCE": when the object
            # is a thing or a countryless group, the party is the one its prepositions name
            alt = self.parties(_pobj(obj, _TARGET_PREPS + ("from",)) or _pobj(tok, _TARGET_PREPS + ("from",)),
                               through_preps=True)
            # an adjective on a thing is no party ("blocked the highway to the Bolivian border")
            alt = [t for t in alt if not (t.kind == "country" and t.via == "modifier")]
            if any(t.country for t in alt):
                targets = alt
        if not any(t.country for t in targets) and rule.cameo[:2] in _LOCATED_ROOTS:
            # an attack hits the country where it happens; a visit is to the country visited; a
            # withdrawal is from the place left; a protest is addressed to the place's authorities
            targets = self.location_target(tok, obj) or targets
        return sources, targets

    def noun_slots(self, tok: Token, code: str) -> tuple[list[Actor], list[Actor]]:
        doc = self.doc
        at = doc._.ew_actor_at
        actors = doc._.ew_actors
        sources: list[Actor] = []
        for c in tok.children:
            if c.dep_ in ("amod", "compound", "poss", "nmod", "npadvmod") and c.i < tok.i:
                found = self.parties(c)
                if not found:
                    for t in c.subtree:
                        if at[t.i] >= 0:
                            found = [actors[at[t.i]]]
                            break
                if found:
                    sources = found
                    break
        if not sources:
            sources = self.parties(_pobj(tok, ("by", "from"), depth=0))
        if not sources and tok.dep_ in ("dobj", "nsubjpass") and tok.head.pos_ == "VERB" \
                and tok.head.lemma_ not in _PROVOKED:
            # "undertook mediation", "renewed negotiations": the verb's subject does the noun's event
            head = tok.head
            sources = self.parties(_agent(head) if tok.dep_ == "nsubjpass" else _subject(head))
        if not sources and tok.dep_ == "dobj":
            sources = self.parties(_pobj(tok.head, ("from",), depth=0))
        if not sources and tok.dep_ == "pobj" and tok.head.lower_ in ("for", "to") \
                and tok.head.head.lemma_.lower() in _MOTION and tok.head.head.dep_ not in ("xcomp", "ccomp"):
            # "negotiators returned to Geneva for talks", "converged for a rally": who came does it
            sources = self.parties(_subject(tok.head.head))
        if not sources and tok.dep_ == "pobj" and tok.head.lower_ == "in" \
                and tok.head.head.lemma_.lower() in _TAKING_PART:
            # "Serb forces were engaged in ethnic cleansing", "took part in the offensive"
            verb = tok.head.head
            sources = self.parties(_subject(verb) or next((c for c in verb.children if c.dep_ == "nsubjpass"), None))
        if not sources:
            for c in tok.children:
                if c.dep_ == "acl":
                    sources = self.parties(_agent(c))
                    if sources:
                        break
        preps = ("against", "on", "with", "to", "toward", "towards", "between")
        targets = []
        if code[:2] in ("15", "16", "17", "18", "19", "20", "08"):
            # "the blockade of Serbia", "the invasion of South Lebanon", "the withdrawal of forces from Panama"
            for prep in (("from", "of") if code[:2] == "08" else ("of",)):
                of = _pobj(tok, (prep,), depth=0)
                targets = [t for t in self.parties(of) if t.kind in ("country", "government")] if of is not None else []
                if targets:
                    break
        if not targets:
            targets = self.prep_parties(tok, preps)
        if not targets and tok.dep_ == "dobj" and tok.head.pos_ == "VERB":
            targets = self.prep_parties(tok.head, preps)
        if not targets and tok.dep_ == "dobj" and tok.head.lemma_ in _PROVOKED:
            # "Pashinian made similar claims, prompting a rebuke from Moscow": the rebuke is aimed at
            # whoever prompted it
            targets = self.parties(_subject(tok.head))
        if not any(t.country for t in targets) and code[:2] in ("18", "19", "20", "17"):
            targets = self.location_target(tok, None) or targets
        return sources, targets

    # ---------------------------------------------------------------- countries from the setting
    def _country_at(self, token: Token) -> str | None:
        """The country of a place or a state mention covering ``token``."""
        for place in self.all_places:
            if place.start <= token.idx < place.end and place.country:
                return place.country
        at = self.doc._.ew_actor_at
        if at and at[token.i] >= 0:
            a = self.doc._.ew_actors[at[token.i]]
            if a.country and a.kind in ("country", "government"):
                return a.country
        return None

    def located(self, a: Actor) -> str | None:
        """The country an actor's own phrase puts it in: "demonstrators in Baghdad", "King Hassan of
        Morocco", "a newspaper based in Beirut", "students throughout Indonesia"."""
        span = self.doc.char_span(a.start, a.end, alignment_mode="expand")
        if span is None:
            return None
        root = span.root
        preps = [c for c in root.children if c.dep_ == "prep" and c.lower_ in _LOCATING_PREPS]
        for c in root.children:
            if c.dep_ == "acl" and c.lemma_.lower() in _LOCATING_PARTICIPLES:
                preps.extend(g for g in c.children if g.dep_ == "prep" and g.lower_ in _LOCATING_PREPS)
        for prep in preps:
            for pobj in prep.children:
                if pobj.dep_ != "pobj":
                    continue
                for t in pobj.subtree:
                    found = self._country_at(t)
                    if found is not None:
                        return found
        return None

    def _sentence_mentions(self, sent) -> list[tuple[int, int, str]]:
        """(start, end, country) of every place and actor in ``sent`` that can set the scene, built once
        per sentence: not an IGO or NGO, not an adjective on a thing ("the Bolivian border"), not the
        object of an attitude ("an anti-Syria journalist" says what someone thinks of Syria)."""
        found = self._mentions.get(sent.start)
        if found is None:
            inside = [(p.start, p.end, p.country) for p in self.all_places
                      if p.country and sent.start_char <= p.start < sent.end_char]
            inside += [(a.start, a.end, a.country) for a in self.doc._.ew_actors or []
                       if a.country and sent.start_char <= a.start < sent.end_char
                       and a.kind not in ("igo", "ngo") and a.country not in ("IGO", "NGO")
                       and not (a.kind == "country" and a.via == "modifier")]
            found = [m for m in inside if m[0] not in self.attitudes]
            self._mentions[sent.start] = found
        return found

    def _phrase(self, a) -> tuple[int, int]:
        """Character range of the noun phrase around a mention ("South African leader F.W. de Klerk")."""
        span = self.doc.char_span(a.start, a.end, alignment_mode="expand")
        if span is None:
            return a.start, a.end
        root = span.root
        return min(a.start, root.left_edge.idx), max(a.end, root.right_edge.idx + len(root.right_edge.text))

    def setting_country(self, sent, counterparts: list, own: Actor | None = None) -> str | None:
        """The one country the sentence names, leaving out the states on the other side of the event
        or the person it is done to ("President X threatened Russia", "X welcomed the South African leader" say
        nothing of X's country); None when it names none or several."""
        skip = [self._phrase(c) for c in counterparts
                if c is not None and getattr(c, "kind", None) in ("country", "government", "person")
                and getattr(c, "via", None) not in ("location", "place")]
        if own is not None:
            skip.append((own.start, own.end))

        found = {country for start, end, country in self._sentence_mentions(sent)
                 if not any(s < end and start < e for s, e in skip)}
        return found.pop() if len(found) == 1 else None

    def settle(self, actors: list, counterparts: list, sent) -> list:
        """Give countryless actors the country of their setting, flagged unresolved: first what their
        own phrase says ("protesters in Baghdad"), then the one country the sentence names. This is the
        ICEWS convention for domestic actors ("Police (Iraq)"); organisations that belong to no state
        (IGOs, NGOs) keep none."""
        out = []
        for a in actors:
            if isinstance(a, Actor) and a.country and a.kind == "group" and (
                    (a.sector == "ETH" and a.via != "modifier") or a.text.lower().startswith("ethnic ")):
                # "ethnic Albanians demonstrated in Serbia": an ethnic group is coded, as CAMEO does,
                # to the country it lives in when the text places it there (not "Iraqi Kurds", whose
                # text says which)
                home = self.located(a) or self.setting_country(sent, counterparts, own=a)
                if home is not None and home != a.country:
                    a = replace(a, country=home, resolved=False, via="location")
                out.append(a)
                continue
            if not isinstance(a, Actor) or a.country or a.kind in ("igo", "ngo") \
                    or (a.sector or "") in ("IGO", "NGO"):
                out.append(a)
                continue
            country = self.located(a)
            via = "location"
            if country is None:
                country, via = self.setting_country(sent, counterparts), "setting"
            if country is not None:
                name = a.name or a.text
                a = replace(a, country=country, resolved=False, via=via, name=name)
            out.append(a)
        return out

    def unidentified(self, tok: Token, code: str, sent) -> list[Actor]:
        """Material conflict or protest with no one named as doing it ("a roadside bomb killed ...")
        is coded, as ICEWS does, to an unidentified actor of the country where it happened."""
        if code[:2] not in _UNIDENTIFIED_ROOTS:
            return []
        place = self.nearest(tok, [p for p in self.all_places if p.country and p.role == "location"], sent) \
            or self.nearest(tok, [p for p in self.all_places if p.country and p.role == "mention"], sent)
        if place is None:
            return []
        name = self.kb.countries[place.country].name if place.country in self.kb.countries else place.country
        return [Actor(text=place.text, start=place.start, end=place.end, name=f"unidentified ({name})",
                      country=place.country, sector=None, kind="unidentified", resolved=False, via="location")]

    # ---------------------------------------------------------------- context
    def modality(self, tok: Token) -> tuple[str, str | None]:
        """(modality, quote id) of a trigger."""
        auxes = {c.lower_ for c in tok.children if c.dep_ == "aux"}
        if auxes & _HYPOTHETICAL:
            return "hypothetical", None
        node, steps = tok, 0
        while node.head.i != node.i and steps < 4:
            if any(c.lower_ == "if" and c.dep_ == "mark" for c in node.children):
                return "hypothetical", None
            node, steps = node.head, steps + 1
        intended = bool(auxes & _FUTURE) or (
            tok.dep_ in ("xcomp", "ccomp") and (tok.head.lemma_ in _INTEND or tok.head.lemma_ in _READY))
        for q in self.quotes:
            if q.content.start <= tok.idx < q.content.end:
                cue = (self.kb.cues.get(q.cue["lemma"]) or {}) if q.cue else {}
                if cue.get("valence") in _ALLEGING and q.kind != "direct" and self._asserted_by_cue(tok, q):
                    return "alleged", q.id
                if cue.get("valence") == "ask" and q.kind != "direct" and self._asserted_by_cue(tok, q):
                    return "requested", q.id  # "urged Israel to allow aid in": asked for, not done
                return ("intended" if intended else "reported"), q.id
        return ("intended" if intended else "asserted"), None

    def _asserted_by_cue(self, tok: Token, quote: Quote) -> bool:
        """Is the trigger what the accusation or denial is about ("accused Ukraine of shelling"), rather
        than background inside it ("denied that X alienated Moscow by holding an exercise", "a court that
        issued a warrant")? Background hangs from the claim through a relative clause, an adverbial
        clause or a preposition other than "of"."""
        node, steps = tok, 0
        while steps < 8 and node.head.i != node.i and not (node.idx < quote.content.start):
            if node.dep_ in ("relcl", "advcl", "acl") and node.head.pos_ != "NOUN":
                return False
            if node.dep_ == "relcl":
                return False
            if node.dep_ == "prep" and node.lower_ not in ("of", "for"):
                return False
            node, steps = node.head, steps + 1
        return True

    def nearest(self, tok: Token, items, sent):
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

    # ---------------------------------------------------------------- emit
    def emit(self, tok: Token, code: str, sources: list, targets: list, rule: str, nominal: bool,
             modality: tuple[str, str | None] | None = None, negation_of: Token | None = None) -> Event | None:
        if not sources and not targets:
            return None  # with no actor at all it says nothing about who did what to whom: not a record
        mood, reported_by = modality or self.modality(tok)
        negated = _negated(negation_of if negation_of is not None else tok)
        if negated and mood in ("intended", "reported", "asserted") and (
                mood == "intended" or any(c.lower_ in ("will", "would", "wo") for c in tok.children)
                or tok.head.lemma_ in ("refuse", "decline")):
            # "will not accept refugees", "refused to meet": declining cooperation is a rejection
            refused = refusal_code(code)
            if refused is not None:
                code, negated, mood = refused, False, ("reported" if reported_by else "asserted")
        elif mood == "intended":
            code = intent_code(code)
        info = self.kb.cameo_info(code)
        if info is None:
            return None
        sent = self.sents[bisect.bisect_right(self.sent_starts, tok.i) - 1]
        if not sources:
            sources = self.unidentified(tok, code, sent)
        sources, targets = self.settle(sources, targets, sent), self.settle(targets, sources, sent)
        src_entities = {a.entity for a in sources if isinstance(a, Actor) and a.entity is not None}
        targets = [t for t in targets if not (isinstance(t, Actor) and t.entity is not None and t.entity in src_entities
                                              and t.country in {s.country for s in sources})]
        reciprocal = False
        if not targets and len(sources) > 1 and (code[:2] in _RECIPROCAL_ROOTS or tok.lemma_ in _RECIPROCAL_LEMMAS):
            reciprocal = True
        src_refs = [a.ref() if isinstance(a, Actor) else a for a in sources]
        tgt_refs = [a.ref() if isinstance(a, Actor) else a for a in targets]
        source = src_refs[0] if src_refs else None
        target = tgt_refs[0] if tgt_refs else (src_refs[1] if reciprocal else None)
        date = self.nearest(tok, self.doc._.ew_dates or [], sent)
        place = self.nearest(tok, self.places, sent)
        published = self.doc._.ew_published
        # a country the text gives the actor counts fully; one read off the setting counts for less
        conf = 0.45 + _country_weight(source, 0.2) + _country_weight(target, 0.15)
        if nominal:
            conf -= 0.1
        if mood != "asserted":
            conf -= 0.05
        # the sentence's main event sits near the root of its parse; embedded ones are less central
        depth, node = 0, tok
        while node.head.i != node.i and depth < 6:
            node, depth = node.head, depth + 1
        conf -= 0.03 * depth
        subordinate = _subordinate(tok)
        if subordinate:
            # a purpose ("a hunger strike to demand reforms") never outranks the act it serves
            conf -= 0.12 if subordinate == "purpose" else 0.08
        has_date = date is not None and date.value
        ev = Event(
            id=f"e{len(self.events) + 1}",
            cameo=info.code if len(info.code) >= len(code) else code,
            plover=info.plover,
            mode=info.mode,
            context=info.context,
            goldstein=info.goldstein,
            quad=info.quad,
            source=source,
            target=target,
            trigger=TextSpan(tok.idx, tok.idx + len(tok.text), tok.text),
            sentence=TextSpan(sent.start_char, sent.end_char, self.text[sent.start_char : sent.end_char]),
            date=date.value if has_date else (published.isoformat() if published else None),
            # without a time expression of its own the event takes the publication date, and says so
            date_precision=date.precision if has_date else ("published" if published else None),
            date_source="text" if has_date else ("published" if published else None),
            location=({"name": place.name, "country": place.country, "latitude": place.latitude,
                       "longitude": place.longitude, "geonameid": place.geonameid} if place is not None else None),
            negated=negated,
            modality=mood,
            reported_by=reported_by,
            confidence=max(0.05, min(conf, 0.95)),
            coder=CODER,
            rule=rule,
            sources=src_refs,
            targets=tgt_refs if tgt_refs else ([r for r in src_refs[1:]] if reciprocal else []),
            reciprocal=reciprocal,
        )
        self.events.append(ev)
        return ev

    def noun_code(self, tok: Token) -> tuple[str | None, str]:
        """(CAMEO code, table lemma) of a nominal trigger; a compound before the noun decides first
        ("hunger strike" is 142, a plain "strike" 190)."""
        lemma = tok.lemma_.lower()
        for c in tok.children:
            if c.dep_ in ("compound", "amod") and c.i == tok.i - 1:
                both = f"{c.lemma_.lower()} {lemma}"
                if both in self.kb.nouns:
                    return self.kb.nouns[both], both
        return self.kb.nouns.get(lemma), lemma

    def demands(self) -> None:
        """Reported speech saying someone must or should act is a demand on them: "the minister said
        Iraq must ensure security" is REQUEST (100) from the minister to Iraq."""
        doc = self.doc
        for q in self.quotes:
            if q.kind == "direct" or q.speaker is None:
                continue
            span = doc.char_span(q.content.start, q.content.end, alignment_mode="expand")
            if span is None:
                continue
            root = span.root
            modal = {c.lower_ for c in root.children if c.dep_ == "aux"}
            if not modal & {"must", "should"} and not (root.lemma_ in ("have", "need") and
                                                       any(c.dep_ == "xcomp" for c in root.children)):
                continue
            if any(c.dep_ == "neg" for c in root.children):
                continue
            targets = self.parties(_subject(root))
            if not targets or all(t.country == q.speaker.country and t.name == q.speaker.name for t in targets):
                continue
            self.emit(root, "100", [q.speaker], targets, "demand: reported 'must'/'should'", nominal=False,
                      modality=("asserted", None))

    # ---------------------------------------------------------------- run
    def run(self) -> list[Event]:
        doc = self.doc
        fired_objects: set[int] = set()
        rules: dict[int, VerbRule] = {}
        for tok in doc:
            if tok.pos_ == "VERB" or (tok.pos_ == "AUX" and tok.lemma_ != "be"):
                rule = self.match_rule(tok)
                if rule is not None:
                    rules[tok.i] = rule
        for i, rule in rules.items():
            tok = doc[i]
            # "threatened to strike", "vowed to retaliate": the intent verb is the event, not the act
            if _complement(tok) and tok.head.i in rules and rules[tok.head.i].cameo[:2] in _ANNOUNCING_ROOTS:
                continue
            if rule.target == "reported_subj":
                # "X failed to honor its commitments", said by someone: the speaker accuses X
                quote = next((q for q in self.quotes if q.content.start <= tok.idx < q.content.end and q.kind != "direct"), None)
                if quote is None or quote.speaker is None:
                    continue
                self.emit(tok, rule.cameo, [quote.speaker], self.parties(_subject(tok)), f"verbs.csv:{rule.lemma}",
                          nominal=False, modality=("asserted", None))
                continue
            sources, targets = self.verb_slots(tok, rule)
            if not targets:
                # the target of an announced act: "threatened to strike Israel", "vowed to retaliate against X"
                for c in tok.children:
                    if not _complement(c):
                        continue
                    if c.i in rules:
                        targets = self.verb_slots(c, rules[c.i])[1]
                    if not targets:
                        obj = next((g for g in c.children if g.dep_ in ("dobj", "dative")), None)
                        targets = self.parties(_pobj(c, _TARGET_PREPS) or obj, through_preps=True)
                    if not targets and rule.cameo[:2] == "13":
                        # "threatened to resume attacks in Israel": the place threatened
                        targets = self.location_target(c, None)
                    break
            for c in tok.children:
                if c.dep_ in ("dobj", "attr", "nsubjpass"):
                    fired_objects.add(c.i)
            key = rule.lemma + (f" {rule.particle}" if rule.particle else "") + \
                (f" +{'|'.join(rule.objects)}" if rule.objects else "") + (f" {rule.prep}" if rule.prep else "")
            self.emit(tok, rule.cameo, sources, targets, f"verbs.csv:{key}", nominal=False)
        self.demands()
        for tok in doc:
            if tok.pos_ not in ("NOUN", "PROPN") or tok.i in fired_objects:
                continue
            code, lemma = self.noun_code(tok)
            if code is None or (doc._.ew_actor_at and doc._.ew_actor_at[tok.i] >= 0):
                continue
            head = tok.head
            if tok.dep_ == "dobj" and head.lemma_ in _HALTING:
                # "cancelled the visit", "suspended aid", "prevented a demonstration"
                code = halted_code(code)
                if code is None:
                    continue
            phrase = tok
            if tok.dep_ == "compound" and head.lemma_.lower() in _CARRIERS:
                # "undertook a mediation mission between X and Y": the phrase's head holds the slots
                phrase = head
            governed = phrase.dep_ == "dobj" and phrase.head.pos_ == "VERB"
            verb = phrase.head
            if governed and _complement(verb) and verb.head.i in rules \
                    and rules[verb.head.i].cameo[:2] in _ANNOUNCING_ROOTS:
                continue  # "threatened to resume attacks": the threat is the event, as for a verb
            sources, targets = self.noun_slots(phrase, code)
            self.emit(tok, code, sources, targets, f"nouns.csv:{lemma}",
                      # "staged a protest", "began a hunger strike": the noun is the sentence's act
                      nominal=not (governed and phrase.head.lemma_.lower() in _LIGHT),
                      modality=self.modality(phrase.head) if governed else None,
                      negation_of=phrase.head if governed else None)
        self.events.sort(key=lambda e: e.trigger.start)
        for n, e in enumerate(self.events, 1):
            e.id = f"e{n}"
        return self.events


class EventsComponent:
    def __init__(self, nlp: Language, name: str, knowledge: str = "", lexicon: str = ""):
        self.name = name
        self.kb = load_knowledge(knowledge or None, lexicon or None)

    def __call__(self, doc: Doc) -> Doc:
        coded = EventCoder(self.kb, doc).run()
        factual = [e for e in coded if not e.negated and e.modality in ("asserted", "reported", "intended")]
        doc._.ew_events = factual
        kept = {id(e) for e in factual}
        doc._.ew_nonfactual_events = [e for e in coded if id(e) not in kept]
        return doc


@Language.factory(
    FACTORY,
    default_config={"knowledge": "", "lexicon": ""},
    assigns=["doc._.ew_events", "doc._.ew_nonfactual_events"],
    requires=["doc._.ew_actors", "doc._.ew_dates", "doc._.ew_places", "doc._.ew_quotes", "token.dep"],
)
def make_events(nlp: Language, name: str, knowledge: str, lexicon: str) -> EventsComponent:
    return EventsComponent(nlp, name, knowledge, lexicon)
