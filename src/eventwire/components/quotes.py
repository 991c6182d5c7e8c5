"""``eventwire.quotes.v1``: who said what.

Three passes over a document:

1. **Quote marks.** Curly “ ”, straight ", guillemets « » and single ‘ ’ are paired within a
   paragraph; a quote left open at a paragraph's end continues when the next paragraph opens with the
   same mark (the news convention for long quotes), otherwise the stray mark is ignored. An odd number
   of marks never fails the document.
2. **Cues.** A reporting verb from ``cues.csv`` ("said", "charged", "accused ... of", "denied",
   "implied") with a clause, an object or a quoted span gives the speaker (its subject, the agent of a
   passive, the object of "cited X as saying") and the addressee ("told a visiting official"). "according
   to X" makes X the speaker of its clause.
3. **Kinds.** A quoted span of three or more words tied to a cue is ``direct``; one with no cue right
   after a direct quote continues it (the speaker carries over); reported speech is ``indirect``, and
   ``mixed`` when it quotes a few words of the original. A short quoted span with no speech act is a
   scare quote, not a quote.

Speakers go through ``eventwire.coref``: "she" and "the ministry" resolve to the named actor.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..coref import actor_for
from ..knowledge import load_knowledge
from ..records import ActorRef, Quote
from ..records import Span as TextSpan

VERSION = "eventwire.quotes.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_quotes_v1"  # spaCy forbids dots in factory names

PAIRS = {"“": "”", "«": "»", "„": "“", "‘": "’"}
#: cues whose object is what was said: "accused X of Y", "denied suggestions that ..."
OBJECT_CONTENT = {"accuse", "deny", "blame", "allege", "dispute", "refute", "rebut"}
_MODALS = {"must", "should", "would", "could", "may", "might", "will", "can", "shall"}
_CLAUSE_DEPS = {"ccomp", "xcomp", "parataxis"}
_LETTER = re.compile(r"\w")


@dataclass
class Marked:
    """A quoted stretch of text: [start, end) is the content without the marks."""

    start: int
    end: int
    words: int


def find_marked(text: str) -> list[Marked]:
    """Pair quote marks paragraph by paragraph; never raises on unbalanced marks.

    A quote left open at a paragraph's end continues when the next paragraph opens with the same mark
    (the news convention for long quotes); otherwise it runs to the paragraph's end. A closing mark
    with no opening one closes a quote that began with its paragraph."""
    out: list[Marked] = []
    pending: tuple[int, int, str] | None = None  # (content start, paragraph end, mark) left open
    for para_match in re.finditer(r"[^\n]+", text):
        p0, para = para_match.start(), para_match.group(0)
        lead = len(para) - len(para.lstrip())
        if pending is not None:
            out.append(Marked(pending[0], pending[1], 0))  # continued here, or ran to its paragraph's end
        pending = None
        open_mark: str | None = None
        open_at = 0
        closed_any = False
        for i, ch in enumerate(para):
            if open_mark is None:
                if ch in ("”", "»") and not closed_any and not any(c in para[:i] for c in "“«\""):
                    # "We will fight on,” the commander said: the opening mark is missing
                    if len(re.findall(r"\w+", para[lead:i])) >= 3:
                        out.append(Marked(p0 + lead, p0 + i, 0))
                        closed_any = True
                    continue
                if ch in PAIRS or ch == '"':
                    if ch == "‘" and i > 0 and _LETTER.match(para[i - 1]):
                        continue
                    open_mark, open_at = ch, i
            elif ch == PAIRS.get(open_mark, '"'):
                if ch == "’" and i + 1 < len(para) and _LETTER.match(para[i + 1]):
                    continue  # an apostrophe inside a word, not a closing mark
                out.append(Marked(p0 + open_at + 1, p0 + i, 0))
                open_mark = None
                closed_any = True
        if open_mark is not None and open_mark in ("“", '"', "«"):
            pending = (p0 + open_at + 1, p0 + len(para), open_mark)
    if pending is not None:
        out.append(Marked(pending[0], pending[1], 0))
    result = []
    for m in out:
        m.words = len(re.findall(r"\w+", text[m.start : m.end]))
        if m.words:
            result.append(m)
    result.sort(key=lambda m: m.start)
    return result


class QuoteFinder:
    def __init__(self, kb, doc: Doc):
        self.kb = kb
        self.doc = doc
        self.quotes: list[Quote] = []
        self.sent_starts = [s.start_char for s in doc.sents]
        self.sents = list(doc.sents)
        self.text = doc.text  # Doc.text rebuilds the string from its tokens: read it once

    def sent_at(self, char: int) -> Span:
        return self.sents[max(0, bisect.bisect_right(self.sent_starts, char) - 1)]

    def is_cue(self, tok: Token) -> bool:
        if tok.pos_ not in ("VERB", "AUX") or tok.lemma_ == "be":
            return False
        lemma = tok.lemma_.lower()
        row = self.kb.cues.get(lemma)
        if row and row.get("kind", "verb") == "verb":
            return True
        # phrasal cues from cues.csv: "pointed out that", "made clear that"
        return any(f"{lemma} {c.lower_}" in self.kb.cues for c in tok.children if c.dep_ in ("prt", "dobj", "acomp", "advmod"))

    def speaker_of(self, cue: Token) -> tuple[ActorRef | None, Token | None]:
        doc = self.doc
        subj = next((c for c in cue.children if c.dep_ in ("nsubj", "nsubjpass") and not c.is_punct), None)
        if subj is None and any(c.dep_ == "nsubj" and c.is_punct for c in cue.children):
            # «...,» said the minister: the parser took the closing mark for the subject
            subj = next((c for c in cue.children if c.dep_ in ("nsubj", "dobj", "attr") and not c.is_punct and c.i > cue.i), None)
        head = cue.head.head if cue.head.dep_ == "prep" else cue.head
        if cue.lemma_ in ("cite", "quote") or (cue.i != head.i and head.lemma_ in ("cite", "quote")):
            # "the statement cited Putin as saying", "X was quoted as saying": the one cited speaks
            holder = cue if cue.lemma_ in ("cite", "quote") else head
            obj = next((c for c in holder.children if c.dep_ in ("dobj", "nsubjpass")), None)
            if obj is not None:
                return self._speaker(obj)
        if subj is not None and subj.dep_ == "nsubjpass":
            agent = next((c for c in cue.children if c.dep_ == "agent"), None)
            pobj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
            subj = pobj
        if subj is None:
            head = cue.head
            # "the statement cited Putin as saying"
            if cue.dep_ in ("advcl", "xcomp", "prep", "pcomp") and head.lemma_ in ("cite", "quote"):
                subj = next((c for c in head.children if c.dep_ == "dobj"), None)
            elif cue.dep_ in ("conj", "xcomp", "advcl") and head.i != cue.i:
                subj = next((c for c in head.children if c.dep_ == "nsubj"), None)
            elif cue.dep_ in ("advcl",) and cue.head.pos_ == "VERB":
                subj = next((c for c in head.children if c.dep_ == "nsubj"), None)
        if subj is None:
            # "Speaking to ..., Armen Grigorian ... charged": the participle takes the main subject
            if cue.tag_ == "VBG" and cue.dep_ == "advcl":
                subj = next((c for c in cue.head.children if c.dep_ == "nsubj"), None)
        if subj is None:
            return None, None
        return self._speaker(subj)

    def _speaker(self, subj: Token) -> tuple[ActorRef | None, Token | None]:
        doc = self.doc
        actor = actor_for(doc, subj)
        if actor is not None:
            return actor.ref(), subj
        span = doc[subj.left_edge.i : subj.right_edge.i + 1]
        if len(span) > 8:
            span = doc[subj.i : subj.i + 1]
        return ActorRef(span.start_char, span.end_char, span.text, name=span.text), subj

    def addressee_of(self, cue: Token) -> ActorRef | None:
        if cue.lemma_ in ("tell", "inform", "brief", "assure", "warn", "urge"):
            obj = next((c for c in cue.children if c.dep_ in ("dobj", "dative")), None)
            if obj is not None:
                a = actor_for(self.doc, obj)
                if a is not None:
                    return a.ref()
        for prep in (c for c in cue.children if c.dep_ == "prep" and c.lower_ == "to"):
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            a = actor_for(self.doc, pobj)
            if a is not None:
                return a.ref()
        return None

    def content_of(self, cue: Token) -> tuple[int, int] | None:
        """Token range of what an indirect-speech cue reports."""
        clause = next((c for c in cue.children if c.dep_ in ("ccomp",)), None)
        if clause is None and cue.lemma_ not in ("say", "tell", "add"):
            clause = next((c for c in cue.children if c.dep_ in ("xcomp",) and c.i > cue.i), None)
        if clause is not None:
            start, end = clause.left_edge.i, clause.right_edge.i + 1
            if clause.i < cue.i:
                # "The soldiers died ..., the ministry said": the clause before the cue, up to its comma
                end = min(end, cue.left_edge.i if cue.left_edge.i > start else end)
                subj = next((c for c in cue.children if c.dep_ == "nsubj"), None)
                if subj is not None and subj.left_edge.i > start:
                    end = min(end, subj.left_edge.i)
            if self.doc[start].lower_ == "that":
                start += 1
            # "said the border would stay open, while Varga warned that ...": stop at the next speaker
            for t in self.doc[start:end]:
                if t.i not in (cue.i, clause.i) and self.speaks(t) and any(c.dep_ == "nsubj" for c in t.children):
                    cut = t.left_edge.i
                    while cut > start and (self.doc[cut - 1].is_punct or self.doc[cut - 1].dep_ in ("mark", "cc")):
                        cut -= 1
                    end = min(end, cut)
                    break
            return (start, end) if end > start else None
        obj = next((c for c in cue.children if c.dep_ == "dobj" and c.i > cue.i), None)
        if obj is not None and cue.lemma_ in OBJECT_CONTENT:
            end = obj.right_edge.i + 1
            prep = next((c for c in cue.children if c.dep_ == "prep" and c.lower_ in ("of", "over", "for") and c.i > obj.i), None)
            if prep is not None:
                end = prep.right_edge.i + 1
            return obj.left_edge.i, end
        prep = next((c for c in cue.children if c.dep_ == "prep" and c.lower_ in ("of", "about")), None)
        if prep is not None and cue.lemma_ in ("accuse", "warn", "complain", "speak"):
            return prep.left_edge.i, prep.right_edge.i + 1
        doc = self.doc
        if cue.dep_ == "parataxis" and cue.head.i > cue.i:
            # "The embargo, Olga Sorensen said, would remain in place": the cue sits inside what was said
            head = cue.head
            return head.left_edge.i, head.right_edge.i + 1
        sent = self.sent_at(cue.idx)
        # "said in a statement that ...": the clause hangs under the statement, after "that"
        for t in doc[cue.i + 1 : sent.end]:
            if t.lower_ == "that" and t.dep_ == "mark" and t.head.i > t.i:
                return t.i + 1, t.head.right_edge.i + 1
            if self.is_cue(t):
                break
        if cue.lemma_ in ("say", "add", "claim", "insist", "argue", "predict", "suggest", "warn", "state"):
            # the parse lost the clause ("said the strike could last weeks"): what follows the cue
            start = cue.i + 1
            if start < sent.end and doc[start].dep_ in ("nsubj", "det", "compound", "amod", "nummod") or \
                    (start < sent.end and doc[start].pos_ in ("DET", "NOUN", "PROPN", "PRON", "NUM")):
                end = sent.end
                while end > start and doc[end - 1].is_punct:
                    end -= 1
                if end - start >= 4 and not any(self.is_cue(t) for t in doc[start:end]):
                    return start, end
        return None

    def speaks(self, tok: Token) -> bool:
        """A cue that reports speech that happened: not "must explain", "did not say", "wants to add"."""
        if not self.is_cue(tok) or tok.dep_ == "xcomp":
            return False
        if tok.tag_ == "VBN" and tok.dep_ in ("advcl", "acl") and not any(c.dep_ in ("aux", "auxpass") for c in tok.children):
            return False  # "Asked whether ..., the colonel replied": someone else asked
        return not any(c.dep_ in ("aux", "neg") and c.lower_ in _MODALS | {"not", "n't", "never"} for c in tok.children)

    def is_fragment(self, span: Span) -> bool:
        """Quoted words that are part of the reporter's own sentence ("vowed to “finish the job”",
        "said her country was “open to every proposal”"): the speaker's words, but not a quote that
        stands alone. A quote after a colon, or one that opens its sentence, stands alone; so does one
        with its own subject ("said "we will win" and left")."""
        doc = self.doc
        before = span.start - 1
        while before >= 0 and doc[before].is_punct and doc[before].text not in (":",):
            before -= 1
        if before < 0 or doc[before].text == ":" or doc[before].is_sent_end or doc[before].sent.start != span.sent.start:
            return False
        # the second half of a split quote: «The border,» said X, «will reopen on Monday.»
        opener = span.start - 1
        while opener >= 0 and doc[opener].is_punct and doc[opener].text not in (",",):
            opener -= 1
        if opener >= 0 and doc[opener].text == "," and any(
                t.is_punct and t.text in ("”", "»", '"') for t in doc[span.sent.start : opener]):
            return False
        if any(t.dep_ in ("nsubj", "nsubjpass") and span.start <= t.head.i < span.end for t in span):
            return False
        return True

    def is_term(self, m: Marked) -> bool:
        """A quoted name or label ("a “foreign agent” label"): a scare quote, not the speaker's words."""
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or len(span) > 3:
            return False
        root = span.root
        return root.dep_ in ("compound", "amod", "nmod") and not (span.start <= root.head.i < span.end)

    def colon_speaker(self, char: int) -> tuple[ActorRef | None, Token | None] | None:
        """The subject of the clause a colon closes, when the quote follows the colon."""
        colon = self.text.rfind(":", 0, char)
        span = self.doc.char_span(colon, colon + 1, alignment_mode="expand") if colon >= 0 else None
        if span is None:
            return None
        head = span.root.head
        subj = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < span.start), None)
        if subj is None:
            return None
        speaker = self._speaker(subj)
        return speaker if speaker[0] is not None and (speaker[0].country or speaker[0].kind) else None

    def cue_record(self, cue: Token) -> dict:
        return {"start": cue.idx, "end": cue.idx + len(cue.text), "text": cue.text, "lemma": cue.lemma_.lower()}

    def add(self, kind: str, a: int, b: int, cue: Token | None, speaker: ActorRef | None,
            addressee: ActorRef | None, confidence: float) -> Quote:
        text = self.text
        while a < b and text[a] in " ,:;“”\"«»‘’—–-":
            a += 1
        while b > a and text[b - 1] in " ,:;“”\"«»‘’—–-":
            b -= 1
        sent = self.sent_at(a)
        q = Quote(id=f"q{len(self.quotes) + 1}", kind=kind, content=TextSpan(a, b, text[a:b]),
                  cue=self.cue_record(cue) if cue is not None else None, speaker=speaker, addressee=addressee,
                  confidence=confidence, sentence=TextSpan(sent.start_char, sent.end_char, sent.text))
        self.quotes.append(q)
        return q

    def run(self) -> list[Quote]:
        doc, text = self.doc, self.text
        marked = find_marked(text)
        direct: list[tuple[Marked, Token | None]] = []
        inside_direct = [False] * len(doc)
        used_cues: set[int] = set()
        last_direct: Quote | None = None
        last_direct_sent = -10
        for m in marked:
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            first, last = self.sent_at(m.start), self.sent_at(max(m.start, m.end - 1))
            region = doc[first.start : last.end]
            # the cue: a reporting verb outside the quote in the sentences it spans, or the next one
            # when the quote closes its sentence ("... ," she charged).
            cands = [t for t in region if self.is_cue(t) and not (span.start <= t.i < span.end)]
            if not cands and last.end < len(doc):
                nxt = self.sent_at(doc[last.end].idx)
                if doc[last.end - 1].text in ("”", '"', "»"):
                    cands = [t for t in nxt[:6] if self.is_cue(t)]
            if not cands and first.start > 0 and text[first.start_char - 2 : first.start_char].strip().endswith(":"):
                prev = self.sent_at(first.start_char - 2)
                cands = [t for t in prev if self.is_cue(t)]
            phrase = re.search(r"\baccording to\b", region.text)
            cue = min(cands, key=lambda t: min(abs(t.i - span.start), abs(t.i - span.end))) if cands else None
            sent_idx = bisect.bisect_right(self.sent_starts, m.start) - 1
            long_enough = m.words >= 3
            colon = text[max(0, m.start - 3) : m.start - 1].rstrip().endswith(":")
            if cue is not None and long_enough and not self.is_fragment(span):
                speaker, _ = self.speaker_of(cue)
                q = self.add("direct", m.start, m.end, cue, speaker, self.addressee_of(cue), 0.9 if speaker else 0.6)
                used_cues.add(cue.i)
                last_direct, last_direct_sent = q, sent_idx
            elif cue is not None and long_enough:
                # a few words quoted inside reported speech: a mixed quote
                content = self.content_of(cue)
                if content and content[0] <= span.start and span.end <= content[1]:
                    continue  # the indirect pass makes the cue's whole report a mixed quote
                speaker, _ = self.speaker_of(cue)
                self.add("mixed", m.start, m.end, cue, speaker, self.addressee_of(cue), 0.7 if speaker else 0.5)
                used_cues.add(cue.i)
            elif colon and long_enough and self.colon_speaker(m.start) is not None:
                # "Defence Minister Keiko Arai was blunt: “Our patience is not unlimited.”"
                speaker, _ = self.colon_speaker(m.start)
                q = self.add("direct", m.start, m.end, None, speaker, None, 0.75)
                last_direct, last_direct_sent = q, sent_idx
            elif cue is None and long_enough and last_direct is not None and sent_idx - last_direct_sent <= 2:
                # a continuation with no cue of its own: the speaker carries over
                q = self.add("direct", m.start, m.end, None, last_direct.speaker, None, 0.7)
                last_direct_sent = sent_idx
            elif phrase and long_enough:
                continue  # "according to X": the indirect pass takes it
            elif m.words >= 6 and region.start_char >= m.start - 1 and region.end_char <= m.end + 2:
                # a whole quoted sentence with no cue and no earlier speaker
                self.add("direct", m.start, m.end, None, None, None, 0.3)
            else:
                continue
            for i in range(span.start, span.end):
                inside_direct[i] = True
        # indirect and mixed speech
        for tok in doc:
            if tok.i in used_cues or inside_direct[tok.i] or not self.is_cue(tok):
                continue
            if not self.speaks(tok):
                continue  # "must explain", "did not say": no speech happened
            content = self.content_of(tok)
            if content is None:
                continue
            a, b = content
            if any(inside_direct[i] for i in range(a, b)):
                continue
            speaker, _ = self.speaker_of(tok)
            if speaker is None:
                continue
            ca, cb = doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text)
            mixed = any(m.start >= ca and m.end <= cb and not self.is_term(m) for m in marked)
            self.add("mixed" if mixed else "indirect", ca, cb, tok, speaker, self.addressee_of(tok), 0.75)
        # "according to X"
        for tok in doc:
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                to = doc[tok.i + 1]
                pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
                actor = actor_for(doc, pobj)
                if actor is None:
                    continue
                sent = self.sent_at(tok.idx)
                phrase_end = (pobj.right_edge.i if pobj is not None else to.i) + 1
                if tok.i - sent.start > 1:
                    a, b = sent.start, tok.i
                else:
                    a, b = phrase_end, sent.end
                # "According to X, Putin welcomed the deal and said ...": Putin's own words are his quote,
                # which X only relays; the relay is recorded on that quote, not as a quote of its own
                inner = [q for q in self.quotes if q.cue and doc[a].idx <= q.content.start < doc[b - 1].idx + 1
                         and q.speaker is not None]
                if inner:
                    for q in inner:
                        q.relayed_by = actor.ref()
                    continue
                while b > a and doc[b - 1].is_punct:
                    b -= 1
                if b <= a:
                    continue
                ca, cb = doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text)
                q = self.add("indirect", ca, cb, None, actor.ref(), None, 0.7)
                q.cue = {"start": tok.idx, "end": to.idx + 2, "text": "according to", "lemma": "according to"}
        self.quotes.sort(key=lambda q: q.content.start)
        for n, q in enumerate(self.quotes, 1):
            q.id = f"q{n}"
        return self.quotes


class QuotesComponent:
    def __init__(self, nlp: Language, name: str, knowledge: str = ""):
        self.name = name
        self.kb = load_knowledge(knowledge or None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.ew_quotes = QuoteFinder(self.kb, doc).run()
        return doc


@Language.factory(
    FACTORY,
    default_config={"knowledge": ""},
    assigns=["doc._.ew_quotes"],
    requires=["doc._.ew_actors", "token.dep", "token.lemma"],
)
def make_quotes(nlp: Language, name: str, knowledge: str) -> QuotesComponent:
    return QuotesComponent(nlp, name, knowledge)
