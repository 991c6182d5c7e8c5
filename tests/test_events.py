"""Event coding: named regression tests, one per bug found or rule added."""

from __future__ import annotations

from eventwire.components.events import intent_code


def _events(d, root):
    return [e for e in d.events if e.cameo.startswith(root)]


def test_regression_tree_walks_terminate(code):
    # spaCy makes a new Token object on every access: a loop that compared tokens with `is` never ended
    d = code("Chad accused Sudan on Monday of shelling a border town near the river.", "2024-04-10")
    assert d.events


def test_negated_blame_is_not_an_accusation(code):
    d = code("The Kenyan army did not confirm the figures or blame Somalia for the raid.", "2024-04-10")
    assert not [e for e in d.events if e.plover == "ACCUSE"]
    assert any(e.negated and e.plover == "ACCUSE" for e in d.nonfactual_events)


def test_failed_to_in_reported_speech_is_the_speakers_accusation(code):
    d = code("Chile's foreign minister said that Peru failed to honour the fishing agreement.", "2024-04-10")
    acc = _events(d, "11")
    assert acc and acc[0].source.country == "CHL" and acc[0].target.country == "PER"
    assert not [e for e in d.events if e.trigger.text == "honour"]


def test_hit_back_with_an_object(code):
    d = code("Greece hit back at Turkey over the airspace dispute.", "2024-04-10")
    e = _events(d, "11")[0]
    assert (e.source.country, e.target.country) == ("GRC", "TUR")


def test_rebuke_prompted_by_someone_targets_them(code):
    d = code("Serbia recognised the new government on Friday, prompting a sharp rebuke from Kosovo.", "2024-04-10")
    e = next(e for e in d.events if e.trigger.text == "rebuke")
    assert (e.source.country, e.target.country) == ("XKX", "SRB")


def test_intent_codes_follow_cameo():
    assert intent_code("0871") == "0356"
    assert intent_code("073") == "0333"
    assert intent_code("190") == "138"
    assert intent_code("112") == "112"


def test_future_act_is_coded_as_intent(code):
    d = code("Japan will send humanitarian aid to Myanmar.", "2024-04-10")
    e = d.events[0]
    assert e.modality == "intended" and e.cameo.startswith("03")
    assert (e.source.country, e.target.country) == ("JPN", "MMR")


def test_compound_subject_is_one_reciprocal_event(code):
    d = code("Egypt and Sudan are cooperating on border security.", "2024-04-10")
    coop = _events(d, "06")
    assert len(coop) == 1 and coop[0].reciprocal
    assert {a.country for a in coop[0].sources} == {"EGY", "SDN"}


def test_compound_modifier_gives_every_country(code):
    d = code("Russian and Chinese diplomats met in Geneva on Monday.", "2024-04-10")
    e = _events(d, "04")[0]
    assert {a.country for a in e.sources} == {"RUS", "CHN"} and e.target is not None


def test_the_content_of_an_accusation_is_alleged_not_asserted(code):
    d = code("Russia accused Ukraine of shelling a hospital in Donetsk.", "2024-04-10")
    assert not [e for e in d.events if e.plover == "ASSAULT"]
    assert any(e.modality == "alleged" for e in d.nonfactual_events)
    assert _events(d, "11")[0].target.country == "UKR"


def test_background_inside_a_denial_stays_factual(code):
    d = code("Armenia denied claims that it angered Moscow by holding joint drills with the United States.",
             "2024-04-10")
    coop = _events(d, "06")
    assert coop and coop[0].target.country == "USA"


def test_could_strike_is_hypothetical(code):
    d = code("Iran could strike Israeli targets within days, analysts said.", "2024-04-10")
    assert not [e for e in d.events if e.plover == "ASSAULT"]


def test_material_conflict_targets_the_country_where_it_happened(code):
    d = code("Israeli jets struck targets in southern Lebanon.", "2024-04-10")
    e = _events(d, "19")[0]
    assert (e.source.country, e.target.country) == ("ISR", "LBN")


