"""National identifiers: canonical key, type from country or shape, checksums and rules.

Expected check characters were worked out by hand from the official algorithms (and the
independent scalar implementations at the bottom), not taken from the module under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.standardise.national_ids import COLUMNS, standardise_national_ids

# (raw, country, national_id_std, national_id_valid, national_id_type, national_id_issue)
CASES = [
    # Spain: DNI letter = TRWAGMYFPDXBNJZSQVHLCKE[n % 23]; NIE X/Y/Z = 0/1/2; CIF control
    ("87654321X", "ES", "87654321X", True, "ES_DNI", None),
    (" 8765.4321-x ", "ES", "87654321X", True, "ES_DNI", None),
    ("87654321A", "ES", "87654321A", False, "ES_DNI", "bad checksum"),
    ("1234567L", "ES", "01234567L", True, "ES_DNI", None),  # leading zero eaten by a spreadsheet
    ("ES87654321X", "ES", "87654321X", True, "ES_DNI", None),  # VAT form
    ("X-2345678-T", "ES", "X2345678T", True, "ES_NIE", None),
    ("Z2345678M", None, "Z2345678M", True, "ES_NIE", None),
    ("A58818501", "ES", "A58818501", True, "ES_CIF", None),
    ("Q2826000H", "ES", "Q2826000H", True, "ES_CIF", None),  # public body: control is a letter
    ("Q28260008", "ES", "Q28260008", False, "ES_CIF", "bad checksum"),  # … never a digit
    ("12345678Z", "ES", "12345678Z", False, "ES_DNI", "placeholder"),  # the specimen DNI
    ("12345678", "ES", "12345678", False, "ES_DNI", "bad format"),  # letter missing
    ("123456780", "ES", "123456780", False, "ES_DNI", "bad format"),  # no NIF; an SSN? not written so
    ("501964843", "ES", "501964843", True, "PT_NIF", None),  # a valid foreign NIF is recognised
    # Italy: codice fiscale, odd/even tables, omocodia, women's day + 40
    ("MRTMTT91D08F205J", "IT", "MRTMTT91D08F205J", True, "IT_CF", None),
    ("mrtmtt 91d08 f205j", "IT", "MRTMTT91D08F205J", True, "IT_CF", None),
    ("MRTMTT91D08FNLRE", "IT", "MRTMTT91D08FNLRE", True, "IT_CF", None),  # omocode of the above
    ("MRTMTT91D68F205P", "IT", "MRTMTT91D68F205P", True, "IT_CF", None),  # a woman (day 28 + 40)
    ("MRTMTT91D08F205K", "IT", "MRTMTT91D08F205K", False, "IT_CF", "bad checksum"),
    ("MRTMTT91Z08F205J", "IT", "MRTMTT91Z08F205J", False, "IT_CF", "bad format"),  # no month Z
    ("MRTMTT91D35F205J", "IT", "MRTMTT91D35F205J", False, "IT_CF", "bad format"),  # day 35
    ("MRTMTT91D08F205J", "ES", "MRTMTT91D08F205J", True, "IT_CF", None),  # Italian living in Spain
    # Portugal: NIF mod 11 with weights 9..2
    ("501964843", "PT", "501964843", True, "PT_NIF", None),
    ("PT 501 964 843", "PT", "501964843", True, "PT_NIF", None),
    ("501964844", "PT", "501964844", False, "PT_NIF", "bad checksum"),
    ("423456782", "PT", "423456782", False, "PT_NIF", "bad format"),  # no NIF starts with 42
    # Brazil: CPF, two mod-11 digits
    ("111.444.777-35", "BR", "11144477735", True, "BR_CPF", None),
    ("111.444.777-53", "BR", "11144477753", False, "BR_CPF", "bad checksum"),
    ("111.111.111-11", "BR", "11111111111", False, "BR_CPF", "placeholder"),  # passes the sums
    ("1144477735", "BR", "01144477735", False, "BR_CPF", "bad checksum"),  # zero restored, sums fail
    ("529.982.247-25", None, "52998224725", True, "BR_CPF", None),
    # United States: SSN structure
    ("529-98-2346", "US", "529982346", True, "US_SSN", None),
    ("666-12-3456", "US", "666123456", False, "US_SSN", "bad format"),
    ("912-12-3456", "US", "912123456", False, "US_SSN", "bad format"),
    ("529-00-2346", "US", "529002346", False, "US_SSN", "bad format"),
    ("529-98-0000", "US", "529980000", False, "US_SSN", "bad format"),
    ("078-05-1120", "US", "078051120", False, "US_SSN", "placeholder"),  # the Woolworth wallet card
    ("52998234", "US", "052998234", True, "US_SSN", None),
    ("529-98-2346", None, "529982346", True, "US_SSN", None),  # written ddd-dd-dddd
    # United Kingdom: NINO prefix rules, suffix A–D (often left off)
    ("JG 10 37 59 A", "GB", "JG103759A", True, "GB_NINO", None),
    ("jg103759", "GB", "JG103759", True, "GB_NINO", None),
    ("QQ123456C", "GB", "QQ123456C", False, "GB_NINO", "bad format"),
    ("BG103759A", "GB", "BG103759A", False, "GB_NINO", "bad format"),
    ("JG103759E", "GB", "JG103759E", False, "GB_NINO", "bad format"),
    ("JG103759A", "UK", "JG103759A", True, "GB_NINO", None),
    # missing values
    (None, "ES", None, False, None, "missing"),
    ("  ", "IT", None, False, None, "missing"),
    ("N/A", "PT", None, False, None, "missing"),
    ("??", None, "??", False, None, "bad format"),
]


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    raw = pd.Series([c[0] for c in CASES], dtype=object)
    country = pd.Series([c[1] for c in CASES], dtype=object)
    return standardise_national_ids(raw, country)


@pytest.mark.parametrize("pos", range(len(CASES)), ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_hard_cases(results, pos):
    _, _, std, valid, kind, issue = CASES[pos]
    row = results.iloc[pos]
    assert row["national_id_std"] == std
    assert row["national_id_valid"] is valid or row["national_id_valid"] == valid
    assert row["national_id_type"] == kind
    assert row["national_id_issue"] == issue


@pytest.mark.parametrize(
    "raw, kind",
    [
        ("87654321X", "ES_DNI"),
        ("Y2345678Z", "ES_NIE"),
        ("A58818501", "ES_CIF"),
        ("MRTMTT91D08F205J", "IT_CF"),
        ("501964843", "PT_NIF"),
        ("11144477735", "BR_CPF"),
        ("JG103759A", "GB_NINO"),
        ("529982346", "US_SSN"),
    ],
)
def test_type_from_shape_without_country(raw, kind):
    out = standardise_national_ids(pd.Series([raw, raw]), pd.Series([None, "FR"], dtype=object))
    # On a French record (no rules here) a foreign type is taken only when its check passes; an
    # SSN has no check, so nine bare digits there stay unchecked (they may be a French SIREN).
    assert out.national_id_type.tolist() == [kind, None if kind == "US_SSN" else kind]


def test_an_id_of_a_country_without_rules_in_a_foreign_shape_is_unchecked_not_invalid():
    """dupehell's KYC file: 11-digit numbers on Finnish, Belgian … records were typed BR_CPF and
    failed its checksum, so 100% of the file's identity numbers counted as invalid."""
    out = standardise_national_ids(pd.Series(["973-16-420928", "973-16-420928"]), pd.Series(["FI", None], dtype=object))
    assert out["national_id_valid"].isna().tolist() == [True, False]
    assert out["national_id_issue"].tolist() == ["unchecked", "bad checksum"]


