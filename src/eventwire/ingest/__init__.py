"""Readers: turn paths, globs, URLs and ``-`` (stdin) into ``SourceDoc`` objects to code.

=====================  ==============================================================================
``.txt`` (``.text``,   the text as it is; a sidecar ``NAME.meta.json`` may give ``title``, ``published``,
``.md``)               ``source`` and ``url``
``.html``, ``.htm``    the page's main text, title, date and canonical URL, through trafilatura
``.json``              an object, or a list of objects, with text/title/date/url/source fields
``.jsonl``             one such object per line (``.ndjson`` too)
``.csv``               a header row, then one record per row
``.gz``                any of the above, compressed (``articles.jsonl.gz``)
``.rss``, ``.atom``,   an RSS/Atom feed (through feedparser); each item's link is fetched as a URL
``.xml``
a folder               every readable file in it, recursively (``.xml`` only with ``--feed``)
a glob                 ``'dumps/*.jsonl'``, ``'site/**/*.html'``
``http(s)://...``      fetched through httpx with timeouts, a size cap and checked redirects;
                       private, loopback and link-local addresses are refused unless ``allow_private``
``-``                  stdin (text, or ``options.stdin_format``)
=====================  ==============================================================================

Each document says where it came from: ``name`` is the file, ``file:line`` (JSON lines, CSV),
``file#n`` (the n-th object of a JSON list or item of a feed) or the URL; ``source`` is the record's
source field, else that same place; ``url`` the page's canonical URL or the record's. A missing
publication date stays missing (the coder flags it); ``published`` sets it for every document.

Anything that cannot be read (a missing file, a broken line, a malformed page or feed, a refused
address) becomes an ``InputError`` in the stream, in its place, and the rest is still read.
"""

from __future__ import annotations

import glob
import gzip
import json
import pathlib
import sys
from collections.abc import Iterable, Iterator

from ..errors import InputError
from ..pipeline import SourceDoc
from .formats import ReadOptions, decode, parse_csv, parse_html, parse_json, parse_jsonl, parse_text
from .net import FEED_SUFFIXES, is_url, read_feed_file, read_url

__all__ = ["read_paths", "read_file", "read_bytes", "decode", "ReadOptions", "TEXT_SUFFIXES", "SUFFIXES"]

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
RECORD_SUFFIXES = {".json", ".jsonl", ".ndjson", ".csv"}
#: what a folder is searched for (``.xml`` is left out: too many XML files are not feeds)
FOLDER_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES | {".rss", ".atom"}
SUFFIXES = FOLDER_SUFFIXES | {".xml"}
MAX_FILE_BYTES = 64 * 1024 * 1024
_GLOB = set("*?[")


def _kind(name: str) -> tuple[str, bool]:
    """(the suffix that decides the reader, whether it is gzipped)"""
    lower = name.lower()
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    suffix = pathlib.PurePath(lower).suffix
    return suffix, gz


def _meta(path: pathlib.Path) -> dict:
    base = path.name
    for s in (".gz",) + tuple(TEXT_SUFFIXES):
        if base.lower().endswith(s):
            base = base[: -len(s)]
    side = path.with_name(base + ".meta.json")
    if not side.exists():
        return {}
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(side), f"is not valid JSON ({exc}); fix or remove it") from None
    return meta if isinstance(meta, dict) else {}


