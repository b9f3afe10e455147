"""Stage 01 reading: canonical columns, lineage, and nothing lost without a reason."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import CRM_ROWS, edit_registry

CRM_HEADER = CRM_ROWS[0]
from helpers.ingest import IngestError, ingest, quarantine_reasons
from helpers.registry import RegistryError, load_registry
from helpers.schema import columns_for


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
            {"name": "bounces", "path": "bounces.csv", "format": "csv", "kind": "suppressions",
             "extracted_at": "2026-11-14T00:00:00Z", "constants": {"channel": "email"},
             "values": {"reason": {"Hard": "hard_bounce", "Soft": "soft_bounce"}},
             "columns": {"email": "email", "reason": "type", "event_at": "at"}}
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


def test_unclosed_quote_is_quarantined_not_fatal(mini_sources):
    with open(mini_sources.parent / "orders.csv", "a") as fh:
        fh.write('O3,E2,2026-03-01,"7.50,EUR\n')
    res = ingest(load_registry(mini_sources))
    q = res.quarantine.query("source == 'shop_orders'")
    assert len(q) == 1 and q["reason"].iloc[0].startswith("wrong field count")
    assert len(res.tables["transactions"]) == 2


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
            bad = "C999;Mr;Bad;Row;01/01/1970;x@y.com;1;Town; 5;GB;01/01/2020" if i % 2 else f"C{i};Mr;Odd;Row;;;;A;B;C;D;E"
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
