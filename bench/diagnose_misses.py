"""Why were true pairs missed? Classify the false negatives of a finished run.

    .venv/bin/python bench/diagnose_misses.py RUN_FOLDER TRUTH_CSV [--examples N] [--config config/matching.yaml]

RUN_FOLDER is `<processed_dir>/<run_id>` of a run that got through stage 03 (bench_foreign.py
leaves one per data set). TRUTH_CSV is the run's truth file (source, source_record_id,
person_truth_id). Evaluation only: the truth never reaches the model — it is used here after
the fact, to score every true pair with the run's own trained model (`matching_model.json`).

Every true pair whose records ended in different clusters is put in one class:

- `not blocked`: no blocking rule pairs the two records (then: would the model have linked them?);
- `vetoed`: scored at or above the threshold but kept apart by a veto;
- `scored low`: blocked, scored below the threshold (the comparisons that disagreed or were
  empty are counted, to see which fields carry the loss).

Prints the counts, the comparisons at each level among the missed pairs, and a few examples of
each class with the matching values side by side (personal data: run on benchmark files only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.match.features import CLEAN_COLUMNS  # noqa: E402
from helpers.match.linking import new_linker, quiet_splink, veto_condition  # noqa: E402
from helpers.match.model import load_spec, splink_blocking_rules  # noqa: E402
from helpers.match.stage import prepare  # noqa: E402


def true_pairs(keys: pd.DataFrame) -> pd.DataFrame:
    """Every pair of records of one true person (record keys, left < right)."""
    pairs = keys.merge(keys, on="person_truth_id", suffixes=("_l", "_r"))
    return pairs[pairs["record_key_l"] < pairs["record_key_r"]].reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--config", default=str(ROOT / "config" / "matching.yaml"))
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--csv", type=Path, default=None, help="write every missed pair with its class here")
    args = parser.parse_args()
    quiet_splink()

    clean = pd.read_parquet(args.run / "clean_records.parquet", columns=CLEAN_COLUMNS)
    links = pd.read_parquet(args.run / "record_links.parquet", columns=["record_key", "cluster_id"])
    model = json.loads((args.run / "matching_model.json").read_text())
    truth = pd.read_csv(args.truth, dtype=str)
    truth["record_key"] = truth["source"] + ":" + truth["source_record_id"]
    known = truth[truth["record_key"].isin(set(links["record_key"]))]
    print(f"truth records {len(truth):,}; in the clean records {len(known):,}")

    pairs = true_pairs(known[["record_key", "person_truth_id"]])
    cluster = links.set_index("record_key")["cluster_id"]
    missed = pairs[
        cluster.reindex(pairs["record_key_l"]).to_numpy() != cluster.reindex(pairs["record_key_r"]).to_numpy()
    ]
    print(f"true pairs {len(pairs):,}; missed {len(missed):,} ({len(missed) / max(len(pairs), 1):.1%})")

    spec = load_spec(args.config)
    prep = prepare(clean, spec, "duckdb")
    table = prep.table
    # Blocked by the run's rules? One join per rule, restricted to the missed pairs.
    key = missed.assign(k=missed["record_key_l"] + "|" + missed["record_key_r"])
    blocked = set()
    for rule in prep.resolved.blocking_rules:
        for _, sql in splink_blocking_rules(rule):
            if not isinstance(sql, str):
                sql = sql.get_blocking_rule("duckdb").blocking_rule_sql
            import duckdb

            con = duckdb.connect()
            con.register("t", table)
            con.register("m", key[["record_key_l", "record_key_r"]])
            hit = con.execute(
                f"""select m.record_key_l, m.record_key_r from m join t l on l.unique_id = m.record_key_l
                    join t r on r.unique_id = m.record_key_r where {sql}
                    union all
                    select m.record_key_l, m.record_key_r from m join t l on l.unique_id = m.record_key_r
                    join t r on r.unique_id = m.record_key_l where {sql}"""
            ).df()
            blocked |= set(hit["record_key_l"] + "|" + hit["record_key_r"])
    key["blocked"] = key["k"].isin(blocked)

    # Score every missed pair with the run's model, blocking on the truth (diagnosis only).
    tagged = table.merge(
        known[["record_key", "person_truth_id"]].rename(columns={"record_key": "unique_id"}), on="unique_id"
    )
    db = prep.db_api
    recs = db.register(tagged[["unique_id", "source", "person_truth_id", *prep.present]], dataset_display_name="diag")
    scoring = dict(model)
    scoring["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": "l.person_truth_id = r.person_truth_id", "sql_dialect": "duckdb"}
    ]
    scoring["additional_columns_to_retain"] = ["source"]
    linker = new_linker(recs, scoring)
    for col, lookup in prep.frequencies.items():  # place frequencies counted within a country, as stage 03 does
        linker.table_management.register_term_frequency_lookup(
            db.register(lookup, dataset_display_name=f"tf_{col}"), col
        )
    preds = linker.inference.predict(warning_mode="never")
    veto = veto_condition(model, spec.vetoes)
    scored = linker.misc.query_sql(f"select *, ({veto}) as vetoed from {preds.physical_name}", output_type="pandas")
    lo = scored[["unique_id_l", "unique_id_r"]].min(axis=1)
    hi = scored[["unique_id_l", "unique_id_r"]].max(axis=1)
    scored["k"] = lo + "|" + hi
    key = key.merge(scored, on="k", how="left", suffixes=("", "_s"))
    comps = [c["output_column_name"] for c in model["comparisons"]]

    def classify(row: pd.Series) -> str:
        if not row["blocked"]:
            return (
                "not blocked, would link"
                if row["match_probability"] >= args.threshold and not row["vetoed"]
                else "not blocked, scores low"
            )
        if row["vetoed"] and row["match_probability"] >= args.threshold:
            return "vetoed"
        if row["match_probability"] >= args.threshold:
            return "linked pairwise but split (review decision?)"
        return "blocked, scores low"

    key["class"] = key.apply(classify, axis=1)
    print("\nclass of missed pairs:")
    print(key["class"].value_counts().to_string())
    low = key[key["class"].str.contains("low")]
    print(
        "\namong pairs scoring low: share of pairs where each comparison is empty (-1) / disagrees completely (0) / agrees at its top level"
    )
    rows = []
    for c in comps:
        g = low[f"gamma_{c}"]
        rows.append(
            {
                "comparison": c,
                "empty": (g == -1).mean(),
                "else": (g == 0).mean(),
                "mean mw": low[f"bf_{c}"].pipe(lambda s: s).mean() if f"bf_{c}" in low else None,
            }
        )
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print("\nlevel label counts among pairs scoring low, per comparison:")
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        levels = comp["comparison_levels"]
        labels = {}
        n = len([lv for lv in levels if not lv.get("is_null_level")])
        idx = 0
        for lv in levels:
            if lv.get("is_null_level"):
                labels.setdefault(-1, lv.get("label_for_charts", "null"))
            else:
                labels[n - 1 - idx] = lv.get("label_for_charts", lv["sql_condition"])
                idx += 1
        vc = low[f"gamma_{name}"].map(labels).value_counts()
        print(f"  {name}: " + "; ".join(f"{k} {v}" for k, v in vc.items()))
    show = [
        c
        for c in [
            "first_name_key",
            "last_name_key",
            "date_of_birth",
            "email_key",
            "phone",
            "national_id",
            "postcode",
            "city",
            "job_title",
            "company",
        ]
        if c in prep.present
    ]
    vals = table.set_index("unique_id")[show]
    for cls, group in key.groupby("class"):
        print(f"\n== {cls}: {len(group)} (examples)")
        for _, row in group.sort_values("match_probability").head(args.examples).iterrows():
            a, b = vals.loc[row["record_key_l"]], vals.loc[row["record_key_r"]]
            print(f"  p={row['match_probability']:.3f} mw={row['match_weight']:.1f}")
            print("    " + " | ".join(f"{c}={a[c]}" for c in show))
            print("    " + " | ".join(f"{c}={b[c]}" for c in show))
    if args.csv:
        key.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
