"""Consent as dated events, and the suppressions that close a channel whatever the events say.

Consent changes over time: someone ticks "send me offers" in 2021, unsubscribes in 2023 and
ticks the box again in 2025. Every opt-in flag on any record of a person, and every unsubscribe
or complaint matched to the person, is an event with a date; for each channel the latest one
decides (a tie goes to the opt-out). When the person's records disagree, the newest statement
is the person's will, whichever source holds it.

- A "no" (False) is an objection, dated by the record's last update, else its sign-up date, else
  when its source was exported (the latest moment we know the flag was as it is).
- A "yes" is an opt-in, dated only by evidence about consent itself: the record's sign-up date.
  A record updated last week for a new phone number, or exported this morning, says nothing
  about when its old `Y` was given, so an undated "yes" never overturns an objection or an
  unsubscribe — it still counts where nobody objected. A missing flag says nothing.
- A suppression's date is its `event_at`; an opt-out whose date cannot be read counts as the
  latest event, because an opt-in cannot be shown to come after it.
- Reasons in `always_win` (registers, erasure, deceased) are not events: they close the channel
  whatever was said before or after (`legal_closures`).

Everything works on integer person codes (positions in the golden table) so that a million
persons are a few sorts of integer arrays, not string group-bys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.contact.rules import CHANNELS, CONSENT_FLAGS, ContactRules

NO_TIME = np.iinfo(np.int64).min  # "unknown time" in int64 seconds (numpy's NaT)
LATEST = np.iinfo(np.int64).max  # an undated opt-out: later than anything


def seconds(values: pd.Series | np.ndarray) -> np.ndarray:
    """Datetimes (naive = UTC, or tz-aware) as int64 seconds since the epoch; NaT → NO_TIME."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        # Already dates (stage 02 writes seconds): cast directly, never through nanoseconds,
        # which stop at 1677..2262 while a valid event date may be older.
        return s.to_numpy().astype("datetime64[s]").astype("int64")
    return pd.to_datetime(s).to_numpy().astype("datetime64[s]").astype("int64")


def _valid_times(records: pd.DataFrame, column: str) -> np.ndarray:
    """A record date column as seconds, NO_TIME where missing or flagged invalid by stage 02."""
    if column not in records.columns:
        return np.full(len(records), NO_TIME, dtype="int64")
    t = seconds(records[column])
    valid = f"{column.removesuffix('_std')}_valid"
    if valid in records.columns:
        t = np.where(records[valid].fillna(False).to_numpy(dtype=bool), t, NO_TIME)
    return t


def record_time(records: pd.DataFrame) -> np.ndarray:
    """When each record's statements were made: last update, else sign-up, else export time."""
    t = _valid_times(records, "record_updated_at_std")
    t = np.where(t == NO_TIME, _valid_times(records, "signup_date_std"), t)
    return np.where(t == NO_TIME, seconds(records["extracted_at"]), t)


def confirmed_time(records: pd.DataFrame) -> np.ndarray:
    """When the customer last confirmed a record (update or sign-up); NO_TIME when never known."""
    return np.maximum(_valid_times(records, "record_updated_at_std"), _valid_times(records, "signup_date_std"))


def last_per_person(codes: np.ndarray, n: int, *keys: np.ndarray) -> np.ndarray:
    """Per person code 0..n-1, the row that sorts last by `keys` (the first key most
    significant; ties: the later row), or -1 when the person has no row. Rows with code < 0
    are ignored. One stable lexsort over integer arrays."""
    idx = np.flatnonzero(codes >= 0)
    out = np.full(n, -1, dtype="int64")
    if len(idx) == 0:
        return out
    order = np.lexsort((idx, *[k[idx] for k in reversed(keys)], codes[idx]))
    rows = idx[order]
    c = codes[rows]
    last = np.append(c[1:] != c[:-1], True)
    out[c[last]] = rows[last]
    return out


@dataclass
class Decision:
    """Per person (arrays of length n): whether an event decided, and what it said."""

    found: np.ndarray  # bool
    opt_in: np.ndarray  # bool: the deciding event is an opt-in
    reason: np.ndarray  # object: opted_in / opted_out / unsubscribe / complaint / …
    at: np.ndarray  # int64 seconds (NO_TIME when none; LATEST for an undated opt-out)
    evidence: np.ndarray  # object: record_key or suppression_id


