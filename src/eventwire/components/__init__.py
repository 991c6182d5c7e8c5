"""eventwire's spaCy components, one per stage, in pipeline order.

Stage versions are named ``eventwire.STAGE.vN``; spaCy forbids dots in factory names, so each
factory is registered as ``eventwire_STAGE_vN``.

======================================  =======================================================
``eventwire.paragraphs.v1``             line breaks end sentences (runs before the parser)
``eventwire.knowledge_ruler.v1``        countries, demonyms, capitals, places, bodies, people (before and
                                        after the statistical NER)
``eventwire.actors.v1``                 actor mentions resolved to country and sector
``eventwire.dates.v1``                  time expressions resolved against the publication date
``eventwire.places.v1``                 place mentions resolved to coordinates; metonyms
``eventwire.quotes.v1``                 who said what: direct, indirect and mixed quotes
``eventwire.events.v1``                 who did what to whom: CAMEO and PLOVER events
======================================  =======================================================

Each one writes its records (``eventwire.records``) to a ``Doc._.ew_*`` attribute and reads only
what the earlier ones wrote, as its factory declares.
"""

from . import actors, dates, events, knowledge_ruler, paragraphs, places, quotes  # noqa: F401  (registers factories)
from .state import ensure_extensions

__all__ = ["ensure_extensions", "PIPELINE", "BEFORE_PARSER"]

#: Runs before the parser, so that headlines and paragraphs are never one sentence.
BEFORE_PARSER = [(paragraphs, "ew_paragraphs")]

#: (module, component name) in the order they run after the statistical pipeline.
PIPELINE = [
    (knowledge_ruler, "ew_knowledge_ruler"),
    (actors, "ew_actors"),
    (dates, "ew_dates"),
    (places, "ew_places"),
    (quotes, "ew_quotes"),
    (events, "ew_events"),
]
