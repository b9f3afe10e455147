"""`config/segments.yaml`: the analysts' rules for money, RFM, lifecycle and profile segments.

The file is edited by hand, so every problem is collected and reported at once, each naming the
file and the key, before any data is touched: a typo in a threshold must stop the stage with a
sentence, not with a KeyError deep in a groupby.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.config_file import read_checked
from helpers.currency import read_currency_rates
from helpers.settings import ANY, ConfigError, ListOf

SCORE_KEYS = ("r", "f", "m", "fm")
LIFECYCLE_KEYS = (
    "new_customer_days",
    "repeat_min_orders",
    "loyal_min_orders",
    "lapsed_after_days",
    "inactive_after_days",
)


class SegmentConfigError(ConfigError):
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


# Every key config/segments.yaml may hold (a misspelt `recent_window_days:` would silently keep
# the default windows).
SCHEMA = {
    "reporting_currency": ANY,
    "currency_rates": {"as_of": ANY, "rates": ANY},
    "source_currency": ANY,
    "recent_windows_days": ANY,
    "complaint_types": ANY,
    "rfm_segments": ListOf({"name": ANY, **dict.fromkeys(SCORE_KEYS, ANY)}, start=1),
    "lifecycle": dict.fromkeys(LIFECYCLE_KEYS, ANY),
    "referral_sources": ANY,
    "unlisted_referral": ANY,
}


def load_segment_config(path: str | Path) -> SegmentConfig:
    """Read and check `config/segments.yaml`; raises SegmentConfigError listing every problem."""
    path = Path(path)
    doc, problems = read_checked(path, "segment rules", SegmentConfigError, SCHEMA)

    money = read_currency_rates(doc, problems)

    windows = doc.get("recent_windows_days", [30, 90, 365])
    if not isinstance(windows, list) or not all(
        isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in windows
    ):
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
        raise SegmentConfigError(problems, path, "segment rules")
    return SegmentConfig(
        reporting_currency=money.reporting_currency,
        rates=money.rates,
        rates_as_of=money.rates_as_of,
        source_currency=money.source_currency,
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
        unknown = set(item) - {"name", *SCORE_KEYS}  # named by the key check (SCHEMA)
        ranges = {}
        for key in SCORE_KEYS:
            if key not in item:
                continue
            value = item[key]
            ok = (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and 1 <= value[0] <= value[1] <= 5
            )
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
            problems.append(
                f"rfm_segments: {len(gaps)} of 125 score combinations match no rule (e.g. {shown}); "
                "every customer who bought needs a segment"
            )
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
    values = {}  # unknown keys are named by the key check (SCHEMA)
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
