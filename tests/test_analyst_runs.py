"""Analysts' runs are safe: experiments never move `latest`, overrides are shown, the stages are
the listed notebooks, and hand runs read what they lack from `latest` without writing into the
user's own interactive folder."""

from __future__ import annotations

import copy
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import FAILING_NOTEBOOK
from helpers.run_context import INTERACTIVE_ENV, stage_context
from helpers.runner import RunError, RunOptions, discover_stages, run


def run_project(project: Path, **options) -> tuple[int, str]:
    out = io.StringIO()
    return run(project, RunOptions(**options), out=out), out.getvalue()


def latest(project: Path) -> str | None:
    link = project / "data/processed/latest"
    return os.readlink(link) if link.is_symlink() else None


def add_quiet_stage(project: Path, name: str = "02_quiet_stage") -> Path:
    quiet = copy.deepcopy(FAILING_NOTEBOOK)
    quiet["cells"][1]["source"] = 'print("nothing to do")'
    path = project / "notebooks" / f"{name}.ipynb"
    path.write_text(json.dumps(quiet), encoding="utf-8")
    return path


@pytest.fixture
def restore_umask():
    previous = os.umask(0o022)
    saved = os.environ.get("CLIENTELA_USER_UMASK")
    yield
    os.umask(previous)
    if saved is None:
        os.environ.pop("CLIENTELA_USER_UMASK", None)
    else:
        os.environ["CLIENTELA_USER_UMASK"] = saved


def test_experiments_do_not_move_latest_unless_asked(mini_project):
    add_quiet_stage(mini_project)
    assert run_project(mini_project, run_id="good")[0] == 0 and latest(mini_project) == "good"
    # --no-promote: a whole run that passes stays a dated run.
    code, text = run_project(mini_project, run_id="trial", promote=False)
    assert code == 0 and "'latest' was not moved (--no-promote)" in text and latest(mini_project) == "good"
    assert json.loads((mini_project / "data/processed/trial/run_manifest.json").read_text())["latest"] is False
    # --from without --promote: an experiment on the later stages.
    code, text = run_project(mini_project, run_id="exp", from_stage="02", overrides={"keep_runs": 1})
    assert code == 0 and "without --promote" in text and latest(mini_project) == "good", text
    assert (mini_project / "data/processed/good").is_dir()  # keep_runs never prunes what latest points to
    # --from with --promote: asked for.
    code, text = run_project(mini_project, run_id="promoted", from_stage="02", promote=True)
    assert code == 0 and latest(mini_project) == "promoted", text


def test_overridden_parameters_are_recorded_and_shown(mini_project):
    code, text = run_project(mini_project, run_id="o", overrides={"stale_after_cadences": 3})
    assert code == 0, text
    manifest = json.loads((mini_project / "data/processed/o/run_manifest.json").read_text())
    assert manifest["overrides"] == {"stale_after_cadences": 3}
    index = (mini_project / "reports/o/index.html").read_text()
    assert "Parameters overridden for this run" in index and "stale_after_cadences" in index
    code, _ = run_project(mini_project, run_id="plain")
    assert "overridden" not in (mini_project / "reports/plain/index.html").read_text()


def _list_stages(project: Path, names: list[str]) -> None:
    path = project / "config" / "pipeline.yaml"
    path.write_text(path.read_text() + f"stages: {json.dumps(names)}\n")


def test_stages_are_the_listed_notebooks_only(mini_project):
    notebooks = mini_project / "notebooks"
    (notebooks / "01_analyst.ipynb").write_bytes((notebooks / "01_ingest_profile.ipynb").read_bytes())
    assert [s.name for s in discover_stages(mini_project)] == ["01_analyst", "01_ingest_profile"]  # without a list
    _list_stages(mini_project, ["01_ingest_profile"])
    assert [s.name for s in discover_stages(mini_project)] == ["01_ingest_profile"]
    code, text = run_project(mini_project, run_id="listed", overrides={"stale_after_cadences": 2})
    assert code == 0 and "[1/1] 01_ingest_profile" in text, text
    manifest = json.loads((mini_project / "data/processed/listed/run_manifest.json").read_text())
    assert "stages" not in manifest["parameters"]


def test_a_listed_notebook_that_is_missing_is_a_clear_error(mini_project):
    _list_stages(mini_project, ["01_ingest_profile", "02_clean_standardise"])
    with pytest.raises(
        RunError, match=r"lists stage 02_clean_standardise, but .*02_clean_standardise.ipynb does not exist"
    ):
        discover_stages(mini_project)
    code, text = run_project(mini_project, run_id="x")
    assert code == 2 and "02_clean_standardise" in text


def test_the_root_project_lists_every_stage_notebook():
    from conftest import ROOT

    listed = [s.name for s in discover_stages(ROOT)]
    assert listed == sorted(listed) and listed[0] == "01_ingest_profile" and listed[-1] == "08_customer_report"


def test_a_hand_run_reads_from_latest_what_interactive_lacks(tmp_path, monkeypatch, restore_umask):
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    (project / "config" / "pipeline.yaml").write_text("processed_dir: data/processed\n")
    (project / "notebooks").mkdir()
    good = project / "data" / "processed" / "r1"
    good.mkdir(parents=True)
    pd.DataFrame({"a": [1, 2]}).to_parquet(good / "clean_records.parquet")
    (project / "data" / "processed" / "latest").symlink_to("r1")
    monkeypatch.setenv(INTERACTIVE_ENV, str(tmp_path / "scratch"))
    monkeypatch.chdir(project)  # Papermill started from the project root, not notebooks/
    ctx = stage_context("03_match_customers", "interactive", "../data/processed", "../reports")
    assert Path.cwd() == (project / "notebooks").resolve()  # relative parameters mean what they say
    assert ctx.run_dir == tmp_path / "scratch" / "processed"  # never the user's interactive/
    assert len(ctx.read("clean_records.parquet")) == 2  # from latest
    ctx.write(pd.DataFrame({"a": [9]}), "clean_records.parquet")
    assert ctx.read("clean_records.parquet")["a"].tolist() == [9]  # its own table once it has one
    assert pd.read_parquet(good / "clean_records.parquet")["a"].tolist() == [1, 2]  # latest untouched
    assert not (project / "data" / "processed" / "interactive").exists()
    assert not (tmp_path / "data").exists()  # no stray folder beside the project
    with pytest.raises(FileNotFoundError, match="latest good run"):
        ctx.read("golden_records.parquet")
