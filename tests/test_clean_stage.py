"""Stage 02's entry point (helpers/clean/stage.py): clean records, quarantine, the record's figures."""

from __future__ import annotations

import ast
from datetime import date

import nbformat
import pandas as pd
import pytest

import helpers.clean.stage as clean_stage
from conftest import ROOT
from helpers.clean.records import ReconciliationError, clean_people, reconcile
from helpers.clean.stage import DRIFT_FIELDS, quarantine_reasons, run_cleaning
from helpers.ingest import ingest
from helpers.registry import load_registry
from helpers.run_context import stage_context
from helpers.stage_records import CleanRecord, read_record

REF = date(2026, 11, 15)


@pytest.fixture
def stage01(mini_sources):
    result = ingest(load_registry(mini_sources))
    raw = result.tables["people"]
    # two exact duplicates (of different rows) and a record with no usable identity
    nobody = raw.iloc[[1]].assign(
        first_name=None, last_name=None, email=None, phone=None, full_name=None, title=None, source_record_id="C999"
    )
    raw = pd.concat([raw, raw.iloc[[0]], raw.iloc[[2]], nobody], ignore_index=True)
    return raw, result.summary


def test_every_record_is_clean_or_set_aside(stage01):
    raw, summary = stage01
    result = run_cleaning(raw, summary, REF)
    assert result.rows_in == len(raw) == len(result.clean) + len(result.quarantine)
    assert len(result.quarantine) == 3
    table = result.reconciliation.set_index("source")
    assert table["balanced"].all() and table["records_in"].sum() == len(raw)
    assert table["clean"].sum() == len(result.clean) and table["quarantined"].sum() == 3


def test_records_that_do_not_reconcile_stop_the_stage(stage01, monkeypatch):
    raw, summary = stage01

    def losing_one(raw, summary, ref):  # the real cleaning, then one clean record lost
        result = clean_people(raw, summary, ref)
        result.reconciliation = reconcile(raw, result.clean.iloc[1:], result.quarantine)
        return result

    monkeypatch.setattr(clean_stage, "clean_people", losing_one)
    with pytest.raises(ReconciliationError, match="do not reconcile"):
        run_cleaning(raw, summary, REF)


def test_quarantine_reasons_count_a_reason_once_whatever_row_it_points_to(stage01):
    raw, summary = stage01
    reasons = quarantine_reasons(run_cleaning(raw, summary, REF).quarantine)["records"]
    assert reasons.sum() == 3
    assert reasons[("crm", "exact duplicate of record")] == 2
    assert reasons.index.get_level_values("reason").str.startswith("no usable identity").sum() == 1


def test_the_record_holds_the_figures_of_the_tables(stage01):
    raw, summary = stage01
    result = run_cleaning(raw, summary, REF)
    clean = result.clean
    record = result.record(gates_passed=["clean_records"])
    assert isinstance(record, CleanRecord)
    assert (record.rows_in, record.rows_out) == (len(raw), len(clean))
    assert record.headline["clean records"] == len(clean)
    assert record.headline["quarantined"] == len(result.quarantine)
    assert record.headline["emails corrected"] == int((clean["email_corrected"] == True).sum()) > 0  # noqa: E712
    assert sum(r["records_in"] for r in record.reconciliation) == len(raw)
    assert sum(r["quarantined"] for r in record.reconciliation) == len(result.quarantine)
    assert set(record.changed_share) == set(result.changes.index)
    assert record.change_summary is not None
    assert [r["field"] for r in record.change_summary] == list(result.changes.index)
    assert set(record.shares) == {f"valid {f} (of given)" for f in DRIFT_FIELDS}
    given = clean["email"].notna()
    assert record.shares["valid email (of given)"] == pytest.approx(
        (clean.loc[given, "email_valid"] == True).mean(),  # noqa: E712
        abs=1e-4,
    )
    assert record.headline["valid phones (of given)"] == record.shares["valid phone (of given)"]
    assert record.gates_passed == ["clean_records"]


def test_the_record_is_saved_and_read_back(stage01, tmp_path):
    raw, summary = stage01
    result = run_cleaning(raw, summary, REF)
    ctx = stage_context("02_clean_standardise", "now", tmp_path / "processed", tmp_path / "reports")
    ctx.record(result.record(gates_passed=["clean_records"]))
    saved = read_record(ctx.run_dir, CleanRecord)
    assert saved.rows_out == len(result.clean)
    assert saved.reconciliation == result.reconciliation.to_dict(orient="records")
    pd.testing.assert_series_equal(  # NaN (a field nobody gave) is saved as NaN
        pd.Series(saved.changed_share), result.changes["changed_share"].round(4), check_names=False
    )


def test_the_notebook_saves_the_record_the_entry_point_builds_with_every_figure():
    """The notebook hands `result.record(...)` to `ctx.record`; the one CleanRecord(...) of the entry
    point names every figure the record requires (what test_report_reads checks of notebooks
    that build their record inline)."""
    cells = nbformat.read(ROOT / "notebooks" / "02_clean_standardise.ipynb", as_version=4).cells
    saved = [
        node.args[0]
        for cell in cells
        if cell.cell_type == "code" and "ctx.record(" in cell.source
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and node.args
    ]
    assert len(saved) == 1 and isinstance(saved[0], ast.Call)
    assert ast.unparse(saved[0].func) == "result.record"
    module = ast.parse((ROOT / "src" / "helpers" / "clean/stage.py").read_text(encoding="utf-8"))
    built = [n for n in ast.walk(module) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "CleanRecord"]
    assert len(built) == 1
    given = {k.arg for k in built[0].keywords}
    assert {"rows_in", "rows_out", "headline", "gates_passed", *CleanRecord.required_metrics()} <= given
