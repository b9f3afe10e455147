"""What the report reads is right: shares over the right base, every id change and parameter
change told, distinct people counted, words instead of codes, and the stage figures read by
name (a missing one fails the report instead of blanking it)."""

from __future__ import annotations

import ast
import copy
import importlib
import json
import typing

import matplotlib

matplotlib.use("Agg")  # charts are drawn without a display

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from conftest import ROOT  # noqa: E402
from helpers.charts import readable, readable_bins, readable_summary  # noqa: E402
from helpers.contact.charts import reason_bars  # noqa: E402
from helpers.contact.decide import REASONS  # noqa: E402
from helpers.report import reads  # noqa: E402
from helpers.report.facts import comparison, id_changes, parameter_changes, people_on_lists  # noqa: E402
from helpers.report.summary import changes_point, overrides_warning  # noqa: E402
from helpers.segment.charts import lifecycle_bars, rfm_segment_bars  # noqa: E402
from helpers.segment.table import segment_sizes  # noqa: E402
from helpers.stage_records import (  # noqa: E402
    RECORDS,
    CleanRecord,
    ContactRecord,
    GoldenRecord,
    HouseholdRecord,
    MatchRecord,
    SegmentRecord,
)

# -- the RFM bars: shares of the customers who bought ---------------------------------------------


def test_rfm_segment_shares_are_of_the_customers_who_bought():
    rng = np.random.default_rng(5)
    n = 400
    bought = rng.random(n) < 0.55
    names = np.array(["Champions", "Loyal", "At risk"])
    segments = pd.DataFrame(
        {
            "lifecycle": np.where(bought, "repeat", "prospect"),
            "rfm_segment": pd.Series(np.where(bought, names[rng.integers(0, 3, n)], None), dtype="string"),
            **{c: "x" for c in ("gender", "age_band", "country", "region", "device", "referral_group")},
        }
    )
    sizes = segment_sizes(segments, list(names))
    fig = rfm_segment_bars(sizes)
    labels = {t.get_text() for t in fig.axes[0].texts}
    champions = int((segments["rfm_segment"] == "Champions").sum())
    expected = f" {champions:,} ({champions / bought.sum():.1%})"
    assert expected in labels, labels
    shares = [float(t.split("(")[1].rstrip("%)")) for t in labels]
    assert abs(sum(shares) - 100) < 0.2  # the bars of "customers who bought" add up to all of them


# -- the change summary ------------------------------------------------------------------------------


def test_a_run_of_splits_and_a_changed_parameter_is_told_as_such():
    persons = {"carried_over": 580, "new": 2, "merged": 0, "split": 46, "retired": 0}
    changes = id_changes(persons, {"carried_over": 400, "new": 1})
    before = {"match_threshold": 0.9, "seed": 42, "processed_dir": "/a", "reference_date": "2026-11-15"}
    now = {**before, "match_threshold": 0.999, "processed_dir": "/b"}
    text = changes_point(changes, parameter_changes(now, before), "r1")
    assert f"{persons['split']} split off" in text
    assert f"{persons['new']} new customers" in text
    assert "match_threshold 0.9 → 0.999" in text
    assert "processed_dir" not in text and "seed" not in text  # unchanged or a location only
    assert "first run" not in text


def test_the_first_run_is_called_so_and_no_parameter_change_is_invented():
    changes = id_changes({"carried_over": 0, "new": 640, "merged": 0, "split": 0, "retired": 0}, {})
    assert changes_point(changes, None, None) == "This is the first run: every customer id is new."
    same = {"match_threshold": 0.9}
    assert parameter_changes(same, dict(same)).empty


def test_overridden_parameters_are_shown_before_the_numbers():
    text = overrides_warning({"match_threshold": 0.999, "truth_path": None, "processed_dir": "/tmp/x"})
    assert "match_threshold = 0.999" in text and "truth_path = not set" in text and "processed_dir" not in text
    assert overrides_warning({}) is None and overrides_warning({"reports_dir": "r"}) is None


# -- people on campaign lists --------------------------------------------------------------------------


