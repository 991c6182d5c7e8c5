"""Coding on Dask distributed: a LocalCluster on this machine, or any cluster through its scheduler
(``tcp://HOST:PORT``; dask-jobqueue, dask-kubernetes and dask-gateway all give one).

* ``ModelPlugin``, a ``distributed.WorkerPlugin``, loads the model once per worker process, when the
  worker joins (workers that join later get it too); tasks take the worker's pipeline from it.
* Each task codes one batch (a chunk of documents) and writes its documents to one Parquet partition in
  the run folder (``parquet.write_partition``); it returns only the partition's name, the order of its
  results and the reasons of any failures. The run folder must be one that the workers and this
  machine share (the local disk for a LocalCluster; NFS or another shared file system for a cluster).
* This side reads each partition back as it completes (``parquet.read_partition``) and hands its
  documents on, to the store or the output, then marks the partition delivered; partitions that a killed
  run wrote but did not deliver are delivered first when the run is restarted.
* At most about two batches per worker thread are in flight, so the corpus streams through.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pathlib
import threading
import uuid
from collections.abc import Iterable, Iterator

from ..errors import InputError, ModelError
from ..records import Document
from .local import Reorder
from .options import ScaleError, ScaleOptions
from .parquet import Manifest, read_partition, write_partition
from .wire import chunk_key, chunked, code_chunk, from_wire, item_name, memory_kib, to_wire

try:
    import dask
    import distributed
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - the scale extra is missing
    dask = distributed = None
    WorkerPlugin = object

__all__ = ["DaskEngine", "ModelPlugin", "code_batch", "plugin_name"]

_fallback_lock = threading.Lock()


def plugin_name(model: str | None, lexicon: str | None = None) -> str:
    """One plugin (one loaded pipeline) per model and lexicon: a run with another lexicon on a long-lived
    cluster must not find the previous run's pipeline under the same name."""
    name = f"eventwire-model-{model or 'default'}"
    if lexicon:
        name += "-lexicon-" + hashlib.sha256(str(pathlib.Path(lexicon).resolve()).encode()).hexdigest()[:12]
    return name


class ModelPlugin(WorkerPlugin):
    """Loads eventwire's pipeline once per Dask worker. A lock lets one task at a time use it, so a worker
    with several threads stays correct (give workers one thread each and more processes instead)."""

    idempotent = True  # registering it again (a second run on the same cluster) keeps the loaded model

    def __init__(self, model: str | None = None, lexicon: str | None = None):
        self.model = model
        self.lexicon = lexicon
        self.nlp = None
        self.lock = None

    def setup(self, worker=None) -> None:
        from ..nlp import load_pipeline

        self.lock = threading.Lock()
        self.nlp = load_pipeline(self.model, None, self.lexicon)

    def teardown(self, worker=None) -> None:
        self.nlp = None


def code_batch(key: str, items: list, run_dir: str, cfg: dict) -> dict:
    """The Dask task: code one batch, write its documents to one partition, return what happened."""
    nlp, lock = None, _fallback_lock
    worker = None
    try:
        worker = distributed.get_worker()
        plugin = worker.plugins.get(plugin_name(cfg["model"], cfg.get("lexicon")))
        if plugin is not None and plugin.nlp is not None:
            nlp, lock = plugin.nlp, plugin.lock
    except ValueError:  # not on a worker (a local scheduler): load it here
        pass
    if nlp is None:
        from ..nlp import load_pipeline

        nlp = load_pipeline(cfg["model"], None, cfg.get("lexicon"))
    with lock:
        results = code_chunk(nlp, items, batch_size=cfg["batch_size"], max_chars=cfg["max_chars"],
                             chunk_chars=cfg["chunk_chars"], memory_zone=cfg["memory_zone"],
                             people=cfg.get("people"), max_sentence_tokens=cfg.get("max_sentence_tokens"),
                             doc_timeout=cfg.get("doc_timeout"))
    docs = [r for r in results if isinstance(r, Document)]
    partition = write_partition(run_dir, key, docs).name if docs else None
    now, peak = memory_kib()
    return {
        "partition": partition,
        "order": [("doc", r.id) if isinstance(r, Document) else r for r in results],
        "rss_kib": now,
        "peak_kib": peak,
        "worker": worker.address if worker is not None else f"pid {os.getpid()}",
    }


