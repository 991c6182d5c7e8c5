"""Sharing one DuckDB file between processes: a writer that lets go between short batches, readers that
wait their turn, and a clear error for a database path that cannot be used.

DuckDB lets one process write a file and no other process open it meanwhile (readers may share it
among themselves). So that ``eventwire serve`` keeps answering while ``eventwire ingest`` or
``eventwire code --db`` writes the same file:

* the writer (``HandoffStore``) opens the file only to write: it keeps it for at most ``hold`` seconds
  of consecutive writes, closes it whenever it has not used it for ``idle`` seconds (while it codes the
  next documents), and after a full ``hold`` waits ``gap`` seconds before taking it again;
* readers (``eventwire.api.db.Database``) wait for the file with a bounded backoff instead of failing
  at once;
* a turnstile, an advisory ``flock`` on a small file beside the database (``news.duckdb.lock``), keeps
  a stream of overlapping readers from starving a writer: a writer takes it exclusively before it opens
  the database and keeps it while it holds the file, and a reader passes through it (a shared lock
  taken and dropped at once) before it opens the database. A reader therefore never stands in a
  writer's way for longer than one request, and new readers wait while a writer is waiting or writing;
* a reader that has to wait says so with a shared ``flock`` on ``news.duckdb.lock.readers``, and the
  writer, once it has held the file for ``yield_after`` seconds, lets go after its current write and
  leaves the file to the readers for ``gap`` seconds. Without readers it keeps the file up to ``hold``
  seconds, so an ingest alone loses little time to opening and closing.

Processes that do not take part (an older eventwire, the ``duckdb`` shell) are still waited for:
everyone retries while the file is locked, until their time is up.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pathlib
import random
import threading
import time
from collections.abc import Iterator

from ..errors import StoreError
from ..records import Document
from . import Store, StoreLocked, is_url

__all__ = ["HandoffStore", "writer_store", "reader_store", "wait_as_reader", "READER_WAIT", "DatabasePathError", "StoreBusy", "check_path", "is_busy", "turnstile_path",
           "writer_turn", "leave_turn", "reader_may_pass", "ReaderWaiting", "readers_waiting", "backoff"]


class DatabasePathError(StoreError):
    """The database path cannot be used at all: its folder is missing, it does not exist (for reading),
    or it may not be written (for writing). Commands exit with status 2."""


class StoreBusy(StoreError):
    """The database file is held by another process (or connection) for longer than we were willing
    to wait; try again shortly."""


_BUSY_SIGNS = ("could not set lock", "conflicting lock", "different configuration", "database is locked")


def is_busy(exc: BaseException) -> bool:
    """Whether a DuckDB (or ``StoreError``) message says the file is locked by someone else."""
    text = str(exc).lower()
    return any(sign in text for sign in _BUSY_SIGNS)


def _is_file_db(path: str) -> bool:
    return path != ":memory:" and "://" not in path


def check_path(path: str | pathlib.Path, *, write: bool) -> None:
    """Raise ``DatabasePathError`` naming ``path`` when it cannot be used: a missing folder; for
    reading, a missing file; for writing, a file or folder we may not write (DuckDB writes its log,
    ``PATH.wal``, beside the database). A database that does not exist yet is fine for writing: it is
    created. In-memory stores and URLs are not files and pass."""
    text = str(path)
    if not text or not text.strip():
        raise DatabasePathError("the database path is empty; give a file name such as news.duckdb")
    if not _is_file_db(text):
        return
    p = pathlib.Path(text)
    folder = p.resolve().parent
    if not folder.is_dir():
        raise DatabasePathError(f"cannot use the database {text}: the folder {folder} does not exist")
    if p.is_dir():
        raise DatabasePathError(f"cannot use the database {text}: it is a folder, not a DuckDB file")
    if not p.exists():
        if not write:
            raise DatabasePathError(f"the database {text} does not exist; code or ingest some articles into it "
                                    f"first (eventwire ingest ARTICLES --db {text})")
        if not os.access(folder, os.W_OK):
            raise DatabasePathError(f"cannot create the database {text}: the folder {folder} is read-only")
        return
    if not os.access(p, os.R_OK):
        raise DatabasePathError(f"cannot read the database {text}: permission denied")
    if write:
        if not os.access(p, os.W_OK):
            raise DatabasePathError(f"cannot write the database {text}: the file is read-only "
                                    f"(reading it works: eventwire events --db {text})")
        if not os.access(folder, os.W_OK):
            raise DatabasePathError(f"cannot write the database {text}: its folder {folder} is read-only, and "
                                    f"DuckDB writes its log ({p.name}.wal) beside the database")


def backoff(first: float = 0.002, cap: float = 0.05) -> Iterator[float]:
    """Sleeps between attempts: from ``first`` seconds, growing by half each time up to ``cap``, with
    jitter so that waiting processes do not retry in step."""
    delay = first
    while True:
        yield random.uniform(0.5, 1.0) * delay
        delay = min(cap, delay * 1.5)


# -------------------------------------------------------------------------------------------- turnstile
def turnstile_path(path: str | pathlib.Path) -> str:
    return str(path) + ".lock"


def writer_turn(path: str | pathlib.Path) -> int | None:
    """Take the turnstile of the database ``path`` exclusively, without waiting. Returns the file
    descriptor to give back to ``leave_turn``; ``None`` when there is no turnstile to take (the folder
    is read-only, say), in which case the writer goes ahead without. Raises ``BlockingIOError`` while
    another writer holds it."""
    try:
        fd = os.open(turnstile_path(path), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        raise
    return fd


def leave_turn(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def reader_may_pass(path: str | pathlib.Path) -> bool:
    """True unless a writer holds (or is waiting for the file with) the turnstile of ``path``. A missing
    or unreadable turnstile means no writer takes part: pass."""
    try:
        fd = os.open(turnstile_path(path), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        return True
    finally:
        os.close(fd)  # closing drops the shared lock
    return True


#: how long a command that only reads waits for a file an ingest is writing
READER_WAIT = 15.0


def wait_as_reader(path: str, wait: float, open_, display: str | None = None):
    """``open_()`` (a read-only opening of the DuckDB file at ``path``, raising ``StoreLocked`` while another
    process holds it) as soon as the turnstile lets readers pass; meanwhile say that a reader waits and retry
    with backoff, for up to ``wait`` seconds, then fail with ``StoreBusy``. The server's requests and the
    commands that only read both wait this way."""
    deadline = time.monotonic() + wait
    delays = backoff(first=0.002, cap=0.02)
    waiting: ReaderWaiting | None = None  # tells a writer that we wait, once we do
    try:
        while True:
            if reader_may_pass(path):
                try:
                    return open_()
                except StoreLocked:
                    pass
            if time.monotonic() >= deadline:
                raise StoreBusy(f"the database {display or path} has been held by another process for over "
                                f"{wait:g} s (an ingest in progress?); try again in a moment")
            if waiting is None:
                waiting = ReaderWaiting(path)
            time.sleep(next(delays))
    finally:
        if waiting is not None:
            waiting.close()


def reader_store(path: str | pathlib.Path, wait: float = READER_WAIT) -> Store:
    """A read-only store for the commands that only read (``events``, ``quotes``, ``stats``, ``export``):
    while a writer holds the DuckDB file they wait their turn, as the server's requests do."""
    path = str(path)
    if is_url(path) or path == ":memory:":
        return Store(path, read_only=True, wait=wait)
    return wait_as_reader(path, wait, lambda: Store(path, read_only=True))


