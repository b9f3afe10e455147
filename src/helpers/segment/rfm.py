"""RFM: recency, frequency and monetary scores 1..5 by quintile, and the named segments.

Only customers who bought are scored; prospects have no scores and no RFM segment.

Quintiles with ties: real data is tie-heavy (most customers bought once), and the usual
`qcut(rank(method='first'))` gives two customers with the same history different scores,
depending on row order. Here a value's position is its mid-rank percentile

    p = (customers below + half the customers equal to it) / customers scored

and its score is 1 + floor(5 p). Equal values always share a score, the result does not depend
on row order, five distinct values score 1..5, and a lone customer scores 3 (the middle) rather
than being called the best or the worst of a population of one. The price: when one value
covers more than a fifth of the customers, some scores are not used (with 60% single-order
customers, they all score F=2 and nobody scores F=1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.segment.config import SegmentRule

SCORE_COLUMNS = ["r_score", "f_score", "m_score", "fm_score"]


def quintile_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Scores 1..5 (Int64, same index; <NA> where the value is missing), 5 = best."""
    v = values.astype("float64")
    if not higher_is_better:
        v = -v
    known = v.notna().to_numpy()
    out = pd.array(np.zeros(len(v), dtype="int64"), dtype="Int64")
    out[~known] = pd.NA
    n = int(known.sum())
    if n:
        present = v[known]
        low = present.rank(method="min").to_numpy()
        high = present.rank(method="max").to_numpy()
        p = (low + high - 1) / (2 * n)
        out[known] = np.minimum(np.floor(5 * p).astype("int64") + 1, 5)
    return pd.Series(out, index=values.index, name=values.name)


def rfm_scores(metrics: pd.DataFrame) -> pd.DataFrame:
    """r_score, f_score, m_score, fm_score and rfm_cell ('545') for buyers (frequency > 0)."""
    buyer = metrics["frequency"].to_numpy() > 0
    recency = metrics["recency_days"].astype("float64").where(buyer)
    out = pd.DataFrame(index=metrics.index)
    out["r_score"] = quintile_scores(recency, higher_is_better=False)
    out["f_score"] = quintile_scores(metrics["frequency"].astype("float64").where(buyer))
    out["m_score"] = quintile_scores(metrics["monetary"].astype("float64").where(buyer))
    out["fm_score"] = ((out["f_score"] + out["m_score"] + 1) // 2).astype("Int64")
    cell = out["r_score"].astype("string") + out["f_score"].astype("string") + out["m_score"].astype("string")
    out["rfm_cell"] = cell
    return out


def named_segments(scores: pd.DataFrame, rules: tuple[SegmentRule, ...] | list[SegmentRule]) -> pd.Series:
    """The first rule each scored customer falls in (string; <NA> for the unscored).

    A loop over the rules (a dozen), each a vectorised range test over every customer.
    """
    names = pd.Series(pd.NA, index=scores.index, dtype="string")
    open_ = scores["r_score"].notna().to_numpy(copy=True)  # updated below (read-only view under CoW)
    columns = {"r": "r_score", "f": "f_score", "m": "m_score", "fm": "fm_score"}
    for rule in rules:
        hit = open_.copy()
        for key, (lo, hi) in rule.ranges.items():
            s = scores[columns[key]].to_numpy(dtype="float64", na_value=np.nan)
            hit &= (s >= lo) & (s <= hi)
        names[hit] = rule.name
        open_ &= ~hit
    return names.rename("rfm_segment")
