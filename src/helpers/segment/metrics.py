"""Per-person purchase metrics: the numbers every segment is built from.

One row per known person (golden customers), buyers or not: a person who never bought is a
prospect with frequency 0, not a missing row. All sums are in the reporting currency.

Definitions (the stage report repeats them):

- an *order* is one `order_key` (source + transaction id); its amount is the sum of its rows,
  so a source that writes one row per line item still counts one purchase;
- `frequency`: orders with a positive amount; refunds (negative orders) are not purchases;
- `monetary`: the net sum of all the person's amounts (refunds reduce it);
- `avg_order_value`: positive order amounts / frequency;
- `first_purchase`, `last_purchase`, `recency_days`, `days_since_first_purchase`: over
  positive orders;
- `promo_share`: share of the person's orders bought on promotion;
- `tenure_days`: days since the person was first seen (golden first_seen) or first bought,
  whichever is earlier;
- `spend_<N>d`, `orders_<N>d`: net spend and orders in the last N days, the reference day
  included (an order N days before the reference date is outside);
- `complaints`: interactions of a complaint type;
- `favourite_category`: the product category of most orders (ties: alphabetical).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from helpers.standardise.dates import as_days


def orders(purchases: pd.DataFrame) -> pd.DataFrame:
    """One row per order: person_id, order_key, day (earliest), amount (sum), on_promotion (any),
    product_category (of its largest row). Rows must be usable and linked."""
    cols = ["person_id", "order_key", "purchased_on", "amount_reporting", "on_promotion", "product_category"]
    p = purchases[cols]
    if not p["order_key"].duplicated().any():  # the usual case: one row per order, nothing to group
        return p.rename(columns={"purchased_on": "day", "amount_reporting": "amount"}).reset_index(drop=True)
    biggest = p.sort_values(["order_key", "amount_reporting"], ascending=[True, False], kind="stable")
    category = biggest.drop_duplicates("order_key").set_index("order_key")["product_category"]
    grouped = p.groupby("order_key", sort=False).agg(
        person_id=("person_id", "first"),
        day=("purchased_on", "min"),
        amount=("amount_reporting", "sum"),
        on_promotion=("on_promotion", "max"),
    )
    grouped["product_category"] = category.reindex(grouped.index).to_numpy()
    return grouped.reset_index()[["person_id", "order_key", "day", "amount", "on_promotion", "product_category"]]


def customer_metrics(
    persons: pd.DataFrame,
    purchases: pd.DataFrame,
    reference_date: date,
    windows: tuple[int, ...] = (30, 90, 365),
    complaints: pd.Series | None = None,
) -> pd.DataFrame:
    """Metrics per person, in the order of `persons` (person_id, first_seen).

    `purchases`: prepared transactions that are usable and linked (person_id, order_key,
    purchased_on, amount_reporting, on_promotion, product_category). `complaints`: a count per
    person_id (missing persons have 0). Persons are integer-coded once; every aggregate is a
    group-by over integer codes.
    """
    ref = np.datetime64(reference_date, "D")
    people = pd.Index(persons["person_id"])
    if not people.is_unique:
        raise ValueError("persons: person_id must be unique")
    o = orders(purchases)
    code = people.get_indexer(o["person_id"])
    if (code < 0).any():
        raise ValueError(f"{int((code < 0).sum()):,} purchases belong to persons not in the golden table")
    day = o["day"].to_numpy(dtype="datetime64[D]")
    days_ago = (ref - day).astype("int64")
    amount = o["amount"].to_numpy(dtype="float64")
    positive = amount > 0
    frame = pd.DataFrame(
        {
            "code": code,
            "amount": amount,
            "bought": positive.astype("int64"),
            "gross": np.where(positive, amount, 0.0),
            "promo": (o["on_promotion"].to_numpy(dtype=bool) & positive).astype("int64"),
            "day": np.where(positive, day, np.datetime64("NaT")).astype("datetime64[s]"),
        }
    )
    for n in windows:
        recent = days_ago < n
        frame[f"spend_{n}d"] = np.where(recent, amount, 0.0)
        frame[f"orders_{n}d"] = (recent & positive).astype("int64")
    agg = (
        frame.groupby("code", sort=True)
        .agg(
            frequency=("bought", "sum"),
            monetary=("amount", "sum"),
            gross=("gross", "sum"),
            promo=("promo", "sum"),
            first_purchase=("day", "min"),
            last_purchase=("day", "max"),
            **{f"spend_{n}d": (f"spend_{n}d", "sum") for n in windows},
            **{f"orders_{n}d": (f"orders_{n}d", "sum") for n in windows},
        )
        .reindex(range(len(people)))
    )

    out = pd.DataFrame({"person_id": people.to_numpy()})
    freq = agg["frequency"].fillna(0).astype("int64").to_numpy()
    out["frequency"] = freq
    out["monetary"] = agg["monetary"].fillna(0.0).round(2).to_numpy()
    out["avg_order_value"] = np.where(freq > 0, agg["gross"].to_numpy() / np.maximum(freq, 1), np.nan).round(2)
    out["promo_share"] = np.where(freq > 0, agg["promo"].to_numpy() / np.maximum(freq, 1), np.nan)
    out["first_purchase"] = agg["first_purchase"].to_numpy(dtype="datetime64[s]")
    out["last_purchase"] = agg["last_purchase"].to_numpy(dtype="datetime64[s]")
    out["recency_days"] = _days_since(ref, out["last_purchase"].to_numpy(dtype="datetime64[D]"))
    out["days_since_first_purchase"] = _days_since(ref, out["first_purchase"].to_numpy(dtype="datetime64[D]"))
    # Day numbers (`as_days`), not pandas timestamps: a first_seen of any year never overflows.
    first_seen = (
        as_days(persons["first_seen"])
        if "first_seen" in persons
        else np.full(len(people), np.datetime64("NaT"), dtype="datetime64[D]")
    )
    # the earlier of the known ones (fmin skips NaT)
    out["tenure_days"] = _days_since(ref, np.fmin(first_seen, out["first_purchase"].to_numpy(dtype="datetime64[D]")))
    for n in windows:
        out[f"spend_{n}d"] = agg[f"spend_{n}d"].fillna(0.0).round(2).to_numpy()
        out[f"orders_{n}d"] = agg[f"orders_{n}d"].fillna(0).astype("int64").to_numpy()
    counts = complaints if complaints is not None else pd.Series(dtype="int64")
    out["complaints"] = people.map(counts).fillna(0).astype("int64") if len(counts) else 0
    out["favourite_category"] = _favourite_category(
        code[positive], o["product_category"].to_numpy(dtype=object)[positive], len(people)
    )
    return out


def _days_since(ref: np.datetime64, day: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole days from `day` to the reference day; <NA> where the day is unknown."""
    known = ~np.isnat(day)
    values = (ref - np.where(known, day, ref)).astype("int64")
    return pd.arrays.IntegerArray(values, ~known)


