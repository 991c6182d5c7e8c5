#!/usr/bin/env python3
"""Store benchmark: the query library over a synthetic store of a million events, against pandas.

usage: python benchmarks/store.py [--events 1000000] [--docs N] [--repeats 5] [--db PATH] [--keep]
                                  [--reuse] [--seed 7] [--pg postgresql://...] [--json FILE]

The script writes its own store (``build_frames``): about ten events per document, documents published
over three years with bursts and quiet weekends, countries drawn Zipf-like from ``knowledge/countries.csv``
(the news's usual suspects first) with each document about two focus countries, actors named from the
officeholders in office then, international bodies from ``igos.csv``, sectors, CAMEO codes drawn by root
with their PLOVER type, mode, context, Goldstein weight and QuadClass from ``knowledge/cameo.csv``, dates
with the coder's mix of precisions (publication date, day, week, month, year, none), locations from
``places.csv`` and the capitals, and document texts in which every event's sentence, trigger and actor
offsets point at its words. The schema is the store's own (``eventwire.store.Store``); the rows are
loaded in bulk by DuckDB from pandas frames (``INSERT INTO events SELECT * FROM frame``).

Then, in one run, each operation is timed through the library (``eventwire.store.query``) and done by
pandas on the same rows read back from the store into DataFrames once, before any clock starts:

1. ``filter-code``: events of Russia on either side between two dates (``actor="RUS"``, ``since``,
   ``until``): ``count_events`` and the second page of 50 of ``events`` (newest first), as a web page
   asks for them;
2. ``filter-name``: the same with a name substring (``actor="putin"``);
3. ``dyads-week``: ``dyads(interval="week")`` over every event: per directed country pair and week, the
   count, mean Goldstein score, QuadClass mix and how many were dated only to a coarser period.

Both sides must give the same answers (counts, the page's rows, every dyad-week's figures) before any
time is reported. Repeats alternate store and pandas; the figures are medians. pandas holds each event's
date parsed once into the first and last day of its period (datetime64), as one would load it for
analysis; the store compares its ISO date strings row by row, as the library does. Also printed: for
``dyads``, the share of the library's time spent in its SQL and fetching the result (``sql_share``
times the library's own ``query._columns`` during the call; the rest is Python building the series),
peak memory of the process (store, both frames and pandas' work) and the store's size on disk. With
``--pg URL`` (an empty PostgreSQL database) the same rows are copied there and the three operations are
timed on it as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time
from typing import Any

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from eventwire.knowledge import load_knowledge  # noqa: E402
from eventwire.store import Store  # noqa: E402
from eventwire.store import query  # noqa: E402

START = dt.date(2022, 1, 1)
DAYS = 1096  # 2022-01-01 .. 2024-12-31
CODER = "eventwire.rules.v1"

# the countries the news talks about most, most-talked-about first; the rest follow in a seeded order
HEAD = ["USA", "RUS", "UKR", "CHN", "ISR", "PSE", "IRN", "GBR", "FRA", "DEU", "TUR", "IND", "SYR", "AZE",
        "ARM", "SDN", "PAK", "JPN", "KOR", "PRK", "AFG", "SAU", "EGY", "LBN", "YEM", "IRQ", "POL", "BLR",
        "VEN", "MEX", "BRA", "NGA", "ETH", "TWN", "ITA", "ESP", "CAN", "AUS", "ZAF", "MMR"]
# share of events per CAMEO root, roughly as in coded news: statements and consultations lead
ROOT_WEIGHTS = {"01": 14, "02": 6, "03": 6, "04": 16, "05": 8, "06": 3, "07": 3, "08": 3, "09": 2, "10": 2,
                "11": 8, "12": 3, "13": 4, "14": 4, "15": 1, "16": 2, "17": 4, "18": 5, "19": 5, "20": 0.5}
SECTORS = {"GOV": 45, "MIL": 15, "LEG": 5, "CVL": 8, "REB": 4, "JUD": 3, "BUS": 4, "MED": 3, "OPP": 3,
           "COP": 4, "REF": 1, "HLH": 1, "NGO": 1, "": 3}
COLLECTIVE = {"GOV": "the {adj} government", "MIL": "{adj} troops", "LEG": "{adj} lawmakers",
              "CVL": "{adj} civilians", "REB": "{adj} rebels", "JUD": "a {adj} court", "BUS": "{adj} companies",
              "MED": "{adj} state media", "OPP": "the {adj} opposition", "COP": "{adj} police",
              "REF": "{adj} refugees", "HLH": "{adj} health officials", "NGO": "{adj} aid groups",
              "": "{name}"}
# the coder's mix of date precisions: most events take the publication date
PRECISIONS = {"published": 52, "day": 28, "week": 4, "month": 9, "year": 3, None: 4}
OUTLETS = ["Reuters", "Associated Press", "AFP", "BBC News", "Al Jazeera", "The Guardian", "The New York Times",
           "Deutsche Welle", "Kyiv Independent", "Meduza", "Times of Israel", "Xinhua", "The Hindu", "Dawn",
           "Daily Sabah", "Asbarez", "APA", "Le Monde", "El País", "The Washington Post", "NHK World",
           "Yonhap", "Anadolu Agency", "Radio Free Europe", "Euronews", "France 24", "CNN", "ABC News",
           "Sky News", "The Straits Times", "Nikkei Asia", "Arab News", "Haaretz", "TASS", "Interfax",
           "Ukrainska Pravda", "Premium Times", "Addis Standard", "Buenos Aires Times", "The Irrawaddy"]
FILLER = [
    "The ministry did not respond to a request for comment.",
    "Officials gave no further details.",
    "The statement was published late on the same day.",
    "Talks are expected to continue next week, according to diplomats familiar with the matter.",
    "Local media reported heavy traffic near the border crossing.",
    "Analysts said the move could complicate negotiations.",
    "The figures could not be independently verified.",
    "Markets were little changed after the announcement.",
    "Several hundred people gathered outside the parliament building.",
    "It was not immediately clear how many people were affected.",
    "The agency cited an unnamed official.",
    "A spokesperson declined to say when the meeting would take place.",
    "The decision follows months of pressure from opposition parties.",
    "Humanitarian groups have warned of shortages of food and fuel.",
    "The two sides last met in the spring.",
    "Residents described hearing explosions overnight.",
    "Prices of wheat and fertiliser have risen sharply since then.",
    "Observers from several countries are expected to attend.",
    "The report has not been made public.",
    "A court hearing is scheduled for later this month.",
]


# ---------------------------------------------------------------------------------------------- building
def _zipf(n: int, s: float = 1.07) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _weights(d: dict) -> tuple[list, np.ndarray]:
    keys = list(d)
    w = np.array([d[k] for k in keys], dtype=float)
    return keys, w / w.sum()


def _pool(kb) -> dict[str, Any]:
    """What the generator draws from, out of the knowledge tables."""
    rng = np.random.default_rng(12345)
    rest = sorted(c for c in kb.countries if c not in HEAD)
    rng.shuffle(rest)
    order = [c for c in HEAD if c in kb.countries] + rest
    order.insert(6, "IGO")  # international bodies are as newsworthy as a big country
    lo, hi = START, START + dt.timedelta(days=DAYS - 1)
    people: dict[str, list[tuple[str, str, str]]] = {}
    for p in kb.officeholders:
        if (p.start is None or p.start <= hi) and (p.end is None or p.end >= lo):
            short = next((n for n in reversed(p.names) if " " not in n and len(n) > 2), p.name)
            entry = (p.name, short, p.sector or "GOV")
            if entry not in people.setdefault(p.country, []):
                people[p.country].append(entry)
    igos = [(o.name, next((n for n in o.names if n.isupper() and 2 <= len(n) <= 6), o.name))
            for o in kb.organisations.values() if o.kind == "igo"]
    places: dict[str, list[tuple[str, float, float, int]]] = {}
    for i, p in enumerate(sorted(kb.places.values(), key=lambda p: p.key)):
        if p.country and p.lat is not None and p.lon is not None:
            places.setdefault(p.country, []).append((p.name, p.lat, p.lon, p.geonameid or 9_000_000 + i))
    for i, c in enumerate(sorted(kb.countries.values(), key=lambda c: c.iso3)):
        if c.capital and c.capital_lat is not None and c.capital_lon is not None:
            places.setdefault(c.iso3, []).append((c.capital, c.capital_lat, c.capital_lon, 8_000_000 + i))
    by_root: dict[str, list] = {}
    for code, info in kb.cameo.items():
        if len(code) >= 3:
            by_root.setdefault(code[:2], []).append(info)
    triggers: dict[str, list[str]] = {}
    for lemma, rules in kb.verbs.items():
        for r in rules:
            triggers.setdefault(r.cameo, []).append(lemma)
            triggers.setdefault(r.cameo[:2], []).append(lemma)
    adj = {c.iso3: (c.adjectives[0] if c.adjectives else c.name) for c in kb.countries.values()}
    names = {c.iso3: c.name for c in kb.countries.values()}
    return {"order": order, "people": people, "igos": igos, "places": places, "by_root": by_root,
            "triggers": triggers, "adj": adj, "names": names}


def _actor(pool, country, sector: str, person: bool, u: float) -> tuple[str | None, str, str | None]:
    """(name, mention text, sector) of one side."""
    if country is None:
        texts = ("local residents", "unidentified gunmen", "witnesses", "a spokesperson", "officials")
        return None, texts[int(u * len(texts))], (sector or None)
    if country == "IGO":
        name, short = pool["igos"][int(u * u * len(pool["igos"]))]  # the big ones more often
        return name, short, "IGO"
    if person and pool["people"].get(country):
        people = pool["people"][country]
        name, short, sec = people[int(u * u * len(people))]
        return name, (short if u < 0.6 else name), sec
    adj, name = pool["adj"].get(country, country), pool["names"].get(country, country)
    return name, COLLECTIVE[sector].format(adj=adj, name=name), (sector or None)


def build_frames(n_events: int = 1_000_000, *, n_docs: int | None = None,
                 seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, events) frames with the store's columns, in its column order."""
    if n_events < 1:
        raise ValueError("n_events must be at least 1")
    n_docs = max(1, min(n_events, n_docs or n_events // 10))
    rng = np.random.default_rng(seed)
    kb = load_knowledge()
    pool = _pool(kb)

    # documents: publication days with slow swings, a dozen news bursts that fade over about ten days,
    # and quieter weekends
    swing = np.convolve(rng.normal(0, 1, DAYS + 60), np.ones(31) / 31, mode="same")[30:30 + DAYS]
    log_rate = 1.8 * swing + np.linspace(0, 0.2, DAYS)
    for day in rng.integers(0, DAYS, 12):
        after = np.arange(DAYS) - day
        log_rate += np.where(after >= 0, rng.uniform(0.5, 1.2) * np.exp(-after / 10), 0)
    weekday = (np.arange(DAYS) + START.weekday()) % 7
    intensity = np.exp(log_rate) * np.where(weekday >= 5, 0.6, 1.0)
    pub_day = np.sort(rng.choice(DAYS, size=n_docs, p=intensity / intensity.sum()))
    size = rng.lognormal(0, 0.6, n_docs)
    per_doc = 1 + rng.multinomial(n_events - n_docs, size / size.sum())
    doc_of = np.repeat(np.arange(n_docs), per_doc)

    order = pool["order"]
    cw = _zipf(len(order))
    focus_a = rng.choice(len(order), size=n_docs, p=cw)
    focus_b = rng.choice(len(order), size=n_docs, p=cw)
    u = rng.random((8, n_events))
    any_s = rng.choice(len(order), size=n_events, p=cw)
    any_t = rng.choice(len(order), size=n_events, p=cw)
    fa, fb = focus_a[doc_of], focus_b[doc_of]
    s_idx = np.where(u[0] < 0.45, fa, np.where(u[0] < 0.72, fb, any_s))
    t_idx = np.where(u[1] < 0.55, np.where(s_idx == fa, fb, fa), any_t)
    order_arr = np.array(order, dtype=object)
    s_country = np.where(u[2] < 0.06, None, order_arr[s_idx])
    has_target = u[3] >= 0.2
    t_country = np.where(~has_target | (u[4] < 0.05), None, order_arr[t_idx])
    sec_keys, sec_w = _weights(SECTORS)
    s_sector = np.array(sec_keys, dtype=object)[rng.choice(len(sec_keys), size=n_events, p=sec_w)]
    t_sector = np.array(sec_keys, dtype=object)[rng.choice(len(sec_keys), size=n_events, p=sec_w)]
    s_person, t_person = u[5] < 0.4, u[6] < 0.3

    # CAMEO codes by root, then uniformly within the root
    roots, rw = _weights({r: w for r, w in ROOT_WEIGHTS.items() if r in pool["by_root"]})
    root_of = rng.choice(len(roots), size=n_events, p=rw)
    within = rng.random(n_events)
    infos = [pool["by_root"][roots[r]][int(w * len(pool["by_root"][roots[r]]))] for r, w in zip(root_of, within)]

    # dates: mostly the publication day; some earlier days, weeks (their Monday), months, years, none
    prec_keys, prec_w = _weights(PRECISIONS)
    prec = rng.choice(len(prec_keys), size=n_events, p=prec_w)
    back = rng.integers(0, 4, n_events)
    start_ord = START.toordinal()

    # locations: about 55% of events, in the target's country or else the source's
    loc_u = rng.random(n_events)
    neg = rng.random(n_events) < 0.03
    mod_u = rng.random(n_events)
    conf = np.clip(rng.normal(0.62, 0.12, n_events), 0.05, 0.95).round(3)
    filler_n = rng.integers(0, 4, n_events)
    filler_i = rng.integers(0, len(FILLER), (n_events, 3))

    cols: dict[str, list] = {k: [] for k in (
        "doc_id", "id", "plover", "mode", "context", "cameo", "goldstein", "quad",
        "source_text", "source_start", "source_end", "source_name", "source_country", "source_sector",
        "target_text", "target_start", "target_end", "target_name", "target_country", "target_sector",
        "trigger_start", "trigger_end", "trigger_text", "sentence_start", "sentence_end", "date", "date_precision",
        "location_name", "location_country", "latitude", "longitude", "geonameid",
        "negated", "modality", "reported_by", "confidence", "coder", "rule")}
    doc_ids = [h[:64] for h in (rng.bytes(32).hex() for _ in range(n_docs))]
    texts, titles, pubs = [], [], []
    i = 0
    for d in range(n_docs):
        pub = dt.date.fromordinal(start_ord + int(pub_day[d]))
        pubs.append(pub)
        parts: list[str] = []
        pos = 0
        title = None
        for k in range(int(per_doc[d])):
            sc, tc = s_country[i], t_country[i]
            s_name, s_text, s_sec = _actor(pool, sc, s_sector[i], bool(s_person[i]), u[7, i])
            if has_target[i]:
                t_name, t_text, t_sec = _actor(pool, tc, t_sector[i], bool(t_person[i]), 1.0 - u[7, i])
            else:
                t_name = t_text = t_sec = None
            info = infos[i]
            lemmas = pool["triggers"].get(info.code) or pool["triggers"].get(info.code[:2]) or ["say"]
            lemma = lemmas[int(within[i] * 7919) % len(lemmas)]
            trig = lemma + ("d" if lemma.endswith("e") else "ed")
            place = None
            if loc_u[i] < 0.55:
                where = pool["places"].get(tc) or pool["places"].get(sc)
                if where:
                    place = where[int(loc_u[i] / 0.55 * len(where)) % len(where)]
            # the text: filler, then the event's sentence "<source> <trigger> <target> in <place>."
            for f in range(int(filler_n[i])):
                s = FILLER[filler_i[i, f]] + " "
                parts.append(s)
                pos += len(s)
            sent_start = pos
            src_start, src_end = pos, pos + len(s_text)
            trig_start = src_end + 1
            trig_end = trig_start + len(trig)
            sentence = f"{s_text} {trig}"
            if t_text is not None:
                tgt_start = trig_end + 1
                tgt_end = tgt_start + len(t_text)
                sentence += f" {t_text}"
            else:
                tgt_start = tgt_end = None
            sentence += (f" in {place[0]}." if place else ".")
            parts.append(sentence + " ")
            pos += len(sentence) + 1
            if title is None:
                title = sentence[:-1]
            p = prec_keys[prec[i]]
            if p is None:
                date = None
            elif p == "published":
                date = pub.isoformat()
            elif p == "day":
                date = (pub - dt.timedelta(days=int(back[i]))).isoformat()
            elif p == "week":
                monday = pub - dt.timedelta(days=pub.weekday() + 7 * int(back[i] > 1))
                date = monday.isoformat()
            elif p == "month":
                date = pub.isoformat()[:7] if back[i] < 3 else (pub.replace(day=1) - dt.timedelta(days=1)).isoformat()[:7]
            else:
                date = str(pub.year if back[i] < 3 else pub.year - 1)
            modality = "asserted" if mod_u[i] < 0.8 else "reported" if mod_u[i] < 0.95 else "intended"
            c = cols
            c["doc_id"].append(doc_ids[d])
            c["id"].append(f"e{k + 1}")
            c["plover"].append(info.plover)
            c["mode"].append(info.mode)
            c["context"].append(info.context)
            c["cameo"].append(info.code)
            c["goldstein"].append(info.goldstein)
            c["quad"].append(info.quad)
            c["source_text"].append(s_text)
            c["source_start"].append(src_start)
            c["source_end"].append(src_end)
            c["source_name"].append(s_name)
            c["source_country"].append(sc)
            c["source_sector"].append(s_sec)
            c["target_text"].append(t_text)
            c["target_start"].append(tgt_start)
            c["target_end"].append(tgt_end)
            c["target_name"].append(t_name)
            c["target_country"].append(tc)
            c["target_sector"].append(t_sec)
            c["trigger_start"].append(trig_start)
            c["trigger_end"].append(trig_end)
            c["trigger_text"].append(trig)
            c["sentence_start"].append(sent_start)
            c["sentence_end"].append(sent_start + len(sentence))
            c["date"].append(date)
            c["date_precision"].append(p)
            c["location_name"].append(place[0] if place else None)
            c["location_country"].append((tc if pool["places"].get(tc) else sc) if place else None)
            c["latitude"].append(place[1] if place else None)
            c["longitude"].append(place[2] if place else None)
            c["geonameid"].append(place[3] if place else None)
            c["negated"].append(bool(neg[i]))
            c["modality"].append(modality)
            c["reported_by"].append(None if modality != "reported" else OUTLETS[int(mod_u[i] * 997) % len(OUTLETS)])
            c["confidence"].append(float(conf[i]))
            c["coder"].append(CODER)
            c["rule"].append(f"verbs.csv:{lemma}")
            i += 1
        texts.append("".join(parts).rstrip())
        titles.append(title)

    outlet = rng.choice(len(OUTLETS), size=n_docs, p=_zipf(len(OUTLETS), 0.9))
    docs = pd.DataFrame({
        "id": doc_ids,
        "title": titles,
        "published": pd.to_datetime(pd.Series(pubs)).dt.date,
        "source": [OUTLETS[o] for o in outlet],
        "url": [f"https://news.example/{OUTLETS[o].lower().replace(' ', '-')}/{p:%Y/%m/%d}/{h[:12]}"
                for o, p, h in zip(outlet, pubs, doc_ids)],
        "text": texts,
        "n_chars": np.array([len(t) for t in texts], dtype=np.int32),
        "coders": json.dumps({"events": CODER}),
        "warnings": "[]",
        "coded_at": pd.to_datetime(pd.Series(pubs)) + pd.to_timedelta(rng.integers(3600, 86400 * 3, n_docs), unit="s"),
    })
    docs["origin"] = docs["url"]  # read from its URL
    ev = pd.DataFrame(cols)
    for c in ("goldstein", "latitude", "longitude", "confidence"):
        ev[c] = ev[c].astype("float64")
    for c in ("quad", "source_start", "source_end", "target_start", "target_end", "trigger_start", "trigger_end",
              "sentence_start", "sentence_end"):
        ev[c] = ev[c].astype("Int32")
    ev["geonameid"] = ev["geonameid"].astype("Int64")
    return docs, ev


def load_store(path: str, docs: pd.DataFrame, ev: pd.DataFrame) -> None:
    """A store with the library's schema, its documents and events loaded in bulk by DuckDB."""
    with Store(path) as store:
        con = store.con
        con.register("bench_docs", docs)
        con.register("bench_events", ev)
        con.execute("BEGIN TRANSACTION")
        # by column name: a column the schema gains later is left NULL here rather than shifting the others
        con.execute(f"INSERT INTO documents ({', '.join(docs.columns)}) SELECT * FROM bench_docs")
        con.execute(f"INSERT INTO events ({', '.join(ev.columns)}) SELECT * FROM bench_events")
        con.execute("COMMIT")
        con.unregister("bench_docs")
        con.unregister("bench_events")
        con.execute("CHECKPOINT")


def load_pg(url: str, duck) -> None:
    """The same rows in PostgreSQL: the schema made by ``Store(url)``, the rows copied from the DuckDB
    store through CSV (DuckDB writes it, ``COPY ... FROM STDIN`` reads it), then ANALYZE."""
    import psycopg

    from eventwire.store.schema import COLUMNS

    with Store(url) as store:
        if store.con.execute("SELECT count(*) FROM events").fetchone()[0]:
            raise SystemExit(f"{query_display(url)} already holds events: give an empty database or schema")
    tmp = tempfile.mkdtemp(prefix="eventwire-bench-pg-")
    try:
        duck = getattr(duck, "con", duck)
        with psycopg.connect(url, autocommit=True) as pg:
            for table, cols in (("documents", COLUMNS["documents"] + ("coded_at",)), ("events", COLUMNS["events"])):
                csv_path = os.path.join(tmp, f"{table}.csv")
                duck.execute(f"COPY (SELECT {', '.join(cols)} FROM {table}) TO '{csv_path}' (FORMAT csv, HEADER)")
                with pg.cursor() as cur, open(csv_path, "rb") as f:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv, HEADER true)") as cp:
                        while chunk := f.read(1 << 20):
                            cp.write(chunk)
                os.remove(csv_path)
            pg.execute("ANALYZE documents")
            pg.execute("ANALYZE events")
    finally:
        os.rmdir(tmp)


def query_display(url: str) -> str:
    from eventwire.store.postgres import redact

    return redact(url)


# ---------------------------------------------------------------------------------------------- pandas
def pandas_frames(db) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's events and documents as DataFrames, with each event's period as datetime64 days."""
    con = getattr(db, "con", db)
    ev = con.execute("SELECT * FROM events").df()
    docs = con.execute("SELECT id, title, published, url, text FROM documents").df().set_index("id")
    date = ev["date"]
    n = date.str.len()
    first = date.where(n != 4, date + "-01-01").where(n != 7, date + "-01").str.slice(0, 10)
    lo = pd.to_datetime(first, format="%Y-%m-%d", errors="coerce")
    hi = lo.where(n != 4, lo + pd.offsets.YearEnd(0)).where(n != 7, lo + pd.offsets.MonthEnd(0))
    ev["period_first"] = lo.to_numpy(dtype="datetime64[D]")
    ev["period_last"] = hi.to_numpy(dtype="datetime64[D]")
    orphans = con.execute("SELECT count(*) FROM events e ANTI JOIN documents d ON d.id = e.doc_id").fetchone()[0]
    if orphans:
        raise AssertionError(f"{orphans} events have no document: the library's join would drop them, pandas not")
    return ev, docs


def _bound(value: str, last: bool) -> np.datetime64:
    """The first (or last) day of a YYYY[-MM[-DD]] period."""
    if len(value) == 4:
        return np.datetime64(f"{value}-12-31" if last else f"{value}-01-01", "D")
    if len(value) == 7:
        m = np.datetime64(value, "M")
        return (m + 1).astype("datetime64[D]") - 1 if last else m.astype("datetime64[D]")
    return np.datetime64(value, "D")


def _side(ev: pd.DataFrame, rows: np.ndarray, side: str, value: str) -> np.ndarray:
    """Which of ``rows`` have ``value`` on ``side``: its country for an upper-case three-letter code,
    else a case-insensitive substring of the actor's name or mention text."""
    if len(value) == 3 and value.isascii() and value.isalpha() and value.isupper():
        return (ev[f"{side}_country"].take(rows) == value).fillna(False).to_numpy(dtype=bool)
    name = ev[f"{side}_name"].take(rows).fillna("")
    text = ev[f"{side}_text"].take(rows).fillna("")
    return (name + " " + text).str.lower().str.contains(value.lower(), regex=False).to_numpy(dtype=bool)


def pandas_events(ev: pd.DataFrame, docs: pd.DataFrame, *, actor: str, since: str, until: str,
                  limit: int = 50, offset: int = 0) -> tuple[int, pd.DataFrame]:
    """(count, page) of events with ``actor`` on either side and a period meeting [since, until],
    newest first, as ``query.count_events`` and ``query.events`` give them. The cheap date test comes
    first, the actor test runs on the rows it keeps, and only the page's rows are copied. (Every event
    has its document, checked by ``pandas_frames``, so the library's join with documents drops nothing.)"""
    first = ev["period_first"].to_numpy()
    last = ev["period_last"].to_numpy()
    rows = np.flatnonzero((last >= _bound(since, False)) & (first <= _bound(until, True)))
    rows = rows[_side(ev, rows, "source", actor) | _side(ev, rows, "target", actor)]
    keys = pd.DataFrame({"date": ev["date"].take(rows).to_numpy(), "doc_id": ev["doc_id"].take(rows).to_numpy(),
                         "trigger_start": ev["trigger_start"].take(rows).to_numpy(), "row": rows})
    keys = keys.sort_values(["date", "doc_id", "trigger_start"], ascending=[False, True, True], na_position="last")
    page = ev.take(keys["row"].to_numpy()[offset:offset + limit]).copy()
    d = docs.loc[page["doc_id"]]
    page["doc_title"] = d["title"].to_numpy()
    page["doc_published"] = d["published"].to_numpy()
    page["doc_url"] = d["url"].to_numpy()
    page["sentence_text"] = [t[a:b] for t, a, b in zip(d["text"], page["sentence_start"], page["sentence_end"])]
    return len(rows), page


def pandas_dyads(ev: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Per (source country, target country, week): count, mean Goldstein, QuadClass mix, coarser-dated."""
    keep = ev["source_country"].notna() & ev["target_country"].notna() & ev["period_first"].notna()
    sub = ev.loc[keep, ["source_country", "target_country", "period_first", "goldstein", "quad", "date_precision"]]
    days = sub["period_first"].to_numpy(dtype="datetime64[D]")
    monday = days - ((days.astype("int64") + 3) % 7).astype("timedelta64[D]")  # 1970-01-01 was a Thursday
    quad = sub["quad"].to_numpy(dtype="float64", na_value=np.nan)
    frame = pd.DataFrame({
        "source": sub["source_country"].to_numpy(), "target": sub["target_country"].to_numpy(), "period": monday,
        "goldstein": sub["goldstein"].to_numpy(),
        "quad1": quad == 1, "quad2": quad == 2, "quad3": quad == 3, "quad4": quad == 4,
        "coarser": sub["date_precision"].isin(["month", "year"]).to_numpy(),
    })
    out = frame.groupby(["source", "target", "period"], sort=True).agg(
        count=("goldstein", "size"), goldstein_mean=("goldstein", "mean"), quad1=("quad1", "sum"),
        quad2=("quad2", "sum"), quad3=("quad3", "sum"), quad4=("quad4", "sum"), coarser=("coarser", "sum"))
    return out.reset_index()


# ---------------------------------------------------------------------------------------------- checks
def check_events(db, ev, docs, *, actor: str, since: str, until: str, limit: int = 50, offset: int = 0) -> int:
    """The library's count and page equal pandas'; returns the count."""
    n = query.count_events(db, actor=actor, since=since, until=until)
    rows = query.events(db, actor=actor, since=since, until=until, limit=limit, offset=offset)
    pn, page = pandas_events(ev, docs, actor=actor, since=since, until=until, limit=limit, offset=offset)
    if n != pn:
        raise AssertionError(f"count_events({actor!r}, {since}..{until}) = {n}, pandas counts {pn}")
    got = [(r["doc_id"], r["id"], r["sentence_text"], r["doc_title"]) for r in rows]
    want = list(zip(page["doc_id"], page["id"], page["sentence_text"], page["doc_title"]))
    if got != want:
        raise AssertionError(f"events({actor!r}, {since}..{until}) page differs from pandas': "
                             f"{got[:3]} ... against {want[:3]} ...")
    return n


def dyads_frame(result: dict[str, Any]) -> pd.DataFrame:
    """The library's dyads() result as rows (source, target, period, count, ...)."""
    rows = [(s["source"], s["target"], np.datetime64(p["period"], "D"), p["count"], p["goldstein_mean"],
             p["quad"]["1"], p["quad"]["2"], p["quad"]["3"], p["quad"]["4"], p["coarser"])
            for s in result["series"] for p in s["points"]]
    return pd.DataFrame(rows, columns=["source", "target", "period", "count", "goldstein_mean", "quad1", "quad2",
                                       "quad3", "quad4", "coarser"])


def check_dyads(db, ev, docs) -> int:
    """The library's weekly dyads equal pandas'; returns the number of dyad-weeks."""
    lib = query.dyads(db, interval="week")
    got = dyads_frame(lib).sort_values(["source", "target", "period"]).reset_index(drop=True)
    want = pandas_dyads(ev, docs)
    if len(got) != len(want):
        raise AssertionError(f"dyads: {len(got)} dyad-weeks from the library, {len(want)} from pandas")
    for c in ("source", "target"):
        if not (got[c].to_numpy() == want[c].to_numpy()).all():
            raise AssertionError(f"dyads: the {c} column differs")
    if not (got["period"].to_numpy(dtype="datetime64[D]") == want["period"].to_numpy(dtype="datetime64[D]")).all():
        raise AssertionError("dyads: the weeks differ")
    for c in ("count", "quad1", "quad2", "quad3", "quad4", "coarser"):
        if not (got[c].to_numpy(dtype="int64") == want[c].to_numpy(dtype="int64")).all():
            raise AssertionError(f"dyads: {c} differs")
    gm_got = got["goldstein_mean"].to_numpy(dtype="float64", na_value=np.nan)
    gm_want = want["goldstein_mean"].to_numpy(dtype="float64", na_value=np.nan)
    if not np.allclose(gm_got, gm_want, atol=6e-4, rtol=0, equal_nan=True):  # the library rounds to 3 places
        raise AssertionError("dyads: mean Goldstein differs")
    totals = want.groupby(["source", "target"])["count"].sum()
    for s in lib["series"][:50]:
        if totals[(s["source"], s["target"])] != s["count"]:
            raise AssertionError(f"dyads: total of {s['source']}->{s['target']} differs")
    counts = [s["count"] for s in lib["series"]]
    if counts != sorted(counts, reverse=True):
        raise AssertionError("dyads: series are not ordered by their totals")
    return len(want)


# ---------------------------------------------------------------------------------------------- timing
def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn) -> float:
    gc.collect()
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def compare(store_fn, pandas_fn, repeats: int) -> dict[str, Any]:
    """Median milliseconds of each, in alternating order after one untimed call of each."""
    store_fn()
    pandas_fn()
    s_ms, p_ms = [], []
    for r in range(repeats):
        if r % 2 == 0:
            s_ms.append(_timed(store_fn))
            p_ms.append(_timed(pandas_fn))
        else:
            p_ms.append(_timed(pandas_fn))
            s_ms.append(_timed(store_fn))
    s, p = statistics.median(s_ms), statistics.median(p_ms)
    return {"store_ms": round(s, 1), "pandas_ms": round(p, 1), "ratio": round(s / p, 2),
            "store_all_ms": [round(x, 1) for x in s_ms], "pandas_all_ms": [round(x, 1) for x in p_ms]}


def sql_share(fn, repeats: int) -> float | None:
    """The share of ``fn``'s time spent running the library's SQL and fetching its result into Python
    lists, the rest being the Python that shapes the result; median over repeats. It times the library's
    own ``query._columns`` (execute, fetch, one list per column) as ``fn`` calls it, so the SQL is exactly
    the library's. None when ``fn`` does not go through ``query._columns`` (the library changed): then
    this measures nothing, and says so rather than reporting 0%."""
    original = query._columns
    spent = [0.0]
    calls = [0]

    def timed_columns(db, sql, params):
        t = time.perf_counter()
        try:
            return original(db, sql, params)
        finally:
            spent[0] += time.perf_counter() - t
            calls[0] += 1

    shares = []
    query._columns = timed_columns
    try:
        for _ in range(repeats):
            spent[0] = 0.0
            gc.collect()
            t = time.perf_counter()
            fn()
            shares.append(spent[0] / (time.perf_counter() - t))
    finally:
        query._columns = original
    if not calls[0]:
        return None
    return round(statistics.median(shares), 3)


def _size(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + ".wal") if os.path.exists(p))


