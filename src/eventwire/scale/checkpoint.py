"""Checkpoints: which documents are done, keyed by content hash, so a killed run restarted with the
same command codes only what is left.

With a store, the store is the checkpoint (a document is done once it is stored, in one transaction).
Without one, ``--checkpoint PATH`` names a small DuckDB file of the content hashes done; a hash is
committed only after its document has been written out, so a run killed with SIGKILL loses nothing
and repeats at most the one document it was writing. Lookups are by batch, in the database: memory
does not grow with the corpus.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable

import duckdb

from ..store import Store
from .options import ScaleError

__all__ = ["Checkpoint", "StoreCheckpoint", "FileCheckpoint"]


def _done(con, table: str, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = con.execute(f"SELECT id FROM {table} WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()
    return {r[0] for r in rows}


class Checkpoint:
    """What a checkpoint does: tell which of some content hashes are done, and record one more."""

    def done(self, ids: Iterable[str]) -> set[str]:
        raise NotImplementedError

    def record(self, doc_id: str, source: str | None = None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class StoreCheckpoint(Checkpoint):
    """The store's document ids: ``Store.add`` already records a document, in its own transaction."""

    def __init__(self, store: Store):
        self.store = store

    def done(self, ids: Iterable[str]) -> set[str]:
        using = getattr(self.store, "using", None)  # a HandoffStore lends its connection only briefly
        if using is not None:
            with using() as store:
                return _done(store.con, "documents", list(ids))
        return _done(self.store.con, "documents", list(ids))

    def record(self, doc_id: str, source: str | None = None) -> None:
        pass


class FileCheckpoint(Checkpoint):
    """A DuckDB file with one row per document done: ``done(id, source, done_at)``."""

    def __init__(self, path: str | pathlib.Path):
        self.path = pathlib.Path(path)
        if not self.path.parent.is_dir():
            raise ScaleError(f"cannot open the checkpoint {self.path}: the folder {self.path.parent} does not exist")
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise ScaleError(f"cannot open the checkpoint {self.path}: {exc} (is another run using it?)") from None
        self.con.execute("CREATE TABLE IF NOT EXISTS done (id VARCHAR PRIMARY KEY, source VARCHAR, "
                         "done_at TIMESTAMP DEFAULT current_timestamp)")

    def done(self, ids: Iterable[str]) -> set[str]:
        return _done(self.con, "done", list(ids))

    def record(self, doc_id: str, source: str | None = None) -> None:
        self.con.execute("INSERT OR IGNORE INTO done (id, source) VALUES (?, ?)", [doc_id, source])

    def count(self) -> int:
        return self.con.execute("SELECT count(*) FROM done").fetchone()[0]

    def close(self) -> None:
        self.con.close()
