"""Accuracy of the clusters against a ground truth, when one exists (demo data, benchmarks).

Pairwise measures, the standard for record linkage: every pair of records placed in one
cluster is a predicted match; precision is the share of those that are truly one person,
recall the share of true pairs that were found. Counted from cluster sizes, never by listing
pairs, so a million records cost a group-by.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

TRUTH_COLUMNS = ["source", "source_record_id", "person_truth_id"]


class TruthError(ValueError):
    pass


def load_truth(path: str | Path) -> pd.DataFrame:
    """The truth file → record_key, person_truth_id. It is used for evaluation only."""
    path = Path(path)
    if not path.exists():
        raise TruthError(f"truth_path {path} does not exist; give a CSV with columns {', '.join(TRUTH_COLUMNS)} or null")
    truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise TruthError(f"{path}: truth file lacks column(s) {', '.join(missing)}; it needs {', '.join(TRUTH_COLUMNS)}")
    return pd.DataFrame(
        {"record_key": truth["source"] + ":" + truth["source_record_id"], "person_truth_id": truth["person_truth_id"]}
    ).drop_duplicates("record_key")


def _pairs(sizes: pd.Series) -> int:
    s = sizes.to_numpy(dtype="int64")
    return int((s * (s - 1) // 2).sum())


def pairwise_scores(links: pd.DataFrame, truth: pd.DataFrame, cluster_column: str = "cluster_id") -> dict[str, float]:
    """Precision, recall and F1 of clusters (record_key → cluster) over the records the truth knows."""
    m = links[["record_key", cluster_column]].merge(truth, on="record_key", how="inner")
    true_positive = _pairs(m.groupby([cluster_column, "person_truth_id"]).size())
    predicted = _pairs(m.groupby(cluster_column).size())
    actual = _pairs(m.groupby("person_truth_id").size())
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records_evaluated": int(len(m)),
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "correct_pairs": true_positive,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
    }


def components(record_ids: pd.Series, edges: pd.DataFrame) -> pd.DataFrame:
    """Connected components of the records under the given edges (unique_id_l, unique_id_r)."""
    ids = pd.Index(record_ids.astype(str).unique())
    left = ids.get_indexer(edges["unique_id_l"].astype(str))
    right = ids.get_indexer(edges["unique_id_r"].astype(str))
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    return pd.DataFrame({"record_key": ids, "component": labels})


def threshold_curve(
    record_ids: pd.Series, pairs: pd.DataFrame, truth: pd.DataFrame, thresholds: list[float] | None = None
) -> pd.DataFrame:
    """Precision, recall and F1 if the clusters had been cut at each threshold (vetoes applied)."""
    if thresholds is None:
        thresholds = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]
    rows = []
    usable = pairs.loc[~pairs["vetoed"]]
    for t in thresholds:
        comp = components(record_ids, usable.loc[usable["match_probability"] >= t])
        rows.append({"threshold": t, **pairwise_scores(comp, truth, "component")})
    return pd.DataFrame(rows)
