"""Near-duplicate stories: the same article on several outlets, found by MinHash with LSH banding.

Agencies' copy is republished with a new headline, a paragraph added, sentences moved; counting each
copy as a separate event inflates every count. This module puts such copies in one *cluster* and
merges their events, keeping every document and every event as stored: a cluster is only a column
(``dedup_documents.cluster_id``), so the merge can always be undone or redone.

How two documents are compared
------------------------------
* **Shingles.** The text is lower-cased and cut into words (``\\w+``: punctuation is dropped); every run
  of :data:`SHINGLE_WORDS` = 3 consecutive words is a shingle. Two documents' similarity is the Jaccard
  index of their shingle sets. Three words keep the index high when an outlet moves sentences or edits
  a few words (a reworded copy of a 150-word story with one paragraph added measured 0.71 in the
  tests; 5-word shingles gave 0.62) while two different stories about the same countries stay near
  0.02.
* **MinHash.** Each shingle is hashed to 32 bits (BLAKE2b of its words, then mixed), and
  :data:`NUM_PERM` = 126 hash functions ``h_i(x) = (a_i x + b_i) mod p`` (``p = 2**32 + 15``, a prime;
  ``a_i``, ``b_i`` derived from BLAKE2b of fixed labels, so every machine computes the same signature)
  keep the smallest value each. Two signatures agree in one position with probability equal to the
  Jaccard index, so the share of agreeing positions estimates it, with a standard error of
  ``sqrt(J(1-J)/126)``: about 0.045 at J = 0.5.
* **LSH banding.** The signature is cut into :data:`BANDS` = 42 bands of :data:`ROWS` = 3 values; each band
  is hashed into a bucket, stored in ``dedup_buckets``. Only documents that share at least one bucket
  are compared, with probability ``1 - (1 - J**3)**42`` of sharing one:

  ======  ==============================
  J       chance of being compared
  ======  ==============================
  0.9     1.000
  0.7     1.000
  0.5     0.996
  0.4     0.938
  0.3     0.68
  0.1     0.04
  0.02    0.0003
  ======  ==============================

  so at the default :data:`DEFAULT_THRESHOLD` = 0.5 a copy is missed by the banding in fewer than 4 in
  1,000 pairs, and two unrelated stories are almost never even compared: adding a document costs 42
  bucket look-ups and a handful of signature comparisons, not a pass over the store.
* **Verification.** A compared pair is linked when its estimated Jaccard index (the share of the 126
  positions that agree) is at least the threshold; links are stored in ``dedup_links`` with their
  similarity.

Clusters are the connected components of the links (union-find). A cluster's id is the id of its
earliest stored document (``documents.coded_at``, then the id), so it does not change when later
copies join; it changes only when a new document links two clusters, which then take the older id.
Clustering is incremental: a new document is compared with the stored ones through their buckets, so
clustering documents one by one as they arrive, all at once, or again from scratch (``rebuild``) gives
the same clusters. Documents whose text has no word at all get a signature but no buckets: they are
each their own cluster.

Tables (created on first use; portable SQL, ``?`` parameters): ``dedup_documents`` (doc_id, cluster_id,
signature as hex, shingles), ``dedup_buckets`` (bucket, doc_id; indexed by bucket), ``dedup_links`` (doc_id, other_id,
similarity), ``dedup_settings`` (key, value: the scheme and the threshold in use).

Outlets: a document's outlet is its ``source`` field, or the host of its URL when the source is missing,
is itself a URL, or only says where the text was read (a file path, ``news.jsonl:12``, ``stdin``: what
the readers record when the input has no source field). A document with neither a source nor a URL
counts as an outlet of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import urlsplit

import numpy as np

from .errors import EventwireError

try:  # the fast bulk insert into DuckDB; any other connection gets plain parameterised INSERTs
    import duckdb as _duckdb
    import pandas as _pd
except ImportError:  # pragma: no cover - depends on the installation
    _duckdb = _pd = None

__all__ = [
    "DedupError",
    "SHINGLE_WORDS",
    "NUM_PERM",
    "BANDS",
    "ROWS",
    "DEFAULT_THRESHOLD",
    "SCHEME",
    "shingles",
    "signature",
    "similarity",
    "band_buckets",
    "candidate_probability",
    "ensure_tables",
    "ClusterReport",
    "cluster",
    "on_stored",
    "clusters",
    "document_clusters",
    "merged_events",
    "outlet",
]

SHINGLE_WORDS = 3
NUM_PERM = 126
BANDS = 42
ROWS = 3
DEFAULT_THRESHOLD = 0.5
#: what the stored signatures and buckets were computed with; another scheme needs a rebuild
SCHEME = f"minhash-v1 words={SHINGLE_WORDS} perm={NUM_PERM} bands={BANDS}x{ROWS}"

_PRIME = (1 << 32) + 15  # the smallest prime above 2**32
_MASK32 = np.uint64(0xFFFFFFFF)
_WORD = re.compile(r"\w+")
_CHUNK = 500  # documents read, compared and written per transaction
_PARAMS = 900  # values per IN (...) list or multi-row INSERT
_log = logging.getLogger("eventwire.dedup")


class DedupError(EventwireError, ValueError):
    """Deduplication cannot run as asked (the message says why and what to do)."""


def _coefficients() -> tuple[np.ndarray, np.ndarray]:
    """The hash functions' ``a`` (odd, below 2**31, so ``a * x + b`` stays below 2**64) and ``b``."""
    a, b = [], []
    for i in range(NUM_PERM):
        ha = int.from_bytes(hashlib.blake2b(f"eventwire-minhash-a-{i}".encode(), digest_size=8).digest(), "big")
        hb = int.from_bytes(hashlib.blake2b(f"eventwire-minhash-b-{i}".encode(), digest_size=8).digest(), "big")
        a.append((ha % (1 << 31)) | 1)
        b.append(hb % (1 << 32))
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


