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
        for i in range(1, len(doc)):
            previous = doc[i - 1]
            if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
                if not doc[i].is_space:
                    doc[i].is_sent_start = True
        return doc


@Language.factory(FACTORY, assigns=["token.is_sent_start"], requires=[])
def make_paragraphs(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks(nlp, name)
