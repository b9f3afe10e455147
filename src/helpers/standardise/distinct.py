"""Run an expensive, row-wise parser once per distinct input and join the result back."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def per_distinct(
    values: pd.Series | pd.DataFrame,
    parse: Callable[[pd.DataFrame], pd.DataFrame],
) -> pd.DataFrame:
    """Apply `parse` to the distinct rows of `values` and return one result row per input row.

    `parse` receives a DataFrame of distinct inputs (a Series is passed as a one-column frame
    under its own name, default 'value'), with a fresh RangeIndex, and must return a DataFrame
    with the same number of rows in the same order. Missing values are distinct inputs too, so
    `parse` decides what a missing value means. The result carries the index of `values`.
    """
    frame = values.to_frame(name=values.name or "value") if isinstance(values, pd.Series) else values
    if len(frame) == 0:
        out = parse(frame.reset_index(drop=True))
        return out.iloc[:0].set_axis(frame.index)
    codes = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    # Unsorted groups are numbered in order of first appearance, so the first row of each group,
    # in code order, is where a code first occurs: a hash pass, not np.unique's sort of 1M codes.
    first = pd.Series(codes).drop_duplicates().index.to_numpy()
    distinct = frame.iloc[first].reset_index(drop=True)
    parsed = parse(distinct)
    if len(parsed) != len(distinct):
        raise ValueError(f"parser returned {len(parsed)} rows for {len(distinct)} distinct inputs")
    return parsed.reset_index(drop=True).iloc[codes].set_axis(frame.index)


TEXT = "string[pyarrow]"


def as_arrow_text(values: pd.Series) -> pd.Series:
    """Raw values as pyarrow-backed strings, so `.str` regexes run in RE2 (several times faster
    than Python's `re`); numbers typed into a text column become their text."""
    from pyarrow.lib import ArrowException

    raw = values.astype(object)
    try:
        return raw.astype(TEXT)
    except (TypeError, ValueError, ArrowException):
        return raw.where(raw.isna(), raw.astype(str)).astype(TEXT)


def is_given(values: pd.Series) -> pd.Series:
    """True where a value is present and not blank: the denominator of every 'share of given'."""
    text = as_arrow_text(values)
    return (text.notna() & text.str.strip().ne("")).fillna(False).astype(bool)


def map_distinct(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`func` applied once per distinct value of a low-cardinality column (currencies, countries,
    categories), the results spread back by integer codes: an object Series with the index of
    `values`. Missing values are a distinct value too (`func` gets None), so `func` decides what
    missing means. `pd.factorize` is the cheapest way to find the distinct values of a text column.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    done = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object).where(pd.notna(uniques), None))
    if len(done) != len(uniques):
        raise ValueError(f"func returned {len(done)} values for {len(uniques)} distinct inputs")
    result = done.astype(object).where(done.notna(), None).to_numpy(dtype=object)
    return pd.Series(result[codes] if len(result) else np.empty(0, dtype=object), index=values.index, dtype=object)


VALIDITY_DTYPE = "boolean"


def three_valued(good: np.ndarray | pd.Series, unknown: np.ndarray | pd.Series) -> pd.arrays.BooleanArray:
    """A `<field>_valid` column: True (checked, good), False (checked, bad) or null (cannot be
    checked, e.g. an identifier of a country without rules), as pandas' nullable "boolean".

    Nullable boolean rather than object with None: it survives parquet unchanged, and code that
    forgets the null fails loudly (`to_numpy(dtype=bool)` raises) instead of silently counting
    an unknown as bad. Consumers pick usable values with `.fillna(False)` (known good only) or
    `.ne(False)` (not known bad) and say which in their docstring.
    """
    good = np.asarray(good, dtype=bool)
    unknown = np.asarray(unknown, dtype=bool)
    return pd.arrays.BooleanArray(good & ~unknown, unknown.copy())


def known_good(valid: pd.Series) -> np.ndarray:
    """True where a `<field>_valid` flag is True: checked and good. For uses that need a verified
    value (counting valid values, contacting someone). Null and False are both excluded."""
    return pd.Series(valid).astype("boolean").fillna(False).to_numpy(dtype=bool)


def known_bad(valid: pd.Series) -> np.ndarray:
    """True where a `<field>_valid` flag is False: checked and bad. What counts as invalid."""
    return pd.Series(valid).astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)


def not_known_bad(valid: pd.Series) -> np.ndarray:
    """True where a `<field>_valid` flag is True or null: usable where an unverified value is
    still better than none (a grouping key, a plausible postcode of a country without rules)."""
    return ~known_bad(valid)


def unknown(valid: pd.Series) -> np.ndarray:
    """True where a `<field>_valid` flag is null: the value could not be checked."""
    return pd.Series(valid).astype("boolean").isna().to_numpy(dtype=bool)
