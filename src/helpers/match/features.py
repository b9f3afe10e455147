"""The narrow table Splink compares: one row per clean record, only values fit to be evidence.

Why a separate table: Splink compares every blocked pair column by column, so each column
here must already mean the same thing in every source (standardised keys, not raw text), and
a value that is known to be wrong (an invalid email, a role mailbox shared by a whole office,
an impossible date of birth) must be null — Splink treats null as "no evidence", which is
what such a value is.
"""

from __future__ import annotations

import duckdb
import pandas as pd

# Matching column → what it holds. The order is the order of the table.
FEATURES: dict[str, str] = {
    "first_name_key": "given name, lower-case without accents",
    "first_name_canonical": "given name through the nickname table (Pepe → jose, Rob → robert)",
    "first_name_token": "first word of the given name (María Carmen → maria)",
    "last_name_key": "surname(s), lower-case without accents",
    "name_words": "every word of given name and surname, sorted (to spot names split across the wrong fields)",
    "surname_1_key": "first surname (Spanish/Portuguese double surnames split)",
    "surname_2_key": "second surname, when there is one",
    "date_of_birth": "date of birth, ISO text (any real past date, even an implausibly old one)",
    "gender": "M or F",
    "email_key": "valid personal email, dots and +tags removed where the provider ignores them",
    "phone": "valid phone number, E.164",
    "national_id": "checksum-valid national id",
    "address_key": "country|postcode|street|number|unit",
    "building_key": "the address without the flat",
    "postcode": "valid postcode, formatted per country",
    "city": "city, lower-case without accents",
    "job_title": "job title or occupation, lower-case",
}

# A column must be filled on at least this share of records to be worth comparing.
MIN_FILL = 0.01


def _text_key(values: pd.Series) -> pd.Series:
    """Lower-case, accent-free, single-spaced text, computed once per distinct value."""
    distinct = pd.Series(values.dropna().unique())
    keys = (
        distinct.astype(str)
        .str.normalize("NFKD")
        .str.encode("ascii", "ignore")
        .str.decode("ascii")
        .str.lower()
        .str.replace(r"[^a-z0-9]+", " ", regex=True)
        .str.strip()
        .replace("", None)
    )
    return values.map(pd.Series(keys.to_numpy(), index=distinct.to_numpy()))


def _name_words(table: pd.DataFrame) -> pd.Series:
    """Sorted distinct words of given name + surname, as a list (None when there is no name).

    Computed by DuckDB's list functions: vectorised, no Python per record.
    """
    names = table[["first_name_key", "last_name_key"]]  # noqa: F841 (read by DuckDB below)
    words = duckdb.sql(
        """select case when len(w) = 0 then null else w end as words from (
             select list_sort(list_distinct(list_filter(
                      string_split(coalesce(first_name_key, '') || ' ' || coalesce(last_name_key, ''), ' '),
                      lambda x: x <> ''))) as w
             from names)"""
    ).df()["words"]
    return words.set_axis(table.index)


def matching_table(clean: pd.DataFrame) -> pd.DataFrame:
    """Clean records → the table Splink sees (`unique_id` is the record key)."""
    valid_email = clean["email_valid"] & ~clean["email_role"]
    # A birth date too old to be a customer's (1630, or a 1900 placeholder) is still evidence of
    # identity; term-frequency adjustment takes care of placeholders. A future one is a typo.
    dob = clean["date_of_birth_std"].where(clean["date_of_birth_issue"].ne("future"))
    table = pd.DataFrame(
        {
            "unique_id": clean["record_key"],
            "source": clean["source"],
            "first_name_key": clean["first_name_key"],
            "first_name_canonical": clean["first_name_canonical"],
            "first_name_token": clean["first_name_key"].str.split(" ", n=1).str[0],
            "last_name_key": clean["last_name_key"],
            "surname_1_key": clean["surname_1_key"],
            "surname_2_key": clean["surname_2_key"],
            "date_of_birth": dob.dt.strftime("%Y-%m-%d"),
            "gender": clean["gender_std"].where(clean["gender_std"].isin(["M", "F"])),
            "email_key": clean["email_key"].where(valid_email),
            "phone": clean["phone_std"].where(clean["phone_valid"]),
            "national_id": clean["national_id_std"].where(clean["national_id_valid"]),
            "address_key": clean["address_key"],
            "building_key": clean["building_key"],
            "postcode": clean["postcode_std"].where(clean["postcode_valid"]),
            "city": _text_key(clean["city_std"]),
            "job_title": _text_key(clean["job_title"]),
        }
    )
    for col in table.columns.drop(["unique_id", "source"]):
        table[col] = table[col].astype(object).where(table[col].notna(), None)
    table.insert(table.columns.get_loc("last_name_key") + 1, "name_words", _name_words(table))
    return table.reset_index(drop=True)


def present_features(table: pd.DataFrame, min_fill: float = MIN_FILL) -> list[str]:
    """Matching columns filled often enough to carry evidence in this run's data."""
    if table.empty:
        return []
    fill = table[[c for c in FEATURES if c in table.columns]].notna().mean()
    return [c for c in FEATURES if c in fill.index and fill[c] >= min_fill]
