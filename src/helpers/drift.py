"""Drift: a share that moved a lot since the previous good run is worth a warning.

A scheduled run on this week's exports passes every threshold and still differs sharply from
last week's — valid emails down 20 points after a CRM upgrade, half the duplicates gone after a
mapping change, contactable reach collapsed after a consent column was renamed. Those are what
a scheduled run most needs to catch. Stages record a few named shares (`ctx.record(shares=…)`);
the runner compares each with the same share of the `latest` run and warns, with both figures,
when it moved by more than `drift_points` percentage points (config/pipeline.yaml).
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import pandas as pd


def share_true(flags: pd.Series, among: pd.Series | None = None) -> float | None:
    """Share of `flags` that are True among the rows where `among` holds (all rows without it).

    Null flags (cannot be checked) count as not True; no rows at all give None, not 0, so an
    empty source does not read as a collapse.
    """
    if among is not None:
        flags = flags[among.fillna(False).astype(bool).to_numpy()]
    if len(flags) == 0:
        return None
    return round(float(flags.eq(True).sum()) / len(flags), 4)


def drift_warnings(
    stage: str,
    current: dict[str, Any] | None,
    previous: dict[str, Any] | None,
    previous_run: str | None,
    limit_points: float,
) -> list[dict[str, str]]:
    """One warning per share present in both runs that moved by more than `limit_points` points."""
    if not current or not previous or not limit_points:
        return []
    warnings = []
    for name, now in current.items():
        before = previous.get(name)
        if not _number(now) or not _number(before):
            continue
        moved = (float(now) - float(before)) * 100
        if abs(moved) > limit_points:
            warnings.append(
                {
                    "table": stage,
                    "expectation": f"drift({name})",
                    "detail": f"{float(before):.1%} in run {previous_run}, {float(now):.1%} now "
                    f"({moved:+.1f} points; warning above {limit_points:g})",
                    "why": "a sudden change since the previous good run usually means an export or mapping changed",
                }
            )
    return warnings


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
