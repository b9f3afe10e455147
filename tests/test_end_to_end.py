"""The whole pipeline on small generated demo data, through the real notebooks and runner."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from helpers.generate import DEFAULT_AS_OF, generate, registry_yaml
from helpers.registry import load_registry
from helpers.runner import RunOptions, discover_stages, run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("e2e")
    generate(persons=600, seed=7, out=base / "raw")
    out = io.StringIO()
    code = run(
        ROOT,
        RunOptions(
            sources=str(base / "raw" / "sources.yaml"),
            run_id="e2e",
            overrides={
                "processed_dir": str(base / "processed"),
                "reports_dir": str(base / "reports"),
                "decisions_dir": str(base / "decisions"),  # never the user's store
                "truth_path": str(base / "raw" / "truth" / "records.csv"),
                "reference_date": "2026-11-15",
            },
        ),
        out=out,
    )
    return {"code": code, "log": out.getvalue(), "base": base, "run_dir": base / "processed" / "e2e"}


def test_every_stage_passes_and_latest_moves(demo_run):
    assert demo_run["code"] == 0, demo_run["log"]
    manifest = json.loads((demo_run["run_dir"] / "run_manifest.json").read_text())
    assert manifest["status"] == "passed"
    assert [s["name"] for s in manifest["stages"]] == [s.name for s in discover_stages(ROOT)]
    assert (demo_run["base"] / "processed" / "latest" / "run_manifest.json").exists()
    assert (demo_run["base"] / "reports" / "latest" / "index.html").exists()


def test_every_table_of_the_run_is_the_catalogs(demo_run):
    from test_catalog import check_run_against_catalog

    assert check_run_against_catalog(demo_run["run_dir"]) == []


def test_every_people_record_of_the_truth_is_read_or_quarantined(demo_run):
    run_dir = demo_run["run_dir"]
    truth = pd.read_csv(demo_run["base"] / "raw" / "truth" / "records.csv", dtype=str)
    raw = pd.read_parquet(run_dir / "raw_records.parquet")
    quarantine = pd.read_parquet(run_dir / "quarantine.parquet")
    read = set(zip(raw["source"], raw["source_record_id"]))
    truth_keys = set(zip(truth["source"], truth["source_record_id"]))
    assert read <= truth_keys  # nothing invented
    missing = truth_keys - read
    people_sources = set(truth["source"])
    unreadable = quarantine[quarantine["source"].isin(people_sources) & (quarantine["reason"] != "empty line")]
    # each truth record not read is one quarantined row (some without a readable id)
    assert len(missing) == len(unreadable)
    known = set(zip(unreadable["source"], unreadable["source_record_id"])) - {(s, None) for s in people_sources}
    assert known <= missing


def test_committed_demo_registry_matches_the_generator():
    """config/sources.yaml is the generator's registry with paths into data/raw/."""
    committed = (ROOT / "config" / "sources.yaml").read_text(encoding="utf-8")
    assert committed == registry_yaml(DEFAULT_AS_OF, "../data/raw/")


def test_committed_demo_registry_is_valid_without_files():
    registry = load_registry(ROOT / "config" / "sources.yaml", check_files=False)
    assert {s.kind for s in registry.sources} == {
        "people",
        "transactions",
        "interactions",
        "suppressions",
        "address_changes",
    }
    assert all(str(s.path).startswith(str(ROOT / "data" / "raw")) for s in registry.sources)


def test_matching_and_golden_records_add_up(demo_run):
    run_dir = demo_run["run_dir"]
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    links = pd.read_parquet(run_dir / "record_links.parquet")
    golden = pd.read_parquet(run_dir / "golden_customers.parquet")
    assert len(links) == len(clean) and links["record_key"].is_unique
    assert set(links["record_key"]) == set(clean["record_key"])
    assert golden["person_id"].is_unique and set(golden["person_id"]) == set(links["person_id"])
    assert golden["record_count"].sum() == len(clean)
    stage = json.loads((run_dir / "stages" / "03_match_customers.json").read_text())
    assert stage["metrics"]["evaluation"]["f1"] > 0.9, stage["metrics"]["evaluation"]


