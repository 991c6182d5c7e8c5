#!/usr/bin/env python3
"""Scaling benchmark: worker processes and Dask against one process, and a 10,000-document run end to end.

usage: python benchmarks/scale.py [--docs 10000] [--ratio-docs 1200] [--workers 2] [--rounds 1]
                                  [--sentences 4] [--skip-dask] [--out FILE]

The script writes its own corpus: short news-like articles made from sentence templates, each one
different (``synthetic_corpus``). In one run it measures:

1. ratios, on the same ``--ratio-docs`` articles, with every engine started (model loaded) before the
   clock starts, so start-up is reported apart:
   - ``--workers 2`` / ``--workers 1`` (this process): target >= 1.7 on 2 cores;
   - Dask LocalCluster(2) / ``--workers 2``: target >= 0.85;
2. what the serial part costs per full-size article (the examples, about 500 words): ``Store.add``, the
   Parquet round trip into the store, bytes on disk and rows per document (the capacity plan's inputs);
3. the full corpus end to end, as ``eventwire code DIR --workers N --no-db --format jsonl`` runs it (files
   read, coded by the worker pool, written out as JSON lines), with documents/s and the peak memory of
   each worker, sampled along the way to show whether it creeps; and the first ``--store-docs`` of it
   as ``eventwire code DIR --workers N --db ...`` runs it, into DuckDB, with the time the store takes.

Nothing is stored for the ratios (the store is the same serial cost for every engine). Next to each
wall-clock ratio the script gives the ratio implied by CPU time (CPU seconds per document of the whole
process tree: coordinator, workers, Dask's nannies and scheduler): on idle cores, w busy workers give
w / (CPU seconds per document) documents/s. It is the figure to trust when the machine is shared. The machine's load average is printed with the figures: other work on the machine
makes every ratio worse, so measure on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eventwire.ingest import read_paths  # noqa: E402
from eventwire.pipeline import SourceDoc  # noqa: E402
from eventwire.scale import CodingRun, InlineEngine, LocalEngine, ScaleOptions, count_inputs  # noqa: E402
from eventwire.scale.wire import memory_kib  # noqa: E402
from eventwire.store import Store  # noqa: E402

# ------------------------------------------------------------------------------------------ the corpus
COUNTRIES = [
    ("Kenya", "Kenyan", "Nairobi"), ("Uganda", "Ugandan", "Kampala"), ("Peru", "Peruvian", "Lima"),
    ("Chile", "Chilean", "Santiago"), ("Poland", "Polish", "Warsaw"), ("Belarus", "Belarusian", "Minsk"),
    ("Egypt", "Egyptian", "Cairo"), ("Jordan", "Jordanian", "Amman"), ("Japan", "Japanese", "Tokyo"),
    ("China", "Chinese", "Beijing"), ("India", "Indian", "New Delhi"), ("Pakistan", "Pakistani", "Islamabad"),
    ("Brazil", "Brazilian", "Brasilia"), ("Argentina", "Argentine", "Buenos Aires"), ("Turkey", "Turkish", "Ankara"),
    ("Greece", "Greek", "Athens"), ("Serbia", "Serbian", "Belgrade"), ("Armenia", "Armenian", "Yerevan"),
    ("Azerbaijan", "Azerbaijani", "Baku"), ("Nigeria", "Nigerian", "Abuja"), ("Ghana", "Ghanaian", "Accra"),
    ("Mexico", "Mexican", "Mexico City"), ("Colombia", "Colombian", "Bogota"), ("Vietnam", "Vietnamese", "Hanoi"),
]
OFFICIALS = ["foreign minister", "defence minister", "prime minister", "president", "interior minister",
             "trade minister", "army chief"]
BODIES = ["The United Nations", "The European Union", "The African Union", "NATO", "The World Bank",
          "The Red Cross"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TEMPLATES = [
    "{A} accused {B} on {day} of violating the ceasefire near the border.",
    "The {a} {official} met {b} officials in {capB} on {day} to discuss trade and security.",
    "\"We will respond firmly to any provocation,\" the {a} {official} told reporters in {capA}.",
    "{A} pledged {n} million dollars in humanitarian aid to {B} after the floods.",
    "Police in {capA} arrested {n} protesters outside the {b} embassy on {day}.",
    "{body} urged {A} and {B} to return to negotiations without delay.",
    "{B} denied the accusations and said its troops had not crossed the border.",
    "The two countries signed an agreement on energy cooperation in {capA} on {day}.",
    "{A} recalled its ambassador from {capB} after the incident, the ministry said.",
    "Thousands of people marched in {capB} on {day} to demand the release of {n} detained journalists.",
    "{body} said it would send {n} observers to monitor the elections in {B}.",
    "The {b} government imposed sanctions on {n} companies from {A}.",
    "Officials said at least {n} people were killed in clashes near {capB} on {day}.",
    "{A} threatened to cut gas supplies to {B} if the debt was not paid by the end of the month.",
    "The {a} president praised {B} for its help after the earthquake.",
    "Talks between {A} and {B} are expected to resume next week in {capC}.",
    "{B} rejected a proposal from {A} to share control of the disputed island.",
    "The {a} army said it had shot down {n} drones launched from {B} overnight.",
]


def synthetic_article(i: int, sentences: int) -> tuple[str, str, str]:
    """(title, text, published) of article ``i``: original template sentences, different for every ``i``."""
    rng = random.Random(i)
    a, b, c = rng.sample(COUNTRIES, 3)
    slots = {"A": a[0], "a": a[1], "capA": a[2], "B": b[0], "b": b[1], "capB": b[2], "capC": c[2],
             "day": rng.choice(DAYS), "official": rng.choice(OFFICIALS), "body": rng.choice(BODIES)}
    picked = rng.sample(TEMPLATES, sentences)
    body = []
    for k, t in enumerate(picked):
        slots["n"] = str(2 + (i * 7 + k * 13) % 997) if k else str(i + 2)  # the first number makes it unique
        body.append(t.format(**slots))
    published = f"20{23 + i % 3}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return f"{a[0]} and {b[0]}: report {i}", " ".join(body), published


def synthetic_corpus(n: int, sentences: int) -> list[tuple[str, str, str]]:
    out, seen = [], set()
    for i in range(n):
        art = synthetic_article(i, sentences)
        assert art[1] not in seen
        seen.add(art[1])
        out.append(art)
    return out


def write_corpus(folder: pathlib.Path, articles) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, (title, text, published) in enumerate(articles):
        (folder / f"article-{i:06d}.txt").write_text(text, encoding="utf-8")
        (folder / f"article-{i:06d}.meta.json").write_text(json.dumps({"title": title, "published": published}))


# ------------------------------------------------------------------------------------------ measuring
def tree_cpu() -> float:
    """CPU seconds used so far by this process and its living descendants (workers, Dask nannies)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with Dask
        return float("nan")
    me = psutil.Process()
    total = 0.0
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def timed(engine, sources, options) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the whole process tree, documents) of one run."""
    c0, t0 = tree_cpu(), time.perf_counter()
    n = sum(1 for _ in CodingRun(sources, options, engine=engine, total=len(sources)))
    return time.perf_counter() - t0, tree_cpu() - c0, n


def start(engine) -> float:
    t0 = time.perf_counter()
    engine.start()
    return time.perf_counter() - t0


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def ratios(args, docs: list[SourceDoc], tmp: pathlib.Path) -> dict:
    """Each engine in turn, alone on the machine: started, warmed up on a few documents, timed on ``docs``,
    closed; ``--rounds`` times over, the best round of each counting."""
    out: dict = {"documents": len(docs), "load_average_before": load()}
    n, w = len(docs), args.workers

    def engines():
        one = ScaleOptions(workers=1)
        yield "workers_1", one, lambda: InlineEngine(one)
        pool = ScaleOptions(workers=w, recycle_after=0)
        yield f"workers_{w}", pool, lambda: LocalEngine(pool, w, pool.effective_chunk_size(n, w))
        if not args.skip_dask:
            from eventwire.scale.dask_engine import DaskEngine

            dask = ScaleOptions(engine="dask", workers=w, run_dir=str(tmp / "parts"), resume=False)
            yield f"dask_{w}", dask, lambda: DaskEngine(dask, w, dask.effective_chunk_size(n, w), tmp / "parts")

    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    startup: dict[str, float] = {}
    memory: dict[str, dict] = {}
    warm = [SourceDoc(d.text + " (warm-up)", d.name, published=d.published) for d in docs[:8]]
    for _ in range(args.rounds):
        for name, opts, make in engines():
            shutil.rmtree(tmp / "parts", ignore_errors=True)
            with make() as engine:
                seconds = start(engine)
                startup.setdefault(name, seconds)  # the first, cold start (the model is cached after it)
                timed(engine, warm, opts)
                seconds, cpu_seconds, got = timed(engine, docs, opts)
                assert got == n, (name, got, n)
                best[name] = min(best.get(name, float("inf")), seconds)
                cpu[name] = min(cpu.get(name, float("inf")), cpu_seconds)
                memory[name] = {k: round(v / 1024) for k, v in engine.memory().items() if k != "coordinator"}
            if name.startswith("dask"):
                parts = list((tmp / "parts").glob("part-*.parquet"))
                out["parquet_bytes_per_document"] = round(sum(p.stat().st_size for p in parts) / (n + len(warm)))
                out["parquet_documents_per_partition"] = round((n + len(warm)) / max(1, len(parts)), 1)
    out["startup_s"] = {name: round(v, 2) for name, v in startup.items()}
    out["peak_memory_mib_workers"] = memory
    out["documents_per_s"] = {name: round(n / v, 1) for name, v in best.items()}
    out[f"ratio_workers_{w}_to_workers_1"] = round(best["workers_1"] / best[f"workers_{w}"], 3)
    if not args.skip_dask:
        out[f"ratio_dask_{w}_to_workers_{w}"] = round(best[f"workers_{w}"] / best[f"dask_{w}"], 3)
    # The same ratios from CPU time, which other work on the machine barely changes: with w workers on
    # w idle cores the cores are the limit, so documents/s = w / (CPU seconds per document, all processes).
    out["cpu_ms_per_document"] = {name: round(1000 * c / n, 2) for name, c in cpu.items()}
    cores = min(w, os.cpu_count() or w)
    out[f"cpu_ratio_workers_{w}_to_workers_1"] = round(cores * cpu["workers_1"] / cpu[f"workers_{w}"], 3)
    if not args.skip_dask:
        out[f"cpu_ratio_dask_{w}_to_workers_{w}"] = round(cpu[f"workers_{w}"] / cpu[f"dask_{w}"], 3)
    out["load_average_after"] = load()
    return out


def end_to_end(args, folder: pathlib.Path, tmp: pathlib.Path, *, store: bool, limit: int | None = None) -> dict:
    """Articles from files to output, as ``eventwire code DIR --workers N`` runs it: with ``store``, into
    DuckDB (``--db``); without, each document written as a JSON line (``--no-db --format jsonl``, here
    to /dev/null). The workers' memory is sampled along the way, to show whether it creeps."""
    paths = sorted(folder.glob("*.txt"))[:limit] if limit else [folder]
    paths = [str(p) for p in paths]
    total = count_inputs(paths)
    options = ScaleOptions(workers=args.workers)
    samples = []
    out: dict = {"documents": total, "store": "duckdb" if store else "none (JSON lines)", "load_average_before": load()}
    spent = [0.0]
    t0 = time.perf_counter()
    with open(os.devnull, "w") as sink, Store(tmp / f"e2e-{total}.duckdb") as db:
        if store:
            add = db.add

            def timed_add(doc):  # the coordinator's serial share: how long the store takes
                t = time.perf_counter()
                try:
                    return add(doc)
                finally:
                    spent[0] += time.perf_counter() - t

            db.add = timed_add
        run = CodingRun(read_paths(paths), options, store=db if store else None, total=total)
        n = 0
        for result in run:
            n += 1
            if not store:
                sink.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            if n % max(1, total // 10) == 0 and getattr(run.engine, "last_kib", None):
                samples.append({"documents": n,
                                "worker_rss_mib": sorted(round(v / 1024) for v in run.engine.last_kib.values())})
        elapsed = time.perf_counter() - t0
        counts = {t: db.count(t) for t in ("documents", "sentences", "actors", "quotes", "events", "places", "dates")}
    stats = run.stats
    words = sum(len(pathlib.Path(p).read_text(encoding="utf-8").split()) for p in (paths if limit else map(str, folder.glob("*.txt"))))
    out.update({
        "workers": stats.workers,
        "seconds": round(elapsed, 1),
        "documents_per_s": round(total / elapsed, 1),
        "words_per_s": round(words / elapsed),
        "words_per_document": round(words / total, 1),
        "failed": stats.failed,
        "peak_memory_mib_per_worker": {k: round(v / 1024) for k, v in stats.memory_kib.items() if k != "coordinator"},
        "peak_memory_mib_coordinator": round(stats.memory_kib.get("coordinator", memory_kib()[1]) / 1024),
        "worker_memory_samples": samples,
        "load_average_after": load(),
    })
    if store:
        out.update({
            "store_add_seconds": round(spent[0], 1),
            "store_add_documents_per_s": round(total / spent[0], 1) if spent[0] else None,
            "store_rows_per_document": {t: round(c / max(1, counts["documents"]), 1) for t, c in counts.items() if t != "documents"},
            "duckdb_bytes_per_document": round((tmp / f"e2e-{total}.duckdb").stat().st_size / max(1, counts["documents"])),
        })
    return out


def store_costs(args, tmp: pathlib.Path) -> dict:
    """What the serial part costs per full-size article (the examples, about 500 words): Store.add, the
    Parquet round trip into a store, bytes on disk, rows per document."""
    from eventwire.nlp import load_pipeline
    from eventwire.pipeline import code_documents
    from eventwire.scale import load_partitions, write_partition
    from eventwire.scale.parquet import document_json

    texts = []
    for path in sorted((ROOT / "examples").glob("*.txt")):
        meta = path.with_name(path.stem + ".meta.json")
        published = json.loads(meta.read_text())["published"] if meta.exists() else None
        texts.append((path.read_text(encoding="utf-8"), published))
    sources = [SourceDoc(t + f"\n\n({i})", f"copy-{i}", published=p) for i in range(args.copies) for t, p in texts]
    nlp = load_pipeline()
    t0 = time.perf_counter()
    docs = list(code_documents(sources, nlp))
    coding = time.perf_counter() - t0
    words = sum(len(s.text.split()) for s in sources)
    n = len(docs)
    with Store(tmp / "direct.duckdb") as store:
        t0 = time.perf_counter()
        for d in docs:
            store.add(d)
        add_s = time.perf_counter() - t0
        store.con.execute("CHECKPOINT")
        rows = {t: round(store.count(t) / n, 1) for t in ("sentences", "actors", "quotes", "events", "places", "dates")}
    parts = tmp / "store-parts"
    for k in range(0, n, 32):
        write_partition(parts, f"b{k}", docs[k : k + 32])
    with Store(tmp / "loaded.duckdb") as store:
        t0 = time.perf_counter()
        load_partitions(parts, store)
        load_s = time.perf_counter() - t0
    return {
        "documents": n,
        "words_per_document": round(words / n),
        "coding_documents_per_s_one_process": round(n / coding, 1),
        "coding_words_per_s_one_process": round(words / coding),
        "store_add_documents_per_s": round(n / add_s, 1),
        "parquet_load_into_store_documents_per_s": round(n / load_s, 1),
        "rows_per_document": rows,
        "duckdb_bytes_per_document": round((tmp / "direct.duckdb").stat().st_size / n),
        "parquet_bytes_per_document": round(sum(p.stat().st_size for p in parts.glob("*.parquet")) / n),
        "json_bytes_per_document": round(sum(len(document_json(d).encode()) for d in docs) / n),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000, help="size of the end-to-end corpus")
    ap.add_argument("--ratio-docs", type=int, default=1_200, help="documents coded by each engine for the ratios")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1, help="rounds of the ratio measurement (best counts)")
    ap.add_argument("--sentences", type=int, default=4, help="sentences per synthetic article")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--skip-end-to-end", action="store_true")
    ap.add_argument("--copies", type=int, default=20, help="copies of the examples for the store costs")
    ap.add_argument("--store-docs", type=int, default=1_000,
                    help="documents of the corpus run end to end into DuckDB as well (0: none)")
    ap.add_argument("--out", help="also write the figures to this JSON file")
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="eventwire-bench-"))
    try:
        articles = synthetic_corpus(max(args.docs, args.ratio_docs), args.sentences)
        result: dict = {"cores": os.cpu_count(), "workers": args.workers, "sentences_per_article": args.sentences}
        ratio_docs = [SourceDoc(text, f"ratio-{i}", title, published) for i, (title, text, published)
                      in enumerate(articles[: args.ratio_docs])]
        result["ratios"] = ratios(args, ratio_docs, tmp)
        print(json.dumps(result["ratios"], indent=1), file=sys.stderr)
        result["store_costs"] = store_costs(args, tmp)
        print(json.dumps(result["store_costs"], indent=1), file=sys.stderr)
        if not args.skip_end_to_end:
            folder = tmp / "corpus"
            write_corpus(folder, articles[: args.docs])
            result["end_to_end"] = end_to_end(args, folder, tmp, store=False)
            print(json.dumps(result["end_to_end"], indent=1), file=sys.stderr)
            if args.store_docs:
                result["end_to_end_store"] = end_to_end(args, folder, tmp, store=True, limit=args.store_docs)
        print(json.dumps(result, indent=1))
        if args.out:
            pathlib.Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
