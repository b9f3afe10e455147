"""Any customer file runs: hostile values never crash a step and never lose a row.

Property tests on the functions the notebooks call for cleaning (every standardiser, the stage
02 entry point, the change summary), profiling, survivorship, households, contactability and
segment metrics. Values are what real exports hold on a bad day: empty and blank strings,
control characters, 10,000-character strings, numbers and booleans where text is expected,
mixed scripts, emoji, None, NaN. The properties: no exception, one output row per input row
(same index), validity flags only True / False / null, and every row either clean or
quarantined. Example counts are small so the file runs in well under a minute.
"""

from __future__ import annotations

import tempfile
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from helpers.clean.records import NAME_COLUMNS, check_reconciliation, clean_people
from helpers.clean.summary import change_summary, change_summary_records
from helpers.schema import LINEAGE, PEOPLE
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.dates import age_at, age_band, standardise_dates
from helpers.standardise.emails import standardise_emails
from helpers.standardise.flags import standardise_flag
from helpers.standardise.gender import m_means_by_group, standardise_gender
from helpers.standardise.names import standardise_names
from helpers.standardise.national_ids import standardise_national_ids
from helpers.standardise.phones import standardise_phones
from helpers.standardise.postcodes import standardise_postcodes

REF = date(2026, 11, 15)

