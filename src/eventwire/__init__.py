"""eventwire: news articles in, checkable event data out.

Who did what to whom, when and where (PLOVER and CAMEO), who said what (quotes with resolved
speakers), and the actors, places and dates behind each mention, every record pointing at its words.

    >>> import eventwire
    >>> doc = eventwire.code_text("Turkey accused Greece of violating its airspace on Monday.", published="2024-05-08")
    >>> [(e.cameo, e.source.country, e.target.country) for e in doc.events]
    [('112', 'TUR', 'GRC')]
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import EventwireError, InputError, KnowledgeError, ModelError, StoreError
from .ingest import read_paths
from .knowledge import KnowledgeBase, load_knowledge
from .nlp import load_pipeline
from .pipeline import SourceDoc, code_documents, code_text, document_id
from .records import Actor, ActorRef, Document, Event, Place, Quote, Span, TimeExpr
from .store import Store

__all__ = [
    "__version__",
    "code_text",
    "code_documents",
    "document_id",
    "read_paths",
    "load_pipeline",
    "load_knowledge",
    "KnowledgeBase",
    "SourceDoc",
    "Store",
    "Document",
    "Actor",
    "ActorRef",
    "Quote",
    "Event",
    "Place",
    "TimeExpr",
    "Span",
    "EventwireError",
    "InputError",
    "ModelError",
    "KnowledgeError",
    "StoreError",
]
