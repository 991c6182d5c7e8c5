#!/usr/bin/env python3
"""Deduplication benchmark: MinHash signatures and LSH clustering of synthetic articles in a store.

usage: python benchmarks/dedup.py [--docs 2000] [--copies 0.25] [--words 350] [--db :memory:] [--seed 1]
                                  [--filler 0]

The script writes its own corpus into an empty store (no spaCy: only the ``documents`` rows that
deduplication reads): ``--docs`` articles of about ``--words`` words drawn from a 6,000-word vocabulary in
sentences of 12 to 25 words; a share ``--copies`` of them are edited copies of an earlier article (the
headline is not part of the text; sentences swapped, one in twenty words replaced, a new paragraph
appended), as another outlet would publish them. Then it times:

1. ``dedup.cluster`` over all documents at once (``eventwire dedup`` on a store that has none clustered),
   with the share of that time spent on signatures;
2. ``dedup.cluster --rebuild`` (the same work after deleting the tables), checking it gives the same
   clusters;
3. the hook, ``dedup.on_stored``, for 200 more documents stored one by one after the first ones, per
   document. ``--filler N`` before that puts N stored signatures (random ones, 42 buckets each, no text)
   into the tables, to show what a look-up costs when the store already holds a large index (DuckDB only).

It prints the clusters found against the copies planted (pairs planted and pairs recovered). Wall-clock and CPU times are both given: on a
shared machine the CPU time is the figure to trust.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

sys.path.insert(0, "src")

from eventwire import dedup  # noqa: E402
from eventwire.pipeline import document_id  # noqa: E402
from eventwire.records import Document  # noqa: E402
from eventwire.store import Store  # noqa: E402


def corpus(n: int, copies: float, words: int, seed: int) -> tuple[list[str], dict[int, int]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(6000)]
    texts: list[str] = []
    origin: dict[int, int] = {}  # copy index -> original index
    for i in range(n):
        if texts and rng.random() < copies:
            j = rng.randrange(len(texts))
            while j in origin:  # copy an original, so that planted clusters are stars
                j = origin[j]
            sents = [s.split() for s in texts[j].split(". ")]
            if len(sents) > 3:
                a = rng.randrange(len(sents) - 1)
                sents[a], sents[a + 1] = sents[a + 1], sents[a]
            sents = [[rng.choice(vocab) if rng.random() < 0.05 else w for w in s] for s in sents]
            sents.append([rng.choice(vocab) for _ in range(rng.randint(15, 30))])
            origin[i] = j
        else:
            sents, count = [], 0
            while count < words:
                s = [rng.choice(vocab) for _ in range(rng.randint(12, 25))]
                sents.append(s)
                count += len(s)
        texts.append(". ".join(" ".join(s) for s in sents))
    return texts, origin


def add(store: Store, texts: list[str], start: int) -> list[str]:
    ids = []
    for k, text in enumerate(texts):
        doc = Document(id=document_id(text), text=text, title=f"article {start + k}", source=f"outlet{(start + k) % 7}")
        store.add(doc)
        ids.append(doc.id)
    return ids


def fill(store: Store, n: int) -> None:
    """N stored signatures that match nothing: random buckets, in the same tables."""
    t0 = time.perf_counter()
    con = store.con
    con.execute("INSERT INTO dedup_documents (doc_id, cluster_id, signature, shingles) "
                "SELECT 'filler' || i, 'filler' || i, '00', 0 FROM range(?) t(i)", [n])
    con.execute("INSERT INTO dedup_buckets (bucket, doc_id) SELECT (hash(i) >> 1)::BIGINT, 'filler' || (i // ?) "
                "FROM range(?) t(i)", [dedup.BANDS, n * dedup.BANDS])
    print(f"filler: {n} signatures, {n * dedup.BANDS} bucket rows added in {time.perf_counter() - t0:.0f} s "
          "(not part of the figures)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--copies", type=float, default=0.25)
    ap.add_argument("--words", type=int, default=350)
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--filler", type=int, default=0)
    a = ap.parse_args()
    extra = 200
    texts, origin = corpus(a.docs + extra, a.copies, a.words, a.seed)
    with Store(a.db) as store:
        t0 = time.perf_counter()
        ids = add(store, texts[: a.docs], 0)
        print(f"stored {a.docs} documents in {time.perf_counter() - t0:.1f} s (not part of the figures)")
        c0 = time.process_time()
        r = dedup.cluster(store)
        cpu = time.process_time() - c0
        print(f"cluster, all at once: {r.documents} documents in {r.seconds:.2f} s wall, {cpu:.2f} s CPU "
              f"({1000 * cpu / max(1, r.documents):.2f} ms CPU/document; signatures {r.signature_seconds:.2f} s wall); "
              f"{r.links} links, {r.clusters} clusters of 2 or more")
        first = {c["cluster_id"]: sorted(d["doc_id"] for d in c["documents"]) for c in dedup.clusters(store)}
        c0 = time.process_time()
        r2 = dedup.cluster(store, rebuild=True)
        cpu2 = time.process_time() - c0
        again = {c["cluster_id"]: sorted(d["doc_id"] for d in c["documents"]) for c in dedup.clusters(store)}
        print(f"cluster --rebuild: {r2.seconds:.2f} s wall, {cpu2:.2f} s CPU; same clusters: {first == again}")
        if a.filler:
            fill(store, a.filler)
        t1 = time.perf_counter()
        more = add(store, texts[a.docs :], a.docs)
        t_add = time.perf_counter() - t1
        t1, c1 = time.perf_counter(), time.process_time()
        for doc_id in more:
            dedup.on_stored(store, doc_id)
        t_hook, c_hook = time.perf_counter() - t1, time.process_time() - c1
        print(f"hook: {extra} documents one by one, {1000 * t_hook / extra:.1f} ms wall, "
              f"{1000 * c_hook / extra:.1f} ms CPU per document (Store.add itself: {1000 * t_add / extra:.1f} ms wall)")
        all_ids = ids + more
        cid = {r["doc_id"]: r["cluster_id"] for r in dedup.document_clusters(store)}
        planted = len(origin)
        found = sum(1 for c, o in origin.items() if cid[all_ids[c]] == cid[all_ids[o]])
        wrong = sum(1 for i, d in enumerate(all_ids) if i not in origin
                    and sum(1 for j, e in enumerate(all_ids) if j not in origin and cid[e] == cid[d]) > 1)
        print(f"planted copies: {planted}; in their original's cluster: {found}; originals clustered with "
              f"another original: {wrong}")


if __name__ == "__main__":
    main()