def complaint_counts(interactions: pd.DataFrame, complaint_types: tuple[str, ...]) -> pd.Series:
    """Complaints per person_id from linked interactions (interaction_type in complaint_types)."""
    kind = interactions["interaction_type"].astype("string").str.strip().str.lower()
    wanted = kind.isin([t.lower() for t in complaint_types]).fillna(False) & interactions["person_id"].notna()
    return interactions.loc[wanted.to_numpy(bool), "person_id"].value_counts().rename("complaints")


def _favourite_category(code: np.ndarray, category: np.ndarray, persons: int) -> np.ndarray:
    """The category of most orders per person code (ties: alphabetical); None for non-buyers.

    Person code and category code make one integer key; counting keys is a sort of integers,
    and one lexsort picks each person's winner.
    """
    out = np.full(persons, None, dtype=object)
    cat, names = pd.factorize(pd.Series(category, dtype=object))
    keep = cat >= 0
    if not keep.any():
        return out
    width = len(names)
    keys, counts = np.unique(code[keep].astype(np.int64) * width + cat[keep], return_counts=True)
    person, which = keys // width, keys % width
    alphabetical = np.argsort(np.argsort(np.asarray(names, dtype=str)))
    order = np.lexsort((alphabetical[which], -counts, person))
    person, which = person[order], which[order]
    first = np.r_[True, person[1:] != person[:-1]]
    out[person[first]] = np.asarray(names, dtype=object)[which[first]]
    return out
