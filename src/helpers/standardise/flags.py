"""Yes/no fields (consent flags) as sources write them: true, Y, sí, sim, 1, x, opt-in, …

A consent flag that cannot be read is unknown, never "yes": opting someone in by guessing is
the one mistake a contact database must not make.
"""

from __future__ import annotations

import pandas as pd

from helpers.standardise.distinct import per_distinct

YES = {
    "true",
    "t",
    "yes",
    "y",
    "1",
    "si",
    "sí",
    "s",
    "sim",
    "oui",
    "ja",
    "x",
    "opt-in",
    "optin",
    "opted in",
    "subscribed",
    "on",
    "checked",
    "accepted",
    "granted",
}
NO = {
    "false",
    "f",
    "no",
    "n",
    "0",
    "nao",
    "não",
    "non",
    "nein",
    "opt-out",
    "optout",
    "opted out",
    "unsubscribed",
    "off",
    "unchecked",
    "declined",
    "refused",
    "-",
}


def standardise_flag(values: pd.Series) -> pd.Series:
    """True / False / <NA> (unknown) as a nullable boolean Series with the input's index."""

    def parse(frame: pd.DataFrame) -> pd.DataFrame:
        text = frame.iloc[:, 0].astype("string").str.strip().str.lower()
        text = text.str.replace(r"\.0$", "", regex=True)  # 1.0 from a spreadsheet
        out = pd.Series(pd.NA, index=frame.index, dtype="boolean")
        out[text.isin(YES).fillna(False).to_numpy(bool)] = True
        out[text.isin(NO).fillna(False).to_numpy(bool)] = False
        return pd.DataFrame({"flag": out})

    return per_distinct(values.rename("value"), parse)["flag"].astype("boolean")