def test_regression_headline_is_its_own_sentence(code):
    d = code("Chile and Peru sign fishing pact\n\nChilean President Ana Soto arrived in Lima on Monday.", "2024-04-10")
    assert len(d.sentences) == 2
    assert d.sentences[0].end <= d.text.index("Chilean")


def test_asked_participle_is_not_the_subjects_request(code):
    d = code("Asked about the border, Kenya's president criticised Somalia.", "2024-04-10")
    assert not [e for e in d.events if e.plover == "REQUEST" and e.source and e.source.country == "KEN"]


def test_what_she_called_is_no_phone_call(code):
    d = code("Spain praised Morocco for what she called a brave decision.", "2024-04-10")
    assert not [e for e in d.events if e.cameo.startswith("041")]


def test_speaking_to_nobody_consults_no_one(code):
    d = code("A French official, speaking on condition of anonymity, said Paris would not change course.", "2024-04-10")
    assert not [e for e in d.events if e.plover == "CONSULT"]


def test_protesters_take_the_country_of_their_own_phrase(code):
    d = code("Hundreds of demonstrators in Basra blocked a highway on Monday.", published="2024-05-06")
    protest = [e for e in d.events if e.plover == "PROTEST"]
    assert protest and protest[0].source.country == "IRQ" and protest[0].source.via in ("location", "setting")
    assert protest[0].source.resolved is False
    d = code("A newspaper based in Mombasa violated a ban on reporting.", published="2024-05-06")
    assert d.events and d.events[0].source.country == "KEN"


def test_unnamed_bomber_is_an_unidentified_actor_of_the_place(code):
    d = code("A car bomb near the city of Mosul killed four police officers on Sunday.", published="2016-02-07")
    attack = [e for e in d.events if e.plover == "ASSAULT"]
    assert attack and attack[0].source.country == "IRQ" and attack[0].source.kind == "unidentified"
    assert d.text[attack[0].source.start:attack[0].source.end] == "Mosul"


def test_the_state_on_the_other_side_never_lends_its_country(code):
    d = code("President Halvard Quennell threatened Russia with new measures.", published="2024-05-06")
    threat = [e for e in d.events if e.plover == "THREATEN"]
    assert threat and threat[0].target.country == "RUS"
    assert threat[0].source.country is None


def test_an_official_takes_the_one_country_of_the_sentence(code):
    d = code("Judge Ines Valdivia opened an inquiry into 12 Peruvian mayors accused of bribery.", published="2024-05-06")
    inquiry = [e for e in d.events if e.plover == "ACCUSE"]
    assert inquiry and inquiry[0].source.country == "PER" and inquiry[0].source.via == "setting"


def test_regression_title_before_a_name_is_not_another_president(code):
    # "President" before a name was resolved as the last-seen president (the foreign guest) and lent
    # the host the guest's country
    d = code("President Ilse Vandermeer gave a warm welcome on Thursday to South African leader Cyril Ramaphosa.",
             published="2024-03-07")
    welcome = [e for e in d.events if e.plover == "CONSULT"]
    assert welcome and welcome[0].source.country != "ZAF" and welcome[0].target.country == "ZAF"


def test_regression_abbreviated_state_as_subject(code):
    d = code("The U.S. said it would not meet the kidnappers' demands.", published="2024-03-07")
    assert any(a.country == "USA" and a.kind == "country" for a in d.actors)


def test_regression_nearest_preposition_of_the_verb_names_the_target(code):
    d = code("Chile threatened to break off relations with Bolivia over its ties with Iran.", published="2024-03-07")
    threat = [e for e in d.events if e.plover == "THREATEN"]
    assert threat and threat[0].target.country == "BOL"


def test_declaration_demanding_is_its_issuers_demand(code):
    d = code("The Basque party ETA issued a statement demanding that the Spanish government free prisoners.",
             published="2004-03-07")
    demand = [e for e in d.events if e.plover == "REQUEST"]
    assert demand and demand[0].source is not None and demand[0].target.country == "ESP"


