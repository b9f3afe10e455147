"""Stage 03 alone on the clean records of an earlier run, for fast iteration on the matching model.

    .venv/bin/python bench/rematch.py RUN_FOLDER TRUTH_CSV [--out DIR]

Calls the same prepare → fit → link as notebook 03 with the shipped configuration and run
defaults (threshold 0.9, review 0.5, seed 42), prints pairwise P/R/F1 against the truth, and
writes `record_links.parquet`, `matching_model.json` and a copy of `clean_records.parquet` to
DIR (default RUN_FOLDER/../rematch) so that `diagnose_misses.py DIR TRUTH` can explain the misses.
Final figures come from bench_foreign.py (a full `clientela run`); this is for iterating.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.match.evaluate import load_truth, pairwise_scores  # noqa: E402
from helpers.match.features import CLEAN_COLUMNS  # noqa: E402
from helpers.match.model import load_spec  # noqa: E402
from helpers.match.stage import fit, link, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--config", default=str(ROOT / "config" / "matching.yaml"))
    args = parser.parse_args()
    out = args.out or args.run.parent / "rematch"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    clean = pd.read_parquet(args.run / "clean_records.parquet", columns=CLEAN_COLUMNS)
    spec = load_spec(args.config)
    prep = prepare(clean, spec, "duckdb")
    fitted = fit(prep, spec, 42)
    linked = link(prep, fitted, spec, clean, 0.9, 0.5)
    scores = pairwise_scores(linked.links, load_truth(args.truth))
    print(
        f"{args.run}: records {scores['records_evaluated']}  P {scores['precision']:.4f}  R {scores['recall']:.4f}  "
        f"F1 {scores['f1']:.4f}  {time.perf_counter() - started:.0f} s"
    )
    print("  EM:", fitted.em_blocks, "| default m:", fitted.default_m, "| prior:", fitted.prior)
    linked.links.to_parquet(out / "record_links.parquet", index=False)
    linked.pairs.to_parquet(out / "match_pairs.parquet", index=False)
    (out / "matching_model.json").write_text(json.dumps(fitted.model))
    if (out / "clean_records.parquet").resolve() != (args.run / "clean_records.parquet").resolve():
        shutil.copy(args.run / "clean_records.parquet", out / "clean_records.parquet")


if __name__ == "__main__":
    main()
