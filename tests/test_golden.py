"""Survivorship rules and the golden table, on hand-made records with a known right answer."""

import pandas as pd
import pytest

from helpers.golden.records import golden_customers
from helpers.golden.survivorship import FIELD_COLUMNS, Group, SurvivorshipError, load_rules

VALIDITY = [
    "email_valid",
    "phone_valid",
    "date_of_birth_valid",
    "national_id_valid",
    "address_valid",
    "record_updated_at_valid",
]


def records(*rows: dict) -> pd.DataFrame:
    """Clean-like records: every column the golden builder reads, None/False unless given."""
    cols = sorted(
        set(FIELD_COLUMNS.values())
        | {"record_key", "source", "extracted_at", "record_updated_at_std", "signup_date_std", *VALIDITY}
    )
    df = pd.DataFrame([{c: row.get(c) for c in cols} for row in rows])
    for c in VALIDITY:
        df[c] = df[c].astype("boolean").fillna(False).astype(bool)
    df["extracted_at"] = pd.to_datetime(df["extracted_at"].fillna("2026-11-01"), utc=True)
    for c in ("record_updated_at_std", "signup_date_std", "date_of_birth_std"):
        df[c] = pd.to_datetime(df[c])
    df["record_updated_at_valid"] = df["record_updated_at_std"].notna()
    return df


def links_for(df: pd.DataFrame, person: str = "C000000001") -> pd.DataFrame:
    return pd.DataFrame({"record_key": df["record_key"], "person_id": person})


def golden_of(df: pd.DataFrame, *groups: Group) -> pd.Series:
    return golden_customers(df, links_for(df), list(groups)).iloc[0]


SHOP_OLD = {"record_key": "shop:1", "source": "shop", "record_updated_at_std": "2020-01-01"}
CRM_MID = {"record_key": "crm:1", "source": "crm", "record_updated_at_std": "2022-06-01"}
CALL_NEW = {"record_key": "call:1", "source": "call", "record_updated_at_std": "2025-03-01"}


def test_source_priority_takes_the_first_listed_source_with_a_value():
    df = records(
        {**SHOP_OLD, "first_name_std": "Rob", "last_name_std": "Smith"},
        {**CRM_MID, "first_name_std": "Robert", "last_name_std": "Smith"},
        {**CALL_NEW, "first_name_std": "Bob", "last_name_std": "Smyth"},
    )
    g = golden_of(df, Group("name", "source_priority", ["first_name", "last_name"], ["crm", "shop"]))
    assert (g["first_name"], g["last_name"], g["name_source"], g["name_record_key"]) == (
        "Robert",
        "Smith",
        "crm",
        "crm:1",
    )


def test_source_priority_falls_back_when_the_preferred_source_has_no_value():
    df = records(
        {**SHOP_OLD, "first_name_std": "Rob"},
        {**CRM_MID, "first_name_std": None},
        {**CALL_NEW, "first_name_std": "Bob"},
    )
    g = golden_of(df, Group("name", "source_priority", ["first_name"], ["crm", "shop"]))
    assert g["first_name"] == "Rob"  # crm is empty; shop comes next; call is unlisted


def test_unlisted_sources_follow_listed_ones_in_name_order_then_recency():
    df = records(
        {**CALL_NEW, "first_name_std": "Bob"},
        {**SHOP_OLD, "record_key": "alpha:1", "source": "alpha", "first_name_std": "Al"},
    )
    g = golden_of(df, Group("name", "source_priority", ["first_name"], ["crm"]))
    assert g["first_name"] == "Al"


def test_most_recent_takes_the_latest_change_and_skips_invalid_values():
    df = records(
        {**SHOP_OLD, "email_std": "old@x.com", "email_valid": True},
        {**CRM_MID, "email_std": "mid@x.com", "email_valid": True},
        {**CALL_NEW, "email_std": "new@x", "email_valid": False},
    )
    g = golden_of(df, Group("email", "most_recent", ["email"], []))
    assert (g["email"], g["email_source"]) == ("mid@x.com", "crm")
    assert list(g["emails"]) == ["mid@x.com", "old@x.com"]  # every valid email kept, sorted


def test_most_recent_uses_extraction_time_when_a_record_has_no_update_date():
    df = records(
        {
            "record_key": "a:1",
            "source": "a",
            "extracted_at": "2026-01-01",
            "phone_std": "+34600000001",
            "phone_valid": True,
        },
        {
            "record_key": "b:1",
            "source": "b",
            "extracted_at": "2026-10-01",
            "phone_std": "+34600000002",
            "phone_valid": True,
        },
    )
    g = golden_of(df, Group("phone", "most_recent", ["phone", "phone_type"], []))
    assert g["phone"] == "+34600000002"


