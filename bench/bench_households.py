"""Stage 05 logic on a finished run folder: address moves, households, household accuracy.

    python bench/bench_households.py --run /tmp/r1m/processed/latest \
        --truth /tmp/clientela_match_1m/truth/records.csv --reference-date 2026-11-15

Reads the stage 04 table (golden_records.parquet, or golden_customers.parquet of older runs)
and prints wall and CPU seconds per step, the counts, and pairwise household scores.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import pandas as pd

from helpers.household.rules import load_rules
from helpers.household.stage import build_households, household_scores, move_people, person_places

ROOT = Path(__file__).resolve().parents[1]


def step(label: str, started: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    print(f"{label:<28} {wall - started[0]:7.1f} s wall {cpu - started[1]:7.1f} s CPU", flush=True)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, type=Path)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--rules", type=Path, default=ROOT / "config" / "households.yaml")
    ap.add_argument("--reference-date", default="2026-11-15")
    args = ap.parse_args()
    run = args.run
    t = (time.perf_counter(), time.process_time())
    golden_file = run / "golden_records.parquet"
    golden = pd.read_parquet(golden_file if golden_file.exists() else run / "golden_customers.parquet")
    golden = golden.drop(columns=["household_id", "address_since"], errors="ignore")
    clean = pd.read_parquet(run / "clean_records.parquet")
    links = pd.read_parquet(run / "record_links.parquet")
    changes = pd.read_parquet(run / "address_changes.parquet")
    sources = pd.read_parquet(run / "source_summary.parquet")
    t = step(f"read ({len(golden):,} persons)", t)
    rules = load_rules(args.rules)
    moved, people = move_people(golden, clean, changes, sources, rules, date.fromisoformat(args.reference_date))
    t = step(f"moves ({len(changes):,} requests)", t)
    people["places"] = person_places(clean, links, moved.golden).to_numpy()
    t = step("places", t)
    result = build_households(moved.golden, people, rules, "bench", "/nonexistent")
    t = step(f"households ({len(result.households):,})", t)
    print("moves:", moved.counts)
    print("households:", result.counts)
    if args.truth:
        scores = household_scores(links, result.members, args.truth)
        t = step("evaluation", t)
        for view, s in scores.items():
            print(f"{view:<8} P {s['precision']:.4f} R {s['recall']:.4f} F1 {s['f1']:.4f}")


if __name__ == "__main__":
    main()
