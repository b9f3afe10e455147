"""Dates of any year 0001..9999 never crash a stage: they are kept, flagged when implausible, and
every later stage (change summary, profile, golden records, households, contactability,
segment metrics) runs on them. pandas' nanosecond timestamps stop at 1677..2262, so each of
these steps used to be one typed birth date away from OutOfBoundsDatetime."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from helpers.clean.records import clean_people
from helpers.clean.summary import change_summary, change_summary_records
from helpers.ingest import ingest
from helpers.registry import load_registry
from helpers.standardise.dates import age_at, as_days, iso_days, standardise_dates

REF = date(2026, 11, 15)
ODD_DAYS = ["1063-11-01", "7985-01-01", "1630-05-05", "0001-01-01", "9999-12-31"]


@pytest.fixture
def odd_dates(mini_sources):
    """The mini sources with five records' birth, sign-up and update dates in odd years, cleaned."""
    result = ingest(load_registry(mini_sources))
    raw = result.tables["people"].copy()
    odd = raw.index[: len(ODD_DAYS)]
    for col in ("date_of_birth", "signup_date", "record_updated_at"):
        raw.loc[odd, col] = ODD_DAYS
    clean = clean_people(raw, result.summary, REF).clean
    return raw, result.summary, clean


def test_a_birth_date_of_any_year_is_kept_flagged_and_has_no_age(odd_dates):
    _, _, clean = odd_dates
    rows = clean[clean["date_of_birth"].isin(ODD_DAYS)].set_index("date_of_birth")
    assert sorted(rows.index) == sorted(ODD_DAYS)  # nothing dropped
    assert iso_days(rows["date_of_birth_std"]).tolist() == rows.index.tolist()  # the day as typed
    assert not rows["date_of_birth_valid"].any()
    assert rows["date_of_birth_issue"].to_dict() == {
        "1063-11-01": "over 120 years",
        "7985-01-01": "future",
        "1630-05-05": "over 120 years",
        "0001-01-01": "over 120 years",
        "9999-12-31": "future",
    }
    assert rows["age"].isna().all()


def test_the_change_summary_counts_odd_years_as_invalid_without_crashing(odd_dates):
    _, _, clean = odd_dates
    table = change_summary(clean)
    given = int(clean["date_of_birth"].notna().sum())
    valid = int(clean["date_of_birth_valid"].sum())
    assert table.loc["date_of_birth", "invalid"] == given - valid >= len(ODD_DAYS)
    assert table.loc["date_of_birth", "changed"] < given  # '1063-11-01' is already standard text
    change_summary_records(table)


def test_the_profile_counts_odd_years_as_invalid(odd_dates):
    from helpers.profile import invalid_shares

    raw, summary, _ = odd_dates
    table = invalid_shares(raw, summary, REF).set_index(["source", "field"])
    assert table.xs("date_of_birth", level="field")["invalid"].sum() >= len(ODD_DAYS)


def test_iso_days_and_ages_cover_years_1_to_9999():
    days = pd.Series(np.array(ODD_DAYS + ["NaT", "1985-11-16", "1985-11-15"], dtype="datetime64[s]"))
    assert iso_days(days).tolist() == ODD_DAYS + [None, "1985-11-16", "1985-11-15"]
    assert age_at(days, REF).tolist() == [963, pd.NA, 396, 2025, pd.NA, pd.NA, 40, 41]
    as_objects = pd.Series([date(1063, 11, 1), None, "9999-12-31"], dtype=object)
    assert np.datetime_as_string(as_days(as_objects)).tolist() == ["1063-11-01", "NaT", "9999-12-31"]


def test_event_dates_of_any_year_are_read_as_typed():
    out = standardise_dates(pd.Series(ODD_DAYS), None, REF, kind="event")
    assert iso_days(out["date_std"]).tolist() == ODD_DAYS
    assert out["date_valid"].tolist() == [True, False, True, True, False]  # old events stay valid


def _golden(clean: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    from helpers.golden.records import golden_customers
    from helpers.golden.survivorship import load_rules

    return golden_customers(clean, links, load_rules(ROOT / "config" / "survivorship.yaml"))


def _own_person(clean: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"record_key": clean["record_key"], "person_id": [f"C{i:09d}" for i in range(1, len(clean) + 1)]}
    )


