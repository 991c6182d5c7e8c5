"""Limits: the maximum document size and its paragraph-aligned chunking, the maximum sentence length,
and the per-document time limit, in the library and on the command line."""

from __future__ import annotations

import json
import signal
import threading
import time

import pytest
import spacy
from spacy.language import Language
from typer.testing import CliRunner

from eventwire import InputError
from eventwire.cli import app
from eventwire.components import ensure_extensions
from eventwire.pipeline import CHUNK_CHARS, MAX_CHARS, SourceDoc, _chunks, code_documents
from eventwire.records import Document

runner = CliRunner()
PARA = "Kenya accused Somalia of shelling the border town on Friday. Police arrested 12 protesters in Nairobi.\n\n"
#: far more text than can be coded in half a second, however fast the machine (about 190,000 characters)
BIG = PARA * 1900


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


# ---------------------------------------------------------------------------------------------- size
def test_a_text_over_max_chars_is_refused_with_the_figures(nlp):
    ok, over = "Chile thanked Peru." + " " * 81, "Chile thanked Peru." + " " * 82
    assert len(ok) == 100
    out = list(code_documents([SourceDoc(over, name="over.txt"), SourceDoc(ok, name="ok.txt")], nlp, max_chars=100))
    assert isinstance(out[0], InputError) and out[0].source == "over.txt"
    assert "101 characters, over the limit of 100" in out[0].problem and "--max-chars" in out[0].problem
    assert isinstance(out[1], Document)  # at the limit is not over it
    assert MAX_CHARS == 2_000_000 and CHUNK_CHARS == 100_000


def test_cli_max_chars_reports_the_long_file_and_codes_the_others(tmp_path):
    (tmp_path / "long.txt").write_text("Chile thanked Peru. " * 10, encoding="utf-8")
    (tmp_path / "short.txt").write_text("Chile thanked Peru.", encoding="utf-8")
    r = run("code", tmp_path / "long.txt", tmp_path / "short.txt", "--max-chars", 100, "--no-db", "--format", "jsonl")
    assert r.exit_code == 1
    assert "long.txt" in r.stderr and "over the limit of 100" in r.stderr
    docs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [d["text"] for d in docs] == ["Chile thanked Peru."]
    assert run("code", tmp_path / "short.txt", "--max-chars", 0, "--no-db").exit_code == 2


def test_chunks_above_the_chunk_size_are_cut_at_paragraphs():
    text = "".join(f"Paragraph {i} says something about the talks in Geneva.\n\n" for i in range(5000))
    assert len(text) > 2 * CHUNK_CHARS
    chunks = _chunks(text, CHUNK_CHARS)
    assert len(chunks) >= 3
    assert "".join(piece for _, piece in chunks) == text
    for (offset, piece), (nxt, _) in zip(chunks, chunks[1:]):
        assert text[offset:offset + len(piece)] == piece and offset + len(piece) == nxt
        assert len(piece) <= CHUNK_CHARS and piece.endswith("\n\n")  # a paragraph is never cut
    assert _chunks("short text", CHUNK_CHARS) == [(0, "short text")]


def test_chunks_fall_back_to_lines_sentences_spaces_then_a_hard_cut():
    assert [p for _, p in _chunks("aaaa\nbbbb\ncccc\n", 10)] == ["aaaa\nbbbb\n", "cccc\n"]
    assert [p for _, p in _chunks("One two. Three four. Five.", 12)][0] == "One two. "
    assert [p for _, p in _chunks("abc def ghi jkl", 8)][0] == "abc def "
    cut = _chunks("x" * 25, 10)  # no separator at all: cut at the size
    assert [len(p) for _, p in cut] == [10, 10, 5] and [o for o, _ in cut] == [0, 10, 20]


def test_chunked_coding_finds_what_whole_coding_finds_with_exact_offsets(nlp):
    text = PARA * 12
    [whole] = code_documents([SourceDoc(text, published="2024-05-05")], nlp)
    [chunked] = code_documents([SourceDoc(text, published="2024-05-05")], nlp, chunk_chars=len(PARA) * 3)
    key = lambda e: (e.trigger.start, e.cameo, e.source and e.source.country, e.target and e.target.country)  # noqa: E731
    assert sorted(map(key, chunked.events)) == sorted(map(key, whole.events)) and len(whole.events) >= 12
    assert [(s.start, s.end) for s in chunked.sentences] == [(s.start, s.end) for s in whole.sentences]
    for e in chunked.events:
        for ref in (e.trigger, e.sentence, e.source, e.target, *e.sources, *e.targets):
            if ref is not None:
                assert text[ref.start:ref.end] == ref.text
    assert len({e.id for e in chunked.events}) == len(chunked.events)


