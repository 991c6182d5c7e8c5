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
3. the full corpus end to end, as ``eventwire code DIR --workers N --db ...`` runs it (files read, coded by
   the worker pool, stored in DuckDB), with documents/s and the peak memory of each worker; the memory
   of the workers is sampled along the way to show whether it creeps.

Nothing is stored for the ratios (the store is the same serial cost for every engine); the end-to-end run
stores everything. The machine's load average is printed with the figures: other work on the machine
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
def timed(engine, sources, options) -> tuple[float, int]:
    t0 = time.perf_counter()
    n = sum(1 for _ in CodingRun(sources, options, engine=engine, total=len(sources)))
    return time.perf_counter() - t0, n


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
    out: dict = {"documents": len(docs), "load_average_before": load()}
    n = len(docs)
    one = ScaleOptions(workers=1)
    pool_opts = ScaleOptions(workers=args.workers, recycle_after=0)
    inline = InlineEngine(one)
    pool = LocalEngine(pool_opts, args.workers, pool_opts.effective_chunk_size(n, args.workers))
    out["startup_s"] = {"workers_1": round(start(inline), 2), f"workers_{args.workers}": round(start(pool), 2)}
    engines = [("workers_1", inline, one), (f"workers_{args.workers}", pool, pool_opts)]
    dask = None
    if not args.skip_dask:
        from eventwire.scale.dask_engine import DaskEngine

        dask_opts = ScaleOptions(engine="dask", workers=args.workers, run_dir=str(tmp / "parts"), resume=False)
        dask = DaskEngine(dask_opts, args.workers, dask_opts.effective_chunk_size(None, args.workers), tmp / "parts")
        out["startup_s"][f"dask_{args.workers}"] = round(start(dask), 2)
        engines.append((f"dask_{args.workers}", dask, dask_opts))
    best = {name: float("inf") for name, _, _ in engines}
    try:
        # warm every engine on a few documents, then alternate the measured rounds
        for name, engine, opts in engines:
            timed(engine, [SourceDoc(d.text + " (warm-up)", d.name, published=d.published) for d in docs[:8]], opts)
        for _ in range(args.rounds):
            for name, engine, opts in engines:
                if name.startswith("dask"):
                    shutil.rmtree(tmp / "parts", ignore_errors=True)
                    engine.manifest.names.clear()
                    engine.run_dir.mkdir(parents=True, exist_ok=True)
                seconds, got = timed(engine, docs, opts)
                assert got == n, (name, got, n)
                best[name] = min(best[name], seconds)
        if dask is not None:
            parts = list((tmp / "parts").glob("part-*.parquet"))
            out["parquet_bytes_per_document"] = round(sum(p.stat().st_size for p in parts) / n)
            out["parquet_documents_per_partition"] = round(n / max(1, len(parts)), 1)
            out["peak_memory_mib_dask_workers"] = {k: round(v / 1024) for k, v in dask.peak_kib.items()}
        out["peak_memory_mib_local_workers"] = {f"pid {k}": round(v / 1024) for k, v in pool.peak_kib.items()}
    finally:
        pool.close()
        if dask is not None:
            dask.close()
    out["documents_per_s"] = {name: round(n / s, 1) for name, s in best.items()}
    w = args.workers
    out[f"ratio_workers_{w}_to_workers_1"] = round(best["workers_1"] / best[f"workers_{w}"], 3)
    if dask is not None:
        out[f"ratio_dask_{w}_to_workers_{w}"] = round(best[f"workers_{w}"] / best[f"dask_{w}"], 3)
    out["load_average_after"] = load()
    return out


def end_to_end(args, folder: pathlib.Path, tmp: pathlib.Path) -> dict:
    """The whole corpus as `eventwire code DIR --workers N --db X` runs it, memory sampled on the way."""
    db = tmp / "bench.duckdb"
    total = count_inputs([str(folder)])
    options = ScaleOptions(workers=args.workers)
    samples = []
    out: dict = {"documents": total, "load_average_before": load()}
    t0 = time.perf_counter()
    with Store(db) as store:
        run = CodingRun(read_paths([str(folder)]), options, store=store, total=total)
        n = 0
        for result in run:
            n += 1
            if n % max(1, total // 10) == 0 and getattr(run.engine, "last_kib", None):
                samples.append({"documents": n, "worker_rss_mib": sorted(round(v / 1024) for v in run.engine.last_kib.values())})
        elapsed = time.perf_counter() - t0
        counts = {t: store.count(t) for t in ("documents", "sentences", "actors", "quotes", "events", "places", "dates")}
    stats = run.stats
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in folder.glob("*.txt"))
    out.update({
        "workers": stats.workers,
        "seconds": round(elapsed, 1),
        "documents_per_s": round(total / elapsed, 1),
        "words_per_s": round(words / elapsed),
        "words_per_document": round(words / total, 1),
        "failed": stats.failed,
        "stored": stats.added,
        "peak_memory_mib_per_worker": {k: round(v / 1024) for k, v in stats.memory_kib.items() if k != "coordinator"},
        "peak_memory_mib_coordinator": round(stats.memory_kib.get("coordinator", memory_kib()[1]) / 1024),
        "worker_memory_samples": samples,
        "store_rows": counts,
        "duckdb_bytes_per_document": round(db.stat().st_size / max(1, counts["documents"])),
        "load_average_after": load(),
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
            result["end_to_end"] = end_to_end(args, folder, tmp)
        print(json.dumps(result, indent=1))
        if args.out:
            pathlib.Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
