"""Places: our own table first, then the GeoNames gazetteer ranked by the document's countries."""

from __future__ import annotations

from eventwire.knowledge.gazetteer import load_gazetteer


def _place(d, text):
    return next(p for p in d.places if p.text == text)


def test_curated_region_the_gazetteer_lacks(code):
    d = code("Shelling was reported near Stepanakert and in Martakert on Monday.", "2023-09-20")
    p = _place(d, "Stepanakert")
    assert p.country == "AZE" and abs(p.latitude - 39.82) < 0.3


def test_gazetteer_city_with_geonameid(code):
    d = code("Police in Tacna detained twelve protesters, Peru's interior ministry said.", "2024-01-10")
    p = _place(d, "Tacna")
    assert p.country == "PER" and p.geonameid and abs(p.latitude + 18.0) < 0.5


def test_namesakes_follow_the_document_country():
    gazetteer = load_gazetteer()
    assert gazetteer is not None and len(gazetteer) > 10_000
    both = {e.country for e in gazetteer.candidates("Tripoli")}
    assert {"LBY", "LBN"} <= both
    assert gazetteer.resolve("Tripoli", {"LBN": 3}).country == "LBN"
    assert gazetteer.resolve("Tripoli", {"LBY": 1}).country == "LBY"


def test_country_name_is_the_country_not_a_town(code):
    d = code("Armenia and Colombia signed a trade deal.", "2024-01-10")
    assert _place(d, "Armenia").country == "ARM"


def test_capital_acting_is_an_actor_not_a_location(code):
    d = code("Moscow failed to honor its commitments, Yerevan said.", "2024-01-10")
    assert _place(d, "Moscow").role == "actor"
    assert any(a.text == "Moscow" and (a.country, a.sector) == ("RUS", "GOV") for a in d.actors)
