"""Gender: one code per row from the many spellings sources use; unknown stays unknown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.standardise.gender import standardise_gender


def code(value, m_means=None):
    return standardise_gender(pd.Series([value], dtype=object), m_means=m_means).iloc[0]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("M", "M"),
        ("F", "F"),
        ("m.", "M"),
        (" f ", "F"),
        ("MALE", "M"),
        ("Female", "F"),
        ("Man", "M"),
        ("Woman", "F"),
        ("H", "M"),
        ("V", "M"),
        ("Varón", "M"),
        ("Hombre", "M"),
        ("Mujer", "F"),  # es
        ("Masculino", "M"),
        ("Femenino", "F"),
        ("Feminino", "F"),
        ("Homem", "M"),
        ("Mulher", "F"),  # es/pt
        ("Uomo", "M"),
        ("Donna", "F"),
        ("Maschio", "M"),
        ("Femmina", "F"),  # it
        ("non-binary", "X"),
        ("Non Binary", "X"),
        ("diverse", "X"),
        ("Other", "X"),
        ("No binario", "X"),
    ],
)
def test_spellings(raw, expected):
    assert code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "Not specified",
        "unknown",
        "U",
        "1",
        "2",
        "Sr",
        "Sra",
        "Mr",
        "Mrs",
        "",
        "   ",
        "?",
        None,
        np.nan,
        "prefer not to say",
    ],
)
def test_unknown_titles_and_numeric_codes_stay_unknown(raw):
    assert code(raw) is None


def test_m_means_female_for_a_spanish_h_m_source():
    s = pd.Series(["M", "H", "F", "Mujer", None], dtype=object)
    assert standardise_gender(s, m_means="F").tolist() == ["F", "M", "F", "F", None]
    assert standardise_gender(s).tolist() == ["M", "M", "F", "F", None]


def test_m_means_per_row_when_sources_are_mixed():
    s = pd.Series(["M", "M", "m"], index=["a", "b", "c"], dtype=object)
    meaning = pd.Series([None, "F", "F"], index=["a", "b", "c"], dtype=object)
    assert standardise_gender(s, m_means=meaning).tolist() == ["M", "F", "F"]


def test_index_name_and_raw_kept():
    s = pd.Series(["Female", " m ", None, "X"], index=[30, 10, 20, 10], dtype=object)
    before = s.copy()
    out = standardise_gender(s)
    pd.testing.assert_series_equal(s, before)
    assert out.name == "gender_std"
    assert out.index.equals(s.index)
    assert out.tolist() == ["F", "M", None, "X"]
    assert set(out.dropna()) <= {"F", "M", "X"}


def test_empty_series():
    out = standardise_gender(pd.Series([], dtype=object))
    assert len(out) == 0 and out.name == "gender_std"
