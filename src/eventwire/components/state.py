"""The Doc extension attributes our components read and write.

Everything lives on the Doc (no module-level mutable state): each attribute defaults to None and is
set by exactly one component.

=====================  ==============================  ===========================
attribute              written by                      holds
=====================  ==============================  ===========================
``ew_published``       the caller, before the pipe     ``datetime.date`` or None
``ew_actors``          eventwire.actors.v1             list[Actor] sorted by start
``ew_entities``        eventwire.actors.v1             list[dict]: in-document referents
``ew_actor_at``        eventwire.actors.v1             list[int]: token index -> actor index or -1
``ew_dates``           eventwire.dates.v1              list[TimeExpr]
``ew_places``          eventwire.places.v1             list[Place]
``ew_quotes``          eventwire.quotes.v1             list[Quote]
``ew_events``          eventwire.events.v1             list[Event]
``ew_nonfactual_events``  eventwire.events.v1          list[Event]: negated, hypothetical, alleged
=====================  ==============================  ===========================
"""

from __future__ import annotations

from spacy.tokens import Doc

ATTRIBUTES = (
    "ew_published",
    "ew_actors",
    "ew_entities",
    "ew_actor_at",
    "ew_dates",
    "ew_places",
    "ew_quotes",
    "ew_events",
    "ew_nonfactual_events",
)


def ensure_extensions() -> None:
    """Register the Doc attributes once per process (spaCy keeps them on the Doc class)."""
    for name in ATTRIBUTES:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


ensure_extensions()
