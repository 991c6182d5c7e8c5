#!/usr/bin/env python3
"""Throughput of eventwire against spaCy's own nlp.pipe, in one run, on the same texts.

usage: python benchmarks/throughput.py [--copies N] [--batch-size B] [--model NAME] [--rounds R]

Codes N copies of the articles in examples/ (no store) and reports documents/s, words/s, the process's
peak memory, and the ratio eventwire / spaCy-only: how much of the parse speed survives our stages.
Each side runs R times, alternating, and the best round of each counts (the machines are noisy).
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
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
