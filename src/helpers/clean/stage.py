"""Stage 02 in one call: raw people records in, clean records, quarantine and the figures out.

`run_cleaning` standardises every record (`clean_people`), sets aside what cannot be used, and
stops when the records do not reconcile with stage 01's. The change summary (what cleaning did
to each field) is computed on first use, not by `run_cleaning`: the notebook starts the gate
and the writing of the clean records on the second core first, and summarises meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import pandas as pd

from helpers.clean.records import check_reconciliation, clean_people
from helpers.clean.summary import change_summary, change_summary_records
from helpers.drift import share_true
from helpers.stage_records import CleanRecord

# Fields whose share of valid values (among the records giving one) is compared with the
# previous good run (helpers/drift.py).
DRIFT_FIELDS = ("email", "phone", "postcode", "date_of_birth", "national_id")


@dataclass
class CleanStageResult:
    """Everything stage 02 writes and records."""

    clean: pd.DataFrame  # one row per usable record: raw columns, `<field>_std`, `<field>_valid`, keys
    quarantine: pd.DataFrame  # records set aside (exact duplicates, no usable identity), with the reason
    reconciliation: pd.DataFrame  # per source: records_in, clean, quarantined, balanced
    rows_in: int  # the raw records stage 01 gave

    @cached_property
    def changes(self) -> pd.DataFrame:
        """Per field: given, changed and still-invalid counts and shares (`change_summary`)."""
        return change_summary(self.clean)

    def record(self, gates_passed: list[str]) -> CleanRecord:
        """The stage's typed record: the reconciliation, what cleaning changed, and the shares
        of valid values the runner watches for drift.

        `gates_passed` are the suites the notebook ran and passed (the gates stay there)."""
        clean = self.clean
        return CleanRecord(
            rows_in=self.rows_in,
            rows_out=len(clean),
            headline={
                "clean records": len(clean),
                "quarantined": len(self.quarantine),
                "emails corrected": int(clean["email_corrected"].fillna(False).sum()),
                "valid phones (of given)": share_true(clean["phone_valid"], clean["phone"].notna()),
            },
            shares={f"valid {f} (of given)": share_true(clean[f"{f}_valid"], clean[f].notna()) for f in DRIFT_FIELDS},
            reconciliation=self.reconciliation.to_dict(orient="records"),
            changed_share=self.changes["changed_share"].round(4).to_dict(),
            change_summary=change_summary_records(self.changes),
            gates_passed=list(gates_passed),
        )


def run_cleaning(raw: pd.DataFrame, source_summary: pd.DataFrame, reference_date: date) -> CleanStageResult:
    """Standardise stage 01's people records and set aside the unusable ones; raises
    `ReconciliationError` naming the sources whose records in are not clean + quarantined."""
    result = clean_people(raw, source_summary, reference_date)
    check_reconciliation(result.reconciliation)
    return CleanStageResult(result.clean, result.quarantine, result.reconciliation, rows_in=len(raw))


def quarantine_reasons(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Records set aside per source and reason, the reason without the row it points to
    ("exact duplicate of record at row 12" counts as "exact duplicate of record")."""
    reason = quarantine["reason"].str.replace(r" at row \d+$", "", regex=True)
    return quarantine.assign(reason=reason).groupby(["source", "reason"]).size().rename("records").to_frame()
