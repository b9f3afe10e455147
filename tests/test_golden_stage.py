"""Stage 04's entry point (helpers.golden.stage) on small hand-made records: erasure first, the golden
table with its age columns, the figures the page shows and the typed record built from them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from helpers.catalog import T
from helpers.golden.stage import build_golden, erase, erasure_line, match_record, with_age
from helpers.golden.survivorship import FIELD_COLUMNS, Group, load_rules
from helpers.privacy_requests.erasure import ErasureResult
from helpers.run_context import StageContext
from helpers.stage_records import GoldenRecord, MatchRecord, StageRecordError, record_path
from helpers.storage import write_json

REF = date(2026, 11, 15)
VALIDITY = ["email_valid", "phone_valid", "date_of_birth_valid", "national_id_valid", "address_valid"]


def records(*rows: dict) -> pd.DataFrame:
    """Clean-like records: every column survivorship reads, None/False unless given."""
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


# Three people: Ana (two records, CRM and shop), Luis (one), Zoe (one, no birth date, no email).
ANA_CRM = {
    "record_key": "crm:1",
    "source": "crm",
    "record_updated_at_std": "2025-01-01",
    "first_name_std": "Ana",
    "last_name_std": "Lopez",
    "date_of_birth_std": "1985-11-15",  # her birthday is the reference date: 41 completed years
    "date_of_birth_valid": True,
    "address_line1_std": "Calle Mayor 5",
    "address_valid": True,
}
ANA_SHOP = {
    "record_key": "shop:9",
    "source": "shop",
    "record_updated_at_std": "2026-01-01",
    "first_name_std": "Ana",
    "last_name_std": "Lopez",
    "email_std": "ana@x.com",
    "email_valid": True,
    "phone_std": "+34612345678",
    "phone_valid": True,
}
LUIS = {
    "record_key": "crm:2",
    "source": "crm",
    "first_name_std": "Luis",
    "last_name_std": "Martin",
    "date_of_birth_std": "1990-11-16",  # birthday the day after the reference date: still 35
    "date_of_birth_valid": True,
    "email_std": "luis@x.com",
    "email_valid": True,
}
ZOE = {"record_key": "shop:10", "source": "shop", "first_name_std": "Zoe", "last_name_std": "Kay"}
PERSON = {"crm:1": "C1", "shop:9": "C1", "crm:2": "C2", "shop:10": "C3"}


def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    clean = records(ANA_CRM, ANA_SHOP, LUIS, ZOE)
    links = pd.DataFrame({"record_key": clean["record_key"], "person_id": clean["record_key"].map(PERSON)})
    return clean, links


@pytest.fixture(scope="module")
def shipped_rules() -> list[Group]:
    return load_rules(ROOT / "config" / "survivorship.yaml")


# -- age and age band -----------------------------------------------------------------------------------


def test_age_and_band_follow_the_birth_date_and_the_reference_date():
    golden = pd.DataFrame(
        {
            "person_id": ["A", "B", "C", "D", "E"],
            "date_of_birth": pd.to_datetime(["1985-11-15", "1990-11-16", None, "2030-01-01", "2026-11-15"]),
            "email": [None] * 5,
        }
    )
    out = with_age(golden, REF)
    assert list(out.columns) == ["person_id", "date_of_birth", "age", "age_band", "email"]
    ages = out["age"].astype(object).where(out["age"].notna(), None).tolist()
    # birthday on the reference date counts; the day after does not; no date and a future date give no age
    assert ages == [41, 35, None, None, 0]
    assert out["age"].dtype == "Int64"
    bands = out["age_band"].astype(object).where(out["age_band"].notna(), None).tolist()
    assert bands[:4] == ["35-44", "35-44", None, None] and bands[4] == "0-17"
    assert list(golden.columns) == ["person_id", "date_of_birth", "email"]  # the input is left alone


def test_the_age_is_the_reference_dates_not_todays():
    golden = pd.DataFrame({"person_id": ["A"], "date_of_birth": pd.to_datetime(["2000-06-30"])})
    assert with_age(golden, date(2020, 6, 29))["age"].iloc[0] == 19
    assert with_age(golden, date(2020, 6, 30))["age"].iloc[0] == 20
    assert with_age(golden, date(1999, 1, 1))["age"].isna().all()  # born after the reference date


def test_golden_records_without_a_birth_date_column_say_what_to_configure():
    with pytest.raises(ValueError, match="date_of_birth.*survivorship"):
        with_age(pd.DataFrame({"person_id": ["A"]}), REF)


# -- the golden table and the figures that explain it -----------------------------------------------------


def test_build_golden_gives_one_row_per_person_with_the_catalog_columns(shipped_rules):
    clean, links = world()
    result = build_golden(clean, links, shipped_rules, REF)
    golden = result.golden.set_index("person_id")
    assert list(golden.index) == ["C1", "C2", "C3"]
    T.golden_records.check_columns(list(result.golden.columns), "test")  # the write contract holds
    cols = list(result.golden.columns)
    assert cols.index("age") == cols.index("date_of_birth") + 1 and cols.index("age_band") == cols.index("age") + 1
    assert golden["age"].astype(object).where(golden["age"].notna(), None).tolist() == [41, 35, None]
    assert golden.loc["C1", "email"] == "ana@x.com" and golden.loc["C1", "address_line1"] == "Calle Mayor 5"
    assert golden["record_count"].sum() == result.rows_in == len(clean)


def test_lineage_and_completeness_figures_add_up(shipped_rules):
    clean, links = world()
    result = build_golden(clean, links, shipped_rules, REF)
    lineage = result.lineage
    assert set(lineage["group"]) <= {g.name for g in shipped_rules}
    for group, rows in lineage.groupby("group"):
        assert rows["persons"].sum() == result.golden[f"{group}_source"].notna().sum()
        assert rows["share"].sum() == pytest.approx(1.0)
    gain = result.gain
    assert gain.loc["email", "golden"] == pytest.approx(2 / 3)  # Ana and Luis of three
    assert gain.loc["email", "single record"] == pytest.approx(2 / 4)  # two of four records
    assert gain.loc["date of birth", "golden"] == pytest.approx(2 / 3)
    per_source = result.sources_per_customer()
    assert per_source.loc["customers"].to_dict() == {1: 2, 2: 1}  # Ana from two sources
    rules = result.rules_table()
    assert list(rules.index) == [g.name for g in shipped_rules]
    assert set(rules["rule"]) <= {"source_priority", "most_recent", "most_frequent", "most_complete"}


def test_the_record_is_built_from_the_tables(shipped_rules):
    clean, links = world()
    result = build_golden(clean, links, shipped_rules, REF)
    erasure = ErasureResult(Path("."), persons=2, records=3, requests_in_lists=1, requests_recorded=1)
    record = result.record(erasure, gates_passed=["record_links", "golden_customers"])
    assert isinstance(record, GoldenRecord)
    assert (record.rows_in, record.rows_out) == (4, 3)
    assert record.headline["golden customers"] == 3
    assert record.headline["with email"] == "66.7%" and record.headline["with address"] == "33.3%"
    assert record.headline["persons erased"] == 2
    assert record.fill_rates == result.gain["golden"].round(4).to_dict()
    assert record.survivorship == {g.name: g.rule for g in shipped_rules}
    assert record.erasure == erasure.figures() and record.erasure["persons_erased"] == 2
    assert record.gates_passed == ["record_links", "golden_customers"]
    assert GoldenRecord.from_payload(record.payload()).metrics() == record.metrics()  # saved and read back whole
    nobody = result.record(ErasureResult(Path(".")), gates_passed=[])
    assert "persons erased" not in nobody.headline  # no erasure, no line about it


# -- erasure first --------------------------------------------------------------------------------------


def _run_folder(base: Path) -> Path:
    """A run after stage 03 with Ana's erasure request in a suppression list."""
    run_dir = base / "processed" / "r1"
    run_dir.mkdir(parents=True)
    clean, links = world()
    clean = clean.assign(
        email_key=clean["email_std"],
        national_id_std=None,
        first_name_key=clean["first_name_std"].str.lower(),
        first_name_canonical=clean["first_name_std"].str.lower(),
        source_record_id=clean["record_key"].str.split(":").str[1],
        source_row_number=range(1, len(clean) + 1),
    )
    clean.to_parquet(run_dir / T.clean_records.file)
    raw = clean[["source", "source_record_id", "source_row_number", "first_name_std", "email_std"]]
    raw.rename(columns={"first_name_std": "first_name", "email_std": "email"}).to_parquet(run_dir / T.raw_records.file)
    links.to_parquet(run_dir / T.record_links.file)
    pd.DataFrame(
        {"source": ["crm", "shop", "erasures"], "kind": ["people", "people", "suppressions"], "default_country": "ES"}
    ).to_parquet(run_dir / T.source_summary.file)
    pd.DataFrame(
        {
            "source": ["erasures"],
            "source_record_id": ["e1"],
            "email": ["ana@x.com"],
            "first_name": ["Ana"],
            "last_name": ["Lopez"],
            "reason": ["Right to be forgotten"],
        }
    ).to_parquet(run_dir / T.suppressions.file)
    return run_dir