def test_a_rerun_keeps_every_person_id(demo_run):
    """Run matching again on the same data: `latest` is the first run, so ids carry over."""
    base = demo_run["base"]
    out = io.StringIO()
    code = run(
        ROOT,
        RunOptions(
            sources=str(base / "raw" / "sources.yaml"),
            run_id="e2e-rerun",
            from_stage="03",
            overrides={
                "processed_dir": str(base / "processed"),
                "reports_dir": str(base / "reports"),
                "decisions_dir": str(base / "decisions"),  # never the user's store
                "reference_date": "2026-11-15",
                "analyst_dashboards": False,
            },
        ),
        out=out,
    )
    assert code == 0, out.getvalue()
    first = pd.read_parquet(demo_run["run_dir"] / "record_links.parquet").set_index("record_key")["person_id"]
    again = pd.read_parquet(base / "processed" / "e2e-rerun" / "record_links.parquet").set_index("record_key")[
        "person_id"
    ]
    pd.testing.assert_series_equal(again.sort_index(), first.sort_index())
    changes = pd.read_parquet(base / "processed" / "e2e-rerun" / "person_id_changes.parquet")
    assert changes.empty
    # households carry over too: same members, same household ids
    households_first = pd.read_parquet(demo_run["run_dir"] / "golden_customers.parquet").set_index("person_id")[
        "household_id"
    ]
    households_again = pd.read_parquet(base / "processed" / "e2e-rerun" / "golden_customers.parquet").set_index(
        "person_id"
    )["household_id"]
    pd.testing.assert_series_equal(households_again.sort_index(), households_first.sort_index())
    # the rerun's report compares itself with the first run
    report = (base / "reports" / "e2e-rerun" / "customer_report.html").read_text(encoding="utf-8")
    assert "previous run (e2e)" in report


def test_households_and_contactability_add_up(demo_run):
    run_dir = demo_run["run_dir"]
    golden = pd.read_parquet(run_dir / "golden_customers.parquet")
    households = pd.read_parquet(run_dir / "households.parquet")
    assert golden["household_id"].notna().all()
    assert households["members"].sum() == len(golden)
    assert set(households["household_id"]) == set(golden["household_id"])
    moves = pd.read_parquet(run_dir / "address_moves.parquet")
    changes = pd.read_parquet(run_dir / "address_changes.parquet")
    assert (moves["status"] != "child_followed").sum() == len(changes)  # every request has one outcome
    contact = pd.read_parquet(run_dir / "contactability.parquet")
    assert len(contact) == 4 * len(golden)
    # opt-outs always win: a person matched to the do-not-call list is never callable
    matches = pd.read_parquet(run_dir / "suppression_matches.parquet")
    stage = json.loads((run_dir / "stages" / "05_households.json").read_text())
    assert stage["metrics"]["evaluation"]["records"]["f1"] > 0.8, stage["metrics"]["evaluation"]
    dnc = set(matches.loc[matches["reason"] == "do_not_call", "person_id"].dropna())
    calls = contact[contact["channel"] == "phone"].set_index("person_id")["contactable"]
    assert dnc and not calls.reindex(sorted(dnc)).any()


def _visible(path: Path) -> str:
    """A page's text without embedded images (their base64 is not something a reader sees)."""
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", path.read_text(encoding="utf-8"))


def test_the_shareable_report_holds_no_demo_emails_or_phones(demo_run):
    """Checked independently of the stage's own scan: plain substring search for every email and
    phone number of the demo data, as given and as standardised, in every page a reader gets."""
    reports = demo_run["base"] / "reports" / "e2e"
    report = reports / "customer_report.html"
    assert report.exists()
    assert 'href="customer_report.html"' in (reports / "index.html").read_text()
    pages = {p.name: _visible(p) for p in (report, reports / "08_customer_report.html", reports / "index.html")}
    assert "Customer report" in pages["customer_report.html"] and "•••@" in pages["customer_report.html"]
    for section in (
        "Sources and their freshness",
        "Data quality before and after cleaning",
        "Duplicates found and merged",
        "Golden customers and households",
        "Contactable reach",
        "Segments",
        "Changes since the previous run",
    ):
        assert section in pages["customer_report.html"], section
    run_dir = demo_run["run_dir"]
    raw = pd.read_parquet(run_dir / "raw_records.parquet", columns=["email", "phone"])
    clean = pd.read_parquet(run_dir / "clean_records.parquet", columns=["email_std", "phone_std"])
    suppressions = pd.read_parquet(run_dir / "suppressions.parquet", columns=["email", "phone"])
    emails = {
        e.strip().lower()
        for e in pd.concat([raw["email"], clean["email_std"], suppressions["email"]]).dropna()
        if "@" in e
    }
    phones = pd.concat([raw["phone"], suppressions["phone"]]).dropna().astype(str)
    e164 = clean["phone_std"].dropna().astype(str)
    numbers = {re.sub(r"\D", "", p) for p in pd.concat([phones, e164])} | {p[3:] for p in e164}  # +CC dropped
    numbers = {n for n in numbers if len(n) >= 9}
    assert len(emails) > 200 and len(numbers) > 200  # the check has something to find
    for name, text in pages.items():
        lower = text.lower()
        compact = re.sub(r"[ \-.()/]", "", text)
        assert not [e for e in emails if e in lower], name
        assert not [p for p in phones if len(p) >= 9 and p in text], name
        assert not [n for n in numbers if n in compact], name