def test_leader_name_makes_a_government(code):
    d = code("The Thatcher government urged Argentina to withdraw.", published="1982-04-07")
    urge = [e for e in d.events if e.plover == "REQUEST"]
    assert urge and urge[0].source.country == "GBR" and urge[0].target.country == "ARG"


def test_an_adjective_on_a_thing_lends_no_country(code):
    # "the Bolivian border" is a place's description, not a party or a setting
    d = code("Transport unions in the Puno region blocked the main highway to the Bolivian border.",
             published="2024-03-07")
    block = [e for e in d.events if e.plover == "PROTEST"]
    assert block and all(e.target is None or e.target.country != "BOL" for e in block)
    assert all(e.source is None or e.source.country != "BOL" for e in block)


def test_swore_to_fight_is_a_threat_not_a_fight(code):
    # spaCy parses "sworn to fight" as an adverbial clause; it is the verb's complement all the same
    d = code("The rebels have sworn to fight until they take the capital.", published="2024-03-07")
    assert any(e.plover == "THREATEN" for e in d.events)
    assert not any(e.plover == "ASSAULT" for e in d.events)


def test_purpose_clause_never_outranks_its_act():
    from eventwire.evaluate import main_event
    from eventwire import code_text
    d = code_text("Algerian landowners began a hunger strike outside parliament to demand the return of their land.",
                  published="2024-03-07")
    assert main_event(d).plover == "PROTEST"


def test_threat_of_attacks_in_a_country_targets_it(code):
    d = code("The militia threatened on Monday to resume attacks in Kenya.", published="2024-03-07")
    threat = [e for e in d.events if e.plover == "THREATEN"]
    assert threat and threat[0].target is not None and threat[0].target.country == "KEN"


def test_security_council_alone_is_the_un_body(code):
    d = code("France vetoed a Security Council resolution on Tuesday.", published="2024-03-07")
    veto = [e for e in d.events if e.plover == "REJECT"]
    assert veto and veto[0].target.country == "IGO"


def test_threatened_attacks_are_not_coded_as_done(code):
    # the noun inside a threat's complement was coded as an asserted assault
    d = code("The militia threatened on Monday to resume attacks in Kenya.", published="2024-03-07")
    assert not any(e.plover == "ASSAULT" for e in d.events)


def test_allowing_a_rally_eases_dissent(code):
    # spaCy parses "allowed X to hold a rally" with a clausal complement; its object still picks the rule
    d = code("The interior minister allowed the opposition to hold a rally in the capital.", published="2024-03-07")
    assert any(e.cameo == "082" for e in d.events)


def test_who_is_engaged_in_an_act_does_it(code):
    d = code("Government troops were engaged in ethnic cleansing in the north, the report said.", published="2024-03-07")
    assert any(e.plover == "ASSAULT" and e.source is not None for e in d.events)


def test_a_general_strike_is_labour_action_not_a_military_strike(code):
    d = code("Unions in Nigeria began a general strike on Monday.", published="2024-03-07")
    assert any(e.plover == "PROTEST" for e in d.events) and not any(e.plover == "ASSAULT" for e in d.events)


def test_an_attitude_to_a_country_is_not_its_nationality(code):
    # "anti-Syria" made the journalist Syrian
    d = code("An anti-Syria journalist was killed in a car bomb explosion in Beirut.", published="2005-06-02")
    attack = [e for e in d.events if e.plover == "ASSAULT"]
    assert attack and attack[0].target is not None and attack[0].target.country != "SYR"


def test_members_from_a_group_take_its_country(code):
    d = code("Doctors from two American aid groups donated medicine to a hospital in Basra.", published="2004-03-07")
    aid = [e for e in d.events if e.plover == "AID"]
    assert aid and aid[0].source.country == "USA"


def test_complaint_to_a_third_party_targets_what_it_is_about(code):
    d = code("Jordan complained to the United Nations on Monday over Syrian shelling.", published="2024-03-07")
    complaint = [e for e in d.events if e.cameo.startswith("11")]
    assert complaint and complaint[0].target.country == "SYR"