# ---------------------------------------------------------------------------------------------- sentences
def _token_counts(nlp, doc: Document) -> list[int]:
    return [len(nlp.make_doc(doc.text[s.start:s.end])) for s in doc.sentences]


def test_a_sentence_without_punctuation_is_split_with_a_warning(nlp):
    text = " ".join(["Russia", "attacked", "Ukraine", "and", "Kenya", "thanked", "Peru"] * 150)  # 1,050 tokens
    [doc] = code_documents([SourceDoc(text, published="2024-05-05")], nlp, max_sentence_tokens=50)
    assert max(_token_counts(nlp, doc)) <= 50 and len(doc.sentences) >= 21
    assert any("longer than 50 tokens" in w and "split" in w for w in doc.warnings), doc.warnings
    assert doc.events  # the pieces are still coded
    for e in doc.events:
        assert text[e.trigger.start:e.trigger.end] == e.trigger.text
    [whole] = code_documents([SourceDoc(text, published="2024-05-05")], nlp, max_sentence_tokens=0)
    assert not any("split" in w for w in whole.warnings)


def test_a_punctuated_sentence_the_parser_keeps_long_is_cut_and_parsed_again(nlp):
    from eventwire.pipeline import _split_long_runs

    # "..." ends a run, so no run is over 6 tokens and nothing is cut before parsing; the parser makes the
    # whole text one 9-token sentence, which the second pass cuts
    text = "The U.S.-led coalition... said it would respond."
    assert _split_long_runs(nlp.make_doc(text), 6) == 0
    [whole] = code_documents([SourceDoc(text, published="2024-05-05")], nlp, max_sentence_tokens=0)
    assert _token_counts(nlp, whole) == [9]
    [doc] = code_documents([SourceDoc(text, published="2024-05-05")], nlp, max_sentence_tokens=6)
    assert len(doc.sentences) >= 2 and max(_token_counts(nlp, doc)) <= 6
    assert doc.sentences[0].start == 0 and doc.sentences[-1].end == len(text)
    assert any("1 sentence(s) longer than 6 tokens" in w for w in doc.warnings), doc.warnings


def test_ordinary_news_is_not_touched_by_the_default_sentence_limit(nlp):
    from conftest import EXAMPLES

    text = (EXAMPLES / "ceasefire.txt").read_text(encoding="utf-8")
    [limited] = code_documents([SourceDoc(text, published="2025-06-12")], nlp)
    [free] = code_documents([SourceDoc(text, published="2025-06-12")], nlp, max_sentence_tokens=0)
    assert limited.to_dict() == free.to_dict()


