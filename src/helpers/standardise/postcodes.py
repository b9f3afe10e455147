"""Postcode standardiser: validate and format postcodes by the rules of their country.

A postcode is only meaningful with its country ("1000" is Lisbon in PT, nothing in ES), so every
rule is per country and the distinct (postcode, country) pairs are parsed once. Each country's
rules are a short ordered list of (pattern on the compact value, output template, issue): the
first pattern that matches formats the value, and the issue names any repair that was needed.
Everything runs as Arrow/RE2 column kernels, one pass per rule over one country's values.

Repairs are deliberately few and each one is named in `postcode_issue`, because a postcode that
was changed silently cannot be explained to the customer whose letter went astray.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.frames import object_frame
from helpers.standardise.countries import as_arrow, blank_to_null, squash
from helpers.standardise.distinct import per_distinct, three_valued

# Issue codes (None when the value was valid as given, apart from spacing/case/separators).
MISSING = "missing"
BAD_FORMAT = "bad_format"
BAD_RANGE = "bad_range"  # right shape, impossible value (ES province 53+, IT CAP under 00010 …)
PLACEHOLDER = "placeholder"  # 00000, 0000-000: "the form required a postcode"
LEADING_ZERO_RESTORED = "leading_zero_restored"  # 8001 → 08001: a spreadsheet ate the zero
LEGACY_4_DIGIT = "legacy_4_digit"  # PT 4-digit code from before 1998, still seen and still routable
OUTWARD_ONLY = "outward_only"  # GB "SW1A": a district, not an address
O_FOR_ZERO = "o_for_zero"  # GB "SW1A OAA": the inward code always starts with a digit
NO_COUNTRY = "no_country"  # no country to check the format against
UNCHECKED_FORMAT = "unchecked_format"  # a country without rules here: plausible, not verified


@dataclass(frozen=True)
class Rule:
    """One accepted shape: `pattern` (RE2, anchored) on the compact value → `template` (\\1 …)."""

    pattern: str
    template: str
    issue: str | None = None


# Compact value = upper case with spaces, dots, hyphens, dashes and slashes removed.
GB_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
GB_INWARD_LETTERS = r"[ABD-HJLNP-UW-Z]{2}"

RULES: dict[str, tuple[Rule, ...]] = {
    # ES: 5 digits, the first two the province (01-52); "E-28013" is the old international form.
    "ES": (
        Rule(r"^(?:ES|E)?(\d{5})$", r"\1"),
        Rule(r"^(?:ES|E)?(\d{4})$", r"0\1", LEADING_ZERO_RESTORED),
    ),
    # IT: 5-digit CAP; Rome's 001xx lose both zeros in spreadsheets, so 3-4 digits are padded.
    "IT": (
        Rule(r"^(?:IT|I)?(\d{5})$", r"\1"),
        Rule(r"^(?:IT|I)?(\d{4})$", r"0\1", LEADING_ZERO_RESTORED),
        Rule(r"^(?:IT|I)?(\d{3})$", r"00\1", LEADING_ZERO_RESTORED),
    ),
    # PT: NNNN-NNN since 1998; a bare NNNN (the old code, the first half of the new) is accepted.
    "PT": (
        Rule(r"^(?:PT|P)?([1-9]\d{3})(\d{3})$", r"\1-\2"),
        Rule(r"^(?:PT|P)?([1-9]\d{3})$", r"\1", LEGACY_4_DIGIT),
    ),
    # BR: CEP NNNNN-NNN, often written 01.310-100 or 01310100; São Paulo's 0xxxx lose the zero.
    "BR": (
        Rule(r"^(?:CEP:?)?(\d{5})(\d{3})$", r"\1-\2"),
        Rule(r"^(?:CEP:?)?(\d{4})(\d{3})$", r"0\1-\2", LEADING_ZERO_RESTORED),
    ),
    # GB: outward + inward; GIR 0AA is the one code outside the pattern.
    "GB": (
        Rule(rf"^({GB_OUTWARD})([0-9]{GB_INWARD_LETTERS})$", r"\1 \2"),
        Rule(r"^(GIR)(0AA)$", r"\1 \2"),
        Rule(rf"^({GB_OUTWARD})O({GB_INWARD_LETTERS})$", r"\1 0\2", O_FOR_ZERO),
        Rule(rf"^({GB_OUTWARD})$", r"\1", OUTWARD_ONLY),
    ),
    # US: ZIP or ZIP+4, maybe behind a state code ("MA 02139"); New England loses its zero.
    "US": (
        Rule(r"^(?:[A-Z]{2})?(\d{5})$", r"\1"),
        Rule(r"^(?:[A-Z]{2})?(\d{5})(\d{4})$", r"\1-\2"),
        Rule(r"^(?:[A-Z]{2})?(\d{4})$", r"0\1", LEADING_ZERO_RESTORED),
        Rule(r"^(?:[A-Z]{2})?(\d{4})(\d{4})$", r"0\1-\2", LEADING_ZERO_RESTORED),
    ),
    # A few other common formats, so that customers abroad are checked too.
    "DE": (Rule(r"^(?:DE|D)?(\d{5})$", r"\1"),),
    "FR": (Rule(r"^(?:FR|F)?(\d{5})$", r"\1"),),
    "NL": (Rule(r"^(?:NL)?([1-9]\d{3})([A-Z]{2})$", r"\1 \2"),),
    "BE": (Rule(r"^(?:BE|B)?([1-9]\d{3})$", r"\1"),),
    "CH": (Rule(r"^(?:CH)?([1-9]\d{3})$", r"\1"),),
    "AT": (Rule(r"^(?:AT|A)?([1-9]\d{3})$", r"\1"),),
    "LU": (Rule(r"^(?:LU|L)?(\d{4})$", r"\1"),),
    "DK": (Rule(r"^(?:DK)?([1-9]\d{3})$", r"\1"),),
    "NO": (Rule(r"^(?:NO)?(\d{4})$", r"\1"),),
    "SE": (Rule(r"^(?:SE)?([1-9]\d{2})(\d{2})$", r"\1 \2"),),
    "FI": (Rule(r"^(?:FI)?(\d{5})$", r"\1"),),
    "PL": (Rule(r"^(\d{2})(\d{3})$", r"\1-\2"),),
    "IE": (Rule(r"^([AC-FHKNPRTV-Y]\d{2}|D6W)([0-9AC-FHKNPRTV-Y]{4})$", r"\1 \2"),),
    "CA": (Rule(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])(\d[ABCEGHJ-NPRSTV-Z]\d)$", r"\1 \2"),),
    "AU": (Rule(r"^(\d{4})$", r"\1"),),
    "MX": (Rule(r"^(\d{5})$", r"\1"),),
    "AR": (Rule(r"^([A-Z]\d{4}[A-Z]{3})$", r"\1"), Rule(r"^(\d{4})$", r"\1")),
    "JP": (Rule(r"^(\d{3})(\d{4})$", r"\1-\2"),),
    "IN": (Rule(r"^([1-9]\d{5})$", r"\1"),),
    "CN": (Rule(r"^(\d{6})$", r"\1"),),
}

# Numeric ranges a well-shaped code must also fall in: (first N characters, min, max).
RANGES: dict[str, tuple[int, int, int]] = {
    "ES": (2, 1, 52),  # province
    "IT": (5, 10, 98168),
    "US": (5, 501, 99950),
    "BR": (5, 1000, 99999),
}
# A value with no digit, or longer than this once compacted, is not a postcode anywhere.
GENERIC_PLAUSIBLE = r"^[A-Z0-9]*[0-9][A-Z0-9]*$"
GENERIC_MIN_LENGTH = 3
GENERIC_MAX_LENGTH = 10
# Group label for rows without a country (numpy would strip a NUL sentinel to "").
NO_COUNTRY_KEY = "~no-country~"


def compact(arr: pa.Array) -> pa.Array:
    """Upper case with separators removed: 'sw1a 1aa' → 'SW1A1AA', '01.310-100' → '01310100'.

    A spreadsheet's '28013.0' loses its '.0' first, before dots are treated as separators.
    """
    arr = pc.utf8_upper(arr)
    arr = pc.replace_substring_regex(arr, r"^(\d+)\.0+$", r"\1")
    return pc.replace_substring_regex(arr, r"[\s.\-\x{2010}-\x{2015}/_,]+", "")


def _apply_rules(values: pa.Array, rules: tuple[Rule, ...]) -> tuple[pa.Array, pa.Array]:
    """Formatted value and issue for the first rule each value matches (nulls where none does)."""
    null_str = pa.scalar(None, pa.string())
    std = pa.nulls(len(values), pa.string())
    issue = pa.nulls(len(values), pa.string())
    for rule in rules:
        hit = pc.and_(pc.is_null(std), pc.fill_null(pc.match_substring_regex(values, rule.pattern), False))
        formatted = pc.replace_substring_regex(values, rule.pattern, rule.template)
        std = pc.if_else(hit, formatted, std)
        issue = pc.if_else(hit, pa.scalar(rule.issue, pa.string()) if rule.issue else null_str, issue)
    return std, issue


def _out_of_range(std: pa.Array, country: str) -> pa.Array:
    """True where a well-shaped code falls outside its country's numeric range."""
    if country not in RANGES:
        return pa.array(np.zeros(len(std), dtype=bool))
    width, low, high = RANGES[country]
    head = pc.utf8_slice_codeunits(pc.fill_null(std, ""), 0, width)
    digits = pc.match_substring_regex(head, rf"^\d{{{width}}}$")
    number = pc.cast(pc.if_else(digits, head, pa.scalar("0")), pa.int64())
    bad = pc.or_(pc.less(number, low), pc.greater(number, high))
    return pc.and_(pc.and_(digits, bad), pc.is_valid(std))


