"""Cross-site scripting, in a real Chromium: a store holds articles whose text, title, URL, source,
actor names, speaker names, place names and quotes carry script payloads; every page of the workbench
(enumerated from the app's routes) is visited, and no payload may run (no dialog), no injected element
or event-handler attribute may reach the DOM, no javascript:/data: URL may become a link, and every
page carries the security headers. Payloads call alert(), so one that runs opens a dialog."""

from __future__ import annotations

import pathlib
import socket
import threading
import time
from urllib.parse import quote

import pytest
from fastapi.responses import HTMLResponse

CHROMIUM = pathlib.Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
SVG = "<svg onload=alert(3)>"
TEXTAREA = "</textarea><script>alert(4)</script>"
ATTR_DQ = '" onmouseover="alert(5)" autofocus onfocus="alert(5)" x="'
ATTR_SQ = "' onmouseover='alert(6)' autofocus onfocus='alert(6)' x='"
SCRIPT_END = "</script><script>alert(7)</script>"
TITLE_END = "</title><script>alert(8)</script>"
PAYLOADS = [SCRIPT, IMG, SVG, TEXTAREA, ATTR_DQ, ATTR_SQ, SCRIPT_END, TITLE_END]

TEXT = ("Anna Kowalska, Poland's foreign minister, condemned Belarus on Monday over the border. "
        f"\"The {SCRIPT} attack and the {IMG} posts were unacceptable,\" Kowalska said. "
        f"Belarus accused Poland of staging {SVG} provocations near Grodno. "
        f"Lithuania criticised Belarus for the {TEXTAREA} incident. "
        f"Officials called it {ATTR_DQ} and {ATTR_SQ} nonsense, and {SCRIPT_END} {TITLE_END} too.")
DOCS = [  # (title, url, source): the URLs are never clickable unless plain http(s)
    (f"{TITLE_END} \"><img src=x onerror=alert(9)> Warsaw", "javascript:alert(10)", "<svg/onload=alert(11)>"),
    (f"{ATTR_DQ} Minsk", "  JaVaScRiPt:alert(12)", f"{ATTR_SQ}"),
    (f"{SCRIPT} Vilnius", "data:text/html,<script>alert(13)</script>", "wire"),
    (f"{IMG} Grodno", 'https://example.org/"onmouseover="alert(14)"><script>alert(15)</script>', "wire"),
]
NAME_PAYLOAD = " <img src=x onerror=alert(20)>\"'"


def _poison(doc, n: int):
    """Give the coded document's actor, speaker and place names a payload (as a user's --actors file
    or a learned appositive could)."""
    def mark(obj):
        if obj is not None and getattr(obj, "name", None):
            object.__setattr__(obj, "name", obj.name + NAME_PAYLOAD + str(n))

    for a in doc.actors:
        mark(a)
    for e in doc.events:
        for party in (e.source, e.target, *e.sources, *e.targets):
            mark(party)
    for q in doc.quotes:
        mark(q.speaker)
    for p in doc.places:
        mark(p)
    return doc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, nlp):
    from eventwire import SourceDoc, Store, code_documents

    path = tmp_path_factory.mktemp("websec") / "xss.duckdb"
    sources = [SourceDoc(text=TEXT + f" Part {n}.", name=f"xss{n}", title=title, published="2024-04-10",
                         source=source, url=url) for n, (title, url, source) in enumerate(DOCS)]
    ids = []
    with Store(path) as store:
        for n, doc in enumerate(code_documents(sources, nlp)):
            assert not isinstance(doc, Exception), doc
            assert doc.events and doc.quotes and doc.actors
            store.add(_poison(doc, n) if n % 2 == 0 else doc)
            ids.append(doc.id)
    return path, ids


@pytest.fixture(scope="module")
def app(store_path):
    from eventwire.api import create_app

    return create_app(store_path[0])


@pytest.fixture(scope="module")
def server(app):
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def page_routes(app) -> list[str]:
    """The workbench's HTML pages: GET routes left out of the API schema, the included routers' too."""
    def walk(routes):
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield r

    def html(route) -> bool:
        rc = getattr(route, "response_class", None)
        rc = getattr(rc, "value", rc)  # FastAPI wraps a default in a placeholder
        return isinstance(rc, type) and issubclass(rc, HTMLResponse)

    return sorted({r.path for r in walk(app.routes) if "GET" in (getattr(r, "methods", None) or ()) and html(r)})


# what the page may hold: eventwire's own scripts (from /static, or the JSON data block), no
# event-handler attributes, no element kinds the templates never use, no javascript:/data: link
SCAN = """() => {
  const bad = [];
  const own = (s) => s.startsWith('/static/');
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) bad.push(tag + '[' + name + ']');
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)
          && /^\\s*(javascript|data|vbscript):/i.test(a.value) && !(tag === 'link' && a.value.startsWith('data:')))
        bad.push(tag + '[' + name + '=' + a.value + ']');
      if (name === 'autofocus') bad.push(tag + '[autofocus]');
    }
    if (tag === 'script' && !(own(el.getAttribute('src') || '') || el.type === 'application/json')) bad.push('script');
    if (['img', 'iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'image', 'foreignobject'].includes(tag))
      bad.push(tag);
    if (tag === 'meta' && el.httpEquiv) bad.push('meta[http-equiv]');
  }
  for (const a of document.querySelectorAll('a')) {  // HTML and SVG links alike
    const href = a.getAttribute('href') || a.getAttribute('xlink:href');
    if (href !== null && !['http:', 'https:'].includes(new URL(href, location.href).protocol))
      bad.push('link ' + href);
  }
  return bad;
}"""


