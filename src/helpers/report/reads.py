"""What the report reads from the earlier stages' records, each figure by one shared name.

Every stage leaves `stages/<stage>.json` (`StageContext.record`): `headline` figures worded for
people ("pairs to review") and `metrics` under keyword names (`person_ids=...`). Headlines are
prose and get reworded; a report that looked numbers up by their wording went blank without an
error the day a notebook said "pairs awaiting review" instead. So the report reads:

- metrics only, each through one `Metric` constant below — the writer's keyword and the
  reader's key are the same name, and a test checks that every stage notebook still writes
  every metric the report reads (tests/test_report_reads.py);
- `rows_out`, the record's own field (golden customers, households);
- the run's tables by file name for what a table says directly (pairs to review).

`stage_reads` turns the records into one typed `StageReads` and refuses, naming the stage, the
metric and what to do, when a metric the report needs is missing, instead of the report showing
a dash or a zero that reads like a real figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

REVIEW_PAIRS_TABLE = "review_pairs.parquet"  # stage 03's clerical-review worklist, one row per pair


@dataclass(frozen=True)
class Metric:
    """One metric of a stage record the report reads: `record["metrics"][key]` of `stage`."""

    stage: str
    key: str
    what: str  # what the report shows with it, for the error message


CHANGE_SUMMARY = Metric("02_clean_standardise", "change_summary", "the cleaning table (section 2)")
RECONCILIATION = Metric("02_clean_standardise", "reconciliation", "the records held back in quarantine")
PERSON_IDS = Metric(
    "03_match_customers", "person_ids", "customers new, merged, split and retired since the previous run"
)
EVALUATION = Metric("03_match_customers", "evaluation", "the matching accuracy (null when no truth file)")
HOUSEHOLD_RULE = Metric("05_households", "rule", "the household rule")
MOVES = Metric("05_households", "moves", "the change-of-address outcomes")
HOUSEHOLD_IDS = Metric(
    "05_households", "household_ids", "households new, merged, split and retired since the previous run"
)
CONTACTABLE_SHARE = Metric("06_contactability", "contactable_share", "the contactable share per channel")
SUPPRESSIONS = Metric("06_contactability", "suppressions", "the suppression-list table")
WORKLISTS = Metric("06_contactability", "worklists", "the worklists for the teams")
RFM_SEGMENTS = Metric("07_segmentation", "rfm_segments", "the RFM segments (Champions)")
LIFECYCLE = Metric("07_segmentation", "lifecycle", "the lifecycle stages (lapsed)")
LINKING = Metric("07_segmentation", "linking", "the anonymous share of sales")
LIST_SIZES = Metric("07_segmentation", "list_sizes", "the campaign lists exported")
DECISIONS = Metric("03_match_customers", "decisions", "people's review decisions applied")
ACCURACY_FROM_REVIEWS = Metric(
    "03_match_customers", "accuracy_from_reviews", "precision and recall estimated from reviews"
)
ERASURE = Metric("04_golden_records", "erasure", "persons erased at their request")

REQUIRED: tuple[Metric, ...] = (
    RECONCILIATION,
    PERSON_IDS,
    EVALUATION,
    HOUSEHOLD_RULE,
    MOVES,
    HOUSEHOLD_IDS,
    CONTACTABLE_SHARE,
    SUPPRESSIONS,
    WORKLISTS,
    RFM_SEGMENTS,
    LIFECYCLE,
    LINKING,
    LIST_SIZES,
)
# Read when present: a run from before stage 02 recorded it is summarised again from its table.
# Decisions and erasures are read when present: runs from before they existed lack them.
OPTIONAL: tuple[Metric, ...] = (CHANGE_SUMMARY, DECISIONS, ACCURACY_FROM_REVIEWS, ERASURE)
ROWS_OUT_STAGES = ("04_golden_records", "05_households")  # golden customers, households


class ReportInputError(ValueError):
    """A stage record lacks a figure the report shows."""


@dataclass(frozen=True)
class StageReads:
    """Everything the report takes from the earlier stages' records, typed and named."""

    golden_customers: int
    households: int
    reconciliation: list[dict[str, Any]]
    change_summary: list[dict[str, Any]] | None
    person_ids: dict[str, int]
    evaluation: dict[str, Any] | None
    household_rule: str
    moves: dict[str, int]
    household_ids: dict[str, int]
    contactable_share: dict[str, float]
    suppressions: dict[str, dict[str, int]]
    worklists: dict[str, int]
    rfm_segments: dict[str, int]
    lifecycle: dict[str, int]
    linking: dict[str, int]
    list_sizes: dict[str, int]
    review_pairs: int
    decisions: dict[str, Any] | None = None
    accuracy_from_reviews: dict[str, Any] | None = None
    erasure: dict[str, Any] | None = None

    @property
    def quarantined_clean(self) -> int:
        return int(sum(int(r.get("quarantined") or 0) for r in self.reconciliation))

    @property
    def anonymous_share(self) -> float | None:
        """Share of sales rows without a customer reference; None when the run had no sales."""
        total = int(self.linking.get("transactions") or 0)
        return int(self.linking.get("anonymous") or 0) / total if total else None


