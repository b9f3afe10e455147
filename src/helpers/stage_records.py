"""What each stage records about its run: one typed record per stage, the contract between the
stages, the runner, the index page and the report.

A stage ends with `ctx.record(SomeRecord(...))`. The dataclass is the written-down contract:
a notebook that stops giving a figure fails *its own* stage with a `TypeError` naming the field,
instead of the report going blank (or reading a reworded headline) an hour later. The record is
saved as `stages/<stage>.json` with the figures under `metrics`, so the manifest, the drift check
and older runs keep the layout they had; readers turn it back into the typed record with
`read_record`/`from_payload`, which refuses a record lacking a field and names it.

Fields without a default must be given by the stage (their value may be None, e.g. `evaluation`
on a run without a truth file). Fields with a default are figures added after runs were kept
(a `--from` run may copy an older stage's record): readers must cope with their default.
`rows_in`, `rows_out`, `headline` (figures worded for people: shown, never read back) and
`shares` (proportions compared with the previous run, helpers/drift.py) are common to all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

STAGE_RECORD_DIR = "stages"

R = TypeVar("R", bound="StageRecord")


class StageRecordError(ValueError):
    """A saved stage record lacks a figure its reader needs."""


@dataclass(kw_only=True)
class StageRecord:
    """The figures every stage records; subclasses add the stage's own (its `metrics`)."""

    STAGE: ClassVar[str] = ""  # the stage notebook's name, e.g. "04_golden_records"

    rows_in: int | None
    rows_out: int | None
    headline: dict[str, Any] = field(default_factory=dict)
    shares: dict[str, float | None] = field(default_factory=dict)
    gates_passed: list[str] = field(default_factory=list)  # the gate suites this stage passed

    @classmethod
    def metric_names(cls) -> list[str]:
        """The stage's own figures (everything but the common fields), in declaration order."""
        common = {f.name for f in dataclasses.fields(StageRecord)}
        return [f.name for f in dataclasses.fields(cls) if f.name not in common]

    @classmethod
    def required_metrics(cls) -> list[str]:
        """The figures every record of this stage has (no default)."""
        return [
            f.name
            for f in dataclasses.fields(cls)
            if f.name in cls.metric_names()
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]

    def metrics(self) -> dict[str, Any]:
        """The stage's own figures as plain JSON values (numpy numbers become Python numbers:
        `json.dumps(default=str)` would otherwise save an np.int64 as the string "5")."""
        return {name: plain(getattr(self, name)) for name in self.metric_names()}

    def payload(self) -> dict[str, Any]:
        """The saved form: the common fields at the top, the stage's figures under `metrics`."""
        return {
            "stage": self.STAGE,
            "rows_in": None if self.rows_in is None else int(self.rows_in),
            "rows_out": None if self.rows_out is None else int(self.rows_out),
            "headline": plain(self.headline),
            "metrics": self.metrics(),
            "shares": plain(self.shares),
            "gates_passed": list(self.gates_passed),
        }

    @classmethod
    def missing(cls, payload: dict[str, Any] | None) -> list[str]:
        """The required figures `payload` (a saved record, or None when there is none) lacks,
        each as `stage: metrics.name`."""
        if payload is None:
            return [f"{cls.STAGE}: the whole record (stages/{cls.STAGE}.json)"]
        metrics = payload.get("metrics") or {}
        return [f"{cls.STAGE}: metrics.{name}" for name in cls.required_metrics() if name not in metrics]

    @classmethod
    def from_payload(cls: type[R], payload: dict[str, Any] | None) -> R:
        """The typed record of a saved one; raises `StageRecordError` naming every missing figure.
        Figures the class does not know (written by a newer or older version) are ignored."""
        missing = cls.missing(payload)
        if missing:
            raise StageRecordError(
                "stage record lacks " + ", ".join(missing) + f"; re-run from stage {cls.STAGE} to write it again"
            )
        assert payload is not None
        metrics = payload.get("metrics") or {}
        known = set(cls.metric_names())
        return cls(
            rows_in=payload.get("rows_in"),
            rows_out=payload.get("rows_out"),
            headline=payload.get("headline") or {},
            shares=payload.get("shares") or {},
            gates_passed=list(payload.get("gates_passed") or []),
            **{k: v for k, v in metrics.items() if k in known},
        )


