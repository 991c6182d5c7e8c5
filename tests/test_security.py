"""Security checks, one section per threat of docs/security.md: the write token on non-loopback binds,
the request body limit, server-side request forgery through URL ingest, SQL injection through every
filter of the CLI and the API, path traversal, and the document's own table of tests.

Routes, query parameters and CLI options are enumerated from the app, its OpenAPI document and the
Typer commands, so a route, filter or option added later is covered without editing this file."""

from __future__ import annotations

import ast
import asyncio
import http.client
import http.server
import json
import pathlib
import re
import shutil
import socket
import threading
import time
from urllib.parse import quote

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT

pytest.importorskip("fastapi")

from eventwire import Store, code_documents, read_paths  # noqa: E402
from eventwire.api import create_app  # noqa: E402
from eventwire.api.security import WRITE_METHODS  # noqa: E402
from eventwire.errors import InputError  # noqa: E402
from eventwire.ingest.formats import ReadOptions  # noqa: E402
from eventwire.ingest.net import fetch, parse_feed  # noqa: E402

DOCS = ROOT / "docs" / "security.md"
PUBLIC = "93.184.216.34"  # a public address the tests pretend names resolve to (nothing is ever sent there)
# an article whose actor, speaker, title and quote hold the characters an injection would use
OBRIEN_TEXT = ("Sean O'Brien, Ireland's foreign minister, condemned Britain on Monday over the border checks. "
               "\"This is 100% unacceptable,\" O'Brien said. Britain's Foreign Office accused Ireland of bad faith.")
OBRIEN_TITLE = "O'Brien: \"100%\" -- a_b"
INJECTIONS = ["x' OR '1'='1", "'; DROP TABLE events; --", '" OR 1=1 --', "') UNION SELECT * FROM documents --",
              "1; DELETE FROM documents", "x\\' OR 1=1 --", "\x00'"]
WILDCARDS = ["%", "_", "%'%", "O_Brien", "O%Brien"]
# the loops over every filter send these two: each breaks out of single quotes, double quotes and
# parentheses, escapes with a backslash, stacks a statement and comments the rest out
COMBINED = ["x' OR '1'='1' --'); DROP TABLE events; --", "x\\\" OR 1=1) UNION SELECT * FROM documents; DELETE FROM documents --"]


class Client:
    """A synchronous face on httpx over the ASGI app (no socket)."""

    def __init__(self, app, base_url: str = "http://127.0.0.1"):
        self.app, self.base_url = app, base_url

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.base_url) as c:
                return await c.request(method, url, **kw)

        return asyncio.run(go())

    def many(self, requests: list[tuple[str, str, dict]]) -> list[httpx.Response]:
        """Several requests on one event loop (much faster than one loop each)."""
        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.base_url) as c:
                return [await c.request(m, u, **kw) for m, u, kw in requests]

        return asyncio.run(go())

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)


@pytest.fixture(scope="module")
def sec_db(tmp_path_factory, nlp):
    """The examples plus the O'Brien article, stored as `eventwire code` stores them."""
    from eventwire import SourceDoc

    path = tmp_path_factory.mktemp("security") / "sec.duckdb"
    sources = list(read_paths([str(EXAMPLES)]))
    sources.append(SourceDoc(text=OBRIEN_TEXT, name="obrien", title=OBRIEN_TITLE, published="2024-05-08",
                             source="O'Reilly & Sons", url="https://example.org/o'brien?a=1&b=2"))
    with Store(path) as store:
        for doc in code_documents(sources, nlp):
            assert not isinstance(doc, Exception), doc
            store.add(doc)
    return path


