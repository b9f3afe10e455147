"""Stage 07 on small hand-written frames with known answers: money, linking, metrics, RFM,
lifecycle, profile segments, campaign lists (suppression, households, formulas) and the
analysts' database."""

from __future__ import annotations

import csv
import json
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import ROOT
from helpers.currency import UnknownCurrency, parse_amounts, to_reporting
from helpers.gates import run_gate
from helpers.segment.config import Lifecycle, SegmentConfigError, SegmentRule, load_segment_config, uncovered
from helpers.segment.database import EXAMPLE_QUERIES, build_customer_database, run_example_queries
from helpers.segment.export import export_list, neutralise_formulas
from helpers.segment.lifecycle import lifecycle_stage
from helpers.segment.lists import (
    CampaignList,
    CampaignListError,
    ContactabilityError,
    ListDefinition,
    build_list,
    connect,
    customer_view,
    load_campaign_lists,
)
from helpers.segment.metrics import customer_metrics
from helpers.segment.profile_segments import profile_segments
from helpers.segment.rfm import named_segments, quintile_scores, rfm_scores
from helpers.segment.table import segment_sizes, segment_table
from helpers.transactions import link_summary, link_to_persons, prepare_transactions, promotion_flags

REF = date(2026, 11, 15)


@pytest.fixture(scope="module")
def cfg():
    return load_segment_config(ROOT / "config" / "segments.yaml")


@pytest.fixture(scope="module")
def lists_cfg():
    return load_campaign_lists(ROOT / "config" / "campaign_lists.yaml")


# -- the registry facts and people the linking tests share -------------------------------------

SUMMARY = pd.DataFrame(
    {
        "source": ["shop", "crm", "shop_orders", "tills", "legacy_sales", "cases"],
        "kind": ["people", "people", "transactions", "transactions", "transactions", "interactions"],
        "default_country": [None, "ES", None, None, None, None],
        "date_format": [None, "%d/%m/%Y", None, "%m/%d/%Y", None, None],
        "links_to": [
            None,
            None,
            json.dumps({"source": "shop"}),
            json.dumps({"field": "loyalty_card"}),
            None,
            json.dumps({"source": "shop"}),
        ],
    }
)
LINKS = pd.DataFrame(
    {
        "record_key": ["shop:E1", "shop:E2", "crm:1", "crm:2", "crm:3"],
        "source": ["shop", "shop", "crm", "crm", "crm"],
        "source_record_id": ["E1", "E2", "1", "2", "3"],
        "person_id": ["P1", "P2", "P1", "P3", "P4"],
    }
)
CLEAN = pd.DataFrame(
    {
        "record_key": ["shop:E1", "shop:E2", "crm:1", "crm:2", "crm:3"],
        "loyalty_card": [None, None, "lc-123 456", "LC999", "lc999"],  # LC999 is on two persons: ambiguous
    }
)


def values(s: pd.Series) -> list:
    """A column as a list with None for every kind of missing (pd.NA cannot be compared)."""
    return s.astype(object).where(s.notna(), None).tolist()


def tx(rows: list[dict]) -> pd.DataFrame:
    """Canonical, all-text transactions as stage 01 writes them."""
    cols = [
        "source",
        "source_record_id",
        "transaction_id",
        "customer_ref",
        "transaction_at",
        "amount",
        "currency",
        "product_category",
        "channel",
        "promotion",
    ]
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype("object")
    df["source_record_id"] = [f"row-{i}" for i in range(1, len(df) + 1)]
    df["transaction_id"] = df["transaction_id"].fillna(pd.Series([f"T{i}" for i in range(1, len(df) + 1)]))
    return df


# -- config -------------------------------------------------------------------------------------


def test_shipped_segment_rules_name_every_score_combination(cfg):
    assert uncovered(cfg.rfm_segments) == []
    assert {"Champions", "Loyal", "Potential loyalist", "At risk", "Hibernating", "Lost"} <= {
        r.name for r in cfg.rfm_segments
    }
    assert cfg.reporting_currency == "EUR" and cfg.rates["EUR"] == 1.0


def test_segment_config_errors_name_the_file_and_every_bad_key(tmp_path):
    path = tmp_path / "segments.yaml"
    path.write_text(
        "reporting_currency: EUR\n"
        "currency_rates: {as_of: '2026-11-01', rates: {EUR: 1.0, GBP: -1}}\n"
        "rfm_segments:\n  - {name: Champions, r: [5, 5], fm: [4, 6]}\n  - {name: Rest, r: [1, 4]}\n"
        "lifecycle: {lapsed_after_days: 400, inactive_after_days: 365, lapsd: 3}\n"
    )
    with pytest.raises(SegmentConfigError) as err:
        load_segment_config(path)
    text = str(err.value)
    assert str(path) in text
    for key in (
        "currency_rates.rates.GBP",
        "rfm_segments[1] (Champions).fm",
        "lifecycle.lapsd: unknown key",
        "inactive_after_days must be greater",
    ):
        assert key in text


