#!/usr/bin/env python3
"""Rewrites tests/data/known_failures.txt with the gold rule cases that fail now, and prints the pass rates.

usage: .venv/bin/python tools/update_known_failures.py
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eventwire import code_text  # noqa: E402
from eventwire.nlp import load_pipeline  # noqa: E402
from eventwire.rulecheck import check_events, check_quotes  # noqa: E402

nlp = load_pipeline()
lines = ["# Gold rule cases the rules do not get right yet (see tests/test_rules_gold.py). Regenerate with",
         "# .venv/bin/python tools/update_known_failures.py"]
for name, check in (("event_rules.jsonl", check_events), ("quote_rules.jsonl", check_quotes)):
    cases = [json.loads(x) for x in (ROOT / "tests/data" / name).read_text().splitlines() if x.strip()]
    failing = []
    for c in cases:
        problems = check(code_text(c["text"], published=c["published"], nlp=nlp), c)
        if problems:
            failing.append(f"{c['id']}  # {problems[0][:110]}")
    print(f"{name}: {len(cases) - len(failing)}/{len(cases)} pass ({(len(cases) - len(failing)) / len(cases):.1%})")
    lines += failing
(ROOT / "tests/data/known_failures.txt").write_text("\n".join(lines) + "\n")
