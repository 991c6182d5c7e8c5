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

__all__ = ["actor_for", "antecedent", "is_attitude", "sentence_starts", "PRONOUNS"]

PRONOUNS = {
    "he": "m", "him": "m", "his": "m", "himself": "m",
    "she": "f", "her": "f", "hers": "f", "herself": "f",
    "it": "n", "its": "n", "itself": "n",
    "they": "p", "them": "p", "their": "p", "themselves": "p",
}
_SUBJ = {"nsubj", "nsubjpass"}
_SKIP_DEPS = {"relcl", "acl", "advcl", "ccomp", "xcomp", "conj", "cc", "punct", "appos", "prep"}


def is_attitude(t: Token) -> bool:
    """A mention that is the object of an attitude: "an anti-Syria journalist", "pro-Russian separatists"."""
    doc = t.doc
    return t.i >= 2 and doc[t.i - 1].text == "-" and doc[t.i - 2].lower_ in ("anti", "pro")


def sentence_starts(doc: Doc) -> list[int]:
    """Token index where each sentence starts; computed once per document (iterating doc.sents walks
    every token, so it must not happen per lookup)."""
    starts = doc.user_data.get("ew_sent_starts")
    if starts is None or (starts and starts[-1] >= len(doc)):
        starts = [s.start for s in doc.sents]
        doc.user_data["ew_sent_starts"] = starts
    return starts


def _actor_roots(doc: Doc) -> list[int]:
    """Syntactic head token of each actor mention, computed once per document."""
    roots = doc.user_data.get("ew_actor_roots")
    if roots is None:
        at = doc._.ew_actor_at or []
        bounds: dict[int, list[int]] = {}
        for i, a in enumerate(at):
            if a >= 0:
                bounds.setdefault(a, [i, i + 1])[1] = i + 1
        roots = [doc[bounds[a][0] : bounds[a][1]].root.i if a in bounds else -1
                 for a in range(len(doc._.ew_actors or []))]
        doc.user_data["ew_actor_roots"] = roots
    return roots


def antecedent(doc: Doc, token: Token, window: int = 3) -> Actor | None:
    """The actor a pronoun refers to, or None. Returns a copy placed at the pronoun."""
    want = PRONOUNS.get(token.lower_)
    if want is None:
        return None
    actors: list[Actor] = doc._.ew_actors or []
    entities = doc._.ew_entities or []
    starts = sentence_starts(doc)
    here = bisect.bisect_right(starts, token.i) - 1
    best, best_score = None, -1e9
    roots = _actor_roots(doc)
    for n, a in enumerate(actors):
        if a.start >= token.idx:
            break
        if roots[n] < 0:
            continue
        tok = doc[roots[n]]
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
        score = -3.0 * (here - sent_i) + a.start / max(1, token.idx)
        if tok.dep_ in _SUBJ:
            score += 2.5
        if a.kind == "person" and a.name and a.via != "coref" and a.country:
            score += 1.0
        if want in ("m", "f"):
            # "she" after "Mexico's president ... Lucia Arriaga": a known woman beats a title of unknown sex
            score += 3.0 if gender == want else (-2.0 if a.via != "kb" else 0.0)
        if score > best_score:
            best, best_score = a, score
    # "Arriaga said ... she said. ... she replied": an earlier "she" keeps its referent salient
    memo = doc.user_data.setdefault("ew_pronouns", {})
    for prev in doc[starts[max(0, here - window)] : token.i]:
        if prev.lower_ in PRONOUNS and PRONOUNS[prev.lower_] == want and prev.dep_ in _SUBJ and prev.i != token.i:
            if prev.i not in memo:
                memo[prev.i] = antecedent(doc, prev, window)
            earlier = memo[prev.i]
            if earlier is None:
                continue
            sent_i = bisect.bisect_right(starts, prev.i) - 1
            score = -3.0 * (here - sent_i) + prev.idx / max(1, token.idx) + 2.5
            gender = entities[earlier.entity].get("gender") if earlier.entity is not None and earlier.entity < len(entities) else None
            if want in ("m", "f"):
                score += 3.0 if gender == want else -2.0
            if score > best_score:
                best, best_score = earlier, score
    if best is None:
        return None
    return Actor(text=token.text, start=token.idx, end=token.idx + len(token.text), name=best.name,
                 country=best.country, sector=best.sector, kind=best.kind, resolved=best.resolved,
                 entity=best.entity, role=best.role, via="coref", canonical=best.canonical)


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
    own = actors[at[token.i]] if at[token.i] >= 0 else None
    # a title noun with a named appositive: "the spokeswoman, Maria Zakharova"
    if token.ent_type_ != "PERSON":
        for child in token.children:
            if child.dep_ == "appos" and child.ent_type_ == "PERSON" and at[child.i] >= 0:
                return actors[at[child.i]]
    if own is not None and own.country:
        return own
    skip = _SKIP_DEPS - {"prep"} if (through_preps or own is not None) else _SKIP_DEPS
    # "members of Pashinian's entourage", "commanders of the contingent", "doctors from American aid groups":
    # through "of" and "from" always
    frontier = [c for c in token.children if c.dep_ not in skip or (c.dep_ == "prep" and c.lower_ in ("of", "from"))]
    found = None
    while frontier and found is None:
        nxt = []
        for t in frontier:
            if at[t.i] >= 0 and (own is None or actors[at[t.i]].country) and not is_attitude(t):
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
                 entity=own.entity, role=own.role, via="phrase", canonical=found.canonical)


def as_ref(actor: Actor | None) -> ActorRef | None:
    return actor.ref() if actor is not None else None