def take_rows(values: np.ndarray, rows: np.ndarray, fill) -> np.ndarray:
    """values[rows], with `fill` where rows is -1 (no row)."""
    out = np.append(values, np.array([fill], dtype=values.dtype))
    return out[np.where(rows >= 0, rows, len(values))]


def flag_decisions(records: pd.DataFrame, codes: np.ndarray, n: int) -> dict[str, Decision]:
    """Latest stated value of each consent flag per person (over all the person's records).

    Objections are dated by `record_time`; opt-ins by the sign-up date only (module docstring),
    so an old "yes" in a record touched for another reason cannot outrank a newer "no".
    """
    stated = record_time(records)
    consented = _valid_times(records, "signup_date_std")
    keys = records["record_key"].to_numpy(dtype=object)
    out = {}
    for flag in CONSENT_FLAGS:
        col = f"{flag}_std"
        value = (
            records[col].astype("boolean")
            if col in records.columns
            else pd.Series(pd.NA, index=records.index, dtype="boolean")
        )
        given = value.notna().to_numpy()
        yes = value.fillna(False).to_numpy(dtype=bool)
        at = np.where(yes, consented, stated)
        # latest first; at equal times the "no" wins (it sorts after the "yes")
        row = last_per_person(np.where(given, codes, -1), n, at, (~yes).astype("int8"))
        found = row >= 0
        opt_in = found & take_rows(yes, row, False)
        out[flag] = Decision(
            found,
            opt_in,
            np.where(found, np.where(opt_in, "opted_in", "opted_out"), np.array(None, dtype=object)).astype(object),
            take_rows(at, row, NO_TIME),
            take_rows(keys, row, None),
        )
    return out


def closes_channel(matches: pd.DataFrame, rules: ContactRules, channel: str) -> np.ndarray:
    """Which matched suppression rows close `channel`, by their reason's rule and row channel."""
    fixed = [
        r.name
        for r in rules.reasons.values()
        if r.scope == "person" and r.channels not in ("row",) and channel in r.closes(None)
    ]
    per_row = [r.name for r in rules.reasons.values() if r.scope == "person" and r.channels == "row"]
    reason = matches["reason"]
    row_channel = matches["channel"]
    own = row_channel.isna() | row_channel.eq("all") | row_channel.eq(channel) | ~row_channel.isin(CHANNELS)
    return (reason.isin(fixed) | (reason.isin(per_row) & own)).to_numpy(dtype=bool)


def suppression_decisions(
    matches: pd.DataFrame, codes: np.ndarray, n: int, rules: ContactRules, always_win: bool
) -> dict[str, Decision]:
    """Per channel, the deciding suppression per person among the matched rows.

    always_win=True: the reasons of `rules.always_win`, the first listed winning (then the
    latest); always_win=False: the other person-level reasons, as opt-out events (the latest).
    `codes`: person code of each match row.
    """
    rank = {r: i for i, r in enumerate(rules.always_win)}
    in_list = matches["reason"].isin(list(rules.always_win)).to_numpy(dtype=bool)
    chosen = in_list if always_win else ~in_list
    at = seconds(matches["event_at"])
    at = np.where(at == NO_TIME, LATEST, at)
    priority = -matches["reason"].map(rank).fillna(0).to_numpy(dtype="int64")  # first listed sorts last
    reasons = matches["reason"].to_numpy(dtype=object)
    evidence = matches["suppression_id"].to_numpy(dtype=object)
    out = {}
    for channel in CHANNELS:
        use = chosen & closes_channel(matches, rules, channel)
        row = last_per_person(np.where(use, codes, -1), n, priority, at)
        found = row >= 0
        out[channel] = Decision(
            found,
            np.zeros(n, dtype=bool),
            take_rows(reasons, row, None),
            take_rows(at, row, NO_TIME),
            take_rows(evidence, row, None),
        )
    return out


def consent_decisions(
    flags: dict[str, Decision], opt_outs: dict[str, Decision], rules: ContactRules
) -> dict[str, Decision]:
    """Per channel, the latest of the channel's flag and its opt-out suppressions (tie: opt-out)."""
    out = {}
    for channel in CHANNELS:
        f, s = flags[rules.channels[channel].consent_flag], opt_outs[channel]
        sup = s.found & (~f.found | (s.at >= f.at))
        out[channel] = Decision(
            s.found | f.found,
            ~sup & f.opt_in,
            np.where(sup, s.reason, f.reason),
            np.where(sup, s.at, f.at),
            np.where(sup, s.evidence, f.evidence),
        )
    return out
