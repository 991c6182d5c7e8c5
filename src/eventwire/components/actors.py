"""``eventwire.actors.v1``: actor mentions, resolved to a name, a country and a sector.

What counts as an actor mention:

* people (PERSON entities): resolved from the officeholder table for the publication date, or learnt
  from the text itself: a title before the name ("Armenian Prime Minister Nikol Pashinian"), an
  appositive after it ("Tomas Ibarra, Chile's deputy foreign minister") or a noun it is
  the appositive of ("The Russian Foreign Ministry spokeswoman, Maria Zakharova"). A later surname
  ("Ibarra") is the same person.
* organisations: international bodies and seats of power from the knowledge base; other ORG entities
  take the country named inside them ("the Russian Defense Ministry") and the sector of their head noun.
* states: a country name is the state; a capital that is not a location ("Moscow failed to ...",
  "rebuke from Moscow") stands for the government.
* groups: a sector noun with a nationality or a place ("the Russian peacekeepers", "the authorities
  in Yerevan") and bare nationals ("Armenians"); a bare sector noun ("the ministry", "the soldiers")
  takes the country of the last mention with the same noun.

Pronouns are resolved on demand by ``eventwire.coref``.
"""

from __future__ import annotations

import datetime as dt

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..coref import is_attitude
from ..knowledge import KnowledgeBase, load_knowledge
from ..records import Actor
from .knowledge_ruler import SPAN_GROUP

VERSION = "eventwire.actors.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_actors_v1"  # spaCy forbids dots in factory names

#: Prepositions after which a capital is a place, not its government.
LOCATIVE = {"in", "at", "near", "outside", "inside", "around", "across", "to", "into", "toward", "towards",
            "via", "through", "within", "throughout", "between", "on"}
_MIL_MODIFIERS = {"military", "army", "armed", "naval", "navy", "defense", "defence"}
_FEMALE = {"spokeswoman", "chairwoman", "congresswoman", "businesswoman", "queen", "princess", "woman", "mrs", "ms"}
_MALE = {"spokesman", "chairman", "congressman", "businessman", "king", "prince", "man", "mr"}


#: nouns a leader's name makes a government of: "the Bush administration", "the Putin regime"
_GOVERNMENT_NOUNS = {"administration", "government", "cabinet", "regime", "presidency"}


def kb_kind(span: Span | None) -> tuple[str, str]:
    """('country'|'nationality'|'capital'|'place'|'org'|'seat'|'person'|'', key) of an entity."""
    if span is None or not span.kb_id_:
        return "", ""
    kind, _, key = span.kb_id_.partition(":")
    return kind, key


def _strip_det(span: Span) -> Span:
    start, end = span.start, span.end
    while start < end - 1 and span.doc[start].dep_ == "det":
        start += 1
    while end > start + 1 and span.doc[end - 1].text in ("'s", "’s", "'", "’", ",", "."):
        end -= 1
    return span.doc[start:end]


