"""``eventwire.dates.v1``: time expressions, resolved against the publication date.

News writes dates relative to the day it is published: "on Tuesday" is the last Tuesday on or before
that day, unless the sentence looks ahead ("talks slated for Thursday", "will meet on Friday"), when it
is the next one. Months without a year are the last such month, or the next one in a forward-looking
sentence. Values are ISO prefixes with their precision: ``2023-09-19`` (day), ``2023-09`` (month),
``2023`` (year); a week is given by its Monday with precision ``week``. Without a publication date the
relative expressions stay unresolved (value None) rather than guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from spacy.language import Language
from spacy.tokens import Doc

from ..records import TimeExpr

VERSION = "eventwire.dates.v1"  # the stage and its version, recorded with every coded document
FACTORY = "eventwire_dates_v1"  # spaCy forbids dots in factory names

WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9

_WD = "|".join(d for d in calendar.day_name)
_MON = "January|February|March|April|May|June|July|August|September|October|November|December|" \
       "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?"
_PART = r"(?:(?:early|late|earlier|later)\s+)?"

PATTERNS = [
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("month_day_year", re.compile(rf"\b(?:on\s+)?({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")),
    ("day_month_year", re.compile(rf"\b(?:on\s+)?(\d{{1,2}})\s+({_MON}),?\s+(\d{{4}})\b")),
    ("month_day", re.compile(rf"\b(?:on\s+)?({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})(?!\d)")),
    ("day_month", re.compile(rf"\b(?:on\s+)?(\d{{1,2}})\s+({_MON})\b(?!,?\s+\d{{4}})")),
    ("month_year", re.compile(rf"\b(?:in\s+)?{_PART}({_MON})\s+(\d{{4}})\b")),
    ("weekday", re.compile(rf"\b{_PART}(?:on\s+)?(?:(last|next|this)\s+)?({_WD})\b(?:['’]s)?")),
    ("month", re.compile(rf"\b(?:in\s+|since\s+|until\s+|by\s+)?{_PART}({_MON})\b(?!\s+\d)")),
    ("relative_day", re.compile(r"\b(today|tonight|yesterday|tomorrow|later in the day|earlier in the day|"
                                r"this (?:morning|afternoon|evening)|last night)\b", re.I)),
    ("relative_period", re.compile(r"\b(?:(early|earlier|late|later)\s+)?(this|last|next|past)\s+(week|month|year)\b", re.I)),
    ("ago", re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(day|week|month|year)s?\s+ago\b", re.I)),
    ("year", re.compile(r"\b(?:(?:in|since|during|until|till|by|from|before|after|of|early|late|mid-|the|to|through|and)\s+)(1[89]\d\d|20\d\d)\b")),
]

_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10}
_FUTURE = re.compile(r"\b(will|shall|slated|scheduled|due|set (?:for|to)|planned|plans|expected|upcoming|next|"
                     r"to be held|is to|are to|would)\b", re.I)


def _month_num(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + delta
    return m // 12, m % 12 + 1


def resolve(kind: str, m: re.Match, published: dt.date | None, forward: bool) -> tuple[str | None, str | None]:
    """(value, precision) of one match."""
    g = m.groups()
    if kind == "iso":
        try:
            return dt.date(int(g[0]), int(g[1]), int(g[2])).isoformat(), "day"
        except ValueError:
            return None, None
    if kind in ("month_day_year", "day_month_year"):
        mon, day, year = (g[0], g[1], g[2]) if kind == "month_day_year" else (g[1], g[0], g[2])
        try:
            return dt.date(int(year), _month_num(mon), int(day)).isoformat(), "day"
        except ValueError:
            return None, None
    if kind == "month_year":
        return f"{int(g[1]):04d}-{_month_num(g[0]):02d}", "month"
    if kind == "year":
        return g[0], "year"
    if published is None:
        return None, None
    p = published
    if kind in ("month_day", "day_month"):
        mon, day = (g[0], g[1]) if kind == "month_day" else (g[1], g[0])
        month = _month_num(mon)
        year = p.year
        if forward and (month, int(day)) < (p.month, p.day):
            year += 1
        elif not forward and (month, int(day)) > (p.month, p.day):
            year -= 1
        try:
            return dt.date(year, month, int(day)).isoformat(), "day"
        except ValueError:
            return None, None
    if kind == "weekday":
        which, wd = g[0], WEEKDAYS[g[1].lower()]
        delta = (p.weekday() - wd) % 7
        if which == "next" or (forward and which != "last"):
            d = p + dt.timedelta(days=(wd - p.weekday()) % 7 or (7 if which == "next" else 0))
        elif which == "last":
            d = p - dt.timedelta(days=delta or 7)
        else:
            d = p - dt.timedelta(days=delta)
        return d.isoformat(), "day"
    if kind == "month":
        month = _month_num(g[0])
        year = p.year
        if forward and month < p.month:
            year += 1
        elif not forward and month > p.month:
            year -= 1
        return f"{year:04d}-{month:02d}", "month"
    if kind == "relative_day":
        word = g[0].lower()
        offset = {"yesterday": -1, "tomorrow": 1, "last night": -1}.get(word, 0)
        return (p + dt.timedelta(days=offset)).isoformat(), "day"
    if kind == "relative_period":
        which, unit = g[1].lower(), g[2].lower()
        delta = {"this": 0, "last": -1, "past": -1, "next": 1}[which]
        if unit == "year":
            return str(p.year + delta), "year"
        if unit == "month":
            y, mo = _shift_month(p.year, p.month, delta)
            return f"{y:04d}-{mo:02d}", "month"
        monday = p - dt.timedelta(days=p.weekday()) + dt.timedelta(weeks=delta)
        return monday.isoformat(), "week"
    if kind == "ago":
        n = int(g[0]) if g[0].isdigit() else _NUM[g[0].lower()]
        unit = g[1].lower()
        if unit == "day":
            return (p - dt.timedelta(days=n)).isoformat(), "day"
        if unit == "week":
            return (p - dt.timedelta(weeks=n)).isoformat(), "week"
        if unit == "month":
            y, mo = _shift_month(p.year, p.month, -n)
            return f"{y:04d}-{mo:02d}", "month"
        return str(p.year - n), "year"
    return None, None


def find_dates(doc: Doc, published: dt.date | None) -> list[TimeExpr]:
    text = doc.text
    taken: list[tuple[int, int]] = []
    out: list[TimeExpr] = []
    for sent in doc.sents:
        s0, s1 = sent.start_char, sent.end_char
        chunk = text[s0:s1]
        for kind, pattern in PATTERNS:
            for m in pattern.finditer(chunk):
                a, b = m.start() + s0, m.end() + s0
                if kind == "year":
                    a = m.start(1) + s0  # the year alone: its preposition may join a range ("from 1992 to 1995")
                if any(a < y and x < b for x, y in taken):
                    continue
                if kind == "month" and m.group(1).lower().rstrip(".") in ("may", "mar", "march", "jan", "dec", "oct", "nov", "aug", "jun", "jul", "apr", "sep", "feb"):
                    # "may" and bare abbreviations are words too: require a capital and a date-like context
                    word = m.group(1)
                    if not word[0].isupper() or (word.lower() == "may" and not m.group(0).lower().startswith(("in ", "since ", "until ", "by ", "early ", "late "))):
                        continue
                if kind == "weekday" and not m.group(2)[0].isupper():
                    continue
                before = text[max(s0, a - 60) : a]
                after = text[b : min(s1, b + 20)]
                forward = bool(_FUTURE.search(before)) and not re.search(r"\b(said|last|ago)\b", after)
                value, precision = resolve(kind, m, published, forward)
                taken.append((a, b))
                out.append(TimeExpr(text=text[a:b], start=a, end=b, value=value, precision=precision))
    out.sort(key=lambda t: t.start)
    return _ranges(text, out)


_RANGE_OPEN = re.compile(r"\b(from|between)\s+$", re.I)
_RANGE_JOIN = re.compile(r"^\s*(to|until|till|through|and|-|–)\s*$", re.I)


def _ranges(text: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """Join "from Monday to Wednesday", "between March 3 and 5", "2020-2022" into one range."""
    out: list[TimeExpr] = []
    i = 0
    while i < len(found):
        t = found[i]
        if i + 1 < len(found):
            u = found[i + 1]
            joint = text[t.end : u.start]
            opener = _RANGE_OPEN.search(text[max(0, t.start - 9) : t.start])
            if _RANGE_JOIN.match(joint) and (opener or joint.strip() in ("-", "–")) and t.value and u.value:
                start = t.start - len(opener.group(0)) if opener else t.start
                out.append(TimeExpr(text=text[start : u.end], start=start, end=u.end, value=t.value,
                                    precision=t.precision, value_end=u.value))
                i += 2
                continue
        # "between March 3 and 5", "from 3 to 5 June" is left to the patterns: a bare day after a full date
        tail = _DAY_TAIL.match(text, t.end)
        opener = _RANGE_OPEN.search(text[max(0, t.start - 9) : t.start])
        if tail and opener and t.precision == "day" and t.value:
            day = int(tail.group(2))
            try:
                end_value = dt.date.fromisoformat(t.value).replace(day=day).isoformat()
            except ValueError:
                end_value = None
            if end_value:
                start = t.start - len(opener.group(0))
                out.append(TimeExpr(text=text[start : tail.end()], start=start, end=tail.end(), value=t.value,
                                    precision="day", value_end=end_value))
                i += 1
                continue
        out.append(t)
        i += 1
    return out


_DAY_TAIL = re.compile(r"\s*(to|and|until|-|–)\s*(\d{1,2})\b(?!\s*[%A-Za-z])")


class DatesComponent:
    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.ew_dates = find_dates(doc, doc._.ew_published)
        return doc


# reads doc._.ew_published, which the caller sets before the pipe (no component assigns it)
@Language.factory(FACTORY, assigns=["doc._.ew_dates"], requires=["token.is_sent_start"])
def make_dates(nlp: Language, name: str) -> DatesComponent:
    return DatesComponent(nlp, name)
