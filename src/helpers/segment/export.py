"""Writing campaign lists to CSV and XLSX: suppression re-applied, formulas neutralised.

Export is the last door before personal data leaves the pipeline, so it does not trust what it
is handed: it re-applies the suppression (a person not contactable on the list's channel in
`contactability` is dropped, and the address written is always contactability's `contact`) and
refuses to run without that table.

Formula injection: a spreadsheet runs a cell that starts with '=', '+', '-' or '@' (and, after
a tab or carriage return, some importers do too), so a customer who typed `=HYPERLINK(...)` as
a name could run code on a marketer's machine. Such text cells get a leading apostrophe
(OWASP's advice), in the CSV and in the XLSX alike. Plain signed numbers ('+34600123456',
'-5') are left alone: a sign followed only by digits cannot run anything, and prefixing every
E.164 phone number would break the phone lists. Numeric and date cells are never touched.

CSV is RFC 4180 (CRLF line ends, so a stray CR or LF inside a value gets quoted) in UTF-8 without
a byte-order mark (for mailing tools and CRMs); the XLSX is for people, and
is written with xlsxwriter told never to turn text into formulas, numbers or links.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.segment.lists import CampaignConfig, CampaignList, apply_suppression
from helpers.storage import atomic_path

FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?\d+(?:[.,]\d+)?$"
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


@dataclass
class ExportResult:
    name: str
    rows: int
    suppressed_on_export: int  # rows handed in that export itself dropped (should be 0)
    csv: Path
    xlsx: Path


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula, prefixed with an apostrophe."""
    out = frame.copy()
    for column in out.columns:  # a loop over columns; each is one vectorised test
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.contains(FORMULA_START, regex=True).fillna(False) & ~text.str.contains(
            PLAIN_NUMBER, regex=True).fillna(False)
        if risky.any():
            out[column] = values.astype("object").where(~risky.to_numpy(bool), "'" + text.astype("object"))
    return out


def export_frame(built: CampaignList, config: CampaignConfig, contactability: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The exact table written: suppression re-applied, list order, channel columns, contact renamed."""
    definition = built.definition
    rows = apply_suppression(built.rows, definition.channel, contactability)
    dropped = len(built.rows) - len(rows)
    if "_position" in rows.columns:
        rows = rows.sort_values("_position", kind="stable").drop(columns="_position")
    columns = list(config.columns_of(definition))
    rows = rows[columns].rename(columns={"contact": config.channels[definition.channel].contact_as})
    return neutralise_formulas(rows.reset_index(drop=True)), dropped


def export_list(
    built: CampaignList,
    config: CampaignConfig,
    contactability: pd.DataFrame,
    exports_dir: str | Path,
) -> ExportResult:
    """Write `<exports_dir>/<name>.csv` and `.xlsx`, each atomically (temp file, then rename)."""
    frame, dropped = export_frame(built, config, contactability)
    folder = Path(exports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = built.definition.name
    csv_path, xlsx_path = folder / f"{name}.csv", folder / f"{name}.xlsx"
    with atomic_path(csv_path) as tmp:
        # RFC 4180 line ends: the writer then quotes any field holding a CR or LF of its own
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")
    with atomic_path(xlsx_path) as tmp:
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
            frame.to_excel(writer, index=False, sheet_name=name[:31])
    return ExportResult(name, len(frame), dropped, csv_path, xlsx_path)
