"""Property-based tests: the pipeline and every reader, fed input nobody would write on purpose.

The promise under test: no exception escapes. Each input comes back either as a coded ``Document``
whose JSON keeps the output contract (docs/output.md: offsets inside the text, ``text[start:end]``
equal to the span's text, CAMEO codes as strings), or as an ``InputError`` that names the input and
says what is wrong with it. An ``InputError`` saying "a bug in eventwire" is a failure too: it is the
safety net catching an exception, not a reason.

spaCy is slow, so the examples are few and bounded in size; the pipeline is loaded once (the session
fixture). Findings are kept, with the minimal input hypothesis found, in ``test_regressions_fuzz.py``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventwire import InputError, code_text
from eventwire.ingest import ReadOptions, read_bytes, read_paths
from eventwire.ingest.net import Fetched, parse_feed
from eventwire.pipeline import SourceDoc, code_documents
from eventwire.records import Document


#: EVENTWIRE_FUZZ_SCALE=10 runs ten times the examples (a longer hunt, by hand); the default keeps the
#: file under about a minute and a half on two cores
SCALE = float(os.environ.get("EVENTWIRE_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Few examples (spaCy is slow), no per-example deadline, and the fixtures shared across examples."""
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------------------------------------- strategies
NEWS = [
    "Russia accused Ukraine of shelling the town on Monday.", "“We will respond,” the minister said.",
    "Kenya and Somalia signed a ceasefire in Nairobi.", "Police arrested 12 protesters.",
    "The EU condemned Belarus.", "President Macron met Chancellor Scholz in Berlin on 3 May 2024.",
    "said", "told", "according to", "”", "“", "\"", "'", "«", "»", "(", ")", "\n", "\n\n", "...", ";", ":",
]
SPECIAL = [
    "\u202e", "\u202d", "\u200f", "\u200e", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\x85", "\x0b", "\x0c",
    "\r", "\r\n", "\t", "\x1b[31m", "\x07", "\x7f", "&amp;", "&lt;b&gt;", "&#x202E;", "&nbsp;", "&bogus;", "<b>",
    "</i>", "<script>", "<!--", "]]>", "🙂", "👩‍👩‍👧", "🇺🇦", "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "ال", "שלום", "Москва", "北京", "नई दिल्ली", "Ὀδυσσεύς", "Ⅻ", "①", "ﬁ", "e\u0301", "\u0300\u0300\u0300",
    "Mr.", "U.S.", "St.", "a.m.", "No.", "$", "%", "#", "@", "—", "–", "…",
]
# any code point, surrogates and private use included (Python strings can hold lone surrogates even
# though no reader ever produces one)
ANY_CHAR = st.one_of(st.characters(), st.characters(categories=["Cs", "Co"]))
PIECE = st.one_of(
    st.sampled_from(NEWS), st.sampled_from(SPECIAL), st.text(ANY_CHAR, max_size=12),
    st.text(st.characters(categories=["Zs", "Cc", "Cf", "Zl", "Zp"]), max_size=4),
    st.text(st.characters(categories=["So", "Sk", "Mn", "Me", "Lo"]), max_size=6),
)
#: short mixed texts: news fragments, every category of character, markup, entities, scripts
MIXED = st.lists(PIECE, max_size=25).map(" ".join)
WORD = st.text(st.characters(categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=10)


@st.composite
def long_inputs(draw) -> str:
    """Long tokens (up to 10,000 characters) and long runs of words without any punctuation."""
    kind = draw(st.sampled_from(["token", "words", "names", "mixed"]))
    if kind == "token":
        ch = draw(st.sampled_from(["a", "7", "-", "🙂", "ش", "“", ".", "_", "é"]))
        return ch * draw(st.integers(1000, 10_000))
    if kind == "words":
        words = draw(st.lists(WORD, min_size=1, max_size=6))
        n = draw(st.integers(200, 1500))
        return " ".join(words[i % len(words)] for i in range(n))
    if kind == "names":
        n = draw(st.integers(100, 600))
        return " ".join(("Russia attacked Ukraine and said", "Kenya", "Biden", "“")[i % 4] for i in range(n))
    return draw(MIXED) + " " + "x" * draw(st.integers(2000, 8000)) + " " + draw(MIXED)


# ---------------------------------------------------------------------------------------------- checks
def _span(text: str, obj: dict | None, where: str) -> None:
    if obj is None:
        return
    assert isinstance(obj["start"], int) and isinstance(obj["end"], int), (where, obj)
    assert 0 <= obj["start"] <= obj["end"] <= len(text), (where, obj, len(text))
    if obj.get("text") is not None:
        assert text[obj["start"]:obj["end"]] == obj["text"], (where, obj)


def check_document(doc: Document, text: str) -> None:
    """The JSON contract, through a real JSON round trip."""
    assert doc.text == text
    d = json.loads(json.dumps(doc.to_dict(), ensure_ascii=False))
    t = d["text"]
    assert t == text
    assert re.fullmatch(r"[0-9a-f]{16}", d["id"])
    for s in d["sentences"]:
        _span(t, s, "sentence")
    for a in d["actors"]:
        _span(t, a, "actor")
    for q in d["quotes"]:
        _span(t, q["content"], "quote content")
        _span(t, q["cue"], "quote cue")
        _span(t, q["speaker"], "quote speaker")
        _span(t, q.get("addressee"), "quote addressee")
    for e in d["events"] + d["nonfactual_events"]:
        assert isinstance(e["cameo"], str) and re.fullmatch(r"\d{2,4}", e["cameo"]), e["cameo"]
        for key in ("trigger", "sentence", "source", "target"):
            _span(t, e[key], f"event {key}")
        for party in (e.get("sources") or []) + (e.get("targets") or []):
            _span(t, party, "event party")
    for p in d["places"]:
        _span(t, p, "place")
    for x in d["dates"]:
        _span(t, x, "date")
    assert all(isinstance(w, str) for w in d["warnings"])


def check_error(exc: InputError, name: str | None = None) -> None:
    assert isinstance(exc, InputError)
    assert exc.source and exc.problem, exc
    if name is not None:
        assert exc.source.startswith(name), (exc.source, name)
    assert "a bug in eventwire" not in exc.problem, exc.problem


def check_outcome(result, text: str, name: str | None = None) -> None:
    if isinstance(result, InputError):
        check_error(result, name)
    else:
        assert isinstance(result, Document), type(result)
        check_document(result, text)


def code_one(nlp, text: str):
    try:
        return code_text(text, nlp=nlp, source="fuzz.txt", published="2024-05-06")
    except InputError as exc:
        return exc


# ---------------------------------------------------------------------------------------------- the pipeline
@fuzz(70)
@given(text=MIXED)
def test_code_text_codes_or_reports_any_short_text(nlp, text):
    check_outcome(code_one(nlp, text), text, "fuzz.txt")


@fuzz(10)
@given(text=long_inputs())
def test_long_tokens_and_unpunctuated_sentences_are_coded(nlp, text):
    result = code_one(nlp, text)
    check_outcome(result, text, "fuzz.txt")
    if "\x00" not in text and not re.search("[\ud800-\udfff]", text):
        assert isinstance(result, Document), result  # long, odd, but text: it must be coded


@fuzz(15)
@given(texts=st.lists(st.one_of(MIXED, st.just(""), st.just(" \n\t "), st.just("a\x00b")), min_size=1, max_size=6),
       batch=st.integers(1, 4), chunk=st.integers(20, 400), sentence=st.sampled_from([0, 3, 8, 200]),
       timeout=st.sampled_from([None, 120.0]))
def test_code_documents_answers_every_input_in_order(nlp, texts, batch, chunk, sentence, timeout):
    sources = [SourceDoc(t, name=f"doc{i}") for i, t in enumerate(texts)]
    results = list(code_documents(sources, nlp, batch_size=batch, chunk_chars=chunk, max_sentence_tokens=sentence,
                                  doc_timeout=timeout))
    assert len(results) == len(texts)
    for i, (t, r) in enumerate(zip(texts, results)):
        check_outcome(r, t, f"doc{i}")
        if not t.strip():
            assert isinstance(r, InputError) and "empty" in r.problem
        elif isinstance(r, Document) and sentence:
            for s in r.sentences:  # no sentence over the limit (a chunk boundary may only shorten one)
                assert len(nlp.make_doc(t[s.start:s.end])) <= sentence, (s, sentence)


ODD_VALUE = st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=5), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.datetimes(), st.dates(), MIXED)


