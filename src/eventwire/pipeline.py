"""Coding documents: text in, ``Document`` records out.

``code_text`` codes one text; ``code_documents`` streams many through the spaCy pipeline in batches and
yields, for each input, either its ``Document`` or the ``InputError`` that says why it could not be coded;
one bad input never stops the others. Long texts are coded in paragraph-aligned chunks and their offsets
put back in place; texts over ``max_chars`` are refused with a clear error; sentences over
``max_sentence_tokens`` are split; a document over ``doc_timeout`` seconds is stopped and reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from .errors import InputError
from .nlp import coder_versions, load_pipeline
from .people import PeopleBook
from .records import Document, Span

__all__ = ["SourceDoc", "code_text", "code_documents", "document_id", "parse_published", "MAX_CHARS", "CHUNK_CHARS",
           "MAX_SENTENCE_TOKENS"]

MAX_CHARS = 2_000_000
CHUNK_CHARS = 100_000
#: No sentence is longer (in tokens): longer runs are split (see ``code_documents``).
MAX_SENTENCE_TOKENS = 200
#: A run of more characters without whitespace is tokenized in slices (see ``_tokenize``).
LONG_RUN_CHARS = 500
_RUN_SLICE = 100
_LONG_RUN = re.compile(r"\S{%d,}" % (LONG_RUN_CHARS + 1))
_SENTENCE_END = {".", "!", "?", "...", "…", "。", "؟", "!", "?"}
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
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(name, f"has a publication date that is {type(value).__name__}, not a YYYY-MM-DD string")
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
    if not isinstance(src.text, str):
        raise InputError(src.name, f"has a text that is {type(src.text).__name__}, not a string")
    for key in ("title", "source", "url"):
        value = getattr(src, key)
        if value is not None and not isinstance(value, str):
            raise InputError(src.name, f"has a {key} that is {type(value).__name__}, not a string")
    if not src.text.strip():
        raise InputError(src.name, "is empty: there is no text to code")
    if "\x00" in src.text:
        raise InputError(src.name, "contains NUL bytes: it looks like a binary file, not text")
    if len(src.text) > max_chars:
        raise InputError(
            src.name,
            f"is {len(src.text):,} characters, over the limit of {max_chars:,}; split it, or raise the limit with --max-chars",
        )
    for key in ("text", "title", "source", "url"):
        value = getattr(src, key)
        bad = _SURROGATE.search(value) if isinstance(value, str) else None
        if bad:
            raise InputError(src.name, f"has a lone surrogate in its {key} (U+{ord(bad.group()):04X} at character "
                                       f"{bad.start()}), which is not valid Unicode text; fix the text or the escape "
                                       "that produced it")


# ---------------------------------------------------------------------------------------------- limits
def _tokenize(nlp: Language, text: str) -> Doc:
    """``nlp.make_doc(text)``, except that a run of more than ``LONG_RUN_CHARS`` characters without
    whitespace is tokenized in slices of ``_RUN_SLICE`` characters. spaCy's tokenizer takes time quadratic
    in the length of such a run when it is made of symbols or punctuation that it splits off one by one
    (a run of 2,000 emoji or "%" signs took two to four seconds, and the time grows with the square of the
    length); no word of real text is that long. The text is
    unchanged: the slices' docs are joined without adding anything."""
    runs = list(_LONG_RUN.finditer(text))
    if not runs:
        return nlp.make_doc(text)
    pieces, at = [], 0
    for m in runs:
        if m.start() > at:
            pieces.append(text[at:m.start()])
        end = m.end() + (1 if text[m.end():m.end() + 1] == " " else 0)  # the run's last token keeps its space
        pieces.extend(text[i:min(i + _RUN_SLICE, end)] for i in range(m.start(), end, _RUN_SLICE))
        at = end
    if at < len(text):
        pieces.append(text[at:])
    doc = Doc.from_docs([nlp.make_doc(p) for p in pieces], ensure_whitespace=False)
    assert doc.text == text  # from_docs joins the texts as they are
    return doc