def test_erasure_comes_first_and_the_golden_table_never_holds_the_erased(tmp_path, shipped_rules):
    run_dir = _run_folder(tmp_path)
    erasure = erase(run_dir, tmp_path / "decisions", "r1", tmp_path / "reports" / "r1")
    assert (erasure.persons, erasure.records, erasure.requests_in_lists, erasure.requests_recorded) == (1, 2, 1, 1)
    assert erasure_line(erasure) == (
        "erasure: 1 persons (2 records) removed; 1 requests in suppression lists, 1 newly recorded"
    )
    clean = pd.read_parquet(run_dir / T.clean_records.file)
    links = pd.read_parquet(run_dir / T.record_links.file)
    result = build_golden(clean, links, shipped_rules, REF)
    assert result.golden["person_id"].tolist() == ["C2", "C3"]
    record = result.record(erasure, gates_passed=["record_links", "golden_customers"])
    assert record.rows_in == 2 and record.headline["persons erased"] == 1
    again = erase(run_dir, tmp_path / "decisions", "r1", None)  # already applied: nothing more goes
    assert (again.persons, again.requests_recorded) == (0, 0)


def test_nothing_asked_nothing_stored_erases_nobody(tmp_path):
    run_dir = _run_folder(tmp_path)
    (run_dir / T.suppressions.file).unlink()
    erasure = erase(run_dir, tmp_path / "decisions", "r1", None)
    assert (erasure.persons, erasure.records, erasure.requests_in_lists) == (0, 0, 0)
    assert len(pd.read_parquet(run_dir / T.clean_records.file)) == 4
    assert not (tmp_path / "decisions").exists()  # no key is made when nothing was asked


