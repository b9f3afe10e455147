"""What stage 02 did to the data, in numbers a reader can check: per field, how many given
values cleaning changed and how many remain invalid. Counts only — no values — so the tables
can go into shareable reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.standardise.dates import iso_days
from helpers.standardise.distinct import is_given, known_bad, unknown

# raw column -> (standardised column, validity column or None)
FIELDS: dict[str, tuple[str, str | None]] = {
    "title": ("title_std", None),
    "first_name": ("first_name_std", None),
    "last_name": ("last_name_std", None),
    "gender": ("gender_std", None),
    "date_of_birth": ("date_of_birth_std", "date_of_birth_valid"),
    "email": ("email_std", "email_valid"),
    "phone": ("phone_std", "phone_valid"),
    "address_line1": ("address_line1_std", "address_valid"),
    "city": ("city_std", None),
    "postcode": ("postcode_std", "postcode_valid"),
    "country": ("country_std", "country_valid"),
    "national_id": ("national_id_std", "national_id_valid"),
}


def _as_text(values: pd.Series) -> np.ndarray:
    """Standardised values as the text a raw value would be (dates as ISO), formatted once per
    distinct date; an object array compared element by element, not a pandas string column.

    Dates go through `iso_days` (numpy day numbers), not pandas timestamps: a birth date typed
    as 1063-11-01 is kept (flagged invalid) and must not overflow nanoseconds here."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return iso_days(values)
    return _objects(values)


def _objects(values: pd.Series) -> np.ndarray:
    """Values as an object array with every kind of missing as None: pd.NA (a typed source
    column, Int64 or string) cannot be compared element by element, None can."""
    values = values.astype(object)
    return values.where(values.notna(), None).to_numpy(dtype=object)


def change_summary(clean: pd.DataFrame) -> pd.DataFrame:
    """Per field: records giving it, share changed by standardisation, share still invalid and
    share that could not be checked.

    Validity is three-valued: `invalid` counts only the given values checked and found bad
    (`<field>_valid` False); `unknown` those no rule could check (null: an identity number of a
    country without a checksum rule, a phone without a country). Counting the unknown as
    invalid would call a whole file of Australian identity numbers bad."""
    rows = []
    for raw_col, (std_col, valid_col) in FIELDS.items():
        if raw_col not in clean or std_col not in clean:
            continue
        given = is_given(clean[raw_col]).to_numpy()
        # A given value is changed unless its standardised form is the very same text.
        changed = given & (_objects(clean[raw_col]) != _as_text(clean[std_col]))
        checked = valid_col is not None and valid_col in clean
        invalid = given & known_bad(clean[valid_col]) if checked else None
        unchecked = given & unknown(clean[valid_col]) if checked else None
        n = int(given.sum())
        rows.append(
            {
                "field": raw_col,
                "given": n,
                "changed": int(changed.sum()),
                "changed_share": changed.sum() / n if n else float("nan"),
                "invalid": None if invalid is None else int(invalid.sum()),
                "invalid_share": None if invalid is None or not n else invalid.sum() / n,
                "unknown": None if unchecked is None else int(unchecked.sum()),
                "unknown_share": None if unchecked is None or not n else unchecked.sum() / n,
            }
        )
    columns = ["given", "changed", "changed_share", "invalid", "invalid_share", "unknown", "unknown_share"]
    table = pd.DataFrame(rows, columns=["field", *columns]).set_index("field")
    table["invalid"] = table["invalid"].astype("Int64")
    table["unknown"] = table["unknown"].astype("Int64")
    return table


def email_corrections(clean: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """The domain corrections applied (domains are not personal data), most frequent first."""
    fixes = clean.loc[clean["email_corrected"].fillna(False).astype(bool), "email_correction"]
    return fixes.value_counts().head(top).rename_axis("correction").rename("records").to_frame()


def change_summary_records(changes: pd.DataFrame) -> list[dict]:
    """`change_summary` as JSON-safe rows for the stage record (missing shares as null, not NaN):
    the shareable report reads them instead of summarising the clean records again."""
    # reindex: a table from before validity was three-valued has no unknown_share (null then).
    table = changes.reindex(columns=["given", "changed_share", "invalid_share", "unknown_share"]).astype(object)
    return table.where(table.notna(), None).reset_index().to_dict("records")
