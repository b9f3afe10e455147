"""What the report reads from the earlier stages' records: their typed fields, never their wording.

Every stage ends with `ctx.record(<Stage>Record(...))` (helpers/stage_records.py). Headlines are
prose for people and get reworded; a report that looked numbers up by their wording went blank
without an error the day a notebook said "pairs awaiting review" instead. So the report reads:

- the stages' typed records: a stage that stops giving a figure fails at its own end with a
  `TypeError` naming the field, and a saved record lacking one (an older run copied by `--from`,
  an edited file) fails the report here, naming the stage and the field;
- `rows_out`, the record's own field (golden customers, households);
- the run's tables through the catalog for what a table says directly (pairs to review).

`stage_reads` turns the records into one typed `StageReads` and refuses, naming the stage, the
figure and what to do, when a figure the report needs is missing, instead of the report showing
a dash or a zero that reads like a real figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from helpers.catalog import T
from helpers.stage_records import (
    CleanRecord,
    ContactRecord,
    GoldenRecord,
    HouseholdRecord,
    MatchRecord,
    SegmentRecord,
    StageRecord,
)

REVIEW_PAIRS_TABLE = T.review_pairs.file  # stage 03's clerical-review worklist, one row per pair
# The records the report reads; each must have every figure its class requires.
READ_RECORDS: tuple[type[StageRecord], ...] = (
    CleanRecord,
    MatchRecord,
    GoldenRecord,
    HouseholdRecord,
    ContactRecord,
    SegmentRecord,
)
ROWS_OUT_STAGES = (GoldenRecord.STAGE, HouseholdRecord.STAGE)  # golden customers, households


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


def missing_fields(stages: dict[str, dict]) -> list[str]:
    """Every figure the report needs that the records lack, as `stage: metrics.name`."""
    out = []
    for cls in READ_RECORDS:
        out += cls.missing(stages.get(cls.STAGE))
    for stage in ROWS_OUT_STAGES:
        if stage in stages and stages[stage].get("rows_out") is None:
            out.append(
                f"{stage}: rows_out (the number of {'golden customers' if stage.startswith('04') else 'households'})"
            )
    return out


def stage_reads(stages: dict[str, dict], run_dir: str | Path) -> StageReads:
    """The typed figures of `stages` (the `stages/*.json` records) and the run folder `run_dir`.

    Raises `ReportInputError` listing every missing figure at once: a record that lacks a figure
    (an older run, an edited file) fails the report with its name rather than blanking it."""
    missing = missing_fields(stages)
    table = Path(run_dir) / REVIEW_PAIRS_TABLE
    if not table.exists():
        missing.append(f"{MatchRecord.STAGE}: {REVIEW_PAIRS_TABLE} (the pairs waiting for clerical review)")
    if missing:
        raise ReportInputError(
            "08_customer_report: the stage records of "
            + str(run_dir)
            + " lack figures the report shows:\n  - "
            + "\n  - ".join(missing)
            + "\nEach is written by the named stage's typed record (helpers/stage_records.py). "
            "Re-run from the first stage named."
        )
    clean = CleanRecord.from_payload(stages[CleanRecord.STAGE])
    match = MatchRecord.from_payload(stages[MatchRecord.STAGE])
    golden = GoldenRecord.from_payload(stages[GoldenRecord.STAGE])
    households = HouseholdRecord.from_payload(stages[HouseholdRecord.STAGE])
    contact = ContactRecord.from_payload(stages[ContactRecord.STAGE])
    segments = SegmentRecord.from_payload(stages[SegmentRecord.STAGE])
    return StageReads(
        golden_customers=int(golden.rows_out or 0),
        households=int(households.rows_out or 0),
        reconciliation=list(clean.reconciliation or []),
        change_summary=clean.change_summary,
        person_ids=dict(match.person_ids or {}),
        evaluation=match.evaluation,
        household_rule=str(households.rule),
        moves=dict(households.moves or {}),
        household_ids=dict(households.household_ids or {}),
        contactable_share=dict(contact.contactable_share or {}),
        suppressions=dict(contact.suppressions or {}),
        worklists=dict(contact.worklists or {}),
        rfm_segments=dict(segments.rfm_segments or {}),
        lifecycle=dict(segments.lifecycle or {}),
        linking=dict(segments.linking or {}),
        list_sizes=dict(segments.list_sizes or {}),
        review_pairs=int(pq.ParquetFile(table).metadata.num_rows),
        decisions=match.decisions,
        accuracy_from_reviews=match.accuracy_from_reviews,
        erasure=golden.erasure,
    )


def headline_figures(stages: dict[str, dict]) -> dict[str, float | int | None]:
    """The compared figures of a run's records by name, tolerating a run written before a
    figure existed (an older `latest`): what it lacks is None, shown as a dash beside this run."""

    def figure(cls: type[StageRecord], name: str) -> dict | None:
        metrics = (stages.get(cls.STAGE) or {}).get("metrics") or {}
        return metrics.get(name) if name in metrics else None

    contactable = figure(ContactRecord, "contactable_share") or {}
    rfm, lifecycle = figure(SegmentRecord, "rfm_segments"), figure(SegmentRecord, "lifecycle")
    return {
        "golden customers": (stages.get(GoldenRecord.STAGE) or {}).get("rows_out"),
        "households": (stages.get(HouseholdRecord.STAGE) or {}).get("rows_out"),
        **{f"{c} contactable": contactable.get(c) for c in ("email", "phone", "mail")},
        "Champions": None if rfm is None else rfm.get("Champions"),
        "lapsed": None if lifecycle is None else lifecycle.get("lapsed"),
    }