class DaskEngine:
    """Runs batches on a Dask cluster; see the module docstring."""

    name = "dask"

    def __init__(self, options: ScaleOptions, workers: int, chunk_size: int, run_dir: str | pathlib.Path):
        if distributed is None:
            raise ScaleError("--engine dask needs Dask distributed and pyarrow: pip install 'eventwire[scale]'")
        self.options = options
        self.workers = workers
        self.chunk_size = chunk_size
        self.run_dir = pathlib.Path(run_dir).resolve()
        self.manifest = Manifest(self.run_dir)
        self.cluster = None
        self.client = None
        self.cfg = {"lexicon": options.lexicon, "people": options.people, "model": options.model, "batch_size": options.batch_size, "max_chars": options.max_chars,
                    "chunk_chars": options.chunk_chars, "memory_zone": options.memory_zone,
                    "max_sentence_tokens": options.max_sentence_tokens, "doc_timeout": options.doc_timeout}
        self.peak_kib: dict[str, int] = {}
        self.last_kib: dict[str, int] = {}
        self.recovered_partitions = 0

    # ------------------------------------------------------------------ cluster
    def start(self) -> None:
        if self.client is not None:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            if self.options.scheduler:
                self.client = distributed.Client(self.options.scheduler, timeout="30s")
            else:
                # ":0": the scheduler's HTTP endpoint on any free port, so that two runs never fight over 8787.
                # The workers' statistical profiler (a stack sample every 10 ms) costs about 5% of the
                # coding time (measured, benchmarks/scale.py); nobody reads it in a batch run.
                with dask.config.set({"distributed.worker.profile.enabled": False}):
                    self.cluster = distributed.LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                        silence_logs=logging.ERROR,
                    )
                self.client = distributed.Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            where = self.options.scheduler or "a LocalCluster"
            raise ScaleError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        try:
            self.client.register_plugin(ModelPlugin(self.options.model, self.options.lexicon),
                                        name=plugin_name(self.options.model, self.options.lexicon))
        except Exception as exc:
            self.close()
            raise ModelError(f"the Dask workers cannot load the model: {exc}") from None

    def close(self) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - closing a cluster that is already gone
                    pass
        self.client = self.cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001
            return max(1, self.workers)

    def memory(self) -> dict[str, int]:
        out = {f"worker {addr}": kib for addr, kib in self.peak_kib.items()}
        out["coordinator"] = memory_kib()[1]
        return out

    # ------------------------------------------------------------------ running
    def _deliver(self, result: dict | BaseException, chunk: list) -> Iterator[tuple[str, object]]:
        if isinstance(result, BaseException):
            for item in chunk:
                if isinstance(item, tuple):
                    yield "coded", from_wire(item)
                else:
                    yield "coded", InputError(item_name(item), f"failed on a Dask worker: {type(result).__name__}: "
                                                               f"{result}")
            return
        self.peak_kib[result["worker"]] = max(self.peak_kib.get(result["worker"], 0), result["peak_kib"])
        self.last_kib[result["worker"]] = result["rss_kib"]
        docs: dict[str, Document] = {}
        path = self.run_dir / result["partition"] if result["partition"] else None
        if path is not None:
            docs = {d.id: d for d in read_partition(path)}
        for entry in result["order"]:
            yield "coded", docs[entry[1]] if entry[0] == "doc" else from_wire(entry)
        if path is not None:
            self.manifest.add(path)

    def run(self, items: Iterable) -> Iterator[tuple[str, object]]:
        """Deliver partitions left by an interrupted run, then code ``items`` batch by batch."""
        self.start()
        for path in self.manifest.pending():
            for doc in read_partition(path):
                yield "recovered", doc
            self.manifest.add(path)
            self.recovered_partitions += 1
        chunks = enumerate(chunked((to_wire(i) for i in items), self.chunk_size))
        reorder = Reorder(self.options.effective_ordered())
        inflight: dict = {}  # future -> (seq, chunk)
        done = None  # distributed.as_completed, made with the first future
        window = 2 * self.threads() + 2
        exhausted = False
        while True:
            while not exhausted and len(inflight) + len(reorder) < window:
                nxt = next(chunks, None)
                if nxt is None:
                    exhausted = True
                    break
                seq, chunk = nxt
                key = chunk_key(chunk)
                fut = self.client.submit(code_batch, key, chunk, str(self.run_dir), self.cfg, pure=False,
                                         retries=1, key=f"eventwire-batch-{key}-{uuid.uuid4().hex[:8]}")
                inflight[fut] = (seq, chunk)
                if done is None:
                    done = distributed.as_completed([fut])
                else:
                    done.add(fut)
            if not inflight:
                break
            fut = next(done)
            seq, chunk = inflight.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died twice, a task raised: report its documents
                result = exc
            fut.release()
            for ready in reorder.add(seq, (result, chunk)):
                yield from self._deliver(*ready)
            if seq % 16 == 0:
                window = 2 * self.threads() + 2  # workers come and go
