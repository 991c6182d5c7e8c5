"""The web workbench in a real headless Chromium (Debian's chromium driven by Playwright), against a
uvicorn server on loopback over a store holding the examples, the seed (when ../shared exists) and an
article full of markup. One server and one browser serve the whole module.

Screenshots go to test-artifacts/run/ (ignored); copies of seed-article.png and timeline.png are kept in
test-artifacts/ for the README."""

from __future__ import annotations

import pathlib
import socket
import threading
import time

import httpx
import pytest

from conftest import EXAMPLES, ROOT, SEED

CHROMIUM = pathlib.Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "run"  # ignored by git: a test run leaves the tree clean
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

XSS_TEXT = ("Poland condemned Belarus on Monday. <script>window.__xss = 1</script> The ministry said "
            "\"<img src=x onerror=\"window.__xss=2\">\" was unacceptable & <b>final</b>.")
XSS_TITLE = "<script>window.__xss=3</script>Warsaw \"protests\" & <b>bold</b>"
XSS_URL = "javascript:window.__xss=4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, nlp):
    from eventwire import SourceDoc, Store, code_documents, read_paths

    path = tmp_path_factory.mktemp("web") / "web.duckdb"
    sources = list(read_paths([str(EXAMPLES)]))
    if SEED.exists():
        sources += list(read_paths([str(SEED)], published="2023-09-20"))
    sources.append(SourceDoc(text=XSS_TEXT, name="xss", title=XSS_TITLE, published="2024-04-10", source="<i>wire</i>",
                             url=XSS_URL))
    with Store(path) as store:
        for doc in code_documents(sources, nlp):
            assert not isinstance(doc, Exception), doc
            store.add(doc)
    return path