def optional_metric(stages: dict[str, dict], metric: Metric) -> Any:
    """An OPTIONAL metric's value, or None when its stage did not record it."""
    return (stages.get(metric.stage, {}).get("metrics") or {}).get(metric.key)


def missing_fields(stages: dict[str, dict]) -> list[str]:
    """Every figure the report needs that the records lack, as `stage: metrics.key (what)`."""
    out = []
    for stage in ROWS_OUT_STAGES:
        if stages.get(stage, {}).get("rows_out") is None:
            out.append(
                f"{stage}: rows_out (the number of {'golden customers' if stage.startswith('04') else 'households'})"
            )
    for metric in REQUIRED:
        if metric.key not in (stages.get(metric.stage, {}).get("metrics") or {}):
            out.append(f"{metric.stage}: metrics.{metric.key} ({metric.what})")
    return out


def stage_reads(stages: dict[str, dict], run_dir: str | Path) -> StageReads:
    """The typed figures of `stages` (the `stages/*.json` records) and the run folder `run_dir`.

    Raises `ReportInputError` listing every missing figure at once: a notebook that stopped
    writing a metric (or renamed it) fails the report with its name rather than blanking it."""
    missing = missing_fields(stages)
    table = Path(run_dir) / REVIEW_PAIRS_TABLE
    if not table.exists():
        missing.append(f"03_match_customers: {REVIEW_PAIRS_TABLE} (the pairs waiting for clerical review)")
    if missing:
        raise ReportInputError(
            "08_customer_report: the stage records of "
            + str(run_dir)
            + " lack figures the report shows:\n  - "
            + "\n  - ".join(missing)
            + "\nEach is written by the named stage's ctx.record(...) under that name "
            "(helpers/report/reads.py lists them). Re-run from the first stage named; if a notebook renamed "
            "a metric, rename it back or change the constant in reads.py with it."
        )

    def get(metric: Metric) -> Any:
        return stages[metric.stage]["metrics"][metric.key]

    optional = stages.get(CHANGE_SUMMARY.stage, {}).get("metrics") or {}
    return StageReads(
        golden_customers=int(stages["04_golden_records"]["rows_out"]),
        households=int(stages["05_households"]["rows_out"]),
        reconciliation=list(get(RECONCILIATION) or []),
        change_summary=optional.get(CHANGE_SUMMARY.key),
        person_ids=dict(get(PERSON_IDS) or {}),
        evaluation=get(EVALUATION),
        household_rule=str(get(HOUSEHOLD_RULE)),
        moves=dict(get(MOVES) or {}),
        household_ids=dict(get(HOUSEHOLD_IDS) or {}),
        contactable_share=dict(get(CONTACTABLE_SHARE) or {}),
        suppressions=dict(get(SUPPRESSIONS) or {}),
        worklists=dict(get(WORKLISTS) or {}),
        rfm_segments=dict(get(RFM_SEGMENTS) or {}),
        lifecycle=dict(get(LIFECYCLE) or {}),
        linking=dict(get(LINKING) or {}),
        list_sizes=dict(get(LIST_SIZES) or {}),
        review_pairs=int(pq.ParquetFile(table).metadata.num_rows),
        decisions=optional_metric(stages, DECISIONS),
        accuracy_from_reviews=optional_metric(stages, ACCURACY_FROM_REVIEWS),
        erasure=optional_metric(stages, ERASURE),
    )


def headline_figures(stages: dict[str, dict]) -> dict[str, float | int | None]:
    """The compared figures of a run's records by name, tolerating a run written before a
    metric existed (an older `latest`): what it lacks is None, shown as a dash beside this run."""
    metrics = {s: (r.get("metrics") or {}) for s, r in stages.items()}

    def metric(m: Metric) -> dict:
        return metrics.get(m.stage, {}).get(m.key) or {}

    return {
        "golden customers": stages.get("04_golden_records", {}).get("rows_out"),
        "households": stages.get("05_households", {}).get("rows_out"),
        **{f"{c} contactable": metric(CONTACTABLE_SHARE).get(c) for c in ("email", "phone", "mail")},
        "Champions": metric(RFM_SEGMENTS).get("Champions")
        if RFM_SEGMENTS.key in metrics.get(RFM_SEGMENTS.stage, {})
        else None,
        "lapsed": metric(LIFECYCLE).get("lapsed") if LIFECYCLE.key in metrics.get(LIFECYCLE.stage, {}) else None,
    }