def test_most_frequent_takes_the_value_most_records_agree_on():
    df = records(
        {**SHOP_OLD, "date_of_birth_std": "1980-05-04", "date_of_birth_valid": True},
        {**CRM_MID, "date_of_birth_std": "1980-05-04", "date_of_birth_valid": True},
        {**CALL_NEW, "date_of_birth_std": "1980-04-05", "date_of_birth_valid": True},
    )
    g = golden_of(df, Group("date_of_birth", "most_frequent", ["date_of_birth"], []))
    assert g["date_of_birth"] == pd.Timestamp("1980-05-04")
    assert g["date_of_birth_source"] == "crm"  # the most recent of the agreeing records


def test_most_frequent_tie_goes_to_the_most_recent():
    df = records({**SHOP_OLD, "gender_std": "F"}, {**CALL_NEW, "gender_std": "M"})
    assert golden_of(df, Group("gender", "most_frequent", ["gender"], []))["gender"] == "M"


def test_most_complete_prefers_the_record_filling_most_fields():
    df = records(
        {**CALL_NEW, "company": "Acme"},
        {**SHOP_OLD, "company": "Acme Ltd", "job_title": "Buyer"},
    )
    g = golden_of(df, Group("work", "most_complete", ["company", "job_title"], []))
    assert (g["company"], g["job_title"], g["work_source"]) == ("Acme Ltd", "Buyer", "shop")


def test_a_group_comes_whole_from_one_record():
    df = records(
        {
            **SHOP_OLD,
            "address_line1_std": "Calle Mayor 1",
            "postcode_std": "28013",
            "city_std": "Madrid",
            "address_valid": True,
        },
        {
            **CALL_NEW,
            "address_line1_std": "Via Roma 2",
            "postcode_std": None,
            "city_std": "Roma",
            "address_valid": True,
        },
    )
    g = golden_of(df, Group("address", "most_recent", ["address_line1", "postcode", "city"], []))
    assert (g["address_line1"], g["city"]) == ("Via Roma 2", "Roma")
    assert pd.isna(g["postcode"])  # None in an object column, NaN in pandas 3's str column


def test_one_row_per_person_and_lineage_per_group():
    df = records(
        {**SHOP_OLD, "first_name_std": "Ana"},
        {**CRM_MID, "first_name_std": "Ana"},
        {**CALL_NEW, "first_name_std": "Eva"},
    )
    links = pd.DataFrame({"record_key": ["shop:1", "crm:1", "call:1"], "person_id": ["C1", "C1", "C2"]})
    golden = golden_customers(df, links, [Group("name", "most_recent", ["first_name"], [])])
    assert golden["person_id"].tolist() == ["C1", "C2"]
    assert golden["record_count"].tolist() == [2, 1]
    assert golden["name_record_key"].tolist() == ["crm:1", "call:1"]
    assert [list(s) for s in golden["sources"]] == [["crm", "shop"], ["call"]]


def test_a_record_without_a_person_id_is_refused():
    df = records({**SHOP_OLD, "first_name_std": "Ana"}, {**CRM_MID, "first_name_std": "Ana"})
    links = pd.DataFrame({"record_key": ["shop:1"], "person_id": ["C1"]})
    with pytest.raises(ValueError, match="no person_id"):
        golden_customers(df, links, [Group("name", "most_recent", ["first_name"], [])])


def test_rules_file_problems_are_all_reported(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "groups:\n  a: {rule: newest, fields: [email]}\n  b: {rule: most_recent, fields: [email, shoe_size]}\n"
    )
    with pytest.raises(SurvivorshipError) as err:
        load_rules(path)
    text = str(err.value)
    assert "newest" in text and "shoe_size" in text and "already belongs" in text


def test_committed_rules_load():
    from conftest import ROOT

    groups = load_rules(ROOT / "config" / "survivorship.yaml")
    assert {g.name for g in groups} >= {"name", "email", "phone", "address"}


def test_a_record_with_given_name_and_surname_swapped_loses_to_the_majority_order():
    df = records(
        {**CRM_MID, "first_name_std": "Zanetti", "last_name_std": "Chiara"},  # the trusted source swapped them
        {**SHOP_OLD, "first_name_std": "Chiara", "last_name_std": "Zanetti"},
        {**CALL_NEW, "first_name_std": "chiara", "last_name_std": "ZANETTI"},
    )
    g = golden_of(df, Group("name", "source_priority", ["first_name", "last_name"], ["crm", "shop", "call"]))
    assert (g["first_name"], g["last_name"], g["name_source"]) == ("Chiara", "Zanetti", "shop")


def test_a_tie_on_name_order_leaves_the_rule_to_decide():
    df = records(
        {**CRM_MID, "first_name_std": "Zanetti", "last_name_std": "Chiara"},
        {**SHOP_OLD, "first_name_std": "Chiara", "last_name_std": "Zanetti"},
    )
    g = golden_of(df, Group("name", "source_priority", ["first_name", "last_name"], ["crm", "shop"]))
    assert (g["first_name"], g["last_name"]) == ("Zanetti", "Chiara")
