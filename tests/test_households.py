"""Stage 05: address moves, household rules, stable household ids, household rows."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from helpers.household.grouping import MAX_SHARED_CONTACT, _name_tokens, _surname_chance, assign_households
from helpers.household.ids import assign_household_ids
from helpers.household.moves import ADDRESS_FIELDS, apply_moves, standardise_moves
from helpers.household.rules import HouseholdRulesError, load_rules
from helpers.household.traits import household_table, member_table

RULES = load_rules(ROOT / "config" / "households.yaml")


def person(
    pid: str,
    first: str,
    s1: str,
    s2: str | None = None,
    key: str | None = None,
    phones=(),
    emails=(),
    places=None,
    **extra,
) -> dict:
    building = key.rsplit("|", 1)[0] if key else None
    own_place = ["|".join(key.split("|")[:2])] if key else []
    return {
        "person_id": pid,
        "first_name_key": first,
        "surname_1_key": s1,
        "surname_2_key": s2,
        "address_key": key,
        "building_key": building,
        "phones": np.array(phones, dtype=object),
        "emails": np.array(emails, dtype=object),
        "places": np.array(places if places is not None else own_place, dtype=object),
        **extra,
    }


def households(people: list[dict], rule: str = "dwelling") -> dict[str, str]:
    frame = pd.DataFrame(people)
    out = assign_households(frame, dataclasses.replace(RULES, rule=rule))
    return dict(zip(out["person_id"], out["household_key"]))


def together(groups: dict[str, str], a: str, b: str) -> bool:
    return groups[a] == groups[b]


FLAT_1A = "es|28013|calle mayor|5|1-a"
FLAT_2B = "es|28013|calle mayor|5|2-b"
BUILDING = "es|28013|calle mayor|5|"


# --- household rules -------------------------------------------------------------------------


def test_twins_at_one_dwelling_are_one_household_of_two_people():
    people = [person("C1", "ana", "garcia", "lopez", FLAT_1A), person("C2", "eva", "garcia", "lopez", FLAT_1A)]
    for rule in ("dwelling", "family", "address"):
        groups = households(people, rule)
        assert together(groups, "C1", "C2")
        assert len(set(groups.values())) == 1


def test_flatmates_share_a_household_by_dwelling_but_not_by_family():
    people = [
        person("C1", "tom", "jones", None, "gb|sw1a1aa|high street|1|3"),
        person("C2", "kim", "lee", None, "gb|sw1a1aa|high street|1|3"),
    ]
    assert together(households(people, "dwelling"), "C1", "C2")
    assert not together(households(people, "family"), "C1", "C2")


def test_couple_with_different_surnames_stays_together_under_family_only_with_evidence():
    him = person("C1", "jose", "garcia", "lopez", FLAT_1A, phones=["+34911111111"])
    her = person("C2", "maria", "perez", "ruiz", FLAT_1A, phones=["+34911111111"])
    assert together(households([him, her], "family"), "C1", "C2")  # one landline
    her_alone = dict(her, phones=np.array(["+34600000000"], dtype=object))
    assert not together(households([him, her_alone], "family"), "C1", "C2")
    assert together(households([him, her_alone], "dwelling"), "C1", "C2")
    # their child carries both first surnames: the family is linked through the child
    child = person("C3", "lucia", "garcia", "perez", FLAT_1A)
    groups = households([him, her_alone, child], "family")
    assert together(groups, "C1", "C2") and together(groups, "C2", "C3")


def test_a_building_with_many_flats_keeps_flats_apart_and_places_a_flatless_record_on_evidence():
    people = [
        person("C1", "jose", "garcia", "lopez", FLAT_1A),
        person("C2", "luis", "martin", "ruiz", FLAT_2B, phones=["+34912222222"]),
        person("C3", "pablo", "garcia", "sanz", BUILDING),  # a García with no flat: joins 1-A
        person("C4", "ines", "vidal", None, BUILDING, phones=["+34912222222"]),  # Luis's landline: 2-B
        person("C5", "rosa", "nadal", None, BUILDING),  # no evidence: alone
        person("C6", "ivan", "soler", None, BUILDING),  # no evidence: alone, not with Rosa
    ]
    groups = households(people)
    assert not together(groups, "C1", "C2")
    assert together(groups, "C1", "C3")
    assert together(groups, "C2", "C4")
    assert len({groups["C5"], groups["C6"], groups["C1"], groups["C2"]}) == 4
    out = assign_households(pd.DataFrame(people), RULES).set_index("person_id")
    assert out.loc[["C3", "C4"], "address_inferred"].all() and not out.loc[["C1", "C5"], "address_inferred"].any()
    # the blind rule puts every flatless record at the building together
    blind = households(people, "address")
    assert together(blind, "C5", "C6") and not together(blind, "C1", "C3")


def test_a_person_without_an_address_joins_on_a_phone_but_not_on_one_common_surname():
    people = [
        person("C1", "john", "smith", None, "gb|m11aa|oak road|4|", phones=["+441611111111"]),
        person("C2", "jane", "smith", None, None, phones=["+441611111111"], places=[]),  # shared landline
        person("C3", "mary", "smith", None, None, places=["gb|m11aa"]),  # only a surname at the postcode
        person("C4", "john", "smith", None, None, places=["gb|m11aa"]),  # the same full name: a duplicate
    ]
    groups = households(people)
    assert together(groups, "C1", "C2")
    assert not together(groups, "C1", "C3")
    assert together(groups, "C1", "C4")


def gb_town(dwellings: int = 200, smiths: int = 40) -> list[dict]:
    """A country of `dwellings` one-person dwellings at postcodes of four, `smiths` of them
    Smiths, the rest of distinct surnames; postcode gb|m11aa holds the only Okonkwo, one Smith
    and two others."""
    people = []
    for i in range(dwellings):
        surname = "okonkwo" if i == 0 else "smith" if i == 1 or (i % 4 == 0 and i // 4 < smiths) else f"name{i}"
        people.append(person(f"H{i:03d}", "pat", surname, None, f"gb|m{i // 4}aa|oak road|{i}|"))
    return people


def test_a_rare_surname_at_the_postcode_is_enough_but_a_common_one_is_not():
    town = gb_town()
    # at m0aa: four dwellings; Okonkwo is 1 of 200 in the country (0.02 expected there by
    # coincidence), Smith 40 of 200 (0.8 expected): one Smith dwelling there proves nothing
    lost = [
        person("L1", "ada", "okonkwo", None, None, places=["gb|m0aa"]),
        person("L2", "tom", "smith", None, None, places=["gb|m0aa"]),
    ]
    out = assign_households(pd.DataFrame(town + lost), RULES).set_index("person_id")
    assert out.loc["L1", "household_key"] == out.loc["H000", "household_key"]
    assert bool(out.loc["L1", "address_inferred"])
    assert out.loc["L2", "household_key"].startswith("~no-address~")
    # where Okonkwo is as common as Smith, it proves as little
    crowded = [
        dict(p, surname_1_key="okonkwo")
        if p["surname_1_key"].startswith("name") and 4 <= int(p["person_id"][1:]) < 80
        else p
        for p in town
    ]
    out = assign_households(pd.DataFrame(crowded + lost), RULES).set_index("person_id")
    assert out.loc["L1", "household_key"].startswith("~no-address~")
    # and the rule can be switched off
    off = assign_households(pd.DataFrame(town + lost), dataclasses.replace(RULES, rare_surname_chance=0.0))
    assert off.set_index("person_id").loc["L1", "household_key"].startswith("~no-address~")


def test_surname_chance_is_dwellings_at_the_postcode_times_the_surname_share():
    town = gb_town(dwellings=200, smiths=40)
    frame = pd.DataFrame(town).reset_index(drop=True)
    names = _name_tokens(frame, RULES)
    chance = _surname_chance(names, frame["address_key"].to_numpy()[names["pos"].to_numpy()])
    assert chance["gb|m0aa\x1fs:okonkwo"] == pytest.approx(4 * 1 / 200)
    assert chance["gb|m0aa\x1fs:smith"] == pytest.approx(4 * 40 / 200)
    assert chance["gb|m49aa\x1fs:name199"] == pytest.approx(4 * 1 / 200)


def test_a_name_carried_by_two_dwellings_at_the_postcode_places_nobody():
    people = [
        person("C1", "john", "smith", None, "gb|m11aa|oak road|4|"),
        person("C2", "john", "smith", None, "gb|m11aa|elm road|9|"),  # a namesake down the road
        person("C3", "john", "smith", None, None, places=["gb|m11aa"]),
    ]
    groups = households(people)
    assert not together(groups, "C3", "C1") and not together(groups, "C3", "C2")


def test_people_without_an_address_sharing_a_phone_or_email_are_one_household_and_search_together():
    people = [
        person("C1", "ana", "silva", None, "pt|1100|rua augusta|10|", phones=["+351211111111"]),
        person("C2", "rui", "costa", None, None, phones=["+351211111111"], emails=["rui@x.pt"], places=[]),
        person("C3", "eva", "dias", None, None, emails=["rui@x.pt"], places=[]),  # knows only Rui's email
        person("C4", "joao", "lima", None, None, phones=["+351933333333"], places=[]),
        person("C5", "rita", "mota", None, None, phones=["+351933333333"], places=[]),  # Joao's phone, no address
        person("C6", "luis", "reis", None, None, places=[]),
    ]
    out = assign_households(pd.DataFrame(people), RULES).set_index("person_id")
    key = out["household_key"]
    assert key["C2"] == key["C1"] and key["C3"] == key["C1"]  # through Rui's phone to Ana's flat
    assert out.loc["C3", "address_inferred"]
    assert key["C4"] == key["C5"] and key["C4"].startswith("~no-address~") and key["C4"] != key["C1"]
    assert not out.loc[["C4", "C5"], "address_inferred"].any()  # together, but no address was inferred
    assert key["C6"] not in {key["C1"], key["C4"]}
    assert together(households(people, "family"), "C4", "C5")


def test_a_phone_shared_by_a_crowd_is_no_household_evidence():
    shop = "+34910000000"  # a shop's number typed in for walk-in customers
    people = [person("C0", "ana", "ruiz", None, "es|28013|calle mayor|5|1-a", phones=[shop])]
    people += [
        person(f"L{i}", f"p{i}", f"s{i}", None, None, phones=[shop], places=[]) for i in range(MAX_SHARED_CONTACT)
    ]
    groups = households(people)
    assert len({groups[p["person_id"]] for p in people}) == len(people)
    few = people[:3]
    groups = households(few)
    assert together(groups, "C0", "L0") and together(groups, "C0", "L1")


def test_a_person_without_anything_is_a_household_of_one():
    people = [person("C1", "ann", "ray", None, None, places=[]), person("C2", "bob", "ray", None, None, places=[])]
    assert not together(households(people), "C1", "C2")


# --- stable ids --------------------------------------------------------------------------------


def test_household_ids_carry_over_and_merges_are_logged():
    first = pd.DataFrame({"person_id": ["C1", "C2", "C3", "C4"], "household_key": ["a", "a", "b", "c"]})
    run1 = assign_household_ids(first, "r1")
    ids1 = dict(zip(run1.links["person_id"], run1.links["household_id"]))
    assert ids1 == {"C1": "H000000001", "C2": "H000000001", "C3": "H000000002", "C4": "H000000003"}
    again = assign_household_ids(first, "r2", run1.links, run1.register)
    assert dict(zip(again.links["person_id"], again.links["household_id"])) == ids1
    # C3 moves in with C4 (household b merges into c); a new person C5 starts a new household
    second = pd.DataFrame({"person_id": ["C1", "C2", "C3", "C4", "C5"], "household_key": ["a", "a", "c", "c", "d"]})
    run2 = assign_household_ids(second, "r2", run1.links, run1.register)
    ids2 = dict(zip(run2.links["person_id"], run2.links["household_id"]))
    assert ids2["C1"] == "H000000001" and ids2["C3"] == ids2["C4"]
    assert ids2["C5"] == "H000000004"  # never reuses the retired number
    assert run2.counts["merged"] == 1
    assert set(run2.changes.columns) >= {"household_id", "other_household_id", "persons"}


# --- address moves -----------------------------------------------------------------------------


def moves_frame(rows: list[dict]) -> pd.DataFrame:
    base = {
        "source": "coa",
        "first_name_key": None,
        "first_name_canonical": None,
        "surname_1_key": None,
        "surname_2_key": None,
        "old_address_key": None,
        "old_building_key": None,
        "issue": None,
    }
    out = []
    for i, r in enumerate(rows):
        new_key = r.pop("new")
        row = {**base, "move_key": f"coa:row-{i + 1}", **{f"new_{f}": None for f in ADDRESS_FIELDS}, **r}
        row["new_address_key"] = new_key
        row["new_address_line1"] = f"line of {new_key}"
        row["effective_date"] = pd.Timestamp(r["effective_date"])
        out.append(row)
    return pd.DataFrame(out)


def golden_and_people(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    golden = pd.DataFrame(
        [
            {
                "person_id": r["person_id"],
                **{f: None for f in ADDRESS_FIELDS},
                "address_key": r["address_key"],
                "address_line1": f"line of {r['address_key']}",
                "address_source": "crm",
                "address_record_key": "crm:1",
            }
            for r in rows
        ]
    )
    people = pd.DataFrame(
        [
            {
                "person_id": r["person_id"],
                "address_key": r["address_key"],
                "address_date": pd.Timestamp(r.get("since", "2020-01-01")),
                "first_name_key": r["first"],
                "first_name_canonical": r["first"],
                "surname_1_key": r["s1"],
                "surname_2_key": None,
            }
            for r in rows
        ]
    )
    return golden, people


def test_a_move_applies_to_the_named_person_at_the_old_address_and_keeps_history():
    golden, people = golden_and_people(
        [
            {"person_id": "C1", "address_key": "A", "first": "jose", "s1": "garcia"},
            {"person_id": "C2", "address_key": "A", "first": "maria", "s1": "perez"},  # not in the request
            {"person_id": "C3", "address_key": "B", "first": "jose", "s1": "garcia"},  # namesake elsewhere
        ]
    )
    moves = moves_frame(
        [
            {
                "first_name_key": "jose",
                "first_name_canonical": "jose",
                "surname_1_key": "garcia",
                "old_address_key": "A",
                "new": "N",
                "effective_date": "2025-06-01",
            }
        ]
    )
    out = apply_moves(golden, people, moves)
    now = out.golden.set_index("person_id")
    assert now.loc["C1", "address_key"] == "N" and now.loc["C1", "address_source"] == "coa"
    assert now.loc["C2", "address_key"] == "A" and now.loc["C3", "address_key"] == "B"
    assert out.history.to_dict("records")[0]["address_key"] == "A"
    assert out.history["valid_until"].iloc[0] == pd.Timestamp("2025-06-01")
    assert out.log["status"].tolist() == ["applied"]


def test_moves_chain_by_date_and_conflicts_are_resolved_and_listed():
    golden, people = golden_and_people(
        [
            {"person_id": "C1", "address_key": "A", "first": "ana", "s1": "silva"},
            {"person_id": "C2", "address_key": "X", "first": "rui", "s1": "costa", "since": "2025-01-01"},
            {"person_id": "C3", "address_key": "Z", "first": "eva", "s1": "dias"},
        ]
    )
    who = {"first_name_key": "ana", "first_name_canonical": "ana", "surname_1_key": "silva"}
    rui = {"first_name_key": "rui", "first_name_canonical": "rui", "surname_1_key": "costa"}
    eva = {"first_name_key": "eva", "first_name_canonical": "eva", "surname_1_key": "dias"}
    moves = moves_frame(
        [
            {**who, "old_address_key": "B", "new": "C", "effective_date": "2024-01-01"},  # second step of the chain
            {**who, "old_address_key": "A", "new": "B", "effective_date": "2022-01-01"},  # first step
            {**who, "old_address_key": "A", "new": "D", "effective_date": "2021-01-01"},  # out of A, but earlier
            {
                **rui,
                "old_address_key": "X",
                "new": "Y",
                "effective_date": "2023-01-01",
            },  # older than X's last confirmation
            {**eva, "old_address_key": "W", "new": "Z", "effective_date": "2023-01-01"},  # the sources caught up
            {**eva, "old_address_key": "Q", "new": "R", "effective_date": "2023-01-01", "issue": "no surname"},
        ]
    )
    out = apply_moves(golden, people, moves)
    assert out.log["status"].tolist() == [
        "applied",
        "applied",
        "superseded",
        "older_than_current",
        "already_current",
        "unusable",
    ]
    now = out.golden.set_index("person_id")["address_key"]
    assert now.to_dict() == {"C1": "C", "C2": "X", "C3": "Z"}
    hist = out.history[out.history["person_id"] == "C1"]
    assert hist["address_key"].tolist() == ["A", "B"]
    assert out.counts["persons_moved"] == 1


def test_children_follow_a_moving_parent_with_their_surname():
    golden, people = golden_and_people(
        [
            {"person_id": "C1", "address_key": "A", "first": "john", "s1": "smith"},
            {"person_id": "C2", "address_key": "A", "first": "tim", "s1": "smith"},  # child
            {"person_id": "C3", "address_key": "A", "first": "ben", "s1": "brown"},  # child of another name
            {"person_id": "C4", "address_key": "A", "first": "sue", "s1": "smith"},  # adult: files her own
        ]
    )
    ages = pd.Series([45, 10, 9, 40])
    moves = moves_frame(
        [
            {
                "first_name_key": "john",
                "first_name_canonical": "john",
                "surname_1_key": "smith",
                "old_address_key": "A",
                "new": "N",
                "effective_date": "2025-01-01",
            }
        ]
    )
    out = apply_moves(golden, people, moves, ages, child_below_age=18)
    now = out.golden.set_index("person_id")["address_key"]
    assert now.to_dict() == {"C1": "N", "C2": "N", "C3": "A", "C4": "A"}
    assert out.counts["child_followed"] == 1


def test_standardise_moves_reads_real_addresses_and_flags_unusable_rows():
    changes = pd.DataFrame(
        {
            "source": ["coa", "coa"],
            "source_record_id": ["1", "2"],
            "first_name": ["Pepe", "Ana"],
            "last_name": ["García López", None],
            "full_name": [None, None],
            "old_address_line1": ["C/ Mayor 5, 3º 2ª", "Rua Augusta 10"],
            "old_postcode": ["28013", "1100-053"],
            "old_city": ["Madrid", "Lisboa"],
            "old_country": ["ES", "PT"],
            "new_address_line1": ["Avda. de América 10", "Rua do Ouro 3"],
            "new_postcode": ["28028", "1100-060"],
            "new_city": ["Madrid", "Lisboa"],
            "new_country": ["España", "PT"],
            "effective_date": ["2025-03-01", "2025-02-01"],
        }
    )
    summary = pd.DataFrame({"source": ["coa"], "default_country": [None], "date_format": [None]})
    out = standardise_moves(changes, summary, date(2026, 1, 1))
    assert out.loc[0, "old_address_key"] == "es|28013|calle mayor|5|3-2"
    assert out.loc[0, "new_address_key"].startswith("es|28028|avenida america|10")
    assert out.loc[0, "first_name_canonical"] == "jose" and out.loc[0, "surname_2_key"] == "lopez"
    assert out.loc[0, "issue"] is None and out.loc[1, "issue"] == "no surname"


# --- household rows ----------------------------------------------------------------------------


def test_household_rows_count_members_pick_a_primary_adult_and_greet_in_the_country_form():
    golden = pd.DataFrame(
        {
            "person_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "title": None,
            "first_name": ["José", "María", "Lucía", "Kate", "Tom", "Kim"],
            "last_name": ["García López", "Pérez Ruiz", "García Pérez", "Jones", "Ward", "Lee"],
            "age": pd.array([45, 44, 9, 70, 30, None], dtype="Int64"),
            "record_count": [3, 1, 1, 2, 1, 1],
            "last_updated": pd.to_datetime(["2025-01-01"] * 6),
            "address_line1": ["Calle Mayor 5"] * 3 + ["1 High St", "2 Low St", "2 Low St"],
            "address_line2": None,
            "city": None,
            "region": None,
            "postcode": None,
            "country": ["ES", "ES", "ES", "GB", "GB", "GB"],
            "address_key": [FLAT_1A] * 3 + ["gb|1", "gb|2", "gb|2"],
        }
    )
    people = pd.DataFrame(
        {"person_id": golden["person_id"], "surname_1_key": ["garcia", "perez", "garcia", "jones", "ward", "lee"]}
    )
    assignment = pd.DataFrame(
        {
            "person_id": golden["person_id"],
            "household_id": ["H1", "H1", "H1", "H2", "H3", "H3"],
            "address_inferred": False,
        }
    )
    spend = pd.DataFrame(
        {
            "person_id": ["C2", "C3"],
            "total_spend": [100.0, 500.0],
            "last_purchase_at": pd.to_datetime(["2025-05-01", "2025-06-01"]),
        }
    )
    table = household_table(member_table(golden, people, assignment, spend), RULES).set_index("household_id")
    h1 = table.loc["H1"]
    assert (h1["members"], h1["adults"], h1["children"], h1["children_present"]) == (3, 2, 1, True)
    assert h1["total_spend"] == 600.0 and h1["average_spend"] == 200.0
    assert h1["primary_person_id"] == "C2"  # the child bought last, but the primary is the adult who bought
    assert h1["salutation"] == "Familia García López"  # the García carrying the surname, written in full
    assert table.loc["H2", ["seniors", "salutation", "salutation_kind"]].tolist() == [1, "Kate Jones", "single"]
    h3 = table.loc["H3"]
    assert h3["salutation_kind"] == "pair" and h3["age_unknown"] == 1
    assert set(h3["salutation"].split(" & ")) == {"Tom Ward", "Kim Lee"}


def test_bad_rules_are_named(tmp_path):
    path = tmp_path / "households.yaml"
    path.write_text("rule: neighbours\nevidence: [surname, shoe_size]\nrare_surname_chance: 2\nsalutations: {}\n")
    with pytest.raises(HouseholdRulesError) as err:
        load_rules(path)
    text = str(err.value)
    assert "rule: 'neighbours'" in text and "shoe_size" in text and "'default'" in text
    assert "rare_surname_chance: 2" in text
    assert RULES.rare_surname_chance == 0.1  # as config/households.yaml says