def plain(value: Any) -> Any:
    """`value` with numpy scalars and arrays, tuples and non-string keys made plain JSON."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value


# -- the stages' records ------------------------------------------------------------------------------


@dataclass(kw_only=True)
class IngestRecord(StageRecord):
    STAGE: ClassVar[str] = "01_ingest_profile"
    tables: dict[str, int]  # rows written per canonical table
    quarantined_by_source: dict[str, int]
    stale_sources: list[str]
    duplicate_rows: int  # exact duplicate rows within a source (kept, counted)


@dataclass(kw_only=True)
class CleanRecord(StageRecord):
    STAGE: ClassVar[str] = "02_clean_standardise"
    reconciliation: list[dict[str, Any]]  # per source: rows in, clean, quarantined
    changed_share: dict[str, float]  # per column: share of values cleaning changed
    change_summary: list[dict[str, Any]] | None = None  # the report's cleaning table (runs since issue 15)


@dataclass(kw_only=True)
class MatchRecord(StageRecord):
    STAGE: ClassVar[str] = "03_match_customers"
    model_source: str  # "trained", or the model file used
    training: dict[str, Any]
    comparisons: list[str]
    left_out: list[Any]  # comparisons or blocking rules the data could not support, with why
    pairs_scored: int
    pairs_linked: int
    pairs_vetoed: int
    vetoes_lifted: list[str]  # vetoes the data could not support, each with why
    person_ids: dict[str, int]  # carried over, new, merged, split, retired since the previous run
    evaluation: dict[str, Any] | None  # against the truth file; None without one
    decisions: dict[str, Any] | None = None  # people's review decisions applied
    accuracy_from_reviews: dict[str, Any] | None = None  # precision and recall estimated from them


@dataclass(kw_only=True)
class GoldenRecord(StageRecord):
    STAGE: ClassVar[str] = "04_golden_records"
    survivorship: dict[str, str]  # attribute group -> rule
    fill_rates: dict[str, float]  # per golden column
    erasure: dict[str, Any] | None = None  # persons erased at their request


@dataclass(kw_only=True)
class HouseholdRecord(StageRecord):
    STAGE: ClassVar[str] = "05_households"
    rule: str
    moves: dict[str, int]  # change-of-address outcomes
    household_ids: dict[str, int]  # new, merged, split, retired since the previous run
    evaluation: dict[str, Any] | None


@dataclass(kw_only=True)
class ContactRecord(StageRecord):
    STAGE: ClassVar[str] = "06_contactability"
    contactable_share: dict[str, float]  # per channel
    reasons: dict[str, dict[str, int]]  # per channel: why people cannot be contacted
    suppressions: dict[str, dict[str, int]]  # per suppression file and reason: rows, matched
    bounced_addresses: int
    worklists: dict[str, int]  # rows per team worklist


@dataclass(kw_only=True)
class SegmentRecord(StageRecord):
    STAGE: ClassVar[str] = "07_segmentation"
    reporting_currency: str
    rates_as_of: str | None
    linking: dict[str, int]  # sales rows: linked, anonymous, unlinked, ambiguous, not usable
    anonymous_revenue_share: float
    rfm_segments: dict[str, int]
    lifecycle: dict[str, int]
    list_sizes: dict[str, int]  # rows written per campaign list
    database_notes: list[Any] = field(default_factory=list)


@dataclass(kw_only=True)
class ReportRecord(StageRecord):
    STAGE: ClassVar[str] = "08_customer_report"
    report: str
    report_bytes: int
    checked: dict[str, int]  # personal values the leak scan looked for, per kind


RECORDS: tuple[type[StageRecord], ...] = (
    IngestRecord,
    CleanRecord,
    MatchRecord,
    GoldenRecord,
    HouseholdRecord,
    ContactRecord,
    SegmentRecord,
    ReportRecord,
)
RECORD_BY_STAGE: dict[str, type[StageRecord]] = {r.STAGE: r for r in RECORDS}


def record_path(run_dir: str | Path, stage: str) -> Path:
    return Path(run_dir) / STAGE_RECORD_DIR / f"{stage}.json"


def read_record(run_dir: str | Path, cls: type[R]) -> R:
    """The typed record `cls` of the run in `run_dir`; `StageRecordError` when it is missing or
    lacks a figure."""
    from helpers.storage import read_json

    path = record_path(run_dir, cls.STAGE)
    return cls.from_payload(read_json(path) if path.exists() else None)
