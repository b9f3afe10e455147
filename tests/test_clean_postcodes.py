"""Postcode standardiser: per-country formats, validation and named repairs."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.standardise.postcodes import standardise_postcodes

CASES = [
    # raw, country, postcode_std, postcode_valid, postcode_issue
    ("28013", "ES", "28013", True, None),
    (" 28 013 ", "ES", "28013", True, None),
    ("8001", "ES", "08001", True, "leading_zero_restored"),  # Barcelona after a spreadsheet
    ("E-28013", "ES", "28013", True, None),
    ("53001", "ES", "53001", False, "bad_range"),  # there is no province 53
    ("28013.0", "ES", "28013", True, None),  # a float that went through a CSV
    ("00184", "IT", "00184", True, None),
    ("184", "IT", "00184", True, "leading_zero_restored"),  # Rome loses both zeros
    ("I-00184", "IT", "00184", True, None),
    ("99999", "IT", "99999", False, "bad_range"),
    ("1000-001", "PT", "1000-001", True, None),
    ("1000001", "PT", "1000-001", True, None),
    ("1000 001", "PT", "1000-001", True, None),
    ("1000", "PT", "1000", True, "legacy_4_digit"),
    ("0100-001", "PT", "0100-001", False, "bad_format"),
    ("01310-100", "BR", "01310-100", True, None),
    ("01.310-100", "BR", "01310-100", True, None),
    ("CEP 01310100", "BR", "01310-100", True, None),
    ("1310100", "BR", "01310-100", True, "leading_zero_restored"),
    ("sw1a 1aa", "GB", "SW1A 1AA", True, None),
    ("SW1A1AA", "GB", "SW1A 1AA", True, None),
    ("ec1a1bb", "GB", "EC1A 1BB", True, None),
    ("M1 1AE", "GB", "M1 1AE", True, None),
    ("B33 8TH", "GB", "B33 8TH", True, None),
    ("CR2 6XH", "GB", "CR2 6XH", True, None),
    ("DN55 1PT", "GB", "DN55 1PT", True, None),
    ("W1A 0AX", "GB", "W1A 0AX", True, None),
    ("GIR 0AA", "GB", "GIR 0AA", True, None),
    ("SW1A OAA", "GB", "SW1A 0AA", True, "o_for_zero"),
    ("SW1A", "GB", "SW1A", False, "outward_only"),
    ("QQ1 1AA", "GB", "QQ1 1AA", False, "bad_format"),  # Q never starts a postcode area
    ("SW1A 1CA", "GB", "SW1A 1CA", False, "bad_format"),  # C never appears in an inward code
    ("02139", "US", "02139", True, None),
    ("02139-4307", "US", "02139-4307", True, None),
    ("021394307", "US", "02139-4307", True, None),
    ("2139", "US", "02139", True, "leading_zero_restored"),
    ("MA 02139", "US", "02139", True, None),
    ("00000", "US", "00000", False, "placeholder"),
    ("1012 ab", "NL", "1012 AB", True, None),
    ("k1a0b1", "CA", "K1A 0B1", True, None),
    ("12345", "ZZ", "12345", None, "unchecked_format"),  # no rules: cannot be checked
    ("ABC", "XX", "ABC", False, "bad_format"),
    ("12345", None, "12345", None, "no_country"),
    (None, "ES", None, False, "missing"),
    ("N/A", "GB", None, False, "missing"),
]


@pytest.mark.parametrize(("raw", "country", "std", "valid", "issue"), CASES)
def test_postcode_rules(raw, country, std, valid, issue) -> None:
    out = standardise_postcodes(pd.Series([raw], dtype=object), pd.Series([country], dtype=object))
    assert out.loc[0, "postcode_std"] == std
    got = out.loc[0, "postcode_valid"]
    assert (None if pd.isna(got) else bool(got)) is valid
    assert out.loc[0, "postcode_issue"] == issue


def test_whole_column_at_once_matches_one_by_one() -> None:
    """The per-country grouping must put every result back on its own row."""
    raw = pd.Series([c[0] for c in CASES], dtype=object, index=range(100, 100 + len(CASES)))
    country = pd.Series([c[1] for c in CASES], dtype=object, index=raw.index)
    out = standardise_postcodes(raw, country)
    assert out["postcode_std"].tolist() == [c[2] for c in CASES]
    assert [None if pd.isna(v) else v for v in out["postcode_valid"]] == [c[3] for c in CASES]
    assert out["postcode_issue"].tolist() == [c[4] for c in CASES]


def test_numbers_from_spreadsheets() -> None:
    out = standardise_postcodes(pd.Series([28013.0, 8001, 2139]), pd.Series(["ES", "ES", "US"]))
    assert out["postcode_std"].tolist() == ["28013", "08001", "02139"]


def test_same_value_means_different_things_per_country() -> None:
    out = standardise_postcodes(pd.Series(["1000", "1000", "1000", "1000"]), pd.Series(["PT", "ES", "GB", "BR"]))
    assert out["postcode_std"].tolist() == ["1000", "01000", "1000", "1000"]  # Lisbon, Álava, nothing, nothing
    assert out["postcode_valid"].tolist() == [True, True, False, False]
    assert out["postcode_issue"].tolist() == ["legacy_4_digit", "leading_zero_restored", "bad_format", "bad_format"]


def test_index_preserved_and_raw_untouched() -> None:
    raw = pd.Series(["sw1a1aa", None, "28013"], index=["x", "y", "z"])
    country = pd.Series(["ES", "GB", "GB"], index=["z", "y", "x"])  # aligned by index, not position
    before = raw.copy()
    out = standardise_postcodes(raw, country)
    assert out.index.equals(raw.index)
    assert list(out.columns) == ["postcode_std", "postcode_valid", "postcode_issue"]
    assert out["postcode_std"].tolist() == ["SW1A 1AA", None, "28013"]
    assert out["postcode_valid"].tolist() == [True, False, True]
    pd.testing.assert_series_equal(raw, before)
