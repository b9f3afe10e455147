"""Worklist files (stage 06) and campaign-export polish (stage 07): what a team opens.

Customers are written as a person would type them and run through the real stage 06
(`run_contactability`, the builders of test_contactability), so who may be contacted is decided
by the project's own rules; the files are read back with the csv module and openpyxl.
"""

from __future__ import annotations

import csv
import stat

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT
from helpers.contact.worklists import (
    bounced_with_phone,
    profile_completion,
    unconfirmed,
    worklist_sheets,
    write_worklists,
)
from helpers.postal import postal_lines
from helpers.segment.export import export_list
from helpers.segment.lists import CampaignList, ListDefinition, load_campaign_lists
from test_contactability import JOSE, RULES, TODAY, bounces, golden_of, records, run, suppressions

ANA = {
    **JOSE,
    "person_id": "P2",
    "record_key": "shop:2",
    "first_name": "Ana",
    "last_name": "Muñoz",
    "email": "ana.munoz@gmail.com",
    "phone": "699 111 222",
    "address_line1": "Calle Toledo 10",
    "postcode": "28005",
}
EVA = {
    **JOSE,
    "person_id": "P3",
    "record_key": "shop:3",
    "first_name": "Eva",
    "last_name": "Sanz",
    "email": "eva.sanz@gmail.com",
    "phone": "699 333 444",
    "address_line1": "Calle Atocha 20",
    "postcode": "28012",
}
LUIS = {
    **JOSE,
    "person_id": "P4",
    "record_key": "shop:4",
    "first_name": "Luis",
    "last_name": "Peña",
    "email": "luis.pena@gmail.com",
    "phone": "699 555 666",
    "address_line1": "Calle Prado 3",
    "postcode": "28014",
    "phone_opt_in": False,
}


def build(recs, sups, golden=None):
    """Stage 06 on the given customers, and the three worklists as sheets for people."""
    golden = golden_of(recs) if golden is None else golden
    res = run(recs, sups, golden)
    calls = bounced_with_phone(res.table, golden)
    profile = profile_completion(golden, res.table, RULES.profile_fields)
    stale = unconfirmed(golden, recs, res.table, TODAY, RULES.unconfirmed_months)
    return res, worklist_sheets(calls, profile, stale, golden, res.table, res.bounced, res.suppressions.rows)


@pytest.fixture(scope="module")
def world():
    """Four customers whose every email bounced: José may be called; Ana is on the do-not-call
    register; Eva asked to be erased; Luis said no to calls on his record."""
    recs = records(JOSE, ANA, EVA, LUIS)
    sups = suppressions(
        *bounces("jose.garcia@gmail.com", "hard_bounce", 1),
        *bounces("ana.munoz@gmail.com", "hard_bounce", 1),
        *bounces("eva.sanz@gmail.com", "hard_bounce", 1),
        *bounces("luis.pena@gmail.com", "hard_bounce", 1),
        {
            "source": "dnc",
            "reason": "do_not_call",
            "phone": "699 111 222",
            "country": "Spain",
            "event_at": "2020-01-01",
        },
        {"source": "desk", "reason": "erasure", "email": "eva.sanz@gmail.com", "event_at": "2026-01-01"},
    )
    golden = golden_of(
        recs,
        P1={"date_of_birth": None},
        P2={"date_of_birth": None},
        P3={"date_of_birth": None},
        P4={"date_of_birth": None},
    )
    golden = golden.assign(postcode=[p["postcode"] for p in (JOSE, ANA, EVA, LUIS)], city="Madrid", country="ES")
    return build(recs, sups, golden)


def test_the_bounced_list_has_the_phone_to_call_and_the_bounce_in_words(world):
    _, sheets = world
    calls = sheets["bounced_call"]
    assert calls["person id"].tolist() == ["P1"]
    row = calls.iloc[0]
    assert (row["first name"], row["last name"], row["phone to call"]) == ("José", "García López", "+34612345678")
    assert row["email that bounced"] == "jose.garcia@gmail.com"
    assert str(row["bounced on"]) == "2026-01-01"
    assert (row["what happened"], row["reported by"]) == ("email bounced", "bounces")


