"""Printable postal addresses: a person's name and golden address as the lines a label carries.

Shared by stage 06 (worklists show one printable address per person) and stage 07 (postal
campaign lists print these lines): `name_line` (the household's salutation where asked, else
title, first and last name), `address_line1`, `address_line2`, `postcode_city_line` (in the
order of the country's post: "28013 Madrid", "Houston TX 77095", "Edinburgh EH17 0EQ") and
`country_line` (the English country name in capitals, as the UPU asks on international mail).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

# Name and address fields that a postal list prints as lines instead of writing as they are.
POSTAL_FIELDS = (
    "household_salutation",
    "title",
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "postcode",
    "city",
    "region",
    "country",
    "address_key",
)
POSTAL_LINES = ("name_line", "address_line1", "address_line2", "postcode_city_line", "country_line")
# Countries whose post writes the town before the postcode (and, for some, the state between).
TOWN_FIRST = {"US", "CA", "AU", "GB", "IE", "NZ"}
REGION_IN_LINE = {"US", "CA", "AU"}
TEXT = pd.ArrowDtype(pa.string())  # Arrow strings: the line building is a few vectorised passes


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from helpers.standardise.countries import country_table

    table = country_table()
    return dict(zip(table["alpha2"], table["name"].str.upper()))


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as trimmed text, empty string where missing (absent column: all empty)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=TEXT)
    return frame[column].astype(TEXT).str.strip().fillna("")


def _join(*parts: pd.Series) -> pd.Series:
    """Non-empty parts joined with one space, per row (vectorised)."""
    out = parts[0]
    for part in parts[1:]:
        out = out.str.cat(part, sep=" ")
    return out.str.replace(r"\s+", " ", regex=True).str.strip()


def postal_lines(frame: pd.DataFrame, household: bool = False) -> pd.DataFrame:
    """The printable lines of each row's name and address (POSTAL_LINES), same index.

    `household`: the name line greets the household (`household_salutation`) where there is one.
    Empty lines are empty strings turned to missing, so a label printer skips them.
    """
    name = _join(_text(frame, "title"), _text(frame, "first_name"), _text(frame, "last_name"))
    if household:
        salutation = _text(frame, "household_salutation")
        name = salutation.where(salutation != "", name)
    country = _text(frame, "country").str.upper()
    postcode, city, region = _text(frame, "postcode"), _text(frame, "city"), _text(frame, "region")
    town_first = country.isin(TOWN_FIRST).to_numpy()
    with_region = country.isin(REGION_IN_LINE).to_numpy()
    town_line = np.where(
        town_first,
        _join(city, region.where(with_region, ""), postcode).to_numpy(dtype=object),
        _join(postcode, city).to_numpy(dtype=object),
    )
    names = _country_names()
    lines = pd.DataFrame(
        {
            "name_line": name.to_numpy(dtype=object),
            "address_line1": _text(frame, "address_line1").to_numpy(dtype=object),
            "address_line2": _text(frame, "address_line2").to_numpy(dtype=object),
            "postcode_city_line": town_line,
            "country_line": country.astype(object).map(names).fillna(country.astype(object)).to_numpy(dtype=object),
        },
        index=frame.index,
    )
    return lines.where(lines != "", None)
