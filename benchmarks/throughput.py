#!/usr/bin/env python3
"""Throughput of eventwire against spaCy's own nlp.pipe, in one run, on the same texts.

usage: python benchmarks/throughput.py [--copies N] [--batch-size B] [--model NAME] [--rounds R]

Codes N copies of the articles in examples/ (no store) and reports documents/s, words/s, the process's
peak memory, and the ratio eventwire / spaCy-only: how much of the parse speed survives our stages.
Each side runs R times, alternating, and the best round of each counts (the machines are noisy).

It also times each of eventwire's stages on the same parsed documents and reports what each costs as a share
of spaCy's own parse: the quote stage (target: coding with quotes at most 10% slower than without) and the
event stage (target: at most 15% of the parse).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import resource
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import spacy  # noqa: E402

from eventwire.nlp import default_model, load_pipeline  # noqa: E402
from eventwire.pipeline import SourceDoc, code_documents  # noqa: E402


def texts(copies: int) -> list[tuple[str, str | None]]:
    out = []
    for path in sorted((ROOT / "examples").glob("*.txt")):
        meta = path.with_name(path.stem + ".meta.json")
        published = json.loads(meta.read_text())["published"] if meta.exists() else None
        out.append((path.read_text(encoding="utf-8"), published))
    # each copy differs by a trailing marker so nothing can be shared between copies
    return [(t + f"\n\n({i})", p) for i in range(copies) for t, p in out]


def stage_costs(nlp, docs, batch_size: int) -> dict:
    """Seconds spent in each stage over the same documents; the quote stage as a share of everything
    else, the event stage as a share of the parse."""
    import datetime as dt

    # the stages after the statistical pipeline; the two small ones that run inside it (paragraph breaks
    # before the parser, the knowledge ruler before NER) are counted with the parse
    after = nlp.pipe_names[nlp.pipe_names.index("ner") + 1 :]
    ours = [name for name in after if name.startswith("ew_")]
    with nlp.select_pipes(disable=ours):
        t0 = time.perf_counter()
        parsed = list(nlp.pipe([t for t, _ in docs], batch_size=batch_size))
        parse = time.perf_counter() - t0
    seconds = {"parse": round(parse, 3)}
    for doc, (_, published) in zip(parsed, docs):
        doc._.ew_published = dt.date.fromisoformat(published) if published else None
    for name in ours:
        component = nlp.get_pipe(name)
        t0 = time.perf_counter()
        for doc in parsed:
            component(doc)
        seconds[name] = round(time.perf_counter() - t0, 3)
    total = sum(seconds.values())
    return {
        "seconds": seconds,
        "quote_cost": round(seconds["ew_quotes"] / (total - seconds["ew_quotes"]), 3),
        "event_share": round(seconds["ew_events"] / parse, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--model", default=None)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    model = a.model or default_model()
    docs = texts(a.copies)
    words = sum(len(t.split()) for t, _ in docs)
    plain = spacy.load(model)
    ours = load_pipeline(model)
    list(plain.pipe([t for t, _ in docs[:8]]))  # warm up both
    list(code_documents([SourceDoc(t, published=p) for t, p in docs[:8]], ours))
    best_plain = best_ours = float("inf")
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        for _doc in plain.pipe([t for t, _ in docs], batch_size=a.batch_size):
            pass
        best_plain = min(best_plain, time.perf_counter() - t0)
        t0 = time.perf_counter()
        n = sum(1 for _ in code_documents([SourceDoc(t, published=p) for t, p in docs], ours, batch_size=a.batch_size))
        best_ours = min(best_ours, time.perf_counter() - t0)
        assert n == len(docs)
    stages = stage_costs(ours, docs, a.batch_size)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "model": model,
        "documents": len(docs),
        "words": words,
        "batch_size": a.batch_size,
        "spacy_docs_per_s": round(len(docs) / best_plain, 1),
        "eventwire_docs_per_s": round(len(docs) / best_ours, 1),
        "eventwire_words_per_s": round(words / best_ours),
        "ratio_eventwire_to_spacy": round(best_plain / best_ours, 3),
        "peak_memory_mib": round(peak_mib),
        "stage_seconds": stages["seconds"],
        "quote_stage_cost": stages["quote_cost"],
        "event_stage_share_of_parse": stages["event_share"],
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
