"""How the server reaches the DuckDB file without getting in the way of ``eventwire code``.

DuckDB lets one process write a file, and no other process open it meanwhile. So the server never
keeps the file open: every request opens a short-lived read-only connection and closes it when done,
which lets ``eventwire code`` or ``eventwire ingest`` take the file between requests, and lets the
server see what was written as soon as the writer closes. Those writers hold the file only for short
batches of writes (``eventwire.store.handoff``), and while one does, a request waits for the file with
a bounded backoff (``wait`` seconds, 15 by default) and passes the writer's turnstile, so that a stream
of requests never starves a writer; a waiting request also signals the writer, which lets go after its
current write. Only past ``wait`` does a request fail with ``StoreBusy``, which the
server answers with 503 and a ``Retry-After`` header.

Inside one process DuckDB refuses a read-only and a read-write connection to the same file at the same
time, so reads and writes of the server pass through a readers-writer lock per file.
"""

from __future__ import annotations

import contextlib
import pathlib
import threading
from collections.abc import Iterator

import duckdb

from ..errors import StoreError
from ..store import Store, StoreLocked, is_url
from ..store.handoff import StoreBusy, is_busy, leave_turn, open_for_writing, wait_as_reader
from ..store.postgres import redact

__all__ = ["Database", "StoreBusy", "WAIT"]

#: how long a request waits for a file another process holds, in seconds, before 503
WAIT = 15.0


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._waiting -= 1
            self._writer = True

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


_LOCKS: dict[str, _ReadWriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: str) -> _ReadWriteLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, _ReadWriteLock())


class Database:
    """The server's access to one DuckDB file: short-lived connections, never held between requests."""

    def __init__(self, path: str | pathlib.Path, wait: float = WAIT):
        if not wait >= 0:
            raise ValueError(f"Database wait must be a number of seconds >= 0, not {wait!r}")
        self.url = is_url(str(path))  # PostgreSQL: a connection per request, no file to share
        self.path = str(path) if self.url else str(pathlib.Path(path).resolve())
        self.display = redact(str(path)) if self.url else str(path)
        self.wait = wait
        self._lock = _lock_for(self.path)

    def ensure(self) -> None:
        """Create the file with eventwire's schema when it does not exist yet (or is missing tables).
        A file another process holds, or one we may not write, is left as it is."""
        with contextlib.suppress(StoreError):
            with self.write():
                pass

    # ------------------------------------------------------------------ reading
    def open_read(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection, holding this process's read lock until ``close_read``. Waits up to
        ``wait`` seconds while another process writes the file."""
        self._lock.acquire_read()
        try:
            return self._connect_read()
        except BaseException:
            self._lock.release_read()
            raise

    def _connect_read(self) -> duckdb.DuckDBPyConnection:
        if self.url:
            return Store(self.path, read_only=True, wait=self.wait).con
        def connect() -> duckdb.DuckDBPyConnection:
            if not pathlib.Path(self.path).exists():
                raise StoreError(f"the database {self.display} does not exist; code some articles into it first")
            try:
                return duckdb.connect(self.path, read_only=True)
            except duckdb.Error as exc:
                if is_busy(exc):
                    raise StoreLocked(str(exc)) from None
                raise StoreError(f"cannot open the database {self.display}: {exc}") from None

        return wait_as_reader(self.path, self.wait, connect, self.display)

    def close_read(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            con.close()
        finally:
            self._lock.release_read()

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.open_read()
        try:
            yield con
        finally:
            self.close_read(con)

    # ------------------------------------------------------------------ writing
    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """A read-write ``Store`` for one short write; closed (and the file let go) right after. Waits
        up to ``wait`` seconds while another process holds the file."""
        if self.url:
            with Store(self.path, wait=self.wait) as store:
                yield store
            return
        self._lock.acquire_write()
        try:
            try:
                store, turn = open_for_writing(self.path, self.wait)
            except StoreBusy:
                raise StoreBusy(f"the database {self.display} has been held by another process for over "
                                f"{self.wait:g} s (an ingest in progress?); try again when it is done") from None
            try:
                yield store
            finally:
                try:
                    store.close()
                finally:
                    leave_turn(turn)
        finally:
            self._lock.release_write()