def test_segment_rules_with_a_gap_are_refused(tmp_path):
    path = tmp_path / "segments.yaml"
    path.write_text(
        "reporting_currency: EUR\ncurrency_rates: {as_of: x, rates: {EUR: 1}}\n"
        "rfm_segments:\n  - {name: Top, r: [4, 5]}\n  - {name: Low, r: [1, 2]}\n"
    )
    with pytest.raises(SegmentConfigError, match=r"25 of 125 score combinations match no rule \(e.g. r=3 f=1 m=1"):
        load_segment_config(path)


# -- money --------------------------------------------------------------------------------------


def test_amounts_in_every_currency_are_converted_with_the_fixed_rates(cfg):
    amount = pd.Series([100.0, 100.0, 100.0, 10.0])
    currency = pd.Series(["EUR", "gbp ", "USD", "BRL"])
    source = pd.Series(["shop_orders"] * 4)
    got = to_reporting(amount, currency, source, cfg)
    assert got.tolist() == [
        100.0,
        round(100 * cfg.rates["GBP"], 2),
        round(100 * cfg.rates["USD"], 2),
        round(10 * cfg.rates["BRL"], 2),
    ]


def test_unknown_currency_stops_with_currency_source_and_count(cfg):
    amount = pd.Series([1.0, 2.0, 3.0, 4.0])
    currency = pd.Series(["JPY", "JPY", "EUR", "JPY"])
    source = pd.Series(["tills", "tills", "tills", "shop_orders"])
    with pytest.raises(UnknownCurrency) as err:
        to_reporting(amount, currency, source, cfg)
    text = str(err.value)
    assert "JPY in source 'tills': 2 transactions" in text
    assert "JPY in source 'shop_orders': 1 transactions" in text


def test_missing_currency_takes_the_source_default_or_stops(cfg, tmp_path):
    amount, currency, source = pd.Series([5.0, 5.0]), pd.Series([None, "EUR"]), pd.Series(["tills", "tills"])
    with pytest.raises(UnknownCurrency, match=r"\(none\) in source 'tills': 1 transactions"):
        to_reporting(amount, currency, source, cfg)
    path = tmp_path / "s.yaml"
    path.write_text(
        (ROOT / "config" / "segments.yaml").read_text().replace("source_currency: {}", "source_currency: {tills: GBP}")
    )
    with_default = load_segment_config(path)
    assert to_reporting(amount, currency, source, with_default).tolist() == [
        round(5 * with_default.rates["GBP"], 2),
        5.0,
    ]


def test_amount_text_in_local_formats_is_read():
    raw = pd.Series(["388.55", "1.234,50", "1,234.50", "(12.00)", "€ 12", "R$ 1.234,56", "abc", None, "12.5.3"])
    got = parse_amounts(raw)
    assert got.iloc[:6].tolist() == [388.55, 1234.5, 1234.5, -12.0, 12.0, 1234.56]
    assert got.iloc[6:].isna().all()


def test_promotion_is_a_flag_or_a_discount_code():
    got = promotion_flags(pd.Series(["Y", "N", "1", "0", "true", "VIP15", None, " "]))
    assert got.tolist() == [True, False, True, False, True, True, False, False]


# -- linking ------------------------------------------------------------------------------------


def test_transactions_link_by_source_ids_and_by_normalised_loyalty_cards():
    events = tx(
        [
            {"source": "shop_orders", "customer_ref": "E1"},
            {"source": "shop_orders", "customer_ref": " E2 "},
            {"source": "shop_orders", "customer_ref": "E404"},
            {"source": "shop_orders", "customer_ref": None},
            {"source": "tills", "customer_ref": "LC123456"},  # 'lc-123 456' on the CRM record of P1
            {"source": "tills", "customer_ref": "lc 999"},  # two persons carry it
            {"source": "tills", "customer_ref": ""},
            {"source": "legacy_sales", "customer_ref": "X1"},  # no links_to rule
        ]
    )
    got = link_to_persons(events, SUMMARY, LINKS, CLEAN)
    assert values(got["person_id"]) == ["P1", "P2", None, None, "P1", None, None, None]
    assert got["link_status"].tolist() == [
        "linked",
        "linked",
        "unlinked",
        "anonymous",
        "linked",
        "ambiguous",
        "anonymous",
        "no_link_rule",
    ]


