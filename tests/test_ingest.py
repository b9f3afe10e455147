"""Stage 01 reading: canonical columns, lineage, and nothing lost without a reason."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import CRM_ROWS, edit_registry
from helpers.ingest import IngestError, ingest, quarantine_reasons
from helpers.registry import RegistryError, load_registry
from helpers.schema import columns_for

CRM_HEADER = CRM_ROWS[0]


@pytest.fixture
def result(mini_sources):
    return ingest(load_registry(mini_sources))


def test_every_kind_has_its_canonical_table(result):
    for kind, table in result.tables.items():
        assert list(table.columns) == columns_for(kind)
    # kinds with no source are present and empty, so later stages can rely on them
    assert len(result.tables["interactions"]) == 0 and len(result.tables["address_changes"]) == 0


def test_people_rows_keep_text_as_written_with_lineage(result):
    people = result.tables["people"].set_index(["source", "source_record_id"])
    jose = people.loc[("crm", "C001")]
    assert jose["first_name"] == "José"  # cp1252 decoded
    assert jose["last_name"] == "García López"
    assert jose["date_of_birth"] == "04/03/1985"  # parsing is stage 02's job
    assert jose["record_updated_at"] == "01/02/2024"
    assert jose["extracted_at"] == pd.Timestamp("2026-11-01T02:00:00Z")
    assert people.loc[("crm", "C002")]["email"] == "MARIA.P@HOTMIAL.COM"  # not corrected here
    shop = people.loc[("shop", "E1")]
    assert shop["address_line1"] == "Calle Mayor 5" and shop["postcode"] == "28013"  # nested JSON
    assert shop["email_opt_in"] == "true"
    assert shop["signup_date"] == "2024-01-02T10:00:00+01:00"  # not re-rendered by the JSON reader
    lead = people.loc[("leads", "1")]
    assert lead["full_name"] == "GARCIA, José" and lead["date_of_birth"] == "31110"  # Excel serial kept


def test_extracted_at_from_a_column_takes_the_latest_value(result):
    shop = result.tables["people"].query("source == 'shop'")
    assert (shop["extracted_at"] == pd.Timestamp("2025-05-06T11:00:00Z")).all()


def test_unreadable_rows_are_quarantined_with_reason_line_and_raw_text(result):
    q = result.quarantine.set_index(["source", "source_row_number"])
    assert "empty line" in q.loc[("crm", 4), "reason"]
    wrong = q.loc[("crm", 5)]
    assert wrong["reason"].startswith("wrong field count: expected 10 fields, found 11")
    assert wrong["source_record_id"] == "C003" and "Calle Mayor; 5" in wrong["raw"]
    bad_bytes = q.loc[("crm", 7)]
    assert "not valid cp1252" in bad_bytes["reason"] and "\\x81" in bad_bytes["raw"]
    truncated = q.loc[("shop", 2)]
    assert "invalid JSON" in truncated["reason"] and truncated["source_record_id"] == "E9"
    assert "empty row" in q.loc[("leads", 4), "reason"]


def test_every_row_is_read_or_quarantined(result, mini_sources):
    s = result.summary.set_index("source")
    # crm.csv has 7 data lines: 4 good, 1 empty, 1 wrong field count, 1 undecodable
    assert s.loc["crm", "rows_read"] == 4 and s.loc["crm", "rows_quarantined"] == 3
    assert (s["rows_total"] == s["rows_read"] + s["rows_quarantined"]).all()
    assert s["rows_read"].sum() == sum(len(t) for t in result.tables.values())
    reasons = quarantine_reasons(result.quarantine)
    assert reasons["rows"].sum() == len(result.quarantine)


def test_constants_and_value_recoding(mini_sources, tmp_path):
    bounces = mini_sources.parent / "bounces.csv"
    bounces.write_text("email,type,at\na@x.com,Hard,2026-01-01\nb@x.com,Soft,2026-01-02\nc@x.com,odd,2026-01-02\n")
    edit_registry(
        mini_sources,
        lambda d: d["sources"].append(
            {
                "name": "bounces",
                "path": "bounces.csv",
                "format": "csv",
                "kind": "suppressions",
                "extracted_at": "2026-11-14T00:00:00Z",
                "constants": {"channel": "email"},
                "values": {"reason": {"Hard": "hard_bounce", "Soft": "soft_bounce"}},
                "columns": {"email": "email", "reason": "type", "event_at": "at"},
            }
        ),
    )
    sup = ingest(load_registry(mini_sources)).tables["suppressions"].query("source == 'bounces'")
    assert sup["reason"].tolist() == ["hard_bounce", "soft_bounce", "odd"]  # unknown values kept as given
    assert (sup["channel"] == "email").all()


def test_rows_without_an_id_get_a_stable_key(result):
    orders = result.tables["transactions"]
    assert orders["source_record_id"].tolist() == ["row-1", "row-2"]
    assert orders["customer_ref"].tolist()[1] is None  # anonymous sale stays anonymous


def test_a_corrupt_file_names_the_source(mini_sources):
    (mini_sources.parent / "leads.xlsx").write_bytes(b"this is not a spreadsheet")
    with pytest.raises(RegistryError, match="source 'leads'.*cannot read the file as xlsx"):
        load_registry(mini_sources)
    with pytest.raises(IngestError, match="source 'leads'"):
        ingest(load_registry(mini_sources, check_files=False))


def test_unclosed_quote_on_a_whole_record_is_read_with_the_quote_as_text(mini_sources):
    with open(mini_sources.parent / "orders.csv", "a") as fh:
        fh.write('O3,E2,2026-03-01,"7.50,EUR\n')
    res = ingest(load_registry(mini_sources))
    assert res.quarantine.query("source == 'shop_orders'").empty
    orders = res.tables["transactions"]
    assert orders["amount"].tolist() == ["19.90", "5.00", '"7.50']  # kept as written; stage 07 flags it
    row = res.summary.set_index("source").loc["shop_orders"]
    assert row["rows_repaired"] == 1 and row["lines"] == row["lines_accounted"] == 3


def _people_csv(path, rows):
    path.write_text("id,first_name,last_name,email\n" + "".join(rows), encoding="utf-8")


def _one_source(mini_sources, name, path, kind="people", **extra):
    columns = {"first_name": "first_name", "last_name": "last_name", "email": "email"}
    entry = {
        "name": name,
        "path": path.name,
        "format": "csv",
        "kind": kind,
        "id_column": "id",
        "extracted_at": "2026-11-01T00:00:00Z",
        "columns": columns,
        **extra,
    }
    edit_registry(mini_sources, lambda d: d.update(sources=[d["sources"][0], entry]))
    return load_registry(mini_sources)


def test_an_unclosed_quote_in_a_people_file_no_longer_swallows_the_rows_after_it(mini_sources):
    """Issue 16 case 2: a stray quote at line 50 of 470 made 420 rows one quarantine entry."""
    rows = [f"{i},Name{i},Surname{i},p{i}@mail.es\n" for i in range(1, 471)]
    rows[49] = '50,"Name50,Surname50,p50@mail.es\n'  # the quote never closes
    path = mini_sources.parent / "people.csv"
    _people_csv(path, rows)
    res = ingest(_one_source(mini_sources, "people_file", path))
    people = res.tables["people"].query("source == 'people_file'")
    assert len(people) == 470
    assert people.loc[people["source_record_id"] == "50", "first_name"].tolist() == ['"Name50']
    row = res.summary.set_index("source").loc["people_file"]
    assert row["lines"] == row["lines_accounted"] == 470


def test_a_stray_quote_closed_by_another_one_lines_later_is_found_too(mini_sources):
    rows = [f"{i},Name{i},Surname{i},p{i}@mail.es\n" for i in range(1, 41)]
    rows[5] = '6,"Name6,Surname6,p6@mail.es\n'
    rows[30] = '31,Name"31,Surname31,p31@mail.es\n'
    rows[35] = '36,"Multi line\nname",Surname36,p36@mail.es\n'  # a real multi-line value stays one value
    path = mini_sources.parent / "people.csv"
    _people_csv(path, rows)
    res = ingest(_one_source(mini_sources, "people_file", path))
    people = res.tables["people"].query("source == 'people_file'")
    assert len(people) == 40
    assert people.loc[people["source_record_id"] == "36", "first_name"].tolist() == ["Multi line\nname"]
    row = res.summary.set_index("source").loc["people_file"]
    assert row["rows_repaired"] == 2 and row["lines"] == row["lines_accounted"] == 41


def test_a_stray_quote_in_a_line_that_is_no_record_is_quarantined_naming_the_line(mini_sources):
    rows = [f"{i},Name{i},Surname{i},p{i}@mail.es\n" for i in range(1, 21)]
    rows[4] = '5,"Name5 Surname5 p5@mail.es\n'  # quote never closes and the line has 2 fields
    path = mini_sources.parent / "people.csv"
    _people_csv(path, rows)
    res = ingest(_one_source(mini_sources, "people_file", path))
    assert len(res.tables["people"].query("source == 'people_file'")) == 19
    q = res.quarantine.query("source == 'people_file'")
    assert q["source_row_number"].tolist() == [6]
    assert q["reason"].iloc[0].startswith("unclosed quote: the '\"' on line 6 opens a value that never closes")


def _unsubscribes(mini_sources, body: bytes):
    path = mini_sources.parent / "unsubs.csv"
    path.write_bytes(b"id,first_name,last_name,email,unsubscribed_at\n" + body)
    return _one_source(
        mini_sources,
        "unsubs",
        path,
        kind="suppressions",
        channel="email",
        reason="unsubscribe",
        columns={"first_name": "first_name", "last_name": "last_name", "email": "email", "event_at": "unsubscribed_at"},
    )


def test_every_unsubscribe_is_read_despite_a_stray_quote_a_latin1_byte_or_an_extra_comma(mini_sources):
    """Issue 16 case 1: an opt-out list is the one input where a dropped row is a legal problem."""
    lines = [f"{i},Ana{i},Lopez{i},ana{i}@mail.es,2026-01-0{1 + i % 9}\n".encode() for i in range(1, 74)]
    lines[4] = b'5,"Ana5,Lopez5,ana5@mail.es,2026-01-06\n'  # stray quote at the start of a name
    lines[10] = "11,Jos\xe9,Lopez11,ana11@mail.es,2026-01-03\n".encode("latin-1")  # latin-1 byte under utf-8
    lines[20] = b"21,Ana,Maria,Lopez21,ana21@mail.es,2026-01-04\n"  # an unquoted comma in the name
    res = ingest(_unsubscribes(mini_sources, b"".join(lines)))
    unsubs = res.tables["suppressions"].query("source == 'unsubs'")
    assert sorted(unsubs["email"]) == sorted(f"ana{i}@mail.es" for i in range(1, 74))
    assert set(unsubs["reason"]) == {"unsubscribe"} and set(unsubs["channel"]) == {"email"}
    assert res.quarantine.query("source == 'unsubs'").empty


def test_a_suppression_row_with_nothing_to_recover_stops_the_run_naming_file_and_line(mini_sources):
    body = b"1,Ana,Lopez,ana1@mail.es,2026-01-01\n2,Luis,Perez,no email here,extra,field\n"
    with pytest.raises(IngestError, match=r"unsubs.csv \(source 'unsubs'\) line 3: wrong field count"):
        ingest(_unsubscribes(mini_sources, body))


def test_single_people_source_registry(mini_sources):
    edit_registry(mini_sources, lambda d: d.update(sources=d["sources"][:1]))
    res = ingest(load_registry(mini_sources))
    assert len(res.tables["people"]) == 4
    assert all(len(t) == 0 for k, t in res.tables.items() if k != "people")


def test_wrong_field_counts_in_a_file_parsed_in_parallel_blocks_keep_their_lines(mini_sources, monkeypatch):
    """Blocks are parsed on several threads, so bad rows reach the reader in any order; each must
    still get its own line number (a repeated bad line too), in file order, run after run."""
    import helpers.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "CSV_BLOCK_BYTES", 1 << 16)
    lines = [CRM_HEADER]
    bad_lines = []
    for i in range(40000):
        if i % 97 == 5:
            bad = (
                "C999;Mr;Bad;Row;01/01/1970;x@y.com;1;Town; 5;GB;01/01/2020"
                if i % 2
                else f"C{i};Mr;Odd;Row;;;;A;B;C;D;E"
            )
            lines.append(bad)
            bad_lines.append(len(lines))  # line number in the file (header = 1)
        else:
            lines.append(f"C{i};Sr.;Ana;Souza{i};01/01/1990;ana{i}@uol.com.br;11 98765-4321;Lisboa;PT;05/05/2025")
    (mini_sources.parent / "crm.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    runs = [ingest(load_registry(mini_sources)).quarantine.query("source == 'crm'") for _ in range(3)]
    first = runs[0]
    assert first["source_row_number"].tolist() == bad_lines
    assert all(r.reset_index(drop=True).equals(first.reset_index(drop=True)) for r in runs[1:])
    assert first["reason"].str.startswith("wrong field count").all()


def test_composed_columns_join_non_empty_parts_in_every_format(mini_sources):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = mini_sources.parent
    pq.write_table(
        pa.table(
            {
                "id": ["P1", "P2", "P3"],
                "num": ["12", None, " "],
                "street": ["Via Roma", "Rua Augusta", ""],
                "flat": [3, None, None],
            }
        ),
        folder / "people.parquet",
    )

    def change(d):
        d["sources"][0]["columns"]["address_line1"] = ["TOWN", "COUNTRY"]  # csv
        d["sources"][1]["columns"]["address_line1"] = ["address.line1", "address.zip"]  # jsonl, dotted
        d["sources"][2]["columns"]["full_name"] = ["Lead #", "Name"]  # xlsx, a number cell too
        d["sources"].append(
            {
                "name": "pq",
                "path": "people.parquet",
                "format": "parquet",
                "kind": "people",
                "id_column": "id",
                "extracted_at": "2026-11-01T00:00:00Z",
                "columns": {"address_line1": ["num", "street", "flat"]},
            }
        )

    edit_registry(mini_sources, change)
    people = ingest(load_registry(mini_sources)).tables["people"]
    line1 = people.groupby("source")["address_line1"].apply(list)
    assert line1["crm"] == ["Madrid ES", "Sevilla ES", "São Paulo BR", "Roma IT"]
    assert line1["shop"] == ["Calle Mayor 5 28013", "1 High St SW1A 1AA"]
    assert line1["pq"] == ["12 Via Roma 3", "Rua Augusta", None]  # empty parts skipped, all empty -> null
    assert people.query("source == 'leads'")["full_name"].tolist() == ["1 GARCIA, José", "2 Kate Jones", "3 Bill Gates"]


def test_per_column_date_formats_reach_the_source_summary(mini_sources):
    from helpers.ingest import date_format_per_row

    edit_registry(mini_sources, lambda d: d["sources"][0].update(date_formats={"date_of_birth": "%Y%m%d"}))
    summary = ingest(load_registry(mini_sources)).summary
    sources = pd.Series(["crm", "shop", "crm", "nowhere"], index=[10, 11, 12, 13])
    dob = date_format_per_row(summary, sources, "date_of_birth")
    assert dob.index.tolist() == [10, 11, 12, 13]
    assert dob.tolist()[:3] == ["%Y%m%d", None, "%Y%m%d"] and pd.isna(dob[13])
    assert date_format_per_row(summary, sources, "record_updated_at").tolist()[:3] == ["%d/%m/%Y", None, "%d/%m/%Y"]
    # a summary from before date_formats existed still gives the source default
    old = summary.drop(columns="date_formats")
    assert date_format_per_row(old, sources, "date_of_birth").tolist()[:3] == ["%d/%m/%Y", None, "%d/%m/%Y"]


def _workbook(path, sheets: dict, merges=()):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
        for r0, c0, r1, c1, value in merges if name == next(iter(sheets)) else ():
            ws.merge_range(r0, c0, r1, c1, value)
    wb.close()


def _xlsx_source(mini_sources, path, **extra):
    entry = {
        "name": "book",
        "path": path.name,
        "format": "xlsx",
        "kind": "people",
        "id_column": "id",
        "extracted_at": "2026-11-01T00:00:00Z",
        "columns": {"first_name": "name", "city": "city"},
        **extra,
    }
    edit_registry(mini_sources, lambda d: d.update(sources=[d["sources"][0], entry]))
    return load_registry(mini_sources)


def test_a_workbook_with_two_sheets_of_the_same_header_is_refused_without_sheet(mini_sources):
    """Issue 16 case 4: the first sheet was an older copy; 60 of 65 rows were recorded nowhere."""
    path = mini_sources.parent / "book.xlsx"
    header = ["id", "name", "city"]
    _workbook(
        path,
        {
            "Old copy": [header] + [[i, f"N{i}", "X"] for i in range(5)],
            "Customers": [header] + [[i, f"N{i}", "Y"] for i in range(65)],
        },
    )
    with pytest.raises(RegistryError, match=r"2 sheets with the same header \(Old copy, Customers\).*sheet:"):
        ingest(_xlsx_source(mini_sources, path))
    res = ingest(_xlsx_source(mini_sources, path, sheet="Customers"))
    assert len(res.tables["people"].query("source == 'book'")) == 65


def test_merged_cells_are_filled_down_not_blanked(mini_sources):
    path = mini_sources.parent / "book.xlsx"
    rows = [["id", "name", "city"], [1, "Ana", "Madrid"], [2, "Bo", None], [3, "Cy", None], [4, "Di", None]]
    _workbook(path, {"Customers": rows, "Notes": [["anything else"]]}, merges=[(2, 2, 4, 2, "Lisboa")])
    people = ingest(_xlsx_source(mini_sources, path)).tables["people"].query("source == 'book'")
    assert people["city"].tolist() == ["Madrid", "Lisboa", "Lisboa", "Lisboa"]


def test_a_whitespace_only_line_is_quarantined_once(mini_sources):
    with open(mini_sources.parent / "orders.csv", "a") as fh:
        fh.write("   \nO3,E2,2026-03-01,7.50,EUR\n")
    res = ingest(load_registry(mini_sources))
    q = res.quarantine.query("source == 'shop_orders'")
    assert q["reason"].tolist() == ["empty line"] and q["source_row_number"].tolist() == [4]
    assert len(res.tables["transactions"]) == 3
