"""The exceptions eventwire raises. Every message names the input and says what to do next.

    EventwireError
     ├── InputError       a document cannot be read or coded (empty, binary, not UTF-8, too large)
     ├── ModelError       the spaCy pipeline cannot be loaded
     ├── KnowledgeError   a knowledge table is missing or malformed
     └── StoreError       the database cannot be opened or written
"""

from __future__ import annotations

__all__ = ["EventwireError", "InputError", "ModelError", "KnowledgeError", "StoreError"]


class EventwireError(Exception):
    """Base class of every error eventwire raises on purpose."""


class InputError(EventwireError):
    """A document cannot be read or coded. ``source`` names the input."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class ModelError(EventwireError):
    """The spaCy pipeline cannot be loaded."""


class KnowledgeError(EventwireError):
    """A knowledge table is missing or malformed."""


class StoreError(EventwireError):
    """The database cannot be opened or written."""
