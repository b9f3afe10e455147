"""Quality gates: a bad batch trips a gate and stops the run, naming the table and expectation."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, edit_registry
from helpers.gates import GateFailed, load_suite_spec, run_gate
from helpers.runner import RunOptions, run


def test_suites_in_the_repo_load():
    for table in ("raw_records", "clean_records"):
        spec = load_suite_spec(table, ROOT / "expectations")
        assert spec["name"] == table and spec["expectations"]


def test_gate_result_names_failed_expectations(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "name: t\nexpectations:\n"
        "  - type: expect_column_values_to_not_be_null\n    kwargs: {column: a}\n"
        "  - type: expect_column_values_to_be_between\n    kwargs: {column: b, min_value: 0, max_value: 10}\n"
    )
    df = pd.DataFrame({"a": [1, None, 3, 4], "b": [1, 2, 3, 4]})
    result = run_gate(df, "t", tmp_path, tmp_path / "report")
    assert not result.success
    assert result.failures()["expectation"].tolist() == ["expect_column_values_to_not_be_null(a)"]
    with pytest.raises(GateFailed, match=r"(?s)gate 't' failed 1 of 2 .*not_be_null\(a\): 1 unexpected \(25.00%\)"):
        result.raise_if_failed()
    assert result.docs_index is not None and result.docs_index.exists()


def test_data_docs_carry_no_values(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "name: t\nexpectations:\n  - type: expect_column_values_to_match_regex\n    kwargs: {column: email, regex: '@'}\n"
    )
    run_gate(pd.DataFrame({"email": ["someone.secret.example.com", "a@b.c"]}), "t", tmp_path, tmp_path / "rep")
    docs = "".join(p.read_text(errors="ignore") for p in (tmp_path / "rep").rglob("*") if p.is_file())
    assert "someone.secret" not in docs


@pytest.fixture
def two_stage_project(mini_project: Path) -> Path:
    shutil.copy(ROOT / "notebooks" / "02_clean_standardise.ipynb", mini_project / "notebooks")
    return mini_project


def _run(project: Path, run_id: str) -> tuple[int, str]:
    out = io.StringIO()
    return run(project, RunOptions(run_id=run_id), out=out), out.getvalue()


def test_good_batch_passes_both_gates(two_stage_project):
    code, text = _run(two_stage_project, "good")
    assert code == 0, text
    manifest = json.loads((two_stage_project / "data/processed/good/run_manifest.json").read_text())
    assert [s["metrics"].get(k) for s, k in zip(manifest["stages"], ("gate_raw_records", "gate_clean_records"))] == [
        "passed", "passed"]


def test_bad_batch_trips_the_clean_gate_and_stops_the_run(two_stage_project, mini_sources):
    # emails that look like emails to the raw gate (an @) but are not usable: no domain
    bad = mini_sources.parent / "bad_batch.csv"
    bad.write_text("id,name,email\n" + "".join(f"{i},Person {i},user{i}@nowhere\n" for i in range(40)))
    edit_registry(mini_sources, lambda d: d["sources"].append(
        {"name": "bad_batch", "path": "bad_batch.csv", "format": "csv", "kind": "people", "id_column": "id",
         "extracted_at": "2026-11-14T00:00:00Z", "columns": {"full_name": "name", "email": "email"}}))
    code, text = _run(two_stage_project, "bad")
    assert code == 1
    assert "02_clean_standardise FAILED" in text
    assert "gate 'clean_records' failed" in text
    assert "expect_column_values_to_be_in_set(email_valid)" in text
    manifest = json.loads((two_stage_project / "data/processed/bad/run_manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["latest"] is False


def test_bad_batch_trips_the_raw_gate_in_stage_01(two_stage_project, mini_sources):
    # a registry that maps the wrong column to email: names where emails should be
    edit_registry(mini_sources, lambda d: d["sources"][0]["columns"].update(email="FIRST_NAME"))
    edit_registry(mini_sources, lambda d: d["sources"][1]["columns"].update(email="first_name"))
    code, text = _run(two_stage_project, "wrongmap")
    assert code == 1
    assert "01_ingest_profile FAILED" in text and "gate 'raw_records' failed" in text
    assert "expect_column_values_to_match_regex(email)" in text
    assert not (two_stage_project / "reports" / "wrongmap" / "02_clean_standardise.ipynb").exists()


def test_gate_reads_only_the_columns_its_suite_names():
    from helpers.gates import referenced_columns

    cols = ["a", "b", "email", "email_valid", "z"]
    spec = {"expectations": [
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "email_valid", "value_set": [True], "row_condition": "email.notna()"}},
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["a", "b"]}},
    ]}
    assert referenced_columns(spec, cols) == ["a", "b", "email", "email_valid"]


def test_gate_frame_keeps_every_column_name_for_shape_expectations_and_the_values_it_reads():
    from helpers.gates import gate_frame

    df = pd.DataFrame({"a": ["x", None], "n": [1, 2], "email": ["p@q.es", None], "z": ["secret", "value"],
                       "mixed": ["1", 2]})
    spec = {"expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "row_condition": "email.notna()"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n", "min_value": 0}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "mixed"}},
    ]}
    frame = gate_frame(df, spec)
    assert list(frame.columns) == ["a", "n", "email", "mixed"]
    assert frame["a"].dtype == "string" and frame["a"].isna().tolist() == [False, True]
    # used in a row condition only: the same values and nulls, as codes
    assert frame["email"].dtype == "category" and frame["email"].notna().tolist() == [True, False]
    assert frame["email"].astype(object).tolist()[0] == "p@q.es"
    empty = gate_frame(pd.DataFrame({"a": ["x"], "email": [None]}).astype(object), spec)
    assert empty["email"].isna().all()
    assert frame["n"].tolist() == [1, 2] and frame["mixed"].tolist() == ["1", 2]  # not all text: kept as it is
    spec["expectations"].append({"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": list(df.columns)}})
    frame = gate_frame(df, spec)
    assert list(frame.columns) == list(df.columns)
    assert "secret" not in frame["z"].tolist()  # a placeholder: shape only
