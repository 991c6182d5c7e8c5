"""Coding on this machine: in this process (one worker) or in a pool of worker processes.

The pool is ours rather than ``concurrent.futures``' so that it can do what long runs need:

* each worker process loads the model once, at start, and codes chunk after chunk;
* chunks stream in: at most ``window`` chunks are read ahead of the results handed back, so memory
  stays flat however big the corpus is;
* workers send back ``Document`` records (plain dataclasses), never spaCy objects;
* each chunk is coded inside ``nlp.memory_zone()``, and a worker is replaced by a fresh process after
  ``recycle_after`` documents, so memory does not creep;
* a worker that dies (out of memory, a crash in native code) loses nothing: its chunks are coded again
  one document at a time, and a document that kills a worker twice is reported as failed;
* workers poll for their parent and exit when it is gone (a coordinator killed with SIGKILL leaves no
  orphans behind).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import queue
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import ModelError
from ..nlp import load_pipeline
from ..pipeline import code_documents
from .options import ScaleError, ScaleOptions
from .wire import chunked, code_chunk, from_wire, item_name, memory_kib, to_wire

__all__ = ["InlineEngine", "LocalEngine", "CRASH_MARKER_ENV", "Reorder"]

#: Test hook: a worker process that is handed a document containing this environment variable's value
#: exits at once, as if the kernel had killed it. It lets the tests exercise crash recovery.
CRASH_MARKER_ENV = "EVENTWIRE_TEST_CRASH_MARKER"

#: What worker processes get in their environment (as Dask's nanny does): one thread for numeric
#: libraries, since the parallelism is the processes, and glibc giving freed memory back early.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "MALLOC_TRIM_THRESHOLD_": "65536"}


class Reorder:
    """Hands results back in input order (``ordered``) or as they come; counts what it holds back."""

    def __init__(self, ordered: bool):
        self.ordered = ordered
        self.held: dict[int, object] = {}
        self.next = 0

    def add(self, seq: int, value) -> list:
        if not self.ordered:
            return [value]
        self.held[seq] = value
        out = []
        while self.next in self.held:
            out.append(self.held.pop(self.next))
            self.next += 1
        return out

    def __len__(self) -> int:
        return len(self.held)


# ---------------------------------------------------------------------------------------------- in process
class InlineEngine:
    """One worker: this process, through ``code_documents``, exactly as a plain call would."""

    name = "inline"

    def __init__(self, options: ScaleOptions):
        self.options = options
        self.workers = 1
        self.nlp = None

    def start(self) -> None:
        if self.nlp is None:
            self.nlp = load_pipeline(self.options.model)

    def run(self, items: Iterable) -> Iterator[tuple[str, object]]:
        self.start()
        o = self.options
        for result in code_documents(items, self.nlp, batch_size=o.batch_size, max_chars=o.max_chars,
                                     chunk_chars=o.chunk_chars):
            yield "coded", result

    def memory(self) -> dict[str, int]:
        return {"coordinator": memory_kib()[1]}

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------- the worker
def worker_main(wid: int, inbox, outbox, cfg: dict) -> None:
    """A worker process: load the model, then code chunks until told to stop or the parent is gone."""
    try:
        nlp = load_pipeline(cfg["model"])
    except Exception as exc:  # ModelError, or anything else that stops the model loading
        outbox.put(("fatal", wid, f"{exc}"))
        return
    outbox.put(("ready", wid, os.getpid()))
    parent = multiprocessing.parent_process()
    marker = os.environ.get(CRASH_MARKER_ENV)
    while True:
        try:
            msg = inbox.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                outbox.cancel_join_thread()  # nobody will read it: do not wait for the pipe on exit
                return
            continue
        if msg is None:
            return
        key, items = msg
        if marker and any(not isinstance(i, tuple) and marker in i.text for i in items):
            os._exit(70)
        results = code_chunk(nlp, items, batch_size=cfg["batch_size"], max_chars=cfg["max_chars"],
                             chunk_chars=cfg["chunk_chars"], memory_zone=cfg["memory_zone"])
        now, peak = memory_kib()
        outbox.put(("done", wid, key, results, now, peak))


@contextlib.contextmanager
def _worker_environment():
    """Set the worker environment while a process starts (spawned children copy it); user values win."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    for k, v in WORKER_ENV.items():
        os.environ.setdefault(k, v)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class _Worker:
    wid: int
    process: multiprocessing.process.BaseProcess
    inbox: object
    pid: int | None = None
    ready: bool = False
    inflight: dict = field(default_factory=dict)  # task key -> wire items
    sent: int = 0  # documents handed to it
    retiring: bool = False
    stop_sent: bool = False


