"""Coding at scale: many processes on one machine, or a Dask cluster; resumable; with progress.

    from eventwire.scale import CodingRun, ScaleOptions, count_inputs
    from eventwire import read_paths, Store

    with Store("news.duckdb") as store:
        run = CodingRun(read_paths(["corpus/"]), ScaleOptions(workers=4), store=store,
                        total=count_inputs(["corpus/"]))
        for result in run:        # Document, or an EventwireError naming the input and the reason
            ...
        print(run.stats)

Engines (``ScaleOptions.engine`` and ``workers``):

* ``local`` with one worker: this process, exactly as ``code_documents`` (``InlineEngine``);
* ``local`` with N workers: N processes that each load the model once (``LocalEngine``);
* ``dask``: a Dask cluster, a LocalCluster by default; results go through Parquet partitions
  (``DaskEngine``, ``parquet``).

The command line (``eventwire code --workers N --engine dask --scheduler tcp://...``) is a thin shell over
``CodingRun``; ``cliopts`` holds its options so that every command that codes articles takes the same ones.
"""

from __future__ import annotations

import itertools
import pathlib
from collections.abc import Iterable, Iterator

from ..errors import InputError
from .checkpoint import Checkpoint, FileCheckpoint, StoreCheckpoint
from .local import InlineEngine, LocalEngine
from .options import MIN_DOCS_PER_WORKER, ScaleError, ScaleOptions, auto_workers, cpu_count
from .parquet import LoadStats, Manifest, load_partitions, read_partition, write_partition
from .progress import BarReporter, LogReporter, Reporter, reporter_for
from .run import CodingRun, RunStats, code_corpus, make_engine

__all__ = [
    "CodingRun",
    "RunStats",
    "ScaleOptions",
    "ScaleError",
    "code_corpus",
    "make_engine",
    "count_inputs",
    "sized",
    "cpu_count",
    "auto_workers",
    "MIN_DOCS_PER_WORKER",
    "InlineEngine",
    "LocalEngine",
    "Checkpoint",
    "StoreCheckpoint",
    "FileCheckpoint",
    "write_partition",
    "read_partition",
    "load_partitions",
    "Manifest",
    "LoadStats",
    "Reporter",
    "BarReporter",
    "LogReporter",
    "reporter_for",
]


def count_inputs(paths, options=None) -> int | None:
    """How many documents ``read_paths(paths)`` will yield, when the names alone tell (text and HTML files,
    one document each; a missing file or an empty folder, one error each); ``None`` when an input may
    hold many (JSON lines, CSV, feeds, URLs, stdin in a record format). Nothing is read."""
    try:
        from ..ingest import HTML_SUFFIXES, TEXT_SUFFIXES, _expand, _kind
        from ..ingest.net import is_url
    except ImportError:  # pragma: no cover - readers of another shape: the count is only advisory
        return None
    single = TEXT_SUFFIXES | HTML_SUFFIXES
    n = 0
    try:
        for item in _expand(paths, options):
            if isinstance(item, InputError):
                n += 1
            elif item == "-":
                if (getattr(options, "stdin_format", None) or "txt") not in ("txt", "text"):
                    return None
                n += 1
            elif isinstance(item, str) and is_url(item):
                return None  # a page, or a feed of many
            elif not pathlib.Path(item).exists() or _kind(pathlib.Path(item).name)[0] in single:
                n += 1
            else:
                return None
    except Exception:  # noqa: BLE001 - the count is advisory; the readers report the real problem
        return None
    return n


def sized(sources: Iterable, total: int | None = None, *, look_ahead: int | None = None
          ) -> tuple[Iterator, int | None]:
    """``sources`` and how many there are. ``total`` when the caller knows it; otherwise up to
    ``look_ahead`` items (default: enough to give every core ``MIN_DOCS_PER_WORKER``) are read ahead, and
    when the stream ends within them their number is exact; else ``None`` (many). Enough to pick the
    default worker count without reading a large corpus into memory."""
    if total is not None:
        return iter(sources), total
    limit = look_ahead if look_ahead is not None else MIN_DOCS_PER_WORKER * cpu_count()
    it = iter(sources)
    head = list(itertools.islice(it, limit + 1))
    if len(head) <= limit:
        return iter(head), len(head)
    return itertools.chain(head, it), None
