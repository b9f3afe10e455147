"""Text columns that behave the same under pandas 2 and pandas 3.

The pipeline keeps text as Python objects with None for "missing" (the tables, the gates and
the tests rely on it). pandas 3 infers its `str` dtype (missing = NaN) whenever a Series or a
DataFrame is built from strings without a dtype, even from an object ndarray, so every place
that builds a text column says `object` explicitly, through these helpers.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd


def text_series(values: Any, index: pd.Index | None = None, name: Hashable | None = None) -> pd.Series:
    """An object Series of `values` (None stays None): what pandas 2 inferred from strings."""
    return pd.Series(values, index=index, name=name, dtype=object)


def object_frame(columns: Mapping[str, Any], index: pd.Index | None = None) -> pd.DataFrame:
    """`pd.DataFrame(columns, index=index)`, with object arrays and lists kept as object.

    Numeric, boolean and datetime arrays keep their dtype; a Series is taken as it is. Only
    an object ndarray or a list of values (where pandas 3 would infer `str`) is pinned to object.
    """
    data: dict[str, Any] = {}
    for name, values in columns.items():
        pin = (isinstance(values, np.ndarray) and values.dtype == object) or (
            isinstance(values, list) and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty", "mixed")
        )
        data[name] = text_series(values, index=index) if pin else values
    return pd.DataFrame(data, index=index)


def is_text_dtype(values: pd.Series | pd.Index) -> bool:
    """True for a column that can hold text: object (pandas 2's text) or a string dtype
    (pandas 3's default `str`, or `string[pyarrow]`)."""
    return pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)


def as_object(values: pd.Series) -> pd.Series:
    """`values` as an object Series with None for missing values, whatever its text dtype:
    `str` (pandas 3) and `string` mark missing as NaN/NA, which `.astype(object)` keeps."""
    out = values.astype(object)
    return out.where(out.notna(), None) if out.hasnans else out


def bool_array(values: pd.Series) -> np.ndarray:
    """`values` as a numpy bool array the caller may write into (`|=`), missing → False.

    Under copy-on-write (pandas 3) `to_numpy()` returns a read-only view of the Series'
    data, so an array that is later updated in place must be a copy.
    """
    return values.fillna(False).to_numpy(dtype=bool, copy=True)


def object_array(values: pd.Series) -> np.ndarray:
    """`values` as a numpy object array of its own (writable under copy-on-write), None for
    missing: for code that updates some positions and puts the column back."""
    return as_object(values).to_numpy(dtype=object, copy=True)


def records_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """`pd.DataFrame(rows, columns=columns)` with text columns as object and None for missing,
    as pandas 2 built them (pandas 3 makes them `str` with NaN)."""
    frame = pd.DataFrame(rows, columns=columns)
    for column in frame.columns:
        if pd.api.types.is_string_dtype(frame[column].dtype) and not pd.api.types.is_object_dtype(frame[column].dtype):
            frame[column] = as_object(frame[column])
    return frame
