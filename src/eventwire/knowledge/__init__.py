"""The knowledge base: tables we write and ship as CSV, and their loader.

Each table is plain CSV a user can read and extend (``"|"`` separates several values in one field):

==================  =====================================================================
countries.csv       ISO alpha-3, names, adjectives, demonyms, capital and coordinates
igos.csv            international organisations, courts and NGOs
places.csv          cities, regions and other places, with their state and coordinates
officeholders.csv   who held which office in which country, from when to when
groups.csv          armed groups, parties, movements and ethnic groups, with their country and sector
given_names.csv     given names that tell a person's gender, for resolving he and she
titles.csv          titles that give a person a sector ("foreign minister" -> GOV)
sectors.csv         collective nouns that name a sector ("troops" -> MIL, "Kremlin" -> RUS GOV)
verbs.csv           verb triggers -> CAMEO codes (with particle, object and target rules)
nouns.csv           nominal event triggers -> CAMEO codes ("ceasefire" -> 0871)
cues.csv            reporting verbs and phrases that introduce quotes
cameo.csv           every CAMEO code with its PLOVER type, mode, context, Goldstein weight, QuadClass
==================  =====================================================================

``load_knowledge(path)`` reads a folder of these tables (the bundled one by default) into a
``KnowledgeBase``; it is cached per folder, and the object is never mutated after loading.
``load_knowledge(path, lexicon=FILE)`` adds a user's YAML lexicon of extra verb and noun triggers::

    verbs:
      - {lemma: lambast, cameo: "111", target: obj}
      - {lemma: airlift, object: aid|food|supply, prep: to, cameo: "073", target: prep}
    nouns:
      - {lemma: airlift, cameo: "073"}

Its rows come before the shipped ones for the same lemma, so they win.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import pathlib
from dataclasses import dataclass, field

__all__ = [
    "KnowledgeBase",
    "Country",
    "Organisation",
    "PlaceEntry",
    "Officeholder",
    "Group",
    "VerbRule",
    "CameoCode",
    "load_knowledge",
    "BUNDLED",
]

BUNDLED = pathlib.Path(__file__).resolve().parent


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _read(folder: pathlib.Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]


@dataclass(frozen=True, slots=True)
class Country:
    iso3: str
    name: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...]
    demonyms: tuple[str, ...]
    capital: str | None
    capital_names: tuple[str, ...]
    capital_lat: float | None
    capital_lon: float | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Organisation:
    code: str
    name: str
    names: tuple[str, ...]
    kind: str  # igo, ngo, court
    sector: str

    @property
    def country(self) -> str | None:
        """International bodies are coded IGO; NGOs carry no country."""
        return None if self.kind == "ngo" else "IGO"


@dataclass(frozen=True, slots=True)
class PlaceEntry:
    key: str
    name: str
    names: tuple[str, ...]
    country: str | None
    lat: float | None
    lon: float | None
    feature: str
    population: int | None
    geonameid: int | None = None


@dataclass(frozen=True, slots=True)
class Officeholder:
    name: str
    names: tuple[str, ...]
    country: str
    sector: str
    role: str
    start: dt.date | None
    end: dt.date | None
    gender: str | None

    def holds_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Group:
    """An armed group, party, movement or ethnic group, as it was between ``start`` and ``end``."""

    name: str
    names: tuple[str, ...]
    country: str | None
    sector: str
    kind: str
    start: dt.date | None
    end: dt.date | None

    def holds_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class VerbRule:
    lemma: str
    particle: str
    objects: tuple[str, ...]
    prep: str
    cameo: str
    target: str
    note: str

    @property
    def specificity(self) -> int:
        return bool(self.particle) + bool(self.objects) * 2 + bool(self.prep)


@dataclass(frozen=True, slots=True)
class CameoCode:
    code: str
    name: str
    plover: str | None
    mode: str | None
    context: str | None
    goldstein: float | None
    quad: int


@dataclass(slots=True)
class KnowledgeBase:
    folder: pathlib.Path
    countries: dict[str, Country] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    places: dict[str, PlaceEntry] = field(default_factory=dict)
    officeholders: list[Officeholder] = field(default_factory=list)
    groups: dict[str, list[Group]] = field(default_factory=dict)  # canonical name (lower) -> rows by date
    group_names: dict[str, str] = field(default_factory=dict)  # any name or alias -> canonical name (lower)
    given_names: dict[str, str] = field(default_factory=dict)  # lower-case given name -> m or f
    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    sectors: dict[str, dict[str, str]] = field(default_factory=dict)
    verbs: dict[str, list[VerbRule]] = field(default_factory=dict)
    nouns: dict[str, str] = field(default_factory=dict)
    cues: dict[str, dict[str, str]] = field(default_factory=dict)
    cameo: dict[str, CameoCode] = field(default_factory=dict)
    # derived lookups
    people_by_name: dict[str, list[Officeholder]] = field(default_factory=dict)

    # ------------------------------------------------------------------ lookups
    def cameo_info(self, code: str) -> CameoCode | None:
        """The CAMEO entry for a code, falling back to its three- and two-digit parents."""
        for c in (code, code[:3], code[:2]):
            if c in self.cameo:
                return self.cameo[c]
        return None

    def people(self, name: str, day: dt.date | None = None) -> list[Officeholder]:
        """Officeholders known by this name, those in office on ``day`` first."""
        found = self.people_by_name.get(name.lower(), [])
        return sorted(found, key=lambda o: (not o.holds_on(day), -(o.start or dt.date.min).toordinal()))

    def group(self, name: str, day: dt.date | None = None) -> Group | None:
        """The group known by this name or alias, as it stood on ``day``."""
        rows = self.groups.get(self.group_names.get(name.lower(), ""), [])
        for g in rows:
            if g.holds_on(day):
                return g
        return rows[0] if rows else None

    def title(self, words: str) -> dict[str, str] | None:
        return self.titles.get(words.lower())

    def sector_term(self, words: str) -> dict[str, str] | None:
        return self.sectors.get(words.lower())


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _build(folder: pathlib.Path) -> KnowledgeBase:
    kb = KnowledgeBase(folder=folder)
    for r in _read(folder, "countries.csv"):
        iso = r["iso3"].upper()
        kb.countries[iso] = Country(
            iso3=iso,
            name=r["name"],
            names=tuple(dict.fromkeys([r["name"], *_split(r.get("short_names"))])),
            adjectives=tuple(_split(r.get("adjectives"))),
            demonyms=tuple(_split(r.get("demonyms"))),
            capital=r.get("capital") or None,
            capital_names=tuple(dict.fromkeys([n for n in [r.get("capital"), *_split(r.get("capital_aliases"))] if n])),
            capital_lat=_float(r.get("capital_lat")),
            capital_lon=_float(r.get("capital_lon")),
            lat=_float(r.get("lat")),
            lon=_float(r.get("lon")),
        )
    for r in _read(folder, "igos.csv"):
        kb.organisations[r["code"]] = Organisation(
            code=r["code"],
            name=r["name"],
            names=tuple(dict.fromkeys([r["name"], *_split(r.get("aliases"))])),
            kind=r.get("kind") or "igo",
            sector=r.get("sector") or "IGO",
        )
    for i, r in enumerate(_read(folder, "places.csv")):
        pop = r.get("population") or ""
        gid = r.get("geonameid") or ""
        # a multinational feature (a sea, a region such as "Latin America") has no country
        key = f"{r['country']}:{r['name']}"
        if key in kb.places:
            key = f"{key}:{i}"
        kb.places[key] = PlaceEntry(
            key=key,
            name=r["name"],
            names=tuple(dict.fromkeys([r["name"], *_split(r.get("aliases"))])),
            country=r["country"].upper() or None,
            lat=_float(r.get("lat")),
            lon=_float(r.get("lon")),
            feature=r.get("feature") or "place",
            population=int(float(pop)) if pop.replace(".", "", 1).isdigit() else None,
            geonameid=int(gid) if gid.isdigit() else None,
        )
    for r in _read(folder, "officeholders.csv"):
        o = Officeholder(
            name=r["name"],
            names=tuple(dict.fromkeys([r["name"], *_split(r.get("aliases"))])),
            country=r["country"].upper(),
            sector=r.get("sector") or "GOV",
            role=r.get("role") or "",
            start=_date(r.get("start", "")),
            end=_date(r.get("end", "")),
            gender=r.get("gender") or None,
        )
        kb.officeholders.append(o)
        for n in o.names:
            kb.people_by_name.setdefault(n.lower(), []).append(o)
    for r in _read(folder, "groups.csv"):
        g = Group(
            name=r["name"],
            names=tuple(dict.fromkeys([r["name"], *_split(r.get("aliases"))])),
            country=(r.get("country") or "").upper() or None,
            sector=r.get("sector") or "REB",
            kind=r.get("kind") or "armed_group",
            start=_date(r.get("start", "")),
            end=_date(r.get("end", "")),
        )
        key = g.name.lower()
        kb.groups.setdefault(key, []).append(g)
        for n in g.names:
            kb.group_names.setdefault(n.lower(), key)
    for r in _read(folder, "given_names.csv"):
        if r.get("gender") in ("m", "f"):
            kb.given_names[r["name"].lower()] = r["gender"]
    for r in _read(folder, "titles.csv"):
        kb.titles[r["title"].lower()] = r
    for r in _read(folder, "sectors.csv"):
        kb.sectors[r["term"].lower()] = r
    for r in _read(folder, "verbs.csv"):
        rule = VerbRule(
            lemma=r["lemma"].lower(),
            particle=r.get("particle", "").lower(),
            objects=tuple(o.lower() for o in _split(r.get("object"))),
            prep=r.get("prep", "").lower(),
            cameo=r["cameo"],
            target=r.get("target") or ("prep" if r.get("prep") else "obj"),
            note=r.get("note", ""),
        )
        kb.verbs.setdefault(rule.lemma, []).append(rule)
    for rules in kb.verbs.values():
        rules.sort(key=lambda v: -v.specificity)
    for r in _read(folder, "nouns.csv"):
        kb.nouns.setdefault(r["lemma"].lower(), r["cameo"])
    for r in _read(folder, "cues.csv"):
        kb.cues[r["lemma"].lower()] = r
    for r in _read(folder, "cameo.csv"):
        kb.cameo[r["code"]] = CameoCode(
            code=r["code"],
            name=r["name"],
            plover=r.get("plover") or None,
            mode=r.get("mode") or None,
            context=r.get("context") or None,
            goldstein=_float(r.get("goldstein")),
            quad=int(r["quad"]),
        )
    return kb


def _add_lexicon(kb: KnowledgeBase, path: pathlib.Path) -> KnowledgeBase:
    """A copy of ``kb`` with the user's verb and noun triggers first."""
    import copy

    import yaml

    from ..errors import KnowledgeError

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: is not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not set(data) <= {"verbs", "nouns"}:
        raise KnowledgeError(f"{path}: expected a mapping with 'verbs' and/or 'nouns' lists")
    out = copy.copy(kb)
    out.verbs = {k: list(v) for k, v in kb.verbs.items()}
    out.nouns = dict(kb.nouns)
    for i, r in enumerate(data.get("verbs") or [], 1):
        code = str(r.get("cameo", "")) if isinstance(r, dict) else ""
        if not isinstance(r, dict) or not r.get("lemma") or code not in kb.cameo:
            raise KnowledgeError(f"{path}, verbs entry {i}: needs a lemma and a CAMEO code from cameo.csv (got {r!r})")
        target = r.get("target") or ("prep" if r.get("prep") else "obj")
        if target not in ("obj", "prep", "none", "ccomp_subj", "reported_subj"):
            raise KnowledgeError(f"{path}, verbs entry {i}: target must be obj, prep, none or ccomp_subj")
        rule = VerbRule(lemma=str(r["lemma"]).lower(), particle=str(r.get("particle") or "").lower(),
                        objects=tuple(o.lower() for o in _split(str(r.get("object") or ""))),
                        prep=str(r.get("prep") or "").lower(), cameo=code, target=target,
                        note=str(r.get("note") or f"user lexicon {path.name}"))
        rules = out.verbs.setdefault(rule.lemma, [])
        rules.insert(0, rule)
        rules.sort(key=lambda v: -v.specificity)  # stable: the user's row stays ahead of equals
    for i, r in enumerate(data.get("nouns") or [], 1):
        code = str(r.get("cameo", "")) if isinstance(r, dict) else ""
        if not isinstance(r, dict) or not r.get("lemma") or code not in kb.cameo:
            raise KnowledgeError(f"{path}, nouns entry {i}: needs a lemma and a CAMEO code from cameo.csv (got {r!r})")
        out.nouns[str(r["lemma"]).lower()] = code
    return out


@functools.lru_cache(maxsize=8)
def _cached(folder: str, lexicon: str | None = None) -> KnowledgeBase:
    kb = _build(pathlib.Path(folder)) if lexicon is None else _cached(folder)
    return _add_lexicon(kb, pathlib.Path(lexicon)) if lexicon else kb


def load_knowledge(path: str | pathlib.Path | None = None, lexicon: str | pathlib.Path | None = None) -> KnowledgeBase:
    """Load the knowledge tables from ``path`` (a folder), or the bundled ones, plus an optional user
    lexicon (YAML). Cached per (folder, lexicon)."""
    folder = pathlib.Path(path).resolve() if path else BUNDLED
    if not folder.is_dir():
        from ..errors import KnowledgeError

        raise KnowledgeError(f"knowledge folder {folder} does not exist; pass a folder of eventwire CSV tables")
    if lexicon is not None and not pathlib.Path(lexicon).is_file():
        from ..errors import KnowledgeError

        raise KnowledgeError(f"lexicon {lexicon} does not exist; pass a YAML file of verbs and nouns")
    return _cached(str(folder), str(pathlib.Path(lexicon).resolve()) if lexicon else None)