def _standardise_country(cleaned: pa.Array, country: str | None) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(postcode_std, postcode_valid, postcode_issue) for the values of one country."""
    packed = compact(cleaned)
    zeros = pc.fill_null(pc.match_substring_regex(packed, r"^0+$"), False)
    rules = RULES.get(country or "")
    if rules is None:
        length = pc.utf8_length(packed)
        plausible = pc.and_(
            pc.fill_null(pc.match_substring_regex(packed, GENERIC_PLAUSIBLE), False),
            pc.and_(pc.greater_equal(length, GENERIC_MIN_LENGTH), pc.less_equal(length, GENERIC_MAX_LENGTH)),
        )
        std = pc.utf8_upper(cleaned)
        ok = pc.and_(plausible, pc.invert(zeros))
        label = NO_COUNTRY if country is None else UNCHECKED_FORMAT
        issue = pc.if_else(zeros, pa.scalar(PLACEHOLDER), pc.if_else(ok, pa.scalar(label), pa.scalar(BAD_FORMAT)))
        # Plausible but unchecked: null, not True (nobody checked it) and not False (nothing is wrong).
        valid = pc.if_else(ok, pa.scalar(None, pa.bool_()), pa.scalar(False))
        return std, valid, issue
    assert country is not None  # RULES has rules for named countries only
    std, issue = _apply_rules(packed, rules)
    matched = pc.is_valid(std)
    bad_range = _out_of_range(std, country)
    valid = pc.and_(pc.and_(matched, pc.invert(bad_range)), pc.invert(zeros))
    valid = pc.and_(valid, pc.invert(pc.equal(pc.fill_null(issue, ""), OUTWARD_ONLY)))
    issue = pc.if_else(matched, issue, pa.scalar(BAD_FORMAT))
    issue = pc.if_else(bad_range, pa.scalar(BAD_RANGE), issue)
    issue = pc.if_else(zeros, pa.scalar(PLACEHOLDER), issue)
    # An unusable value is kept as typed (upper case, spaced) so that nothing is lost.
    std = pc.if_else(matched, std, pc.utf8_upper(cleaned))
    return std, valid, issue


def _standardise_distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """Postcode columns for distinct (postcode, country) pairs, one country's rules at a time."""
    cleaned = blank_to_null(squash(as_arrow(frame["postcode"])))
    countries = frame["country"].astype(object).where(frame["country"].notna(), None)
    countries = countries.map(lambda c: c.strip().upper() if isinstance(c, str) and c.strip() else None)
    n = len(frame)
    std = np.full(n, None, dtype=object)
    valid = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    issue = np.full(n, MISSING, dtype=object)
    groups = countries.groupby(countries.fillna(NO_COUNTRY_KEY), sort=False).indices
    for country, positions in groups.items():
        take = pa.array(positions, type=pa.int64())
        code = None if country == NO_COUNTRY_KEY else country
        g_std, g_valid, g_issue = _standardise_country(cleaned.take(take), code)
        present = pc.is_valid(cleaned.take(take)).to_numpy(zero_copy_only=False)
        rows = positions[present]
        std[rows] = np.array(g_std.to_pylist(), dtype=object)[present]
        valid[rows] = pc.fill_null(g_valid, False).to_numpy(zero_copy_only=False)[present]
        unknown[rows] = pc.is_null(g_valid).to_numpy(zero_copy_only=False)[present]
        issue[rows] = np.array(g_issue.to_pylist(), dtype=object)[present]
    return object_frame({"postcode_std": std, "postcode_valid": three_valued(valid, unknown), "postcode_issue": issue})


