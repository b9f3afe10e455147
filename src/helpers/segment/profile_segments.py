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

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.segment.config import SegmentConfig
from helpers.standardise.distinct import map_distinct

UNKNOWN = "unknown"
MAX_INTEREST_COLUMNS = 50  # free-text interests could have thousands: only the commonest get a column
PROFILE_COLUMNS = ["gender", "age_band", "country", "region", "device", "referral_source", "referral_group"]


def _labelled(how: str = "as_is"):
    """A per-distinct-value function: trimmed text (upper/lower case if asked), 'unknown' when
    missing or blank."""

    def label(values: pd.Series) -> pd.Series:
        text = values.astype("string").str.strip()
        text = text.str.upper() if how == "upper" else text.str.lower() if how == "lower" else text
        return text.mask(text.isna() | text.eq(""), UNKNOWN)

    return label


def interest_key(values: pd.Series) -> pd.Series:
    """An interest as a safe, comparable name: 'Trail Running' -> 'trail_running'."""
    key = values.astype("string").str.strip().str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")
    return key.mask(key.eq(""))


def split_interests(texts: pd.Series) -> pd.DataFrame:
    """Long table (row, interest): the distinct interests of each text, by position in `texts`."""
    parts = texts.astype("string").str.split(r"\s*[;,|/]\s*", regex=True)
    long = pd.DataFrame({"row": np.arange(len(texts)), "interest": parts.to_numpy()}).explode("interest")
    long["interest"] = interest_key(long["interest"]).to_numpy()
    return long.dropna().drop_duplicates().reset_index(drop=True)


def interest_columns(interests: pd.Series) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(the sorted interest list of each row or None, {interest_<name>: flags}) for the commonest.

    People share a few hundred spellings of their interest lists, not a million: the texts are
    split once per distinct spelling and the lists and flags spread back by integer codes.
    """
    codes, spellings = pd.factorize(interests)  # missing -> -1
    long = split_interests(pd.Series(np.asarray(spellings, dtype=object)))
    table = pa.table(
        {
            "row": pa.array(long["row"].to_numpy(), pa.int64()),
            "interest": pa.array(long["interest"].to_numpy(dtype=object), pa.string()),
        }
    )
    grouped = (
        table.sort_by([("row", "ascending"), ("interest", "ascending")])
        .group_by("row", use_threads=False)
        .aggregate([("interest", "distinct")])
    )
    lists = np.full(len(spellings) + 1, None, dtype=object)  # the last slot answers code -1
    rows = grouped["row"].to_numpy()
    lists[rows] = pd.Series(grouped["interest_distinct"].to_pylist(), dtype=object).to_numpy()
    names, name_code = (
        np.unique(long["interest"].to_numpy(dtype=object).astype(str), return_inverse=True)
        if len(long)
        else (np.array([], dtype=object), np.array([], dtype=np.int64))
    )
    matrix = np.zeros((len(spellings) + 1, len(names)), dtype=bool)
    matrix[long["row"].to_numpy(), name_code] = True
    per_spelling = np.bincount(codes[codes >= 0], minlength=len(spellings) + 1)
    holders = per_spelling @ matrix  # persons holding each interest, before spreading anything
    top = sorted(np.argsort(-holders, kind="stable")[:MAX_INTEREST_COLUMNS], key=lambda i: names[i])
    people = matrix[:, top][codes]  # code -1 takes the all-False last row
    return lists[codes], {f"interest_{names[i]}": people[:, k] for k, i in enumerate(top)}


def profile_segments(golden: pd.DataFrame, config: SegmentConfig) -> pd.DataFrame:
    """One row per golden person: the profile segment columns, the interests list and flags."""
    g = golden
    out = pd.DataFrame({"person_id": g["person_id"].to_numpy()})
    out["gender"] = map_distinct(g["gender"], _labelled("upper")).to_numpy()
    out["age_band"] = map_distinct(g["age_band"].astype(object), _labelled()).to_numpy()
    out["country"] = map_distinct(g["country"], _labelled("upper")).to_numpy()
    out["region"] = map_distinct(g["region"], _labelled("upper")).to_numpy()  # spelled in any case upstream
    out["device"] = map_distinct(g["device"], _labelled("lower")).to_numpy()
    out["referral_source"] = map_distinct(g["referral_source"], _labelled()).to_numpy()
    listed = {r.lower() for r in config.referral_sources} | {UNKNOWN}

    def group(values: pd.Series) -> pd.Series:
        low = values.astype("string").str.lower()
        return low.where(low.isin(listed), config.unlisted_referral)

    out["referral_group"] = map_distinct(out["referral_source"], group).to_numpy()
    lists, flags = interest_columns(g["interests"])
    out["interests"] = lists
    return pd.concat([out, pd.DataFrame(flags, index=out.index)], axis=1)
