"""Writing campaign lists to CSV and XLSX: suppression re-applied, printable, formulas neutralised.

Export is the last door before personal data leaves the pipeline, so it does not trust what it
is handed: it re-applies the suppression (a person not contactable on the list's channel in
`contactability` is dropped, and the address written is always contactability's `contact`) and
refuses to run without that table.

Both files go through `helpers.sheets`, which every file a person opens shares: text a
spreadsheet would run as a formula is neutralised, writes are atomic and owner-only (0o600:
the lists hold personal data).

- The CSV is for machines — mailing tools, CRMs, print houses — so it is UTF-8 *without* a
  byte-order mark: many importers read a BOM as part of the first header (`\\ufeffperson_id`)
  and then fail to map the id column. People open the XLSX, which has no encoding question.
- The XLSX is for people: frozen header row, filters on every column, widths fitted to the
  content.

Postal lists (channel `mail`) carry the lines a label printer or a print house needs, not the
golden record's fields nor stage 06's internal address key: `name_line` (the household's
salutation on one-per-household lists, else title, first and last name), `address_line1`,
`address_line2`, `postcode_city_line` (in the order of the country's post: "28013 Madrid",
"Houston TX 77095", "Edinburgh EH17 0EQ") and `country_line` (the English country name in capitals,
as the UPU asks on international mail). The lines are the golden address; a person whose golden
address is not the one stage 06 checked (`address_key` ≠ `contact`) is left out and counted
(`unprintable`), because a label must never carry an address nobody checked. A mail list whose
own `columns` leave out `address_line1` is written as listed (`contact` renamed), like the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.postal import POSTAL_FIELDS, postal_lines
from helpers.segment.lists import CampaignConfig, CampaignList, apply_suppression
from helpers.sheets import neutralise_formulas, write_csv, write_xlsx


@dataclass
class ExportResult:
    name: str
    rows: int
    suppressed_on_export: int  # rows handed in that export itself dropped (should be 0)
    csv: Path
    xlsx: Path
    unprintable: int = 0  # postal rows left out: the golden address is not the one stage 06 checked


def _printable(rows: pd.DataFrame, household: bool) -> tuple[pd.DataFrame, int]:
    """A postal list's rows with its name/address fields (and the contact key) as lines.

    Rows whose golden `address_key` is not stage 06's `contact` are dropped and counted.
    """
    if "address_key" in rows.columns:
        same = (rows["address_key"].astype(object) == rows["contact"].astype(object)).fillna(False).to_numpy(bool)
        dropped = int((~same).sum())
        rows = rows[same]
    else:
        dropped = 0
    lines = postal_lines(rows, household)
    first = [c for c in rows.columns if c == "person_id"]
    rest = [c for c in rows.columns if c not in POSTAL_FIELDS and c not in ("person_id", "contact")]
    return pd.concat([rows[first], lines, rows[rest]], axis=1), dropped


def export_frame(built: CampaignList, config: CampaignConfig, contactability: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The exact table written: suppression re-applied, list order, channel columns, contact renamed
    (postal lists: printable lines instead). Returns the table and the rows suppression dropped."""
    frame, dropped, _ = _export_frame(built, config, contactability)
    return frame, dropped


def _export_frame(
    built: CampaignList, config: CampaignConfig, contactability: pd.DataFrame
) -> tuple[pd.DataFrame, int, int]:
    definition = built.definition
    rows = apply_suppression(built.rows, definition.channel, contactability)
    dropped = len(built.rows) - len(rows)
    if "_position" in rows.columns:
        rows = rows.sort_values("_position", kind="stable").drop(columns="_position")
    rows = rows[list(config.columns_of(definition))]
    unprintable = 0
    if definition.channel == "mail" and "address_line1" in rows.columns:
        rows, unprintable = _printable(rows, household=definition.dedupe == "household")
    else:
        rows = rows.rename(columns={"contact": config.channels[definition.channel].contact_as})
    return neutralise_formulas(rows.reset_index(drop=True)), dropped, unprintable


def export_list(
    built: CampaignList,
    config: CampaignConfig,
    contactability: pd.DataFrame,
    exports_dir: str | Path,
) -> ExportResult:
    """Write `<exports_dir>/<name>.csv` (for machines, no BOM) and `.xlsx` (for people), each
    atomically and owner-only."""
    frame, dropped, unprintable = _export_frame(built, config, contactability)
    folder = Path(exports_dir)
    name = built.definition.name
    csv_path = write_csv(frame, folder / f"{name}.csv", bom=False)
    xlsx_path = write_xlsx(frame, folder / f"{name}.xlsx", sheet=name)
    return ExportResult(name, len(frame), dropped, csv_path, xlsx_path, unprintable)
