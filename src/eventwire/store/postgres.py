"""PostgreSQL behind the same small connection API the DuckDB store uses.

``PGConnection.execute(sql, params)`` takes DuckDB-style SQL: ``?`` placeholders, ``%`` as plain text.
It returns a cursor with ``fetchone``, ``fetchall`` and ``description``, so ``eventwire.store.query``,
the exporters and the API run unchanged on either database. Statements run in autocommit mode unless
the caller opens a transaction with ``BEGIN``, as with DuckDB.

A connection that breaks (the server restarted, the network dropped) is opened again with bounded
backoff. A statement outside a transaction is then simply run again; inside a transaction the error
is raised as ``ConnectionLost``, and the caller (``Store``) repeats the whole transaction.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import StoreError

try:  # psycopg is the optional ``postgres`` extra
    import psycopg
    import psycopg.conninfo
except ImportError:  # pragma: no cover - depends on the installation
    psycopg = None

__all__ = ["is_url", "redact", "translate", "PGConnection", "ConnectionLost"]

_SCHEMES = ("postgresql://", "postgres://")


def is_url(path: Any) -> bool:
    """Whether ``path`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return isinstance(path, str) and path.lower().startswith(_SCHEMES)


def redact(url: str) -> str:
    """The URL with its password, if any, replaced by ``***`` (also works on malformed URLs)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    tail = re.sub(r"(?i)(password=)[^&]*", r"\1***", tail)
    return f"{scheme}://{userinfo}{at}{hostport}{slash}{tail}"


def _scrub(message: str, url: str) -> str:
    """An error message with the URL's password taken out, wherever the driver may have echoed it."""
    secret = None
    netloc = url.partition("://")[2].partition("/")[0]
    userinfo = netloc.rpartition("@")[0]
    if ":" in userinfo:
        secret = userinfo.split(":", 1)[1]
    m = re.search(r"(?i)password=([^&]*)", url)
    secrets = [s for s in (secret, m.group(1) if m else None) if s]
    for s in secrets:
        message = message.replace(s, "***")
    return message.strip()


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """DuckDB-style SQL for psycopg: ``?`` outside quotes becomes ``%s``, and every ``%`` becomes ``%%``."""
    out = []
    quote = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


# the server answered and said no: another try would get the same answer
_FINAL_SIGNS = ("does not exist", "authentication failed", "no pg_hba.conf entry", "permission denied")


def _final(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (getattr(exc, "sqlstate", None) or "").startswith(("28", "3D")) or any(s in text for s in _FINAL_SIGNS)


class ConnectionLost(StoreError):
    """The connection to PostgreSQL broke inside a transaction; the transaction did not happen."""


class PGCursor:
    """What ``execute`` returns: the DuckDB result methods callers use."""

    def __init__(self, cur):
        self._cur = cur
        self.description = [tuple(c) for c in cur.description] if cur.description else None
        self.rowcount = cur.rowcount

    def fetchone(self):
        return self._cur.fetchone() if self.description else None

    def fetchall(self):
        return self._cur.fetchall() if self.description else []

    def fetchmany(self, size: int = 1):
        return self._cur.fetchmany(size) if self.description else []

    def __iter__(self):
        return iter(self.fetchall())


class PGConnection:
    """One psycopg connection with DuckDB's ``execute``/``executemany`` conventions."""

    dialect = "postgresql"

    def __init__(self, url: str, *, read_only: bool = False, wait: float = 0.0, reconnect_wait: float = 30.0,
                 connect_timeout: int = 10):
        if psycopg is None:
            raise StoreError(f"{redact(url)} is a PostgreSQL database, which needs psycopg: "
                             "pip install 'eventwire[postgres]'")
        self.url = url
        self.display = redact(url)
        self.read_only = read_only
        self.reconnect_wait = reconnect_wait
        self.connect_timeout = connect_timeout
        self.in_transaction = False
        self.reconnects = 0
        self._conn = None
        self._open(wait)

    # ------------------------------------------------------------------ connecting
    def _connect_once(self):
        options = "-c datestyle=ISO,YMD -c timezone=UTC"
        if self.read_only:
            options += " -c default_transaction_read_only=on"
        given = psycopg.conninfo.conninfo_to_dict(self.url).get("options")
        if given:  # the URL's own options (a search_path, say) come after ours
            options += " " + str(given)
        return psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout, options=options)

    def _open(self, wait: float, lost: bool = False) -> None:
        deadline = time.monotonic() + max(0.0, wait)
        delay = 0.1
        while True:
            try:
                self._conn = self._connect_once()
                self.in_transaction = False
                return
            except psycopg.OperationalError as exc:
                # refused, unreachable, starting up or shutting down: worth another try while time is left;
                # a wrong password (SQLSTATE 28...) or a database that does not exist (3D000) is not
                left = deadline - time.monotonic()
                if left <= 0 or _final(exc):
                    what = ("lost the connection to the PostgreSQL database {} and could not reconnect within "
                            f"{wait:g} s" if lost else "cannot open the PostgreSQL database {}")
                    raise StoreError(f"{what.format(self.display)}: {_scrub(str(exc), self.url)}") from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 2.0)
            except (psycopg.Error, ValueError) as exc:  # a malformed URL or an unknown option
                raise StoreError(f"cannot open the PostgreSQL database {self.display}: "
                                 f"{_scrub(str(exc), self.url)}") from None

    @property
    def broken(self) -> bool:
        return self._conn is None or self._conn.closed or self._conn.broken

    def reconnect(self) -> None:
        """Open a fresh connection after a broken one, retrying with backoff up to ``reconnect_wait``."""
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - the old connection is gone either way
                pass
        self._conn = None
        self._open(self.reconnect_wait, lost=True)
        self.reconnects += 1

    # ------------------------------------------------------------------ statements
    def _track(self, sql: str) -> None:
        word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if word in ("BEGIN", "START"):
            self.in_transaction = True
        elif word in ("COMMIT", "ROLLBACK", "END", "ABORT"):
            self.in_transaction = False

    def _run(self, fn):
        if self.broken and not self.in_transaction:
            self.reconnect()
        try:
            return fn()
        except psycopg.OperationalError as exc:
            if not self.broken:
                raise
            if self.in_transaction:
                self.in_transaction = False
                raise ConnectionLost(f"lost the connection to the PostgreSQL database {self.display} "
                                     f"inside a transaction: {_scrub(str(exc), self.url)}") from exc
            self.reconnect()
            return fn()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PGCursor:
        def go():
            cur = self._conn.cursor()
            if params:
                cur.execute(translate(sql), list(params))
            else:
                cur.execute(sql)
            return PGCursor(cur)

        word = sql.lstrip()[:8].upper()
        if word.startswith(("COMMIT", "ROLLBACK")) and self.broken:
            # the transaction died with the connection: there is nothing left to end
            self.in_transaction = False
            if word.startswith("COMMIT"):
                raise ConnectionLost(f"lost the connection to the PostgreSQL database {self.display} "
                                     "before the commit")
            return PGCursor(_Empty())
        result = self._run(go)
        self._track(sql)
        return result

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [list(r) for r in rows]
        if not rows:
            return

        def go():
            with self._conn.cursor() as cur:
                cur.executemany(translate(sql), rows)

        self._run(go)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Write rows with ``COPY ... FROM STDIN``: the fast path for a document's records."""
        def go():
            with self._conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)

        self._run(go)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class _Empty:
    description = None
    rowcount = -1