# --- independent scalar implementations, to cross-check the vectorised ones on random values


def dni_letter(number: int) -> str:
    return "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]


def nif_ok(s: str) -> bool:
    r = sum(int(c) * w for c, w in zip(s[:8], range(9, 1, -1))) % 11
    return int(s[8]) == (0 if r < 2 else 11 - r)


def cpf_ok(s: str) -> bool:
    d = [int(c) for c in s]
    first = sum(x * w for x, w in zip(d[:9], range(10, 1, -1))) * 10 % 11 % 10
    second = sum(x * w for x, w in zip(d[:10], range(11, 1, -1))) * 10 % 11 % 10
    return (first, second) == (d[9], d[10])


def nif_check(s8: str) -> str:
    r = sum(int(c) * w for c, w in zip(s8, range(9, 1, -1))) % 11
    return str(0 if r < 2 else 11 - r)


def cpf_checks(s9: str) -> str:
    d = [int(c) for c in s9]
    first = sum(x * w for x, w in zip(d, range(10, 1, -1))) * 10 % 11 % 10
    second = sum(x * w for x, w in zip(d + [first], range(11, 1, -1))) * 10 % 11 % 10
    return f"{first}{second}"


def test_checksums_agree_with_scalar_reference_on_random_values():
    """Half the values carry the right check character, half a random one."""
    rng = np.random.default_rng(3)
    right = rng.random(900) < 0.5
    numbers = rng.integers(10_000_000, 99_999_999, size=300)
    dnis = [
        f"{n}{dni_letter(n) if ok else rng.choice(list('TRWAGMYFPDXBNJZSQVHLCKE'))}"
        for n, ok in zip(numbers, right[:300])
    ]
    nifs = []
    for ok in right[300:600]:
        body = f"{rng.choice([1, 2, 5])}{rng.integers(0, 10**7):07d}"
        nifs.append(body + (nif_check(body) if ok else str(rng.integers(0, 10))))
    cpfs = []
    for ok in right[600:]:
        body = f"{rng.integers(0, 10**9):09d}"
        cpfs.append(body + (cpf_checks(body) if ok else f"{rng.integers(0, 100):02d}"))
    out = standardise_national_ids(pd.Series(dnis + nifs + cpfs), pd.Series(["ES"] * 300 + ["PT"] * 300 + ["BR"] * 300))
    placeholder = out.national_id_issue.eq("placeholder").to_numpy()
    expected = np.array(
        [dni_letter(int(s[:8])) == s[8] for s in dnis] + [nif_ok(s) for s in nifs] + [cpf_ok(s) for s in cpfs]
    )
    got = out.national_id_valid.to_numpy()
    assert ((got | placeholder) == (expected | placeholder)).all()
    assert 400 < expected.sum() < 600


def test_index_preserved_and_raw_untouched():
    raw = pd.Series(["87654321X", None, "111.444.777-35", "87654321X"], index=[10, 3, 7, 1], dtype=object)
    country = pd.Series(["ES", "ES", "BR", "ES"], index=[10, 3, 7, 1], dtype=object)
    before = raw.copy()
    out = standardise_national_ids(raw, country)
    assert list(out.columns) == COLUMNS
    assert out.index.equals(raw.index)
    pd.testing.assert_series_equal(raw, before)
    assert out.loc[10].to_dict() == out.loc[1].to_dict()
    assert out.national_id_valid.dtype == "boolean"  # three-valued: null = cannot be checked


def test_numbers_typed_as_numbers():
    out = standardise_national_ids(pd.Series([501964843, 52998234.0], dtype=object), pd.Series(["PT", "US"]))
    assert out.national_id_std.tolist() == ["501964843", "052998234"]
    assert out.national_id_valid.tolist() == [True, True]


def test_empty_input():
    out = standardise_national_ids(pd.Series([], dtype=object), pd.Series([], dtype=object))
    assert len(out) == 0 and list(out.columns) == COLUMNS
