"""`segments.parquet`: one row per person with every metric and segment column.

Columns, in order: person_id; lifecycle and rfm_segment; the scores (r_score, f_score,
m_score, fm_score, rfm_cell); the purchase metrics (see `metrics`); the profile segments (see
`profile_segments`); interests and interest_<name> flags. Amounts are in the run's reporting
currency (config/segments.yaml).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from helpers.segment.config import SegmentConfig
from helpers.segment.lifecycle import STAGES, lifecycle_stage
from helpers.segment.metrics import complaint_counts, customer_metrics
from helpers.segment.profile_segments import PROFILE_COLUMNS, profile_segments
from helpers.segment.rfm import SCORE_COLUMNS, named_segments, rfm_scores


def linked_purchases(prepared: pd.DataFrame) -> pd.DataFrame:
    """The prepared transactions that count for a person: usable and linked."""
    keep = prepared["usable"].to_numpy(bool) & prepared["link_status"].eq("linked").fillna(False).to_numpy(bool)
    return prepared[keep]


def segment_table(
    golden: pd.DataFrame,
    prepared: pd.DataFrame,
    interactions: pd.DataFrame | None,
    config: SegmentConfig,
    reference_date: date,
) -> pd.DataFrame:
    """Build segments.parquet from golden customers, prepared transactions and linked interactions."""
    complaints = complaint_counts(interactions, config.complaint_types) if interactions is not None else None
    persons = golden[["person_id", "first_seen"]] if "first_seen" in golden.columns else golden[["person_id"]]
    metrics = customer_metrics(persons, linked_purchases(prepared), reference_date, config.windows, complaints)
    scores = rfm_scores(metrics)
    out = pd.DataFrame({"person_id": metrics["person_id"]})
    out["lifecycle"] = lifecycle_stage(metrics, config.lifecycle)
    out["rfm_segment"] = named_segments(scores, config.rfm_segments)
    out = pd.concat([out, scores[[*SCORE_COLUMNS, "rfm_cell"]], metrics.drop(columns="person_id")], axis=1)
    profile = profile_segments(golden, config)
    return out.merge(profile, on="person_id", how="left", validate="one_to_one")


def segment_sizes(segments: pd.DataFrame, rfm_names: list[str] | None = None) -> pd.DataFrame:
    """Long table (dimension, segment, persons, share) for lifecycle, RFM and profile segments.

    Counts only: fit for the shareable report and the run manifest.
    """
    parts = []
    dims = {
        "lifecycle": STAGES,
        "rfm_segment": rfm_names,
        **{c: None for c in PROFILE_COLUMNS if c != "referral_source"},
    }
    for dim, order in dims.items():
        counts = (
            segments[dim].astype("string").fillna("(not scored)" if dim == "rfm_segment" else "unknown").value_counts()
        )
        if order:
            counts = counts.reindex([*order, *[k for k in counts.index if k not in order]], fill_value=0)
        parts.append(pd.DataFrame({"dimension": dim, "segment": counts.index, "persons": counts.to_numpy()}))
    interest_cols = [c for c in segments.columns if c.startswith("interest_")]
    if interest_cols:
        held = segments[interest_cols].sum().sort_values(ascending=False)
        parts.append(
            pd.DataFrame(
                {
                    "dimension": "interest",
                    "segment": [c[len("interest_") :] for c in held.index],
                    "persons": held.to_numpy(),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["persons"] = out["persons"].astype("int64")
    out["share"] = out["persons"] / max(len(segments), 1)
    return out