def test_prepared_transactions_read_each_sources_dates_and_report_anonymous_share(cfg):
    events = tx(
        [
            {
                "source": "tills",
                "customer_ref": "LC123456",
                "transaction_at": "03/04/2026 10:00",
                "amount": "10.00",
                "currency": "EUR",
                "promotion": "N",
            },
            {
                "source": "tills",
                "customer_ref": None,
                "transaction_at": "03/05/2026 11:00",
                "amount": "30.00",
                "currency": "EUR",
                "promotion": "Y",
            },
            {
                "source": "shop_orders",
                "customer_ref": "E2",
                "transaction_at": "2026-11-16T09:00:00Z",
                "amount": "5",
                "currency": "EUR",
            },  # after the reference day: does not count
            {
                "source": "shop_orders",
                "customer_ref": "E2",
                "transaction_at": "2026-11-01T09:00:00Z",
                "amount": "n/a",
                "currency": "EUR",
            },
            {
                "source": "shop_orders",
                "customer_ref": None,
                "transaction_at": "2026-11-02",
                "amount": "100",
                "currency": "GBP",
                "promotion": "SPRING15",
            },
        ]
    )
    prep = prepare_transactions(events, SUMMARY, LINKS, CLEAN, cfg, REF)
    assert prep["purchased_on"].iloc[0] == pd.Timestamp("2026-03-04")  # the tills' month-first format
    assert values(prep["issue"]) == [None, None, "future date", "unreadable amount", None]
    assert prep["on_promotion"].tolist() == [False, True, False, False, True]
    summary = link_summary(prep)
    assert summary.loc["tills", "anonymous_share"] == 0.5
    assert summary.loc["tills", "anonymous_revenue_share"] == 0.75
    total = summary.loc["all sources"]
    assert (total["transactions"], total["anonymous"], total["linked"], total["not_usable"]) == (5, 2, 3, 2)


# -- metrics --------------------------------------------------------------------------------------


def purchases(rows: list[tuple]) -> pd.DataFrame:
    """(person, order_key, day, amount, promo, category) -> the linked, usable purchases frame."""
    df = pd.DataFrame(
        rows, columns=["person_id", "order_key", "purchased_on", "amount_reporting", "on_promotion", "product_category"]
    )
    df["purchased_on"] = pd.to_datetime(df["purchased_on"]).astype("datetime64[s]")
    return df


PERSONS = pd.DataFrame({"person_id": ["A", "B", "C"], "first_seen": pd.to_datetime(["2020-01-01", None, "2026-11-01"])})


def test_customer_metrics_follow_their_definitions():
    p = purchases(
        [
            ("A", "s:1", "2026-11-14", 40.0, True, "yoga"),
            ("A", "s:1", "2026-11-14", 60.0, False, "running"),  # a second line of order s:1
            ("A", "s:2", "2026-10-17", 50.0, False, "running"),  # 29 days before: inside 30 days
            ("A", "s:3", "2026-10-16", 20.0, False, "yoga"),  # 30 days before: outside
            ("A", "s:4", "2026-10-20", -10.0, False, "yoga"),  # a refund: not a purchase
            ("B", "t:9", "2025-11-15", 15.0, True, "home"),
        ]
    )
    complaints = pd.Series({"B": 2})
    m = customer_metrics(PERSONS, p, REF, (30,), complaints).set_index("person_id")
    a, b, c = m.loc["A"], m.loc["B"], m.loc["C"]
    assert (a["frequency"], a["monetary"], a["avg_order_value"]) == (3, 160.0, round(170 / 3, 2))
    assert a["promo_share"] == pytest.approx(1 / 3)
    assert (a["recency_days"], a["days_since_first_purchase"], a["tenure_days"]) == (
        1,
        30,
        (pd.Timestamp(REF) - pd.Timestamp("2020-01-01")).days,
    )
    assert (a["spend_30d"], a["orders_30d"]) == (140.0, 2)  # 100 + 50 - 10; the refund is not an order
    assert a["favourite_category"] == "running"  # running 2 orders (s:1 by its biggest line, s:2), yoga 1
    assert (b["frequency"], b["recency_days"], b["tenure_days"], b["complaints"]) == (1, 365, 365, 2)
    assert c["frequency"] == 0 and pd.isna(c["recency_days"]) and pd.isna(c["avg_order_value"])
    assert c["tenure_days"] == 14 and c["monetary"] == 0.0 and c["complaints"] == 0


