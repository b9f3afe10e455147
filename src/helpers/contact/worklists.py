"""Worklists: customers someone should act on, as tables (the notebook shows sizes and masked
samples; whoever runs the campaign takes the table).

Every worklist leaves out people we may not contact on any channel (erasure, deceased, every
channel closed): a list to call or write to must itself respect the opt-outs. Each carries
`reachable_by`, the first channel (email, phone, sms, mail) on which the person is contactable.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from helpers.contact.consent import NO_TIME, confirmed_time, last_per_person
from helpers.contact.decide import person_codes
from helpers.contact.rules import CHANNELS


def wide(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """One column of the long contactability table as persons × channels.

    The table is person-major with the channels in CHANNELS order (as `contactability` writes
    it), so this is a reshape, not a pivot of millions of rows; anything else is refused.
    """
    k = len(CHANNELS)
    channel = pd.Categorical(table["channel"], categories=list(CHANNELS)).codes
    if len(table) % k or not (channel.reshape(-1, k) == np.arange(k)).all():
        raise ValueError("the contactability table must hold the 4 channels of each person, in order")
    persons = table["person_id"].to_numpy()[::k]
    return pd.DataFrame(table[column].to_numpy().reshape(-1, k), index=pd.Index(persons, name="person_id"),
                        columns=list(CHANNELS))


def reachable_by(table: pd.DataFrame) -> pd.Series:
    """The first channel each person is contactable on (None when none)."""
    ok = wide(table, "contactable").to_numpy(dtype=bool)
    first = np.array(CHANNELS, dtype=object)[ok.argmax(axis=1)]
    return pd.Series(np.where(ok.any(axis=1), first, None), index=wide(table, "reason").index, name="reachable_by")


def bounced_with_phone(table: pd.DataFrame, golden: pd.DataFrame) -> pd.DataFrame:
    """People with no usable email left (every one bounced) whom we may call: call them to get a
    working email. Columns: person_id, email (the golden, bounced, email), phone, bounced_at."""
    reason, contact = wide(table, "reason"), wide(table, "contact")
    ok = wide(table, "contactable")
    pick = (reason["email"].astype(str) == "email_bounced").to_numpy() & ok["phone"].to_numpy(dtype=bool)
    persons = reason.index[pick]
    email = pd.Series(golden["email"].to_numpy(), index=golden["person_id"]).reindex(persons) \
        if "email" in golden.columns else None
    return pd.DataFrame({
        "person_id": persons,
        "email": None if email is None else email.to_numpy(dtype=object),
        "phone": contact["phone"].to_numpy()[pick],
        "bounced_at": wide(table, "decided_at")["email"].to_numpy()[pick],
    })


def profile_completion(golden: pd.DataFrame, table: pd.DataFrame, fields: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """People missing any of `fields` (golden columns), for a profile-completion campaign.

    Columns: person_id, missing (field names, comma-separated), n_missing, reachable_by.
    """
    fields = [f for f in fields if f in golden.columns]
    absent = golden[fields].isna().to_numpy() if fields else np.zeros((len(golden), 0), dtype=bool)
    names = np.array([f + ", " for f in fields], dtype=object)
    missing = (np.where(absent, names, "").sum(axis=1) if fields else np.full(len(golden), "", dtype=object)).astype(str)
    channel = reachable_by(table).reindex(golden["person_id"]).to_numpy(dtype=object)
    keep = absent.any(axis=1) & pd.notna(channel)
    return pd.DataFrame({
        "person_id": golden["person_id"].to_numpy()[keep],
        "missing": pd.Series(missing[keep]).str.removesuffix(", ").to_numpy(dtype=object),
        "n_missing": absent.sum(axis=1)[keep],
        "reachable_by": channel[keep],
    })


def unconfirmed(
    golden: pd.DataFrame, records: pd.DataFrame, table: pd.DataFrame, reference_date: date, months: int
) -> pd.DataFrame:
    """People whose data nobody has confirmed for over `months` months before reference_date:
    the latest update or sign-up date over all their records is older (or unknown).

    Columns: person_id, last_confirmed (NaT = never), months_since (NaN when never), reachable_by.
    """
    n = len(golden)
    codes = person_codes(golden, records["person_id"])
    t = confirmed_time(records)
    row = last_per_person(np.where(t != NO_TIME, codes, -1), n, t)
    last = np.where(row >= 0, t[np.maximum(row, 0)] if len(t) else NO_TIME, NO_TIME).astype("datetime64[s]")
    cutoff = np.datetime64(pd.Timestamp(reference_date) - pd.DateOffset(months=months), "s")
    channel = reachable_by(table).reindex(golden["person_id"]).to_numpy(dtype=object)
    stale = (np.isnat(last) | (last < cutoff)) & pd.notna(channel)
    ref = np.datetime64(pd.Timestamp(reference_date), "s")
    since = (ref - last[stale]).astype("timedelta64[D]").astype("float64") / 30.4375
    since[np.isnat(last[stale])] = np.nan
    return pd.DataFrame({
        "person_id": golden["person_id"].to_numpy()[stale],
        "last_confirmed": last[stale],
        "months_since": np.round(since, 1),
        "reachable_by": channel[stale],
    })
