"""Country standardiser: every spelling customers and systems use → ISO 3166-1 alpha-2."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.standardise.countries import country_table, standardise_countries


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("España", "ES"),
        ("ESPAÑA", "ES"),
        ("Espanha", "ES"),  # Portuguese
        ("Spagna", "ES"),  # Italian
        ("  spain ", "ES"),
        ("ESP", "ES"),  # alpha-3
        ("724", "ES"),  # numeric
        ("UK", "GB"),  # exceptionally reserved, used everywhere
        ("U.K.", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Reino Unido", "GB"),
        ("U.S.A.", "US"),
        ("EE.UU.", "US"),
        ("Estados Unidos", "US"),
        ("United States of America", "US"),
        ("Brasil", "BR"),
        ("Itália", "IT"),
        ("Deutschland", "DE"),  # native name from CLDR
        ("Holland", "NL"),
        ("the Netherlands", "NL"),
        ("Côte d'Ivoire", "CI"),
        ("cote d ivoire", "CI"),
        ("gb", "GB"),
        ("36", "AU"),  # numeric code that lost its leading zero (036)
        ("Spain (ES)", "ES"),  # compound values: every recognised piece agrees
        ("England, UK", "GB"),
        ("Portgual", "PT"),  # one swap away from Portugal
        ("Untied Kingdom", "GB"),
        ("Irán", "IR"),
        ("Iraq", "IQ"),
        ("NA", "NA"),  # Namibia: a code is a code
        ("Canarias", "ES"),
    ],
)
def test_recognises_spellings(raw: str, expected: str) -> None:
    out = standardise_countries(pd.Series([raw]))
    assert out.loc[0, "country_std"] == expected
    assert bool(out.loc[0, "country_valid"]) is True
    assert bool(out.loc[0, "country_from_default"]) is False


@pytest.mark.parametrize("raw", ["Atlantis", "Spain / Portugal", "Austrlia", "Iram", "28013"])
def test_unrecognised_or_ambiguous_is_not_guessed(raw: str) -> None:
    """'Austrlia' is one edit from Austria and from Australia; 'Iram' is too short to fix."""
    out = standardise_countries(pd.Series([raw]), default="ES")
    assert out.loc[0, "country_std"] is None
    assert not out.loc[0, "country_valid"]
    assert not out.loc[0, "country_from_default"]  # the customer said something: no default over it


def test_default_only_fills_missing_values() -> None:
    raw = pd.Series([None, "", "N/A", "Italia", "Atlantis"], index=[10, 11, 12, 13, 14])
    out = standardise_countries(raw, default="Spain")  # a default is normalised too
    assert out["country_std"].tolist() == ["ES", "ES", "ES", "IT", None]
    assert out["country_from_default"].tolist() == [True, True, True, False, False]
    assert out["country_valid"].tolist() == [True, True, True, True, False]


def test_per_row_default_series_aligned_by_index() -> None:
    raw = pd.Series([None, None, "PT"], index=["a", "b", "c"])
    default = pd.Series(["GB", "BR", "ES"], index=["c", "b", "a"])  # a different order on purpose
    out = standardise_countries(raw, default)
    assert out["country_std"].tolist() == ["ES", "BR", "PT"]
    assert out["country_from_default"].tolist() == [True, True, False]


def test_missing_without_default() -> None:
    out = standardise_countries(pd.Series([None, "  "]))
    assert out["country_std"].tolist() == [None, None]
    assert out["country_valid"].tolist() == [False, False]


def test_index_preserved_and_raw_untouched() -> None:
    raw = pd.Series(["españa", None, "USA", "españa"], index=[7, 3, 99, -1], name="country")
    before = raw.copy()
    out = standardise_countries(raw, default="PT")
    assert out.index.equals(raw.index)
    assert list(out.columns) == ["country_std", "country_valid", "country_from_default"]
    pd.testing.assert_series_equal(raw, before)
    assert out["country_std"].tolist() == ["ES", "PT", "US", "ES"]


def test_full_iso_list_and_every_code_resolves_to_itself() -> None:
    table = country_table()
    assert len(table) == 249
    assert {"ES", "IT", "PT", "BR", "GB", "US", "AQ", "VA", "SS", "BQ"} <= set(table["alpha2"])
    for column in ("alpha2", "alpha3", "numeric"):
        out = standardise_countries(table[column])
        assert out["country_std"].tolist() == table["alpha2"].tolist(), column


def test_empty_input() -> None:
    out = standardise_countries(pd.Series([], dtype=object))
    assert len(out) == 0
    assert list(out.columns) == ["country_std", "country_valid", "country_from_default"]
