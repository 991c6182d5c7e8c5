"""How a corpus is coded: engine, workers, chunking, resume. One dataclass that the CLI fills and the
library reads, so every command that codes articles (``code``, later ``ingest``) takes the same options."""

from __future__ import annotations

from typing import Any

import math
import os
import pathlib
from dataclasses import dataclass

from ..errors import EventwireError
from ..pipeline import CHUNK_CHARS, MAX_CHARS, MAX_SENTENCE_TOKENS

__all__ = ["ScaleOptions", "ScaleError", "cpu_count", "auto_workers", "MIN_DOCS_PER_WORKER", "ENGINES"]

ENGINES = ("local", "dask")

#: Starting a worker process costs a model load (a few seconds, about as long as coding 25 short
#: articles); with the default worker count, a run starts one worker per this many inputs at most.
MIN_DOCS_PER_WORKER = 25

#: A chunk (the unit sent to a worker) closes at this many characters even when it has fewer
#: documents than the chunk size, so a chunk of very long articles stays small in memory.
CHUNK_BUDGET_CHARS = 2_000_000


class ScaleError(EventwireError):
    """A run cannot start or go on: a bad option, a checkpoint in use, a cluster that went away."""


def cpu_count() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def auto_workers(total: int | None, cores: int | None = None) -> int:
    """The default worker count: one per core, but no more than one per ``MIN_DOCS_PER_WORKER`` inputs,
    so a handful of articles is coded in this process without starting any."""
    cores = cores or cpu_count()
    if total is None:
        return cores
    return max(1, min(cores, total // MIN_DOCS_PER_WORKER))


@dataclass
class ScaleOptions:
    """Options of a coding run.

    ``workers``: processes (``engine="local"``) or LocalCluster workers (``engine="dask"`` without a
    scheduler); ``None`` picks :func:`auto_workers` for local runs and the number of cores for Dask.
    ``workers=1`` with the local engine codes in this process, exactly as ``code_documents`` does.

    ``resume``: skip documents already done (their content hash is in the store or the checkpoint).
    ``None`` means on for parallel runs (more than one worker, or Dask), off for a one-process run.
    ``checkpoint``: a file (DuckDB) of the content hashes done, for runs without a store.
    ``run_dir``: the folder of Dask's Parquet partitions (a folder the workers can write).
    ``chunk_size``: documents per chunk sent to a worker (local) or per Dask task and Parquet
    partition; ``None``: ``batch_size`` for local runs, ``2 * batch_size`` for Dask, smaller for small inputs.
    ``recycle_after``: a local worker is replaced by a fresh process after this many documents (0: never);
    ``memory_zone``: each chunk is coded inside ``nlp.memory_zone()`` where spaCy has it.
    ``ordered``: results in input order; ``None``: yes for local runs, completion order for Dask.
    ``max_sentence_tokens``, ``doc_timeout``: the pipeline's limits (``eventwire.pipeline.code_documents``);
    with Dask, whose workers code in threads, the time limit is checked between pipeline stages only.
    """

    workers: int | None = None
    engine: str = "local"
    scheduler: str | None = None
    model: str | None = None
    batch_size: int = 32
    max_chars: int = MAX_CHARS
    chunk_chars: int = CHUNK_CHARS
    max_sentence_tokens: int = MAX_SENTENCE_TOKENS
    doc_timeout: float | None = None  # seconds a document may take; None: no limit
    chunk_size: int | None = None
    resume: bool | None = None
    checkpoint: str | None = None
    run_dir: str | None = None
    recycle_after: int = 20_000
    memory_zone: bool = True
    ordered: bool | None = None
    log_interval: float = 10.0
    lexicon: str | None = None  # a user's YAML of extra verb and noun triggers (eventwire.knowledge)
    people: Any = None  # an eventwire.people.PeopleBook: the user's and the store's knowledge of people

    def validate(self) -> None:
        if self.engine not in ENGINES:
            raise ScaleError(f"unknown engine {self.engine!r}: use one of {', '.join(ENGINES)}")
        if self.scheduler and self.engine != "dask":
            raise ScaleError("--scheduler needs --engine dask")
        if self.workers is not None and self.workers < 1:
            raise ScaleError("--workers must be at least 1")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise ScaleError("the chunk size must be at least 1")
        if self.batch_size < 1:
            raise ScaleError("--batch-size must be at least 1")
        if self.doc_timeout is not None and not self.doc_timeout > 0:
            raise ScaleError(f"--doc-timeout must be a positive number of seconds, not {self.doc_timeout}")
        if self.max_sentence_tokens < 0:
            raise ScaleError("--max-sentence-tokens must be 0 (no limit) or more")
        if self.checkpoint and pathlib.Path(self.checkpoint).is_dir():
            raise ScaleError(f"--checkpoint {self.checkpoint} is a folder; give a file name (it is created)")

    # ------------------------------------------------------------------ derived values
    def effective_workers(self, total: int | None) -> int:
        if self.workers is not None:
            return self.workers
        if self.engine == "dask":
            return cpu_count()
        return auto_workers(total)

    def parallel(self, total: int | None) -> bool:
        return self.engine == "dask" or self.effective_workers(total) > 1

    def effective_resume(self, total: int | None) -> bool:
        if self.resume is not None:
            return self.resume
        return bool(self.checkpoint) or self.parallel(total)

    def effective_chunk_size(self, total: int | None, workers: int) -> int:
        size = self.chunk_size or (self.batch_size * 2 if self.engine == "dask" else self.batch_size)
        if total:
            # small inputs: enough chunks that every worker gets some (two each)
            size = min(size, max(1, math.ceil(total / (workers * 2))))
        return max(1, size)

    def effective_ordered(self) -> bool:
        return self.ordered if self.ordered is not None else self.engine != "dask"

    def effective_run_dir(self, db: str | None) -> pathlib.Path:
        """Dask's partitions: ``--run-dir``, else beside the store (``news.duckdb`` → ``news.parts/``),
        else ``./eventwire.parts``."""
        if self.run_dir:
            return pathlib.Path(self.run_dir)
        if db and db != ":memory:" and "://" not in db:  # a PostgreSQL URL is no place for files
            return pathlib.Path(db).with_suffix(".parts")
        return pathlib.Path("eventwire.parts")