class _Overtime(BaseException):
    """Raised inside the pipeline when a document's time is up. A ``BaseException``, so that no
    ``except Exception`` in a component or a library swallows it on its way out."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[float | None]:
    """Give the block ``seconds`` of wall-clock time; yields the deadline (``time.monotonic()``).

    In the main thread of a process (the command line, the local worker processes) a ``SIGALRM`` timer
    raises ``_Overtime`` wherever the block is, even inside a component. Elsewhere (a thread: Dask
    workers, a web server) signals cannot be used, and the deadline is only checked between pipeline
    stages by the caller. The previous ``SIGALRM`` handler is put back, and a timer someone else had
    running gets back the time it had left."""
    if seconds is None:
        yield None
        return
    started = time.monotonic()
    deadline = started + seconds
    use_signal = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if not use_signal:
        yield deadline
        return

    def on_alarm(signum, frame):
        raise _Overtime()

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous_handler)
            if previous_timer[0] > 0:
                left = previous_timer[0] - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), previous_timer[1])


def _is_natural_end(token) -> bool:
    return token.text in _SENTENCE_END or "\n" in token.text_with_ws


def _split_long_runs(doc: Doc, limit: int) -> int:
    """Before parsing: in every run of more than ``limit`` tokens without a sentence-ending mark or a line
    break, start a sentence every ``limit`` tokens (the parser keeps boundaries already set). Returns how
    many runs were split."""
    if not limit or len(doc) <= limit:
        return 0
    split, run, cut_this_run = 0, 0, False
    for token in doc:
        if run >= limit and token.i > 0:
            token.is_sent_start = True
            run = 0
            if not cut_this_run:
                split, cut_this_run = split + 1, True
        run += 1
        if _is_natural_end(token):
            run, cut_this_run = 0, False
    return split


def _resplit(nlp: Language, doc: Doc, limit: int) -> Doc | None:
    """After parsing: a new, unparsed copy of ``doc`` whose sentences are preset as the parser found them,
    with a start every ``limit`` tokens inside any that is longer (the parser may run punctuated text
    together); ``None`` when none is longer."""
    sents = [(s.start, s.end) for s in doc.sents]
    if all(end - start <= limit for start, end in sents):
        return None
    fresh = _tokenize(nlp, doc.text)
    fresh.user_data.update(doc.user_data)  # the publication date, the people book
    for start, end in sents:
        for i in range(start, end, limit):
            if i > 0:
                fresh[i].is_sent_start = True
    return fresh


def _stages(nlp: Language) -> tuple[list, list]:
    """The pipeline's components up to the one that sets sentences (the parser), and the rest."""
    names = nlp.pipe_names
    cut = next((names.index(n) + 1 for n in ("parser", "senter") if n in names), 0)
    return nlp.pipeline[:cut], nlp.pipeline[cut:]


def _run(components, docs: list[Doc], batch_size: int, deadline: float | None) -> list[Doc]:
    for name, proc in components:
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            docs = [proc(d) for d in docs]
        if deadline is not None and time.monotonic() > deadline:
            raise _Overtime()  # checked between stages too, for threads where no alarm can interrupt
    return docs


def _parse(nlp: Language, docs: list[Doc], batch_size: int, max_sentence_tokens: int,
           deadline: float | None = None) -> tuple[list[Doc], list[int]]:
    """Run the pipeline on ``docs``; every sentence ends up at most ``max_sentence_tokens`` tokens long.
    Returns the docs and, for each, how many over-long runs or sentences were split."""
    first, rest = _stages(nlp)
    splits = [_split_long_runs(d, max_sentence_tokens) for d in docs]
    docs = _run(first, docs, batch_size, deadline)
    if max_sentence_tokens and first:
        for i, d in enumerate(docs):
            fresh = _resplit(nlp, d, max_sentence_tokens)
            if fresh is not None:
                docs[i] = _run(first, [fresh], batch_size, deadline)[0]
                splits[i] += sum(1 for s in d.sents if len(s) > max_sentence_tokens)
    return _run(rest, docs, batch_size, deadline), splits


