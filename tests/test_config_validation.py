"""The validated config layer: every mistake in a config file or a parameter is caught before the run.

A misspelt key used to be read as a new key while the real one fell back to its default (an
empty source order for golden names, the default child age …), and a bad `--set` value failed
half a minute into stage 03. These tests write the shipped files with one mistake each and
expect the loader, `clientela validate` and `clientela run` to name the file, the key path and
the key that was probably meant — all mistakes in one message, before stage 01.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from helpers.contact.rules import RulesError
from helpers.contact.rules import load_rules as load_contact_rules
from helpers.gates import SuiteError, load_suite_spec
from helpers.golden.survivorship import SurvivorshipError
from helpers.golden.survivorship import load_rules as load_survivorship
from helpers.household.rules import HouseholdRulesError
from helpers.household.rules import load_rules as load_households
from helpers.match.model import ModelSpecError, load_spec
from helpers.runner import RunOptions, load_parameters, run
from helpers.segment.config import SegmentConfigError, load_segment_config
from helpers.segment.lists import CampaignListError, load_campaign_lists
from helpers.settings import ANY, ConfigError, Each, ListOf, check_keys
from helpers.settings.parameters import ParameterError

# (file, text in the shipped file, its misspelt form, key path expected, the key meant)
MISSPELLINGS = [
    ("survivorship.yaml", "\nsource_priority:", "\nsource_prority:", "source_prority", "source_priority"),
    ("households.yaml", "\nchild_below_age:", "\nchild_age:", "child_age", "child_below_age"),
    (
        "matching.yaml",
        "    nickname: first_name_canonical",
        "    nicknam: first_name_canonical",
        "comparisons[0] (first_name).nicknam",
        "nickname",
    ),
    (
        "matching.yaml",
        "  deterministic_recall:",
        "  deterministic_recal:",
        "training.deterministic_recal",
        "deterministic_recall",
    ),
    ("segments.yaml", "\nrecent_windows_days:", "\nrecent_window_days:", "recent_window_days", "recent_windows_days"),
    ("contactability.yaml", "\nsoft_bounce_limit:", "\nsoft_bounce_limt:", "soft_bounce_limt", "soft_bounce_limit"),
    (
        "campaign_lists.yaml",
        '    order_by: "monetary DESC"',
        '    oder_by: "monetary DESC"',
        "lists[1] (winback_lapsed_email).oder_by",
        "order_by",
    ),
]
LOADERS = {
    "survivorship.yaml": (load_survivorship, SurvivorshipError),
    "households.yaml": (load_households, HouseholdRulesError),
    "matching.yaml": (load_spec, ModelSpecError),
    "segments.yaml": (load_segment_config, SegmentConfigError),
    "contactability.yaml": (load_contact_rules, RulesError),
    "campaign_lists.yaml": (load_campaign_lists, CampaignListError),
}


def misspell(path: Path, shipped: str, wrong: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(shipped) >= 1, f"{path.name} no longer holds {shipped!r}: update this test"
    path.write_text(text.replace(shipped, wrong, 1), encoding="utf-8")


@pytest.mark.parametrize("name, shipped, wrong, key_path, meant", MISSPELLINGS, ids=[m[3] for m in MISSPELLINGS])
def test_each_loader_refuses_a_misspelt_key_and_says_what_was_meant(tmp_path, name, shipped, wrong, key_path, meant):
    path = tmp_path / name
    shutil.copy(ROOT / "config" / name, path)
    load, error = LOADERS[name]
    load(path)  # the shipped file loads
    misspell(path, shipped, wrong)
    with pytest.raises(error) as err:
        load(path)
    assert isinstance(err.value, ConfigError)
    assert f"{key_path}: unknown key; did you mean '{meant}'?" in err.value.problems
    assert str(path) in str(err.value)


def test_a_survivorship_group_ranked_by_source_priority_needs_an_order(tmp_path):
    path = tmp_path / "survivorship.yaml"
    path.write_text("groups:\n  name: {rule: source_priority, fields: [first_name, last_name]}\n")
    with pytest.raises(SurvivorshipError, match="groups.name: rule source_priority needs an order of trust"):
        load_survivorship(path)


def test_a_suite_refuses_a_misspelt_key_in_an_expectation_and_in_its_meta(tmp_path):
    text = (ROOT / "expectations" / "source_summary.yaml").read_text(encoding="utf-8")
    (tmp_path / "source_summary.yaml").write_text(
        text.replace("    severity: warning\n", "    sevrity: warning\n", 1)
        .replace("min_rows: 0", "min_row: 0")
        .replace("meta: {why:", "meta: {wy:", 1),
        encoding="utf-8",
    )
    with pytest.raises(SuiteError) as err:
        load_suite_spec("source_summary", tmp_path)
    problems = err.value.problems
    assert "min_row: unknown key; did you mean 'min_rows'?" in problems
    assert (
        "expectations[1] (expect_column_values_to_be_between).sevrity: unknown key; did you mean 'severity'?"
        in problems
    )
    assert "expectations[1] (expect_column_values_to_be_between).meta.wy: unknown key; did you mean 'why'?" in problems


def test_check_keys_walks_mappings_named_entries_and_lists():
    schema = {"a": ANY, "groups": Each({"rule": ANY}), "items": ListOf({"name": ANY, "size": ANY}, start=1)}
    doc = {"a": 1, "groups": {"g1": {"rule": 1, "rul": 2}}, "items": [{"name": "x", "sise": 3}], "zzz": 0}
    assert check_keys(doc, schema) == [
        "groups.g1.rul: unknown key; did you mean 'rule'?",
        "items[1] (x).sise: unknown key; did you mean 'size'?",
        "zzz: unknown key (known: a, groups, items)",
    ]


# -- parameters ----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, mini_sources: Path) -> Path:
    """A project with the shipped configuration, suites and notebooks, on the mini sources."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "expectations", root / "expectations")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    pipeline = root / "config" / "pipeline.yaml"
    doc = yaml.safe_load(pipeline.read_text(encoding="utf-8"))
    doc.update(sources=str(mini_sources), reference_date="2026-11-15")
    pipeline.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return root


