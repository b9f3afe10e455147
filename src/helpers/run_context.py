"""What a stage notebook knows about the run it is part of, and how it reports back.

The runner and the notebooks share one small contract: a notebook gets `run_id`,
`processed_dir` and `reports_dir` as parameters, reads and writes tables in
`<processed_dir>/<run_id>/`, and at the end calls `ctx.record(...)`, which leaves
`stages/<stage>.json` for the runner to fold into the manifest and the index page.
An analyst running a notebook by hand gets the same behaviour in the `interactive` run folder:
a table the interactive folder does not have yet is read from the `latest` good run, so stage 03
can be re-run by hand after `make run` without re-running 01 and 02 first. Tests point the
interactive folder elsewhere with CLIENTELA_INTERACTIVE_DIR, so they never write into the
user's own. A notebook's relative paths are relative to the project's `notebooks/` folder,
wherever the kernel was started (Papermill from the project root, JupyterLab in a subfolder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.background import Background, in_background
from helpers.catalog import Table, table_file
from helpers.stage_records import STAGE_RECORD_DIR, StageRecord, plain, record_path
from helpers.storage import (
    ANALYST_DIR,
    private_dir,
    read_json,
    set_private_umask,
    shareable_dir,
    write_json,
    write_parquet,
)

INTERACTIVE = "interactive"
# Where hand runs (run_id "interactive") write instead of <processed_dir>/interactive and
# <reports_dir>/interactive: `processed/` and `reports/` under this folder. Set by the tests.
INTERACTIVE_ENV = "CLIENTELA_INTERACTIVE_DIR"
ANALYST_BANNER_MARK = "clientela-analyst-only"
ANALYST_BANNER = (
    f'<div class="{ANALYST_BANNER_MARK}" style="margin:0;padding:10px 14px;background:#cf222e;color:#fff;'
    "font:bold 15px sans-serif\">ANALYSTS ONLY — this page shows customers' personal data (names, emails, "
    "phones). Do not share, mail or publish it.</div>"
)


@dataclass
class StageContext:
    stage: str
    run_id: str
    run_dir: Path
    report_dir: Path
    fallback_dir: Path | None = None  # for hand runs: the `latest` good run, read when run_dir lacks a table
    outputs: list[str] = field(default_factory=list)
    pending: list[Background] = field(default_factory=list)  # writes still running in the background
    warnings: list[dict[str, str]] = field(default_factory=list)  # failed warning-level gate expectations

    def path(self, name: Table | str) -> Path:
        """Where this stage writes `name` (always in its own run folder)."""
        return self.run_dir / table_file(name)

    def input_path(self, name: Table | str) -> Path:
        """Where this stage reads `name`: its run folder, or for a hand run that lacks the table,
        the `latest` good run (the returned path may not exist: check `.exists()`)."""
        own = self.run_dir / table_file(name)
        if own.exists() or self.fallback_dir is None:
            return own
        latest = self.fallback_dir / table_file(name)
        return latest if latest.exists() else own

    def has(self, name: Table | str) -> bool:
        return self.input_path(name).exists()

    def read(self, name: Table | str, columns: list[str] | None = None) -> pd.DataFrame:
        """A table of the run; `columns` reads only those (a million clean records have 91)."""
        path = self.input_path(name)
        if not path.exists():
            where = f"run folder {self.run_dir}" + (
                f" or the latest good run {self.fallback_dir}" if self.fallback_dir else ""
            )
            raise FileNotFoundError(
                f"{self.stage}: input table {table_file(name)} is missing from {where}; "
                "run the earlier stages first (clientela run, or the earlier notebooks by hand)"
            )
        return pd.read_parquet(path, columns=columns)

    @property
    def analyst_dir(self) -> Path:
        """The owner-only folder for pages that show records (Splink dashboards):
        `reports/<run>/analyst_only/`, never linked from the index, 0o700."""
        return private_dir(self.report_dir / ANALYST_DIR)

    def mark_analyst_only(self, page: str | Path) -> Path:
        """Put the 'analysts only, personal data' banner at the top of an HTML page."""
        return mark_analyst_only(page)

    def write(self, df: pd.DataFrame, name: Table | str) -> Path:
        """Save a table of the run; a catalog table is refused, naming the column, when it lacks
        a column later stages read (helpers/catalog.py)."""
        if isinstance(name, Table):
            name.check_columns(list(df.columns), self.stage)
        path = write_parquet(df, self.path(name))
        if table_file(name) not in self.outputs:
            self.outputs.append(table_file(name))
        return path

    def write_in_background(self, tables: dict[Table, pd.DataFrame] | dict[str, pd.DataFrame]) -> Background:
        """Write tables on the second core while the stage goes on (a million rows take seconds
        to encode). `record` waits for every such write and raises its error, if any."""
        for name, df in tables.items():
            if isinstance(name, Table):
                name.check_columns(list(df.columns), self.stage)
        job = in_background(_write_tables, {self.path(name): df for name, df in tables.items()})
        for name in tables:
            if table_file(name) not in self.outputs:
                self.outputs.append(table_file(name))
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
        stage_record: StageRecord | None = None,
        *,
        rows_in: int | None = None,
        rows_out: int | None = None,
        headline: dict[str, Any] | None = None,
        shares: dict[str, float | None] | None = None,
        **metrics: Any,
    ) -> dict:
        """Leave the stage's numbers for the runner, the index page and the report.

        The built-in stages give their typed record (`helpers.stage_records`: a figure the report
        reads cannot be left out without the stage itself failing); a stage of the user's own may
        give plain row counts, headline figures and metrics instead. `shares` are the few
        proportions (0–1) the runner compares with the previous good run to warn of drift
        (helpers/drift.py).
        """
        if stage_record is not None:
            if rows_in is not None or rows_out is not None or headline or shares or metrics:
                raise TypeError("ctx.record: give a stage record or plain figures, not both")
            if stage_record.STAGE != self.stage:
                raise TypeError(
                    f"ctx.record: {type(stage_record).__name__} is the record of {stage_record.STAGE}, "
                    f"not of this stage ({self.stage})"
                )
        else:
            stage_record = StageRecord(rows_in=rows_in, rows_out=rows_out, headline=headline or {}, shares=shares or {})
        self.wait_for_writes()
        payload = stage_record.payload()
        payload["stage"] = self.stage
        payload["metrics"] = {**payload["metrics"], **plain(metrics)}
        payload["warnings"] = self.warnings
        payload["outputs"] = self.outputs
        payload["recorded_at"] = datetime.now().astimezone().isoformat(timespec="seconds")
        write_json(payload, record_path(self.run_dir, self.stage))
        return payload


def _write_tables(tables: dict[Path, pd.DataFrame]) -> list[Path]:
    return [write_parquet(df, path) for path, df in tables.items()]


def stage_context(stage: str, run_id: str, processed_dir: str | Path, reports_dir: str | Path) -> StageContext:
    """The stage's folders, made with the run's file policy (helpers.storage): the run folder
    owner-only, the report folder readable like the user's documents.

    The kernel works under a private umask from here on, so whatever a library writes (Data
    Docs, dashboards) is owner-only unless made shareable on purpose. A hand run (run_id
    'interactive') works from the project's notebooks folder and reads what it lacks from
    `latest`.
    """
    set_private_umask()
    if run_id == INTERACTIVE:
        enter_notebooks_folder()
    processed_dir, reports_dir = Path(processed_dir).resolve(), Path(reports_dir).resolve()
    run_dir, report_dir = run_folders(run_id, processed_dir, reports_dir)
    private_dir(run_dir)
    shareable_dir(report_dir)
    fallback = None
    if run_id == INTERACTIVE and (processed_dir / "latest").exists():
        fallback = (processed_dir / "latest").resolve()
    return StageContext(stage=stage, run_id=run_id, run_dir=run_dir, report_dir=report_dir, fallback_dir=fallback)


def run_folders(run_id: str, processed_dir: Path, reports_dir: Path) -> tuple[Path, Path]:
    """`<processed_dir>/<run_id>` and `<reports_dir>/<run_id>`; the interactive run's go under
    CLIENTELA_INTERACTIVE_DIR when it is set (tests), never into the user's own."""
    override = os.environ.get(INTERACTIVE_ENV)
    if run_id == INTERACTIVE and override:
        return Path(override) / "processed", Path(override) / "reports"
    return processed_dir / run_id, reports_dir / run_id


