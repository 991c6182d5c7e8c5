"""Typed records and the JSON output contract.

Every record is a small dataclass with ``to_dict()``; ``Document.to_dict()`` is the JSON contract that
``docs/output.md`` describes and ``tests/test_contract.py`` checks. Offsets (``start``, ``end``) are
character offsets into ``Document.text`` exactly as given: nothing is normalised, so curly quotes and
non-ASCII characters keep their positions. CAMEO codes are strings (``"010"`` is not ``"10"``).
Countries are ISO 3166-1 alpha-3, or ``"IGO"`` for international organisations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = [
    "Span",
    "ActorRef",
    "Actor",
    "Quote",
    "Event",
    "Place",
    "TimeExpr",
    "Document",
    "CONTRACT_VERSION",
]

#: Bumped whenever a field of the contract changes meaning or disappears.
CONTRACT_VERSION = "1.0"


@dataclass(slots=True)
class Span:
    """A stretch of the document text."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(slots=True)
class ActorRef:
    """An actor as it fills an event slot or a quote's speaker: the mention and what it resolves to."""

    start: int
    end: int
    text: str
    name: str | None = None
    country: str | None = None
    sector: str | None = None
    kind: str | None = None
    resolved: bool = False
    canonical: str | None = None  # the knowledge base's name, when it knows the actor
    via: str | None = None  # how it was resolved (kb, title, appositive, metonym, modifier, coref, location)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Actor:
    """A mention of an actor (person, organisation, state, group) and what it resolves to.

    ``name`` is the fullest form the document itself uses ("Armen Grigorian"); ``canonical`` is the
    knowledge base's name for the same actor ("Armen Grigoryan"), for joining across documents.
    ``kind`` is one of person, org, igo, ngo, country, government, group. ``resolved`` is True when
    the country and sector come from the knowledge base or from the document itself (a title, an
    appositive, an earlier mention), False when they are a best guess or missing.
    """

    text: str
    start: int
    end: int
    name: str | None
    country: str | None
    sector: str | None
    kind: str
    resolved: bool
    entity: int | None = None  # index of the in-document entity this mention belongs to
    role: str | None = None  # office or title, when known ("Prime Minister")
    via: str | None = None  # how it was resolved: kb, title, appositive, coref, context
    canonical: str | None = None  # the knowledge base's name, when it knows the actor
    also: tuple[str, ...] = ()  # other countries in a compound mention ("Russian and Chinese diplomats")

    def ref(self) -> ActorRef:
        return ActorRef(
            self.start, self.end, self.text, self.name, self.country, self.sector, self.kind, self.resolved,
            self.canonical, self.via,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Quote:
    """Who said what. ``kind`` is direct (in quote marks), indirect (reported speech) or mixed."""

    id: str
    kind: str
    content: Span
    cue: dict[str, Any] | None  # {start, end, text, lemma}
    speaker: ActorRef | None
    addressee: ActorRef | None = None
    confidence: float = 0.5
    sentence: Span | None = None
    relayed_by: ActorRef | None = None  # "according to the Kremlin's readout, Putin said ...": the Kremlin

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "content": self.content.to_dict(),
            "cue": self.cue,
            "speaker": self.speaker.to_dict() if self.speaker else None,
            "addressee": self.addressee.to_dict() if self.addressee else None,
            "confidence": round(self.confidence, 3),
            "sentence": self.sentence.to_dict() if self.sentence else None,
            "relayed_by": self.relayed_by.to_dict() if self.relayed_by else None,
        }


@dataclass(slots=True)
class Place:
    """A place mention and where it is. ``role``: location (where something happened or is),
    actor (a capital standing for its government) or mention."""

    text: str
    start: int
    end: int
    name: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    geonameid: int | None = None
    feature: str | None = None
    role: str = "mention"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class TimeExpr:
    """A time expression and its value given the publication date (YYYY, YYYY-MM or YYYY-MM-DD)."""

    text: str
    start: int
    end: int
    value: str | None
    precision: str | None  # day, month, year, or None when it could not be resolved
    value_end: str | None = None  # the end of a range ("from Monday to Wednesday"), else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Event:
    """Who did what to whom: one coded event and the words it came from."""

    id: str
    cameo: str
    plover: str | None
    mode: str | None
    context: str | None
    goldstein: float | None
    quad: int | None
    source: ActorRef | None
    target: ActorRef | None
    trigger: Span
    sentence: Span
    date: str | None = None
    date_precision: str | None = None
    location: dict[str, Any] | None = None
    negated: bool = False
    modality: str = "asserted"
    reported_by: str | None = None
    confidence: float = 0.5
    coder: str = ""
    rule: str | None = None  # which knowledge row fired, for explanation
    sources: list[ActorRef] = field(default_factory=list)  # every party on the source side
    targets: list[ActorRef] = field(default_factory=list)  # every party on the target side
    reciprocal: bool = False  # "X and Y met": coded once, the parties on both sides
    date_source: str | None = None  # text (a time expression in the sentence) or published

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "plover": self.plover,
            "mode": self.mode,
            "context": self.context,
            "cameo": self.cameo,
            "goldstein": self.goldstein,
            "quad": self.quad,
            "source": self.source.to_dict() if self.source else None,
            "target": self.target.to_dict() if self.target else None,
            "trigger": self.trigger.to_dict(),
            "sentence": self.sentence.to_dict(),
            "date": self.date,
            "date_precision": self.date_precision,
            "location": self.location,
            "negated": self.negated,
            "modality": self.modality,
            "reported_by": self.reported_by,
            "confidence": round(self.confidence, 3),
            "coder": self.coder,
            "rule": self.rule,
            "sources": [a.to_dict() for a in self.sources],
            "targets": [a.to_dict() for a in self.targets],
            "reciprocal": self.reciprocal,
            "date_source": self.date_source,
        }