def run_operations(db, ev, docs, window: dict[str, str], args, label: str) -> dict[str, Any]:
    """Check then time the three operations on ``db`` against pandas; ``store_*`` figures are ``db``'s."""
    ops: dict[str, Any] = {}
    for name, actor in (("filter-code", args.actor_code), ("filter-name", args.actor_name)):
        n = check_events(db, ev, docs, actor=actor, offset=50, **window)

        def store_fn(actor=actor):
            query.count_events(db, actor=actor, **window)
            query.events(db, actor=actor, limit=50, offset=50, **window)

        def pandas_fn(actor=actor):
            pandas_events(ev, docs, actor=actor, limit=50, offset=50, **window)

        r = compare(store_fn, pandas_fn, args.repeats)
        r["count_ms"] = round(statistics.median(
            _timed(lambda: query.count_events(db, actor=actor, **window)) for _ in range(args.repeats)), 1)
        r.update(matching=n, filters={"actor": actor, **window})
        ops[name] = r
        print(f"{label} {name}: {n:,} matching; library {r['store_ms']} ms (count alone {r['count_ms']} ms), "
              f"pandas {r['pandas_ms']} ms, library/pandas {r['ratio']}", flush=True)
    n = check_dyads(db, ev, docs)
    r = compare(lambda: query.dyads(db, interval="week"), lambda: pandas_dyads(ev, docs), args.repeats)
    r["sql_share"] = sql_share(lambda: query.dyads(db, interval="week"), args.repeats)
    r["dyad_weeks"] = n
    ops["dyads-week"] = r
    share = ("SQL share not measured" if r["sql_share"] is None
             else f"{r['sql_share']:.0%} of it SQL and fetching")
    print(f"{label} dyads-week: {n:,} dyad-weeks; library {r['store_ms']} ms ({share}), "
          f"pandas {r['pandas_ms']} ms, library/pandas {r['ratio']}", flush=True)
    return ops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events in the synthetic store")
    ap.add_argument("--docs", type=int, default=None, help="documents (default: events / 10)")
    ap.add_argument("--repeats", type=int, default=5, help="timed repeats of each side (median reported)")
    ap.add_argument("--db", default=None, help="the store's file (default: a temporary file)")
    ap.add_argument("--keep", action="store_true", help="keep the store's file after the run")
    ap.add_argument("--reuse", action="store_true", help="time an existing --db as it is, without building")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--actor-code", default="RUS")
    ap.add_argument("--actor-name", default="putin")
    ap.add_argument("--since", default="2023-03-01")
    ap.add_argument("--until", default="2023-08-31")
    ap.add_argument("--pg", default=None, metavar="URL",
                    help="also copy the rows into this empty PostgreSQL database (postgresql://...) and time it")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    tmp = None
    if args.db is None:
        tmp = tempfile.mkdtemp(prefix="eventwire-bench-")
        path = os.path.join(tmp, "store.duckdb")
    else:
        path = args.db
    report: dict[str, Any] = {"events": None, "cores": os.cpu_count(), "load_average": os.getloadavg()}
    try:
        if args.reuse:
            if not os.path.exists(path):
                ap.error(f"--reuse: {path} does not exist")
        else:
            if os.path.exists(path):
                ap.error(f"{path} exists: remove it, or time it as it is with --reuse")
            t, c = time.perf_counter(), time.process_time()
            docs_in, ev_in = build_frames(args.events, n_docs=args.docs, seed=args.seed)
            built, built_cpu = time.perf_counter() - t, time.process_time() - c
            t, c = time.perf_counter(), time.process_time()
            load_store(path, docs_in, ev_in)
            loaded, loaded_cpu = time.perf_counter() - t, time.process_time() - c
            del docs_in, ev_in
            gc.collect()
            report["build_s"], report["load_s"] = round(built, 1), round(loaded, 1)
            report["build_cpu_s"], report["load_cpu_s"] = round(built_cpu, 1), round(loaded_cpu, 1)
            print(f"built {args.events:,} events in {built:.1f} s ({built_cpu:.1f} s CPU), loaded into {path} in "
                  f"{loaded:.1f} s ({loaded_cpu:.1f} s CPU)", flush=True)
        report["store_bytes"] = _size(path)
        with Store(path, read_only=True) as db:
            n_events = query.count_events(db)
            n_docs = db.con.execute("SELECT count(*) FROM documents").fetchone()[0]
            report["events"], report["documents"] = n_events, n_docs
            t = time.perf_counter()
            ev, docs = pandas_frames(db)
            report["pandas_load_s"] = round(time.perf_counter() - t, 1)
            report["pandas_bytes"] = int(ev.memory_usage(deep=True).sum() + docs.memory_usage(deep=True).sum())
            print(f"{n_events:,} events in {n_docs:,} documents; store {report['store_bytes'] / 2**20:.0f} MiB; "
                  f"pandas frames read in {report['pandas_load_s']} s, "
                  f"{report['pandas_bytes'] / 2**20:.0f} MiB in memory", flush=True)

            window = {"since": args.since, "until": args.until}
            ops = run_operations(db, ev, docs, window, args, "store")
            report["operations"] = ops
            if args.pg:
                t = time.perf_counter()
                load_pg(args.pg, db)
                report["pg_load_s"] = round(time.perf_counter() - t, 1)
                print(f"copied into PostgreSQL ({query_display(args.pg)}) in {report['pg_load_s']} s", flush=True)
                with Store(args.pg, read_only=True) as pg:
                    report["pg_operations"] = run_operations(pg, ev, docs, window, args, "postgresql")
        report["repeats"] = args.repeats
        report["peak_rss_mib"] = round(_rss_mib())
        report["load_average_after"] = os.getloadavg()

        print()
        print(f"{report['events']:,} events, {report['documents']:,} documents, median of {args.repeats} "
              f"alternating repeats, {report['cores']} cores, load average {report['load_average'][0]:.1f}")
        pgo = report.get("pg_operations")
        print(f"{'operation':<14} {'store ms':>10} {'pandas ms':>10} {'store/pandas':>13}"
              + (f" {'PG ms':>10} {'pandas ms':>10} {'PG/pandas':>10}" if pgo else ""))
        for name, r in report["operations"].items():
            print(f"{name:<14} {r['store_ms']:>10.1f} {r['pandas_ms']:>10.1f} {r['ratio']:>13.2f}"
                  + (f" {pgo[name]['store_ms']:>10.1f} {pgo[name]['pandas_ms']:>10.1f} {pgo[name]['ratio']:>10.2f}"
                     if pgo else ""))
        for label, ops in (("DuckDB", report["operations"]), ("PostgreSQL", pgo)):
            d = (ops or {}).get("dyads-week")
            if d is None:
                continue
            if d["sql_share"] is None:
                print(f"{label} dyads-week: the SQL's share was not measured (dyads() no longer calls "
                      f"query._columns)")
            else:
                print(f"{label} dyads-week: the SQL and fetching its result (query._columns) take "
                      f"{d['sql_share']:.0%} of the library's time; the rest is Python building "
                      f"{d['dyad_weeks']:,} points into series")
        print(f"store file {report['store_bytes'] / 2**20:.0f} MiB; peak RSS {report['peak_rss_mib']} MiB "
              f"(store, pandas frames and work, one process)")
        if args.json_out:
            pathlib.Path(args.json_out).write_text(json.dumps(report, indent=2, default=str))
    finally:
        if tmp is not None and not args.keep:
            for p in (path, path + ".wal"):
                if os.path.exists(p):
                    os.remove(p)
            os.rmdir(tmp)
        elif tmp is not None:
            print(f"kept {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