# ---------------------------------------------------------------------------------------------- coding
def code_documents(
    sources: Iterable[SourceDoc | InputError],
    nlp: Language | None = None,
    *,
    model: str | None = None,
    batch_size: int = 32,
    max_chars: int = MAX_CHARS,
    chunk_chars: int = CHUNK_CHARS,
    people: PeopleBook | None = None,
    max_sentence_tokens: int = MAX_SENTENCE_TOKENS,
    doc_timeout: float | None = None,
) -> Iterator[Document | InputError]:
    """Code documents in input order, ``batch_size`` at a time. Inputs that cannot be coded come back as
    ``InputError`` (an ``InputError`` given as input, from a reader, passes straight through); one bad
    input never stops the others. ``people`` adds the user's and the store's knowledge of people
    (``eventwire.people``).

    Limits:

    * ``max_chars``: a longer text is refused (``InputError``); texts over ``chunk_chars`` are coded in
      paragraph-aligned chunks whose offsets are put back in place.
    * ``max_sentence_tokens`` (0: none): no sentence is longer. Over-long sentences are **split**, not
      skipped: a run of more tokens without a sentence-ending mark (``.``, ``!``, ``?``) or a line break
      gets a sentence start every ``max_sentence_tokens`` tokens before parsing, and a sentence the
      parser still makes longer is cut the same way and parsed again. Every stage then runs on
      every piece (so the pieces keep their events and quotes, and the parser and the rules never see a
      10,000-token sentence); the document carries a warning saying how many were split.
    * ``doc_timeout`` (seconds, ``None``: none): a document that takes longer is stopped and reported
      as an ``InputError``, and the others go on. In the main thread of a process (the command line, the
      local worker processes) a ``SIGALRM`` timer interrupts it wherever it is; in other threads
      (Dask workers, a web server) the time is checked between pipeline stages. With a limit, documents
      go through the pipeline one at a time instead of in batches.

    A document on which a component raises is reported as an ``InputError`` ("a bug in eventwire")
    rather than stopping the run."""
    if doc_timeout is not None and not doc_timeout > 0:
        raise ValueError(f"doc_timeout must be a positive number of seconds, not {doc_timeout!r}")
    if max_sentence_tokens < 0:
        raise ValueError(f"max_sentence_tokens must be 0 (no limit) or more, not {max_sentence_tokens!r}")
    nlp = nlp or load_pipeline(model)
    limits = _Limits(coder_versions(nlp), batch_size, max_chars, chunk_chars, max_sentence_tokens, doc_timeout)
    batch: list[SourceDoc | InputError] = []
    for src in sources:
        batch.append(src)
        if len(batch) >= batch_size:
            yield from _code_batch(batch, nlp, limits, people)
            batch = []
    if batch:
        yield from _code_batch(batch, nlp, limits, people)


@dataclass(slots=True)
class _Limits:
    coders: dict
    batch_size: int
    max_chars: int
    chunk_chars: int
    max_sentence_tokens: int
    doc_timeout: float | None


def _plan(src: SourceDoc, limits: _Limits) -> tuple[dt.date | None, list[tuple[int, str]]]:
    """Check ``src``; its publication date and its chunks. Raises ``InputError``."""
    _validate(src, limits.max_chars)
    return parse_published(src.published, src.name), _chunks(src.text, limits.chunk_chars)


def _make_docs(nlp: Language, pieces: list[tuple[int, str]], published, people) -> list[Doc]:
    docs = []
    for _, piece in pieces:
        doc = _tokenize(nlp, piece)
        doc._.ew_published = published
        if people is not None:
            doc.user_data["ew_people"] = people
        docs.append(doc)
    return docs