# -- RFM ------------------------------------------------------------------------------------------


def test_quintiles_of_distinct_values_use_every_score():
    assert quintile_scores(pd.Series([10, 20, 30, 40, 50])).tolist() == [1, 2, 3, 4, 5]
    assert quintile_scores(pd.Series(range(10))).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(pd.Series([10, 20, 30, 40, 50]), higher_is_better=False).tolist() == [5, 4, 3, 2, 1]


def test_quintile_ties_share_a_score_whatever_the_row_order():
    values = pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 5, 8])
    got = quintile_scores(values)
    assert got.iloc[:6].nunique() == 1 and got.iloc[0] == 2  # mid-rank of the six 1s is 30%
    assert got.tolist() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    shuffled = values.sample(frac=1, random_state=3)
    assert quintile_scores(shuffled).sort_index().tolist() == got.tolist()


def test_quintiles_of_tiny_populations_stay_in_the_middle():
    assert quintile_scores(pd.Series([7.0])).tolist() == [3]
    assert quintile_scores(pd.Series([1.0, 2.0])).tolist() == [2, 4]
    assert quintile_scores(pd.Series([4.0, 4.0])).tolist() == [3, 3]
    got = quintile_scores(pd.Series([np.nan, 1.0, np.nan]))
    assert got.isna().tolist() == [True, False, True] and got.iloc[1] == 3
    assert quintile_scores(pd.Series([np.nan, np.nan])).isna().all()


def test_only_buyers_are_scored_and_named(cfg):
    metrics = pd.DataFrame(
        {
            "frequency": [0, 9, 1, 3, 2, 5],
            "recency_days": pd.array([pd.NA, 1, 400, 30, 200, 90], dtype="Int64"),
            "monetary": [0.0, 900.0, 10.0, 150.0, 60.0, 300.0],
        }
    )
    scores = rfm_scores(metrics)
    assert scores.loc[0].isna().all()
    assert scores.loc[1, ["r_score", "f_score", "m_score"]].tolist() == [5, 5, 5]
    assert scores.loc[2, ["r_score", "f_score", "m_score"]].tolist() == [1, 1, 1]
    assert scores.loc[1, "rfm_cell"] == "555"
    names = named_segments(scores, cfg.rfm_segments)
    assert pd.isna(names[0]) and names[1] == "Champions" and names[2] == "Lost"


