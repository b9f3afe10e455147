"""Stage 01 in two calls: read every source, then profile what was read.

Two calls, not one, because the stage overlaps its work: between them the notebook starts the
raw-data gate and the writing of the tables read (`helpers.ingest.ingest_tables`) on the second
core, both of which need only what was read, while `profile_sources` profiles the columns.

`read_sources` is `helpers.ingest.ingest` plus what makes a read trustworthy: the loss measures
against the previous good run (helpers/loss.py) and the reconciliation of rows read and
quarantined with the rows each file holds. `profile_sources` adds freshness, the column profile,
the validity profile and the duplicate counts, and returns `IngestStageResult`, which holds every
table stage 01 writes and builds the stage's typed record (`IngestStageResult.record`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from helpers import profile
from helpers.background import in_background
from helpers.catalog import T, Table
from helpers.ingest import IngestError, IngestResult, ingest, stale_sources
from helpers.loss import loss_measures, previous_summary
from helpers.registry import Registry
from helpers.stage_records import IngestRecord

# The source summary's columns the Reconciliation section shows (what was lost or garbled).
LOSS_COLUMNS = [
    "lines",
    "lines_accounted",
    "rows_read",
    "rows_repaired",
    "rows_quarantined",
    "quarantined_share",
    "rows_vs_previous",
    "mojibake_share",
    "encoding_hint",
]
LOSS_SHARES = ["quarantined_share", "mojibake_share"]


@dataclass
class IngestStageResult:
    """Everything stage 01 writes: the tables as read and the profile of them."""

    tables: dict[str, pd.DataFrame]  # kind -> canonical table (people, suppressions, transactions, ...)
    quarantine: pd.DataFrame  # rows that could not be read, with the reason and their raw text
    summary: pd.DataFrame  # one row per source, with the loss measures
    freshness: pd.DataFrame  # one row per source: age against its cadence, stale or not
    profile: pd.DataFrame  # per source and people column: fill rate, distinct values, shapes
    validity: pd.DataFrame  # per source and validated field: invalid and unknown shares
    duplicates: pd.DataFrame  # per source: exact duplicate rows, repeated ids

    @property
    def people(self) -> pd.DataFrame:
        return self.tables["people"]

    @property
    def table_rows(self) -> dict[str, int]:
        """Rows per canonical table, in the order the kinds are read."""
        return {kind: len(table) for kind, table in self.tables.items()}

    def profile_tables(self) -> dict[Table, pd.DataFrame]:
        """The profile tables to write after the gates (the tables as read are written while
        profiling: `helpers.ingest.ingest_tables`)."""
        return {T.freshness: self.freshness, T.profile: self.profile, T.profile_validity: self.validity}

    def record(self, gates_passed: list[str]) -> IngestRecord:
        """The stage's typed record: rows in (every row of every file) and out (rows read), the
        rows per table and per source quarantined, stale sources and duplicate rows.

        `gates_passed` are the suites the notebook ran and passed (the gates stay there)."""
        stale = stale_sources(self.freshness)
        return IngestRecord(
            rows_in=int(self.summary["rows_total"].sum()),
            rows_out=int(self.summary["rows_read"].sum()),
            headline={
                "sources": len(self.summary),
                "people records": len(self.people),
                "quarantined rows": len(self.quarantine),
                "stale sources": ", ".join(stale) or "none",
            },
            tables=self.table_rows,
            quarantined_by_source=self.quarantine.groupby("source").size().to_dict(),
            stale_sources=stale,
            duplicate_rows=int(self.duplicates["exact_duplicate_rows"].sum()) if len(self.duplicates) else 0,
            gates_passed=list(gates_passed),
        )


def read_sources(registry: Registry, processed_dir: str | Path, run_id: str) -> IngestResult:
    """Every source of the registry read (`ingest`), with the loss measures against the previous
    good run of `processed_dir` added to its summary; raises `IngestError` when the rows do not
    reconcile (see `check_read_counts`)."""
    read = ingest(registry)
    previous = previous_summary(processed_dir, run_id)
    read.summary = loss_measures(read.summary, read.tables, read.quarantine, previous)
    check_read_counts(read)
    return read


def check_read_counts(read: IngestResult) -> None:
    """Stop when the summary's counts do not add up: the rows read must be the rows of the
    tables, and every row of a file must be read or quarantined. Either failing means rows were
    lost (or counted twice) between reading and the tables, and the run must not go on."""
    summary = read.summary
    rows_read = int(summary["rows_read"].sum())
    in_tables = sum(len(t) for t in read.tables.values())
    if rows_read != in_tables:
        raise IngestError(
            f"the sources' summary counts {rows_read:,} rows read but the tables hold {in_tables:,}: "
            "rows were lost or duplicated after reading; report this with the registry used"
        )
    rows_total = int(summary["rows_total"].sum())
    if rows_total != rows_read + len(read.quarantine):
        raise IngestError(
            f"the sources hold {rows_total:,} rows but {rows_read:,} were read and {len(read.quarantine):,} "
            "quarantined: rows were lost while reading; report this with the registry used"
        )


def profile_sources(
    read: IngestResult, reference_date: date, stale_after_cadences: float, run_id: str
) -> IngestStageResult:
    """Freshness, column profile, validity profile and duplicates of what `read_sources` read.

    The validity profile (stage 02's validators on every value) runs on the second core while
    the columns are profiled here."""
    people = read.tables["people"]
    validity_job = in_background(profile.invalid_shares, people, read.summary, reference_date)
    fresh = profile.freshness(read.summary, reference_date, stale_after_cadences)
    columns = profile.profile_columns(people)
    columns.insert(0, "run_id", run_id)
    duplicates = profile.duplicates_by_source(people)
    return IngestStageResult(
        tables=read.tables,
        quarantine=read.quarantine,
        summary=read.summary,
        freshness=fresh,
        profile=columns,
        validity=validity_job.result(),
        duplicates=duplicates,
    )