def test_people_on_lists_counts_each_customer_once(tmp_path):
    lists = {"a": ["P1", "P2", "P3"], "b": ["P3", "P4"], "c": []}
    for name, ids in lists.items():
        pd.DataFrame({"person_id": ids, "first_name": "x"}).to_csv(tmp_path / f"{name}.csv", index=False)
    distinct = len(set().union(*map(set, lists.values())))
    total = sum(map(len, lists.values()))
    assert people_on_lists(tmp_path, list(lists)) == distinct != total


def test_people_on_lists_gives_no_total_when_a_list_has_no_person_id(tmp_path):
    pd.DataFrame({"person_id": ["P1"]}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"email": ["x@y.z"]}).to_csv(tmp_path / "b.csv", index=False)
    assert people_on_lists(tmp_path, ["a", "b"]) is None
    with pytest.raises(FileNotFoundError, match="missing"):
        people_on_lists(tmp_path, ["a", "gone"])


# -- words, not codes ----------------------------------------------------------------------------------


def test_reason_legend_and_lifecycle_labels_are_words():
    counts = pd.DataFrame({"email": [3] * len(REASONS), "mail": [1] * len(REASONS)}, index=list(REASONS))
    legend = [t.get_text() for t in reason_bars(counts).axes[0].get_legend().get_texts()]
    assert legend == [readable(r) for r in REASONS]
    assert not [t for t in legend if "_" in t] and "opted out" in legend and "no objection recorded" in legend
    sizes = pd.DataFrame(
        {"dimension": "lifecycle", "segment": ["new_customer", "prospect"], "persons": [3, 1], "share": [0.75, 0.25]}
    )
    ticks = [t.get_text() for t in lifecycle_bars(sizes).axes[0].get_yticklabels()]
    assert "new customer" in ticks and not [t for t in ticks if "_" in t]


def test_readable_summary_shows_counts_as_whole_numbers():
    frame = pd.DataFrame({"frequency": [1, 2, 2, 5, None] * 300, "monetary": [10.5, 20.25, 3.0, 8.0, 1.0] * 300})
    table = readable_summary(frame, (0.5, 0.9))
    assert table.loc["frequency", "count"] == f"{frame['frequency'].notna().sum():,}"
    assert table.loc["monetary", "count"] == f"{len(frame):,}"
    assert table.loc["frequency", "median"] == f"{frame['frequency'].median():.0f}"  # whole column, whole value
    assert table.loc["monetary", "mean"] == f"{frame['monetary'].mean():,.2f}"
    assert "90th percentile" in table.columns and "50%" not in table.columns
    assert not table.apply(lambda c: c.str.endswith(".0")).any().any()  # no float-looking counts


def test_readable_bins_name_each_band_by_its_edges():
    edges = [0, 0.6, 0.7, 0.8, 0.9, 0.99, 1.0]
    values = pd.Series([0.0, 0.55, 0.6, 0.65, 0.95, 1.0])
    bands = readable_bins(values, edges)
    assert list(bands.astype(str)) == ["0–0.6", "0–0.6", "0–0.6", "0.6–0.7", "0.9–0.99", "0.99–1"]
    assert (bands.cat.codes.to_numpy() == pd.cut(values, edges, include_lowest=True).cat.codes.to_numpy()).all()
    assert not [c for c in bands.cat.categories if "(" in c or "]" in c]


# -- the stage figures, read by name ---------------------------------------------------------------------