def test_nobody_suppressed_on_the_needed_channel_appears(world):
    res, sheets = world
    table = res.table.set_index(["person_id", "channel"])
    # the bounced list needs calls: do-not-call (Ana), erased (Eva) and opted out of calls (Luis) stay off
    assert set(sheets["bounced_call"]["person id"]) == {"P1"}
    for person in ("P2", "P3", "P4"):
        assert not table.loc[(person, "phone"), "contactable"]
    # an erased person is on no list at all
    for sheet in sheets.values():
        assert "P3" not in set(sheet["person id"])
    # every contact shown is on a channel stage 06 left open
    profile = sheets["profile_completion"].set_index("person id")
    for person, row in profile.iterrows():
        for column, channel in (("email", "email"), ("phone to call", "phone"), ("mobile for SMS", "sms")):
            if pd.notna(row[column]):
                assert (
                    table.loc[(person, channel), "contactable"]
                    and row[column] == table.loc[(person, channel), "contact"]
                )
    assert pd.isna(profile.loc["P2", "phone to call"])  # do-not-call: the number we hold is not shown
    assert pd.isna(profile.loc["P4", "phone to call"])


def test_profile_list_says_what_is_missing_in_words_and_how_to_reach_them(world):
    _, sheets = world
    profile = sheets["profile_completion"].set_index("person id")
    assert set(profile.index) == {"P1", "P2", "P4"}
    assert profile.loc["P1", "missing"] == "date of birth"
    assert profile.loc["P1", "reach by"] == "call, SMS, post"  # email bounced
    assert profile.loc["P1", "postal address"] == "Calle Mayor 5, 3º 2ª, 28013 Madrid, SPAIN"
    assert profile.loc["P2", "reach by"] == "post"


def test_unconfirmed_list_says_when_and_where_last_confirmed():
    recs = records({**JOSE, "updated": "2020-03-01"}, {**ANA, "updated": None, "signup": None})
    _, sheets = build(recs, suppressions())
    stale = sheets["unconfirmed"].set_index("person id")
    assert str(stale.loc["P1", "last confirmed"]) == "2020-03-01"
    assert stale.loc["P1", "confirmed in (source)"] == "crm"
    assert stale.loc["P1", "months since"] == 80
    assert pd.isna(stale.loc["P2", "last confirmed"]) and stale.loc["P2", "confirmed in (source)"] == "never confirmed"
    assert stale.index.tolist() == ["P2", "P1"]  # never confirmed first


def test_worklist_files_open_right_in_a_spreadsheet(world, tmp_path):
    _, sheets = world
    folder = tmp_path / "run" / "exports" / "worklists"
    written = write_worklists(sheets, folder)
    assert written["worklist"].tolist() == ["bounced_call", "profile_completion", "unconfirmed"]
    assert written["rows"].tolist() == [len(s) for s in sheets.values()]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name, sheet in sheets.items():
        raw = (folder / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
        assert stat.S_IMODE((folder / f"{name}.csv").stat().st_mode) == 0o600
        assert stat.S_IMODE((folder / f"{name}.xlsx").stat().st_mode) == 0o600
        with open(folder / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == list(sheet.columns)
        assert not [h for h in header if h.startswith("_") or "_" in h]  # headers in words, no internal keys
        book = openpyxl.load_workbook(folder / f"{name}.xlsx")
        ws = book.active
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1])
        assert [c.value for c in ws[1]] == list(sheet.columns)
    calls = pd.read_csv(folder / "bounced_call.csv", encoding="utf-8-sig", dtype=str)
    assert calls.loc[0, "first name"] == "José" and calls.loc[0, "phone to call"] == "+34612345678"
    book = openpyxl.load_workbook(folder / "bounced_call.xlsx")
    header = [c.value for c in book.active[1]]
    assert book.active.cell(row=2, column=header.index("first name") + 1).value == "José"
    text = (folder / "profile_completion.csv").read_text(encoding="utf-8-sig")
    assert "hard_bounce" not in text and "address_key" not in text and "|" not in text


def test_a_moved_customer_is_written_to_at_the_new_address():
    """Survivorship puts the new address of a move on the golden record; no record holds it."""
    recs = records(JOSE)
    golden = golden_of(recs, P1={"address_key": "es|08001|rambla|1|", "address_line1": "La Rambla 1"})
    res = run(recs, suppressions(), golden)
    mail = res.table[res.table["channel"].eq("mail")].iloc[0]
    assert mail["contact"] == "es|08001|rambla|1|"


# -- campaign exports ------------------------------------------------------------------------------


