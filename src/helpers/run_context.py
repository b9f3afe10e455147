"""What a stage notebook knows about the run it is part of, and how it reports back.

The runner and the notebooks share one small contract: a notebook gets `run_id`,
`processed_dir` and `reports_dir` as parameters, reads and writes tables in
`<processed_dir>/<run_id>/`, and at the end calls `ctx.record(...)`, which leaves
`stages/<stage>.json` for the runner to fold into the manifest and the index page.
An analyst running a notebook by hand gets the same behaviour in the `interactive` run folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.background import Background, in_background
from helpers.storage import read_json, write_json, write_parquet

STAGE_RECORD_DIR = "stages"


@dataclass
class StageContext:
    stage: str
    run_id: str
    run_dir: Path
    report_dir: Path
    outputs: list[str] = field(default_factory=list)
    pending: list[Background] = field(default_factory=list)  # writes still running in the background
    warnings: list[dict[str, str]] = field(default_factory=list)  # failed warning-level gate expectations

    def path(self, name: str) -> Path:
        return self.run_dir / name

    def read(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A table of the run; `columns` reads only those (a million clean records have 91)."""
        path = self.path(name)
        if not path.exists():
            raise FileNotFoundError(
                f"{self.stage}: input table {name} is missing from run folder {self.run_dir}; "
                "run the earlier stages first (clientela run, or the earlier notebooks by hand)"
            )
        return pd.read_parquet(path, columns=columns)

    def write(self, df: pd.DataFrame, name: str) -> Path:
        path = write_parquet(df, self.path(name))
        if name not in self.outputs:
            self.outputs.append(name)
        return path

    def write_in_background(self, tables: dict[str, pd.DataFrame]) -> Background:
        """Write tables on the second core while the stage goes on (a million rows take seconds
        to encode). `record` waits for every such write and raises its error, if any."""
        job = in_background(_write_tables, {self.path(name): df for name, df in tables.items()})
        for name in tables:
            if name not in self.outputs:
                self.outputs.append(name)
        self.pending.append(job)
        return job

    def wait_for_writes(self) -> None:
        while self.pending:
            self.pending.pop(0).result()

    def write_json(self, obj: Any, name: str) -> Path:
        path = write_json(obj, self.path(name))
        if name not in self.outputs:
            self.outputs.append(name)
        return path

    def check(self, gate: Any) -> Any:
        """Apply a gate's verdict: keep its warnings for the stage record, stop on a critical failure.

        Warnings never stop a run; they travel with the stage record to the manifest, the run's
        index page, the top of the stage page and the customer report.
        """
        self.warnings.extend(w for w in gate.warnings() if w not in self.warnings)
        return gate.raise_if_failed()

    def record(
        self,
        rows_in: int | None,
        rows_out: int | None,
        headline: dict[str, Any] | None = None,
        shares: dict[str, float | None] | None = None,
        **metrics: Any,
    ) -> dict:
        """Leave the stage's numbers for the runner: row counts, headline figures, metrics.

        `shares` are the few proportions (0–1) the runner compares with the previous good run
        to warn of drift (helpers/drift.py).
        """
        self.wait_for_writes()
        payload = {
            "stage": self.stage,
            "rows_in": None if rows_in is None else int(rows_in),
            "rows_out": None if rows_out is None else int(rows_out),
            "headline": headline or {},
            "metrics": metrics,
            "shares": shares or {},
            "warnings": self.warnings,
            "outputs": self.outputs,
            "recorded_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        write_json(payload, self.run_dir / STAGE_RECORD_DIR / f"{self.stage}.json")
        return payload


def _write_tables(tables: dict[Path, pd.DataFrame]) -> list[Path]:
    return [write_parquet(df, path) for path, df in tables.items()]


def stage_context(stage: str, run_id: str, processed_dir: str | Path, reports_dir: str | Path) -> StageContext:
    run_dir = Path(processed_dir) / run_id
    report_dir = Path(reports_dir) / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    report_dir.mkdir(parents=True, exist_ok=True)
    return StageContext(stage=stage, run_id=run_id, run_dir=run_dir, report_dir=report_dir)


def read_stage_record(run_dir: Path, stage: str) -> dict | None:
    path = Path(run_dir) / STAGE_RECORD_DIR / f"{stage}.json"
    return read_json(path) if path.exists() else None


def resolve_reference_date(value: str | date | None) -> date:
    """The run's 'today': given explicitly for reproducible runs, else the day the run starts."""
    if value in (None, "", "today"):
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