@pytest.fixture()
def writable(sec_db, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(sec_db, path)
    return path


def snapshot(path) -> dict[str, int]:
    """Every table of the store with its row count: what an injection would change."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


# ================================================================================== 1. write token
def all_routes(app, routes=None, prefix: str = ""):
    """Every route of the app, the included routers' too (FastAPI 0.16x keeps those behind a wrapper
    that holds the router it includes; older releases list them flat)."""
    for route in app.routes if routes is None else routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from all_routes(app, inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif prefix and hasattr(route, "path"):
            import copy

            moved = copy.copy(route)
            moved.path = prefix + route.path
            yield moved
        else:
            yield route


def write_routes(app) -> list[tuple[str, str, object]]:
    """(method, path, route) of every route that accepts a write method."""
    found = []
    for route in all_routes(app):
        for method in sorted(set(getattr(route, "methods", None) or ()) & WRITE_METHODS):
            found.append((method, route.path, route))
    return found


def write_request(route, text: str = "Chile thanked Peru on Monday.") -> dict:
    """A request body the route accepts: JSON built from its body model's required fields, or the
    workbench's urlencoded form for a route without a model."""
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return {"content": "text=" + quote(text) + "&keep=1",
                "headers": {"content-type": "application/x-www-form-urlencoded"}}
    model = getattr(body_field, "type_", None) or body_field.field_info.annotation
    schema = model.model_json_schema() if hasattr(model, "model_json_schema") else {}
    body = {"text": text}
    for name in schema.get("required", []):
        body.setdefault(name, text)
    return {"json": body}


NON_LOOPBACK = ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "2001:db8::7", "fe80::1", "eventwire.lan"]


def test_there_are_write_routes_to_check(sec_db):
    routes = {(m, p) for m, p, _ in write_routes(create_app(sec_db))}
    assert {("POST", "/v1/code"), ("POST", "/v1/documents"), ("POST", "/code")} <= routes


@pytest.mark.parametrize("host", NON_LOOPBACK)
def test_every_write_route_needs_the_token_on_a_non_loopback_bind(writable, host):
    before = snapshot(writable)
    with_token = create_app(writable, host=host, token="a-long-enough-secret")
    without = create_app(writable, host=host)
    c, open_ = Client(with_token, "http://192.0.2.10:8000"), Client(without, "http://192.0.2.10:8000")
    for method, path, route in write_routes(with_token):
        req = write_request(route)
        assert c.request(method, path, **req).status_code == 401, (host, path)
        bad = {**req, "headers": {**req.get("headers", {}), "Authorization": "Bearer a-long-enough-secreT"}}
        assert c.request(method, path, **bad).status_code == 401, (host, path)
        refused = open_.request(method, path, **write_request(route))
        assert refused.status_code == 403 and "--token" in refused.text, (host, path, refused.text)
    assert snapshot(writable) == before  # nothing was written