@fuzz(40)
@given(text=st.one_of(MIXED, ODD_VALUE), published=ODD_VALUE, title=ODD_VALUE, item=st.sampled_from(["doc", "str", "none"]))
def test_library_callers_passing_wrong_types_get_a_named_error(nlp, text, published, title, item):
    src = {"doc": SourceDoc(text, name="lib", published=published, title=title), "str": "a bare string",
           "none": None}[item]
    [result] = code_documents([src], nlp)
    if isinstance(result, InputError):
        check_error(result)
        if item == "doc":
            assert result.source == "lib"
    else:
        assert item == "doc" and isinstance(text, str)
        check_document(result, text)
        assert result.published is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.published), result.published


# ---------------------------------------------------------------------------------------------- readers
RAW = st.one_of(
    st.binary(max_size=300),
    MIXED.map(lambda s: s.encode("utf-8", "surrogatepass")),
    MIXED.map(lambda s: s.encode("utf-8", "replace")),
)
KEYS = st.sampled_from(["text", "body", "content", "title", "date", "published", "url", "source", "meta", "x"])


def _containers(kids):
    return st.lists(kids, max_size=3) | st.dictionaries(KEYS, kids, max_size=4)


#: any JSON value: null, booleans, numbers (NaN too), strings, lists and objects, nested
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | MIXED, _containers,
                       max_leaves=8)
