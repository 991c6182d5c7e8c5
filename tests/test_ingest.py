"""Readers and `eventwire ingest`: every input kind on small files written here, a feed served from a
local HTTP server, the address guards (loopback refused unless allowed, also after a redirect),
--dry-run and idempotent re-ingest."""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import sys
import threading

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from eventwire.cli import app
from eventwire.errors import InputError
from eventwire.ingest import ReadOptions, read_paths
from eventwire.ingest.net import check_address, fetch
from eventwire.pipeline import SourceDoc

runner = CliRunner()

PAGE = """<!doctype html><html><head><title>Poland condemns Belarus | Example News</title>
<link rel="canonical" href="https://news.example.org/world/poland-belarus"/>
<meta property="og:title" content="Poland condemns Belarus"/>
<meta property="article:published_time" content="2024-04-10T08:00:00Z"/></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Poland condemns Belarus</h1>
<p>Poland condemned Belarus on Monday after a series of incidents on the border, the foreign ministry in Warsaw said.</p>
<p>The ministry said it would summon the Belarusian ambassador to protest the incidents, which it called deliberate.</p>
</article><footer>Copyright Example News</footer></body></html>"""

UNDATED_PAGE = """<html><head><title>Armenia and Azerbaijan meet</title></head><body><article>
<p>Armenian and Azerbaijani officials met in Brussels to discuss the peace treaty, the European Union said.</p>
<p>The talks will continue next month, according to a statement from the European Council.</p></article></body></html>"""


def docs(items):
    return [d for d in items if isinstance(d, SourceDoc)]


def errors(items):
    return [d for d in items if isinstance(d, InputError)]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture()
def corpus(tmp_path):
    """A mixed corpus: text with a sidecar, an HTML page, JSONL with one broken line, CSV, and a gzip."""
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "note.txt").write_text("Russia accused Ukraine of shelling the town on Monday.", encoding="utf-8")
    (root / "note.meta.json").write_text(json.dumps({"title": "Shelling", "published": "2024-03-06"}))
    (root / "sub" / "page.html").write_text(PAGE, encoding="utf-8")
    lines = [json.dumps({"text": "Armenia accused Azerbaijan of violating the ceasefire.", "date": "2023-09-20",
                         "source": "Wire A", "url": "https://a.example/1", "title": "Ceasefire"}),
             '{"text": "broken', "",
             json.dumps({"text": "Poland condemned Belarus.", "published": "Wed, 10 Apr 2024 08:00:00 GMT"})]
    (root / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "table.csv").write_text('headline,body,day\nTalks,"Lithuania and Poland urged NATO\nto act.",2024-01-02\n'
                                    'Visit,France hosted the German chancellor.,\n', encoding="utf-8")
    with gzip.open(root / "sub" / "more.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "China criticised Japan over the islands.", "date": "2024-02-01"}) + "\n")
    (root / "ignored.bin").write_bytes(b"\x00\x01")
    return root


# ---------------------------------------------------------------------------------------------- readers
def test_txt_with_sidecar_stays_as_before(corpus):
    [d] = list(read_paths([str(corpus / "note.txt")]))
    assert d.title == "Shelling" and d.published == "2024-03-06" and d.source == str(corpus / "note.txt")
    [d] = list(read_paths([str(corpus / "note.txt")], published="2024-01-01"))
    assert d.published == "2024-01-01"


def test_html_page_main_text_title_date_canonical_url(corpus):
    [d] = list(read_paths([str(corpus / "sub" / "page.html")]))
    assert "Poland condemned Belarus on Monday" in d.text
    assert "Copyright" not in d.text and "Home" not in d.text
    assert d.title.startswith("Poland condemns Belarus")
    assert d.published == "2024-04-10"
    assert d.url == "https://news.example.org/world/poland-belarus"
    assert d.name == str(corpus / "sub" / "page.html")


def test_html_without_date_is_not_given_one(tmp_path):
    (tmp_path / "p.htm").write_text(UNDATED_PAGE)
    [d] = list(read_paths([str(tmp_path / "p.htm")]))
    assert d.published is None and "Brussels" in d.text
    [d] = list(read_paths([str(tmp_path / "p.htm")], published="2024-05-01"))
    assert d.published == "2024-05-01"


def test_malformed_html_is_an_error_not_a_crash(tmp_path):
    (tmp_path / "empty.html").write_text("<html><body><div></div></body></html>")
    (tmp_path / "nul.html").write_bytes(b"<html>\x00\x00</html>")
    got = list(read_paths([str(tmp_path / "empty.html"), str(tmp_path / "nul.html")]))
    assert len(errors(got)) == 2 and not docs(got)
    assert str(tmp_path / "empty.html") in str(got[0])


def test_jsonl_broken_line_is_named_and_the_rest_read(corpus):
    got = list(read_paths([str(corpus / "dump.jsonl")]))
    [err] = errors(got)
    assert err.source == f"{corpus / 'dump.jsonl'}:2" and "not valid JSON" in err.problem
    a, b = docs(got)
    assert (a.name, a.source, a.url, a.title, a.published) == (
        f"{corpus / 'dump.jsonl'}:1", "Wire A", "https://a.example/1", "Ceasefire", "2023-09-20")
    assert b.name == b.source == f"{corpus / 'dump.jsonl'}:4" and b.published == "2024-04-10"


def test_json_object_and_list_and_nested_fields(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"text": "Iran threatened Israel.", "date": "2024-04-01"}))
    (tmp_path / "many.json").write_text(json.dumps([
        {"article": {"body": "Egypt hosted talks."}, "meta": {"when": "2024-01-05"}}, {"article": {}}, 7]))
    [one] = list(read_paths([str(tmp_path / "one.json")]))
    assert one.published == "2024-04-01" and one.name == str(tmp_path / "one.json")
    got = list(read_paths([str(tmp_path / "many.json")], text_field="article.body", date_field="meta.when"))
    [d] = docs(got)
    assert d.text == "Egypt hosted talks." and d.published == "2024-01-05" and d.name.endswith("many.json#1")
    assert [e.source.rsplit("#", 1)[1] for e in errors(got)] == ["2", "3"]


