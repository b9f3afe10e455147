"""The stage 01 profile: shapes, fill rates, duplicates, validity and freshness rules."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from helpers.ingest import ingest
from helpers.profile import (
    duplicates_by_source,
    freshness,
    invalid_shares,
    profile_columns,
    value_shapes,
)
from helpers.registry import load_registry


def test_value_shapes_describe_format_not_content():
    shapes = value_shapes(pd.Series(["SW1A 1AA", "José 12", "+34 612", None, "x" * 30], index=[5, 6, 7, 8, 9]))
    assert shapes.tolist() == ["AA9A 9AA", "Aaaa 99", "+99 999", None, "a" * 24 + "…"]
    assert shapes.index.tolist() == [5, 6, 7, 8, 9]


def test_profile_columns_and_personal_top_values(mini_sources):
    people = ingest(load_registry(mini_sources)).tables["people"]
    prof = profile_columns(people).set_index(["source", "column"])
    crm_email = prof.loc[("crm", "email")]
    assert crm_email["rows"] == 4 and crm_email["filled"] == 4 and crm_email["fill_rate"] == 1.0
    assert crm_email["top_values"] is None  # emails are personal: no top values
    assert json.loads(crm_email["top_shapes"])[0][1] >= 1
    assert prof.loc[("crm", "national_id"), "fill_rate"] == 0.0
    assert json.loads(prof.loc[("crm", "country"), "top_values"])  # countries are not personal
    assert prof.loc[("leads", "full_name"), "distinct"] == 3


def test_duplicates_by_source():
    people = pd.DataFrame(
        {
            "source": ["a"] * 4,
            "source_record_id": ["1", "1", "2", "2"],
            "email": ["x@y.z", "x@y.z", "p@q.r", "other@q.r"],
        }
    )
    dups = duplicates_by_source(people, columns=["email"]).set_index("source")
    assert dups.loc["a", "exact_duplicate_rows"] == 1 and dups.loc["a", "duplicate_ids"] == 2


def test_invalid_shares_use_stage_02_validators(mini_sources):
    result = ingest(load_registry(mini_sources))
    inv = invalid_shares(result.tables["people"], result.summary, date(2026, 11, 15)).set_index(["source", "field"])
    assert inv.loc[("crm", "email"), "given"] == 4 and inv.loc[("crm", "email"), "invalid"] == 0
    assert inv.loc[("crm", "phone"), "invalid"] == 0  # national formats resolved with the ES default
    assert pd.isna(inv.loc[("leads", "phone"), "invalid_share"])  # nothing given, nothing judged


def test_freshness_flags_sources_that_missed_refreshes():
    summary = pd.DataFrame(
        {
            "source": ["hourly_ok", "weekly_stale", "monthly_ok", "no_cadence", "future"],
            "kind": ["people"] * 5,
            "extracted_at": pd.to_datetime(
                [
                    "2026-11-15T06:00Z",
                    "2026-10-27T02:00Z",
                    "2026-10-01T00:00Z",
                    "2020-01-01T00:00Z",
                    "2026-11-20T00:00Z",
                ],
                utc=True,
            ),
            "cadence": ["hourly", "weekly", "monthly", None, "daily"],
        }
    )
    fresh = freshness(summary, date(2026, 11, 15), stale_after_cadences=2).set_index("source")
    assert fresh["stale"].to_dict() == {
        "hourly_ok": False,
        "weekly_stale": True,
        "monthly_ok": False,
        "no_cadence": False,
        "future": False,
    }
    assert fresh.loc["future", "future"]
    assert fresh.loc["weekly_stale", "allowed_age_days"] == 14.0
    assert pd.isna(fresh.loc["no_cadence", "allowed_age_days"])


def test_a_header_only_people_export_profiles_to_empty_tables_not_a_key_error():
    """Issue 16 case 7: a header-only people source failed with KeyError: 'filled'."""
    from helpers import profile
    from helpers.schema import columns_for

    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns_for("people")})
    columns = profile.profile_columns(empty)
    assert columns.empty and "filled" in columns.columns
    assert profile.profile_for_display(columns).empty
    assert profile.duplicates_by_source(empty).empty
