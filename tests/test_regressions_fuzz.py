"""What the property-based tests (test_fuzz.py) found, one test per finding, with the minimal input
hypothesis shrank it to, written out. Each test name says what broke."""

from __future__ import annotations

import gzip
import json

from eventwire import InputError
from eventwire.ingest import ReadOptions, read_bytes, read_paths
from eventwire.ingest.net import parse_feed
from eventwire.pipeline import SourceDoc, code_documents, document_id


def _spans_ok(doc) -> None:
    text = doc.text
    for e in doc.events + doc.nonfactual_events:
        for ref in [e.trigger, e.sentence, e.source, e.target, *e.sources, *e.targets]:
            if ref is not None:
                assert 0 <= ref.start <= ref.end <= len(text)
                assert text[ref.start:ref.end] == ref.text, ref
    for q in doc.quotes:
        for ref in (q.content, q.speaker):
            if ref is not None:
                assert text[ref.start:ref.end] == ref.text, ref


def test_chunked_document_moved_an_event_source_twice(nlp):
    # an event's ``source`` is also the first of its ``sources``: shifting every chunk's offsets moved the
    # shared record once per reference, so the second chunk's sources pointed past the end of the text
    text = ("Russia accused Ukraine of shelling the town on Monday. Russia accused Ukraine of shelling the town "
            "on Monday. Russia accused Ukraine of shelling the town on Monday. Russia accused Ukraine of shelling "
            "the town on Monday.")
    [doc] = code_documents([SourceDoc(text, name="doc0")], nlp, batch_size=1, chunk_chars=200)
    assert len(doc.events) >= 2
    assert any(e.source.start > 100 for e in doc.events if e.source)  # the second chunk's, moved
    _spans_ok(doc)


def test_lone_surrogate_crashed_the_tokenizer(nlp):
    # Python strings can hold a lone surrogate (a JSON escape "\ud800" decodes to one); spaCy's tokenizer
    # raised UnicodeEncodeError on it, which escaped code_documents and stopped the batch
    out = list(code_documents([SourceDoc("\ud800", name="doc0"), SourceDoc("Chile thanked Peru.", name="ok")], nlp))
    assert isinstance(out[0], InputError) and out[0].source == "doc0" and "surrogate" in out[0].problem
    assert not isinstance(out[1], InputError)
    assert len(document_id("\ud800")) == 16  # it can still be named and looked up


def test_lone_surrogate_escape_in_a_json_record_is_named_with_its_field():
    [err] = read_bytes(b'{"text": "hi \\ud800", "title": "x"}', "r.jsonl", ".jsonl")
    assert isinstance(err, InputError) and err.source == "r.jsonl:1" and "text field" in err.problem
    [err] = read_bytes(b'{"text": "hi", "title": "\\udfff"}', "r.jsonl", ".jsonl")
    assert isinstance(err, InputError) and "title field" in err.problem


def test_deeply_nested_json_raised_recursion_error():
    nested = b"[" * 5000 + b"]" * 5000
    [err] = read_bytes(nested, "dump.jsonl", ".jsonl")
    assert isinstance(err, InputError) and err.source == "dump.jsonl:1" and "nested too deeply" in err.problem
    [err] = read_bytes(nested, "list.json", ".json")
    assert isinstance(err, InputError) and err.source == "list.json" and "nested too deeply" in err.problem
    out = list(read_bytes(nested + b'\n{"text": "Chile thanked Peru."}', "two.jsonl", ".jsonl"))
    assert isinstance(out[0], InputError) and out[1].text == "Chile thanked Peru.", out  # the next line is still read


def test_feed_character_reference_past_unicode_crashed_feedparser():
    for ref in ("&#99999999;", "&#xD800;"):  # chr() raises ValueError; a surrogate fails to encode
        feed = ("<?xml version='1.0'?><rss version='2.0'><channel><item><title></title><link></link>"
                f"<description>{ref}</description><pubDate></pubDate></item></channel></rss>").encode()
        [err] = parse_feed(feed, "f.rss", ReadOptions())
        assert isinstance(err, InputError) and err.source == "f.rss" and "not a readable RSS/Atom feed" in err.problem


def test_gzip_file_truncated_to_nothing_was_read_as_empty_data(tmp_path):
    # gzip.compress(b"") is 20 bytes; cut them all and Python's gzip reads the file as b"" without a word
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b"")[:0])
    [err] = read_paths([str(path)])
    assert isinstance(err, InputError) and err.source == str(path) and "not a gzip file" in err.problem


