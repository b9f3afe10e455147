"""Contactability: for every golden person and channel, may we contact them, and why.

The reason is the first step of this ladder that applies (config/contactability.yaml says the
same to analysts):

1. legal: a reason in `always_win` closes the channel (erasure, deceased, do_not_call,
   mail_preference by default; the first listed wins when several apply);
2. data: nothing usable to contact on: no_email, email_bounced (every valid email of the
   person has bounced), no_phone, no_mobile (SMS needs a mobile: a plain fixed line cannot
   receive it), no_address (none given), address_incomplete (given, but no valid address key:
   street, number and a valid postcode);
3. consent: the latest consent event (see `consent`): opted_in → contactable; opted_out,
   unsubscribe, complaint (or any reason taken out of always_win) → not; no event at all:
   no_consent (opt_in channels) or no_objection (opt_out channels, contactable).

Legal before data before consent, so a do-not-call person without a phone is reported as
do_not_call: the answer that stays true when a phone turns up.

`contact` is the value to use on the channel: the email (`email_std`) — the golden email unless
it bounced, then the person's most recent other valid, unbounced one —, the phone in E.164
(for SMS a mobile), the address_key for mail. It is null when the data is missing, and for an
erased person (their data must not travel further). A bounced address is never the contact.
`decided_at` and `evidence_source` name the deciding event (a record_key or a
suppression_id); both are null when nothing but a default decided.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.contact.consent import (
    NO_TIME,
    consent_decisions,
    flag_decisions,
    last_per_person,
    record_time,
    seconds,
    suppression_decisions,
    take_rows,
)
from helpers.contact.rules import CHANNELS, ContactRules
from helpers.frames import object_frame

LEGAL_REASONS = ("erasure", "deceased", "do_not_call", "mail_preference")
DATA_REASONS = ("no_email", "email_bounced", "no_phone", "no_mobile", "no_address", "address_incomplete")
OPT_OUT_REASONS = ("unsubscribe", "complaint", "opted_out", "no_consent")
CONTACTABLE_REASONS = ("opted_in", "no_objection")
# The closed vocabulary of `reason`, in ladder order (expectations/contactability.yaml lists it too).
REASONS: tuple[str, ...] = LEGAL_REASONS + DATA_REASONS + OPT_OUT_REASONS + CONTACTABLE_REASONS
WITHHELD = ("erasure",)  # reasons for which `contact` is not written out
COLUMNS = ["person_id", "channel", "contactable", "reason", "contact", "decided_at", "evidence_source"]
# None as numpy takes it in np.where/np.append (a 0-d object array), spelled out for numpy's stubs.
_NONE = np.array(None, dtype=object)


def person_codes(golden: pd.DataFrame, person_id: pd.Series) -> np.ndarray:
    """Position of each person_id in the golden table (-1 for a person not in it)."""
    return pd.Index(golden["person_id"]).get_indexer(person_id)


def _flag(records: pd.DataFrame, column: str) -> np.ndarray:
    """True only where a validity flag is True. Contacting someone needs a verified value: one
    that could not be checked (null, e.g. a phone without a country) is not enough."""
    if column not in records.columns:
        return np.zeros(len(records), dtype=bool)
    return records[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _choose(codes: np.ndarray, n: int, usable: np.ndarray, preferred: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per person, the usable record to take the contact from: the golden value first, then the
    most recent; -1 when none is usable."""
    return last_per_person(np.where(usable, codes, -1), n, preferred.astype("int8"), at)


def _golden_value(golden: pd.DataFrame, column: str, codes: np.ndarray) -> np.ndarray:
    """The golden value of each record's person (None for records of unknown persons)."""
    if column not in golden.columns:
        return np.full(len(codes), None, dtype=object)
    values = np.append(golden[column].to_numpy(dtype=object), _NONE)
    return values[np.where(codes >= 0, codes, len(golden))]


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return pd.notna(a) & pd.notna(b) & (a == b)