def test_csv_with_field_names_and_line_numbers(corpus):
    opts = ReadOptions(text_field="body", title_field="headline", date_field="day")
    a, b = list(read_paths([str(corpus / "table.csv")], options=opts))
    assert a.text == "Lithuania and Poland urged NATO\nto act." and a.title == "Talks" and a.published == "2024-01-02"
    assert a.name.endswith("table.csv:2") and b.name.endswith("table.csv:4")  # the first row spans two lines
    assert b.published is None  # flagged by the coder, never invented
    assert len(docs(read_paths([str(corpus / "table.csv")]))) == 2  # "body" is one of the default text fields


def test_csv_without_text_column_and_bad_date(tmp_path):
    (tmp_path / "a.csv").write_text("title,words\nx,y\n")
    [err] = list(read_paths([str(tmp_path / "a.csv")]))
    assert isinstance(err, InputError) and "--text-field" in err.problem
    (tmp_path / "b.csv").write_text("text,date\nPoland condemned Belarus.,yesterday\nEgypt hosted talks.,2024-01-05\n")
    got = list(read_paths([str(tmp_path / "b.csv")]))
    assert isinstance(got[0], InputError) and got[0].source.endswith("b.csv:2") and "yesterday" in got[0].problem
    assert got[1].published == "2024-01-05"
    # --published replaces the broken date, so the row is read
    assert len(docs(read_paths([str(tmp_path / "b.csv")], published="2024-02-02"))) == 2


def test_gzip_folder_recursive_and_glob(corpus):
    got = list(read_paths([str(corpus)]))
    names = sorted(d.name.replace(str(corpus), "") for d in docs(got))
    assert names == ["/dump.jsonl:1", "/dump.jsonl:4", "/note.txt", "/sub/more.jsonl.gz:1", "/sub/page.html",
                     "/table.csv:2", "/table.csv:4"]
    assert len(errors(got)) == 1  # the broken JSONL line; ignored.bin and the sidecar are not read
    globbed = docs(read_paths([str(corpus / "**" / "*.jsonl*")]))
    assert sorted(d.name.rsplit("/", 1)[1] for d in globbed) == ["dump.jsonl:1", "dump.jsonl:4", "more.jsonl.gz:1"]
    [e] = list(read_paths([str(corpus / "*.nothing")]))
    assert isinstance(e, InputError) and "matches no file" in e.problem