class ActorResolver:
    """Builds the actor mentions of one document. One instance per document: it holds that
    document's referents while it works and nothing after."""

    def __init__(self, kb: KnowledgeBase, doc: Doc):
        self.kb = kb
        self.doc = doc
        self.day: dt.date | None = doc._.ew_published
        self.actors: list[Actor] = []
        self.entities: list[dict] = []
        self.taken = [False] * len(doc)
        self.by_name: dict[str, int] = {}
        self.by_surname: dict[str, int] = {}
        self.by_noun: dict[str, int] = {}  # sector noun lemma -> last actor index with a country
        self.by_title: dict[str, int] = {}  # title word ("minister") -> last person entity with that title
        self._tokens: list[tuple[int, int]] = []
        self._at: list[Actor | None] = [None] * len(doc)
        self.ent_at: list[Span | None] = [None] * len(doc)
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                self.ent_at[i] = ent
        # knowledge-base matches, also those inside entities the model found ("the Russian Foreign Ministry")
        self.kb_at: list[Span | None] = [None] * len(doc)
        for span in doc.spans.get(SPAN_GROUP, []):
            for i in range(span.start, span.end):
                self.kb_at[i] = span

    # ------------------------------------------------------------ entities
    def _entity(self, key: str, **info) -> int:
        if key in self.by_name:
            idx = self.by_name[key]
            ent = self.entities[idx]
            for k, v in info.items():
                if v and not ent.get(k):
                    ent[k] = v
            return idx
        self.entities.append({"id": len(self.entities), "key": key, **info})
        self.by_name[key] = len(self.entities) - 1
        return len(self.entities) - 1

    def _add(self, span: Span, **kw) -> Actor | None:
        span = _strip_det(span)
        if any(self.taken[i] for i in range(span.start, span.end)):
            return None
        for i in range(span.start, span.end):
            self.taken[i] = True
        actor = Actor(text=span.text, start=span.start_char, end=span.end_char, **kw)
        actor_tokens = (span.start, span.end)
        for i in range(span.start, span.end):
            self._at[i] = actor
        self.actors.append(actor)
        self._tokens.append(actor_tokens)
        return actor

    # ------------------------------------------------------------ helpers
    def descriptor(self, tokens: list[Token]) -> dict:
        """Country, sector, title and gender read from a run of descriptive tokens (a title before a
        name, an appositive, a modifier phrase)."""
        out: dict = {}
        words = [t for t in tokens if not t.is_punct]
        # titles: longest match of up to four words
        i = 0
        while i < len(words):
            for n in (4, 3, 2, 1):
                phrase = " ".join(w.lower_ for w in words[i : i + n])
                row = self.kb.title(phrase) if len(words[i : i + n]) == n else None
                if row:
                    out.setdefault("role", phrase)
                    out.setdefault("title_sector", row.get("sector"))
                    if row.get("gender"):
                        out.setdefault("gender", row["gender"])
                    i += n - 1
                    break
            i += 1
        for t in words:
            if t.lower_ in _FEMALE:
                out.setdefault("gender", "f")
            elif t.lower_ in _MALE:
                out.setdefault("gender", "m")
            if t.lower_ in ("former", "ex", "ex-"):
                out["former"] = True
        # countries inside: entities of the knowledge base, first one wins
        for t in words:
            ent = self.kb_at[t.i] or self._ent_of(t)
            if ent is not None:
                kind, key = kb_kind(ent)
                if kind in ("country", "nationality", "capital", "seat") and "country" not in out:
                    out["country"] = key
                elif kind == "place" and "country" not in out and self.kb.places[key].country:
                    out["country"] = self.kb.places[key].country
                elif kind == "org" and "country" not in out:
                    org = self.kb.organisations.get(key)
                    if org:
                        out["country"] = org.country
                        out.setdefault("org_sector", org.sector)
        # sector nouns inside ("ministry", "Security Council", "army")
        for n in (3, 2, 1):
            for j in range(len(words) - n + 1):
                phrase = " ".join(w.lower_ if n > 1 else w.lemma_.lower() for w in words[j : j + n])
                row = self.kb.sector_term(phrase) or (self.kb.sector_term(words[j].lower_) if n == 1 else None)
                if row and row.get("kind") != "person" and "org_sector" not in out:
                    out["org_sector"] = row.get("sector")
        if "country" not in out:
            # "the office's spokeswoman": an organisation named earlier by the same noun
            for t in words:
                prev = self.by_noun.get(t.lemma_.lower())
                if prev is not None and self.actors[prev].country and t.pos_ == "NOUN":
                    out["country"] = self.actors[prev].country
                    out["org_sector"] = self.actors[prev].sector or out.get("org_sector")
                    break
        if any(t.lower_ in _MIL_MODIFIERS for t in words) and out.get("org_sector") in (None, "GOV"):
            if not any(t.lower_ in ("ministry", "minister", "secretary", "department") for t in words):
                out["org_sector"] = "MIL"
        return out

    def _ent_of(self, token: Token) -> Span | None:
        return self.ent_at[token.i]

    # ------------------------------------------------------------ people
    def person(self, ent: Span) -> None:
        span = _strip_det(ent)
        name = span.text
        words = name.split()
        desc: dict = {}
        # a title and nationality before the name, within its noun phrase
        root = span.root
        left = [t for t in self.doc[root.left_edge.i : span.start] if t.dep_ != "det"]
        if left:
            desc.update(self.descriptor(left))
        # an appositive after the name, or the noun the name is an appositive of
        for child in root.children:
            if child.dep_ == "appos" and child.i > root.i:
                sub = [t for t in child.subtree if not t.ent_type_ == "PERSON"]
                d = self.descriptor(sub)
                for k, v in d.items():
                    desc.setdefault(k, v)
        if root.dep_ == "appos" and root.head.i < span.start:
            head = root.head
            sub = [t for t in head.subtree if t.i < span.start and t.dep_ != "punct"]
            d = self.descriptor(sub)
            for k, v in d.items():
                desc.setdefault(k, v)
        # "the Bush administration", "the Thatcher government": the name is the head of a government
        after = self.doc[span.end] if span.end < len(self.doc) else None
        if after is not None and root.dep_ == "compound" and after.lemma_.lower() in _GOVERNMENT_NOUNS:
            desc.setdefault("role", "president premier prime chancellor king emir")
        # the same person mentioned before by full name
        idx = None
        if len(words) == 1 and name.lower() in self.by_surname:
            idx = self.by_surname[name.lower()]
        book = self.doc.user_data.get("ew_people")
        user = book.user_entry(name, self.day) if book is not None else None
        if user is not None and idx is None:
            # the user's own file wins over the table and over what the text says
            idx = self._entity(f"person:{user.name}", name=user.name, canonical=user.name, country=user.country,
                               sector=user.sector, kind="person", role=user.role, via="user")
            for n in user.names:
                self.by_surname.setdefault(n.split()[-1].lower(), idx)
        known = self.kb.people(name, self.day)
        # a bare surname is the officeholder only when in office that day, or when the text gives the
        # same office ("President Mugabe"): never a guess at a famous namesake
        titled = [o for o in known if desc.get("role") and any(w in o.role.lower() for w in desc["role"].split())]
        if idx is None and known and (len(words) > 1 or known[0].holds_on(self.day) or titled):
            o = known[0] if (len(words) > 1 or known[0].holds_on(self.day)) else titled[0]
            info = {
                "name": name if len(words) > 1 else o.name, "canonical": o.name, "country": o.country, "sector": o.sector if o.holds_on(self.day) else o.sector,
                "kind": "person", "gender": o.gender, "role": o.role if o.holds_on(self.day) else None,
                "via": "kb",
            }
            if not o.holds_on(self.day):
                info["via"] = "kb-former"
            # the text's own description wins over the table for the role
            if desc.get("country"):
                info["country"] = desc["country"]
            if desc.get("org_sector") or desc.get("title_sector"):
                info["sector"] = desc.get("org_sector") or desc.get("title_sector")
                info["via"] = "title" if not desc.get("org_sector") else "appositive"
            idx = self._entity(f"person:{o.name}", **info)
            for n in o.names:
                self.by_surname.setdefault(n.split()[-1].lower(), idx)
        if not desc.get("gender") and len(words) > 1:
            # "Keiko Arai met Paulo Mendes. He said ...": the given name tells who "he" is
            desc["gender"] = self.kb.given_names.get(words[0].lower())
        learned = book.learned_entry(name, self.day) if book is not None and idx is None and not desc.get("country") else None
        if learned is not None:
            # what an earlier document said about this person
            idx = self._entity(f"person:{learned.name}", name=learned.name, country=learned.country,
                               sector=learned.sector, kind="person", role=learned.role, via="learned")
        if idx is None:
            sector = desc.get("org_sector") or desc.get("title_sector")
            idx = self._entity(
                f"person:{name}",
                name=name, country=desc.get("country"), sector=sector, kind="person", gender=desc.get("gender"),
                role=desc.get("role"), via="title" if desc else None,
            )
        else:
            ent_info = self.entities[idx]
            if len(words) > len((ent_info.get("name") or "").split()):
                ent_info["name"] = name
            for k in ("country", "gender", "role"):
                if desc.get(k) and not ent_info.get(k):
                    ent_info[k] = desc[k]
            if not ent_info.get("sector") and (desc.get("org_sector") or desc.get("title_sector")):
                ent_info["sector"] = desc.get("org_sector") or desc.get("title_sector")
        if len(words) > 1:
            self.by_surname.setdefault(words[-1].lower(), idx)
        e = self.entities[idx]
        # "Interior Minister Claire Dubois ... The minister said": titles point back to the person
        for role in (desc.get("role"), e.get("role")):
            for w in (role or "").lower().replace("-", " ").split():
                if self.kb.title(w):
                    self.by_title[w] = idx
        self._add(
            span, name=e.get("name") or name, country=e.get("country"), sector=e.get("sector"), kind="person",
            resolved=bool(e.get("country")), entity=idx, role=e.get("role"),
            via=e.get("via") or ("coref" if len(words) == 1 else None), canonical=e.get("canonical"),
        )

    # ------------------------------------------------------------ organisations and states
    def organisation(self, ent: Span) -> None:
        kind, key = kb_kind(ent)
        span = _strip_det(ent)
        if kind == "org":
            org = self.kb.organisations[key]
            idx = self._entity(f"org:{key}", name=org.name, country=org.country, sector=org.sector, kind=org.kind)
            a = self._add(span, name=org.name, country=org.country, sector=org.sector,
                          kind="igo" if org.kind != "ngo" else "ngo", resolved=True, entity=idx, via="kb", canonical=org.name)
            head = ent.root.head
            if a is not None and ent.root.dep_ in ("compound", "nmod") and head.i >= ent.end and head.pos_ == "NOUN":
                # "the United Nations human rights office ... the office's spokeswoman"
                self.by_noun[head.lemma_.lower()] = len(self.actors) - 1
            return
        if kind == "group":
            g = self.kb.group(key, self.day)
            if g is not None:
                country, via = g.country, "kb"
                if g.kind == "ethnic_group":
                    # "Iraqi Kurds", "Syrian Druze": the state named before the people
                    for t in self.doc[span.root.left_edge.i : span.start]:
                        k, other = kb_kind(self.kb_at[t.i] or self._ent_of(t))
                        if k in ("nationality", "country"):
                            country, via = other, "modifier"
                idx = self._entity(f"group:{key}:{country}", name=g.name, country=country, sector=g.sector, kind="group")
                self._add(span, name=g.name, country=country, sector=g.sector,
                          kind="group" if g.kind == "ethnic_group" else "org", resolved=country is not None,
                          entity=idx, via=via, canonical=g.name)
                return
        if kind == "seat":
            c = self.kb.countries.get(key)
            name = f"{c.name} government" if c else span.text
            idx = self._entity(f"gov:{key}", name=name, country=key, sector="GOV", kind="government")
            self._add(span, name=span.text, country=key, sector="GOV", kind="government", resolved=True, entity=idx, via="kb")
            return
        # an ORG the model found: read country and sector from inside it, and from the nationality or
        # country right before it ("the Russian | Foreign Ministry", when the ruler ran before NER)
        left = [t for t in self.doc[span.root.left_edge.i : span.start] if t.dep_ in ("amod", "compound", "poss", "nmod")]
        d = self.descriptor(list(span) + left)
        country = d.get("country")
        sector = d.get("org_sector") or d.get("title_sector")
        head = span.root.lemma_.lower()
        if country is None:
            prev = self.by_noun.get(head)
            if prev is not None:
                country = self.actors[prev].country
        idx = self._entity(f"org:{span.text.lower()}", name=span.text, country=country, sector=sector, kind="org")
        a = self._add(span, name=span.text, country=country, sector=sector, kind="org",
                      resolved=country is not None, entity=idx, via="context" if country else None)
        if a and country:
            self.by_noun[head] = len(self.actors) - 1

    def state(self, ent: Span) -> None:
        kind, key = kb_kind(ent)
        c = self.kb.countries.get(key)
        if c is None:
            return
        if kind == "capital":
            prev = self.doc[ent.start - 1] if ent.start > 0 else None
            if prev is not None and prev.lower_ in LOCATIVE and prev.dep_ == "prep":
                return  # a place, not an actor: the places stage records it
            if ent.root.dep_ == "pobj" and ent.root.head.lower_ in LOCATIVE:
                return
            idx = self._entity(f"gov:{key}", name=f"{c.name} government", country=key, sector="GOV", kind="government")
            self._add(ent, name=f"{c.name} government", country=key, sector="GOV", kind="government",
                      resolved=True, entity=idx, via="metonym")
            return
        if ent.root.dep_ == "pobj" and ent.root.head.lower_ in LOCATIVE - {"to", "toward", "towards", "between", "on", "at"}:
            return  # "in Ukraine" is a location; "hit out at Turkey", "aid to Ukraine" name an actor
        idx = self._entity(f"country:{key}", name=c.name, country=key, sector=None, kind="country")
        self._add(ent, name=c.name, country=key, sector=None, kind="country", resolved=True, entity=idx, via="kb")

    # ------------------------------------------------------------ groups
    def group(self, noun: Token, countries: list[str], start: int) -> None:
        """A sector noun phrase ("the Russian peacekeepers") from ``start`` to ``noun``."""
        d = self.descriptor(list(self.doc[start : noun.i + 1]))
        row = self.kb.sector_term(noun.lemma_.lower()) or self.kb.sector_term(noun.lower_)
        title = self.kb.title(noun.lower_) or self.kb.title(noun.lemma_.lower())
        sector = d.get("org_sector") or (row or {}).get("sector") or (title or {}).get("sector")
        kind = "person" if (row or {}).get("kind") == "person" or (title and not row) else "group"
        if row and row.get("kind") == "org":
            kind = "org"
        if kind == "person" and noun.tag_ in ("NNS", "NNPS"):
            kind = "group"  # "officers", "diplomats": plural, never the antecedent of he or she
        country = countries[0] if countries else None
        via = "modifier" if countries else None
        if country is None and any(t.lower_ in ("international", "multinational", "global") for t in noun.children):
            country, via = "IGO", "modifier"
        if country is None:
            # "the authorities in Yerevan", "the government of Armenia"
            for child in noun.children:
                if child.dep_ == "prep" and child.lower_ in ("in", "of", "from"):
                    for g in child.children:
                        ent = self._ent_of(g)
                        k, key = kb_kind(ent)
                        if k in ("country", "capital", "nationality"):
                            country, via = key, "modifier"
                        elif k == "place" and self.kb.places[key].country:
                            country, via = self.kb.places[key].country, "modifier"
                        elif g.i < len(self._at) and self._at[g.i] is not None and self._at[g.i].country:
                            country, via = self._at[g.i].country, "modifier"
                            sector = sector or self._at[g.i].sector
        if country is None and kind == "person" and not countries:
            # "the minister", "the spokeswoman": the last person who bore that title
            person = self.by_title.get(noun.lemma_.lower()) if noun.lemma_.lower() in self.by_title else self.by_title.get(noun.lower_)
            if person is not None:
                e = self.entities[person]
                span = self.doc[start : noun.i + 1]
                self._add(span, name=e.get("name"), country=e.get("country"), sector=e.get("sector"), kind="person",
                          resolved=bool(e.get("country")), entity=person, role=e.get("role"), via="coref",
                          canonical=e.get("canonical"))
                return
        if country is None:
            prev = self.by_noun.get(noun.lemma_.lower())
            if prev is not None:
                country, via = self.actors[prev].country, "coref"
                sector = sector or self.actors[prev].sector
        span = self.doc[start : noun.i + 1]
        name = span.text
        if country and country in self.kb.countries and not countries:
            name = f"{span.text} ({self.kb.countries[country].name})"
        idx = self._entity(f"group:{country}:{noun.lemma_.lower()}", name=name, country=country, sector=sector, kind=kind)
        a = self._add(span, name=name, country=country, sector=sector, kind=kind, resolved=country is not None,
                      entity=idx, role=noun.lower_ if kind == "person" else None, via=via,
                      also=tuple(c for c in countries[1:] if c != country))
        if a and country:
            self.by_noun[noun.lemma_.lower()] = len(self.actors) - 1

    def nationals(self, ent: Span) -> None:
        kind, key = kb_kind(ent)
        c = self.kb.countries.get(key)
        if c is None:
            return
        head = ent.root
        if head.dep_ in ("amod", "compound", "nmod", "npadvmod", "conj") and ent.text not in c.demonyms:
            # "the Azerbaijani military offensive", "the Armenian criticism": the state is the actor
            noun = head.head
            sector = "MIL" if any(t.lower_ in _MIL_MODIFIERS for t in noun.children if t.dep_ in ("amod", "compound")) else None
            idx = self._entity(f"country:{key}", name=c.name, country=key, sector=None, kind="country")
            self._add(ent, name=c.name, country=key, sector=sector, kind="country", resolved=True, entity=idx, via="modifier")
            return
        if ent.text in c.demonyms:
            # "Bosnian Serbs", "ethnic Albanians in southern Serbia": an ethnic group of another state
            country, sector, via = key, "CVL", "kb"
            for child in head.children:
                k, other = kb_kind(self.kb_at[child.i] or self._ent_of(child))
                if child.dep_ in ("amod", "compound", "nmod") and child.i < head.i and k in ("nationality", "country"):
                    country, sector, via = other, "ETH", "modifier"
                elif child.dep_ in ("amod", "compound") and k == "place" and self.kb.places[other].country:
                    country, sector, via = self.kb.places[other].country, "ETH", "modifier"
                elif child.lower_ == "ethnic":
                    sector = "ETH"
                elif child.dep_ == "prep" and child.lower_ in ("in", "of", "from"):
                    for g in child.children:
                        k2, other2 = kb_kind(self.kb_at[g.i] or self._ent_of(g))
                        if k2 in ("country", "capital"):
                            country, sector, via = other2, "ETH", "modifier"
                        elif k2 == "place" and self.kb.places[other2].country:
                            country, sector, via = self.kb.places[other2].country, "ETH", "modifier"
            idx = self._entity(f"group:{country}:{ent.text.lower()}", name=ent.text, country=country, sector=sector, kind="group")
            self._add(ent, name=ent.text, country=country, sector=sector, kind="group", resolved=True, entity=idx, via=via)

    def context_countries(self) -> None:
        """An official with no stated country ("Interior Minister Raul Cardenas" in an article about
        Peru) takes the document's main country, flagged unresolved (via="context")."""
        counts: dict[str, int] = {}
        for ent in self.doc.ents:
            kind, key = kb_kind(ent)
            if kind in ("country", "capital", "nationality"):
                counts[key] = counts.get(key, 0) + 1
            elif kind == "place" and self.kb.places[key].country:
                c = self.kb.places[key].country
                counts[c] = counts.get(c, 0) + 1
        if not counts:
            return
        best = max(counts, key=counts.get)
        total = sum(counts.values())
        if counts[best] < 2 or counts[best] < 0.5 * total:
            # no clear main country (in a single sentence the one other country named is as often the
            # counterpart as the official's own): leave it unknown rather than guess
            return
        for a in self.actors:
            if a.kind == "person" and a.country is None and a.sector in ("GOV", "MIL", "COP", "LEG", "JUD", "OPP"):
                a.country, a.resolved, a.via = best, False, "context"
                if a.entity is not None:
                    self.entities[a.entity].setdefault("country", best)

    # ------------------------------------------------------------ run
    def run(self) -> tuple[list[Actor], list[dict], list[int]]:
        doc = self.doc
        ents = list(doc.ents)
        for ent in ents:
            kind, _ = kb_kind(ent)
            if ent.label_ == "PERSON" or (kind == "" and _strip_det(ent).text.lower() in self.by_surname):
                self.person(ent)  # a surname seen with its full name is that person, whatever the model says
            elif kind in ("org", "seat", "group") or (ent.label_ in ("ORG", "NORP") and kind == ""):
                if ent.label_ == "NORP" and kind == "":
                    continue
                self.organisation(ent)
            elif kind in ("country", "capital") or (
                    kind == "nationality" and ent.text.isupper() and ent.root.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj")):
                # "The U.S. said ...": an abbreviation used as a noun is the state, not an adjective
                self.state(ent)
        # a surname the model did not tag ("Mamani said ..."), after the full name was seen
        for tok in doc:
            if tok.pos_ == "PROPN" and not self.taken[tok.i] and tok.lower_ in self.by_surname and not tok.ent_type_:
                idx = self.by_surname[tok.lower_]
                e = self.entities[idx]
                self._add(doc[tok.i : tok.i + 1], name=e.get("name"), country=e.get("country"), sector=e.get("sector"),
                          kind="person", resolved=bool(e.get("country")), entity=idx, role=e.get("role"), via="coref",
                          canonical=e.get("canonical"))
        # sector nouns, with or without a nationality before them
        for tok in doc:
            if tok.pos_ not in ("NOUN", "PROPN") or self.taken[tok.i]:
                continue
            lemma = tok.lemma_.lower()
            row = self.kb.sector_term(lemma) or self.kb.sector_term(tok.lower_)
            title = self.kb.title(tok.lower_) or self.kb.title(lemma)
            if not row and not title:
                continue
            if row and row.get("kind") == "seat":
                continue
            mods = [c for c in tok.children if c.dep_ in ("amod", "compound", "nmod", "poss") and c.i < tok.i]
            countries, start = [], tok.i
            for m in mods:
                for t in m.subtree:
                    person = self._at[t.i]
                    if person is not None and person.kind == "person" and person.country \
                            and lemma in _GOVERNMENT_NOUNS and person.country not in countries:
                        countries.append(person.country)  # "the Bush administration"
                        continue
                    if is_attitude(t):
                        continue  # "an anti-Syria journalist" is no Syrian
                    ent = self._ent_of(t)
                    k, key = kb_kind(ent)
                    if k in ("nationality", "country", "capital") and key not in countries:
                        countries.append(key)
                    elif k == "place" and self.kb.places[key].country not in (None, *countries):
                        countries.append(self.kb.places[key].country)
                start = min(start, m.left_edge.i)
            if any(self.taken[i] for i in range(start, tok.i)):
                start = tok.i
            # a title word that heads a person ("the spokeswoman, Maria Zakharova") is the person's
            if any(c.dep_ == "appos" and c.ent_type_ == "PERSON" for c in tok.children):
                continue
            if title and not row and tok.dep_ == "compound" and tok.head.ent_type_ == "PERSON":
                continue  # "President Francois Mitterand": the title is the name's, not another president
            self.group(tok, countries, start)
        for ent in ents:
            kind, _ = kb_kind(ent)
            if kind == "nationality" and not self.taken[ent.start]:
                self.nationals(ent)
        self.context_countries()
        order = sorted(range(len(self.actors)), key=lambda i: self.actors[i].start)
        actors = [self.actors[i] for i in order]
        spans = [self._tokens[i] for i in order]
        at = [-1] * len(doc)
        for n, (s, e) in enumerate(spans):
            for i in range(s, e):
                at[i] = n
        return actors, self.entities, at


class ActorsComponent:
    def __init__(self, nlp: Language, name: str, knowledge: str = ""):
        self.name = name
        self.kb = load_knowledge(knowledge or None)

    def __call__(self, doc: Doc) -> Doc:
        actors, entities, at = ActorResolver(self.kb, doc).run()
        doc._.ew_actors = actors
        doc._.ew_entities = entities
        doc._.ew_actor_at = at
        return doc


@Language.factory(
    FACTORY,
    default_config={"knowledge": ""},
    assigns=["doc._.ew_actors", "doc._.ew_entities", "doc._.ew_actor_at"],
    requires=["doc.ents", "token.dep", "token.lemma", "token.tag"],
)
def make_actors(nlp: Language, name: str, knowledge: str) -> ActorsComponent:
    return ActorsComponent(nlp, name, knowledge)
