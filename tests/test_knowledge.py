"""The knowledge tables: each parses, its codes are valid, and its references resolve."""

from __future__ import annotations

import csv
import re

import pytest

from eventwire.knowledge import BUNDLED, load_knowledge

SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "REB", "OPP", "PTY", "CVL", "REF", "MED", "BUS", "NGO", "IGO", "EDU",
           "REL", "LAB", "HLH", "SPY", "ELI", "CRM", "ETH", "AGR", "ENV", "HRI", "PKO", "INS", "SEP", "UAF", "MOD"}

TABLES = {
    "countries.csv": {"iso3", "name", "short_names", "adjectives", "demonyms", "capital", "capital_lat", "capital_lon"},
    "igos.csv": {"code", "name", "aliases", "kind", "sector"},
    "places.csv": {"name", "aliases", "country", "lat", "lon", "feature"},
    "officeholders.csv": {"name", "aliases", "country", "sector", "role", "start", "end", "gender"},
    "titles.csv": {"title", "sector"},
    "sectors.csv": {"term", "sector", "number", "kind", "country"},
    "verbs.csv": {"lemma", "particle", "object", "prep", "cameo", "target"},
    "nouns.csv": {"lemma", "cameo"},
    "cues.csv": {"lemma", "kind"},
    "cameo.csv": {"code", "name", "plover", "goldstein", "quad"},
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_has_its_columns(name):
    with (BUNDLED / name).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert TABLES[name] <= set(reader.fieldnames), name
        rows = list(reader)
    assert rows, f"{name} is empty"


def test_codes_are_valid():
    kb = load_knowledge()
    assert len(kb.countries) >= 193
    for c in kb.countries.values():
        assert re.fullmatch(r"[A-Z]{3}", c.iso3)
        assert c.capital_lat is None or -90 <= c.capital_lat <= 90
    for p in kb.places.values():
        assert p.country in kb.countries or (p.country is None and p.feature in ("sea", "region", "river", "island")), p
        assert p.lat is not None and -90 <= p.lat <= 90 and -180 <= p.lon <= 180, p
    for o in kb.officeholders:
        assert o.country in kb.countries or o.country == "IGO", o
        assert o.sector in SECTORS, o
        assert o.start is None or o.end is None or o.start <= o.end, o
    for row in kb.titles.values():
        assert row["sector"] in SECTORS, row
    for row in kb.sectors.values():
        assert row["sector"] in SECTORS, row


def test_every_trigger_code_is_a_cameo_code():
    kb = load_knowledge()
    for rules in kb.verbs.values():
        for r in rules:
            assert r.cameo in kb.cameo, r
            assert r.target in ("obj", "prep", "none", "ccomp_subj", "reported_subj"), r
    for lemma, code in kb.nouns.items():
        assert code in kb.cameo, (lemma, code)


def test_all_twenty_roots_and_sixteen_plover_types_are_reachable():
    kb = load_knowledge()
    codes = {r.cameo for rules in kb.verbs.values() for r in rules} | set(kb.nouns.values())
    assert {c[:2] for c in codes} >= {f"{i:02d}" for i in range(1, 21)}
    plover = {kb.cameo[c].plover for c in codes if kb.cameo[c].plover}
    assert len(plover) == 16, sorted(plover)


def test_officeholders_by_date():
    kb = load_knowledge()
    import datetime as dt

    assert kb.people("Medvedev", dt.date(2010, 1, 1))[0].role.lower().startswith("president")


def test_a_user_folder_of_tables_is_loaded(tmp_path):
    for name in TABLES:
        (tmp_path / name).write_text((BUNDLED / name).read_text(encoding="utf-8"), encoding="utf-8")
    with (tmp_path / "countries.csv").open("a", encoding="utf-8") as f:
        f.write("XXA,Freedonia,,Freedonian,Freedonians,Fredville,,1.0,1.0,1.0,1.0\n")
    kb = load_knowledge(tmp_path)
    assert kb.countries["XXA"].adjectives == ("Freedonian",)


def test_missing_folder_is_a_clear_error(tmp_path):
    from eventwire import KnowledgeError

    with pytest.raises(KnowledgeError, match="does not exist"):
        load_knowledge(tmp_path / "nope")
