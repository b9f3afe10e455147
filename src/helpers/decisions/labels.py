"""How good the matching is, estimated from the pairs people reviewed (no truth file needed).

Reviewed pairs are labels: `same` or `different`. They are not a random sample of all pairs —
the worklist holds the doubtful band, vetoed pairs and a few spot checks of linked pairs — so
the labels are used **stratified by score**: the scored pairs are cut into bands (and linked /
not linked); in each band the share of `same` among its labelled pairs estimates the share of
true matches among all its pairs. Then, over the pairs scored at least `review_threshold`:

- precision ≈ Σ over linked bands (pairs × share same) / linked pairs;
- recall ≈ the same sum / Σ over all bands (pairs × share same).

A band without labels takes the model's own mean probability (listed as such). Pair-level
figures, about the model's links before decisions; recall cannot see true matches that were
never scored (below review_threshold or not blocked), so it is an upper bound. Estimated only
with at least `MIN_LABELS` labels of both kinds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.decisions.resolve import Resolved, ordered_pairs

MIN_LABELS = 20
SPOT_CHECKS = 20  # linked pairs added to each review worklist, so reviews also measure the links
BANDS = [0.7, 0.8, 0.9, 0.99]  # inner edges of the score bands
BAND_NAMES = np.array(["< 0.7", "0.7–0.8", "0.8–0.9", "0.9–0.99", "≥ 0.99"], dtype=object)


def labelled_pairs(pairs: pd.DataFrame, resolved: Resolved) -> pd.Series:
    """Per scored pair: True (same), False (different) or NA (not reviewed)."""
    lo, hi = ordered_pairs(pairs["unique_id_l"], pairs["unique_id_r"])
    said = pd.concat([resolved.must.assign(label=True), resolved.cannot.assign(label=False)], ignore_index=True)
    if said.empty:
        return pd.Series(pd.NA, index=pairs.index, dtype="boolean")
    lookup = pd.Series(
        said["label"].to_numpy(dtype=bool), index=pd.MultiIndex.from_arrays([said["record_a"], said["record_b"]])
    )
    lookup = lookup[~lookup.index.duplicated(keep="last")]
    values = lookup.reindex(pd.MultiIndex.from_arrays([lo, hi])).to_numpy()
    return pd.Series(values, index=pairs.index, dtype="boolean")


def estimate_accuracy(pairs: pd.DataFrame, resolved: Resolved, threshold: float) -> tuple[dict | None, pd.DataFrame]:
    """(summary or None when too few labels, the table per band). See the module's docstring."""
    label = labelled_pairs(pairs, resolved)
    n_same = int(label.fillna(False).sum())
    n_diff = int((~label.fillna(True)).sum())
    linked = ((pairs["match_probability"] >= threshold) & ~pairs["vetoed"].astype(bool)).to_numpy()
    band = BAND_NAMES[np.searchsorted(BANDS, pairs["match_probability"].to_numpy(dtype="float64"), side="right")]
    frame = pd.DataFrame(
        {
            "band": band,
            "linked": linked,
            "label": label.reset_index(drop=True),
            "p": pairs["match_probability"].to_numpy(dtype="float64"),
        }
    )
    table = (
        frame.groupby(["band", "linked"], observed=True)
        .agg(
            pairs=("p", "size"),
            model_mean_probability=("p", "mean"),
            labelled=("label", "count"),
            said_same=("label", lambda s: int(s.fillna(False).sum())),
        )
        .reset_index()
    )
    table["share_same"] = np.where(
        table["labelled"] > 0, table["said_same"] / table["labelled"].clip(lower=1), table["model_mean_probability"]
    )
    table["from"] = np.where(table["labelled"] > 0, "labels", "model (no labels in band)")
    table["true_pairs_estimated"] = table["pairs"] * table["share_same"]
    if n_same + n_diff < MIN_LABELS or not n_same or not n_diff:
        return None, table
    tp = float(table.loc[table["linked"], "true_pairs_estimated"].sum())
    predicted = int(table.loc[table["linked"], "pairs"].sum())
    actual = float(table["true_pairs_estimated"].sum())
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    summary = {
        "labels": n_same + n_diff,
        "said_same": n_same,
        "said_different": n_diff,
        "precision_estimated": round(precision, 4),
        "recall_estimated": round(recall, 4),
        "f1_estimated": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "bands_without_labels": int((table["labelled"] == 0).sum()),
        "method": "pair-level, stratified by score band and link status; model probability where a band has no labels",
    }
    return summary, table


def label_threshold_curve(pairs: pd.DataFrame, resolved: Resolved, thresholds: list[float]) -> pd.DataFrame | None:
    """Estimated precision, recall and F1 if pairs were linked from each threshold: the threshold
    chart of a run without a truth file (None while there are too few labels).

    Pair-level, like `estimate_accuracy`, which it repeats per threshold: a band's share of
    `same` does not depend on the threshold, only which of its pairs count as linked."""
    rows = []
    for t in thresholds:
        summary, _ = estimate_accuracy(pairs, resolved, t)
        if summary is None:
            return None
        rows.append(
            {
                "threshold": t,
                "precision": summary["precision_estimated"],
                "recall": summary["recall_estimated"],
                "f1": summary["f1_estimated"],
            }
        )
    return pd.DataFrame(rows)
