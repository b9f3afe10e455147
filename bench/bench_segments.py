"""Stage 07 at scale: transactions tied to persons, metrics, RFM, lifecycle, profile segments and
campaign lists on synthetic data built here with numpy (seeded).

    .venv/bin/python bench/bench_segments.py [--persons 1000000] [--transactions 3000000] [--seed 42]
                                             [--export]

The input imitates what stages 01-06 leave: all-text transactions from an online shop (linked
by its customer ids) and tills (linked by loyalty cards written with dashes and spaces, 60%
anonymous), golden customers with profile fields, call-centre interactions and a contactability
table (4 channels per person). Prints wall and CPU seconds per step and the peak memory; with
--export also writes the three lists to CSV and XLSX in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.segment.config import load_segment_config  # noqa: E402
from helpers.segment.export import export_list  # noqa: E402
from helpers.segment.lifecycle import lifecycle_stage  # noqa: E402
from helpers.segment.lists import build_list, connect, customer_view, load_campaign_lists  # noqa: E402
from helpers.segment.metrics import complaint_counts, customer_metrics  # noqa: E402
from helpers.segment.profile_segments import profile_segments  # noqa: E402
from helpers.segment.rfm import named_segments, rfm_scores  # noqa: E402
from helpers.segment.table import linked_purchases, segment_table  # noqa: E402
from helpers.transactions import link_interactions, link_summary, prepare_transactions  # noqa: E402

REF = date(2026, 11, 15)
INTERESTS = [
    "running",
    "yoga",
    "kids",
    "tech",
    "fashion",
    "home",
    "travel",
    "beauty",
    "football",
    "outdoor",
    "fitness",
    "cycling",
]


def synthetic(persons: int, transactions: int, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    pid = np.char.add("C", np.char.zfill(np.arange(1, persons + 1).astype(str), 9))
    shop_id = np.char.add("E", np.arange(persons).astype(str))
    has_card = rng.random(persons) < 0.5
    card = np.char.add("LC", np.char.zfill(rng.permutation(persons).astype(str), 10))
    # people records: every person has a shop account; half also a CRM record with a card
    crm = np.flatnonzero(has_card)
    record_links = pd.DataFrame(
        {
            "record_key": np.concatenate([np.char.add("shop:", shop_id), np.char.add("crm:", crm.astype(str))]),
            "source": np.repeat(["shop", "crm"], [persons, len(crm)]),
            "source_record_id": np.concatenate([shop_id, crm.astype(str)]),
            "person_id": np.concatenate([pid, pid[crm]]),
        }
    )
    written = card[crm]
    dashed = rng.random(len(crm)) < 0.3  # 'LC-0000123456 ' as a clerk typed it
    written = np.where(dashed, np.char.add(np.char.add("lc-", np.char.lstrip(written, "LC")), " "), written)
    clean = pd.DataFrame(
        {
            "record_key": record_links["record_key"],
            "loyalty_card": np.concatenate([np.full(persons, None, dtype=object), written]),
        }
    )

    # transactions: 60% of persons buy, a few often and many once or twice, over four years
    buyers = rng.permutation(persons)[: int(persons * 0.6)]
    buyer = buyers[(len(buyers) * rng.random(transactions) ** 2).astype(np.int64)]
    online = rng.random(transactions) < 0.45
    anonymous = np.where(online, rng.random(transactions) < 0.04, rng.random(transactions) < 0.6)
    anonymous |= ~online & ~has_card[buyer]
    seconds = rng.integers(0, 4 * 365 * 86400, transactions)
    stamp = np.datetime64("2022-11-15T00:00:00") + seconds.astype("timedelta64[s]")
    iso = np.char.add(np.datetime_as_string(stamp, unit="s"), "Z")
    till_text = np.char.replace(np.datetime_as_string(stamp, unit="s"), "T", " ")
    amount = np.round(rng.lognormal(4.0, 0.9, transactions), 2)
    ref = np.where(online, shop_id[buyer], card[buyer]).astype(object)
    ref[anonymous] = None
    promo = np.where(
        online,
        np.where(rng.random(transactions) < 0.15, "SPRING15", None),
        np.where(rng.random(transactions) < 0.2, "Y", "N"),
    )
    tx = pd.DataFrame(
        {
            "source": np.where(online, "shop_orders", "tills"),
            "source_record_id": np.char.add("row-", np.arange(transactions).astype(str)),
            "transaction_id": np.char.add("T", np.arange(transactions).astype(str)),
            "customer_ref": ref,
            "transaction_at": np.where(online, iso, till_text),
            "amount": amount.astype(str),
            "currency": rng.choice(["EUR", "GBP", "USD", "BRL"], transactions, p=[0.5, 0.2, 0.2, 0.1]),
            "product_category": rng.choice(INTERESTS[:10], transactions),
            "channel": np.where(online, "online", "store"),
            "promotion": promo,
        }
    ).astype({"customer_ref": object})
    summary = pd.DataFrame(
        {
            "source": ["shop", "crm", "shop_orders", "tills", "cases"],
            "default_country": [None, "ES", None, None, None],
            "date_format": [None, "%d/%m/%Y", None, None, "%m/%d/%Y %H:%M"],
            "links_to": [
                None,
                None,
                json.dumps({"source": "shop"}),
                json.dumps({"field": "loyalty_card"}),
                json.dumps({"source": "shop"}),
            ],
        }
    )
    n_cases = persons // 10
    cases = pd.DataFrame(
        {
            "source": "cases",
            "customer_ref": shop_id[rng.integers(0, persons, n_cases)],
            "interaction_type": rng.choice(["complaint", "service_request"], n_cases, p=[0.35, 0.65]),
        }
    )

    combos = np.array([";".join(sorted(rng.choice(INTERESTS, k, replace=False))) for k in rng.integers(1, 5, 300)])
    households = rng.integers(0, int(persons * 0.7), persons)
    golden = pd.DataFrame(
        {
            "person_id": pid,
            "title": rng.choice(["Mr", "Ms", "Dr", None], persons),
            "first_name": rng.choice(["Ana", "Luis", "Kate", "João", "=cmd", "Marco"], persons),
            "last_name": rng.choice(["García", "Smith", "Rossi", "Silva", "-Lee"], persons),
            "gender": rng.choice(["F", "M", None], persons, p=[0.45, 0.45, 0.1]),
            "age": rng.integers(18, 90, persons),
            "age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", None], persons),
            "country": rng.choice(["ES", "GB", "IT", "PT", "BR", "US"], persons),
            "region": rng.choice(["Madrid", "MADRID", "NY", "Lisboa", None], persons),
            "city": rng.choice(["Madrid", "London", "Roma"], persons),
            "postcode": np.char.zfill((households % 99999).astype(str), 5),
            "address_line1": np.char.add("Street ", households.astype(str)),
            "address_line2": None,
            "address_key": np.char.add("es|", households.astype(str)),
            "device": rng.choice(["mobile", "desktop", "tablet", None], persons),
            "referral_source": rng.choice(["google", "instagram", "Madrid Expo 2025", None], persons),
            "interests": np.where(rng.random(persons) < 0.3, combos[rng.integers(0, 300, persons)], None),
            "first_seen": (np.datetime64("2015-01-01") + rng.integers(0, 4000, persons).astype("timedelta64[D]")),
        }
    )
    channels = ["email", "phone", "sms", "mail"]
    reach = pd.DataFrame(
        {
            "person_id": np.tile(pid, 4),
            "channel": np.repeat(channels, persons),
            "contactable": rng.random(4 * persons) < 0.6,
            "reason": "ok",
            "contact": np.char.add(np.repeat(np.array(channels), persons), np.tile(shop_id, 4)),
        }
    )
    return {
        "golden": golden,
        "record_links": record_links,
        "clean": clean,
        "transactions": tx,
        "source_summary": summary,
        "interactions": cases,
        "contactability": reach,
    }


class Clock:
    """Times steps; `part=True` marks a step that a later, whole step repeats (not summed)."""

    def __init__(self) -> None:
        self.total = 0.0

    def __call__(self, label: str, func, *args, part: bool = False, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = func(*args, **kwargs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if not part:
            self.total += wall
        print(f"  {'· ' if part else ''}{label:<{44 if part else 46}} {wall:7.2f} s wall  {cpu:7.2f} s CPU", flush=True)
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--export", action="store_true", help="also write the lists to CSV and XLSX")
    args = parser.parse_args()
    cfg = load_segment_config(ROOT / "config" / "segments.yaml")
    lists_cfg = load_campaign_lists(ROOT / "config" / "campaign_lists.yaml")

    t0 = time.perf_counter()
    data = synthetic(args.persons, args.transactions, args.seed)
    print(
        f"synthetic input: {args.persons:,} persons, {len(data['transactions']):,} transactions, "
        f"{len(data['contactability']):,} contactability rows ({time.perf_counter() - t0:.1f} s to build)"
    )
    clock = Clock()
    prep = clock(
        "transactions: link, dates, amounts, currency",
        prepare_transactions,
        data["transactions"],
        data["source_summary"],
        data["record_links"],
        data["clean"],
        cfg,
        REF,
    )
    summary = clock("link summary", link_summary, prep)
    inter = clock(
        "interactions: link",
        link_interactions,
        data["interactions"],
        data["source_summary"],
        data["record_links"],
        None,
    )
    complaints = complaint_counts(inter, cfg.complaint_types)
    metrics = clock(
        "metrics per person",
        customer_metrics,
        data["golden"][["person_id", "first_seen"]],
        linked_purchases(prep),
        REF,
        cfg.windows,
        complaints,
        part=True,
    )
    scores = clock("RFM scores", rfm_scores, metrics, part=True)
    clock("RFM named segments", named_segments, scores, cfg.rfm_segments, part=True)
    clock("lifecycle", lifecycle_stage, metrics, cfg.lifecycle, part=True)
    clock("profile segments", profile_segments, data["golden"], cfg, part=True)
    segments = clock("segment table (the five steps above)", segment_table, data["golden"], prep, inter, cfg, REF)
    con = clock("customers view in DuckDB", lambda: connect(customer_view(segments, data["golden"])))
    built = []
    for definition in lists_cfg.lists:
        built.append(clock(f"list {definition.name}", build_list, con, definition, lists_cfg, data["contactability"]))
    if args.export:
        folder = Path(tempfile.mkdtemp(prefix="clientela_lists_"))
        for b in built:
            clock(
                f"export {b.definition.name} ({len(b.rows):,} rows)",
                export_list,
                b,
                lists_cfg,
                data["contactability"],
                folder,
            )
    print(f"\nstage 07 logic, end to end: {clock.total:.1f} s wall (steps marked · counted once, in the table)")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print("\nlinking:")
    print(summary[["transactions", "linked", "anonymous", "anonymous_share"]].to_string())
    print("\nlifecycle:", segments["lifecycle"].value_counts().to_dict())
    print("lists:", {b.definition.name: b.counts for b in built})


if __name__ == "__main__":
    main()
