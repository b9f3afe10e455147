"""Time as the generator sees it: everything is relative to the as-of date, in UTC seconds.

No wall clock is ever read, so a rerun with the same as-of date writes the same timestamps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DAY = 86_400
YEAR = 365.2425 * DAY
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Clock:
    as_of: dt.date

    @property
    def day(self) -> int:
        """Days from 1970-01-01 to the as-of date."""
        return (self.as_of - EPOCH).days

    @property
    def end(self) -> int:
        """The last second of the as-of day (UTC): nothing in any file happens after it."""
        return (self.day + 1) * DAY - 1

    def at(self, days_before: int, hour: int = 0, minute: int = 0) -> int:
        """Seconds since the epoch of a wall time `days_before` days before the as-of date."""
        return (self.day - days_before) * DAY + hour * 3600 + minute * 60

    def iso(self, secs: int) -> str:
        """ISO-8601 with '+00:00', as the registry records extraction times."""
        return dt.datetime.fromtimestamp(secs, dt.UTC).isoformat()

    @staticmethod
    def uniform(rng: np.random.Generator, lo, hi, n: int | None = None) -> np.ndarray:
        """Integer seconds uniformly in [lo, hi] (arrays or scalars)."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        size = n if n is not None else np.broadcast(lo, hi).shape
        span = np.maximum(hi - lo, 0)
        return lo + (rng.random(size) * (span + 1)).astype(np.int64)

    @staticmethod
    def recent(rng: np.random.Generator, lo, hi, n: int, power: float = 2.0) -> np.ndarray:
        """Seconds in [lo, hi], skewed towards hi (activity grows towards the present)."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        x = rng.random(n) ** power  # concentrated near 0, i.e. near hi
        return hi - (x * np.maximum(hi - lo, 0)).astype(np.int64)