class _Data:
    """Per channel: the chosen contact per person and the data reason when there is none."""

    def __init__(self, n: int):
        self.contact: dict[str, np.ndarray] = {}
        self.reason: dict[str, np.ndarray] = {}
        self.at: dict[str, np.ndarray] = {}
        self.evidence: dict[str, np.ndarray] = {}
        self.n = n

    def put(
        self,
        channel: str,
        contact: np.ndarray,
        reason: np.ndarray,
        at: np.ndarray | None = None,
        evidence: np.ndarray | None = None,
    ) -> None:
        self.contact[channel] = contact
        self.reason[channel] = reason
        self.at[channel] = at if at is not None else np.full(self.n, NO_TIME, dtype="int64")
        self.evidence[channel] = evidence if evidence is not None else np.full(self.n, None, dtype=object)


def contact_data(
    golden: pd.DataFrame, records: pd.DataFrame, codes: np.ndarray, bounced: pd.DataFrame, rules: ContactRules
) -> _Data:
    """The usable contact of every person on every channel, or why there is none.

    Candidates come from all the person's records (they carry the matching keys that bounces
    are compared on), the golden value preferred.
    """
    n = len(golden)
    at = record_time(records)
    data = _Data(n)
    none = np.full(n, None, dtype=object)

    def col(name: str) -> np.ndarray:
        return (
            records[name].to_numpy(dtype=object)
            if name in records.columns
            else np.full(len(records), None, dtype=object)
        )

    def has_any(mask: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[codes[mask & (codes >= 0)]] = True
        return out

    # email: a valid address whose mailbox (email_key) has not bounced
    email, key = col("email_std"), col("email_key")
    valid = _flag(records, "email_valid") & pd.notna(email) & pd.notna(key)
    dead = pd.Series(key).isin(bounced["email_key"]).to_numpy() if len(bounced) else np.zeros(len(records), bool)
    row = _choose(codes, n, valid & ~dead, _same(email, _golden_value(golden, "email", codes)), at)
    contact = take_rows(email, row, None)
    reason = np.where(row >= 0, _NONE, np.where(has_any(valid), "email_bounced", "no_email")).astype(object)
    # evidence of a bounce: the latest bounce among the person's bounced addresses
    b_at = np.full(n, NO_TIME, dtype="int64")
    b_ev = none.copy()
    if len(bounced) and (valid & dead).any():
        info = pd.DataFrame({"email_key": key}).merge(bounced, on="email_key", how="left")
        t = seconds(info["event_at"])
        brow = last_per_person(np.where(valid & dead, codes, -1), n, t)
        has = (brow >= 0) & (reason == "email_bounced")
        b_at = np.where(has, take_rows(t, brow, NO_TIME), NO_TIME)
        b_ev = np.where(has, take_rows(info["suppression_id"].to_numpy(dtype=object), brow, None), _NONE).astype(object)
    data.put("email", contact, reason, b_at, b_ev)

    # phone and SMS: a valid number; SMS needs a type that receives SMS
    phone, ptype = col("phone_std"), col("phone_type")
    valid = _flag(records, "phone_valid") & pd.notna(phone)
    golden_phone = _same(phone, _golden_value(golden, "phone", codes))
    any_phone = has_any(valid)
    for channel, usable, missing in (
        ("phone", valid, np.where(any_phone, _NONE, "no_phone")),
        (
            "sms",
            valid & pd.Series(ptype).isin(list(rules.sms_phone_types)).to_numpy(),
            np.where(any_phone, "no_mobile", "no_phone"),
        ),
    ):
        row = _choose(codes, n, usable, golden_phone, at)
        data.put(channel, take_rows(phone, row, None), np.where(row >= 0, _NONE, missing).astype(object))

    # mail: a valid address key (a dwelling we can write to). The golden address wins even when
    # no record holds it: survivorship applies address moves, so after a move the golden key is
    # the new home and every record still names the one the customer left.
    akey = col("address_key")
    row = _choose(codes, n, pd.notna(akey), _same(akey, _golden_value(golden, "address_key", codes)), at)
    current = golden["address_key"].to_numpy(dtype=object) if "address_key" in golden.columns else none
    mail = np.where(pd.notna(current), current, take_rows(akey, row, None)).astype(object)
    given = pd.notna(col("address_line1")) | pd.notna(col("address_line1_std"))
    data.put(
        "mail",
        mail,
        np.where(pd.notna(mail), _NONE, np.where(has_any(given), "address_incomplete", "no_address")).astype(object),
    )
    return data


def contactability(
    golden: pd.DataFrame,
    records: pd.DataFrame,
    matches: pd.DataFrame,
    bounced: pd.DataFrame,
    rules: ContactRules,
) -> pd.DataFrame:
    """The long table: one row per golden person and channel (COLUMNS), person-major.

    `records`: clean records with person_id; `matches`: suppression row → person
    (`suppressions.match_suppressions`); `bounced`: `suppressions.bounced_addresses`.
    """
    n = len(golden)
    rec_codes = person_codes(golden, records["person_id"])
    sup_codes = person_codes(golden, matches["person_id"])
    legal = suppression_decisions(matches, sup_codes, n, rules, always_win=True)
    consent = consent_decisions(
        flag_decisions(records, rec_codes, n),
        suppression_decisions(matches, sup_codes, n, rules, always_win=False),
        rules,
    )
    data = contact_data(golden, records, rec_codes, bounced, rules)

    k = len(CHANNELS)
    reason = np.empty(n * k, dtype=object)
    contactable = np.zeros(n * k, dtype=bool)
    contact = np.empty(n * k, dtype=object)
    at = np.full(n * k, NO_TIME, dtype="int64")
    evidence = np.empty(n * k, dtype=object)
    for i, channel in enumerate(CHANNELS):
        lg, dt, cs = legal[channel], data, consent[channel]
        has_data = pd.isna(dt.reason[channel])
        default = "no_consent" if rules.channels[channel].model == "opt_in" else "no_objection"
        step = np.select([lg.found, ~has_data, cs.found], [0, 1, 2], 3)  # which rung of the ladder decided
        reason[i::k] = np.choose(step, [lg.reason, dt.reason[channel], cs.reason, np.full(n, default, dtype=object)])
        contactable[i::k] = has_data & ~lg.found & np.where(cs.found, cs.opt_in, default == "no_objection")
        at[i::k] = np.choose(step, [lg.at, dt.at[channel], cs.at, np.full(n, NO_TIME, dtype="int64")])
        evidence[i::k] = np.choose(
            step, [lg.evidence, dt.evidence[channel], cs.evidence, np.full(n, None, dtype=object)]
        )
        contact[i::k] = np.where(lg.found & pd.Series(lg.reason).isin(WITHHELD).to_numpy(), _NONE, dt.contact[channel])
    known = (at != NO_TIME) & (at != np.iinfo(np.int64).max)
    decided_at = np.where(known, at, np.iinfo(np.int64).min).astype("datetime64[s]")
    return object_frame(
        {
            "person_id": np.repeat(golden["person_id"].to_numpy(dtype=object), k),
            "channel": pd.Categorical(np.tile(np.array(CHANNELS, dtype=object), n), categories=list(CHANNELS)),
            "contactable": contactable,
            "reason": pd.Categorical(reason, categories=list(REASONS)),
            "contact": contact,
            "decided_at": decided_at,
            "evidence_source": evidence,
        }
    )


def contactable_shares(table: pd.DataFrame) -> pd.Series:
    """Share of persons contactable on each channel (channel order)."""
    return table.groupby("channel", observed=False)["contactable"].mean().reindex(list(CHANNELS))


def reason_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Persons per reason (rows, ladder order, unused reasons dropped) and channel (columns)."""
    counts = pd.crosstab(table["reason"], table["channel"]).reindex(index=list(REASONS), columns=list(CHANNELS))
    return counts.fillna(0).astype(int).loc[lambda d: d.sum(axis=1) > 0]
