"""What travels between the coordinator and the workers: ``SourceDoc`` and ``Document`` records and
plain tuples, never spaCy objects. ``InputError`` cannot be pickled as it is (its constructor takes two
arguments), so it travels as ``("error", source, problem)``.

``code_chunk`` is the workers' unit of work, shared by the local pool and Dask: it codes a chunk inside
``nlp.memory_zone()`` (so the vocabulary does not grow with the corpus), and when a component raises on
some document it codes the chunk again one document at a time, so only the culprit is reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import resource
import sys
from collections.abc import Iterable, Iterator

from ..errors import InputError
from ..pipeline import SourceDoc, code_documents
from ..records import Document
from .options import CHUNK_BUDGET_CHARS

__all__ = ["to_wire", "from_wire", "chunked", "code_chunk", "chunk_key", "memory_kib", "item_name"]

ErrorTuple = tuple  # ("error", source, problem)


def to_wire(item: SourceDoc | Document | InputError):
    if isinstance(item, InputError):
        return ("error", item.source, item.problem)
    return item


def from_wire(item) -> SourceDoc | Document | InputError:
    if isinstance(item, tuple) and item and item[0] == "error":
        return InputError(item[1], item[2])
    return item


def item_name(item) -> str:
    if isinstance(item, tuple):
        return item[1]
    if isinstance(item, InputError):
        return item.source
    return item.name


def chunked(items: Iterable, size: int, budget_chars: int = CHUNK_BUDGET_CHARS) -> Iterator[list]:
    """Lists of at most ``size`` items and (unless one item alone is longer) ``budget_chars`` characters."""
    chunk: list = []
    chars = 0
    for item in items:
        n = len(item.text) if isinstance(item, SourceDoc) else 0
        if chunk and (len(chunk) >= size or chars + n > budget_chars):
            yield chunk
            chunk, chars = [], 0
        chunk.append(item)
        chars += n
    if chunk:
        yield chunk


def chunk_key(items: list) -> str:
    """A name for a chunk from its contents: the same documents give the same key (and partition file)."""
    h = hashlib.sha256()
    for item in items:
        h.update(item.text.encode("utf-8") if isinstance(item, SourceDoc) else repr(item).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()[:20]


def _zone(nlp, enabled: bool):
    if enabled and hasattr(nlp, "memory_zone"):
        return nlp.memory_zone()
    return contextlib.nullcontext()


def code_chunk(nlp, items: list, *, batch_size: int, max_chars: int, chunk_chars: int,
               memory_zone: bool = True, people=None, **limits) -> list:
    """Code one chunk of wire items; the results as wire items, in the same order. ``limits``:
    ``max_sentence_tokens`` and ``doc_timeout``, passed on to ``code_documents``."""
    sources = [from_wire(i) for i in items]
    kwargs = dict(batch_size=batch_size, max_chars=max_chars, chunk_chars=chunk_chars, people=people,
                  **{k: v for k, v in limits.items() if v is not None or k == "doc_timeout"})
    try:
        with _zone(nlp, memory_zone):
            results = list(code_documents(sources, nlp, **kwargs))
    except Exception:  # a component failed on some document: find which, code the others
        results = []
        for src in sources:
            try:
                with _zone(nlp, memory_zone):
                    results.extend(code_documents([src], nlp, **kwargs))
            except Exception as exc:
                results.append(InputError(item_name(src), f"could not be coded: {type(exc).__name__}: {exc} "
                                          "(a bug in eventwire; please report it with this text)"))
    return [to_wire(r) for r in results]


def memory_kib() -> tuple[int, int]:
    """(resident memory now, peak resident memory) of this process, in KiB.

    On Linux from ``/proc/self/status`` (VmRSS, VmHWM): ``getrusage``'s peak would carry over the peak of
    the process a spawned worker was forked from, since it survives ``exec``."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            peak //= 1024  # bytes there
        return peak, peak