def _read_raw(path: pathlib.Path, gz: bool) -> bytes:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(name, f"is {size:,} bytes, over the reader's limit of {MAX_FILE_BYTES:,}; split it")
        if not gz:
            return path.read_bytes()
        if size == 0:  # gzip reads an empty file as empty data: it is a file cut off before its header
            raise InputError(name, "is an empty file, not a gzip file (truncated to nothing?)")
        with gzip.open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:  # gzip.BadGzipFile is an OSError
        if gz and not isinstance(exc, FileNotFoundError | PermissionError):
            raise InputError(name, f"is not a readable gzip file ({exc})") from None
        raise InputError(name, f"cannot be read: {exc.strerror or exc}") from None
    except EOFError:
        raise InputError(name, "is a truncated gzip file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(name, f"unpacks to over the reader's limit of {MAX_FILE_BYTES:,} bytes; split it")
    return raw


def read_file(path: pathlib.Path, published: str | None = None) -> SourceDoc:
    """One plain-text file (with its sidecar ``.meta.json``) as a ``SourceDoc``; raises ``InputError``."""
    name = str(path)
    raw = _read_raw(path, name.lower().endswith(".gz"))
    text = decode(raw, name)
    meta = _meta(path)
    return SourceDoc(
        text=text,
        name=name,
        title=meta.get("title"),
        published=published or meta.get("published"),
        source=meta.get("source") or meta.get("publisher") or name,
        url=meta.get("url"),
    )


def read_bytes(raw: bytes, name: str, suffix: str, options: ReadOptions | None = None,
               published: str | None = None, meta: dict | None = None) -> Iterator[SourceDoc | InputError]:
    """Parse ``raw`` as the format its ``suffix`` (``.html``, ``.jsonl``...) names; plain text otherwise."""
    options = options or ReadOptions()
    suffix = suffix.lower()
    if not suffix.startswith("."):
        suffix = "." + suffix
    if options.feed or suffix in FEED_SUFFIXES:
        yield from read_feed_file(raw, name, options, published)
    elif suffix in HTML_SUFFIXES:
        fallback = {"title": (meta or {}).get("title"), "url": (meta or {}).get("url"),
                    "published": (meta or {}).get("published")}
        yield from parse_html(raw, name, options, published, fallback=fallback)
    elif suffix == ".json":
        yield from parse_json(raw, name, options, published)
    elif suffix in (".jsonl", ".ndjson"):
        yield from parse_jsonl(raw, name, options, published)
    elif suffix == ".csv":
        yield from parse_csv(raw, name, options, published)
    else:
        yield from parse_text(raw, name, options, published, meta=meta)


def _read_one(path: pathlib.Path, options: ReadOptions, published: str | None) -> Iterator[SourceDoc | InputError]:
    suffix, gz = _kind(path.name)
    try:
        raw = _read_raw(path, gz)
        meta = _meta(path) if suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES or suffix not in SUFFIXES else None
    except InputError as exc:
        yield exc
        return
    yield from read_bytes(raw, str(path), suffix, options, published, meta)


def _wanted(f: pathlib.Path, options: ReadOptions | None = None) -> bool:
    if not f.is_file() or f.name.lower().endswith((".meta.json", ".meta.json.gz")):
        return False
    suffix, _ = _kind(f.name)
    return suffix in FOLDER_SUFFIXES or (suffix == ".xml" and options is not None and options.feed)


def _expand(paths: Iterable[str], options: ReadOptions | None = None) -> Iterator[str | pathlib.Path | InputError]:
    """Each input: ``-``, a URL, a file path, or an ``InputError`` for a folder or glob that names nothing."""
    for p in paths:
        p = str(p)
        if p == "-" or is_url(p):
            yield p
            continue
        path = pathlib.Path(p)
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if _wanted(f, options))
            if not files:
                yield InputError(p, "is a folder with no files eventwire reads in it "
                                    f"({', '.join(sorted(FOLDER_SUFFIXES))}, or .gz of them)")
            yield from files
        elif not path.exists() and _GLOB & set(p):
            matches = sorted(pathlib.Path(m) for m in glob.glob(p, recursive=True))
            files = [m for m in matches if m.is_file() and not m.name.lower().endswith(".meta.json")]
            for d in (m for m in matches if m.is_dir()):
                files += sorted(f for f in d.rglob("*") if _wanted(f, options))
            if not files:
                yield InputError(p, "matches no file")
            yield from files
        else:
            yield path


def read_paths(paths: Iterable[str], published: str | None = None, options: ReadOptions | None = None,
               **fields) -> Iterator[SourceDoc | InputError]:
    """Every document named by ``paths``, in order; what cannot be read as ``InputError``.

    ``options`` (or keyword arguments such as ``text_field="body"``, ``allow_private=True``) say how."""
    if options is None:
        options = ReadOptions(**fields)
    elif fields:
        raise TypeError("pass either options or keyword arguments, not both")
    for item in _expand(paths, options):
        if isinstance(item, InputError):
            yield item
        elif item == "-":
            try:
                raw = sys.stdin.buffer.read()
            except OSError as exc:
                yield InputError("<stdin>", f"cannot be read: {exc}")
                continue
            fmt = options.stdin_format or "txt"
            if fmt in ("txt", "text"):
                try:
                    yield SourceDoc(text=decode(raw, "<stdin>"), name="<stdin>", published=published, source="stdin")
                except InputError as exc:
                    yield exc
            else:
                yield from read_bytes(raw, "<stdin>", fmt, options, published)
        elif isinstance(item, str):
            yield from read_url(item, options, published)
        elif not item.exists():
            yield InputError(str(item), "does not exist")
        else:
            yield from _read_one(item, options, published)
