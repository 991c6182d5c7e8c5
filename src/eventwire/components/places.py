"""``eventwire.places.v1``: place mentions, resolved to a country and coordinates.

Every GPE, LOC or FAC entity becomes a ``Place``. Names the knowledge base knows get their state and
coordinates (a country its centroid, a capital its city, a region its centre). Other GPE names are looked
up in the GeoNames gazetteer (``knowledge/gazetteer.py``), ranked by the countries the document itself
mentions, then by population; what neither knows is kept with its text and no coordinates. ``role`` says how the text uses the
place: ``location`` (after "in", "at", "near" ...), ``actor`` (a capital or state acting: "Moscow
failed to honor", its government is the actor) or ``mention``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..knowledge import load_knowledge
from ..knowledge.gazetteer import load_gazetteer
from ..records import Place
from .actors import LOCATIVE, kb_kind

VERSION = "eventwire.places.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_places_v1"  # spaCy forbids dots in factory names


class PlacesComponent:
    def __init__(self, nlp: Language, name: str, knowledge: str = "", gazetteer: bool = True):
        self.name = name
        self.kb = load_knowledge(knowledge or None)
        self.use_gazetteer = gazetteer

    def resolve(self, ent: Span, context: dict[str, int] | None = None
                ) -> tuple[str | None, str | None, float | None, float | None, str | None, int | None]:
        """(name, country, lat, lon, feature, geonameid) of a place entity."""
        kind, key = kb_kind(ent)
        if kind == "country":
            c = self.kb.countries[key]
            return c.name, c.iso3, c.lat, c.lon, "country", None
        if kind == "capital":
            c = self.kb.countries[key]
            return c.capital, c.iso3, c.capital_lat, c.capital_lon, "capital", None
        if kind == "place":
            p = self.kb.places[key]
            return p.name, p.country, p.lat, p.lon, p.feature, p.geonameid
        text = ent.text[:-2] if ent.text.endswith(("'s", "’s")) else ent.text
        if ent.label_ == "GPE" and text[:1].isupper():
            gazetteer = load_gazetteer() if self.use_gazetteer else None
            hit = gazetteer.resolve(text, context) if gazetteer is not None else None
            if hit is not None:
                return hit.name, hit.country, hit.latitude, hit.longitude, "city", hit.geonameid
        return ent.text, None, None, None, None, None

    def __call__(self, doc: Doc) -> Doc:
        at = doc._.ew_actor_at or [-1] * len(doc)
        places: list[Place] = []
        context: dict[str, int] = {}  # the countries this document names, for ranking namesakes
        for ent in doc.ents:
            kind, key = kb_kind(ent)
            country = key if kind in ("country", "capital", "nationality") else (
                self.kb.places[key].country if kind == "place" else None)
            if country:
                context[country] = context.get(country, 0) + 1
        for ent in doc.ents:
            kind, _ = kb_kind(ent)
            if ent.label_ not in ("GPE", "LOC", "FAC") and kind not in ("country", "capital", "place"):
                continue
            end = ent.end
            while end > ent.start + 1 and doc[end - 1].text in ("'s", "’s", "'", "’"):
                end -= 1
            span = doc[ent.start : end]
            name, country, lat, lon, feature, gid = self.resolve(ent, context)
            root = span.root
            if at[span.start] >= 0:
                role = "actor"
            elif root.dep_ == "pobj" and root.head.lower_ in LOCATIVE:
                role = "location"
            else:
                role = "mention"
            places.append(Place(text=span.text, start=span.start_char, end=span.end_char, name=name, country=country,
                                latitude=lat, longitude=lon, geonameid=gid, feature=feature, role=role))
        doc._.ew_places = places
        return doc


@Language.factory(
    FACTORY,
    default_config={"knowledge": "", "gazetteer": True},
    assigns=["doc._.ew_places"],
    requires=["doc.ents", "doc._.ew_actor_at"],
)
def make_places(nlp: Language, name: str, knowledge: str, gazetteer: bool) -> PlacesComponent:
    return PlacesComponent(nlp, name, knowledge, gazetteer)
