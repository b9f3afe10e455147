"""Files people open in a spreadsheet: CSV and XLSX written safely and made easy to work through.

Every file a person works in (campaign lists, worklists, the review file) goes through here so
that all of them share the same protections and the same polish:

- Formula injection: a spreadsheet runs a cell that starts with '=', '+', '-' or '@' (and, after
  a tab or carriage return, some importers do too), so a customer who typed `=HYPERLINK(...)` as
  a name could run code on a reader's machine. Such text cells get a leading apostrophe (OWASP's
  advice). Plain signed numbers ('+34600123456', '-5') are left alone: a sign followed only by
  digits cannot run anything, and prefixing every E.164 phone number would break phone lists.
- CSV is RFC 4180 (CRLF line ends, so a stray CR or LF inside a value gets quoted) in UTF-8.
  Files for people carry a byte-order mark (`bom=True`) so Excel shows accents right; files for
  machines (mailing tools, CRMs) do not.
- XLSX is written with xlsxwriter told never to turn text into formulas, numbers or links, with
  a frozen header row, filters on every column and widths fitted to the content.
- Both are written atomically (temp file, then rename): a reader never sees half a file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.storage import atomic_path

FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?\d+(?:[.,]\d+)?$"
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
MIN_WIDTH, MAX_WIDTH = 8, 60
EXCEL_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows, one of them the header


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula, prefixed with an apostrophe."""
    out = frame.copy()
    for column in out.columns:  # a loop over columns; each is one vectorised test
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.contains(FORMULA_START, regex=True).fillna(False) & ~text.str.contains(
            PLAIN_NUMBER, regex=True
        ).fillna(False)
        if risky.any():
            out[column] = values.astype("object").where(~risky.to_numpy(bool), "'" + text.astype("object"))
    return out


def column_widths(frame: pd.DataFrame, sample: int = 2000) -> list[int]:
    """A width per column from its header and the longest value among the first `sample` rows."""
    head = frame.head(sample)
    widths = []
    for column in frame.columns:
        longest = head[column].astype("string").str.len().max() if len(head) else 0
        longest = 0 if pd.isna(longest) else int(longest)
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, max(len(str(column)), longest) + 2)))
    return widths


def write_csv(frame: pd.DataFrame, path: str | Path, bom: bool = False) -> Path:
    """RFC 4180 CSV, formulas neutralised; with a byte-order mark when people will open it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_formulas(frame.reset_index(drop=True))
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\r\n")
    return path


def write_xlsx(frame: pd.DataFrame, path: str | Path, sheet: str = "Sheet1") -> Path:
    """One sheet, formulas neutralised, frozen header, filters on every column, fitted widths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = (sheet or "Sheet1")[:31]
    if len(frame) > EXCEL_MAX_ROWS:
        # Never a silently cut list: the workbook says where the whole list is instead.
        note = pd.DataFrame(
            {
                "note": [
                    f"{len(frame):,} rows are more than a worksheet holds "
                    f"({EXCEL_MAX_ROWS:,}); the whole list is in {path.with_suffix('.csv').name}"
                ]
            }
        )
        return write_xlsx(note, path, sheet)
    safe = neutralise_formulas(frame.reset_index(drop=True))
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
            safe.to_excel(writer, index=False, sheet_name=sheet)
            ws = writer.sheets[sheet]
            ws.freeze_panes(1, 0)
            if len(safe.columns):
                ws.autofilter(0, 0, max(len(safe), 1), len(safe.columns) - 1)
            for i, width in enumerate(column_widths(safe)):
                ws.set_column(i, i, width)
    return path


def write_for_people(frame: pd.DataFrame, stem: str | Path, sheet: str | None = None) -> tuple[Path, Path]:
    """`<stem>.csv` (UTF-8 with BOM) and `<stem>.xlsx`, for a team to work through."""
    stem = Path(stem)
    csv_path = write_csv(frame, stem.with_suffix(".csv"), bom=True)
    xlsx_path = write_xlsx(frame, stem.with_suffix(".xlsx"), sheet=sheet or stem.name)
    return csv_path, xlsx_path
