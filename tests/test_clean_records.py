"""Stage 02 as a whole: standardised columns beside raw ones, quarantine, reconciliation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from helpers.clean.records import ReconciliationError, check_reconciliation, clean_people, reconcile
from helpers.ingest import ingest
from helpers.registry import load_registry

REF = date(2026, 11, 15)


@pytest.fixture
def stage01(mini_sources):
    result = ingest(load_registry(mini_sources))
    return result.tables["people"], result.summary


def test_every_record_is_clean_or_quarantined(stage01):
    raw, summary = stage01
    extra = raw.iloc[[0]].copy()  # an exact duplicate row (export glitch)
    nobody = raw.iloc[[1]].copy()
    nobody[["first_name", "last_name", "email", "phone", "address_line1", "full_name", "title"]] = None
    nobody["source_record_id"] = "C999"
    raw = pd.concat([raw, extra, nobody], ignore_index=True)
    result = clean_people(raw, summary, REF)
    assert len(result.clean) + len(result.quarantine) == len(raw)
    reasons = result.quarantine.set_index("source_record_id")["reason"]
    assert reasons["C001"].startswith("exact duplicate of record at row 1")
    assert reasons["C999"].startswith("no usable identity")
    assert result.reconciliation["balanced"].all()
    check_reconciliation(result.reconciliation)
    assert result.clean["record_key"].is_unique


def test_raw_values_are_kept_beside_standardised_ones(stage01):
    raw, summary = stage01
    clean = clean_people(raw, summary, REF).clean.set_index("record_key")
    maria = clean.loc["crm:C002"]
    assert maria["email"] == "MARIA.P@HOTMIAL.COM"  # raw kept
    assert maria["email_std"] == "maria.p@hotmail.com" and maria["email_corrected"]
    assert maria["phone_std"] == "+34699111222" and maria["country_std"] == "ES"
    jose = clean.loc["crm:C001"]
    assert jose["date_of_birth_std"] == pd.Timestamp("1985-03-04") and jose["age"] == 41
    assert jose["last_name_std"] == "García López" and jose["surname_2_key"] == "lopez"
    lead = clean.loc["leads:1"]  # full name "GARCIA, José", Excel serial birth date
    assert (lead["first_name_std"], lead["last_name_std"]) == ("José", "Garcia")
    assert lead["date_of_birth_std"] == pd.Timestamp("1985-03-04")
    pepe = clean.loc["shop:E1"]
    assert pepe["first_name_canonical"] == jose["first_name_canonical"]  # Pepe = José
    assert pepe["email_opt_in_std"] is True or bool(pepe["email_opt_in_std"]) is True


def test_country_default_comes_from_the_registry(stage01):
    raw, summary = stage01
    raw = raw.copy()
    raw.loc[raw["source_record_id"] == "C002", "country"] = None  # the CRM's default is ES
    clean = clean_people(raw, summary, REF).clean.set_index("record_key")
    assert clean.loc["crm:C002", "country_std"] == "ES" and clean.loc["crm:C002", "country_from_default"]


def test_spanish_h_m_gender_forms(stage01):
    raw, summary = stage01
    raw = raw.copy()
    raw.loc[raw["source_record_id"] == "C001", "gender"] = "H"
    raw.loc[raw["source_record_id"] == "C002", "gender"] = "M"  # same source and country: M = Mujer
    raw.loc[raw["source_record_id"] == "C006", "gender"] = "M"  # Italian record: M = male
    clean = clean_people(raw, summary, REF).clean.set_index("record_key")
    assert clean.loc[["crm:C001", "crm:C002", "crm:C006"], "gender_std"].tolist() == ["M", "F", "M"]


def test_reconciliation_detects_lost_records(stage01):
    raw, summary = stage01
    result = clean_people(raw, summary, REF)
    lost = reconcile(raw, result.clean.iloc[1:], result.quarantine)
    assert not lost["balanced"].all()
    with pytest.raises(ReconciliationError, match="crm: 4 in, 3 clean"):
        check_reconciliation(lost)


def test_a_per_column_date_format_reaches_stage_02(mini_sources):
    """`date_formats: {date_of_birth: "%Y%m%d"}` beside the source's `date_format: "%d/%m/%Y"`."""
    path = mini_sources.parent / "mixed.csv"
    path.write_text(
        "id,name,born,joined\n1,Ana Lopez,19850304,04/03/2020\n2,Luis Perez,19700112,12/01/2021\n", encoding="utf-8"
    )

    def add(d):
        d["sources"] = [
            d["sources"][0],
            {
                "name": "mixed",
                "path": "mixed.csv",
                "format": "csv",
                "kind": "people",
                "id_column": "id",
                "extracted_at": "2026-11-01T00:00:00Z",
                "date_format": "%d/%m/%Y",
                "date_formats": {"date_of_birth": "%Y%m%d"},
                "columns": {"full_name": "name", "date_of_birth": "born", "signup_date": "joined"},
            },
        ]

    from conftest import edit_registry

    edit_registry(mini_sources, add)
    result = ingest(load_registry(mini_sources))
    clean = clean_people(result.tables["people"], result.summary, REF).clean.query("source == 'mixed'")
    assert clean["date_of_birth_std"].dt.strftime("%Y-%m-%d").tolist() == ["1985-03-04", "1970-01-12"]
    assert clean["signup_date_std"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-04", "2021-01-12"]
