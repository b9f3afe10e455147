"""Masking for shareable reports: enough shape to recognise what a value is, not whose it is.

Reports that leave the analysts' hands show aggregates and masked samples only. Masks keep
the first character of a name, the domain of an email (not personal: it is what marketing
needs to see) and the country code of a phone; everything else becomes `•`.
"""

from __future__ import annotations

import pandas as pd

DOT = "•"


def mask_name(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    return (text.str.slice(0, 1) + DOT * 3).where(text.notna())


def mask_email(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    return (text.str.slice(0, 1) + DOT * 3 + "@" + text.str.split("@", n=1).str[1]).where(
        text.str.contains("@", na=False)
    )


def mask_phone(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    return (text.str.slice(0, 3) + DOT * 6 + text.str.slice(-2)).where(text.notna())


def mask_text(values: pd.Series) -> pd.Series:
    """Free text (addresses, ids): only whether it is there."""
    return pd.Series(DOT * 6, index=values.index, dtype="string").where(values.notna())


def masked_sample(df: pd.DataFrame, masks: dict[str, str], n: int, seed: int) -> pd.DataFrame:
    """A seeded sample of rows with each listed column masked by kind (name/email/phone/text)."""
    funcs = {"name": mask_name, "email": mask_email, "phone": mask_phone, "text": mask_text}
    sample = df.sample(min(n, len(df)), random_state=seed) if len(df) else df
    out = sample.copy()
    for col, kind in masks.items():
        if col in out.columns:
            out[col] = funcs[kind](out[col])
    return out
