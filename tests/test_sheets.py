"""Files people open in a spreadsheet: accents right, nothing runs, easy to work through, never cut."""

from __future__ import annotations

import openpyxl
import pandas as pd

from helpers import sheets


def test_people_files_have_a_bom_csv_and_a_frozen_filtered_fitted_workbook(tmp_path):
    frame = pd.DataFrame(
        {"name": ["José Núñez", '=HYPERLINK("x")'], "phone": ["+34600123456", "-5"], "note": ["a" * 200, None]}
    )
    csv_path, xlsx_path = sheets.write_for_people(frame, tmp_path / "bounced")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "José Núñez".encode() in raw
    back = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    assert back["name"].tolist() == ["José Núñez", '\'=HYPERLINK("x")']  # the formula cannot run
    assert back["phone"].tolist() == ["+34600123456", "-5"]  # plain signed numbers untouched
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    widths = {c: sheet.column_dimensions[c].width for c in "ABC"}
    assert widths["C"] > widths["B"] >= sheets.MIN_WIDTH  # the long note gets the widest column
    assert widths["C"] <= sheets.MAX_WIDTH + 1


def test_machine_csv_has_no_bom(tmp_path):
    path = sheets.write_csv(pd.DataFrame({"email": ["a@b.es"]}), tmp_path / "list.csv")
    assert path.read_bytes().startswith(b"email")


def test_a_list_too_long_for_a_worksheet_is_never_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "EXCEL_MAX_ROWS", 3)
    csv_path, xlsx_path = sheets.write_for_people(pd.DataFrame({"n": range(5)}), tmp_path / "big")
    assert len(pd.read_csv(csv_path, encoding="utf-8-sig")) == 5
    cells = [c.value for c in openpyxl.load_workbook(xlsx_path).active["A"]]
    assert len(cells) == 2 and "5 rows" in cells[1] and "big.csv" in cells[1]
