"""Stage 07's entry point (helpers.segment.stage) on a small hand-made run: transactions tied to
customers, the segment table and its sizes, the campaign lists exported with the opt-outs applied,
the analysts' database, and the typed record built from all of them."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ROOT
from helpers.catalog import T
from helpers.segment.config import load_segment_config
from helpers.segment.lists import load_campaign_lists
from helpers.segment.stage import (
    LIST_COLUMNS,
    build_campaign_lists,
    customer_database,
    link_transactions,
    segment,
    segment_record,
)
from helpers.stage_records import SegmentRecord

REF = date(2026, 11, 15)


@pytest.fixture(scope="module")
def rules():
    return load_segment_config(ROOT / "config" / "segments.yaml")


@pytest.fixture(scope="module")
def lists():
    return load_campaign_lists(ROOT / "config" / "campaign_lists.yaml")


SUMMARY = pd.DataFrame(
    {
        "source": ["shop", "shop_orders", "cases"],
        "kind": ["people", "transactions", "interactions"],
        "default_country": [None, None, None],
        "date_format": [None, None, None],
        "links_to": [None, json.dumps({"source": "shop"}), json.dumps({"source": "shop"})],
    }
)
PEOPLE = ["P1", "P2", "P3", "P4"]
LINKS = pd.DataFrame(
    {
        "record_key": [f"shop:E{i}" for i in range(1, 5)],
        "source": "shop",
        "source_record_id": [f"E{i}" for i in range(1, 5)],
        "person_id": PEOPLE,
    }
)
CLEAN = pd.DataFrame({"record_key": LINKS["record_key"], "loyalty_card": None})
ADDRESS = ["es|28013|mayor|5|", "es|28013|mayor|5|", "gb|ls11aa|park row|1|", "es|08001|rambla|2|"]


def golden() -> pd.DataFrame:
    """Four customers: P1 and P2 share a household in Madrid, P3 lives in Leeds, P4 never bought."""
    return pd.DataFrame(
        {
            "person_id": PEOPLE,
            "title": ["Sra.", "Sr.", "Mr", None],
            "first_name": ["Ana", "Luis", "Carl", "Dee"],
            "last_name": ["Lopez", "Lopez", "Cruz", "Diaz"],
            "gender": ["F", "M", "M", "F"],
            "age": pd.array([41, 44, None, 30], dtype="Int64"),
            "age_band": ["35-44", "35-44", None, "25-34"],
            "country": ["ES", "ES", "GB", "ES"],
            "region": ["Madrid", "Madrid", None, "Barcelona"],
            "city": ["Madrid", "Madrid", "Leeds", "Barcelona"],
            "postcode": ["28013", "28013", "LS1 1AA", "08001"],
            "address_line1": ["Calle Mayor 5", "Calle Mayor 5", "1 Park Row", "La Rambla 2"],
            "address_line2": [None] * 4,
            "address_key": ADDRESS,
            "household_id": ["H1", "H1", "H2", "H3"],
            "email": ["ana@x.com", "luis@x.com", "carl@x.com", "dee@x.com"],
            "phone": ["+34600000001", "+34600000002", "+447700900003", "+34600000004"],
            "device": ["mobile", None, "desktop", None],
            "referral_source": ["google", None, "friend_referral", None],
            "interests": ["running", None, "yoga", None],
            "first_seen": pd.to_datetime(["2020-01-01", "2021-01-01", "2024-01-01", "2026-10-01"]),
        }
    )


def transactions() -> pd.DataFrame:
    """Canonical (all-text) sales: Ana buys a lot lately, Luis long ago, Carl once; one anonymous sale,
    one for a customer nobody knows, one with an unreadable amount."""
    rows = [
        ("E1", "2026-11-10", "600", "EUR"),
        ("E1", "2026-10-30", "300", "EUR"),
        ("E2", "2026-02-01", "80", "GBP"),
        ("E3", "2026-11-01", "25", "USD"),
        (None, "2026-11-02", "40", "EUR"),
        ("E99", "2026-11-03", "10", "EUR"),
        ("E3", "2026-11-04", "abc", "EUR"),
    ]
    df = pd.DataFrame(rows, columns=["customer_ref", "transaction_at", "amount", "currency"]).astype(object)
    n = len(df)
    return df.assign(
        source="shop_orders",
        source_record_id=[f"row-{i}" for i in range(1, n + 1)],
        transaction_id=[f"T{i}" for i in range(1, n + 1)],
        product_category="shoes",
        channel="online",
        promotion=None,
    )


def interactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": "cases",
            "source_record_id": ["c1", "c2"],
            "customer_ref": ["E2", "E42"],
            "interaction_type": ["complaint", "service_request"],
        }
    )


def contactability() -> pd.DataFrame:
    """Everyone reachable on every channel but Luis by email (unsubscribed) and Carl by phone."""
    rows = []
    for person, address, email, phone in zip(PEOPLE, ADDRESS, golden()["email"], golden()["phone"]):
        for channel, contact in (("email", email), ("phone", phone), ("mail", address)):
            blocked = (person, channel) in {("P2", "email"), ("P3", "phone")}
            rows.append(
                (person, channel, not blocked, "unsubscribe" if blocked else "ok", None if blocked else contact)
            )
    return pd.DataFrame(rows, columns=["person_id", "channel", "contactable", "reason", "contact"])


def households() -> pd.DataFrame:
    return pd.DataFrame({"household_id": ["H1", "H2", "H3"], "salutation": ["Familia Lopez", "Mr Cruz", "Ms Diaz"]})


@pytest.fixture()
def linked(rules):
    return link_transactions(transactions(), SUMMARY, LINKS, CLEAN, interactions(), rules, REF)


def test_transactions_are_tied_to_customers_and_every_row_is_counted(linked, rules):
    prepared, total = linked.prepared, linked.total
    assert len(prepared) == linked.rows_in == 7
    T.transactions_linked.check_columns(list(prepared.columns), "test")
    assert total["transactions"] == 7
    assert (total["linked"], total["anonymous"], total["unlinked"]) == (5, 1, 1)
    assert total["not_usable"] == int((~prepared["usable"]).sum()) == 1
    assert linked.issues()["transactions"].to_dict() == {"unreadable amount": 1}
    rates = linked.rates(rules)
    assert list(rates.index) == list(rules.rates)
    assert rates["transactions"].to_dict() == {"EUR": 5, "GBP": 1, "USD": 1, "BRL": 0}
    links = linked.interaction_links()
    assert int(links.to_numpy().sum()) == 2 and links.loc["complaint", "linked"] == 1
    assert linked.interactions is not None and linked.interactions["person_id"].tolist()[0] == "P2"


def test_without_interactions_nothing_is_tied(rules):
    alone = link_transactions(transactions(), SUMMARY, LINKS, CLEAN, None, rules, REF)
    assert alone.interactions is None and alone.interaction_links() is None


def test_every_golden_customer_gets_one_segment_row(linked, rules):
    segmented = segment(golden(), linked, rules, REF)
    table = segmented.table
    T.segments.check_columns(list(table.columns), "test")
    assert table["person_id"].tolist() == PEOPLE
    assert segmented.buyers.tolist() == [True, True, True, False]
    assert segmented.customers().iloc[0].to_dict() == {
        "customers": 4,
        "bought at least once": 3,
        "never bought (prospects)": 1,
    }
    for dimension in ("lifecycle", "rfm_segment", "gender", "age_band"):
        assert segmented.counts(dimension).sum() == len(table)
    assert segmented.counts("lifecycle")["prospect"] == 1 and segmented.counts("lifecycle")["lapsed"] == 1
    assert table.set_index("person_id").loc["P2", "complaints"] == 1  # the linked complaint counts


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_campaign_lists_are_exported_and_hold_only_people_reachable_on_their_channel(linked, rules, lists, tmp_path):
    gold = golden()
    table = segment(gold, linked, rules, REF).table
    reach = contactability()
    exported = build_campaign_lists(table, gold, households(), reach, lists, tmp_path / "exports")
    sizes = exported.sizes
    assert list(sizes.index) == [d.name for d in lists.lists]
    assert ["list", *sizes.columns] == LIST_COLUMNS
    assert exported.files == [f"exports/{d.name}.{ext}" for d in lists.lists for ext in ("csv", "xlsx")]
    assert all((tmp_path / f).is_file() for f in exported.files)
    allowed = reach[reach["contactable"]].groupby("channel")["person_id"].agg(set)
    for definition in lists.lists:
        row = sizes.loc[definition.name]
        written = read_csv(tmp_path / "exports" / f"{definition.name}.csv")
        assert row["written"] == len(written) <= row["contactable"] <= row["matched"]
        assert {r["person_id"] for r in written} <= allowed[definition.channel]
        assert pd.isna(row["one per household"]) == (definition.dedupe != "household")
        assert pd.isna(row["address unprintable"]) == (definition.channel != "mail")
    winback = sizes.loc["winback_lapsed_email"]
    assert (winback["matched"], winback["contactable"], winback["written"]) == (1, 0, 0)  # Luis unsubscribed
    women = read_csv(tmp_path / "exports" / "women_high_spend_30d_phone.csv")
    assert [r["person_id"] for r in women] == ["P1"]
    assert exported.written() == {k: int(v) for k, v in sizes["written"].items()}


def test_the_record_is_built_from_the_steps_results(linked, rules, lists, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    gold = golden()
    segmented = segment(gold, linked, rules, REF)
    segmented.table.to_parquet(run_dir / T.segments.file)
    linked.prepared.to_parquet(run_dir / T.transactions_linked.file)
    gold.to_parquet(run_dir / T.golden_customers.file)
    contactability().to_parquet(run_dir / T.contactability.file)
    exported = build_campaign_lists(segmented.table, gold, households(), contactability(), lists, run_dir / "exports")
    database = customer_database(run_dir)
    assert database.path == run_dir / "customers.duckdb" and database.path.is_file()
    assert any(note.startswith("households: skipped") for note in database.notes)
    assert database.examples["segment_sizes"]["customers"].sum() == int(segmented.buyers.sum())

    record = segment_record(linked, segmented, exported, database, rules, gates_passed=["segments"])
    assert isinstance(record, SegmentRecord)
    assert (record.rows_in, record.rows_out) == (7, 4)
    assert record.linking == {
        "transactions": 7,
        "linked": 5,
        "anonymous": 1,
        "unlinked": 1,
        "ambiguous": 0,
        "not_usable": 1,
    }
    assert record.lifecycle == segmented.counts("lifecycle").to_dict() and sum(record.lifecycle.values()) == 4
    assert record.rfm_segments == segmented.counts("rfm_segment").to_dict()
    assert record.list_sizes == exported.written()
    assert record.database_notes == database.notes
    assert (record.reporting_currency, record.rates_as_of) == (rules.reporting_currency, rules.rates_as_of)
    revenue = linked.prepared.loc[linked.prepared["usable"], "amount_reporting"]
    anonymous = linked.prepared.loc[linked.prepared["link_status"].eq("anonymous"), "amount_reporting"].sum()
    assert record.anonymous_revenue_share == round(anonymous / revenue.sum(), 4)
    assert record.headline == {
        "customers": 4,
        "buyers": 3,
        "Champions": record.rfm_segments.get("Champions", 0),
        "lapsed": 1,
        "anonymous sales": f"{1 / 7:.1%}",
        "lists": len(lists.lists),
    }
    assert record.gates_passed == ["segments"]
    assert SegmentRecord.from_payload(record.payload()).metrics() == record.metrics()


def test_a_hand_run_database_takes_what_the_interactive_folder_lacks_from_latest(linked, rules, tmp_path):
    own, latest = tmp_path / "interactive", tmp_path / "latest"
    own.mkdir(), latest.mkdir()
    gold = golden()
    segment(gold, linked, rules, REF).table.to_parquet(own / T.segments.file)
    linked.prepared.to_parquet(own / T.transactions_linked.file)
    gold.to_parquet(latest / T.golden_customers.file)
    contactability().to_parquet(latest / T.contactability.file)
    hand = customer_database(own, latest)
    assert hand.path == own / "customers.duckdb" and not (latest / "customers.duckdb").exists()
    assert "golden_customers: from the latest good run (golden_customers.parquet is not in this run folder)" in (
        hand.notes
    )
    assert "households: skipped, households.parquet is not in the run folder" in hand.notes
    lapsed = hand.examples["contactable_lapsed_by_channel"]  # Luis: lapsed, unsubscribed from email only
    assert lapsed.values.tolist() == [["mail", "ES", 1], ["phone", "ES", 1]]
    with pytest.raises(duckdb.CatalogException, match="contactability"):
        customer_database(own)  # a scheduled run reads its own folder only
