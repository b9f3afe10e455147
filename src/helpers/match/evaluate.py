"""Accuracy of the clusters against a ground truth, when one exists (demo data, benchmarks).

The pairwise measures and the truth file are `helpers.evaluation` (shared with stage 05's
household scores); this module adds what only matching has: the precision/recall curve over
match-probability thresholds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from helpers.evaluation import TRUTH_COLUMNS, TruthError, load_truth, pair_counts, pairwise_scores, scores_from_counts

__all__ = ["TRUTH_COLUMNS", "TruthError", "load_truth", "pairwise_scores", "threshold_curve"]


def threshold_curve(
    record_ids: pd.Series, pairs: pd.DataFrame, truth: pd.DataFrame, thresholds: list[float] | None = None
) -> pd.DataFrame:
    """Precision, recall and F1 if the clusters had been cut at each threshold (vetoes applied).

    Records and persons are integer-coded once; each threshold is then one sparse
    connected-components pass and three `np.unique` counts (a million records: about a second).
    """
    if thresholds is None:
        thresholds = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]
    ids = pd.Index(record_ids.astype(str).unique())
    usable = pairs.loc[~pairs["vetoed"]]
    left = ids.get_indexer(usable["unique_id_l"].astype(str))
    right = ids.get_indexer(usable["unique_id_r"].astype(str))
    prob = usable["match_probability"].to_numpy()
    person_codes = pd.Series(pd.factorize(truth["person_truth_id"])[0], index=truth["record_key"].to_numpy())
    person = person_codes.reindex(ids).to_numpy()
    known = ~np.isnan(person)
    person = person[known].astype(np.int64)
    rows = []
    for t in thresholds:
        keep = prob >= t
        graph = coo_matrix(
            (np.ones(int(keep.sum()), dtype=np.int8), (left[keep], right[keep])), shape=(len(ids), len(ids))
        )
        _, labels = connected_components(graph, directed=False)
        correct, predicted, actual = pair_counts(labels[known], person)
        rows.append({"threshold": t, **scores_from_counts(int(known.sum()), correct, predicted, actual)})
    return pd.DataFrame(rows)