RECORD = st.fixed_dictionaries({}, optional={k: JSONISH for k in ("text", "body", "title", "date", "url", "source")})


def read_all(raw: bytes, name: str, suffix: str, options: ReadOptions | None = None) -> list:
    out = list(read_bytes(raw, name, suffix, options))
    for item in out:
        if isinstance(item, InputError):
            check_error(item, name)
        else:
            assert isinstance(item, SourceDoc) and isinstance(item.text, str)
            assert item.name.startswith(name)
            for v in (item.title, item.published, item.source, item.url):
                assert v is None or isinstance(v, str), (item, v)
    return out


def code_read(nlp, docs: list, limit: int = 3) -> None:
    """Code what a reader produced (a few documents: spaCy is slow) and check each outcome."""
    docs = docs[:limit]
    texts = {id(d): d.text for d in docs if isinstance(d, SourceDoc)}
    for src, result in zip(docs, code_documents(docs, nlp, chunk_chars=400)):
        if isinstance(src, SourceDoc):
            check_outcome(result, texts[id(src)], src.name)
        else:
            assert result is src


@fuzz(40)
@given(raw=RAW, suffix=st.sampled_from([".txt", ".html", ".json", ".jsonl", ".csv", ".md", ".bin"]))
def test_every_reader_reads_or_reports_random_bytes(nlp, raw, suffix):
    code_read(nlp, read_all(raw, "in" + suffix, suffix), limit=2)


@fuzz(60)
@given(lines=st.lists(st.one_of(RECORD.map(json.dumps), JSONISH.map(json.dumps), MIXED, st.just("{"),
                                RECORD.map(lambda r: json.dumps(r, ensure_ascii=False)),
                                st.just("[" * 5000 + "]" * 5000)), max_size=6))
def test_json_lines_with_wrong_types_are_reported_per_line(lines):
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    out = read_all(raw, "dump.jsonl", ".jsonl")
    assert len(out) <= sum(1 for x in lines for _ in x.splitlines() if _.strip()) + 1
    out = read_all(json.dumps([json.loads(x) for x in lines if _loads(x)]).encode(), "list.json", ".json")


def _loads(x: str) -> bool:
    try:
        json.loads(x)
        return True
    except (ValueError, RecursionError):
        return False


@fuzz(25)
@given(records=st.lists(RECORD, min_size=1, max_size=4))
def test_json_records_of_any_shape_are_coded_or_reported(nlp, records):
    raw = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8", "surrogatepass")
    out = read_all(raw, "r.jsonl", ".jsonl")
    if re.search("[\ud800-\udfff]", raw.decode("utf-8", "surrogatepass")):
        assert len(out) == 1 and "not valid UTF-8" in out[0].problem  # a raw surrogate: the file is not UTF-8
    else:
        assert len(out) == len(records), "one document or one error per record"
    code_read(nlp, out, limit=2)


@fuzz(40)
@given(header=st.lists(st.sampled_from(["text", "title", "date", "x", "", "text "]), min_size=1, max_size=4),
       rows=st.lists(st.lists(st.one_of(MIXED, st.just('"'), st.just('a,"b'), st.just("\r\n")), max_size=5),
                     max_size=5))
def test_csv_with_broken_quotes_and_ragged_rows(header, rows):
    buf = io.StringIO()
    buf.write(",".join(header) + "\n")
    for r in rows:
        buf.write(",".join(r) + "\n")  # written by hand: unbalanced quotes stay unbalanced
    read_all(buf.getvalue().encode("utf-8", "surrogatepass"), "t.csv", ".csv")


