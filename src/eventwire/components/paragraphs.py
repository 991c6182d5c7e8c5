"""``eventwire.paragraphs.v1``: a line break ends a sentence.

News text puts headlines, datelines, captions and paragraphs on lines of their own; the statistical parser
often runs a headline into the first paragraph. Marking the token after a line break as a sentence start,
before the parser runs, keeps them apart (the parser respects boundaries already set).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

VERSION = "eventwire.paragraphs.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_paragraphs_v1"  # spaCy forbids dots in factory names


class ParagraphBreaks:
    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        at = 0
        while True:
            at = text.find("\n", at)
            if at < 0:
                return doc
            span = doc.char_span(at, at + 1, alignment_mode="expand")
            nxt = span.end if span is not None else None
            while nxt is not None and nxt < len(doc) and doc[nxt].is_space:
                nxt += 1
            if nxt is not None and 0 < nxt < len(doc):
                doc[nxt].is_sent_start = True
            at += 1


@Language.factory(FACTORY, assigns=["token.is_sent_start"], requires=[])
def make_paragraphs(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks(nlp, name)
