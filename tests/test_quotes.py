"""Quote marks and quote attribution: named cases."""

from __future__ import annotations

from eventwire.components.quotes import find_marked


def contents(text):
    return [text[m.start : m.end] for m in find_marked(text)]


def test_curly_straight_guillemets_and_single():
    text = 'He said “one two three”. She said "four five six". « sept huit neuf » and ‘ten eleven twelve’.'
    assert contents(text) == ["one two three", "four five six", " sept huit neuf ", "ten eleven twelve"]


def test_apostrophes_are_not_closing_marks():
    text = "‘Karabakh’s people can’t wait,’ she said."
    assert contents(text) == ["Karabakh’s people can’t wait,"]


def test_unbalanced_marks_never_fail():
    for text in ('He said "unclosed and went on.', "“Open “open ” close", '"', "”stray", "‘"):
        find_marked(text)  # no exception
    # an opening mark never closed runs to its paragraph's end, no further
    assert contents('He said "unclosed and went on.\n\nNext paragraph.') == ["unclosed and went on."]
    # a closing mark never opened closes a quote that began with its paragraph
    assert contents("Intro line.\nWe will fight on to the end,” the commander said.") == ["We will fight on to the end,"]


def test_quote_continued_over_paragraphs():
    text = "“First part of it.\n\n“Second part,” he said."
    assert contents(text) == ["First part of it.", "Second part,"]


def test_direct_quote_with_speaker_after(code):
    d = code("“We will not accept this ultimatum,” Finnish Prime Minister Petteri Orpo told reporters.", "2024-02-01")
    q = d.quotes[0]
    assert q.kind == "direct" and q.speaker and "Orpo" in q.speaker.name
    assert q.speaker.country == "FIN"
    assert q.addressee is not None


def test_pronoun_speaker_resolves_to_the_named_woman(code):
    text = ("German Foreign Minister Annalena Baerbock met her Polish counterpart on Monday. "
            "She said that the two countries would coordinate their aid to Ukraine.")
    d = code(text, "2024-02-01")
    q = next(q for q in d.quotes if "coordinate" in q.content.text)
    assert q.kind == "indirect" and "Baerbock" in q.speaker.name


def test_continuation_quote_keeps_the_speaker(code):
    text = "“The border is calm,” the Kenyan defence minister said. “Our troops remain in their positions.”"
    d = code(text, "2024-02-01")
    assert len(d.quotes) == 2
    assert d.quotes[1].speaker is not None and d.quotes[1].speaker.country == "KEN"


def test_scare_quote_is_not_a_quote(code):
    d = code("The so-called “peace plan” was published on Monday.", "2024-02-01")
    assert d.quotes == []


def test_mixed_quote(code):
    d = code("Brazil's foreign minister said the decision was “deeply regrettable” and would be reviewed.", "2024-02-01")
    assert [q.kind for q in d.quotes] == ["mixed"]


def test_according_to(code):
    d = code("More than 300 people were evacuated, according to the United Nations.", "2024-02-01")
    q = d.quotes[0]
    assert q.cue["lemma"] == "according to" and q.speaker.country == "IGO"


def test_according_to_over_a_speakers_words_relays_them(code):
    d = code("According to the Elysee's account of the call, Macron thanked Scholz and said the two leaders would meet "
             "in Paris next month.", "2024-02-01")
    said = [q for q in d.quotes if "meet in Paris" in q.content.text]
    assert len(said) == 1 and "Macron" in said[0].speaker.name
    assert said[0].relayed_by is not None
    assert not [q for q in d.quotes if (q.cue or {}).get("lemma") == "according to"]


def test_given_name_tells_he_from_she(code):
    d = code("Keiko Arai met Paulo Mendes in Lisbon. He said the two countries would sign a fisheries pact.", "2024-02-01")
    q = next(q for q in d.quotes if "fisheries" in q.content.text)
    assert "Mendes" in q.speaker.name


def test_regression_she_keeps_the_woman_named_two_sentences_back(code):
    text = ("Foreign Minister Lucia Arriaga said talks would start in March. Trade would double, she said. "
            "Asked whether Mexico's president would visit Hanoi, she replied that an invitation had been accepted.")
    d = code(text, "2024-02-01")
    q = next(q for q in d.quotes if "invitation" in q.content.text)
    assert "Arriaga" in q.speaker.name