def records() -> dict[str, dict]:
    """Stage records with every figure the report reads, saved as the stages save them."""
    saved = [
        CleanRecord(
            rows_in=15,
            rows_out=14,
            reconciliation=[{"source": "crm", "quarantined": 2}, {"source": "web", "quarantined": 1}],
            changed_share={"email": 0.1},
            change_summary=[],
        ),
        MatchRecord(
            rows_in=14,
            rows_out=14,
            model_source="trained",
            training={},
            comparisons=["first_name"],
            left_out=[],
            pairs_scored=30,
            pairs_linked=4,
            pairs_vetoed=0,
            vetoes_lifted=0,
            person_ids={"carried_over": 5, "new": 1, "split": 2},
            evaluation=None,
        ),
        GoldenRecord(rows_in=14, rows_out=12, survivorship={"name": "most_recent"}, fill_rates={"email": 0.5}),
        HouseholdRecord(
            rows_in=12,
            rows_out=9,
            rule="same_address_surname",
            moves={"persons_moved": 1},
            household_ids={"new": 4},
            evaluation=None,
        ),
        ContactRecord(
            rows_in=12,
            rows_out=48,
            contactable_share={"email": 0.5, "phone": 0.25, "mail": 0.75, "sms": 0.1},
            reasons={},
            suppressions={},
            bounced_addresses=0,
            worklists={"bounced_call": 3},
        ),
        SegmentRecord(
            rows_in=40,
            rows_out=12,
            reporting_currency="EUR",
            rates_as_of=None,
            rfm_segments={"Champions": 7, "(not scored)": 3},
            lifecycle={"lapsed": 2},
            linking={"transactions": 40, "anonymous": 10},
            anonymous_revenue_share=0.2,
            list_sizes={"a": 4},
        ),
    ]
    out = {}
    for record in saved:
        payload = json.loads(json.dumps(record.payload()))  # as read back from stages/<stage>.json
        payload["headline"] = {"pairs to review": 99}
        out[record.STAGE] = payload
    return out


@pytest.fixture
def run_dir(tmp_path):
    pd.DataFrame({"pair": range(6)}).to_parquet(tmp_path / reads.REVIEW_PAIRS_TABLE)
    return tmp_path


def test_stage_reads_takes_every_figure_by_name_not_by_headline_wording(run_dir):
    stages = records()
    for record in stages.values():
        record["headline"] = {"pairs awaiting review": 1}  # headlines reworded: nothing the report reads changes
    got = reads.stage_reads(stages, run_dir)
    assert got.review_pairs == len(pd.read_parquet(run_dir / reads.REVIEW_PAIRS_TABLE))
    assert got.quarantined_clean == sum(
        r["quarantined"] for r in stages["02_clean_standardise"]["metrics"]["reconciliation"]
    )
    linking = stages["07_segmentation"]["metrics"]["linking"]
    assert got.anonymous_share == linking["anonymous"] / linking["transactions"]
    assert got.golden_customers == stages["04_golden_records"]["rows_out"]


REQUIRED = [(cls, name) for cls in reads.READ_RECORDS for name in cls.required_metrics()]


@pytest.mark.parametrize(("cls", "name"), REQUIRED, ids=lambda x: x if isinstance(x, str) else x.STAGE)
def test_a_missing_figure_fails_the_report_naming_it(run_dir, cls, name):
    stages = copy.deepcopy(records())
    del stages[cls.STAGE]["metrics"][name]
    with pytest.raises(reads.ReportInputError, match=f"{cls.STAGE}: metrics.{name}"):
        reads.stage_reads(stages, run_dir)


def test_a_missing_review_table_or_row_count_fails_the_report(run_dir):
    stages = records()
    stages["05_households"]["rows_out"] = None
    (run_dir / reads.REVIEW_PAIRS_TABLE).unlink()
    with pytest.raises(reads.ReportInputError) as err:
        reads.stage_reads(stages, run_dir)
    assert "05_households: rows_out" in str(err.value) and reads.REVIEW_PAIRS_TABLE in str(err.value)


def test_a_stage_that_leaves_out_a_figure_fails_at_its_own_end():
    with pytest.raises(TypeError, match="person_ids"):
        MatchRecord(rows_in=1, rows_out=1, model_source="trained", training={}, comparisons=[], left_out=[],
                    pairs_scored=0, pairs_linked=0, pairs_vetoed=0, vetoes_lifted=0, evaluation=None)  # fmt: skip


def test_a_record_is_saved_as_plain_json_numbers():
    record = GoldenRecord(rows_in=np.int64(3), rows_out=2, survivorship={}, fill_rates={"email": np.float64(0.5)})
    payload = json.loads(json.dumps(record.payload(), default=str))
    assert payload["rows_in"] == 3 and payload["metrics"]["fill_rates"]["email"] == 0.5


