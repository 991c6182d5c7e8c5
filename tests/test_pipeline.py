"""The pipeline's shape: our stages are registered factories, in order, declaring what they read and write."""

from __future__ import annotations

import spacy
from spacy.language import Language

from eventwire import InputError, code_documents, code_text
from eventwire.components import PIPELINE
from eventwire.pipeline import SourceDoc

ORDER = ["ew_knowledge_ruler", "ew_actors", "ew_dates", "ew_places", "ew_quotes", "ew_events"]


def test_stages_run_in_order_after_the_parser(nlp):
    names = nlp.pipe_names
    assert names[-len(ORDER):] == ORDER
    assert names.index("parser") < names.index("ew_knowledge_ruler")
    assert names.index("ner") < names.index("ew_knowledge_ruler")
    # the knowledge ruler also runs before the statistical NER, which labels around what it set
    assert names.index("ew_knowledge_ruler_pre") < names.index("ner")
    assert names.index("ew_paragraphs") < names.index("parser")


def test_each_stage_is_a_versioned_factory_declaring_assigns(nlp):
    for module, name in PIPELINE:
        assert module.VERSION.startswith("eventwire.") and module.VERSION.endswith(".v1")
        meta = Language.get_factory_meta(module.FACTORY)
        assert meta.assigns, module.FACTORY
        # the ruler reads only token text (it also runs before NER); every later stage reads earlier ones
        assert meta.requires or module.FACTORY == "eventwire_knowledge_ruler_v1", module.FACTORY
    analysis = nlp.analyze_pipes()
    assert not analysis["problems"] or all(not v for v in analysis["problems"].values()), analysis["problems"]


def test_the_model_is_loaded_once(nlp):
    from eventwire.nlp import load_pipeline

    assert load_pipeline() is nlp


def test_knowledge_ruler_fixes_people_that_are_places(nlp):
    doc = nlp("Officials in Stepanakert and Yerevan said the Azerbaijani forces had advanced.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Stepanakert") in ("GPE", "LOC")
    assert labels.get("Yerevan") == "GPE"
    assert labels.get("Azerbaijani") == "NORP"


def test_code_text_api(nlp):
    d = code_text("Poland condemned Belarus on Monday.", published="2024-04-10", nlp=nlp)
    assert d.id and d.published == "2024-04-10"
    e = next(e for e in d.events if e.cameo.startswith("11"))
    assert (e.source.country, e.target.country, e.date) == ("POL", "BLR", "2024-04-08")


def test_bad_document_does_not_stop_the_batch(nlp):
    out = list(code_documents([SourceDoc(""), SourceDoc("Chile thanked Peru.", published="2024-01-01"),
                               SourceDoc("abc", published="not a date")], nlp))
    assert isinstance(out[0], InputError) and "empty" in str(out[0])
    assert not isinstance(out[1], InputError)
    assert isinstance(out[2], InputError) and "YYYY-MM-DD" in str(out[2])


def test_long_text_is_coded_in_chunks_with_exact_offsets(nlp):
    para = "Kenya accused Somalia of shelling the border town on Friday. “We will respond,” the minister said.\n\n"
    text = para * 30
    whole = list(code_documents([SourceDoc(text, published="2024-05-05")], nlp, chunk_chars=500))[0]
    assert len(whole.events) >= 30
    for e in whole.events:
        assert text[e.trigger.start : e.trigger.end] == e.trigger.text
        assert text[e.sentence.start : e.sentence.end] == e.sentence.text
    assert len({e.id for e in whole.events}) == len(whole.events)
    for q in whole.quotes:
        assert text[q.content.start : q.content.end] == q.content.text


def test_another_model_name_that_is_not_installed_is_a_clear_error():
    import pytest

    from eventwire import ModelError
    from eventwire.nlp import load_pipeline

    with pytest.raises(ModelError, match="--model"):
        load_pipeline("en_core_web_nonexistent")
