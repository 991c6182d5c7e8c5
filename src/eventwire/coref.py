"""Which actor a token stands for: the actor mention it is part of, the one its phrase holds, or, for a
pronoun, its antecedent.

Antecedents are chosen by agreement (he/she need a person of that gender or of unknown gender; it
needs an organisation, government or state; they a group, an organisation or a state), recency
(at most three sentences back) and salience (subjects and named people first).
"""

from __future__ import annotations

import bisect

from spacy.tokens import Doc, Token

from .records import Actor, ActorRef

__all__ = ["actor_for", "antecedent", "PRONOUNS"]

PRONOUNS = {
    "he": "m", "him": "m", "his": "m", "himself": "m",
    "she": "f", "her": "f", "hers": "f", "herself": "f",
    "it": "n", "its": "n", "itself": "n",
    "they": "p", "them": "p", "their": "p", "themselves": "p",
}
_SUBJ = {"nsubj", "nsubjpass"}
_SKIP_DEPS = {"relcl", "acl", "advcl", "ccomp", "xcomp", "conj", "cc", "punct", "appos", "prep"}


def _actor_token(doc: Doc, actor: Actor) -> Token | None:
    span = doc.char_span(actor.start, actor.end, alignment_mode="expand")
    return span.root if span is not None else None


def antecedent(doc: Doc, token: Token, window: int = 3) -> Actor | None:
    """The actor a pronoun refers to, or None. Returns a copy placed at the pronoun."""
    want = PRONOUNS.get(token.lower_)
    if want is None:
        return None
    actors: list[Actor] = doc._.ew_actors or []
    entities = doc._.ew_entities or []
    starts = [s.start for s in doc.sents]
    here = bisect.bisect_right(starts, token.i) - 1
    best, best_score = None, -1e9
    for a in actors:
        if a.start >= token.idx:
            break
        tok = _actor_token(doc, a)
        if tok is None:
            continue
        sent_i = bisect.bisect_right(starts, tok.i) - 1
        if here - sent_i > window:
            continue
        gender = entities[a.entity].get("gender") if a.entity is not None and a.entity < len(entities) else None
        if want in ("m", "f"):
            if a.kind != "person":
                continue
            if gender and gender != want:
                continue
        elif want == "n":
            if a.kind not in ("org", "igo", "ngo", "government", "country"):
                continue
        else:
            if a.kind not in ("group", "org", "government", "country", "igo", "ngo"):
                continue
        score = -3.0 * (here - sent_i) + a.start / max(1, len(doc.text))
        if tok.dep_ in _SUBJ:
            score += 2.5
        if a.kind == "person" and a.name and a.via != "coref" and a.country:
            score += 1.0
        if want in ("m", "f") and gender == want:
            score += 1.5
        if score > best_score:
            best, best_score = a, score
    if best is None:
        return None
    return Actor(text=token.text, start=token.idx, end=token.idx + len(token.text), name=best.name,
                 country=best.country, sector=best.sector, kind=best.kind, resolved=best.resolved,
                 entity=best.entity, role=best.role, via="coref")


def actor_for(doc: Doc, token: Token | None, through_preps: bool = False) -> Actor | None:
    """The actor a slot-filling token stands for: its own mention, a pronoun's antecedent, or the
    nearest actor inside its phrase (not crossing into clauses; into prepositional phrases only when
    ``through_preps``, as for objects: "scores of Karabakh Armenians"). A mention with no country
    ("the commanders of the Russian contingent") borrows the country of an actor inside its phrase."""
    if token is None:
        return None
    actors: list[Actor] = doc._.ew_actors or []
    at: list[int] = doc._.ew_actor_at or []
    if not at:
        return None
    if token.lower_ in PRONOUNS and token.pos_ == "PRON":
        return antecedent(doc, token)
    # a title noun with a named appositive: "the spokeswoman, Maria Zakharova"
    for child in token.children:
        if child.dep_ == "appos" and at[child.i] >= 0 and actors[at[child.i]].kind == "person":
            return actors[at[child.i]]
    own = actors[at[token.i]] if at[token.i] >= 0 else None
    if own is not None and own.country:
        return own
    skip = _SKIP_DEPS - {"prep"} if (through_preps or own is not None) else _SKIP_DEPS
    frontier = [c for c in token.children if c.dep_ not in skip]
    found = None
    while frontier and found is None:
        nxt = []
        for t in frontier:
            if at[t.i] >= 0 and (own is None or actors[at[t.i]].country):
                found = actors[at[t.i]]
                break
            if t.lower_ in PRONOUNS and t.pos_ == "PRON" and t.dep_ == "poss" and own is None:
                found = antecedent(doc, t)
                break
            nxt.extend(c for c in t.children if c.dep_ not in skip)
        frontier = nxt
    if own is None:
        return found
    if found is None:
        return own
    return Actor(text=own.text, start=own.start, end=own.end, name=f"{own.text} ({found.name})",
                 country=found.country, sector=own.sector or found.sector, kind=own.kind, resolved=True,
                 entity=own.entity, role=own.role, via="phrase")


def as_ref(actor: Actor | None) -> ActorRef | None:
    return actor.ref() if actor is not None else None
