"""``eventwire evaluate``: score the coder on gold files (a thin shell over ``eventwire.evaluate``)."""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import EventwireError, InputError
from .evaluate import evaluate_document, evaluate_sentences, load_json
from .knowledge import load_knowledge
from .nlp import load_pipeline
from .pipeline import code_text

DEFAULT_GOLD = [pathlib.Path("../shared/eval/seed_gold.json"), pathlib.Path("../shared/eval/plover_gsr/PLOVER_GSR_CAMEO.json")]


def _document_text(gold_path: pathlib.Path, gold: dict, text: Optional[str]) -> pathlib.Path:
    if text:
        return pathlib.Path(text)
    if gold.get("document"):
        # seed_gold.json names its article relative to the folder above eval/
        for base in (gold_path.parent, gold_path.parent.parent):
            candidate = base / gold["document"]
            if candidate.exists():
                return candidate
    raise InputError(str(gold_path), "is document gold but its article was not found; pass --text ARTICLE")


def evaluate(
    gold: Annotated[Optional[list[str]], typer.Argument(help="Gold files: document gold (seed_gold.json style) or sentence gold (PLOVER GSR style). Default: both from ../shared/eval.")] = None,
    text: Annotated[Optional[str], typer.Option(help="The article a document gold file annotates (default: its 'document' field).")] = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date of that article (default: the gold's 'published').")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the measures as JSON.")] = False,
    model: Annotated[Optional[str], typer.Option(help="Another installed spaCy pipeline.")] = None,
    lexicon: Annotated[Optional[str], typer.Option(help="Your YAML file of extra verb and noun triggers.")] = None,
) -> None:
    """Score the pipeline on gold files: events (per-type precision, recall and F1, confusion, full triple),
    quotes, places and dates."""
    out = Console()
    err = Console(stderr=True)
    paths = [pathlib.Path(g) for g in gold] if gold else [p for p in DEFAULT_GOLD if p.exists()]
    if not paths:
        err.print("eventwire: no gold file given and none found in ../shared/eval; pass GOLD paths")
        raise typer.Exit(2)
    try:
        nlp = load_pipeline(model, None, lexicon)
        countries = set(load_knowledge().countries)
        results = {}
        for path in paths:
            if not path.exists():
                raise InputError(str(path), "does not exist")
            data = load_json(path)
            if isinstance(data, list):
                results[str(path)] = evaluate_sentences(data, nlp, countries)
            elif isinstance(data, dict) and ("events" in data or "quotes" in data):
                article = _document_text(path, data, text)
                doc = code_text(article.read_text(encoding="utf-8"), published=published or data.get("published"), nlp=nlp)
                results[str(path)] = evaluate_document(doc, data)
            else:
                raise InputError(str(path), "is neither document gold (an object with events/quotes) nor sentence gold (a list)")
    except (EventwireError, ValueError) as exc:
        err.print(f"[red]eventwire:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if json_out:
        sys.stdout.write(json.dumps(results, indent=1) + "\n")
        return
    for path, r in results.items():
        out.rule(path)
        if "per_type" in r:
            summary = Table(show_header=False)
            for k in ("records", "type_accuracy", "type_in_any_event", "full_triple_accuracy", "no_event"):
                summary.add_row(k, str(r[k]))
            out.print(summary)
            t = Table(title="per PLOVER type")
            for col in ("type", "precision", "recall", "F1", "support"):
                t.add_column(col)
            for label, m in r["per_type"].items():
                t.add_row(label, str(m["precision"]), str(m["recall"]), str(m["f1"]), str(m["support"]))
            out.print(t)
            predicted = sorted({p for row in r["confusion"].values() for p in row})
            c = Table(title="confusion (rows: gold, columns: predicted)")
            c.add_column("gold")
            for p in predicted:
                c.add_column(p[:4])
            for g, row in r["confusion"].items():
                c.add_row(g, *[str(row.get(p, "")) for p in predicted])
            out.print(c)
        else:
            t = Table(show_header=False)
            for k, v in r.items():
                t.add_row(k, json.dumps(v) if isinstance(v, list) else str(v))
            out.print(t)
