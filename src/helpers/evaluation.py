"""Accuracy of groupings against a ground truth, when one exists (demo data, benchmarks).

Pairwise measures, the standard for record linkage: every pair of records placed in one
cluster is a predicted match; precision is the share of those that are truly one person,
recall the share of true pairs that were found. Counted from cluster sizes, never by listing
pairs, so a million records cost a group-by.

Shared by stage 03 (persons, `helpers.match.evaluate` adds the threshold curve) and stage 05
(households, scored against the truth file's `household_truth_id`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TRUTH_COLUMNS = ["source", "source_record_id", "person_truth_id"]


class TruthError(ValueError):
    pass


def load_truth(path: str | Path, column: str = "person_truth_id") -> pd.DataFrame:
    """The truth file → record_key, person_truth_id (taken from `column`, e.g. the
    household_truth_id for households). It is used for evaluation only."""
    path = Path(path)
    if not path.exists():
        raise TruthError(
            f"truth_path {path} does not exist; give a CSV with columns {', '.join(TRUTH_COLUMNS)} or null"
        )
    truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = [*TRUTH_COLUMNS[:2], column]
    missing = [c for c in needed if c not in truth.columns]
    if missing:
        raise TruthError(f"{path}: truth file lacks column(s) {', '.join(missing)}; it needs {', '.join(needed)}")
    return pd.DataFrame(
        {"record_key": truth["source"] + ":" + truth["source_record_id"], "person_truth_id": truth[column]}
    ).drop_duplicates("record_key")


def pairwise_scores(links: pd.DataFrame, truth: pd.DataFrame, cluster_column: str = "cluster_id") -> dict[str, float]:
    """Precision, recall and F1 of clusters (record_key → cluster) over the records the truth knows."""
    person_codes = pd.Series(pd.factorize(truth["person_truth_id"])[0], index=truth["record_key"].to_numpy())
    person = person_codes.reindex(links["record_key"].to_numpy()).to_numpy()
    known = ~np.isnan(person)
    cluster = pd.factorize(links[cluster_column])[0][known]
    correct, predicted, actual = pair_counts(cluster, person[known].astype(np.int64))
    return scores_from_counts(int(known.sum()), correct, predicted, actual)


def scores_from_counts(records: int, correct: int, predicted: int, actual: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 1.0
    recall = correct / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records_evaluated": records,
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "correct_pairs": correct,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
    }


def pair_counts(cluster: np.ndarray, person: np.ndarray) -> tuple[int, int, int]:
    """(correct, predicted, actual) pair counts from integer cluster and person labels."""

    def pairs(keys: np.ndarray) -> int:
        _, counts = np.unique(keys, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    joint = cluster.astype(np.int64) * (int(person.max()) + 1 if len(person) else 1) + person
    return pairs(joint), pairs(cluster), pairs(person)