HTML = st.lists(st.one_of(st.sampled_from(["<html>", "<body>", "<article>", "<p>", "</p>", "<div", "<title>", "</title>",
                                           "<meta property='article:published_time' content='2024-13-99'>",
                                           "<a href='javascript:x'>", "<![CDATA[", "<?xml version='1.0'?>", "&#0;",
                                           "&#xD800;", "&#99999999;", "<p>Russia attacked Ukraine.</p>", "<br/>"]),
                                  MIXED), max_size=20).map("".join)


@fuzz(20)
@given(page=HTML)
def test_html_with_broken_markup_and_entities(nlp, page):
    code_read(nlp, read_all(page.encode("utf-8", "surrogatepass"), "p.html", ".html"), limit=1)


def _feed(items: list[tuple[str, str, str]], atom: bool) -> str:
    if atom:
        body = "".join(f"<entry><title>{t}</title><link href='{link}'/><summary>{s}</summary></entry>"
                       for t, link, s in items)
        return f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>{body}</feed>"
    body = "".join(f"<item><title>{t}</title><link>{link}</link><description>{s}</description>"
                   f"<pubDate>{t}</pubDate></item>" for t, link, s in items)
    return f"<?xml version='1.0'?><rss version='2.0'><channel>{body}</channel></rss>"


@fuzz(25)
@given(items=st.lists(st.tuples(MIXED, st.sampled_from(["", "relative/path", "https://news.example/a", "javascript:x"]),
                                st.one_of(MIXED, HTML)), max_size=4),
       atom=st.booleans(), cut=st.integers(0, 400),
       page=st.one_of(HTML.map(lambda h: h.encode("utf-8", "surrogatepass")), st.binary(max_size=100)))
def test_feeds_from_bytes_with_odd_items(nlp, items, atom, cut, page):
    raw = _feed(items, atom).encode("utf-8", "surrogatepass")
    raw = raw[: len(raw) - cut] if cut < len(raw) else raw

    def fetcher(url, options):  # no network: each item's link answers with a fuzzed page
        return Fetched(url=url, content_type="text/html", body=page)

    out = list(parse_feed(raw, "f.rss", ReadOptions(), fetcher=fetcher))
    for item in out:
        if isinstance(item, InputError):
            check_error(item, "f.rss")
        else:
            assert isinstance(item.text, str) and item.name.startswith("f.rss")
    if not any("https://" in link for _, link, _ in items):  # read_bytes would fetch those for real
        read_all(raw, "f.rss", ".rss")
    code_read(nlp, out, limit=1)


@fuzz(25)
@given(payload=st.one_of(MIXED, st.lists(RECORD, max_size=3).map(lambda r: "\n".join(map(json.dumps, r)))),
       inner=st.sampled_from(["a.txt", "a.jsonl", "a.json", "a.csv", "a.html"]), cut=st.integers(0, 60))
def test_truncated_gzip_files_are_reported(tmp_path_factory, payload, inner, cut):
    packed = gzip.compress(payload.encode("utf-8", "surrogatepass"))
    path = tmp_path_factory.mktemp("gz") / (inner + ".gz")
    path.write_bytes(packed[: max(0, len(packed) - cut)])
    out = list(read_paths([str(path)]))
    assert out, "a file must give documents or errors, not nothing"
    if cut:  # truncated: the file is reported as a whole (nothing half-read is coded)
        assert len(out) == 1 and isinstance(out[0], InputError), out
    for item in out:
        if isinstance(item, InputError):
            check_error(item, str(path))
        else:
            assert isinstance(item, SourceDoc) and isinstance(item.text, str)


@fuzz(30)
@given(raw=RAW, fmt=st.sampled_from(["txt", "html", "json", "jsonl", "csv"]))
def test_stdin_in_every_format(monkeypatch, raw, fmt):
    class Stdin:
        buffer = io.BytesIO(raw)

    monkeypatch.setattr(sys, "stdin", Stdin())
    for item in read_paths(["-"], options=ReadOptions(stdin_format=fmt)):
        if isinstance(item, InputError):
            check_error(item, "<stdin>")
        else:
            assert isinstance(item.text, str) and item.name.startswith("<stdin>")


@pytest.mark.parametrize("bad", [b"\xff\xfe\x00\x00", b"\x1f\x8b\x08\x00", b"\xc3(", b"\xed\xa0\x80"])
def test_undecodable_bytes_are_named(bad):
    for suffix in (".txt", ".json", ".jsonl", ".csv"):
        out = read_all(bad, "b" + suffix, suffix)
        assert len(out) == 1 and isinstance(out[0], InputError)