_A, _B = _coefficients()
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)


# ---------------------------------------------------------------------------------------------- signatures
def words(text: str) -> list[str]:
    """The normalised words of a text: lower case, punctuation dropped."""
    return _WORD.findall(text.lower())


_WORDS: dict[str, int] = {}  # word -> its 64-bit hash, shared by all documents (bounded below)
_MAX_WORDS = 500_000


def _word_hash(word: str) -> int:
    h = _WORDS.get(word)
    if h is None:
        if len(_WORDS) >= _MAX_WORDS:
            _WORDS.clear()
        h = _WORDS[word] = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
    return h


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's): every input bit reaches every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingles(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct 32-bit hashes of the text's k-word shingles (a text shorter than k words is one
    shingle; a text without words has none)."""
    if k < 1:
        raise DedupError(f"shingle length k={k} must be at least 1")
    w = words(text)
    if not w:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter(map(_word_hash, w), dtype=np.uint64, count=len(w))
    n = max(1, len(w) - k + 1)
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(k, len(w))):
            acc = _mix(acc ^ hashes[j : j + n] ^ np.uint64(j + 1))
    return np.unique((acc >> np.uint64(32)) & _MASK32)


def signature(text: str) -> tuple[np.ndarray, int]:
    """The MinHash signature (``NUM_PERM`` unsigned 32-bit values) of a text and its number of shingles."""
    x = shingles(text)
    if x.size == 0:
        return _EMPTY.copy(), 0
    low = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    step = max(1, 400_000 // NUM_PERM)  # bounded memory for very long texts
    for i in range(0, x.size, step):
        part = x[i : i + step]
        h = (np.outer(_A, part) + _B[:, None]) % np.uint64(_PRIME)
        np.minimum(low, h.min(axis=1), out=low)
    return (low & _MASK32).astype(np.uint32), int(x.size)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard index of two signatures: the share of positions where they agree."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def band_buckets(sig: np.ndarray) -> list[int]:
    """The signature's LSH buckets: per band, a signed 64-bit hash of the band's number and its ``ROWS``
    values (signed, so that it fits a BIGINT column)."""
    raw = sig.astype(">u4").tobytes()
    width = ROWS * 4
    return [int.from_bytes(hashlib.blake2b(bytes([i]) + raw[i * width : (i + 1) * width], digest_size=8).digest(),
                           "big", signed=True) for i in range(BANDS)]


def candidate_probability(j: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """The chance that two documents with Jaccard index ``j`` share at least one bucket."""
    return 1.0 - (1.0 - j ** rows) ** bands


def _to_hex(sig: np.ndarray) -> str:
    return sig.astype(">u4").tobytes().hex()


def _from_hex(value: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(value), dtype=">u4").astype(np.uint32)


# ---------------------------------------------------------------------------------------------- tables
TABLES = [
    """CREATE TABLE IF NOT EXISTS dedup_documents (
        doc_id VARCHAR PRIMARY KEY, cluster_id VARCHAR NOT NULL, signature VARCHAR NOT NULL,
        shingles INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS dedup_buckets (bucket BIGINT NOT NULL, doc_id VARCHAR NOT NULL)""",
    # look-ups go by bucket: with this index DuckDB answers a 42-value IN list from 8.4 million rows in
    # about 3 ms of CPU, against 130 ms when it has to scan them
    """CREATE INDEX IF NOT EXISTS dedup_buckets_bucket ON dedup_buckets (bucket)""",
    """CREATE TABLE IF NOT EXISTS dedup_links (
        doc_id VARCHAR NOT NULL, other_id VARCHAR NOT NULL, similarity REAL NOT NULL,
        PRIMARY KEY (doc_id, other_id))""",
    """CREATE TABLE IF NOT EXISTS dedup_settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
]

