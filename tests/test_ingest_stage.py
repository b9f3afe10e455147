"""Stage 01's entry point (helpers/ingest_stage.py): what it reads, measures, profiles and records."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import ROOT, edit_registry
from helpers.catalog import TABLE_BY_KIND, T
from helpers.ingest import IngestError, ingest_tables
from helpers.ingest_stage import LOSS_COLUMNS, check_read_counts, profile_sources, read_sources
from helpers.registry import load_registry
from helpers.run_context import stage_context
from helpers.stage_records import IngestRecord, read_record

REF = date(2026, 11, 15)


def _stage(registry_path: Path, processed: Path, run_id: str = "now"):
    read = read_sources(load_registry(registry_path), processed, run_id)
    return profile_sources(read, REF, 2, run_id)


def _add_people_source(mini_sources: Path, rows: int) -> None:
    """A plain CSV people source `crm2` of `rows` rows (enough for the loss shares to be judged)."""
    path = mini_sources.parent / "crm2.csv"
    lines = ["id,first_name,last_name,email"] + [f"{i},Ana,Silva{i},p{i}@mail.pt" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    entry = {
        "name": "crm2",
        "path": path.name,
        "format": "csv",
        "kind": "people",
        "id_column": "id",
        "extracted_at": "2026-11-14T00:00:00Z",
        "cadence": "daily",
        "columns": {"first_name": "first_name", "last_name": "last_name", "email": "email"},
    }
    edit_registry(mini_sources, lambda d: d["sources"].append(entry))


@pytest.fixture
def stage(mini_sources, tmp_path):
    return _stage(mini_sources, tmp_path / "processed")


def test_every_row_of_every_file_is_read_or_quarantined(stage):
    summary = stage.summary.set_index("source")
    assert sum(stage.table_rows.values()) == summary["rows_read"].sum()
    assert summary["rows_total"].sum() == summary["rows_read"].sum() + len(stage.quarantine)
    assert set(stage.table_rows) == set(TABLE_BY_KIND)  # every kind, even without a source
    assert stage.table_rows["people"] == len(stage.people) > 0
    assert set(LOSS_COLUMNS) <= set(stage.summary.columns)


def test_without_a_previous_run_nothing_is_compared(stage):
    assert stage.summary["rows_vs_previous"].isna().all()


def test_rows_are_compared_with_the_previous_good_run(mini_sources, tmp_path):
    _add_people_source(mini_sources, rows=60)
    processed = tmp_path / "processed"
    before = processed / "before"
    before.mkdir(parents=True)
    pd.DataFrame({"source": ["crm2"], "rows_read": [120]}).to_parquet(before / T.source_summary.file)
    (processed / "latest").symlink_to(before.name)
    summary = _stage(mini_sources, processed).summary.set_index("source")
    assert summary.loc["crm2", "rows_read"] == 60
    assert summary.loc["crm2", "rows_vs_previous"] == pytest.approx(0.5)
    # the run that is itself `latest` has no previous run to compare with
    assert _stage(mini_sources, processed, "before").summary["rows_vs_previous"].isna().all()


def test_counts_that_do_not_add_up_stop_the_stage(mini_sources, tmp_path):
    read = read_sources(load_registry(mini_sources), tmp_path / "processed", "now")
    read.tables["people"] = read.tables["people"].iloc[1:]
    with pytest.raises(IngestError, match="rows read but the tables hold"):
        check_read_counts(read)
    read = read_sources(load_registry(mini_sources), tmp_path / "processed", "now")
    read.quarantine = read.quarantine.iloc[1:]
    with pytest.raises(IngestError, match="quarantined: rows were lost"):
        check_read_counts(read)


def test_profile_tables_cover_each_source(stage):
    people_sources = set(stage.people["source"])
    assert set(stage.freshness["source"]) == set(stage.summary["source"])
    assert set(stage.profile["source"]) == people_sources and (stage.profile["run_id"] == "now").all()
    assert set(stage.validity["source"]) == people_sources
    assert set(stage.duplicates["source"]) == people_sources
    assert stage.duplicates.set_index("source")["rows"].sum() == len(stage.people)


def test_an_exact_duplicate_row_is_counted_and_recorded(mini_sources, tmp_path):
    crm = mini_sources.parent / "crm.csv"
    last = crm.read_bytes().splitlines(keepends=True)[-1]  # C006, once more
    crm.write_bytes(crm.read_bytes() + last)
    stage = _stage(mini_sources, tmp_path / "processed")
    dups = stage.duplicates.set_index("source")
    assert dups.loc["crm", "exact_duplicate_rows"] == 1 and dups["exact_duplicate_rows"].sum() == 1
    assert stage.record(gates_passed=[]).duplicate_rows == 1


def test_the_record_holds_the_figures_of_the_tables(stage, mini_sources):
    record = stage.record(gates_passed=["raw_records"])
    assert isinstance(record, IngestRecord)
    assert record.tables == stage.table_rows
    assert record.rows_out == sum(stage.table_rows.values())
    assert record.rows_in == record.rows_out + len(stage.quarantine)
    assert sum(record.quarantined_by_source.values()) == len(stage.quarantine) > 0
    assert set(record.quarantined_by_source) <= set(stage.summary["source"])
    assert record.stale_sources == stage.freshness.loc[stage.freshness["stale"], "source"].tolist()
    assert record.stale_sources  # the mini shop export is a year old at the reference date
    assert record.duplicate_rows == 0
    assert record.headline == {
        "sources": len(load_registry(mini_sources).sources),
        "people records": len(stage.people),
        "quarantined rows": len(stage.quarantine),
        "stale sources": ", ".join(record.stale_sources),
    }
    assert record.gates_passed == ["raw_records"]


def test_the_stage_writes_through_the_catalog_and_records(stage, tmp_path):
    ctx = stage_context("01_ingest_profile", "now", tmp_path / "processed", tmp_path / "reports")
    ctx.write_in_background(ingest_tables(stage))
    for table, frame in stage.profile_tables().items():
        ctx.write(frame, table)
    ctx.record(stage.record(gates_passed=["raw_records"]))
    saved = read_record(ctx.run_dir, IngestRecord)
    assert saved.tables == stage.table_rows and saved.stale_sources == stage.record([]).stale_sources
    written = {p.name for p in ctx.run_dir.glob("*.parquet")}
    expected = {t.file for t in TABLE_BY_KIND.values()} | {
        t.file for t in (T.quarantine, T.source_summary, T.freshness, T.profile, T.profile_validity)
    }
    assert written == expected
    assert len(pd.read_parquet(ctx.path(T.raw_records))) == len(stage.people)


def test_the_notebook_saves_the_record_the_entry_point_builds_with_every_figure():
    """The notebook hands `result.record(...)` to `ctx.record`; the one IngestRecord(...) of the entry
    point names every figure the record requires (what test_report_reads checks of notebooks
    that build their record inline)."""
    cells = nbformat.read(ROOT / "notebooks" / "01_ingest_profile.ipynb", as_version=4).cells
    saved = [
        node.args[0]
        for cell in cells
        if cell.cell_type == "code" and "ctx.record(" in cell.source
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and node.args
    ]
    assert len(saved) == 1 and isinstance(saved[0], ast.Call)
    assert ast.unparse(saved[0].func) == "result.record"
    module = ast.parse((ROOT / "src" / "helpers" / "ingest_stage.py").read_text(encoding="utf-8"))
    built = [n for n in ast.walk(module) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "IngestRecord"]
    assert len(built) == 1
    given = {k.arg for k in built[0].keywords}
    assert {"rows_in", "rows_out", "headline", "gates_passed", *IngestRecord.required_metrics()} <= given
