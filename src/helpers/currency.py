"""Amounts in many currencies, converted to one reporting currency with fixed, configured rates.

Summing euros and reais as if they were one currency is the quiet error that makes a Brazilian
customer look five times as valuable as she is; so conversion is explicit, the rates are the
analysts' (config/segments.yaml, never fetched), and a currency without a rate stops the stage
with the currency, the source and the count rather than being dropped or guessed.

Shared by stage 05 (household spend) and stage 07 (segments): the money keys of
`config/segments.yaml` (`reporting_currency`, `currency_rates`, `source_currency`) are read by
`read_currency_rates` — inside `helpers.segment.config.load_segment_config`, which checks the
whole file, and by `load_currency_rates` for a stage that needs only the money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.config_file import read_yaml
from helpers.settings import ConfigError
from helpers.standardise.distinct import as_arrow_text, map_distinct


class Rates(Protocol):
    """What conversion needs: `CurrencyRates`, or any config that carries the same settings
    (`helpers.segment.config.SegmentConfig`)."""

    @property
    def reporting_currency(self) -> str: ...

    @property
    def rates(self) -> dict[str, float]: ...

    @property
    def source_currency(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class CurrencyRates:
    """The money settings of config/segments.yaml: reporting currency, fixed rates (reporting
    currency per unit), when they were read off, and each source's default currency."""

    reporting_currency: str
    rates: dict[str, float]
    rates_as_of: str
    source_currency: dict[str, str] = field(default_factory=dict)


def read_currency_rates(doc: dict[str, Any], problems: list[str]) -> CurrencyRates:
    """The money keys of a config/segments.yaml document, checked; each problem is appended to
    `problems` (key path and sentence) for the caller to raise with the file's others."""
    reporting = str(doc.get("reporting_currency") or "").strip().upper()
    if not _is_currency(reporting):
        problems.append(f"reporting_currency: {doc.get('reporting_currency')!r} is not a 3-letter currency code")
    rates_doc = doc.get("currency_rates") or {}
    rates: dict[str, float] = {}
    if not isinstance(rates_doc, dict) or not isinstance(rates_doc.get("rates"), dict) or not rates_doc["rates"]:
        problems.append("currency_rates.rates: give the fixed rate of every currency, e.g. {EUR: 1.0, GBP: 1.16}")
    else:
        for code, rate in rates_doc["rates"].items():
            key = f"currency_rates.rates.{code}"
            if not _is_currency(str(code)):
                problems.append(f"{key}: not a 3-letter currency code")
            elif not _is_number(rate) or float(rate) <= 0:
                problems.append(f"{key}: {rate!r} is not a positive number")
            else:
                rates[str(code).upper()] = float(rate)
        if reporting and reporting in rates and rates[reporting] != 1.0:
            problems.append(f"currency_rates.rates.{reporting}: the reporting currency's rate must be 1.0")
        if reporting and rates and reporting not in rates:
            rates[reporting] = 1.0
    as_of = str((rates_doc or {}).get("as_of") or "") if isinstance(rates_doc, dict) else ""
    if not as_of:
        problems.append("currency_rates.as_of: say when the fixed rates were read off (YYYY-MM-DD)")

    source_currency = doc.get("source_currency") or {}
    if not isinstance(source_currency, dict):
        problems.append("source_currency: expected {source: CURRENCY}")
        source_currency = {}
    for source, code in source_currency.items():
        if str(code).upper() not in rates:
            problems.append(f"source_currency.{source}: {code!r} has no rate in currency_rates.rates")
    return CurrencyRates(
        reporting_currency=reporting,
        rates=rates,
        rates_as_of=as_of,
        source_currency={str(k): str(v).upper() for k, v in source_currency.items()},
    )


def load_currency_rates(path: str | Path) -> CurrencyRates:
    """Only the money settings of `config/segments.yaml`; raises ConfigError listing every problem.

    The file's other keys (segments, lifecycle, ...) are stage 07's and are checked by its
    loader and by `clientela validate` before a run, not here.
    """
    path = Path(path)
    problems: list[str] = []
    rates = read_currency_rates(read_yaml(path, "currency rates", ConfigError), problems)
    if problems:
        raise ConfigError(problems, path, "currency rates")
    return rates


def _is_currency(code: str) -> bool:
    return len(code) == 3 and code.isalpha()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class UnknownCurrency(ValueError):
    """A transaction's currency has no configured rate (or it has none and its source no default)."""