@pytest.fixture(scope="module")
def server(store_path):
    import uvicorn

    from eventwire.api import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(store_path), host="127.0.0.1", port=port, log_level="warning"))
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
def api(server):
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    """A fresh page that records every request, script error and dialog; the test fails on any
    request that leaves the server, on a script error, and on any dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.foreign, pg.errors, pg.dialogs = [], [], []
    pg.on("request", lambda r: None if r.url.startswith((server, "data:", "about:")) else pg.foreign.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    assert pg.foreign == [], f"requests left the server: {pg.foreign}"
    assert pg.errors == [], f"script errors: {pg.errors}"
    assert pg.dialogs == []
    assert pg.evaluate("window.__xss") is None
    context.close()


def _shot(pg, name: str, **kw) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name), **kw)


def _doc_id(api, needle: str) -> str:
    for d in api.get("/v1/documents", params={"limit": 100}).json()["items"]:
        if needle in (d["title"] or ""):
            return d["id"]
    raise AssertionError(f"no document titled like {needle!r}")


def test_overview_lists_every_document_offline(page, server, api):
    page.goto(server + "/")
    total = api.get("/v1/documents").json()["total"]
    assert page.locator("#documents tbody tr").count() == total
    assert page.locator("#count-documents").inner_text() == str(total)
    assert page.locator("#type-bars rect").count() == len(api.get("/v1/overview").json()["types"])
    _shot(page, "overview.png")


def test_seed_article_highlights_and_attributes_the_zakharova_quote(page, server, api, shared):
    doc_id = _doc_id(api, "Putin defends")
    doc = api.get(f"/v1/documents/{doc_id}").json()
    quote = next(q for q in doc["quotes"] if q["speaker"] and "Zakharova" in (q["speaker"]["name"] or "")
                 and q["kind"] == "direct")
    page.goto(f"{server}/documents/{doc_id}")
    key = f"q:{quote['id']}"
    segments = page.locator(f'#article-text [data-keys~="{key}"]')
    assert segments.count() >= 1
    assert "".join(segments.all_inner_texts()) == quote["content"]["text"]
    for i in range(segments.count()):
        assert "quote" in segments.nth(i).get_attribute("class").split()
    assert segments.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 243, 191)"
    assert "Zakharova" in segments.first.get_attribute("title")
    speaker = page.locator(f'#article-text [data-keys~="s:{quote["id"]}"]')
    assert speaker.inner_text() == quote["speaker"]["text"]
    assert speaker.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    item = page.locator(f'#quote-list li[data-key="{key}"]')
    assert "Maria Zakharova" in item.locator(".speaker-name").inner_text()
    segments.first.click()
    panel = page.locator("#record")
    assert "Maria Zakharova" in panel.inner_text()
    assert panel.locator(f'section[data-key="{key}"]').count() == 1
    assert "selected" in segments.first.get_attribute("class")
    # every other layer is there, each in its own style
    for layer, prop, value in (("trigger", "color", "rgb(201, 42, 42)"), ("date", "fontStyle", "italic"),
                               ("place", "borderBottomStyle", "dotted")):
        el = page.locator(f"#article-text .hl.{layer}").first
        assert el.evaluate(f"e => getComputedStyle(e).{prop}") == value, layer
    assert page.locator("#article-text .hl.actor").count() > 10
    top = speaker.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    page.evaluate(f"window.scrollTo(0, {max(0, int(top) - 360)})")
    page.mouse.move(0, 0)
    _shot(page, "seed-article.png", animations="disabled", caret="hide")


def test_clicking_a_trigger_shows_the_event_and_why(page, server, api):
    doc_id = _doc_id(api, "Peru imposes curfew")
    doc = api.get(f"/v1/documents/{doc_id}").json()
    event = next(e for e in doc["events"] if e["source"] and e["rule"])
    page.goto(f"{server}/documents/{doc_id}")
    page.locator(f'#article-text [data-keys~="e:{event["id"]}"]').first.click()
    text = page.locator("#record").inner_text()
    for expected in (event["cameo"], event["rule"], event["trigger"]["text"], event["source"]["name"]):
        assert expected in text
    page.locator("#legend input[data-layer=trigger]").uncheck()
    color = page.locator("#article-text .hl.trigger").first.evaluate("e => getComputedStyle(e).color")
    assert color != "rgb(201, 42, 42)"


def test_events_browser_filters_sorts_and_links_to_the_sentence(page, server, api):
    country = "ARM" if SEED.exists() else "VNM"
    page.goto(server + "/events")
    assert page.locator("#events-table tbody tr").count() == min(50, api.get("/v1/events").json()["total"])
    page.fill("#filters input[name=country]", country)
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"**country={country}**")
    want = api.get("/v1/events", params={"country": country, "limit": 500}).json()
    rows = page.locator("#events-table tbody tr")
    assert rows.count() == len(want["items"]) == want["total"] > 0
    assert page.locator("#event-total").inner_text() == str(want["total"])
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td.src").inner_text() + rows.nth(i).locator("td.tgt").inner_text()
        assert country in cells
    _shot(page, "events.png")
    page.click("#events-table thead a:text('Goldstein')")
    page.wait_for_url("**sort=goldstein**")
    values = [float(v) for v in page.locator("#events-table td.num").all_inner_texts() if v.strip() not in ("–", "")]
    assert len(values) > 1 and values == sorted(values, reverse=True)
    first = want["items"][0]
    page.goto(f"{server}/events?country={country}&sort=date&order=desc")
    link = page.locator(f'#events-table tr[data-doc="{first["doc_id"]}"][data-event="{first["id"]}"] a.trigger-link')
    link.click()
    page.wait_for_url(f"**/documents/{first['doc_id']}**")
    target = page.locator(".sentence:target")
    assert target.count() == 1 and first["trigger_text"] in target.inner_text()
    assert page.locator(f'#record section[data-key="e:{first["id"]}"]').count() == 1


def test_timeline_draws_one_bar_per_period_and_quadclass(page, server, api):
    country = "ARM" if SEED.exists() else "MEX"
    page.goto(f"{server}/timeline?country={country}&interval=day")
    series = api.get("/v1/timeline", params={"country": country, "interval": "day"}).json()
    bars = [(p["period"], q) for p in series["points"] for q, n in p["quad"].items() if n]
    assert len(bars) > 0
    assert page.locator("#timeline-chart rect.mark.bar").count() == len(bars)
    assert page.locator("#timeline-chart circle.mark.goldstein").count() == sum(
        p["goldstein_mean"] is not None for p in series["points"])
    assert sum(int(c) for c in page.locator("#timeline-chart rect.mark.bar").evaluate_all(
        "els => els.map(e => e.dataset.count)")) == sum(p["count"] for p in series["points"])
    assert country in page.locator("#subject").inner_text()
    page.locator("#timeline-chart").scroll_into_view_if_needed()
    _shot(page, "timeline.png", animations="disabled", caret="hide")
    first = api.get("/v1/dyads").json()["series"][0]
    dyad = api.get("/v1/dyads", params={"source": first["source"], "target": first["target"], "interval": "day"}
                   ).json()["series"][0]
    page.goto(f"{server}/timeline?source={dyad['source']}&target={dyad['target']}&interval=day")
    assert page.locator("#timeline-chart rect.mark.bar").count() == sum(
        1 for p in dyad["points"] for n in p["quad"].values() if n) > 0
    assert f"{dyad['source']} → {dyad['target']}" in page.locator("#subject").inner_text()


def test_network_draws_every_edge(page, server, api):
    page.goto(server + "/network?by=country")
    net = api.get("/v1/network", params={"by": "country"}).json()
    assert len(net["edges"]) > 2
    assert page.locator("#network-chart path.mark.edge").count() == len(net["edges"])
    assert page.locator("#network-chart g.node").count() == len(net["nodes"])
    widths = page.locator("#network-chart path.mark.edge").evaluate_all(
        "els => els.map(e => parseFloat(e.getAttribute('stroke-width')))")
    assert max(widths) > min(widths)
    page.goto(server + "/network")
    assert page.locator("#network-chart path.mark.edge").count() == len(api.get("/v1/network").json()["edges"])
    _shot(page, "network.png")


def test_map_draws_every_location_on_offline_outlines(page, server, api):
    page.goto(server + "/map")
    points = api.get("/v1/locations").json()["items"]
    assert len(points) > 3
    assert page.locator("#map-chart circle.mark.loc").count() == len(points)
    assert page.locator("#map-chart path.country").count() > 150
    assert page.locator('#map-chart path.country[data-iso3="PER"]').get_attribute("class").endswith("involved")
    _shot(page, "map.png")
    page.goto(server + "/map?place=Lima")
    assert page.locator("#map-chart circle.mark.loc").count() == 1


def test_markup_in_an_article_is_shown_as_text(page, server, api):
    doc_id = _doc_id(api, "Warsaw")
    page.goto(f"{server}/documents/{doc_id}")
    assert page.locator("#doc-title").inner_text() == XSS_TITLE
    assert page.locator("#article-text").inner_text() == XSS_TEXT
    assert page.locator("#article-text script, #article-text img, #article-text b").count() == 0
    assert page.locator("a#doc-url").count() == 0 and page.locator("#doc-url").inner_text() == XSS_URL
    assert "<i>wire</i>" in page.locator(".meta").inner_text()
    page.locator("#article-text .hl").first.click()
    _shot(page, "markup-as-text.png")
    for url in ("/", "/events?text=script", "/events?text=<script>alert(1)</script>", "/timeline?country=<b>x</b>",
                "/network?country=POL", "/map?place=<img src=x onerror=window.__xss=5>"):
        page.goto(server + url)
        assert page.locator("main script, main img, main b").count() == 0, url
    page.goto(server + "/")
    assert XSS_TITLE in page.locator("#documents").inner_text()


def test_code_page_codes_pasted_text_and_keeps_it(page, server, api):
    before = api.get("/v1/documents").json()["total"]
    page.goto(server + "/code")
    page.fill("textarea[name=text]", "Chile thanked Peru on Monday. <script>window.__xss=6</script>")
    page.fill("input[name=published]", "2024-05-08")
    page.fill("input[name=title]", "<b>Andes</b>")
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#article-text")
    assert page.locator("#doc-title").inner_text() == "<b>Andes</b>"
    assert page.locator("#article-text .hl.trigger").count() >= 1
    assert api.get("/v1/documents").json()["total"] == before
    page.check("input[name=keep]")
    page.click("#code-form button[type=submit]")
    page.wait_for_url("**/documents/*kept=1")
    assert "Kept in the store" in page.locator("main").inner_text()
    assert api.get("/v1/documents").json()["total"] == before + 1
