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


def count_inputs(paths) -> int:
    """How many inputs ``read_paths(paths)`` will yield, without reading them (file names only)."""
    from ..ingest import _expand  # the readers' own expansion of folders, so the counts agree

    return sum(1 for _ in _expand(paths))
