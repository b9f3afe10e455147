"""Stage 06 (contactability) step by step: on a run's own tables, then on a synthetic million.

    .venv/bin/python bench/bench_contactability.py [RUN_DIR] [--persons 1000000] [--suppressions 40000]

RUN_DIR is a processed run folder (default data/processed/latest of this project) holding
golden_customers, clean_records, record_links, suppressions and source_summary. The synthetic
input tiles that run's persons until --persons is reached: every copy gets its own person ids,
record keys, emails (a "t<copy>" prefix on the mailbox) and phones (last two digits shifted),
so copies do not collide; its address keys get a "#<copy>" suffix (the mail-preference list is
not tiled). Email and phone suppression rows are tiled the same way until about
--suppressions rows, so they keep matching their own copy's customers. --persons 0 skips it.
Prints wall and CPU seconds per step and the peak memory of this process.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.contact.decide import contactability, contactable_shares  # noqa: E402
from helpers.contact.rules import load_rules  # noqa: E402
from helpers.contact.stage import person_records  # noqa: E402
from helpers.contact.suppressions import (  # noqa: E402
    bounced_addresses,
    match_suppressions,
    standardise_suppressions,
    suppression_counts,
)
from helpers.contact.worklists import bounced_with_phone, profile_completion, unconfirmed  # noqa: E402


def cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


class Clock:
    def __init__(self, label: str):
        self.label, self.rows = label, []

    def step(self, name: str, fn, *args):
        w, c = time.perf_counter(), cpu()
        out = fn(*args)
        self.rows.append((name, time.perf_counter() - w, cpu() - c))
        return out

    def report(self) -> None:
        total_w = sum(r[1] for r in self.rows)
        total_c = sum(r[2] for r in self.rows)
        print(f"\n{self.label}")
        for name, w, c in self.rows:
            print(f"  {name:<28} {w:7.2f} s wall {c:7.2f} s cpu")
        print(f"  {'total':<28} {total_w:7.2f} s wall {total_c:7.2f} s cpu   peak RSS {rss_gb():.1f} GB")


def run(label: str, golden, records, suppressions, summary, rules, today: date) -> pd.DataFrame:
    clock = Clock(label)
    countries = sorted(records["country_std"].dropna().unique())
    std = clock.step(
        "standardise suppressions", standardise_suppressions, suppressions, summary, today, rules, countries
    )
    matches, status = clock.step("match suppressions", match_suppressions, std, records)
    bounced = clock.step("bounced addresses", bounced_addresses, std, rules.soft_bounce_limit)
    table = clock.step("decide (long table)", contactability, golden, records, matches, bounced, rules)
    counts = clock.step("counts", suppression_counts, std, matches, status)
    calls = clock.step("worklist: bounced, call", bounced_with_phone, table, golden)
    profile = clock.step("worklist: profile", profile_completion, golden, table, rules.profile_fields)
    stale = clock.step("worklist: unconfirmed", unconfirmed, golden, records, table, today, rules.unconfirmed_months)
    clock.report()
    print(
        f"  {len(golden):,} persons, {len(records):,} records, {len(suppressions):,} suppressions → "
        f"{len(table):,} rows; matched rows {int(counts['matched'].sum()):,}, "
        f"not customers {int(counts['not_a_customer'].sum()):,}, no identifier {int(counts['no_identifier'].sum()):,}"
    )
    shares = contactable_shares(table)
    print("  contactable: " + ", ".join(f"{c} {v:.1%}" for c, v in shares.items()))
    print(f"  worklists: bounced+phone {len(calls):,}, profile completion {len(profile):,}, unconfirmed {len(stale):,}")
    return table


def _prefix(values: pd.Series, prefix: np.ndarray) -> pd.Series:
    return (prefix + values.astype(object)).where(values.notna(), None)


def _shift_phone(values: pd.Series, shift: np.ndarray) -> pd.Series:
    """The number with its last two digits moved by `shift` (keeps its length and prefix)."""
    text = values.astype("string")
    last = pd.to_numeric(text.str.slice(-2), errors="coerce")
    moved = text.str.slice(0, -2) + ((last + shift) % 100).astype("Int64").astype("string").str.zfill(2)
    return moved.where(last.notna(), text).astype(object).where(values.notna(), None)


def tile(golden, records, suppressions, persons: int, target_suppressions: int):
    copies = math.ceil(persons / len(golden))
    g = pd.concat([golden] * copies, ignore_index=True).iloc[:persons].copy()
    copy_g = np.repeat(np.arange(copies), len(golden))[:persons]
    r = pd.concat([records] * copies, ignore_index=True)
    copy_r = np.repeat(np.arange(copies), len(records))

    def tag(copy: np.ndarray) -> np.ndarray:
        return np.where(copy > 0, "t" + copy.astype(str), "").astype(object)

    g["person_id"] = g["person_id"].astype(object) + "-" + copy_g.astype(str)
    r["person_id"] = r["person_id"].astype(object) + "-" + copy_r.astype(str)
    r["record_key"] = r["record_key"].astype(object) + "-" + copy_r.astype(str)
    keep = r["person_id"].isin(g["person_id"]).to_numpy()  # the last copy is cut at --persons
    r, copy_r = r[keep].reset_index(drop=True), copy_r[keep]
    for frame, copy in ((g, copy_g), (r, copy_r)):
        for col in ("email", "email_std", "email_key"):
            if col in frame.columns:
                frame[col] = _prefix(frame[col], tag(copy))
        for col in ("phone", "phone_std"):
            if col in frame.columns:
                frame[col] = _shift_phone(frame[col], copy)
        for col in ("address_key", "building_key"):
            if col in frame.columns:
                frame[col] = (frame[col].astype(object) + np.where(copy > 0, "#" + copy.astype(str), "")).where(
                    frame[col].notna(), None
                )
    g = g.drop(columns=[c for c in ("emails", "phones") if c in g.columns])  # not read by stage 06

    by_contact = suppressions[suppressions["email"].notna() | suppressions["phone"].notna()]
    other = suppressions.drop(by_contact.index)
    k = max(1, math.ceil((target_suppressions - len(other)) / max(len(by_contact), 1)))
    s = pd.concat([by_contact] * k, ignore_index=True)
    copy_s = np.repeat(np.arange(k), len(by_contact))
    s["email"] = _prefix(s["email"].str.strip(), tag(copy_s))
    s["phone"] = _shift_phone(s["phone"], copy_s)
    s["source_record_id"] = s["source_record_id"].astype(object) + "-" + copy_s.astype(str)
    s = pd.concat([s, other], ignore_index=True)
    return g, r, s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", nargs="?", type=Path, default=ROOT / "data" / "processed" / "latest")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--suppressions", type=int, default=40_000)
    parser.add_argument("--rules", type=Path, default=ROOT / "config" / "contactability.yaml")
    parser.add_argument("--reference-date", default="2026-11-15")
    args = parser.parse_args()
    today = date.fromisoformat(args.reference_date)
    rules = load_rules(args.rules)
    d = args.run_dir
    t = time.perf_counter()
    golden = pd.read_parquet(d / "golden_customers.parquet")
    records = person_records(pd.read_parquet(d / "clean_records.parquet"), pd.read_parquet(d / "record_links.parquet"))
    suppressions = pd.read_parquet(d / "suppressions.parquet")
    summary = pd.read_parquet(d / "source_summary.parquet")
    print(f"read {d} in {time.perf_counter() - t:.1f} s")
    run(f"run tables ({d.resolve().name})", golden, records, suppressions, summary, rules, today)

    if args.persons:
        t = time.perf_counter()
        g, r, s = tile(golden, records, suppressions, args.persons, args.suppressions)
        print(f"\nbuilt the synthetic input in {time.perf_counter() - t:.1f} s")
        run(f"synthetic: {len(g):,} persons", g, r, s, summary, rules, today)


if __name__ == "__main__":
    main()
