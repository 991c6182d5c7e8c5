"""Parquet partitions: how Dask workers hand coded documents over, and how the store loads them.

A run folder holds one file per batch, ``part-<key>.parquet``, where the key is a hash of the batch's
texts (a batch coded twice writes the same file again, never a second copy). Each row is one document:
a few columns to query the folder directly (with DuckDB, pandas, Spark...) and ``document_json``, the
document's JSON contract (``Document.to_dict()``) with confidences at full precision, from which
``Document.from_dict`` rebuilds exactly the record the worker made. Files are written under a temporary
name and renamed, so a partition is either whole or absent.

``_delivered`` in the run folder lists the partitions whose documents have been stored (or written out):
a run killed between a worker writing a partition and the store loading it finds the partition there
when it is restarted, and loads it first. ``load_partitions`` loads a folder into a store by hand.
"""

from __future__ import annotations

import json
import os
import pathlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..records import CONTRACT_VERSION, Document
from .. import dedup
from ..store import Store

__all__ = ["write_partition", "read_partition", "partition_files", "load_partitions", "Manifest", "LoadStats",
           "document_json", "SCHEMA_FIELDS"]

SCHEMA_FIELDS = ("id", "source", "title", "published", "url", "n_chars", "n_sentences", "n_actors", "n_events",
                 "n_quotes", "contract", "document_json")
MANIFEST = "_delivered"


def _pa():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - the scale extra is missing
        from .options import ScaleError

        raise ScaleError("Parquet needs pyarrow: pip install 'eventwire[scale]'") from exc
    return pa, pq


def document_json(doc: Document) -> str:
    """The document's JSON contract, with confidences unrounded so that the rebuilt record is exact."""
    data = doc.to_dict()
    for q, rec in zip(data["quotes"], doc.quotes):
        q["confidence"] = rec.confidence
    for key in ("events", "nonfactual_events"):
        for e, rec in zip(data[key], getattr(doc, key)):
            e["confidence"] = rec.confidence
    return json.dumps(data, ensure_ascii=False)


def _schema():
    pa, _ = _pa()
    i32 = pa.int32()
    return pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("title", pa.string()), ("published", pa.string()),
        ("url", pa.string()), ("n_chars", i32), ("n_sentences", i32), ("n_actors", i32), ("n_events", i32),
        ("n_quotes", i32), ("contract", pa.string()), ("document_json", pa.large_string()),
    ])


def write_partition(run_dir: str | pathlib.Path, key: str, docs: Iterable[Document]) -> pathlib.Path:
    """Write ``docs`` (one row per distinct document) as ``run_dir/part-<key>.parquet``, atomically."""
    pa, pq = _pa()
    folder = pathlib.Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    seen, rows = set(), {f: [] for f in SCHEMA_FIELDS}
    for d in docs:
        if d.id in seen:
            continue
        seen.add(d.id)
        values = (d.id, d.source, d.title, d.published, d.url, len(d.text), len(d.sentences), len(d.actors),
                  len(d.events), len(d.quotes), CONTRACT_VERSION, document_json(d))
        for f, v in zip(SCHEMA_FIELDS, values):
            rows[f].append(v)
    table = pa.table(rows, schema=_schema())
    final = folder / f"part-{key}.parquet"
    tmp = folder / f".part-{key}.parquet.{uuid.uuid4().hex[:8]}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, final)
    return final


def read_partition(path: str | pathlib.Path) -> Iterator[Document]:
    """The documents of one partition, rebuilt."""
    _, pq = _pa()
    table = pq.read_table(path, columns=["document_json"])
    for value in table.column("document_json").to_pylist():
        yield Document.from_dict(json.loads(value))


def partition_files(run_dir: str | pathlib.Path) -> list[pathlib.Path]:
    folder = pathlib.Path(run_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("part-*.parquet") if p.is_file())


class Manifest:
    """The partitions already delivered (stored or written out), one file name a line, appended and
    synced after each partition: the part of a run folder that a restarted run can skip."""

    def __init__(self, run_dir: str | pathlib.Path):
        self.folder = pathlib.Path(run_dir)
        self.path = self.folder / MANIFEST
        self.names: set[str] = set()
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    self.names.add(line.strip())

    def __contains__(self, path: str | pathlib.Path) -> bool:
        return pathlib.Path(path).name in self.names

    def add(self, path: str | pathlib.Path) -> None:
        name = pathlib.Path(path).name
        if name in self.names:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.names.add(name)

    def pending(self) -> list[pathlib.Path]:
        """Partitions in the folder not delivered yet."""
        return [p for p in partition_files(self.folder) if p.name not in self.names]


@dataclass
class LoadStats:
    partitions: int = 0
    documents: int = 0
    added: int = 0


def load_partitions(run_dir: str | pathlib.Path, store: Store, *, only_new: bool = True) -> LoadStats:
    """Add the documents of a run folder's partitions to ``store``. Idempotent: documents already stored
    are left as they are (``Store.add`` checks the content hash), each is written in its own
    transaction, and each partition loaded is marked delivered. ``only_new=False`` reads every
    partition again, delivered or not."""
    manifest = Manifest(run_dir)
    stats = LoadStats()
    for path in manifest.pending() if only_new else partition_files(run_dir):
        for doc in read_partition(path):
            stats.documents += 1
            if store.add(doc):
                stats.added += 1
                dedup.on_stored(store, doc)  # clusters copies of one story
        manifest.add(path)
        stats.partitions += 1
    return stats