def mail_rows(**extra) -> pd.DataFrame:
    base = {
        "person_id": ["A", "B", "C"],
        "household_salutation": ["Familia García López", None, None],
        "title": ["Sr.", "Ms", None],
        "first_name": ["José", "Ann", "Carl"],
        "last_name": ["García", "Lee", "Cruz"],
        "address_line1": ["Calle Mayor 5", "1969 Highland Avenue", "2 Alexandra Close"],
        "address_line2": ["3º 2ª", None, None],
        "postcode": ["28013", "77095", "EH17 0EQ"],
        "city": ["Madrid", "Houston", "Edinburgh"],
        "region": ["MADRID", "TX", None],
        "country": ["ES", "US", "GB"],
        "address_key": ["es|28013|mayor|5|3-2", "us|77095|highland avenue|1969|", "gb|eh170eq|alexandra close|2|"],
        "_position": [1, 2, 3],
    }
    base.update(extra)
    return pd.DataFrame(base)


def reach_mail(rows: pd.DataFrame, keys: list | None = None) -> pd.DataFrame:
    keys = keys if keys is not None else rows["address_key"].tolist()
    return pd.DataFrame(
        {"person_id": rows["person_id"], "channel": "mail", "contactable": True, "reason": "opted_in", "contact": keys}
    )


def test_postal_lines_follow_the_country_order():
    lines = postal_lines(mail_rows(), household=True)
    assert lines["name_line"].tolist() == ["Familia García López", "Ms Ann Lee", "Carl Cruz"]
    assert lines["postcode_city_line"].tolist() == ["28013 Madrid", "Houston TX 77095", "Edinburgh EH17 0EQ"]
    assert lines["country_line"].tolist() == ["SPAIN", "UNITED STATES", "UNITED KINGDOM"]
    assert postal_lines(mail_rows())["name_line"].tolist()[0] == "Sr. José García"


def test_a_postal_export_prints_lines_not_keys_and_opens_right(tmp_path):
    cfg = load_campaign_lists(ROOT / "config" / "campaign_lists.yaml")
    rows = mail_rows()
    built = CampaignList(ListDefinition("letters", "", "mail", "true", dedupe="household"), rows)
    # C's golden address is not the one stage 06 checked: it must not be printed
    reach = reach_mail(rows, [*rows["address_key"][:2], "gb|eh11aa|other street|9|"])
    result = export_list(built, cfg, reach, tmp_path / "exports")
    assert (result.rows, result.unprintable, result.suppressed_on_export) == (2, 1, 0)
    raw = result.csv.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # machine CSV: no BOM for mailing tools
    out = pd.read_csv(result.csv, dtype=str, keep_default_na=False)
    assert out.columns.tolist() == [
        "person_id",
        "name_line",
        "address_line1",
        "address_line2",
        "postcode_city_line",
        "country_line",
    ]
    assert out.iloc[0].tolist() == ["A", "Familia García López", "Calle Mayor 5", "3º 2ª", "28013 Madrid", "SPAIN"]
    assert "|" not in raw.decode("utf-8")  # no address keys
    ws = openpyxl.load_workbook(result.xlsx).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:F")
    assert ws.column_dimensions["B"].width >= len("Familia García López")
    assert stat.S_IMODE(result.csv.stat().st_mode) == 0o600 and stat.S_IMODE(result.xlsx.stat().st_mode) == 0o600


def test_an_email_export_keeps_its_columns_and_gets_the_polish(tmp_path):
    cfg = load_campaign_lists(ROOT / "config" / "campaign_lists.yaml")
    rows = pd.DataFrame(
        {
            "person_id": ["A", "B"],
            "title": [None, None],
            "first_name": ["=cmd()", "Bo"],
            "last_name": ["X", "Y"],
            "country": ["ES", "ES"],
            "_position": [2, 1],
        }
    )
    reach = pd.DataFrame(
        {
            "person_id": ["A", "B"],
            "channel": "email",
            "contactable": [True, False],
            "reason": ["opted_in", "unsubscribe"],
            "contact": ["a@x.com", "b@x.com"],
        }
    )
    result = export_list(CampaignList(ListDefinition("news", "", "email", "true"), rows), cfg, reach, tmp_path)
    out = pd.read_csv(result.csv, dtype=str)
    assert out.columns.tolist() == ["person_id", "title", "first_name", "last_name", "email", "country"]
    assert out["person_id"].tolist() == ["A"] and out.loc[0, "first_name"] == "'=cmd()"
    ws = openpyxl.load_workbook(result.xlsx).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
