"""People known beyond the shipped officeholder table: learned from earlier texts, or given by the user.

``PeopleBook`` holds the entries a run of the coder consults, in this order of authority:

1. the user's own file (``--actors FILE``, YAML): corrections and additions, which win over everything;
2. the shipped officeholder table and the text's own titles and appositives (the actors stage);
3. what stored documents taught (``learned_actors`` in the store): used only when neither of the above
   says who a person is.

The user file is a YAML list::

    - name: Armen Grigorian
      aliases: [Grigorian, Armen Grigoryan]
      country: ARM
      sector: GOV
      role: Secretary of the Security Council
      start: 2018-05-11      # optional
      end:                   # optional
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from dataclasses import dataclass, field

from .errors import KnowledgeError

__all__ = ["PersonEntry", "PeopleBook", "load_user_actors"]

_ISO = re.compile(r"^([A-Z]{3}|IGO)$")


@dataclass(frozen=True, slots=True)
class PersonEntry:
    name: str
    names: tuple[str, ...]
    country: str | None
    sector: str | None
    role: str | None
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = "user"  # user or learned
    evidence: str | None = None

    def holds_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass
class PeopleBook:
    """Read-only lookups over user and learned entries (build it, then share it between documents)."""

    user: dict[str, list[PersonEntry]] = field(default_factory=dict)
    learned: dict[str, list[PersonEntry]] = field(default_factory=dict)

    def add(self, entry: PersonEntry) -> None:
        table = self.user if entry.source == "user" else self.learned
        for n in entry.names:
            table.setdefault(n.lower(), []).append(entry)

    def _find(self, table: dict[str, list[PersonEntry]], name: str, day: dt.date | None) -> PersonEntry | None:
        found = table.get(name.lower(), [])
        for e in found:
            if e.holds_on(day):
                return e
        return None

    def user_entry(self, name: str, day: dt.date | None = None) -> PersonEntry | None:
        return self._find(self.user, name, day)

    def learned_entry(self, name: str, day: dt.date | None = None) -> PersonEntry | None:
        return self._find(self.learned, name, day)

    def __len__(self) -> int:
        return len({id(e) for v in (*self.user.values(), *self.learned.values()) for e in v})

    @classmethod
    def from_rows(cls, rows: list[dict], user: list[PersonEntry] | None = None) -> PeopleBook:
        """A book from ``Store.learned_actors()`` rows and the user's entries."""
        book = cls()
        for e in user or []:
            book.add(e)
        for r in rows:
            names = [r["name"]]
            if len(r["name"].split()) > 1:
                names.append(r["name"].split()[-1])
            book.add(PersonEntry(name=r["name"], names=tuple(names), country=r.get("country"), sector=r.get("sector"),
                                 role=r.get("role"), source="learned", evidence=r.get("evidence_text")))
        return book


def _date(value, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise KnowledgeError(f"{where}: {value!r} is not a date YYYY-MM-DD") from None


def load_user_actors(path: str | pathlib.Path) -> list[PersonEntry]:
    """Read a user's YAML file of people; every problem names the file and the entry."""
    import yaml

    path = pathlib.Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: is not valid YAML ({exc})") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise KnowledgeError(f"{path}: expected a list of people (name, country, sector, role ...)")
    out = []
    for i, item in enumerate(data, 1):
        where = f"{path}, entry {i}"
        if not isinstance(item, dict) or not item.get("name"):
            raise KnowledgeError(f"{where}: each entry needs at least a name")
        country = (item.get("country") or "").upper() or None
        if country and not _ISO.match(country):
            raise KnowledgeError(f"{where}: country {country!r} is not an ISO alpha-3 code or IGO")
        aliases = item.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        out.append(PersonEntry(
            name=str(item["name"]), names=tuple(dict.fromkeys([str(item["name"]), *map(str, aliases)])),
            country=country, sector=(item.get("sector") or None), role=item.get("role"),
            start=_date(item.get("start"), where), end=_date(item.get("end"), where), source="user",
        ))
    return out
