"""Phone standardisation: every format people type, and agreement with libphonenumber."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType, ValidationResult

import helpers.standardise.phones as phones
from helpers.standardise.phones import COLUMNS, standardise_phones

# (raw, record country, phone_std, phone_valid, phone_type, phone_country, phone_issue)
CASES = [
    ("+34 612 345 678", "ES", "+34612345678", True, "mobile", "ES", None),
    ("0034612345678", "ES", "+34612345678", True, "mobile", "ES", None),
    ("612-345-678", "ES", "+34612345678", True, "mobile", "ES", None),
    ("(612) 345678", "ES", "+34612345678", True, "mobile", "ES", None),
    ("tel: 612345678", "ES", "+34612345678", True, "mobile", "ES", None),
    ("612 345 678 ext. 12", "ES", "+34612345678", True, "mobile", "ES", None),
    ("612345678 x123", "ES", "+34612345678", True, "mobile", "ES", None),
    ("612 34 56 78 (casa)", "ES", "+34612345678", True, "mobile", "ES", None),
    ("34612345678", "ES", "+34612345678", True, "mobile", "ES", None),  # own code, no + or 00
    ("91 123 45 67", "ES", "+34911234567", True, "fixed_line", "ES", None),
    ("900 123 456", "ES", "+34900123456", True, "toll_free", "ES", None),
    ("+44 (0)7400 123456", "ES", "+447400123456", True, "mobile", "GB", None),  # keeps its own country
    ("07400 123456", "GB", "+447400123456", True, "mobile", "GB", None),
    ("+44 1481 256789", "GB", "+441481256789", True, "fixed_line", "GG", None),  # Guernsey shares +44
    ("020 7946 0958", "GB", "+442079460958", True, "fixed_line", "GB", None),
    ("+1 (212) 555-0199", "US", "+12125550199", True, "fixed_line_or_mobile", "US", None),
    ("212.555.0199", "US", "+12125550199", True, "fixed_line_or_mobile", "US", None),
    ("1-212-555-0199", "US", "+12125550199", True, "fixed_line_or_mobile", "US", None),
    ("416-555-0199", "US", "+14165550199", True, "fixed_line_or_mobile", "CA", None),  # +1 but Canada
    ("0044 7400 123456", "US", "+447400123456", True, "mobile", "GB", None),  # 00 in the +1 zone
    ("011 44 7400 123456", "US", "+447400123456", True, "mobile", "GB", None),
    ("11 98765-4321", "BR", "+5511987654321", True, "mobile", "BR", None),
    ("+55 (11) 98765-4321", "BR", "+5511987654321", True, "mobile", "BR", None),
    ("(011) 98765-4321", "BR", "+5511987654321", True, "mobile", "BR", None),  # trunk 0
    ("0 15 11 98765 4321", "BR", "+5511987654321", True, "mobile", "BR", None),  # trunk + carrier 15
    ("0055 11 98765 4321", "BR", "+5511987654321", True, "mobile", "BR", None),  # not carrier 55
    ("+351 912 345 678", "PT", "+351912345678", True, "mobile", "PT", None),
    ("21 123 4567", "PT", "+351211234567", True, "fixed_line", "PT", None),
    ("06 1234 5678", "IT", "+390612345678", True, "fixed_line", "IT", None),  # the 0 is part of it
    ("+39 06 1234 5678", "ES", "+390612345678", True, "fixed_line", "IT", None),
    ("+39 312 345 6789", "IT", "+393123456789", True, "mobile", "IT", None),
    ("06 12 34 56 78", "FR", "+33612345678", True, "mobile", "FR", None),
    ("+49 (0)30 1234567", "DE", "+49301234567", True, "fixed_line", "DE", None),
    ("+34 612 345 678", None, "+34612345678", True, "mobile", "ES", None),
    ("0034 612 345 678", None, "+34612345678", True, "mobile", "ES", None),
    ("612345678", None, None, None, None, None, "no country"),  # cannot be judged: validity null
    ("＋34 612 345 678", "ES", "+34612345678", True, "mobile", "ES", None),  # full-width plus
    ("1-800-FLOWERS", "US", "+18003569377", True, "toll_free", "US", None),  # vanity number
    ("612 345 67", "ES", None, False, None, None, "too short"),
    ("6123456789012", "ES", None, False, None, None, "too long"),
    ("600 000 000", "ES", None, False, None, None, "placeholder"),
    ("000000000", "ES", None, False, None, None, "placeholder"),
    ("123456789", "PT", None, False, None, None, "placeholder"),
    ("+34 (0) 612345678", "ES", None, False, None, None, "too long"),  # Spain has no trunk 0
    ("500 123 456", "ES", "+34500123456", False, None, "ES", "invalid for country"),
    ("n/a", "ES", None, False, None, None, "missing"),
    (None, "ES", None, False, None, None, "missing"),
]


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return standardise_phones(
        pd.Series([c[0] for c in CASES], dtype=object), pd.Series([c[1] for c in CASES], dtype=object)
    )


@pytest.mark.parametrize("pos", range(len(CASES)), ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_hard_cases(results, pos):
    _, _, std, valid, kind, country, issue = CASES[pos]
    row = results.iloc[pos]
    got_valid = None if pd.isna(row.phone_valid) else bool(row.phone_valid)
    assert (row.phone_std, got_valid, row.phone_type, row.phone_country, row.phone_issue) == (
        std,
        valid,
        kind,
        country,
        issue,
    )


# --- agreement with libphonenumber on generated numbers -------------------------------------

REGIONS = ["ES", "IT", "PT", "BR", "GB", "US", "FR", "DE"]
TYPES = [
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.VOIP,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.UAN,
]
TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.VOIP: "voip",
}


def generated_numbers(n: int, seed: int = 5) -> pd.DataFrame:
    """Example numbers of each region/type with random tails (some a digit short or long),
    written in the national, international, E.164 and 00 forms, with some junk around them."""
    rng = np.random.default_rng(seed)
    examples = [(r, phonenumbers.example_number_for_type(r, t)) for r in REGIONS for t in TYPES]
    examples = [(r, e) for r, e in examples if e is not None]
    rows = []
    for _ in range(n):
        region, example = examples[rng.integers(len(examples))]
        nsn = phonenumbers.national_significant_number(example)
        keep = max(1, len(nsn) - 5)
        tail = "".join(str(d) for d in rng.integers(0, 10, size=len(nsn) - keep))
        nsn = nsn[:keep] + tail
        if rng.random() < 0.08:
            nsn = nsn[:-1] if rng.random() < 0.5 else nsn + str(rng.integers(0, 10))
        number = phonenumbers.parse(f"+{example.country_code}{nsn}", None)
        style = rng.integers(0, 6)
        if style == 0:
            text = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        elif style == 1:
            text = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        elif style == 2:
            text = "00" + phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
        elif style == 3:
            text = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        elif style == 4:
            text = re.sub(r"\D", "", phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
        else:
            text = re.sub(
                r" ", rng.choice(["-", ".", ""]), phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
            )
        if rng.random() < 0.05:
            text += rng.choice([" ext. 12", " x123", "  "])
        if rng.random() < 0.05:
            text = rng.choice(["tel: ", "Tel. ", " "]) + text
        home = region if rng.random() < 0.85 else rng.choice(REGIONS)
        if rng.random() < 0.04:
            home = None
        # Our deliberate departures from libphonenumber concern "00" where its rules do not read
        # it as international (no country, +1 zone, BR carrier codes); keep those out.
        if text.lstrip().startswith("00") and home in (None, "US", "BR"):
            continue
        rows.append((text, home))
    return pd.DataFrame(rows, columns=["phone", "country"], dtype=object)  # None stays None (not NaN)


def libphonenumber_says(text: str, region: str | None) -> tuple:
    """The expected output, straight from phonenumbers, with the documented column meanings."""
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return (None, False, None, None)
    nsn = phonenumbers.national_significant_number(num)
    placeholder = re.fullmatch(r"(\d)\1{5,}|\d(\d)\2{6,}", nsn) is not None or (
        len(nsn) >= 6 and (nsn in "01234567890123456789" or nsn in "98765432109876543210")
    )
    valid = phonenumbers.is_valid_number(num) and not placeholder
    possible = phonenumbers.is_possible_number_with_reason(num) == ValidationResult.IS_POSSIBLE
    has_std = (valid or possible) and not placeholder
    kind = phonenumbers.number_type(num)
    return (
        phonenumbers.format_number(num, PhoneNumberFormat.E164) if has_std else None,
        valid,
        (TYPE_NAMES.get(kind, "other") if valid else None),
        phonenumbers.region_code_for_number(num) if has_std else None,
    )


def test_agreement_with_phonenumbers_on_generated_numbers(monkeypatch):
    sample = generated_numbers(4000)
    calls = []
    real_fallback = phones._fallback_one
    monkeypatch.setattr(phones, "_fallback_one", lambda t, r: calls.append(t) or real_fallback(t, r))

    out = standardise_phones(sample.phone, sample.country)
    got = list(zip(out.phone_std, out.phone_valid.fillna(False).astype(bool), out.phone_type, out.phone_country))
    expected = [libphonenumber_says(t, r) for t, r in zip(sample.phone, sample.country)]
    same = np.array([g == e for g, e in zip(got, expected)])
    assert same.mean() >= 0.995, [(t, g, e) for t, g, e in zip(sample.phone, got, expected) if g != e][:10]
    assert len(calls) < 0.01 * len(sample)  # it was the column path that agreed, not the fallback
    assert 0.5 < out.phone_valid.mean() < 0.95  # the sample holds valid and invalid numbers
    for region in REGIONS:  # every region of the brief is really in the sample
        assert (out.phone_country == region).sum() > 20


def test_column_path_equals_fallback_path_on_odd_inputs():
    odd = pd.DataFrame(
        {
            "phone": [
                "+34 612 345 678 / x12",
                "612345678#",
                "+(34) 612-345-678",
                "++34612345678",
                "(+44) 07400 123456",
                "0034 (0) 612345678",
                "+0034612345678",
                "+800 1234 5678",
                "+999 123",
                "12",
                "1",
                "-",
                "",
                "612 345 678 int. 5",
                "+1 242 357 1234",
                "+7 701 123 4567",
                "+262 269 61 23 45",
            ],
            "country": [
                "ES",
                "ES",
                None,
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "ES",
                "US",
                None,
                "FR",
            ],
        }
    )
    fast = phones._standardise_distinct(odd)
    slow = phones._standardise_distinct(odd, force_fallback=True)
    pd.testing.assert_frame_equal(fast, slow)


def test_index_preserved_and_raw_untouched():
    raw = pd.Series(
        ["612 345 678", None, "+44 7400 123456", "612 345 678", 612345678],
        index=[7, 3, 9, 1, 5],
        dtype=object,
        name="phone",
    )
    country = pd.Series(["ES", "ES", "ES", "ES", "ES"], index=[7, 3, 9, 1, 5], dtype=object)
    before = raw.copy()
    out = standardise_phones(raw, country)
    assert list(out.columns) == COLUMNS
    assert out.index.equals(raw.index)
    pd.testing.assert_series_equal(raw, before)
    assert out.loc[7].to_dict() == out.loc[1].to_dict()
    assert out.loc[5, "phone_std"] == "+34612345678"  # a number typed as a number
    assert out.phone_valid.dtype == "boolean"  # three-valued: null = cannot be judged


def test_empty_input():
    out = standardise_phones(pd.Series([], dtype=object), pd.Series([], dtype=object))
    assert len(out) == 0 and list(out.columns) == COLUMNS


def test_a_number_longer_than_e164_allows_gets_no_standard_form():
    """E.164 has at most 15 digits; German metadata calls some longer strings 'possible'."""
    out = standardise_phones(pd.Series(["16 00 55 50 11 05 27 3", "+49 30 123456"]), pd.Series(["DE", "DE"]))
    assert out["phone_std"].tolist() == [None, "+4930123456"]
    assert out["phone_issue"].tolist() == ["too long", None]
    assert not out["phone_valid"].iloc[0] and not pd.isna(out["phone_valid"].iloc[0])
