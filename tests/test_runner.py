"""`clientela run`: success, a failing stage, `latest` moved only after a good run, history."""

from __future__ import annotations

import copy
import io
import json
import os
from pathlib import Path

import pytest

from conftest import FAILING_NOTEBOOK, add_failing_stage, edit_registry
from helpers.runner import RunOptions, parse_set, run


def run_project(project: Path, **options) -> tuple[int, str]:
    out = io.StringIO()
    code = run(project, RunOptions(**options), out=out)
    return code, out.getvalue()


def manifest(project: Path, run_id: str) -> dict:
    return json.loads((project / "data" / "processed" / run_id / "run_manifest.json").read_text())


def test_successful_run_writes_outputs_manifest_index_and_moves_latest(mini_project):
    code, text = run_project(mini_project, run_id="r1")
    assert code == 0, text
    run_dir = mini_project / "data" / "processed" / "r1"
    report_dir = mini_project / "reports" / "r1"
    m = manifest(mini_project, "r1")
    assert m["status"] == "passed" and m["latest"] is True
    stage = m["stages"][0]
    assert stage["name"] == "01_ingest_profile" and stage["status"] == "passed"
    # rows in = every row of every file; out = what was read (5 were quarantined)
    assert stage["rows_in"] == 17 and stage["rows_out"] == 12
    assert stage["headline"]["people records"] == 9 and stage["headline"]["quarantined rows"] == 5
    assert m["parameters"]["reference_date"] == "2026-11-15"
    for name in ("raw_records.parquet", "quarantine.parquet", "transactions.parquet", "suppressions.parquet",
                 "interactions.parquet", "address_changes.parquet", "source_summary.parquet"):
        assert (run_dir / name).exists(), name
    assert (report_dir / "01_ingest_profile.ipynb").exists()
    html = (report_dir / "01_ingest_profile.html").read_text()
    assert "Rows read per source" not in html or "<img" in html  # the chart is embedded
    assert "load_registry(sources)" not in html  # stage pages carry no code
    index = (report_dir / "index.html").read_text()
    assert "01_ingest_profile" in index and "passed" in index and "people records" in index
    for base in ("data/processed", "reports"):
        link = mini_project / base / "latest"
        assert link.is_symlink() and os.readlink(link) == "r1"
    assert (mini_project / "data/processed/latest/raw_records.parquet").exists()
    assert "[1/1] 01_ingest_profile" in text and "passed" in text


def test_failing_stage_names_stage_and_reason_and_keeps_latest(mini_project):
    assert run_project(mini_project, run_id="good")[0] == 0
    add_failing_stage(mini_project)
    code, text = run_project(mini_project, run_id="bad")
    assert code == 1
    assert "02_broken_stage FAILED" in text
    assert "ValueError: gate clean_records failed" in text
    m = manifest(mini_project, "bad")
    assert m["status"] == "failed" and m["latest"] is False
    assert [s["status"] for s in m["stages"]] == ["passed", "failed"]
    failed_nb = mini_project / "reports" / "bad" / "02_broken_stage.ipynb"
    assert failed_nb.exists() and "gate clean_records failed" in failed_nb.read_text()
    assert os.readlink(mini_project / "data/processed/latest") == "good"
    assert os.readlink(mini_project / "reports/latest") == "good"
    assert "failed" in (mini_project / "reports" / "bad" / "index.html").read_text()


def test_registry_error_stops_before_any_work(mini_project, mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][0]["columns"].update(email="E_MAIL"))
    code, text = run_project(mini_project, run_id="never")
    assert code == 2
    assert "source 'crm'" in text and "'E_MAIL'" in text and "did not start" in text
    assert not (mini_project / "data" / "processed" / "never").exists()


def test_from_stage_reuses_latest_and_to_stage_does_not_move_latest(mini_project):
    add_failing_stage(mini_project, "02_broken_stage")
    code, text = run_project(mini_project, run_id="first", to_stage="01")
    assert code == 0 and "partial run does not move 'latest'" in text
    assert not (mini_project / "data/processed/latest").exists()
    code, text = run_project(mini_project, run_id="again", from_stage="02")
    assert code == 2 and "no previous good run" in text


def test_keep_runs_prunes_old_runs_but_never_latest(mini_project):
    for i in range(4):
        assert run_project(mini_project, run_id=f"run{i}")[0] == 0
    kept = sorted(p.name for p in (mini_project / "data" / "processed").iterdir() if not p.is_symlink())
    assert kept == ["run1", "run2", "run3"]  # keep_runs: 3
    assert sorted(p.name for p in (mini_project / "reports").iterdir() if not p.is_symlink()) == kept
    assert os.readlink(mini_project / "data/processed/latest") == "run3"


def test_unknown_parameter_and_stage_are_refused(mini_project):
    code, text = run_project(mini_project, overrides={"treshold": 0.9})
    assert code == 2 and "treshold" in text and "known parameters" in text
    code, text = run_project(mini_project, from_stage="07")
    assert code == 2 and "no such stage" in text


def test_parse_set_reads_yaml_values():
    assert parse_set(["a=1", "b=true", "c=null", "d=2026-11-15", "e=x=y"]) == {
        "a": 1, "b": True, "c": None, "d": __import__("datetime").date(2026, 11, 15), "e": "x=y"}


def test_a_from_run_carries_the_reused_stages_pages(mini_project):
    """The index of a --from run links every stage page: reused stages' pages come along."""
    assert run_project(mini_project, run_id="full")[0] == 0
    quiet = copy.deepcopy(FAILING_NOTEBOOK)
    quiet["cells"][1]["source"] = 'print("nothing to do")'
    (mini_project / "notebooks" / "02_quiet_stage.ipynb").write_text(json.dumps(quiet), encoding="utf-8")
    code, text = run_project(mini_project, run_id="again", from_stage="02")
    assert code == 0, text
    pages = mini_project / "reports" / "again"
    assert (pages / "01_ingest_profile.html").exists() and (pages / "02_quiet_stage.html").exists()
    stage = manifest(mini_project, "again")["stages"][0]
    assert stage["status"] == "reused" and stage["reused_from"] == "full"
    assert 'href="01_ingest_profile.html"' in (pages / "index.html").read_text()