NASTY = [
    "",
    " ",
    "\t\n ",
    "\x00",
    "\x07\x1b[31m",
    "\u200b",
    "\ufeff",
    "\u202e",
    "n/a",
    "NULL",
    "None",
    "nan",
    "😀👍🏽",
    "José 😀 García",
    "Ελένη Παπαδοπούλου",
    "Кириллица",
    "漢字かな",
    "محمد",
    "١٢٣٤٥٦٧٨٩",
    "x" * 10_000,
    "9" * 10_000,
    "+",
    "00",
    "--",
    "\\",
    "'; DROP TABLE x; --",
    "%s %d {0}",
    "0",
    "-1",
    "1e309",
    "inf",
    "12/13/2020",
    "31/02/1985",
    "0000-00-00",
    "9999-12-31",
    "1063-11-01",
    "10000-01-01",
    "28013",
    "+34 612 345 678",
    "a@b",
    "@@",
    "ES",
    "ZZ",
    "Calle Mayor 5, 3º 2ª",
    "PO Box 12",
]
VALUES = st.one_of(
    st.none(),
    st.sampled_from(NASTY),
    st.text(max_size=30),  # any unicode, control characters included
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
COUNTRIES = st.one_of(
    st.none(), st.sampled_from(["ES", "IT", "PT", "BR", "GB", "US", "AU", "XK", "ZZ", "", " es "]), st.text(max_size=4)
)
SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def column(values: list) -> pd.Series:
    """Values on a shuffled, non-default index: an output that loses the index shows it."""
    return pd.Series(values, dtype=object, index=np.arange(len(values))[::-1] * 7 + 3)


def assert_rows_kept(out: pd.DataFrame | pd.Series, values: pd.Series) -> None:
    assert len(out) == len(values)
    assert out.index.equals(values.index)


def assert_flags(flags: pd.Series) -> None:
    """A validity flag is True, False or null — nothing else (no strings, no NaN floats)."""
    assert str(flags.dtype) in ("bool", "boolean"), flags.dtype
    assert set(flags.dropna().tolist()) <= {True, False}


# --------------------------------------------------------------------------- standardisers


@SETTINGS
@given(st.lists(st.tuples(VALUES, COUNTRIES), min_size=1, max_size=8))
def test_field_standardisers_survive_anything(pairs):
    values = column([v for v, _ in pairs])
    country = standardise_countries(column([c for _, c in pairs]))["country_std"]
    assert_rows_kept(country, values)
    for func, flag in (
        (standardise_phones, "phone_valid"),
        (standardise_postcodes, "postcode_valid"),
        (standardise_national_ids, "national_id_valid"),
    ):
        out = func(values, country)
        assert_rows_kept(out, values)
        assert_flags(out[flag])
    emails = standardise_emails(values)
    assert_rows_kept(emails, values)
    assert_flags(emails["email_valid"])
    assert_rows_kept(standardise_flag(values), values)
    assert_rows_kept(standardise_gender(values, m_means_by_group(values, country.fillna(""))), values)


@SETTINGS
@given(
    st.lists(VALUES, min_size=1, max_size=8),
    st.sampled_from(["birth", "event"]),
    st.sampled_from([None, "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%y", "%Q nonsense"]),
)
def test_dates_survive_anything_and_keep_what_they_read(values, kind, hint):
    raw = column(values)
    out = standardise_dates(raw, hint, REF, kind=kind)
    assert_rows_kept(out, raw)
    assert_flags(out["date_valid"])
    read = out["date_std"].notna()
    assert not (out["date_valid"] & ~read).any()  # valid only with a date
    assert out.loc[read & ~out["date_valid"], "date_issue"].notna().all()  # a read, invalid date says why


@SETTINGS
@given(st.lists(st.tuples(VALUES, VALUES, VALUES, VALUES, COUNTRIES), min_size=1, max_size=6))
@example(rows=[("9" * 10_000, None, None, None, None)])  # a house "number" int() cannot take
def test_names_and_addresses_survive_anything(rows):
    country = standardise_countries(column([r[4] for r in rows]))["country_std"]
    names = pd.DataFrame({c: column([r[i % 4] for r in rows]) for i, c in enumerate(NAME_COLUMNS)})
    assert_rows_kept(standardise_names(names, country), country)
    postcodes = standardise_postcodes(column([r[3] for r in rows]), country)
    frame = pd.DataFrame(
        {
            "address_line1": column([r[0] for r in rows]),
            "address_line2": column([r[1] for r in rows]),
            "city": column([r[2] for r in rows]),
            "region": None,
            "postcode_std": postcodes["postcode_std"],
            "postcode_valid": postcodes["postcode_valid"],
            "country_std": country,
        }
    )
    out = standardise_addresses(frame)
    assert_rows_kept(out, country)
    assert_flags(out["address_valid"])
    # without postcode_valid the addresses re-check the postcodes themselves
    assert_rows_kept(standardise_addresses(frame.drop(columns=["postcode_valid"])), country)


# --------------------------------------------------------------------------- stage 02 and later

SUMMARY = pd.DataFrame(
    {
        "source": ["crm", "shop"],
        "default_country": ["ES", None],
        "date_format": ["%d/%m/%Y", None],
        "cadence": ["weekly", None],
        "kind": ["people", "people"],
        "extracted_at": pd.to_datetime(["2026-11-01T02:00:00Z", "2026-11-10T00:00:00Z"]),
    }
)


def raw_people(rows: list[dict]) -> pd.DataFrame:
    """A stage-01 people table: lineage plus every canonical column, values as hostile as given."""
    n = len(rows)
    raw = pd.DataFrame(
        {
            "source": ["crm" if i % 2 == 0 else "shop" for i in range(n)],
            "source_record_id": [f"R{i // 3}" for i in range(n)],  # some ids repeat, as exports do
            "source_row_number": np.arange(1, n + 1, dtype="int64"),
            "extracted_at": pd.to_datetime(["2026-11-01T02:00:00Z"] * n, utc=True),
        }
    )
    for col in ["record_updated_at", *PEOPLE]:
        raw[col] = pd.Series([r.get(col) for r in rows], dtype=object)
    return raw[[*LINEAGE, *PEOPLE]]


PEOPLE_ROWS = st.lists(
    st.fixed_dictionaries({}, optional={c: VALUES for c in ["record_updated_at", *PEOPLE]}),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(PEOPLE_ROWS)
def test_stage_02_keeps_every_record_whatever_it_holds(rows):
    raw = raw_people(rows)
    result = clean_people(raw, SUMMARY, REF)
    assert len(result.clean) + len(result.quarantine) == len(raw)
    check_reconciliation(result.reconciliation)
    clean = result.clean
    for col in [c for c in clean.columns if c.endswith("_valid")]:
        assert_flags(clean[col])
    # raw values travel unchanged beside the standardised ones
    kept = raw.set_index(["source", "source_row_number"]).loc[list(zip(clean["source"], clean["source_row_number"]))]
    for col in PEOPLE:
        assert [repr(v) for v in kept[col]] == [repr(v) for v in clean[col]], col
    table = change_summary(clean)
    assert (table["invalid"].fillna(0) + table["unknown"].fillna(0) <= table["given"]).all()
    change_summary_records(table)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(PEOPLE_ROWS)
@example(rows=[{"mail_opt_in": 0, "email": 1.5, "country": True}])  # a spreadsheet number, a JSON boolean
def test_profiling_survives_anything(rows):
    from helpers.profile import duplicates_by_source, invalid_shares, profile_columns

    raw = raw_people(rows)
    assert profile_columns(raw)["rows"].groupby(level=0).size().sum() > 0
    assert duplicates_by_source(raw)["rows"].sum() == len(raw)
    shares = invalid_shares(raw, SUMMARY, REF)
    assert (shares["invalid"] + shares["unknown"] <= shares["given"]).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(PEOPLE_ROWS, st.integers(min_value=1, max_value=3))
def test_golden_households_contacts_and_metrics_survive_anything(rows, persons):
    """Stages 04-07 on the clean records of hostile rows, every record linked to one of a few persons."""
    from helpers.contact.rules import load_rules as contact_rules
    from helpers.contact.stage import person_records, run_contactability
    from helpers.golden.records import golden_customers
    from helpers.golden.survivorship import load_rules as golden_rules
    from helpers.household.rules import load_rules as household_rules
    from helpers.household.stage import CLEAN_COLUMNS, build_households, move_people, person_places
    from helpers.segment.metrics import customer_metrics

    clean = clean_people(raw_people(rows), SUMMARY, REF).clean
    if clean.empty:
        return
    links = pd.DataFrame(
        {"record_key": clean["record_key"], "person_id": [f"C{i % persons:09d}" for i in range(len(clean))]}
    )
    golden = golden_customers(clean, links, golden_rules(ROOT / "config" / "survivorship.yaml"))
    assert len(golden) == links["person_id"].nunique()
    golden.insert(golden.columns.get_loc("date_of_birth") + 1, "age", age_at(golden["date_of_birth"], REF))
    golden.insert(golden.columns.get_loc("age") + 1, "age_band", age_band(golden["age"]))

    rules = household_rules(ROOT / "config" / "households.yaml")
    moved, people = move_people(golden, clean[CLEAN_COLUMNS], None, SUMMARY, rules, REF)
    people["places"] = person_places(clean[CLEAN_COLUMNS], links, moved.golden).to_numpy()
    with tempfile.TemporaryDirectory() as processed:
        result = build_households(moved.golden, people, rules, "hostile", processed)
    assert result.members["person_id"].nunique() == len(golden)

    suppressions = pd.DataFrame(
        [
            {
                "source": "crm",
                "source_record_id": f"S{i}",
                "channel": "email",
                "email": r.get("email"),
                "phone": r.get("phone"),
                "first_name": r.get("first_name"),
                "last_name": r.get("last_name"),
                "full_name": None,
                "address_line1": r.get("address_line1"),
                "postcode": r.get("postcode"),
                "city": r.get("city"),
                "country": r.get("country"),
                "reason": "unsubscribe",
                "event_at": r.get("signup_date"),
            }
            for i, r in enumerate(rows)
        ],
        dtype=object,
    )
    contact = run_contactability(
        golden,
        person_records(clean, links),
        suppressions,
        SUMMARY,
        contact_rules(ROOT / "config" / "contactability.yaml"),
        REF,
    )
    assert contact.table["person_id"].nunique() == len(golden)

    no_purchases = pd.DataFrame(
        {
            "person_id": pd.Series(dtype=object),
            "order_key": pd.Series(dtype=object),
            "purchased_on": pd.Series(dtype="datetime64[s]"),
            "amount_reporting": pd.Series(dtype=float),
            "on_promotion": pd.Series(dtype=bool),
            "product_category": pd.Series(dtype=object),
        }
    )
    metrics = customer_metrics(golden[["person_id", "first_seen"]], no_purchases, REF)
    assert len(metrics) == len(golden)


TYPED = st.sampled_from(["float64", "Int64", "string", "boolean", "object"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=1)), min_size=1, max_size=5),
    st.lists(TYPED, min_size=len(PEOPLE) + 1, max_size=len(PEOPLE) + 1),
)
def test_typed_source_columns_survive_stage_02_and_the_profile(values, dtypes):
    """A parquet or spreadsheet source hands typed columns (floats, nullable integers, strings,
    booleans with pd.NA), not text: cleaning, its summary and the profile take them as given."""
    from helpers.profile import invalid_shares, profile_columns

    raw = raw_people([{}] * len(values))
    for col, dtype in zip(["record_updated_at", *PEOPLE], dtypes):
        typed = [
            None if v is None else (str(v) if dtype == "string" else bool(v) if dtype == "boolean" else v)
            for v in values
        ]
        raw[col] = pd.array(typed, dtype=dtype)
    result = clean_people(raw, SUMMARY, REF)
    assert len(result.clean) + len(result.quarantine) == len(raw)
    table = change_summary(result.clean)
    assert (table["changed"] <= table["given"]).all()
    assert len(profile_columns(raw)) == len(PEOPLE) * raw["source"].nunique()
    invalid_shares(raw, SUMMARY, REF)