# -- stage 03's record, typed, on scheduled and hand runs -------------------------------------------------------


def _match_payload(carried: int) -> dict:
    record = MatchRecord(
        rows_in=4,
        rows_out=3,
        model_source="trained",
        training={},
        comparisons=[],
        left_out=[],
        pairs_scored=1,
        pairs_linked=1,
        pairs_vetoed=0,
        vetoes_lifted=0,
        person_ids={"carried_over": carried, "new": 1},
        evaluation=None,
    )
    return record.payload()


def test_stage_03_record_is_read_typed_from_the_run_or_from_latest_on_a_hand_run(tmp_path):
    run_dir, latest = tmp_path / "interactive", tmp_path / "latest"
    for folder in (run_dir, latest):
        folder.mkdir()
    write_json(_match_payload(carried=7), record_path(latest, MatchRecord.STAGE))
    hand = StageContext("04_golden_records", "interactive", run_dir, tmp_path / "reports", fallback_dir=latest)
    assert match_record(hand).person_ids == {"carried_over": 7, "new": 1}  # the hand run falls back to latest
    write_json(_match_payload(carried=2), record_path(run_dir, MatchRecord.STAGE))
    assert match_record(hand).person_ids["carried_over"] == 2  # its own record wins once it has one
    scheduled = StageContext("04_golden_records", "r2", tmp_path / "r2", tmp_path / "reports")
    with pytest.raises(StageRecordError, match="03_match_customers"):
        match_record(scheduled)  # a scheduled run never reads another run's record
