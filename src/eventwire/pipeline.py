"""Coding documents: text in, ``Document`` records out.

``code_text`` codes one text; ``code_documents`` streams many through ``nlp.pipe`` in batches and yields,
for each input, either its ``Document`` or the ``InputError`` that says why it could not be coded; one
bad input never stops the others. Long texts are coded in paragraph-aligned chunks and their offsets
put back in place; texts over ``max_chars`` are refused with a clear error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from .errors import InputError
from .nlp import coder_versions, load_pipeline
from .people import PeopleBook
from .records import Document, Span

__all__ = ["SourceDoc", "code_text", "code_documents", "document_id", "parse_published", "MAX_CHARS", "CHUNK_CHARS"]

MAX_CHARS = 2_000_000
CHUNK_CHARS = 100_000
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class SourceDoc:
    """A document to code, and where it came from."""

    text: str
    name: str = "<text>"
    title: str | None = None
    published: str | None = None
    source: str | None = None
    url: str | None = None


def document_id(text: str) -> str:
    """The content hash that identifies a document: the same text is the same document."""
    # surrogatepass: a text holding a lone surrogate (which no reader produces, and which the coder refuses)
    # still has a name, so that it can be reported and looked up; valid text hashes as plain UTF-8
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def parse_published(value: str | dt.date | None, name: str = "<text>") -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(name, f"publication date {value!r} is not YYYY-MM-DD") from None


def _chunks(text: str, size: int) -> list[tuple[int, str]]:
    """(offset, piece) cuts at paragraph, then line, then sentence-ish boundaries."""
    if len(text) <= size:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            for sep in ("\n\n", "\n", ". ", " "):
                cut = text.rfind(sep, start + size // 2, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        out.append((start, text[start:end]))
        start = end
    return out


def _shift(obj, offset: int, seen: set[int] | None = None):
    """Move every start/end in a record tree by ``offset`` characters. A record reached twice (an event's
    ``source`` is also the first of its ``sources``) is moved once."""
    if offset == 0:
        return obj
    if seen is None:
        seen = set()
    if dataclasses.is_dataclass(obj) or isinstance(obj, (dict, list)):
        if id(obj) in seen:
            return obj
        seen.add(id(obj))
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name in ("start", "end") and isinstance(value, int):
                setattr(obj, f.name, value + offset)
            else:
                _shift(value, offset, seen)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("start", "end") and isinstance(v, int):
                obj[k] = v + offset
            else:
                _shift(v, offset, seen)
    elif isinstance(obj, list):
        for v in obj:
            _shift(v, offset, seen)
    return obj


def _records(doc: Doc, offset: int, full_text: str, prefix: str = "") -> dict:
    """The records of one parsed chunk, with offsets into the whole text (ids prefixed per chunk)."""
    parts = {
        "sentences": [Span(s.start_char, s.end_char, s.text) for s in doc.sents],
        "actors": list(doc._.ew_actors or []),
        "quotes": list(doc._.ew_quotes or []),
        "events": list(doc._.ew_events or []),
        "nonfactual_events": list(doc._.ew_nonfactual_events or []),
        "places": list(doc._.ew_places or []),
        "dates": list(doc._.ew_dates or []),
    }
    seen: set[int] = set()
    for v in parts.values():
        _shift(v, offset, seen)
    for s in parts["sentences"]:
        s.text = full_text[s.start : s.end]
    if prefix:
        for q in parts["quotes"]:
            q.id = prefix + q.id
        for e in parts["events"] + parts["nonfactual_events"]:
            e.id = prefix + e.id
            if e.reported_by:
                e.reported_by = prefix + e.reported_by
    return parts


def _validate(src: SourceDoc, max_chars: int) -> None:
    if not src.text.strip():
        raise InputError(src.name, "is empty: there is no text to code")
    if "\x00" in src.text:
        raise InputError(src.name, "contains NUL bytes: it looks like a binary file, not text")
    for key in ("text", "title", "source", "url"):
        value = getattr(src, key)
        bad = _SURROGATE.search(value) if isinstance(value, str) else None
        if bad:
            raise InputError(src.name, f"has a lone surrogate in its {key} (U+{ord(bad.group()):04X} at character "
                                       f"{bad.start()}), which is not valid Unicode text; fix the text or the escape "
                                       "that produced it")
    if len(src.text) > max_chars:
        raise InputError(
            src.name,
            f"is {len(src.text):,} characters, over the limit of {max_chars:,}; split it, or raise the limit with --max-chars",
        )


def code_documents(
    sources: Iterable[SourceDoc | InputError],
    nlp: Language | None = None,
    *,
    model: str | None = None,
    batch_size: int = 32,
    max_chars: int = MAX_CHARS,
    chunk_chars: int = CHUNK_CHARS,
    people: PeopleBook | None = None,
) -> Iterator[Document | InputError]:
    """Code documents in input order, ``batch_size`` at a time through ``nlp.pipe``. Inputs that
    cannot be coded come back as ``InputError`` (an ``InputError`` given as input, from a reader,
    passes straight through). ``people`` adds the user's and the store's knowledge of people
    (``eventwire.people``)."""
    nlp = nlp or load_pipeline(model)
    coders = coder_versions(nlp)
    batch: list[SourceDoc | InputError] = []
    for src in sources:
        batch.append(src)
        if len(batch) >= batch_size:
            yield from _code_batch(batch, nlp, coders, batch_size, max_chars, chunk_chars, people)
            batch = []
    if batch:
        yield from _code_batch(batch, nlp, coders, batch_size, max_chars, chunk_chars, people)


def _code_batch(batch, nlp, coders, batch_size, max_chars, chunk_chars, people=None) -> Iterator[Document | InputError]:
    plans: list[InputError | tuple[SourceDoc, dt.date | None, list[int]]] = []
    docs: list[Doc] = []
    for src in batch:
        if isinstance(src, InputError):
            plans.append(src)
            continue
        try:
            _validate(src, max_chars)
            published = parse_published(src.published, src.name)
        except InputError as exc:
            plans.append(exc)
            continue
        offsets = []
        for offset, piece in _chunks(src.text, chunk_chars):
            doc = nlp.make_doc(piece)
            doc._.ew_published = published
            if people is not None:
                doc.user_data["ew_people"] = people
            docs.append(doc)
            offsets.append(offset)
        plans.append((src, published, offsets))
    parsed = iter(nlp.pipe(docs, batch_size=batch_size))
    for plan in plans:
        if isinstance(plan, InputError):
            yield plan
            continue
        src, published, offsets = plan
        document = Document(
            id=document_id(src.text), text=src.text, title=src.title,
            published=published.isoformat() if published else None,
            source=src.source or src.name, url=src.url, coders=dict(coders),
        )
        if published is None:
            document.warnings.append("no publication date: relative dates are unresolved and events undated; pass --published")
        for offset in offsets:
            parts = _records(next(parsed), offset, src.text, prefix=f"c{offset}-" if len(offsets) > 1 else "")
            for k, v in parts.items():
                getattr(document, k).extend(v)
        yield document


def code_text(
    text: str,
    published: str | dt.date | None = None,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    model: str | None = None,
    nlp: Language | None = None,
) -> Document:
    """Code one text. Raises ``InputError`` when it cannot be coded."""
    if isinstance(published, dt.date):
        published = published.isoformat()
    src = SourceDoc(text=text, name=source or "<text>", title=title, published=published, source=source, url=url)
    result = next(code_documents([src], nlp, model=model))
    if isinstance(result, InputError):
        raise result
    return result
