"""Profile segments from the golden records: interests, referral source, device, age band,
gender and region.

Every segment column names its missing values 'unknown' rather than leaving them empty, so that
segment sizes add up to the number of customers and an analyst's `WHERE device <> 'mobile'`
does not silently drop the people whose device is unknown.

Interests arrive as a delimited list ('running;yoga'). They become a sorted list column
`interests` (DuckDB: `list_contains(interests, 'yoga')`) and, for the most common ones, a
boolean column each (`interest_yoga`), which reads better in a list's WHERE.
"""

from __future__ import annotations

import pandas as pd

from helpers.golden.survivorship import distinct_lists
from helpers.segment.config import SegmentConfig

UNKNOWN = "unknown"
MAX_INTEREST_COLUMNS = 50  # free-text interests could have thousands: only the commonest get a column
PROFILE_COLUMNS = ["gender", "age_band", "country", "region", "device", "referral_source", "referral_group"]


def _label(values: pd.Series) -> pd.Series:
    """Trimmed text, 'unknown' when missing or blank."""
    text = values.astype("string").str.strip()
    return text.mask(text.isna() | text.eq(""), UNKNOWN)


def interest_key(values: pd.Series) -> pd.Series:
    """An interest as a safe, comparable name: 'Trail Running' -> 'trail_running'."""
    key = values.astype("string").str.strip().str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")
    return key.replace("", pd.NA)


def split_interests(person_ids: pd.Series, interests: pd.Series) -> pd.DataFrame:
    """Long table (person_id, interest): one row per distinct interest a person gave."""
    parts = interests.astype("string").str.split(r"\s*[;,|/]\s*", regex=True)
    long = pd.DataFrame({"person_id": person_ids.to_numpy(), "interest": parts.to_numpy()}).explode("interest")
    long["interest"] = interest_key(long["interest"]).to_numpy()
    return long.dropna().drop_duplicates().reset_index(drop=True)


def profile_segments(golden: pd.DataFrame, config: SegmentConfig) -> pd.DataFrame:
    """One row per golden person: the profile segment columns, the interests list and flags."""
    g = golden
    out = pd.DataFrame({"person_id": g["person_id"].to_numpy()})
    out["gender"] = _label(g["gender"].astype("string").str.upper()).to_numpy()
    out["age_band"] = _label(g["age_band"].astype("string")).to_numpy()
    out["country"] = _label(g["country"].astype("string").str.upper()).to_numpy()
    out["region"] = _label(g["region"].astype("string").str.upper()).to_numpy()  # spelled in any case upstream
    out["device"] = _label(g["device"].astype("string").str.lower()).to_numpy()
    referral = _label(g["referral_source"])
    out["referral_source"] = referral.to_numpy()
    listed = referral.str.lower().isin([r.lower() for r in config.referral_sources]) | referral.eq(UNKNOWN)
    out["referral_group"] = referral.str.lower().where(listed, config.unlisted_referral).to_numpy()

    long = split_interests(g["person_id"], g["interests"])
    lists = distinct_lists(long["person_id"], long["interest"], "interests").set_index("person_id")["interests"]
    held = lists.reindex(out["person_id"])
    out["interests"] = held.where(held.notna(), None).to_numpy()
    top = long["interest"].value_counts().sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    flags = {}
    for name in sorted(top.index[:MAX_INTEREST_COLUMNS]):  # a loop over interest names, not rows
        holders = long.loc[long["interest"].eq(name).to_numpy(), "person_id"]
        flags[f"interest_{name}"] = out["person_id"].isin(holders).to_numpy()
    return pd.concat([out, pd.DataFrame(flags, index=out.index)], axis=1)
