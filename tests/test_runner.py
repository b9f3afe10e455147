"""`clientela run`: success, a failing stage, `latest` moved only after a good run, history."""

from __future__ import annotations

import copy
import io
import json
import os
from pathlib import Path

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
    for name in (
        "raw_records.parquet",
        "quarantine.parquet",
        "transactions.parquet",
        "suppressions.parquet",
        "interactions.parquet",
        "address_changes.parquet",
        "source_summary.parquet",
    ):
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


def test_unknown_parameter_and_stage_are_refused(mini_project):
    code, text = run_project(mini_project, overrides={"treshold": 0.9})
    assert code == 2 and "treshold" in text and "known parameters" in text
    code, text = run_project(mini_project, from_stage="07")
    assert code == 2 and "no such stage" in text


def test_parse_set_reads_yaml_values():
    assert parse_set(["a=1", "b=true", "c=null", "d=2026-11-15", "e=x=y"]) == {
        "a": 1,
        "b": True,
        "c": None,
        "d": __import__("datetime").date(2026, 11, 15),
        "e": "x=y",
    }


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


def _runs(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "data" / "processed").iterdir() if p.is_dir() and not p.is_symlink())


def test_keep_runs_keeps_good_backups_whatever_failed_in_between(mini_project):
    """keep_runs counts good runs; a string of failed scheduled runs is pruned on its own and
    never pushes the good backups out; `latest` is never deleted."""
    keep = {"keep_runs": 2}
    for i in range(2):
        assert run_project(mini_project, run_id=f"good{i}", overrides=keep)[0] == 0
    failing = add_failing_stage(mini_project)
    for i in range(3):
        assert run_project(mini_project, run_id=f"bad{i}", overrides=keep)[0] == 1
    failing.unlink()
    assert run_project(mini_project, run_id="good2", overrides=keep)[0] == 0
    assert _runs(mini_project) == ["bad1", "bad2", "good1", "good2"]
    assert sorted(p.name for p in (mini_project / "reports").iterdir() if not p.is_symlink()) == _runs(mini_project)
    assert os.readlink(mini_project / "data/processed/latest") == "good2"


def test_from_with_an_existing_run_id_never_rewrites_that_run(mini_project):
    assert run_project(mini_project, run_id="good")[0] == 0
    before = (mini_project / "data/processed/good/run_manifest.json").read_text()
    failing = add_failing_stage(mini_project)
    code, text = run_project(mini_project, run_id="good", from_stage="02")
    assert code == 1
    assert "run good is kept as it is" in text
    assert (mini_project / "data/processed/good/run_manifest.json").read_text() == before
    assert os.readlink(mini_project / "data/processed/latest") == "good"
    failing.unlink()


def test_a_killed_run_is_marked_killed_and_its_exports_moved_aside(mini_project):
    assert run_project(mini_project, run_id="good")[0] == 0
    dead = mini_project / "data/processed/dead"
    (dead / "exports").mkdir(parents=True)
    (dead / "exports" / "win_back.csv").write_text("email\nx@y.es\n")
    (dead / "run_manifest.json").write_text(
        json.dumps(
            {
                "run_id": "dead",
                "status": "running",
                "started_at": "2026-11-01T00:00:00+00:00",
                "stages": [{"name": "07_segmentation", "status": "running"}],
            }
        )
    )
    code, text = run_project(mini_project, run_id="next")
    assert code == 0, text
    assert "run dead never finished" in text
    m = manifest(mini_project, "dead")
    assert m["status"] == "killed" and m["stages"][0]["status"] == "killed"
    assert not (dead / "exports").exists() and (dead / "failed" / "exports" / "win_back.csv").exists()


def test_a_failed_runs_exports_are_moved_under_failed(mini_project):
    notebook = copy.deepcopy(FAILING_NOTEBOOK)
    notebook["cells"][1]["source"] = (
        "from pathlib import Path\n"
        "out = Path(processed_dir) / run_id / 'exports'\n"
        "out.mkdir(parents=True)\n"
        "(out / 'win_back.csv').write_text('email\\n')\n"
        "raise ValueError('stage 07 failed after writing half its lists')"
    )
    (mini_project / "notebooks" / "02_lists.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    code, text = run_project(mini_project, run_id="bad")
    assert code == 1 and "exports moved under failed/" in text
    run_dir = mini_project / "data/processed/bad"
    assert not (run_dir / "exports").exists()
    assert (run_dir / "failed" / "exports" / "win_back.csv").exists()


def test_a_second_run_on_the_same_folder_is_refused_while_one_runs(mini_project):
    from helpers.runner import run_lock

    with run_lock(mini_project / "data" / "processed"):
        code, text = run_project(mini_project, run_id="second")
    assert code == 2 and "another clientela run is using" in text


def test_processed_dir_that_is_a_file_is_refused_before_any_stage(mini_project, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    code, text = run_project(mini_project, run_id="x", overrides={"processed_dir": str(blocker)})
    assert code == 2 and "is a file, not a folder" in text