def test_golden_records_build_and_ignore_implausible_sign_up_dates(odd_dates):
    _, _, clean = odd_dates
    links = _own_person(clean)
    golden = _golden(clean, links).set_index("person_id")
    person = links.set_index("record_key")["person_id"]
    by_signup = clean.set_index("signup_date")["record_key"]
    future = person[by_signup["7985-01-01"]]
    old = person[by_signup["1063-11-01"]]
    assert pd.isna(golden.loc[future, "first_seen"])  # a sign-up in the future is no evidence
    assert iso_days(golden.loc[[old], "first_seen"]).tolist() == ["1063-11-01"]
    assert iso_days(golden.loc[[old], "last_updated"]).tolist() == ["1063-11-01"]
    assert golden["date_of_birth"].isna().sum() >= len(ODD_DAYS)  # implausible births never win


def test_the_most_recent_record_wins_over_one_updated_in_1063(odd_dates):
    """Recency compared in nanoseconds wrapped 1063 round to a date after 2026."""
    _, _, clean = odd_dates
    a = clean[clean["record_updated_at"].eq("1063-11-01")].iloc[[0]].copy()
    b = a.copy()
    a["email_std"], b["email_std"] = "old@example.com", "new@example.com"
    a["email_valid"], b["email_valid"] = True, True
    b["record_key"] = "crm:newer"
    b["record_updated_at_std"] = np.array(["2024-01-01"], dtype="datetime64[s]")
    both = pd.concat([a, b], ignore_index=True)
    golden = _golden(both, pd.DataFrame({"record_key": both["record_key"], "person_id": "C000000001"}))
    assert golden.loc[0, "email"] == "new@example.com"


def test_households_contactability_and_metrics_run_on_odd_years(odd_dates):
    from helpers.contact.rules import load_rules as contact_rules
    from helpers.contact.stage import person_records, run_contactability
    from helpers.household.rules import load_rules as household_rules
    from helpers.household.stage import CLEAN_COLUMNS, move_people
    from helpers.segment.metrics import customer_metrics

    _, summary, clean = odd_dates
    links = _own_person(clean)
    golden = _golden(clean, links)
    result, people = move_people(
        golden, clean[CLEAN_COLUMNS], None, summary, household_rules(ROOT / "config" / "households.yaml"), REF
    )
    assert len(result.golden) == len(golden) == len(people)
    # A golden address whose record was last updated in 1063: the address is known since then.
    from helpers.household.moves import residents

    old_key = clean.loc[clean["record_updated_at"].eq("1063-11-01"), "record_key"].iloc[0]
    since = residents(golden.assign(address_record_key=old_key), clean)["address_date"]
    assert iso_days(since).tolist() == ["1063-11-01"] * len(golden)

    suppressions = pd.DataFrame(
        columns=[
            "source",
            "source_record_id",
            "channel",
            "email",
            "phone",
            "first_name",
            "last_name",
            "full_name",
            "address_line1",
            "postcode",
            "city",
            "country",
            "reason",
            "event_at",
        ],
        dtype=object,
    )
    contact = run_contactability(
        golden,
        person_records(clean, links),
        suppressions,
        summary,
        contact_rules(ROOT / "config" / "contactability.yaml"),
        REF,
    )
    assert contact.table["person_id"].nunique() == len(golden)

    buys = pd.DataFrame(
        {
            "person_id": golden["person_id"].iloc[:2],
            "order_key": ["s:1", "s:2"],
            "purchased_on": np.array(["1063-11-01", "2026-11-01"], dtype="datetime64[s]"),
            "amount_reporting": [10.0, 20.0],
            "on_promotion": [False, False],
            "product_category": ["a", "b"],
        }
    )
    metrics = customer_metrics(golden[["person_id", "first_seen"]], buys, REF).set_index("person_id")
    assert metrics.loc[golden["person_id"].iloc[0], "recency_days"] == (
        np.datetime64(REF) - np.datetime64("1063-11-01")
    ).astype(int)