def test_empty_json_lines_file_went_unreported():
    [err] = read_bytes(b"\n \n", "blank.jsonl", ".jsonl")
    assert isinstance(err, InputError) and err.source == "blank.jsonl" and "empty" in err.problem


def test_raw_line_separator_inside_a_json_string_split_the_record():
    # json.dumps(..., ensure_ascii=False) writes U+2028 as it is; str.splitlines() cut the line there
    raw = json.dumps({"text": "\u2028"}, ensure_ascii=False).encode("utf-8")
    [doc] = read_bytes(raw, "r.jsonl", ".jsonl")
    assert isinstance(doc, SourceDoc) and doc.text == "\u2028" and doc.name == "r.jsonl:1"
    raw = ('{"text": "a\u2028b\u0085c"}\r\n{"text": "second"}\r\n').encode("utf-8")
    docs = list(read_bytes(raw, "crlf.jsonl", ".jsonl"))
    assert [d.text for d in docs] == ["a\u2028b\u0085c", "second"] and docs[1].name == "crlf.jsonl:2"


def test_wrong_typed_title_became_a_python_repr():
    # a nested object where the title is expected was kept as "{'a': 1}"; numbers are still taken as text
    [err] = read_bytes(b'{"text": "Chile thanked Peru.", "title": {"a": 1}}', "r.jsonl", ".jsonl")
    assert isinstance(err, InputError) and "title field that is a JSON object" in err.problem
    [err] = read_bytes(b'{"text": "Chile thanked Peru.", "url": [1, 2]}', "r.jsonl", ".jsonl")
    assert isinstance(err, InputError) and "url field that is a JSON list" in err.problem
    [doc] = read_bytes(b'{"text": "Chile thanked Peru.", "title": 2024}', "r.jsonl", ".jsonl")
    assert doc.title == "2024"
    [err] = read_bytes(b'{"text": null, "body": [1]}', "r.jsonl", ".jsonl")
    assert isinstance(err, InputError) and "text field that is a JSON list" in err.problem


def test_long_run_of_symbols_took_quadratic_time_to_tokenize(nlp):
    # "🙂" * 10_000 (found when timing the long-token cases): spaCy's tokenizer splits such a run one
    # suffix at a time, rescanning the rest each time; runs over LONG_RUN_CHARS are now tokenized in slices
    from eventwire.pipeline import LONG_RUN_CHARS, _tokenize

    text = "Chile thanked Peru. " + "x" * 1000 + " " + "%" * (LONG_RUN_CHARS + 1) + "\nPeru thanked Chile."
    doc = _tokenize(nlp, text)
    assert doc.text == text
    assert max(len(t) for t in doc) <= 100  # the 1,000-character word is cut into slices
    assert [t.text for t in doc][:4] == [t.text for t in nlp.make_doc(text)][:4]  # text around it as before
    short = "x" * LONG_RUN_CHARS  # at the limit: one token, as spaCy makes it
    assert len(_tokenize(nlp, short)) == 1
    [coded] = code_documents([SourceDoc("🙂" * 10_000, name="emoji")], nlp)
    assert not isinstance(coded, InputError) and coded.text == "🙂" * 10_000


def test_source_doc_without_a_string_text_raised_attribute_error(nlp):
    # SourceDoc(None): "'NoneType' object has no attribute 'strip'" escaped code_documents
    import datetime as dt

    out = list(code_documents([SourceDoc(None, name="lib"), SourceDoc(b"bytes", name="raw"), "a bare string",
                               SourceDoc("Chile thanked Peru.", name="ok", title=7),
                               SourceDoc("Chile thanked Peru.", name="when", published=dt.datetime(2024, 5, 6, 13, 0)),
                               SourceDoc("Chile thanked Peru.", name="num", published=20240506)], nlp))
    assert isinstance(out[0], InputError) and out[0].source == "lib" and "NoneType, not a string" in out[0].problem
    assert isinstance(out[1], InputError) and out[1].source == "raw" and "bytes" in out[1].problem
    assert isinstance(out[2], InputError) and "not a SourceDoc" in out[2].problem and "a bare string" in out[2].source
    assert isinstance(out[3], InputError) and "title that is int" in out[3].problem
    assert out[4].published == "2024-05-06"  # a datetime is its day, not a timestamp
    assert isinstance(out[5], InputError) and out[5].source == "num" and "publication date" in out[5].problem
