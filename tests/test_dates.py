"""Time expressions resolved against the publication date (named cases, each a rule)."""

from __future__ import annotations

import pytest

CASES = [
    # text, published, expression, value
    ("The army attacked the town on Tuesday.", "2023-09-20", "on Tuesday", "2023-09-19"),
    ("Talks are slated for Thursday in Geneva.", "2023-09-20", "Thursday", "2023-09-21"),
    ("The ministers met on Wednesday.", "2023-09-20", "on Wednesday", "2023-09-20"),
    ("They spoke late on Tuesday.", "2023-09-20", "late on Tuesday", "2023-09-19"),
    ("The court issued a warrant in February.", "2023-09-20", "in February", "2023-02"),
    ("The summit will be held in March.", "2023-09-20", "in March", "2024-03"),
    ("The deal was signed earlier this month.", "2023-09-20", "earlier this month", "2023-09"),
    ("Protests erupted last month.", "2023-01-05", "last month", "2022-12"),
    ("Fighting resumed during the 2020 war.", "2023-09-20", "2020", "2020"),
    ("The envoy arrived yesterday.", "2024-03-01", "yesterday", "2024-02-29"),
    ("The vote was held on March 3, 2022.", "2023-09-20", "March 3, 2022", "2022-03-03"),
    ("Troops withdrew on 14 July.", "2023-09-20", "14 July", "2023-07-14"),
    ("Rebels seized the port three days ago.", "2023-09-20", "three days ago", "2023-09-17"),
    ("The president will travel next week.", "2023-09-20", "next week", "2023-09-25"),
]


@pytest.mark.parametrize("text,published,expression,value", CASES, ids=[c[2] for c in CASES])
def test_resolves(code, text, published, expression, value):
    d = code(text, published)
    hits = [t for t in d.dates if expression in t.text]
    assert hits, [t.text for t in d.dates]
    assert hits[0].value == value


def test_no_publication_date_leaves_relative_dates_unresolved(code):
    d = code("The army attacked the town on Tuesday.", None)
    assert d.dates and d.dates[0].value is None
    assert any("publication date" in w for w in d.warnings)


def test_may_the_verb_is_not_a_month(code):
    d = code("Russia may be leaving the region, he suggested.", "2023-09-20")
    assert not d.dates


RANGES = [
    ("Talks ran from Monday to Wednesday.", "2024-03-08", "2024-03-04", "2024-03-06"),
    ("Voting will take place between March 3 and 5.", "2024-01-10", "2024-03-03", "2024-03-05"),
    ("The war lasted from 1992 to 1995.", "2024-01-10", "1992", "1995"),
]


@pytest.mark.parametrize("text,published,start,end", RANGES, ids=[r[0] for r in RANGES])
def test_ranges(code, text, published, start, end):
    d = code(text, published)
    assert [(t.value, t.value_end) for t in d.dates] == [(start, end)]


def test_event_without_its_own_date_says_it_took_the_publication_date(code):
    d = code("Chile praised Peru.", "2024-01-10")
    assert (d.events[0].date, d.events[0].date_precision) == ("2024-01-10", "published")