def visit(page, server: str, path: str) -> list[str]:
    """Go to ``path``, hover and focus everything a payload could have hooked, and return what was
    found wrong (dialogs included)."""
    response = page.goto(server + path)
    assert response is not None
    headers = response.headers
    problems = [f"missing header {h}" for h in ("content-security-policy", "x-content-type-options",
                                                "x-frame-options", "referrer-policy") if h not in headers]
    csp = headers.get("content-security-policy", "")
    if "script-src 'self'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"weak CSP: {csp!r}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("no nosniff")
    page.evaluate("""() => {  // what an injected handler would wait for
      for (const el of document.querySelectorAll('body *')) {
        for (const kind of ['mouseover', 'mouseenter', 'click', 'focus'])
          el.dispatchEvent(new Event(kind, {bubbles: false}));
      }
    }""")
    page.wait_for_timeout(100)
    problems += page.evaluate(SCAN)
    problems += [f"dialog {m}" for m in page.dialogs]
    return problems


def test_the_pages_are_enumerated(app):
    pages = page_routes(app)
    assert {"/", "/documents/{doc_id}", "/code", "/events", "/timeline", "/network", "/map", "/docs"} <= set(pages)


def test_no_payload_runs_or_reaches_the_dom_on_any_page(page, server, app, store_path):
    _, ids = store_path
    visited = []
    for route in page_routes(app):
        paths = [route.replace("{doc_id}", i) for i in ids] if "{doc_id}" in route else [route]
        for path in paths:
            problems = visit(page, server, path)
            assert problems == [], (path, problems)
            visited.append(path)
    assert len(visited) >= 11


def test_the_payloads_are_shown_as_text(page, server, store_path):
    _, ids = store_path
    page.goto(f"{server}/documents/{ids[0]}")
    shown = page.locator("#article-text").inner_text()
    for payload in PAYLOADS:
        assert payload in shown, payload  # escaped, not dropped
    assert page.locator("#doc-title").inner_text() == DOCS[0][0]
    assert page.locator("#doc-url").inner_text() == DOCS[0][1] and page.locator("a#doc-url").count() == 0
    assert NAME_PAYLOAD.strip() in page.locator("main").inner_text()
    page.goto(f"{server}/documents/{ids[3]}")
    link = page.locator("a#doc-url")
    assert link.count() == 1 and link.get_attribute("href") == DOCS[3][1]  # a real http link, kept whole
    assert link.get_attribute("onmouseover") is None
    page.goto(server + "/")
    listing = page.locator("#documents").inner_text()
    for title, _, _ in DOCS:
        assert title.split(" ")[0] in listing


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_filters_and_ids_stay_text(page, server, app, payload):
    names = ("q", "source", "target", "actor", "country", "sector", "type", "place", "text", "doc_id")
    query = "&".join(f"{n}={quote(payload, safe='')}" for n in names)
    for route in page_routes(app):
        path = route.replace("{doc_id}", quote(payload, safe="")) if "{doc_id}" in route else f"{route}?{query}"
        problems = visit(page, server, path)
        assert problems == [], (path, problems)
    page.goto(f"{server}/events?{query}")
    assert page.locator("form#filters input[name=text]").input_value() == payload  # shown back, as text


def test_the_code_form_shows_pasted_payloads_as_text(page, server):
    page.goto(server + "/code")
    text = f"Chile thanked Peru on Monday. {TEXTAREA} {SCRIPT} {IMG} {ATTR_DQ}"
    page.fill("textarea[name=text]", text)
    page.fill("input[name=title]", TITLE_END + ATTR_SQ)
    page.fill("input[name=url]", "javascript:alert(30)")
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#article-text")
    assert page.locator("textarea[name=text]").input_value() == text  # </textarea> did not close it
    assert page.locator("#article-text").inner_text() == text
    assert page.locator("#doc-title").inner_text() == TITLE_END + ATTR_SQ
    problems = page.evaluate(SCAN) + [f"dialog {m}" for m in page.dialogs]
    assert problems == []


def test_the_csp_stops_markup_that_got_in_anyway(page, server, store_path):
    """Defence in depth: were a handler or an inline script ever written into a page, the browser
    would refuse to run it under the page's Content-Security-Policy."""
    _, ids = store_path
    page.goto(f"{server}/documents/{ids[0]}")
    violations = page.evaluate("""() => new Promise((done) => {
      const seen = [];
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
      document.body.insertAdjacentHTML('beforeend', '<img src="/static/nope.png" onerror="window.__ran = 1">');
      const s = document.createElement('script'); s.textContent = 'window.__ran = 2'; document.body.appendChild(s);
      setTimeout(() => done(seen), 500);
    })""")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in violations), violations


def test_json_and_csv_answers_are_not_html(server, store_path):
    import httpx

    _, ids = store_path
    with httpx.Client(base_url=server, timeout=60) as c:
        for path in (f"/v1/documents/{ids[0]}", "/v1/events", "/v1/quotes", "/v1/actors",
                     "/v1/export?format=csv&table=quotes", "/v1/export?format=jsonl"):
            r = c.get(path)
            assert r.status_code == 200 and not r.headers["content-type"].startswith("text/html"), path
            assert r.headers["x-content-type-options"] == "nosniff", path
        assert SCRIPT in c.get(f"/v1/documents/{ids[0]}").json()["text"]  # kept as data, exactly