def params_problems(project: Path, **overrides) -> list[str]:
    with pytest.raises(ParameterError) as err:
        load_parameters(project, RunOptions(overrides=overrides))
    return err.value.problems


def test_a_parameter_must_get_the_type_of_its_default_and_stay_in_range(project):
    problems = params_problems(
        project,
        match_threshold="abc",
        review_threshold=1.5,
        keep_runs=-1,
        analyst_dashboards="yes",
        backend="sparc",
        reference_date="2026-13-40",
        truth_path="no/such/truth.csv",
        seed=1.5,
    )
    text = "\n".join(problems)
    for expected in (
        "match_threshold: 'abc' must be a number",
        "review_threshold: 1.5 must be a number",
        "keep_runs: -1 must be a whole number",
        "analyst_dashboards: 'yes' must be true or false",
        "backend: 'sparc' must be one of duckdb, spark",
        "reference_date: '2026-13-40' must be a date",
        "truth_path: ",
        "seed: 1.5 must be a whole number",
    ):
        assert expected in text, expected
    assert (
        "review_threshold: 0.95 must not be above match_threshold" in params_problems(project, review_threshold=0.95)[0]
    )
    assert params_problems(project, match_treshold=0.8)[0].endswith("did you mean 'match_threshold'?")


def test_a_new_parameter_is_checked_by_its_defaults_type(project):
    pipeline = project / "config" / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text() + "min_cluster_size: 2\nsome_ratio: 0.5\nsome_label: text\n")
    problems = params_problems(project, min_cluster_size="two", some_ratio=True, some_label=3)
    assert problems == [
        "min_cluster_size: 'two' must be a whole number",
        "some_ratio: True must be a number",
        "some_label: 3 must be text",
    ]
    params = load_parameters(project, RunOptions(overrides={"min_cluster_size": 3, "some_ratio": 1}))
    assert params["min_cluster_size"] == 3


def test_run_with_a_bad_parameter_exits_2_before_stage_01(project):
    out = io.StringIO()
    code = run(project, RunOptions(run_id="never", overrides={"match_threshold": "abc"}), out=out)
    assert code == 2
    assert "match_threshold: 'abc' must be a number between 0 and 1" in out.getvalue()
    assert not (project / "data" / "processed" / "never").exists()
    assert "01_ingest_profile" not in out.getvalue()


# -- the whole project at once --------------------------------------------------------------------


def break_every_file(project: Path, mini_sources: Path) -> list[str]:
    """One mistake in each config file, suite and the registry; the key paths expected."""
    config = project / "config"
    expected = []
    for name, shipped, wrong, key_path, _ in MISSPELLINGS:
        if key_path != "training.deterministic_recal":  # one per file; matching.yaml has nicknam
            misspell(config / name, shipped, wrong)
            expected.append(f"config/{name}: {key_path}: unknown key")
    misspell(config / "campaign_lists.yaml", "    channel: email\n", "    channel: emial\n")
    expected.append("config/campaign_lists.yaml: lists[1] (winback_lapsed_email).channel: 'emial' is not one of")
    misspell(project / "expectations" / "households.yaml", "    severity: ", "    sevrity: ")
    expected.append("expectations/households.yaml: expectations[1]")
    registry = yaml.safe_load(mini_sources.read_text(encoding="utf-8"))
    registry["sources"][0]["delimter"] = ";"
    mini_sources.write_text(yaml.safe_dump(registry, sort_keys=False), encoding="utf-8")
    expected.append(f"source '{registry['sources'][0]['name']}': delimter: unknown key; did you mean 'delimiter'?")
    return expected


def test_validate_lists_every_mistake_of_every_file_in_one_message(project, mini_sources, capsys):
    from helpers.cli import main

    assert main(["validate", "--project", str(project)]) == 0, capsys.readouterr()
    capsys.readouterr()
    expected = break_every_file(project, mini_sources)
    assert main(["validate", "--project", str(project)]) == 2
    message = capsys.readouterr().err
    for line in expected:
        assert line in message, f"{line!r} not in:\n{message}"
    assert "did you mean 'source_priority'?" in message and "did you mean 'nickname'?" in message
    assert message.count("clientela:") == 1  # one message, not one per file
    assert main(["validate", "--project", str(project), "--set", "match_threshold=abc"]) == 2
    assert "match_threshold: 'abc'" in capsys.readouterr().err


def test_run_refuses_a_broken_project_before_stage_01(project, mini_sources):
    expected = break_every_file(project, mini_sources)
    out = io.StringIO()
    code = run(project, RunOptions(run_id="never"), out=out)
    text = out.getvalue()
    assert code == 2 and "did not start" in text
    for line in expected:
        assert line in text, line
    assert not (project / "data" / "processed" / "never").exists()