def test_cli_max_sentence_tokens(tmp_path):
    (tmp_path / "run.txt").write_text(" ".join(["word"] * 300), encoding="utf-8")
    r = run("code", tmp_path / "run.txt", "--max-sentence-tokens", 100, "--no-db", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert len(doc["sentences"]) >= 3 and any("longer than 100 tokens" in w for w in doc["warnings"])
    assert run("code", tmp_path / "run.txt", "--max-sentence-tokens", -1, "--no-db").exit_code == 2


# ---------------------------------------------------------------------------------------------- time
STUCK = {"entered": 0, "finished": 0, "after": 0}


@Language.component("test_stuck_on_marker")
def _stuck(doc):
    """Spins on a document holding STUCK for up to 60 s (long past any limit the tests set); counts
    whether it ever got to the end."""
    if "STUCK" in doc.text:
        STUCK["entered"] += 1
        until = time.monotonic() + 60
        while time.monotonic() < until:
            pass
        STUCK["finished"] += 1
    return doc


@Language.component("test_slow_on_marker")
def _slow(doc):
    if "SLOW" in doc.text:
        time.sleep(0.3)
    return doc


@Language.component("test_after")
def _after(doc):
    if "SLOW" in doc.text:
        STUCK["after"] += 1
    return doc


@pytest.fixture()
def toy_nlp():
    """A tiny pipeline with a component that gets stuck on a marker word."""
    ensure_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("test_stuck_on_marker")
    nlp.add_pipe("test_slow_on_marker")
    nlp.add_pipe("test_after")
    for k in STUCK:
        STUCK[k] = 0
    return nlp


def test_a_stuck_document_is_interrupted_and_the_others_are_coded(toy_nlp):
    sources = [SourceDoc("First one.", name="a"), SourceDoc("This gets STUCK here.", name="stuck"),
               SourceDoc("Third one.", name="c")]
    out = list(code_documents(sources, toy_nlp, doc_timeout=0.5))
    assert [type(x).__name__ for x in out] == ["Document", "InputError", "Document"]
    assert out[1].source == "stuck" and "time limit of 0.5 s" in out[1].problem and "--doc-timeout" in out[1].problem
    assert STUCK["entered"] == 1 and STUCK["finished"] == 0  # stopped inside the component, not after it


def test_the_alarm_handler_and_an_outer_timer_are_put_back(toy_nlp):
    calls = []

    def mine(*args):
        calls.append(args)

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        signal.setitimer(signal.ITIMER_REAL, 300)
        out = list(code_documents([SourceDoc("STUCK", name="s"), SourceDoc("Fine.", name="f")], toy_nlp,
                                  doc_timeout=0.2))
        assert isinstance(out[0], InputError) and isinstance(out[1], Document)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 300  # the outer timer runs on
        assert signal.getsignal(signal.SIGALRM) is mine and calls == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_in_a_thread_the_limit_is_checked_between_stages(toy_nlp):
    results = []
    worker = threading.Thread(target=lambda: results.extend(code_documents(
        [SourceDoc("SLOW text.", name="slow"), SourceDoc("Quick.", name="quick")], toy_nlp, doc_timeout=0.1)))
    worker.start()
    worker.join()
    assert isinstance(results[0], InputError) and "time limit" in results[0].problem
    assert isinstance(results[1], Document)
    assert STUCK["after"] == 0  # the stage after the slow one never ran on it


def test_limits_given_wrongly_are_refused(toy_nlp):
    with pytest.raises(ValueError, match="doc_timeout"):
        list(code_documents([SourceDoc("x")], toy_nlp, doc_timeout=0))
    with pytest.raises(ValueError, match="max_sentence_tokens"):
        list(code_documents([SourceDoc("x")], toy_nlp, max_sentence_tokens=-1))


def test_a_big_document_runs_out_of_time_in_the_real_pipeline(nlp):
    before = signal.getsignal(signal.SIGALRM)
    out = list(code_documents([SourceDoc("Chile thanked Peru.", name="a"), SourceDoc(BIG, name="big"),
                               SourceDoc("Peru thanked Chile.", name="c")], nlp, doc_timeout=0.5))
    assert isinstance(out[0], Document) and isinstance(out[2], Document)
    assert isinstance(out[1], InputError) and out[1].source == "big" and "time limit" in out[1].problem
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_cli_code_doc_timeout(tmp_path):
    (tmp_path / "a.txt").write_text("Chile thanked Peru.", encoding="utf-8")
    (tmp_path / "big.txt").write_text(BIG, encoding="utf-8")
    (tmp_path / "c.txt").write_text("Peru thanked Chile.", encoding="utf-8")
    r = run("code", tmp_path / "a.txt", tmp_path / "big.txt", tmp_path / "c.txt", "--doc-timeout", 0.5,
            "--no-db", "--format", "jsonl")
    assert r.exit_code == 1
    assert "big.txt" in r.stderr and "time limit of 0.5 s" in r.stderr
    assert [json.loads(x)["text"] for x in r.stdout.splitlines()] == ["Chile thanked Peru.", "Peru thanked Chile."]
    assert run("code", tmp_path / "a.txt", "--doc-timeout", 0, "--no-db").exit_code == 2


def test_cli_ingest_doc_timeout(tmp_path):
    lines = [json.dumps({"text": t}) for t in ("Chile thanked Peru.", BIG, "Peru thanked Chile.")]
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "ew.duckdb"
    r = run("ingest", tmp_path / "dump.jsonl", "--db", db, "--doc-timeout", 0.5)
    assert r.exit_code == 1
    assert "dump.jsonl:2" in r.stderr and "time limit" in r.stderr
    assert "stored 2 new document(s)" in r.stderr


def test_worker_processes_interrupt_a_document_too(tmp_path):
    from eventwire.scale import CodingRun, ScaleOptions

    items = [SourceDoc("Chile thanked Peru.", name="a"), SourceDoc(BIG, name="big"),
             SourceDoc("Peru thanked Chile.", name="c"), SourceDoc("Kenya thanked Peru.", name="d")]
    run_ = CodingRun(items, ScaleOptions(workers=2, chunk_size=1, doc_timeout=0.5, resume=False), total=len(items))
    out = list(run_)
    assert [getattr(x, "source", None) if isinstance(x, InputError) else x.text[:5] for x in out] == \
        ["Chile", "big", "Peru ", "Kenya"]
    assert "time limit" in out[1].problem and run_.stats.failed == 1 and run_.stats.coded == 3
