"""Stage 03 (matching) on generated data: accuracy against the truth, time per step, peak memory.

    .venv/bin/python bench/bench_match.py --persons 100000
    .venv/bin/python bench/bench_match.py --persons 1000000

The generated data and its clean records (stages 01–02 logic) are cached in --data (built once,
in a child process so that this process's peak memory is stage 03's own). Then the stage-03
steps run here exactly as the notebook runs them: prepare (matching table, backend), fit
(training + sanity guard), link (score, veto, cluster), person ids, review worklist.
Goals (issue 4): pairwise F1 ≥ 0.98 at 100,000 persons; at 1,000,000 persons the matching stage
under 4 minutes on 2 cores with peak memory under 8 GB.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = date(2026, 11, 15)


def build_clean(data: Path, persons: int, seed: int) -> None:
    """Generate (if needed) and run the stage 01–02 logic once; cache clean_records.parquet."""
    from helpers.clean.records import clean_people
    from helpers.generate import generate
    from helpers.ingest import ingest
    from helpers.registry import load_registry

    if not (data / "sources.yaml").exists():
        t = time.perf_counter()
        generate(persons, seed, data)
        print(f"generated {persons:,} persons in {time.perf_counter() - t:.0f} s → {data}")
    t = time.perf_counter()
    result = ingest(load_registry(data / "sources.yaml"))
    clean = clean_people(result.tables["people"], result.summary, REF).clean
    clean.to_parquet(data / "clean_records.parquet")
    print(f"stages 01–02 logic: {len(clean):,} clean records in {time.perf_counter() - t:.0f} s (cached)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--backend", default="duckdb")
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--review", type=float, default=0.5)
    parser.add_argument("--build-clean-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"clientela_bench_{args.persons}_{args.seed}"
    if args.build_clean_only:
        build_clean(data, args.persons, args.seed)
        return
    if not (data / "clean_records.parquet").exists():
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--persons",
                str(args.persons),
                "--seed",
                str(args.seed),
                "--data",
                str(data),
                "--build-clean-only",
            ],
            check=True,
        )

    import pandas as pd

    from helpers.match.evaluate import load_truth, pairwise_scores, threshold_curve
    from helpers.match.linking import review_worklist
    from helpers.match.model import load_spec
    from helpers.match.person_ids import assign_person_ids
    from helpers.match.stage import fit, link, prepare

    steps: dict[str, tuple[float, float]] = {}

    def step(name, fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        steps[name] = (time.perf_counter() - w, time.process_time() - c)
        print(f"  {name:<28} {steps[name][0]:7.1f} s wall {steps[name][1]:7.1f} s CPU", flush=True)
        return out

    clean = step("read clean records", lambda: pd.read_parquet(data / "clean_records.parquet"))
    print(f"{len(clean):,} clean records · backend {args.backend}")
    spec = load_spec(ROOT / "config" / "matching.yaml")
    prep = step("prepare (table, register)", lambda: prepare(clean, spec, args.backend))
    fitted = step("fit (train + guard)", lambda: fit(prep, spec, args.seed))
    linked = step("link (score, veto, cluster)", lambda: link(prep, fitted, spec, clean, args.threshold, args.review))
    ids = step("person ids", lambda: assign_person_ids(linked.links, "bench"))
    work = step("review worklist", lambda: review_worklist(linked.pairs, args.threshold, prep.table))
    total = sum(w for w, _ in steps.values()) - steps["read clean records"][0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"stage 03 logic: {total:.1f} s wall (without reading the input), peak RSS {peak:.2f} GB")
    print(
        f"pairs scored ≥ {args.review}: {len(linked.pairs):,}; vetoed {int(linked.pairs['vetoed'].sum()):,}; "
        f"review worklist {len(work):,}; persons {ids.counts['persons']:,}; EM blocks {fitted.em_blocks}"
    )

    truth = load_truth(data / "truth" / "records.csv")
    scores = pairwise_scores(linked.links, truth)
    print(
        f"pairwise precision {scores['precision']:.4f} recall {scores['recall']:.4f} F1 {scores['f1']:.4f} "
        f"({scores['records_evaluated']:,} records, {scores['true_pairs']:,} true pairs)"
    )
    curve = threshold_curve(prep.table["unique_id"], linked.pairs, truth, [0.5, 0.7, 0.8, 0.9, 0.95, 0.99])
    print(curve[["threshold", "precision", "recall", "f1"]].to_string(index=False))


if __name__ == "__main__":
    main()
