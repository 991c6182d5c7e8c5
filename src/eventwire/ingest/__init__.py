"""Readers: turn paths (files, folders, ``-`` for stdin) into ``SourceDoc`` objects to code.

A ``.txt`` file may have a sidecar ``NAME.meta.json`` beside it with ``title``, ``published``,
``source`` and ``url``. A file that cannot be read becomes an ``InputError`` in the stream, in its
place, so the other inputs are still coded.
"""

from __future__ import annotations

import json
import pathlib
import sys
from collections.abc import Iterable, Iterator

from ..errors import InputError
from ..pipeline import SourceDoc

__all__ = ["read_paths", "read_file", "TEXT_SUFFIXES"]

TEXT_SUFFIXES = {".txt", ".text", ".md"}
MAX_FILE_BYTES = 64 * 1024 * 1024


def _meta(path: pathlib.Path) -> dict:
    side = path.with_name(path.stem + ".meta.json")
    if not side.exists():
        return {}
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(side), f"is not valid JSON ({exc}); fix or remove it") from None
    return meta if isinstance(meta, dict) else {}


def decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:8192]:
        raise InputError(name, "contains NUL bytes: it looks like a binary file, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"is not valid UTF-8 (byte {exc.start}: {exc.reason}); convert it to UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_file(path: pathlib.Path, published: str | None = None) -> SourceDoc:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(name, f"is {size:,} bytes, over the reader's limit of {MAX_FILE_BYTES:,}; split it")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot be read: {exc.strerror or exc}") from None
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


def _expand(paths: Iterable[str]) -> Iterator[str | pathlib.Path]:
    for p in paths:
        if p == "-":
            yield p
            continue
        path = pathlib.Path(p)
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES
                           and not f.name.endswith(".meta.json"))
            if not files:
                yield InputError(p, "is a folder with no .txt files in it")  # type: ignore[misc]
            yield from files
        else:
            yield path


def read_paths(paths: Iterable[str], published: str | None = None) -> Iterator[SourceDoc | InputError]:
    """Every document named by ``paths``, in order; unreadable ones as ``InputError``."""
    for item in _expand(paths):
        if isinstance(item, InputError):
            yield item
            continue
        try:
            if item == "-":
                raw = sys.stdin.buffer.read()
                yield SourceDoc(text=decode(raw, "<stdin>"), name="<stdin>", published=published, source="stdin")
            elif not item.exists():
                yield InputError(str(item), "does not exist")
            else:
                yield read_file(item, published)
        except InputError as exc:
            yield exc