@dataclass(slots=True)
class Document:
    """One coded article: its text and metadata, and every record found in it."""

    id: str
    text: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    url: str | None = None
    origin: str | None = None  # where the text was read from: a file (and line or row), a feed item, a URL
    sentences: list[Span] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    nonfactual_events: list[Event] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    dates: list[TimeExpr] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coders: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contract": CONTRACT_VERSION,
            "text": self.text,
            "title": self.title,
            "published": self.published,
            "source": self.source,
            "url": self.url,
            "origin": self.origin,
            "sentences": [{"start": s.start, "end": s.end} for s in self.sentences],
            "actors": [a.to_dict() for a in self.actors],
            "quotes": [q.to_dict() for q in self.quotes],
            "events": [e.to_dict() for e in self.events],
            "nonfactual_events": [e.to_dict() for e in self.nonfactual_events],
            "places": [p.to_dict() for p in self.places],
            "dates": [d.to_dict() for d in self.dates],
            "warnings": list(self.warnings),
            "coders": dict(self.coders),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a ``Document`` from ``to_dict()`` (or that dict after a trip through JSON).

        The inverse of ``to_dict``: ``Document.from_dict(d.to_dict()).to_dict() == d.to_dict()``, and given
        full-precision confidences (``to_dict`` rounds them to 3 places) the rebuilt document equals the
        original field for field. Sentence texts, which the contract leaves out, come back from the text.
        """
        return _document_from_dict(cls, data)


# ---------------------------------------------------------------------------- rebuilding from the contract
def _span(d: dict[str, Any] | None) -> Span | None:
    return None if d is None else Span(d["start"], d["end"], d["text"])


def _ref(d: dict[str, Any] | None) -> ActorRef | None:
    return None if d is None else _build(ActorRef, d)


# how a field's value comes back from JSON, by the field's declared type; other values are taken as they are
_FROM_JSON = {
    "Span": _span,
    "Span | None": _span,
    "ActorRef": _ref,
    "ActorRef | None": _ref,
    "list[ActorRef]": lambda v: [_ref(a) for a in v or []],
    "tuple[str, ...]": lambda v: tuple(v or ()),
}


def _build(cls, d: dict[str, Any]):
    """A record of type ``cls`` from its dict; keys the record does not have are ignored, missing ones
    take the field's default."""
    kwargs = {}
    for f in fields(cls):
        if f.name in d:
            convert = _FROM_JSON.get(f.type)
            kwargs[f.name] = convert(d[f.name]) if convert else d[f.name]
    return cls(**kwargs)


def _document_from_dict(cls, data: dict[str, Any]) -> Document:
    contract = str(data.get("contract") or CONTRACT_VERSION)
    if contract.split(".")[0] != CONTRACT_VERSION.split(".")[0]:
        raise ValueError(f"document {data.get('id')} has contract version {contract}; this eventwire reads {CONTRACT_VERSION}")
    text = data["text"]
    return cls(
        id=data["id"], text=text, title=data.get("title"), published=data.get("published"),
        source=data.get("source"), url=data.get("url"), origin=data.get("origin"),
        sentences=[Span(s["start"], s["end"], text[s["start"] : s["end"]]) for s in data.get("sentences") or []],
        actors=[_build(Actor, a) for a in data.get("actors") or []],
        quotes=[_build(Quote, q) for q in data.get("quotes") or []],
        events=[_build(Event, e) for e in data.get("events") or []],
        nonfactual_events=[_build(Event, e) for e in data.get("nonfactual_events") or []],
        places=[_build(Place, p) for p in data.get("places") or []],
        dates=[_build(TimeExpr, t) for t in data.get("dates") or []],
        warnings=list(data.get("warnings") or []),
        coders=dict(data.get("coders") or {}),
    )