def test_the_right_token_opens_every_write_route(writable):
    app = create_app(writable, host="0.0.0.0", token="a-long-enough-secret")
    c = Client(app, "http://192.0.2.10:8000")
    for n, (method, path, route) in enumerate(write_routes(app)):
        req = write_request(route, f"Chile thanked Peru on Monday, number {n}.")
        req["headers"] = {**req.get("headers", {}), "Authorization": "Bearer a-long-enough-secret"}
        r = c.request(method, path, **req)
        assert r.status_code in (200, 201, 303), (path, r.status_code, r.text[:200])
    form = c.post("/code", content="text=Chile+thanked+Peru+on+Tuesday.&keep=1&token=a-long-enough-secret",
                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 303  # the workbench form may carry the token as a field


def test_invalid_bodies_are_refused_for_the_token_before_validation(writable):
    c = Client(create_app(writable, host="0.0.0.0", token="a-long-enough-secret"), "http://192.0.2.10:8000")
    assert c.post("/v1/code", json={"colour": "red"}).status_code == 401
    assert c.post("/v1/documents", json={"text": ""}).status_code == 401


def test_a_write_route_added_later_is_covered_too(writable):
    app = create_app(writable, host="0.0.0.0", token="a-long-enough-secret")
    written = []

    @app.post("/v1/notes")
    def add_note(note: dict):
        written.append(note)
        return {"ok": True}

    @app.delete("/v1/notes/{n}")
    def drop_note(n: int):
        written.append(n)
        return {"ok": True}

    c = Client(app, "http://192.0.2.10:8000")
    assert c.post("/v1/notes", json={"x": 1}).status_code == 401
    assert c.request("DELETE", "/v1/notes/3").status_code == 401
    assert written == []
    assert c.post("/v1/notes", json={"x": 1}, headers={"Authorization": "Bearer a-long-enough-secret"}).status_code == 200
    assert written == [{"x": 1}]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_binds_take_writes_without_a_token(writable, host):
    app = create_app(writable, host=host)
    r = Client(app).post("/v1/code", json={"text": "Chile thanked Peru on Monday."})
    assert r.status_code == 200, r.text


def test_serve_on_all_interfaces_without_a_token_makes_one_and_says_so(writable, monkeypatch):
    import uvicorn

    from eventwire.cli import app as cli

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    monkeypatch.delenv("EVENTWIRE_TOKEN", raising=False)
    r = CliRunner().invoke(cli, ["serve", "--db", str(writable), "--host", "0.0.0.0", "--port", "8765"])
    assert r.exit_code == 0, r.output
    assert started["host"] == "0.0.0.0"
    said = r.stderr
    assert "reachable beyond this machine" in said and "write endpoints need this token" in said
    token = re.search(r"Authorization: Bearer (\S+)", said).group(1)
    assert len(token) >= 24
    c = Client(started["app"], "http://192.0.2.10:8765")
    before = snapshot(writable)
    assert c.post("/v1/documents", json={"text": "Chile thanked Peru on Monday."}).status_code == 401
    assert snapshot(writable) == before
    ok = c.post("/v1/documents", json={"text": "Chile thanked Peru on Monday."},
                headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 201


def test_serve_with_a_token_uses_it(writable, monkeypatch):
    import uvicorn

    from eventwire.cli import app as cli

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    r = CliRunner().invoke(cli, ["serve", "--db", str(writable), "--host", "::", "--token", "mine-and-long-enough"])
    assert r.exit_code == 0 and "Bearer" not in r.stderr
    c = Client(started["app"], "http://[2001:db8::1]:8000")
    assert c.post("/v1/code", json={"text": "Chile thanked Peru."}).status_code == 401
    assert c.post("/v1/code", json={"text": "Chile thanked Peru."},
                  headers={"Authorization": "Bearer mine-and-long-enough"}).status_code == 200


# ================================================================================== 2. body size
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_over_the_limit_are_413_on_every_write_route(writable, chunked):
    app = create_app(writable, max_body=4096)
    c = Client(app)
    before = snapshot(writable)
    for method, path, route in write_routes(app):
        req = write_request(route, "Chile thanked Peru on Monday. " * 400)
        payload = req.get("content") or json.dumps(req["json"])
        headers = {"content-type": req.get("headers", {}).get("content-type", "application/json")}
        if chunked:
            async def parts(data=payload.encode()):
                for i in range(0, len(data), 1000):
                    yield data[i:i + 1000]

            r = c.request(method, path, content=parts(), headers=headers)
        else:
            r = c.request(method, path, content=payload.encode(), headers=headers)
        assert r.status_code == 413, (path, chunked, r.status_code)
        assert "4,096" in r.text
    assert snapshot(writable) == before


@pytest.fixture(scope="module")
def live(sec_db):
    """A real uvicorn server on loopback over the store (module-wide)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(sec_db, max_body=4096), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    thread.join(timeout=10)


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no client-side normalisation of ../ or escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_a_chunked_body_over_a_real_socket_is_cut_off_at_the_limit(live, sec_db):
    before = snapshot(sec_db)
    sent = []

    def body():
        for _ in range(64):  # 64 KiB, far past the 4 KiB limit, with no Content-Length
            sent.append(1024)
            yield b"x" * 1024

    conn = http.client.HTTPConnection("127.0.0.1", live, timeout=30)
    try:
        conn.request("POST", "/v1/documents", body=body(), encode_chunked=True,
                     headers={"content-type": "application/json", "transfer-encoding": "chunked"})
        r = conn.getresponse()
        assert r.status == 413 and b"4,096" in r.read()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close the connection before the client has finished sending: also a refusal
    finally:
        conn.close()
    big = http.client.HTTPConnection("127.0.0.1", live, timeout=30)
    try:
        big.request("POST", "/v1/code", body=b"{" + b" " * 10_000 + b"}", headers={"content-type": "application/json"})
        assert big.getresponse().status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        big.close()
    assert snapshot(sec_db) == before


# ================================================================================== 3. URL fetching (SSRF)
class Recorder:
    """An httpx transport that records what it is asked to send and answers a small page."""

    def __init__(self):
        self.sent: list[httpx.Request] = []

    def client(self) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            self.sent.append(request)
            return httpx.Response(200, headers={"content-type": "text/plain"}, text="Chile thanked Peru on Monday.")

        return httpx.Client(transport=httpx.MockTransport(handle), follow_redirects=False)


@pytest.fixture()
def dns(monkeypatch):
    """socket.getaddrinfo answering from a table (any other name: the public address); the names asked
    are recorded. A value may be a list, or a callable for answers that change between calls."""
    table: dict[str, object] = {}
    asked: list[str] = []

    def fake(host, port, *args, **kw):
        try:  # an address resolves to itself, as the real resolver does
            import ipaddress

            ipaddress.ip_address(host)
            value = host
        except ValueError:
            asked.append(host)
            value = table.get(host, PUBLIC)
            value = value() if callable(value) else value
        out = []
        for addr in ([value] if isinstance(value, str) else value):
            family = socket.AF_INET6 if ":" in addr else socket.AF_INET
            sockaddr = (addr, port or 80, 0, 0) if family == socket.AF_INET6 else (addr, port or 80)
            out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return table, asked


LITERAL_HOSTS = {
    "http://127.0.0.1/": "loopback", "http://127.9.9.9:8080/x": "loopback", "http://10.0.0.1/": "private",
    "http://172.16.5.4/": "private", "http://192.168.1.1/": "private", "http://169.254.169.254/latest/": "link-local",
    "http://100.64.0.1/": "non-public", "http://0.0.0.0/": "unspecified", "http://0/": "unspecified",
    "http://[::1]/": "loopback", "http://[::]/": "unspecified", "http://[fe80::1]/": "link-local",
    "http://[fc00::1]/": "private", "http://[::ffff:127.0.0.1]/": "loopback",
    "http://[::ffff:169.254.169.254]/": "link-local", "http://[::ffff:a00:1]/": "private",
    "http://[2002:7f00:1::]/": "loopback", "http://[2002:a9fe:a9fe::1]/": "link-local",
    "http://2130706433/": "loopback", "http://0x7f.1/": "loopback", "http://0x7f000001/": "loopback",
    "http://0177.0.0.1/": "loopback", "http://017700000001/": "loopback", "http://127.1/": "loopback",
    "http://0xa9.0xfe.0xa9.0xfe/": "link-local", "http://2852039166/": "link-local", "https://127.0.0.1./": "loopback",
}


@pytest.mark.parametrize("url", sorted(LITERAL_HOSTS))
def test_private_addresses_in_every_spelling_are_refused(url, dns):
    _, asked = dns  # every name "resolves" to a public address: only reading the literal can refuse these
    rec = Recorder()
    with rec.client() as client, pytest.raises(InputError) as info:
        fetch(url, ReadOptions(), client=client)
    assert f"{LITERAL_HOSTS[url]} address" in info.value.problem and "--allow-private" in info.value.problem
    assert rec.sent == [] and asked == []


@pytest.mark.parametrize("url,address", [("http://0x7f.1/a", "127.0.0.1"), ("http://2130706433:8080/", "127.0.0.1"),
                                         ("http://[::1]/", "[::1]"), ("http://0177.0.0.1/", "127.0.0.1")])
def test_allow_private_reads_them_at_the_address_that_was_checked(url, address, dns):
    rec = Recorder()
    with rec.client() as client:
        got = fetch(url, ReadOptions(allow_private=True), client=client)
    assert got.body.startswith(b"Chile") and len(rec.sent) == 1
    assert rec.sent[0].url.netloc.decode().split(":8080")[0] == address


@pytest.mark.parametrize("name,answer,kind", [
    ("local.example", "127.0.0.1", "loopback"), ("metadata.example", "169.254.169.254", "link-local"),
    ("intranet.example", "10.20.30.40", "private"), ("v6.example", "::1", "loopback"),
    ("mapped.example", "::ffff:192.168.0.1", "private"), ("mixed.example", [PUBLIC, "127.0.0.1"], "loopback"),
    ("localhost", "127.0.0.1", "loopback"),
])
def test_names_that_resolve_to_private_addresses_are_refused(name, answer, kind, dns):
    table, asked = dns
    table[name] = answer
    rec = Recorder()
    with rec.client() as client, pytest.raises(InputError) as info:
        fetch(f"http://{name}/page", ReadOptions(), client=client)
    assert f"{kind} address" in info.value.problem and rec.sent == [] and asked == [name]


class _Site(http.server.BaseHTTPRequestHandler):
    """The stand-in for a public web site: /go?to=URL redirects there, /secret is what must never be read."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        if self.path.startswith("/go?to="):
            from urllib.parse import unquote

            self.send_response(302)
            self.send_header("Location", unquote(self.path[len("/go?to="):]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"Chile thanked Peru on Monday." if self.path == "/ok" else b"SECRET internal data"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def internet(monkeypatch, dns):
    """A local HTTP server that plays every public host: connections to the public address go there;
    any other connection attempt is recorded (and refused)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    _Site.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    real = socket.create_connection
    connects: list[tuple] = []

    def connect(address, *args, **kw):
        connects.append(tuple(address[:2]))
        if address[0] == PUBLIC:
            return real(("127.0.0.1", server.server_address[1]), *args, **kw)
        raise ConnectionRefusedError(f"the test allows no connection to {address}")

    monkeypatch.setattr(socket, "create_connection", connect)
    yield server.server_address[1], connects, dns
    server.shutdown()
    server.server_close()


def test_the_stand_in_internet_works(internet):
    port, connects, _ = internet
    got = fetch("http://news.example/go?to=http://news.example/ok", ReadOptions())
    assert got.body == b"Chile thanked Peru on Monday." and got.url == "http://news.example/ok"
    assert _Site.hits == ["/go?to=http://news.example/ok", "/ok"] and connects == [(PUBLIC, 80), (PUBLIC, 80)]


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/secret", "http://localhost:{port}/secret",
                                    "http://2130706433:{port}/secret", "http://0x7f.1:{port}/secret",
                                    "http://[::ffff:127.0.0.1]:{port}/secret", "http://169.254.169.254/latest/meta-data/",
                                    "http://metadata.example/latest/", "http://[::1]:{port}/secret"])
def test_redirects_to_private_addresses_are_refused(internet, target):
    port, connects, (table, _) = internet
    table["metadata.example"] = "169.254.169.254"
    table["localhost"] = "127.0.0.1"
    to = target.format(port=port)
    with pytest.raises(InputError) as info:
        fetch("http://news.example/go?to=" + quote(to, safe=""), ReadOptions())
    assert "refused" in info.value.problem and "--allow-private" in info.value.problem
    assert "/secret" not in _Site.hits and connects == [(PUBLIC, 80)]


def test_dns_rebinding_cannot_move_the_connection(internet):
    """The name answers a public address when it is checked and loopback ever after: the request still
    goes to the address that was checked, because the connection is made to that address."""
    port, connects, (table, asked) = internet
    answers = iter([PUBLIC])
    table["rebind.example"] = lambda: next(answers, "127.0.0.1")
    got = fetch("http://rebind.example/ok", ReadOptions())
    assert got.body == b"Chile thanked Peru on Monday."
    assert connects == [(PUBLIC, 80)] and asked.count("rebind.example") == 1


def test_the_ingest_command_refuses_and_names_the_private_address(internet, tmp_path):
    from eventwire.cli import app as cli

    port, connects, (table, _) = internet
    table["metadata.example"] = "169.254.169.254"
    db = tmp_path / "ingest.duckdb"
    r = CliRunner().invoke(cli, ["ingest", "http://metadata.example/latest/meta-data/", "--db", str(db)])
    assert r.exit_code == 1
    assert "link-local address metadata.example (169.254.169.254)" in r.stderr and "--allow-private" in r.stderr
    r = CliRunner().invoke(cli, ["ingest", f"http://2130706433:{port}/secret", "--db", str(db)])
    assert r.exit_code == 1 and "loopback" in r.stderr
    assert connects == [] and _Site.hits == []


def test_feed_items_cannot_point_at_local_files(tmp_path):
    """A feed's item links are fetched only as http(s): file: URLs and relative paths are never opened."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET internal data")
    feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
            f"<item><title>a</title><link>file://{secret}</link><description>Chile thanked Peru.</description></item>"
            f"<item><title>b</title><link>../../{secret.name}</link><description>Peru thanked Chile.</description></item>"
            "</channel></rss>").encode()
    asked = []

    def fetcher(url, options):
        asked.append(url)
        raise InputError(url, "not fetched in this test")

    docs = list(parse_feed(feed, str(tmp_path / "feed.rss"), ReadOptions(), fetcher=fetcher))
    assert asked == []
    texts = " ".join(getattr(d, "text", "") for d in docs)
    assert "SECRET" not in texts and "Chile thanked Peru" in texts


def test_the_api_fetches_nothing_it_is_given(writable, monkeypatch):
    """A URL posted with an article is stored as its provenance, never fetched by the server."""
    attempts = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: attempts.append(a) or (_ for _ in ()).throw(OSError()))
    c = Client(create_app(writable))
    r = c.post("/v1/documents", json={"text": "Chile thanked Peru on Monday.", "url": "http://169.254.169.254/latest/"})
    assert r.status_code == 201 and attempts == []


# ================================================================================== 4. SQL injection
def rows_of(path: str, response: httpx.Response) -> list:
    """The rows a read route answered, whatever its shape."""
    if path == "/v1/export":
        return [line for line in response.text.splitlines()[1:] if line] if "csv" in response.headers.get(
            "content-type", "") else [line for line in response.text.splitlines() if line]
    body = response.json()
    for key in ("items", "series", "edges", "points"):
        if key in body:
            return [p for p in body[key] if not isinstance(p, dict) or p.get("count", 1)]
    raise AssertionError(f"{path}: no rows in {sorted(body)}")


def get_routes(spec) -> list[tuple[str, list[dict], list[dict]]]:
    out = []
    for path, methods in spec["paths"].items():
        if "get" in methods:
            params = methods["get"].get("parameters", [])
            out.append((path, [p for p in params if p["in"] == "query"], [p for p in params if p["in"] == "path"]))
    return out


@pytest.fixture(scope="module")
def api(sec_db):
    return Client(create_app(sec_db))


def test_every_query_parameter_of_every_read_route_takes_injections_as_text(api, sec_db):
    spec = api.get("/openapi.json").json()
    routes = get_routes(spec)
    assert sum(len(q) for _, q, _ in routes) >= 60  # the enumeration found the filters
    before = snapshot(sec_db)
    plan = []
    for path, query, path_params in routes:
        if path_params:
            continue
        for param in query:
            for payload in COMBINED:
                plan.append((path, param["name"], payload))
    answers = api.many([("GET", path, {"params": {name: payload}}) for path, name, payload in plan])
    checked = 0
    for (path, name, payload), r in zip(plan, answers):
        assert r.status_code in (200, 422), (path, name, payload, r.status_code, r.text[:200])
        if r.status_code == 200:
            assert rows_of(path, r) == [], (path, name, payload)
            checked += 1
    assert checked >= 20  # most filters are free text and answered, with nothing found
    assert snapshot(sec_db) == before


def test_every_path_parameter_takes_injections_as_text(api, sec_db):
    before = snapshot(sec_db)
    for path, _, path_params in get_routes(api.get("/openapi.json").json()):
        for param in path_params:
            for payload in INJECTIONS + ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd"]:
                url = path.replace("{" + param["name"] + "}", quote(payload, safe=""))
                assert api.get(url).status_code in (404, 422), (url,)
    assert snapshot(sec_db) == before


def test_workbench_pages_take_injections_as_text(api, sec_db):
    spec = api.get("/openapi.json").json()
    names = sorted({p["name"] for _, q, _ in get_routes(spec) for p in q} | {"q", "world"})
    pages = [r.path for r in all_routes(api.app) if "GET" in (getattr(r, "methods", None) or ())
             and not getattr(r, "include_in_schema", True) and "{" not in r.path]
    assert {"/", "/events", "/timeline", "/network", "/map"} <= set(pages)
    before = snapshot(sec_db)
    plan = [(page, name, payload) for page in pages for name in names for payload in COMBINED[:1]]
    answers = api.many([("GET", page, {"params": {name: payload}, "headers": {"accept": "text/html"}})
                        for page, name, payload in plan])
    for (page, name, payload), r in zip(plan, answers):
        assert r.status_code in (200, 422), (page, name, payload, r.status_code)
        if page == "/events" and r.status_code == 200 and name in ("source", "target", "actor", "text", "place"):
            assert "trigger-link" not in r.text, (name, payload)  # no event rows
    assert snapshot(sec_db) == before


def _all(api, url: str) -> list[dict]:
    """Every row of a list route; the URL's own query string is kept (httpx's params= would replace it)."""
    from urllib.parse import parse_qsl

    path, _, query = url.partition("?")
    r = api.get(path, params=[*parse_qsl(query, keep_blank_values=True), ("limit", "10000")])
    assert r.status_code == 200, (url, r.text[:200])
    return r.json()["items"]


def test_quote_marks_and_wildcards_match_literally_in_the_api(api):
    events, quotes, actors = _all(api, "/v1/events"), _all(api, "/v1/quotes"), _all(api, "/v1/actors")
    docs = _all(api, "/v1/documents")

    def has(value, needle):
        return needle.lower() in (value or "").lower()

    for needle in ["O'Brien", "Sean O'Brien", "'", *WILDCARDS]:
        for side in ("source", "target"):
            got = {(e["doc_id"], e["id"]) for e in _all(api, f"/v1/events?{side}={quote(needle)}")}
            want = {(e["doc_id"], e["id"]) for e in events if has(e[f"{side}_name"], needle) or has(e[f"{side}_text"], needle)}
            assert got == want, (side, needle)
        got = {(e["doc_id"], e["id"]) for e in _all(api, f"/v1/events?text={quote(needle)}")}
        assert got == {(e["doc_id"], e["id"]) for e in events if has(e["sentence_text"], needle)}, needle
        got = {(q["doc_id"], q["id"]) for q in _all(api, f"/v1/quotes?speaker={quote(needle)}")}
        assert got == {(q["doc_id"], q["id"]) for q in quotes if has(q["speaker_name"], needle) or has(q["speaker_text"], needle)}, needle
        got = {(a["name"], a["country"]) for a in _all(api, f"/v1/actors?actor={quote(needle)}")}
        assert got <= {(a["name"], a["country"]) for a in actors if has(a["name"], needle) or any(
            has(m, needle) for m in a.get("mentions_text") or [])}, needle
    assert any(e["source_name"] == "Sean O'Brien" for e in _all(api, "/v1/events?actor=O'Brien"))
    assert [q["content_text"] for q in _all(api, "/v1/quotes?text=100%25")] == ["This is 100% unacceptable"]
    assert _all(api, "/v1/quotes?text=100_") == []
    assert [d["title"] for d in _all(api, "/v1/documents?text=" + quote('"100%"'))] == [OBRIEN_TITLE]
    assert _all(api, "/v1/documents?text=" + quote("a%b")) == [] and len(docs) == 4
    assert "Sean O'Brien" in {a["name"] for a in _all(api, "/v1/actors?actor=O'Brien")}
    lines = api.get("/v1/export", params={"format": "jsonl", "table": "quotes", "speaker": "O'Brien"}).text.splitlines()
    assert [json.loads(x)["content_text"] for x in lines] == ["This is 100% unacceptable"]


FILE_OPTIONS = {"db", "output", "actors_file", "model", "lexicon"}  # the local user's own files, not filters
READ_COMMANDS = ("events", "quotes", "dyads", "stats", "actors", "export")


def cli_filters() -> dict[str, list[tuple[str, str]]]:
    """(parameter name, option) of every value option of the read commands, files excepted."""
    import typer.main

    from eventwire.cli import app as cli

    group = typer.main.get_command(cli)
    out = {}
    for name in READ_COMMANDS:
        out[name] = [(p.name, p.opts[0]) for p in group.commands[name].params
                     if p.opts[0].startswith("--") and not getattr(p, "is_flag", False) and p.name not in FILE_OPTIONS]
    return out


def run_cli(command: str, db, tmp_path, *args: str):
    from eventwire.cli import app as cli

    extra = []
    if command == "export":
        extra = ["--format", "plover-jsonl", "-o", str(tmp_path / "out.jsonl"), "--force"]
    elif command in ("events", "quotes", "dyads", "actors") and "--format" not in args:
        extra = ["--format", "json"]
    return CliRunner().invoke(cli, [command, "--db", str(db), *extra, *args])


def cli_rows(command: str, result, tmp_path) -> list:
    if command == "export":
        out = tmp_path / "out.jsonl"
        return out.read_text().splitlines() if out.exists() else []
    return json.loads(result.stdout)


def test_every_cli_filter_takes_injections_as_text(sec_db, tmp_path):
    filters = cli_filters()
    assert len(filters["events"]) >= 15 and len(filters["export"]) >= 14  # the enumeration found them
    before = snapshot(sec_db)
    for command, options in filters.items():
        for name, option in options:
            for payload in COMBINED:
                (tmp_path / "out.jsonl").unlink(missing_ok=True)
                r = run_cli(command, sec_db, tmp_path, option, payload)
                assert r.exception is None or isinstance(r.exception, SystemExit), (command, option, r.exception)
                assert r.exit_code in (0, 1, 2), (command, option, payload, r.output)
                if r.exit_code == 0 and name not in ("format", "published", "sort", "order") and command != "stats":
                    assert cli_rows(command, r, tmp_path) == [], (command, option, payload)
    assert snapshot(sec_db) == before


def test_cli_filters_match_quote_marks_and_wildcards_literally(sec_db, tmp_path):
    speakers = [q["speaker_name"] for q in json.loads(run_cli("quotes", sec_db, tmp_path, "--limit", "1000").stdout)]
    for needle in ["O'Brien", *WILDCARDS]:
        got = json.loads(run_cli("quotes", sec_db, tmp_path, "--speaker", needle).stdout)
        assert len(got) == sum(needle.lower() in (s or "").lower() for s in speakers), needle
        names = [a["name"] for a in json.loads(run_cli("actors", sec_db, tmp_path, "--name", needle).stdout)]
        assert all(needle.lower() in n.lower() for n in names), (needle, names)
    assert [q["speaker_name"] for q in json.loads(run_cli("quotes", sec_db, tmp_path, "--speaker", "O'Brien").stdout)] \
        == ["Sean O'Brien"]
    assert "Sean O'Brien" in [a["name"] for a in json.loads(run_cli("actors", sec_db, tmp_path, "--name", "o'brien").stdout)]
    events = json.loads(run_cli("events", sec_db, tmp_path, "--actor", "O'Brien").stdout)
    assert [e["source_name"] for e in events] == ["Sean O'Brien"]
    assert json.loads(run_cli("events", sec_db, tmp_path, "--text", "O_Brien").stdout) == []
    run_cli("export", sec_db, tmp_path, "--source", "O'Brien")
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1
    dyads = json.loads(run_cli("dyads", sec_db, tmp_path, "--by", "actor", "--source", "O'Brien").stdout)
    assert {d["source"] for d in dyads} == {"Sean O'Brien"}


# ================================================================================== 5. path traversal
TRAVERSALS = ["/static/../__init__.py", "/static/%2e%2e/__init__.py", "/static/%2E%2E/%2E%2E/api/security.py",
              "/static/..%2f__init__.py", "/static/..%2F..%2Fapi%2Fsecurity.py", "/static/..\\__init__.py",
              "/static/..%5c__init__.py", "/static/%2e%2e%5c__init__.py", "/static/..%252f__init__.py",
              "/static/....//__init__.py", "/static/%c0%ae%c0%ae/__init__.py", "/static//etc/passwd",
              "/static/%2fetc%2fpasswd", "/static/..%00/__init__.py", "/static/templates/../../__init__.py",
              "/static/../../../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
              "/documents/..%2f..%2f__init__.py", "/documents/../static/style.css",
              "/v1/documents/..%2F..%2Fetc%2Fpasswd", "/v1/export?table=..%2F..%2Fetc%2Fpasswd",
              "/v1/export?format=..%2F__init__"]
SECRETS = [b"def mount(", b"write_guard", b"root:x:", b"import "]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_refused(live, path):
    status, body = raw_get(live, path)
    assert status in (400, 404, 405, 422), (path, status)
    for marker in SECRETS:
        assert marker not in body, (path, marker)


def test_static_files_are_still_served(live):
    status, body = raw_get(live, "/static/style.css")
    assert status == 200 and b"{" in body


# ================================================================================== 6. the document
def test_every_test_named_in_docs_security_exists():
    text = DOCS.read_text(encoding="utf-8")
    ids = re.findall(r"`(tests/[\w/]+\.py::[\w\[\]\-.:]+)`", text)
    assert len(ids) >= 20, "docs/security.md names too few tests"
    for node in ids:
        file, _, name = node.partition("::")
        path = ROOT / file
        assert path.exists(), node
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        base = name.split("[", 1)[0].split("::")[-1]
        assert base in defined and base.startswith("test_"), node
    for file in ("tests/test_security.py", "tests/test_web_security.py"):  # and every security test is listed
        tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
        for n in tree.body:
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_"):
                assert f"{file}::{n.name}" in ids, f"{file}::{n.name} is not in docs/security.md"
