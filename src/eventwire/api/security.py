"""The server's guards, as plain ASGI middleware and helpers.

- **Body size.** A request body over ``max_body`` bytes is refused with 413, whether or not it
  declares its length (a chunked body is counted as it arrives, and never read past the limit).
- **Write token.** Write endpoints need the server's token (``Authorization: Bearer TOKEN`` or
  ``X-Eventwire-Token``) whenever one is set, and always when the server binds to an address other
  than loopback: such a server without a token refuses every write. ``write_guard`` is a dependency
  of the whole app, so every write route, one added later included, checks the token before its body
  is even validated.
- **Cross-site writes.** A write whose ``Origin`` is not the server itself is refused (403), so a
  web page elsewhere cannot make a browser store documents here.
- **Host names.** A server on loopback only answers requests addressed to a loopback name
  (``localhost``, ``127.0.0.1``, ``[::1]``): a DNS-rebinding page cannot reach it under its own name.
- **Headers.** Every response says ``nosniff``, ``X-Frame-Options: DENY`` and carries a
  Content-Security-Policy that allows only eventwire's own scripts and styles (no inline script or
  event handler runs, even if one got into a page).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request

__all__ = ["is_loopback", "BodyLimit", "Guard", "authorize", "write_guard", "LOOPBACK_NAMES", "CSP"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _reply(send, status: int, detail: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"x-content-type-options", b"nosniff"), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_body`` bytes with 413."""

    def __init__(self, app, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            return await self.app(scope, receive, send)
        too_big = f"the request body is over the limit of {self.max_body:,} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await _reply(send, 400, "the Content-Length header is not a number")
                if declared > self.max_body:
                    return await _reply(send, 413, too_big, [(b"connection", b"close")])
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                return await _reply(send, 413, too_big, [(b"connection", b"close")])
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


class Guard:
    """Host-name check on loopback, cross-site write refusal, and security headers."""

    def __init__(self, app, *, loopback: bool, allowed_hosts: Iterable[str] = ()):
        self.app = app
        self.loopback = loopback
        self.allowed = {h.lower() for h in (*LOOPBACK_NAMES, *allowed_hosts)}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if self.loopback and host:
            name = urlsplit("//" + host).hostname or ""
            if name.lower() not in self.allowed and f"[{name.lower()}]" not in self.allowed:
                return await _reply(send, 421, f"this server answers only to {', '.join(sorted(self.allowed))}")
        origin = headers.get("origin")
        if scope["method"] in WRITE_METHODS and origin and origin != "null":
            if urlsplit(origin).netloc.lower() != host.lower():
                return await _reply(send, 403, "cross-site writes are refused: post from this server's own pages")
        elif scope["method"] in WRITE_METHODS and origin == "null":
            return await _reply(send, 403, "cross-site writes are refused: post from this server's own pages")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                # on every response, not only HTML: a JSON error or a static file opened in a
                # browser is then under the same policy as the pages
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in present]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def authorize(request: Request, supplied: str | None = None) -> None:
    """Raise 401/403 unless this write may go ahead (see the module's notes)."""
    settings = request.app.state.settings
    if not settings.token_required:
        return
    if not settings.token:
        raise HTTPException(403, f"this server listens on {settings.host}, beyond this machine, and was started "
                                 f"without a token: writes are refused; restart it with --token")
    given = supplied
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not given:
        given = request.headers.get("x-eventwire-token")
    if not given or not hmac.compare_digest(given.encode(), settings.token.encode()):
        raise HTTPException(401, "this write needs the server's token: send the header 'Authorization: Bearer TOKEN'",
                            headers={"WWW-Authenticate": "Bearer"})


async def write_guard(request: Request) -> None:
    """The app-wide dependency that runs ``authorize`` for every write method on every route. A form
    post (the /code page) may carry the token as its ``token`` field instead of a header."""
    if request.method not in WRITE_METHODS or not request.app.state.settings.token_required:
        return
    supplied = None
    has_header = request.headers.get("authorization") or request.headers.get("x-eventwire-token")
    if not has_header and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raw = await request.body()  # kept by the request: the route reads the same bytes again
        supplied = (parse_qs(raw.decode("utf-8", "replace")).get("token") or [None])[0] or None
    authorize(request, supplied)