class LocalEngine:
    """A pool of ``workers`` processes on this machine (see the module docstring)."""

    name = "local"

    def __init__(self, options: ScaleOptions, workers: int, chunk_size: int, *, prefetch: int = 2,
                 window_per_worker: int = 4):
        self.options = options
        self.workers = workers
        self.chunk_size = chunk_size
        self.prefetch = prefetch
        self.window = max(2, workers * window_per_worker)
        self.ctx = multiprocessing.get_context("spawn")
        self.cfg = {"model": options.model, "batch_size": options.batch_size, "max_chars": options.max_chars,
                    "chunk_chars": options.chunk_chars, "memory_zone": options.memory_zone}
        self._ids = itertools.count()
        self._pool: dict[int, _Worker] = {}
        self._outbox = None
        self._started = False
        self.started_processes = 0
        self.crashes = 0
        self.peak_kib: dict[int, int] = {}  # pid -> peak resident memory
        self.last_kib: dict[int, int] = {}  # pid -> resident memory after its last chunk

    # ------------------------------------------------------------------ processes
    def _spawn(self) -> _Worker:
        wid = next(self._ids)
        inbox = self.ctx.Queue()
        proc = self.ctx.Process(target=worker_main, args=(wid, inbox, self._outbox, self.cfg),
                                name=f"eventwire-worker-{wid}", daemon=True)
        with _worker_environment():
            proc.start()
        w = _Worker(wid, proc, inbox)
        self._pool[wid] = w
        self.started_processes += 1
        return w

    def start(self) -> None:
        """Start the workers and wait until every one has loaded the model."""
        if self._started:
            return
        self._outbox = self.ctx.Queue()
        self._started = True
        for _ in range(self.workers):
            self._spawn()
        deadline_check = time.monotonic()
        while not all(w.ready for w in self._pool.values()):
            try:
                self._handle(self._outbox.get(timeout=0.5))
            except queue.Empty:
                pass
            if time.monotonic() - deadline_check > 0.5:
                deadline_check = time.monotonic()
                for w in list(self._pool.values()):
                    if not w.ready and w.process.exitcode is not None:
                        self.close()
                        raise ScaleError(f"a worker process exited with code {w.process.exitcode} while loading "
                                         "the model; try --workers 1 to see the error")

    def close(self) -> None:
        for w in self._pool.values():
            if w.process.is_alive() and not w.stop_sent:
                with contextlib.suppress(Exception):
                    w.inbox.put(None)
                    w.stop_sent = True
        deadline = time.monotonic() + 5
        for w in self._pool.values():
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=2)
        for w in self._pool.values():
            with contextlib.suppress(Exception):
                w.inbox.close()
                w.inbox.cancel_join_thread()
        self._pool.clear()
        if self._outbox is not None:
            with contextlib.suppress(Exception):
                self._outbox.close()
                self._outbox.cancel_join_thread()
        self._started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def memory(self) -> dict[str, int]:
        """Peak resident memory in KiB: of each worker process (by pid) and of the coordinator."""
        out = {f"worker {pid}": kib for pid, kib in self.peak_kib.items()}
        out["coordinator"] = memory_kib()[1]
        return out

    # ------------------------------------------------------------------ messages
    def _handle(self, msg) -> tuple | None:
        kind, wid = msg[0], msg[1]
        w = self._pool.get(wid)
        if kind == "ready":
            if w is not None:
                w.ready, w.pid = True, msg[2]
            return None
        if kind == "fatal":
            self.close()
            raise ModelError(msg[2])
        if kind == "done":
            _, _, key, results, now, peak = msg
            if w is not None and w.pid is not None:
                self.peak_kib[w.pid] = max(self.peak_kib.get(w.pid, 0), peak)
                self.last_kib[w.pid] = now
            if w is None or key not in w.inflight:
                return None  # already given up on and retried elsewhere
            del w.inflight[key]
            return key, results
        return None

    def _reap(self) -> list[tuple]:
        """Notice workers that exited: retired ones leave; crashed ones' chunks are retried. Returns
        (key, results) for retried documents that crashed a worker a second time."""
        failed = []
        for wid, w in list(self._pool.items()):
            if w.process.exitcode is None:
                continue
            del self._pool[wid]
            if w.stop_sent and not w.inflight:
                continue  # a clean exit when told to stop
            # it died: what it had not sent back (the caller drained the queue first) is lost
            self.crashes += 1
            if self.crashes > 3 * self.workers + 10:
                self.close()
                raise ScaleError(f"worker processes keep dying ({self.crashes} so far, the last with exit code "
                                 f"{w.process.exitcode}); is the machine out of memory?")
            for key, items in w.inflight.items():
                if isinstance(key, int):  # a whole chunk: code its documents one by one elsewhere
                    self._partial[key] = [None] * len(items)
                    for i, item in enumerate(items):
                        self._retry.append(((key, i), [item]))
                else:  # a lone document that crashed a worker twice
                    failed.append((key, [("error", item_name(items[0]),
                                          f"crashed a worker process twice (exit code {w.process.exitcode}); "
                                          "skipped")]))
            w.inflight.clear()
            if not w.retiring:
                self._spawn()
        return failed

    # ------------------------------------------------------------------ running
    def run(self, items: Iterable) -> Iterator[tuple[str, object]]:
        """Code ``items`` (SourceDoc or InputError) on the pool; yield ("coded", Document | InputError)."""
        self.start()
        chunks = enumerate(chunked((to_wire(i) for i in items), self.chunk_size))
        reorder = Reorder(self.options.effective_ordered())
        self._partial: dict[int, list] = {}
        self._retry: deque = deque()
        exhausted = False
        last_check = time.monotonic()

        def finished(key, results) -> list:
            if isinstance(key, tuple):  # one document of a retried chunk
                seq, i = key
                slots = self._partial[seq]
                slots[i] = results
                if any(s is None for s in slots):
                    return []
                del self._partial[seq]
                results = [r for s in slots for r in s]
                key = seq
            return reorder.add(key, results)

        while True:
            # hand out work: retries first, then new chunks while the window has room
            while True:
                free = [w for w in self._pool.values() if not w.retiring and len(w.inflight) < self.prefetch]
                if not free:
                    break
                w = min(free, key=lambda x: len(x.inflight))
                if self._retry:
                    key, chunk = self._retry.popleft()
                else:
                    held = sum(len(x.inflight) for x in self._pool.values()) + len(reorder) + len(self._partial)
                    if exhausted or held >= self.window:
                        break
                    nxt = next(chunks, None)
                    if nxt is None:
                        exhausted = True
                        break
                    key, chunk = nxt
                w.inflight[key] = chunk
                w.inbox.put((key, chunk))
                w.sent += len(chunk)
                if self.options.recycle_after and w.sent >= self.options.recycle_after and not w.retiring:
                    w.retiring = True  # gets no more work; a fresh process takes its place
                    self._spawn()
            for w in self._pool.values():  # retired workers stop once they have delivered everything
                if w.retiring and not w.inflight and not w.stop_sent:
                    w.inbox.put(None)
                    w.stop_sent = True
            busy = any(w.inflight for w in self._pool.values())
            if exhausted and not busy and not self._retry and not self._partial and not len(reorder):
                return
            try:
                msg = self._outbox.get(timeout=0.2)
            except queue.Empty:
                msg = None
            ready = []
            if msg is not None:
                done = self._handle(msg)
                if done is not None:
                    ready.extend(finished(*done))
            if msg is None or time.monotonic() - last_check > 1.0:
                last_check = time.monotonic()
                while True:  # read everything already sent before judging the dead
                    try:
                        more = self._outbox.get_nowait()
                    except queue.Empty:
                        break
                    done = self._handle(more)
                    if done is not None:
                        ready.extend(finished(*done))
                for key, results in self._reap():
                    ready.extend(finished(key, results))
            for results in ready:
                for r in results:
                    yield "coded", from_wire(r)
