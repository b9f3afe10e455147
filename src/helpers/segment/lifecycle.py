"""Lifecycle stage of every known person, from purchase history and configured thresholds.

The stages, decided in this order (the first that applies wins), thresholds from
config/segments.yaml (`lifecycle:`):

1. `prospect`: known (a golden customer) but never bought;
2. `inactive`: last purchase more than `inactive_after_days` ago;
3. `lapsed`: last purchase more than `lapsed_after_days` ago;
4. `new_customer`: first purchase at most `new_customer_days` ago, or only one purchase so far
   (a single buyer who has not lapsed is still being won, whatever the date);
5. `loyal`: at least `loyal_min_orders` purchases;
6. `repeat`: at least `repeat_min_orders` purchases.

"More than N days ago" is strict: a purchase exactly N days before the reference date does not
lapse a customer. Inactivity and lapsing come first on purpose: a once-loyal customer who has
stopped buying is the win-back audience, not a loyal one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.segment.config import Lifecycle

STAGES = ["prospect", "new_customer", "repeat", "loyal", "lapsed", "inactive"]


def lifecycle_stage(metrics: pd.DataFrame, rules: Lifecycle) -> pd.Series:
    """One stage per row of `metrics` (needs frequency, recency_days, days_since_first_purchase)."""
    freq = metrics["frequency"].to_numpy(dtype="int64")
    recency = metrics["recency_days"].to_numpy(dtype="float64", na_value=np.nan)
    since_first = metrics["days_since_first_purchase"].to_numpy(dtype="float64", na_value=np.nan)
    conditions = [
        freq == 0,
        recency > rules.inactive_after_days,
        recency > rules.lapsed_after_days,
        (since_first <= rules.new_customer_days) | (freq < rules.repeat_min_orders),
        freq >= rules.loyal_min_orders,
        freq >= rules.repeat_min_orders,
    ]
    choices = ["prospect", "inactive", "lapsed", "new_customer", "loyal", "repeat"]
    stage = np.select(conditions, choices, default="repeat")  # every buyer meets a condition above
    return pd.Series(stage, index=metrics.index, name="lifecycle", dtype="string")