_ready: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _con(db):
    return getattr(db, "con", db)


def _rows(db, sql: str, params: list[Any] | tuple = ()) -> list[tuple]:
    return _con(db).execute(sql, list(params)).fetchall()


def _has_table(db, name: str) -> bool:
    row = _con(db).execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                           "AND table_schema = current_schema()", [name]).fetchone()
    return bool(row and row[0])


def ensure_tables(db) -> None:
    """Create the deduplication tables when they are missing (once per store object)."""
    try:
        if _ready.get(db):
            return
    except TypeError:  # not weak-referenceable: check every time
        pass
    for stmt in TABLES:
        _con(db).execute(stmt)
    try:
        _ready[db] = True
    except TypeError:
        pass


def _settings(db) -> dict[str, str]:
    return dict(_rows(db, "SELECT key, value FROM dedup_settings"))


def _set(db, key: str, value: str) -> None:
    con = _con(db)
    if con.execute("SELECT 1 FROM dedup_settings WHERE key = ?", [key]).fetchone():
        con.execute("UPDATE dedup_settings SET value = ? WHERE key = ?", [value, key])
    else:
        con.execute("INSERT INTO dedup_settings (key, value) VALUES (?, ?)", [key, value])


def _insert(db, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows: through a pandas frame on DuckDB (ten times faster than parameters), elsewhere
    multi-row INSERTs of a few hundred rows a statement."""
    if not rows:
        return
    con = _con(db)
    if _duckdb is not None and isinstance(con, _duckdb.DuckDBPyConnection) and _pd is not None and len(rows) > 200:
        frame = _pd.DataFrame.from_records(rows, columns=list(columns))
        name = f"_eventwire_{table}_rows"
        con.register(name, frame)
        try:
            con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {name}")
        finally:
            con.unregister(name)
        return
    per = max(1, _PARAMS // len(columns))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    one = "(" + ", ".join("?" * len(columns)) + ")"
    for i in range(0, len(rows), per):
        part = rows[i : i + per]
        con.execute(head + ", ".join([one] * len(part)), [v for r in part for v in r])


def _select_in(db, sql: str, values: list[Any]) -> list[tuple]:
    """``sql`` holds one ``{in}`` where a ``(?, ?, ...)`` list goes; long lists run in pieces. On DuckDB
    the values go in as a frame instead, one statement and one pass over the table whatever their number."""
    if not values:
        return []
    con = _con(db)
    if _duckdb is not None and isinstance(con, _duckdb.DuckDBPyConnection) and _pd is not None and len(values) > 50:
        name = "_eventwire_keys"
        con.register(name, _pd.DataFrame({"k": values}))
        try:
            return con.execute(sql.format(**{"in": f"(SELECT k FROM {name})"})).fetchall()
        finally:
            con.unregister(name)
    out: list[tuple] = []
    for i in range(0, len(values), _PARAMS):
        part = values[i : i + _PARAMS]
        out += _rows(db, sql.format(**{"in": "(" + ", ".join("?" * len(part)) + ")"}), part)
    return out


def _threshold(value: Any) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise DedupError(f"threshold={value!r} is not a number; give a share between 0 and 1, e.g. 0.5") from None
    if not 0.0 < t <= 1.0:
        raise DedupError(f"threshold={t} is outside (0, 1]; give a share of agreeing shingles, e.g. 0.5")
    return t


# ---------------------------------------------------------------------------------------------- clustering
@dataclass
class ClusterReport:
    """What one call of :func:`cluster` did."""

    threshold: float
    documents: int = 0  # documents clustered by this call
    links: int = 0  # new links between similar documents
    merged: int = 0  # documents that joined another document's cluster
    clustered: int = 0  # documents clustered in the store, after the call
    clusters: int = 0  # clusters with two documents or more, after the call
    seconds: float = 0.0
    rebuilt: bool = False
    signature_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class _Union:
    """Union-find whose root is always the smallest element by ``key``."""

    def __init__(self, key):
        self.parent: dict[str, str] = {}
        self.key = key

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: str, y: str) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if self.key(ry) < self.key(rx):
            rx, ry = ry, rx
        self.parent[ry] = rx


def _order_key(coded_at: Any, doc_id: str) -> tuple:
    if isinstance(coded_at, str):
        try:
            coded_at = dt.datetime.fromisoformat(coded_at)
        except ValueError:
            coded_at = None
    if isinstance(coded_at, dt.datetime) and coded_at.tzinfo is not None:
        coded_at = coded_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (coded_at is None, coded_at or dt.datetime.min, doc_id)


def cluster(db, doc_ids: Iterable[str] | None = None, *, threshold: float | None = None,
            rebuild: bool = False, summary: bool = True) -> ClusterReport:
    """Cluster the stored documents that are not clustered yet (or only ``doc_ids`` among them).

    ``threshold``: the estimated Jaccard index at which two documents are linked; by default the one the
    store's clusters were made with, else :data:`DEFAULT_THRESHOLD`. A threshold other than the store's
    is an error unless ``rebuild``. ``rebuild``: forget every signature, bucket, link and cluster id and
    compute them again from the documents' texts (documents and events are never touched). ``summary``:
    count the store's clustered documents and clusters for the report (a pass over the table). Each group
    of documents is written in one transaction; a run stopped half-way is finished by running it again.
    """
    try:
        return _cluster(db, doc_ids, threshold, rebuild, summary)
    except EventwireError:
        raise
    except Exception as exc:  # the database's own errors (a read-only store, a lost connection)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = getattr(db, "display", None) or getattr(db, "path", None) or "the store"
        raise DedupError(f"could not cluster the documents of {where}: {reason}") from exc


def _cluster(db, doc_ids, threshold, rebuild: bool, summary: bool) -> ClusterReport:
    t0 = time.perf_counter()
    ensure_tables(db)
    settings = _settings(db)
    stored_t = settings.get("threshold")
    has_clusters = bool(_rows(db, "SELECT doc_id FROM dedup_documents LIMIT 1"))
    if threshold is None:
        t = _threshold(stored_t) if stored_t is not None else DEFAULT_THRESHOLD
    else:
        t = _threshold(threshold)
    if not rebuild and has_clusters:
        if stored_t is not None and abs(float(stored_t) - t) > 1e-9:
            raise DedupError(f"the store's clusters were made with threshold {float(stored_t):g}, not {t:g}: "
                             f"run eventwire dedup --rebuild --threshold {t:g} to cluster everything again at {t:g}")
        if settings.get("scheme", SCHEME) != SCHEME:
            raise DedupError(f"the store's signatures were made with {settings['scheme']!r}, this eventwire "
                             f"uses {SCHEME!r}: run eventwire dedup --rebuild")
    report = ClusterReport(threshold=t, rebuilt=rebuild)
    if rebuild or settings.get("threshold") != repr(t) or settings.get("scheme") != SCHEME:
        con = _con(db)
        con.execute("BEGIN TRANSACTION")
        try:
            if rebuild:  # derived tables only: dropped and made again (much faster than deleting rows)
                for table in ("dedup_links", "dedup_buckets", "dedup_documents"):
                    con.execute(f"DROP TABLE IF EXISTS {table}")
                for stmt in TABLES:
                    con.execute(stmt)
            _set(db, "threshold", repr(t))
            _set(db, "scheme", SCHEME)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    if doc_ids is None:
        pending = [r[0] for r in _rows(
            db, "SELECT d.id FROM documents d LEFT JOIN dedup_documents x ON x.doc_id = d.id "
                "WHERE x.doc_id IS NULL ORDER BY d.coded_at, d.id")]
    else:
        wanted = list(dict.fromkeys(doc_ids))
        known = {r[0] for r in _select_in(db, "SELECT id FROM documents WHERE id IN {in}", wanted)}
        missing = [d for d in wanted if d not in known]
        if missing:
            raise DedupError(f"no stored document with id {', '.join(missing[:5])}"
                             + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""))
        done = {r[0] for r in _select_in(db, "SELECT doc_id FROM dedup_documents WHERE doc_id IN {in}", wanted)}
        pending = [d for d in wanted if d not in done]
    for i in range(0, len(pending), _CHUNK):
        _cluster_chunk(db, pending[i : i + _CHUNK], t, report)
    if summary:
        report.clustered = _rows(db, "SELECT count(*) FROM dedup_documents")[0][0]
        report.clusters = _rows(db, "SELECT count(*) FROM (SELECT cluster_id FROM dedup_documents "
                                    "GROUP BY cluster_id HAVING count(*) > 1) c")[0][0]
    report.seconds = time.perf_counter() - t0
    return report


_PG_LOCK = 7_406_212  # PostgreSQL advisory lock: one clustering transaction at a time


def _cluster_chunk(db, ids: list[str], t: float, report: ClusterReport) -> None:
    """Cluster ``ids`` in one transaction: read, compare and write, so that two processes clustering the
    same PostgreSQL store take turns (an advisory lock) and never join clusters from a stale reading."""
    con = _con(db)
    con.execute("BEGIN TRANSACTION")
    try:
        if getattr(db, "dialect", None) == "postgresql":
            con.execute("SELECT pg_advisory_xact_lock(?)", [_PG_LOCK])
        _chunk(db, ids, t, report)
        con.execute("COMMIT")
    except Exception as exc:
        try:
            con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - the connection itself is gone; the first error says why
            pass
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DedupError(f"could not store the clusters of {len(ids)} document(s): {reason}; nothing of it "
                         "was written, run eventwire dedup to try again") from exc


def _chunk(db, ids: list[str], t: float, report: ClusterReport) -> None:
    done = {r[0] for r in _select_in(db, "SELECT doc_id FROM dedup_documents WHERE doc_id IN {in}", ids)}
    ids = [i for i in ids if i not in done]  # another process may have clustered some meanwhile
    rows = _select_in(db, "SELECT id, coded_at, text FROM documents WHERE id IN {in}", ids)
    rows.sort(key=lambda r: _order_key(r[1], r[0]))
    keys: dict[str, tuple] = {}
    sigs: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    buckets: dict[str, list[str]] = {}
    t_sig = time.perf_counter()
    for doc_id, coded_at, text in rows:
        keys[doc_id] = _order_key(coded_at, doc_id)
        sigs[doc_id], counts[doc_id] = signature(text or "")
        buckets[doc_id] = band_buckets(sigs[doc_id]) if counts[doc_id] else []
    report.signature_seconds += time.perf_counter() - t_sig
    # the stored documents that share a bucket with one of these
    all_buckets = sorted({b for bs in buckets.values() for b in bs})
    stored_in: dict[str, list[str]] = defaultdict(list)
    for bucket, other in _select_in(db, "SELECT bucket, doc_id FROM dedup_buckets WHERE bucket IN {in}", all_buckets):
        stored_in[bucket].append(other)
    others = sorted({o for v in stored_in.values() for o in v})
    stored_sig: dict[str, np.ndarray] = {}
    stored_cluster: dict[str, str] = {}
    for other, cid, sig in _select_in(db, "SELECT doc_id, cluster_id, signature FROM dedup_documents "
                                          "WHERE doc_id IN {in}", others):
        stored_sig[other], stored_cluster[other] = _from_hex(sig), cid
    roots = sorted(set(stored_cluster.values()))
    for cid, coded_at in _select_in(db, "SELECT id, coded_at FROM documents WHERE id IN {in}", roots):
        keys[cid] = _order_key(coded_at, cid)
    for cid in roots:
        keys.setdefault(cid, _order_key(None, cid))
    uf = _Union(lambda x: keys[x])
    links: list[tuple[str, str, float]] = []
    seen_here: dict[str, list[str]] = defaultdict(list)  # bucket -> documents of this chunk, in order
    for doc_id, _, _ in rows:
        uf.find(doc_id)
        sig = sigs[doc_id]
        compared: set[str] = set()
        for bucket in buckets[doc_id]:
            for other in stored_in.get(bucket, []) + seen_here.get(bucket, []):
                if other in compared or other == doc_id:
                    continue
                compared.add(other)
                other_sig = stored_sig.get(other)
                if other_sig is None:
                    other_sig = sigs.get(other)
                if other_sig is None:  # a bucket whose document row is missing: nothing to compare with
                    continue
                s = similarity(sig, other_sig)
                if s >= t:
                    links.append((doc_id, other, s))
                    uf.union(doc_id, stored_cluster.get(other, other))
            seen_here[bucket].append(doc_id)
    report.documents += len(rows)
    report.links += len(links)
    con = _con(db)
    for cid in roots:  # stored clusters that a new document joined to an older one
        new = uf.find(cid)
        if new != cid:
            con.execute("UPDATE dedup_documents SET cluster_id = ? WHERE cluster_id = ?", [new, cid])
    doc_rows = []
    for doc_id, _, _ in rows:
        cid = uf.find(doc_id)
        if cid != doc_id:
            report.merged += 1
        doc_rows.append((doc_id, cid, _to_hex(sigs[doc_id]), counts[doc_id]))
    _insert(db, "dedup_documents", ("doc_id", "cluster_id", "signature", "shingles"), doc_rows)
    _insert(db, "dedup_buckets", ("bucket", "doc_id"), [(b, doc_id) for doc_id, _, _ in rows for b in buckets[doc_id]])
    _insert(db, "dedup_links", ("doc_id", "other_id", "similarity"), links)


def on_stored(db, doc) -> bool:
    """The hook for code that stores documents: cluster the document just stored (a ``Document`` or its
    id) with the documents already there. Costs a signature, 42 bucket look-ups and a few comparisons.

    ``db``: a ``Store``, a connection, or a ``HandoffStore`` (whose open store is borrowed for the
    moment). A failure here must not lose the document, which is stored already: it is logged as a
    warning (``eventwire.dedup``) naming the document, and ``False`` returned; ``eventwire dedup`` clusters
    whatever was left out."""
    doc_id = getattr(doc, "id", doc)
    try:
        using = getattr(db, "using", None)  # a HandoffStore lends its open Store for a moment
        if using is not None and not hasattr(db, "con"):
            with using() as store:
                cluster(store, [doc_id], summary=False)
        else:
            cluster(db, [doc_id], summary=False)
    except Exception as exc:  # noqa: BLE001 - reported, and repaired by `eventwire dedup`
        _log.warning("document %s was stored but not clustered (%s); run eventwire dedup to cluster it",
                     doc_id, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return False
    return True


# ---------------------------------------------------------------------------------------------- reading
_PLACE = re.compile(r"[/\\]|\.(txt|html?|jsonl?|csv|xml|rss|atom|gz)(:\d+|#\d+)?$|^(<?stdin>?|web)$", re.I)


def _host(value: str | None) -> str | None:
    if not value or "://" not in value:
        return None
    h = (urlsplit(value).hostname or "").lower()
    return (h[4:] if h.startswith("www.") else h) or None


def outlet(source: str | None, url: str | None) -> str | None:
    """A document's outlet: its source when that names one; the host of its URL when the source is
    missing, is a URL, or is only where the text was read (a file path, ``file.jsonl:12``, ``stdin``,
    which the readers put there when the input has no source field); else that place as it is."""
    source = (source or "").strip() or None
    if source and not _PLACE.search(source):
        return source
    return _host(source) or _host(url) or source


def _json(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def document_clusters(db, doc_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every stored document (or those of ``doc_ids``) with its cluster id and the cluster's size; a
    document not clustered yet has ``cluster_id`` None."""
    has = _has_table(db, "dedup_documents")
    sql = ("SELECT d.id, d.title, d.source, d.url, d.published, d.coded_at, "
           + ("x.cluster_id, x.shingles FROM documents d LEFT JOIN dedup_documents x ON x.doc_id = d.id"
              if has else "NULL AS cluster_id, NULL AS shingles FROM documents d"))
    if doc_ids is not None:
        rows = _select_in(db, sql + " WHERE d.id IN {in}", list(doc_ids))
    else:
        rows = _rows(db, sql)
    sizes: dict[str, int] = defaultdict(int)
    if has:
        for cid, n in _rows(db, "SELECT cluster_id, count(*) FROM dedup_documents GROUP BY cluster_id"):
            sizes[cid] = n
    out = []
    for doc_id, title, source, url, published, coded_at, cid, n_sh in rows:
        out.append({"doc_id": doc_id, "cluster_id": cid, "cluster_size": sizes.get(cid, 0) if cid else None,
                    "title": title, "source": source, "outlet": outlet(source, url), "url": url,
                    "published": _json(published), "coded_at": _json(coded_at), "shingles": n_sh})
    out.sort(key=lambda r: _order_key(r["coded_at"], r["doc_id"]))
    return out


def clusters(db, *, min_size: int = 2, limit: int | None = None) -> list[dict[str, Any]]:
    """Clusters of at least ``min_size`` documents, largest first: id, size, number of outlets, and
    their documents (earliest first) with titles, outlets and their similarity links."""
    if min_size < 1:
        raise DedupError(f"min_size={min_size} must be at least 1")
    if limit is not None and limit < 0:
        raise DedupError(f"limit={limit} cannot be negative")
    if not _has_table(db, "dedup_documents"):
        return []
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in document_clusters(db):
        if r["cluster_id"] is not None and r["cluster_size"] >= min_size:
            members[r["cluster_id"]].append(r)
    links: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if members:
        for a, b, s in _rows(db, "SELECT doc_id, other_id, similarity FROM dedup_links ORDER BY doc_id, other_id"):
            links[a].append({"doc_id": b, "similarity": round(float(s), 3)})
    out = []
    for cid, docs in members.items():
        for d in docs:
            d["similar_to"] = links.get(d["doc_id"], [])
        out.append({"cluster_id": cid, "size": len(docs),
                    "sources": len({d["outlet"] or d["doc_id"] for d in docs}),
                    "title": next((d["title"] for d in docs if d["title"]), None), "documents": docs})
    out.sort(key=lambda c: (-c["size"], _order_key(c["documents"][0]["coded_at"], c["cluster_id"])))
    return out[:limit] if limit is not None else out


def _actor_key(name: str | None, text: str | None, country: str | None) -> tuple[str, str] | None:
    label = (name or text or "").strip().lower()
    if not label and not country:
        return None
    return (country or "", label)


def merged_events(db, *, limit: int = 50, offset: int = 0, min_articles: int = 1,
                  **filters: Any) -> list[dict[str, Any]]:
    """Events merged across each cluster of copies of one story.

    Takes the filters of :func:`eventwire.store.query.events`. The events of a cluster's documents that
    have the same source actor, target actor (resolved name, else the mention, with the country), CAMEO
    code and date are one merged event, with ``articles`` (how many documents report it), ``sources``
    (how many distinct outlets), ``events`` (how many stored events it stands for) and ``event_ids``
    (``doc_id/event id`` of each, so the merge can be undone). Documents not clustered yet count as
    their own cluster. Most-reported first, then newest."""
    from .store.query import _paging, event_where

    limit, offset = _paging(limit, offset)
    if int(min_articles) < 1:
        raise DedupError(f"min_articles={min_articles} must be at least 1")
    where, params = event_where(**filters)
    if _has_table(db, "dedup_documents"):
        join, cid = "LEFT JOIN dedup_documents x ON x.doc_id = e.doc_id", "coalesce(x.cluster_id, e.doc_id)"
    else:
        join, cid = "", "e.doc_id"
    cur = _con(db).execute(
        f"SELECT {cid} AS cluster_id, e.doc_id, e.id, e.cameo, e.plover, e.goldstein, e.quad, "
        "e.source_name, e.source_text, e.source_country, e.source_sector, "
        "e.target_name, e.target_text, e.target_country, e.target_sector, e.date, e.date_precision, "
        "e.trigger_text, d.source AS doc_source, d.url AS doc_url, d.title AS doc_title, d.coded_at "
        f"FROM events e JOIN documents d ON d.id = e.doc_id {join} {where} "
        "ORDER BY d.coded_at, e.doc_id, e.trigger_start", params)
    cols = [c[0] for c in cur.description]
    groups: dict[tuple, dict[str, Any]] = {}
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        key = (r["cluster_id"], r["cameo"], _actor_key(r["source_name"], r["source_text"], r["source_country"]),
               _actor_key(r["target_name"], r["target_text"], r["target_country"]), r["date"])
        g = groups.get(key)
        if g is None:
            g = groups[key] = {
                "cluster_id": r["cluster_id"], "cameo": r["cameo"], "plover": r["plover"],
                "goldstein": r["goldstein"], "quad": r["quad"],
                "source_name": r["source_name"] or r["source_text"], "source_country": r["source_country"],
                "source_sector": r["source_sector"],
                "target_name": r["target_name"] or r["target_text"], "target_country": r["target_country"],
                "target_sector": r["target_sector"], "date": r["date"], "date_precision": r["date_precision"],
                "trigger_text": r["trigger_text"], "doc_title": r["doc_title"],
                "articles": 0, "sources": 0, "events": 0, "outlets": [], "doc_ids": [], "event_ids": [],
            }
        g["events"] += 1
        g["event_ids"].append(f"{r['doc_id']}/{r['id']}")
        if r["doc_id"] not in g["doc_ids"]:
            g["doc_ids"].append(r["doc_id"])
        name = outlet(r["doc_source"], r["doc_url"]) or r["doc_id"]
        if name not in g["outlets"]:
            g["outlets"].append(name)
    out = []
    for g in groups.values():
        g["articles"], g["sources"] = len(g["doc_ids"]), len(g["outlets"])
        if g["articles"] >= int(min_articles):
            out.append(g)
    out.sort(key=lambda g: (g["cluster_id"], g["cameo"]))
    out.sort(key=lambda g: g["date"] or "", reverse=True)  # newest first, undated last
    out.sort(key=lambda g: (-g["articles"], -g["sources"]))
    return out[offset : offset + limit]