def _document(src: SourceDoc, published, pieces, parsed: list[Doc], splits: list[int], limits: _Limits) -> Document:
    document = Document(
        id=document_id(src.text), text=src.text, title=src.title,
        published=published.isoformat() if published else None,
        source=src.source or src.name, url=src.url, origin=src.name, coders=dict(limits.coders),
    )
    if published is None:
        document.warnings.append("no publication date: relative dates are unresolved and events undated; pass --published")
    if sum(splits):
        document.warnings.append(
            f"{sum(splits)} sentence(s) longer than {limits.max_sentence_tokens} tokens (no full stop or line break) "
            f"were split every {limits.max_sentence_tokens} tokens before coding; raise --max-sentence-tokens to change this")
    for (offset, _), doc in zip(pieces, parsed):
        parts = _records(doc, offset, src.text, prefix=f"c{offset}-" if len(pieces) > 1 else "")
        for k, v in parts.items():
            getattr(document, k).extend(v)
    return document


def _crashed(src: SourceDoc, exc: BaseException) -> InputError:
    return InputError(src.name, f"could not be coded: {type(exc).__name__}: {exc} "
                                "(a bug in eventwire; please report it with this text)")


def _code_one(src: SourceDoc, published, pieces, nlp, limits: _Limits, people) -> Document | InputError:
    """One document alone, within its time limit."""
    try:
        with _time_limit(limits.doc_timeout) as deadline:
            docs = _make_docs(nlp, pieces, published, people)
            parsed, splits = _parse(nlp, docs, limits.batch_size, limits.max_sentence_tokens, deadline)
            return _document(src, published, pieces, parsed, splits, limits)
    except _Overtime:
        return InputError(src.name, f"took longer than the time limit of {limits.doc_timeout:g} s and was stopped "
                                    f"({len(src.text):,} characters); raise the limit with --doc-timeout, or split it")
    except Exception as exc:  # noqa: BLE001 - a component failed on this document: report it, go on
        return _crashed(src, exc)


def _code_batch(batch, nlp, limits: _Limits, people=None) -> Iterator[Document | InputError]:
    plans: list[InputError | tuple] = []
    for src in batch:
        if isinstance(src, InputError):
            plans.append(src)
            continue
        if not isinstance(src, SourceDoc):
            plans.append(InputError(f"<{type(src).__name__} {str(src)[:40]!r}>",
                                    "is not a SourceDoc: wrap each text as SourceDoc(text, name=...)"))
            continue
        try:
            plans.append((src, *_plan(src, limits)))
        except InputError as exc:
            plans.append(exc)
    todo = [p for p in plans if not isinstance(p, InputError)]
    if limits.doc_timeout is not None or len(todo) <= 1:
        for plan in plans:
            yield plan if isinstance(plan, InputError) else _code_one(*plan, nlp, limits, people)
        return
    # no time limit: the whole batch through each stage at once (faster); if a component raises on some
    # document, the batch is coded again one document at a time, so that only that one is reported
    try:
        docs = [d for src, published, pieces in todo for d in _make_docs(nlp, pieces, published, people)]
        parsed, splits = _parse(nlp, docs, limits.batch_size, limits.max_sentence_tokens)
    except Exception:  # noqa: BLE001
        for plan in plans:
            yield plan if isinstance(plan, InputError) else _code_one(*plan, nlp, limits, people)
        return
    at = 0
    for plan in plans:
        if isinstance(plan, InputError):
            yield plan
            continue
        src, published, pieces = plan
        n = len(pieces)
        yield _document(src, published, pieces, parsed[at:at + n], splits[at:at + n], limits)
        at += n


def code_text(
    text: str,
    published: str | dt.date | None = None,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    model: str | None = None,
    nlp: Language | None = None,
    max_sentence_tokens: int = MAX_SENTENCE_TOKENS,
    doc_timeout: float | None = None,
) -> Document:
    """Code one text. Raises ``InputError`` when it cannot be coded (see ``code_documents`` for the limits)."""
    if isinstance(published, dt.date):
        published = published.isoformat()
    src = SourceDoc(text=text, name=source or "<text>", title=title, published=published, source=source, url=url)
    result = next(code_documents([src], nlp, model=model, max_sentence_tokens=max_sentence_tokens,
                                 doc_timeout=doc_timeout))
    if isinstance(result, InputError):
        raise result
    return result
