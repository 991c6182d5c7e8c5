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
import multiprocessing.connection
import os
import queue
import signal
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
            self.nlp = load_pipeline(self.options.model, None, self.options.lexicon)

    def run(self, items: Iterable) -> Iterator[tuple[str, object]]:
        self.start()
        o = self.options
        for result in code_documents(items, self.nlp, batch_size=o.batch_size, max_chars=o.max_chars,
                                     chunk_chars=o.chunk_chars, people=o.people,
                                     max_sentence_tokens=o.max_sentence_tokens, doc_timeout=o.doc_timeout):
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
def worker_main(wid: int, inbox, conn, cfg: dict) -> None:
    """A worker process: load the model, then code chunks until told to stop or the parent is gone.

    Work comes in on ``inbox`` (a queue: the coordinator never waits for a busy worker); results go out on
    ``conn``, this worker's own pipe, synchronously: what a worker has sent is in the pipe even if it dies
    the next moment, and the pipe's end tells the coordinator at once that the worker is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle: it stops us
    try:
        try:
            nlp = load_pipeline(cfg["model"], None, cfg.get("lexicon"))
        except Exception as exc:  # ModelError, or anything else that stops the model loading
            conn.send(("fatal", f"{exc}"))
            return
        conn.send(("ready", os.getpid()))
        parent = multiprocessing.parent_process()
        marker = os.environ.get(CRASH_MARKER_ENV)
        while True:
            try:
                msg = inbox.get(timeout=1.0)
            except queue.Empty:
                if parent is not None and not parent.is_alive():
                    return
                continue
            if msg is None:
                return
            key, items = msg
            if marker and any(not isinstance(i, tuple) and marker in i.text for i in items):
                os._exit(70)
            results = code_chunk(nlp, items, batch_size=cfg["batch_size"], max_chars=cfg["max_chars"],
                                 chunk_chars=cfg["chunk_chars"], memory_zone=cfg["memory_zone"],
                                 people=cfg.get("people"), max_sentence_tokens=cfg.get("max_sentence_tokens"),
                                 doc_timeout=cfg.get("doc_timeout"))
            now, peak = memory_kib()
            conn.send(("done", key, results, now, peak))
    except (BrokenPipeError, EOFError):  # the coordinator is gone
        return
    finally:
        inbox.cancel_join_thread()


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
    conn: object  # the receiving end of the worker's result pipe
    pid: int | None = None
    ready: bool = False
    gone: bool = False  # its pipe has ended: it exited, one way or another
    inflight: dict = field(default_factory=dict)  # task key -> wire items, in the order sent
    sent: int = 0  # documents handed to it
    retiring: bool = False
    stop_sent: bool = False

    def holds_retry(self) -> bool:
        return any(isinstance(k, tuple) for k in self.inflight)


class LocalEngine:
    """A pool of ``workers`` processes on this machine (see the module docstring).

    Task keys are chunk numbers (ints). When a worker dies, each chunk it had not sent back is split into
    its documents, keyed ``(chunk, index)``, and each is retried alone on an idle worker that gets nothing
    else meanwhile: a worker that dies while holding one of those died of that document, which is then
    reported as failed instead of being tried again."""

    name = "local"

    def __init__(self, options: ScaleOptions, workers: int, chunk_size: int, *, prefetch: int = 2,
                 window_per_worker: int = 4):
        self.options = options
        self.workers = workers
        self.chunk_size = chunk_size
        self.prefetch = prefetch
        self.window = max(2, workers * window_per_worker)
        self.ctx = multiprocessing.get_context("spawn")
        self.cfg = {"lexicon": options.lexicon, "people": options.people, "model": options.model, "batch_size": options.batch_size, "max_chars": options.max_chars,
                    "chunk_chars": options.chunk_chars, "memory_zone": options.memory_zone,
                    "max_sentence_tokens": options.max_sentence_tokens, "doc_timeout": options.doc_timeout}
        self._ids = itertools.count()
        self._pool: dict[int, _Worker] = {}
        self._started = False
        self._partial: dict[int, list] = {}  # chunk -> results of its documents retried alone
        self._retry: deque = deque()  # ((chunk, index), [item]) waiting for an idle worker
        self.started_processes = 0
        self.crashes = 0
        self.peak_kib: dict[int, int] = {}  # pid -> peak resident memory
        self.last_kib: dict[int, int] = {}  # pid -> resident memory after its last chunk

    # ------------------------------------------------------------------ processes
    def _spawn(self) -> _Worker:
        wid = next(self._ids)
        inbox = self.ctx.Queue()
        receiver, sender = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=worker_main, args=(wid, inbox, sender, self.cfg),
                                name=f"eventwire-worker-{wid}", daemon=True)
        with _worker_environment():
            proc.start()
        sender.close()  # the worker holds the only sending end: when it dies, our end reads EOF
        w = _Worker(wid, proc, inbox, receiver)
        self._pool[wid] = w
        self.started_processes += 1
        return w

    def start(self) -> None:
        """Start the workers and wait until every one has loaded the model."""
        if self._started:
            return
        self._started = True
        for _ in range(self.workers):
            self._spawn()
        while not all(w.ready for w in self._pool.values()):
            self._receive(timeout=0.5)
            for w in list(self._pool.values()):
                if w.gone and not w.ready:
                    code = w.process.exitcode
                    self.close()
                    raise ScaleError(f"a worker process exited (code {code}) while loading the model; "
                                     "try --workers 1 to see the error")

    def close(self) -> None:
        for w in self._pool.values():
            if w.process.is_alive() and (not w.ready or w.gone):
                w.process.terminate()  # still loading the model, or past talking to: it holds no work
            elif w.process.is_alive() and not w.stop_sent:
                with contextlib.suppress(Exception):
                    w.inbox.put(None)
                    w.stop_sent = True
        deadline = time.monotonic() + 5
        for w in self._pool.values():
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=2)
            with contextlib.suppress(Exception):
                w.conn.close()
                w.inbox.close()
                w.inbox.cancel_join_thread()
        self._pool.clear()
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
    def _receive(self, timeout: float) -> list[tuple]:
        """Wait up to ``timeout`` for the workers; read every message there is. Returns (key, results)
        of the tasks finished."""
        finished = []
        conns = {w.conn: w for w in self._pool.values() if not w.gone}
        if not conns:
            return finished
        for conn in multiprocessing.connection.wait(list(conns), timeout=timeout):
            w = conns[conn]
            while True:  # everything it sent, up to its end if it is gone
                try:
                    if not conn.poll():
                        break
                    msg = conn.recv()
                except (EOFError, OSError):
                    w.gone = True
                    break
                if msg[0] == "ready":
                    w.ready, w.pid = True, msg[1]
                elif msg[0] == "fatal":
                    self.close()
                    raise ModelError(msg[1])
                elif msg[0] == "done":
                    _, key, results, now, peak = msg
                    self.peak_kib[w.pid] = max(self.peak_kib.get(w.pid, 0), peak)
                    self.last_kib[w.pid] = now
                    if w.inflight.pop(key, None) is not None:
                        finished.append((key, results))
        return finished

    def _reap(self) -> list[tuple]:
        """Take leave of the workers whose pipe has ended. Their unfinished chunks are split for retrying;
        a retried document whose worker died is returned as failed, (key, results)."""
        failed = []
        for wid, w in list(self._pool.items()):
            if not w.gone:
                continue
            w.process.join(timeout=5)
            del self._pool[wid]
            with contextlib.suppress(Exception):
                w.conn.close()
                w.inbox.cancel_join_thread()
            if w.stop_sent and not w.inflight:
                continue  # it was told to stop, and did
            self.crashes += 1
            code = w.process.exitcode
            if self.crashes > 3 * self.workers + 10:
                self.close()
                raise ScaleError(f"worker processes keep dying ({self.crashes} so far, the last with exit code "
                                 f"{code}); is the machine out of memory?")
            for key, items in w.inflight.items():
                if isinstance(key, int):  # a whole chunk: its documents are tried again one by one
                    self._partial[key] = [None] * len(items)
                    for i, item in enumerate(items):
                        self._retry.append(((key, i), [item]))
                else:  # a document tried alone, and its worker died
                    failed.append((key, [("error", item_name(items[0]),
                                          f"crashed a worker process twice (exit code {code}); skipped")]))
            w.inflight.clear()
        return failed

    def _send(self, w: _Worker, key, chunk: list) -> None:
        w.inflight[key] = chunk
        w.inbox.put((key, chunk))
        w.sent += len(chunk)
        if self.options.recycle_after and w.sent >= self.options.recycle_after:
            w.retiring = True  # gets no more work; a fresh process takes its place

    # ------------------------------------------------------------------ running
    def run(self, items: Iterable) -> Iterator[tuple[str, object]]:
        """Code ``items`` (SourceDoc or InputError) on the pool; yield ("coded", Document | InputError).

        Between two results handed to the caller the pool is served without waiting (results read, work
        handed out), so the workers stay busy while the caller stores or prints."""
        self.start()
        chunks = enumerate(chunked((to_wire(i) for i in items), self.chunk_size))
        reorder = Reorder(self.options.effective_ordered())
        self._partial, self._retry = {}, deque()
        out: deque = deque()  # results ready for the caller
        exhausted = False

        def finished(key, results) -> None:
            if isinstance(key, tuple):  # one document of a chunk being retried
                seq, i = key
                slots = self._partial[seq]
                slots[i] = results
                if any(s is None for s in slots):
                    return
                del self._partial[seq]
                results = [r for s in slots for r in s]
                key = seq
            for ready in reorder.add(key, results):
                out.extend(ready)

        while True:
            # hand out work: retries to idle workers, new chunks while the window has room
            while True:
                active = [w for w in self._pool.values() if not w.retiring and not w.gone]
                if len(active) < self.workers and (self._retry or not exhausted):
                    self._spawn()  # in place of one retired or dead, while there is work for it
                    continue
                if self._retry:
                    idle = [w for w in active if not w.inflight]
                    if not idle:
                        break
                    self._send(idle[0], *self._retry.popleft())
                    continue
                free = [w for w in active if len(w.inflight) < self.prefetch and not w.holds_retry()]
                held = (sum(len(x.inflight) for x in self._pool.values()) + len(reorder) + len(self._partial)
                        + len(out) // self.chunk_size)
                if not free or exhausted or held >= self.window:
                    break
                nxt = next(chunks, None)
                if nxt is None:
                    exhausted = True
                    break
                self._send(min(free, key=lambda x: len(x.inflight)), *nxt)
            for w in self._pool.values():  # retired workers stop once they have delivered everything
                if w.retiring and not w.inflight and not w.stop_sent and not w.gone:
                    w.inbox.put(None)
                    w.stop_sent = True
            busy = any(w.inflight for w in self._pool.values())
            if exhausted and not busy and not self._retry and not self._partial and not len(reorder) and not out:
                return
            for key, results in self._receive(timeout=0 if out else 0.5) + self._reap():
                finished(key, results)
            if out:
                yield "coded", from_wire(out.popleft())
