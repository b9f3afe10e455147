"""`<field>_valid` is three-valued: True (checked, good), False (checked, bad), null (cannot be
checked). An Australian identity number, a phone without a country, a postcode of a country
without rules are not known bad: they are never counted as invalid, are reported apart as
unknown, and are still used where an unverified value is better than none."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from helpers.clean.summary import change_summary, change_summary_records
from helpers.golden.records import golden_customers
from helpers.golden.survivorship import Group
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.national_ids import standardise_national_ids
from helpers.standardise.phones import standardise_phones
from helpers.standardise.postcodes import standardise_postcodes
from helpers.storage import write_parquet

REF = date(2026, 11, 15)
# Australian tax file numbers and Medicare numbers: no rule here checks them.
AU_IDS = ["8765 4321", "2123 45670 1", "N8219463", "98 765 432 1", "4321 0987"]


def flags(values: pd.Series) -> list:
    return [None if pd.isna(v) else bool(v) for v in values]


def test_identity_numbers_of_a_country_without_rules_cannot_be_checked():
    out = standardise_national_ids(pd.Series(AU_IDS), pd.Series("AU", index=range(len(AU_IDS))))
    assert flags(out["national_id_valid"]) == [None] * len(AU_IDS)
    assert out["national_id_issue"].eq("unchecked").all()
    assert out["national_id_std"].notna().all()  # kept as a key


def test_an_identity_number_is_still_judged_when_it_can_be():
    raw = pd.Series(["87654321X", "87654321A", "00000000", "??", None, "ZZ1234"])
    country = pd.Series(["ES", "ES", "AU", "AU", "AU", None])
    out = standardise_national_ids(raw, country)
    assert flags(out["national_id_valid"]) == [True, False, False, False, False, None]
    assert out["national_id_issue"].tolist() == [
        None,
        "bad checksum",
        "placeholder",
        "bad format",
        "missing",
        "unchecked",
    ]
    assert out["national_id_valid"].dtype == "boolean"


def test_a_national_phone_without_a_country_cannot_be_judged():
    out = standardise_phones(
        pd.Series(["612 345 678", "612 345 678", "+34 612 345 678", "000000000", None]),
        pd.Series([None, "ES", None, None, None], dtype=object),
    )
    assert flags(out["phone_valid"]) == [None, True, True, False, False]
    assert out["phone_valid"].dtype == "boolean"


def test_a_postcode_of_a_country_without_rules_cannot_be_checked():
    out = standardise_postcodes(
        pd.Series(["10000", "2000", "28013", "28", "00000", "ABC"]),
        pd.Series(["XK", None, "ES", "ES", "XK", "XK"], dtype=object),
    )
    assert flags(out["postcode_valid"]) == [None, None, True, False, False, False]
    assert out["postcode_valid"].dtype == "boolean"


def test_nulls_survive_parquet(tmp_path):
    ids = standardise_national_ids(pd.Series(["8765 4321", "87654321X"]), pd.Series(["AU", "ES"]))
    back = pd.read_parquet(write_parquet(ids, tmp_path / "ids.parquet"))
    assert back["national_id_valid"].dtype == "boolean"
    assert flags(back["national_id_valid"]) == [None, True]


def clean_like(national_id: list, country: list) -> pd.DataFrame:
    ids = standardise_national_ids(pd.Series(national_id, dtype=object), pd.Series(country, dtype=object))
    return pd.concat([pd.DataFrame({"national_id": national_id}), ids], axis=1)


def test_the_change_summary_counts_only_the_known_bad_as_invalid():
    clean = clean_like(AU_IDS + ["87654321A", "87654321X"], ["AU"] * len(AU_IDS) + ["ES", "ES"])
    row = change_summary(clean).loc["national_id"]
    assert (row["given"], row["invalid"], row["unknown"]) == (7, 1, 5)
    assert row["invalid_share"] == 1 / 7 and row["unknown_share"] == 5 / 7
    assert change_summary_records(change_summary(clean))[0]["unknown_share"] == 5 / 7


def test_the_profile_reports_the_unknown_apart_from_the_invalid():
    from helpers.profile import invalid_shares

    n = len(AU_IDS)
    people = pd.DataFrame(
        {
            "source": "au_crm",
            "country": None,
            "email": None,
            "phone": ["0412 345 678"] * n,
            "date_of_birth": None,
            "postcode": ["2000"] * n,
            "national_id": AU_IDS,
        }
    )
    summary = pd.DataFrame({"source": ["au_crm"], "default_country": ["AU"], "date_format": [None]})
    table = invalid_shares(people, summary, REF).set_index("field")
    assert table.loc["national_id", "invalid"] == 0 and table.loc["national_id", "unknown_share"] == 1.0
    assert table.loc["postcode", "invalid"] == 0  # AU has a 4-digit rule: checked and good
    assert table.loc["phone", "invalid"] == 0 and table.loc["phone", "unknown"] == 0


def test_an_unchecked_identity_number_competes_but_a_verified_one_wins():
    def records(rows: list[dict]) -> pd.DataFrame:
        from helpers.golden.survivorship import FIELD_COLUMNS, VALIDITY

        df = pd.DataFrame(rows).reindex(columns=list(dict.fromkeys([*rows[0], *FIELD_COLUMNS.values()])))
        for col in VALIDITY.values():
            df[col] = False
        df["source"] = df["record_key"].str.split(":").str[0]
        df["extracted_at"] = pd.Timestamp("2026-11-01", tz="UTC")
        df["record_updated_at_std"] = pd.to_datetime(df["updated"]).astype("datetime64[s]")
        df["record_updated_at_valid"] = True
        df["signup_date_std"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[s]")
        df["national_id_valid"] = pd.array(df["valid"].tolist(), dtype="boolean")
        return df.drop(columns=["updated", "valid"])

    group = Group("national_id", "most_recent", ["national_id", "national_id_type"], [])

    def winner(rows: list[dict]) -> object:
        df = records(rows)
        links = pd.DataFrame({"record_key": df["record_key"], "person_id": "C000000001"})
        return golden_customers(df, links, [group]).loc[0, "national_id"]

    verified = {
        "record_key": "crm:1",
        "national_id_std": "87654321X",
        "national_id_type": "ES_DNI",
        "valid": True,
        "updated": "2020-01-01",
    }
    unchecked = {
        "record_key": "shop:1",
        "national_id_std": "87654321",
        "national_id_type": None,
        "valid": None,
        "updated": "2025-01-01",
    }
    bad = {
        "record_key": "desk:1",
        "national_id_std": "87654321A",
        "national_id_type": "ES_DNI",
        "valid": False,
        "updated": "2026-01-01",
    }
    assert winner([verified, unchecked, bad]) == "87654321X"  # verified before newer unchecked
    assert winner([unchecked, bad]) == "87654321"  # unchecked is not known bad
    assert pd.isna(winner([bad]))


def test_a_plausible_postcode_of_a_country_without_rules_still_places_an_address():
    postcodes = standardise_postcodes(pd.Series(["10000", "2000"]), pd.Series(["XK", "AU"]))
    assert flags(postcodes["postcode_valid"]) == [None, True]
    out = standardise_addresses(
        pd.DataFrame(
            {
                "address_line1": ["Rruga Agim Ramadani 5", "1 George Street"],
                "address_line2": None,
                "city": ["Prishtina", "Sydney"],
                "region": None,
                "postcode_std": postcodes["postcode_std"],
                "postcode_valid": postcodes["postcode_valid"],
                "country_std": ["XK", "AU"],
            }
        )
    )
    assert out["address_key"].notna().all()
    # the same without a postcode_valid column: re-checked, same answer
    again = standardise_addresses(
        pd.DataFrame(
            {
                "address_line1": ["Rruga Agim Ramadani 5"],
                "address_line2": None,
                "city": ["Prishtina"],
                "region": None,
                "postcode_std": postcodes["postcode_std"].iloc[:1],
                "country_std": ["XK"],
            }
        )
    )
    assert again["address_key"].notna().all()


def test_household_places_use_unchecked_postcodes_but_not_bad_ones():
    from helpers.household.stage import person_places

    clean = pd.DataFrame(
        {
            "record_key": ["a:1", "a:2", "a:3"],
            "country_std": ["XK", "ES", "ES"],
            "postcode_std": ["10000", "99999", "28013"],
            "postcode_valid": pd.array([None, False, True], dtype="boolean"),
        }
    )
    links = pd.DataFrame({"record_key": clean["record_key"], "person_id": ["P1", "P2", "P3"]})
    golden = pd.DataFrame({"person_id": ["P1", "P2", "P3"], "address_key": [None, None, None]})
    places = person_places(clean, links, golden)
    assert [len(p) if isinstance(p, (list, np.ndarray)) else 0 for p in places] == [1, 0, 1]


def test_the_report_shows_the_unknown_share_beside_the_invalid():
    from helpers.report.facts import cleaning_table
    from helpers.report.render import table_html

    clean = clean_like(AU_IDS, ["AU"] * len(AU_IDS))
    table = cleaning_table(clean, {})
    assert table.loc["national_id", "invalid_share"] == 0 and table.loc["national_id", "unknown_share"] == 1
    old_run = cleaning_table(
        clean,
        {
            "metrics": {
                "change_summary": [{"field": "national_id", "given": 5, "changed_share": 0.0, "invalid_share": 1.0}]
            }
        },
    )
    assert pd.isna(old_run.loc["national_id", "unknown_share"])  # recorded before the column existed
    assert "100.00%" in table_html(table, {"unknown_share": "pct2"})
