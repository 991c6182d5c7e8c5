"""Every coding rule has gold examples: tests/data/event_rules.jsonl and quote_rules.jsonl, one case per line.

Each case is its own test. Cases the rules do not get right yet are listed by id in
tests/data/known_failures.txt and run as strict xfails: the day one starts passing, the test fails until
the id is removed from the list, so the list only ever shrinks and every figure below stays honest.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from eventwire.rulecheck import check_events, check_quotes

DATA = pathlib.Path(__file__).parent / "data"
KNOWN = {line.split("#")[0].strip() for line in (DATA / "known_failures.txt").read_text().splitlines()} - {""}


def _cases(name):
    cases = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(c, id=c["id"], marks=[pytest.mark.xfail(strict=True, reason="known failure")]
                         if c["id"] in KNOWN else []) for c in cases]


@pytest.mark.parametrize("case", _cases("event_rules.jsonl"))
def test_event_rule(code, case):
    problems = check_events(code(case["text"], case["published"]), case)
    assert not problems, problems


@pytest.mark.parametrize("case", _cases("quote_rules.jsonl"))
def test_quote_rule(code, case):
    problems = check_quotes(code(case["text"], case["published"]), case)
    assert not problems, problems


def test_known_failures_name_real_cases():
    ids = set()
    for name in ("event_rules.jsonl", "quote_rules.jsonl"):
        ids |= {json.loads(line)["id"] for line in (DATA / name).read_text().splitlines() if line.strip()}
    assert KNOWN <= ids, KNOWN - ids


def test_pronoun_speakers_are_right_as_often_as_named_ones(code):
    from eventwire.rulecheck import speaker_accuracy_by_mention

    cases = [json.loads(line) for line in (DATA / "quote_rules.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(code(c["text"], c["published"]), c) for c in cases]
    by = speaker_accuracy_by_mention(pairs)
    (p_ok, p_n), (n_ok, n_n) = by["pronoun"], by["named"]
    assert p_n >= 5 and n_n >= 20, by
    assert p_ok / p_n >= n_ok / n_n - 0.05, by
