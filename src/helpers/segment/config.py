"""`config/segments.yaml`: the analysts' rules for money, RFM, lifecycle and profile segments.

The file is edited by hand, so every problem is collected and reported at once, each naming the
file and the key, before any data is touched: a typo in a threshold must stop the stage with a
sentence, not with a KeyError deep in a groupby.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.config_file import read_yaml

SCORE_KEYS = ("r", "f", "m", "fm")
LIFECYCLE_KEYS = ("new_customer_days", "repeat_min_orders", "loyal_min_orders", "lapsed_after_days",
                  "inactive_after_days")


class SegmentConfigError(ValueError):
    """The segment rules cannot be used; the message names the file and every bad key."""


@dataclass(frozen=True)
class SegmentRule:
    """A named RFM segment: inclusive score ranges on some of r, f, m and fm."""

    name: str
    ranges: dict[str, tuple[int, int]]

    def contains(self, scores: dict[str, int]) -> bool:
        return all(lo <= scores[k] <= hi for k, (lo, hi) in self.ranges.items())


@dataclass(frozen=True)
class Lifecycle:
    new_customer_days: int = 90
    repeat_min_orders: int = 2
    loyal_min_orders: int = 5
    lapsed_after_days: int = 180
    inactive_after_days: int = 365


@dataclass(frozen=True)
class SegmentConfig:
    reporting_currency: str
    rates: dict[str, float]
    rates_as_of: str
    source_currency: dict[str, str] = field(default_factory=dict)
    windows: tuple[int, ...] = (30, 90, 365)
    complaint_types: tuple[str, ...] = ("complaint",)
    rfm_segments: tuple[SegmentRule, ...] = ()
    lifecycle: Lifecycle = Lifecycle()
    referral_sources: tuple[str, ...] = ()
    unlisted_referral: str = "other"


def fm_score(f: int, m: int) -> int:
    """F and M as one score: their mean rounded up, so 4 and 5 make a 5 (integers 1..5)."""
    return (f + m + 1) // 2


def load_segment_config(path: str | Path) -> SegmentConfig:
    """Read and check `config/segments.yaml`; raises SegmentConfigError listing every problem."""
    path = Path(path)
    doc = read_yaml(path, "segment rules", SegmentConfigError)
    problems: list[str] = []

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

    windows = doc.get("recent_windows_days", [30, 90, 365])
    if not isinstance(windows, list) or not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in windows):
        problems.append(f"recent_windows_days: {windows!r} must be a list of positive whole days")
        windows = []
    complaint_types = doc.get("complaint_types", ["complaint"])
    if not isinstance(complaint_types, list) or not complaint_types:
        problems.append("complaint_types: list the interaction types that count as complaints")
        complaint_types = []

    rules = _rules(doc.get("rfm_segments"), problems)
    lifecycle = _lifecycle(doc.get("lifecycle"), problems)

    referral = doc.get("referral_sources") or []
    if not isinstance(referral, list):
        problems.append("referral_sources: expected a list of referral source values")
        referral = []

    if problems:
        raise SegmentConfigError(f"{path}: the segment rules have problems:\n  - " + "\n  - ".join(problems))
    return SegmentConfig(
        reporting_currency=reporting,
        rates=rates,
        rates_as_of=as_of,
        source_currency={str(k): str(v).upper() for k, v in source_currency.items()},
        windows=tuple(sorted(set(windows))),
        complaint_types=tuple(str(t) for t in complaint_types),
        rfm_segments=tuple(rules),
        lifecycle=lifecycle,
        referral_sources=tuple(str(r) for r in referral),
        unlisted_referral=str(doc.get("unlisted_referral") or "other"),
    )


def _rules(spec: Any, problems: list[str]) -> list[SegmentRule]:
    if not isinstance(spec, list) or not spec:
        problems.append("rfm_segments: list the named segments, e.g. - {name: Champions, r: [5, 5], fm: [4, 5]}")
        return []
    rules, names = [], set()
    for i, item in enumerate(spec, start=1):
        where = f"rfm_segments[{i}]"
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            problems.append(f"{where}: needs a name")
            continue
        name = str(item["name"]).strip()
        where = f"rfm_segments[{i}] ({name})"
        if name in names:
            problems.append(f"{where}: the name is used twice")
        names.add(name)
        unknown = set(item) - {"name", *SCORE_KEYS}
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(SCORE_KEYS)}")
        ranges = {}
        for key in SCORE_KEYS:
            if key not in item:
                continue
            value = item[key]
            ok = (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                  and 1 <= value[0] <= value[1] <= 5)
            if not ok:
                problems.append(f"{where}.{key}: {value!r} must be [low, high] with 1 <= low <= high <= 5")
                continue
            ranges[key] = (value[0], value[1])
        if not ranges and not unknown:
            problems.append(f"{where}: give at least one score range ({', '.join(SCORE_KEYS)})")
        rules.append(SegmentRule(name, ranges))
    if rules and not any(p.startswith("rfm_segments") for p in problems):
        gaps = uncovered(rules)
        if gaps:
            shown = ", ".join(f"r={r} f={f} m={m}" for r, f, m in gaps[:5])
            problems.append(f"rfm_segments: {len(gaps)} of 125 score combinations match no rule (e.g. {shown}); "
                            "every customer who bought needs a segment")
    return rules


def uncovered(rules: list[SegmentRule] | tuple[SegmentRule, ...]) -> list[tuple[int, int, int]]:
    """The (r, f, m) score combinations no rule names (125 at most: a plain loop is fine)."""
    gaps = []
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        scores = {"r": r, "f": f, "m": m, "fm": fm_score(f, m)}
        if not any(rule.contains(scores) for rule in rules):
            gaps.append((r, f, m))
    return gaps


def _lifecycle(spec: Any, problems: list[str]) -> Lifecycle:
    if spec is None:
        return Lifecycle()
    if not isinstance(spec, dict):
        problems.append("lifecycle: expected a mapping of thresholds")
        return Lifecycle()
    unknown = set(spec) - set(LIFECYCLE_KEYS)
    if unknown:
        problems.append(f"lifecycle: unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(LIFECYCLE_KEYS)}")
    values = {}
    for key in LIFECYCLE_KEYS:
        if key not in spec:
            continue
        v = spec[key]
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            problems.append(f"lifecycle.{key}: {v!r} must be a whole number of at least 1")
        else:
            values[key] = v
    life = Lifecycle(**values)
    if life.inactive_after_days <= life.lapsed_after_days:
        problems.append("lifecycle: inactive_after_days must be greater than lapsed_after_days")
    if life.loyal_min_orders <= life.repeat_min_orders:
        problems.append("lifecycle: loyal_min_orders must be greater than repeat_min_orders")
    return life


def _is_currency(code: str) -> bool:
    return len(code) == 3 and code.isalpha()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