def test_bad_gzip_is_named(tmp_path):
    (tmp_path / "x.txt.gz").write_bytes(b"not gzip at all")
    [e] = list(read_paths([str(tmp_path / "x.txt.gz")]))
    assert isinstance(e, InputError) and "gzip" in e.problem


def test_stdin_text_and_jsonl(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Poland condemned Belarus.")))
    [d] = list(read_paths(["-"], published="2024-04-10"))
    assert d.name == "<stdin>" and d.published == "2024-04-10"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"text": "a"}\nnope\n')))
    got = list(read_paths(["-"], stdin_format="jsonl"))
    assert got[0].name == "<stdin>:1" and isinstance(got[1], InputError) and got[1].source == "<stdin>:2"


# ---------------------------------------------------------------------------------------------- network
class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/page.html")
            self.end_headers()
            return
        return super().do_GET()


@pytest.fixture()
def site(tmp_path):
    """A local web site on 127.0.0.1: two pages, a feed of them (one item broken) and a redirect."""
    (tmp_path / "page.html").write_text(PAGE)
    (tmp_path / "undated.html").write_text(UNDATED_PAGE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(tmp_path)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (tmp_path / "feed.rss").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example News</title><link>{base}/</link><description>news</description>
<item><title>Poland condemns Belarus</title><link>{base}/moved</link><pubDate>Wed, 10 Apr 2024 08:00:00 GMT</pubDate></item>
<item><title>Armenia and Azerbaijan meet</title><link>{base}/undated.html</link><pubDate>Thu, 11 Apr 2024 09:00:00 GMT</pubDate></item>
<item><title>Gone</title><link>{base}/gone.html</link></item>
</channel></rss>""")
    (tmp_path / "bad.atom").write_text("<feed><entry><title>unclosed")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_feed_from_a_local_server_fetches_each_item(site):
    got = list(read_paths([f"{site}/feed.rss"], allow_private=True))
    a, b = docs(got)
    assert "Poland condemned Belarus" in a.text and a.published == "2024-04-10"
    assert a.url == "https://news.example.org/world/poland-belarus"  # the page's canonical URL
    assert a.name.startswith(f"{site}/feed.rss#1")
    assert b.published == "2024-04-11"  # the page has no date: the feed's date for the item
    assert b.title == "Armenia and Azerbaijan meet" and b.url == f"{site}/undated.html"
    [err] = errors(got)
    assert err.source == f"{site}/feed.rss#3" and "404" in err.problem


def test_loopback_is_refused_without_allow_private(site):
    for url in (f"{site}/feed.rss", f"{site}/page.html", site.replace("127.0.0.1", "localhost") + "/page.html"):
        [err] = list(read_paths([url]))
        assert isinstance(err, InputError) and "loopback" in err.problem and "--allow-private" in err.problem


def test_redirect_is_followed_hop_by_hop(site):
    [d] = list(read_paths([f"{site}/moved"], allow_private=True))
    assert "Poland condemned" in d.text and d.name == f"{site}/moved -> {site}/page.html"


def test_broken_feed_file_is_reported(site, tmp_path):
    got = list(read_paths([str(tmp_path / "bad.atom")]))
    assert not docs(got) and got
    assert got[0].source.startswith(str(tmp_path / "bad.atom") + ":") and "malformed feed" in got[0].problem


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"])
def test_address_checker_refuses_non_public(address):
    with pytest.raises(InputError):
        check_address(address, "some.host")
    check_address(address, "some.host", allow_private=True)


def test_address_checker_allows_public():
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        check_address(address, "some.host")


def test_redirect_from_public_host_to_a_name_on_loopback_is_refused():
    """A public host redirects to a name that resolves to loopback: the second hop is checked and refused
    before any request is sent to it; the first request went to the checked address, with its Host."""
    names = {"news.example": ["93.184.216.34"], "inside.example": ["127.0.0.1"], "mixed.example": ["8.8.8.8", "10.0.0.1"]}
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((request.url.host, request.headers["host"]))
        return httpx.Response(302, headers={"Location": "http://inside.example/admin"})

    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=False)
    with pytest.raises(InputError) as info:
        fetch("https://news.example/story", ReadOptions(), client=client, resolver=lambda h, p: names[h])
    assert "loopback" in info.value.problem and info.value.source == "http://inside.example/admin"
    assert sent == [("93.184.216.34", "news.example")]
    with pytest.raises(InputError) as info:  # every address a name resolves to must be public
        fetch("http://mixed.example/", ReadOptions(), client=client, resolver=lambda h, p: names[h])
    assert "private" in info.value.problem and len(sent) == 1


def test_size_cap_timeout_scheme_and_redirect_loops():
    resolver = lambda h, p: ["93.184.216.34"]  # noqa: E731

    def big(request):
        return httpx.Response(200, content=b"x" * 5000, headers={"content-type": "text/html"})

    client = httpx.Client(transport=httpx.MockTransport(big))
    with pytest.raises(InputError, match="limit"):
        fetch("http://news.example/", ReadOptions(max_bytes=1000), client=client, resolver=resolver)

    def slow(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(InputError, match="timed out"):
        fetch("http://news.example/", ReadOptions(), client=httpx.Client(transport=httpx.MockTransport(slow)),
              resolver=resolver)

    def loop(request):
        return httpx.Response(301, headers={"Location": "/again"})

    with pytest.raises(InputError, match="redirects more than"):
        fetch("http://news.example/", ReadOptions(max_redirects=3), client=httpx.Client(transport=httpx.MockTransport(loop)),
              resolver=resolver)
    with pytest.raises(InputError, match="scheme"):
        fetch("file:///etc/passwd", ReadOptions())


# ---------------------------------------------------------------------------------------------- the command
def test_ingest_dry_run_then_ingest_then_idempotent(corpus, tmp_path, nlp):
    db = tmp_path / "ew.duckdb"
    r = run("ingest", corpus, "--db", db, "--dry-run", "--format", "jsonl")
    assert r.exit_code == 1  # the broken JSONL line
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 7 and {x["status"] for x in rows} == {"new"} and not db.exists()
    assert "dump.jsonl:2" in r.stderr

    r = run("ingest", corpus, "--db", db)
    assert r.exit_code == 1 and "dump.jsonl:2" in r.stderr
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT source, url, published FROM documents ORDER BY source").fetchall()
    con.close()
    assert len(stored) == 7
    assert ("Wire A", "https://a.example/1", __import__("datetime").date(2023, 9, 20)) in stored

    r = run("ingest", corpus, "--db", db, "--dry-run", "--format", "jsonl")
    assert {json.loads(x)["status"] for x in r.stdout.splitlines()} == {"stored"}
    r = run("ingest", corpus, "--db", db)  # a rerun adds nothing and codes nothing
    assert "stored 0 new document(s)" in r.stderr and "7 already there" in r.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 7
    con.close()


def test_ingest_exit_codes_and_code_reads_the_new_formats(corpus, tmp_path, nlp):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "Poland condemned Belarus on Monday.", "date": "2024-04-10"}) + "\n")
    assert run("ingest", good, "--db", tmp_path / "a.duckdb").exit_code == 0
    assert run("ingest", good, "--published", "not-a-date").exit_code == 2
    r = run("code", corpus / "sub" / "page.html", "--no-db", "--format", "json")
    assert r.exit_code == 0
    out = json.loads(r.stdout)
    assert out["url"] == "https://news.example.org/world/poland-belarus" and out["published"] == "2024-04-10"
    r = run("code", good, "--no-db", "--format", "jsonl")
    assert r.exit_code == 0 and json.loads(r.stdout.splitlines()[0])["events"]


def test_each_stored_document_records_where_it_was_read_from(tmp_path):
    from eventwire.store import Store
    feed = tmp_path / "wire.jsonl"
    feed.write_text(
        '{"text": "Chile accused Peru of violating the border agreement on Monday.", "date": "2024-01-02"}\n'
        '{"text": "Brazil urged Argentina to resume talks.", "source": "Example News", "date": "2024-01-03"}\n',
        encoding="utf-8")
    db = tmp_path / "o.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(feed), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        rows = dict(store.con.execute("SELECT source, origin FROM documents").fetchall())
    assert rows["Example News"] == f"{feed}:2"  # the outlet and the line it was read from, both kept