def standardise_postcodes(postcode: pd.Series, country: pd.Series) -> pd.DataFrame:
    """Formatted, validated postcodes for the given (already standardised, alpha-2) countries.

    Columns (same index as `postcode`):
    - `postcode_std`: the postcode in its country's format (ES "28013", IT "00184", PT "1000-001"
      or legacy "1000", BR "01310-100", GB "SW1A 1AA", US "02139"/"02139-4307", and a dozen other
      countries); a value that fits no rule is kept trimmed and upper-cased, never dropped;
      None only when the raw value is missing.
    - `postcode_valid`: the value is a well-formed postcode for its country. A lost leading zero
      (ES/IT/US/BR, a spreadsheet artefact with one sensible repair) and a PT 4-digit code count
      as valid; a GB outward code alone does not (it names a district, not an address). For a
      country without rules, or no country, a plausible value (3-10 letters/digits with a digit)
      is null — cannot be checked, not known bad — and the issue says why (no_country,
      unchecked_format); an implausible one (no digit, too long, all zeros) is False.
      Nullable boolean ("boolean"); a missing postcode is False.
    - `postcode_issue`: None when clean, else one of missing, bad_format, bad_range, placeholder,
      leading_zero_restored, legacy_4_digit, outward_only, o_for_zero, no_country,
      unchecked_format.
    """
    frame = pd.DataFrame(
        {"postcode": postcode.astype(object), "country": country.reindex(postcode.index).astype(object)}
    )
    return per_distinct(frame, _standardise_distinct)