def waiting_path(path: str | pathlib.Path) -> str:
    return str(path) + ".lock.readers"


class ReaderWaiting:
    """Held by a reader while it waits for the file: a shared ``flock`` on ``PATH.lock.readers`` that
    tells the writer to let go soon. Many readers share it; ``close()`` (or the end of a ``with``)
    gives it back. Without the file (a read-only folder) it does nothing."""

    def __init__(self, path: str | pathlib.Path):
        self.fd: int | None = None
        try:
            fd = os.open(waiting_path(path), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            try:
                fd = os.open(waiting_path(path), os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # only a writer's probe holds it exclusively
        except OSError:
            os.close(fd)
            return
        self.fd = fd

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the shared lock
            self.fd = None

    def __enter__(self) -> ReaderWaiting:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def readers_waiting(path: str | pathlib.Path) -> bool:
    """Whether some reader is waiting for the database ``path`` (holds ``ReaderWaiting``)."""
    try:
        fd = os.open(waiting_path(path), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
    finally:
        os.close(fd)
    return False


def open_for_writing(path: str, wait: float, *, not_before: float = 0.0) -> tuple[Store, int | None]:
    """Open ``path`` read-write, waiting up to ``wait`` seconds for the turnstile and then for readers
    and other writers to let go. Returns the store and the turnstile to give back (``leave_turn``) after
    closing it. Raises ``StoreBusy`` when the time is up, ``StoreError`` for anything else."""
    deadline = time.monotonic() + wait
    if not_before > time.monotonic():
        time.sleep(not_before - time.monotonic())
    delays = backoff()
    turn: int | None = None
    have_turn = False
    try:
        while True:
            if not have_turn:
                try:
                    turn = writer_turn(path)
                    have_turn = True
                except BlockingIOError:
                    pass
            if have_turn:  # no new reader gets in now: those inside finish within a request or so
                try:
                    # our own short backoff, not Store's (from 50 ms up to 1 s): new readers wait on us
                    return Store(path, wait=0), turn
                except StoreLocked:
                    pass
            if time.monotonic() >= deadline:
                raise StoreBusy(f"the database {path} is held by another process (an ingest, a server, a "
                                f"duckdb shell?) and was not let go within {wait:g} s; try again when it is done")
            time.sleep(next(delays))
    except BaseException:
        if have_turn:
            leave_turn(turn)
        raise


# -------------------------------------------------------------------------------------------- writer
def writer_store(path: str | pathlib.Path, wait: float = 120.0):
    """The store a long-running writer should use: a ``HandoffStore`` for a DuckDB file (others can use
    the file between its writes), a plain ``Store`` for PostgreSQL (which has its own concurrency) and
    for ``:memory:`` (which would be lost on closing)."""
    text = str(path)
    if not _is_file_db(text):
        return Store(text, wait=wait)
    return HandoffStore(text, wait=wait)


class HandoffStore:
    """A writer's ``Store`` that holds the DuckDB file only while writing, so that a server (or another
    writer) can use it in between. Same ``has``/``add``/``close`` as ``Store``; ``using()`` lends the
    open ``Store`` for anything else, briefly.

    ``hold``: the longest it keeps the file while writing without a break (seconds); ``yield_after``:
    once it has held the file this long, it lets go as soon as a reader is waiting (``ReaderWaiting``);
    ``idle``: it lets go of the file once it has not used it for this long; ``gap``: after letting go
    for a reader or after a full ``hold``, how long it leaves the file to others; ``wait``: how long it
    waits for the file before ``StoreBusy``."""

    def __init__(self, path: str | pathlib.Path, *, hold: float = 2.0, yield_after: float = 0.2,
                 idle: float = 0.05, gap: float = 0.1, wait: float = 120.0):
        for name, value in (("hold", hold), ("yield_after", yield_after), ("idle", idle), ("gap", gap),
                            ("wait", wait)):
            if not value >= 0:
                raise ValueError(f"HandoffStore {name} must be a number of seconds >= 0, not {value!r}")
        self.path = str(path)
        check_path(self.path, write=True)
        self.hold, self.yield_after, self.idle, self.gap, self.wait = hold, yield_after, idle, gap, wait
        self._store: Store | None = None
        self._turn: int | None = None
        self._opened = self._last = self._not_before = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.opens = 0  # how many times the file was taken (for tests and benchmarks)
        with self.using():
            pass  # the schema is made (or migrated) now, and any problem with the file shows at once

    # ------------------------------------------------------------------ holding and letting go
    def _take(self) -> None:
        self._store, self._turn = open_for_writing(self.path, self.wait, not_before=self._not_before)
        self._opened = time.monotonic()
        self.opens += 1
        if self._thread is None and self.idle > 0:
            self._thread = threading.Thread(target=self._release_when_idle, name="eventwire-store-handoff",
                                            daemon=True)
            self._thread.start()

    def _let_go(self) -> None:
        store, turn = self._store, self._turn
        self._store = self._turn = None
        try:
            if store is not None:
                store.close()
        finally:
            leave_turn(turn)

    def _release_when_idle(self) -> None:
        while not self._closed:
            self._wake.wait(self.idle / 2)
            self._wake.clear()
            with self._lock:
                if self._store is not None and time.monotonic() - self._last >= self.idle:
                    self._let_go()

    @contextlib.contextmanager
    def using(self) -> Iterator[Store]:
        """The open ``Store`` for one short piece of work (taken first if it was let go)."""
        if self._closed:
            raise StoreError(f"the store {self.path} is closed")
        with self._lock:
            if self._store is None:
                self._take()
            try:
                yield self._store
            finally:
                self._last = time.monotonic()
                held = self._last - self._opened
                if held >= self.hold or self.idle == 0 or (held >= self.yield_after and readers_waiting(self.path)):
                    self._let_go()
                    self._not_before = time.monotonic() + self.gap  # from when the file is free (closing takes a while)

    @property
    def holding(self) -> bool:
        """Whether the file is open now."""
        return self._store is not None

    # ------------------------------------------------------------------ Store's interface
    def has(self, doc_id: str) -> bool:
        with self.using() as store:
            return store.has(doc_id)

    def add(self, d: Document) -> bool:
        with self.using() as store:
            return store.add(d)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        with self._lock:
            self._let_go()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> HandoffStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
