"""Parsers from bytes to ``SourceDoc``: plain text, HTML pages (trafilatura), and records (JSON, JSON
lines, CSV) with configurable field names.

Every parser takes the raw bytes and the name of where they came from (a file path or a URL) and yields
``SourceDoc`` objects or, for a record or page that cannot be used, an ``InputError`` naming the file and
line (or record number), so the rest is still read.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..pipeline import SourceDoc

__all__ = ["ReadOptions", "DEFAULT_FIELDS", "parse_text", "parse_html", "parse_json", "parse_jsonl", "parse_csv",
           "normalise_date"]

#: the field names tried, in order, when the user names none
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content"),
    "title": ("title", "headline"),
    "date": ("date", "published", "publish_date", "pubdate", "published_at"),
    "url": ("url", "link"),
    "source": ("source", "publisher", "outlet"),
}


@dataclass(slots=True)
class ReadOptions:
    """How the readers read. Field names may be dotted paths into nested JSON (``meta.date``)."""

    text_field: str | None = None
    title_field: str | None = None
    date_field: str | None = None
    url_field: str | None = None
    source_field: str | None = None
    allow_private: bool = False  # fetch from private, loopback and link-local addresses
    feed: bool = False  # treat every URL or file argument as an RSS/Atom feed
    timeout: float = 20.0  # seconds per HTTP request
    max_bytes: int = 16 * 1024 * 1024  # the most a fetched page may weigh
    max_redirects: int = 5
    stdin_format: str = "txt"  # txt, html, json, jsonl or csv
    user_agent: str = "eventwire (+https://github.com/eventwire)"
    extra: dict[str, Any] = field(default_factory=dict)

    def fields(self, key: str) -> tuple[str, ...]:
        given = getattr(self, f"{key}_field")
        return (given,) if given else DEFAULT_FIELDS[key]


# ---------------------------------------------------------------------------------------------- dates
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def normalise_date(value: Any, where: str) -> str | None:
    """``YYYY-MM-DD`` from an ISO date or timestamp, an RFC 2822 date (feeds, e-mail) or a
    ``time.struct_time``; ``None`` when empty. Anything else is an ``InputError``: a date is never guessed."""
    if value is None or value == "":
        return None
    if hasattr(value, "tm_year"):  # time.struct_time from feedparser
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    if _ISO.match(text):
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
    else:
        try:
            return email.utils.parsedate_to_datetime(text).date().isoformat()
        except (TypeError, ValueError, IndexError):
            pass
    raise InputError(where, f"has the date {text!r}, which is not YYYY-MM-DD (nor an RFC 2822 date); "
                            "fix it, name another field with --date-field, or set it with --published")


# ---------------------------------------------------------------------------------------------- text
def decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:8192]:
        raise InputError(name, "contains NUL bytes: it looks like a binary file, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"is not valid UTF-8 (byte {exc.start}: {exc.reason}); convert it to UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_text(raw: bytes, name: str, options: ReadOptions, published: str | None = None,
               meta: dict | None = None, url: str | None = None) -> Iterator[SourceDoc | InputError]:
    try:
        text = decode(raw, name)
    except InputError as exc:
        yield exc
        return
    meta = meta or {}
    yield SourceDoc(text=text, name=name, title=meta.get("title"), published=published or meta.get("published"),
                    source=meta.get("source") or meta.get("publisher") or name, url=meta.get("url") or url)


# ---------------------------------------------------------------------------------------------- HTML
def parse_html(raw: bytes, name: str, options: ReadOptions, published: str | None = None,
               url: str | None = None, fallback: dict | None = None) -> Iterator[SourceDoc | InputError]:
    """The main text of a page, with its title, date and canonical URL, through trafilatura. Only a
    date the page states (in its metadata or markup) is taken, never one guessed from the text.
    ``fallback`` gives title/published/url from elsewhere (a feed entry) for what the page lacks."""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - a dependency
        yield InputError(name, "needs trafilatura to read HTML: pip install trafilatura")
        return
    fallback = fallback or {}
    if not raw.strip():
        yield InputError(name, "is empty: there is no page to read")
        return
    if b"\x00" in raw[:8192]:
        yield InputError(name, "contains NUL bytes: it is not an HTML page")
        return
    try:
        result = trafilatura.bare_extraction(
            raw, url=url, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"},
        )
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        yield InputError(name, f"is not a readable HTML page ({type(exc).__name__}: {exc})")
        return
    if result is None:
        yield InputError(name, "has no main text that trafilatura could find (an empty or malformed page?)")
        return
    get = (lambda k: result.get(k)) if isinstance(result, dict) else (lambda k: getattr(result, k, None))
    text = (get("text") or "").strip()
    if not text:
        yield InputError(name, "has no main text that trafilatura could find (an empty or malformed page?)")
        return
    date = published
    if not date:
        try:
            date = normalise_date(get("date"), name)
        except InputError:
            date = None
        date = date or fallback.get("published")
    page_url = get("url") or fallback.get("url") or url
    yield SourceDoc(text=text, name=name, title=get("title") or fallback.get("title"), published=date,
                    source=fallback.get("source") or name, url=page_url)


# ---------------------------------------------------------------------------------------------- records
def _lookup(record: dict, path: str) -> Any:
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _first(record: dict, names: tuple[str, ...]) -> Any:
    for n in names:
        value = _lookup(record, n)
        if value not in (None, ""):
            return value
    return None


def _json_type(value: Any) -> str:
    """What a value is, in JSON's words (a Python ``dict`` is a JSON object)."""
    return {dict: "JSON object", list: "JSON list", bool: "JSON boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_unicode(value: str, where: str, key: str) -> None:
    """A JSON escape such as ``\\ud800`` decodes to a lone surrogate, which is not text: refuse it here,
    naming the record and the field, before it reaches the coder, the store or a UTF-8 output."""
    bad = _SURROGATE.search(value)
    if bad:
        raise InputError(where, f"has a lone surrogate in its {key} field (U+{ord(bad.group()):04X}, from an escape "
                                "such as \\ud800 without its pair), which is not valid Unicode text")


def record_doc(record: Any, where: str, options: ReadOptions, published: str | None,
               default_source: str) -> SourceDoc:
    """One record (a JSON object or CSV row) as a ``SourceDoc``; ``where`` is ``file:line`` or ``file#n``."""
    if not isinstance(record, dict):
        raise InputError(where, f"is a {_json_type(record)}, not an object with a text field")
    text = _first(record, options.fields("text"))
    if text is None:
        raise InputError(where, f"has no text: none of the fields {', '.join(options.fields('text'))} is set "
                                "(name the field with --text-field)")
    if not isinstance(text, str):
        raise InputError(where, f"has a text field that is a {_json_type(text)}, not a string")
    _check_unicode(text, where, "text")

    def string(key: str) -> str | None:
        v = _first(record, options.fields(key))
        if v is None:
            return None
        if isinstance(v, (dict, list, bool)):
            raise InputError(where, f"has a {key} field that is a {_json_type(v)}, not a string; "
                                    f"name another field with --{key}-field")
        _check_unicode(str(v), where, key)
        return str(v)

    date = published or normalise_date(_first(record, options.fields("date")), where)
    return SourceDoc(text=text, name=where, title=string("title"), published=date,
                     source=string("source") or default_source, url=string("url"))


def parse_jsonl(raw: bytes, name: str, options: ReadOptions, published: str | None = None
                ) -> Iterator[SourceDoc | InputError]:
    """One JSON object per line; a broken line is an ``InputError`` naming ``file:line``."""
    try:
        text = decode(raw, name)
    except InputError as exc:
        yield exc
        return
    records = 0
    # only "\n" ends a line: str.splitlines() would also cut at U+2028, U+0085 or a form feed, which JSON
    # allows raw inside a string
    for n, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        records += 1
        where = f"{name}:{n}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield InputError(where, f"is not valid JSON ({exc}); the line is skipped")
            continue
        except RecursionError:
            yield InputError(where, "is JSON nested too deeply to read; the line is skipped")
            continue
        yield _record(record, where, options, published, where)
    if not records:
        yield InputError(name, "is empty: no JSON lines in it")


def _record(record, where: str, options: ReadOptions, published: str | None, name: str) -> SourceDoc | InputError:
    """One record as a document, or the error that says why it is not one (reported, then skipped)."""
    try:
        return record_doc(record, where, options, published, name)
    except InputError as exc:
        return exc


def parse_json(raw: bytes, name: str, options: ReadOptions, published: str | None = None
               ) -> Iterator[SourceDoc | InputError]:
    """A JSON object, or a list of objects (each named ``file#n``, counting from 1)."""
    try:
        data = json.loads(decode(raw, name))
    except InputError as exc:
        yield exc
        return
    except ValueError as exc:
        yield InputError(name, f"is not valid JSON ({exc})")
        return
    except RecursionError:
        yield InputError(name, "is JSON nested too deeply to read")
        return
    if isinstance(data, dict):
        yield _record(data, name, options, published, name)
        return
    if not isinstance(data, list):
        yield InputError(name, "is JSON but neither an object nor a list of objects")
        return
    for n, record in enumerate(data, 1):
        where = f"{name}#{n}"
        yield _record(record, where, options, published, where)


def parse_csv(raw: bytes, name: str, options: ReadOptions, published: str | None = None
              ) -> Iterator[SourceDoc | InputError]:
    """A CSV file with a header row; each row is named ``file:line`` (the line where the row starts)."""
    try:
        text = decode(raw, name)
    except InputError as exc:
        yield exc
        return
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        yield InputError(name, "is empty: no header row")
        return
    except csv.Error as exc:
        yield InputError(f"{name}:1", f"is not valid CSV ({exc})")
        return
    header = [h.strip() for h in header]
    if not any(f in header for f in options.fields("text")):
        yield InputError(name, f"has no text column: none of {', '.join(options.fields('text'))} among its columns "
                               f"({', '.join(header)}); name it with --text-field")
        return
    line = reader.line_num + 1
    while True:
        start = line
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(f"{name}:{start}", f"is not valid CSV ({exc}); the rest of the file cannot be read")
            return
        line = reader.line_num + 1
        if not row or not any(c.strip() for c in row):
            continue
        where = f"{name}:{start}"
        if len(row) != len(header):
            yield InputError(where, f"has {len(row)} fields where the header has {len(header)}; the row is skipped")
            continue
        yield _record(dict(zip(header, row)), where, options, published, where)