@pytest.mark.parametrize(
    "r, f, m, expected",
    [
        (5, 5, 4, "Champions"),
        (5, 1, 1, "New customers"),
        (4, 3, 3, "Potential loyalist"),
        (3, 4, 5, "Loyal"),
        (3, 3, 3, "Need attention"),
        (2, 5, 5, "Can't lose them"),
        (1, 4, 3, "At risk"),
        (2, 1, 2, "Hibernating"),
        (1, 1, 1, "Lost"),
        (1, 2, 1, "Hibernating"),
        (4, 1, 1, "Promising"),
        (3, 1, 2, "About to sleep"),
    ],
)
def test_named_segments_of_the_shipped_rules(cfg, r, f, m, expected):
    scores = pd.DataFrame({"r_score": [r], "f_score": [f], "m_score": [m], "fm_score": [(f + m + 1) // 2]}).astype(
        "Int64"
    )
    assert named_segments(scores, cfg.rfm_segments).iloc[0] == expected


def test_the_first_matching_rule_wins():
    rules = (
        SegmentRule("Recent", {"r": (4, 5)}),
        SegmentRule("Big", {"m": (5, 5)}),
        SegmentRule("Rest", {"r": (1, 5)}),
    )
    scores = pd.DataFrame(
        {"r_score": [5, 2, 2], "f_score": [1, 1, 1], "m_score": [5, 5, 1], "fm_score": [3, 3, 1]}
    ).astype("Int64")
    assert named_segments(scores, rules).tolist() == ["Recent", "Big", "Rest"]


# -- lifecycle ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frequency, recency, since_first, expected",
    [
        (0, None, None, "prospect"),
        (3, 366, 900, "inactive"),
        (3, 365, 900, "lapsed"),  # exactly inactive_after_days: not yet inactive
        (9, 181, 900, "lapsed"),  # a lapsed loyal customer is lapsed
        (3, 180, 900, "repeat"),  # exactly lapsed_after_days: not yet lapsed
        (1, 150, 150, "new_customer"),  # a single purchase, not lapsed
        (3, 10, 90, "new_customer"),  # first purchase exactly new_customer_days ago
        (3, 10, 91, "repeat"),
        (4, 10, 400, "repeat"),
        (5, 10, 400, "loyal"),
    ],
)
def test_lifecycle_boundaries(frequency, recency, since_first, expected):
    metrics = pd.DataFrame(
        {
            "frequency": [frequency],
            "recency_days": pd.array([recency], dtype="Int64"),
            "days_since_first_purchase": pd.array([since_first], dtype="Int64"),
        }
    )
    rules = Lifecycle(
        new_customer_days=90, repeat_min_orders=2, loyal_min_orders=5, lapsed_after_days=180, inactive_after_days=365
    )
    assert lifecycle_stage(metrics, rules).iloc[0] == expected


# -- profile segments and the segment table -------------------------------------------------------


def golden(**extra) -> pd.DataFrame:
    base = {
        "person_id": ["A", "B", "C"],
        "title": [None, "Ms", "Mr"],
        "first_name": ["Ann", '=HYPERLINK("http://x")', "Carl"],
        "last_name": ["Lee", "Bo", "Cruz"],
        "gender": ["F", "f", None],
        "age": pd.array([30, 41, None], dtype="Int64"),
        "age_band": ["25-34", "35-44", None],
        "country": ["ES", "ES", "GB"],
        "region": ["Madrid", "MADRID", None],
        "city": ["Madrid", "Madrid", "Leeds"],
        "postcode": ["28013", "28013", "LS1 1AA"],
        "address_line1": ["Calle Mayor 5", "Calle Mayor 5", "1 Park Row"],
        "address_line2": [None, None, None],
        "address_key": ["es|28013|mayor|5|", "es|28013|mayor|5|", "gb|ls11aa|park row|1|"],
        "email": ["ann@x.com", "bo@x.com", "carl@x.com"],
        "phone": ["+34600000001", "+34600000002", "+447700900003"],
        "device": ["Mobile", None, "desktop"],
        "referral_source": ["google", "Madrid Running Expo", None],
        "interests": ["Running; yoga|Trail Running", None, "yoga"],
        "first_seen": pd.to_datetime(["2020-01-01", "2021-01-01", "2026-11-01"]),
    }
    base.update(extra)
    return pd.DataFrame(base)


def test_profile_segments_label_unknowns_and_split_interests(cfg):
    prof = profile_segments(golden(), cfg).set_index("person_id")
    assert prof["gender"].tolist() == ["F", "F", "unknown"]
    assert prof["region"].tolist() == ["MADRID", "MADRID", "unknown"]
    assert prof["device"].tolist() == ["mobile", "unknown", "desktop"]
    assert prof["referral_group"].tolist() == ["google", cfg.unlisted_referral, "unknown"]
    assert list(prof.loc["A", "interests"]) == ["running", "trail_running", "yoga"]
    assert prof.loc["B", "interests"] is None
    assert prof["interest_yoga"].tolist() == [True, False, True]
    assert prof["interest_trail_running"].tolist() == [True, False, False]


def test_segment_table_has_one_row_per_person_buyers_or_not(cfg):
    g = golden()
    p = purchases([("A", "s:1", "2026-11-10", 600.0, False, "yoga"), ("B", "s:2", "2024-01-01", 20.0, False, "home")])
    p = p.assign(usable=True, link_status="linked")
    seg = segment_table(g, p, None, cfg, REF).set_index("person_id")
    assert len(seg) == 3 and seg.index.is_unique
    assert seg["lifecycle"].tolist() == ["new_customer", "inactive", "prospect"]
    assert pd.isna(seg.loc["C", "r_score"]) and pd.isna(seg.loc["C", "rfm_segment"])
    sizes = segment_sizes(seg.reset_index(), [r.name for r in cfg.rfm_segments])
    life = sizes[sizes["dimension"] == "lifecycle"].set_index("segment")["persons"]
    assert life.sum() == 3 and life["prospect"] == 1


# -- campaign lists ---------------------------------------------------------------------------------


def list_world(cfg, gold: pd.DataFrame | None = None):
    """Four customers with known segments, their golden fields and a contactability table."""
    g = gold if gold is not None else pd.concat([golden(), golden(person_id=["D"] * 3).iloc[:1]], ignore_index=True)
    if gold is None:
        g.loc[3, ["first_name", "last_name", "address_key", "postcode"]] = ["Dee", "Diaz", "es|28013|mayor|5|", "28013"]
    p = purchases(
        [
            ("A", "s:1", "2026-11-10", 600.0, False, "yoga"),
            ("B", "s:2", "2026-11-01", 700.0, False, "home"),
            ("C", "s:3", "2026-11-12", 900.0, False, "home"),
            ("D", "s:4", "2026-11-11", 800.0, False, "home"),
        ]
    ).assign(usable=True, link_status="linked")
    seg = segment_table(g, p, None, cfg, REF)
    return seg, g


def contactability(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person_id", "channel", "contactable", "reason", "contact"])


def test_shipped_campaign_lists_load(lists_cfg):
    names = [d.name for d in lists_cfg.lists]
    assert names == ["winback_lapsed_email", "champions_household_mail", "women_high_spend_30d_phone"]
    channels = {d.name: (d.channel, d.dedupe) for d in lists_cfg.lists}
    assert channels["champions_household_mail"] == ("mail", "household")
    assert "spend_30d > 500" in lists_cfg.lists[2].where


def test_campaign_list_errors_name_the_file_and_the_list(tmp_path):
    path = tmp_path / "lists.yaml"
    doc = (ROOT / "config" / "campaign_lists.yaml").read_text()
    path.write_text(doc.replace("channel: phone\n", "channel: fax\n").replace("dedupe: household", "dedupe: street"))
    with pytest.raises(CampaignListError) as err:
        load_campaign_lists(path)
    text = str(err.value)
    assert str(path) in text
    assert "lists[3] (women_high_spend_30d_phone).channel: 'fax'" in text
    assert "lists[2] (champions_household_mail).dedupe: 'street'" in text


def test_list_filters_orders_and_exports_only_the_channel_columns(cfg, lists_cfg, tmp_path):
    seg, g = list_world(cfg)
    con = connect(customer_view(seg, g))
    reach = contactability([(p, "phone", True, "ok", f"+3460000000{i}") for i, p in enumerate("ABCD")])
    definition = ListDefinition("big_spenders", "", "phone", "monetary > 650", "monetary DESC")
    built = build_list(con, definition, lists_cfg, reach)
    assert built.rows["person_id"].tolist() == ["C", "D", "B"]
    assert built.counts == {"matched": 3, "contactable": 3, "exported": 3}
    women = ListDefinition("women", "", "phone", "gender = 'F' AND spend_30d > 500", "person_id", limit=1)
    assert build_list(con, women, lists_cfg, reach).rows["person_id"].tolist() == ["A"]
    result = export_list(built, lists_cfg, reach, tmp_path / "exports")
    with open(result.csv, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["person_id", "title", "first_name", "last_name", "phone", "country"]
    assert not list((tmp_path / "exports").glob(".*"))  # no temporary files left behind


def test_a_bad_where_names_the_list(cfg, lists_cfg):
    seg, g = list_world(cfg)
    con = connect(customer_view(seg, g))
    reach = contactability([("A", "email", True, "ok", "a@x.com")])
    for where in ("lifecycle = ", "no_such_column = 1", "1=1; DROP TABLE customers"):
        with pytest.raises(CampaignListError, match="list 'broken'"):
            build_list(con, ListDefinition("broken", "", "email", where), lists_cfg, reach)
    with pytest.raises(CampaignListError, match=r"list 'cols'.*email"):
        build_list(
            con,
            ListDefinition("cols", "", "email", "true", columns=("person_id", "email", "contact")),
            lists_cfg,
            reach,
        )  # the golden email is not in the view: only contactability's contact


def test_suppression_keeps_out_everyone_not_contactable_on_the_channel(cfg, lists_cfg, tmp_path):
    seg, g = list_world(cfg)
    con = connect(customer_view(seg, g))
    reach = contactability(
        [
            ("A", "email", False, "unsubscribe", None),  # opted out of email …
            ("A", "phone", True, "ok", "+34600000001"),  # … but not of phone
            ("B", "email", True, "ok", "bo.new@x.com"),  # the address stage 06 chose, not golden's bo@x.com
            ("C", "email", True, "ok", None),  # contactable but no address: cannot be mailed
        ]
    )  # D has no row at all
    definition = ListDefinition("everyone", "", "email", "true")
    built = build_list(con, definition, lists_cfg, reach)
    assert built.rows["person_id"].tolist() == ["B"]
    result = export_list(built, lists_cfg, reach, tmp_path)
    text = result.csv.read_text(encoding="utf-8")
    assert "bo.new@x.com" in text and "bo@x.com" not in text and "ann@x.com" not in text
    cells = [c.value for row in openpyxl.load_workbook(result.xlsx).active.iter_rows() for c in row]
    assert "A" not in cells and "B" in cells


def test_export_reapplies_suppression_to_whatever_it_is_handed(lists_cfg, tmp_path):
    rows = pd.DataFrame(
        {
            "person_id": ["A", "B"],
            "title": [None, None],
            "first_name": ["Ann", "Bo"],
            "last_name": ["Lee", "Bo"],
            "contact": ["ann@x.com", "bo@x.com"],
            "country": ["ES", "ES"],
            "_position": [1, 2],
        }
    )
    handed = CampaignList(ListDefinition("sneaky", "", "email", "true"), rows)
    reach = contactability([("A", "email", False, "hard_bounce", "ann@x.com"), ("B", "email", True, "ok", "bo@x.com")])
    result = export_list(handed, lists_cfg, reach, tmp_path)
    assert (result.rows, result.suppressed_on_export) == (1, 1)
    assert "ann@x.com" not in result.csv.read_text(encoding="utf-8")
    with pytest.raises(ContactabilityError, match="never exported without"):
        export_list(handed, lists_cfg, None, tmp_path / "none")
    with pytest.raises(ContactabilityError, match="repeated"):
        export_list(handed, lists_cfg, pd.concat([reach, reach]), tmp_path / "dup")
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").iterdir())


def test_household_dedupe_keeps_one_reachable_person_per_household(cfg, lists_cfg):
    seg, g = list_world(cfg)  # A, B and D share an address; C lives alone
    con = connect(customer_view(seg, g))
    mail = ListDefinition("letters", "", "mail", "true", "postcode, person_id", dedupe="household")
    everyone = contactability([(p, "mail", True, "ok", f"address of {p}") for p in "ABCD"])
    built = build_list(con, mail, lists_cfg, everyone)
    assert sorted(built.rows["person_id"]) == ["C", "D"]  # D spent most of A, B, D
    assert built.counts["after_household_dedupe"] == 2
    d_opted_out = contactability([(p, "mail", p != "D", "ok", f"address of {p}") for p in "ABCD"])
    assert sorted(build_list(con, mail, lists_cfg, d_opted_out).rows["person_id"]) == ["B", "C"]  # reached through B


def test_household_id_from_stage_05_wins_over_the_address(cfg, lists_cfg):
    seg, g = list_world(cfg)
    g = g.assign(household_id=["H1", "H2", "H3", pd.NA])  # A and B live apart after all; D falls back to its address
    con = connect(customer_view(seg, g))
    mail = ListDefinition("letters", "", "mail", "true", dedupe="household")
    everyone = contactability([(p, "mail", True, "ok", f"address of {p}") for p in "ABCD"])
    assert sorted(build_list(con, mail, lists_cfg, everyone).rows["person_id"]) == ["A", "B", "C", "D"]


def test_the_customers_view_matches_golden_fields_by_person_whatever_the_order(cfg):
    seg, g = list_world(cfg)
    in_order = customer_view(seg, g).to_pandas().set_index("person_id")
    shuffled = customer_view(seg.iloc[::-1].reset_index(drop=True), g).to_pandas().set_index("person_id")
    assert shuffled.loc[in_order.index, ["first_name", "household_key"]].equals(
        in_order[["first_name", "household_key"]]
    )
    assert "email" not in in_order.columns and "phone" not in in_order.columns


def test_formulas_are_neutralised_in_csv_and_xlsx(lists_cfg, tmp_path):
    risky = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTab", "\rReturn"]
    safe = ["+34600123456", "-5", "Ann", "O'Neil", "mid=dle"]
    names = risky + safe
    people = [f"P{i}" for i in range(len(names))]
    rows = pd.DataFrame(
        {
            "person_id": people,
            "title": None,
            "first_name": names,
            "last_name": "X",
            "contact": "+34600123456",
            "country": "ES",
            "_position": range(len(names)),
        }
    )
    reach = contactability([(p, "phone", True, "ok", "+34600123456") for p in people])
    result = export_list(CampaignList(ListDefinition("f", "", "phone", "true"), rows), lists_cfg, reach, tmp_path)
    expected = ["'" + v for v in risky] + safe
    from_csv = pd.read_csv(result.csv, dtype=str, keep_default_na=False)
    assert from_csv["first_name"].tolist() == expected
    assert from_csv["phone"].unique().tolist() == ["+34600123456"]
    sheet = openpyxl.load_workbook(result.xlsx).active
    cells = list(sheet.iter_rows(min_row=2))
    # OOXML stores a carriage return as the escape _x000D_, which openpyxl hands back as it is
    assert [row[2].value.replace("_x000D_", "\r") for row in cells] == expected
    assert all(row[2].data_type == "s" and row[4].data_type == "s" for row in cells)  # text, never a formula
    assert neutralise_formulas(pd.DataFrame({"n": [-5.0, 3.0]}))["n"].tolist() == [-5.0, 3.0]  # numbers untouched


# -- the analysts' database and the gate ------------------------------------------------------------


def test_customer_database_has_the_run_tables_and_the_example_queries_run(cfg, tmp_path):
    seg, g = list_world(cfg)
    events = tx(
        [
            {
                "source": "shop_orders",
                "customer_ref": "E1",
                "transaction_at": "2026-11-01",
                "amount": "10",
                "currency": "EUR",
                "channel": "online",
            },
            {
                "source": "shop_orders",
                "customer_ref": None,
                "transaction_at": "2026-11-02",
                "amount": "30",
                "currency": "EUR",
                "channel": "online",
            },
        ]
    )
    prepare_transactions(events, SUMMARY, LINKS, CLEAN, cfg, REF).to_parquet(tmp_path / "transactions_linked.parquet")
    seg.to_parquet(tmp_path / "segments.parquet")
    g.to_parquet(tmp_path / "golden_customers.parquet")
    LINKS.to_parquet(tmp_path / "record_links.parquet")
    CLEAN.to_parquet(tmp_path / "clean_records.parquet")
    contactability([("B", "email", True, "ok", "b@x.com"), ("C", "email", False, "unsubscribe", None)]).to_parquet(
        tmp_path / "contactability.parquet"
    )
    seg.loc[seg["person_id"] == "B", "lifecycle"] = "lapsed"
    seg.loc[seg["person_id"] == "C", "lifecycle"] = "lapsed"
    seg.to_parquet(tmp_path / "segments.parquet")
    path, notes = build_customer_database(tmp_path)
    assert path == tmp_path / "customers.duckdb"
    assert notes == ["households: skipped, households.parquet is not in the run folder"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    results = run_example_queries(path)
    assert set(results) == set(EXAMPLE_QUERIES) and len(EXAMPLE_QUERIES) == 3
    assert results["segment_sizes"]["customers"].sum() == 4
    revenue = results["monthly_revenue_by_channel"]
    assert revenue[["revenue", "anonymous_share"]].values.tolist() == [[40.0, 0.75]]
    assert results["contactable_lapsed_by_channel"].values.tolist() == [["email", "ES", 1]]
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    con.close()
    assert tables == {"golden_customers", "transactions", "contactability", "segments", "record_links", "clean_records"}


def test_segments_gate_passes_a_good_table_and_names_a_bad_stage(cfg, tmp_path):
    seg, _ = list_world(cfg)
    params = {"persons": len(seg), "rfm_segments": [r.name for r in cfg.rfm_segments]}
    assert run_gate(seg, "segments", ROOT / "expectations", tmp_path, params).success
    bad = seg.copy()
    bad["lifecycle"] = bad["lifecycle"].astype("object")
    bad.loc[0, "lifecycle"] = "zombie"
    result = run_gate(bad, "segments", ROOT / "expectations", tmp_path, params)
    assert result.failures()["expectation"].tolist() == ["expect_column_values_to_be_in_set(lifecycle)"]


def test_a_household_mailing_carries_the_household_salutation(cfg, lists_cfg, tmp_path):
    seg, g = list_world(cfg)
    g = g.assign(household_id=["H1", "H1", "H2", "H1"])
    households = pd.DataFrame({"household_id": ["H1", "H2"], "salutation": ["Familia Diaz García", "Sr. Costa"]})
    con = connect(customer_view(seg, g, households))
    mail = ListDefinition("letters", "", "mail", "true", "person_id", dedupe="household")
    # stage 06 checked the golden address of each (a postal export prints only that address)
    everyone = contactability([(p, "mail", True, "ok", k) for p, k in zip(g["person_id"], g["address_key"])])
    built = build_list(con, mail, lists_cfg, everyone)
    result = export_list(built, lists_cfg, everyone, tmp_path / "exports")
    rows = pd.read_csv(result.csv, dtype=str).set_index("person_id")
    assert rows["name_line"].to_dict() == {"C": "Sr. Costa", "D": "Familia Diaz García"}
    # without households the column is there and empty, so the shipped mail columns still work
    bare = connect(customer_view(seg, g))
    assert build_list(bare, mail, lists_cfg, everyone).rows["household_salutation"].isna().all()