def currency_codes(currency: pd.Series, source: pd.Series, source_currency: dict[str, str]) -> pd.Series:
    """ISO codes, upper-cased; a missing code takes its source's configured default (else stays missing)."""
    codes = map_distinct(currency, _code)
    if source_currency:
        codes = codes.where(codes.notna(), map_distinct(source, lambda s: s.map(source_currency)))
    return codes


def _code(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper()
    return text.mask(text.eq(""))


def to_reporting(amount: pd.Series, currency: pd.Series, source: pd.Series, config: Rates) -> pd.Series:
    """`amount` in the reporting currency (float); raises UnknownCurrency listing every gap.

    The check covers only rows that carry an amount: a row whose amount could not be read is
    reported by the caller, and its currency does not matter.
    """
    codes = currency_codes(currency, source, config.source_currency)
    rate = map_distinct(codes, lambda c: c.map(config.rates)).astype("float64")
    missing = rate.isna() & amount.notna()
    if missing.any():
        gaps = (
            pd.DataFrame({"currency": codes[missing].fillna("(none)"), "source": source[missing]})
            .value_counts()
            .rename("transactions")
            .reset_index()
        )
        lines = [f"{r.currency} in source '{r.source}': {r.transactions:,} transactions" for r in gaps.itertuples()]
        raise UnknownCurrency(
            f"no conversion rate to {config.reporting_currency} for:\n  - "
            + "\n  - ".join(lines)
            + f"\nAdd the rate under currency_rates.rates (or a source default under source_currency) in "
            f"config/segments.yaml; known: {', '.join(sorted(config.rates))}"
        )
    return (amount.astype("float64") * rate).round(2).astype("float64")


def parse_amounts(values: pd.Series) -> pd.Series:
    """Amount text as numbers (float, NaN when unreadable), whatever the source's habits.

    Plain numbers ('388.55', '-12') are read directly by Arrow: nearly every value, one pass. The
    rest go through a cascade: currency signs and spaces dropped; the decimal mark is the LAST
    '.' or ',' when one or two digits follow it, any other mark is a thousands separator
    ('1.234,50', '1,234.50', '1234,5'); accounting brackets '(12.00)' or a trailing minus mean
    a negative amount.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = pc.utf8_trim_whitespace(
        pa.chunked_array(as_arrow_text(values).array.__arrow_array__()).combine_chunks().cast(pa.string())
    )
    plain = pc.fill_null(pc.match_substring_regex(text, r"^[+-]?\d+(\.\d+)?$"), False)
    out = pc.cast(pc.if_else(plain, text, None), pa.float64()).to_numpy(zero_copy_only=False)
    todo = ~plain.to_numpy(zero_copy_only=False) & pc.fill_null(pc.not_equal(text, ""), False).to_numpy(
        zero_copy_only=False
    )
    out = pd.Series(out, index=values.index, dtype="float64")
    if todo.any():
        rest = pd.Series(text.filter(pa.array(todo)).to_numpy(zero_copy_only=False), dtype="string")
        out[todo] = _parse_formatted(rest).to_numpy()
    return out


def _parse_formatted(text: pd.Series) -> pd.Series:
    number = r"(?:\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:[.,]\d{1,2})?"
    shape = rf"\(?\s*[-+]?\s*[^\d\s().,+-]{{0,3}}\s*[-+]?{number}\s*[^\d\s().,+-]{{0,3}}\s*-?\s*\)?"
    readable = text.str.fullmatch(shape).fillna(False).to_numpy(bool)
    negative = (text.str.contains(r"^\(.*\)$|^[^\d]*-|-\s*$", regex=True).fillna(False)).to_numpy(bool)
    digits = text.str.replace(r"[^\d.,]", "", regex=True)
    cents = digits.str.extract(r"[.,](\d{1,2})$")[0]
    whole = digits.str.replace(r"[.,]\d{1,2}$", "", regex=True).str.replace(r"[.,]", "", regex=True)
    joined = (whole + "." + cents).where(cents.notna(), whole)
    out = pd.to_numeric(joined.replace("", pd.NA).to_numpy(dtype=object, na_value=None), errors="coerce")
    out = np.where(readable, out, np.nan)
    return pd.Series(np.where(negative, -out, out), index=text.index, dtype="float64")