def project_root(start: Path | None = None) -> Path | None:
    """The Clientela project holding the working directory, else the one `helpers` is installed from."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "config" / "pipeline.yaml").is_file() and (folder / "notebooks").is_dir():
            return folder
    package_project = Path(__file__).resolve().parents[2]
    if (package_project / "config" / "pipeline.yaml").is_file():
        return package_project
    return None


def enter_notebooks_folder() -> Path:
    """Make the notebook's relative parameters ('../data/processed') mean what they say.

    They are written relative to `notebooks/`; a kernel started elsewhere (Papermill from the
    project root, a notebook copied into a subfolder) would otherwise make stray folders
    outside the project. Does nothing when the working directory already is that folder.
    """
    root = project_root()
    if root is None:
        return Path.cwd()
    notebooks = root / "notebooks"
    if Path.cwd().resolve() != notebooks.resolve():
        os.chdir(notebooks)
    return notebooks


def mark_analyst_only(page: str | Path) -> Path:
    """Insert the analysts-only banner right after <body> (once) and keep the page owner-only."""
    from helpers.storage import write_text

    page = Path(page)
    text = page.read_text(encoding="utf-8")
    if ANALYST_BANNER_MARK in text:
        return page
    import re

    text, n = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + ANALYST_BANNER, text, count=1)
    return write_text(text if n else ANALYST_BANNER + text, page)


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
