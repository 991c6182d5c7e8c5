"""A coding run: a corpus through an engine into the store, resumable, with progress.

    run = CodingRun(read_paths(["corpus/"]), ScaleOptions(workers=4), store=store, total=n)
    for result in run:          # Document, or an EventwireError saying why an input failed
        ...
    run.stats                   # coded, failed, skipped (done before), added to the store, memory

What a run does for each input, whatever the engine:

1. when resuming, looks its content hash up in the checkpoints (the store, a checkpoint file), a few
   hundred at a time, and skips it when it is done;
2. codes it (in this process, in a pool of processes, or on Dask);
3. adds the document to the store (one transaction; a document already there is not added twice);
4. yields it, for the caller to write out;
5. records its content hash in the checkpoint file, if any, once the caller asks for the next result,
   that is, after the caller has written it out. A run killed at any moment and restarted with the
   same options therefore neither loses a document nor codes one twice (with a checkpoint file and no
   store, the one document being written when the run was killed may be written twice).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import EventwireError, InputError, StoreError
from ..pipeline import SourceDoc, document_id
from ..records import Document
from .. import dedup
from ..store import Store
from .checkpoint import Checkpoint, FileCheckpoint, StoreCheckpoint
from .local import InlineEngine, LocalEngine
from .options import ScaleOptions
from .progress import Reporter

__all__ = ["CodingRun", "RunStats", "make_engine", "code_corpus", "LOOKUP_BATCH"]

#: Inputs looked up in the checkpoints at a time.
LOOKUP_BATCH = 256


@dataclass
class RunStats:
    engine: str = ""
    workers: int = 1
    total: int | None = None
    inputs: int = 0  # inputs read (documents and unreadable inputs)
    coded: int = 0  # coded in this run
    failed: int = 0  # inputs that could not be read, coded or stored
    skipped: int = 0  # done before (resume)
    recovered: int = 0  # delivered from partitions an interrupted Dask run left behind
    added: int = 0  # new documents in the store
    elapsed: float = 0.0
    memory_kib: dict[str, int] = field(default_factory=dict)  # peak resident memory per process


def make_engine(options: ScaleOptions, total: int | None = None, *, db: str | None = None):
    """The engine ``options`` ask for: in this process, a local pool, or Dask."""
    options.validate()
    workers = options.effective_workers(total)
    if options.engine == "dask":
        from .dask_engine import DaskEngine

        return DaskEngine(options, workers, options.effective_chunk_size(total, workers),
                          options.effective_run_dir(db))
    if workers == 1:
        return InlineEngine(options)
    return LocalEngine(options, workers, options.effective_chunk_size(total, workers))


class CodingRun:
    """Code ``sources`` (``SourceDoc`` or ``InputError``, e.g. from ``read_paths``); see the module docstring.

    ``total``: how many inputs there are, when known (for the default worker count, the chunk size and the
    progress ETA). ``engine``: an engine already started (the caller keeps and closes it); by default
    the run makes one from ``options`` and closes it at the end."""

    def __init__(self, sources: Iterable[SourceDoc | InputError], options: ScaleOptions | None = None, *,
                 store: Store | None = None, total: int | None = None, progress: Reporter | None = None,
                 engine=None):
        self.sources = sources
        self.options = options or ScaleOptions()
        self.options.validate()
        self.store = store
        self.total = total
        self.progress = progress or Reporter()
        self._engine = engine
        self.engine = None
        self.stats = RunStats(total=total)

    def _counted(self, sources: Iterable) -> Iterator:
        for item in sources:
            self.stats.inputs += 1
            if isinstance(item, SourceDoc) and not isinstance(item.text, str):
                # reported like any bad input, before anything (the resume lookup, a worker) reads it
                item = InputError(str(item.name), f"has a text that is {type(item.text).__name__}, not a string")
            elif not isinstance(item, (SourceDoc, EventwireError)):
                item = InputError(repr(item)[:80], f"is a {type(item).__name__}, not a document (SourceDoc)")
            yield item

    def _pending(self, sources: Iterable, checkpoints: list[Checkpoint]) -> Iterator:
        it = iter(sources)
        while group := list(itertools.islice(it, LOOKUP_BATCH)):
            ids = [document_id(s.text) if isinstance(s, SourceDoc) else None for s in group]
            wanted = [i for i in ids if i is not None]
            done: set[str] = set()
            for cp in checkpoints:
                done |= cp.done(wanted)
            for item, doc_id in zip(group, ids):
                if doc_id is not None and doc_id in done:
                    self.stats.skipped += 1
                    self.progress.advance(skipped=1)
                    continue
                yield item

    def __iter__(self) -> Iterator[Document | EventwireError]:
        o, stats, progress = self.options, self.stats, self.progress
        db = self.store.path if self.store is not None else None
        engine = self._engine or make_engine(o, self.total, db=db)
        self.engine = engine
        stats.engine, stats.workers = engine.name, engine.workers
        lookups: list[Checkpoint] = []
        recorders: list[FileCheckpoint] = []
        try:
            if self.store is not None:
                lookups.append(StoreCheckpoint(self.store))
            resume = o.effective_resume(self.total)
            path = o.checkpoint
            if path is None and engine.name == "dask" and self.store is None and resume:
                engine.run_dir.mkdir(parents=True, exist_ok=True)
                path = str(engine.run_dir / "checkpoint.duckdb")  # Parquet output alone: resume from here
            if path:
                recorders.append(FileCheckpoint(path))
                lookups.extend(recorders)
            t0 = time.monotonic()
            progress.start(self.total)
            engine.start()
            stream = self._counted(self.sources)
            if resume and lookups:
                stream = self._pending(stream, lookups)
            for kind, result in engine.run(stream):
                if isinstance(result, EventwireError):
                    stats.failed += 1
                    progress.advance(failed=1)
                    yield result
                    continue
                if self.store is not None:
                    try:
                        if self.store.add(result):
                            stats.added += 1
                            dedup.on_stored(self.store, result)  # clusters copies of one story
                    except StoreError as exc:
                        stats.failed += 1
                        progress.advance(failed=1)
                        yield exc
                        continue
                if kind == "recovered":
                    stats.recovered += 1
                else:
                    stats.coded += 1
                    progress.advance(coded=1)
                yield result
                for cp in recorders:  # the caller has written it out
                    cp.record(result.id, result.source)
            stats.elapsed = time.monotonic() - t0
        finally:
            progress.close()
            stats.memory_kib = engine.memory()
            for cp in recorders:
                cp.close()
            if self._engine is None:
                engine.close()


def code_corpus(sources: Iterable[SourceDoc | InputError], options: ScaleOptions | None = None, **kwargs
                ) -> Iterator[Document | EventwireError]:
    """``CodingRun(sources, options, **kwargs)`` as a plain iterator of results."""
    return iter(CodingRun(sources, options, **kwargs))