def record_call(notebook: str) -> tuple[ast.Call, object]:
    """The call a stage notebook passes to `ctx.record(...)`, and what it calls (the record
    class, or the stage's function that builds the record)."""
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    trees = [
        ast.parse("\n".join(ln for ln in c.source.splitlines() if not ln.lstrip().startswith(("%", "!"))))
        for c in nb.cells
        if c.cell_type == "code"
    ]
    imported = {
        alias.asname or alias.name: (node.module, alias.name)
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and node.args:
                call = node.args[0]
                assert isinstance(call, ast.Call), notebook
                if isinstance(call.func, ast.Name):
                    module, name = imported[call.func.id]
                    return call, getattr(importlib.import_module(module), name)
                # a method of a result the stage's entry point returned (`result.record(...)`):
                # that method, found on the classes of the helpers modules the notebook imports
                assert isinstance(call.func, ast.Attribute), notebook
                methods = [
                    getattr(obj, call.func.attr)
                    for module in {m for m, _ in imported.values() if m.startswith("helpers.")}
                    for obj in vars(importlib.import_module(module)).values()
                    if isinstance(obj, type) and obj.__module__ == module and hasattr(obj, call.func.attr)
                    if module != "helpers.run_context"  # ctx.record itself
                ]
                assert len(methods) == 1, f"{notebook}: {call.func.attr}() found on {len(methods)} classes"
                return call, methods[0]
    raise AssertionError(f"{notebook} passes no stage record to ctx.record")


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.STAGE)
def test_every_stage_notebook_saves_its_typed_record(cls):
    call, called = record_call(f"{cls.STAGE}.ipynb")
    if called is cls:  # the notebook builds the record itself: every required figure given
        given = {k.arg for k in call.keywords}
        assert {"rows_in", "rows_out", *cls.required_metrics()} <= given, sorted(set(cls.required_metrics()) - given)
    else:  # the stage's entry point builds it (its dataclass checks the fields when called)
        assert typing.get_type_hints(called).get("return") is cls, f"{called} does not return a {cls.__name__}"


def test_the_comparison_reads_figures_by_name_and_tolerates_an_older_run():
    now = records()
    before = copy.deepcopy(now)
    before["04_golden_records"]["rows_out"] = 10
    del before["07_segmentation"]["metrics"]["lifecycle"]  # an older run without the metric
    table = comparison(now, ("r0", before, {}))
    assert table.loc["golden customers", "this run"] == now["04_golden_records"]["rows_out"]
    assert table.loc["golden customers", "previous run (r0)"] == 10
    assert (
        table.loc["email contactable", "this run"]
        == f"{now['06_contactability']['metrics']['contactable_share']['email']:.1%}"
    )
    assert table.loc["Champions", "this run"] == now["07_segmentation"]["metrics"]["rfm_segments"]["Champions"]
    assert table.loc["lapsed", "previous run (r0)"] is None


def test_the_campaign_list_box_counts_distinct_customers(tmp_path):
    from types import SimpleNamespace

    from helpers.report.summary import kpis

    lists = {"winback": ["P1", "P2", "P9"], "champions": ["P2", "P9"]}
    for name, ids in lists.items():
        pd.DataFrame({"person_id": ids}).to_csv(tmp_path / f"{name}.csv", index=False)
    numbers = {
        "customers": 10,
        "households": 7,
        "clean_records": 14,
        "reachable_any": 0.5,
        "people_on_lists": people_on_lists(tmp_path, list(lists)),
    }
    boxes = dict((label, value) for value, label in kpis(SimpleNamespace(numbers=numbers)))
    assert boxes["customers on campaign lists"] == str(len(set(lists["winback"]) | set(lists["champions"])))
    assert kpis(SimpleNamespace(numbers={**numbers, "people_on_lists": None}))[-1][0] == "—"


def test_corrections_point_counts_decisions_estimates_and_erasures():
    from types import SimpleNamespace

    from helpers.report.summary import corrections_point

    reads = SimpleNamespace(
        decisions={"same": 150, "different": 50, "conflicts": 2},
        accuracy_from_reviews={"precision_estimated": 0.991, "recall_estimated": 0.962},
        erasure={"persons_erased": 2, "records_erased": 5},
    )
    text = corrections_point(reads)
    assert "200 review decisions applied (150 same person, 50 different people; 2 conflicts" in text
    assert "99.1%" in text and "96.2%" in text
    assert "2 customers erased at their request (5 records" in text
    assert corrections_point(SimpleNamespace(decisions=None, accuracy_from_reviews=None, erasure=None)) is None
