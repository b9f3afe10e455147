"""Stage 04 in the steps the notebook tells one by one — erase, build, record — and that tests call
the same way.

Erasure comes first (`erase`): everyone a tombstone names leaves the run folder before a golden
row can be built on them. `build_golden` is the whole golden table, including the columns derived
from the chosen values (`age`, `age_band` at the run's reference date), so every column of
`golden_records.parquet` is made, and tested, here rather than in a notebook cell. The result
carries the figures the page explains (field lineage, completeness gain) and builds the stage's
typed record from them, so the page and the record can never tell two stories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd

from helpers.golden.charts import completeness_gain
from helpers.golden.records import field_lineage_summary, golden_customers
from helpers.golden.survivorship import Group
from helpers.privacy_requests.erasure import ErasureResult, apply_erasures, decisions_folder
from helpers.run_context import StageContext
from helpers.stage_records import GoldenRecord, MatchRecord, StageRecord, read_record, record_path
from helpers.standardise.dates import age_at, age_band

Record = TypeVar("Record", bound=StageRecord)


def erase(run_dir: str | Path, decisions_dir: str | Path, run_id: str, report_dir: str | Path | None) -> ErasureResult:
    """Record this run's erasure requests as tombstones and remove everyone the store names from
    the run folder. Called before any table is read: no golden row may be built on an erased person."""
    return apply_erasures(run_dir, decisions_folder(decisions_dir), run_id, report_dir)


def erasure_line(erasure: ErasureResult) -> str:
    """The one line the page prints about erasure (counts only: the page is shareable)."""
    return (
        f"erasure: {erasure.persons:,} persons ({erasure.records:,} records) removed; "
        f"{erasure.requests_in_lists:,} requests in suppression lists, {erasure.requests_recorded:,} newly recorded"
    )


def with_age(golden: pd.DataFrame, reference_date: date) -> pd.DataFrame:
    """`golden` with `age` (completed years at `reference_date`) and `age_band` right after
    `date_of_birth`.

    The age is the reference date's, not today's, so a re-run of the same inputs gives the same
    table. A birth date that gives no age (missing, after the reference date) leaves both empty.
    """
    if "date_of_birth" not in golden.columns:
        raise ValueError(
            "golden records have no date_of_birth column, which age and age_band are computed from; "
            "keep a group with the field date_of_birth in the survivorship rules (config/survivorship.yaml)"
        )
    out = golden.drop(columns=["age", "age_band"], errors="ignore")
    at = out.columns.get_loc("date_of_birth") + 1
    age = age_at(out["date_of_birth"], reference_date)
    out.insert(at, "age", age)
    out.insert(at + 1, "age_band", age_band(out["age"]))
    return out


@dataclass
class GoldenResult:
    golden: pd.DataFrame  # golden_records: one row per person, lineage, age and age band
    groups: list[Group]  # the survivorship rules applied
    lineage: pd.DataFrame  # per group and source: persons whose value it supplied, share
    gain: pd.DataFrame  # per key field: fill rate of the average single record vs the golden customer
    rows_in: int  # clean records the table was built from

    def rules_table(self) -> pd.DataFrame:
        """The survivorship rules as the page shows them: one row per group."""
        return pd.DataFrame(
            [
                {
                    "group": g.name,
                    "rule": g.rule,
                    "fields": ", ".join(g.fields),
                    "source order": " > ".join(g.sources) if g.rule == "source_priority" else "",
                }
                for g in self.groups
            ]
        ).set_index("group")

    def sources_per_customer(self) -> pd.DataFrame:
        """Customers by how many sources their records come from (one row, a column per count)."""
        counts = self.golden["sources"].map(len).value_counts().sort_index()
        return counts.rename_axis("sources per customer").rename("customers").to_frame().T

    def headline(self, erasure: ErasureResult | None = None) -> dict[str, object]:
        """Figures worded for people (the index page shows them; nothing reads them back)."""
        golden = self.golden
        return {
            "golden customers": len(golden),
            "with email": f"{golden['email'].notna().mean():.1%}",
            "with phone": f"{golden['phone'].notna().mean():.1%}",
            "with address": f"{golden['address_line1'].notna().mean():.1%}",
            **({"persons erased": erasure.persons} if erasure is not None and erasure.persons else {}),
        }

    def record(self, erasure: ErasureResult | None, gates_passed: list[str]) -> GoldenRecord:
        """The stage's typed record: rows in and out, headline, rules, fill rates, erasure counts, and
        the gates the notebook ran and passed (gates stay in the notebook, where a reader sees them)."""
        return GoldenRecord(
            rows_in=self.rows_in,
            rows_out=len(self.golden),
            headline=self.headline(erasure),
            survivorship={g.name: g.rule for g in self.groups},
            fill_rates=self.gain["golden"].round(4).to_dict(),
            erasure=erasure.figures() if erasure is not None else None,
            gates_passed=list(gates_passed),
        )


def build_golden(clean: pd.DataFrame, links: pd.DataFrame, groups: list[Group], reference_date: date) -> GoldenResult:
    """Survivorship into one row per person, the age columns, and the figures that explain the table."""
    golden = with_age(golden_customers(clean, links, groups), reference_date)
    return GoldenResult(
        golden=golden,
        groups=groups,
        lineage=field_lineage_summary(golden, groups),
        gain=completeness_gain(clean, golden),
        rows_in=len(clean),
    )


def earlier_record(ctx: StageContext, cls: type[Record]) -> Record:
    """An earlier stage's typed record, read where the stage reads its tables: this run's folder,
    or on a hand run that lacks it, the `latest` good run (`ctx.input_path`). Raises
    `StageRecordError` naming the record when neither has it."""
    path = ctx.input_path(record_path("", cls.STAGE).as_posix())
    return read_record(path.parent.parent, cls)


def match_record(ctx: StageContext) -> MatchRecord:
    """Stage 03's record (person ids carried over, new, merged, split) for this run."""
    return earlier_record(ctx, MatchRecord)
